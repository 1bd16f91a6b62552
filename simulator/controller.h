/*
 * controller.h — between fight.c (the report) and controller.c (the bots).
 */
#ifndef CF_CONTROLLER_H
#define CF_CONTROLLER_H

#include <stdbool.h>
#include <signal.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "fight.h"
#include "game.h"
#include "sandbox.h"

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

/* What the report says about one bot once the fight is over. */
typedef struct ctl_bot_report {
    enum ctl_verdict verdict;
    char detail[3 * 256 + 1]; /* valid UTF-8 (bot text is sanitized) */
    uint64_t cpu_ms;
    uint64_t peak_memory_kb;
    char *log;                 /* owned: the capped tail of stdout+stderr */
    unsigned long ptrace_stops;
    int stragglers;            /* processes still alive at clean-up */
    /* For the benchmark (CF_FIGHT_DEBUG): microseconds from the spawn
     * request to the first reply (import and first call included), and the
     * calls' round trips after the first. */
    uint64_t first_reply_us;
    unsigned long calls;
    uint64_t call_us_total, call_us_min;
} ctl_bot_report;

/* A coderunner spawned ahead of its fight: cloned, seized, in its own
 * cgroup, its layers applied, waiting for the go message. Spawning costs
 * a clone and cgroup writes (the first cgroup move after a quiet spell
 * waits for an RCU grace period, milliseconds); doing it between fights
 * takes that off the fight's path. */
#define CTL_POOL_SLOTS 2
#define CTL_POOL_MEMORY_KB (512u * 1024u) /* until the fight sets its own */

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
    int sigchld_fd;       /* signalfd for SIGCHLD */
    sigset_t old_mask;    /* the caller's, restored at stop */
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

/* Starts every bot of a fight; NULL with err on a sandbox failure. */
cf_arena *ctl_arena_start(cf_sandbox *sb, const cf_fight_msg *msg, const cJSON *settings,
                          const cf_limits *limits, const cf_fight_hooks *hooks, char *err,
                          size_t errlen);
/* Kills every bot, reaps every process, removes the cgroups, fills reports
 * (n entries, caller frees each log). Returns true if the fight was
 * cancelled. */
bool ctl_arena_finish(cf_arena *arena, ctl_bot_report *reports);

#endif
