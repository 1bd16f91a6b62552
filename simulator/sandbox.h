/*
 * sandbox.h — the only surface between the parts of the sandbox.
 *
 *   controller.c       the tracer: spawns bots, calls them, decides verdicts
 *   forkserver.c       started once per cf_sandbox: Python initialised, the
 *                      harness imported; forks one coderunner per request
 *   coderunner.c       in the child: sandbox_apply(), then the harness
 *   sandbox.c          sandbox_apply(): every layer, in the kernel's order;
 *                      the table of layers and their status
 *   sandbox_*.c        one file per layer
 *
 * Privilege separation: the controller (root, host view) creates cgroups and
 * traces; the forkserver lives in its own mount namespace (a read-only
 * minimal root) and in one empty network namespace, and only forks; a
 * coderunner drops everything before it reads a byte of bot code.
 */
#ifndef CF_SANDBOX_H
#define CF_SANDBOX_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* File descriptors of a coderunner, fixed so the harness knows them. */
#define SB_FD_LOG_OUT 1 /* stdout: the bot's log pipe */
#define SB_FD_LOG_ERR 2 /* stderr: the same pipe */
#define SB_FD_REQ 3     /* controller -> bot: requests */
#define SB_FD_REP 4     /* bot -> controller: replies */

/* Protocol: 4-byte big-endian length, then that many bytes of UTF-8 JSON. */
#define SB_MSG_MAX (60 * 1024)  /* one reply, below the 64 KiB pipe size */
#define SB_INIT_MAX (16u << 20) /* the init message carries the bot's code */

/* The seized byte: the controller has attached (PTRACE_SEIZE) and, on
 * cgroup v2, moved the coderunner into its cgroups. The coderunner waits for
 * it before its first layer, so the controller always attaches to a process
 * that still has the controller's uid and capabilities: attaching never
 * races the uid drop, and never needs CAP_SYS_PTRACE. */
#define SB_SEIZED 'S'

/* The go message: 'G', then the fight's CPU budget in ms (4 bytes, big
 * endian). A pre-spawned coderunner learns its fight's limits only then. */
#define SB_GO_LEN 5
#define SB_SPAWN_CPU_MS (600u * 1000u) /* RLIMIT_CPU net until the go */

/* The set-up's last act, just before the job's code runs: the coderunner
 * sends itself this signal, which the controller's ptrace sees (the
 * coderunner waits in the signal-delivery stop until then) and drops. From
 * then on exit status 111 is the job's own, not a set-up failure: a bot
 * cannot take back a signal sent before it ran (issue 15, finding 9). */
#define SB_SIG_CODE_STARTS SIGWINCH

#define SB_UID_BASE 60000 /* bot of slot i runs as uid/gid 60000 + i */

/* What a coderunner runs: a bot (harness.py's serve: a module, called by
 * method) or an arcade game (arcade/play_harness.py's serve_play: a script
 * that talks newline-delimited JSON). The layers are the same; the room a
 * game needs in /tmp (its unpacked bundle) is not. */
enum sb_kind { SB_KIND_BOT, SB_KIND_GAME };

typedef struct sb_profile {
    const char *tmpfs_size; /* the private writable /tmp */
    int tmpfs_inodes;
    unsigned long fsize; /* RLIMIT_FSIZE, bytes */
} sb_profile;

const sb_profile *sandbox_profile(enum sb_kind kind);

enum sb_layer {
    SB_LAYER_NAMESPACES,
    SB_LAYER_MOUNTS,
    SB_LAYER_CGROUP,
    SB_LAYER_RLIMITS,
    SB_LAYER_APPARMOR,
    SB_LAYER_LANDLOCK,
    SB_LAYER_SECCOMP,
    SB_LAYER_PTRACE,
    SB_LAYER_COUNT
};

typedef struct sb_layer_status {
    bool active;
    char detail[160];
} sb_layer_status;

/* What a coderunner needs to lock itself in, decided once per sandbox. */
typedef struct sb_child_plan {
    bool unsafe;       /* --no-sandbox: no layer at all */
    bool arcade;       /* the forkserver can also start arcade games */
    enum sb_kind kind; /* per coderunner */
    int slot;          /* player index: uid, tmpfs owner */
    uint32_t cpu_ms;   /* RLIMIT_CPU derives from it */
    bool landlock;     /* apply Landlock (ABI > 0) */
    int landlock_abi;
    bool apparmor;            /* profile loaded: change to it */
    const void *seccomp_prog; /* struct sock_fprog, built once */
    uint32_t skip;            /* layers a TEST turned off (bit 1 << sb_layer) */
} sb_child_plan;

/*
 * Layers to leave out, for the tests that check each remaining layer holds
 * alone. Weak, returning 0: only a test program that defines its own can
 * turn a layer off (mounts, landlock, seccomp); no option or variable of
 * cf-fight or cf-simulator reaches it.
 */
uint32_t sandbox_test_skip_layers(void);

/* ---- sandbox.c ---- */
const char *sandbox_layer_name(enum sb_layer layer);
/* Applies every layer in order inside a fresh coderunner; on failure writes a
 * reason to err and returns -1 (the child then exits without running code). */
int sandbox_apply(const sb_child_plan *plan, char *err, size_t errlen);

/* ---- sandbox_namespaces.c ---- */
/* Flags for the clone() of one coderunner. */
unsigned long sandbox_ns_clone_flags(bool unsafe);
/* Forkserver, once: enter one fresh, empty network namespace. */
int sandbox_ns_enter_empty_net(char *err, size_t errlen);
/* Coderunner: hostname, then the uid/gid drop (last privileged step). */
int sandbox_ns_set_hostname(char *err, size_t errlen);
int sandbox_ns_drop_uid(int slot, char *err, size_t errlen);

/* ---- sandbox_mounts.c ---- */
/* What the view holds (read-only): Landlock grants reading these only. */
extern const char *const sandbox_view_dirs[];
extern const char *const sandbox_view_devices[];
/* Forkserver, once: private mount namespace, minimal read-only root, pivot. */
int sandbox_mounts_prepare(char *err, size_t errlen);
/* Coderunner (own mount namespace): private size-capped tmpfs on /tmp. */
int sandbox_mounts_child(int slot, const sb_profile *profile, char *err, size_t errlen);

/* ---- sandbox_cgroup.c (controller side) ---- */
typedef struct sb_cgroup sb_cgroup;
/* Probes v2 then v1; fills status. Returns 0 when usable. */
int sandbox_cgroup_probe(sb_layer_status *status);
sb_cgroup *sandbox_cgroup_create(const char *name, uint64_t memory_kb, int pids_max, char *err,
                                 size_t errlen);
int sandbox_cgroup_attach(sb_cgroup *cg, pid_t pid, char *err, size_t errlen);
/* v1: opens the group's "tasks" files, for the child to move ITSELF in by
 * writing "0": a task moving itself skips the global threadgroup lock,
 * whose first write after a quiet spell waits for an RCU grace period
 * (several ms), where a move by pid takes it. Returns how many (0 on v2:
 * use sandbox_cgroup_attach), or -1. */
int sandbox_cgroup_self_fds(sb_cgroup *cg, int *fds, int max, char *err, size_t errlen);
int sandbox_cgroup_set_memory(sb_cgroup *cg, uint64_t memory_kb, char *err, size_t errlen);
uint64_t sandbox_cgroup_cpu_ns(sb_cgroup *cg);
uint64_t sandbox_cgroup_peak_kb(sb_cgroup *cg);
bool sandbox_cgroup_oom_killed(sb_cgroup *cg);
/* Kills what is left, removes the cgroup; returns how many stragglers were
 * killed. Frees cg. */
int sandbox_cgroup_destroy(sb_cgroup *cg);
/* Does /proc/<tid>/cgroup name this cgroup? (finds a tracee's bot) */
bool sandbox_cgroup_contains(const sb_cgroup *cg, pid_t tid);

/* ---- sandbox_rlimits.c ---- */
int sandbox_rlimits_apply(uint32_t cpu_ms, const sb_profile *profile, char *err, size_t errlen);
/* At the go message: the fight's CPU budget (only ever lowers the limit). */
int sandbox_rlimits_cpu(uint32_t cpu_ms, char *err, size_t errlen);

/* ---- sandbox_landlock.c ---- */
int sandbox_landlock_abi(void); /* 0: absent */
/* writable_tmp: the bot's private tmpfs is mounted on /tmp. */
int sandbox_landlock_apply(int abi, bool writable_tmp, char *err, size_t errlen);

/* ---- sandbox_apparmor.c ---- */
#define SB_APPARMOR_PROFILE "codefights-coderunner"
int sandbox_apparmor_probe(sb_layer_status *status); /* 1: profile usable */
int sandbox_apparmor_apply(char *err, size_t errlen);

/* ---- sandbox_seccomp.c ---- */
/* Builds the filter once (BPF program owned by the caller, free with
 * sandbox_seccomp_free). */
void *sandbox_seccomp_build(char *err, size_t errlen);
void sandbox_seccomp_free(void *prog);
int sandbox_seccomp_load(const void *prog, char *err, size_t errlen);
/* Name of a syscall number (x86-64), "syscall N" when unknown. */
void sandbox_seccomp_name(long nr, char *out, size_t outlen);

/* ---- forkserver.c ---- */
typedef struct sb_forkserver sb_forkserver;
/* Starts the forkserver (a fresh exec), which initialises CPython at once
 * (warm: also the modules bots use most, for a sandbox of many fights);
 * then forkserver_boot hands it the plan every child shares (flags, the
 * seccomp program) and waits until it is ready. */
sb_forkserver *forkserver_launch(const char *python_home, bool arcade, bool warm, char *err,
                                 size_t errlen);
int forkserver_boot(sb_forkserver *fs, const sb_child_plan *plan_template, char *err,
                    size_t errlen);
/* Asks for one coderunner with these descriptors: the pipe ends (request
 * read end, reply write end, log write end), then the cgroup "tasks" files
 * it moves itself into (sandbox_cgroup_self_fds). Returns its pid (a child
 * of the caller), or -1. */
#define SB_SPAWN_FDS_MAX 8
pid_t forkserver_spawn(sb_forkserver *fs, enum sb_kind kind, int slot, uint32_t cpu_ms,
                       const int *fds, int nfds, char *err, size_t errlen);
pid_t forkserver_pid(const sb_forkserver *fs);
void forkserver_stop(sb_forkserver *fs);

/* ---- coderunner.c ---- */
/* Runs in the child of the forkserver with its pipe ends (request read end,
 * reply write end, log write end) and what it calls once locked in (a
 * PyObject *: harness.py's serve, or a callable that runs serve_play with
 * the shim); never returns. */
_Noreturn void coderunner_main(const sb_child_plan *plan, const int *fds, int nfds, void *entry);

#endif
