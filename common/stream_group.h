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
 */
#ifndef CF_STREAM_GROUP_H
#define CF_STREAM_GROUP_H

#include <stddef.h>

#include "redis_conn.h"
#include "stream_msg.h"

int cf_group_create(cf_redis *r, const char *stream, const char *group, const char *start);
int cf_group_prune_consumers(cf_redis *r, const char *stream, const char *group,
                             const char *self, long long idle_ms);
int cf_dead_letter(cf_redis *r, long maxlen, const char *reason, const char *source_stream,
                   const char *entry_id, const cf_field *fields, size_t n, size_t cap);
void cf_consumer_name(char *out, size_t outlen, const char *configured);

#endif
