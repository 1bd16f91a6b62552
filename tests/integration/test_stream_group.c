/*
 * test_stream_group.c — common/stream_group.c on a real Redis (CF_REDIS_URL,
 * required): group creation (BUSYGROUP is success), pruning of idle
 * consumers (self, pending and recent ones stay), dead letters (fields
 * capped, source and entry kept), the default consumer name, and entries
 * copied out of replies (a pending entry deleted from the stream comes
 * back with no fields), and the wait on several streams at once (new
 * entries wake it, handed-out ones do not, it takes nothing).
 *
 * Suites share the server, so this one claims an empty logical database
 * (1-15) with SET cf:test:owner NX, like lib.sh, and flushes it at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "stream_group.h"
#include "streams.h"

static cf_redis *g_r;
static char g_url[1200]; /* the claimed database's URL */

/* CF_REDIS_URL with its database replaced by db. */
static int url_with_db(const char *url, int db, char *out, size_t outlen)
{
    if (strncmp(url, "redis://", 8) != 0)
        return -1;
    const char *slash = strchr(url + 8, '/');
    int hostlen = slash != NULL ? (int)(slash - url) : (int)strlen(url);
    int n = snprintf(out, outlen, "%.*s/%d", hostlen, url, db);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

static long long integer_of(const char *fmt, const char *a, const char *b)
{
    redisReply *rep = cf_redis_command(g_r, fmt, a, b);
    assert_non_null(rep);
    long long v = rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;
    freeReplyObject(rep);
    return v;
}

static void run(const char *fmt, const char *a, const char *b, const char *c)
{
    redisReply *rep = cf_redis_command(g_r, fmt, a, b, c);
    assert_non_null(rep);
    if (rep->type == REDIS_REPLY_ERROR)
        fail_msg("%s: %s", fmt, rep->str);
    freeReplyObject(rep);
}

/* An empty database (1-15) on which SET cf:test:owner NX wins is ours. */
static bool claim(cf_redis *r)
{
    redisReply *size = cf_redis_command(r, "DBSIZE");
    bool empty = size != NULL && size->type == REDIS_REPLY_INTEGER && size->integer == 0;
    if (size)
        freeReplyObject(size);
    if (!empty)
        return false;
    redisReply *rep = cf_redis_command(r, "SET cf:test:owner stream-group-%d NX", (int)getpid());
    bool won = rep != NULL && rep->type == REDIS_REPLY_STATUS;
    if (rep)
        freeReplyObject(rep);
    return won;
}

static int setup(void **state)
{
    (void)state;
    const char *url = getenv("CF_REDIS_URL");
    if (url == NULL || url[0] == '\0') {
        fprintf(stderr, "CF_REDIS_URL is not set\n");
        return -1;
    }
    char err[256], dburl[1200];
    for (int db = 1; db <= 15; db++) {
        if (url_with_db(url, db, dburl, sizeof dburl) != 0) {
            fprintf(stderr, "CF_REDIS_URL must be redis://host:port[/db]\n");
            return -1;
        }
        cf_redis *r = cf_redis_connect(dburl, 5000, err, sizeof err);
        if (r == NULL) {
            fprintf(stderr, "redis: %s\n", err);
            return -1;
        }
        if (claim(r)) {
            g_r = r;
            snprintf(g_url, sizeof g_url, "%s", dburl);
            return 0;
        }
        cf_redis_free(r);
    }
    fprintf(stderr, "no empty Redis database (1-15) left\n");
    return -1;
}

static int teardown(void **state)
{
    (void)state;
    if (g_r != NULL) {
        redisReply *rep = cf_redis_command(g_r, "FLUSHDB");
        if (rep)
            freeReplyObject(rep);
        cf_redis_free(g_r);
    }
    return 0;
}

static void test_group_create(void **state)
{
    (void)state;
    assert_int_equal(cf_group_create(g_r, "sg:a", "g", "0"), 0);
    assert_int_equal(integer_of("EXISTS %s%s", "sg:a", ""), 1);  /* MKSTREAM */
    assert_int_equal(cf_group_create(g_r, "sg:a", "g", "0"), 0); /* BUSYGROUP */
    run("SET %s %s%s", "sg:str", "x", "");
    assert_int_equal(cf_group_create(g_r, "sg:str", "g", "$"), -1); /* WRONGTYPE */
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static bool has_consumer(const char *stream, const char *group, const char *name)
{
    redisReply *rep = cf_redis_command(g_r, "XINFO CONSUMERS %s %s", stream, group);
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
    bool found = false;
    for (size_t c = 0; c < rep->elements; c++) {
        const redisReply *info = rep->element[c];
        for (size_t i = 0; i + 1 < info->elements; i += 2)
            if (strcmp(info->element[i]->str, "name") == 0 &&
                strcmp(info->element[i + 1]->str, name) == 0)
                found = true;
    }
    freeReplyObject(rep);
    return found;
}

static void test_prune_consumers(void **state)
{
    (void)state;
    assert_int_equal(cf_group_create(g_r, "sg:p", "g", "0"), 0);
    run("XADD %s * k %s%s", "sg:p", "v", "");
    run("XGROUP CREATECONSUMER %s %s %s", "sg:p", "g", "self");
    run("XGROUP CREATECONSUMER %s %s %s", "sg:p", "g", "old");
    run("XREADGROUP GROUP g busy COUNT 1 STREAMS %s %s%s", "sg:p", ">", "");
    sleep_ms(300);
    run("XGROUP CREATECONSUMER %s %s %s", "sg:p", "g", "recent");
    /* Only "old": idle, nothing pending, not self. */
    assert_int_equal(cf_group_prune_consumers(g_r, "sg:p", "g", "self", 200), 1);
    assert_false(has_consumer("sg:p", "g", "old"));
    assert_true(has_consumer("sg:p", "g", "self"));
    assert_true(has_consumer("sg:p", "g", "busy"));
    assert_true(has_consumer("sg:p", "g", "recent"));
    assert_int_equal(cf_group_prune_consumers(g_r, "sg:p", "g", "self", 200), 0);
    /* No such group: an error, not a count. */
    assert_int_equal(cf_group_prune_consumers(g_r, "sg:none", "g", "self", 0), -1);
}

static void test_dead_letter(void **state)
{
    (void)state;
    const cf_field f[] = {{"game", 4, "tanks", 5}, {"code", 4, "0123456789", 10}};
    assert_int_equal(cf_dead_letter(g_r, 100, "bad entry", "cf:fights", "1-2", f, 2, 4), 0);
    assert_int_equal(cf_dead_letter(g_r, 100, "trimmed", "cf:results", "3-4", NULL, 0, 4), 0);
    redisReply *rep = cf_redis_command(g_r, "XRANGE %s - +", CF_STREAM_DEAD);
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
    assert_int_equal(rep->elements, 2);
    const char *want0[] = {"reason", "bad entry", "source", "cf:fights", "entry",
                           "1-2",    "game",      "tank",   "code",      "0123"};
    const redisReply *kv = rep->element[0]->element[1];
    assert_int_equal(kv->elements, 10);
    for (size_t i = 0; i < 10; i++)
        assert_string_equal(kv->element[i]->str, want0[i]);
    const char *want1[] = {"reason", "trimmed", "source", "cf:results", "entry", "3-4"};
    kv = rep->element[1]->element[1];
    assert_int_equal(kv->elements, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(kv->element[i]->str, want1[i]);
    freeReplyObject(rep);
}

static void test_consumer_name(void **state)
{
    (void)state;
    char name[128], want[128], host[64] = "host";
    cf_consumer_name(name, sizeof name, "sim-1");
    assert_string_equal(name, "sim-1");
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "host");
    host[sizeof host - 1] = '\0';
    snprintf(want, sizeof want, "%s-%d", host, (int)getpid());
    cf_consumer_name(name, sizeof name, "");
    assert_string_equal(name, want);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A child that appends to stream after delay_ms, on its own connection. */
static pid_t add_later(const char *stream, long delay_ms)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char err[256];
        sleep_ms(delay_ms);
        cf_redis *r = cf_redis_connect(g_url, 5000, err, sizeof err);
        redisReply *rep = r != NULL ? cf_redis_command(r, "XADD %s * k late", stream) : NULL;
        _exit(rep != NULL && rep->type == REDIS_REPLY_STRING ? 0 : 1);
    }
    return pid;
}

static void test_consumers_wait(void **state)
{
    (void)state;
    cf_consumer a, b;
    cf_consumer_init(&a, g_r, "sg:wa", "g", "me", 60000);
    cf_consumer_init(&b, g_r, "sg:wb", "g", "me", 60000);
    cf_consumer *both[] = {&a, &b};

    /* A missing group: the caller must read each stream as before. */
    a.pending_cursor[0] = b.pending_cursor[0] = '\0';
    assert_int_equal(cf_consumers_wait(both, 2, 50), -1);

    assert_int_equal(cf_consumer_ensure_group(&a, "0"), 0);
    assert_int_equal(cf_consumer_ensure_group(&b, "0"), 0);
    /* Own pending entries still to be read: no waiting. */
    cf_consumer_init(&a, g_r, "sg:wa", "g", "me", 60000);
    assert_int_equal(cf_consumers_wait(both, 2, 2000), 1);
    a.pending_cursor[0] = b.pending_cursor[0] = '\0';

    /* Nothing new: the time runs out. */
    long long t0 = now_ms();
    assert_int_equal(cf_consumers_wait(both, 2, 200), 0);
    assert_true(now_ms() - t0 >= 150);

    /* An entry the group has not handed out, on the second stream: at once,
     * and the wait takes nothing (the group still hands it out). */
    run("XADD %s * %s %s", "sg:wb", "k", "v");
    t0 = now_ms();
    assert_int_equal(cf_consumers_wait(both, 2, 5000), 1);
    assert_true(now_ms() - t0 < 1000);
    cf_entry *es;
    size_t n;
    bool fresh;
    assert_int_equal(cf_consumer_read(&b, 10, 0, &es, &n, &fresh), 1);
    assert_int_equal(n, 1);
    cf_entries_free(es, n);
    /* Handed out (pending, not acknowledged): nothing new any more. */
    assert_int_equal(cf_consumers_wait(both, 2, 100), 0);

    /* One that comes while waiting wakes the wait long before its end. */
    pid_t child = add_later("sg:wa", 300);
    t0 = now_ms();
    assert_int_equal(cf_consumers_wait(both, 2, 10000), 1);
    long long waited = now_ms() - t0;
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(waited >= 200 && waited < 5000);
}

static void test_entries_from_reply(void **state)
{
    (void)state;
    assert_int_equal(cf_group_create(g_r, "sg:e", "g", "0"), 0);
    run("XADD %s 1-1 game tanks code %s%s", "sg:e", "x", "");
    run("XADD %s 2-1 empty %s%s", "sg:e", "", "");
    run("XREADGROUP GROUP g c STREAMS %s %s%s", "sg:e", ">", "");
    run("XDEL %s %s%s", "sg:e", "2-1", "");
    /* Own pending entries: 1-1 whole, 2-1 deleted while pending. */
    redisReply *rep = cf_redis_command(g_r, "XREADGROUP GROUP g c STREAMS sg:e 0");
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
    cf_entry *es = NULL;
    size_t n = 0;
    assert_int_equal(cf_entries_from_reply(rep->element[0]->element[1], &es, &n), 2);
    assert_int_equal(n, 2);
    assert_string_equal(es[0].id, "1-1");
    assert_int_equal(es[0].nfields, 2);
    const cf_field *code = cf_entry_field(&es[0], "code");
    assert_non_null(code);
    assert_int_equal(code->val_len, 1);
    assert_string_equal(code->val, "x");
    assert_string_equal(cf_entry_field(&es[0], "game")->val, "tanks");
    assert_null(cf_entry_field(&es[0], "cod"));
    assert_string_equal(es[1].id, "2-1");
    assert_int_equal(es[1].nfields, 0);
    cf_entries_free(es, n);
    /* Not a list at all: an error; nil: nothing. */
    assert_int_equal(cf_entries_from_reply(rep->element[0]->element[0], &es, &n), -1);
    assert_null(es);
    assert_int_equal(cf_entries_from_reply(NULL, &es, &n), 0);
    assert_int_equal(n, 0);
    freeReplyObject(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_create),       cmocka_unit_test(test_prune_consumers),
        cmocka_unit_test(test_dead_letter),        cmocka_unit_test(test_consumer_name),
        cmocka_unit_test(test_entries_from_reply), cmocka_unit_test(test_consumers_wait),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
