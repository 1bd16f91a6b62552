/*
 * main.c — cf-result-processor: cf:results -> PostgreSQL, exactly once.
 *
 * For each entry: decode and validate (a bad one goes to cf:fights:dead and
 * is acknowledged), store it in one transaction (store.c), then XACK. While
 * PostgreSQL is away the entry is retried with backoff and never
 * acknowledged, so nothing is lost; Redis outages are ridden out by the
 * reconnecting cf_redis. Runs unprivileged: as root it drops to
 * result_processor.user, or refuses unless result_processor.allow_root.
 *
 * Test hook: CF_TEST_CRASH_AFTER_COMMIT=1 makes the process kill itself
 * (SIGKILL) right after a commit and before its ack, for the integration
 * test of that window. It is read from the environment only.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "heartbeat.h"
#include "log.h"
#include "redis_conn.h"
#include "rp.h"
#include "signals.h"
#include "stream_group.h"

static const cf_config_key rp_keys[] = {
    {.name = "result_processor.consumer",
     .type = CF_CONFIG_STRING,
     .def = "",
     .doc = "consumer name in group result-processors; empty: hostname-pid"},
    {.name = "result_processor.block_ms",
     .type = CF_CONFIG_INT,
     .def = "1000",
     .min = 10,
     .max = 60000,
     .doc = "XREADGROUP BLOCK"},
    {.name = "result_processor.batch",
     .type = CF_CONFIG_INT,
     .def = "64",
     .min = 1,
     .max = 10000,
     .doc = "entries read at once (their fights' results share one transaction)"},
    {.name = "result_processor.claim_idle_ms",
     .type = CF_CONFIG_INT,
     .def = "60000",
     .min = 100,
     .max = 86400000,
     .doc = "XAUTOCLAIM results left pending this long by a dead processor"},
    {.name = "result_processor.claim_every_ms",
     .type = CF_CONFIG_INT,
     .def = "10000",
     .min = 100,
     .max = 86400000,
     .doc = "look for such results this often"},
    {.name = "result_processor.dead_maxlen",
     .type = CF_CONFIG_INT,
     .def = "10000",
     .min = 1,
     .max = 1000000000,
     .doc = "XADD cf:fights:dead MAXLEN ~"},
    {.name = "result_processor.retry_max_ms",
     .type = CF_CONFIG_INT,
     .def = "5000",
     .min = 10,
     .max = 600000,
     .doc = "longest pause between PostgreSQL retries"},
    {.name = "result_processor.reconcile_every_ms",
     .type = CF_CONFIG_INT,
     .def = "60000",
     .min = 0,
     .max = 86400000,
     .doc = "run the reconciler of stuck fights this often; 0: never"},
    {.name = "result_processor.stuck_after_s",
     .type = CF_CONFIG_INT,
     .def = "900",
     .min = 1,
     .max = 86400 * 30,
     .doc = "a fight queued or running this long is stuck"},
    {.name = "result_processor.max_attempts",
     .type = CF_CONFIG_INT,
     .def = "3",
     .min = 1,
     .max = 100,
     .doc = "re-queues of a stuck fight before it is marked failed"},
    {.name = "result_processor.fights_maxlen",
     .type = CF_CONFIG_INT,
     .def = "100000",
     .min = 1,
     .max = 1000000000,
     .doc = "XADD cf:fights MAXLEN ~ of a re-queue"},
    {.name = "result_processor.prepare_statements",
     .type = CF_CONFIG_BOOL,
     .def = "true",
     .doc = "prepare the processor's statements once per connection (false behind a pooler "
            "in transaction mode)"},
    {.name = "result_processor.user",
     .type = CF_CONFIG_STRING,
     .def = "",
     .doc = "when started as root, switch to this user (e.g. nobody)"},
    {.name = "result_processor.allow_root",
     .type = CF_CONFIG_BOOL,
     .def = "false",
     .doc = "run as root without switching user (not recommended)"},
    {.name = NULL},
};

#define RP_DEAD_VALUE_MAX (64 * 1024) /* original values kept in a dead letter */

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void nap_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* a signal ends it early, on purpose */
}

static int drop_privileges(const char *user, bool allow_root)
{
    if (geteuid() != 0)
        return 0;
    if (user[0] == '\0') {
        if (allow_root) {
            log_warn("running as root (result_processor.allow_root)");
            return 0;
        }
        log_error("refusing to run as root: set result_processor.user (e.g. nobody) or "
                  "result_processor.allow_root");
        return -1;
    }
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (pw == NULL) {
        log_error("result_processor.user: no user \"%s\"", user);
        return -1;
    }
    if (pw->pw_uid == 0) {
        log_error("result_processor.user \"%s\" is root", user);
        return -1;
    }
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        log_error("cannot switch to user %s: %s", user, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0) { /* must be impossible now */
        log_error("privileges could not be dropped");
        return -1;
    }
    log_info("running as user %s (uid %d)", user, (int)pw->pw_uid);
    return 0;
}

typedef struct rp {
    rp_settings s;
    cf_redis *r;
    cf_consumer results, progress;
    cf_pg *pg;
    char dburl[2048];
    bool crash_after_commit;
} rp;

static void ensure_pg(rp *p)
{
    long backoff = 100;
    while (!g_stop && (p->pg == NULL || !cf_pg_ok(p->pg))) {
        char err[512];
        if (p->pg != NULL) {
            cf_pg_free(p->pg);
            p->pg = NULL;
        }
        p->pg = cf_pg_connect(p->dburl, err, sizeof err);
        if (p->pg != NULL) {
            /* A handful of statements, run for every result. */
            if (p->s.prepare_statements && cf_pg_prepare_statements(p->pg, RP_PREPARED_MAX) != 0)
                log_warn("postgresql: statements stay unprepared: %s", cf_pg_error(p->pg));
            break;
        }
        log_warn("postgresql: %s; retrying in %ld ms", err, backoff);
        nap_ms(backoff);
        backoff = backoff * 2 > p->s.retry_max_ms ? p->s.retry_max_ms : backoff * 2;
    }
}

int rp_dead(cf_redis *r, const rp_settings *s, const cf_entry *e, const char *reason)
{
    log_warn("result entry %s -> %s: %s", e->id, CF_STREAM_DEAD, reason);
    return cf_dead_letter(r, s->dead_maxlen, reason, CF_STREAM_RESULTS, e->id, e->fields,
                          e->nfields, RP_DEAD_VALUE_MAX);
}

/* Results a dead processor left pending; the ids of those trimmed from the
 * stream meanwhile are recorded dead (XAUTOCLAIM already dropped them from
 * the pending list). */
static int reclaim(rp *p, cf_entry **es, size_t *n)
{
    char **gone = NULL;
    size_t ngone = 0;
    int rc = cf_consumer_reclaim(&p->results, p->s.batch, es, n, &gone, &ngone);
    for (size_t i = 0; i < ngone; i++) {
        cf_entry e = {0};
        snprintf(e.id, sizeof e.id, "%s", gone[i]);
        rp_dead(p->r, &p->s, &e, "result entry trimmed while pending");
        free(gone[i]);
    }
    free(gone);
    return rc;
}

/* Stores one entry and acknowledges it; false when stopping before the ack. */
static bool handle(rp *p, const cf_entry *e)
{
    char err[1024];
    if (e->nfields == 0) {
        if (rp_dead(p->r, &p->s, e, "entry has no fields (trimmed while pending?)") == 0)
            cf_consumer_ack(&p->results, e->id);
        return true;
    }
    cf_result_entry msg;
    if (cf_result_entry_decode(e->fields, e->nfields, &msg, err, sizeof err) != 0) {
        char reason[1100];
        snprintf(reason, sizeof reason, "bad result entry: %s", err);
        if (rp_dead(p->r, &p->s, e, reason) == 0)
            cf_consumer_ack(&p->results, e->id);
        return true;
    }
    long backoff = 100;
    bool acked = false;
    for (;;) {
        ensure_pg(p);
        if (g_stop && (p->pg == NULL || !cf_pg_ok(p->pg)))
            break;
        enum rp_store_rc rc = msg.kind == CF_RESULT_PLAY
                                  ? rp_store_play(p->pg, &msg, err, sizeof err)
                                  : rp_store(p->pg, &msg, err, sizeof err);
        if (rc == RP_STORED) {
            log_info("%s %s stored (%s)", msg.kind == CF_RESULT_PLAY ? "play" : "fight", msg.id,
                     msg.status);
            if (p->crash_after_commit) {
                log_warn("CF_TEST_CRASH_AFTER_COMMIT: dying between commit and ack");
                kill(getpid(), SIGKILL);
            }
        } else if (rc == RP_REFUSED) {
            if (rp_dead(p->r, &p->s, e, err) != 0)
                break;
        } else if (rc == RP_BAD) {
            char reason[1100];
            snprintf(reason, sizeof reason, "database refused the result: %s", err);
            if (rp_dead(p->r, &p->s, e, reason) != 0)
                break;
        } else if (rc == RP_RETRY) {
            log_warn("fight %s: %s; retrying in %ld ms", msg.id, err, backoff);
            if (g_stop)
                break;
            nap_ms(backoff);
            backoff = backoff * 2 > p->s.retry_max_ms ? p->s.retry_max_ms : backoff * 2;
            continue;
        }
        acked = cf_consumer_ack(&p->results, e->id) == 0;
        break;
    }
    cf_result_entry_free(&msg);
    return acked || !g_stop;
}

/*
 * Several fights' results read at once (the processor is behind): one
 * transaction for them all (rp_store_many), then their dead letters and one
 * XACK. The ones it stored are flagged done; the rest (plays, entries that
 * do not decode, a batch that did not commit) go through handle(), one at
 * a time, after it.
 */
static void handle_batch(rp *p, const cf_entry *es, size_t n, bool *done)
{
    cf_result_entry *msgs = calloc(n, sizeof *msgs);
    const cf_result_entry **batch = calloc(n, sizeof *batch);
    size_t *which = calloc(n, sizeof *which);
    enum rp_store_rc *rcs = calloc(n, sizeof *rcs);
    char(*errs)[RP_ERR_MAX] = calloc(n, sizeof *errs);
    const char **ids = calloc(n, sizeof *ids);
    bool *decoded = calloc(n, sizeof *decoded);
    size_t nb = 0, nids = 0;
    if (!msgs || !batch || !which || !rcs || !errs || !ids || !decoded)
        goto out;
    for (size_t i = 0; i < n; i++) {
        char err[256];
        decoded[i] = es[i].nfields > 0 && cf_result_entry_decode(es[i].fields, es[i].nfields,
                                                                 &msgs[i], err, sizeof err) == 0;
        if (decoded[i] && msgs[i].kind != CF_RESULT_PLAY) {
            which[nb] = i;
            batch[nb++] = &msgs[i];
        }
    }
    if (nb < 2)
        goto out;
    ensure_pg(p);
    if (p->pg == NULL || g_stop || rp_store_many(p->pg, batch, nb, rcs, errs) != 0)
        goto out;
    log_info("%zu results in one transaction", nb);
    if (p->crash_after_commit) {
        log_warn("CF_TEST_CRASH_AFTER_COMMIT: dying between commit and ack");
        kill(getpid(), SIGKILL);
    }
    for (size_t k = 0; k < nb; k++) {
        const cf_entry *e = &es[which[k]];
        done[which[k]] = true;
        if (rcs[k] == RP_STORED)
            log_info("fight %s stored (%s)", batch[k]->id, batch[k]->status);
        if (rcs[k] == RP_BAD || rcs[k] == RP_REFUSED) {
            char reason[RP_ERR_MAX + 64];
            snprintf(reason, sizeof reason, "%s%s",
                     rcs[k] == RP_BAD ? "database refused the result: " : "", errs[k]);
            if (rp_dead(p->r, &p->s, e, reason) != 0)
                continue; /* not acked: redelivered, dead-lettered then */
        }
        ids[nids++] = e->id;
    }
    (void)cf_consumer_ack_many(&p->results, ids, nids);
out:
    for (size_t i = 0; msgs && decoded && i < n; i++)
        if (decoded[i])
            cf_result_entry_free(&msgs[i]);
    free(msgs);
    free(batch);
    free(which);
    free(rcs);
    free(errs);
    free(ids);
    free(decoded);
}

static void usage(FILE *out)
{
    fprintf(out, "usage: cf-result-processor [--config FILE]\n"
                 "Consumes cf:results (group result-processors) into PostgreSQL.\n");
    const cf_config_key *tables[] = {cf_config_common_keys, rp_keys, cf_config_arcade_keys, NULL};
    cf_config_describe(tables, out);
}

static int load(rp *p, const cf_config *cfg)
{
    rp_settings *s = &p->s;
    cf_consumer_name(s->consumer, sizeof s->consumer,
                     cf_config_str(cfg, "result_processor.consumer"));
    s->block_ms = (long)cf_config_int(cfg, "result_processor.block_ms");
    s->batch = (int)cf_config_int(cfg, "result_processor.batch");
    s->prepare_statements = cf_config_bool(cfg, "result_processor.prepare_statements");
    s->claim_idle_ms = (long)cf_config_int(cfg, "result_processor.claim_idle_ms");
    s->claim_every_ms = (long)cf_config_int(cfg, "result_processor.claim_every_ms");
    s->dead_maxlen = (long)cf_config_int(cfg, "result_processor.dead_maxlen");
    s->retry_max_ms = (long)cf_config_int(cfg, "result_processor.retry_max_ms");
    s->reconcile_every_ms = (long)cf_config_int(cfg, "result_processor.reconcile_every_ms");
    s->stuck_after_s = (long)cf_config_int(cfg, "result_processor.stuck_after_s");
    s->arcade_wall_s = (long)cf_config_int(cfg, "arcade.wall_s");
    s->max_attempts = (int)cf_config_int(cfg, "result_processor.max_attempts");
    s->fights_maxlen = (long)cf_config_int(cfg, "result_processor.fights_maxlen");
    snprintf(p->dburl, sizeof p->dburl, "%s", cf_config_str(cfg, "database.url"));
    const char *crash = getenv("CF_TEST_CRASH_AFTER_COMMIT");
    p->crash_after_commit = crash != NULL && strcmp(crash, "1") == 0;
    return 0;
}

int main(int argc, char **argv)
{
    char err[512];
    int status;
    const cf_config_key *tables[] = {cf_config_common_keys, rp_keys, cf_config_arcade_keys, NULL};
    cf_config *cfg = cf_config_from_args(argc, argv, "cf-result-processor", tables, usage, &status);
    if (cfg == NULL)
        return status;
    cf_config_apply_log(cfg, "cf-result-processor");
    static rp p;
    load(&p, cfg);
    char redis_url[1024];
    snprintf(redis_url, sizeof redis_url, "%s", cf_config_str(cfg, "redis.url"));
    char user[128];
    snprintf(user, sizeof user, "%s", cf_config_str(cfg, "result_processor.user"));
    bool allow_root = cf_config_bool(cfg, "result_processor.allow_root");
    cf_config_free(cfg);
    if (drop_privileges(user, allow_root) != 0)
        return 2;

    if (cf_signals_on_stop(on_signal) != 0) {
        log_error("signals: %s", strerror(errno));
        return 1;
    }
    cf_heartbeat *hb = cf_heartbeat_start(redis_url, "result-processor", p.s.consumer);
    p.r = cf_redis_connect_until(redis_url, 0, &g_stop, err, sizeof err);
    cf_consumer_init(&p.results, p.r, CF_STREAM_RESULTS, CF_GROUP_RESULTS, p.s.consumer,
                     p.s.claim_idle_ms);
    cf_consumer_init(&p.progress, p.r, CF_STREAM_PROGRESS, CF_GROUP_RESULTS, p.s.consumer,
                     p.s.claim_idle_ms);
    /* Results from the beginning (none may be lost); progress from now on
     * (only fresh news matter). */
    while (!g_stop && (cf_consumer_ensure_group(&p.results, "0") != 0 ||
                       cf_consumer_ensure_group(&p.progress, "$") != 0))
        nap_ms(1000);
    ensure_pg(&p);
    log_info("consumer %s of group %s on %s", p.s.consumer, CF_GROUP_RESULTS, CF_STREAM_RESULTS);

    int64_t last_claim = cf_now_ms(), last_reconcile = 0;
    while (!g_stop) {
        cf_entry *es = NULL;
        size_t n = 0;
        int rc;
        bool fresh;
        if (p.results.pending_cursor[0] == '\0' && cf_now_ms() - last_claim >= p.s.claim_every_ms) {
            last_claim = cf_now_ms();
            rc = reclaim(&p, &es, &n);
            (void)cf_group_prune_consumers(p.r, CF_STREAM_RESULTS, CF_GROUP_RESULTS, p.s.consumer,
                                           3600 * 1000LL);
        } else {
            rc = cf_consumer_read(&p.results, p.s.batch, p.s.block_ms, &es, &n, &fresh);
        }
        if (rc < 0 && !g_stop)
            nap_ms(200);
        bool *done = n > 1 ? calloc(n, sizeof *done) : NULL;
        if (done != NULL)
            handle_batch(&p, es, n, done);
        for (size_t i = 0; i < n && !g_stop; i++)
            if ((done == NULL || !done[i]) && !handle(&p, &es[i]))
                break;
        free(done);
        cf_entries_free(es, n);
        if (p.pg != NULL && cf_pg_ok(p.pg) && !g_stop)
            (void)rp_progress_pass(&p.progress, p.pg);
        if (p.s.reconcile_every_ms > 0 && cf_now_ms() - last_reconcile >= p.s.reconcile_every_ms &&
            !g_stop) {
            last_reconcile = cf_now_ms();
            ensure_pg(&p);
            if (p.pg != NULL && cf_pg_ok(p.pg))
                (void)rp_reconcile(p.pg, p.r, &p.s);
            if (p.pg != NULL && cf_pg_ok(p.pg))
                (void)rp_reconcile_plays(p.pg, p.r, &p.s);
            if (p.pg != NULL && cf_pg_ok(p.pg))
                (void)rp_reconcile_checks(p.pg, &p.s);
        }
    }
    log_info("stopping");
    cf_heartbeat_stop(hb);
    if (p.pg != NULL)
        cf_pg_free(p.pg);
    if (p.r != NULL)
        cf_redis_free(p.r);
    return 0;
}
