/*
 * test_outbox_relays.c — two outbox relays (web/outbox.c), as two cf-web
 * processes run them, keep the fair queue's bound: at most
 * web.max_fights_in_stream (here 1) of one host's fights sent and not
 * over (label web; cmocka; a scratch database on CF_DATABASE_URL's server,
 * migrated by CF_MIGRATE_BIN; no Redis: each relay XADDs to a fake Redis
 * of the test's on a Unix socket, which answers when told to).
 *
 * The race, made certain: relay A takes the host's only visible row (f6)
 * and waits in its XADD, its transaction open. Meanwhile an older row of
 * the same host (f5, inserted first by a transaction that commits only
 * now) becomes visible. Relay B's round then sees f5 unsent, A's f6 still
 * unsent (not committed) and nothing of the host in the stream: alone it
 * would send f5, and the host would have two fights in cf:fights. With
 * one round at a time, B does nothing, and f5 goes once f6 is over.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch_db.h"
#include "web.h"

web_settings web_cfg = {.max_fights_in_stream = 1};

/* ---- a fake Redis: answers each command with a stream id, when open ---- */

typedef struct fake_redis {
    char path[108];
    int listen_fd;
    pthread_t tid;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int commands; /* commands received */
    bool open;    /* answer at once; else wait until opened */
} fake_redis;

/* Reads one header line of RESP (*N or $len) from fd: its number, or -1
 * at the end of the connection. */
static long read_header(int fd)
{
    char line[64];
    size_t n = 0;
    for (;;) {
        if (n + 1 >= sizeof line || read(fd, line + n, 1) != 1)
            return -1;
        if (line[n++] == '\n')
            break;
    }
    line[n] = '\0';
    return strtol(line + 1, NULL, 10);
}

/* Reads one RESP array of bulk strings (a command) from fd; 0, or -1 at
 * the end of the connection. */
static int read_command(int fd)
{
    long items = read_header(fd);
    if (items < 0)
        return -1;
    for (long i = 0; i < items; i++) {
        long left = read_header(fd);
        if (left < 0)
            return -1;
        for (left += 2; left > 0;) { /* the value and its CRLF */
            char buf[4096];
            ssize_t got = read(fd, buf, (size_t)(left < 4096 ? left : 4096));
            if (got <= 0)
                return -1;
            left -= got;
        }
    }
    return 0;
}

static void *fake_main(void *arg)
{
    fake_redis *f = arg;
    int fd = accept(f->listen_fd, NULL, NULL);
    while (fd >= 0 && read_command(fd) == 0) {
        pthread_mutex_lock(&f->lock);
        f->commands++;
        pthread_cond_broadcast(&f->cond);
        while (!f->open)
            pthread_cond_wait(&f->cond, &f->lock);
        int n = f->commands;
        pthread_mutex_unlock(&f->lock);
        char reply[64];
        int len = snprintf(reply, sizeof reply, "$%d\r\n1-%d\r\n", n < 10 ? 3 : 4, n);
        if (write(fd, reply, (size_t)len) != len)
            break;
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void fake_start(fake_redis *f, const char *dir, const char *name, bool open)
{
    memset(f, 0, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->cond, NULL);
    f->open = open;
    snprintf(f->path, sizeof f->path, "%s/%s", dir, name);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", f->path);
    f->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(f->listen_fd >= 0);
    assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(f->listen_fd, 1), 0);
    assert_int_equal(pthread_create(&f->tid, NULL, fake_main, f), 0);
}

static void fake_open(fake_redis *f)
{
    pthread_mutex_lock(&f->lock);
    f->open = true;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->lock);
}

/* Waits until f has received n commands. */
static void fake_wait_commands(fake_redis *f, int n)
{
    pthread_mutex_lock(&f->lock);
    while (f->commands < n)
        pthread_cond_wait(&f->cond, &f->lock);
    pthread_mutex_unlock(&f->lock);
}

static int fake_commands(fake_redis *f)
{
    pthread_mutex_lock(&f->lock);
    int n = f->commands;
    pthread_mutex_unlock(&f->lock);
    return n;
}

/* After the relay's connection is closed (the thread then ends). */
static void fake_stop(fake_redis *f)
{
    fake_open(f);
    pthread_join(f->tid, NULL);
    close(f->listen_fd);
    unlink(f->path);
    pthread_cond_destroy(&f->cond);
    pthread_mutex_destroy(&f->lock);
}

static cf_redis *fake_connect(const fake_redis *f)
{
    char url[160], err[256];
    snprintf(url, sizeof url, "unix://%s", f->path);
    cf_redis *r = cf_redis_connect(url, 1000, err, sizeof err);
    if (r == NULL)
        fail_msg("fake redis: %s", err);
    return r;
}

/* ---- the scratch database ---- */

static int setup_db(void **state)
{
    (void)state;
    return scratch_db_create("cf_web_outbox_relays");
}

static int teardown_db(void **state)
{
    (void)state;
    scratch_db_drop();
    return 0;
}

static void run(cf_pg *pg, const char *sql, int n, const char *const *params)
{
    if (cf_pg_run(pg, sql, n, params) != 0)
        fail_msg("%s: %s", sql, cf_pg_error(pg));
}

static long count(cf_pg *pg, const char *sql, const char *param)
{
    const char *params[1] = {param};
    PGresult *res = cf_pg_exec(pg, sql, 1, params);
    if (res == NULL)
        fail_msg("%s: %s", sql, cf_pg_error(pg));
    long n = atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}

/* A queued fight of host, with no outbox row yet. */
static void queued_fight(cf_pg *pg, const char *id, const char *host)
{
    const char *params[2] = {id, host};
    run(pg,
        "INSERT INTO fights (id, game, host_id, status, visibility, seed, queued_at) "
        "VALUES ($1::uuid, 'tanks', $2::bigint, 'queued', 'private', 7, now())",
        2, params);
}

static void add_to_outbox(cf_pg *pg, const char *fight_id)
{
    const char *params[1] = {fight_id};
    run(pg,
        "INSERT INTO outbox (fight_id, payload) "
        "VALUES ($1::uuid, jsonb_build_object('id', $1::text, 'game', 'tanks'))",
        1, params);
}

/* ---- the relays ---- */

typedef struct relay {
    cf_pg *pg;
    cf_redis *redis;
    int sent;
} relay;

static void *relay_round(void *arg)
{
    relay *rl = arg;
    rl->sent = outbox_relay(rl->pg, rl->redis);
    return NULL;
}

#define F5 "00000000-0000-4000-8000-000000000005"
#define F6 "00000000-0000-4000-8000-000000000006"

static const char *const SENT_OF_HOST = "SELECT count(*) FROM outbox o JOIN fights f "
                                        "ON f.id = o.fight_id WHERE f.host_id = $1::bigint "
                                        "AND o.sent_at IS NOT NULL";

static void two_relays_keep_one_fight_of_a_host_in_the_stream(void **state)
{
    (void)state;
    char dir[] = "/tmp/cf-outbox-relays.XXXXXX";
    assert_non_null(mkdtemp(dir));
    /* Static: their threads may outlive a failed test's frame. */
    static fake_redis fa, fb;
    fake_start(&fa, dir, "a.sock", false);
    fake_start(&fb, dir, "b.sock", true);
    relay a = {.pg = scratch_db_connect(), .redis = fake_connect(&fa)};
    relay b = {.pg = scratch_db_connect(), .redis = fake_connect(&fb)};
    cf_pg *t = scratch_db_connect(), *late = scratch_db_connect();

    run(t,
        "INSERT INTO games (name, title, min_players, max_players, conclusion, active) "
        "VALUES ('tanks', 'Tanks', 2, 2, 'victory_draw', true) ON CONFLICT (name) DO NOTHING",
        0, NULL);
    PGresult *res =
        cf_pg_exec(t,
                   "INSERT INTO users (username, password_hash) VALUES ('host', "
                   "'$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA') "
                   "RETURNING id",
                   0, NULL);
    if (res == NULL)
        fail_msg("the host: %s", cf_pg_error(t));
    char host[32];
    snprintf(host, sizeof host, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    queued_fight(t, F5, host);
    queued_fight(t, F6, host);
    /* f5's row takes the smaller id, but commits after f6's. */
    assert_int_equal(cf_pg_begin(late), 0);
    add_to_outbox(late, F5);
    add_to_outbox(t, F6);

    pthread_t ta;
    assert_int_equal(pthread_create(&ta, NULL, relay_round, &a), 0);
    fake_wait_commands(&fa, 1); /* A has taken f6 and waits in its XADD */
    assert_int_equal(cf_pg_commit(late), 0);

    relay_round(&b);
    assert_int_equal(b.sent, 0);
    assert_int_equal(fake_commands(&fb), 0);

    fake_open(&fa);
    assert_int_equal(pthread_join(ta, NULL), 0);
    assert_int_equal(a.sent, 1);
    assert_int_equal(count(t, SENT_OF_HOST, host), 1);
    assert_int_equal(count(t,
                           "SELECT count(*) FROM outbox WHERE sent_at IS NULL "
                           "AND fight_id = $1::uuid",
                           F5),
                     1);

    /* f6 is over: f5 goes, once. */
    const char *f6[1] = {F6};
    run(t, "UPDATE fights SET status = 'finished', finished_at = now() WHERE id = $1::uuid", 1, f6);
    relay_round(&b);
    assert_int_equal(b.sent, 1);
    relay_round(&a);
    assert_int_equal(a.sent, 0);
    assert_int_equal(count(t, SENT_OF_HOST, host), 2);
    assert_int_equal(fake_commands(&fa) + fake_commands(&fb), 2);

    cf_redis_free(a.redis);
    cf_redis_free(b.redis);
    fake_stop(&fa);
    fake_stop(&fb);
    rmdir(dir);
    cf_pg_free(a.pg);
    cf_pg_free(b.pg);
    cf_pg_free(t);
    cf_pg_free(late);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_relays_keep_one_fight_of_a_host_in_the_stream),
    };
    return cmocka_run_group_tests(tests, setup_db, teardown_db);
}
