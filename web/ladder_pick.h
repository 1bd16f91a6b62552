/*
 * ladder_pick.h — the ladder scheduler's choice of a fight, alone: no I/O,
 * no clock, no global state, so it is tested by itself (unit.ladder_pick).
 *
 * The scheduler (ladder_scheduler.c) reads a game's active entries from
 * PostgreSQL into ladder_candidate rows and asks ladder_pick() for the
 * two that fight next (docs/ladder.md, "The scheduler").
 */
#ifndef CF_LADDER_PICK_H
#define CF_LADDER_PICK_H

#include <stdbool.h>
#include <stdint.h>

/* One entry of a game's ladder (a row of ladder_entries). */
typedef struct ladder_candidate {
    long long version_id;    /* ladder_entries.bot_version_id */
    long long bot_id;        /* two versions of one bot never meet */
    bool active;             /* only active entries are picked */
    double mu, sigma;        /* the rating; near means near in mu - 3 sigma */
    int games;               /* rated games, plus its ladder fights still going on */
    double last_fight_at;    /* seconds since the epoch of its latest ladder fight; 0: none */
    long long last_opponent; /* the version it met in that fight; 0: none */
} ladder_candidate;

/* How many of the nearest opponents the random choice is among. */
#define LADDER_PICK_NEAR 4

/* The next fight among c[0..n-1]: out[0] the entry that has played least
 * (ties: the oldest latest fight, then at random), out[1] its opponent, at
 * random among the `near` active entries of other bots nearest to it in
 * mu - 3 sigma, never one whose latest fight or its own was between the
 * two while another can play. *rng is the random state (any value; advanced). Returns 2, or 0
 * when no two entries can meet (fewer than two active bots). */
int ladder_pick(const ladder_candidate *c, int n, int near, uint64_t *rng, int out[2]);

/* The random generator ladder_pick uses (splitmix64): the next value. */
uint64_t ladder_random(uint64_t *state);

#endif
