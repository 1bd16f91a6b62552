/*
 * cache.c — a small shared cache of finished JSON answers, for anonymous
 * readers of the hottest pages (a finished fight, the public fights list).
 *
 * Only answers that are the same for every anonymous visitor go in, each
 * with a short time to live, so staleness is bounded by the TTL and nothing
 * needs invalidating: a finished fight changes no more, and a list one
 * second old is as good as new. Fixed number of slots, replaced by hash;
 * a copy goes out under the lock, so entries are never shared.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "web.h"

#define SLOTS 1024
#define KEY_MAX 256
#define VALUE_MAX (256 * 1024)

typedef struct entry {
    char key[KEY_MAX];
    char *data;
    size_t len;
    int64_t expires_ms; /* cf_now_ms() past which the entry is stale */
} entry;

static entry slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

char *cache_get(const char *key, size_t *len)
{
    if (strlen(key) >= KEY_MAX)
        return NULL;
    entry *e = &slots[web_hash(key) % SLOTS];
    int64_t now_ms = cf_now_ms();
    char *copy = NULL;
    pthread_mutex_lock(&lock);
    if (e->data != NULL && strcmp(e->key, key) == 0 && now_ms < e->expires_ms) {
        copy = malloc(e->len + 1);
        if (copy != NULL) {
            memcpy(copy, e->data, e->len + 1);
            *len = e->len;
        }
    }
    pthread_mutex_unlock(&lock);
    return copy;
}

void cache_put(const char *key, const char *data, size_t len, int ttl_ms)
{
    if (strlen(key) >= KEY_MAX || len > VALUE_MAX)
        return;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return;
    memcpy(copy, data, len);
    copy[len] = '\0';
    entry *e = &slots[web_hash(key) % SLOTS];
    int64_t expires_ms = cf_now_ms() + ttl_ms;
    pthread_mutex_lock(&lock);
    free(e->data);
    strcpy(e->key, key);
    e->data = copy;
    e->len = len;
    e->expires_ms = expires_ms;
    pthread_mutex_unlock(&lock);
}
