/*
 * fight.c — the public verbs of fight.h: a sandbox's life, and one fight
 * from message to report.
 *
 * cf_sandbox_start probes every layer once (which the host has, which are
 * required), builds the seccomp program, blocks SIGCHLD into a signalfd for
 * the controller's loop, ignores SIGPIPE (a dead bot's pipe must not kill
 * us), and starts the forkserver. cf_fight_run checks the fight against the
 * game's registry entry, starts the bots (controller.c), lets the game
 * simulate, and turns the cf_outcome and the bots' verdicts into the report
 * of DESIGN.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "controller.h"

#ifndef CF_PYTHON_HOME
#define CF_PYTHON_HOME "/usr"
#endif

static void layer(cf_sandbox *sb, enum sb_layer l, bool active, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void layer(cf_sandbox *sb, enum sb_layer l, bool active, const char *fmt, ...)
{
    sb->layers[l].active = active;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sb->layers[l].detail, sizeof sb->layers[l].detail, fmt, ap);
    va_end(ap);
}

static void probe_layers(cf_sandbox *sb, char *err, size_t errlen)
{
    if (sb->opts.unsafe_no_sandbox) {
        for (int l = 0; l < SB_LAYER_COUNT; l++)
            layer(sb, l, false, "absent (--no-sandbox: UNSAFE, plain Python processes)");
        return;
    }
    layer(sb, SB_LAYER_NAMESPACES, true,
          "active (pid, mount, ipc, uts per bot; one empty net; uid %d+slot)", SB_UID_BASE);
    layer(sb, SB_LAYER_MOUNTS, true, "active (read-only minimal root, private %s /tmp)",
          SB_TMPFS_SIZE);
    (void)sandbox_cgroup_probe(&sb->layers[SB_LAYER_CGROUP]);
    layer(sb, SB_LAYER_RLIMITS, true, "active (cpu, fsize, nofile, core, memlock, msgqueue)");
    if (sandbox_apparmor_probe(&sb->layers[SB_LAYER_APPARMOR]) == 1)
        sb->plan.apparmor = true;
    int abi = sandbox_landlock_abi();
    if (abi > 0) {
        sb->plan.landlock = true;
        sb->plan.landlock_abi = abi;
        layer(sb, SB_LAYER_LANDLOCK, true, "active (ABI %d%s%s)", abi,
              abi >= 4 ? ", tcp denied" : "", abi >= 6 ? ", scoped signals and unix sockets" : "");
    } else {
        layer(sb, SB_LAYER_LANDLOCK, false, "absent (kernel has no Landlock)");
    }
    sb->plan.seccomp_prog = sandbox_seccomp_build(err, errlen);
    if (sb->plan.seccomp_prog)
        layer(sb, SB_LAYER_SECCOMP, true, "active (allow-list, kill by default, rare calls traced)");
    else
        layer(sb, SB_LAYER_SECCOMP, false, "absent (%s)", err);
    layer(sb, SB_LAYER_PTRACE, true, "active (seize, exitkill, fork/clone/seccomp/exit events)");

    /* Only a test program can ask for this (sandbox_test_skip_layers). */
    uint32_t skip = sandbox_test_skip_layers() &
                    ((1u << SB_LAYER_MOUNTS) | (1u << SB_LAYER_LANDLOCK) | (1u << SB_LAYER_SECCOMP));
    sb->plan.skip = skip;
    for (int l = 0; l < SB_LAYER_COUNT; l++)
        if (skip & (1u << l))
            layer(sb, l, false, "absent (turned off by a test program)");
    if (skip & (1u << SB_LAYER_LANDLOCK))
        sb->plan.landlock = false;
    if (skip & (1u << SB_LAYER_SECCOMP)) {
        sandbox_seccomp_free((void *)sb->plan.seccomp_prog);
        sb->plan.seccomp_prog = NULL;
    }
}

/* Is every layer named in the comma-separated list active? */
static int check_required(const cf_sandbox *sb, const char *list, char *err, size_t errlen)
{
    if (!list || !*list)
        return 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        int found = -1;
        for (int l = 0; l < SB_LAYER_COUNT; l++)
            if (strcmp(tok, sandbox_layer_name(l)) == 0)
                found = l;
        if (found < 0) {
            snprintf(err, errlen, "unknown sandbox layer \"%s\" in the required list", tok);
            return -1;
        }
        if (!sb->layers[found].active) {
            snprintf(err, errlen, "required sandbox layer %s is not active: %s", tok,
                     sb->layers[found].detail);
            return -1;
        }
    }
    return 0;
}

cf_sandbox *cf_sandbox_start(const cf_sandbox_options *opts, char *err, size_t errlen)
{
    cf_sandbox *sb = calloc(1, sizeof *sb);
    if (!sb) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sb->opts = *opts;
    sb->sigchld_fd = -1;
    sb->plan.unsafe = opts->unsafe_no_sandbox;
    if (!opts->unsafe_no_sandbox && geteuid() != 0) {
        snprintf(err, errlen, "the sandbox needs root (namespaces, cgroups, ptrace); run as root, "
                              "or use --no-sandbox for an UNSAFE development run");
        free(sb);
        return NULL;
    }
    /* The forkserver starts CPython (the slow part) while the layers are
     * probed and the seccomp program built here. */
    sb->fs = forkserver_launch(opts->python_home ? opts->python_home : CF_PYTHON_HOME, err,
                               errlen);
    if (!sb->fs)
        goto fail;
    char perr[256] = "";
    probe_layers(sb, perr, sizeof perr);
    if (!opts->unsafe_no_sandbox) {
        /* These layers are the sandbox: without them nothing runs. */
        static const enum sb_layer essential[] = {SB_LAYER_CGROUP, SB_LAYER_SECCOMP};
        for (size_t i = 0; i < sizeof essential / sizeof essential[0]; i++)
            if (!sb->layers[essential[i]].active && !(sb->plan.skip & (1u << essential[i]))) {
                snprintf(err, errlen, "sandbox layer %s unavailable: %s",
                         sandbox_layer_name(essential[i]), sb->layers[essential[i]].detail);
                goto fail;
            }
    }
    if (check_required(sb, opts->require_layers, err, errlen) < 0)
        goto fail;

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, &sb->old_mask) < 0) {
        snprintf(err, errlen, "sigprocmask: %s", strerror(errno));
        goto fail;
    }
    sb->mask_set = true;
    if ((sb->sigchld_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
        snprintf(err, errlen, "signalfd: %s", strerror(errno));
        goto fail;
    }
    signal(SIGPIPE, SIG_IGN);
    if (forkserver_boot(sb->fs, &sb->plan, err, errlen) < 0)
        goto fail;
    ctl_pool_fill(sb);
    return sb;
fail:
    cf_sandbox_stop(sb);
    return NULL;
}

void cf_sandbox_describe(const cf_sandbox *sb, FILE *out)
{
    if (sb->opts.unsafe_no_sandbox)
        fprintf(out, "WARNING: --no-sandbox: bots run as plain, UNSAFE Python processes with "
                     "your privileges; never run untrusted code like this\n");
    for (int l = 0; l < SB_LAYER_COUNT; l++)
        fprintf(out, "%s: %s\n", sandbox_layer_name(l), sb->layers[l].detail);
}

void cf_sandbox_stop(cf_sandbox *sb)
{
    if (!sb)
        return;
    ctl_pool_drain(sb);
    forkserver_stop(sb->fs);
    if (sb->sigchld_fd >= 0)
        close(sb->sigchld_fd);
    if (sb->mask_set)
        sigprocmask(SIG_SETMASK, &sb->old_mask, NULL);
    sandbox_seccomp_free((void *)sb->plan.seccomp_prog);
    free(sb);
}

/* ----------------------------------------------------------------- report */

static cJSON *base_report(const cf_fight_msg *msg, uint64_t seed, const char *status)
{
    cJSON *r = cJSON_CreateObject();
    if (!r)
        return NULL;
    cJSON_AddStringToObject(r, "fight_id", msg->id);
    cJSON_AddStringToObject(r, "game", msg->game);
    cJSON_AddNumberToObject(r, "seed", (double)seed);
    cJSON_AddStringToObject(r, "status", status);
    return r;
}

static cJSON *failed_report(const cf_fight_msg *msg, uint64_t seed, const char *why,
                            int64_t started)
{
    cJSON *r = base_report(msg, seed, "failed");
    if (!r)
        return NULL;
    cJSON *players = cJSON_AddArrayToObject(r, "players");
    for (int i = 0; i < msg->nplayers && players; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "name", msg->players[i].name);
        cJSON_AddNullToObject(p, "result");
        cJSON_AddNullToObject(p, "rank");
        cJSON_AddNullToObject(p, "score");
        cJSON_AddStringToObject(p, "verdict", "ok");
        cJSON_AddStringToObject(p, "detail", "");
        cJSON_AddNumberToObject(p, "cpu_ms", 0);
        cJSON_AddNumberToObject(p, "peak_memory_kb", 0);
        cJSON_AddStringToObject(p, "log", "");
        cJSON_AddItemToArray(players, p);
    }
    cJSON_AddNullToObject(r, "result");
    cJSON_AddStringToObject(r, "explanation", why);
    cJSON_AddNumberToObject(r, "ticks", 0);
    cJSON_AddArrayToObject(r, "data");
    cJSON_AddNumberToObject(r, "elapsed_ms", (double)(cf_now_ms() - started));
    return r;
}

static int result_order(enum cf_player_result r)
{
    return r == CF_RESULT_WIN ? 0 : r == CF_RESULT_DRAW ? 1 : r == CF_RESULT_LOSS ? 2 : 3;
}

static cJSON *player_json(const cf_game *game, const cf_fight_msg *msg, const cf_outcome *out,
                          const ctl_bot_report *rep, int i, bool debug)
{
    cJSON *p = cJSON_CreateObject();
    if (!p)
        return NULL;
    cJSON_AddStringToObject(p, "name", msg->players[i].name);
    if (game->conclusion == CF_CONCLUSION_RANK) {
        cJSON_AddNumberToObject(p, "result", out->rank[i]);
        cJSON_AddNumberToObject(p, "rank", out->rank[i]);
    } else {
        static const char *const names[] = {[CF_RESULT_WIN] = "win", [CF_RESULT_LOSS] = "loss",
                                            [CF_RESULT_DRAW] = "draw"};
        if (out->result[i] == CF_RESULT_NONE) {
            cJSON_AddNullToObject(p, "result");
            cJSON_AddNullToObject(p, "rank");
        } else {
            int better = 0;
            for (int j = 0; j < msg->nplayers; j++)
                if (result_order(out->result[j]) < result_order(out->result[i]))
                    better++;
            cJSON_AddStringToObject(p, "result", names[out->result[i]]);
            cJSON_AddNumberToObject(p, "rank", 1 + better);
        }
    }
    if (out->has_score[i])
        cJSON_AddNumberToObject(p, "score", out->score[i]);
    else
        cJSON_AddNullToObject(p, "score");
    cJSON_AddStringToObject(p, "verdict", ctl_verdict_name(rep->verdict));
    cJSON_AddStringToObject(p, "detail", rep->detail);
    cJSON_AddNumberToObject(p, "cpu_ms", (double)rep->cpu_ms);
    cJSON_AddNumberToObject(p, "peak_memory_kb", (double)rep->peak_memory_kb);
    cJSON_AddStringToObject(p, "log", rep->log ? rep->log : "");
    if (debug) {
        cJSON *dbg = cJSON_AddObjectToObject(p, "debug");
        cJSON_AddNumberToObject(dbg, "ptrace_stops", (double)rep->ptrace_stops);
        cJSON_AddNumberToObject(dbg, "stragglers", rep->stragglers);
        cJSON_AddNumberToObject(dbg, "first_reply_us", (double)rep->first_reply_us);
        cJSON_AddNumberToObject(dbg, "calls", (double)rep->calls);
        cJSON_AddNumberToObject(dbg, "call_us_mean",
                                rep->calls ? (double)(rep->call_us_total / rep->calls) : 0);
        cJSON_AddNumberToObject(dbg, "call_us_min", (double)rep->call_us_min);
    }
    return p;
}

cJSON *cf_fight_run(cf_sandbox *sb, const cf_fight_msg *msg, const cf_fight_hooks *hooks,
                    char *err, size_t errlen)
{
    int64_t started = cf_now_ms();
    uint64_t seed = msg->seed;
    if (!msg->has_seed) {
        if (getrandom(&seed, sizeof seed, 0) != sizeof seed)
            seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
        seed &= (1ull << 53) - 1; /* exact as a JSON number */
    }
    if (sb->broken || !sb->fs) {
        snprintf(err, errlen, "the sandbox is broken; restart it");
        return NULL;
    }
    const cf_game *game = cf_game_find(msg->game);
    if (!game) {
        char why[CF_EXPLANATION_MAX];
        snprintf(why, sizeof why, "unknown game \"%s\"", msg->game);
        return failed_report(msg, seed, why, started);
    }
    if (msg->nplayers < game->min_players || msg->nplayers > game->max_players ||
        msg->nplayers > CF_MAX_PLAYERS) {
        char why[CF_EXPLANATION_MAX];
        snprintf(why, sizeof why, "%s takes %d to %d players, not %d", game->name,
                 game->min_players, game->max_players, msg->nplayers);
        return failed_report(msg, seed, why, started);
    }
    char serr[CF_EXPLANATION_MAX];
    cJSON *settings = cf_game_settings(game, msg->settings, false, serr, sizeof serr);
    if (!settings)
        return failed_report(msg, seed, serr, started);

    cf_limits limits;
    memset(&limits, 0, sizeof limits);
    game->limits(settings, msg->nplayers, &limits);
    cf_arena *arena = ctl_arena_start(sb, msg, settings, &limits, hooks, err, errlen);
    if (!arena) {
        cJSON_Delete(settings);
        return NULL;
    }
    cf_outcome out;
    memset(&out, 0, sizeof out);
    cf_rng rng;
    cf_rng_seed(&rng, seed);
    char gerr[CF_EXPLANATION_MAX - 32] = ""; /* room for the prefix below */
    int grc = game->simulate(arena, settings, msg->nplayers, &rng, &out, gerr, sizeof gerr);
    ctl_bot_report reps[CF_MAX_PLAYERS];
    bool cancelled = ctl_arena_finish(arena, reps);
    /* After the finish too: a bot that cannot be killed breaks it there. */
    bool broken = sb->broken;
    cJSON_Delete(settings);
    if (!broken && !sb->opts.single_fight)
        ctl_pool_fill(sb); /* the next fight's coderunners, off its path */

    cJSON *r = NULL;
    if (broken) {
        snprintf(err, errlen, "the sandbox broke during the fight: %s", sb->broken_why);
    } else if (grc < 0) {
        char why[CF_EXPLANATION_MAX];
        snprintf(why, sizeof why, "the game failed: %s", gerr);
        r = failed_report(msg, seed, why, started);
    } else {
        r = base_report(msg, seed, cancelled ? "cancelled" : "finished");
        cJSON *players = cJSON_AddArrayToObject(r, "players");
        for (int i = 0; i < msg->nplayers; i++)
            cJSON_AddItemToArray(players,
                                 player_json(game, msg, &out, &reps[i], i, sb->opts.debug));
        cJSON_AddItemToObject(r, "result", out.summary ? out.summary : cJSON_CreateNull());
        out.summary = NULL;
        cJSON_AddStringToObject(r, "explanation", cancelled ? "cancelled" : out.explanation);
        cJSON_AddNumberToObject(r, "ticks", out.ticks);
        cJSON_AddItemToObject(r, "data", out.data ? out.data : cJSON_CreateArray());
        out.data = NULL;
        cJSON_AddNumberToObject(r, "elapsed_ms", (double)(cf_now_ms() - started));
    }
    cJSON_Delete(out.summary);
    cJSON_Delete(out.data);
    for (int i = 0; i < msg->nplayers; i++)
        free(reps[i].log);
    if (!r && !broken)
        snprintf(err, errlen, "out of memory");
    return r;
}
