/*
 * test_log.c — log levels, one line per event, control characters escaped,
 * the JSON form parseable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "log.h"

/* Runs the logging calls of fn with stderr sent to a file; returns what
 * was written (caller frees). */
static char *capture(void (*fn)(void))
{
    char path[] = "/tmp/cf_test_log_XXXXXX";
    int fd = mkstemp(path), saved = dup(STDERR_FILENO);
    char *buf = calloc(1, 65536);
    ssize_t n;

    assert_true(fd >= 0 && saved >= 0 && buf != NULL);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    fn();
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    n = read(fd, buf, 65535);
    assert_true(n >= 0);
    close(fd);
    unlink(path);
    return buf;
}

static void text_events(void)
{
    cf_log_init("cf-test", CF_LOG_INFO, false);
    log_debug("hidden %d", 1);
    log_info("fight %s finished", "abc");
    log_error("bot said \"%s\"", "line1\nline2\x1b[31m");
}

static void json_events(void)
{
    cf_log_init("cf-test", CF_LOG_WARN, true);
    log_info("hidden");
    log_warn("quote \" and newline \n inside");
}

static void level_parse(void **state)
{
    (void)state;
    assert_int_equal(cf_log_level_parse("debug"), CF_LOG_DEBUG);
    assert_int_equal(cf_log_level_parse("INFO"), CF_LOG_INFO);
    assert_int_equal(cf_log_level_parse("warn"), CF_LOG_WARN);
    assert_int_equal(cf_log_level_parse("warning"), CF_LOG_WARN);
    assert_int_equal(cf_log_level_parse("error"), CF_LOG_ERROR);
    assert_int_equal(cf_log_level_parse("loud"), -1);
    assert_int_equal(cf_log_level_parse(""), -1);
    assert_int_equal(cf_log_level_parse(NULL), -1);
}

static void text_lines(void **state)
{
    char *out = capture(text_events);
    char *nl;
    int lines = 0;

    (void)state;
    for (nl = out; (nl = strchr(nl, '\n')) != NULL; nl++)
        lines++;
    assert_int_equal(lines, 2);
    assert_null(strstr(out, "hidden"));
    assert_non_null(strstr(out, " info cf-test: fight abc finished\n"));
    assert_non_null(strstr(out, " error cf-test: bot said \"line1\\x0aline2\\x1b[31m\"\n"));
    free(out);
}

static void json_lines(void **state)
{
    char *out = capture(json_events);
    cJSON *o;

    (void)state;
    assert_null(strstr(out, "hidden"));
    assert_non_null(strchr(out, '\n'));
    assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
    o = cJSON_Parse(out);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "level")->valuestring, "warn");
    assert_string_equal(cJSON_GetObjectItem(o, "prog")->valuestring, "cf-test");
    assert_string_equal(cJSON_GetObjectItem(o, "msg")->valuestring,
                        "quote \" and newline \n inside");
    assert_non_null(cJSON_GetObjectItem(o, "ts"));
    cJSON_Delete(o);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(level_parse),
        cmocka_unit_test(text_lines),
        cmocka_unit_test(json_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
