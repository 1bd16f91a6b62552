/*
 * controller.c — the tracer: starts the bots of one fight, calls them,
 * watches them, and decides each one's verdict.
 *
 * Single-threaded. One poll loop serves everything while a call waits: the
 * called bot's reply pipe, every bot's log pipe (drained continuously and
 * kept as a capped tail, so a chatty bot never blocks itself or us), the
 * request pipes that still hold unsent bytes (a bot's code can exceed the
 * pipe size), and a signalfd for SIGCHLD, which brings both exits and ptrace
 * stops. The coderunners are our children (CLONE_PARENT in the forkserver)
 * and our tracees (PTRACE_SEIZE with EXITKILL: if we die, they die).
 *
 * Ptrace decides from registers only (the syscall number of a seccomp stop,
 * the exit status of an exit stop), never from the bot's memory. In the
 * steady call loop an ordinary bot causes no stop at all: the seccomp filter
 * allows its calls in the kernel; only forbidden calls (SECCOMP_RET_TRACE),
 * new threads or processes, signals and exits stop it. Stops are counted
 * per bot (ctl_bot_report.ptrace_stops, printed by cf-fight when
 * CF_FIGHT_DEBUG is set).
 *
 * Timeouts: a call gets the game's wall-clock limit (a longer one for the
 * first call, which includes importing the bot). A call that times out is a
 * failed call and the bot lives; a bot that lets two calls in a row time out
 * is killed (verdict "timeout"), so a sleeping bot costs at most two limits.
 * CPU time comes from the bot's cgroup (cpuacct / cpu.stat), read after
 * every reply and while waiting; over the fight's budget the bot is killed
 * (verdict "cpu_time").
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/user.h>
#include <linux/audit.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "controller.h"
#include "stream_msg.h" /* cf_utf8_sanitize */

#define LOG_CAP 4096        /* bytes of a bot's stdout+stderr kept */
#define PIDS_MAX 64         /* tasks (threads included) per bot */
#define POLL_SLICE_MS 50    /* cancellation and CPU checks while waiting */
#define REAP_GRACE_MS 3000  /* killed bots must be gone by then */

typedef struct bot {
    int slot;
    pid_t pid;
    int req_fd, rep_fd, log_fd;
    sb_cgroup *cg;
    cf_limits limits;
    bool alive;  /* may still answer */
    bool reaped; /* its main process has been waited for */
    enum ctl_verdict verdict;
    bool has_verdict;
    char detail[256];
    char proto_err[128]; /* what was wrong with a reply frame */
    long seccomp_nr; /* syscall seen at a SIGSYS exit stop, or -1 */
    bool seccomp_compat; /* ... made through the 32-bit ABI (int 0x80) */

    /* requests not yet written */
    char *out;
    size_t out_len, out_off;
    /* reply being read */
    unsigned char hdr[4];
    size_t hdr_got;
    char *body;
    size_t body_len, body_got;
    /* log tail */
    char log[2 * LOG_CAP];
    size_t log_len;
    uint64_t log_total;

    long call_id;
    bool first_call_done;
    int timeouts, consecutive_timeouts;
    uint64_t cpu_ns, peak_kb;
    struct rusage ru; /* unsafe mode: from wait4 */
    unsigned long stops;
    int64_t spawn_us, first_reply_us;
    unsigned long calls;
    uint64_t call_us_total, call_us_min;
} bot;

typedef struct tid_entry {
    pid_t tid;
    int bot;
} tid_entry;

struct cf_arena {
    cf_sandbox *sb;
    const cf_fight_hooks *hooks;
    int n;
    bot bots[CF_MAX_PLAYERS];
    tid_entry *tids;
    size_t ntids, captids;
    bool cancelled;
    bool reap_again; /* the last reap() stopped at its bound */
    int64_t last_cancel_check, last_progress;
};

static const char *const verdict_names[] = {
    [V_OK] = "ok",           [V_TIMEOUT] = "timeout", [V_CPU_TIME] = "cpu_time",
    [V_MEMORY] = "memory",   [V_ILLEGAL] = "illegal", [V_CRASHED] = "crashed",
    [V_BAD_OUTPUT] = "bad_output", [V_KILLED] = "killed",
};

const char *ctl_verdict_name(enum ctl_verdict v)
{
    return verdict_names[v];
}

/* ------------------------------------------------------------------ tids */

static void tid_add(cf_arena *a, pid_t tid, int b)
{
    for (size_t i = 0; i < a->ntids; i++)
        if (a->tids[i].tid == tid) {
            a->tids[i].bot = b;
            return;
        }
    if (a->ntids == a->captids) {
        size_t cap = a->captids ? 2 * a->captids : 64;
        tid_entry *t = realloc(a->tids, cap * sizeof *t);
        if (!t)
            return; /* found again through its cgroup */
        a->tids = t;
        a->captids = cap;
    }
    a->tids[a->ntids++] = (tid_entry){tid, b};
}

static void tid_remove(cf_arena *a, pid_t tid)
{
    for (size_t i = 0; i < a->ntids; i++)
        if (a->tids[i].tid == tid) {
            a->tids[i] = a->tids[--a->ntids];
            return;
        }
}

static int tid_bot(cf_arena *a, pid_t tid)
{
    for (size_t i = 0; i < a->ntids; i++)
        if (a->tids[i].tid == tid)
            return a->tids[i].bot;
    /* An auto-attached child may report before its parent's event does. */
    for (int b = 0; b < a->n; b++)
        if (a->bots[b].cg && sandbox_cgroup_contains(a->bots[b].cg, tid)) {
            tid_add(a, tid, b);
            return b;
        }
    return -1;
}

/* -------------------------------------------------------------- verdicts */

static void set_verdict(bot *b, enum ctl_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_verdict(bot *b, enum ctl_verdict v, const char *fmt, ...)
{
    if (b->has_verdict)
        return; /* the first cause is the true one */
    b->has_verdict = true;
    b->verdict = v;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->detail, sizeof b->detail, fmt, ap);
    va_end(ap);
}

void ctl_sandbox_break(cf_sandbox *sb, const char *fmt, ...)
{
    if (sb->broken)
        return; /* the first cause is the true one */
    sb->broken = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sb->broken_why, sizeof sb->broken_why, fmt, ap);
    va_end(ap);
}

static void kill_bot(cf_arena *a, bot *b)
{
    b->alive = false;
    if (b->reaped || b->pid <= 0)
        return;
    /* The PID namespace's init: its death takes every process of the bot.
     * In unsafe mode the bot leads its own process group. */
    if (a->sb->opts.unsafe_no_sandbox)
        kill(-b->pid, SIGKILL);
    /* A bot we cannot kill is a sandbox that does not hold (in a container
     * without CAP_KILL, a bot's uid is out of reach): say so at once rather
     * than wait for the bot to end on its own. ESRCH: already gone. */
    if (kill(b->pid, SIGKILL) < 0 && errno != ESRCH)
        ctl_sandbox_break(a->sb, "cannot kill bot %d (pid %d): %s%s", b->slot + 1, (int)b->pid,
                          strerror(errno),
                          errno == EPERM ? " (the controller lacks CAP_KILL)" : "");
}

static uint64_t bot_cpu_ns(cf_arena *a, bot *b)
{
    if (b->cg)
        return sandbox_cgroup_cpu_ns(b->cg);
    if (a->sb->opts.unsafe_no_sandbox && !b->reaped) {
        clockid_t cid;
        struct timespec ts;
        if (clock_getcpuclockid(b->pid, &cid) == 0 && clock_gettime(cid, &ts) == 0)
            return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    }
    return b->cpu_ns;
}

/* Over the CPU budget? Then the bot is killed. */
static bool check_cpu(cf_arena *a, bot *b)
{
    if (!b->alive)
        return false;
    uint64_t ns = bot_cpu_ns(a, b);
    if (ns > b->cpu_ns)
        b->cpu_ns = ns;
    if (b->cpu_ns > (uint64_t)b->limits.cpu_ms * 1000000ull) {
        set_verdict(b, V_CPU_TIME, "used %" PRIu64 " ms of CPU, the limit is %" PRIu32 " ms",
                    b->cpu_ns / 1000000, b->limits.cpu_ms);
        kill_bot(a, b);
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------ pipes */

static void drain_log(bot *b)
{
    if (b->log_fd < 0)
        return;
    char buf[16384];
    /* At most 256 KiB a round: a bot writing without pause must not keep
     * the loop from its deadlines (poll says when there is more). */
    for (int round = 0; round < 16; round++) {
        ssize_t n = read(b->log_fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0 || errno != EAGAIN) {
                close(b->log_fd);
                b->log_fd = -1;
            }
            return;
        }
        b->log_total += (uint64_t)n;
        size_t take = (size_t)n;
        const char *src = buf;
        if (take > LOG_CAP) {
            src += take - LOG_CAP;
            take = LOG_CAP;
        }
        if (b->log_len + take > sizeof b->log) {
            size_t keep = LOG_CAP - take;
            if (keep > b->log_len)
                keep = b->log_len;
            memmove(b->log, b->log + b->log_len - keep, keep);
            b->log_len = keep;
        }
        memcpy(b->log + b->log_len, src, take);
        b->log_len += take;
    }
}

static int queue_msg(bot *b, const char *json, size_t len)
{
    size_t need = b->out_len - b->out_off + 4 + len;
    char *buf = malloc(need + 1);
    if (!buf)
        return -1;
    size_t pend = b->out_len - b->out_off;
    if (pend)
        memcpy(buf, b->out + b->out_off, pend);
    buf[pend] = (char)(len >> 24);
    buf[pend + 1] = (char)(len >> 16);
    buf[pend + 2] = (char)(len >> 8);
    buf[pend + 3] = (char)len;
    memcpy(buf + pend + 4, json, len);
    free(b->out);
    b->out = buf;
    b->out_len = need;
    b->out_off = 0;
    return 0;
}

static void flush_out(bot *b)
{
    while (b->out_off < b->out_len && b->req_fd >= 0) {
        ssize_t n = write(b->req_fd, b->out + b->out_off, b->out_len - b->out_off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (errno != EAGAIN) { /* EPIPE: the bot is gone */
                b->out_off = b->out_len;
            }
            return;
        }
        b->out_off += (size_t)n;
    }
    if (b->out_off == b->out_len) {
        free(b->out);
        b->out = NULL;
        b->out_len = b->out_off = 0;
    }
}

/*
 * Reads from the reply pipe. Returns 1 with *msg (parsed JSON, owned) when a
 * whole message is there, 0 when more is needed, -1 on end of file or a
 * broken frame (then bad is set for a protocol violation).
 */
static int read_reply(bot *b, cJSON **msg, bool *bad)
{
    *bad = false;
    while (b->rep_fd >= 0) {
        if (b->hdr_got < 4) {
            ssize_t n = read(b->rep_fd, b->hdr + b->hdr_got, 4 - b->hdr_got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && errno == EAGAIN)
                return 0;
            if (n <= 0)
                return -1;
            b->hdr_got += (size_t)n;
            if (b->hdr_got < 4)
                continue;
            b->body_len = (size_t)b->hdr[0] << 24 | (size_t)b->hdr[1] << 16 |
                          (size_t)b->hdr[2] << 8 | b->hdr[3];
            if (b->body_len == 0 || b->body_len > SB_MSG_MAX) {
                *bad = true;
                snprintf(b->proto_err, sizeof b->proto_err,
                         "reply frame of %zu bytes (limit %d)", b->body_len, SB_MSG_MAX);
                return -1;
            }
            b->body = malloc(b->body_len);
            b->body_got = 0;
            if (!b->body)
                return -1;
        }
        ssize_t n = read(b->rep_fd, b->body + b->body_got, b->body_len - b->body_got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        if (n <= 0)
            return -1;
        b->body_got += (size_t)n;
        if (b->body_got < b->body_len)
            continue;
        *msg = cJSON_ParseWithLength(b->body, b->body_len);
        free(b->body);
        b->body = NULL;
        b->hdr_got = 0;
        if (!*msg || !cJSON_IsObject(*msg)) {
            cJSON_Delete(*msg);
            *msg = NULL;
            *bad = true;
            snprintf(b->proto_err, sizeof b->proto_err, "a reply that is not a JSON object");
            return -1;
        }
        return 1;
    }
    return -1;
}

/* --------------------------------------------------------------- reaping */

static void last_log_line(const bot *b, char *out, size_t outlen)
{
    size_t end = b->log_len;
    while (end > 0 && (b->log[end - 1] == '\n' || b->log[end - 1] == '\r'))
        end--;
    size_t start = end;
    while (start > 0 && b->log[start - 1] != '\n')
        start--;
    size_t len = end - start;
    if (len >= outlen)
        len = outlen - 1;
    memcpy(out, b->log + start, len);
    out[len] = '\0';
}

/* The main process is gone: read what it said last, then decide. */
static void bot_exited(cf_arena *a, bot *b, int status)
{
    b->alive = false;
    b->reaped = true;
    drain_log(b);
    /* A final {"crash"} or {"memory"} message explains the exit. */
    for (;;) {
        cJSON *msg = NULL;
        bool bad;
        int r = read_reply(b, &msg, &bad);
        if (r <= 0)
            break;
        const cJSON *crash = cJSON_GetObjectItemCaseSensitive(msg, "crash");
        const cJSON *mem = cJSON_GetObjectItemCaseSensitive(msg, "memory");
        if (cJSON_IsString(crash))
            set_verdict(b, V_CRASHED, "%s", crash->valuestring);
        else if (cJSON_IsString(mem))
            set_verdict(b, V_MEMORY, "out of memory (%s)", mem->valuestring);
        cJSON_Delete(msg);
    }
    if (b->cg)
        b->peak_kb = sandbox_cgroup_peak_kb(b->cg);
    if (b->cg && sandbox_cgroup_oom_killed(b->cg))
        set_verdict(b, V_MEMORY, "memory limit of %" PRIu32 " KB exceeded", b->limits.memory_kb);
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        char name[64];
        if (sig == SIGSYS) {
            if (b->seccomp_compat) {
                set_verdict(b, V_ILLEGAL, "forbidden 32-bit system call %ld (int 0x80)",
                            b->seccomp_nr);
            } else if (b->seccomp_nr >= 0x40000000) {
                set_verdict(b, V_ILLEGAL, "forbidden x32 system call %ld",
                            b->seccomp_nr & 0x3fffffff);
            } else if (b->seccomp_nr >= 0) {
                sandbox_seccomp_name(b->seccomp_nr, name, sizeof name);
                set_verdict(b, V_ILLEGAL, "forbidden system call %s (%ld)", name, b->seccomp_nr);
            } else {
                set_verdict(b, V_ILLEGAL, "forbidden system call (killed by seccomp)");
            }
        }
        (void)check_cpu(a, b);
        if (sig == SIGXCPU)
            set_verdict(b, V_CPU_TIME, "CPU time limit (RLIMIT_CPU) exceeded");
        const char *abbrev = sigabbrev_np(sig);
        set_verdict(b, V_KILLED, "killed by signal SIG%s", abbrev ? abbrev : "?");
    } else if (WIFEXITED(status)) {
        if (WEXITSTATUS(status) == 111) {
            char line[200];
            last_log_line(b, line, sizeof line);
            set_verdict(b, V_CRASHED, "%s", line[0] ? line : "sandbox set-up failed");
        }
        set_verdict(b, V_CRASHED, "exited with status %d", WEXITSTATUS(status));
    }
}

static void handle_stop(cf_arena *a, pid_t tid, int status)
{
    int bi = tid_bot(a, tid);
    bot *b = bi >= 0 ? &a->bots[bi] : NULL;
    if (b)
        b->stops++;
    int event = status >> 16;
    int sig = WSTOPSIG(status);
    unsigned long msg = 0;
    struct user_regs_struct regs;
    switch (event) {
    case PTRACE_EVENT_SECCOMP:
        /* A forbidden call routed to us: the syscall number is in a
         * register; the call never runs, the bot dies. */
        if (b && ptrace(PTRACE_GETREGS, tid, NULL, &regs) == 0) {
            char name[64];
            sandbox_seccomp_name((long)regs.orig_rax, name, sizeof name);
            set_verdict(b, V_ILLEGAL, "forbidden system call %s (%llu)", name, regs.orig_rax);
        } else if (b) {
            set_verdict(b, V_ILLEGAL, "forbidden system call");
        }
        if (b)
            kill_bot(a, b);
        else
            kill(tid, SIGKILL);
        return; /* left stopped: SIGKILL ends it without running the call */
    case PTRACE_EVENT_CLONE:
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
        if (b && ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) == 0)
            tid_add(a, (pid_t)msg, bi);
        break;
    case PTRACE_EVENT_EXIT:
        if (b && ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) == 0 && WIFSIGNALED((int)msg) &&
            WTERMSIG((int)msg) == SIGSYS && ptrace(PTRACE_GETREGS, tid, NULL, &regs) == 0)
        {
            b->seccomp_nr = (long)regs.orig_rax;
            /* The ABI of the call, from the kernel (registers, not memory). */
            struct __ptrace_syscall_info info;
            if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof info, &info) > 0 &&
                info.arch != AUDIT_ARCH_X86_64)
                b->seccomp_compat = true;
        }
        break;
    case PTRACE_EVENT_STOP:
        break; /* new tracee or group-stop: keep it running */
    case 0:
        if (sig == SIGXCPU && b) {
            set_verdict(b, V_CPU_TIME, "CPU time limit (RLIMIT_CPU) exceeded");
            kill_bot(a, b);
            return;
        }
        /* Faults and aborts end the bot here: as the init of its PID
         * namespace it would ignore them while traced, and re-fault
         * forever. Python cannot handle them meaningfully anyway. */
        if (b && (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
                  sig == SIGABRT || sig == SIGTRAP || sig == SIGSYS)) {
            const char *abbrev = sigabbrev_np(sig);
            if (sig == SIGSYS)
                set_verdict(b, V_ILLEGAL, "forbidden system call (SIGSYS)");
            set_verdict(b, V_KILLED, "killed by signal SIG%s", abbrev ? abbrev : "?");
            kill_bot(a, b);
            return;
        }
        /* Deliver every other signal as it was sent. */
        ptrace(PTRACE_CONT, tid, NULL, (void *)(long)sig);
        return;
    default:
        break;
    }
    ptrace(PTRACE_CONT, tid, NULL, NULL);
}

/* Everything SIGCHLD may mean: exits of bots and their tasks, ptrace stops. */
static void reap(cf_arena *a)
{
    struct signalfd_siginfo si;
    while (read(a->sb->sigchld_fd, &si, sizeof si) == sizeof si)
        ;
    /* Bounded, so that bots making events without pause (thread or signal
     * storms) cannot hold the loop; the rest is taken on the next round. */
    a->reap_again = false;
    for (int events = 0;; events++) {
        if (events == 256) {
            a->reap_again = true;
            return;
        }
        int status;
        struct rusage ru;
        pid_t pid = wait4(-1, &status, __WALL | WNOHANG, &ru);
        if (pid <= 0)
            return;
        if (a->sb->fs && pid == forkserver_pid(a->sb->fs)) {
            ctl_sandbox_break(a->sb, "the forkserver died");
            continue;
        }
        if (WIFSTOPPED(status)) {
            handle_stop(a, pid, status);
            continue;
        }
        for (int i = 0; i < a->n; i++) {
            bot *b = &a->bots[i];
            if (b->pid == pid && !b->reaped) {
                b->ru = ru;
                bot_exited(a, b, status);
            }
        }
        tid_remove(a, pid);
    }
}

/* ---------------------------------------------------------------- waiting */

static void check_cancel(cf_arena *a)
{
    if (a->cancelled || !a->hooks || !a->hooks->cancelled)
        return;
    int64_t t = cf_now_ms();
    if (t - a->last_cancel_check < POLL_SLICE_MS)
        return;
    a->last_cancel_check = t;
    if (a->hooks->cancelled(a->hooks->ud)) {
        a->cancelled = true;
        for (int i = 0; i < a->n; i++) {
            set_verdict(&a->bots[i], V_OK, "%s", "cancelled");
            kill_bot(a, &a->bots[i]);
        }
    }
}

/*
 * One round of the loop: waits at most timeout_ms for anything, then
 * handles it. want: the bot whose reply pipe matters now (or NULL).
 */
static void poll_once(cf_arena *a, bot *want, int timeout_ms)
{
    struct pollfd pfd[1 + 3 * CF_MAX_PLAYERS];
    bot *owner[1 + 3 * CF_MAX_PLAYERS];
    int kind[1 + 3 * CF_MAX_PLAYERS];
    nfds_t n = 0;
    pfd[n] = (struct pollfd){.fd = a->sb->sigchld_fd, .events = POLLIN};
    owner[n] = NULL;
    kind[n++] = 0;
    for (int i = 0; i < a->n; i++) {
        bot *b = &a->bots[i];
        if (b->log_fd >= 0) {
            pfd[n] = (struct pollfd){.fd = b->log_fd, .events = POLLIN};
            owner[n] = b;
            kind[n++] = 1;
        }
        if (b->out && b->req_fd >= 0 && b->alive) {
            pfd[n] = (struct pollfd){.fd = b->req_fd, .events = POLLOUT};
            owner[n] = b;
            kind[n++] = 2;
        }
        if (b == want && b->rep_fd >= 0) {
            pfd[n] = (struct pollfd){.fd = b->rep_fd, .events = POLLIN};
            owner[n] = b;
            kind[n++] = 3;
        }
    }
    if (a->reap_again) {
        reap(a);
        timeout_ms = 0;
    }
    int r = poll(pfd, n, timeout_ms);
    if (r <= 0)
        return;
    for (nfds_t i = 0; i < n; i++) {
        if (!pfd[i].revents)
            continue;
        if (kind[i] == 0)
            reap(a);
        else if (kind[i] == 1)
            drain_log(owner[i]);
        else if (kind[i] == 2)
            flush_out(owner[i]);
    }
}

/* ----------------------------------------------------------------- calls */

static enum cf_call_status bad_output(cf_arena *a, bot *b, const char *what)
{
    set_verdict(b, V_BAD_OUTPUT, "%s", what);
    kill_bot(a, b);
    return CF_CALL_BAD_OUTPUT;
}

/* Interprets one reply to call `id`. Returns -2 to keep waiting (a late
 * reply to an earlier call), else a cf_call_status. */
static int interpret(cf_arena *a, bot *b, cJSON *msg, cJSON **result)
{
    const cJSON *crash = cJSON_GetObjectItemCaseSensitive(msg, "crash");
    const cJSON *mem = cJSON_GetObjectItemCaseSensitive(msg, "memory");
    if (cJSON_IsString(crash)) {
        set_verdict(b, V_CRASHED, "%s", crash->valuestring);
        kill_bot(a, b);
        return CF_CALL_DEAD;
    }
    if (cJSON_IsString(mem)) {
        set_verdict(b, V_MEMORY, "out of memory (%s)", mem->valuestring);
        kill_bot(a, b);
        return CF_CALL_DEAD;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    if (!cJSON_IsNumber(id) || id->valuedouble > (double)b->call_id || id->valuedouble < 1)
        return bad_output(a, b, "a reply to no call");
    if (id->valuedouble < (double)b->call_id)
        return -2;
    cJSON *ok = cJSON_DetachItemFromObjectCaseSensitive(msg, "ok");
    if (ok) {
        *result = ok;
        return CF_CALL_OK;
    }
    const cJSON *raised = cJSON_GetObjectItemCaseSensitive(msg, "raised");
    if (cJSON_IsString(raised))
        return CF_CALL_RAISED;
    return bad_output(a, b, "a reply with neither ok nor raised");
}

enum cf_call_status cf_arena_call(cf_arena *a, int player, const char *method, const cJSON *args,
                                  cJSON **result)
{
    *result = NULL;
    if (player < 0 || player >= a->n)
        return CF_CALL_DEAD;
    bot *b = &a->bots[player];
    check_cancel(a);
    if (!b->alive)
        return CF_CALL_DEAD;

    cJSON *req = cJSON_CreateObject();
    cJSON *empty = args ? NULL : cJSON_CreateArray();
    b->call_id++;
    if (!req || (!args && !empty) || !cJSON_AddStringToObject(req, "t", "call") ||
        !cJSON_AddNumberToObject(req, "id", (double)b->call_id) ||
        !cJSON_AddStringToObject(req, "m", method) ||
        !cJSON_AddItemReferenceToObject(req, "a", (cJSON *)(args ? args : empty))) {
        cJSON_Delete(req);
        cJSON_Delete(empty);
        return CF_CALL_RAISED;
    }
    char *json = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    cJSON_Delete(empty);
    if (!json || queue_msg(b, json, strlen(json)) < 0) {
        free(json);
        return CF_CALL_RAISED;
    }
    free(json);
    int64_t sent_us = cf_now_us(); /* before the write: it may switch to the bot */
    flush_out(b);

    uint32_t wall = b->first_call_done ? b->limits.call_wall_ms : b->limits.first_call_wall_ms;
    bool first = !b->first_call_done;
    b->first_call_done = true;
    int64_t deadline = cf_now_ms() + wall;
    for (;;) {
        cJSON *msg = NULL;
        bool bad = false;
        int r = read_reply(b, &msg, &bad);
        int st = r == 1 ? interpret(a, b, msg, result) : -2;
        cJSON_Delete(msg);
        /* st == -2 with r == 1: a late reply to an earlier call. Read on,
         * but through the limit checks below, or a bot flooding stale
         * replies would hold the call forever. */
        if (r == 1 && st != -2) {
            if (st == CF_CALL_OK || st == CF_CALL_RAISED) {
                int64_t t = cf_now_us();
                if (first) {
                    b->first_reply_us = t - b->spawn_us;
                } else {
                    uint64_t rtt = (uint64_t)(t - sent_us);
                    b->calls++;
                    b->call_us_total += rtt;
                    if (b->call_us_min == 0 || rtt < b->call_us_min)
                        b->call_us_min = rtt;
                }
                b->consecutive_timeouts = 0;
                if (check_cpu(a, b)) {
                    cJSON_Delete(*result);
                    *result = NULL;
                    return CF_CALL_DEAD;
                }
            }
            return (enum cf_call_status)st;
        }
        if (r < 0 && b->rep_fd >= 0) {
            if (bad)
                return bad_output(a, b, b->proto_err);
            /* End of file: the bot is dying; its exit status follows at
             * once. A bot that closed the pipe and lives on broke the
             * protocol. */
            close(b->rep_fd);
            b->rep_fd = -1;
            int64_t until = cf_now_ms() + 500;
            while (!b->reaped && cf_now_ms() < until)
                poll_once(a, NULL, 20);
            if (!b->reaped)
                return bad_output(a, b, "closed its reply pipe");
        }
        if (!b->alive) {
            int64_t until = cf_now_ms() + REAP_GRACE_MS;
            while (!b->reaped && cf_now_ms() < until)
                poll_once(a, NULL, POLL_SLICE_MS);
            return CF_CALL_DEAD;
        }
        if (check_cpu(a, b))
            continue;
        check_cancel(a);
        int64_t left = deadline - cf_now_ms();
        if (left <= 0) {
            b->timeouts++;
            if (++b->consecutive_timeouts >= 2) {
                set_verdict(b, V_TIMEOUT, "no reply within %" PRIu32 " ms, twice in a row",
                            wall);
                kill_bot(a, b);
                return CF_CALL_DEAD;
            }
            return CF_CALL_TIMEOUT;
        }
        if (r == 1)
            continue; /* more may be waiting: read it before sleeping */
        poll_once(a, b, left < POLL_SLICE_MS ? (int)left : POLL_SLICE_MS);
    }
}

bool cf_arena_alive(const cf_arena *a, int player)
{
    if (player < 0 || player >= a->n)
        return false;
    return a->bots[player].alive;
}

const char *cf_arena_death(const cf_arena *a, int player)
{
    if (player < 0 || player >= a->n)
        return "not a player";
    const bot *b = &a->bots[player];
    if (b->alive || !b->has_verdict)
        return b->alive ? "alive" : "gone";
    if (a->cancelled)
        return "cancelled";
    switch (b->verdict) {
    case V_TIMEOUT: return "timed out";
    case V_CPU_TIME: return "CPU time limit exceeded";
    case V_MEMORY: return "memory limit exceeded";
    case V_ILLEGAL: return "made a forbidden system call";
    case V_CRASHED: return "crashed";
    case V_BAD_OUTPUT: return "broke the protocol";
    case V_KILLED: return "was killed";
    case V_OK: break;
    }
    return "gone";
}

void cf_arena_progress(cf_arena *a, int tick)
{
    if (!a->hooks || !a->hooks->progress)
        return;
    int64_t t = cf_now_ms();
    if (t - a->last_progress < 250)
        return;
    a->last_progress = t;
    a->hooks->progress(a->hooks->ud, tick);
}

/* -------------------------------------------------------------- spawning */

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Pipes, cgroup, clone, seize, cgroup move: a coderunner waiting for its go
 * message. Returns 0 and fills *out, or -1 with err. */
static int spawn_runner(cf_sandbox *sb, int slot, uint32_t memory_kb, uint32_t cpu_ms,
                        ctl_pooled *out, char *err, size_t errlen)
{
    int req[2] = {-1, -1}, rep[2] = {-1, -1}, log[2] = {-1, -1};
    memset(out, 0, sizeof *out);
    out->req_fd = out->rep_fd = out->log_fd = -1;
    if (pipe2(req, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0 || pipe2(log, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    if (!sb->opts.unsafe_no_sandbox) {
        char name[64];
        snprintf(name, sizeof name, "cf-%d-%lu", (int)getpid(), ++sb->serial);
        out->cg = sandbox_cgroup_create(name, memory_kb, PIDS_MAX, err, errlen);
        if (!out->cg)
            goto fail;
    }
    int child_fds[SB_SPAWN_FDS_MAX] = {req[0], rep[1], log[1]};
    int ncg = out->cg ? sandbox_cgroup_self_fds(out->cg, child_fds + 3, SB_SPAWN_FDS_MAX - 3,
                                                err, errlen)
                      : 0;
    pid_t pid = ncg < 0 ? -1
                        : forkserver_spawn(sb->fs, slot, cpu_ms, child_fds, 3 + ncg, err, errlen);
    for (int i = 3; i < 3 + ncg; i++)
        close(child_fds[i]);
    close(req[0]);
    close(rep[1]);
    close(log[1]);
    out->req_fd = req[1];
    out->rep_fd = rep[0];
    out->log_fd = log[0];
    if (pid <= 0)
        return -1;
    out->pid = pid;
    if (!sb->opts.unsafe_no_sandbox) {
        long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
                    PTRACE_O_TRACEVFORK | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEEXIT;
        if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts) < 0) {
            snprintf(err, errlen, "ptrace seize: %s", strerror(errno));
            return -1;
        }
        /* v1: the child moves itself in (cheaper); v2: we move it. */
        if (ncg == 0 && sandbox_cgroup_attach(out->cg, pid, err, errlen) < 0)
            return -1;
    }
    /* Only now may the child drop its uid (coderunner.c). */
    const char seized = SB_SEIZED;
    if (write(out->req_fd, &seized, 1) != 1) {
        snprintf(err, errlen, "seized message: %s", strerror(errno));
        return -1;
    }
    if (set_nonblock(out->rep_fd) < 0 || set_nonblock(out->log_fd) < 0) {
        snprintf(err, errlen, "fcntl: %s", strerror(errno));
        return -1;
    }
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        if (req[i] >= 0)
            close(req[i]);
        if (rep[i] >= 0)
            close(rep[i]);
        if (log[i] >= 0)
            close(log[i]);
    }
    return -1;
}

/* Kills a runner that never became a bot, reaps it, frees what it held. */
static void discard_runner(ctl_pooled *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        /* A tracee still stops at its exit event, even killed: let it go. */
        for (;;) {
            int st;
            pid_t w = waitpid(r->pid, &st, __WALL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0 || WIFEXITED(st) || WIFSIGNALED(st))
                break;
            ptrace(PTRACE_CONT, r->pid, NULL, NULL);
        }
    }
    if (r->req_fd >= 0)
        close(r->req_fd);
    if (r->rep_fd >= 0)
        close(r->rep_fd);
    if (r->log_fd >= 0)
        close(r->log_fd);
    sandbox_cgroup_destroy(r->cg);
    memset(r, 0, sizeof *r);
    r->req_fd = r->rep_fd = r->log_fd = -1;
}

void ctl_pool_fill(cf_sandbox *sb)
{
    if (sb->opts.unsafe_no_sandbox || sb->broken || !sb->fs)
        return;
    for (int i = 0; i < CTL_POOL_SLOTS; i++) {
        if (sb->pool[i].pid > 0)
            continue;
        char err[256];
        if (spawn_runner(sb, i, CTL_POOL_MEMORY_KB, SB_SPAWN_CPU_MS, &sb->pool[i], err,
                         sizeof err) < 0)
            discard_runner(&sb->pool[i]); /* the fight will spawn afresh */
    }
}

void ctl_pool_drain(cf_sandbox *sb)
{
    for (int i = 0; i < CTL_POOL_SLOTS; i++)
        if (sb->pool[i].pid > 0 || sb->pool[i].cg)
            discard_runner(&sb->pool[i]);
}

/* A pooled runner for this slot, set to this fight's memory limit. */
static bool claim_pooled(cf_sandbox *sb, int slot, const cf_limits *limits, ctl_pooled *out)
{
    if (slot >= CTL_POOL_SLOTS || sb->pool[slot].pid <= 0)
        return false;
    *out = sb->pool[slot];
    memset(&sb->pool[slot], 0, sizeof sb->pool[slot]);
    char err[256];
    /* Still waiting for its go? A dead one is discarded (and reaped). */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)out->pid, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0 ||
        si.si_pid == out->pid ||
        sandbox_cgroup_set_memory(out->cg, limits->memory_kb, err, sizeof err) < 0) {
        discard_runner(out);
        return false;
    }
    return true;
}

static int spawn_bot(cf_arena *a, int slot, const cf_fight_player *p, const cJSON *settings,
                     char *err, size_t errlen)
{
    cf_sandbox *sb = a->sb;
    bot *b = &a->bots[slot];
    b->spawn_us = cf_now_us();
    ctl_pooled r;
    if (!claim_pooled(sb, slot, &b->limits, &r) &&
        spawn_runner(sb, slot, b->limits.memory_kb, b->limits.cpu_ms, &r, err, errlen) < 0) {
        b->req_fd = r.req_fd;
        b->rep_fd = r.rep_fd;
        b->log_fd = r.log_fd;
        b->cg = r.cg;
        b->pid = r.pid;
        b->alive = r.pid > 0;
        if (r.pid > 0)
            tid_add(a, r.pid, slot);
        return -1;
    }
    b->pid = r.pid;
    b->req_fd = r.req_fd;
    b->rep_fd = r.rep_fd;
    b->log_fd = r.log_fd;
    b->cg = r.cg;
    b->alive = true;
    if (!sb->opts.unsafe_no_sandbox)
        tid_add(a, b->pid, slot);
    /* The init message is ready before the go, so the two leave together. */
    cJSON *init = cJSON_CreateObject();
    if (!init || !cJSON_AddStringToObject(init, "t", "init") ||
        !cJSON_AddStringToObject(init, "name", p->name) ||
        !cJSON_AddStringToObject(init, "code", p->code) ||
        !cJSON_AddItemToObject(init, "context", cJSON_Duplicate(settings, true))) {
        cJSON_Delete(init);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char *json = cJSON_PrintUnformatted(init);
    cJSON_Delete(init);
    if (!json) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (strlen(json) > SB_INIT_MAX) {
        /* The bot's fault, not the sandbox's: it never starts. */
        free(json);
        set_verdict(b, V_CRASHED, "the bot's code is too large (over %u bytes as JSON)",
                    (unsigned)SB_INIT_MAX);
        kill_bot(a, b);
        return 0;
    }
    /* Never a go outside the cgroup: the child moves itself in before
     * anything else, so this waits at most for that first step. */
    if (b->cg) {
        int64_t until = cf_now_ms() + 1000;
        while (!sandbox_cgroup_contains(b->cg, b->pid)) {
            if (cf_now_ms() > until) {
                snprintf(err, errlen, "coderunner %d is not in its cgroup", (int)b->pid);
                free(json);
                return -1;
            }
            struct timespec ts = {0, 100 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    /* The go message: the child sets RLIMIT_CPU, loads seccomp, starts. */
    uint32_t cpu = b->limits.cpu_ms;
    unsigned char go[SB_GO_LEN] = {'G', (unsigned char)(cpu >> 24), (unsigned char)(cpu >> 16),
                                   (unsigned char)(cpu >> 8), (unsigned char)cpu};
    if (write(b->req_fd, go, sizeof go) != (ssize_t)sizeof go) {
        snprintf(err, errlen, "go message: %s", strerror(errno));
        free(json);
        return -1;
    }
    if (set_nonblock(b->req_fd) < 0 || queue_msg(b, json, strlen(json)) < 0) {
        free(json);
        snprintf(err, errlen, "init message: %s", strerror(errno));
        return -1;
    }
    free(json);
    flush_out(b);
    return 0;
}

cf_arena *ctl_arena_start(cf_sandbox *sb, const cf_fight_msg *msg, const cJSON *settings,
                          const cf_limits *limits, const cf_fight_hooks *hooks, char *err,
                          size_t errlen)
{
    cf_arena *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->sb = sb;
    a->hooks = hooks;
    a->n = msg->nplayers;
    for (int i = 0; i < a->n; i++) {
        bot *b = &a->bots[i];
        b->slot = i;
        b->req_fd = b->rep_fd = b->log_fd = -1;
        b->seccomp_nr = -1;
        b->limits = *limits;
    }
    for (int i = 0; i < a->n; i++) {
        if (spawn_bot(a, i, &msg->players[i], settings, err, errlen) < 0) {
            ctl_bot_report reports[CF_MAX_PLAYERS];
            ctl_arena_finish(a, reports);
            for (int j = 0; j < msg->nplayers; j++)
                free(reports[j].log);
            ctl_sandbox_break(sb, "%s", err);
            return NULL;
        }
    }
    return a;
}

/* ----------------------------------------------------------------- the end */

/* The log tail as valid UTF-8 text, cut at a line start when it was cut. */
static char *log_text(const bot *b)
{
    size_t start = b->log_len > LOG_CAP ? b->log_len - LOG_CAP : 0;
    bool cut = b->log_total > b->log_len - start;
    if (cut)
        while (start < b->log_len && b->log[start] != '\n')
            start++;
    if (cut && start < b->log_len)
        start++;
    size_t len = b->log_len - start;
    char *out = malloc(3 * len + 64);
    if (!out)
        return NULL;
    size_t o = 0;
    if (cut)
        o = (size_t)snprintf(out, 64, "[... %" PRIu64 " bytes before]\n", b->log_total - len);
    cf_utf8_sanitize(out + o, b->log + start, len);
    return out;
}

bool ctl_arena_finish(cf_arena *a, ctl_bot_report *reports)
{
    for (int i = 0; i < a->n; i++) {
        bot *b = &a->bots[i];
        if (b->cg && b->alive)
            b->peak_kb = sandbox_cgroup_peak_kb(b->cg);
        if (b->alive && !check_cpu(a, b)) {
            /* It finished the fight alive: the kill below is ours. */
            if (b->timeouts > 0)
                set_verdict(b, V_TIMEOUT, "%d call(s) over the wall-clock limit", b->timeouts);
            set_verdict(b, V_OK, "%s", "");
        }
        kill_bot(a, b);
    }
    int64_t until = cf_now_ms() + REAP_GRACE_MS;
    for (;;) {
        bool all = true;
        for (int i = 0; i < a->n; i++)
            if (a->bots[i].pid > 0 && !a->bots[i].reaped)
                all = false;
        if (all || cf_now_ms() > until)
            break;
        poll_once(a, NULL, POLL_SLICE_MS);
    }
    for (int i = 0; i < a->n; i++) {
        bot *b = &a->bots[i];
        ctl_bot_report *r = &reports[i];
        memset(r, 0, sizeof *r);
        drain_log(b);
        uint64_t ns = bot_cpu_ns(a, b);
        if (ns > b->cpu_ns)
            b->cpu_ns = ns;
        if (a->sb->opts.unsafe_no_sandbox && b->reaped) {
            uint64_t ru_ns = ((uint64_t)b->ru.ru_utime.tv_sec + (uint64_t)b->ru.ru_stime.tv_sec) *
                                 1000000000ull +
                             ((uint64_t)b->ru.ru_utime.tv_usec + (uint64_t)b->ru.ru_stime.tv_usec) *
                                 1000ull;
            if (ru_ns > b->cpu_ns)
                b->cpu_ns = ru_ns;
            b->peak_kb = (uint64_t)b->ru.ru_maxrss;
        }
        if (b->cg && b->peak_kb == 0)
            b->peak_kb = sandbox_cgroup_peak_kb(b->cg);
        if (b->timeouts > 0)
            set_verdict(b, V_TIMEOUT, "%d call(s) over the wall-clock limit", b->timeouts);
        set_verdict(b, V_OK, "%s", "");
        r->verdict = b->verdict;
        /* The detail may quote the bot (its exception) and be cut short:
         * the report must stay strict UTF-8. */
        cf_utf8_sanitize(r->detail, b->detail, strlen(b->detail));
        r->cpu_ms = b->cpu_ns / 1000000;
        r->peak_memory_kb = b->peak_kb;
        r->log = log_text(b);
        r->ptrace_stops = b->stops;
        r->first_reply_us = (uint64_t)b->first_reply_us;
        r->calls = b->calls;
        r->call_us_total = b->call_us_total;
        r->call_us_min = b->call_us_min;
        r->stragglers = sandbox_cgroup_destroy(b->cg);
        b->cg = NULL;
        if (b->req_fd >= 0)
            close(b->req_fd);
        if (b->rep_fd >= 0)
            close(b->rep_fd);
        if (b->log_fd >= 0)
            close(b->log_fd);
        free(b->out);
        free(b->body);
    }
    bool cancelled = a->cancelled;
    free(a->tids);
    free(a);
    return cancelled;
}

