/*
 * test_ladder_scheduler.c — one round of the ladder's scheduler
 * (web/ladder_scheduler.c), as cf-web runs it, against a scratch database
 * (label web; cmocka; CF_DATABASE_URL's server, migrated by
 * CF_MIGRATE_BIN; no Redis, no simulator: the test plays the pipeline by
 * marking fights finished).
 *
 * A round makes an ordinary fight (public, hosted by nobody, marked ladder,
 * queued with its seed and its outbox row holding the players' code) of two
 * active entries of different bots; it makes none while
 * ladder.max_in_flight are in flight, before the game's interval
 * has passed, while a user's fight or play is queued, while the game is
 * hidden, or while another process's round holds the turn; entries not
 * active, or of a deactivated user, never play; and a round that fails
 * leaves nothing behind (the fight and its outbox row are one commit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch_db.h"
#include "web.h"

web_settings web_cfg = {.ladder_interval_ms = 60000, .ladder_max_in_flight = 1};

/* ---- the scratch database ---- */

static cf_pg *pg;    /* the scheduler's connection */
static cf_pg *other; /* the test's, and another process's */
static uint64_t rng = 1;

static void run(const char *sql)
{
    if (cf_pg_run(other, sql, 0, NULL) != 0)
        fail_msg("%s: %s", sql, cf_pg_error(other));
}

static long count(const char *sql)
{
    PGresult *res = cf_pg_exec(other, sql, 0, NULL);
    if (res == NULL)
        fail_msg("%s: %s", sql, cf_pg_error(other));
    long n = atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}

/* Three users with a Tanks bot each, its version 2 active in the ladder;
 * bot 1's version 1 replaced, a fourth user's bot pending, a fifth's
 * refused. */
static void seed_ladder(void)
{
    run("INSERT INTO games (name, title, min_players, max_players, conclusion, active) "
        "VALUES ('tanks', 'Tanks', 2, 2, 'victory_draw', true) ON CONFLICT (name) DO NOTHING");
    for (int u = 1; u <= 5; u++) {
        char sql[3][512];
        snprintf(sql[0], sizeof sql[0],
                 "INSERT INTO users (id, username, password_hash) VALUES (%d, 'user%d', "
                 "'$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA')",
                 u, u);
        snprintf(sql[1], sizeof sql[1],
                 "INSERT INTO bots (id, owner_id, game, name) VALUES (%d, %d, 'tanks', 'bot%d')", u,
                 u, u);
        snprintf(sql[2], sizeof sql[2],
                 "INSERT INTO bot_versions (id, bot_id, version, code, size) VALUES "
                 "(%d, %d, 1, 'old%d', 4), (%d, %d, 2, 'code%d', 5)",
                 10 * u + 1, u, u, 10 * u + 2, u, u);
        for (int i = 0; i < 3; i++)
            run(sql[i]);
    }
    run("INSERT INTO ladder_entries (bot_version_id, bot_id, game, status, ended_at) "
        "VALUES (11, 1, 'tanks', 'replaced', now())");
    run("INSERT INTO ladder_entries (bot_version_id, bot_id, game, status, activated_at) VALUES "
        "(12, 1, 'tanks', 'active', now()), (22, 2, 'tanks', 'active', now()), "
        "(32, 3, 'tanks', 'active', now())");
    run("INSERT INTO ladder_entries (bot_version_id, bot_id, game, status) "
        "VALUES (42, 4, 'tanks', 'pending')");
    run("INSERT INTO ladder_entries (bot_version_id, bot_id, game, status, reason, ended_at) "
        "VALUES (52, 5, 'tanks', 'refused', 'its check failed', now())");
}

static int setup_db(void **state)
{
    (void)state;
    if (scratch_db_create("cf_web_ladder_scheduler") != 0)
        return -1;
    pg = scratch_db_connect();
    other = scratch_db_connect();
    seed_ladder();
    return 0;
}

static int teardown_db(void **state)
{
    (void)state;
    cf_pg_free(pg);
    cf_pg_free(other);
    scratch_db_drop();
    return 0;
}

/* The pipeline's part: every ladder fight over, made long enough ago that
 * the game's interval has passed. */
static void finish_all(void)
{
    run("UPDATE fights SET status = 'finished', started_at = queued_at, finished_at = now(), "
        "created_at = created_at - interval '1 hour' WHERE ladder AND status = 'queued'");
}

static void ladder_fight_is_ordinary_and_queued(void **state)
{
    (void)state;
    assert_int_equal(ladder_schedule_round(pg, &rng), 1);
    assert_int_equal(count("SELECT count(*) FROM fights WHERE ladder"), 1);
    /* public, hosted by nobody, queued with a seed and the default settings */
    assert_int_equal(count("SELECT count(*) FROM fights WHERE ladder AND host_id IS NULL "
                           "AND visibility = 'public' AND status = 'queued' AND seed IS NOT NULL "
                           "AND queued_at IS NOT NULL AND settings ? 'max_ticks'"),
                     1);
    /* two seats: each an active entry's version, its owner, "user/bot" */
    assert_int_equal(
        count("SELECT count(*) FROM fight_players p JOIN fights f ON f.id = p.fight_id "
              "JOIN ladder_entries e ON e.bot_version_id = p.bot_version_id "
              "JOIN bots b ON b.id = e.bot_id JOIN users u ON u.id = b.owner_id "
              "WHERE f.ladder AND e.status = 'active' AND p.user_id = b.owner_id "
              "AND p.name = u.username || '/' || b.name"),
        2);
    assert_int_equal(count("SELECT count(DISTINCT p.slot) FROM fight_players p "
                           "JOIN fights f ON f.id = p.fight_id WHERE f.ladder"),
                     2);
    /* its outbox row, unsent, with the versions' code */
    assert_int_equal(
        count("SELECT count(*) FROM outbox o JOIN fights f ON f.id = o.fight_id "
              "WHERE f.ladder AND o.sent_at IS NULL AND o.payload->>'players' ~ 'code'"),
        1);
}

static void no_more_than_max_in_flight(void **state)
{
    (void)state;
    run("UPDATE fights SET created_at = created_at - interval '1 hour' WHERE ladder");
    assert_int_equal(ladder_schedule_round(pg, &rng), 0);
    run("UPDATE fights SET status = 'running', started_at = now() WHERE ladder");
    assert_int_equal(ladder_schedule_round(pg, &rng), 0);
    web_cfg.ladder_max_in_flight = 2;
    assert_int_equal(ladder_schedule_round(pg, &rng), 1); /* one per game and round */
    assert_int_equal(ladder_schedule_round(pg, &rng), 0); /* the game's interval */
    web_cfg.ladder_max_in_flight = 1;
    run("UPDATE fights SET status = 'queued' WHERE ladder");
    finish_all();
}

static void one_per_interval(void **state)
{
    (void)state;
    assert_int_equal(ladder_schedule_round(pg, &rng), 1);
    run("UPDATE fights SET status = 'finished', started_at = queued_at, finished_at = now() "
        "WHERE ladder AND status = 'queued'");
    /* over, but made less than ladder.interval_ms ago */
    assert_int_equal(ladder_schedule_round(pg, &rng), 0);
    run("UPDATE fights SET created_at = created_at - interval '59 seconds' WHERE ladder "
        "AND created_at > now() - interval '1 minute'");
    assert_int_equal(ladder_schedule_round(pg, &rng), 0);
    run("UPDATE fights SET created_at = created_at - interval '2 seconds' WHERE ladder "
        "AND created_at > now() - interval '2 minutes'");
    assert_int_equal(ladder_schedule_round(pg, &rng), 1);
    finish_all();
}

static void users_first(void **state)
{
    (void)state;
    run("INSERT INTO fights (id, game, host_id, status, queued_at) VALUES "
        "('00000000-0000-4000-8000-0000000000a1', 'tanks', 4, 'queued', now())");
    assert_int_equal(ladder_schedule_round(pg, &rng), 0);
    run("UPDATE fights SET status = 'running', started_at = now() "
        "WHERE id = '00000000-0000-4000-8000-0000000000a1'");
    assert_int_equal(ladder_schedule_round(pg, &rng), 1); /* running is not waiting */
    finish_all();
    run("DELETE FROM fights WHERE id = '00000000-0000-4000-8000-0000000000a1'");
    run("INSERT INTO plays (id) VALUES ('00000000-0000-4000-8000-0000000000b1')");
    assert_int_equal(ladder_schedule_round(pg, &rng), 0);
    run("DELETE FROM plays");
    assert_int_equal(ladder_schedule_round(pg, &rng), 1);
    finish_all();
}

static void hidden_game_has_no_ladder_fights(void **state)
{
    (void)state;
    run("INSERT INTO hidden_games (game) VALUES ('tanks')");
    assert_int_equal(ladder_schedule_round(pg, &rng), 0);
    run("DELETE FROM hidden_games");
}

static void one_scheduler_at_a_time(void **state)
{
    (void)state;
    /* another process's round holds the turn: this one makes nothing */
    run("BEGIN");
    count("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext('cf:ladder'))) l");
    long before = count("SELECT count(*) FROM fights WHERE ladder");
    assert_int_equal(ladder_schedule_round(pg, &rng), 0);
    assert_int_equal(count("SELECT count(*) FROM fights WHERE ladder"), before);
    run("COMMIT");
    assert_int_equal(ladder_schedule_round(pg, &rng), 1);
    finish_all();
}

static void a_failed_round_leaves_nothing(void **state)
{
    (void)state;
    long before = count("SELECT count(*) FROM fights");
    run("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN RAISE EXCEPTION 'no outbox today'; END$$");
    run("CREATE TRIGGER refuse BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION refuse()");
    assert_int_equal(ladder_schedule_round(pg, &rng), -1);
    assert_int_equal(count("SELECT count(*) FROM fights"), before);
    run("DROP TRIGGER refuse ON outbox");
    run("DROP FUNCTION refuse()");
    assert_int_equal(ladder_schedule_round(pg, &rng), 1);
    finish_all();
}

static void only_active_entries_of_active_users(void **state)
{
    (void)state;
    for (int i = 0; i < 30; i++) {
        assert_int_equal(ladder_schedule_round(pg, &rng), 1);
        finish_all();
    }
    assert_int_equal(
        count("SELECT count(*) FROM fight_players p JOIN fights f ON f.id = p.fight_id "
              "WHERE f.ladder AND p.bot_version_id NOT IN (12, 22, 32)"),
        0);
    /* with three entries, each met both others */
    assert_int_equal(
        count("SELECT count(DISTINCT pair) FROM (SELECT string_agg(p.bot_version_id::text, "
              "',' ORDER BY p.bot_version_id) AS pair FROM fight_players p "
              "JOIN fights f ON f.id = p.fight_id WHERE f.ladder GROUP BY f.id) x"),
        3);
    /* a deactivated user's bot plays no more; two left, they still meet */
    run("UPDATE users SET deactivated_at = now() WHERE id = 3");
    long before = count("SELECT count(*) FROM fights WHERE ladder");
    for (int i = 0; i < 5; i++) {
        assert_int_equal(ladder_schedule_round(pg, &rng), 1);
        finish_all();
    }
    assert_int_equal(count("SELECT count(*) FROM fights WHERE ladder"), before + 5);
    assert_int_equal(
        count("SELECT count(*) FROM fight_players p JOIN fights f ON f.id = p.fight_id "
              "WHERE f.ladder AND p.bot_version_id = 32 AND f.status = 'queued'"),
        0);
    /* one active bot left: no fight */
    run("UPDATE users SET deactivated_at = now() WHERE id = 2");
    assert_int_equal(ladder_schedule_round(pg, &rng), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ladder_fight_is_ordinary_and_queued),
        cmocka_unit_test(no_more_than_max_in_flight),
        cmocka_unit_test(one_per_interval),
        cmocka_unit_test(users_first),
        cmocka_unit_test(hidden_game_has_no_ladder_fights),
        cmocka_unit_test(one_scheduler_at_a_time),
        cmocka_unit_test(a_failed_round_leaves_nothing),
        cmocka_unit_test(only_active_entries_of_active_users),
    };
    return cmocka_run_group_tests(tests, setup_db, teardown_db);
}
