/*
 * ladder_scheduler.c — the thread that keeps each game's ladder busy.
 *
 * Every cf-web process runs one; exactly one acts at a time. A round is
 * one transaction that first takes a PostgreSQL advisory lock for itself
 * (pg_try_advisory_xact_lock): a scheduler that finds it taken skips its
 * round. Inside it the round decides from PostgreSQL alone (no state kept
 * in the process, so a restart or another process carries on where the
 * last round ended) and its only effect is what it commits: each fight it
 * makes is an ordinary fight row marked ladder, its players and its
 * outbox row (fight_queue_ladder, the path every fight is queued by). A
 * scheduler killed at any point therefore made a whole fight or none; the
 * outbox relay sends it, the simulator runs it and the result processor
 * rates it once, as any fight.
 *
 * What a round makes (docs/ladder.md, "The scheduler"):
 *  - nothing while users' own fights or plays wait (queued), or while
 *    ladder.max_in_flight ladder fights are queued or running;
 *  - else, for each game with active entries of two bots or more whose
 *    latest ladder fight was made ladder.interval_ms ago or longer (the
 *    games that waited longest first), one fight of two entries chosen by
 *    ladder_pick() (ladder_pick.c: fewest games first, an opponent near in
 *    rating, at random), until the cap is reached.
 * Like a request, it starts at the top and calls only down.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ladder_pick.h"
#include "log.h"
#include "web.h"

#define ROUND_MAX_MS 500

static pthread_t sched_tid;
static bool running;
static bool stopping;
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cond = PTHREAD_COND_INITIALIZER;

/* The schedulers' turn, for the open transaction: 1 taken (until it ends),
 * 0 another process's round runs, -1 db error. */
static int take_turn(cf_pg *pg)
{
    PGresult *res =
        cf_pg_exec(pg, "SELECT pg_try_advisory_xact_lock(hashtext('cf:ladder'))", 0, NULL);
    if (res == NULL)
        return -1;
    int mine = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return mine;
}

/* How many ladder fights may be made now: ladder.max_in_flight less those
 * queued or running; 0 while any user's fight or play is queued (users
 * first). Both read from the partial indexes of waiting work. -1 db error. */
static int room(cf_pg *pg)
{
    PGresult *res =
        cf_pg_exec(pg,
                   "SELECT (SELECT count(*) FROM fights WHERE status IN ('queued', 'running') "
                   "AND ladder), "
                   "EXISTS (SELECT 1 FROM fights WHERE status = 'queued' AND NOT ladder) "
                   "OR EXISTS (SELECT 1 FROM plays WHERE status = 'queued')",
                   0, NULL);
    if (res == NULL)
        return -1;
    long in_flight = atol(PQgetvalue(res, 0, 0));
    bool users_wait = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
    PQclear(res);
    if (users_wait || in_flight >= web_cfg.ladder_max_in_flight)
        return 0;
    return (int)(web_cfg.ladder_max_in_flight - in_flight);
}

/* The games due a ladder fight: two active bots or more (of users not
 * deactivated), not hidden, the latest ladder fight made interval ago or
 * longer; those that waited longest first. */
static PGresult *due_games(cf_pg *pg)
{
    char interval[24];
    snprintf(interval, sizeof interval, "%ld", web_cfg.ladder_interval_ms);
    const char *params[1] = {interval};
    return cf_pg_exec(pg,
                      "WITH g AS (SELECT e.game FROM ladder_entries e "
                      "  JOIN bots b ON b.id = e.bot_id JOIN users u ON u.id = b.owner_id "
                      "  WHERE e.status = 'active' AND u.deactivated_at IS NULL "
                      "  GROUP BY e.game HAVING count(DISTINCT e.bot_id) >= 2), "
                      "l AS (SELECT g.game, (SELECT max(f.created_at) FROM fights f "
                      "  WHERE f.ladder AND f.game = g.game) AS latest FROM g "
                      "  WHERE NOT EXISTS (SELECT 1 FROM hidden_games h WHERE h.game = g.game)) "
                      "SELECT game FROM l "
                      "WHERE latest IS NULL OR latest <= now() - $1::bigint * interval '1 ms' "
                      "ORDER BY latest NULLS FIRST, game",
                      1, params);
}

/* A game's active entries, as ladder_pick() reads them (its games counting
 * its ladder fights still going on, the version its latest ladder fight
 * was against), and each one's owner and name for the fight's seats. */
static PGresult *entries_of(cf_pg *pg, const char *game)
{
    const char *params[1] = {game};
    return cf_pg_exec(
        pg,
        "SELECT e.bot_version_id, e.bot_id, e.mu, e.sigma, "
        "e.games + (SELECT count(*) FROM fight_players p JOIN fights f ON f.id = p.fight_id "
        "  WHERE p.bot_version_id = e.bot_version_id AND f.ladder "
        "  AND f.status IN ('queued', 'running')), "
        "COALESCE(extract(epoch FROM e.last_fight_at), 0), "
        "COALESCE((SELECT o.bot_version_id FROM fight_players p "
        "  JOIN fights f ON f.id = p.fight_id AND f.ladder "
        "  JOIN fight_players o ON o.fight_id = f.id AND o.slot <> p.slot "
        "  WHERE p.bot_version_id = e.bot_version_id "
        "  ORDER BY f.created_at DESC, o.slot LIMIT 1), 0), "
        "b.owner_id, u.username, b.name "
        "FROM ladder_entries e JOIN bots b ON b.id = e.bot_id JOIN users u ON u.id = b.owner_id "
        "WHERE e.game = $1 AND e.status = 'active' AND u.deactivated_at IS NULL "
        "ORDER BY e.bot_version_id",
        1, params);
}

static void read_candidate(PGresult *res, int row, ladder_candidate *c)
{
    *c = (ladder_candidate){
        .version_id = atoll(PQgetvalue(res, row, 0)),
        .bot_id = atoll(PQgetvalue(res, row, 1)),
        .active = true,
        .mu = strtod(PQgetvalue(res, row, 2), NULL),
        .sigma = strtod(PQgetvalue(res, row, 3), NULL),
        .games = atoi(PQgetvalue(res, row, 4)),
        .last_fight_at = strtod(PQgetvalue(res, row, 5), NULL),
        .last_opponent = atoll(PQgetvalue(res, row, 6)),
    };
}

/* One ladder fight of game, inside the round's transaction: 1 made, 0 none
 * possible (the game is gone, takes no two players, nobody can meet), -1
 * db error. */
static int schedule_game(cf_pg *pg, const char *game, uint64_t *rng)
{
    const cf_game *g = cf_game_find(game);
    if (g == NULL || g->min_players > 2 || g->max_players < 2)
        return 0; /* ladder fights are 1v1 (docs/ladder.md) */
    PGresult *res = entries_of(pg, game);
    if (res == NULL)
        return -1;
    int n = PQntuples(res), pick[2];
    ladder_candidate *c = calloc((size_t)(n > 0 ? n : 1), sizeof *c);
    if (c == NULL) {
        PQclear(res);
        return -1;
    }
    for (int i = 0; i < n; i++)
        read_candidate(res, i, &c[i]);
    int rc = 0;
    if (ladder_pick(c, n, LADDER_PICK_NEAR, rng, pick) == 2) {
        /* which side each plays (Tanks: who starts where, who moves
         * first) is left to chance too */
        int first = (int)(ladder_random(rng) & 1);
        fight_seat seats[2];
        for (int s = 0; s < 2; s++) {
            int row = pick[s ^ first];
            seats[s] = (fight_seat){.version_id = PQgetvalue(res, row, 0),
                                    .user_id = PQgetvalue(res, row, 7),
                                    .username = PQgetvalue(res, row, 8),
                                    .bot_name = PQgetvalue(res, row, 9)};
        }
        char fight_id[CF_UUID_LEN + 1];
        rc = fight_queue_ladder(pg, g, seats, 2, fight_id) == 0 ? 1 : -1;
        if (rc == 1)
            log_info("ladder: fight %s (%s): %s/%s (version %s) against %s/%s (version %s)",
                     fight_id, game, seats[0].username, seats[0].bot_name, seats[0].version_id,
                     seats[1].username, seats[1].bot_name, seats[1].version_id);
    }
    free(c);
    PQclear(res);
    return rc;
}

/* One round: the ladder fights made (0 also when another process holds the
 * turn, or nothing is due), or -1 (rolled back: none made). */
int ladder_schedule_round(cf_pg *pg, uint64_t *rng)
{
    if (cf_pg_begin(pg) != 0)
        return -1;
    int made = 0, left = take_turn(pg);
    if (left == 1)
        left = room(pg);
    PGresult *games = left > 0 ? due_games(pg) : NULL;
    if (left < 0 || (left > 0 && games == NULL)) {
        cf_pg_rollback(pg);
        return -1;
    }
    for (int i = 0; games != NULL && i < PQntuples(games) && made < left; i++) {
        int rc = schedule_game(pg, PQgetvalue(games, i, 0), rng);
        if (rc < 0) {
            PQclear(games);
            cf_pg_rollback(pg);
            return -1;
        }
        made += rc;
    }
    PQclear(games);
    if (cf_pg_commit(pg) != 0) {
        cf_pg_rollback(pg);
        return -1;
    }
    if (made > 0)
        outbox_wake();
    return made;
}

/* The pause between rounds, cut short by ladder_scheduler_stop(). */
static void pause_ms(int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&stop_lock);
    while (!stopping && pthread_cond_timedwait(&stop_cond, &stop_lock, &until) == 0)
        ;
    pthread_mutex_unlock(&stop_lock);
}

static bool should_stop(void)
{
    pthread_mutex_lock(&stop_lock);
    bool s = stopping;
    pthread_mutex_unlock(&stop_lock);
    return s;
}

static void *scheduler_main(void *arg)
{
    (void)arg;
    uint64_t rng;
    randombytes_buf(&rng, sizeof rng);
    int period =
        web_cfg.ladder_interval_ms < ROUND_MAX_MS ? (int)web_cfg.ladder_interval_ms : ROUND_MAX_MS;
    cf_pg *pg = NULL;
    while (!should_stop()) {
        char err[256];
        if (pg == NULL && (pg = cf_pg_connect(web_cfg.database_url, err, sizeof err)) == NULL)
            log_warn("ladder scheduler: database: %s", err);
        if (pg != NULL && ladder_schedule_round(pg, &rng) < 0)
            log_warn("ladder scheduler: %s", cf_pg_error(pg));
        pause_ms(period);
    }
    cf_pg_free(pg);
    return NULL;
}

void ladder_scheduler_start(void)
{
    if (web_cfg.ladder_interval_ms == 0) {
        log_info("ladder scheduler off (ladder.interval_ms = 0)");
        return;
    }
    if (pthread_create(&sched_tid, NULL, scheduler_main, NULL) != 0) {
        log_error("ladder scheduler thread could not start");
        exit(1);
    }
    running = true;
}

void ladder_scheduler_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&stop_lock);
    stopping = true;
    pthread_cond_signal(&stop_cond);
    pthread_mutex_unlock(&stop_lock);
    pthread_join(sched_tid, NULL);
    running = false;
}
