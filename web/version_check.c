/*
 * version_check.c — every uploaded version is checked in the sandbox.
 *
 * The check is a short validation fight of the version against itself
 * (the game's fewest players, all the same code, at most CHECK_TICKS
 * ticks when the game has a max_ticks setting, seed 1), sent on cf:fights
 * like any fight, so the same simulator, sandbox, limits and report judge
 * it. Its id is the version's check_id, not a fight's: it has no row in
 * fights, so no list, count or page ever shows it; cf-result-processor
 * recognises the id and stores the outcome on the version (checking -> ok
 * or failed with the message, result_processor/store_check.c). The ladder
 * can require a version's check to be ok before it enters.
 *
 * An upload marks its version checking (bot.c) and wakes the relay, whose
 * thread calls version_check_relay() after each outbox round: it sends the
 * oldest waiting check of every owner that has none in cf:fights, so one
 * owner's checks are in the stream one at a time (a burst of uploads waits
 * here, not ahead of everybody's fights). The rows are the state: a cf-web
 * that dies before sending leaves them waiting for the next relay; one lost
 * after sending is sent again by the reconciler (result_processor/
 * reconcile_checks.c). Relays of several cf-web processes take turns on the
 * advisory lock hashtext('cf:checks'), as the outbox's do on theirs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fight_entry.h"
#include "log.h"
#include "stream_group.h"
#include "web.h"

#define CHECK_TICKS 10
#define CHECK_BATCH 20

/* The settings of a check: few ticks when the game can be told so. */
static cJSON *check_settings(const cf_game *g)
{
    for (const cf_setting *s = g->settings; s != NULL && s->key != NULL; s++) {
        if (strcmp(s->key, "max_ticks") != 0)
            continue;
        cJSON *o = cJSON_CreateObject();
        int64_t ticks = CHECK_TICKS < s->min ? s->min : CHECK_TICKS > s->max ? s->max : CHECK_TICKS;
        if (o != NULL && cJSON_AddNumberToObject(o, "max_ticks", (double)ticks) == NULL) {
            cJSON_Delete(o);
            return NULL;
        }
        return o;
    }
    return NULL;
}

/* The entry of row `row` of take_waiting(): check_id, game, bot name,
 * version, code. 0, or -1 (unknown game, no memory). */
static int build_entry(PGresult *res, int row, cf_fight_entry *e)
{
    const cf_game *g = cf_game_find(PQgetvalue(res, row, 1));
    if (g == NULL)
        return -1;
    snprintf(e->id, sizeof e->id, "%s", PQgetvalue(res, row, 0));
    snprintf(e->game, sizeof e->game, "%s", g->name);
    e->has_seed = true;
    e->seed = 1;
    e->settings = check_settings(g);
    int n = g->min_players < 1 ? 1 : g->min_players;
    for (int i = 0; i < n && i < CF_MAX_PLAYERS; i++) {
        cf_fight_player *pl = &e->players[i];
        snprintf(pl->name, sizeof pl->name, "%.40s v%s", PQgetvalue(res, row, 2),
                 PQgetvalue(res, row, 3));
        pl->code_len = (size_t)PQgetlength(res, row, 4);
        pl->code = strndup(PQgetvalue(res, row, 4), pl->code_len);
        e->nplayers = i + 1;
        if (pl->code == NULL)
            return -1;
    }
    return 0;
}

/* The waiting checks that may go now: each owner's oldest, when none of
 * theirs is in cf:fights (sent, still checking). */
static PGresult *take_waiting(cf_pg *pg)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT v.check_id::text, b.game, b.name, v.version, v.code, v.id FROM bot_versions v "
             "JOIN bots b ON b.id = v.bot_id WHERE v.id IN ("
             "  SELECT DISTINCT ON (b.owner_id) v.id FROM bot_versions v "
             "  JOIN bots b ON b.id = v.bot_id "
             "  WHERE v.check_status = 'checking' AND v.check_sent_at IS NULL "
             "  AND NOT EXISTS (SELECT 1 FROM bot_versions sv JOIN bots sb ON sb.id = sv.bot_id "
             "    WHERE sb.owner_id = b.owner_id AND sv.check_status = 'checking' "
             "    AND sv.check_sent_at IS NOT NULL) "
             "  ORDER BY b.owner_id, v.id) "
             "ORDER BY v.id LIMIT %d FOR UPDATE OF v SKIP LOCKED",
             CHECK_BATCH);
    return cf_pg_exec(pg, sql, 0, NULL);
}

/* XADDs the check of row `row`; 0 sent, 1 not a check that can run (marked
 * failed), -1 Redis refused. */
static int send_one(cf_pg *pg, cf_redis *redis, PGresult *res, int row)
{
    cf_fight_entry e;
    memset(&e, 0, sizeof e);
    cf_fields_out fields = {0};
    const char *params[1] = {PQgetvalue(res, row, 5)};
    int rc;
    if (build_entry(res, row, &e) != 0 || cf_fight_entry_encode(&e, &fields) != 0) {
        log_warn("check of version %s cannot be built", params[0]);
        rc = cf_pg_run(pg,
                       "UPDATE bot_versions SET check_status = 'failed', checked_at = now(), "
                       "check_message = 'the check could not be built (the game is gone?)' "
                       "WHERE id = $1::bigint",
                       1, params) == 0
                 ? 1
                 : -2;
    } else if (cf_stream_add(redis, CF_STREAM_FIGHTS, 0, &fields) != 0) {
        rc = -1;
    } else {
        rc = cf_pg_run(pg,
                       "UPDATE bot_versions SET check_sent_at = now(), "
                       "check_attempts = check_attempts + 1 WHERE id = $1::bigint",
                       1, params) == 0
                 ? 0
                 : -2;
        if (rc == 0)
            log_info("check %s of version %s sent to %s", e.id, params[0], CF_STREAM_FIGHTS);
    }
    cf_fields_out_free(&fields);
    cf_fight_entry_free(&e);
    return rc;
}

int version_check_relay(cf_pg *pg, cf_redis *redis)
{
    if (cf_pg_begin(pg) != 0)
        return -1;
    PGresult *res =
        cf_pg_exec(pg, "SELECT pg_try_advisory_xact_lock(hashtext('cf:checks'))", 0, NULL);
    int mine = res != NULL && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    if (res != NULL)
        PQclear(res);
    if (!mine || (res = take_waiting(pg)) == NULL) {
        cf_pg_rollback(pg);
        return mine ? -1 : 0;
    }
    int sent = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        int rc = send_one(pg, redis, res, i);
        if (rc == -2) {
            PQclear(res);
            cf_pg_rollback(pg);
            return -1;
        }
        if (rc == -1) {
            log_warn("check %s not sent yet: XADD %s failed", PQgetvalue(res, i, 0),
                     CF_STREAM_FIGHTS);
            break; /* Redis is unwell: the rest wait for the next round */
        }
        sent += rc == 0;
    }
    PQclear(res);
    if (cf_pg_commit(pg) != 0) {
        cf_pg_rollback(pg);
        return -1;
    }
    return sent;
}
