/*
 * progress.c — `running` in PostgreSQL, from the simulators' progress.
 *
 * The simulator has no database access, so it cannot mark a fight running;
 * it publishes `started` on cf:progress when a worker takes the fight. The
 * processor follows cf:progress in its own group (`result-processors`,
 * created from `$`: only fresh news matter) and turns `started` into
 * status = 'running', started_at = now() for a fight still queued or
 * running (a reclaimed fight restarts its clock, which the reconciler
 * measures). A fight already final is left alone, so a late `started`
 * never undoes a result; a fight unknown to the database is ignored.
 * Best effort: every entry is acknowledged, stored or not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rp.h"
#include "stream_group.h"

int rp_progress_group_ensure(cf_redis *r)
{
    return cf_group_create(r, CF_STREAM_PROGRESS, CF_GROUP_RESULTS, "$");
}

static const char *field(const redisReply *kv, const char *key)
{
    if (kv == NULL || kv->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < kv->elements; i += 2)
        if (kv->element[i]->type == REDIS_REPLY_STRING &&
            kv->element[i + 1]->type == REDIS_REPLY_STRING &&
            strcmp(kv->element[i]->str, key) == 0)
            return kv->element[i + 1]->str;
    return NULL;
}

int rp_progress_pass(cf_redis *r, cf_pg *pg, const rp_settings *s)
{
    redisReply *rep = cf_redis_command(r, "XREADGROUP GROUP %s %s COUNT 500 STREAMS %s >",
                                       CF_GROUP_RESULTS, s->consumer, CF_STREAM_PROGRESS);
    if (rep == NULL)
        return -1;
    if (rep->type == REDIS_REPLY_ERROR) {
        if (strncmp(rep->str, "NOGROUP", 7) == 0)
            rp_progress_group_ensure(r);
        freeReplyObject(rep);
        return -1;
    }
    int n = 0;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
        rep->element[0]->type == REDIS_REPLY_ARRAY && rep->element[0]->elements == 2 &&
        rep->element[0]->element[1]->type == REDIS_REPLY_ARRAY) {
        const redisReply *list = rep->element[0]->element[1];
        for (size_t i = 0; i < list->elements; i++) {
            const redisReply *e = list->element[i];
            if (e->type != REDIS_REPLY_ARRAY || e->elements < 1 ||
                e->element[0]->type != REDIS_REPLY_STRING)
                continue;
            const redisReply *kv = e->elements > 1 ? e->element[1] : NULL;
            const char *state = field(kv, "state"), *id = field(kv, "id");
            if (state != NULL && id != NULL && strcmp(state, "started") == 0 &&
                cf_uuid_valid(id, strlen(id))) {
                const char *p[] = {id};
                if (cf_pg_run(pg,
                              "UPDATE fights SET status = 'running', started_at = now() "
                              "WHERE id = $1 AND status IN ('queued', 'running')",
                              1, p) != 0)
                    log_warn("progress of %s: %s", id, cf_pg_error(pg)); /* best effort */
                else
                    n++;
            }
            redisReply *ack = cf_redis_command(r, "XACK %s %s %s", CF_STREAM_PROGRESS,
                                               CF_GROUP_RESULTS, e->element[0]->str);
            if (ack != NULL)
                freeReplyObject(ack);
        }
    }
    freeReplyObject(rep);
    return n;
}
