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
#include <time.h>

#include "web.h"

#define SLOTS 1024
#define KEY_MAX 256
#define VALUE_MAX (256 * 1024)

typedef struct entry {
    char key[KEY_MAX];
    char *data;
    size_t len;
    struct timespec expires;
} entry;

static entry slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

char *cache_get(const char *key, size_t *len)
{
    entry *e = &slots[web_hash(key) % SLOTS];
    struct timespec now;
    char *copy = NULL;

    if (strlen(key) >= KEY_MAX)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&lock);
    if (e->data != NULL && strcmp(e->key, key) == 0 && before(&now, &e->expires)) {
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
    entry *e = &slots[web_hash(key) % SLOTS];
    char *copy;
    struct timespec exp;

    if (strlen(key) >= KEY_MAX || len > VALUE_MAX || (copy = malloc(len + 1)) == NULL)
        return;
    memcpy(copy, data, len);
    copy[len] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &exp);
    exp.tv_sec += ttl_ms / 1000;
    exp.tv_nsec += (long)(ttl_ms % 1000) * 1000000L;
    if (exp.tv_nsec >= 1000000000L) {
        exp.tv_sec++;
        exp.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&lock);
    free(e->data);
    strcpy(e->key, key);
    e->data = copy;
    e->len = len;
    e->expires = exp;
    pthread_mutex_unlock(&lock);
}
