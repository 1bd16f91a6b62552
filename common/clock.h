/*
 * clock.h — the monotonic clock, the one way every program reads time spans.
 *
 * CLOCK_MONOTONIC never jumps with the wall clock (NTP, an operator's
 * `date -s`), so deadlines, timeouts and elapsed times use it; a wall-clock
 * timestamp for people (logs, the database) comes from elsewhere.
 */
#ifndef CF_CLOCK_H
#define CF_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t cf_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline int64_t cf_now_ms(void)
{
    return cf_now_us() / 1000;
}

#endif
