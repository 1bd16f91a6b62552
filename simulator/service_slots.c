/*
 * service_slots.c — cf-simulator's worker processes (service.h).
 *
 * Each slot is one worker of one kind (fights or plays): a fork of the
 * parent made before the Redis socket exists (it keeps only stdio and its
 * two pipes), which starts its own sandbox and reports READY. The parent
 * polls the result pipes of all workers at once and hands each frame to the
 * desk of its kind; a worker that exits or dies is reaped here (as a
 * container's PID 1 the parent inherits every orphan too, so the one reaper
 * serves both kinds), its last frames read first, and it comes back after a
 * pause so that a sandbox that cannot start does not spin.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "cpu_pin.h"
#include "log.h"
#include "service.h"

#define RESPAWN_PAUSE_MS 1000

/* In a new worker, before its sandbox: a fight worker onto its CPU, the
 * k-th fight worker's, if they are pinned, so that its fights' calls and
 * replies stay on one CPU (cpu_pin.h); its forkserver and bots inherit
 * it. Arcade workers are not: a play lasts minutes and its game may keep
 * a CPU busy, so the scheduler keeps spreading them. Not fatal: a worker
 * the kernel will not pin runs anywhere. */
static void pin(const svc_slots *s, const svc_slot *sl)
{
    if (s->ncpus == 0 || sl->kind != SVC_FIGHT)
        return;
    int k = 0;
    for (const svc_slot *o = s->slot; o < sl; o++)
        k += o->kind == SVC_FIGHT;
    if (cf_cpu_pin(cf_cpu_nth(&s->cpus, s->ncpus, k)) != 0)
        log_warn("worker %d: cannot pin it to a CPU: %s", (int)(sl - s->slot), strerror(errno));
}

/* Which CPUs the fight workers are pinned to, once, before the first
 * starts: none when simulator.pin_workers is off or only one CPU is
 * there. */
static void choose_cpus(svc_slots *s)
{
    s->ncpus = 0;
    if (!s->s->pin_workers)
        return;
    int n = cf_cpus_allowed(&s->cpus);
    if (n < 0)
        log_warn("workers not pinned: cannot read this process's CPUs: %s", strerror(errno));
    else if (n < 2)
        log_info("workers not pinned: this process may use one CPU");
    else
        s->ncpus = n;
    if (s->ncpus > 0)
        log_info("fight workers pinned to one CPU each, in turn over %d CPUs "
                 "(simulator.pin_workers)",
                 s->ncpus);
}

static int spawn(svc_slots *s, svc_slot *sl)
{
    int job[2], res[2];
    if (pipe2(job, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(res, O_CLOEXEC) != 0) {
        close(job[0]);
        close(job[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(job[0]);
        close(job[1]);
        close(res[0]);
        close(res[1]);
        return -1;
    }
    if (pid == 0) {
        /* Keep only stdio and our two pipes: no Redis socket, no other
         * worker's pipes reach the sandbox. */
        if (dup2(job[0], 3) < 0 || dup2(res[1], 4) < 0)
            _exit(1);
        close_range(5, ~0U, 0);
        pin(s, sl);
        svc_worker_main(3, 4, (int)(sl - s->slot), sl->kind, &s->opts[sl->kind], s->s);
    }
    close(job[0]);
    close(res[1]);
    sl->pid = pid;
    sl->jobfd = job[1];
    sl->resfd = res[0];
    sl->ready = sl->busy = false;
    return 0;
}

static void slot_close(svc_slot *sl)
{
    if (sl->jobfd >= 0)
        close(sl->jobfd);
    if (sl->resfd >= 0)
        close(sl->resfd);
    sl->jobfd = sl->resfd = -1;
    sl->pid = 0;
    sl->ready = sl->busy = false;
    sl->job_id[0] = '\0';
    cf_fight_entry_free(&sl->fight);
    cJSON_Delete(sl->output);
    sl->output = NULL;
}

/* A READY frame carries the worker's sandbox layers (JSON); the first of
 * each kind is kept for the heartbeat. */
static void on_ready(svc_slots *s, svc_slot *sl, char *data, size_t len)
{
    sl->ready = true;
    if (s->layers[sl->kind] == NULL && data != NULL && len > 0)
        s->layers[sl->kind] = strdup(data);
}

/* Waits for every worker's READY; logs the reason and fails otherwise. */
static int wait_ready(svc_slots *s)
{
    for (int i = 0; i < s->n; i++) {
        char type;
        char *data = NULL;
        size_t len;
        int rc = svc_frame_read(s->slot[i].resfd, &type, &data, &len);
        if (rc == 1 && type == SVC_FRAME_READY) {
            on_ready(s, &s->slot[i], data, len);
        } else {
            log_error("worker %d could not start its sandbox: %s", i,
                      rc == 1 && type == SVC_FRAME_ERROR ? data : "exited");
            free(data);
            return -1;
        }
        free(data);
    }
    return 0;
}

int svc_slots_start(svc_slots *s, const svc_settings *settings, const int count[SVC_KINDS],
                    const cf_sandbox_options opts[SVC_KINDS])
{
    memset(s, 0, sizeof *s);
    s->s = settings;
    for (int k = 0; k < SVC_KINDS; k++) {
        s->opts[k] = opts[k];
        for (int i = 0; i < count[k] && s->n < SVC_MAX_SLOTS; i++)
            s->slot[s->n++].kind = (enum svc_kind)k;
    }
    for (int i = 0; i < s->n; i++)
        s->slot[i].jobfd = s->slot[i].resfd = -1;
    choose_cpus(s);
    for (int i = 0; i < s->n; i++) {
        if (spawn(s, &s->slot[i]) != 0) {
            log_error("cannot start worker %d: %s", i, strerror(errno));
            svc_slots_stop(s);
            return -1;
        }
    }
    if (wait_ready(s) != 0) {
        for (int i = 0; i < s->n; i++)
            if (s->slot[i].pid > 0)
                kill(s->slot[i].pid, SIGKILL);
        while (wait(NULL) > 0 || errno == EINTR) {
        }
        return -1;
    }
    return 0;
}

void svc_slots_respawn(svc_slots *s)
{
    int64_t t = cf_now_ms();
    for (int i = 0; i < s->n; i++) {
        svc_slot *sl = &s->slot[i];
        if (sl->pid != 0 || t < sl->respawn_after)
            continue;
        if (spawn(s, sl) != 0) {
            log_error("worker %d: cannot fork: %s", i, strerror(errno));
            sl->respawn_after = t + 5 * RESPAWN_PAUSE_MS;
        }
        /* READY comes as a frame through svc_slots_poll. */
    }
}

void svc_slots_route(svc_slots *s, enum svc_kind kind, svc_on_frame on_frame, svc_on_gone on_gone,
                     void *ud)
{
    s->desk[kind].on_frame = on_frame;
    s->desk[kind].on_gone = on_gone;
    s->desk[kind].ud = ud;
}

void svc_slot_kill(svc_slots *s, svc_slot *sl)
{
    int status = 0;
    if (sl->pid > 0) {
        kill(sl->pid, SIGKILL);
        while (waitpid(sl->pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (sl->busy && s->desk[sl->kind].on_gone != NULL)
        s->desk[sl->kind].on_gone(s->desk[sl->kind].ud, sl);
    else
        log_warn("worker %d exited", (int)(sl - s->slot));
    slot_close(sl);
    sl->respawn_after = cf_now_ms() + RESPAWN_PAUSE_MS;
}

static void read_worker(svc_slots *s, svc_slot *sl)
{
    char type;
    char *data = NULL;
    size_t len;
    int rc = svc_frame_read(sl->resfd, &type, &data, &len);
    if (rc <= 0) {
        free(data);
        svc_slot_kill(s, sl);
        return;
    }
    switch (type) {
    case SVC_FRAME_READY: on_ready(s, sl, data, len); break;
    case SVC_FRAME_ERROR: log_error("worker %d: %s", (int)(sl - s->slot), data); break;
    case SVC_FRAME_PROGRESS:
    case SVC_FRAME_OUTPUT:
    case SVC_FRAME_REPORT:
        if (sl->busy && s->desk[sl->kind].on_frame != NULL)
            s->desk[sl->kind].on_frame(s->desk[sl->kind].ud, sl, type, data, len);
        break;
    default: log_error("worker %d: unknown frame %d", (int)(sl - s->slot), type); break;
    }
    free(data);
}

/* A worker reaped here is handled as gone at once, after its last frames
 * (a report, an error): the end of file that follows them closes the slot. */
static void reap_children(svc_slots *s)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < s->n; i++) {
            svc_slot *sl = &s->slot[i];
            if (sl->pid != pid)
                continue;
            sl->pid = -1; /* reaped: nothing left to kill or wait for */
            while (sl->resfd >= 0) {
                struct pollfd p = {.fd = sl->resfd, .events = POLLIN};
                if (poll(&p, 1, 0) <= 0) {
                    svc_slot_kill(s, sl);
                    break;
                }
                read_worker(s, sl);
            }
            break;
        }
    }
}

void svc_slots_poll(svc_slots *s, int timeout_ms)
{
    reap_children(s);
    struct pollfd pf[SVC_MAX_SLOTS];
    int idx[SVC_MAX_SLOTS], n = 0;
    for (int i = 0; i < s->n; i++) {
        if (s->slot[i].resfd >= 0) {
            pf[n] = (struct pollfd){.fd = s->slot[i].resfd, .events = POLLIN};
            idx[n++] = i;
        }
    }
    if (n == 0) {
        if (timeout_ms > 0)
            poll(NULL, 0, timeout_ms);
        return;
    }
    if (poll(pf, (nfds_t)n, timeout_ms) <= 0)
        return;
    for (int k = 0; k < n; k++)
        if (pf[k].revents & (POLLIN | POLLHUP | POLLERR))
            read_worker(s, &s->slot[idx[k]]);
}

static bool of_kind(const svc_slot *sl, int kind)
{
    return kind == SVC_ANY || (int)sl->kind == kind;
}

svc_slot *svc_slots_free(svc_slots *s, enum svc_kind kind)
{
    for (int i = 0; i < s->n; i++)
        if (of_kind(&s->slot[i], (int)kind) && s->slot[i].ready && !s->slot[i].busy)
            return &s->slot[i];
    return NULL;
}

int svc_slots_count_free(const svc_slots *s, int kind)
{
    int n = 0;
    for (int i = 0; i < s->n; i++)
        n += of_kind(&s->slot[i], kind) && s->slot[i].ready && !s->slot[i].busy;
    return n;
}

int svc_slots_count_busy(const svc_slots *s, int kind)
{
    int n = 0;
    for (int i = 0; i < s->n; i++)
        n += of_kind(&s->slot[i], kind) && s->slot[i].busy;
    return n;
}

bool svc_slots_running(const svc_slots *s, enum svc_kind kind, const char *entry_id)
{
    for (int i = 0; i < s->n; i++)
        if (of_kind(&s->slot[i], (int)kind) && s->slot[i].busy &&
            strcmp(s->slot[i].entry_id, entry_id) == 0)
            return true;
    return false;
}

void svc_slots_renew(svc_slots *s, enum svc_kind kind, cf_consumer *c)
{
    const char *ids[SVC_MAX_SLOTS];
    size_t n = 0;
    for (int i = 0; i < s->n; i++)
        if (of_kind(&s->slot[i], (int)kind) && s->slot[i].busy)
            ids[n++] = s->slot[i].entry_id;
    (void)cf_consumer_renew(c, ids, n);
}

/* A job that outlives every limit means a stuck worker: kill it. What
 * becomes of its job is its desk's on_gone. */
void svc_slots_kill_stuck(svc_slots *s, enum svc_kind kind, int64_t timeout_ms, const char *limit)
{
    int64_t t = cf_now_ms();
    for (int i = 0; i < s->n; i++) {
        svc_slot *sl = &s->slot[i];
        if (of_kind(sl, (int)kind) && sl->busy && t - sl->started_ms > timeout_ms) {
            log_error("%s %s: running for %lld ms, over %s; killing worker %d",
                      sl->kind == SVC_PLAY ? "play" : "fight", sl->job_id,
                      (long long)(t - sl->started_ms), limit, i);
            svc_slot_kill(s, sl);
        }
    }
}

void svc_slots_stop(svc_slots *s)
{
    for (int i = 0; i < s->n; i++) {
        svc_slot *sl = &s->slot[i];
        if (sl->pid > 0 && sl->busy)
            kill(sl->pid, SIGKILL); /* its bots die with it */
        if (sl->jobfd >= 0)
            close(sl->jobfd); /* idle workers stop their sandbox on EOF */
        sl->jobfd = -1;
    }
    for (int i = 0; i < s->n; i++) {
        svc_slot *sl = &s->slot[i];
        if (sl->pid > 0) {
            for (int k = 0; k < 50; k++) {
                if (waitpid(sl->pid, NULL, WNOHANG) != 0)
                    break;
                usleep(20000);
                if (k == 49) {
                    kill(sl->pid, SIGKILL);
                    waitpid(sl->pid, NULL, 0);
                }
            }
        }
        slot_close(sl);
    }
    for (int k = 0; k < SVC_KINDS; k++) {
        free(s->layers[k]);
        s->layers[k] = NULL;
    }
}
