/*
 * reconcile_plays.c — no play stays queued or running for ever.
 *
 * A play is never started twice (a person was playing it), so a lost one
 * is not re-queued as a fight is: it ends as failed, with the reason, once
 * it cannot be anywhere any more:
 *   - queued without a cf:plays entry id after a minute: cf-web died
 *     between its row and its XADD;
 *   - queued longer than stuck_after_s while its entry is gone from
 *     cf:plays (Redis lost it; a settled entry would have left a result);
 *   - running longer than arcade.wall_s + stuck_after_s: every simulator
 *     ends a play by arcade.wall_s and kills a stuck worker a minute later,
 *     so its end was lost.
 * A play still waiting in a long queue is left alone. Rows are taken FOR
 * UPDATE SKIP LOCKED, so several processors can run it.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "rp.h"
#include "streams.h"

/* Whether the entry is on cf:plays; counted inside Redis, so that a
 * bundle of megabytes is not sent here to be counted. 1, 0 or -1. */
static int entry_present(cf_redis *r, const char *entry_id)
{
    redisReply *rep = cf_redis_command(r, "EVAL %s 1 %s %s",
                                       "return #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])",
                                       CF_STREAM_PLAYS, entry_id);
    int rc = rep != NULL && rep->type == REDIS_REPLY_INTEGER ? rep->integer > 0 : -1;
    if (rep != NULL)
        freeReplyObject(rep);
    return rc;
}

static int fail_play(cf_pg *pg, const char *id, const char *why)
{
    const char *p[] = {id, why};
    return cf_pg_run(pg,
                     "UPDATE plays SET status = 'failed', verdict = 'ok', detail = $2, "
                     "finished_at = now() WHERE id = $1",
                     2, p);
}

/* The reason a stuck play is lost, or NULL when it may still run. */
static const char *lost_because(cf_redis *r, PGresult *res, int i)
{
    const char *status = PQgetvalue(res, i, 1);
    if (strcmp(status, "running") == 0)
        return "lost: it ran past every limit without an end";
    if (PQgetisnull(res, i, 2))
        return "lost: it never reached the arcade";
    return entry_present(r, PQgetvalue(res, i, 2)) == 0 ? "lost: its entry left cf:plays unplayed"
                                                        : NULL;
}

int rp_reconcile_plays(cf_pg *pg, cf_redis *r, const rp_settings *s)
{
    char stuck[32], running[32];
    snprintf(stuck, sizeof stuck, "%ld", s->stuck_after_s);
    snprintf(running, sizeof running, "%ld", s->stuck_after_s + s->arcade_wall_s);
    if (cf_pg_begin(pg) != 0)
        return -1;
    const char *p[] = {stuck, running};
    PGresult *res = cf_pg_exec(
        pg,
        "SELECT id, status, entry_id FROM plays WHERE "
        "(status = 'queued' AND entry_id IS NULL AND created_at < now() - interval '1 minute') "
        "OR (status = 'queued' AND created_at < now() - make_interval(secs => $1::double "
        "precision)) "
        "OR (status = 'running' AND started_at < now() - make_interval(secs => $2::double "
        "precision)) "
        "ORDER BY created_at LIMIT 100 FOR UPDATE SKIP LOCKED",
        2, p);
    if (res == NULL) {
        log_warn("reconcile plays: %s", cf_pg_error(pg));
        cf_pg_rollback(pg);
        return -1;
    }
    int done = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *why = lost_because(r, res, i);
        if (why == NULL)
            continue;
        if (fail_play(pg, PQgetvalue(res, i, 0), why) != 0) {
            log_warn("reconcile plays: %s", cf_pg_error(pg));
            PQclear(res);
            cf_pg_rollback(pg);
            return -1;
        }
        log_warn("reconcile: play %s %s", PQgetvalue(res, i, 0), why);
        done++;
    }
    PQclear(res);
    return cf_pg_commit(pg) == 0 ? done : -1;
}
