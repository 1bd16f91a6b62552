/*
 * cache.c — a small shared cache of finished JSON answers, for anonymous
 * readers of the hottest pages (a finished fight, the public fights list).
 *
 * Only answers that are the same for every reader of them go in (a public
 * list looks the same logged in and out; an ended fight's row in any
 * list), each with a short time to live, so staleness is bounded by the
 * TTL: a finished fight changes no more (but for a bot's new name), and a
 * list one second old is as good as new. A change of fights, bots or
 * users made through this process (router.c's R_FIGHTS routes) empties
 * the cache at once, so whoever made it reads it back: entries carry the
 * epoch they were read in, the change moves the epoch, and an answer read
 * before the change is not stored after it. A copy goes out under the
 * lock, so entries are never shared.
 *
 * A fixed number of entries in sets of WAYS, a key's set chosen by its
 * hash: a new entry takes its key's own place, else a free or stale one
 * of the set, else the one that expires first. With one entry a hash
 * (as before) two keys of one page could share it and push each other out
 * at every request: 20 rows in 1,024 places collide about one page in six,
 * and each such page read its evicted row again, planned anew (page 50 of
 * a user's fights went from about 4,200 to 1,900 requests/s when it
 * happened, docs/performance.md). Four ways make that rare.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "web.h"

#define SLOTS 1024
#define WAYS 4
#define SETS (SLOTS / WAYS)
#define KEY_MAX 256
#define VALUE_MAX (256 * 1024)

typedef struct entry {
    char key[KEY_MAX];
    char *data;
    size_t len;
    int64_t expires_ms; /* cf_now_ms() past which the entry is stale */
    uint64_t epoch;     /* the epoch it was read in */
} entry;

static entry slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t epoch; /* moved by every change (cache_forget_all) */

uint64_t cache_epoch(void)
{
    pthread_mutex_lock(&lock);
    uint64_t e = epoch;
    pthread_mutex_unlock(&lock);
    return e;
}

void cache_forget_all(void)
{
    pthread_mutex_lock(&lock);
    epoch++;
    pthread_mutex_unlock(&lock);
}

void cache_row_key(char key[CACHE_ROW_KEY_MAX], const char *kind, const char *id,
                   const char *version, const char *more)
{
    if (version == NULL)
        snprintf(key, CACHE_ROW_KEY_MAX, "%.20s:%.40s", kind, id);
    else
        snprintf(key, CACHE_ROW_KEY_MAX, "%.20s:%.40s@%.20s.%.20s", kind, id, version, more);
}

/* The WAYS entries key may live in. */
static entry *set_of(const char *key)
{
    return &slots[(web_hash(key) % SETS) * WAYS];
}

/* key's entry in set, or NULL. */
static entry *find(entry *set, const char *key)
{
    for (int i = 0; i < WAYS; i++)
        if (set[i].data != NULL && strcmp(set[i].key, key) == 0)
            return &set[i];
    return NULL;
}

/* Where key goes in set: its own entry, else a free or stale one (expired,
 * or read before a change), else the one that expires first. */
static entry *place_for(entry *set, const char *key, int64_t now_ms)
{
    entry *e = find(set, key), *first = &set[0];
    if (e != NULL)
        return e;
    for (int i = 0; i < WAYS; i++) {
        if (set[i].data == NULL || set[i].epoch != epoch || set[i].expires_ms <= now_ms)
            return &set[i];
        if (set[i].expires_ms < first->expires_ms)
            first = &set[i];
    }
    return first;
}

char *cache_get(const char *key, size_t *len)
{
    if (strlen(key) >= KEY_MAX)
        return NULL;
    int64_t now_ms = cf_now_ms();
    char *copy = NULL;
    pthread_mutex_lock(&lock);
    entry *e = find(set_of(key), key);
    if (e != NULL && e->epoch == epoch && now_ms < e->expires_ms) {
        copy = malloc(e->len + 1);
        if (copy != NULL) {
            memcpy(copy, e->data, e->len + 1);
            *len = e->len;
        }
    }
    pthread_mutex_unlock(&lock);
    return copy;
}

void cache_put(const char *key, const char *data, size_t len, int ttl_ms, uint64_t read_in)
{
    if (strlen(key) >= KEY_MAX || len > VALUE_MAX)
        return;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return;
    memcpy(copy, data, len);
    copy[len] = '\0';
    int64_t now_ms = cf_now_ms();
    pthread_mutex_lock(&lock);
    if (read_in != epoch) { /* read before a change: not kept */
        pthread_mutex_unlock(&lock);
        free(copy);
        return;
    }
    entry *e = place_for(set_of(key), key, now_ms);
    int64_t expires_ms = now_ms + ttl_ms;
    free(e->data);
    strcpy(e->key, key);
    e->data = copy;
    e->len = len;
    e->expires_ms = expires_ms;
    e->epoch = read_in;
    pthread_mutex_unlock(&lock);
}
