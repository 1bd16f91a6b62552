/*
 * store_ladder.c — a ladder fight's result moves its bots' ratings.
 *
 * Called by store.c inside the transaction (or the savepoint) that stores
 * a fight's result, once its players are stored: the rating commits with
 * the fight or not at all. store.c stores a result only for a fight that
 * is not final yet, and the fight row is locked, so a fight is rated once
 * whatever is redelivered or however many processors hold a copy; the
 * ladder_ratings primary key (fight, version) is the second lock on that
 * door.
 *
 * Only a finished fight with fights.ladder is rated. Who is rated: each
 * player whose bot version has a ladder entry (any status: a version
 * replaced since the fight was made moves its own row, never its
 * successor's, which is another row), with a rank. The rank is the
 * report's (fight_players.rank; for victory/draw games the report ranks
 * win before draw before loss, and a result without a rank is ranked so
 * here), so a bot that crashed is rated as the game ranked it, usually
 * last: crashing is losing. A player with no
 * rank (no result), no version (deleted since) or whose version plays
 * more than once in the fight (against itself: says nothing of its skill)
 * is left out; with fewer than two left, nobody is rated.
 *
 * The entries are locked in bot_version_id order (FOR UPDATE), the one
 * order every writer of several entries uses, so two fights sharing bots
 * cannot deadlock. An outcome the rating refuses (cf_rating_update's
 * errors: a mu difference beyond doubles) rates nobody and is logged; the
 * fight is stored all the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rating.h"
#include "rp.h"

/* The rated players of fight $1, their entries locked: one row each
 * (bot_version_id, mu, sigma, rank), none unless the fight is a finished
 * ladder fight. A player with a result but no rank (a report written by
 * hand may leave it out) ranks by the result: win, draw, loss. */
#define LADDER_PLAYERS_SQL                                                                         \
    "SELECT e.bot_version_id, e.mu, e.sigma, p.rank FROM ladder_entries e "                        \
    "JOIN (SELECT fp.bot_version_id, min(COALESCE(fp.rank, CASE fp.result WHEN 'win' THEN 1 "      \
    "        WHEN 'draw' THEN 2 WHEN 'loss' THEN 3 END)) AS rank FROM fight_players fp "           \
    "      JOIN fights f ON f.id = fp.fight_id AND f.ladder AND f.status = 'finished' "            \
    "      WHERE fp.fight_id = $1::uuid AND fp.bot_version_id IS NOT NULL "                        \
    "      GROUP BY fp.bot_version_id HAVING count(*) = 1) p "                                     \
    "  ON p.bot_version_id = e.bot_version_id WHERE p.rank IS NOT NULL "                           \
    "ORDER BY e.bot_version_id FOR UPDATE OF e"

static int write_rating(cf_pg *pg, const char *fight_id, const char *version_id, int rank,
                        cf_rating before, cf_rating after)
{
    char rankbuf[16], mu0[40], s0[40], mu[40], s[40];
    snprintf(rankbuf, sizeof rankbuf, "%d", rank);
    snprintf(mu0, sizeof mu0, "%.17g", before.mu);
    snprintf(s0, sizeof s0, "%.17g", before.sigma);
    snprintf(mu, sizeof mu, "%.17g", after.mu);
    snprintf(s, sizeof s, "%.17g", after.sigma);
    const char *pe[] = {version_id, mu, s};
    if (cf_pg_run(pg,
                  "UPDATE ladder_entries SET mu = $2::float8, sigma = $3::float8, "
                  "games = games + 1, last_fight_at = now() WHERE bot_version_id = $1::bigint",
                  3, pe) != 0)
        return -1;
    const char *pr[] = {fight_id, version_id, rankbuf, mu0, s0, mu, s};
    return cf_pg_run(pg,
                     "INSERT INTO ladder_ratings (fight_id, bot_version_id, rank, mu_before, "
                     "sigma_before, mu, sigma) VALUES ($1::uuid, $2::bigint, $3::int, "
                     "$4::float8, $5::float8, $6::float8, $7::float8)",
                     7, pr);
}

int rp_store_ladder(cf_pg *pg, const char *fight_id, char *err, size_t errlen)
{
    const char *p[] = {fight_id};
    PGresult *res = cf_pg_exec(pg, LADDER_PLAYERS_SQL, 1, p);
    if (res == NULL) {
        snprintf(err, errlen, "%s", cf_pg_error(pg));
        return -1;
    }
    int n = PQntuples(res);
    if (n < CF_RATING_MIN_PLAYERS || n > CF_RATING_MAX_PLAYERS) {
        if (n > 0)
            log_info("ladder fight %s: %d rated player(s), nobody rated", fight_id, n);
        PQclear(res);
        return 0;
    }
    cf_rating before[CF_RATING_MAX_PLAYERS], after[CF_RATING_MAX_PLAYERS];
    int ranks[CF_RATING_MAX_PLAYERS];
    for (int i = 0; i < n; i++) {
        before[i].mu = strtod(PQgetvalue(res, i, 1), NULL);
        before[i].sigma = strtod(PQgetvalue(res, i, 2), NULL);
        ranks[i] = (int)strtol(PQgetvalue(res, i, 3), NULL, 10);
        after[i] = before[i];
    }
    char why[256];
    if (cf_rating_update(after, ranks, n, NULL, why, sizeof why) != 0) {
        log_warn("ladder fight %s: not rated: %s", fight_id, why);
        PQclear(res);
        return 0;
    }
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        rc = write_rating(pg, fight_id, PQgetvalue(res, i, 0), ranks[i], before[i], after[i]);
        if (rc != 0)
            snprintf(err, errlen, "%s", cf_pg_error(pg));
    }
    if (rc == 0)
        log_info("ladder fight %s: %d versions rated", fight_id, n);
    PQclear(res);
    return rc;
}
