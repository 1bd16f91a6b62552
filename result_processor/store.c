/*
 * store.c — one result, one transaction, exactly once; under a backlog,
 * several results in one transaction, each behind its own savepoint.
 *
 * The contract: after a commit, the fight row is final (finished, failed or
 * cancelled) with its finish time, every player's result, rank, score,
 * verdict, detail, CPU, memory and log (and what it printed by tick, when
 * the entry has that optional output), and the report and replay in
 * fight_reports. A result for a fight that is already final changes
 * nothing: that is what makes a redelivery (the processor died between
 * commit and ack, a simulator ran a reclaimed fight twice) harmless, and
 * what keeps a fight the web cancelled cancelled.
 *
 * A result is stored only for a fight the web queued (queued or running)
 * or never saw. A fight still hosting was never sent to cf:fights by the
 * web: a result for it comes from a forged cf:fights entry that borrowed
 * its id (someone else's open private fight), so it is refused, logged and
 * dead-lettered, and the fight stays open with its invitations pending.
 *
 * The fight row is locked (SELECT ... FOR UPDATE) before the check, so two
 * processors handling two copies of one result serialise on it. A fight the
 * web never saw (injected with redis-cli) is created first, with no host;
 * its game row too (a placeholder) if the web never loaded the games.
 * The result of a version's check (its id is a bot_versions.check_id) is
 * no fight's: store_check.c stores it on the version instead. A finished
 * ladder fight's rating is written in the same transaction
 * (store_ladder.c), so it happens exactly when the result is stored.
 *
 * Batches (rp_store_many): when the processor reads several fights' results
 * at once (it fell behind), they share one transaction and one commit (one
 * WAL flush instead of one each). Each result sits behind a savepoint, so
 * one the database refuses is rolled back alone and dead-lettered, as it
 * would be on its own. Nothing is acknowledged before the commit: a crash
 * anywhere redelivers the whole batch, and what was committed is then
 * final and ignored, as for a single result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_print.h"
#include "log.h"
#include "rp.h"

bool rp_pg_transient(cf_pg *pg)
{
    if (!cf_pg_ok(pg))
        return true;
    const char *st = cf_pg_sqlstate(pg);
    if (st[0] == '\0')
        return true; /* no SQLSTATE: the connection, not the data */
    /* 08 connection, 53 resources, 57 operator intervention (shutdown),
     * 58 system error, 40 serialization/deadlock, 55P03 lock not available,
     * 26000 a prepared statement the server dropped, 0A000 one whose plan a
     * migration outdated (prepared again on the retry: pg_prepared.c) */
    return strncmp(st, "08", 2) == 0 || strncmp(st, "53", 2) == 0 || strncmp(st, "57", 2) == 0 ||
           strncmp(st, "58", 2) == 0 || strncmp(st, "40", 2) == 0 || strcmp(st, "55P03") == 0 ||
           strcmp(st, "26000") == 0 || strcmp(st, "0A000") == 0;
}

/* A JSON value as a text parameter, or NULL for JSON null / absent. */
static char *num_param(const cJSON *v, bool integer)
{
    if (!cJSON_IsNumber(v))
        return NULL;
    char buf[64];
    if (integer)
        snprintf(buf, sizeof buf, "%.0f", v->valuedouble);
    else
        snprintf(buf, sizeof buf, "%.17g", v->valuedouble);
    return strdup(buf);
}

static const char *str_of(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/*
 * A fight needs its game's row (foreign key). cf-web loads the games at its
 * start; if a fight injected by hand arrives before the web ever ran, a
 * placeholder row (inactive, 1..16 players) is made, which the web's loader
 * completes. The processor does not link the games themselves: it never
 * runs game or bot code.
 */
static int ensure_game(cf_pg *pg, const char *name)
{
    const char *p[] = {name};
    return cf_pg_run(pg,
                     "INSERT INTO games (name, title, min_players, max_players, conclusion, "
                     "active) VALUES ($1, $1, 1, 16, 'victory_draw', false) "
                     "ON CONFLICT (name) DO NOTHING",
                     1, p);
}

/* The player's per-tick output from the entry's (validated) "output", as
 * JSON text; NULL when it printed nothing. *oom when it could not be
 * printed. */
static char *slot_output(const cJSON *output, const char *slot, bool *oom)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(output, slot);
    char *json = list != NULL ? cJSON_PrintUnformatted(list) : NULL;
    *oom = list != NULL && json == NULL;
    return json;
}

static int store_player(cf_pg *pg, const char *fight_id, int slot, const cJSON *pl,
                        const cJSON *output)
{
    char slotbuf[16];
    snprintf(slotbuf, sizeof slotbuf, "%d", slot);
    bool oom;
    char *output_json = slot_output(output, slotbuf, &oom);
    if (oom)
        return -1;
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(pl, "result");
    const cJSON *rank = cJSON_GetObjectItemCaseSensitive(pl, "rank");
    /* A rank game's result is the rank itself: it goes to the rank column. */
    const char *result = cJSON_IsString(res) ? res->valuestring : NULL;
    char *rankp = num_param(cJSON_IsNumber(rank) ? rank : res, true);
    char *score = num_param(cJSON_GetObjectItemCaseSensitive(pl, "score"), false);
    char *cpu = num_param(cJSON_GetObjectItemCaseSensitive(pl, "cpu_ms"), true);
    char *mem = num_param(cJSON_GetObjectItemCaseSensitive(pl, "peak_memory_kb"), true);
    /* "errors" is optional in a report (validated by cf_report_validate). */
    const cJSON *errors = cJSON_GetObjectItemCaseSensitive(pl, "errors");
    char *errors_json = errors != NULL ? cJSON_PrintUnformatted(errors) : NULL;
    if (errors != NULL && errors_json == NULL) {
        free(output_json);
        free(rankp);
        free(score);
        free(cpu);
        free(mem);
        return -1;
    }
    const char *p[] = {fight_id,   slotbuf, str_of(pl, "name"),    result,
                       rankp,      score,   str_of(pl, "verdict"), str_of(pl, "detail"),
                       cpu,        mem,     str_of(pl, "log"),     errors_json,
                       output_json};
    /* The web's row (user, bot version, name) is kept; only results change. */
    int rc = cf_pg_run(pg,
                       "INSERT INTO fight_players (fight_id, slot, name, result, rank, score, "
                       "verdict, detail, cpu_ms, peak_memory_kb, log, errors, output) "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, "
                       "$13::jsonb) "
                       "ON CONFLICT (fight_id, slot) DO UPDATE SET result = EXCLUDED.result, "
                       "rank = EXCLUDED.rank, score = EXCLUDED.score, "
                       "verdict = EXCLUDED.verdict, detail = EXCLUDED.detail, "
                       "cpu_ms = EXCLUDED.cpu_ms, peak_memory_kb = EXCLUDED.peak_memory_kb, "
                       "log = EXCLUDED.log, errors = EXCLUDED.errors, output = EXCLUDED.output",
                       13, p);
    free(output_json);
    free(errors_json);
    free(rankp);
    free(score);
    free(cpu);
    free(mem);
    return rc;
}

/* The body of the transaction; 1 stored, 0 ignored, 2 refused, -1 error. */
static int store_tx(cf_pg *pg, const cf_result_entry *msg, char *err, size_t errlen)
{
    const cJSON *rep = msg->report;
    const char *game = str_of(rep, "game");
    char *seed = num_param(cJSON_GetObjectItemCaseSensitive(rep, "seed"), true);
    char *ticks = num_param(cJSON_GetObjectItemCaseSensitive(rep, "ticks"), true);
    char *elapsed = num_param(cJSON_GetObjectItemCaseSensitive(rep, "elapsed_ms"), true);
    char *result = cf_json_print(cJSON_GetObjectItemCaseSensitive(rep, "result"));
    char *replay = cf_json_print(cJSON_GetObjectItemCaseSensitive(rep, "data"));
    char *report = cf_json_print(rep);
    int rc = -1;
    PGresult *res = NULL;
    if (result == NULL || replay == NULL || report == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }

    const char *p1[] = {msg->id};
    res = cf_pg_exec(pg, "SELECT status, ladder FROM fights WHERE id = $1 FOR UPDATE", 1, p1);
    if (res == NULL)
        goto sqlerr;
    if (PQntuples(res) == 0) {
        PQclear(res);
        res = NULL;
        /* A failed fight of a game the database does not know (an entry
         * naming a game that does not exist) is not worth a game row: it is
         * in cf:fights:dead already. */
        if (strcmp(msg->status, "failed") == 0) {
            const char *pg1[] = {game};
            PGresult *g = cf_pg_exec(pg, "SELECT 1 FROM games WHERE name = $1", 1, pg1);
            if (g == NULL)
                goto sqlerr;
            bool known = PQntuples(g) > 0;
            PQclear(g);
            if (!known) {
                log_warn("fight %s failed, game \"%s\" unknown to the database: not stored",
                         msg->id, game);
                rc = 0;
                goto out;
            }
        } else if (ensure_game(pg, game) != 0) {
            goto sqlerr;
        }
        /* Injected by hand: the web never saw it. Created as queued, then
         * finished below like any other. */
        const char *p[] = {msg->id, game, seed};
        if (cf_pg_run(pg,
                      "INSERT INTO fights (id, game, host_id, status, seed, queued_at, "
                      "attempts) VALUES ($1, $2, NULL, 'queued', $3, now(), 1) "
                      "ON CONFLICT (id) DO NOTHING",
                      3, p) != 0)
            goto sqlerr;
        res = cf_pg_exec(pg, "SELECT status, ladder FROM fights WHERE id = $1 FOR UPDATE", 1, p1);
        if (res == NULL)
            goto sqlerr;
        if (PQntuples(res) == 0) {
            snprintf(err, errlen, "fight row vanished");
            goto out;
        }
    }
    const char *status = PQgetvalue(res, 0, 0);
    bool ladder = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    if (strcmp(status, "finished") == 0 || strcmp(status, "failed") == 0 ||
        strcmp(status, "cancelled") == 0) {
        log_info("fight %s is already %s: result (%s) ignored", msg->id, status, msg->status);
        rc = 0;
        goto out;
    }
    if (strcmp(status, "queued") != 0 && strcmp(status, "running") != 0) {
        snprintf(err, errlen, "fight %s is %s, never queued: result (%s) refused", msg->id, status,
                 msg->status);
        log_warn("%s", err);
        rc = 2;
        goto out;
    }

    /* The seed the web chose stays (a stub report of a fight that never ran
     * says 0); a fight injected without one gets the simulator's. */
    const char *pf[] = {msg->id, msg->status, seed, result, str_of(rep, "explanation"),
                        ticks,   elapsed};
    if (cf_pg_run(pg,
                  "UPDATE fights SET status = $2, seed = COALESCE(seed, $3::bigint), "
                  "result = $4::jsonb, explanation = $5, ticks = $6, elapsed_ms = $7, "
                  "finished_at = now(), "
                  "started_at = COALESCE(started_at, now() - make_interval(secs => "
                  "COALESCE($7::bigint, 0) / 1000.0)) WHERE id = $1",
                  7, pf) != 0)
        goto sqlerr;
    if (msg->output_dropped[0] != '\0')
        log_warn("fight %s: %s: stored without it", msg->id, msg->output_dropped);
    const cJSON *players = cJSON_GetObjectItemCaseSensitive(rep, "players"), *pl;
    int slot = 0;
    cJSON_ArrayForEach (pl, players) {
        if (store_player(pg, msg->id, slot++, pl, msg->output) != 0)
            goto sqlerr;
    }
    const char *pr[] = {msg->id, report, replay};
    if (cf_pg_run(pg,
                  "INSERT INTO fight_reports (fight_id, report, replay) "
                  "VALUES ($1, $2::jsonb, $3::jsonb) ON CONFLICT (fight_id) DO UPDATE "
                  "SET report = EXCLUDED.report, replay = EXCLUDED.replay, created_at = now()",
                  3, pr) != 0)
        goto sqlerr;
    /* A ladder fight's rating commits with its result (store_ladder.c). */
    if (ladder && strcmp(msg->status, "finished") == 0 &&
        rp_store_ladder(pg, msg->id, err, errlen) != 0)
        goto out;
    rc = 1;
    goto out;
sqlerr:
    snprintf(err, errlen, "%s", cf_pg_error(pg));
out:
    if (res != NULL)
        PQclear(res);
    free(seed);
    free(ticks);
    free(elapsed);
    free(result);
    free(replay);
    free(report);
    return rc;
}

/* One result inside the caller's transaction; store_tx's answers. A
 * version's check (store_check.c) has no fight row: it is stored on its
 * version. */
static int store_one(cf_pg *pg, const cf_result_entry *msg, char *err, size_t errlen)
{
    int rc = rp_store_check(pg, msg, err, errlen);
    return rc == 3 ? store_tx(pg, msg, err, errlen) : rc;
}

int rp_store_many(cf_pg *pg, const cf_result_entry *const *msgs, size_t n, enum rp_store_rc *rcs,
                  char (*errs)[RP_ERR_MAX])
{
    if (cf_pg_begin(pg) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        errs[i][0] = '\0';
        if (cf_pg_run(pg, "SAVEPOINT rp_one", 0, NULL) != 0)
            goto abort;
        int rc = store_one(pg, msgs[i], errs[i], RP_ERR_MAX);
        if (rc < 0 && rp_pg_transient(pg))
            goto abort; /* the database is away: the whole batch waits */
        if (rc == 1) {
            rcs[i] = RP_STORED;
            if (cf_pg_run(pg, "RELEASE SAVEPOINT rp_one", 0, NULL) != 0)
                goto abort;
            continue;
        }
        rcs[i] = rc < 0 ? RP_BAD : rc == 0 ? RP_IGNORED : RP_REFUSED;
        if (rc < 0 && errs[i][0] == '\0')
            snprintf(errs[i], RP_ERR_MAX, "%s", cf_pg_error(pg));
        if (cf_pg_run(pg, "ROLLBACK TO SAVEPOINT rp_one", 0, NULL) != 0)
            goto abort;
    }
    if (cf_pg_commit(pg) != 0)
        return -1; /* one at a time now: a commit that landed is ignored then */
    return 0;
abort:
    cf_pg_rollback(pg);
    return -1;
}

enum rp_store_rc rp_store(cf_pg *pg, const cf_result_entry *msg, char *err, size_t errlen)
{
    err[0] = '\0';
    if (cf_pg_begin(pg) != 0) {
        snprintf(err, errlen, "BEGIN: %s", cf_pg_error(pg));
        return RP_RETRY;
    }
    int rc = store_one(pg, msg, err, errlen);
    if (rc < 0) {
        bool transient = rp_pg_transient(pg);
        cf_pg_rollback(pg);
        return transient ? RP_RETRY : RP_BAD;
    }
    if (rc == 0 || rc == 2) {
        cf_pg_rollback(pg);
        return rc == 0 ? RP_IGNORED : RP_REFUSED;
    }
    if (cf_pg_commit(pg) != 0) {
        snprintf(err, errlen, "COMMIT: %s", cf_pg_error(pg));
        /* A lost COMMIT reply may still have committed: retrying is safe,
         * the next attempt finds the fight final and ignores it. */
        return rp_pg_transient(pg) ? RP_RETRY : RP_BAD;
    }
    return RP_STORED;
}
