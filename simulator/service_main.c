/*
 * service_main.c — cf-simulator: consumes cf:fights and cf:plays, runs each
 * fight or play in a sandboxed worker, publishes how it ended to
 * cf:results, then acknowledges.
 *
 * The parent forks its workers first (service_slots.c), connects, and loops
 * over both desks (service_fights.c, service_plays.c): worker frames,
 * timers, new work. Fight workers never talk to Redis; arcade workers do,
 * each on connections of its own, because a play's display and input cannot
 * wait on the parent.
 * SIGTERM/SIGINT: stop taking work, tell running plays to end (as failed),
 * let running fights finish for shutdown_grace_ms, then kill the workers
 * (their bots and games die with them) and leave unfinished fights pending,
 * for another simulator to reclaim.
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
#include "heartbeat.h"
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
    {.name = "simulator.pin_workers",
     .type = CF_CONFIG_BOOL,
     .def = "true",
     .doc = "pin each fight worker, with its bots, to one CPU, the fight workers in turn over "
            "the CPUs this process may use (a fight's calls and replies then stay on one CPU); "
            "arcade workers are never pinned"},
    {.name = "simulator.block_ms",
     .type = CF_CONFIG_INT,
     .def = "1000",
     .min = 10,
     .max = 60000,
     .doc = "XREADGROUP BLOCK when every worker is idle (at most 100 with the arcade on: "
            "each stream waits on the other)"},
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
    {.name = "simulator.fight_wall_s",
     .type = CF_CONFIG_INT,
     .def = "60",
     .min = 0,
     .max = 86400,
     .doc = "a fight's wall budget: its bots together wait at most this long for their "
            "replies, each its share; a bot over its share ends with verdict timeout "
            "(0: no budget)"},
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

/* The [arcade] keys this process reads: the workers' limits, not the
 * uploads' (cf-web's), though the largest entry it accepts is one. */
static void load_arcade(const cf_config *cfg, svc_settings *s)
{
    s->arcade_slots = (int)cf_config_int(cfg, "arcade.slots");
    s->arcade_wall_s = (int)cf_config_int(cfg, "arcade.wall_s");
    s->arcade_idle_s = (int)cf_config_int(cfg, "arcade.idle_s");
    s->arcade_cpu_s = (int)cf_config_int(cfg, "arcade.cpu_s");
    s->arcade_memory_mb = (int)cf_config_int(cfg, "arcade.memory_mb");
    s->arcade_max_code_bytes = (size_t)cf_config_int(cfg, "arcade.max_code_bytes");
    s->arcade_max_bundle_bytes = (size_t)cf_config_int(cfg, "arcade.max_bundle_bytes");
    s->arcade_out_maxlen = (long)cf_config_int(cfg, "arcade.out_maxlen");
    if (s->concurrency + s->arcade_slots > SVC_MAX_SLOTS)
        s->arcade_slots = SVC_MAX_SLOTS - s->concurrency;
    s->idle_block_ms = s->arcade_slots > 0 && s->block_ms > 100 ? 100 : s->block_ms;
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
    s->pin_workers = cf_config_bool(cfg, "simulator.pin_workers");
    snprintf(s->redis_url, sizeof s->redis_url, "%s", cf_config_str(cfg, "redis.url"));
    load_arcade(cfg, s);
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
                 "Consumes cf:fights and cf:plays (group simulators), runs each fight and\n"
                 "play in the sandbox, publishes how it ended to cf:results. Keys (file or\n"
                 "CF_* environment):\n");
    const cf_config_key *tables[] = {shared_keys(), svc_keys, cf_config_arcade_keys, NULL};
    cf_config_describe(tables, out);
}

static int start_workers(svc_slots *slots, const svc_settings *s, const cf_sandbox_options *opts)
{
    int count[SVC_KINDS] = {[SVC_FIGHT] = s->concurrency, [SVC_PLAY] = s->arcade_slots};
    cf_sandbox_options kinds[SVC_KINDS] = {[SVC_FIGHT] = *opts, [SVC_PLAY] = *opts};
    kinds[SVC_PLAY].arcade = true;
    return svc_slots_start(slots, s, count, kinds);
}

/* The heartbeat's view of the workers: slots in use of each kind and the
 * sandbox's layers (the fight workers', or the arcade's when there are
 * none). Cheap: the heartbeat only copies values that changed. */
void svc_heartbeat_update(struct cf_heartbeat *hb, const svc_slots *s)
{
    int fights = 0, plays = 0;
    for (int i = 0; i < s->n; i++) {
        fights += s->slot[i].kind == SVC_FIGHT;
        plays += s->slot[i].kind == SVC_PLAY;
    }
    (void)cf_heartbeat_set_int(hb, "slots", fights);
    (void)cf_heartbeat_set_int(hb, "slots_busy", svc_slots_count_busy(s, SVC_FIGHT));
    (void)cf_heartbeat_set_int(hb, "arcade_slots", plays);
    (void)cf_heartbeat_set_int(hb, "arcade_busy", svc_slots_count_busy(s, SVC_PLAY));
    const char *layers = s->layers[SVC_FIGHT] != NULL ? s->layers[SVC_FIGHT] : s->layers[SVC_PLAY];
    if (layers != NULL)
        (void)cf_heartbeat_set(hb, "layers", layers);
}

/* With every worker idle: waits up to block_ms for new work on both
 * desks' streams at once (cf_consumers_wait), so the first fight or play
 * after a quiet spell is taken the moment it comes. 1 or 0 as
 * cf_consumers_wait; -1 when it could not wait (then each desk blocks on
 * its own stream, idle_block_ms each). */
static int wait_for_work(const svc_settings *s, svc_fights *fights, svc_plays *plays)
{
    cf_consumer *cs[2];
    size_t n = 0;
    cs[n++] = &fights->consumer;
    if (plays->r != NULL)
        cs[n++] = &plays->consumer;
    return cf_consumers_wait(cs, n, s->block_ms);
}

/* One round of both desks: frames, timers, new work. While a job runs the
 * parent never blocks on Redis: it reads both streams without BLOCK and
 * then waits on the workers' pipes, so a report is published (and the next
 * fight handed over) the moment it comes. Redis checks a blocked read's
 * timeout only every 100 ms (hz 10): a BLOCK 20 on an idle cf:plays held a
 * finished fight's report for up to 200 ms, most of a fight's cost in the
 * pipeline. Only with nothing running does the parent block: on both
 * streams at once (wait_for_work), or, when that cannot be done, on each
 * desk's stream in turn for at most idle_block_ms. */
static void round_of_desks(const svc_settings *s, svc_slots *slots, svc_fights *fights,
                           svc_plays *plays, struct cf_heartbeat *hb)
{
    svc_heartbeat_update(hb, slots);
    if (!svc_stop)
        svc_slots_respawn(slots);
    svc_slots_poll(slots, 0);
    svc_fights_timers(fights);
    svc_plays_timers(plays);
    if (svc_stop || svc_slots_count_free(slots, SVC_ANY) == 0) {
        svc_slots_poll(slots, 50);
        return;
    }
    bool busy = svc_slots_count_busy(slots, SVC_ANY) > 0;
    long block = busy ? 0 : s->idle_block_ms;
    if (!busy && wait_for_work(s, fights, plays) >= 0)
        block = 0; /* something came, or the wait ran out: read, don't block */
    svc_fights_take_work(fights, block);
    busy = busy || svc_slots_count_busy(slots, SVC_ANY) > 0;
    svc_plays_take_work(plays, busy ? 0 : block);
    if (busy || svc_slots_count_busy(slots, SVC_ANY) > 0)
        svc_slots_poll(slots, SVC_BUSY_POLL_MS);
}

/* Rounds until a stop signal, then until every job ended or the grace ran
 * out. Plays are told to end at once: a play has no natural end to wait
 * for. */
static void run(const svc_settings *s, svc_slots *slots, svc_fights *fights, svc_plays *plays,
                struct cf_heartbeat *hb)
{
    int64_t stop_deadline = 0;
    for (;;) {
        if (svc_stop) {
            if (stop_deadline == 0) {
                stop_deadline = cf_now_ms() + s->shutdown_grace_ms;
                log_info("stopping: %d fights and %d plays running, grace %ld ms",
                         svc_slots_count_busy(slots, SVC_FIGHT),
                         svc_slots_count_busy(slots, SVC_PLAY), s->shutdown_grace_ms);
                svc_plays_shutdown(plays);
            }
            if (svc_slots_count_busy(slots, SVC_ANY) == 0 || cf_now_ms() >= stop_deadline)
                break;
        }
        round_of_desks(s, slots, fights, plays, hb);
    }
}

int main(int argc, char **argv)
{
    /* Whatever the environment carries, this process keeps no database
     * credentials (and its workers and bots cannot inherit them). */
    unsetenv("CF_DATABASE_URL");
    char err[512];
    int status;
    const cf_config_key *tables[] = {shared_keys(), svc_keys, cf_config_arcade_keys, NULL};
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
    cf_sandbox_options opts = {
        .unsafe_no_sandbox = cf_config_bool(cfg, "simulator.unsafe_no_sandbox"),
        .require_layers = require[0] ? require : NULL,
        .fight_wall_ms = (uint32_t)cf_config_int(cfg, "simulator.fight_wall_s") * 1000};
    if (opts.unsafe_no_sandbox)
        log_warn("UNSAFE: simulator.unsafe_no_sandbox is on: bots run WITHOUT a sandbox");
    cf_config_free(cfg);

    if (cf_signals_on_stop(on_signal) != 0) {
        log_error("signals: %s", strerror(errno));
        return 1;
    }

    /* Workers first: they fork before the Redis socket exists. */
    static svc_slots slots;
    static svc_fights fights;
    static svc_plays plays;
    if (start_workers(&slots, &s, &opts) != 0) {
        log_error("refusing to start: the sandbox is not complete on this host");
        return 1;
    }
    svc_fights_init(&fights, &s, &slots);
    svc_plays_init(&plays, &s, &slots);
    cf_redis *r = cf_redis_connect_until(s.redis_url, 0, &svc_stop, err, sizeof err);
    svc_fights_attach(&fights, r);
    svc_plays_attach(&plays, r);
    log_info("consumer %s of group %s: %d fight workers on %s, %d arcade workers on %s", s.consumer,
             CF_GROUP_SIMULATORS, s.concurrency, CF_STREAM_FIGHTS, s.arcade_slots, CF_STREAM_PLAYS);

    /* After the workers: none of them inherits its thread or socket. */
    cf_heartbeat *hb = cf_heartbeat_start(s.redis_url, "simulator", s.consumer);
    run(&s, &slots, &fights, &plays, hb);
    /* Fights still running stay pending (no ack), plays end as failed. */
    svc_fights_stop(&fights);
    svc_plays_stop(&plays);
    svc_slots_stop(&slots);
    cf_heartbeat_stop(hb);
    if (r != NULL)
        cf_redis_free(r);
    log_info("stopped");
    return 0;
}
