/*
 * test_redis_conn.c — the Redis helper against the real Redis of the test
 * stack (CF_REDIS_URL, and CF_REDIS_SOCKET when set: a socket path or a
 * unix:// URL). Fails when CF_REDIS_URL is absent: it must not pass by
 * testing nothing.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "redis_conn.h"

static const char *url;
static cf_redis_addr addr;

static cf_redis *must_connect(const char *u)
{
    char err[256];
    cf_redis *r = cf_redis_connect(u, 5000, err, sizeof err);

    if (r == NULL)
        fail_msg("connect %s: %s", u, err);
    return r;
}

static long long client_id(cf_redis *r)
{
    redisReply *rep = cf_redis_command(r, "CLIENT ID");
    long long id;

    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_INTEGER);
    id = rep->integer;
    freeReplyObject(rep);
    return id;
}

static void tcp_commands(void **state)
{
    cf_redis *r = must_connect(url);
    const char *argv[3] = {"SET", "cf:test:bin", "a\0b"};
    const size_t lens[3] = {3, 11, 3};
    redisReply *rep;

    (void)state;
    rep = cf_redis_command(r, "SET cf:test:k %s", "hello world");
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_STATUS);
    freeReplyObject(rep);
    rep = cf_redis_command(r, "GET cf:test:k");
    assert_non_null(rep);
    assert_string_equal(rep->str, "hello world");
    freeReplyObject(rep);

    rep = cf_redis_argv(r, 3, argv, lens);
    assert_non_null(rep);
    freeReplyObject(rep);
    rep = cf_redis_command(r, "GET cf:test:bin");
    assert_non_null(rep);
    assert_int_equal(rep->len, 3);
    assert_memory_equal(rep->str, "a\0b", 3);
    freeReplyObject(rep);

    /* An error reply is an answer: returned as is, connection kept. */
    rep = cf_redis_command(r, "INCR cf:test:k");
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_ERROR);
    freeReplyObject(rep);
    rep = cf_redis_command(r, "DEL cf:test:k cf:test:bin");
    assert_non_null(rep);
    assert_int_equal(rep->integer, 2);
    freeReplyObject(rep);
    cf_redis_free(r);
}

static void unix_socket(void **state)
{
    const char *sock = getenv("CF_REDIS_SOCKET");
    char u[512];
    cf_redis *r;
    redisReply *rep;

    (void)state;
    if (sock == NULL || *sock == '\0') {
        printf("CF_REDIS_SOCKET not set: unix socket case not run\n");
        return;
    }
    if (strncmp(sock, "unix://", 7) == 0)
        snprintf(u, sizeof u, "%s", sock);
    else
        snprintf(u, sizeof u, "unix://%s", sock);
    r = must_connect(u);
    rep = cf_redis_command(r, "PING");
    assert_non_null(rep);
    assert_string_equal(rep->str, "PONG");
    freeReplyObject(rep);
    cf_redis_free(r);
}

static void reconnects_after_client_kill(void **state)
{
    cf_redis *r = must_connect(url), *killer = must_connect(url);
    long long before = client_id(r), after;
    redisReply *rep;

    (void)state;
    rep = cf_redis_command(killer, "CLIENT KILL ID %lld", before);
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_INTEGER);
    assert_int_equal(rep->integer, 1);
    freeReplyObject(rep);

    /* The next command meets a closed socket, reconnects and succeeds. */
    rep = cf_redis_command(r, "PING");
    assert_non_null(rep);
    assert_string_equal(rep->str, "PONG");
    freeReplyObject(rep);
    after = client_id(r);
    assert_true(after != before);
    cf_redis_free(killer);
    cf_redis_free(r);
}

/* A command in two halves: sent, other work meanwhile (here another
 * connection's), then its reply; the connection goes on as before. */
static void sent_then_replied(void **state)
{
    cf_redis *r = must_connect(url), *other = must_connect(url);
    const char *argv[] = {"INCR", "cf:test:sent"};
    cf_redis_sent sent;
    redisReply *rep;

    (void)state;
    freeReplyObject(cf_redis_command(r, "DEL cf:test:sent"));
    for (long long i = 1; i <= 3; i++) {
        cf_redis_send_argv(r, &sent, 2, argv, NULL);
        assert_true(sent.written);
        rep = cf_redis_command(other, "PING");
        assert_non_null(rep);
        freeReplyObject(rep);
        rep = cf_redis_reply(r, &sent);
        assert_non_null(rep);
        assert_int_equal(rep->type, REDIS_REPLY_INTEGER);
        assert_int_equal(rep->integer, i); /* sent once each time */
        assert_null(sent.cmd);
        freeReplyObject(rep);
    }
    rep = cf_redis_command(r, "GET cf:test:sent");
    assert_non_null(rep);
    assert_string_equal(rep->str, "3");
    freeReplyObject(rep);
    freeReplyObject(cf_redis_command(r, "DEL cf:test:sent"));
    cf_redis_free(other);
    cf_redis_free(r);
}

/* The connection lost before the send: the reply comes from the command
 * sent again on a new connection. */
static void sent_on_a_lost_connection(void **state)
{
    cf_redis *r = must_connect(url), *killer = must_connect(url);
    long long before = client_id(r);
    const char *argv[] = {"ECHO", "still here"};
    cf_redis_sent sent;
    redisReply *rep;

    (void)state;
    rep = cf_redis_command(killer, "CLIENT KILL ID %lld", before);
    assert_non_null(rep);
    assert_int_equal(rep->integer, 1);
    freeReplyObject(rep);
    cf_redis_send_argv(r, &sent, 2, argv, NULL); /* the write may still succeed */
    rep = cf_redis_reply(r, &sent);
    assert_non_null(rep);
    assert_string_equal(rep->str, "still here");
    freeReplyObject(rep);
    assert_true(client_id(r) != before);
    cf_redis_free(killer);
    cf_redis_free(r);
}

/* The connection lost between the send and the reply: the command is
 * sent again on a new connection, whose reply is the one returned. */
static void lost_between_send_and_reply(void **state)
{
    cf_redis *r = must_connect(url), *killer = must_connect(url);
    long long before = client_id(r);
    const char *argv[] = {"BLPOP", "cf:test:halves", "5"};
    cf_redis_sent sent;
    redisReply *rep;

    (void)state;
    freeReplyObject(cf_redis_command(killer, "DEL cf:test:halves"));
    cf_redis_send_argv(r, &sent, 3, argv, NULL);
    assert_true(sent.written);
    /* r's BLPOP now waits in Redis; its connection is killed, then the
     * list filled: only a BLPOP sent again can take the value. */
    rep = cf_redis_command(killer, "CLIENT KILL ID %lld", before);
    assert_non_null(rep);
    assert_int_equal(rep->integer, 1);
    freeReplyObject(rep);
    freeReplyObject(cf_redis_command(killer, "RPUSH cf:test:halves v"));
    rep = cf_redis_reply(r, &sent);
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
    assert_int_equal(rep->elements, 2);
    assert_string_equal(rep->element[1]->str, "v");
    freeReplyObject(rep);
    assert_true(client_id(r) != before);
    cf_redis_free(killer);
    cf_redis_free(r);
}

static void selects_database(void **state)
{
    char u[600];
    cf_redis *r0, *r1;
    redisReply *rep;

    (void)state;
    if (addr.path[0] != '\0') {
        snprintf(u, sizeof u, "unix://%s?db=1%s%s", addr.path, addr.password[0] ? "&password=" : "",
                 addr.password);
    } else {
        bool v6 = strchr(addr.host, ':') != NULL;
        snprintf(u, sizeof u, "redis://%s%s%s%s%s%s:%d/1", addr.password[0] ? ":" : "",
                 addr.password, addr.password[0] ? "@" : "", v6 ? "[" : "", addr.host,
                 v6 ? "]" : "", addr.port);
    }
    r1 = must_connect(u);
    r0 = must_connect(url);
    rep = cf_redis_command(r1, "SET cf:test:db1 x");
    assert_non_null(rep);
    freeReplyObject(rep);
    rep = cf_redis_command(r0, "EXISTS cf:test:db1");
    assert_non_null(rep);
    assert_int_equal(rep->integer, addr.db == 1 ? 1 : 0);
    freeReplyObject(rep);
    rep = cf_redis_command(r1, "DEL cf:test:db1");
    assert_non_null(rep);
    assert_int_equal(rep->integer, 1);
    freeReplyObject(rep);
    cf_redis_free(r0);
    cf_redis_free(r1);
}

static void gives_up_at_the_deadline(void **state)
{
    char err[256];
    long long t0 = cf_now_ms(), dt;

    (void)state;
    /* Port 1 on loopback: nothing listens, connections are refused. */
    assert_null(cf_redis_connect("redis://127.0.0.1:1", 400, err, sizeof err));
    dt = cf_now_ms() - t0;
    assert_true(dt >= 300 && dt < 3000);
    assert_non_null(strstr(err, "connect"));
}

static void wrong_password_is_fatal_at_once(void **state)
{
    char u[600], err[256];
    long long t0 = cf_now_ms();

    (void)state;
    if (addr.path[0] != '\0' || addr.password[0] != '\0') {
        printf("server URL has a password or socket: wrong-password case not run\n");
        return;
    }
    snprintf(u, sizeof u, "redis://:wrong-password@%s:%d", addr.host, addr.port);
    /* retry 0 means forever for I/O errors, but AUTH refused is no I/O error. */
    assert_null(cf_redis_connect(u, 0, err, sizeof err));
    assert_non_null(strstr(err, "AUTH"));
    assert_true(cf_now_ms() - t0 < 3000);
}

static void stop_flag_ends_retries(void **state)
{
    static volatile sig_atomic_t stop;
    cf_redis *r = must_connect(url), *killer = must_connect(url);
    long long id = client_id(r), t0;
    redisReply *rep;

    (void)state;
    cf_redis_set_stop_flag(r, &stop);
    rep = cf_redis_command(killer, "CLIENT KILL ID %lld", id);
    assert_non_null(rep);
    freeReplyObject(rep);
    stop = 1;
    t0 = cf_now_ms();
    assert_null(cf_redis_command(r, "PING"));
    assert_true(cf_now_ms() - t0 < 1000);
    assert_true(strlen(cf_redis_error(r)) > 0);
    cf_redis_free(killer);
    cf_redis_free(r);
}

/* cf_redis_connect_until: the stop flag, set by a timer's signal as a
 * SIGTERM would set a service's. */
static volatile sig_atomic_t until_stop;

static void on_alarm(int sig)
{
    (void)sig;
    until_stop = 1;
}

/* SIGALRM sets until_stop after ms (without SA_RESTART, like the services). */
static void stop_after(long ms)
{
    struct sigaction sa = {.sa_handler = on_alarm};
    struct itimerval it = {.it_value = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000}};

    until_stop = 0;
    assert_int_equal(sigemptyset(&sa.sa_mask), 0);
    assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void until_connects_and_keeps_the_flag(void **state)
{
    char err[256];
    cf_redis *r, *killer = must_connect(url);
    long long t0;
    redisReply *rep;

    (void)state;
    until_stop = 0;
    r = cf_redis_connect_until(url, 0, &until_stop, err, sizeof err);
    if (r == NULL)
        fail_msg("connect_until %s: %s", url, err);
    rep = cf_redis_command(r, "PING");
    assert_non_null(rep);
    freeReplyObject(rep);
    /* The flag it was given is the connection's stop flag: once set, a lost
     * connection is not waited for (retry 0 would wait forever otherwise). */
    rep = cf_redis_command(killer, "CLIENT KILL ID %lld", client_id(r));
    assert_non_null(rep);
    freeReplyObject(rep);
    until_stop = 1;
    t0 = cf_now_ms();
    assert_null(cf_redis_command(r, "PING"));
    assert_true(cf_now_ms() - t0 < 1000);
    cf_redis_free(killer);
    cf_redis_free(r);
}

static void until_already_stopped_does_not_connect(void **state)
{
    char err[256] = "";

    (void)state;
    until_stop = 1;
    assert_null(cf_redis_connect_until(url, 0, &until_stop, err, sizeof err));
    assert_non_null(strstr(err, "stopped"));
}

static void until_stop_ends_the_first_connect(void **state)
{
    char err[256] = "";
    long long t0 = cf_now_ms(), dt;

    (void)state;
    /* Nothing listens on port 1 and retry 0 backs off forever: only the
     * flag, set 300 ms in, can end this (a hang fails by the test timeout). */
    stop_after(300);
    assert_null(cf_redis_connect_until("redis://127.0.0.1:1", 0, &until_stop, err, sizeof err));
    dt = cf_now_ms() - t0;
    assert_true(dt >= 250 && dt < 3000);
    assert_non_null(strstr(err, "stopped"));
}

static void until_retries_a_fatal_error(void **state)
{
    char u[600], err[256] = "";
    long long t0 = cf_now_ms(), dt;

    (void)state;
    if (addr.path[0] != '\0' || addr.password[0] != '\0') {
        printf("server URL has a password or socket: wrong-password case not run\n");
        return;
    }
    snprintf(u, sizeof u, "redis://:wrong-password@%s:%d", addr.host, addr.port);
    /* AUTH refused ends cf_redis_connect at once; connect_until tries again
     * each second (a password may be fixed on the server) until stopped. */
    stop_after(1500);
    assert_null(cf_redis_connect_until(u, 0, &until_stop, err, sizeof err));
    dt = cf_now_ms() - t0;
    assert_true(dt >= 1400 && dt < 3500);
    assert_non_null(strstr(err, "stopped"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tcp_commands),
        cmocka_unit_test(unix_socket),
        cmocka_unit_test(reconnects_after_client_kill),
        cmocka_unit_test(sent_then_replied),
        cmocka_unit_test(sent_on_a_lost_connection),
        cmocka_unit_test(lost_between_send_and_reply),
        cmocka_unit_test(selects_database),
        cmocka_unit_test(gives_up_at_the_deadline),
        cmocka_unit_test(wrong_password_is_fatal_at_once),
        cmocka_unit_test(stop_flag_ends_retries),
        cmocka_unit_test(until_connects_and_keeps_the_flag),
        cmocka_unit_test(until_already_stopped_does_not_connect),
        cmocka_unit_test(until_stop_ends_the_first_connect),
        cmocka_unit_test(until_retries_a_fatal_error),
    };
    char err[256];

    url = getenv("CF_REDIS_URL");
    if (url == NULL || *url == '\0') {
        fprintf(stderr, "CF_REDIS_URL is not set: this test needs the real Redis "
                        "(scripts/stack start, then . $CF_RUN_DIR/env)\n");
        return 1;
    }
    if (cf_redis_parse_url(url, &addr, err, sizeof err) != 0) {
        fprintf(stderr, "CF_REDIS_URL: %s\n", err);
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
