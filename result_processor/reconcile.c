/*
 * reconcile.c — nothing is lost even if a stream entry is.
 *
 * PostgreSQL is the source of truth for a fight's state. A fight still
 * `queued` or `running` stuck_after_s after it was queued (or started) has
 * lost its stream entry somewhere (Redis restarted without persistence, an
 * entry trimmed, a result dead-lettered). The reconciler then:
 *   - marks it `cancelled` if a cancel was requested;
 *   - re-queues it, when the web stored its XADD fields in `outbox`
 *     (payload: {"id","game","players","settings","seed"}), with XADD
 *     cf:fights of those fields, attempts + 1 and a fresh queued_at;
 *   - marks it `failed`, with the reason in explanation, when it has been
 *     re-queued max_attempts times already or its code is not stored (a
 *     fight that was never in the outbox: the stream held its only copy).
 * Rows are taken FOR UPDATE SKIP LOCKED, so several processors can run it.
 * The XADD happens before the commit: a crash in between queues the fight
 * twice, and the second result is ignored by store.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "rp.h"

static int requeue(cf_redis *r, const rp_settings *s, const char *payload)
{
    cJSON *obj = cJSON_Parse(payload);
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return -1;
    }
    int n = cJSON_GetArraySize(obj);
    const char **argv = calloc((size_t)(6 + 2 * n), sizeof *argv);
    char **owned = calloc((size_t)n + 1, sizeof *owned);
    int rc = -1;
    if (argv == NULL || owned == NULL)
        goto out;
    char maxlen[32];
    snprintf(maxlen, sizeof maxlen, "%ld", s->fights_maxlen);
    int argc = 0;
    argv[argc++] = "XADD";
    argv[argc++] = CF_STREAM_FIGHTS;
    argv[argc++] = "MAXLEN";
    argv[argc++] = "~";
    argv[argc++] = maxlen;
    argv[argc++] = "*";
    const cJSON *it;
    int k = 0;
    cJSON_ArrayForEach(it, obj) {
        if (cJSON_IsNull(it))
            continue; /* e.g. no seed chosen yet: the field is optional */
        argv[argc++] = it->string;
        if (cJSON_IsString(it)) {
            argv[argc++] = it->valuestring;
        } else {
            owned[k] = cJSON_PrintUnformatted(it);
            if (owned[k] == NULL)
                goto out;
            argv[argc++] = owned[k++];
        }
    }
    redisReply *rep = cf_redis_argv(r, argc, argv, NULL);
    if (rep != NULL) {
        rc = rep->type == REDIS_REPLY_STRING ? 0 : -1;
        if (rc)
            log_warn("re-queue XADD: %s", rep->type == REDIS_REPLY_ERROR ? rep->str : "?");
        freeReplyObject(rep);
    }
out:
    if (owned != NULL)
        for (int i = 0; i < n; i++)
            free(owned[i]);
    free(owned);
    free(argv);
    cJSON_Delete(obj);
    return rc;
}

static int finish_stuck(cf_pg *pg, const char *id, const char *status, const char *why)
{
    const char *p[] = {id, status, why};
    return cf_pg_run(pg,
                     "UPDATE fights SET status = $2, explanation = $3, finished_at = now() "
                     "WHERE id = $1",
                     3, p);
}

int rp_reconcile(cf_pg *pg, cf_redis *r, const rp_settings *s)
{
    char secs[32], maxatt[16];
    snprintf(secs, sizeof secs, "%ld", s->stuck_after_s);
    snprintf(maxatt, sizeof maxatt, "%d", s->max_attempts);
    if (cf_pg_begin(pg) != 0)
        return -1;
    const char *p[] = {secs};
    PGresult *res = cf_pg_exec(
        pg,
        "SELECT f.id, f.attempts, f.cancel_requested, "
        "       (SELECT o.payload::text FROM outbox o WHERE o.fight_id = f.id "
        "        ORDER BY o.id DESC LIMIT 1) "
        "FROM fights f WHERE f.status IN ('queued', 'running') "
        "AND COALESCE(f.started_at, f.queued_at, f.created_at) < "
        "    now() - make_interval(secs => $1::double precision) "
        "ORDER BY f.created_at LIMIT 100 FOR UPDATE OF f SKIP LOCKED",
        1, p);
    if (res == NULL) {
        log_warn("reconcile: %s", cf_pg_error(pg));
        cf_pg_rollback(pg);
        return -1;
    }
    int done = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *id = PQgetvalue(res, i, 0);
        int attempts = atoi(PQgetvalue(res, i, 1));
        bool cancel = strcmp(PQgetvalue(res, i, 2), "t") == 0;
        bool has_code = !PQgetisnull(res, i, 3);
        int rc;
        if (cancel) {
            rc = finish_stuck(pg, id, "cancelled", "cancelled while stuck in the queue");
        } else if (attempts >= s->max_attempts) {
            char why[128];
            snprintf(why, sizeof why, "stuck after %d attempts: given up", attempts);
            rc = finish_stuck(pg, id, "failed", why);
        } else if (!has_code) {
            rc = finish_stuck(pg, id, "failed",
                              "stuck, and its code is not stored (no outbox entry): "
                              "cannot be re-queued");
        } else if (requeue(r, s, PQgetvalue(res, i, 3)) != 0) {
            rc = -1;
        } else {
            const char *pu[] = {id};
            rc = cf_pg_run(pg,
                           "UPDATE fights SET status = 'queued', attempts = attempts + 1, "
                           "queued_at = now(), started_at = NULL WHERE id = $1",
                           1, pu);
            if (rc == 0)
                log_warn("reconcile: fight %s was stuck; re-queued (attempt %d)", id,
                         attempts + 1);
        }
        if (rc != 0) {
            log_warn("reconcile: fight %s: %s", id, cf_pg_error(pg));
            PQclear(res);
            cf_pg_rollback(pg);
            return -1;
        }
        done++;
    }
    PQclear(res);
    if (cf_pg_commit(pg) != 0)
        return -1;
    if (done > 0)
        log_info("reconcile: %d stuck fights handled", done);
    return done;
}
