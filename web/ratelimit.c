/*
 * ratelimit.c — fixed-window attempt counters, in memory, for log-in,
 * sign-up, password changes and resets, and the arcade's plays.
 *
 * A bounded open-addressed table keyed by a string ("login:ip:192.0.2.7").
 * Two rules make it a limiter an attacker cannot wipe:
 *   - A counter still inside its window is never evicted. A new key takes an
 *     empty slot or one whose window has passed among its probes; when there
 *     is none, the attempt is refused (fail closed) and Retry-After says when
 *     the first of those slots frees. Memory stays bounded (SLOTS), and a
 *     flood of keys costs the flooder, not the victims' counters.
 *   - The slot hash is SipHash (libsodium's crypto_shorthash) under a key
 *     drawn at random once per process, so which keys share probes cannot be
 *     computed offline.
 * One process is the unit of limiting (cf-web has one).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "clock.h"
#include "web.h"

#define SLOTS 16384
#define KEY_MAX 128
#define PROBES 16

typedef struct slot {
    char key[KEY_MAX];
    int64_t start; /* the window's start, in monotonic seconds */
    int window_s;  /* its length: the slot is free from start + window_s */
    int count;
} slot;

static slot table[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char hash_key[crypto_shorthash_KEYBYTES];
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;

static void hash_init(void)
{
    randombytes_buf(hash_key, sizeof hash_key);
}

static uint32_t slot_hash(const char *key)
{
    unsigned char out[crypto_shorthash_BYTES];
    uint32_t h;

    pthread_once(&hash_once, hash_init);
    crypto_shorthash(out, (const unsigned char *)key, strnlen(key, KEY_MAX - 1), hash_key);
    memcpy(&h, out, sizeof h);
    return h;
}

static int64_t now_s(void)
{
    return cf_now_ms() / 1000;
}

static bool expired(const slot *s, int64_t now)
{
    return s->key[0] == '\0' || now - s->start >= s->window_s;
}

/* The slot of key, its window restarted when it had passed; lock held.
 * Absent: a free slot claimed for it when insert, else NULL. NULL too when
 * the probes hold only live counters of other keys; *free_in then says
 * when the first of them frees. */
static slot *find(const char *key, int window_s, int64_t now, bool insert, int *free_in)
{
    uint32_t h = slot_hash(key);
    slot *spare = NULL;
    int64_t soonest = INT64_MAX;

    for (int i = 0; i < PROBES; i++) {
        slot *s = &table[(h + (uint32_t)i) % SLOTS];

        if (s->key[0] != '\0' && strncmp(s->key, key, KEY_MAX - 1) == 0) {
            if (now - s->start >= s->window_s) {
                s->start = now;
                s->window_s = window_s;
                s->count = 0;
            }
            return s;
        }
        if (expired(s, now)) {
            if (spare == NULL)
                spare = s;
        } else if (s->start + s->window_s - now < soonest) {
            soonest = s->start + s->window_s - now;
        }
    }
    if (spare == NULL) {
        *free_in = (int)soonest;
        return NULL;
    }
    if (!insert) {
        *free_in = 0;
        return NULL;
    }
    snprintf(spare->key, KEY_MAX, "%s", key);
    spare->start = now;
    spare->window_s = window_s;
    spare->count = 0;
    return spare;
}

static bool check(const char *key, int limit, int window_s, int *retry_after, bool count)
{
    int64_t now = now_s();
    int free_in = 0;
    bool ok;

    pthread_mutex_lock(&lock);
    slot *s = find(key, window_s, now, count, &free_in);
    if (s == NULL) {
        /* Absent and there is room: nothing counted yet. No room: closed. */
        ok = free_in == 0;
        if (!ok && retry_after != NULL)
            *retry_after = free_in + 1;
    } else {
        ok = s->count < limit;
        if (count && ok)
            s->count++;
        if (!ok && retry_after != NULL)
            *retry_after = (int)(s->start + s->window_s - now) + 1;
    }
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
    uint32_t h = slot_hash(key);

    pthread_mutex_lock(&lock);
    for (int i = 0; i < PROBES; i++) {
        slot *s = &table[(h + (uint32_t)i) % SLOTS];

        if (s->key[0] != '\0' && strncmp(s->key, key, KEY_MAX - 1) == 0)
            s->count = 0;
    }
    pthread_mutex_unlock(&lock);
}
