/*
 * pool.c — coderunners spawned ahead of their job.
 *
 * Spawning a coderunner means three pipes, a cgroup, a clone by the
 * forkserver, PTRACE_SEIZE and (v2) a move into the cgroup; the first
 * cgroup move after a quiet spell waits for an RCU grace period. So a
 * sandbox keeps CTL_POOL_SLOTS bots' coderunners ready between fights
 * (a game's is spawned when its play starts: plays are long): cloned,
 * seized, in their cgroups (with a generous memory limit until the job sets
 * its own), layers applied, blocked on their go message. A job claims the
 * one of its slot, and the pool is refilled after the job, off the next
 * job's path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "controller.h"

#define PIDS_MAX 64 /* tasks (threads included) per coderunner */

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void close_pair(int p[2])
{
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0)
            close(p[i]);
}

/* Attaches before the child may drop its uid (coderunner.c), then lets it
 * go on: attaching never races the drop, and needs no CAP_SYS_PTRACE. */
static int seize(cf_sandbox *sb, ctl_pooled *out, bool child_moved_itself, char *err, size_t errlen)
{
    if (!sb->opts.unsafe_no_sandbox) {
        long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
                    PTRACE_O_TRACEVFORK | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEEXIT;
        if (ptrace(PTRACE_SEIZE, out->pid, NULL, (void *)opts) < 0) {
            snprintf(err, errlen, "ptrace seize: %s", strerror(errno));
            return -1;
        }
        /* v1: the child moves itself in (cheaper); v2: we move it. */
        if (!child_moved_itself && sandbox_cgroup_attach(out->cg, out->pid, err, errlen) < 0)
            return -1;
    }
    const char seized = SB_SEIZED;
    if (write(out->req_fd, &seized, 1) != 1) {
        snprintf(err, errlen, "seized message: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Pipes, cgroup, clone, seize, cgroup move: a coderunner waiting for its go
 * message. Returns 0 and fills *out, or -1 with err. */
static int spawn_runner(cf_sandbox *sb, enum sb_kind kind, int slot, uint32_t memory_kb,
                        uint32_t cpu_ms, ctl_pooled *out, char *err, size_t errlen)
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
    int ncg =
        out->cg ? sandbox_cgroup_self_fds(out->cg, child_fds + 3, SB_SPAWN_FDS_MAX - 3, err, errlen)
                : 0;
    pid_t pid = ncg < 0
                    ? -1
                    : forkserver_spawn(sb->fs, kind, slot, cpu_ms, child_fds, 3 + ncg, err, errlen);
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
    if (seize(sb, out, ncg > 0, err, errlen) < 0)
        return -1;
    if (set_nonblock(out->rep_fd) < 0 || set_nonblock(out->log_fd) < 0) {
        snprintf(err, errlen, "fcntl: %s", strerror(errno));
        return -1;
    }
    return 0;
fail:
    close_pair(req);
    close_pair(rep);
    close_pair(log);
    return -1;
}

void ctl_pool_discard(ctl_pooled *r)
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
    /* cf-fight runs one fight; an arcade sandbox runs plays, whose game is
     * spawned when its play starts: neither has a next fight to prepare. */
    if (sb->opts.unsafe_no_sandbox || sb->opts.single_fight || sb->opts.arcade || sb->broken ||
        !sb->fs)
        return;
    for (int i = 0; i < CTL_POOL_SLOTS; i++) {
        if (sb->pool[i].pid > 0)
            continue;
        char err[256];
        if (spawn_runner(sb, SB_KIND_BOT, i, CTL_POOL_MEMORY_KB, SB_SPAWN_CPU_MS, &sb->pool[i], err,
                         sizeof err) < 0)
            ctl_pool_discard(&sb->pool[i]); /* the job will spawn afresh */
    }
}

void ctl_pool_drain(cf_sandbox *sb)
{
    for (int i = 0; i < CTL_POOL_SLOTS; i++)
        if (sb->pool[i].pid > 0 || sb->pool[i].cg)
            ctl_pool_discard(&sb->pool[i]);
}

/* The pooled runner of this slot, set to the job's memory limit, if it is
 * still waiting for its go (a dead one is discarded and reaped). */
static bool claim_pooled(cf_sandbox *sb, int slot, uint32_t memory_kb, ctl_pooled *out)
{
    if (slot >= CTL_POOL_SLOTS || sb->pool[slot].pid <= 0)
        return false;
    *out = sb->pool[slot];
    memset(&sb->pool[slot], 0, sizeof sb->pool[slot]);
    char err[256];
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)out->pid, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0 ||
        si.si_pid == out->pid ||
        sandbox_cgroup_set_memory(out->cg, memory_kb, err, sizeof err) < 0) {
        ctl_pool_discard(out);
        return false;
    }
    return true;
}

int ctl_pool_take(cf_sandbox *sb, enum sb_kind kind, int slot, uint32_t memory_kb, uint32_t cpu_ms,
                  ctl_pooled *out, char *err, size_t errlen)
{
    if (kind == SB_KIND_BOT && claim_pooled(sb, slot, memory_kb, out))
        return 0;
    return spawn_runner(sb, kind, slot, memory_kb, cpu_ms, out, err, errlen);
}
