/*
 * service.h — the inside of cf-simulator, the consumer of cf:fights and
 * cf:plays.
 *
 * One parent process reads both streams; worker processes each own one
 * sandbox (cf_sandbox: ptrace ties bots to their tracer, so a sandbox is
 * never shared) and run one job at a time: fight workers fights, arcade
 * workers plays. Parent and workers talk over two pipes with typed frames
 * (svc_frame_*), so a worker that dies takes nothing with it but its own
 * job. A fight left that way stays pending in the consumer group and is
 * reclaimed; a play, which a person was playing, ends as failed instead of
 * starting again.
 *
 *   service_main.c    configuration, signals, the main loop
 *   service_slots.c   the worker processes of both kinds: spawn, ready,
 *                     frames, reaping; what every desk does with its
 *                     running jobs (renew their claims, kill stuck ones)
 *   service_fights.c  the fights desk: take an entry, check it, hand it to
 *                     a worker, publish its report, acknowledge it
 *   service_plays.c   the plays desk: the same for cf:plays, and the end
 *                     of a play that could not run or was cut short
 *   service_desk.c    what both desks do alike: hand over a job, read
 *                     new entries, trim their stream
 *   service_publish.c results, dead letters and progress on their streams
 *   service_cancel.c  cancel keys (cf:cancel:<id>)
 *   service_worker.c  a worker process: sandbox + jobs
 *   service_play.c    one play in an arcade worker: its display out, its
 *                     input in, each on its own Redis connection
 *   service_ipc.c     frames on the parent <-> worker pipes
 *
 * The consumer-group cursor (read, reclaim, renew, ack, trim) is
 * common/stream_group.h's, as the result processor's.
 */
#ifndef CF_SERVICE_H
#define CF_SERVICE_H

#include <sched.h> /* cpu_set_t */
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>

#include "fight.h"
#include "fight_entry.h"
#include "play_entry.h"
#include "progress_entry.h"
#include "redis_conn.h"
#include "stream_group.h"
#include "streams.h"

#define SVC_MAX_SLOTS 256
/* While a job runs: the parent reads the streams without blocking, then
 * waits this long on the workers' pipes (new work waits at most this). */
#define SVC_BUSY_POLL_MS 20
#define SVC_DEAD_VALUE_MAX (64 * 1024) /* original values copied to the dead letter */
#define SVC_PLAY_TTL_S 3600            /* a play's keys (out, in, screen) while it runs */
#define SVC_PLAY_AFTER_S 600           /* ... and after its end: a late viewer still sees it */

/* Set by SIGTERM/SIGINT: stop taking work, let running jobs finish. */
extern volatile sig_atomic_t svc_stop;

/* ---- settings, from the [simulator] and [arcade] sections ---- */
typedef struct svc_settings {
    char consumer[128];
    char redis_url[1024]; /* for the arcade workers' own connections */
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
    long idle_block_ms;    /* each desk's XREADGROUP BLOCK when nothing runs */
    bool pin_workers;      /* each fight worker on one CPU (cpu_pin.h) */
    /* [arcade] */
    int arcade_slots; /* arcade workers; 0: cf:plays is not read */
    int arcade_wall_s, arcade_idle_s, arcade_cpu_s, arcade_memory_mb;
    size_t arcade_max_code_bytes, arcade_max_bundle_bytes;
    long arcade_out_maxlen;
} svc_settings;

/* ---- frames between parent and workers ---- */
enum svc_frame_type {
    SVC_FRAME_JOB = 'J',      /* parent -> worker: the entry's fields, encoded */
    SVC_FRAME_CANCEL = 'C',   /* parent -> worker: stop the current job */
    SVC_FRAME_READY = 'Y',    /* worker -> parent: sandbox started */
    SVC_FRAME_PROGRESS = 'P', /* worker -> parent: tick (decimal) */
    SVC_FRAME_OUTPUT = 'O',   /* worker -> parent: the fight's per-tick output
                                 JSON (optional, just before its REPORT) */
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
enum svc_kind { SVC_FIGHT, SVC_PLAY };
#define SVC_KINDS 2
#define SVC_ANY (-1) /* either kind, where a kind is asked for */

typedef struct svc_slot {
    enum svc_kind kind; /* which jobs its worker runs, for its whole life */
    pid_t pid;          /* 0: no worker */
    int jobfd, resfd;
    bool ready, busy, cancel_sent;
    char entry_id[64];            /* the stream entry it works on */
    char job_id[CF_UUID_LEN + 1]; /* ... the fight's or the play's id */
    cf_fight_entry fight;         /* a fight, decoded once, kept for its report */
    cJSON *output;                /* its per-tick output, until the report */
    int64_t started_ms, last_progress_ms;
    int64_t respawn_after;
} svc_slot;

/* What a desk does with a worker's frame ... */
typedef void (*svc_on_frame)(void *ud, svc_slot *sl, char type, const char *data, size_t len);
/* ... and with a worker that died while busy. */
typedef void (*svc_on_gone)(void *ud, svc_slot *sl);

typedef struct svc_slots {
    svc_slot slot[SVC_MAX_SLOTS];
    int n;
    cpu_set_t cpus;          /* the CPUs the fight workers are pinned to in turn ... */
    int ncpus;               /* ... how many (0: workers not pinned) */
    char *layers[SVC_KINDS]; /* a kind's sandbox layers (JSON), from its first READY */
    const svc_settings *s;
    cf_sandbox_options opts[SVC_KINDS];
    struct {
        svc_on_frame on_frame;
        svc_on_gone on_gone;
        void *ud;
    } desk[SVC_KINDS];
} svc_slots;

/* Forks count[kind] workers of each kind and waits for each one's READY;
 * -1 (logged) when a sandbox cannot start on this host. */
int svc_slots_start(svc_slots *s, const svc_settings *settings, const int count[SVC_KINDS],
                    const cf_sandbox_options opts[SVC_KINDS]);
/* Where the frames and deaths of one kind's workers go (its desk). */
void svc_slots_route(svc_slots *s, enum svc_kind kind, svc_on_frame on_frame, svc_on_gone on_gone,
                     void *ud);
/* Workers that died come back, one second after their death at the soonest. */
void svc_slots_respawn(svc_slots *s);
/* Reads every frame that is ready, waiting at most timeout_ms for the
 * first, and hands it to its desk; reaps dead children (as a container's
 * PID 1 it inherits every orphan). */
void svc_slots_poll(svc_slots *s, int timeout_ms);
/* Kills a worker (stuck or gone) and closes its slot; it respawns later. */
void svc_slot_kill(svc_slots *s, svc_slot *sl);
/* A ready worker of the kind with no job, or NULL. */
svc_slot *svc_slots_free(svc_slots *s, enum svc_kind kind);
/* kind: SVC_FIGHT, SVC_PLAY or SVC_ANY. */
int svc_slots_count_free(const svc_slots *s, int kind);
int svc_slots_count_busy(const svc_slots *s, int kind);
/* Is the stream entry one a worker of the kind runs now? */
bool svc_slots_running(const svc_slots *s, enum svc_kind kind, const char *entry_id);
/* Renews the claim of every running job of the kind (XCLAIM JUSTID). */
void svc_slots_renew(svc_slots *s, enum svc_kind kind, cf_consumer *c);
/* Kills the workers of the kind whose job has run longer than timeout_ms
 * (limit: the setting, for the log). */
void svc_slots_kill_stuck(svc_slots *s, enum svc_kind kind, int64_t timeout_ms, const char *limit);
/* On shutdown: busy workers are killed (their desks have settled their
 * entries first), idle ones end on the end of their job pipe. */
void svc_slots_stop(svc_slots *s);

/* ---- the heartbeat (service_main.c): slots in use and the layers ---- */
struct cf_heartbeat;
void svc_heartbeat_update(struct cf_heartbeat *hb, const svc_slots *s);

/* ---- what both desks do alike ---- */
/* A desk's treatment of one entry (fresh: new, not delivered before). */
typedef void (*svc_on_entry)(void *ud, const cf_entry *e, bool fresh);
/* A JOB frame of an entry's fields (encoded by its contract; freed here)
 * to sl's worker. 0 or -1. */
int svc_hand_over(svc_slot *sl, cf_fields_out *job);
/* Up to count entries (own pending first, then new, blocking up to
 * block_ms), each to dispatch. */
void svc_desk_read(cf_consumer *c, svc_slots *slots, int count, long block_ms,
                   svc_on_entry dispatch, void *ud);
/* XTRIM below what is pending or undelivered, and prune consumers gone for
 * an hour, every simulator.trim_every_ms. */
void svc_desk_trim(cf_consumer *c, const svc_settings *s, int64_t *last_trim);

/* ---- the fights desk ---- */
typedef struct svc_fights {
    const svc_settings *s;
    cf_redis *r;
    cf_consumer consumer;
    svc_slots *slots;
    int64_t last_renew, last_cancel, last_reclaim, last_trim;
} svc_fights;

/* Takes the fight workers' frames from now on. */
void svc_fights_init(svc_fights *f, const svc_settings *s, svc_slots *slots);
/* Connects the desk to Redis (after the workers are forked: they must not
 * inherit the socket). */
void svc_fights_attach(svc_fights *f, cf_redis *r);
/* The desk's timers: renew, cancel, trim, stuck workers. */
void svc_fights_timers(svc_fights *f);
/* New work while a fight worker is free: own pending entries, reclaimed
 * ones, new ones (blocking up to block_ms on the stream). */
void svc_fights_take_work(svc_fights *f, long block_ms);
/* Hands every running fight back (pending, reclaimable at once). */
void svc_fights_stop(svc_fights *f);

/* ---- the plays desk ---- */
typedef struct svc_plays {
    const svc_settings *s;
    cf_redis *r;
    cf_consumer consumer;
    svc_slots *slots;
    bool shutdown_sent;
    int64_t last_renew, last_reclaim, last_trim;
} svc_plays;

void svc_plays_init(svc_plays *p, const svc_settings *s, svc_slots *slots);
void svc_plays_attach(svc_plays *p, cf_redis *r);
/* The desk's timers: renew, trim, stuck workers. */
void svc_plays_timers(svc_plays *p);
/* New plays while an arcade worker is free; plays another simulator left
 * (reclaimed) or that were delivered before are ended as failed, never run
 * again. */
void svc_plays_take_work(svc_plays *p, long block_ms);
/* The simulator stops: every running play is told to end (as failed). */
void svc_plays_shutdown(svc_plays *p);
/* Plays still running at the end of the grace: ended as failed here. */
void svc_plays_stop(svc_plays *p);

/* ---- publishing ---- */
/* XADD cf:results; report and output (NULL: none) are borrowed. 0 or -1. */
int svc_publish_result(cf_redis *r, const svc_settings *s, const cJSON *report,
                       const cJSON *output);
/* An entry of stream (cf:fights or cf:plays) on its dead-letter stream. */
int svc_publish_dead(cf_redis *r, const svc_settings *s, const char *stream, const cf_entry *e,
                     const char *reason);
int svc_publish_progress(cf_redis *r, const svc_settings *s, const char *fight_id,
                         enum cf_progress_state state, int tick, const char *status);
/* A play's one progress entry: a worker took it. */
int svc_publish_play_started(cf_redis *r, const svc_settings *s, const char *play_id,
                             const char *entry_id);
/* One message on cf:play:<id>:out (MAXLEN ~ arcade.out_maxlen); its entry
 * id into id (NULL: not wanted; "" on failure). 0 or -1. */
int svc_play_out(cf_redis *r, const svc_settings *s, const char *play_id, const char *msg,
                 size_t len, char id[64]);
/* A play's keys (out, in, screen) live ttl_s seconds more. */
void svc_play_expire(cf_redis *r, const char *play_id, int ttl_s);
/* A play's end object (borrowed) on cf:results, kind play, naming the
 * cf:plays entry it came from (the result processor checks it is the one
 * the web sent). */
int svc_publish_play_end(cf_redis *r, const svc_settings *s, const char *play_id,
                         const char *entry_id, const cJSON *end);

/* ---- cancel ---- */
/* Which of the ids have a cancel key: out[i] set. 0 or -1. */
int svc_cancel_check(cf_redis *r, const char *const *ids, size_t n, bool *out);

/* ---- worker process ---- */
/* Never returns. The first worker of a kind prints the sandbox layers. */
void svc_worker_main(int jobfd, int resfd, int index, enum svc_kind kind,
                     const cf_sandbox_options *opts, const svc_settings *s)
    __attribute__((noreturn));
/* One play in an arcade worker (service_play.c): buf is the JOB frame.
 * 0 when its end was sent as the REPORT frame, -1 (err) when the sandbox or
 * the worker's Redis connections broke. */
int svc_play_job(cf_sandbox *sb, const svc_settings *s, int jobfd, int resfd, const char *buf,
                 size_t len, char *err, size_t errlen);

#endif
