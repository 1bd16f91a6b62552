/*
 * ladder_checked.c — a pending ladder entry enters or is refused when its
 * version's check ends.
 *
 * A bot entered on the ladder (bots.ladder) gets a pending entry for each
 * new version (cf-web, web/bot_ladder.c); the version's check decides it,
 * in the transaction that stores the check's outcome (store_check.c) or
 * gives the check up (reconcile_checks.c):
 *
 *   ok      the pending entry becomes active at the initial rating
 *           (cf_rating_initial: provisional), and the bot's active entry,
 *           if any, becomes 'replaced' (first: a bot has at most one active
 *           entry, 0011). Results of fights the replaced version played
 *           still move its own row only (store_ladder.c);
 *   failed  the pending entry becomes 'refused' with the check's message
 *           as its reason, which the owner reads on the bot; the active
 *           entry, if any, stays on the ladder.
 *
 * A version with no pending entry (the bot is not entered, or left, or a
 * newer upload replaced it) changes nothing. The entries are written in
 * bot_version_id order (the older active one, then the pending one), the
 * order store_ladder.c locks them in.
 */
#include <stdio.h>

#include "rating.h"
#include "rp.h"

int rp_ladder_checked(cf_pg *pg, const char *version_id, const char *failure)
{
    if (failure != NULL) {
        const char *p[] = {version_id, failure};
        return cf_pg_run(pg,
                         "UPDATE ladder_entries SET status = 'refused', reason = $2, "
                         "ended_at = now() WHERE bot_version_id = $1::bigint "
                         "AND status = 'pending'",
                         2, p);
    }
    const char *p1[] = {version_id};
    if (cf_pg_run(pg,
                  "UPDATE ladder_entries a SET status = 'replaced', ended_at = now() "
                  "FROM ladder_entries n WHERE n.bot_version_id = $1::bigint "
                  "AND n.status = 'pending' AND a.bot_id = n.bot_id AND a.status = 'active'",
                  1, p1) != 0)
        return -1;
    cf_rating r = cf_rating_initial(NULL);
    char mu[40], sigma[40];
    snprintf(mu, sizeof mu, "%.17g", r.mu);
    snprintf(sigma, sizeof sigma, "%.17g", r.sigma);
    const char *p[] = {version_id, mu, sigma};
    return cf_pg_run(pg,
                     "UPDATE ladder_entries SET status = 'active', activated_at = now(), "
                     "mu = $2::float8, sigma = $3::float8 "
                     "WHERE bot_version_id = $1::bigint AND status = 'pending'",
                     3, p);
}
