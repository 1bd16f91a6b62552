/*
 * heartbeat.c — cf:service:<kind>:<name>, written by a thread (heartbeat.h).
 *
 * The thread owns its Redis connection (reconnecting with a short
 * deadline, so a missing Redis costs it a beat, never the service) and
 * sleeps on a condition variable between beats, so a stop is prompt. The
 * fields a service sets live in a small table behind the same mutex; each
 * beat copies them under the lock and talks to Redis without it.
 *
 * One beat is HSET of every field then PEXPIRE, in a MULTI so a reader
 * never sees a hash without its expiry.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "heartbeat.h"
#include "log.h"
#include "log_ring.h"
#include "redis_conn.h"

#define BASE_FIELDS 8 /* kind name pid host started_at updated_at state last_errors */
#define CONNECT_RETRY_MS 1000

typedef struct hb_field {
    char *name, *value;
} hb_field;

struct cf_heartbeat {
    char url[1024];
    char key[256];
    char kind[32], name[CF_HEARTBEAT_NAME_MAX], host[256], pid[24], started[24];
    pthread_t tid;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;                     /* under lock */
    volatile sig_atomic_t cut;         /* stops a reconnect wait at once */
    hb_field set[CF_HEARTBEAT_FIELDS]; /* under lock */
    int nset;
    cf_redis *r; /* the thread's */
};

static long long epoch_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the fields of one beat ---- */

typedef struct beat {
    const char *argv[4 + 2 * (BASE_FIELDS + CF_HEARTBEAT_FIELDS)];
    size_t lens[4 + 2 * (BASE_FIELDS + CF_HEARTBEAT_FIELDS)];
    int argc;
    char updated[24];
    char *errors;                          /* last_errors JSON */
    char *copies[2 * CF_HEARTBEAT_FIELDS]; /* the set fields, copied under lock */
} beat;

static void beat_add(beat *b, const char *name, const char *value)
{
    b->argv[b->argc] = name;
    b->lens[b->argc++] = strlen(name);
    b->argv[b->argc] = value;
    b->lens[b->argc++] = strlen(value);
}

static void beat_free(beat *b)
{
    cJSON_free(b->errors);
    for (size_t i = 0; i < sizeof b->copies / sizeof b->copies[0]; i++)
        free(b->copies[i]);
}

/* HSET key field value ...: the base fields, then the service's own.
 * -1 when memory ran out. */
static int beat_build(cf_heartbeat *hb, beat *b, bool stopped)
{
    memset(b, 0, sizeof *b);
    cJSON *errors = cf_log_ring_json();
    b->errors = errors != NULL ? cJSON_PrintUnformatted(errors) : NULL;
    cJSON_Delete(errors);
    if (b->errors == NULL)
        return -1;
    snprintf(b->updated, sizeof b->updated, "%lld", epoch_ms());
    b->argv[b->argc] = "HSET";
    b->lens[b->argc++] = 4;
    b->argv[b->argc] = hb->key;
    b->lens[b->argc++] = strlen(hb->key);
    beat_add(b, "kind", hb->kind);
    beat_add(b, "name", hb->name);
    beat_add(b, "pid", hb->pid);
    beat_add(b, "host", hb->host);
    beat_add(b, "started_at", hb->started);
    beat_add(b, "updated_at", b->updated);
    beat_add(b, "state", stopped ? "stopped" : "running");
    beat_add(b, "last_errors", b->errors);
    int rc = 0;
    pthread_mutex_lock(&hb->lock);
    for (int i = 0; i < hb->nset; i++) {
        b->copies[2 * i] = strdup(hb->set[i].name);
        b->copies[2 * i + 1] = strdup(hb->set[i].value);
        if (b->copies[2 * i] == NULL || b->copies[2 * i + 1] == NULL) {
            rc = -1;
            break;
        }
        beat_add(b, b->copies[2 * i], b->copies[2 * i + 1]);
    }
    pthread_mutex_unlock(&hb->lock);
    return rc;
}

/* ---- talking to Redis ---- */

static bool reply_ok(redisReply *rep)
{
    bool ok = rep != NULL && rep->type != REDIS_REPLY_ERROR;
    if (rep != NULL)
        freeReplyObject(rep);
    return ok;
}

static int send_beat(cf_heartbeat *hb, bool stopped)
{
    if (hb->r == NULL) {
        char err[256];
        hb->r = cf_redis_connect(hb->url, CONNECT_RETRY_MS, err, sizeof err);
        if (hb->r == NULL)
            return -1; /* next beat tries again; the service is not told */
        cf_redis_set_stop_flag(hb->r, &hb->cut);
    }
    beat b;
    int rc = beat_build(hb, &b, stopped);
    if (rc == 0) {
        char ttl[24];
        snprintf(ttl, sizeof ttl, "%d", CF_HEARTBEAT_TTL_S * 1000);
        bool ok = reply_ok(cf_redis_command(hb->r, "MULTI"));
        ok = reply_ok(cf_redis_argv(hb->r, b.argc, b.argv, b.lens)) && ok;
        ok = reply_ok(cf_redis_command(hb->r, "PEXPIRE %s %s", hb->key, ttl)) && ok;
        ok = reply_ok(cf_redis_command(hb->r, ok ? "EXEC" : "DISCARD")) && ok;
        rc = ok ? 0 : -1;
    }
    beat_free(&b);
    return rc;
}

static void *heartbeat_main(void *arg)
{
    cf_heartbeat *hb = arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&hb->lock);
    while (!hb->stopping) {
        pthread_mutex_unlock(&hb->lock);
        (void)send_beat(hb, false);
        next.tv_sec += CF_HEARTBEAT_PERIOD_MS / 1000;
        next.tv_nsec += (CF_HEARTBEAT_PERIOD_MS % 1000) * 1000000L;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_sec++;
            next.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&hb->lock);
        while (!hb->stopping && pthread_cond_timedwait(&hb->wake, &hb->lock, &next) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&hb->lock);
    return NULL;
}

/* ---- the service's side ---- */

static int init_sync(cf_heartbeat *hb)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return -1;
    int rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
                     pthread_cond_init(&hb->wake, &ca) == 0
                 ? 0
                 : -1;
    pthread_condattr_destroy(&ca);
    if (rc != 0)
        return -1;
    if (pthread_mutex_init(&hb->lock, NULL) != 0) {
        pthread_cond_destroy(&hb->wake);
        return -1;
    }
    return 0;
}

cf_heartbeat *cf_heartbeat_start(const char *redis_url, const char *kind, const char *name)
{
    cf_heartbeat *hb = calloc(1, sizeof *hb);
    if (hb == NULL || init_sync(hb) != 0) {
        free(hb);
        log_warn("heartbeat: cannot start (out of memory)");
        return NULL;
    }
    snprintf(hb->url, sizeof hb->url, "%s", redis_url);
    snprintf(hb->kind, sizeof hb->kind, "%s", kind);
    snprintf(hb->name, sizeof hb->name, "%s", name);
    if (gethostname(hb->host, sizeof hb->host) != 0)
        snprintf(hb->host, sizeof hb->host, "?");
    hb->host[sizeof hb->host - 1] = '\0';
    snprintf(hb->pid, sizeof hb->pid, "%ld", (long)getpid());
    snprintf(hb->started, sizeof hb->started, "%lld", epoch_ms());
    snprintf(hb->key, sizeof hb->key, "%s%s:%s", CF_HEARTBEAT_PREFIX, hb->kind, hb->name);
    if (cf_log_ring_enable() != 0)
        log_warn("heartbeat: the last errors will not be kept");
    if (pthread_create(&hb->tid, NULL, heartbeat_main, hb) != 0) {
        log_warn("heartbeat: cannot start its thread: %s", strerror(errno));
        pthread_mutex_destroy(&hb->lock);
        pthread_cond_destroy(&hb->wake);
        free(hb);
        return NULL;
    }
    log_info("heartbeat: %s every %d ms", hb->key, CF_HEARTBEAT_PERIOD_MS);
    return hb;
}

static int find_or_add(cf_heartbeat *hb, const char *field)
{
    for (int i = 0; i < hb->nset; i++)
        if (strcmp(hb->set[i].name, field) == 0)
            return i;
    if (hb->nset == CF_HEARTBEAT_FIELDS)
        return -1;
    hb->set[hb->nset].name = strdup(field);
    if (hb->set[hb->nset].name == NULL)
        return -1;
    hb->set[hb->nset].value = NULL;
    return hb->nset++;
}

int cf_heartbeat_set(cf_heartbeat *hb, const char *field, const char *value)
{
    if (hb == NULL)
        return 0;
    pthread_mutex_lock(&hb->lock);
    int i = find_or_add(hb, field);
    int rc = -1;
    if (i >= 0 && (hb->set[i].value == NULL || strcmp(hb->set[i].value, value) != 0)) {
        char *copy = strdup(value);
        if (copy != NULL) {
            free(hb->set[i].value);
            hb->set[i].value = copy;
            rc = 0;
        }
    } else if (i >= 0) {
        rc = 0; /* unchanged */
    }
    if (i >= 0 && hb->set[i].value == NULL) {
        /* A new field whose value could not be copied: not sent empty. */
        free(hb->set[i].name);
        hb->nset--;
    }
    pthread_mutex_unlock(&hb->lock);
    return rc;
}

int cf_heartbeat_set_int(cf_heartbeat *hb, const char *field, long long value)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", value);
    return cf_heartbeat_set(hb, field, text);
}

void cf_heartbeat_stop(cf_heartbeat *hb)
{
    if (hb == NULL)
        return;
    pthread_mutex_lock(&hb->lock);
    hb->stopping = true;
    pthread_cond_signal(&hb->wake);
    pthread_mutex_unlock(&hb->lock);
    pthread_join(hb->tid, NULL);
    if (send_beat(hb, true) != 0)
        log_warn("heartbeat: the last beat (stopped) was not written");
    if (hb->r != NULL)
        cf_redis_free(hb->r);
    for (int i = 0; i < hb->nset; i++) {
        free(hb->set[i].name);
        free(hb->set[i].value);
    }
    pthread_mutex_destroy(&hb->lock);
    pthread_cond_destroy(&hb->wake);
    free(hb);
}
