/*
 * stream_reader.c — a background thread that follows one Redis stream
 * from its end, for the readers every cf-web process runs alike
 * (progress_reader.c on cf:progress, revocation.c on cf:web:revocations).
 *
 * A plain blocking XREAD, no consumer group: every process sees every
 * entry that comes after its start. The thread has its own connection,
 * made here (tried again once a second until Redis answers) and remade by
 * cf_redis_command (common/redis_conn.h, with its back-off). Each entry
 * goes, in order and on this thread, to the function the owner gave: the
 * owner decides what an entry means, this file only how the stream is
 * read.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "stream_group.h"
#include "web.h"

struct stream_reader {
    const char *name;   /* in log lines: "progress reader" */
    const char *stream; /* the stream's key */
    stream_reader_take *take;
    stream_reader_health *health; /* NULL: not told */
    pthread_t tid;
    bool stopping;
};

static bool stopping(const stream_reader *r)
{
    return __atomic_load_n(&r->stopping, __ATOMIC_ACQUIRE);
}

/* Hands one XREAD reply's entries to the owner; last follows them, so the
 * next XREAD (on a new connection too) goes on after the last one taken. */
static void take_entries(stream_reader *r, const redisReply *list, char last[64])
{
    cf_entry *es = NULL;
    size_t n = 0;
    if (cf_entries_from_reply(list, &es, &n) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        snprintf(last, 64, "%s", es[i].id);
        r->take(&es[i]);
    }
    cf_entries_free(es, n);
}

/* The first connection: once a second until Redis answers or the process
 * stops (NULL). cf_redis_connect's own retry is not used, so that a stop
 * is seen within the second. A reader whose owner hears of its health
 * gives a command up as soon as the connection fails (1 ms of retrying
 * rather than forever), so that the owner hears of it at once; the loop
 * below tries again a second later. */
static cf_redis *connect_until_stopped(stream_reader *r)
{
    char err[256];
    cf_redis *redis;
    int retry_ms = r->health != NULL ? 1 : 0;
    while ((redis = cf_redis_connect(web_cfg.redis_url, retry_ms, err, sizeof err)) == NULL) {
        log_warn("%s: %s", r->name, err);
        if (stopping(r))
            return NULL;
        sleep(1);
    }
    return redis;
}

/* An XREAD reply with entries: one stream, [key, entries]. */
static bool has_entries(const redisReply *rep)
{
    return rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
           rep->element[0]->type == REDIS_REPLY_ARRAY && rep->element[0]->elements == 2;
}

static void *reader_main(void *arg)
{
    stream_reader *r = arg;
    cf_redis *redis = connect_until_stopped(r);
    if (redis == NULL)
        return NULL;
    /* "$" once: from then on the last id read, so a reconnection misses
     * nothing the stream still holds. */
    char last[64] = "$";
    while (!stopping(r)) {
        redisReply *rep =
            cf_redis_command(redis, "XREAD COUNT 100 BLOCK 1000 STREAMS %s %s", r->stream, last);
        if (rep == NULL) {
            if (r->health != NULL)
                r->health(false);
            sleep(1);
            continue;
        }
        bool read = true;
        if (has_entries(rep)) {
            take_entries(r, rep->element[0]->element[1], last);
        } else if (rep->type == REDIS_REPLY_ERROR) {
            log_warn("%s: %s", r->name, rep->str);
            read = false;
        }
        freeReplyObject(rep);
        /* After the entries were taken: the owner knows it is up to date. */
        if (r->health != NULL)
            r->health(read);
        if (!read)
            sleep(1);
    }
    cf_redis_free(redis);
    return NULL;
}

stream_reader *stream_reader_start(const char *name, const char *stream, stream_reader_take *take,
                                   stream_reader_health *health)
{
    stream_reader *r = calloc(1, sizeof *r);
    if (r != NULL) {
        *r = (stream_reader){.name = name, .stream = stream, .take = take, .health = health};
        if (pthread_create(&r->tid, NULL, reader_main, r) != 0) {
            free(r);
            r = NULL;
        }
    }
    if (r == NULL)
        log_error("%s thread could not start", name);
    return r;
}

void stream_reader_stop(stream_reader *r)
{
    if (r == NULL)
        return;
    /* Its XREAD blocks one second at most: it sees the flag by then. */
    __atomic_store_n(&r->stopping, true, __ATOMIC_RELEASE);
    pthread_join(r->tid, NULL);
    free(r);
}
