/*
 * test_tanks.c — the rules of Tanks, tick by tick, through the scripted
 * arena: the three situations of the original Codefights test suite frame by
 * frame, then one test per rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "game.h"
#include "script_arena.h"

/* ---- helpers ---------------------------------------------------------------- */

typedef struct fight_run {
    cf_arena *arena;
    cf_outcome out;
} fight_run;

static void run_fight(fight_run *r, const sa_player players[2], const char *settings, uint64_t seed)
{
    char err[256] = "";
    const cf_game *g = cf_game_find("tanks");
    assert_non_null(g);
    r->arena = sa_new(2, players);
    assert_non_null(r->arena);
    int rc = sa_simulate(g, r->arena, 2, settings, seed, &r->out, err, sizeof err);
    if (rc != 0)
        fail_msg("simulate failed: %s", err);
    assert_non_null(r->out.data);
    assert_non_null(r->out.summary);
}

static void end_fight(fight_run *r)
{
    sa_outcome_free(&r->out);
    sa_free(r->arena);
}

static int nframes(const fight_run *r)
{
    return cJSON_GetArraySize(r->out.data);
}

/* Frame k of player p as compact JSON, e.g. [0,1,100,"U",true,null]. */
static char *frame_of(const fight_run *r, int k, int p)
{
    const cJSON *frame = cJSON_GetArrayItem(r->out.data, k);
    assert_non_null(frame);
    const cJSON *pl = cJSON_GetArrayItem(frame, p);
    assert_non_null(pl);
    char *s = cJSON_PrintUnformatted(pl);
    assert_non_null(s);
    return s;
}

static void expect_frame(const fight_run *r, int k, int p, const char *want)
{
    char *got = frame_of(r, k, p);
    bool same = strcmp(got, want) == 0;
    if (!same)
        print_error("frame %d player %d: got %s want %s\n", k, p + 1, got, want);
    free(got);
    if (!same)
        fail();
}

static void expect_summary(const fight_run *r, const char *want)
{
    char *got = cJSON_PrintUnformatted(r->out.summary);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* Compares the whole replay with the original's flow, frame by frame. */
static void expect_flow(const fight_run *r, const char *flow_json)
{
    cJSON *want = cJSON_Parse(flow_json);
    assert_non_null(want);
    int n = cJSON_GetArraySize(want);
    for (int k = 0; k < n && k < nframes(r); k++)
        for (int p = 0; p < 2; p++) {
            char *w = cJSON_PrintUnformatted(cJSON_GetArrayItem(cJSON_GetArrayItem(want, k), p));
            expect_frame(r, k, p, w);
            free(w);
        }
    assert_int_equal(nframes(r), n);
    cJSON_Delete(want);
}

static int json_int_at(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    assert_true(cJSON_IsNumber(v));
    return v->valueint;
}

/* The original's test bots as C policies. */

typedef struct goal {
    int x, y;
} goal;

/* move_to_xNyM.py: fix x first, then y; nothing once there. */
static enum cf_call_status go_toward(void *ud, int player, int call, const cJSON *args,
                                     cJSON **result)
{
    (void)player, (void)call;
    const goal *g = ud;
    const cJSON *me = cJSON_GetArrayItem(args, 1);
    int x = json_int_at(me, "x"), y = json_int_at(me, "y");
    const char *dir = x > g->x ? "L" : x < g->x ? "R" : y > g->y ? "D" : y < g->y ? "U" : NULL;
    if (dir == NULL) {
        *result = cJSON_CreateNull();
    } else {
        const char *pair[2] = {"M", dir};
        *result = cJSON_CreateStringArray(pair, 2);
    }
    return CF_CALL_OK;
}

/* fire_enemy_no_move.py: ['F', (enemy x, enemy y)] */
static enum cf_call_status fire_at_enemy(void *ud, int player, int call, const cJSON *args,
                                         cJSON **result)
{
    (void)ud, (void)player, (void)call;
    const cJSON *enemy = cJSON_GetArrayItem(args, 2);
    char buf[64];
    snprintf(buf, sizeof buf, "[\"F\",[%d,%d]]", json_int_at(enemy, "x"), json_int_at(enemy, "y"));
    *result = cJSON_Parse(buf);
    return CF_CALL_OK;
}

static const char *const do_nothing[] = {"null", NULL};

/* ---- the original test suite ---------------------------------------------- */

static void test_original_draw_both_lost(void **state)
{
    (void)state;
    goal g = {0, 9};
    sa_player p[2] = {{.policy = go_toward, .ud = &g}, {.policy = go_toward, .ud = &g}};
    fight_run r;
    run_fight(&r, p, NULL, 1);
    /* draw_both_lost.json of the original, verbatim */
    expect_flow(
        &r, "[[[0, 0, 100, \"R\", false, null], [9, 9, 100, \"L\", false, null]], [[0, 1, 100, "
            "\"U\", true, null], [8, 9, 100, \"L\", true, null]], [[0, 2, 100, \"U\", true, null], "
            "[7, 9, 100, \"L\", true, null]], [[0, 3, 100, \"U\", true, null], [6, 9, 100, \"L\", "
            "true, null]], [[0, 4, 100, \"U\", true, null], [5, 9, 100, \"L\", true, null]], [[0, "
            "5, 100, \"U\", true, null], [4, 9, 100, \"L\", true, null]], [[0, 6, 100, \"U\", "
            "true, null], [3, 9, 100, \"L\", true, null]], [[0, 7, 100, \"U\", true, null], [2, 9, "
            "100, \"L\", true, null]], [[0, 8, 100, \"U\", true, null], [1, 9, 100, \"L\", true, "
            "null]], [[0, 9, 100, \"U\", true, null], [0, 9, 100, \"L\", true, null]], [[0, 9, 90, "
            "\"U\", false, null], [0, 9, 90, \"L\", false, null]], [[0, 9, 80, \"U\", false, "
            "null], [0, 9, 80, \"L\", false, null]], [[0, 9, 70, \"U\", false, null], [0, 9, 70, "
            "\"L\", false, null]], [[0, 9, 60, \"U\", false, null], [0, 9, 60, \"L\", false, "
            "null]], [[0, 9, 50, \"U\", false, null], [0, 9, 50, \"L\", false, null]], [[0, 9, 40, "
            "\"U\", false, null], [0, 9, 40, \"L\", false, null]], [[0, 9, 30, \"U\", false, "
            "null], [0, 9, 30, \"L\", false, null]], [[0, 9, 20, \"U\", false, null], [0, 9, 20, "
            "\"L\", false, null]], [[0, 9, 10, \"U\", false, null], [0, 9, 10, \"L\", false, "
            "null]], [[0, 9, 0, \"U\", false, null], [0, 9, 0, \"L\", false, null]]]");
    expect_summary(&r, "\"D\"");
    /* the original left a knockout unexplained (docs.md, differences) */
    assert_string_equal(r.out.explanation, "both tanks destroyed at tick 18: player 1 by the crash "
                                           "into player 2 (10); player 2 by the crash into player "
                                           "1 (10)");
    assert_int_equal(r.out.ticks, 19);
    assert_int_equal(r.out.result[0], CF_RESULT_DRAW);
    assert_int_equal(r.out.result[1], CF_RESULT_DRAW);
    end_fight(&r);
}

static void test_original_draw_tick_limit(void **state)
{
    (void)state;
    goal g1 = {0, 9}, g2 = {9, 9};
    sa_player p[2] = {{.policy = go_toward, .ud = &g1}, {.policy = go_toward, .ud = &g2}};
    fight_run r;
    run_fight(&r, p, NULL, 1);
    /* draw_tick_limit_exceed.json: player 1 climbs to (0,9) in 9 ticks and
     * waits; player 2 is already home and never moves. */
    assert_int_equal(nframes(&r), 101);
    expect_frame(&r, 0, 0, "[0,0,100,\"R\",false,null]");
    for (int k = 1; k <= 100; k++) {
        char want[64];
        snprintf(want, sizeof want, "[0,%d,100,\"U\",%s,null]", k < 9 ? k : 9,
                 k <= 9 ? "true" : "false");
        expect_frame(&r, k, 0, want);
    }
    for (int k = 0; k <= 100; k++)
        expect_frame(&r, k, 1, "[9,9,100,\"L\",false,null]");
    expect_summary(&r, "\"D\"");
    assert_string_equal(r.out.explanation, "X");
    assert_int_equal(r.out.ticks, 100);
    assert_int_equal(sa_calls(r.arena, 0), 100);
    assert_int_equal(sa_calls(r.arena, 1), 100);
    end_fight(&r);
}

static void test_original_win_by_missile(void **state)
{
    (void)state;
    sa_player p[2] = {{.policy = fire_at_enemy}, {.script = do_nothing}};
    fight_run r;
    run_fight(&r, p, NULL, 1);
    /* win_by_missile.json of the original, verbatim */
    expect_flow(&r, "[[[0, 0, 100, \"R\", false, null], [9, 9, 100, \"L\", false, null]], [[0, 0, "
                    "100, \"R\", false, [[9, 9], null]], [9, 9, 100, \"L\", false, null]], [[0, 0, "
                    "100, \"R\", false, [[9, 9], null]], [9, 9, 50, \"L\", false, null]], [[0, 0, "
                    "100, \"R\", false, null], [9, 9, 0, \"L\", false, null]]]");
    expect_summary(&r, "[\"W\",\"L\"]");
    assert_string_equal(r.out.explanation,
                        "player 2 destroyed at tick 2 by player 1's missile (50, fired standing)");
    assert_int_equal(r.out.ticks, 3);
    assert_int_equal(r.out.result[0], CF_RESULT_WIN);
    assert_int_equal(r.out.result[1], CF_RESULT_LOSS);
    end_fight(&r);
}

/* ---- rules ------------------------------------------------------------------ */

static void test_edges_ignore_moves(void **state)
{
    (void)state;
    const char *const p1[] = {"[\"M\",\"L\"]", "[\"M\",\"D\"]", NULL};
    const char *const p2[] = {"[\"M\",\"U\"]", "[\"M\",\"R\"]", NULL};
    sa_player p[2] = {{.script = p1}, {.script = p2}};
    fight_run r;
    run_fight(&r, p, "{\"max_ticks\":2}", 1);
    assert_int_equal(nframes(&r), 3);
    for (int k = 1; k <= 2; k++) {
        expect_frame(&r, k, 0, "[0,0,100,\"R\",false,null]");
        expect_frame(&r, k, 1, "[9,9,100,\"L\",false,null]");
    }
    end_fight(&r);
}

static void test_moves_each_direction(void **state)
{
    (void)state;
    const char *const p1[] = {"[\"M\",\"U\"]", "[\"M\",\"R\"]", "[\"M\",\"D\"]", "[\"M\",\"L\"]",
                              NULL};
    sa_player p[2] = {{.script = p1}, {.script = do_nothing}};
    fight_run r;
    run_fight(&r, p, "{\"max_ticks\":4}", 1);
    expect_frame(&r, 1, 0, "[0,1,100,\"U\",true,null]");
    expect_frame(&r, 2, 0, "[1,1,100,\"R\",true,null]");
    expect_frame(&r, 3, 0, "[1,0,100,\"D\",true,null]");
    expect_frame(&r, 4, 0, "[0,0,100,\"L\",true,null]");
    end_fight(&r);
}

static void test_crash_damage(void **state)
{
    (void)state;
    /* player 2 walks to (0,0) along the bottom row then along column 0 */
    goal g = {0, 0};
    sa_player p[2] = {{.script = do_nothing}, {.policy = go_toward, .ud = &g}};
    fight_run r;
    run_fight(&r, p, "{\"max_ticks\":20}", 1);
    /* 18 moves bring it home after tick 17 (frame 18); tick 18 crashes */
    expect_frame(&r, 18, 1, "[0,0,100,\"D\",true,null]");
    expect_frame(&r, 19, 0, "[0,0,90,\"R\",false,null]");
    expect_frame(&r, 19, 1, "[0,0,90,\"D\",false,null]");
    expect_frame(&r, 20, 0, "[0,0,80,\"R\",false,null]");
    end_fight(&r);
}

static void test_self_hit_standing(void **state)
{
    (void)state;
    const char *const p1[] = {"[\"F\",[0,0]]", "null", NULL};
    sa_player p[2] = {{.script = p1}, {.script = do_nothing}};
    fight_run r;
    run_fight(&r, p, "{\"max_ticks\":3}", 1);
    expect_frame(&r, 1, 0, "[0,0,100,\"R\",false,[[0,0],null]]");
    expect_frame(&r, 2, 0, "[0,0,50,\"R\",false,null]");
    expect_frame(&r, 3, 0, "[0,0,50,\"R\",false,null]");
    end_fight(&r);
}

static void test_self_hit_kills_shooter(void **state)
{
    (void)state;
    const char *const p1[] = {"[\"F\",[0,0]]", NULL};
    sa_player p[2] = {{.script = p1}, {.script = do_nothing}};
    fight_run r;
    run_fight(&r, p, NULL, 1);
    /* 50 at tick 1, 50 at tick 2: dead at the start of tick 2 */
    assert_int_equal(nframes(&r), 4);
    expect_frame(&r, 3, 0, "[0,0,0,\"R\",false,null]");
    expect_summary(&r, "[\"L\",\"W\"]");
    assert_int_equal(r.out.ticks, 3);
    assert_string_equal(r.out.explanation,
                        "player 1 destroyed at tick 2 by its own missile (50, fired standing)");
    end_fight(&r);
}

static void test_both_hit_same_tick_draw(void **state)
{
    (void)state;
    sa_player p[2] = {{.policy = fire_at_enemy}, {.policy = fire_at_enemy}};
    fight_run r;
    run_fight(&r, p, NULL, 1);
    expect_summary(&r, "\"D\"");
    assert_int_equal(nframes(&r), 4);
    expect_frame(&r, 3, 0, "[0,0,0,\"R\",false,null]");
    expect_frame(&r, 3, 1, "[9,9,0,\"L\",false,null]");
    end_fight(&r);
}

/* Where a moving shot lands: frame 1's randomized target of player 1. */
static void landing(const fight_run *r, int *x, int *y)
{
    const cJSON *t =
        cJSON_GetArrayItem(cJSON_GetArrayItem(cJSON_GetArrayItem(r->out.data, 1), 0), 5);
    const cJSON *rnd = cJSON_GetArrayItem(t, 1);
    assert_true(cJSON_IsArray(rnd));
    *x = cJSON_GetArrayItem(rnd, 0)->valueint;
    *y = cJSON_GetArrayItem(rnd, 1)->valueint;
}

static void check_distribution(int tx, int ty, int expected_squares)
{
    enum { RUNS = 3600 };
    int count[10][10] = {{0}};
    char script0[64];
    snprintf(script0, sizeof script0, "[[\"M\",\"U\"],[\"F\",[%d,%d]]]", tx, ty);
    const char *const p1[] = {script0, NULL};
    for (uint64_t seed = 0; seed < RUNS; seed++) {
        sa_player p[2] = {{.script = p1}, {.script = do_nothing}};
        fight_run r;
        run_fight(&r, p, "{\"max_ticks\":1}", seed);
        int x, y;
        landing(&r, &x, &y);
        char want[64];
        snprintf(want, sizeof want, "[0,1,100,\"U\",true,[[%d,%d],[%d,%d]]]", tx, ty, x, y);
        expect_frame(&r, 1, 0, want);
        assert_in_range(x, 0, 9);
        assert_in_range(y, 0, 9);
        assert_true(abs(x - tx) <= 1 && abs(y - ty) <= 1);
        count[x][y]++;
        end_fight(&r);
    }
    int squares = 0;
    double chi2 = 0, e = (double)RUNS / expected_squares;
    for (int x = 0; x < 10; x++)
        for (int y = 0; y < 10; y++)
            if (count[x][y]) {
                squares++;
                chi2 += (count[x][y] - e) * (count[x][y] - e) / e;
            }
    assert_int_equal(squares, expected_squares);
    /* chi-square with <= 8 degrees of freedom: 26.1 is p = 0.001 */
    if (chi2 > 26.1)
        fail_msg("landing distribution not uniform: chi2 = %.1f", chi2);
}

static void test_random_landing_distribution(void **state)
{
    (void)state;
    check_distribution(5, 5, 9); /* middle: all 9 squares */
    check_distribution(9, 9, 4); /* corner: only the 4 on the board */
    check_distribution(0, 4, 6); /* edge: 6 */
}

static void test_moving_fire_damage_20(void **state)
{
    (void)state;
    /* player 1 moves up and fires at the corner where player 2 sits: the
     * missile lands on (9,9) one time in four; then it does 20, not 50 */
    const char *const p1[] = {"[[\"M\",\"U\"],[\"F\",[9,9]]]", "null", NULL};
    int hits = 0, misses = 0;
    for (uint64_t seed = 0; seed < 64; seed++) {
        sa_player p[2] = {{.script = p1}, {.script = do_nothing}};
        fight_run r;
        run_fight(&r, p, "{\"max_ticks\":2}", seed);
        int x, y;
        landing(&r, &x, &y);
        if (x == 9 && y == 9) {
            expect_frame(&r, 2, 1, "[9,9,80,\"L\",false,null]");
            hits++;
        } else {
            expect_frame(&r, 2, 1, "[9,9,100,\"L\",false,null]");
            misses++;
        }
        end_fight(&r);
    }
    assert_true(hits > 0);
    assert_true(misses > 0);
}

static void test_blocked_move_fires_straight(void **state)
{
    (void)state;
    /* a move off the board is ignored, so the tank did not move: direct fire */
    const char *const p1[] = {"[[\"M\",\"L\"],[\"F\",[9,9]]]", "null", NULL};
    sa_player p[2] = {{.script = p1}, {.script = do_nothing}};
    fight_run r;
    run_fight(&r, p, "{\"max_ticks\":2}", 5);
    expect_frame(&r, 1, 0, "[0,0,100,\"R\",false,[[9,9],null]]");
    expect_frame(&r, 2, 1, "[9,9,50,\"L\",false,null]");
    end_fight(&r);
}

static void test_invalid_decisions_ignored(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\"N\"",
        "null",
        "\"X\"",
        "5",
        "true",
        "{\"M\":\"U\"}",
        "[]",
        "[\"M\"]",
        "[\"M\",\"Q\"]",
        "[\"M\",\"UU\"]",
        "[\"M\",5]",
        "[\"Z\",\"U\"]",
        "[\"F\",[1]]",
        "[\"F\",[1.5,2]]",
        "[\"F\",\"ab\"]",
        "[\"F\",[1,\"2\"]]",
        "[\"F\",[1,2,3]]",
        "[\"M\",\"U\",1]",
        "[[\"M\",\"U\"],[\"F\"]]",
        "[[\"M\",\"U\"],\"N\"]",
        "[[\"F\",[3,3]],[\"M\",\"X\"]]",
        "[\"F\",[10,3]]",
        "[\"F\",[-1,0]]",
        "[\"F\",[3,10]]",
        "[\"F\",[1e12,0]]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *const p1[] = {bad[i], NULL};
        sa_player p[2] = {{.script = p1}, {.script = do_nothing}};
        fight_run r;
        run_fight(&r, p, "{\"max_ticks\":2}", 1);
        char *got = frame_of(&r, 1, 0);
        if (strcmp(got, "[0,0,100,\"R\",false,null]") != 0)
            fail_msg("decision %s was not ignored: %s", bad[i], got);
        free(got);
        /* 'N', null and [] are "nothing" on purpose; every other one is
         * refused aloud, each of the two ticks, with its reason. */
        bool nothing = strcmp(bad[i], "\"N\"") == 0 || strcmp(bad[i], "null") == 0 ||
                       strcmp(bad[i], "[]") == 0;
        if (sa_rejected_count(r.arena, 0) != (nothing ? 0 : 2))
            fail_msg("decision %s: %d refusals reported", bad[i], sa_rejected_count(r.arena, 0));
        if (!nothing && strstr(sa_first_rejected(r.arena, 0), "is not") == NULL &&
            strstr(sa_first_rejected(r.arena, 0), "off the board") == NULL)
            fail_msg("decision %s: reason '%s'", bad[i], sa_first_rejected(r.arena, 0));
        assert_int_equal(sa_rejected_count(r.arena, 1), 0);
        expect_frame(&r, 2, 1, "[9,9,100,\"L\",false,null]");
        end_fight(&r);
    }
}

static void test_one_move_one_fire_per_tick(void **state)
{
    (void)state;
    /* the original applied every move of the list; only the first counts */
    const char *const p1[] = {"[[\"M\",\"U\"],[\"M\",\"U\"],[\"M\",\"R\"]]", NULL};
    sa_player p[2] = {{.script = p1}, {.script = do_nothing}};
    fight_run r;
    run_fight(&r, p, "{\"max_ticks\":1}", 1);
    expect_frame(&r, 1, 0, "[0,1,100,\"U\",true,null]");
    end_fight(&r);

    const char *const p1b[] = {"[[\"F\",[9,9]],[\"F\",[0,0]]]", "null", NULL};
    sa_player pb[2] = {{.script = p1b}, {.script = do_nothing}};
    run_fight(&r, pb, "{\"max_ticks\":2}", 1);
    expect_frame(&r, 1, 0, "[0,0,100,\"R\",false,[[9,9],null]]");
    expect_frame(&r, 2, 0, "[0,0,100,\"R\",false,null]");
    expect_frame(&r, 2, 1, "[9,9,50,\"L\",false,null]");
    end_fight(&r);
}

static void test_off_board_fire_keeps_move(void **state)
{
    (void)state;
    const char *const p1[] = {"[[\"M\",\"U\"],[\"F\",[10,10]]]", NULL};
    sa_player p[2] = {{.script = p1}, {.script = do_nothing}};
    fight_run r;
    run_fight(&r, p, "{\"max_ticks\":1}", 1);
    expect_frame(&r, 1, 0, "[0,1,100,\"U\",true,null]");
    end_fight(&r);
}

static void test_fire_then_move_order_in_list(void **state)
{
    (void)state;
    /* fire listed before the move: still a moving shot, randomized */
    const char *const p1[] = {"[[\"F\",[5,5]],[\"M\",\"U\"]]", NULL};
    sa_player p[2] = {{.script = p1}, {.script = do_nothing}};
    fight_run r;
    run_fight(&r, p, "{\"max_ticks\":1}", 3);
    int x, y;
    landing(&r, &x, &y);
    assert_true(abs(x - 5) <= 1 && abs(y - 5) <= 1);
    end_fight(&r);
}

static void test_raise_and_timeout_count_as_nothing(void **state)
{
    (void)state;
    const char *const p1[] = {"!raise", NULL};
    const char *const p2[] = {"!timeout", NULL};
    sa_player p[2] = {{.script = p1}, {.script = p2}};
    fight_run r;
    run_fight(&r, p, "{\"max_ticks\":5}", 1);
    assert_int_equal(nframes(&r), 6);
    for (int k = 0; k <= 5; k++) {
        expect_frame(&r, k, 0, "[0,0,100,\"R\",false,null]");
        expect_frame(&r, k, 1, "[9,9,100,\"L\",false,null]");
    }
    expect_summary(&r, "\"D\"");
    assert_string_equal(r.out.explanation, "X");
    end_fight(&r);

    /* a failed call between good ones: the bot plays on */
    const char *const p3[] = {"[\"M\",\"U\"]", "!raise",        "[\"M\",\"U\"]",
                              "!timeout",      "[\"M\",\"U\"]", NULL};
    sa_player q[2] = {{.script = p3}, {.script = do_nothing}};
    run_fight(&r, q, "{\"max_ticks\":5}", 1);
    expect_frame(&r, 2, 0, "[0,1,100,\"U\",false,null]");
    expect_frame(&r, 5, 0, "[0,3,100,\"U\",true,null]");
    end_fight(&r);
}

static void test_elimination_before_first_tick(void **state)
{
    (void)state;
    sa_player p[2] = {{.script = do_nothing, .dead_at_start = true}, {.script = do_nothing}};
    fight_run r;
    run_fight(&r, p, NULL, 1);
    assert_int_equal(nframes(&r), 1);
    expect_frame(&r, 0, 0, "[0,0,100,\"R\",false,null]");
    expect_summary(&r, "[\"L\",\"W\"]");
    assert_int_equal(r.out.ticks, 0);
    assert_string_equal(r.out.explanation, "player 1 crashed before the first tick");
    assert_int_equal(sa_calls(r.arena, 1), 0);
    end_fight(&r);

    sa_player q[2] = {
        {.script = do_nothing},
        {.script = do_nothing, .dead_at_start = true, .death = "memory limit exceeded"}};
    run_fight(&r, q, NULL, 1);
    expect_summary(&r, "[\"W\",\"L\"]");
    assert_string_equal(r.out.explanation, "player 2 memory limit exceeded before the first tick");
    end_fight(&r);

    sa_player both[2] = {{.script = do_nothing, .dead_at_start = true},
                         {.script = do_nothing, .dead_at_start = true}};
    run_fight(&r, both, NULL, 1);
    assert_int_equal(nframes(&r), 1);
    expect_summary(&r, "\"D\"");
    end_fight(&r);
}

static void test_elimination_mid_fight(void **state)
{
    (void)state;
    const char *const p2[] = {"[\"M\",\"L\"]", "[\"M\",\"L\"]", "[\"M\",\"L\"]", "!dead", NULL};
    sa_player p[2] = {{.script = do_nothing}, {.script = p2}};
    fight_run r;
    run_fight(&r, p, NULL, 1);
    assert_int_equal(nframes(&r), 5);
    expect_frame(&r, 3, 1, "[6,9,100,\"L\",true,null]");
    expect_frame(&r, 4, 0, "[0,0,100,\"R\",false,null]");
    expect_frame(&r, 4, 1, "[6,9,0,\"L\",false,null]");
    expect_summary(&r, "[\"W\",\"L\"]");
    assert_int_equal(r.out.ticks, 4);
    assert_string_equal(r.out.explanation, "player 2 crashed at tick 3");
    end_fight(&r);

    /* a protocol violation eliminates too; player 2 is still asked that tick */
    const char *const p1[] = {"null", "!bad", NULL};
    sa_player q[2] = {{.script = p1, .death = "broke the protocol"}, {.script = do_nothing}};
    run_fight(&r, q, NULL, 1);
    assert_int_equal(nframes(&r), 3);
    expect_frame(&r, 2, 0, "[0,0,0,\"R\",false,null]");
    expect_summary(&r, "[\"L\",\"W\"]");
    assert_int_equal(sa_calls(r.arena, 1), 2);
    assert_string_equal(r.out.explanation, "player 1 broke the protocol at tick 1");
    end_fight(&r);

    const char *const d[] = {"null", "!dead", NULL};
    sa_player both[2] = {{.script = d}, {.script = d}};
    run_fight(&r, both, NULL, 1);
    assert_int_equal(nframes(&r), 3);
    expect_summary(&r, "\"D\"");
    expect_frame(&r, 2, 0, "[0,0,0,\"R\",false,null]");
    expect_frame(&r, 2, 1, "[9,9,0,\"L\",false,null]");
    assert_string_equal(r.out.explanation,
                        "player 1 crashed at tick 1; player 2 crashed at tick 1");
    end_fight(&r);
}

/* The controller imports a bot during its first call: a bot gone in that
 * call (no Main, import error, exit) failed before the first tick. */
static void test_gone_in_first_call_is_before_first_tick(void **state)
{
    (void)state;
    const char *const d[] = {"!dead", NULL};
    const char *const bad[] = {"!bad", NULL};
    sa_player p[2] = {{.script = do_nothing}, {.script = d}};
    fight_run r;
    run_fight(&r, p, NULL, 1);
    assert_int_equal(nframes(&r), 1);
    expect_summary(&r, "[\"W\",\"L\"]");
    assert_int_equal(r.out.ticks, 0);
    assert_string_equal(r.out.explanation, "player 2 crashed before the first tick");
    end_fight(&r);

    sa_player q[2] = {{.script = bad, .death = "broke the protocol"}, {.script = do_nothing}};
    run_fight(&r, q, NULL, 1);
    assert_int_equal(nframes(&r), 1);
    expect_summary(&r, "[\"L\",\"W\"]");
    end_fight(&r);

    sa_player both[2] = {{.script = d}, {.script = d}};
    run_fight(&r, both, NULL, 1);
    assert_int_equal(nframes(&r), 1);
    expect_summary(&r, "\"D\"");
    assert_string_equal(
        r.out.explanation,
        "player 1 crashed before the first tick; player 2 crashed before the first tick");
    end_fight(&r);
}

static void test_bot_sees_states(void **state)
{
    (void)state;
    sa_player p[2] = {{.policy = fire_at_enemy}, {.script = do_nothing}};
    fight_run r;
    run_fight(&r, p, "{\"max_ticks\":2}", 1);
    /* at tick 1 player 1 sees its own shot of tick 0, the enemy's health */
    char *a1 = cJSON_PrintUnformatted(sa_last_args(r.arena, 0));
    assert_string_equal(a1,
                        "[1,{\"x\":0,\"y\":0,\"health\":100,\"head\":\"R\",\"moved\":false,"
                        "\"targeted\":[[9,9],null]},{\"x\":9,\"y\":9,\"health\":50,\"head\":\"L\","
                        "\"moved\":false,\"targeted\":null}]");
    free(a1);
    char *a2 = cJSON_PrintUnformatted(sa_last_args(r.arena, 1));
    assert_string_equal(a2, "[1,{\"x\":9,\"y\":9,\"health\":50,\"head\":\"L\",\"moved\":false,"
                            "\"targeted\":null},{\"x\":0,\"y\":0,\"health\":100,\"head\":\"R\","
                            "\"moved\":false,\"targeted\":[[9,9],null]}]");
    free(a2);
    assert_string_equal(sa_last_method(r.arena, 0), "decide_tick");
    assert_int_equal(sa_last_progress(r.arena), 1);
    end_fight(&r);
}

static void test_deterministic_by_seed(void **state)
{
    (void)state;
    const char *const p1[] = {"[[\"M\",\"U\"],[\"F\",[5,5]]]", "[[\"M\",\"R\"],[\"F\",[5,5]]]",
                              "[[\"M\",\"D\"],[\"F\",[5,5]]]", "[[\"M\",\"L\"],[\"F\",[5,5]]]",
                              NULL};
    char *first = NULL;
    for (int i = 0; i < 2; i++) {
        sa_player p[2] = {{.script = p1}, {.script = p1}};
        fight_run r;
        run_fight(&r, p, NULL, 424242);
        char *s = cJSON_PrintUnformatted(r.out.data);
        if (first == NULL)
            first = s;
        else {
            assert_string_equal(first, s);
            free(s);
        }
        end_fight(&r);
    }
    free(first);
}

static void test_wrong_player_count_and_limits(void **state)
{
    (void)state;
    const cf_game *g = cf_game_find("tanks");
    assert_non_null(g);
    sa_player p[3] = {{.script = do_nothing}, {.script = do_nothing}, {.script = do_nothing}};
    cf_arena *a = sa_new(3, p);
    cf_outcome out;
    char err[128] = "";
    assert_int_equal(sa_simulate(g, a, 3, NULL, 1, &out, err, sizeof err), -1);
    assert_non_null(strstr(err, "2 players"));
    sa_free(a);

    cf_limits lim;
    g->limits(NULL, 2, &lim);
    assert_int_equal(lim.cpu_ms, 1000);
    assert_int_equal(lim.memory_kb, 68360);
    assert_int_equal(lim.first_call_wall_ms, 2000);
    assert_int_equal(lim.call_wall_ms, 200);
    assert_int_equal(g->min_players, 2);
    assert_int_equal(g->max_players, 2);
    assert_int_equal(g->conclusion, CF_CONCLUSION_VICTORY_DRAW);
    assert_non_null(strstr(g->docs, "decide_tick"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_original_draw_both_lost),
        cmocka_unit_test(test_original_draw_tick_limit),
        cmocka_unit_test(test_original_win_by_missile),
        cmocka_unit_test(test_edges_ignore_moves),
        cmocka_unit_test(test_moves_each_direction),
        cmocka_unit_test(test_crash_damage),
        cmocka_unit_test(test_self_hit_standing),
        cmocka_unit_test(test_self_hit_kills_shooter),
        cmocka_unit_test(test_both_hit_same_tick_draw),
        cmocka_unit_test(test_random_landing_distribution),
        cmocka_unit_test(test_moving_fire_damage_20),
        cmocka_unit_test(test_blocked_move_fires_straight),
        cmocka_unit_test(test_invalid_decisions_ignored),
        cmocka_unit_test(test_one_move_one_fire_per_tick),
        cmocka_unit_test(test_off_board_fire_keeps_move),
        cmocka_unit_test(test_fire_then_move_order_in_list),
        cmocka_unit_test(test_raise_and_timeout_count_as_nothing),
        cmocka_unit_test(test_elimination_before_first_tick),
        cmocka_unit_test(test_elimination_mid_fight),
        cmocka_unit_test(test_gone_in_first_call_is_before_first_tick),
        cmocka_unit_test(test_bot_sees_states),
        cmocka_unit_test(test_deterministic_by_seed),
        cmocka_unit_test(test_wrong_player_count_and_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
