/*
 * stream_group.h — consumer-group chores shared by cf-simulator and
 * cf-result-processor, so both keep one rule for each.
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

#include "redis_conn.h"
#include "stream_msg.h"

/* One stream entry; keys and values are malloc'd, NUL-terminated copies. */
typedef struct cf_entry {
    char id[64];      /* "ms-seq" */
    size_t nfields;   /* 0: trimmed while pending (Redis 7.0) */
    cf_field *fields;
} cf_entry;

int cf_group_create(cf_redis *r, const char *stream, const char *group, const char *start);
int cf_group_prune_consumers(cf_redis *r, const char *stream, const char *group,
                             const char *self, long long idle_ms);
int cf_dead_letter(cf_redis *r, long maxlen, const char *reason, const char *source_stream,
                   const char *entry_id, const cf_field *fields, size_t n, size_t cap);
void cf_consumer_name(char *out, size_t outlen, const char *configured);
int cf_entries_from_reply(const redisReply *list, cf_entry **out, size_t *n);
void cf_entries_free(cf_entry *e, size_t n);
/* The field named key, or NULL. */
const cf_field *cf_entry_field(const cf_entry *e, const char *key);

#endif
