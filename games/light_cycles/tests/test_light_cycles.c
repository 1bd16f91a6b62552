/*
 * test_light_cycles.c — Light cycles through the scripted arena: spawns,
 * walls, trails, head-on collisions, ties, ranks, scores, failures, tick
 * limit and determinism.
 *
 * Scenario tests need known spawns: they look for the seed whose set-up frame
 * puts the cycles where the scenario wants them (spawns depend on the seed
 * only, so the seed found is stable).
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

typedef struct fight_run {
    cf_arena *arena;
    cf_outcome out;
    int n;
} fight_run;

static const char *const straight[] = {"null", NULL};

static void run_fight(fight_run *r, int n, const sa_player *players, const char *settings,
                      uint64_t seed)
{
    char err[256] = "";
    r->n = n;
    r->arena = sa_new(n, players);
    assert_non_null(r->arena);
    if (sa_simulate(cf_game_find("light_cycles"), r->arena, n, settings, seed, &r->out, err,
                    sizeof err) != 0)
        fail_msg("simulate failed: %s", err);
    assert_non_null(r->out.data);
    assert_non_null(r->out.summary);
}

static void end_fight(fight_run *r)
{
    sa_outcome_free(&r->out);
    sa_free(r->arena);
}

static const cJSON *frames(const fight_run *r)
{
    return cJSON_GetObjectItemCaseSensitive(r->out.data, "frames");
}

static char *frame_text(const fight_run *r, int k)
{
    char *s = cJSON_PrintUnformatted(cJSON_GetArrayItem(frames(r), k));
    assert_non_null(s);
    return s;
}

static void expect_frame(const fight_run *r, int k, const char *want)
{
    char *got = frame_text(r, k);
    if (strcmp(got, want) != 0) {
        print_error("frame %d: got %s want %s\n", k, got, want);
        free(got);
        fail();
    }
    free(got);
}

static void expect_summary(const fight_run *r, const char *want)
{
    char *got = cJSON_PrintUnformatted(r->out.summary);
    assert_string_equal(got, want);
    free(got);
}

/* The seed whose set-up frame (size 8) is `want`. */
static uint64_t find_seed(int n, const char *want)
{
    sa_player p[6];
    for (int i = 0; i < n; i++)
        p[i] = (sa_player){.script = straight};
    for (uint64_t seed = 0; seed < 5000; seed++) {
        fight_run r;
        run_fight(&r, n, p, "{\"size\":8,\"max_ticks\":10}", seed);
        char *f0 = frame_text(&r, 0);
        bool found = strcmp(f0, want) == 0;
        free(f0);
        end_fight(&r);
        if (found)
            return seed;
    }
    fail_msg("no seed gives the set-up %s", want);
    return 0;
}

#define TWO_FACING "[[3,1,\"U\",true,0],[4,6,\"D\",true,0]]"

static void test_spawns(void **state)
{
    (void)state;
    for (int n = 2; n <= 6; n++)
        for (int size = 8; size <= 40; size += 32)
            for (uint64_t seed = 0; seed < 40; seed++) {
                sa_player p[6];
                for (int i = 0; i < n; i++)
                    p[i] = (sa_player){.script = straight};
                char settings[64];
                snprintf(settings, sizeof settings, "{\"size\":%d,\"max_ticks\":10}", size);
                fight_run r;
                run_fight(&r, n, p, settings, seed);
                const cJSON *f0 = cJSON_GetArrayItem(frames(&r), 0);
                assert_int_equal(cJSON_GetArraySize(f0), n);
                for (int i = 0; i < n; i++) {
                    const cJSON *c = cJSON_GetArrayItem(f0, i);
                    int x = cJSON_GetArrayItem(c, 0)->valueint,
                        y = cJSON_GetArrayItem(c, 1)->valueint;
                    const char *h = cJSON_GetArrayItem(c, 2)->valuestring;
                    assert_in_range(x, 1, size - 2);
                    assert_in_range(y, 1, size - 2);
                    /* facing inwards: the next cell is nearer the centre */
                    int nx = x + (h[0] == 'R') - (h[0] == 'L'),
                        ny = y + (h[0] == 'U') - (h[0] == 'D');
                    double c2 = (size - 1) / 2.0;
                    assert_true((nx - c2) * (nx - c2) + (ny - c2) * (ny - c2) <
                                (x - c2) * (x - c2) + (y - c2) * (y - c2));
                    for (int j = 0; j < i; j++) {
                        const cJSON *o = cJSON_GetArrayItem(f0, j);
                        int ox = cJSON_GetArrayItem(o, 0)->valueint,
                            oy = cJSON_GetArrayItem(o, 1)->valueint;
                        assert_true(abs(ox - x) + abs(oy - y) >= 3);
                    }
                }
                end_fight(&r);
            }
}

static void test_spawns_depend_on_seed(void **state)
{
    (void)state;
    sa_player p[4] = {
        {.script = straight}, {.script = straight}, {.script = straight}, {.script = straight}};
    fight_run a, b, c;
    run_fight(&a, 4, p, NULL, 11);
    run_fight(&b, 4, p, NULL, 11);
    char *fa = cJSON_PrintUnformatted(a.out.data), *fb = cJSON_PrintUnformatted(b.out.data);
    assert_string_equal(fa, fb);
    int differ = 0;
    for (uint64_t s = 12; s < 20; s++) {
        run_fight(&c, 4, p, NULL, s);
        char *fc = frame_text(&c, 0), *f0 = frame_text(&a, 0);
        differ += strcmp(fc, f0) != 0;
        free(fc);
        free(f0);
        end_fight(&c);
    }
    assert_true(differ >= 6);
    free(fa);
    free(fb);
    end_fight(&a);
    end_fight(&b);
}

static void test_head_on_shared_rank(void **state)
{
    (void)state;
    uint64_t seed = find_seed(2, TWO_FACING);
    const char *const p1[] = {"\"U\"", "\"U\"", "\"U\"", NULL};
    const char *const p2[] = {"\"D\"", "\"D\"", "\"L\"", NULL};
    sa_player p[2] = {{.script = p1}, {.script = p2}};
    fight_run r;
    run_fight(&r, 2, p, "{\"size\":8}", seed);
    expect_frame(&r, 2, "[[3,3,\"U\",true,2],[4,4,\"D\",true,2]]");
    /* both enter (3,4): both fall, neither moves, rank 1 shared */
    expect_frame(&r, 3, "[[3,3,\"U\",false,2],[4,4,\"D\",false,2]]");
    assert_int_equal(cJSON_GetArraySize(frames(&r)), 4);
    expect_summary(&r, "[1,1]");
    assert_int_equal(r.out.ticks, 3);
    assert_true(r.out.has_score[0] && r.out.has_score[1]);
    assert_true(r.out.score[0] == 2 && r.out.score[1] == 2);
    assert_string_equal(r.out.explanation, "");
    end_fight(&r);
}

/* Three cycles entering one cell all fall, whoever is checked first. Six
 * cycles on a size-8 grid: the seed whose ring starts at (1,1); each cycle
 * gets the script of its spawn: A, B, C meet at (3,4) on tick 4 coming from
 * three sides, D, E, F keep out of the way. */
static void test_three_way_head_on(void **state)
{
    (void)state;
    static const struct {
        int x, y;
        const char *const script[6];
    } plan[6] = {
        {1, 1, {"\"U\"", "\"U\"", "\"U\"", "\"R\"", "\"R\"", NULL}}, /* A */
        {6, 2, {"\"L\"", "\"L\"", "\"L\"", "\"U\"", "\"U\"", NULL}}, /* B */
        {6, 6, {"\"L\"", "\"D\"", "\"D\"", "\"L\"", "\"L\"", NULL}}, /* C */
        {4, 1, {"\"L\"", "\"L\"", "\"D\"", "\"L\"", "\"L\"", NULL}}, /* D */
        {3, 6, {"\"R\"", "\"U\"", "\"R\"", "\"R\"", "\"R\"", NULL}}, /* E */
        {1, 5, {"\"U\"", "\"L\"", "\"D\"", "\"D\"", "\"D\"", NULL}}, /* F */
    };
    sa_player p[6];
    for (uint64_t seed = 0; seed < 2000; seed++) {
        for (int i = 0; i < 6; i++)
            p[i] = (sa_player){.script = straight};
        fight_run r;
        run_fight(&r, 6, p, "{\"size\":8,\"max_ticks\":1}", seed);
        const cJSON *f0 = cJSON_GetArrayItem(frames(&r), 0);
        int who[6]; /* plan entry of each player */
        int matched = 0;
        for (int i = 0; i < 6; i++) {
            const cJSON *c = cJSON_GetArrayItem(f0, i);
            who[i] = -1;
            for (int k = 0; k < 6; k++)
                if (cJSON_GetArrayItem(c, 0)->valueint == plan[k].x &&
                    cJSON_GetArrayItem(c, 1)->valueint == plan[k].y)
                    who[i] = k, matched++;
        }
        end_fight(&r);
        if (matched != 6)
            continue;
        for (int i = 0; i < 6; i++)
            p[i] = (sa_player){.script = plan[who[i]].script};
        run_fight(&r, 6, p, "{\"size\":8,\"max_ticks\":5}", seed);
        for (int i = 0; i < 6; i++) {
            const cJSON *c = cJSON_GetArrayItem(cJSON_GetArrayItem(frames(&r), 5), i);
            bool meets = who[i] < 3;
            /* the three that met stopped short of (3,4) and fell together */
            assert_int_equal(cJSON_IsTrue(cJSON_GetArrayItem(c, 3)), !meets);
            assert_int_equal(r.out.rank[i], meets ? 4 : 1);
            assert_true(r.out.score[i] == (meets ? 4 : 5));
        }
        assert_string_equal(r.out.explanation, "tick limit reached");
        end_fight(&r);
        return;
    }
    fail_msg("no seed starts the ring at (1,1)");
}

static void test_trail_collision(void **state)
{
    (void)state;
    uint64_t seed = find_seed(2, TWO_FACING);
    const char *const p1[] = {"\"U\"", "\"U\"", "\"U\"", "\"R\"", NULL};
    const char *const p2[] = {"\"D\"", NULL};
    sa_player p[2] = {{.script = p1}, {.script = p2}};
    fight_run r;
    run_fight(&r, 2, p, "{\"size\":8}", seed);
    /* tick 3: player 1 turns into (4,4), player 2's trail; player 2 moves on */
    expect_frame(&r, 4, "[[3,4,\"U\",false,3],[4,2,\"D\",true,4]]");
    expect_summary(&r, "[2,1]");
    assert_true(r.out.score[0] == 3 && r.out.score[1] == 4);
    assert_int_equal(r.out.ticks, 4);
    end_fight(&r);
}

static void test_wall_collision(void **state)
{
    (void)state;
    uint64_t seed = find_seed(2, TWO_FACING);
    const char *const p2[] = {"\"D\"", "\"R\"", "\"R\"", "\"D\"", NULL};
    sa_player p[2] = {{.script = straight}, {.script = p2}};
    fight_run r;
    run_fight(&r, 2, p, "{\"size\":8}", seed);
    /* player 1 climbs column 3 and leaves the grid at tick 6 */
    expect_frame(&r, 6, "[[3,7,\"U\",true,6],[6,2,\"D\",true,6]]");
    expect_frame(&r, 7, "[[3,7,\"U\",false,6],[6,1,\"D\",true,7]]");
    expect_summary(&r, "[2,1]");
    assert_int_equal(r.out.ticks, 7);
    end_fight(&r);
}

static void test_own_trail_and_reverse(void **state)
{
    (void)state;
    uint64_t seed = find_seed(2, TWO_FACING);
    /* a reverse is ignored (keeps straight); a U-turn in three steps hits
     * its own trail */
    const char *const p1[] = {"\"D\"", "\"R\"", "\"D\"", "\"L\"", NULL};
    sa_player p[2] = {{.script = p1}, {.script = straight}};
    fight_run r;
    run_fight(&r, 2, p, "{\"size\":8}", seed);
    expect_frame(&r, 1, "[[3,2,\"U\",true,1],[4,5,\"D\",true,1]]");
    expect_frame(&r, 2, "[[4,2,\"R\",true,2],[4,4,\"D\",true,2]]");
    /* tick 2: player 1 goes down to (4,1); player 2 to (4,3) */
    expect_frame(&r, 3, "[[4,1,\"D\",true,3],[4,3,\"D\",true,3]]");
    /* tick 3: player 1 turns left into (3,1), its own spawn; player 2 enters
     * (4,2), player 1's trail */
    expect_frame(&r, 4, "[[4,1,\"D\",false,3],[4,3,\"D\",false,3]]");
    expect_summary(&r, "[1,1]");
    end_fight(&r);
}

static void test_invalid_answers_and_failures_go_straight(void **state)
{
    (void)state;
    uint64_t seed = find_seed(2, TWO_FACING);
    const char *const p1[] = {"5", "\"X\"", "[\"R\"]", "!raise", "!timeout", "{\"d\":\"R\"}", NULL};
    sa_player p[2] = {{.script = p1}, {.script = straight}};
    fight_run r;
    run_fight(&r, 2, p, "{\"size\":8,\"max_ticks\":5}", seed);
    expect_frame(&r, 5, "[[3,6,\"U\",true,5],[4,1,\"D\",true,5]]");
    expect_summary(&r, "[1,1]");
    assert_string_equal(r.out.explanation, "tick limit reached");
    assert_int_equal(r.out.ticks, 5);
    end_fight(&r);
}

static void test_bot_death_and_start_failure(void **state)
{
    (void)state;
    const char *const dies[] = {"null", "null", "!dead", NULL};
    sa_player p[3] = {
        {.script = straight},
        {.script = dies},
        {.script = straight, .dead_at_start = true, .death = "memory limit exceeded"}};
    fight_run r;
    run_fight(&r, 3, p, "{\"size\":30,\"max_ticks\":6}", 5);
    const cJSON *f0 = cJSON_GetArrayItem(frames(&r), 0);
    assert_false(cJSON_IsTrue(cJSON_GetArrayItem(cJSON_GetArrayItem(f0, 2), 3)));
    const cJSON *f3 = cJSON_GetArrayItem(frames(&r), 3);
    assert_false(cJSON_IsTrue(cJSON_GetArrayItem(cJSON_GetArrayItem(f3, 1), 3)));
    expect_summary(&r, "[1,2,3]");
    assert_string_equal(
        r.out.explanation,
        "player 3 memory limit exceeded before the first tick; player 2 crashed at tick 2");
    assert_true(r.out.score[0] == 3 && r.out.score[1] == 2 && r.out.score[2] == 0);
    assert_int_equal(sa_calls(r.arena, 2), 0);
    /* the fight ends when one cycle is left */
    assert_int_equal(r.out.ticks, 3);
    end_fight(&r);

    /* gone in its first call (the one that imports the bot): eliminated
     * before the first tick, ranked last */
    const char *const first[] = {"!dead", NULL};
    sa_player q[3] = {{.script = first}, {.script = straight}, {.script = straight}};
    run_fight(&r, 3, q, "{\"size\":8,\"max_ticks\":3}", 2);
    assert_string_equal(r.out.explanation,
                        "player 1 crashed before the first tick; tick limit reached");
    expect_summary(&r, "[3,1,1]");
    const cJSON *p1 = cJSON_GetArrayItem(cJSON_GetArrayItem(frames(&r), 1), 0);
    assert_false(cJSON_IsTrue(cJSON_GetArrayItem(p1, 3)));
    assert_int_equal(cJSON_GetArrayItem(p1, 4)->valueint, 0);
    end_fight(&r);

    sa_player none[2] = {{.script = first}, {.script = first}};
    run_fight(&r, 2, none, NULL, 1);
    expect_summary(&r, "[1,1]");
    assert_int_equal(r.out.ticks, 0);
    assert_int_equal(cJSON_GetArraySize(frames(&r)), 1);
    end_fight(&r);

    sa_player all[2] = {{.script = straight, .dead_at_start = true},
                        {.script = straight, .dead_at_start = true}};
    run_fight(&r, 2, all, NULL, 1);
    expect_summary(&r, "[1,1]");
    assert_int_equal(r.out.ticks, 0);
    assert_int_equal(cJSON_GetArraySize(frames(&r)), 1);
    end_fight(&r);
}

/* Random legal-looking answers from the player's own stream. */
static enum cf_call_status random_bot(void *ud, int player, int call, const cJSON *args,
                                      cJSON **result)
{
    (void)player, (void)call, (void)args;
    cf_rng *rng = ud;
    static const char *const answers[] = {"U", "R", "D", "L", "U", "R", "D", "L", "x"};
    *result = cJSON_CreateString(answers[cf_rng_below(rng, 9)]);
    return CF_CALL_OK;
}

/* Ranks and scores agree with the replay for many random fights. */
static void test_ranks_and_scores_match_replay(void **state)
{
    (void)state;
    int ties = 0;
    for (int n = 2; n <= 6; n++)
        for (uint64_t seed = 0; seed < 60; seed++) {
            cf_rng rng;
            cf_rng_seed(&rng, seed * 31 + (uint64_t)n);
            sa_player p[6];
            for (int i = 0; i < n; i++)
                p[i] = (sa_player){.policy = random_bot, .ud = &rng};
            fight_run r;
            run_fight(&r, n, p, "{\"size\":10}", seed);
            int nf = cJSON_GetArraySize(frames(&r));
            assert_int_equal(nf, r.out.ticks + 1);
            int elim[6], moves[6];
            for (int i = 0; i < n; i++) {
                elim[i] = 1 << 20; /* alive at the end */
                for (int k = 1; k < nf; k++)
                    if (!cJSON_IsTrue(cJSON_GetArrayItem(
                            cJSON_GetArrayItem(cJSON_GetArrayItem(frames(&r), k), i), 3))) {
                        elim[i] = k - 1;
                        break;
                    }
                moves[i] = cJSON_GetArrayItem(
                               cJSON_GetArrayItem(cJSON_GetArrayItem(frames(&r), nf - 1), i), 4)
                               ->valueint;
                assert_true(r.out.score[i] == moves[i]);
            }
            int alive_end = 0;
            for (int i = 0; i < n; i++) {
                int better = 0;
                for (int j = 0; j < n; j++)
                    better += j != i && elim[j] > elim[i];
                assert_int_equal(r.out.rank[i], 1 + better);
                alive_end += elim[i] == 1 << 20;
                for (int j = 0; j < i; j++)
                    ties += elim[i] == elim[j];
            }
            assert_true(alive_end <= 1 || r.out.ticks == 400);
            /* no two living cycles on one cell, trails never overwritten */
            end_fight(&r);
        }
    assert_true(ties > 0); /* shared ranks happened and were checked */
}

static void test_tick_limit(void **state)
{
    (void)state;
    sa_player p[2] = {{.script = straight}, {.script = straight}};
    fight_run r;
    run_fight(&r, 2, p, "{\"size\":40,\"max_ticks\":10}", 3);
    expect_summary(&r, "[1,1]");
    assert_int_equal(r.out.ticks, 10);
    assert_string_equal(r.out.explanation, "tick limit reached");
    assert_true(r.out.score[0] == 10 && r.out.score[1] == 10);
    end_fight(&r);
}

static void test_state_given_to_bots(void **state)
{
    (void)state;
    uint64_t seed = find_seed(2, TWO_FACING);
    sa_player p[2] = {{.script = straight}, {.script = straight}};
    fight_run r;
    run_fight(&r, 2, p, "{\"size\":8,\"max_ticks\":1}", seed);
    assert_string_equal(sa_last_method(r.arena, 1), "decide_move");
    char *args = cJSON_PrintUnformatted(sa_last_args(r.arena, 1));
    assert_string_equal(
        args,
        "[0,{\"players\":[{\"x\":3,\"y\":1,\"head\":\"U\",\"alive\":true},"
        "{\"x\":4,\"y\":6,\"head\":\"D\",\"alive\":true}],"
        "\"grid\":[\"........\",\"...0....\",\"........\",\"........\",\"........\",\"........\","
        "\"....1...\",\"........\"],\"me\":1,\"size\":8}]");
    free(args);
    assert_int_equal(sa_last_progress(r.arena), 0);
    end_fight(&r);
}

static void test_player_counts_and_limits(void **state)
{
    (void)state;
    const cf_game *g = cf_game_find("light_cycles");
    sa_player p[7];
    for (int i = 0; i < 7; i++)
        p[i] = (sa_player){.script = straight};
    for (int n = 1; n <= 7; n += 6) {
        cf_arena *a = sa_new(n, p);
        cf_outcome out;
        char err[128] = "";
        assert_int_equal(sa_simulate(g, a, n, NULL, 1, &out, err, sizeof err), -1);
        assert_non_null(strstr(err, "2 to 6 players"));
        sa_free(a);
    }
    char err[128];
    cJSON *user = cJSON_Parse("{\"max_ticks\":1000}");
    cJSON *s = cf_game_settings(g, user, true, err, sizeof err);
    assert_non_null(s);
    cf_limits lim;
    g->limits(s, 6, &lim);
    assert_int_equal(lim.cpu_ms, 6000);
    assert_int_equal(lim.call_wall_ms, 200);
    assert_int_equal(lim.first_call_wall_ms, 2000);
    assert_int_equal(lim.memory_kb, 102400);
    cJSON_Delete(s);
    cJSON_Delete(user);
    assert_int_equal(g->conclusion, CF_CONCLUSION_RANK);
    assert_true(g->has_scores);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spawns),
        cmocka_unit_test(test_spawns_depend_on_seed),
        cmocka_unit_test(test_head_on_shared_rank),
        cmocka_unit_test(test_three_way_head_on),
        cmocka_unit_test(test_trail_collision),
        cmocka_unit_test(test_wall_collision),
        cmocka_unit_test(test_own_trail_and_reverse),
        cmocka_unit_test(test_invalid_answers_and_failures_go_straight),
        cmocka_unit_test(test_bot_death_and_start_failure),
        cmocka_unit_test(test_ranks_and_scores_match_replay),
        cmocka_unit_test(test_tick_limit),
        cmocka_unit_test(test_state_given_to_bots),
        cmocka_unit_test(test_player_counts_and_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
