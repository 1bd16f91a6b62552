/*
 * progress.c — `running` in PostgreSQL, from the simulators' progress.
 *
 * The simulator has no database access, so it cannot mark a fight running;
 * it publishes `started` on cf:progress when a worker takes the fight. The
 * processor follows cf:progress in its own group (`result-processors`,
 * created from `$`: only fresh news matter), the one writer of that state
 * change, and turns `started` into
 * status = 'running', started_at = now() for a fight still queued or
 * running (a reclaimed fight restarts its clock, which the reconciler
 * measures). A fight already final is left alone, so a late `started`
 * never undoes a result; a fight unknown to the database is ignored. A
 * play's `started` (kind play) creates its row when the web never made one
 * (a play injected with redis-cli), so that it shows as running too.
 * Best effort: every entry is acknowledged, stored or not. What one read
 * brings is handled together: the fights it starts in one statement, its
 * entries acknowledged in one XACK.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "progress_entry.h"
#include "rp.h"
#include "stream_group.h"

/* started -> running, for a fight still queued or running, or a play still
 * queued (or not yet known) by the entry the web sent, when it recorded
 * one (an entry forged with a queued play's id does not start it:
 * store_play.c). */
static int mark_running(cf_pg *pg, const cf_progress_entry *pe)
{
    const char *p[] = {pe->id, pe->entry[0] != '\0' ? pe->entry : NULL};
    int rc = pe->play ? cf_pg_run(pg,
                                  "INSERT INTO plays (id, status, started_at, entry_id) "
                                  "VALUES ($1, 'running', now(), $2) "
                                  "ON CONFLICT (id) DO UPDATE SET status = 'running', "
                                  "started_at = now() WHERE plays.status = 'queued' "
                                  "AND ($2::text IS NULL OR plays.entry_id IS NULL "
                                  "OR plays.entry_id = $2::text)",
                                  2, p)
                      : cf_pg_run(pg,
                                  "UPDATE fights SET status = 'running', started_at = now() "
                                  "WHERE id = $1 AND status IN ('queued', 'running')",
                                  1, p);
    if (rc != 0) {
        log_warn("progress of %s: %s", pe->id, cf_pg_error(pg)); /* best effort */
        return 0;
    }
    return 1;
}

/* started -> running for these fights, in one statement: a PostgreSQL
 * array literal of their ids (UUIDs, checked by the decoder). */
static int mark_fights_running(cf_pg *pg, char *const *ids, size_t n)
{
    if (n == 0)
        return 0;
    size_t len = 3 + n * (CF_UUID_LEN + 1);
    char *arr = malloc(len);
    if (arr == NULL)
        return 0;
    size_t o = 0;
    arr[o++] = '{';
    for (size_t i = 0; i < n; i++) {
        memcpy(arr + o, ids[i], CF_UUID_LEN);
        o += CF_UUID_LEN;
        arr[o++] = i + 1 < n ? ',' : '}';
    }
    arr[o] = '\0';
    const char *p[] = {arr};
    int rc = cf_pg_run(pg,
                       "UPDATE fights SET status = 'running', started_at = now() "
                       "WHERE id = ANY($1::uuid[]) AND status IN ('queued', 'running')",
                       1, p);
    free(arr);
    if (rc != 0) {
        log_warn("progress of %zu fights: %s", n, cf_pg_error(pg)); /* best effort */
        return 0;
    }
    return (int)n;
}

int rp_progress_pass(cf_consumer *progress, cf_pg *pg)
{
    cf_entry *es = NULL;
    size_t n = 0;
    bool fresh;
    if (cf_consumer_read(progress, 500, 0, &es, &n, &fresh) < 0)
        return -1;
    int marked = 0;
    const char **ids = n > 0 ? calloc(n, sizeof *ids) : NULL;
    char **started = n > 0 ? calloc(n, sizeof *started) : NULL;
    size_t nstarted = 0;
    for (size_t i = 0; i < n; i++) {
        cf_progress_entry pe;
        if (cf_progress_entry_decode(es[i].fields, es[i].nfields, &pe, NULL, 0) == 0 &&
            pe.state == CF_PROGRESS_STARTED) {
            if (!pe.play && started != NULL && strlen(pe.id) == CF_UUID_LEN &&
                (started[nstarted] = strdup(pe.id)) != NULL)
                nstarted++;
            else
                marked += mark_running(pg, &pe);
        }
        if (ids != NULL)
            ids[i] = es[i].id;
        else
            (void)cf_consumer_ack(progress, es[i].id);
    }
    marked += mark_fights_running(pg, started, nstarted);
    if (ids != NULL)
        (void)cf_consumer_ack_many(progress, ids, n);
    for (size_t i = 0; i < nstarted; i++)
        free(started[i]);
    free(started);
    free(ids);
    cf_entries_free(es, n);
    return marked;
}
