/*
 * rng.c — xoshiro256** seeded through splitmix64 (Blackman & Vigna).
 *
 * Every random choice of a game comes from here, so a fight replays exactly
 * from the seed of its report, on any host: no libc rand(), no clock.
 */
#include "rng.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void cf_rng_seed(cf_rng *rng, uint64_t seed)
{
    uint64_t x = seed;
    /* splitmix64 never yields four zero words in a row, the one state
     * xoshiro cannot leave. */
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
}

uint64_t cf_rng_next(cf_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/*
 * Rejection sampling: values below 2^64 mod bound would be drawn once more
 * than the others, so they are thrown away (at most half the range, usually
 * a vanishing fraction).
 */
uint64_t cf_rng_below(cf_rng *rng, uint64_t bound)
{
    if (bound <= 1)
        return 0;
    uint64_t threshold = (0 - bound) % bound; /* == 2^64 mod bound */
    for (;;) {
        uint64_t r = cf_rng_next(rng);
        if (r >= threshold)
            return r % bound;
    }
}
