/*
 * test_signals.c — cf_signals_on_stop: SIGTERM and SIGINT reach the handler
 * without SA_RESTART, SIGPIPE is ignored.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "signals.h"

static volatile sig_atomic_t got;

static void on_stop(int sig)
{
    got = sig;
}

static void term_and_int_call_the_handler(void **state)
{
    struct sigaction now;

    (void)state;
    assert_int_equal(cf_signals_on_stop(on_stop), 0);
    got = 0;
    assert_int_equal(raise(SIGTERM), 0);
    assert_int_equal(got, SIGTERM);
    got = 0;
    assert_int_equal(raise(SIGINT), 0);
    assert_int_equal(got, SIGINT);
    /* No SA_RESTART: a blocking call returns EINTR and the caller sees its
     * stop flag. */
    assert_int_equal(sigaction(SIGTERM, NULL, &now), 0);
    assert_true(now.sa_handler == on_stop);
    assert_int_equal(now.sa_flags & SA_RESTART, 0);
}

static void pipe_is_ignored(void **state)
{
    struct sigaction now;

    (void)state;
    assert_int_equal(cf_signals_on_stop(on_stop), 0);
    got = 0;
    /* Ignored, the process lives on and the handler is not called. */
    assert_int_equal(raise(SIGPIPE), 0);
    assert_int_equal(got, 0);
    assert_int_equal(sigaction(SIGPIPE, NULL, &now), 0);
    assert_true(now.sa_handler == SIG_IGN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(term_and_int_call_the_handler),
        cmocka_unit_test(pipe_is_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
