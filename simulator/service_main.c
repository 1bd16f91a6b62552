/*
 * service_main.c — cf-simulator: consumes cf:fights, runs each fight in a
 * sandboxed worker, publishes the report to cf:results, then acknowledges.
 *
 * The parent is the only process that talks to Redis. It owns N slots, one
 * worker process each (see service_worker.c), and loops:
 *   1. reads worker frames (progress, reports) and publishes them;
 *   2. on timers: renews the claims of running fights, polls their cancel
 *      keys, reclaims stale entries of dead consumers, trims cf:fights;
 *   3. when a slot is free: its own pending entries first (from 0), then new
 *      ones (>), each validated before a worker sees it.
 * SIGTERM/SIGINT: stop taking work, let running fights finish for
 * shutdown_grace_ms, then kill the workers (their bots die with them) and
 * leave what was unfinished pending, for another simulator to reclaim.
 * The process holds no database credentials: it never loads database.url.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "redis_conn.h"
#include "signals.h"
#include "service.h"
#include "stream_group.h"

#define SVC_MAX_SLOTS 256

/* The shared [redis] and [log] keys come from cf_config_common_keys (see
 * shared_keys()); [database] is left out on purpose: this process never
 * holds database credentials, and never even reads database.url. */
static const cf_config_key svc_keys[] = {
    {.name = "simulator.consumer", .type = CF_CONFIG_STRING, .def = "",
     .doc = "consumer name in group simulators; empty: hostname-pid"},
    {.name = "simulator.concurrency", .type = CF_CONFIG_INT, .def = "0", .min = 0,
     .max = SVC_MAX_SLOTS, .doc = "worker processes (fights at once); 0: number of cores"},
    {.name = "simulator.block_ms", .type = CF_CONFIG_INT, .def = "1000", .min = 10,
     .max = 60000, .doc = "XREADGROUP BLOCK when every worker is idle"},
    {.name = "simulator.renew_ms", .type = CF_CONFIG_INT, .def = "5000", .min = 100,
     .max = 3600000, .doc = "renew the claim of running fights (XCLAIM JUSTID) this often"},
    {.name = "simulator.reclaim_idle_ms", .type = CF_CONFIG_INT, .def = "30000", .min = 300,
     .max = 86400000, .doc = "XAUTOCLAIM entries idle this long; at least 3 x renew_ms"},
    {.name = "simulator.reclaim_every_ms", .type = CF_CONFIG_INT, .def = "5000", .min = 100,
     .max = 3600000, .doc = "look for stale entries of dead simulators this often"},
    {.name = "simulator.max_deliveries", .type = CF_CONFIG_INT, .def = "3", .min = 1,
     .max = 1000, .doc = "deliveries after which a fight goes to cf:fights:dead"},
    {.name = "simulator.max_code_bytes", .type = CF_CONFIG_INT, .def = "1048576", .min = 1,
     .max = 16777216, .doc = "largest bot source accepted, in bytes"},
    {.name = "simulator.results_maxlen", .type = CF_CONFIG_INT, .def = "100000", .min = 1,
     .max = 1000000000, .doc = "XADD cf:results MAXLEN ~"},
    {.name = "simulator.dead_maxlen", .type = CF_CONFIG_INT, .def = "10000", .min = 1,
     .max = 1000000000, .doc = "XADD cf:fights:dead MAXLEN ~"},
    {.name = "simulator.progress_maxlen", .type = CF_CONFIG_INT, .def = "10000", .min = 1,
     .max = 1000000000, .doc = "XADD cf:progress MAXLEN ~"},
    {.name = "simulator.progress_every_ms", .type = CF_CONFIG_INT, .def = "500", .min = 10,
     .max = 3600000, .doc = "at most one tick entry per fight this often"},
    {.name = "simulator.cancel_poll_ms", .type = CF_CONFIG_INT, .def = "250", .min = 10,
     .max = 60000, .doc = "poll cancel keys of running fights this often"},
    {.name = "simulator.shutdown_grace_ms", .type = CF_CONFIG_INT, .def = "10000", .min = 0,
     .max = 3600000, .doc = "on SIGTERM, let running fights finish this long, then hand back"},
    {.name = "simulator.trim_every_ms", .type = CF_CONFIG_INT, .def = "60000", .min = 0,
     .max = 86400000,
     .doc = "XTRIM cf:fights MINID ~ below pending/undelivered entries this often; 0: never"},
    {.name = "simulator.fight_timeout_ms", .type = CF_CONFIG_INT, .def = "600000", .min = 1000,
     .max = 86400000,
     .doc = "a worker whose fight runs longer is killed (safety net; the game's limits "
            "end fights long before)"},
    {.name = "simulator.require_layers", .type = CF_CONFIG_STRING, .def = "",
     .doc = "comma-separated sandbox layers that must be active, or refuse to start"},
    {.name = "simulator.unsafe_no_sandbox", .type = CF_CONFIG_BOOL, .def = "false",
     .doc = "UNSAFE development mode: bots run as plain processes"},
    {.name = NULL},
};

typedef struct slot {
    pid_t pid;
    int jobfd, resfd;
    bool ready, busy, cancel_sent;
    char entry_id[64];
    char fight_id[CF_UUID_LEN + 1];
    long long last_progress_ms, started_ms;
} slot;

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

/* cf_config_common_keys without the database section, NULL-terminated. */
static const cf_config_key *shared_keys(void)
{
    static cf_config_key keys[32];
    size_t n = 0;
    for (const cf_config_key *k = cf_config_common_keys; k->name != NULL && n + 1 < 32; k++)
        if (strncmp(k->name, "database.", 9) != 0)
            keys[n++] = *k;
    keys[n].name = NULL;
    return keys;
}

static int load_settings(const cf_config *cfg, svc_settings *s)
{
    memset(s, 0, sizeof *s);
    cf_consumer_name(s->consumer, sizeof s->consumer, cf_config_str(cfg, "simulator.consumer"));
    s->concurrency = (int)cf_config_int(cfg, "simulator.concurrency");
    if (s->concurrency == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        s->concurrency = n > 0 ? (n > SVC_MAX_SLOTS ? SVC_MAX_SLOTS : (int)n) : 1;
    }
    s->block_ms = (long)cf_config_int(cfg, "simulator.block_ms");
    s->renew_ms = (long)cf_config_int(cfg, "simulator.renew_ms");
    s->reclaim_idle_ms = (long)cf_config_int(cfg, "simulator.reclaim_idle_ms");
    s->reclaim_every_ms = (long)cf_config_int(cfg, "simulator.reclaim_every_ms");
    s->max_deliveries = (int)cf_config_int(cfg, "simulator.max_deliveries");
    s->max_code_bytes = (size_t)cf_config_int(cfg, "simulator.max_code_bytes");
    s->results_maxlen = (long)cf_config_int(cfg, "simulator.results_maxlen");
    s->dead_maxlen = (long)cf_config_int(cfg, "simulator.dead_maxlen");
    s->progress_maxlen = (long)cf_config_int(cfg, "simulator.progress_maxlen");
    s->progress_every_ms = (long)cf_config_int(cfg, "simulator.progress_every_ms");
    s->cancel_poll_ms = (long)cf_config_int(cfg, "simulator.cancel_poll_ms");
    s->shutdown_grace_ms = (long)cf_config_int(cfg, "simulator.shutdown_grace_ms");
    s->trim_every_ms = (long)cf_config_int(cfg, "simulator.trim_every_ms");
    s->fight_timeout_ms = (long)cf_config_int(cfg, "simulator.fight_timeout_ms");
    /* A fight that outlives the reclaim idle time must not be run twice:
     * its claim is renewed every renew_ms, with room for two misses. */
    if (s->reclaim_idle_ms < 3 * s->renew_ms) {
        log_error("simulator.reclaim_idle_ms (%ld) must be at least 3 x simulator.renew_ms "
                  "(%ld)",
                  s->reclaim_idle_ms, s->renew_ms);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- workers */

static int spawn(slot *sl, int index, const cf_sandbox_options *opts)
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
        svc_worker_main(3, 4, index, opts);
    }
    close(job[0]);
    close(res[1]);
    *sl = (slot){.pid = pid, .jobfd = job[1], .resfd = res[0]};
    return 0;
}

static void slot_close(slot *sl)
{
    if (sl->jobfd >= 0)
        close(sl->jobfd);
    if (sl->resfd >= 0)
        close(sl->resfd);
    sl->jobfd = sl->resfd = -1;
    sl->pid = 0;
    sl->ready = sl->busy = false;
}

/* Waits for every worker's READY; prints the reason and fails otherwise. */
static int wait_ready(slot *slots, int n)
{
    for (int i = 0; i < n; i++) {
        char type;
        char *data = NULL;
        size_t len;
        int rc = svc_frame_read(slots[i].resfd, &type, &data, &len);
        if (rc == 1 && type == SVC_FRAME_READY) {
            slots[i].ready = true;
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

/* ------------------------------------------------------------- the service */

typedef struct service {
    svc_settings s;
    cf_redis *r;
    cf_sandbox_options opts;
    slot slots[SVC_MAX_SLOTS];
    int nslots;
    char pending_cursor[64]; /* "" once our own pending entries are read */
    char reclaim_cursor[64];
    long long last_renew, last_cancel, last_reclaim, last_trim;
    long long respawn_after[SVC_MAX_SLOTS];
} service;

static int free_slots(const service *sv)
{
    int n = 0;
    for (int i = 0; i < sv->nslots; i++)
        n += sv->slots[i].ready && !sv->slots[i].busy;
    return n;
}

static int busy_slots(const service *sv)
{
    int n = 0;
    for (int i = 0; i < sv->nslots; i++)
        n += sv->slots[i].busy;
    return n;
}

static bool running_entry(const service *sv, const char *entry_id)
{
    for (int i = 0; i < sv->nslots; i++)
        if (sv->slots[i].busy && strcmp(sv->slots[i].entry_id, entry_id) == 0)
            return true;
    return false;
}

/* The fight id of an entry if it has a valid one, for a result. */
static bool entry_fight_id(const svc_entry *e, char out[CF_UUID_LEN + 1])
{
    const cf_field *f = cf_entry_field(e, "id");
    if (f == NULL || !cf_uuid_valid(f->val, f->val_len))
        return false;
    memcpy(out, f->val, CF_UUID_LEN);
    out[CF_UUID_LEN] = '\0';
    return true;
}

/*
 * An entry that will not run: dead letter, a result the web can show (when
 * it has a fight id), then the ack. The ack comes last so that a crash in
 * between repeats the dead letter rather than losing it.
 */
static void reject(service *sv, const svc_entry *e, const cf_fight_msg *msg, const char *status,
                   const char *reason, bool dead)
{
    char fid[CF_UUID_LEN + 1];
    bool has_id = msg != NULL && msg->id[0] ? (snprintf(fid, sizeof fid, "%s", msg->id), true)
                                            : entry_fight_id(e, fid);
    if (dead) {
        log_warn("entry %s -> %s: %s", e->id, CF_STREAM_DEAD, reason);
        if (svc_publish_dead(sv->r, &sv->s, e, reason) != 0)
            return; /* not acked: tried again after reclaim */
    } else {
        log_info("fight %s %s: %s", has_id ? fid : "?", status, reason);
    }
    if (has_id) {
        const cf_field *g = cf_entry_field(e, "game");
        char game[CF_GAME_NAME_MAX + 1] = "";
        if (msg != NULL && msg->game[0])
            snprintf(game, sizeof game, "%s", msg->game);
        else if (g != NULL && cf_msg_game_name_valid(g->val, g->val_len))
            snprintf(game, sizeof game, "%s", g->val);
        else
            snprintf(game, sizeof game, "unknown"); /* the report needs a game name */
        cJSON *rep = svc_report_stub(fid, game, msg, status, reason);
        int rc = rep != NULL ? svc_publish_result(sv->r, &sv->s, fid, status, rep) : -1;
        cJSON_Delete(rep);
        if (rc != 0)
            return;
        (void)svc_publish_progress(sv->r, &sv->s, fid, "finished", 0, status);
    }
    (void)svc_ack(sv->r, e->id);
}

static void dispatch(service *sv, const svc_entry *e, bool fresh)
{
    if (running_entry(sv, e->id))
        return;
    if (e->nfields == 0) {
        reject(sv, e, NULL, "failed", "entry has no fields (trimmed while pending)", true);
        return;
    }
    if (!fresh) {
        long d = svc_deliveries(sv->r, e->id);
        if (d == 0)
            return; /* acknowledged meanwhile by someone else */
        if (d > sv->s.max_deliveries) {
            char reason[128];
            snprintf(reason, sizeof reason,
                     "delivered %ld times (max %d): the fight keeps failing", d,
                     sv->s.max_deliveries);
            cf_fight_msg msg;
            char why[256];
            bool ok = svc_validate(e, sv->s.max_code_bytes, &msg, why, sizeof why) == 0;
            reject(sv, e, ok ? &msg : NULL, "failed", reason, true);
            if (ok)
                cf_fight_msg_free(&msg);
            return;
        }
    }
    cf_fight_msg msg;
    char reason[512];
    if (svc_validate(e, sv->s.max_code_bytes, &msg, reason, sizeof reason) != 0) {
        reject(sv, e, msg.id[0] ? &msg : NULL, "failed", reason, true);
        cf_fight_msg_free(&msg);
        return;
    }
    const char *ids[1] = {msg.id};
    bool cancelled = false;
    if (svc_cancel_check(sv->r, ids, 1, &cancelled) == 0 && cancelled) {
        reject(sv, e, &msg, "cancelled", "cancelled before it started", false);
        cf_fight_msg_free(&msg);
        return;
    }
    slot *sl = NULL;
    for (int i = 0; i < sv->nslots && sl == NULL; i++)
        if (sv->slots[i].ready && !sv->slots[i].busy)
            sl = &sv->slots[i];
    size_t len;
    char *packed = sl != NULL ? svc_fields_pack(e->fields, e->nfields, &len) : NULL;
    if (packed == NULL || svc_frame_write(sl->jobfd, SVC_FRAME_JOB, packed, len) != 0) {
        /* Left pending: reclaimed once idle. */
        log_warn("fight %s: no worker took it; left pending", msg.id);
        free(packed);
        cf_fight_msg_free(&msg);
        return;
    }
    free(packed);
    sl->busy = true;
    sl->cancel_sent = false;
    snprintf(sl->entry_id, sizeof sl->entry_id, "%s", e->id);
    snprintf(sl->fight_id, sizeof sl->fight_id, "%s", msg.id);
    sl->started_ms = sl->last_progress_ms = cf_now_ms();
    log_info("fight %s (%s, %d players) started (entry %s)", msg.id, msg.game, msg.nplayers,
             e->id);
    (void)svc_publish_progress(sv->r, &sv->s, msg.id, "started", 0, NULL);
    cf_fight_msg_free(&msg);
}

/* A worker's report: publish, then ack. */
static void finish(service *sv, slot *sl, const char *json)
{
    cJSON *rep = cJSON_Parse(json);
    const char *status = "failed";
    if (rep != NULL) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(rep, "status");
        if (cJSON_IsString(st) &&
            (strcmp(st->valuestring, "finished") == 0 ||
             strcmp(st->valuestring, "cancelled") == 0 || strcmp(st->valuestring, "failed") == 0))
            status = st->valuestring;
    } else {
        rep = svc_report_stub(sl->fight_id, "", NULL, "failed", "unreadable report");
    }
    int ticks = 0;
    const cJSON *t = rep != NULL ? cJSON_GetObjectItemCaseSensitive(rep, "ticks") : NULL;
    if (cJSON_IsNumber(t))
        ticks = t->valueint;
    char st[16];
    snprintf(st, sizeof st, "%s", status);
    /* The result must not be lost: keep trying while Redis is away, unless
     * we are shutting down (then the entry stays pending and runs again). */
    int rc = -1;
    for (int attempt = 0; rep != NULL && rc != 0; attempt++) {
        rc = svc_publish_result(sv->r, &sv->s, sl->fight_id, st, rep);
        if (rc != 0) {
            if (g_stop && attempt >= 3)
                break;
            sleep(1);
        }
    }
    cJSON_Delete(rep);
    if (rc == 0) {
        (void)svc_ack(sv->r, sl->entry_id);
        (void)svc_publish_progress(sv->r, &sv->s, sl->fight_id, "finished", ticks, st);
        log_info("fight %s %s in %lld ms (%d ticks)", sl->fight_id, st,
                 cf_now_ms() - sl->started_ms, ticks);
    } else {
        log_error("fight %s: result not published; left pending", sl->fight_id);
    }
    sl->busy = false;
}

static void on_worker_gone(service *sv, slot *sl)
{
    int status = 0;
    if (sl->pid > 0) {
        kill(sl->pid, SIGKILL);
        while (waitpid(sl->pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (sl->busy)
        log_error("worker %d died during fight %s (entry %s): left pending for reclaim",
                  (int)(sl - sv->slots), sl->fight_id, sl->entry_id);
    else
        log_warn("worker %d exited", (int)(sl - sv->slots));
    slot_close(sl);
    /* Respawn after a pause, so a sandbox that cannot start does not spin. */
    sv->respawn_after[sl - sv->slots] = cf_now_ms() + 1000;
}

static void read_worker(service *sv, slot *sl)
{
    char type;
    char *data = NULL;
    size_t len;
    int rc = svc_frame_read(sl->resfd, &type, &data, &len);
    if (rc <= 0) {
        free(data);
        on_worker_gone(sv, sl);
        return;
    }
    switch (type) {
    case SVC_FRAME_PROGRESS:
        if (sl->busy && cf_now_ms() - sl->last_progress_ms >= sv->s.progress_every_ms) {
            sl->last_progress_ms = cf_now_ms();
            (void)svc_publish_progress(sv->r, &sv->s, sl->fight_id, "tick", atoi(data), NULL);
        }
        break;
    case SVC_FRAME_REPORT:
        if (sl->busy)
            finish(sv, sl, data);
        break;
    case SVC_FRAME_READY:
        sl->ready = true;
        break;
    case SVC_FRAME_ERROR:
        log_error("worker %d: %s", (int)(sl - sv->slots), data);
        break;
    default:
        log_error("worker %d: unknown frame %d", (int)(sl - sv->slots), type);
        break;
    }
    free(data);
}

/*
 * As PID 1 of a container, this process inherits every orphan (a dead
 * worker's forkserver, say): reap them all, so no zombie piles up. A worker
 * reaped here is handled as gone at once.
 */
static void reap_children(service *sv)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < sv->nslots; i++) {
            slot *sl = &sv->slots[i];
            if (sl->pid != pid)
                continue;
            sl->pid = 0; /* reaped: nothing to kill or wait for */
            /* Its last frames (a report, an error) may still be in the pipe:
             * read them; the EOF after them closes the slot. */
            while (sl->resfd >= 0) {
                struct pollfd p = {.fd = sl->resfd, .events = POLLIN};
                if (poll(&p, 1, 0) <= 0) {
                    on_worker_gone(sv, sl);
                    break;
                }
                read_worker(sv, sl);
            }
            break;
        }
    }
}

/* Reads every frame that is ready, waiting at most timeout_ms for the first. */
static void poll_workers(service *sv, int timeout_ms)
{
    struct pollfd pf[SVC_MAX_SLOTS];
    int idx[SVC_MAX_SLOTS], n = 0;
    for (int i = 0; i < sv->nslots; i++) {
        if (sv->slots[i].pid > 0) {
            pf[n] = (struct pollfd){.fd = sv->slots[i].resfd, .events = POLLIN};
            idx[n++] = i;
        }
    }
    if (n == 0) {
        if (timeout_ms > 0)
            poll(NULL, 0, timeout_ms);
        return;
    }
    int rc = poll(pf, (nfds_t)n, timeout_ms);
    if (rc <= 0)
        return;
    for (int k = 0; k < n; k++)
        if (pf[k].revents & (POLLIN | POLLHUP | POLLERR))
            read_worker(sv, &sv->slots[idx[k]]);
}

static void respawn(service *sv)
{
    long long t = cf_now_ms();
    for (int i = 0; i < sv->nslots; i++) {
        if (sv->slots[i].pid == 0 && t >= sv->respawn_after[i]) {
            if (spawn(&sv->slots[i], i, &sv->opts) != 0) {
                log_error("worker %d: cannot fork: %s", i, strerror(errno));
                sv->respawn_after[i] = t + 5000;
            }
            /* READY comes as a frame through poll_workers. */
        }
    }
}

static void timers(service *sv)
{
    long long t = cf_now_ms();
    if (t - sv->last_renew >= sv->s.renew_ms) {
        const char *ids[SVC_MAX_SLOTS];
        size_t n = 0;
        for (int i = 0; i < sv->nslots; i++)
            if (sv->slots[i].busy)
                ids[n++] = sv->slots[i].entry_id;
        (void)svc_renew(sv->r, &sv->s, ids, n);
        sv->last_renew = t;
    }
    if (t - sv->last_cancel >= sv->s.cancel_poll_ms) {
        const char *ids[SVC_MAX_SLOTS];
        int which[SVC_MAX_SLOTS];
        bool set[SVC_MAX_SLOTS];
        size_t n = 0;
        for (int i = 0; i < sv->nslots; i++)
            if (sv->slots[i].busy && !sv->slots[i].cancel_sent) {
                which[n] = i;
                ids[n++] = sv->slots[i].fight_id;
            }
        if (n > 0 && svc_cancel_check(sv->r, ids, n, set) == 0) {
            for (size_t k = 0; k < n; k++) {
                slot *sl = &sv->slots[which[k]];
                if (set[k] && svc_frame_write(sl->jobfd, SVC_FRAME_CANCEL, NULL, 0) == 0) {
                    sl->cancel_sent = true;
                    log_info("fight %s: cancel requested", sl->fight_id);
                }
            }
        }
        sv->last_cancel = t;
    }
    /* A fight that outlives every limit means a stuck worker: kill it. Its
     * entry stays pending, is reclaimed, and after max_deliveries is dead. */
    for (int i = 0; i < sv->nslots; i++) {
        slot *sl = &sv->slots[i];
        if (sl->busy && t - sl->started_ms > sv->s.fight_timeout_ms) {
            log_error("fight %s: running for %lld ms, over simulator.fight_timeout_ms; "
                      "killing worker %d",
                      sl->fight_id, t - sl->started_ms, i);
            on_worker_gone(sv, sl);
        }
    }
    if (sv->s.trim_every_ms > 0 && t - sv->last_trim >= sv->s.trim_every_ms) {
        (void)svc_trim_fights(sv->r);
        (void)svc_prune_consumers(sv->r, &sv->s, 3600 * 1000LL);
        sv->last_trim = t;
    }
}

/* Takes work into free slots: own pending entries, then reclaimed, then new. */
static void take_work(service *sv)
{
    int nfree = free_slots(sv);
    if (nfree == 0 || g_stop)
        return;
    svc_entry *es = NULL;
    size_t n = 0;
    if (sv->pending_cursor[0] != '\0') {
        if (svc_read(sv->r, &sv->s, sv->pending_cursor, nfree, 0, &es, &n) < 0)
            return;
        if (n == 0)
            sv->pending_cursor[0] = '\0'; /* from now on, only new entries */
        else
            snprintf(sv->pending_cursor, sizeof sv->pending_cursor, "%s", es[n - 1].id);
        for (size_t i = 0; i < n; i++)
            dispatch(sv, &es[i], false);
        cf_entries_free(es, n);
        return;
    }
    long long t = cf_now_ms();
    if (t - sv->last_reclaim >= sv->s.reclaim_every_ms) {
        char **gone = NULL;
        size_t ngone = 0;
        sv->last_reclaim = t;
        if (svc_reclaim(sv->r, &sv->s, sv->reclaim_cursor, sizeof sv->reclaim_cursor, nfree,
                        &es, &n, &gone, &ngone) >= 0) {
            for (size_t i = 0; i < ngone; i++) {
                svc_entry e = {0};
                snprintf(e.id, sizeof e.id, "%s", gone[i]);
                log_warn("entry %s was trimmed while pending", e.id);
                (void)svc_publish_dead(sv->r, &sv->s, &e,
                                       "entry has no fields (trimmed while pending)");
                free(gone[i]);
            }
            free(gone);
            for (size_t i = 0; i < n; i++) {
                log_info("reclaimed entry %s", es[i].id);
                dispatch(sv, &es[i], false);
            }
            cf_entries_free(es, n);
            if (n > 0)
                return;
        }
    }
    nfree = free_slots(sv);
    if (nfree == 0)
        return;
    /* Block only while nothing runs: results of running fights must not
     * wait on an idle stream. */
    long block = busy_slots(sv) > 0 ? 20 : sv->s.block_ms;
    if (svc_read(sv->r, &sv->s, ">", nfree, block, &es, &n) < 0) {
        poll_workers(sv, 200);
        return;
    }
    for (size_t i = 0; i < n; i++)
        dispatch(sv, &es[i], true);
    cf_entries_free(es, n);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: cf-simulator [--config FILE]\n"
                 "Consumes cf:fights (group simulators), runs each fight in the sandbox,\n"
                 "publishes reports to cf:results. Keys (file or CF_* environment):\n");
    const cf_config_key *tables[] = {shared_keys(), svc_keys, NULL};
    cf_config_describe(tables, out);
}

int main(int argc, char **argv)
{
    /* Whatever the environment carries, this process keeps no database
     * credentials (and its workers and bots cannot inherit them). */
    unsetenv("CF_DATABASE_URL");
    char err[512];
    int status;
    const cf_config_key *tables[] = {shared_keys(), svc_keys, NULL};
    cf_config *cfg = cf_config_from_args(argc, argv, "cf-simulator", tables, usage, &status);
    if (cfg == NULL)
        return status;
    cf_config_apply_log(cfg, "cf-simulator");

    static service sv;
    if (load_settings(cfg, &sv.s) != 0) {
        cf_config_free(cfg);
        return 2;
    }
    char require[256];
    snprintf(require, sizeof require, "%s", cf_config_str(cfg, "simulator.require_layers"));
    sv.opts.unsafe_no_sandbox = cf_config_bool(cfg, "simulator.unsafe_no_sandbox");
    sv.opts.require_layers = require[0] ? require : NULL;
    if (sv.opts.unsafe_no_sandbox)
        log_warn("UNSAFE: simulator.unsafe_no_sandbox is on: bots run WITHOUT a sandbox");
    char url[1024];
    snprintf(url, sizeof url, "%s", cf_config_str(cfg, "redis.url"));
    cf_config_free(cfg);

    if (cf_signals_on_stop(on_signal) != 0) {
        log_error("signals: %s", strerror(errno));
        return 1;
    }

    /* Workers first: they fork before the Redis socket exists. */
    sv.nslots = sv.s.concurrency;
    for (int i = 0; i < sv.nslots; i++) {
        if (spawn(&sv.slots[i], i, &sv.opts) != 0) {
            log_error("cannot start worker %d: %s", i, strerror(errno));
            return 1;
        }
    }
    if (wait_ready(sv.slots, sv.nslots) != 0) {
        log_error("refusing to start: the sandbox is not complete on this host");
        for (int i = 0; i < sv.nslots; i++) {
            if (sv.slots[i].pid > 0)
                kill(sv.slots[i].pid, SIGKILL);
        }
        while (wait(NULL) > 0 || errno == EINTR) {
        }
        return 1;
    }

    sv.r = cf_redis_connect_until(url, 0, &g_stop, err, sizeof err);
    while (!g_stop && svc_group_ensure(sv.r, CF_STREAM_FIGHTS, CF_GROUP_SIMULATORS) != 0)
        sleep(1);
    log_info("consumer %s of group %s on %s: %d workers", sv.s.consumer, CF_GROUP_SIMULATORS,
             CF_STREAM_FIGHTS, sv.nslots);
    snprintf(sv.pending_cursor, sizeof sv.pending_cursor, "0");
    snprintf(sv.reclaim_cursor, sizeof sv.reclaim_cursor, "0-0");

    long long stop_deadline = 0;
    for (;;) {
        if (g_stop) {
            if (stop_deadline == 0) {
                stop_deadline = cf_now_ms() + sv.s.shutdown_grace_ms;
                log_info("stopping: %d fights running, grace %ld ms", busy_slots(&sv),
                         sv.s.shutdown_grace_ms);
            }
            if (busy_slots(&sv) == 0 || cf_now_ms() >= stop_deadline)
                break;
        } else {
            respawn(&sv);
        }
        reap_children(&sv);
        poll_workers(&sv, 0);
        timers(&sv);
        if (g_stop || free_slots(&sv) == 0)
            poll_workers(&sv, 50);
        else
            take_work(&sv);
    }

    /* Hand back: whatever still runs stays pending (no ack); the workers'
     * bots die with them. Closing the job pipes ends idle workers cleanly. */
    for (int i = 0; i < sv.nslots; i++) {
        slot *sl = &sv.slots[i];
        if (sl->pid <= 0)
            continue;
        if (sl->busy) {
            kill(sl->pid, SIGKILL);
            bool now = sv.r != NULL && svc_handback(sv.r, &sv.s, sl->entry_id) == 0;
            log_warn("fight %s handed back (entry %s left pending%s)", sl->fight_id,
                     sl->entry_id, now ? ", reclaimable at once" : "");
        }
        close(sl->jobfd);
        sl->jobfd = -1;
    }
    for (int i = 0; i < sv.nslots; i++) {
        slot *sl = &sv.slots[i];
        if (sl->pid <= 0)
            continue;
        /* Idle workers stop their sandbox on EOF; give them a moment. */
        for (int k = 0; k < 50; k++) {
            if (waitpid(sl->pid, NULL, WNOHANG) != 0)
                break;
            usleep(20000);
            if (k == 49) {
                kill(sl->pid, SIGKILL);
                waitpid(sl->pid, NULL, 0);
            }
        }
        if (sl->resfd >= 0)
            close(sl->resfd);
    }
    if (sv.r != NULL)
        cf_redis_free(sv.r);
    log_info("stopped");
    return 0;
}
