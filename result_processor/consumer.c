/*
 * consumer.c — cf-result-processor's side of the `result-processors` group.
 *
 * Same discipline as the simulator: group created from 0 with MKSTREAM, own
 * pending entries first, XAUTOCLAIM of entries a dead processor left, ack
 * only after the transaction committed (or the entry was recorded dead).
 * Bad entries go to cf:fights:dead with source "cf:results", the reason and
 * the original fields (values capped at 64 KiB).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rp.h"
#include "stream_group.h"

#define RP_DEAD_VALUE_MAX (64 * 1024)

int rp_group_ensure(cf_redis *r)
{
    return cf_group_create(r, CF_STREAM_RESULTS, CF_GROUP_RESULTS, "0");
}

int rp_read(cf_redis *r, const rp_settings *s, const char *from, rp_entry **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    redisReply *rep;
    if (strcmp(from, ">") == 0)
        rep = cf_redis_command(r, "XREADGROUP GROUP %s %s COUNT %d BLOCK %ld STREAMS %s >",
                               CF_GROUP_RESULTS, s->consumer, s->batch, s->block_ms,
                               CF_STREAM_RESULTS);
    else
        rep = cf_redis_command(r, "XREADGROUP GROUP %s %s COUNT %d STREAMS %s %s",
                               CF_GROUP_RESULTS, s->consumer, s->batch, CF_STREAM_RESULTS,
                               from);
    if (rep == NULL)
        return -1;
    int rc = 0;
    if (rep->type == REDIS_REPLY_ERROR) {
        log_warn("XREADGROUP: %s", rep->str);
        if (strncmp(rep->str, "NOGROUP", 7) == 0)
            rp_group_ensure(r);
        rc = -1;
    } else if (rep->type == REDIS_REPLY_ARRAY && rep->elements >= 1 &&
               rep->element[0]->type == REDIS_REPLY_ARRAY &&
               rep->element[0]->elements == 2) {
        rc = cf_entries_from_reply(rep->element[0]->element[1], out, n);
    }
    freeReplyObject(rep);
    return rc;
}

int rp_reclaim(cf_redis *r, const rp_settings *s, char *cursor, size_t cursorlen,
               rp_entry **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    redisReply *rep = cf_redis_command(r, "XAUTOCLAIM %s %s %s %ld %s COUNT %d",
                                       CF_STREAM_RESULTS, CF_GROUP_RESULTS, s->consumer,
                                       s->claim_idle_ms, cursor, s->batch);
    if (rep == NULL)
        return -1;
    int rc = -1;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements >= 2 &&
        rep->element[0]->type == REDIS_REPLY_STRING) {
        snprintf(cursor, cursorlen, "%s", rep->element[0]->str);
        rc = cf_entries_from_reply(rep->element[1], out, n);
        /* Trimmed while pending: XAUTOCLAIM already dropped them from the PEL. */
        if (rep->elements >= 3 && rep->element[2]->type == REDIS_REPLY_ARRAY)
            for (size_t i = 0; i < rep->element[2]->elements; i++)
                if (rep->element[2]->element[i]->type == REDIS_REPLY_STRING) {
                    rp_entry e = {0};
                    snprintf(e.id, sizeof e.id, "%s", rep->element[2]->element[i]->str);
                    rp_dead(r, s, &e, "result entry trimmed while pending");
                }
    }
    freeReplyObject(rep);
    return rc;
}

int rp_ack(cf_redis *r, const char *entry_id)
{
    redisReply *rep =
        cf_redis_command(r, "XACK %s %s %s", CF_STREAM_RESULTS, CF_GROUP_RESULTS, entry_id);
    if (rep == NULL)
        return -1;
    int rc = rep->type == REDIS_REPLY_INTEGER ? 0 : -1;
    freeReplyObject(rep);
    return rc;
}

int rp_dead(cf_redis *r, const rp_settings *s, const rp_entry *e, const char *reason)
{
    log_warn("result entry %s -> %s: %s", e->id, CF_STREAM_DEAD, reason);
    return cf_dead_letter(r, s->dead_maxlen, reason, CF_STREAM_RESULTS, e->id, e->fields,
                          e->nfields, RP_DEAD_VALUE_MAX);
}

/* The rule is cf_group_prune_consumers' (stream_group.h), as cf-simulator's. */
int rp_prune_consumers(cf_redis *r, const rp_settings *s, long long idle_ms)
{
    return cf_group_prune_consumers(r, CF_STREAM_RESULTS, CF_GROUP_RESULTS, s->consumer,
                                    idle_ms);
}
