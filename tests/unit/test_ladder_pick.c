/*
 * test_ladder_pick.c — the ladder scheduler's choice (web/ladder_pick.c),
 * alone: fewest games first, ties by the oldest latest fight then at
 * random, only active entries, never two versions of one bot, never the
 * same pairing twice in a row while another exists, and the opponent at
 * random within the near set only. Each property over many seeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ladder_pick.h"

#define SEEDS 2000

/* An active entry of its own bot: version id = bot id = id. */
static ladder_candidate entry(long long id, double mu, int games)
{
    return (ladder_candidate){
        .version_id = id, .bot_id = id, .active = true, .mu = mu, .sigma = 1.0, .games = games};
}

static void test_fewest_games_first(void **state)
{
    (void)state;
    ladder_candidate c[4] = {entry(1, 25, 5), entry(2, 25, 2), entry(3, 25, 7), entry(4, 25, 3)};
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        uint64_t rng = seed;
        int out[2];
        assert_int_equal(ladder_pick(c, 4, LADDER_PICK_NEAR, &rng, out), 2);
        assert_int_equal(out[0], 1);
        assert_int_not_equal(out[1], 1);
    }
}

static void test_ties_oldest_then_random(void **state)
{
    (void)state;
    ladder_candidate c[4] = {entry(1, 25, 3), entry(2, 25, 3), entry(3, 25, 3), entry(4, 25, 9)};
    c[0].last_fight_at = 1000; /* the most recent: last among the equal */
    c[1].last_fight_at = 0;    /* never fought */
    c[2].last_fight_at = 0;
    int firsts[4] = {0};
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        uint64_t rng = seed;
        int out[2];
        assert_int_equal(ladder_pick(c, 4, LADDER_PICK_NEAR, &rng, out), 2);
        firsts[out[0]]++;
    }
    assert_int_equal(firsts[0], 0);
    assert_int_equal(firsts[3], 0);
    /* 1 and 2 share the turn by chance: each about half */
    assert_true(firsts[1] > SEEDS / 3 && firsts[2] > SEEDS / 3);
}

static void test_only_active(void **state)
{
    (void)state;
    ladder_candidate c[4] = {entry(1, 25, 0), entry(2, 25, 4), entry(3, 25, 6), entry(4, 25, 0)};
    c[0].active = false; /* fewest games, but pending, left, refused or replaced */
    c[3].active = false;
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        uint64_t rng = seed;
        int out[2];
        assert_int_equal(ladder_pick(c, 4, LADDER_PICK_NEAR, &rng, out), 2);
        assert_int_equal(out[0], 1);
        assert_int_equal(out[1], 2);
    }
    c[2].active = false; /* one active entry: no fight */
    uint64_t rng = 7;
    int out[2];
    assert_int_equal(ladder_pick(c, 4, LADDER_PICK_NEAR, &rng, out), 0);
}

static void test_never_two_versions_of_one_bot(void **state)
{
    (void)state;
    /* versions 1 and 2 are bot 1's; 1 plays first and 2 is the nearest */
    ladder_candidate c[3] = {entry(1, 25, 0), entry(2, 25, 5), entry(3, 40, 5)};
    c[1].bot_id = 1;
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        uint64_t rng = seed;
        int out[2];
        assert_int_equal(ladder_pick(c, 3, LADDER_PICK_NEAR, &rng, out), 2);
        assert_int_equal(out[0], 0);
        assert_int_equal(out[1], 2);
    }
    /* only one bot's versions: no fight */
    uint64_t rng = 3;
    int out[2];
    assert_int_equal(ladder_pick(c, 2, LADDER_PICK_NEAR, &rng, out), 0);
}

/* n entries, 500 n fights: never the same opponent twice in a row for
 * either, and fewest games first keeps them level. */
static void simulate_without_repeats(int n, int near)
{
    ladder_candidate l[6];
    int out[2];
    for (int i = 0; i < n; i++)
        l[i] = entry(i + 1, 20 + 3 * i, 0);
    for (int round = 0; round < 500 * n; round++) {
        uint64_t r = (uint64_t)round * 7919;
        assert_int_equal(ladder_pick(l, n, near, &r, out), 2);
        for (int s = 0; s < 2; s++) {
            ladder_candidate *me = &l[out[s]], *other = &l[out[1 - s]];
            assert_int_not_equal(me->last_opponent, other->version_id);
            me->last_opponent = other->version_id;
            me->games++;
            me->last_fight_at = round + 1;
        }
    }
    /* fewest games first keeps them level: 1,000 games each on average,
     * the ends of the line chosen as opponents less (they are near fewer) */
    for (int i = 0; i < n; i++)
        assert_true(l[i].games >= 900 && l[i].games <= 1100);
}

static void test_never_the_same_pairing_twice(void **state)
{
    (void)state;
    /* entry 1 plays next; 2 is by far the nearest and was its latest opponent */
    ladder_candidate c[3] = {entry(1, 25, 0), entry(2, 25, 5), entry(3, 60, 5)};
    c[0].last_opponent = 2;
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        uint64_t rng = seed;
        int out[2];
        assert_int_equal(ladder_pick(c, 3, 1, &rng, out), 2);
        assert_int_equal(out[0], 0);
        assert_int_equal(out[1], 2);
    }
    /* but it plays it again when there is nobody else */
    uint64_t rng = 11;
    int out[2];
    assert_int_equal(ladder_pick(c, 2, 1, &rng, out), 2);
    assert_int_equal(out[1], 1);
    /* nor one whose own latest fight was against it */
    c[0].last_opponent = 0;
    c[1].last_opponent = 1;
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        rng = seed;
        assert_int_equal(ladder_pick(c, 3, 1, &rng, out), 2);
        assert_int_equal(out[1], 2);
    }
    /* simulated ladders of 6 entries (near 2) and of 3 (web.ladder's):
     * no entry meets the same opponent twice in a row */
    simulate_without_repeats(6, 2);
    simulate_without_repeats(3, LADDER_PICK_NEAR);
}

static void test_random_within_the_near_set(void **state)
{
    (void)state;
    /* entry 0 plays first (mu - 3 sigma 22); the others at distances
     * 1, 2, ..., 9 */
    ladder_candidate c[10];
    c[0] = entry(1, 25, 0);
    for (int i = 1; i < 10; i++)
        c[i] = entry(i + 1, 25 + (i % 2 ? i : -i), 10);
    int chosen[10] = {0};
    for (uint64_t seed = 0; seed < SEEDS; seed++) {
        uint64_t rng = seed * 0x1234567ULL;
        int out[2];
        assert_int_equal(ladder_pick(c, 10, 4, &rng, out), 2);
        assert_int_equal(out[0], 0);
        chosen[out[1]]++;
    }
    /* the four nearest (distances 1 to 4), each about a quarter; nobody else */
    for (int i = 1; i <= 4; i++)
        assert_true(chosen[i] > SEEDS / 8);
    for (int i = 5; i < 10; i++)
        assert_int_equal(chosen[i], 0);
    /* the same seed, the same choice */
    uint64_t a = 42, b = 42;
    int oa[2], ob[2];
    ladder_pick(c, 10, 4, &a, oa);
    ladder_pick(c, 10, 4, &b, ob);
    assert_memory_equal(oa, ob, sizeof oa);
}

static void test_bad_input(void **state)
{
    (void)state;
    ladder_candidate c[2] = {entry(1, 25, 0), entry(2, 25, 0)};
    uint64_t rng = 1;
    int out[2];
    assert_int_equal(ladder_pick(NULL, 2, 4, &rng, out), 0);
    assert_int_equal(ladder_pick(c, 1, 4, &rng, out), 0);
    assert_int_equal(ladder_pick(c, 2, 4, NULL, out), 0);
    assert_int_equal(ladder_pick(c, 2, 0, &rng, out), 2); /* near < 1 means 1 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fewest_games_first),
        cmocka_unit_test(test_ties_oldest_then_random),
        cmocka_unit_test(test_only_active),
        cmocka_unit_test(test_never_two_versions_of_one_bot),
        cmocka_unit_test(test_never_the_same_pairing_twice),
        cmocka_unit_test(test_random_within_the_near_set),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
