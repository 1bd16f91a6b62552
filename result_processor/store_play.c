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
                       text_of(end, "log")};
    PGresult *res = cf_pg_exec(
        pg,
        "INSERT INTO plays (id, status, verdict, detail, score, cpu_ms, peak_memory_kb, "
        "elapsed_ms, log, started_at, finished_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
        "        now() - make_interval(secs => $8::bigint / 1000.0), now()) "
        "ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, verdict = EXCLUDED.verdict, "
        "detail = EXCLUDED.detail, score = GREATEST(plays.score, EXCLUDED.score), "
        "cpu_ms = EXCLUDED.cpu_ms, "
        "peak_memory_kb = EXCLUDED.peak_memory_kb, elapsed_ms = EXCLUDED.elapsed_ms, "
        "log = EXCLUDED.log, started_at = COALESCE(plays.started_at, EXCLUDED.started_at), "
        "finished_at = EXCLUDED.finished_at "
        "WHERE plays.status IN ('queued', 'running')",
        9, p);
    if (res == NULL) {
        snprintf(err, errlen, "%s", cf_pg_error(pg));
        return rp_pg_transient(pg) ? RP_RETRY : RP_BAD;
    }
    bool changed = strcmp(PQcmdTuples(res), "1") == 0;
    PQclear(res);
    if (!changed) {
        log_info("play %s is already final: result (%s) ignored", msg->id, msg->status);
        return RP_IGNORED;
    }
    return RP_STORED;
}
