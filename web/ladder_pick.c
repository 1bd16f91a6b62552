/*
 * ladder_pick.c — which two entries of a game's ladder fight next.
 *
 * Fewest games first, so every entry's rating becomes known at the same
 * pace and a new version catches up; among equals the one that waited
 * longest, then chance. Its opponent comes from the few entries nearest to
 * it in mu - 3 sigma, at random among them: close fights say most about a
 * rating (docs/ladder.md, the bench's --window), and chance keeps the
 * ladder from pairing the same neighbours for ever. A pairing is never
 * the latest fight of either of the two while another opponent exists, and
 * two versions of one bot never meet (the schema allows one current entry
 * per bot; this holds whatever the caller passes).
 */
#include "ladder_pick.h"

#include <math.h>
#include <stddef.h>

#define MAX_NEAR 32

uint64_t ladder_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform enough in [0, n) for n this small. */
static int below(uint64_t *rng, int n)
{
    return (int)(ladder_random(rng) % (uint64_t)n);
}

static bool can_meet(const ladder_candidate *a, const ladder_candidate *b)
{
    return a != b && a->active && b->active && a->bot_id != b->bot_id;
}

static double conservative(const ladder_candidate *e)
{
    return e->mu - 3.0 * e->sigma;
}

/* <0: a plays before b; 0: equal. */
static int first_order(const ladder_candidate *a, const ladder_candidate *b)
{
    if (a->games != b->games)
        return a->games < b->games ? -1 : 1;
    if (a->last_fight_at != b->last_fight_at)
        return a->last_fight_at < b->last_fight_at ? -1 : 1;
    return 0;
}

/* The active entry that plays next, of those that have an opponent; -1
 * none. An entry has one unless every active entry is of its bot: one
 * active bot (some_bot) and whether there is a second is all it takes. */
static int pick_first(const ladder_candidate *c, int n, uint64_t *rng)
{
    int some = -1;
    bool two_bots = false;
    for (int i = 0; i < n; i++) {
        if (!c[i].active)
            continue;
        if (some < 0)
            some = i;
        else if (c[i].bot_id != c[some].bot_id)
            two_bots = true;
    }
    if (!two_bots)
        return -1;
    int best = -1, ties = 0;
    for (int i = 0; i < n; i++) {
        if (!c[i].active)
            continue;
        int cmp = best < 0 ? -1 : first_order(&c[i], &c[best]);
        if (cmp < 0) {
            best = i;
            ties = 1;
        } else if (cmp == 0 && below(rng, ++ties) == 0) {
            best = i; /* each of the equal ones with the same chance */
        }
    }
    return best;
}

/* Did f and o meet in the latest fight of either? */
static bool met_last(const ladder_candidate *f, const ladder_candidate *o)
{
    return o->version_id == f->last_opponent || o->last_opponent == f->version_id;
}

/* Its opponent: at random among the `near` nearest that may meet it,
 * leaving out those whose latest fight, or its own, was against each
 * other, when anyone else may. */
static int pick_opponent(const ladder_candidate *c, int n, int first, int near, uint64_t *rng)
{
    const ladder_candidate *f = &c[first];
    bool someone_new = false;
    for (int j = 0; j < n && !someone_new; j++)
        someone_new = can_meet(f, &c[j]) && !met_last(f, &c[j]);
    if (near < 1)
        near = 1;
    if (near > MAX_NEAR)
        near = MAX_NEAR;
    int nearest[MAX_NEAR], k = 0;
    double dist[MAX_NEAR];
    for (int j = 0; j < n; j++) {
        if (!can_meet(f, &c[j]) || (someone_new && met_last(f, &c[j])))
            continue;
        double d = fabs(conservative(&c[j]) - conservative(f));
        if (k == near && !(d < dist[k - 1]))
            continue;
        /* insertion into the k nearest so far, kept sorted */
        int at = k < near ? k++ : k - 1;
        while (at > 0 && dist[at - 1] > d) {
            nearest[at] = nearest[at - 1];
            dist[at] = dist[at - 1];
            at--;
        }
        nearest[at] = j;
        dist[at] = d;
    }
    return k == 0 ? -1 : nearest[below(rng, k)];
}

int ladder_pick(const ladder_candidate *c, int n, int near, uint64_t *rng, int out[2])
{
    if (c == NULL || n < 2 || rng == NULL || out == NULL)
        return 0;
    int first = pick_first(c, n, rng);
    if (first < 0)
        return 0;
    int opponent = pick_opponent(c, n, first, near, rng);
    if (opponent < 0)
        return 0;
    out[0] = first;
    out[1] = opponent;
    return 2;
}
