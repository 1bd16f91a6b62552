/*
 * controller.h — the inside of the controller: the process that runs a job
 * (a fight, a play) with its code locked in coderunners, and traces them.
 *
 *   sandbox_life.c  a cf_sandbox's life: the layers probed, the forkserver
 *                   started, the pool filled; its description; its stop
 *   pool.c          coderunners spawned ahead (cloned, seized, in their
 *                   cgroups, layers applied), claimed by the next job
 *   tracer.c        the coderunners of one job: spawning, ptrace stops,
 *                   exits, limits, verdicts, logs, the poll loop
 *   arena.c         a fight: the game's arena (cf_arena_ops) over a tracer,
 *                   calling bots' methods
 *   tick_output.c   what a bot printed, by tick, within its caps
 *   fight.c         cf_fight_run: a fight entry -> its report
 *   play.c          cf_play_run: an arcade game, its display out and its
 *                   input in, over a tracer
 *
 * Single-threaded: ptrace ties each tracee to the thread that traces it, so a
 * job never leaves the thread that started it. The public verbs are in
 * fight.h; this header is the only surface between the files above.
 */
#ifndef CF_CONTROLLER_H
#define CF_CONTROLLER_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fight.h"
#include "game.h"
#include "sandbox.h"

/* ------------------------------------------------------------ the pipes */

/* Reads what a non-blocking pipe holds, up to len (> 0) bytes: how many
 * (> 0), 0 when nothing is there yet, -1 at its end or on an error. */
static inline ssize_t ctl_read_ready(int fd, void *buf, size_t len)
{
    for (;;) {
        ssize_t n = read(fd, buf, len);
        if (n > 0)
            return n;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1;
    }
}

/* ------------------------------------------------------------- verdicts */

enum ctl_verdict {
    V_OK,
    V_TIMEOUT,
    V_CPU_TIME,
    V_MEMORY,
    V_ILLEGAL,
    V_CRASHED,
    V_BAD_OUTPUT,
    V_KILLED,
};

const char *ctl_verdict_name(enum ctl_verdict v);

#define CTL_ERROR_MAX 200 /* bytes of a bot's first error kept (its text) */

/* What the report says about one coderunner once its job is over. */
typedef struct ctl_bot_report {
    enum ctl_verdict verdict;
    char detail[3 * 256 + 1]; /* valid UTF-8 (bot text is sanitized) */
    uint64_t cpu_ms;
    uint64_t peak_memory_kb;
    char *log;     /* owned: the capped tail of stdout+stderr */
    cJSON *output; /* owned: [[tick, "text"], ...] (tick_output.c), or NULL */
    unsigned long ptrace_stops;
    int stragglers; /* processes still alive at clean-up */
    /* For the benchmark (CF_FIGHT_DEBUG): microseconds from the spawn
     * request to the first reply (import and first call included), and the
     * calls' round trips after the first. */
    uint64_t first_reply_us;
    unsigned long calls;
    uint64_t call_us_total, call_us_min;
    /* Calls that did nothing: raised, or returned a decision the game
     * refused; the first one (tick -1: none). */
    unsigned long raised, rejected;
    int first_error_tick;
    const char *first_error_kind;            /* "raised" or "invalid" (static) */
    char first_error[3 * CTL_ERROR_MAX + 1]; /* valid UTF-8 */
} ctl_bot_report;

/* ------------------------------------------------------ per-tick output */

/* The bytes a bot printed during one tick's calls: raw[off, off + len). */
typedef struct ctl_output_tick {
    int tick;
    size_t off, len;
    bool cut; /* more was printed at this tick than kept */
} ctl_output_tick;

/* One bot's output by tick (tick_output.c). */
typedef struct ctl_output {
    char *raw; /* CF_OUTPUT_FIGHT_MAX bytes once something was printed */
    size_t raw_len;
    ctl_output_tick *ticks;
    size_t n, cap;
    bool full; /* the fight's cap was reached: nothing more is kept */
} ctl_output;

void ctl_output_init(ctl_output *o);
/* Keeps what it can of data[0..len), printed during a call at tick. */
void ctl_output_add(ctl_output *o, int tick, const char *data, size_t len);
/* [[tick, "text"], ...] within the caps of common/result_entry.h, or NULL
 * when nothing was printed (or memory ran out). */
cJSON *ctl_output_json(const ctl_output *o);
void ctl_output_free(ctl_output *o);

/* ------------------------------------------------------------- the pool */

/* A coderunner spawned ahead of its job: cloned, seized, in its own
 * cgroup, its layers applied, waiting for the go message. Spawning costs
 * a clone and cgroup writes (the first cgroup move after a quiet spell
 * waits for an RCU grace period, milliseconds); doing it between jobs
 * takes that off the job's path. */
#define CTL_POOL_SLOTS 2
#define CTL_POOL_MEMORY_KB (512u * 1024u) /* until the job sets its own */

typedef struct ctl_pooled {
    pid_t pid; /* 0: empty */
    int req_fd, rep_fd, log_fd;
    sb_cgroup *cg;
} ctl_pooled;

struct cf_sandbox {
    cf_sandbox_options opts;
    sb_layer_status layers[SB_LAYER_COUNT];
    sb_child_plan plan;
    sb_forkserver *fs;
    int sigchld_fd;    /* signalfd for SIGCHLD */
    sigset_t old_mask; /* the caller's, restored at stop */
    bool mask_set;
    unsigned long serial; /* cgroup names */
    bool broken;
    char broken_why[200]; /* what broke it, for the caller's error */
    ctl_pooled pool[CTL_POOL_SLOTS];
};

/* Marks the sandbox broken (the first reason is kept): the caller must
 * restart it. */
void ctl_sandbox_break(cf_sandbox *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Spawns coderunners for the empty slots of the pool (sandbox mode only). */
void ctl_pool_fill(cf_sandbox *sb);
/* Kills and reaps the pooled coderunners, removes their cgroups. */
void ctl_pool_drain(cf_sandbox *sb);
/* A coderunner of this kind for this slot with this memory limit: a bot's
 * pooled one when it is still waiting, else a fresh spawn. 0, or -1 with err
 * (then *out may hold a pid and descriptors that the caller still owns and
 * must clean). */
int ctl_pool_take(cf_sandbox *sb, enum sb_kind kind, int slot, uint32_t memory_kb, uint32_t cpu_ms,
                  ctl_pooled *out, char *err, size_t errlen);
/* Kills a coderunner that never ran code, reaps it, frees what it held. */
void ctl_pool_discard(ctl_pooled *r);

/* ----------------------------------------------------------- the tracer */

#define CTL_LOG_CAP 4096  /* bytes of a coderunner's stdout+stderr kept */
#define CTL_LOG_HEAD 1024 /* of them, from its start when it is cut */

/* One coderunner of a job (a bot of a fight, the game of a play). */
typedef struct ctl_proc {
    int slot;
    pid_t pid;
    int req_fd, rep_fd, log_fd;
    sb_cgroup *cg;
    uint32_t cpu_ms, memory_kb; /* its limits */
    bool alive;                 /* may still answer */
    bool reaped;                /* its main process has been waited for */
    enum ctl_verdict verdict;
    bool has_verdict;
    char detail[256];
    long seccomp_nr;     /* syscall seen at a SIGSYS exit stop, or -1 */
    bool seccomp_compat; /* ... made through the 32-bit ABI (int 0x80) */
    bool code_started;   /* SB_SIG_CODE_STARTS seen: the set-up is over */

    /* bytes for its request pipe not yet written */
    char *out;
    size_t out_len, out_off;
    /* log tail */
    char log[2 * CTL_LOG_CAP]; /* the tail: the latest bytes */
    size_t log_len;
    char log_head[CTL_LOG_HEAD]; /* the first bytes (a first traceback) */
    size_t log_head_len;
    uint64_t log_total;

    uint64_t cpu_ns, peak_kb;
    /* cpu_ns is final: read when the controller killed the coderunner (its
     * tree's tear-down after that is the kernel's work, not the bot's) */
    bool cpu_settled;
    struct rusage ru; /* unsafe mode: from wait4 */
    unsigned long stops;
    int64_t spawn_us;
} ctl_proc;

typedef struct ctl_tid {
    pid_t tid;
    int proc;
} ctl_tid;

typedef struct ctl_tracer ctl_tracer;
struct ctl_tracer {
    cf_sandbox *sb;
    enum sb_kind kind; /* of every coderunner of the job */
    int n;
    ctl_proc procs[CF_MAX_PLAYERS];
    ctl_tid *tids;
    size_t ntids, captids;
    bool reap_again; /* the last reap stopped at its bound */
    /* Called when a coderunner's main process has exited (status as
     * wait(2) gives it), before its verdict is decided from the exit status:
     * the job reads what the coderunner said last on its reply pipe (a
     * crash, an out-of-memory, a game's end) and sets the verdict it
     * explains. May be NULL. */
    void (*on_exit)(void *owner, ctl_proc *p, int status);
    /* Called with each piece of a coderunner's log as it is read (the
     * arena tags it with the tick of the bot's call). May be NULL. */
    void (*on_log)(void *owner, ctl_proc *p, const char *data, size_t len);
    void *owner;
};

/* n coderunners of this kind with these limits, none spawned yet. */
void ctl_tracer_init(ctl_tracer *t, cf_sandbox *sb, enum sb_kind kind, int n, uint32_t cpu_ms,
                     uint32_t memory_kb);
/* Spawns coderunner `slot` (from the pool when it can), sends it the go
 * message and then `init` (framed), non-blocking. A job-size problem (init
 * over SB_INIT_MAX) is the coderunner's verdict, not an error. 0, or -1 with
 * err when the sandbox failed. */
int ctl_tracer_spawn(ctl_tracer *t, int slot, const char *init, size_t init_len, char *err,
                     size_t errlen);

/* The first cause is the true one: later calls change nothing. */
void ctl_proc_verdict(ctl_proc *p, enum ctl_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Kills the coderunner and everything it started (its PID namespace). */
void ctl_proc_kill(ctl_tracer *t, ctl_proc *p);
/* Over its CPU budget? Then it is killed (verdict cpu_time) and true. */
bool ctl_proc_check_cpu(ctl_tracer *t, ctl_proc *p);
/* Queues a 4-byte big-endian length and the message for its request pipe,
 * and writes what it can now. 0, or -1 when memory ran out. */
int ctl_proc_send_framed(ctl_proc *p, const char *msg, size_t len);
/* Queues bytes as they are (newline-delimited protocols). */
int ctl_proc_send_raw(ctl_proc *p, const char *data, size_t len);
/* Bytes queued and not yet written. */
size_t ctl_proc_pending(const ctl_proc *p);

/*
 * One round of the loop: waits at most timeout_ms for anything (SIGCHLD,
 * logs, room in request pipes, or the caller's own descriptors `extra`),
 * handles the tracer's part, and leaves the revents of `extra` to the
 * caller.
 */
void ctl_tracer_poll(ctl_tracer *t, struct pollfd *extra, int nextra, int timeout_ms);
/* Reads what p's log pipe holds now (a call's reply came: what the call
 * printed is there, written before the reply). */
void ctl_tracer_drain_log(ctl_tracer *t, ctl_proc *p);
/* Polls until p's main process is reaped or ms have passed. */
void ctl_tracer_wait_reaped(ctl_tracer *t, ctl_proc *p, int64_t ms);
/* Kills every coderunner still alive (set their verdicts first), reaps
 * them, removes their cgroups and fills reports[0..n) (the caller frees
 * each log). */
void ctl_tracer_finish(ctl_tracer *t, ctl_bot_report *reports);

/* ------------------------------------------------------------ the arena */

typedef struct ctl_arena ctl_arena;

/* Starts every bot of a fight; NULL with err on a sandbox failure. *arena
 * is what the game gets. */
ctl_arena *ctl_arena_start(cf_sandbox *sb, const cf_fight_entry *e, const cJSON *settings,
                           const cf_limits *limits, const cf_fight_hooks *hooks, cf_arena **arena,
                           char *err, size_t errlen);
/* Kills every bot, reaps every process, removes the cgroups, fills reports
 * (n entries, caller frees each log). Returns true if the fight was
 * cancelled. Frees the arena. */
bool ctl_arena_finish(ctl_arena *a, ctl_bot_report *reports);

#endif
