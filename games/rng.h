/*
 * rng.h — the seeded PRNG every game draws from (xoshiro256**, seeded with
 * splitmix64), so a fight replays exactly from its seed.
 */
#ifndef CF_RNG_H
#define CF_RNG_H

#include <stdint.h>

typedef struct cf_rng {
    uint64_t s[4];
} cf_rng;

void cf_rng_seed(cf_rng *rng, uint64_t seed);
uint64_t cf_rng_next(cf_rng *rng);
/* Uniform integer in [0, bound), bound > 0, without modulo bias. */
uint64_t cf_rng_below(cf_rng *rng, uint64_t bound);

#endif
