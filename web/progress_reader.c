/*
 * progress_reader.c — the thread that follows cf:progress (docs/streams.md).
 *
 * A plain blocking XREAD from the stream's end: every cf-web process sees
 * every entry (there is no consumer group), and only what comes after its
 * start. Each entry updates the progress table (live_progress.c), which
 * the live pages read for their ticks. The database learns that a fight
 * runs from cf-result-processor, the one writer of that change
 * (result_processor/progress.c). The thread has its own connection, made
 * and remade here. Like a request, it starts at the top and calls only
 * down.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "progress_entry.h"
#include "stream_group.h"
#include "web.h"

/* ---- the reader thread ---- */

static pthread_t reader_tid;
static bool reader_started, reader_stopping;

static bool stopping(void)
{
    return __atomic_load_n(&reader_stopping, __ATOMIC_ACQUIRE);
}

/* Takes one XREAD reply's fight entries into the table (a play's progress
 * is for the result processor); last follows them. The entries are read by
 * the contract's own decoder (common/progress_entry.h). */
static void take_entries(const redisReply *list, char last[64])
{
    cf_entry *es = NULL;
    size_t n = 0;
    if (cf_entries_from_reply(list, &es, &n) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        snprintf(last, 64, "%s", es[i].id);
        cf_progress_entry p;
        if (cf_progress_entry_decode(es[i].fields, es[i].nfields, &p, NULL, 0) == 0 && !p.play)
            live_progress_set(p.id, p.tick, p.state != CF_PROGRESS_FINISHED);
    }
    cf_entries_free(es, n);
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
    while (!stopping()) {
        redisReply *rep = cf_redis_command(redis, "XREAD COUNT 100 BLOCK 1000 STREAMS %s %s",
                                           CF_STREAM_PROGRESS, last);
        if (rep == NULL) {
            sleep(1);
            continue;
        }
        if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
            rep->element[0]->type == REDIS_REPLY_ARRAY && rep->element[0]->elements == 2) {
            take_entries(rep->element[0]->element[1], last);
        } else if (rep->type == REDIS_REPLY_ERROR) {
            log_warn("progress reader: %s", rep->str);
            sleep(1);
        }
        freeReplyObject(rep);
    }
    cf_redis_free(redis);
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
