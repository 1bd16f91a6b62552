/*
 * service.h — the inside of cf-simulator, the consumer of cf:fights.
 *
 * One parent process speaks to Redis; worker processes each own one sandbox
 * (cf_sandbox: ptrace ties bots to their tracer, so a sandbox is never
 * shared) and run one job at a time. Parent and workers talk over two pipes
 * with typed frames (svc_frame_*), so a worker that dies takes nothing with
 * it but its own job, which stays pending in the consumer group and is
 * reclaimed.
 *
 *   service_main.c    configuration, signals, the main loop
 *   service_slots.c   the worker processes: spawn, ready, frames, reaping
 *   service_fights.c  the fights desk: take an entry, check it, hand it to
 *                     a worker, publish its report, acknowledge it
 *   service_publish.c results, dead letters and progress on their streams
 *   service_cancel.c  cancel keys (cf:cancel:<id>)
 *   service_worker.c  a worker process: sandbox + jobs
 *   service_ipc.c     frames on the parent <-> worker pipes
 *
 * The consumer-group cursor (read, reclaim, renew, ack, trim) is
 * common/stream_group.h's, as the result processor's.
 */
#ifndef CF_SERVICE_H
#define CF_SERVICE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>

#include "fight.h"
#include "fight_entry.h"
#include "progress_entry.h"
#include "redis_conn.h"
#include "stream_group.h"
#include "streams.h"

#define SVC_MAX_SLOTS 256
#define SVC_DEAD_VALUE_MAX (64 * 1024) /* original values copied to the dead letter */

/* Set by SIGTERM/SIGINT: stop taking work, let running jobs finish. */
extern volatile sig_atomic_t svc_stop;

/* ---- settings, from the [simulator] section ---- */
typedef struct svc_settings {
    char consumer[128];
    int concurrency;
    long block_ms;
    long renew_ms;        /* XCLAIM JUSTID of running jobs every renew_ms */
    long reclaim_idle_ms; /* XAUTOCLAIM min-idle; >= 3 * renew_ms */
    long reclaim_every_ms;
    int max_deliveries;
    size_t max_code_bytes;
    long results_maxlen, dead_maxlen, progress_maxlen;
    long progress_every_ms;
    long cancel_poll_ms;
    long shutdown_grace_ms;
    long trim_every_ms;    /* 0: never trim cf:fights */
    long fight_timeout_ms; /* a worker stuck longer on one fight is killed */
} svc_settings;

/* ---- frames between parent and workers ---- */
enum svc_frame_type {
    SVC_FRAME_JOB = 'J',      /* parent -> worker: the entry's fields, encoded */
    SVC_FRAME_CANCEL = 'C',   /* parent -> worker: stop the current job */
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

/* ---- worker slots ---- */
typedef struct svc_slot {
    pid_t pid; /* 0: no worker */
    int jobfd, resfd;
    bool ready, busy, cancel_sent;
    char entry_id[64];  /* the stream entry it works on */
    cf_fight_entry job; /* ... decoded once, kept for its report */
    int64_t started_ms, last_progress_ms;
    int64_t respawn_after;
} svc_slot;

typedef struct svc_slots {
    svc_slot slot[SVC_MAX_SLOTS];
    int n;
    cf_sandbox_options opts;
} svc_slots;

/* What the parent does with a worker's frame (service_fights.c). */
typedef void (*svc_on_frame)(void *ud, svc_slot *sl, char type, const char *data, size_t len);
/* ... and with a worker that died while busy. */
typedef void (*svc_on_gone)(void *ud, svc_slot *sl);

/* Forks n workers and waits for each one's READY; -1 (logged) when a
 * sandbox cannot start on this host. */
int svc_slots_start(svc_slots *s, int n, const cf_sandbox_options *opts);
/* Workers that died come back, one second after their death at the soonest. */
void svc_slots_respawn(svc_slots *s);
/* Reads every frame that is ready, waiting at most timeout_ms for the
 * first; reaps dead children (as a container's PID 1 it inherits every
 * orphan). */
void svc_slots_poll(svc_slots *s, int timeout_ms, svc_on_frame on_frame, svc_on_gone on_gone,
                    void *ud);
/* Kills a worker (stuck or gone) and closes its slot; it respawns later. */
void svc_slot_kill(svc_slots *s, svc_slot *sl, svc_on_gone on_gone, void *ud);
/* A ready worker with no job, or NULL. */
svc_slot *svc_slots_free(svc_slots *s);
int svc_slots_count_free(const svc_slots *s);
int svc_slots_count_busy(const svc_slots *s);
/* On shutdown: busy workers are killed (their entries handed back by the
 * caller first), idle ones end on the end of their job pipe. */
void svc_slots_stop(svc_slots *s);

/* ---- the fights desk ---- */
typedef struct svc_fights {
    const svc_settings *s;
    cf_redis *r;
    cf_consumer consumer;
    svc_slots slots;
    int64_t last_renew, last_cancel, last_reclaim, last_trim;
} svc_fights;

int svc_fights_start(svc_fights *f, const svc_settings *s, const cf_sandbox_options *opts);
/* Connects the desk to Redis (after the workers are forked: they must not
 * inherit the socket). */
void svc_fights_attach(svc_fights *f, cf_redis *r);
/* One round: frames, timers (renew, cancel, reclaim, trim, stuck workers),
 * new work while a worker is free (blocking on the stream when nothing
 * runs). */
void svc_fights_round(svc_fights *f);
int svc_fights_running(const svc_fights *f);
/* Hands every running fight back (pending, reclaimable at once) and stops
 * the workers. */
void svc_fights_stop(svc_fights *f);

/* ---- publishing ---- */
/* XADD cf:results; report is borrowed. 0 or -1. */
int svc_publish_result(cf_redis *r, const svc_settings *s, const cJSON *report);
int svc_publish_dead(cf_redis *r, const svc_settings *s, const cf_entry *e, const char *reason);
int svc_publish_progress(cf_redis *r, const svc_settings *s, const char *fight_id,
                         enum cf_progress_state state, int tick, const char *status);

/* ---- cancel ---- */
/* Which of the ids have a cancel key: out[i] set. 0 or -1. */
int svc_cancel_check(cf_redis *r, const char *const *ids, size_t n, bool *out);

/* ---- worker process ---- */
/* Never returns. index 0 prints the sandbox layers. */
void svc_worker_main(int jobfd, int resfd, int index, const cf_sandbox_options *opts)
    __attribute__((noreturn));

#endif
