/*
 * service_main.c — cf-simulator: consumes cf:fights, runs each fight in a
 * sandboxed worker, publishes the report to cf:results, then acknowledges.
 *
 * The parent is the only process that talks to Redis. It forks its workers
 * first (service_slots.c), connects, and loops over the fights desk
 * (service_fights.c): worker frames, timers, new work.
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
#include "service.h"
#include "signals.h"
#include "stream_group.h"

/* The shared [redis] and [log] keys come from cf_config_common_keys (see
 * shared_keys()); [database] is left out on purpose: this process never
 * holds database credentials, and never even reads database.url. */
static const cf_config_key svc_keys[] = {
    {.name = "simulator.consumer",
     .type = CF_CONFIG_STRING,
     .def = "",
     .doc = "consumer name in group simulators; empty: hostname-pid"},
    {.name = "simulator.concurrency",
     .type = CF_CONFIG_INT,
     .def = "0",
     .min = 0,
     .max = SVC_MAX_SLOTS,
     .doc = "worker processes (fights at once); 0: number of cores"},
    {.name = "simulator.block_ms",
     .type = CF_CONFIG_INT,
     .def = "1000",
     .min = 10,
     .max = 60000,
     .doc = "XREADGROUP BLOCK when every worker is idle"},
    {.name = "simulator.renew_ms",
     .type = CF_CONFIG_INT,
     .def = "5000",
     .min = 100,
     .max = 3600000,
     .doc = "renew the claim of running fights (XCLAIM JUSTID) this often"},
    {.name = "simulator.reclaim_idle_ms",
     .type = CF_CONFIG_INT,
     .def = "30000",
     .min = 300,
     .max = 86400000,
     .doc = "XAUTOCLAIM entries idle this long; at least 3 x renew_ms"},
    {.name = "simulator.reclaim_every_ms",
     .type = CF_CONFIG_INT,
     .def = "5000",
     .min = 100,
     .max = 3600000,
     .doc = "look for stale entries of dead simulators this often"},
    {.name = "simulator.max_deliveries",
     .type = CF_CONFIG_INT,
     .def = "3",
     .min = 1,
     .max = 1000,
     .doc = "deliveries after which a fight goes to cf:fights:dead"},
    {.name = "simulator.max_code_bytes",
     .type = CF_CONFIG_INT,
     .def = "1048576",
     .min = 1,
     .max = 16777216,
     .doc = "largest bot source accepted, in bytes"},
    {.name = "simulator.results_maxlen",
     .type = CF_CONFIG_INT,
     .def = "100000",
     .min = 1,
     .max = 1000000000,
     .doc = "XADD cf:results MAXLEN ~"},
    {.name = "simulator.dead_maxlen",
     .type = CF_CONFIG_INT,
     .def = "10000",
     .min = 1,
     .max = 1000000000,
     .doc = "XADD cf:fights:dead MAXLEN ~"},
    {.name = "simulator.progress_maxlen",
     .type = CF_CONFIG_INT,
     .def = "10000",
     .min = 1,
     .max = 1000000000,
     .doc = "XADD cf:progress MAXLEN ~"},
    {.name = "simulator.progress_every_ms",
     .type = CF_CONFIG_INT,
     .def = "500",
     .min = 10,
     .max = 3600000,
     .doc = "at most one tick entry per fight this often"},
    {.name = "simulator.cancel_poll_ms",
     .type = CF_CONFIG_INT,
     .def = "250",
     .min = 10,
     .max = 60000,
     .doc = "poll cancel keys of running fights this often"},
    {.name = "simulator.shutdown_grace_ms",
     .type = CF_CONFIG_INT,
     .def = "10000",
     .min = 0,
     .max = 3600000,
     .doc = "on SIGTERM, let running fights finish this long, then hand back"},
    {.name = "simulator.trim_every_ms",
     .type = CF_CONFIG_INT,
     .def = "60000",
     .min = 0,
     .max = 86400000,
     .doc = "XTRIM cf:fights MINID ~ below pending/undelivered entries this often; 0: never"},
    {.name = "simulator.fight_timeout_ms",
     .type = CF_CONFIG_INT,
     .def = "600000",
     .min = 1000,
     .max = 86400000,
     .doc = "a worker whose fight runs longer is killed (safety net; the game's limits "
            "end fights long before)"},
    {.name = "simulator.require_layers",
     .type = CF_CONFIG_STRING,
     .def = "",
     .doc = "comma-separated sandbox layers that must be active, or refuse to start"},
    {.name = "simulator.unsafe_no_sandbox",
     .type = CF_CONFIG_BOOL,
     .def = "false",
     .doc = "UNSAFE development mode: bots run as plain processes"},
    {.name = NULL},
};

volatile sig_atomic_t svc_stop;

static void on_signal(int sig)
{
    (void)sig;
    svc_stop = 1;
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

    static svc_settings s;
    if (load_settings(cfg, &s) != 0) {
        cf_config_free(cfg);
        return 2;
    }
    char require[256];
    snprintf(require, sizeof require, "%s", cf_config_str(cfg, "simulator.require_layers"));
    cf_sandbox_options opts = {.unsafe_no_sandbox =
                                   cf_config_bool(cfg, "simulator.unsafe_no_sandbox"),
                               .require_layers = require[0] ? require : NULL};
    if (opts.unsafe_no_sandbox)
        log_warn("UNSAFE: simulator.unsafe_no_sandbox is on: bots run WITHOUT a sandbox");
    char url[1024];
    snprintf(url, sizeof url, "%s", cf_config_str(cfg, "redis.url"));
    cf_config_free(cfg);

    if (cf_signals_on_stop(on_signal) != 0) {
        log_error("signals: %s", strerror(errno));
        return 1;
    }

    /* Workers first: they fork before the Redis socket exists. */
    static svc_fights fights;
    if (svc_fights_start(&fights, &s, &opts) != 0) {
        log_error("refusing to start: the sandbox is not complete on this host");
        return 1;
    }
    cf_redis *r = cf_redis_connect_until(url, 0, &svc_stop, err, sizeof err);
    svc_fights_attach(&fights, r);
    log_info("consumer %s of group %s on %s: %d workers", s.consumer, CF_GROUP_SIMULATORS,
             CF_STREAM_FIGHTS, s.concurrency);

    int64_t stop_deadline = 0;
    for (;;) {
        if (svc_stop) {
            if (stop_deadline == 0) {
                stop_deadline = cf_now_ms() + s.shutdown_grace_ms;
                log_info("stopping: %d fights running, grace %ld ms", svc_fights_running(&fights),
                         s.shutdown_grace_ms);
            }
            if (svc_fights_running(&fights) == 0 || cf_now_ms() >= stop_deadline)
                break;
        }
        svc_fights_round(&fights);
    }
    /* Hand back: whatever still runs stays pending (no ack). */
    svc_fights_stop(&fights);
    if (r != NULL)
        cf_redis_free(r);
    log_info("stopped");
    return 0;
}
