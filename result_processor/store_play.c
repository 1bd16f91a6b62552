/*
 * store_play.c — how an arcade play ended, stored once (cf:results entries
 * of kind "play").
 *
 * One statement: the play's row is created (a play injected with redis-cli
 * that the web never saw) or, while it is still queued or running, given
 * its end: status, verdict, detail, score, figures, log, and its start and
 * finish times. A row already final is left alone, so a second copy of the
 * same result (a crash between commit and ack) changes nothing, and a late
 * result cannot overwrite an earlier one. The score never goes down (the
 * schema refuses it: 0006_arcade_community.sql): the end's score is the
 * highest the game reported, kept with GREATEST should the row hold one.
 *
 * A play the web queued is ended only by the end of the entry the web sent
 * (plays.entry_id, which cf-simulator names in the result's "entry"). Any
 * writer of cf:plays can add an entry with the id of someone else's
 * queued play: it may run, but its end (a bad entry's failure, a game of
 * its own, its score) is refused, logged and dead-lettered, and the play
 * waits for its own entry (issue 15, as a forged fight's result for a
 * fight still hosting, store.c). A row without a recorded entry (cf-web
 * stores it just after its XADD; a play injected by hand) and a result
 * naming none (an older simulator) are taken as before.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rp.h"

static const char *text_of(const cJSON *end, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(end, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* A validated end's count as decimal text. */
static void count_of(const cJSON *end, const char *key, char out[24])
{
    snprintf(out, 24, "%.0f", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(end, key)));
}

/* Why a play's end changed nothing: the play is final already (ignored),
 * or it waits for another entry's end (refused: a forged entry). */
static enum rp_store_rc not_stored(cf_pg *pg, const cf_result_entry *msg, char *err, size_t errlen)
{
    const char *p[1] = {msg->id};
    PGresult *res = cf_pg_exec(pg,
                               "SELECT entry_id FROM plays WHERE id = $1 "
                               "AND status IN ('queued', 'running') AND entry_id IS NOT NULL",
                               1, p);
    if (res == NULL) {
        snprintf(err, errlen, "%s", cf_pg_error(pg));
        return rp_pg_transient(pg) ? RP_RETRY : RP_BAD;
    }
    bool waits = PQntuples(res) == 1 && msg->entry[0] != '\0' &&
                 strcmp(PQgetvalue(res, 0, 0), msg->entry) != 0;
    if (waits)
        snprintf(err, errlen,
                 "play %s was sent as entry %s: the end (%s) of entry %s refused (an entry "
                 "forged with its id?)",
                 msg->id, PQgetvalue(res, 0, 0), msg->status, msg->entry);
    PQclear(res);
    if (waits) {
        log_warn("%s", err);
        return RP_REFUSED;
    }
    log_info("play %s is already final: result (%s) ignored", msg->id, msg->status);
    return RP_IGNORED;
}

enum rp_store_rc rp_store_play(cf_pg *pg, const cf_result_entry *msg, char *err, size_t errlen)
{
    const cJSON *end = msg->report;
    const cJSON *score = cJSON_GetObjectItemCaseSensitive(end, "score");
    char score_s[40], cpu[24], mem[24], elapsed[24];
    if (cJSON_IsNumber(score) && isfinite(score->valuedouble))
        snprintf(score_s, sizeof score_s, "%.17g", score->valuedouble);
    count_of(end, "cpu_ms", cpu);
    count_of(end, "peak_memory_kb", mem);
    count_of(end, "elapsed_ms", elapsed);
    const char *p[] = {msg->id,
                       msg->status,
                       text_of(end, "verdict"),
                       text_of(end, "detail"),
                       cJSON_IsNumber(score) ? score_s : NULL,
                       cpu,
                       mem,
                       elapsed,
                       text_of(end, "log"),
                       msg->entry[0] != '\0' ? msg->entry : NULL};
    PGresult *res = cf_pg_exec(
        pg,
        "INSERT INTO plays (id, status, verdict, detail, score, cpu_ms, peak_memory_kb, "
        "elapsed_ms, log, entry_id, started_at, finished_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
        "        now() - make_interval(secs => $8::bigint / 1000.0), now()) "
        "ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, verdict = EXCLUDED.verdict, "
        "detail = EXCLUDED.detail, score = GREATEST(plays.score, EXCLUDED.score), "
        "cpu_ms = EXCLUDED.cpu_ms, "
        "peak_memory_kb = EXCLUDED.peak_memory_kb, elapsed_ms = EXCLUDED.elapsed_ms, "
        "log = EXCLUDED.log, started_at = COALESCE(plays.started_at, EXCLUDED.started_at), "
        "finished_at = EXCLUDED.finished_at "
        "WHERE plays.status IN ('queued', 'running') "
        "AND ($10::text IS NULL OR plays.entry_id IS NULL OR plays.entry_id = $10::text)",
        10, p);
    if (res == NULL) {
        snprintf(err, errlen, "%s", cf_pg_error(pg));
        return rp_pg_transient(pg) ? RP_RETRY : RP_BAD;
    }
    bool changed = strcmp(PQcmdTuples(res), "1") == 0;
    PQclear(res);
    return changed ? RP_STORED : not_stored(pg, msg, err, errlen);
}
