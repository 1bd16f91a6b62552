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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "stream_msg.h"
#include "web.h"

#define RELAY_BATCH 20
#define RELAY_PERIOD_MS 500

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

static void relay_tick(evutil_socket_t fd, short what, void *arg)
{
    web_thread *t = arg;

    (void)fd;
    (void)what;
    if (outbox_relay(t->pg, t->redis) < 0)
        log_warn("outbox relay: %s", cf_pg_error(t->pg));
}

void outbox_start(web_thread *t)
{
    struct timeval tv = {.tv_sec = 0, .tv_usec = RELAY_PERIOD_MS * 1000};
    struct event *ev = event_new(t->base, -1, EV_PERSIST, relay_tick, t);

    if (ev == NULL || event_add(ev, &tv) != 0)
        log_error("outbox relay timer could not start");
}
