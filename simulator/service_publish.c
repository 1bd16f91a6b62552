/*
 * service_publish.c — what cf-simulator writes: results (fights' reports,
 * plays' ends), dead letters and progress, each XADD trimmed with MAXLEN ~ as configured, each
 * entry built by its contract's encoder (common/result_entry.h, progress_entry.h).
 *
 * A dead letter keeps the original fields (each value capped, so a 50 MB
 * "code" field does not move into another stream whole) after its own
 * `reason`, `source` and `entry` fields.
 */
#include <stdio.h>
#include <string.h>

#include "progress_entry.h"
#include "result_entry.h"
#include "service.h"

int svc_publish_result(cf_redis *r, const svc_settings *s, const cJSON *report, const cJSON *output)
{
    cf_fields_out f;
    if (cf_result_entry_encode(report, output, &f) != 0)
        return -1;
    int rc = cf_stream_add(r, CF_STREAM_RESULTS, s->results_maxlen, &f);
    cf_fields_out_free(&f);
    return rc;
}

int svc_publish_dead(cf_redis *r, const svc_settings *s, const char *stream, const cf_entry *e,
                     const char *reason)
{
    const char *dead = strcmp(stream, CF_STREAM_PLAYS) == 0 ? CF_STREAM_PLAYS_DEAD : CF_STREAM_DEAD;
    return cf_dead_letter_to(r, dead, s->dead_maxlen, reason, stream, e->id, e->fields, e->nfields,
                             SVC_DEAD_VALUE_MAX);
}

int svc_publish_play_end(cf_redis *r, const svc_settings *s, const char *play_id,
                         const char *entry_id, const cJSON *end)
{
    cf_fields_out f;
    if (cf_result_entry_encode_play(play_id, entry_id, end, &f) != 0)
        return -1;
    int rc = cf_stream_add(r, CF_STREAM_RESULTS, s->results_maxlen, &f);
    cf_fields_out_free(&f);
    return rc;
}

static int publish_progress(cf_redis *r, const svc_settings *s, const cf_progress_entry *p)
{
    cf_fields_out f;
    if (cf_progress_entry_encode(p, &f) != 0)
        return -1;
    int rc = cf_stream_add(r, CF_STREAM_PROGRESS, s->progress_maxlen, &f);
    cf_fields_out_free(&f);
    return rc;
}

int svc_publish_progress(cf_redis *r, const svc_settings *s, const char *fight_id,
                         enum cf_progress_state state, int tick, const char *status)
{
    cf_progress_entry p = {.state = state, .tick = tick};
    snprintf(p.id, sizeof p.id, "%s", fight_id);
    if (status != NULL)
        snprintf(p.status, sizeof p.status, "%s", status);
    return publish_progress(r, s, &p);
}

int svc_publish_play_started(cf_redis *r, const svc_settings *s, const char *play_id,
                             const char *entry_id)
{
    cf_progress_entry p = {.play = true, .state = CF_PROGRESS_STARTED};
    snprintf(p.id, sizeof p.id, "%s", play_id);
    snprintf(p.entry, sizeof p.entry, "%s", entry_id);
    return publish_progress(r, s, &p);
}

int svc_play_out(cf_redis *r, const svc_settings *s, const char *play_id, const char *msg,
                 size_t len, char id[64])
{
    char key[CF_PLAY_KEY_MAX + 1], maxlen[24];
    cf_play_key(key, play_id, "out");
    snprintf(maxlen, sizeof maxlen, "%ld", s->arcade_out_maxlen);
    const char *argv[] = {"XADD", key, "MAXLEN", "~", maxlen, "*", "msg", msg};
    size_t lens[] = {4, strlen(key), 6, 1, strlen(maxlen), 1, 3, len};
    redisReply *rep = cf_redis_argv(r, 8, argv, lens);
    int rc = rep != NULL && rep->type == REDIS_REPLY_STRING && rep->len < 64 ? 0 : -1;
    if (id != NULL)
        snprintf(id, 64, "%s", rc == 0 ? rep->str : "");
    if (rep != NULL)
        freeReplyObject(rep);
    return rc;
}

void svc_play_expire(cf_redis *r, const char *play_id, int ttl_s)
{
    static const char *const suffixes[] = {"out", "in", "screen"};
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        char key[CF_PLAY_KEY_MAX + 1];
        cf_play_key(key, play_id, suffixes[i]);
        redisReply *rep = cf_redis_command(r, "EXPIRE %s %d", key, ttl_s);
        if (rep != NULL)
            freeReplyObject(rep);
    }
}
