/*
 * outbox.c — fights reach cf:fights through a table, not a direct XADD.
 *
 * Queuing a fight writes its state and its stream entry (the outbox row) in
 * the caller's transaction: either both exist or neither. The relay then
 * (outbox_relay.c's thread) XADDs unsent rows and stamps them sent. If
 * Redis is down the rows wait and the relay retries every half second, so a
 * Redis hiccup delays a fight but never strands it. Several cf-web
 * processes each run a relay, but one round at a time: a round holds a
 * PostgreSQL advisory lock for its transaction, and a relay that finds it
 * taken skips its round (the one holding it is sending). So each round
 * sees every earlier round's stamps, and the fair queue's count (below)
 * holds however many processes there are. A crash between XADD and the
 * stamp sends an entry twice, which the pipeline tolerates (results are
 * committed exactly once by the result processor).
 *
 * The entry is the contract's own (common/fight_entry.h): the fight is read
 * into a cf_fight_entry and encoded by cf_fight_entry_encode; the row keeps
 * those fields as one JSON object (cf_fields_to_json), which the relay, and
 * the result processor's reconciler, send as they are (cf_fields_from_json).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fight_entry.h"
#include "log.h"
#include "stream_group.h"
#include "streams.h"
#include "web.h"

#define RELAY_BATCH 20

/* The fight's id, game, settings and seed into e. */
static int read_fight(cf_pg *pg, const char *fight_id, cf_fight_entry *e)
{
    const char *params[1] = {fight_id};
    PGresult *res = cf_pg_exec(pg,
                               "SELECT id::text, game, settings::text, seed::text FROM fights "
                               "WHERE id = $1::uuid",
                               1, params);
    if (res == NULL)
        return -1;
    int rc = -1;
    if (PQntuples(res) == 1) {
        snprintf(e->id, sizeof e->id, "%s", PQgetvalue(res, 0, 0));
        snprintf(e->game, sizeof e->game, "%s", PQgetvalue(res, 0, 1));
        e->settings = PQgetisnull(res, 0, 2) ? NULL : cJSON_Parse(PQgetvalue(res, 0, 2));
        e->has_seed = !PQgetisnull(res, 0, 3);
        e->seed = e->has_seed ? strtoull(PQgetvalue(res, 0, 3), NULL, 10) : 0;
        rc = PQgetisnull(res, 0, 2) || e->settings != NULL ? 0 : -1;
    }
    PQclear(res);
    return rc;
}

/* The players in slot order, each with the code it runs: its bot version's,
 * or for a house bot (no user, no version) the game's template named after
 * "house/" in the player's name. */
static int read_players(cf_pg *pg, const char *fight_id, cf_fight_entry *e)
{
    const char *params[1] = {fight_id};
    PGresult *res =
        cf_pg_exec(pg,
                   "SELECT p.name, COALESCE(v.code, t.code) FROM fight_players p "
                   "JOIN fights f ON f.id = p.fight_id "
                   "LEFT JOIN bot_versions v ON v.id = p.bot_version_id "
                   "LEFT JOIN game_templates t ON p.bot_version_id IS NULL AND p.user_id IS NULL "
                   "AND t.game = f.game AND 'house/' || t.name = p.name "
                   "WHERE p.fight_id = $1::uuid ORDER BY p.slot",
                   1, params);
    if (res == NULL)
        return -1;
    int rc = PQntuples(res) <= CF_MAX_PLAYERS ? 0 : -1;
    for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
        cf_fight_player *pl = &e->players[i];
        snprintf(pl->name, sizeof pl->name, "%s", PQgetvalue(res, i, 0));
        pl->code = strdup(PQgetisnull(res, i, 1) ? "" : PQgetvalue(res, i, 1));
        pl->code_len = pl->code ? strlen(pl->code) : 0;
        rc = pl->code != NULL ? 0 : -1;
        e->nplayers = i + 1;
    }
    PQclear(res);
    return rc;
}

int outbox_enqueue(cf_pg *pg, const char *fight_id)
{
    cf_fight_entry e;
    memset(&e, 0, sizeof e);
    cf_fields_out fields = {0};
    char *payload = NULL;
    int rc = -1;
    if (read_fight(pg, fight_id, &e) == 0 && read_players(pg, fight_id, &e) == 0 &&
        cf_fight_entry_encode(&e, &fields) == 0 && (payload = cf_fields_to_json(&fields))) {
        const char *params[2] = {fight_id, payload};
        rc = cf_pg_run(pg, "INSERT INTO outbox (fight_id, payload) VALUES ($1::uuid, $2::jsonb)", 2,
                       params);
    }
    free(payload);
    cf_fields_out_free(&fields);
    cf_fight_entry_free(&e);
    return rc;
}

int outbox_drop(cf_pg *pg, const char *fight_id)
{
    const char *params[1] = {fight_id};

    return cf_pg_run(pg,
                     "UPDATE outbox SET sent_at = now(), last_error = 'cancelled before sending' "
                     "WHERE fight_id = $1::uuid AND sent_at IS NULL",
                     1, params);
}

/*
 * The fair queue (issue 15): the unsent rows that may go now, oldest
 * first: id, fight_id, payload. A host has at most web.max_fights_in_stream
 * fights in cf:fights at a time, counting those sent and not yet over
 * (queued or running); the rest of their rows wait here, unsent, and each
 * goes when one of theirs ends, in the order they were queued. So a burst
 * of one user's fights never sits in the stream ahead of everybody else's:
 * another user's fight is sent at once and runs after at most K of each
 * other user's. A fight without a host (none: the web queued it) is never
 * held. The entries themselves, and the once-only commit of results, are
 * as before; only when a row is sent changes. The count and the choice
 * are one statement, and only one relay runs it at a time (outbox_relay's
 * advisory lock): the statements of two relays that overlap see different
 * states (one's stamps not yet committed, a row committed out of id order
 * visible to one only), so each could send a row of one host (K + 1), or
 * both the same row. A row chosen is taken only while still unsent: a
 * cancel (outbox_drop) that stamped it since the statement began wins.
 */
static PGresult *take_unsent(cf_pg *pg)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT id, fight_id, payload::text FROM outbox WHERE id IN ("
             "  SELECT id FROM ("
             "    SELECT o.id, f.host_id, "
             "           row_number() OVER (PARTITION BY f.host_id ORDER BY o.id) AS nth, "
             "           (SELECT count(*) FROM outbox so JOIN fights sf ON sf.id = so.fight_id "
             "            WHERE sf.host_id = f.host_id AND so.sent_at IS NOT NULL "
             "            AND sf.status IN ('queued', 'running')) AS in_stream "
             "    FROM outbox o JOIN fights f ON f.id = o.fight_id WHERE o.sent_at IS NULL"
             "  ) w WHERE host_id IS NULL OR in_stream + nth <= %ld"
             ") AND sent_at IS NULL ORDER BY id LIMIT %d FOR UPDATE SKIP LOCKED",
             web_cfg.max_fights_in_stream, RELAY_BATCH);
    return cf_pg_exec(pg, sql, 0, NULL);
}

/* XADDs row `row` of take_unsent()'s result to cf:fights. */
static int xadd(cf_redis *redis, PGresult *res, int row, char *err, size_t errlen)
{
    cf_fields_out fields;
    if (cf_fields_from_json(PQgetvalue(res, row, 2), &fields) != 0) {
        snprintf(err, errlen, "the payload is not an entry's fields");
        return -1;
    }
    int rc = cf_stream_add(redis, CF_STREAM_FIGHTS, 0, &fields);
    cf_fields_out_free(&fields);
    if (rc != 0)
        snprintf(err, errlen, "XADD %s failed (see the log)", CF_STREAM_FIGHTS);
    return rc;
}

/* Stamps an outbox row sent, or counts a failed attempt with its error. */
static int stamp(cf_pg *pg, const char *row_id, bool sent, const char *err)
{
    const char *params[2] = {row_id, err};

    if (sent)
        return cf_pg_run(pg,
                         "UPDATE outbox SET sent_at = now(), attempts = attempts + 1 "
                         "WHERE id = $1::bigint",
                         1, params);
    return cf_pg_run(pg,
                     "UPDATE outbox SET attempts = attempts + 1, last_error = $2 "
                     "WHERE id = $1::bigint",
                     2, params);
}

/* The relays' turn, for the open transaction: 1 taken (until it ends), 0
 * another relay's round runs, -1 db error. */
static int take_turn(cf_pg *pg)
{
    PGresult *res =
        cf_pg_exec(pg, "SELECT pg_try_advisory_xact_lock(hashtext('cf:outbox'))", 0, NULL);
    if (res == NULL)
        return -1;
    int mine = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return mine;
}

int outbox_relay(cf_pg *pg, cf_redis *redis)
{
    if (cf_pg_begin(pg) != 0)
        return -1;
    int turn = take_turn(pg);
    if (turn <= 0) {
        cf_pg_rollback(pg);
        return turn;
    }
    PGresult *res = take_unsent(pg);
    if (res == NULL) {
        cf_pg_rollback(pg);
        return -1;
    }
    int sent = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        char err[256] = "";
        bool ok = xadd(redis, res, i, err, sizeof err) == 0;
        if (stamp(pg, PQgetvalue(res, i, 0), ok, err) != 0) {
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

void outbox_wait(int timeout_ms)
{
    /* The condition variable's clock is the realtime one: the deadline is a
     * point on it. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
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
