/*
 * bench_ladder.c — cf-bench-ladder: does the ladder's order converge?
 *
 * Issue 18's evidence for its rating (common/rating.h, TrueSkill): a
 * seeded ladder of synthetic bots whose true strengths are known, no
 * sandbox and no services. Each game:
 *
 *  1. the matchmaker takes the bot with the fewest games (ties at random)
 *     and opponents near it on the ladder (ordered by mu - 3 sigma): each
 *     drawn at random from the --window places above and below it (twice
 *     as far while none fits; 0: from anywhere, the baseline), never one it
 *     or they met in their last game (never the same pairing twice in a
 *     row);
 *  2. a game is 2 players, or with probability --ffa a free-for-all of 3
 *     to 6; each player performs its strength plus Gaussian noise of
 *     spread beta (the model's own assumption), the ranks follow the
 *     performances, and neighbours closer than the draw margin draw;
 *  3. cf_rating_update() rates it, and the ladder is re-sorted.
 *
 * At checkpoints (every bot has played N games) it prints Spearman's rank
 * correlation between the ladder and the true strengths, by mu - 3 sigma
 * and by mu alone, and the mean sigma. Then the time one update takes, by
 * number of players, from fixed random fights replayed in a loop.
 *
 *   cf-bench-ladder [--bots 1000] [--seed 1] [--games 40] [--ffa 0.2] [--window 10]
 *
 * Deterministic for a seed. Never run by ctest: see bench/README.md.
 */
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rating.h"

#define MAX_GAME 6 /* players of the largest free-for-all */
/* Enough bots that a game of 6 always finds players it did not just meet. */
#define MIN_BOTS 64

/* ---- a seeded generator (xoshiro256**, seeded by splitmix64) ---------- */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static void rng_seed(rng *g, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        g->s[i] = z ^ (z >> 31);
    }
}

static uint64_t rng_next(rng *g)
{
    uint64_t result = rotl(g->s[1] * 5, 7) * 9, t = g->s[1] << 17;
    g->s[2] ^= g->s[0];
    g->s[3] ^= g->s[1];
    g->s[1] ^= g->s[2];
    g->s[0] ^= g->s[3];
    g->s[2] ^= t;
    g->s[3] = rotl(g->s[3], 45);
    return result;
}

static double rng_uniform(rng *g) /* [0, 1) */
{
    return (double)(rng_next(g) >> 11) * 0x1.0p-53;
}

static int rng_below(rng *g, int n) /* [0, n) */
{
    return (int)(rng_uniform(g) * n);
}

static double rng_normal(rng *g) /* Box-Muller */
{
    double u = 1.0 - rng_uniform(g), v = rng_uniform(g);
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* ---- the ladder --------------------------------------------------------- */

typedef struct bot {
    double strength; /* the truth the ladder should find */
    cf_rating r;
    int games;
    int last[MAX_GAME - 1]; /* whom it met in its last game */
    int n_last;
} bot;

typedef struct ladder {
    bot *bots;
    int n;
    int *order; /* bot ids, best mu - 3 sigma first */
    int *place; /* place[id]: where the bot stands in order */
} ladder;

static double ladder_value(const ladder *l, int id)
{
    return cf_rating_conservative(l->bots[id].r);
}

/* Moves bot id to its place after its rating changed (insertion). */
static void ladder_resort(ladder *l, int id)
{
    int p = l->place[id];
    double v = ladder_value(l, id);
    while (p > 0 && ladder_value(l, l->order[p - 1]) < v) {
        l->order[p] = l->order[p - 1];
        l->place[l->order[p]] = p;
        p--;
    }
    while (p < l->n - 1 && ladder_value(l, l->order[p + 1]) > v) {
        l->order[p] = l->order[p + 1];
        l->place[l->order[p]] = p;
        p++;
    }
    l->order[p] = id;
    l->place[id] = p;
}

/* ---- the matchmaker ----------------------------------------------------- */

static int fewest_games(const ladder *l, rng *g)
{
    int best = -1, ties = 0;
    for (int i = 0; i < l->n; i++) {
        if (best >= 0 && l->bots[i].games > l->bots[best].games)
            continue;
        if (best < 0 || l->bots[i].games < l->bots[best].games) {
            best = i;
            ties = 1;
        } else if (rng_below(g, ++ties) == 0) { /* reservoir: uniform among ties */
            best = i;
        }
    }
    return best;
}

static bool met_last(const bot *a, int b)
{
    for (int i = 0; i < a->n_last; i++)
        if (a->last[i] == b)
            return true;
    return false;
}

/* Can c join the players chosen so far? */
static bool fits(const ladder *l, const int *chosen, int n, int c)
{
    for (int i = 0; i < n; i++)
        if (chosen[i] == c || met_last(&l->bots[chosen[i]], c) || met_last(&l->bots[c], chosen[i]))
            return false;
    return true;
}

/* players[0..size): the seed, then opponents near it on the ladder. */
static void matchmake(const ladder *l, rng *g, int window, int seed, int size, int *players)
{
    players[0] = seed;
    int n = 1, tries = 0;
    while (n < size) {
        int p = window == 0 ? rng_below(g, l->n)
                            : l->place[seed] + rng_below(g, 2 * window + 1) - window;
        if (p >= 0 && p < l->n && fits(l, players, n, l->order[p])) {
            players[n++] = l->order[p];
            continue;
        }
        if (window > 0 && ++tries == 8 * window) { /* nobody fits here: look further */
            window *= 2;
            tries = 0;
        }
    }
}

/* ---- a game -------------------------------------------------------------- */

/* Ranks from performances: strength plus noise; neighbours within the
 * draw margin draw. */
static void play(const ladder *l, rng *g, const int *players, int size, double beta, double margin,
                 int *ranks)
{
    double perf[MAX_GAME] = {0};
    int by_perf[MAX_GAME] = {0};
    for (int i = 0; i < size; i++) {
        perf[i] = l->bots[players[i]].strength + beta * rng_normal(g);
        int j = i;
        while (j > 0 && perf[by_perf[j - 1]] < perf[i]) {
            by_perf[j] = by_perf[j - 1];
            j--;
        }
        by_perf[j] = i;
    }
    ranks[by_perf[0]] = 0;
    for (int k = 1; k < size; k++) {
        bool draw = perf[by_perf[k - 1]] - perf[by_perf[k]] < margin;
        ranks[by_perf[k]] = draw ? ranks[by_perf[k - 1]] : k;
    }
}

static void remember(ladder *l, const int *players, int size)
{
    for (int i = 0; i < size; i++) {
        bot *b = &l->bots[players[i]];
        b->n_last = 0;
        for (int j = 0; j < size; j++)
            if (j != i)
                b->last[b->n_last++] = players[j];
    }
}

/* ---- Spearman's rank correlation ------------------------------------------ */

typedef struct keyed {
    double key;
    int id;
} keyed;

static int by_key(const void *a, const void *b)
{
    double x = ((const keyed *)a)->key, y = ((const keyed *)b)->key;
    return (x > y) - (x < y);
}

/* rank[i] of value[i], ties given their mean rank. */
static void ranks_of(const double *value, int n, keyed *scratch, double *rank)
{
    for (int i = 0; i < n; i++)
        scratch[i] = (keyed){value[i], i};
    qsort(scratch, (size_t)n, sizeof *scratch, by_key);
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && scratch[j + 1].key == scratch[i].key)
            j++;
        for (int k = i; k <= j; k++)
            rank[scratch[k].id] = (i + j) / 2.0;
        i = j + 1;
    }
}

static double pearson(const double *x, const double *y, int n)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    for (int i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0.0;
}

typedef struct stats {
    keyed *scratch;
    double *value, *rank, *truth_rank;
} stats;

static double spearman(const ladder *l, stats *s, bool conservative)
{
    for (int i = 0; i < l->n; i++)
        s->value[i] = conservative ? cf_rating_conservative(l->bots[i].r) : l->bots[i].r.mu;
    ranks_of(s->value, l->n, s->scratch, s->rank);
    return pearson(s->rank, s->truth_rank, l->n);
}

/* ---- timing ---------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The time of one update of size players: 256 random fights (ratings as
 * on a ladder, some ties) replayed until 0.2 s have passed. */
static int time_updates(rng *g, int size, double *us)
{
    enum { FIGHTS = 256 };
    static cf_rating start[FIGHTS][CF_RATING_MAX_PLAYERS];
    static int ranks[FIGHTS][CF_RATING_MAX_PLAYERS];
    for (int f = 0; f < FIGHTS; f++)
        for (int i = 0; i < size; i++) {
            start[f][i] = (cf_rating){25.0 + 8.0 * rng_normal(g), 1.0 + 7.0 * rng_uniform(g)};
            ranks[f][i] = rng_below(g, size);
        }
    long done = 0;
    double t0 = now_s(), t;
    do {
        for (int f = 0; f < FIGHTS; f++) {
            cf_rating r[CF_RATING_MAX_PLAYERS];
            memcpy(r, start[f], sizeof r);
            char err[128];
            if (cf_rating_update(r, ranks[f], size, NULL, err, sizeof err) != 0) {
                fprintf(stderr, "cf-bench-ladder: %s\n", err);
                return -1;
            }
        }
        done += FIGHTS;
        t = now_s() - t0;
    } while (t < 0.2);
    *us = t / done * 1e6;
    return 0;
}

/* ---- the run ---------------------------------------------------------------- */

typedef struct options {
    int bots;
    uint64_t seed;
    int games;
    double ffa;
    int window;
} options;

static int parse(int argc, char **argv, options *o)
{
    static const struct option longs[] = {
        {"bots", required_argument, NULL, 'b'},   {"seed", required_argument, NULL, 's'},
        {"games", required_argument, NULL, 'g'},  {"ffa", required_argument, NULL, 'f'},
        {"window", required_argument, NULL, 'w'}, {NULL, 0, NULL, 0}};
    *o = (options){.bots = 1000, .seed = 1, .games = 40, .ffa = 0.2, .window = 10};
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'b': o->bots = (int)strtol(optarg, &end, 10); break;
        case 's': o->seed = strtoull(optarg, &end, 10); break;
        case 'g': o->games = (int)strtol(optarg, &end, 10); break;
        case 'f': o->ffa = strtod(optarg, &end); break;
        case 'w': o->window = (int)strtol(optarg, &end, 10); break;
        default: return -1;
        }
        if (*end != '\0')
            return -1;
    }
    if (optind != argc || o->bots < MIN_BOTS || o->bots > 1000000 || o->games < 1 ||
        o->games > 10000 || !(o->ffa >= 0.0 && o->ffa <= 1.0) || o->window < 0 ||
        o->window > o->bots)
        return -1;
    return 0;
}

/* The draw margin of two players: Phi^-1((P+1)/2) sqrt(2) beta, by
 * bisection (this program's own, not the library's). */
static double draw_margin(const cf_rating_params *p)
{
    double lo = 0.0, hi = 10.0, q = (p->draw_probability + 1.0) / 2.0;
    for (int i = 0; i < 100; i++) {
        double mid = (lo + hi) / 2.0;
        if (0.5 * erfc(-mid / sqrt(2.0)) < q)
            lo = mid;
        else
            hi = mid;
    }
    return lo * sqrt(2.0) * p->beta;
}

static int run(const options *o, ladder *l, stats *s, rng *g)
{
    const cf_rating_params p = cf_rating_defaults();
    const double margin = draw_margin(&p);
    const int checkpoints[] = {1, 2, 5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10000};
    size_t next = 0;
    long played = 0, by_size[MAX_GAME + 1] = {0}, draws = 0;
    double rating_s = 0.0;

    printf("%d bots, seed %llu, strengths N(25, 8.33^2), performance noise beta = %.3f, "
           "draw margin %.3f, %.0f%% of games free-for-all of 3 to 6; opponents %s\n\n",
           o->bots, (unsigned long long)o->seed, p.beta, margin, o->ffa * 100.0,
           o->window > 0 ? "near on the ladder" : "from anywhere (--window 0)");
    printf("%9s %9s %9s %14s %10s %9s %10s\n", "games/bot", "mean", "games", "spearman mu-3s",
           "spearman mu", "mean sigma", "rating ms");
    for (;;) {
        int seed = fewest_games(l, g);
        int least = l->bots[seed].games;
        while (next < sizeof checkpoints / sizeof checkpoints[0] && checkpoints[next] <= least) {
            double mean_sigma = 0.0, mean_games = 0.0;
            for (int i = 0; i < l->n; i++) {
                mean_sigma += l->bots[i].r.sigma / l->n;
                mean_games += (double)l->bots[i].games / l->n;
            }
            printf("%9d %9.1f %9ld %14.4f %10.4f %9.3f %10.1f\n", checkpoints[next], mean_games,
                   played, spearman(l, s, true), spearman(l, s, false), mean_sigma, rating_s * 1e3);
            next++;
        }
        if (least >= o->games)
            break;

        int size = rng_uniform(g) < o->ffa ? 3 + rng_below(g, MAX_GAME - 2) : 2;
        int players[MAX_GAME], ranks[MAX_GAME];
        matchmake(l, g, o->window, seed, size, players);
        play(l, g, players, size, p.beta, margin, ranks);

        cf_rating r[MAX_GAME];
        for (int i = 0; i < size; i++)
            r[i] = l->bots[players[i]].r;
        char err[128];
        double t0 = now_s();
        if (cf_rating_update(r, ranks, size, &p, err, sizeof err) != 0) {
            fprintf(stderr, "cf-bench-ladder: game %ld: %s\n", played, err);
            return -1;
        }
        rating_s += now_s() - t0;

        for (int i = 0; i < size; i++) {
            l->bots[players[i]].r = r[i];
            l->bots[players[i]].games++;
            ladder_resort(l, players[i]);
            for (int j = i + 1; j < size; j++)
                draws += ranks[i] == ranks[j];
        }
        remember(l, players, size);
        played++;
        by_size[size]++;
    }
    printf("\n%ld games: %ld of 2 players, %ld of 3, %ld of 4, %ld of 5, %ld of 6; %ld drawn "
           "pairs; cf_rating_update %.2f us a game on average (timer included)\n",
           played, by_size[2], by_size[3], by_size[4], by_size[5], by_size[6], draws,
           rating_s / played * 1e6);
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    if (parse(argc, argv, &o) != 0) {
        fprintf(stderr,
                "usage: cf-bench-ladder [--bots N >= %d] [--seed S] [--games G] "
                "[--ffa FRACTION] [--window PLACES]\n",
                MIN_BOTS);
        return 2;
    }
    rng g;
    rng_seed(&g, o.seed);

    ladder l = {.n = o.bots};
    stats s = {0};
    l.bots = calloc((size_t)o.bots, sizeof *l.bots);
    l.order = calloc((size_t)o.bots, sizeof *l.order);
    l.place = calloc((size_t)o.bots, sizeof *l.place);
    s.scratch = calloc((size_t)o.bots, sizeof *s.scratch);
    s.value = calloc((size_t)o.bots, sizeof *s.value);
    s.rank = calloc((size_t)o.bots, sizeof *s.rank);
    s.truth_rank = calloc((size_t)o.bots, sizeof *s.truth_rank);
    int rc = 1;
    if (l.bots == NULL || l.order == NULL || l.place == NULL || s.scratch == NULL ||
        s.value == NULL || s.rank == NULL || s.truth_rank == NULL) {
        fprintf(stderr, "cf-bench-ladder: out of memory\n");
        goto out;
    }
    for (int i = 0; i < o.bots; i++) {
        l.bots[i] =
            (bot){.strength = 25.0 + 25.0 / 3.0 * rng_normal(&g), .r = cf_rating_initial(NULL)};
        l.order[i] = l.place[i] = i;
        s.value[i] = l.bots[i].strength;
    }
    ranks_of(s.value, o.bots, s.scratch, s.truth_rank);

    if (run(&o, &l, &s, &g) != 0)
        goto out;

    printf("\none update, by players (fixed random fights replayed, %s):\n",
#ifdef __OPTIMIZE__
           "optimised build"
#else
           "UNOPTIMISED build: use a Release or RelWithDebInfo build for figures"
#endif
    );
    const int sizes[] = {2, 3, 4, 6, 8, 16};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        double us;
        if (time_updates(&g, sizes[i], &us) != 0)
            goto out;
        printf("  %2d players: %7.2f us\n", sizes[i], us);
    }
    rc = 0;
out:
    free(l.bots);
    free(l.order);
    free(l.place);
    free(s.scratch);
    free(s.value);
    free(s.rank);
    free(s.truth_rank);
    return rc;
}
