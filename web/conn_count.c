/*
 * conn_count.c — how many connections cf-web holds, in all and per client
 * address, shared by every worker thread.
 *
 * An IPv4 address counts alone; an IPv6 address counts with its /64, which
 * one client usually holds whole. A trusted proxy's connections
 * (web.trusted_proxies) count only in the total: the clients behind it are
 * the proxy's to limit (the shipped nginx does). The table holds an entry
 * per address with a connection open, so it is bounded by
 * web.max_connections; its hash is keyed SipHash so that addresses cannot
 * be picked to collide.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "web.h"

#define BUCKETS 4096

typedef struct addr_count {
    unsigned char key[16];
    long n;
    struct addr_count *next;
} addr_count;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static addr_count *buckets[BUCKETS];
static long total;
static unsigned char hash_key[crypto_shorthash_KEYBYTES];
static bool keyed;

/* The counting key of a peer: IPv4 as IPv4-mapped IPv6, IPv6 cut to its
 * /64. False for other families (counted in the total only). */
static bool key_of(const struct sockaddr *sa, unsigned char key[16])
{
    memset(key, 0, 16);
    if (sa->sa_family == AF_INET) {
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        const unsigned char *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        memcpy(key, a, memcmp(a, mapped, 12) == 0 ? 16 : 8);
        return true;
    }
    return false;
}

static size_t bucket_of(const unsigned char key[16])
{
    unsigned char h[crypto_shorthash_BYTES];
    uint64_t v;

    crypto_shorthash(h, key, 16, hash_key);
    memcpy(&v, h, sizeof v);
    return (size_t)(v % BUCKETS);
}

/* Under the lock, as everything below. */
static addr_count *find_entry(const unsigned char key[16])
{
    for (addr_count *e = buckets[bucket_of(key)]; e != NULL; e = e->next)
        if (memcmp(e->key, key, 16) == 0)
            return e;
    return NULL;
}

/* The entry of key, created with n = 0 when missing; NULL when out of
 * memory. */
static addr_count *entry_of(const unsigned char key[16])
{
    size_t b = bucket_of(key);
    addr_count *e = find_entry(key);
    if (e != NULL)
        return e;
    e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    memcpy(e->key, key, 16);
    e->next = buckets[b];
    buckets[b] = e;
    return e;
}

static void drop_entry(const unsigned char key[16])
{
    size_t b = bucket_of(key);
    for (addr_count **p = &buckets[b]; *p != NULL; p = &(*p)->next) {
        if (memcmp((*p)->key, key, 16) == 0) {
            addr_count *e = *p;
            *p = e->next;
            free(e);
            return;
        }
    }
}

enum conn_count_verdict conn_count_take(const struct sockaddr *sa, conn_count_slot *slot)
{
    enum conn_count_verdict v = CONN_COUNT_OK;

    memset(slot, 0, sizeof *slot);
    slot->per_addr = key_of(sa, slot->key) && !client_ip_peer_is_proxy(sa);
    pthread_mutex_lock(&lock);
    if (!keyed) {
        crypto_shorthash_keygen(hash_key);
        keyed = true;
    }
    if (total >= web_cfg.max_connections) {
        v = CONN_COUNT_ALL;
    } else if (slot->per_addr) {
        addr_count *e = entry_of(slot->key);
        if (e == NULL)
            v = CONN_COUNT_ALL; /* out of memory: refused like a full server */
        else if (e->n >= web_cfg.max_connections_per_ip)
            v = CONN_COUNT_ADDR;
        else
            e->n++;
        if (e != NULL && e->n == 0)
            drop_entry(slot->key);
    }
    if (v == CONN_COUNT_OK) {
        total++;
        slot->held = true;
    }
    pthread_mutex_unlock(&lock);
    return v;
}

void conn_count_put(conn_count_slot *slot)
{
    if (!slot->held)
        return;
    pthread_mutex_lock(&lock);
    total--;
    if (slot->per_addr) {
        addr_count *e = find_entry(slot->key);
        if (e != NULL && --e->n <= 0)
            drop_entry(slot->key);
    }
    pthread_mutex_unlock(&lock);
    slot->held = false;
}

long conn_count_total(void)
{
    pthread_mutex_lock(&lock);
    long n = total;
    pthread_mutex_unlock(&lock);
    return n;
}
