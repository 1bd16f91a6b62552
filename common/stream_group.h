/*
 * stream_group.h — a consumer of a Redis consumer group, shared by
 * cf-simulator (cf:fights, cf:plays) and cf-result-processor (cf:results),
 * so all keep one rule for each step.
 *
 * The cursor (cf_consumer): the group is created from id 0 with MKSTREAM,
 * so work queued before the first consumer started still runs; a consumer
 * reads its own pending entries (from 0) before new ones (>), so a restarted
 * consumer with a stable name resumes its work; entries a dead consumer
 * left are taken over with XAUTOCLAIM once idle for reclaim_idle_ms; a
 * long job's claim is renewed with XCLAIM ... JUSTID (idle reset, no
 * delivery counted); on shutdown an entry is handed back (its idle time set
 * to reclaim_idle_ms, so the next XAUTOCLAIM takes it at once); an entry is
 * acknowledged only once its outcome is safe.
 *
 * The chores:
 *
 *  - cf_group_create: XGROUP CREATE <stream> <group> <start> MKSTREAM; a
 *    group that already exists (BUSYGROUP) is success. 0, or -1 logged.
 *  - cf_group_prune_consumers: consumers named hostname-pid pile up, one per
 *    restart. Those with nothing pending and idle for idle_ms (any
 *    XREADGROUP, even an empty one, resets a live consumer's idle time) are
 *    removed with XGROUP DELCONSUMER, except `self`; a live one removed by
 *    mistake is recreated by its next read. Each removal is logged at info.
 *    Returns how many were removed, -1 when XINFO CONSUMERS failed.
 *  - cf_dead_letter: XADD cf:fights:dead MAXLEN ~ <maxlen> * with the fields
 *    reason, source (the stream the entry came from) and entry (its id),
 *    then the entry's original fields with keys and values each cut to
 *    `cap` bytes, so a 50 MB "code" value does not move whole into another
 *    stream. 0, or -1 (logged "XADD cf:fights:dead: ...").
 *  - cf_consumer_name: the configured name, or hostname-pid when empty.
 *  - cf_entries_from_reply: copies the entries of an XREADGROUP/XAUTOCLAIM
 *    list, each [id, [k1, v1, ...]]. On Redis 7.0 an entry trimmed while
 *    still pending comes back as [id, nil]: it becomes an entry with no
 *    fields, which the caller acknowledges and records dead. Fields that are
 *    not string pairs are dropped (logged) and the entry is left with none;
 *    an item of another shape is skipped (logged). Count, or -1 when the
 *    list is not an array or memory ran out; free with cf_entries_free.
 */
#ifndef CF_STREAM_GROUP_H
#define CF_STREAM_GROUP_H

#include <stddef.h>

#include <stdbool.h>

#include "redis_conn.h"
#include "stream_fields.h"

/* One stream entry; keys and values are malloc'd, NUL-terminated copies. */
typedef struct cf_entry {
    char id[64];    /* "ms-seq" */
    size_t nfields; /* 0: trimmed while pending (Redis 7.0) */
    cf_field *fields;
} cf_entry;

/* ---- the cursor ---- */
typedef struct cf_consumer {
    cf_redis *r;
    const char *stream, *group;
    char name[128];
    long reclaim_idle_ms;
    char start[16];          /* where the group begins (ensure_group) */
    char pending_cursor[64]; /* own pending entries from here; "" once read */
    char reclaim_cursor[64];
} cf_consumer;

/* A consumer that starts with its own pending entries. */
void cf_consumer_init(cf_consumer *c, cf_redis *r, const char *stream, const char *group,
                      const char *name, long reclaim_idle_ms);
/* XGROUP CREATE ... MKSTREAM from start ("0": everything, "$": news). */
int cf_consumer_ensure_group(cf_consumer *c, const char *start);
/* Up to count entries: own pending ones while there are (*fresh false,
 * never blocking), then new ones (*fresh true, BLOCK block_ms; 0: no
 * blocking). A vanished group is created again. Count, or -1 (logged). */
int cf_consumer_read(cf_consumer *c, int count, long block_ms, cf_entry **out, size_t *n,
                     bool *fresh);
/* XAUTOCLAIM of entries idle for reclaim_idle_ms. The ids of pending
 * entries trimmed from the stream come back in *gone (each and the array
 * malloc'd; XAUTOCLAIM already dropped them from the PEL). */
int cf_consumer_reclaim(cf_consumer *c, int count, cf_entry **out, size_t *n, char ***gone,
                        size_t *ngone);
/* XCLAIM ... JUSTID: resets the idle time of entries still being worked on. */
int cf_consumer_renew(cf_consumer *c, const char *const *ids, size_t n);
/* Makes a pending entry reclaimable at once (shutdown). */
int cf_consumer_handback(cf_consumer *c, const char *id);
/* Delivery count of a pending entry (XPENDING); 0 when no longer pending,
 * -1 on error. */
long cf_consumer_deliveries(cf_consumer *c, const char *id);
int cf_consumer_ack(cf_consumer *c, const char *id);
/* One XACK for n ids (n may be 0). 0, or -1 (logged). */
int cf_consumer_ack_many(cf_consumer *c, const char *const *ids, size_t n);
/*
 * Waits, up to block_ms, until any of the n consumers' streams has an entry
 * its group has not handed out yet (after its last-delivered-id), without
 * taking it: one XREAD BLOCK over all the streams, so an idle process that
 * serves several streams answers the first entry of any at once instead of
 * blocking on each in turn. The consumers share one connection. 1: there
 * is something to read (or a consumer's own pending entries are still to
 * be read), 0: the time ran out, -1: a stream or group is missing or Redis
 * is away (logged; read each stream as before).
 */
int cf_consumers_wait(cf_consumer *const *cs, size_t n, long block_ms);
/* XTRIM MINID ~ below anything pending or undelivered in any group. */
int cf_consumer_trim(cf_consumer *c);

/* XADD stream MAXLEN ~ maxlen (0: no trimming) * with the fields. 0, or -1
 * (logged). */
int cf_stream_add(cf_redis *r, const char *stream, long maxlen, const cf_fields_out *f);

/* ---- the chores ---- */
int cf_group_create(cf_redis *r, const char *stream, const char *group, const char *start);
int cf_group_prune_consumers(cf_redis *r, const char *stream, const char *group, const char *self,
                             long long idle_ms);
/* cf_dead_letter_to a dead stream other than cf:fights:dead (cf:plays:dead). */
int cf_dead_letter_to(cf_redis *r, const char *dead_stream, long maxlen, const char *reason,
                      const char *source_stream, const char *entry_id, const cf_field *fields,
                      size_t n, size_t cap);
int cf_dead_letter(cf_redis *r, long maxlen, const char *reason, const char *source_stream,
                   const char *entry_id, const cf_field *fields, size_t n, size_t cap);
void cf_consumer_name(char *out, size_t outlen, const char *configured);
int cf_entries_from_reply(const redisReply *list, cf_entry **out, size_t *n);
void cf_entries_free(cf_entry *e, size_t n);
/* The field named key, or NULL. */
const cf_field *cf_entry_field(const cf_entry *e, const char *key);

#endif
