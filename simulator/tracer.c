/*
 * tracer.c — the coderunners of one job, traced: spawning, ptrace stops,
 * exits, limits, verdicts, logs.
 *
 * One poll loop serves everything while the job waits: every coderunner's
 * log pipe (drained continuously and kept as a capped tail, so a chatty
 * coderunner never blocks itself or us), the request pipes that still hold
 * unsent bytes (a bot's code can exceed the pipe size), a signalfd for
 * SIGCHLD, which brings both exits and ptrace stops, and whatever
 * descriptors the job adds (a fight's reply pipe, a play's game output).
 * The coderunners are our children (CLONE_PARENT in the forkserver) and our
 * tracees (PTRACE_SEIZE with EXITKILL: if we die, they die).
 *
 * Ptrace decides from registers only (the syscall number of a seccomp stop,
 * the exit status of an exit stop), never from the tracee's memory. In a
 * steady job an ordinary coderunner causes no stop at all: the seccomp
 * filter allows its calls in the kernel; only forbidden calls
 * (SECCOMP_RET_TRACE), new threads or processes, signals and exits stop it.
 * Stops are counted per coderunner (ctl_bot_report.ptrace_stops).
 *
 * CPU time comes from the coderunner's cgroup (cpuacct / cpu.stat), read
 * whenever the job checks; over its budget the coderunner is killed
 * (verdict "cpu_time").
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/audit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "controller.h"
#include "text.h"

#define REAP_GRACE_MS 3000 /* killed coderunners must be gone by then */
#define POLL_SLICE_MS 50

static const char *const verdict_names[] = {
    [V_OK] = "ok",
    [V_TIMEOUT] = "timeout",
    [V_CPU_TIME] = "cpu_time",
    [V_MEMORY] = "memory",
    [V_ILLEGAL] = "illegal",
    [V_CRASHED] = "crashed",
    [V_BAD_OUTPUT] = "bad_output",
    [V_KILLED] = "killed",
};

const char *ctl_verdict_name(enum ctl_verdict v)
{
    return verdict_names[v];
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

void ctl_tracer_init(ctl_tracer *t, cf_sandbox *sb, enum sb_kind kind, int n, uint32_t cpu_ms,
                     uint32_t memory_kb)
{
    memset(t, 0, sizeof *t);
    t->sb = sb;
    t->kind = kind;
    t->n = n;
    for (int i = 0; i < n; i++) {
        ctl_proc *p = &t->procs[i];
        p->slot = i;
        p->req_fd = p->rep_fd = p->log_fd = -1;
        p->seccomp_nr = -1;
        p->cpu_ms = cpu_ms;
        p->memory_kb = memory_kb;
    }
}

/* ------------------------------------------------------------------ tids */

static void tid_add(ctl_tracer *t, pid_t tid, int proc)
{
    for (size_t i = 0; i < t->ntids; i++)
        if (t->tids[i].tid == tid) {
            t->tids[i].proc = proc;
            return;
        }
    if (t->ntids == t->captids) {
        size_t cap = t->captids ? 2 * t->captids : 64;
        ctl_tid *n = realloc(t->tids, cap * sizeof *n);
        if (!n)
            return; /* found again through its cgroup */
        t->tids = n;
        t->captids = cap;
    }
    t->tids[t->ntids++] = (ctl_tid){tid, proc};
}

static void tid_remove(ctl_tracer *t, pid_t tid)
{
    for (size_t i = 0; i < t->ntids; i++)
        if (t->tids[i].tid == tid) {
            t->tids[i] = t->tids[--t->ntids];
            return;
        }
}

static int tid_proc(ctl_tracer *t, pid_t tid)
{
    for (size_t i = 0; i < t->ntids; i++)
        if (t->tids[i].tid == tid)
            return t->tids[i].proc;
    /* An auto-attached child may report before its parent's event does. */
    for (int i = 0; i < t->n; i++)
        if (t->procs[i].cg && sandbox_cgroup_contains(t->procs[i].cg, tid)) {
            tid_add(t, tid, i);
            return i;
        }
    return -1;
}

/* -------------------------------------------------------------- verdicts */

void ctl_proc_verdict(ctl_proc *p, enum ctl_verdict v, const char *fmt, ...)
{
    if (p->has_verdict)
        return;
    p->has_verdict = true;
    p->verdict = v;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->detail, sizeof p->detail, fmt, ap);
    va_end(ap);
}

static uint64_t proc_cpu_ns(ctl_tracer *t, ctl_proc *p)
{
    if (p->cg)
        return sandbox_cgroup_cpu_ns(p->cg);
    if (t->sb->opts.unsafe_no_sandbox && !p->reaped) {
        clockid_t cid;
        struct timespec ts;
        if (clock_getcpuclockid(p->pid, &cid) == 0 && clock_gettime(cid, &ts) == 0)
            return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    }
    return p->cpu_ns;
}

/* The CPU the coderunner's tree used up to now, as its final bill. Read
 * before the kill: a tree of 64 Python processes takes the kernel a
 * second of CPU or more to tear down on a loaded machine, charged to the
 * group after the bot could run any code. */
static void settle_cpu(ctl_tracer *t, ctl_proc *p)
{
    uint64_t ns = proc_cpu_ns(t, p);
    if (ns > p->cpu_ns)
        p->cpu_ns = ns;
    p->cpu_settled = true;
}

void ctl_proc_kill(ctl_tracer *t, ctl_proc *p)
{
    if (p->alive && !p->reaped && p->cg)
        settle_cpu(t, p);
    p->alive = false;
    if (p->reaped || p->pid <= 0)
        return;
    /* The PID namespace's init: its death takes every process of the job.
     * In unsafe mode the coderunner leads its own process group. */
    if (t->sb->opts.unsafe_no_sandbox)
        kill(-p->pid, SIGKILL);
    /* One we cannot kill is a sandbox that does not hold (in a container
     * without CAP_KILL, a bot's uid is out of reach): say so at once rather
     * than wait for it to end on its own. ESRCH: already gone. */
    if (kill(p->pid, SIGKILL) < 0 && errno != ESRCH)
        ctl_sandbox_break(t->sb, "cannot kill bot %d (pid %d): %s%s", p->slot + 1, (int)p->pid,
                          strerror(errno),
                          errno == EPERM ? " (the controller lacks CAP_KILL)" : "");
}

bool ctl_proc_check_cpu(ctl_tracer *t, ctl_proc *p)
{
    if (!p->alive)
        return false;
    uint64_t ns = proc_cpu_ns(t, p);
    if (ns > p->cpu_ns)
        p->cpu_ns = ns;
    if (p->cpu_ns > (uint64_t)p->cpu_ms * 1000000ull) {
        ctl_proc_verdict(p, V_CPU_TIME, "used %" PRIu64 " ms of CPU, the limit is %" PRIu32 " ms",
                         p->cpu_ns / 1000000, p->cpu_ms);
        ctl_proc_kill(t, p);
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------ pipes */

void ctl_tracer_drain_log(ctl_tracer *t, ctl_proc *p)
{
    if (p->log_fd < 0)
        return;
    char buf[16384];
    /* At most 256 KiB a round: a coderunner writing without pause must not
     * keep the loop from its deadlines (poll says when there is more). */
    for (int round = 0; round < 16; round++) {
        ssize_t n = read(p->log_fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0 || errno != EAGAIN) {
                close(p->log_fd);
                p->log_fd = -1;
            }
            return;
        }
        if (p->log_head_len < CTL_LOG_HEAD) {
            size_t h = CTL_LOG_HEAD - p->log_head_len;
            if (h > (size_t)n)
                h = (size_t)n;
            memcpy(p->log_head + p->log_head_len, buf, h);
            p->log_head_len += h;
        }
        p->log_total += (uint64_t)n;
        if (t->on_log != NULL)
            t->on_log(t->owner, p, buf, (size_t)n);
        size_t take = (size_t)n;
        const char *src = buf;
        if (take > CTL_LOG_CAP) {
            src += take - CTL_LOG_CAP;
            take = CTL_LOG_CAP;
        }
        if (p->log_len + take > sizeof p->log) {
            size_t keep = CTL_LOG_CAP - take;
            if (keep > p->log_len)
                keep = p->log_len;
            memmove(p->log, p->log + p->log_len - keep, keep);
            p->log_len = keep;
        }
        memcpy(p->log + p->log_len, src, take);
        p->log_len += take;
    }
}

static void flush_out(ctl_proc *p)
{
    while (p->out_off < p->out_len && p->req_fd >= 0) {
        ssize_t n = write(p->req_fd, p->out + p->out_off, p->out_len - p->out_off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            if (errno != EAGAIN) /* EPIPE: the coderunner is gone */
                p->out_off = p->out_len;
            return;
        }
        p->out_off += (size_t)n;
    }
    if (p->out_off == p->out_len) {
        free(p->out);
        p->out = NULL;
        p->out_len = p->out_off = 0;
    }
}

/* Appends head (hlen bytes) and body to what is still to be written. */
static int queue(ctl_proc *p, const void *head, size_t hlen, const char *body, size_t blen)
{
    size_t pend = p->out_len - p->out_off;
    char *buf = malloc(pend + hlen + blen + 1);
    if (!buf)
        return -1;
    if (pend)
        memcpy(buf, p->out + p->out_off, pend);
    memcpy(buf + pend, head, hlen);
    memcpy(buf + pend + hlen, body, blen);
    free(p->out);
    p->out = buf;
    p->out_len = pend + hlen + blen;
    p->out_off = 0;
    flush_out(p);
    return 0;
}

int ctl_proc_send_framed(ctl_proc *p, const char *msg, size_t len)
{
    unsigned char hdr[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
                            (unsigned char)(len >> 8), (unsigned char)len};
    return queue(p, hdr, sizeof hdr, msg, len);
}

int ctl_proc_send_raw(ctl_proc *p, const char *data, size_t len)
{
    return queue(p, "", 0, data, len);
}

size_t ctl_proc_pending(const ctl_proc *p)
{
    return p->out_len - p->out_off;
}

/* --------------------------------------------------------------- reaping */

static void last_log_line(const ctl_proc *p, char *out, size_t outlen)
{
    size_t end = p->log_len;
    while (end > 0 && (p->log[end - 1] == '\n' || p->log[end - 1] == '\r'))
        end--;
    size_t start = end;
    while (start > 0 && p->log[start - 1] != '\n')
        start--;
    size_t len = end - start;
    if (len >= outlen)
        len = outlen - 1;
    memcpy(out, p->log + start, len);
    out[len] = '\0';
}

static void killed_verdict(ctl_tracer *t, ctl_proc *p, int sig)
{
    if (sig == SIGSYS) {
        char name[64];
        if (p->seccomp_compat) {
            ctl_proc_verdict(p, V_ILLEGAL, "forbidden 32-bit system call %ld (int 0x80)",
                             p->seccomp_nr);
        } else if (p->seccomp_nr >= 0x40000000) {
            ctl_proc_verdict(p, V_ILLEGAL, "forbidden x32 system call %ld",
                             p->seccomp_nr & 0x3fffffff);
        } else if (p->seccomp_nr >= 0) {
            sandbox_seccomp_name(p->seccomp_nr, name, sizeof name);
            ctl_proc_verdict(p, V_ILLEGAL, "forbidden system call %s (%ld)", name, p->seccomp_nr);
        } else {
            ctl_proc_verdict(p, V_ILLEGAL, "forbidden system call (killed by seccomp)");
        }
    }
    (void)ctl_proc_check_cpu(t, p);
    if (sig == SIGXCPU)
        ctl_proc_verdict(p, V_CPU_TIME, "CPU time limit (RLIMIT_CPU) exceeded");
    const char *abbrev = sigabbrev_np(sig);
    ctl_proc_verdict(p, V_KILLED, "killed by signal SIG%s", abbrev ? abbrev : "?");
}

/* v with a comma between groups of three digits: "70,000,640". */
static void grouped(unsigned long long v, char *out, size_t len)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", v);
    size_t o = 0;

    for (int i = 0; i < n && o + 2 < len; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

/* A memory limit in the units of the games' docs: bytes, as Tanks gives
 * its limit (the original's 70,000,000), and KiB or MiB beside it:
 * "70,000,640 bytes (68,360 KiB)", "104,857,600 bytes (100 MiB)". */
static void memory_limit_words(uint32_t kb, char *out, size_t len)
{
    char bytes[32], kib[24];

    grouped((unsigned long long)kb * 1024u, bytes, sizeof bytes);
    if (kb % 1024 == 0) {
        snprintf(out, len, "%s bytes (%" PRIu32 " MiB)", bytes, kb / 1024);
    } else {
        grouped(kb, kib, sizeof kib);
        snprintf(out, len, "%s bytes (%s KiB)", bytes, kib);
    }
}

/* The main process is gone: the job reads what it said last, then the exit
 * status decides. */
static void proc_exited(ctl_tracer *t, ctl_proc *p, int status)
{
    p->alive = false;
    p->reaped = true;
    ctl_tracer_drain_log(t, p);
    if (t->on_exit)
        t->on_exit(t->owner, p, status);
    if (p->cg)
        p->peak_kb = sandbox_cgroup_peak_kb(p->cg);
    if (p->cg && sandbox_cgroup_oom_killed(p->cg)) {
        char words[96];
        memory_limit_words(p->memory_kb, words, sizeof words);
        ctl_proc_verdict(p, V_MEMORY, "memory limit of %s exceeded", words);
    }
    if (WIFSIGNALED(status)) {
        killed_verdict(t, p, WTERMSIG(status));
    } else if (WIFEXITED(status)) {
        /* coderunner.c: set-up failed, if it ended before its code ran;
         * after that a 111 and its log line are the bot's own. */
        if (WEXITSTATUS(status) == 111 && !p->code_started) {
            char line[200];
            last_log_line(p, line, sizeof line);
            ctl_proc_verdict(p, V_CRASHED, "%s", line[0] ? line : "sandbox set-up failed");
        }
        ctl_proc_verdict(p, V_CRASHED, "exited with status %d", WEXITSTATUS(status));
    }
}

/* A forbidden call routed to us: the syscall number is in a register; the
 * call never runs, the coderunner dies. */
static void seccomp_stop(ctl_tracer *t, ctl_proc *p, pid_t tid)
{
    struct user_regs_struct regs;
    if (!p) {
        kill(tid, SIGKILL);
        return;
    }
    if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) == 0) {
        char name[64];
        sandbox_seccomp_name((long)regs.orig_rax, name, sizeof name);
        ctl_proc_verdict(p, V_ILLEGAL, "forbidden system call %s (%llu)", name, regs.orig_rax);
    } else {
        ctl_proc_verdict(p, V_ILLEGAL, "forbidden system call");
    }
    ctl_proc_kill(t, p);
}

/* Remembers the call that a SIGSYS death was for, and its ABI, from the
 * kernel (registers, not memory). */
static void exit_stop(ctl_proc *p, pid_t tid)
{
    unsigned long msg;
    struct user_regs_struct regs;
    if (!p || ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) != 0 || !WIFSIGNALED((int)msg) ||
        WTERMSIG((int)msg) != SIGSYS || ptrace(PTRACE_GETREGS, tid, NULL, &regs) != 0)
        return;
    p->seccomp_nr = (long)regs.orig_rax;
    struct __ptrace_syscall_info info;
    if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, (void *)sizeof info, &info) > 0 &&
        info.arch != AUDIT_ARCH_X86_64)
        p->seccomp_compat = true;
}

/* A signal stop: the coderunner ends for a fault or its CPU limit; any
 * other signal is delivered as it was sent. */
static void signal_stop(ctl_tracer *t, ctl_proc *p, pid_t tid, int sig)
{
    /* The coderunner's set-up is over; its code runs next (sandbox.h). */
    if (sig == SB_SIG_CODE_STARTS && p && tid == p->pid && !p->code_started) {
        p->code_started = true;
        ptrace(PTRACE_CONT, tid, NULL, NULL);
        return;
    }
    if (sig == SIGXCPU && p) {
        ctl_proc_verdict(p, V_CPU_TIME, "CPU time limit (RLIMIT_CPU) exceeded");
        ctl_proc_kill(t, p);
        return;
    }
    /* Faults and aborts end it here: as the init of its PID namespace it
     * would ignore them while traced, and re-fault forever. Python cannot
     * handle them meaningfully anyway. */
    if (p && (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGABRT ||
              sig == SIGTRAP || sig == SIGSYS)) {
        const char *abbrev = sigabbrev_np(sig);
        if (sig == SIGSYS)
            ctl_proc_verdict(p, V_ILLEGAL, "forbidden system call (SIGSYS)");
        ctl_proc_verdict(p, V_KILLED, "killed by signal SIG%s", abbrev ? abbrev : "?");
        ctl_proc_kill(t, p);
        return;
    }
    ptrace(PTRACE_CONT, tid, NULL, (void *)(long)sig);
}

static void handle_stop(ctl_tracer *t, pid_t tid, int status)
{
    int pi = tid_proc(t, tid);
    ctl_proc *p = pi >= 0 ? &t->procs[pi] : NULL;
    if (p)
        p->stops++;
    unsigned long msg;
    switch (status >> 16) {
    case PTRACE_EVENT_SECCOMP:
        seccomp_stop(t, p, tid);
        return; /* left stopped: SIGKILL ends it without running the call */
    case PTRACE_EVENT_CLONE:
    case PTRACE_EVENT_FORK:
    case PTRACE_EVENT_VFORK:
        if (p && ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) == 0)
            tid_add(t, (pid_t)msg, pi);
        break;
    case PTRACE_EVENT_EXIT: exit_stop(p, tid); break;
    case PTRACE_EVENT_STOP: break; /* new tracee or group-stop: keep it running */
    case 0: signal_stop(t, p, tid, WSTOPSIG(status)); return;
    default: break;
    }
    ptrace(PTRACE_CONT, tid, NULL, NULL);
}

/* Everything SIGCHLD may mean: exits of coderunners and their tasks, ptrace
 * stops. */
static void reap(ctl_tracer *t)
{
    struct signalfd_siginfo si;
    while (read(t->sb->sigchld_fd, &si, sizeof si) == sizeof si)
        ;
    /* Bounded, so that coderunners making events without pause (thread or
     * signal storms) cannot hold the loop; the rest is taken next round. */
    t->reap_again = false;
    for (int events = 0;; events++) {
        if (events == 256) {
            t->reap_again = true;
            return;
        }
        int status;
        struct rusage ru;
        pid_t pid = wait4(-1, &status, __WALL | WNOHANG, &ru);
        if (pid <= 0)
            return;
        if (t->sb->fs && pid == forkserver_pid(t->sb->fs)) {
            ctl_sandbox_break(t->sb, "the forkserver died");
            continue;
        }
        if (WIFSTOPPED(status)) {
            handle_stop(t, pid, status);
            continue;
        }
        for (int i = 0; i < t->n; i++) {
            ctl_proc *p = &t->procs[i];
            if (p->pid == pid && !p->reaped) {
                p->ru = ru;
                proc_exited(t, p, status);
            }
        }
        tid_remove(t, pid);
    }
}

/* ---------------------------------------------------------------- waiting */

void ctl_tracer_poll(ctl_tracer *t, struct pollfd *extra, int nextra, int timeout_ms)
{
    enum { MAXFD = 1 + 2 * CF_MAX_PLAYERS + 8 };
    struct pollfd pfd[MAXFD];
    ctl_proc *owner[MAXFD];
    int kind[MAXFD];
    nfds_t n = 0;
    pfd[n] = (struct pollfd){.fd = t->sb->sigchld_fd, .events = POLLIN};
    owner[n] = NULL;
    kind[n++] = 0;
    for (int i = 0; i < t->n; i++) {
        ctl_proc *p = &t->procs[i];
        if (p->log_fd >= 0) {
            pfd[n] = (struct pollfd){.fd = p->log_fd, .events = POLLIN};
            owner[n] = p;
            kind[n++] = 1;
        }
        if (p->out && p->req_fd >= 0 && p->alive) {
            pfd[n] = (struct pollfd){.fd = p->req_fd, .events = POLLOUT};
            owner[n] = p;
            kind[n++] = 2;
        }
    }
    nfds_t first_extra = n;
    for (int i = 0; i < nextra && n < MAXFD; i++) {
        extra[i].revents = 0;
        pfd[n] = extra[i];
        owner[n] = NULL;
        kind[n++] = 3;
    }
    if (t->reap_again) {
        reap(t);
        timeout_ms = 0;
    }
    int r = poll(pfd, n, timeout_ms);
    if (r <= 0)
        return;
    for (nfds_t i = 0; i < n; i++) {
        if (!pfd[i].revents)
            continue;
        if (kind[i] == 0)
            reap(t);
        else if (kind[i] == 1)
            ctl_tracer_drain_log(t, owner[i]);
        else if (kind[i] == 2)
            flush_out(owner[i]);
        else
            extra[i - first_extra].revents = pfd[i].revents;
    }
}

void ctl_tracer_wait_reaped(ctl_tracer *t, ctl_proc *p, int64_t ms)
{
    int64_t until = cf_now_ms() + ms;
    while (!p->reaped && cf_now_ms() < until)
        ctl_tracer_poll(t, NULL, 0, POLL_SLICE_MS);
}

/* -------------------------------------------------------------- spawning */

/* Never a go outside the cgroup: the child moves itself in before anything
 * else, so this waits at most for that first step. */
static int wait_in_cgroup(ctl_proc *p, char *err, size_t errlen)
{
    if (!p->cg)
        return 0;
    int64_t until = cf_now_ms() + 1000;
    while (!sandbox_cgroup_contains(p->cg, p->pid)) {
        if (cf_now_ms() > until) {
            snprintf(err, errlen, "coderunner %d is not in its cgroup", (int)p->pid);
            return -1;
        }
        struct timespec ts = {0, 100 * 1000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int ctl_tracer_spawn(ctl_tracer *t, int slot, const char *init, size_t init_len, char *err,
                     size_t errlen)
{
    ctl_proc *p = &t->procs[slot];
    p->spawn_us = cf_now_us();
    ctl_pooled r;
    int rc = ctl_pool_take(t->sb, t->kind, slot, p->memory_kb, p->cpu_ms, &r, err, errlen);
    /* Even a failed spawn hands over what it made: finish cleans it. */
    p->pid = r.pid;
    p->req_fd = r.req_fd;
    p->rep_fd = r.rep_fd;
    p->log_fd = r.log_fd;
    p->cg = r.cg;
    p->alive = r.pid > 0;
    if (r.pid > 0 && !t->sb->opts.unsafe_no_sandbox)
        tid_add(t, r.pid, slot);
    if (rc < 0)
        return -1;
    if (init_len > SB_INIT_MAX) {
        /* The job's fault, not the sandbox's: it never starts. */
        ctl_proc_verdict(p, V_CRASHED, "the bot's code is too large (over %u bytes as JSON)",
                         (unsigned)SB_INIT_MAX);
        ctl_proc_kill(t, p);
        return 0;
    }
    if (wait_in_cgroup(p, err, errlen) < 0)
        return -1;
    /* The go message: the child sets RLIMIT_CPU, loads seccomp, starts; the
     * init message is queued behind it, so the two leave together. */
    unsigned char go[SB_GO_LEN] = {'G', (unsigned char)(p->cpu_ms >> 24),
                                   (unsigned char)(p->cpu_ms >> 16),
                                   (unsigned char)(p->cpu_ms >> 8), (unsigned char)p->cpu_ms};
    if (write(p->req_fd, go, sizeof go) != (ssize_t)sizeof go) {
        snprintf(err, errlen, "go message: %s", strerror(errno));
        return -1;
    }
    if (set_nonblock(p->req_fd) < 0 || ctl_proc_send_framed(p, init, init_len) < 0) {
        snprintf(err, errlen, "init message: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* ----------------------------------------------------------------- the end */

/* The log as valid UTF-8 text: whole when it fits CTL_LOG_CAP, else its
 * head (what a bot printed first: its first traceback) up to a line end and
 * its tail from a line start, with "[... N bytes cut ...]" between. */
static char *log_text(const ctl_proc *p)
{
    char *out = malloc(3 * CTL_LOG_CAP + 64);
    if (!out)
        return NULL;
    if (p->log_total <= CTL_LOG_CAP) {
        cf_utf8_sanitize(out, p->log, p->log_len);
        return out;
    }
    size_t head = p->log_head_len;
    while (head > 0 && p->log_head[head - 1] != '\n')
        head--;
    if (head == 0)
        head = p->log_head_len; /* one long line: cut inside it */
    size_t tail_max = CTL_LOG_CAP - head;
    size_t start = p->log_len > tail_max ? p->log_len - tail_max : 0;
    while (start < p->log_len && p->log[start] != '\n')
        start++;
    if (start < p->log_len)
        start++;
    size_t tail = p->log_len - start;
    size_t o = cf_utf8_sanitize(out, p->log_head, head);
    o += (size_t)snprintf(out + o, 64, "%s[... %" PRIu64 " bytes cut ...]\n",
                          head > 0 && p->log_head[head - 1] != '\n' ? "\n" : "",
                          p->log_total - head - tail);
    cf_utf8_sanitize(out + o, p->log + start, tail);
    return out;
}

static void wait_all_reaped(ctl_tracer *t)
{
    int64_t until = cf_now_ms() + REAP_GRACE_MS;
    for (;;) {
        bool all = true;
        for (int i = 0; i < t->n; i++)
            if (t->procs[i].pid > 0 && !t->procs[i].reaped)
                all = false;
        if (all || cf_now_ms() > until)
            return;
        ctl_tracer_poll(t, NULL, 0, POLL_SLICE_MS);
    }
}

/* CPU and memory of one that ran without the sandbox, from wait4. */
static void unsafe_usage(ctl_proc *p)
{
    uint64_t ru_ns =
        ((uint64_t)p->ru.ru_utime.tv_sec + (uint64_t)p->ru.ru_stime.tv_sec) * 1000000000ull +
        ((uint64_t)p->ru.ru_utime.tv_usec + (uint64_t)p->ru.ru_stime.tv_usec) * 1000ull;
    if (ru_ns > p->cpu_ns)
        p->cpu_ns = ru_ns;
    p->peak_kb = (uint64_t)p->ru.ru_maxrss;
}

static void report_of(ctl_tracer *t, ctl_proc *p, ctl_bot_report *r)
{
    memset(r, 0, sizeof *r);
    ctl_tracer_drain_log(t, p);
    uint64_t ns = p->cpu_settled ? 0 : proc_cpu_ns(t, p);
    if (ns > p->cpu_ns)
        p->cpu_ns = ns;
    if (t->sb->opts.unsafe_no_sandbox && p->reaped)
        unsafe_usage(p);
    if (p->cg && p->peak_kb == 0)
        p->peak_kb = sandbox_cgroup_peak_kb(p->cg);
    ctl_proc_verdict(p, V_OK, "%s", "");
    r->verdict = p->verdict;
    /* The detail may quote the coderunner (its exception) and be cut short:
     * the report must stay strict UTF-8. */
    cf_utf8_sanitize(r->detail, p->detail, strlen(p->detail));
    r->cpu_ms = p->cpu_ns / 1000000;
    r->peak_memory_kb = p->peak_kb;
    r->log = log_text(p);
    r->ptrace_stops = p->stops;
    r->stragglers = sandbox_cgroup_destroy(p->cg);
    p->cg = NULL;
}

static void close_proc(ctl_proc *p)
{
    if (p->req_fd >= 0)
        close(p->req_fd);
    if (p->rep_fd >= 0)
        close(p->rep_fd);
    if (p->log_fd >= 0)
        close(p->log_fd);
    p->req_fd = p->rep_fd = p->log_fd = -1;
    free(p->out);
    p->out = NULL;
}

void ctl_tracer_finish(ctl_tracer *t, ctl_bot_report *reports)
{
    for (int i = 0; i < t->n; i++) {
        ctl_proc *p = &t->procs[i];
        if (p->cg && p->alive)
            p->peak_kb = sandbox_cgroup_peak_kb(p->cg);
        if (p->alive && !ctl_proc_check_cpu(t, p))
            ctl_proc_verdict(p, V_OK, "%s", ""); /* it finished alive: the kill is ours */
        ctl_proc_kill(t, p);
    }
    wait_all_reaped(t);
    for (int i = 0; i < t->n; i++) {
        report_of(t, &t->procs[i], &reports[i]);
        close_proc(&t->procs[i]);
    }
    free(t->tids);
    t->tids = NULL;
    t->ntids = t->captids = 0;
}
