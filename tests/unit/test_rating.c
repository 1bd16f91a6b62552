/*
 * test_rating.c — TrueSkill (common/rating.h) against published numbers,
 * then its properties and its refusals.
 *
 * The published numbers:
 *  - the Python package trueskill's documented examples
 *    (https://pypi.org/project/trueskill/, https://trueskill.org/),
 *    printed to 3 decimals;
 *  - the unit tests of Jeff Moser's Skills (github.com/moserware/Skills,
 *    UnitTests/TrueSkill/TrueSkillCalculatorTests.cs), whose values with
 *    more than 3 decimals come from Ralf Herbrich's F# implementation and
 *    the others from Microsoft Research's online TrueSkill calculator.
 * A value printed to 3 decimals is checked to 1e-3. Moser's values
 * printed to 14 digits are checked to 1e-5 (1e-3 for the chess example,
 * 48 times the scale): they carry his numerics' own error, up to 5e-6.
 * Computed exactly (Python's statistics.NormalDist), the 1v1 draw's sigma
 * is 6.457515683, which this code gives, against his 6.457519662.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rating.h"

#define PRINTED 1e-3 /* published to 3 decimals */
#define FULL 1e-5    /* published to 14 digits, with their error */

static void assert_near(double got, double want, double tol, const char *what, int i)
{
    if (!(fabs(got - want) <= tol))
        fail_msg("player %d %s: got %.9f, published %.9f (tolerance %g)", i, what, got, want, tol);
}

/* Rates n players of the given priors and ranks with p (NULL: defaults)
 * and checks each against want[i] = {mu, sigma}. */
static void check_fight(int n, const double prior[][2], const int *ranks, const double want[][2],
                        double tol, const cf_rating_params *p)
{
    cf_rating r[CF_RATING_MAX_PLAYERS];
    char err[128] = "";
    for (int i = 0; i < n; i++)
        r[i] = (cf_rating){prior[i][0], prior[i][1]};
    if (cf_rating_update(r, ranks, n, p, err, sizeof err) != 0)
        fail_msg("update refused: %s", err);
    for (int i = 0; i < n; i++) {
        assert_near(r[i].mu, want[i][0], tol, "mu", i);
        assert_near(r[i].sigma, want[i][1], tol, "sigma", i);
    }
}

#define S0 (25.0 / 3.0)

/* ---- the Python package's examples --------------------------------------- */

static void python_1vs1_upset(void **state)
{
    (void)state;
    /* rate_1vs1(Rating(mu=25, sigma=8.333), Rating(mu=30, sigma=8.333)) */
    const double prior[][2] = {{25, 8.333}, {30, 8.333}};
    const double want[][2] = {{30.768, 7.030}, {24.232, 7.030}};
    check_fight(2, prior, (const int[]){1, 2}, want, PRINTED, NULL);
}

static void python_1vs1_defaults(void **state)
{
    (void)state;
    /* rate_1vs1(Rating(), Rating()); Moser's TwoPlayerTestNotDrawn to
     * full precision */
    const double prior[][2] = {{25, S0}, {25, S0}};
    const double printed[][2] = {{29.396, 7.171}, {20.604, 7.171}};
    const double full[][2] = {{29.39583201999924, 7.171475587326186},
                              {20.60416798000076, 7.171475587326186}};
    check_fight(2, prior, (const int[]){1, 2}, printed, PRINTED, NULL);
    check_fight(2, prior, (const int[]){1, 2}, full, FULL, NULL);
}

static void python_1vs1_draw(void **state)
{
    (void)state;
    /* rate_1vs1(Rating(), Rating(), drawn=True); Moser's TwoPlayerTestDrawn */
    const double prior[][2] = {{25, S0}, {25, S0}};
    const double printed[][2] = {{25.000, 6.458}, {25.000, 6.458}};
    const double full[][2] = {{25.0, 6.4575196623173081}, {25.0, 6.4575196623173081}};
    check_fight(2, prior, (const int[]){1, 1}, printed, PRINTED, NULL);
    check_fight(2, prior, (const int[]){1, 1}, full, FULL, NULL);
}

/* ---- Moser's Skills: two players ------------------------------------------ */

static void moser_massive_upset_draw(void **state)
{
    (void)state;
    const double prior[][2] = {{25, S0}, {50, 12.5}};
    const double want[][2] = {{31.662, 7.137}, {35.010, 7.910}};
    check_fight(2, prior, (const int[]){1, 1}, want, PRINTED, NULL);
}

static void moser_chess(void **state)
{
    (void)state;
    /* GameInfo(1200, 1200/3, 200, 1200/300, 0.03) */
    const cf_rating_params p = {.mu0 = 1200.0,
                                .sigma0 = 1200.0 / 3.0,
                                .beta = 200.0,
                                .tau = 1200.0 / 300.0,
                                .draw_probability = 0.03};
    const double prior[][2] = {{1301.0007, 42.9232}, {1188.7560, 42.5570}};
    const double want[][2] = {{1304.7820836053318, 42.843513887848658},
                              {1185.0383099003536, 42.485604606897752}};
    check_fight(2, prior, (const int[]){1, 2}, want, 1e-3, &p);
}

/* ---- Moser's Skills: free-for-all ----------------------------------------- */

static void moser_three_not_drawn(void **state)
{
    (void)state;
    const double prior[][2] = {{25, S0}, {25, S0}, {25, S0}};
    const double want[][2] = {{31.675352419172107, 6.6559853776206905},
                              {25.000000000003912, 6.2078966412243233},
                              {18.324647580823971, 6.6559853776218318}};
    check_fight(3, prior, (const int[]){1, 2, 3}, want, FULL, NULL);
}

static void moser_three_drawn(void **state)
{
    (void)state;
    const double prior[][2] = {{25, S0}, {25, S0}, {25, S0}};
    const double want[][2] = {{25.000, 5.698}, {25.000, 5.695}, {25.000, 5.698}};
    check_fight(3, prior, (const int[]){1, 1, 1}, want, PRINTED, NULL);
}

static void moser_four_not_drawn(void **state)
{
    (void)state;
    const double prior[][2] = {{25, S0}, {25, S0}, {25, S0}, {25, S0}};
    const double want[][2] = {{33.206680965631264, 6.3481091698077057},
                              {27.401454693843323, 5.7871629348447584},
                              {22.598545306188374, 5.7871629348413451},
                              {16.793319034361271, 6.3481091698144967}};
    check_fight(4, prior, (const int[]){1, 2, 3, 4}, want, FULL, NULL);
}

static void moser_five_not_drawn(void **state)
{
    (void)state;
    const double prior[][2] = {{25, S0}, {25, S0}, {25, S0}, {25, S0}, {25, S0}};
    const double want[][2] = {{34.363135705841188, 6.1361528798112692},
                              {29.058448805636779, 5.5358352402833413},
                              {25.000000000031758, 5.4200805474429847},
                              {20.941551194426314, 5.5358352402709672},
                              {15.636864294158848, 6.136152879829349}};
    check_fight(5, prior, (const int[]){1, 2, 3, 4, 5}, want, FULL, NULL);
}

static void moser_eight_drawn(void **state)
{
    (void)state;
    double prior[8][2];
    for (int i = 0; i < 8; i++) {
        prior[i][0] = 25;
        prior[i][1] = S0;
    }
    const double want[][2] = {{25, 4.592}, {25, 4.583}, {25, 4.576}, {25, 4.573},
                              {25, 4.573}, {25, 4.576}, {25, 4.583}, {25, 4.592}};
    check_fight(8, (const double(*)[2])prior, (const int[]){1, 1, 1, 1, 1, 1, 1, 1}, want, PRINTED,
                NULL);
}

static void moser_eight_upset(void **state)
{
    (void)state;
    const double prior[][2] = {{10, 8}, {15, 7}, {20, 6}, {25, 5},
                               {30, 4}, {35, 3}, {40, 2}, {45, 1}};
    const double want[][2] = {{35.135, 4.506}, {32.585, 4.037}, {31.329, 3.756}, {30.984, 3.453},
                              {31.751, 3.064}, {34.051, 2.541}, {38.263, 1.849}, {44.118, 0.983}};
    check_fight(8, prior, (const int[]){1, 2, 3, 4, 5, 6, 7, 8}, want, PRINTED, NULL);
}

static void moser_sixteen_not_drawn(void **state)
{
    (void)state;
    double prior[16][2];
    int ranks[16];
    for (int i = 0; i < 16; i++) {
        prior[i][0] = 25;
        prior[i][1] = S0;
        ranks[i] = i + 1;
    }
    const double want[][2] = {
        {40.53945776946920, 5.27581643889050}, {36.80951229454210, 4.71121217610266},
        {34.34726355544460, 4.52440328139991}, {32.33614722608720, 4.43258628279632},
        {30.55048814671730, 4.38010805034365}, {28.89277312234790, 4.34859291776483},
        {27.30952161972210, 4.33037679041216}, {25.76571046519540, 4.32197078088701},
        {24.23428953480470, 4.32197078088703}, {22.69047838027800, 4.33037679041219},
        {21.10722687765220, 4.34859291776488}, {19.44951185328290, 4.38010805034375},
        {17.66385277391300, 4.43258628279643}, {15.65273644455550, 4.52440328139996},
        {13.19048770545810, 4.71121217610273}, {9.46054223053080, 5.27581643889032}};
    check_fight(16, (const double(*)[2])prior, ranks, want, FULL, NULL);
}

/* ---- properties ------------------------------------------------------------ */

/* The 1v1 update in closed form (the paper's equations for two players):
 * c^2 = 2 beta^2 + s1^2 + s2^2, mu1 += s1^2 / c * v, s1^2 *= 1 - s1^2 / c^2 * w. */
static void closed_form_1v1(cf_rating *win, cf_rating *lose, const cf_rating_params *p)
{
    double s1 = win->sigma * win->sigma + p->tau * p->tau;
    double s2 = lose->sigma * lose->sigma + p->tau * p->tau;
    double c = sqrt(2.0 * p->beta * p->beta + s1 + s2);
    /* eps: Phi^-1((P+1)/2) sqrt(2) beta, by bisection */
    double lo = 0.0, hi = 10.0, q = (p->draw_probability + 1.0) / 2.0;
    for (int i = 0; i < 200; i++) {
        double mid = (lo + hi) / 2.0;
        if (0.5 * erfc(-mid / sqrt(2.0)) < q)
            lo = mid;
        else
            hi = mid;
    }
    double e = lo * sqrt(2.0) * p->beta / c;
    double x = (win->mu - lose->mu) / c - e;
    double pdf = exp(-x * x / 2.0) / sqrt(2.0 * M_PI), cdf = 0.5 * erfc(-x / sqrt(2.0));
    double v = pdf / cdf, w = v * (v + x);
    win->mu += s1 / c * v;
    lose->mu -= s2 / c * v;
    win->sigma = sqrt(s1 * (1.0 - s1 / (c * c) * w));
    lose->sigma = sqrt(s2 * (1.0 - s2 / (c * c) * w));
}

static void two_players_match_closed_form(void **state)
{
    (void)state;
    const double cases[][4] = {{25, S0, 25, S0}, {20, 3, 32, 7}, {40, 1.5, 10, 8}, {0, 12, 3, 2}};
    cf_rating_params p = cf_rating_defaults();
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        cf_rating r[2] = {{cases[k][0], cases[k][1]}, {cases[k][2], cases[k][3]}};
        cf_rating win = r[0], lose = r[1];
        closed_form_1v1(&win, &lose, &p);
        assert_int_equal(cf_rating_update(r, (const int[]){0, 1}, 2, &p, NULL, 0), 0);
        assert_near(r[0].mu, win.mu, 1e-9, "mu", 0);
        assert_near(r[0].sigma, win.sigma, 1e-9, "sigma", 0);
        assert_near(r[1].mu, lose.mu, 1e-9, "mu", 1);
        assert_near(r[1].sigma, lose.sigma, 1e-9, "sigma", 1);
    }
}

/* Alice first, Bob and Chris tied second, Darren last (the example of
 * Moser's "Computing Your Skill" and of the Microsoft calculator's
 * samples; no output of it is published, so its shape is checked). */
static void alice_bob_chris_darren(void **state)
{
    (void)state;
    cf_rating r[4];
    for (int i = 0; i < 4; i++)
        r[i] = cf_rating_initial(NULL);
    assert_int_equal(cf_rating_update(r, (const int[]){1, 2, 2, 4}, 4, NULL, NULL, 0), 0);
    assert_true(r[0].mu > r[1].mu);
    assert_true(r[1].mu > r[3].mu && r[2].mu > r[3].mu);
    /* the chain Alice > Bob = Chris > Darren is its own mirror image */
    assert_near(r[0].mu - 25.0, 25.0 - r[3].mu, 1e-9, "mirror of first and last", 0);
    assert_near(r[0].sigma, r[3].sigma, 1e-9, "mirror of first and last", 0);
    assert_near(r[1].mu - 25.0, 25.0 - r[2].mu, 1e-9, "mirror of the tied", 1);
    assert_near(r[1].sigma, r[2].sigma, 1e-9, "mirror of the tied", 1);
    assert_near(r[0].mu + r[1].mu + r[2].mu + r[3].mu, 100.0, 1e-9, "sum of mu", 0);
    for (int i = 0; i < 4; i++)
        assert_true(r[i].sigma < S0);
    /* only the order of the ranks counts */
    cf_rating same[4];
    for (int i = 0; i < 4; i++)
        same[i] = cf_rating_initial(NULL);
    assert_int_equal(cf_rating_update(same, (const int[]){0, 5, 5, 9}, 4, NULL, NULL, 0), 0);
    for (int i = 0; i < 4; i++) {
        assert_near(same[i].mu, r[i].mu, 1e-12, "mu", i);
        assert_near(same[i].sigma, r[i].sigma, 1e-12, "sigma", i);
    }
}

/* Tiny xorshift for the property sweeps: deterministic. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static double uniform01(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* Random fights of 2 to 6 players with random priors: without ties the
 * order of the input does not matter (with ties it does a little: tied
 * players take their places in the chain in input order), everyone's
 * sigma shrinks (from sqrt(sigma^2 + tau^2), the drift added first), a player who finished
 * ahead of an equal-prior player ends above it, and with equal priors the
 * mu changes sum to zero. (Two tied players need not end equal: in the
 * chain each is compared with its own other neighbour.) */
static void random_fights_properties(void **state)
{
    (void)state;
    for (int round = 0; round < 2000; round++) {
        int n = 2 + (int)(uniform01() * 5);
        bool equal = round % 2 == 0;
        cf_rating r[6], before[6], shuffled[6];
        int ranks[6], perm[6], shuffled_ranks[6];
        for (int i = 0; i < n; i++) {
            r[i] = equal ? cf_rating_initial(NULL)
                         : (cf_rating){5.0 + 40.0 * uniform01(), 1.0 + 7.0 * uniform01()};
            ranks[i] = (int)(uniform01() * n);
            perm[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = (int)(uniform01() * (i + 1)), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (int i = 0; i < n; i++) {
            before[i] = r[i];
            shuffled[i] = r[perm[i]];
            shuffled_ranks[i] = ranks[perm[i]];
        }
        assert_int_equal(cf_rating_update(r, ranks, n, NULL, NULL, 0), 0);
        assert_int_equal(cf_rating_update(shuffled, shuffled_ranks, n, NULL, NULL, 0), 0);
        bool ties = false;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                ties = ties || ranks[i] == ranks[j];
        double moved = 0.0;
        for (int i = 0; i < n; i++) {
            if (!ties) {
                assert_near(shuffled[i].mu, r[perm[i]].mu, 1e-7, "mu, shuffled", i);
                assert_near(shuffled[i].sigma, r[perm[i]].sigma, 1e-7, "sigma, shuffled", i);
            }
            double tau = cf_rating_defaults().tau; /* the drift comes first */
            assert_true(r[i].sigma < sqrt(before[i].sigma * before[i].sigma + tau * tau));
            moved += r[i].mu - before[i].mu;
            if (!equal)
                continue;
            for (int j = 0; j < n; j++) {
                if (ranks[i] < ranks[j])
                    assert_true(r[i].mu > r[j].mu);
            }
        }
        if (equal)
            assert_near(moved, 0.0, 1e-7, "sum of mu changes", 0);
    }
}

/* A bot far ahead that wins learns nearly nothing; one far behind that
 * wins moves a lot; neither breaks the arithmetic. */
static void extremes_stay_finite(void **state)
{
    (void)state;
    cf_rating r[2] = {{1000, 1}, {0, 1}};
    assert_int_equal(cf_rating_update(r, (const int[]){1, 2}, 2, NULL, NULL, 0), 0);
    assert_near(r[0].mu, 1000, 1e-9, "mu", 0);
    assert_true(isfinite(r[0].sigma) && r[0].sigma > 0);

    cf_rating u[2] = {{0, 1}, {200, 1}}; /* the series past erfc's range */
    assert_int_equal(cf_rating_update(u, (const int[]){1, 2}, 2, NULL, NULL, 0), 0);
    assert_true(u[0].mu > 0 && u[1].mu < 200);
    assert_true(isfinite(u[0].sigma) && u[0].sigma > 0 && u[0].sigma < 1);

    cf_rating d[3] = {{0, 2}, {150, 2}, {75, 8}}; /* an unlikely draw */
    assert_int_equal(cf_rating_update(d, (const int[]){1, 1, 1}, 3, NULL, NULL, 0), 0);
    for (int i = 0; i < 3; i++)
        assert_true(isfinite(d[i].mu) && isfinite(d[i].sigma) && d[i].sigma > 0);

    cf_rating far[2] = {{0, 1}, {1e12, 1}}; /* an upset by 1e11 sigmas */
    assert_int_equal(cf_rating_update(far, (const int[]){1, 2}, 2, NULL, NULL, 0), 0);
    /* the gap closes in proportion to each one's share of the variance:
     * s^2 / c^2 of it, c^2 = 2 beta^2 + s0^2 + s1^2 */
    cf_rating_params p = cf_rating_defaults();
    double s2 = 1.0 + p.tau * p.tau, c2 = 2.0 * p.beta * p.beta + 2.0 * s2;
    assert_near(far[0].mu / (1e12 * s2 / c2), 1.0, 1e-6, "share of an upset", 0);
    assert_near(1e12 - far[1].mu, far[0].mu, 1e-3, "share of an upset", 1);
    assert_true(far[0].sigma > 0 && far[0].sigma < 1 && far[1].sigma > 0);

    cf_rating huge[2] = {{0, 1}, {1e100, 1}}; /* still computed */
    assert_int_equal(cf_rating_update(huge, (const int[]){1, 2}, 2, NULL, NULL, 0), 0);
    assert_near(huge[0].mu / (1e100 * s2 / c2), 1.0, 1e-6, "share of an upset", 0);
    assert_near(huge[0].sigma, far[0].sigma, 1e-9, "sigma after an upset", 0);

    /* so unlikely that the doubles cannot say: refused, nothing changed */
    cf_rating x[2] = {{-1e300, 1}, {1e300, 1}};
    char err[128] = "";
    assert_int_equal(cf_rating_update(x, (const int[]){1, 2}, 2, NULL, err, sizeof err), -1);
    assert_true(x[0].mu == -1e300 && x[1].mu == 1e300 && x[0].sigma == 1);
    assert_true(err[0] != '\0');
}

static void defaults_and_conservative(void **state)
{
    (void)state;
    cf_rating_params p = cf_rating_defaults();
    assert_near(p.mu0, 25.0, 0, "mu0", 0);
    assert_near(p.sigma0, 25.0 / 3.0, 1e-15, "sigma0", 0);
    assert_near(p.beta, 25.0 / 6.0, 1e-15, "beta", 0);
    assert_near(p.tau, 25.0 / 300.0, 1e-15, "tau", 0);
    assert_near(p.draw_probability, 0.10, 0, "draw", 0);
    cf_rating r = cf_rating_initial(NULL);
    assert_near(cf_rating_conservative(r), 0.0, 1e-12, "conservative", 0);
    assert_near(cf_rating_conservative((cf_rating){30, 2}), 24.0, 1e-12, "conservative", 0);
}

/* ---- refusals ---------------------------------------------------------------- */

static void expect_refused(cf_rating *r, const int *ranks, int n, const cf_rating_params *p)
{
    cf_rating copy[CF_RATING_MAX_PLAYERS + 1];
    char err[128] = "";
    int m = r != NULL && n > 0 && n <= CF_RATING_MAX_PLAYERS + 1 ? n : 0;
    if (m > 0)
        memcpy(copy, r, (size_t)m * sizeof *r);
    assert_int_equal(cf_rating_update(r, ranks, n, p, err, sizeof err), -1);
    assert_true(err[0] != '\0');
    if (m > 0)
        assert_memory_equal(copy, r, (size_t)m * sizeof *r);
    /* no buffer for the message is fine too */
    assert_int_equal(cf_rating_update(r, ranks, n, p, NULL, 0), -1);
}

static void bad_input_refused(void **state)
{
    (void)state;
    cf_rating r[CF_RATING_MAX_PLAYERS + 1];
    int ranks[CF_RATING_MAX_PLAYERS + 1];
    for (int i = 0; i <= CF_RATING_MAX_PLAYERS; i++) {
        r[i] = cf_rating_initial(NULL);
        ranks[i] = i;
    }
    expect_refused(NULL, ranks, 2, NULL);
    expect_refused(r, NULL, 2, NULL);
    expect_refused(r, ranks, 1, NULL);
    expect_refused(r, ranks, 0, NULL);
    expect_refused(r, ranks, -3, NULL);
    expect_refused(r, ranks, CF_RATING_MAX_PLAYERS + 1, NULL);

    const double bad_mu[] = {NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < 3; i++) {
        r[1].mu = bad_mu[i];
        expect_refused(r, ranks, 3, NULL);
        r[1] = cf_rating_initial(NULL);
    }
    const double bad_sigma[] = {0.0, -1.0, NAN, INFINITY, 1e300, 1e-300};
    for (size_t i = 0; i < sizeof bad_sigma / sizeof bad_sigma[0]; i++) {
        cf_rating_params no_drift = cf_rating_defaults();
        no_drift.tau = 0.0; /* so that 1e-300 squared is 0 */
        r[2].sigma = bad_sigma[i];
        expect_refused(r, ranks, 3, &no_drift);
        r[2] = cf_rating_initial(NULL);
    }

    cf_rating_params p = cf_rating_defaults();
    p.beta = 0.0;
    expect_refused(r, ranks, 2, &p);
    p = cf_rating_defaults();
    p.beta = NAN;
    expect_refused(r, ranks, 2, &p);
    p = cf_rating_defaults();
    p.tau = -0.1;
    expect_refused(r, ranks, 2, &p);
    p = cf_rating_defaults();
    p.draw_probability = 1.0;
    expect_refused(r, ranks, 2, &p);
    p = cf_rating_defaults();
    p.draw_probability = -0.01;
    expect_refused(r, ranks, 2, &p);
    p = cf_rating_defaults();
    p.draw_probability = NAN;
    expect_refused(r, ranks, 2, &p);
    p = cf_rating_defaults();
    p.sigma0 = 0.0;
    expect_refused(r, ranks, 2, &p);

    /* a draw the model says cannot happen */
    p = cf_rating_defaults();
    p.draw_probability = 0.0;
    expect_refused(r, (const int[]){1, 1}, 2, &p);
    assert_int_equal(cf_rating_update(r, (const int[]){1, 2}, 2, &p, NULL, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(python_1vs1_upset),
        cmocka_unit_test(python_1vs1_defaults),
        cmocka_unit_test(python_1vs1_draw),
        cmocka_unit_test(moser_massive_upset_draw),
        cmocka_unit_test(moser_chess),
        cmocka_unit_test(moser_three_not_drawn),
        cmocka_unit_test(moser_three_drawn),
        cmocka_unit_test(moser_four_not_drawn),
        cmocka_unit_test(moser_five_not_drawn),
        cmocka_unit_test(moser_eight_drawn),
        cmocka_unit_test(moser_eight_upset),
        cmocka_unit_test(moser_sixteen_not_drawn),
        cmocka_unit_test(two_players_match_closed_form),
        cmocka_unit_test(alice_bob_chris_darren),
        cmocka_unit_test(random_fights_properties),
        cmocka_unit_test(extremes_stay_finite),
        cmocka_unit_test(defaults_and_conservative),
        cmocka_unit_test(bad_input_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
