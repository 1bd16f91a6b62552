/*
 * outbox.c — fights reach cf:fights through a table, not a direct XADD.
 *
 * Queuing a fight writes its state and its stream entry (the outbox row,
 * built by PostgreSQL from the players' code, the settings and the seed) in
 * the caller's transaction: either both exist or neither. The relay then
 * XADDs unsent rows and stamps them sent. If Redis is down the rows wait
 * and the relay retries every half second, so a Redis hiccup delays a fight
 * but never strands it. Rows are taken FOR UPDATE SKIP LOCKED, so several
 * cf-web processes can relay side by side; a crash between XADD and the
 * stamp sends an entry twice, which the pipeline tolerates (results are
 * committed exactly once by the result processor).
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "stream_msg.h"
#include "web.h"

#define RELAY_BATCH 20
#define RELAY_PERIOD_MS 500
#define SWEEP_ROUNDS 1200

int outbox_enqueue(cf_pg *pg, const char *fight_id)
{
    const char *params[1] = {fight_id};

    /* House bots (no user, no bot version) run the game's template whose
     * name follows "house/" in the player's name. */
    return cf_pg_run(
        pg,
        "INSERT INTO outbox (fight_id, payload) "
        "SELECT f.id, jsonb_build_object('id', f.id::text, 'game', f.game, "
        "'players', (SELECT json_agg(json_build_object('name', p.name, 'code', "
        "COALESCE(v.code, t.code)) ORDER BY p.slot)::text FROM fight_players p "
        "LEFT JOIN bot_versions v ON v.id = p.bot_version_id "
        "LEFT JOIN game_templates t ON p.bot_version_id IS NULL AND p.user_id IS NULL "
        "AND t.game = f.game AND 'house/' || t.name = p.name "
        "WHERE p.fight_id = f.id), "
        "'settings', f.settings::text, 'seed', f.seed::text) "
        "FROM fights f WHERE f.id = $1::uuid",
        1, params);
}

int outbox_drop(cf_pg *pg, const char *fight_id)
{
    const char *params[1] = {fight_id};

    return cf_pg_run(pg,
                     "UPDATE outbox SET sent_at = now(), last_error = 'cancelled before sending' "
                     "WHERE fight_id = $1::uuid AND sent_at IS NULL",
                     1, params);
}

static int xadd(cf_redis *redis, PGresult *res, int row, char *err, size_t errlen)
{
    static const char *const fields[] = {"id", "game", "players", "settings", "seed"};
    const char *argv[3 + 2 * 5];
    size_t lens[3 + 2 * 5];
    int argc = 0;
    redisReply *rep;
    int rc = 0;

    argv[argc] = "XADD";
    lens[argc++] = 4;
    argv[argc] = CF_STREAM_FIGHTS;
    lens[argc++] = strlen(CF_STREAM_FIGHTS);
    argv[argc] = "*";
    lens[argc++] = 1;
    for (int f = 0; f < 5; f++) {
        if (PQgetisnull(res, row, 2 + f))
            continue;
        argv[argc] = fields[f];
        lens[argc++] = strlen(fields[f]);
        argv[argc] = PQgetvalue(res, row, 2 + f);
        lens[argc++] = (size_t)PQgetlength(res, row, 2 + f);
    }
    rep = cf_redis_argv(redis, argc, argv, lens);
    if (rep == NULL) {
        snprintf(err, errlen, "redis: %s", cf_redis_error(redis));
        return -1;
    }
    if (rep->type != REDIS_REPLY_STRING) {
        snprintf(err, errlen, "XADD: %s", rep->type == REDIS_REPLY_ERROR ? rep->str : "bad reply");
        rc = -1;
    }
    freeReplyObject(rep);
    return rc;
}

int outbox_relay(cf_pg *pg, cf_redis *redis)
{
    PGresult *res;
    int sent = 0;

    if (cf_pg_begin(pg) != 0)
        return -1;
    res = cf_pg_exec(pg,
                     "SELECT id, fight_id, payload->>'id', payload->>'game', "
                     "payload->>'players', payload->>'settings', payload->>'seed' "
                     "FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 20 "
                     "FOR UPDATE SKIP LOCKED",
                     0, NULL);
    if (res == NULL) {
        cf_pg_rollback(pg);
        return -1;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        char err[256] = "";
        const char *params[2] = {PQgetvalue(res, i, 0), err};
        int ok = xadd(redis, res, i, err, sizeof err) == 0;

        if (cf_pg_run(pg,
                      ok ? "UPDATE outbox SET sent_at = now(), attempts = attempts + 1 "
                           "WHERE id = $1::bigint"
                         : "UPDATE outbox SET attempts = attempts + 1, last_error = $2 "
                           "WHERE id = $1::bigint",
                      ok ? 1 : 2, params) != 0) {
            PQclear(res);
            cf_pg_rollback(pg);
            return -1;
        }
        if (!ok) {
            log_warn("outbox: fight %s not sent yet: %s", PQgetvalue(res, i, 1), err);
            break; /* Redis is unwell: keep the order, retry later */
        }
        log_info("fight %s sent to %s", PQgetvalue(res, i, 1), CF_STREAM_FIGHTS);
        sent++;
    }
    PQclear(res);
    if (cf_pg_commit(pg) != 0) {
        cf_pg_rollback(pg);
        return -1;
    }
    return sent;
}

static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;
static bool woken;

void outbox_wake(void)
{
    pthread_mutex_lock(&wake_lock);
    woken = true;
    pthread_cond_signal(&wake_cond);
    pthread_mutex_unlock(&wake_lock);
}

static pthread_t relay_tid;
static bool stopping;

/* Expired sessions and reset tokens are useless: the same thread drops
 * them now and then (every SWEEP_ROUNDS relay rounds, about 10 minutes). */
static int sweep(cf_pg *pg)
{
    if (session_sweep(pg) != 0)
        return -1;
    return account_sweep_resets(pg);
}

/* The relay has its own thread and connections: while Redis is away its
 * commands wait out their deadline here, never in a request handler. */
static void *relay_main(void *arg)
{
    char err[256];
    cf_pg *pg = NULL;
    cf_redis *redis = NULL;
    unsigned long rounds = 0;

    (void)arg;
    while (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
        struct timespec until;

        if (pg == NULL && (pg = cf_pg_connect(web_cfg.database_url, err, sizeof err)) == NULL)
            log_warn("outbox relay: database: %s", err);
        if (redis == NULL &&
            (redis = cf_redis_connect(web_cfg.redis_url, 1000, err, sizeof err)) == NULL)
            log_warn("outbox relay: redis: %s", err);
        if (pg != NULL && redis != NULL && outbox_relay(pg, redis) < 0)
            log_warn("outbox relay: %s", cf_pg_error(pg));
        if (pg != NULL && ++rounds % SWEEP_ROUNDS == 1 && sweep(pg) != 0)
            log_warn("expired sessions sweep: %s", cf_pg_error(pg));
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += RELAY_PERIOD_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&wake_lock);
        while (!woken && pthread_cond_timedwait(&wake_cond, &wake_lock, &until) == 0)
            ;
        woken = false;
        pthread_mutex_unlock(&wake_lock);
    }
    cf_pg_free(pg);
    cf_redis_free(redis);
    return NULL;
}

void outbox_start(void)
{
    if (pthread_create(&relay_tid, NULL, relay_main, NULL) != 0) {
        log_error("outbox relay thread could not start");
        exit(1);
    }
}

void outbox_stop(void)
{
    /* Joined before cf-web returns from main: a relay still running while
     * the process exits raced the libraries' exit handlers (a crash). */
    __atomic_store_n(&stopping, true, __ATOMIC_RELEASE);
    outbox_wake();
    pthread_join(relay_tid, NULL);
}
