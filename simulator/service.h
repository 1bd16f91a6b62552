/*
 * service.h — the inside of cf-simulator, the fights consumer.
 *
 * One parent process speaks to Redis and nothing else; N worker processes
 * each own one sandbox (cf_sandbox: ptrace ties bots to their tracer, so a
 * sandbox is never shared) and run one fight at a time. Parent and workers
 * talk over two pipes with typed frames (svc_frame_*), so a worker that dies
 * takes nothing with it but its own fight, which stays pending in the
 * consumer group and is reclaimed.
 *
 *   service_main.c      configuration, signals, the main loop
 *   service_consumer.c  the consumer group: read, reclaim, renew, ack, trim
 *   service_publish.c   results, dead letters, progress entries
 *   service_validate.c  is a cf:fights entry runnable?
 *   service_cancel.c    cancel keys (cf:cancel:<id>)
 *   service_worker.c    a worker process: sandbox + fights
 *   service_ipc.c       frames on the parent <-> worker pipes
 */
#ifndef CF_SERVICE_H
#define CF_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>

#include "fight.h"
#include "redis_conn.h"
#include "stream_group.h"
#include "stream_msg.h"

#define SVC_CANCEL_PREFIX "cf:cancel:"
#define SVC_DEAD_VALUE_MAX (64 * 1024) /* original values copied to the dead letter */

/* ---- settings, from the [simulator] section ---- */
typedef struct svc_settings {
    char consumer[128];
    int concurrency;
    long block_ms;
    long renew_ms;        /* XCLAIM JUSTID of running fights every renew_ms */
    long reclaim_idle_ms; /* XAUTOCLAIM min-idle; >= 3 * renew_ms */
    long reclaim_every_ms;
    int max_deliveries;
    size_t max_code_bytes;
    long results_maxlen, dead_maxlen, progress_maxlen;
    long progress_every_ms;
    long cancel_poll_ms;
    long shutdown_grace_ms;
    long trim_every_ms; /* 0: never trim cf:fights */
    long fight_timeout_ms; /* a worker stuck longer on one fight is killed */
} svc_settings;

/* ---- stream entries (common/stream_group.h) ---- */
typedef cf_entry svc_entry;

/* ---- consumer group ---- */
int svc_group_ensure(cf_redis *r, const char *stream, const char *group);
/* XREADGROUP; from "0" (own pending) or ">" (new). Returns count or -1. */
int svc_read(cf_redis *r, const svc_settings *s, const char *from, int count, long block_ms,
             svc_entry **out, size_t *n);
/* XAUTOCLAIM entries idle for reclaim_idle_ms; deleted ids of trimmed pending
 * entries come back in *gone (count *ngone). Returns count or -1. */
int svc_reclaim(cf_redis *r, const svc_settings *s, char *cursor, size_t cursorlen, int count,
                svc_entry **out, size_t *n, char ***gone, size_t *ngone);
/* XCLAIM ... JUSTID: resets idle time, does not count a delivery. */
int svc_renew(cf_redis *r, const svc_settings *s, const char *const *ids, size_t n);
/* Makes a pending entry reclaimable at once (shutdown). */
int svc_handback(cf_redis *r, const svc_settings *s, const char *id);
/* Delivery count of one pending entry (XPENDING); -1 on error, 0 if not pending. */
long svc_deliveries(cf_redis *r, const char *id);
int svc_ack(cf_redis *r, const char *id);
/* XTRIM cf:fights MINID ~ below anything pending or undelivered. */
int svc_trim_fights(cf_redis *r);
/* XGROUP DELCONSUMER of consumers idle that long with nothing pending. */
int svc_prune_consumers(cf_redis *r, const svc_settings *s, long long idle_ms);

/* ---- publishing ---- */
/* XADD cf:results; report is borrowed. 0 or -1. */
int svc_publish_result(cf_redis *r, const svc_settings *s, const char *fight_id,
                       const char *status, const cJSON *report);
int svc_publish_dead(cf_redis *r, const svc_settings *s, const svc_entry *e,
                     const char *reason);
int svc_publish_progress(cf_redis *r, const svc_settings *s, const char *fight_id,
                         const char *state, int tick, const char *status);
/* A report-shaped object for a fight that never ran (bad, cancelled, looping). */
cJSON *svc_report_stub(const char *fight_id, const char *game, const cf_fight_msg *msg,
                       const char *status, const char *explanation);

/* ---- validation ---- */
/* 0 and *msg filled (caller frees) when runnable; -1 with a reason. */
int svc_validate(const svc_entry *e, size_t max_code_bytes, cf_fight_msg *msg, char *reason,
                 size_t reasonlen);

/* ---- cancel ---- */
/* Which of the ids have a cancel key: out[i] set. 0 or -1. */
int svc_cancel_check(cf_redis *r, const char *const *ids, size_t n, bool *out);

/* ---- frames between parent and workers ---- */
enum svc_frame_type {
    SVC_FRAME_JOB = 'J',      /* parent -> worker: serialized entry fields */
    SVC_FRAME_CANCEL = 'C',   /* parent -> worker: stop the current fight */
    SVC_FRAME_READY = 'Y',    /* worker -> parent: sandbox started */
    SVC_FRAME_PROGRESS = 'P', /* worker -> parent: tick (decimal) */
    SVC_FRAME_REPORT = 'R',   /* worker -> parent: report JSON */
    SVC_FRAME_ERROR = 'E',    /* worker -> parent: sandbox broke, exiting */
};
#define SVC_FRAME_MAX (64u * 1024u * 1024u)

int svc_frame_write(int fd, char type, const void *data, size_t len);
/* Reads one whole frame (blocking). 1 on a frame (*data malloc'd, NUL-terminated),
 * 0 on EOF, -1 on error. */
int svc_frame_read(int fd, char *type, char **data, size_t *len);
/* Serializes fields for a JOB frame and back. */
char *svc_fields_pack(const cf_field *f, size_t n, size_t *len);
int svc_fields_unpack(const char *buf, size_t len, cf_field **f, size_t *n);

/* ---- worker process ---- */
/* Never returns. index 0 prints the sandbox layers. */
void svc_worker_main(int jobfd, int resfd, int index, const cf_sandbox_options *opts)
    __attribute__((noreturn));

#endif
