/*
 * reconcile_checks.c — no version stays "checking" for ever.
 *
 * A version's check (web/version_check.c) is in cf:fights once it was sent
 * (check_sent_at); its result normally makes it ok or failed within
 * seconds. One still checking stuck_after_s after it was sent has lost its
 * entry or its result (Redis restarted without persistence, a simulator
 * dead past max_deliveries, a result dead-lettered): the reconciler clears
 * its check_sent_at, so cf-web's relay sends it again, or, once it was
 * sent max_attempts times, marks it failed with the reason (and refuses
 * the version's pending ladder entry with it). A check not
 * sent yet is waiting its turn (one per owner at a time), not lost.
 */
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "rp.h"

int rp_reconcile_checks(cf_pg *pg, const rp_settings *s)
{
    char secs[32], maxatt[16];
    snprintf(secs, sizeof secs, "%ld", s->stuck_after_s);
    snprintf(maxatt, sizeof maxatt, "%d", s->max_attempts);
    const char *p[] = {secs, maxatt};
    /* A check given up refuses the version's pending ladder entry in the
     * same statement, as a failed check does (ladder_checked.c). */
    PGresult *res = cf_pg_exec(
        pg,
        "WITH stuck AS (UPDATE bot_versions SET "
        "  check_status = CASE WHEN check_attempts >= $2::int THEN 'failed' ELSE check_status END, "
        "  check_message = CASE WHEN check_attempts >= $2::int THEN "
        "    'the check did not finish (sent ' || check_attempts || ' times): given up' "
        "    ELSE check_message END, "
        "  checked_at = CASE WHEN check_attempts >= $2::int THEN now() ELSE checked_at END, "
        "  check_sent_at = CASE WHEN check_attempts >= $2::int THEN check_sent_at ELSE NULL END "
        "WHERE check_status = 'checking' AND check_sent_at IS NOT NULL "
        "AND check_sent_at < now() - make_interval(secs => $1::double precision) "
        "RETURNING id, check_status, check_message), "
        "refused AS (UPDATE ladder_entries e SET status = 'refused', reason = s.check_message, "
        "  ended_at = now() FROM stuck s WHERE e.bot_version_id = s.id "
        "  AND s.check_status = 'failed' AND e.status = 'pending' RETURNING e.bot_version_id) "
        "SELECT s.id, s.check_status, r.bot_version_id IS NOT NULL "
        "FROM stuck s LEFT JOIN refused r ON r.bot_version_id = s.id",
        2, p);
    if (res == NULL) {
        log_warn("reconcile checks: %s", cf_pg_error(pg));
        return -1;
    }
    int n = PQntuples(res);
    for (int i = 0; i < n; i++)
        log_warn("reconcile: the check of version %s was stuck; %s%s", PQgetvalue(res, i, 0),
                 PQgetvalue(res, i, 1)[0] == 'f' ? "given up (failed)" : "to be sent again",
                 PQgetvalue(res, i, 2)[0] == 't' ? "; its ladder entry refused" : "");
    PQclear(res);
    return n;
}
