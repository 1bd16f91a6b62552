/*
 * reconcile.c — nothing is lost even if a stream entry is.
 *
 * PostgreSQL is the source of truth for a fight's state. A fight still
 * `queued` or `running` stuck_after_s after it was queued (or started) has
 * lost its stream entry somewhere (Redis restarted without persistence, an
 * entry trimmed, a result dead-lettered). A fight whose outbox row is
 * still unsent is not lost but waiting its turn (cf-web's fair queue,
 * web/outbox.c): it is left alone, and a fight counts as stuck from when
 * its row was sent. The reconciler then:
 *   - marks it `cancelled` if a cancel was requested;
 *   - re-queues it, when the web stored its entry's fields in `outbox`
 *     (cf_fields_from_json: {"id","game","players","settings","seed"}),
 *     with XADD cf:fights of those fields, attempts + 1 and a fresh
 *     queued_at;
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

#include "log.h"
#include "rp.h"
#include "stream_group.h"

static int requeue(cf_redis *r, const rp_settings *s, const char *payload)
{
    cf_fields_out fields;
    if (cf_fields_from_json(payload, &fields) != 0) {
        log_warn("re-queue: the outbox payload is not a fight entry's fields");
        return -1;
    }
    int rc = cf_stream_add(r, CF_STREAM_FIGHTS, s->fights_maxlen, &fields);
    cf_fields_out_free(&fields);
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
    PGresult *res =
        cf_pg_exec(pg,
                   "SELECT f.id, f.attempts, f.cancel_requested, "
                   "       (SELECT o.payload::text FROM outbox o WHERE o.fight_id = f.id "
                   "        ORDER BY o.id DESC LIMIT 1) "
                   "FROM fights f WHERE f.status IN ('queued', 'running') "
                   "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.fight_id = f.id "
                   "                AND o.sent_at IS NULL) "
                   "AND COALESCE(f.started_at, GREATEST(f.queued_at, (SELECT max(o.sent_at) "
                   "    FROM outbox o WHERE o.fight_id = f.id)), f.created_at) < "
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
                log_warn("reconcile: fight %s was stuck; re-queued (attempt %d)", id, attempts + 1);
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
