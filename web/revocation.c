/*
 * revocation.c — ending the live streams of a user, or of one session, on
 * every cf-web process at once (docs/streams.md, cf:web:revocations).
 *
 * A request is authorised each time it comes, by its session in
 * PostgreSQL or in the session cache, which this file keeps in step
 * (session_cache.c): a session deleted there is refused by the next
 * request on any process. A live stream was authorised once, when it
 * opened, and lasts; so when an operator deactivates a user (or the user
 * logs out, or changes their password), whoever ended the sessions
 * first drops the process's cached copies, then also writes one
 * entry on the Redis stream cf:web:revocations: "user" (every stream of
 * the user), optionally "keep" (but those of this session), or "session"
 * (the streams of one session). A stream rather than pub/sub: a reader
 * that lost its connection for a moment goes on from the last entry it
 * read instead of missing one. The stream is capped (MAXLEN ~ 1000).
 *
 * Each process has one reader thread (stream_reader.c: a blocking XREAD
 * from "$", as progress_reader.c's on cf:progress) that puts the entries
 * in a small ring here, numbered (after dropping the cached sessions they
 * name, and renewing the cache's lease after each read); each worker
 * thread's live timer (every
 * 500 ms, live.c) asks for the entries numbered after the last it saw and
 * ends its matching streams. From the operator's click to the stream's end: the
 * XREAD's wake-up plus at most one timer period.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "stream_group.h"
#include "web.h"

#define REVOCATION_STREAM "cf:web:revocations"
#define RING 256
#define HASH_LEN 64

typedef struct revocation {
    uint64_t seq;
    char user_id[WEB_ID_LEN + 1]; /* "" or every stream of this user */
    char keep[HASH_LEN + 1];      /* with user_id: but this session's */
    char session[HASH_LEN + 1];   /* "" or the streams of this session */
} revocation;

static pthread_mutex_t ring_mu = PTHREAD_MUTEX_INITIALIZER;
static revocation ring[RING];
static uint64_t next_seq = 1; /* the number the next entry gets */

/* ---- writing an entry ---- */

int revocation_publish(cf_redis *redis, const char *user_id, const char *keep_session,
                       const char *session)
{
    const char *argv[12];
    size_t lens[12];
    int argc = 0;
#define ARG(s) (argv[argc] = (s), lens[argc] = strlen(s), argc++)
    ARG("XADD");
    ARG(REVOCATION_STREAM);
    ARG("MAXLEN");
    ARG("~");
    ARG("1000");
    ARG("*");
    if (user_id != NULL) {
        ARG("user");
        ARG(user_id);
    }
    if (keep_session != NULL && *keep_session != '\0') {
        ARG("keep");
        ARG(keep_session);
    }
    if (session != NULL && *session != '\0') {
        ARG("session");
        ARG(session);
    }
#undef ARG
    if (argc == 6)
        return 0;
    /* This process's cached copies go first, whatever Redis says: the
     * request that ended the sessions is answered after this. */
    session_cache_revoke(user_id, keep_session, session);
    redisReply *rep = cf_redis_argv(redis, argc, argv, lens);
    int rc = rep != NULL && rep->type != REDIS_REPLY_ERROR ? 0 : -1;
    if (rc != 0)
        log_error("revocation of user %s session %.8s not sent: %s", user_id ? user_id : "-",
                  session ? session : "-", rep != NULL ? rep->str : cf_redis_error(redis));
    if (rep != NULL)
        freeReplyObject(rep);
    return rc;
}

int revocation_publish_role(cf_redis *redis, const char *user_id)
{
    session_cache_revoke(user_id, NULL, NULL);
    const char *argv[8] = {"XADD", REVOCATION_STREAM, "MAXLEN", "~", "1000", "*", "role", user_id};
    size_t lens[8];
    for (int i = 0; i < 8; i++)
        lens[i] = strlen(argv[i]);
    redisReply *rep = cf_redis_argv(redis, 8, argv, lens);
    int rc = rep != NULL && rep->type != REDIS_REPLY_ERROR ? 0 : -1;
    if (rc != 0)
        log_error("role change of user %s not announced: %s", user_id,
                  rep != NULL ? rep->str : cf_redis_error(redis));
    if (rep != NULL)
        freeReplyObject(rep);
    return rc;
}

/* ---- the ring the live timers read ---- */

uint64_t revocation_next(void)
{
    return __atomic_load_n(&next_seq, __ATOMIC_ACQUIRE);
}

static bool entry_matches(const revocation *e, const char *user_id, const char *session)
{
    if (e->session[0] != '\0' && session != NULL && strcmp(e->session, session) == 0)
        return true;
    if (e->user_id[0] == '\0' || user_id == NULL || strcmp(e->user_id, user_id) != 0)
        return false;
    return e->keep[0] == '\0' || session == NULL || strcmp(e->keep, session) != 0;
}

bool revocation_matches(uint64_t from, uint64_t to, const char *user_id, const char *session)
{
    if ((user_id == NULL || *user_id == '\0') && (session == NULL || *session == '\0'))
        return false;
    /* A thread that slept through more than RING entries (its loop was
     * blocked for long) checks the last RING: the older are overwritten.
     * Their sessions are gone all the same; only the streams stay open. */
    if (to - from > RING)
        from = to - RING;
    bool hit = false;
    pthread_mutex_lock(&ring_mu);
    for (uint64_t s = from; s < to && !hit; s++) {
        const revocation *e = &ring[s % RING];
        hit = e->seq == s && entry_matches(e, user_id, session);
    }
    pthread_mutex_unlock(&ring_mu);
    return hit;
}

static void ring_add(const cf_entry *en)
{
    revocation e = {0};
    for (size_t i = 0; i < en->nfields; i++) {
        const char *k = en->fields[i].key, *v = en->fields[i].val;
        /* A role changed: the user's cached sessions go, nothing ends. */
        if (strcmp(k, "role") == 0 && strlen(v) <= WEB_ID_LEN && *v != '\0')
            session_cache_revoke(v, NULL, NULL);
        else if (strcmp(k, "user") == 0 && strlen(v) <= WEB_ID_LEN)
            snprintf(e.user_id, sizeof e.user_id, "%s", v);
        else if (strcmp(k, "keep") == 0 && strlen(v) == HASH_LEN)
            snprintf(e.keep, sizeof e.keep, "%s", v);
        else if (strcmp(k, "session") == 0 && strlen(v) == HASH_LEN)
            snprintf(e.session, sizeof e.session, "%s", v);
    }
    if (e.user_id[0] == '\0' && e.session[0] == '\0')
        return;
    /* The cached sessions go before any thread can see the entry. */
    session_cache_revoke(e.user_id, e.keep, e.session);
    pthread_mutex_lock(&ring_mu);
    e.seq = next_seq;
    ring[e.seq % RING] = e;
    __atomic_store_n(&next_seq, e.seq + 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&ring_mu);
}

/* ---- the reader thread ---- */

static stream_reader *reader;

/* The session cache is used only while this reader reads. */
static void reader_health(bool reading)
{
    if (reading)
        session_cache_reader_alive();
    else
        session_cache_reader_lost();
}

void revocation_start(void)
{
    reader = stream_reader_start("revocation reader", REVOCATION_STREAM, ring_add, reader_health);
}

void revocation_stop(void)
{
    stream_reader_stop(reader);
    reader = NULL;
}
