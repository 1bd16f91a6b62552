/*
 * progress_reader.c — the thread that follows cf:progress (docs/streams.md).
 *
 * A plain blocking XREAD from the stream's end: every cf-web process sees
 * every entry (there is no consumer group), and only what comes after its
 * start. Each entry updates the progress table (live_progress.c); a
 * fight's first sign of life also moves it from queued to running in
 * PostgreSQL (fight_state.c), so filters, metrics and the reconciler see
 * it. The thread has its own connections, made and remade here. Like a
 * request, it starts at the top and calls only down.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "web.h"

/* ---- cf:progress entries ---- */

/* One entry of cf:progress, as cf-web reads it. */
typedef struct progress_entry {
    const char *fight_id; /* points into the reply */
    bool running;         /* state is not "finished" */
    int tick;             /* 0 when the entry has none */
} progress_entry;

static const redisReply *field(const redisReply *fields, const char *name)
{
    for (size_t i = 0; i + 1 < fields->elements; i += 2)
        if (fields->element[i]->type == REDIS_REPLY_STRING &&
            strcmp(fields->element[i]->str, name) == 0 &&
            fields->element[i + 1]->type == REDIS_REPLY_STRING)
            return fields->element[i + 1];
    return NULL;
}

/* The contract of a cf:progress entry (docs/streams.md), read in this one
 * place: "id" a fight's UUID, "state" (started, tick, finished), "tick".
 * False when the entry is not one (no id, a bad id, no state). */
static bool live_parse_progress(const redisReply *fields, progress_entry *out)
{
    const redisReply *id = field(fields, "id");
    const redisReply *state = field(fields, "state");
    const redisReply *tick = field(fields, "tick");

    if (id == NULL || state == NULL || !cf_uuid_valid(id->str, id->len))
        return false;
    out->fight_id = id->str;
    out->running = strcmp(state->str, "finished") != 0;
    out->tick = tick != NULL ? atoi(tick->str) : 0;
    return true;
}

/* ---- the reader thread ---- */

static pthread_t reader_tid;
static bool reader_started, reader_stopping;

static bool stopping(void)
{
    return __atomic_load_n(&reader_stopping, __ATOMIC_ACQUIRE);
}

/* The database learns that the fight runs; the reader's own connection,
 * made on first use. */
static void mark_running(cf_pg **pg, const char *fight_id)
{
    char err[256];

    if (*pg == NULL && (*pg = cf_pg_connect(web_cfg.database_url, err, sizeof err)) == NULL) {
        log_warn("progress reader: database: %s", err);
        return;
    }
    if (fight_mark_running(*pg, fight_id) != 0)
        log_warn("progress reader: %s", cf_pg_error(*pg));
}

/* Takes one XREAD reply's entries into the table; last follows them. */
static void take_entries(const redisReply *entries, char last[64], cf_pg **pg)
{
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
            continue;
        snprintf(last, 64, "%s", e->element[0]->str);
        progress_entry p;
        if (!live_parse_progress(e->element[1], &p))
            continue;
        /* First sign of life since we started: the database learns that
         * the fight runs (metrics, filters, the reconciler). */
        if (p.running && !live_progress_started(p.fight_id))
            mark_running(pg, p.fight_id);
        live_progress_set(p.fight_id, p.tick, p.running);
    }
}

static void *reader_main(void *arg)
{
    (void)arg;
    char err[256];
    cf_redis *redis;
    while ((redis = cf_redis_connect(web_cfg.redis_url, 0, err, sizeof err)) == NULL) {
        log_warn("progress reader: %s", err);
        if (stopping())
            return NULL;
        sleep(1);
    }
    char last[64] = "$";
    cf_pg *pg = NULL;
    while (!stopping()) {
        redisReply *rep = cf_redis_command(redis, "XREAD COUNT 100 BLOCK 1000 STREAMS %s %s",
                                           CF_STREAM_PROGRESS, last);
        if (rep == NULL) {
            sleep(1);
            continue;
        }
        if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
            rep->element[0]->type == REDIS_REPLY_ARRAY && rep->element[0]->elements == 2) {
            take_entries(rep->element[0]->element[1], last, &pg);
        } else if (rep->type == REDIS_REPLY_ERROR) {
            log_warn("progress reader: %s", rep->str);
            sleep(1);
        }
        freeReplyObject(rep);
    }
    cf_redis_free(redis);
    cf_pg_free(pg);
    return NULL;
}

void progress_reader_start(void)
{
    reader_started = pthread_create(&reader_tid, NULL, reader_main, NULL) == 0;
    if (!reader_started)
        log_error("progress reader thread could not start");
}

void progress_reader_stop(void)
{
    /* Its XREAD blocks one second at most: it sees the flag by then. */
    __atomic_store_n(&reader_stopping, true, __ATOMIC_RELEASE);
    if (reader_started)
        pthread_join(reader_tid, NULL);
}
