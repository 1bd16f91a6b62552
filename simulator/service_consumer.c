/*
 * service_consumer.c — cf-simulator's side of the `simulators` group.
 *
 * The contract it keeps (see docs/streams.md):
 *  - the group is created from id 0 with MKSTREAM, so fights queued before
 *    the first simulator started still run;
 *  - on start a consumer reads its own pending entries (from 0) before new
 *    ones (>), so a restarted simulator with a stable name resumes its work;
 *  - entries left pending by a dead consumer are taken over by XAUTOCLAIM
 *    once idle for reclaim_idle_ms; a running fight's claim is renewed with
 *    XCLAIM ... JUSTID (idle reset, no delivery counted) every renew_ms, and
 *    reclaim_idle_ms >= 3 * renew_ms, so a long fight is never run twice;
 *  - an entry is acknowledged only after its result is published.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "service.h"
#include "stream_group.h"

int svc_group_ensure(cf_redis *r, const char *stream, const char *group)
{
    return cf_group_create(r, stream, group, "0");
}

/* The entry list of the only stream of an XREADGROUP reply. */
static const redisReply *read_reply_entries(const redisReply *rep)
{
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1)
        return NULL;
    const redisReply *s = rep->element[0];
    if (s->type != REDIS_REPLY_ARRAY || s->elements != 2)
        return NULL;
    return s->element[1];
}

int svc_read(cf_redis *r, const svc_settings *s, const char *from, int count, long block_ms,
             svc_entry **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    redisReply *rep;
    if (strcmp(from, ">") == 0)
        rep = cf_redis_command(r, "XREADGROUP GROUP %s %s COUNT %d BLOCK %ld STREAMS %s >",
                               CF_GROUP_SIMULATORS, s->consumer, count, block_ms,
                               CF_STREAM_FIGHTS);
    else
        rep = cf_redis_command(r, "XREADGROUP GROUP %s %s COUNT %d STREAMS %s %s",
                               CF_GROUP_SIMULATORS, s->consumer, count, CF_STREAM_FIGHTS,
                               from);
    if (rep == NULL) {
        log_warn("XREADGROUP: %s", cf_redis_error(r));
        return -1;
    }
    int rc = 0;
    if (rep->type == REDIS_REPLY_ERROR) {
        log_warn("XREADGROUP: %s", rep->str);
        /* The stream or group vanished (FLUSHALL, DEL): make them again. */
        if (strncmp(rep->str, "NOGROUP", 7) == 0)
            svc_group_ensure(r, CF_STREAM_FIGHTS, CF_GROUP_SIMULATORS);
        rc = -1;
    } else if (rep->type != REDIS_REPLY_NIL) {
        rc = cf_entries_from_reply(read_reply_entries(rep), out, n);
    }
    freeReplyObject(rep);
    return rc;
}

int svc_reclaim(cf_redis *r, const svc_settings *s, char *cursor, size_t cursorlen, int count,
                svc_entry **out, size_t *n, char ***gone, size_t *ngone)
{
    *out = NULL;
    *n = 0;
    *gone = NULL;
    *ngone = 0;
    redisReply *rep = cf_redis_command(r, "XAUTOCLAIM %s %s %s %ld %s COUNT %d",
                                       CF_STREAM_FIGHTS, CF_GROUP_SIMULATORS, s->consumer,
                                       s->reclaim_idle_ms, cursor, count);
    if (rep == NULL) {
        log_warn("XAUTOCLAIM: %s", cf_redis_error(r));
        return -1;
    }
    int rc = -1;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements >= 2 &&
        rep->element[0]->type == REDIS_REPLY_STRING) {
        snprintf(cursor, cursorlen, "%s", rep->element[0]->str);
        rc = cf_entries_from_reply(rep->element[1], out, n);
        /* Redis >= 7: ids of pending entries that no longer exist, already
         * removed from the PEL by XAUTOCLAIM itself. */
        if (rc >= 0 && rep->elements >= 3 && rep->element[2]->type == REDIS_REPLY_ARRAY &&
            rep->element[2]->elements > 0) {
            const redisReply *g = rep->element[2];
            *gone = calloc(g->elements, sizeof **gone);
            if (*gone != NULL) {
                for (size_t i = 0; i < g->elements; i++)
                    if (g->element[i]->type == REDIS_REPLY_STRING &&
                        ((*gone)[*ngone] = strdup(g->element[i]->str)) != NULL)
                        (*ngone)++;
            }
        }
    } else if (rep->type == REDIS_REPLY_ERROR) {
        log_warn("XAUTOCLAIM: %s", rep->str);
    }
    freeReplyObject(rep);
    return rc;
}

int svc_renew(cf_redis *r, const svc_settings *s, const char *const *ids, size_t n)
{
    if (n == 0)
        return 0;
    size_t argc = 6 + n;
    const char **argv = calloc(argc, sizeof *argv);
    if (argv == NULL)
        return -1;
    argv[0] = "XCLAIM";
    argv[1] = CF_STREAM_FIGHTS;
    argv[2] = CF_GROUP_SIMULATORS;
    argv[3] = s->consumer;
    argv[4] = "0";
    for (size_t i = 0; i < n; i++)
        argv[5 + i] = ids[i];
    argv[5 + n] = "JUSTID";
    redisReply *rep = cf_redis_argv(r, (int)argc, argv, NULL);
    free(argv);
    if (rep == NULL) {
        log_warn("XCLAIM renew: %s", cf_redis_error(r));
        return -1;
    }
    int rc = rep->type == REDIS_REPLY_ERROR ? -1 : 0;
    if (rc)
        log_warn("XCLAIM renew: %s", rep->str);
    freeReplyObject(rep);
    return rc;
}

long svc_deliveries(cf_redis *r, const char *id)
{
    redisReply *rep = cf_redis_command(r, "XPENDING %s %s %s %s 1", CF_STREAM_FIGHTS,
                                       CF_GROUP_SIMULATORS, id, id);
    if (rep == NULL)
        return -1;
    long n = -1;
    if (rep->type == REDIS_REPLY_ARRAY) {
        n = 0;
        if (rep->elements == 1 && rep->element[0]->type == REDIS_REPLY_ARRAY &&
            rep->element[0]->elements == 4 &&
            rep->element[0]->element[3]->type == REDIS_REPLY_INTEGER)
            n = (long)rep->element[0]->element[3]->integer;
    }
    freeReplyObject(rep);
    return n;
}

int svc_ack(cf_redis *r, const char *id)
{
    redisReply *rep = cf_redis_command(r, "XACK %s %s %s", CF_STREAM_FIGHTS,
                                       CF_GROUP_SIMULATORS, id);
    if (rep == NULL) {
        log_warn("XACK %s: %s", id, cf_redis_error(r));
        return -1;
    }
    int rc = rep->type == REDIS_REPLY_INTEGER ? 0 : -1;
    freeReplyObject(rep);
    return rc;
}

/* Parses "ms-seq" into a comparable pair. */
static int id_parse(const char *s, uint64_t *ms, uint64_t *seq)
{
    return sscanf(s, "%" SCNu64 "-%" SCNu64, ms, seq) == 2 ? 0 : -1;
}

/*
 * Trimming a stream whose entries are still pending deletes them on Redis
 * 7.0 (they come back empty). So cf:fights is trimmed only below the oldest
 * pending entry and below what the group has delivered: MINID ~ that id.
 */
int svc_trim_fights(cf_redis *r)
{
    uint64_t lms = UINT64_MAX, lseq = UINT64_MAX;
    redisReply *rep = cf_redis_command(r, "XINFO GROUPS %s", CF_STREAM_FIGHTS);
    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
        if (rep)
            freeReplyObject(rep);
        return -1;
    }
    /* Every group of the stream counts, not only ours. */
    for (size_t g = 0; g < rep->elements; g++) {
        const redisReply *info = rep->element[g];
        if (info->type != REDIS_REPLY_ARRAY)
            continue;
        for (size_t i = 0; i + 1 < info->elements; i += 2) {
            const redisReply *k = info->element[i], *v = info->element[i + 1];
            if (k->type == REDIS_REPLY_STRING && strcmp(k->str, "last-delivered-id") == 0 &&
                v->type == REDIS_REPLY_STRING) {
                uint64_t ms, seq;
                if (id_parse(v->str, &ms, &seq) == 0 &&
                    (ms < lms || (ms == lms && seq < lseq))) {
                    lms = ms;
                    lseq = seq;
                }
            }
        }
        /* The oldest pending entry of this group. */
        const redisReply *name = NULL;
        for (size_t i = 0; i + 1 < info->elements; i += 2)
            if (info->element[i]->type == REDIS_REPLY_STRING &&
                strcmp(info->element[i]->str, "name") == 0)
                name = info->element[i + 1];
        if (name == NULL || name->type != REDIS_REPLY_STRING)
            continue;
        redisReply *p = cf_redis_command(r, "XPENDING %s %s", CF_STREAM_FIGHTS, name->str);
        if (p != NULL && p->type == REDIS_REPLY_ARRAY && p->elements >= 2 &&
            p->element[1]->type == REDIS_REPLY_STRING) {
            uint64_t ms, seq;
            if (id_parse(p->element[1]->str, &ms, &seq) == 0 &&
                (ms < lms || (ms == lms && seq < lseq))) {
                lms = ms;
                lseq = seq;
            }
        }
        if (p)
            freeReplyObject(p);
    }
    freeReplyObject(rep);
    if (lms == UINT64_MAX || (lms == 0 && lseq == 0))
        return 0;
    char minid[64];
    snprintf(minid, sizeof minid, "%" PRIu64 "-%" PRIu64, lms, lseq);
    redisReply *t = cf_redis_command(r, "XTRIM %s MINID ~ %s", CF_STREAM_FIGHTS, minid);
    int rc = (t != NULL && t->type == REDIS_REPLY_INTEGER) ? 0 : -1;
    if (t != NULL && t->type == REDIS_REPLY_INTEGER && t->integer > 0)
        log_debug("trimmed %lld entries of %s below %s", t->integer, CF_STREAM_FIGHTS, minid);
    if (t)
        freeReplyObject(t);
    return rc;
}

/* The rule is cf_group_prune_consumers' (stream_group.h). */
int svc_prune_consumers(cf_redis *r, const svc_settings *s, long long idle_ms)
{
    return cf_group_prune_consumers(r, CF_STREAM_FIGHTS, CF_GROUP_SIMULATORS, s->consumer,
                                    idle_ms);
}

/*
 * Hands a fight back on shutdown: there is no "unclaim" in Redis, so the
 * entry's idle time is set to reclaim_idle_ms (XCLAIM ... IDLE ... JUSTID,
 * no delivery counted): the next XAUTOCLAIM of any simulator takes it at
 * once instead of after the idle time.
 */
int svc_handback(cf_redis *r, const svc_settings *s, const char *id)
{
    redisReply *rep = cf_redis_command(r, "XCLAIM %s %s %s 0 %s IDLE %ld JUSTID",
                                       CF_STREAM_FIGHTS, CF_GROUP_SIMULATORS, s->consumer, id,
                                       s->reclaim_idle_ms);
    if (rep == NULL)
        return -1;
    int rc = rep->type == REDIS_REPLY_ARRAY ? 0 : -1;
    freeReplyObject(rep);
    return rc;
}
