/*
 * service_publish.c — what cf-simulator writes: results, dead letters and
 * progress, each XADD trimmed with MAXLEN ~ as configured.
 *
 * A dead letter keeps the original fields (each value capped, so a 50 MB
 * "code" field does not move into another stream whole) after its own
 * `reason`, `source` and `entry` fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "service.h"
#include "stream_group.h"

static int xadd(cf_redis *r, int argc, const char **argv, const size_t *lens)
{
    redisReply *rep = cf_redis_argv(r, argc, argv, lens);
    if (rep == NULL) {
        log_error("XADD %s: %s", argv[1], cf_redis_error(r));
        return -1;
    }
    int rc = 0;
    if (rep->type == REDIS_REPLY_ERROR) {
        log_error("XADD %s: %s", argv[1], rep->str);
        rc = -1;
    }
    freeReplyObject(rep);
    return rc;
}

int svc_publish_result(cf_redis *r, const svc_settings *s, const char *fight_id,
                       const char *status, const cJSON *report)
{
    char *json = cJSON_PrintUnformatted(report);
    if (json == NULL)
        return -1;
    char maxlen[32];
    snprintf(maxlen, sizeof maxlen, "%ld", s->results_maxlen);
    const char *argv[] = {"XADD", CF_STREAM_RESULTS, "MAXLEN", "~", maxlen, "*",
                          "id", fight_id, "status", status, "report", json};
    int rc = xadd(r, 12, argv, NULL);
    free(json);
    return rc;
}

int svc_publish_dead(cf_redis *r, const svc_settings *s, const svc_entry *e,
                     const char *reason)
{
    return cf_dead_letter(r, s->dead_maxlen, reason, CF_STREAM_FIGHTS, e->id, e->fields,
                          e->nfields, SVC_DEAD_VALUE_MAX);
}

int svc_publish_progress(cf_redis *r, const svc_settings *s, const char *fight_id,
                         const char *state, int tick, const char *status)
{
    char maxlen[32], t[32];
    snprintf(maxlen, sizeof maxlen, "%ld", s->progress_maxlen);
    snprintf(t, sizeof t, "%d", tick);
    const char *argv[] = {"XADD", CF_STREAM_PROGRESS, "MAXLEN", "~", maxlen, "*",
                          "id", fight_id, "state", state, "tick", t, "status", status};
    return xadd(r, status != NULL ? 14 : 12, argv, NULL);
}

cJSON *svc_report_stub(const char *fight_id, const char *game, const cf_fight_msg *msg,
                       const char *status, const char *explanation)
{
    cJSON *rep = cJSON_CreateObject();
    if (rep == NULL)
        return NULL;
    cJSON *players = cJSON_CreateArray(), *result = cJSON_CreateArray();
    cJSON_AddItemToObject(rep, "fight_id", cJSON_CreateString(fight_id));
    cJSON_AddItemToObject(rep, "game", cJSON_CreateString(game != NULL ? game : ""));
    /* No seed was chosen for a fight that never ran: null where the
     * contract allows it (failed), else 0. */
    if (msg != NULL && msg->has_seed)
        cJSON_AddItemToObject(rep, "seed", cJSON_CreateNumber((double)msg->seed));
    else if (strcmp(status, "failed") == 0)
        cJSON_AddItemToObject(rep, "seed", cJSON_CreateNull());
    else
        cJSON_AddItemToObject(rep, "seed", cJSON_CreateNumber(0));
    cJSON_AddItemToObject(rep, "status", cJSON_CreateString(status));
    /* The players are listed (no result, no verdict beyond "ok") so that the
     * web can show who was in a fight that never ran. */
    for (int i = 0; msg != NULL && players != NULL && i < msg->nplayers; i++) {
        cJSON *p = cJSON_CreateObject();
        if (p == NULL)
            break;
        cJSON_AddItemToObject(p, "name", cJSON_CreateString(msg->players[i].name));
        cJSON_AddItemToObject(p, "result", cJSON_CreateNull());
        cJSON_AddItemToObject(p, "rank", cJSON_CreateNull());
        cJSON_AddItemToObject(p, "score", cJSON_CreateNull());
        cJSON_AddItemToObject(p, "verdict", cJSON_CreateString("ok"));
        cJSON_AddItemToObject(p, "detail", cJSON_CreateString(""));
        cJSON_AddItemToObject(p, "cpu_ms", cJSON_CreateNumber(0));
        cJSON_AddItemToObject(p, "peak_memory_kb", cJSON_CreateNumber(0));
        cJSON_AddItemToObject(p, "log", cJSON_CreateString(""));
        cJSON_AddItemToArray(players, p);
    }
    cJSON_AddItemToObject(rep, "players", players);
    cJSON_AddItemToObject(rep, "result", result);
    cJSON_AddItemToObject(rep, "explanation", cJSON_CreateString(explanation));
    cJSON_AddItemToObject(rep, "ticks", cJSON_CreateNumber(0));
    cJSON_AddItemToObject(rep, "data", cJSON_CreateArray());
    cJSON_AddItemToObject(rep, "elapsed_ms", cJSON_CreateNumber(0));
    return rep;
}
