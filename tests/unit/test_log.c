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

#include "json_util.h"
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

static void json_invalid_utf8_events(void)
{
    char long_msg[9000];

    cf_log_init("cf-test", CF_LOG_INFO, true);
    log_info("bot printed \xff\xfe and \xc3");
    /* 'é' (2 bytes) repeated past the line limit: the cut falls mid-character. */
    for (size_t i = 0; i + 2 < sizeof long_msg; i += 2)
        memcpy(long_msg + i, "\xc3\xa9", 2);
    long_msg[sizeof long_msg - 1 - (sizeof long_msg - 1) % 2] = '\0';
    log_info("x%s", long_msg);
}

/* A JSON line must stay valid UTF-8 (hence JSON a strict reader accepts)
 * whatever bytes the message held. */
static void json_lines_are_utf8(void **state)
{
    char *out = capture(json_invalid_utf8_events), *line = out, *nl;
    char err[128];
    int lines = 0;

    (void)state;
    while ((nl = strchr(line, '\n')) != NULL) {
        cJSON *o = cf_json_parse(line, (size_t)(nl - line), 65536, err, sizeof err);

        if (o == NULL)
            fail_msg("line %d is not strict JSON: %s", lines + 1, err);
        if (lines == 0)
            assert_string_equal(cJSON_GetObjectItem(o, "msg")->valuestring,
                                "bot printed \xef\xbf\xbd\xef\xbf\xbd and \xef\xbf\xbd");
        cJSON_Delete(o);
        lines++;
        line = nl + 1;
    }
    assert_int_equal(lines, 2);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(level_parse),
        cmocka_unit_test(text_lines),
        cmocka_unit_test(json_lines),
        cmocka_unit_test(json_lines_are_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
