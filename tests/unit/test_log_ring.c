/*
 * test_log_ring.c — the last warn and error lines a service keeps for its
 * heartbeat: off until enabled, only warn and error, the last
 * CF_LOG_RING_LINES oldest first, long lines cut on a UTF-8 boundary, a
 * child forked while another thread logs can log too.
 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "log.h"
#include "log_ring.h"
#include "text.h"

/* stderr to /dev/null while fn logs. */
static void quietly(void (*fn)(void))
{
    int null = open("/dev/null", O_WRONLY), saved = dup(STDERR_FILENO);
    assert_true(null >= 0 && saved >= 0);
    assert_int_equal(dup2(null, STDERR_FILENO), STDERR_FILENO);
    fn();
    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    close(null);
}

static const char *line_at(const cJSON *arr, int i)
{
    const cJSON *s = cJSON_GetArrayItem(arr, i);
    assert_non_null(s);
    assert_true(cJSON_IsString(s));
    return s->valuestring;
}

static void log_before_enable(void)
{
    log_error("before the ring was on");
}

static void off_until_enabled(void **state)
{
    (void)state;
    cf_log_init("cf-test", CF_LOG_INFO, false);
    quietly(log_before_enable);
    cJSON *arr = cf_log_ring_json();
    assert_non_null(arr);
    assert_int_equal(cJSON_GetArraySize(arr), 0);
    cJSON_Delete(arr);
}

static void log_levels(void)
{
    log_info("an info line");
    log_warn("a warning %d", 1);
    log_debug("a debug line");
    log_error("an error: %s", "bad\nnews");
}

static void keeps_warn_and_error_only(void **state)
{
    (void)state;
    assert_int_equal(cf_log_ring_enable(), 0);
    cf_log_ring_clear();
    cf_log_init("cf-test", CF_LOG_DEBUG, true); /* the JSON form keeps the same lines */
    quietly(log_levels);
    cJSON *arr = cf_log_ring_json();
    assert_int_equal(cJSON_GetArraySize(arr), 2);
    assert_non_null(strstr(line_at(arr, 0), " warn a warning 1"));
    /* One line: the newline of the message is escaped. */
    assert_non_null(strstr(line_at(arr, 1), " error an error: bad\\x0anews"));
    assert_null(strchr(line_at(arr, 1), '\n'));
    cJSON_Delete(arr);
}

static void log_many(void)
{
    for (int i = 0; i < CF_LOG_RING_LINES + 5; i++)
        log_warn("line %d", i);
}

static void keeps_the_last_lines_oldest_first(void **state)
{
    (void)state;
    assert_int_equal(cf_log_ring_enable(), 0);
    cf_log_ring_clear();
    cf_log_init("cf-test", CF_LOG_INFO, false);
    quietly(log_many);
    cJSON *arr = cf_log_ring_json();
    assert_int_equal(cJSON_GetArraySize(arr), CF_LOG_RING_LINES);
    char want[32];
    snprintf(want, sizeof want, " line %d", 5);
    assert_non_null(strstr(line_at(arr, 0), want));
    snprintf(want, sizeof want, " line %d", CF_LOG_RING_LINES + 4);
    assert_non_null(strstr(line_at(arr, CF_LOG_RING_LINES - 1), want));
    cJSON_Delete(arr);
}

static void long_lines_cut_on_a_character(void **state)
{
    (void)state;
    assert_int_equal(cf_log_ring_enable(), 0);
    cf_log_ring_clear();
    char line[4 * CF_LOG_RING_LINE_MAX];
    size_t n = 0;
    line[n++] = 'x';
    while (n + 2 < sizeof line - 1) {
        memcpy(line + n, "\xc3\xa9", 2); /* é: a cut inside it would be invalid */
        n += 2;
    }
    line[n] = '\0';
    cf_log_ring_push(line);
    cf_log_ring_push("invalid \xff byte");
    cJSON *arr = cf_log_ring_json();
    const char *kept = line_at(arr, 0);
    assert_true(strlen(kept) < CF_LOG_RING_LINE_MAX);
    assert_true(strlen(kept) > CF_LOG_RING_LINE_MAX - 4);
    assert_true(cf_utf8_valid(kept, strlen(kept)));
    const char *bad = line_at(arr, 1);
    assert_true(cf_utf8_valid(bad, strlen(bad)));
    assert_non_null(strstr(bad, "\xef\xbf\xbd")); /* U+FFFD */
    cJSON_Delete(arr);
}

static void *logger(void *arg)
{
    volatile int *stop = arg;
    while (!*stop)
        cf_log_ring_push("from the other thread");
    return NULL;
}

/* Forks while another thread pushes: each child logs and exits at once. */
static void fork_while_logging(void **state)
{
    (void)state;
    assert_int_equal(cf_log_ring_enable(), 0);
    volatile int stop = 0;
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, logger, (void *)&stop), 0);
    for (int i = 0; i < 50; i++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            alarm(5); /* a lock inherited taken would hang here */
            cf_log_ring_push("in the child");
            _exit(0);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    stop = 1;
    assert_int_equal(pthread_join(tid, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(off_until_enabled),
        cmocka_unit_test(keeps_warn_and_error_only),
        cmocka_unit_test(keeps_the_last_lines_oldest_first),
        cmocka_unit_test(long_lines_cut_on_a_character),
        cmocka_unit_test(fork_while_logging),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
