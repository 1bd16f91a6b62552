/*
 * session_cache.c — the sessions this process looked up lately, so that a
 * logged-in reader's request need not ask PostgreSQL who it is each time
 * (docs/performance.md: the lookup was one of a page's two to four round
 * trips).
 *
 * PostgreSQL stays the one truth, and the cache never outlives what ends a
 * session there:
 *   - a session is ended (log-out, password change or reset, deactivation)
 *     by a request that then calls revocation_publish(), which first drops
 *     the cached copies in this process, before the request is answered,
 *     and then writes the entry every other process reads;
 *   - each process's revocation reader (revocation.c) drops the matching
 *     entries as it reads such an entry, before any thread sees it;
 *   - the cache is used only while that reader is known to be reading: it
 *     renews a lease after every XREAD reply (at least once a second); a
 *     reader that lost Redis, or stalled, lets the lease run out, and the
 *     cache is then emptied and bypassed until it reads again (entries it
 *     missed may have been trimmed from the stream);
 *   - an entry lives web.session_cache_ms at most (and never past the
 *     session's own end), which bounds what no entry reports: a session
 *     deleted by hand in the database, a revocation Redis refused, a role
 *     changed by cf-web's command line;
 *   - a lookup that raced a revocation is not kept: every revocation
 *     moves a generation, and a lookup is stored only if the generation it
 *     started in is still the current one;
 *   - the router asks PostgreSQL itself (session_load(r, true)) for every
 *     request that changes something and for the operator console, so a
 *     cached session only ever reads, and the operator role is never taken
 *     from a copy.
 * Another process learns of a revocation through Redis: within the time an
 * XREAD takes to wake, well under the round trip its client needs to send
 * the next request.
 *
 * A fixed table of slots indexed by the token hash's hash; a collision
 * replaces. One mutex, held for a copy.
 */
#include <pthread.h>
#include <string.h>

#include "clock.h"
#include "web.h"

#define SLOTS 4096           /* a power of two */
#define READER_LEASE_MS 3000 /* the reader's XREAD blocks 1000 ms at most */

typedef struct cached {
    char hash[65]; /* "" : free */
    char user_id[WEB_ID_LEN + 1];
    char username[WEB_USERNAME_MAX + 1];
    char csrf[WEB_CSRF_LEN + 1];
    bool operator;
    int64_t until_ms; /* cf_now_ms() past which it is not used */
} cached;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static cached slots[SLOTS];
static uint64_t generation;
static int64_t lease_until_ms; /* the reader's lease; 0: not reading */
static bool filled;            /* some slot may hold an entry */

/* Under mu. */
static void empty_all(void)
{
    if (filled)
        memset(slots, 0, sizeof slots);
    filled = false;
    generation++;
}

static cached *slot_of(const char *hash)
{
    return &slots[web_hash(hash) & (SLOTS - 1)];
}

uint64_t session_cache_generation(void)
{
    pthread_mutex_lock(&mu);
    uint64_t g = generation;
    pthread_mutex_unlock(&mu);
    return g;
}

bool session_cache_get(const char *hash, web_req *r)
{
    if (web_cfg.session_cache_ms <= 0)
        return false;
    int64_t now = cf_now_ms();
    bool hit = false;
    pthread_mutex_lock(&mu);
    if (now >= lease_until_ms) {
        empty_all();
    } else {
        const cached *c = slot_of(hash);
        if (now < c->until_ms && strcmp(c->hash, hash) == 0) {
            memcpy(r->user_id, c->user_id, sizeof r->user_id);
            memcpy(r->username, c->username, sizeof r->username);
            memcpy(r->csrf, c->csrf, sizeof r->csrf);
            r->operator= c->operator;
            r->authed = true;
            hit = true;
        }
    }
    pthread_mutex_unlock(&mu);
    return hit;
}

void session_cache_put(const char *hash, const web_req *r, int64_t session_left_ms, uint64_t gen)
{
    if (web_cfg.session_cache_ms <= 0 || strlen(hash) != 64)
        return;
    int64_t now = cf_now_ms();
    int64_t life =
        session_left_ms < web_cfg.session_cache_ms ? session_left_ms : web_cfg.session_cache_ms;
    if (life <= 0)
        return;
    pthread_mutex_lock(&mu);
    if (gen == generation && now < lease_until_ms) {
        cached *c = slot_of(hash);
        memcpy(c->hash, hash, sizeof c->hash);
        memcpy(c->user_id, r->user_id, sizeof c->user_id);
        memcpy(c->username, r->username, sizeof c->username);
        memcpy(c->csrf, r->csrf, sizeof c->csrf);
        c->operator= r->operator;
        c->until_ms = now + life;
        filled = true;
    }
    pthread_mutex_unlock(&mu);
}

void session_cache_revoke(const char *user_id, const char *keep, const char *session)
{
    bool by_user = user_id != NULL && *user_id != '\0';
    bool by_session = session != NULL && *session != '\0';
    if (!by_user && !by_session)
        return;
    pthread_mutex_lock(&mu);
    generation++;
    if (by_session) {
        cached *c = slot_of(session);
        if (strcmp(c->hash, session) == 0)
            memset(c, 0, sizeof *c);
    }
    /* A user's sessions may sit in any slot: all are looked at (a
     * revocation is rare; 4096 comparisons take microseconds). */
    for (int i = 0; by_user && filled && i < SLOTS; i++) {
        cached *c = &slots[i];
        if (c->hash[0] != '\0' && strcmp(c->user_id, user_id) == 0 &&
            (keep == NULL || strcmp(c->hash, keep) != 0))
            memset(c, 0, sizeof *c);
    }
    pthread_mutex_unlock(&mu);
}

void session_cache_reader_alive(void)
{
    int64_t until = cf_now_ms() + READER_LEASE_MS;
    pthread_mutex_lock(&mu);
    lease_until_ms = until;
    pthread_mutex_unlock(&mu);
}

void session_cache_reader_lost(void)
{
    pthread_mutex_lock(&mu);
    lease_until_ms = 0;
    empty_all();
    pthread_mutex_unlock(&mu);
}
