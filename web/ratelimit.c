/*
 * ratelimit.c — fixed-window attempt counters, in memory, for log-in,
 * sign-up and password reset.
 *
 * A small open-addressed table keyed by a string ("login:user:alice",
 * "login:ip:127.0.0.1"); a slot whose window has passed is reused. The table
 * is bounded, so a flood of distinct keys evicts old ones instead of growing
 * memory: a limiter that can be exhausted is better than one that can crash
 * the service. One process is the unit of limiting (cf-web has one).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "web.h"

#define SLOTS 4096
#define KEY_MAX 96
#define PROBES 8

typedef struct slot {
    char key[KEY_MAX];
    int64_t start; /* the window's start, in monotonic seconds */
    int count;
} slot;

static slot table[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t now_s(void)
{
    return cf_now_ms() / 1000;
}

/* Returns the slot of key (fresh when its window passed); lock held. */
static slot *find(const char *key, int window_s, int64_t now)
{
    uint32_t h = web_hash(key);
    slot *victim = NULL;

    for (int i = 0; i < PROBES; i++) {
        slot *s = &table[(h + (uint32_t)i) % SLOTS];

        if (strncmp(s->key, key, KEY_MAX - 1) == 0 && s->key[0] != '\0') {
            if (now - s->start >= window_s) {
                s->start = now;
                s->count = 0;
            }
            return s;
        }
        if (victim == NULL || s->key[0] == '\0' || s->start < victim->start)
            victim = s;
    }
    snprintf(victim->key, KEY_MAX, "%s", key);
    victim->start = now;
    victim->count = 0;
    return victim;
}

static bool check(const char *key, int limit, int window_s, int *retry_after, bool count)
{
    int64_t now = now_s();
    pthread_mutex_lock(&lock);
    slot *s = find(key, window_s, now);
    bool ok = s->count < limit;
    if (count && ok)
        s->count++;
    if (!ok && retry_after != NULL)
        *retry_after = (int)(s->start + window_s - now) + 1;
    pthread_mutex_unlock(&lock);
    return ok;
}

bool ratelimit_hit(const char *key, int limit, int window_s, int *retry_after)
{
    return check(key, limit, window_s, retry_after, true);
}

bool ratelimit_blocked(const char *key, int limit, int window_s, int *retry_after)
{
    return !check(key, limit, window_s, retry_after, false);
}

void ratelimit_reset(const char *key)
{
    uint32_t h = web_hash(key);

    pthread_mutex_lock(&lock);
    for (int i = 0; i < PROBES; i++) {
        slot *s = &table[(h + (uint32_t)i) % SLOTS];

        if (strncmp(s->key, key, KEY_MAX - 1) == 0)
            s->count = 0;
    }
    pthread_mutex_unlock(&lock);
}
