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
 * Best effort: every entry is acknowledged, stored or not.
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

int rp_progress_pass(cf_consumer *progress, cf_pg *pg)
{
    cf_entry *es = NULL;
    size_t n = 0;
    bool fresh;
    if (cf_consumer_read(progress, 500, 0, &es, &n, &fresh) < 0)
        return -1;
    int marked = 0;
    for (size_t i = 0; i < n; i++) {
        cf_progress_entry pe;
        if (cf_progress_entry_decode(es[i].fields, es[i].nfields, &pe, NULL, 0) == 0 &&
            pe.state == CF_PROGRESS_STARTED)
            marked += mark_running(pg, &pe);
        (void)cf_consumer_ack(progress, es[i].id);
    }
    cf_entries_free(es, n);
    return marked;
}
