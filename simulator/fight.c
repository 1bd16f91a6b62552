/*
 * fight.c — one fight, from entry to report (cf_fight_run).
 *
 * The entry is checked against the registry (cf_fight_check: cf-fight runs
 * entries no simulator checked), the bots are started (arena.c), the game
 * simulates, and its cf_outcome and the bots' verdicts become the report
 * through the one builder (common/report.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "controller.h"
#include "fight_check.h"
#include "report.h"

static uint64_t random_seed(void)
{
    uint64_t seed;
    if (getrandom(&seed, sizeof seed, 0) != sizeof seed)
        seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
    return seed & CF_SEED_MAX; /* exact as a JSON number */
}

/* The report of a fight that did not run to its end: its players without a
 * result. NULL when memory ran out. */
static cJSON *failed_report(const cf_fight_entry *e, uint64_t seed, const char *why,
                            int64_t started)
{
    cJSON *r = cf_report_new(e->id, e->game, true, seed);
    for (int i = 0; r != NULL && i < e->nplayers; i++) {
        cf_report_player p = {.name = e->players[i].name};
        if (cf_report_add_player(r, &p) != 0) {
            cJSON_Delete(r);
            r = NULL;
        }
    }
    if (r != NULL && cf_report_failed(r, "failed", why, cf_now_ms() - started) != 0) {
        cJSON_Delete(r);
        r = NULL;
    }
    return r;
}

static void add_debug(cJSON *player, const ctl_bot_report *rep)
{
    cJSON *dbg = cJSON_AddObjectToObject(player, "debug");
    cJSON_AddNumberToObject(dbg, "ptrace_stops", (double)rep->ptrace_stops);
    cJSON_AddNumberToObject(dbg, "stragglers", rep->stragglers);
    cJSON_AddNumberToObject(dbg, "first_reply_us", (double)rep->first_reply_us);
    cJSON_AddNumberToObject(dbg, "calls", (double)rep->calls);
    cJSON_AddNumberToObject(dbg, "call_us_mean",
                            rep->calls ? (double)(rep->call_us_total / rep->calls) : 0);
    cJSON_AddNumberToObject(dbg, "call_us_min", (double)rep->call_us_min);
}

/* The game's explanation with each "player N" (1-based, not followed by a
 * digit) replaced by that player's name: "alice/Rocket destroyed at tick 36
 * by bob/Idle's missile" rather than "player 2 ... player 1's". One pass,
 * so a name that itself reads "player 2" is left as it is. */
static void name_players(const char *in, const cf_fight_entry *e, char *out, size_t outlen)
{
    static const char word[] = "player ";
    size_t o = 0;

    while (*in != '\0' && o + 1 < outlen) {
        char *end = NULL;
        long n = 0;
        if (strncmp(in, word, sizeof word - 1) == 0 && in[sizeof word - 1] >= '1' &&
            in[sizeof word - 1] <= '9') {
            n = strtol(in + sizeof word - 1, &end, 10);
        }
        if (end != NULL && n >= 1 && n <= e->nplayers) {
            int w = snprintf(out + o, outlen - o, "%s", e->players[n - 1].name);
            if (w < 0 || (size_t)w >= outlen - o)
                break;
            o += (size_t)w;
            in = end;
            continue;
        }
        out[o++] = *in++;
    }
    out[o < outlen ? o : outlen - 1] = '\0';
}

/* What the bots printed, by slot ({"0": [[tick, "text"], ...]}); NULL when
 * none printed. Takes each report's output. */
static cJSON *take_output(ctl_bot_report *reps, int n)
{
    cJSON *o = NULL;
    for (int i = 0; i < n; i++) {
        if (reps[i].output == NULL)
            continue;
        char key[16];
        snprintf(key, sizeof key, "%d", i);
        if (o == NULL)
            o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddItemToObject(o, key, reps[i].output))
            cJSON_Delete(reps[i].output);
        reps[i].output = NULL;
    }
    return o;
}

/* The report of a fight that ran. NULL when memory ran out. */
static cJSON *fight_report(const cf_game *game, const cf_fight_entry *e, uint64_t seed,
                           cf_outcome *out, const ctl_bot_report *reps, bool cancelled, bool debug,
                           int64_t started)
{
    cJSON *r = cf_report_new(e->id, e->game, true, seed);
    for (int i = 0; r != NULL && i < e->nplayers; i++) {
        cf_report_errors errors = {.raised = reps[i].raised,
                                   .invalid = reps[i].rejected,
                                   .first_tick = reps[i].first_error_tick,
                                   .first_kind = reps[i].first_error_kind,
                                   .first_message = reps[i].first_error};
        cf_report_player p = {.name = e->players[i].name,
                              .verdict = ctl_verdict_name(reps[i].verdict),
                              .detail = reps[i].detail,
                              .cpu_ms = reps[i].cpu_ms,
                              .peak_memory_kb = reps[i].peak_memory_kb,
                              .log = reps[i].log,
                              /* only when there is something to say: the
                               * contract's keys stay exactly as they were
                               * for every bot whose calls all did something */
                              .errors = reps[i].raised || reps[i].rejected ? &errors : NULL};
        cf_outcome_player(game, out, e->nplayers, i, &p);
        if (cf_report_add_player(r, &p) != 0) {
            cJSON_Delete(r);
            return NULL;
        }
        /* Not the contract: for cf-fight and the bench only. */
        if (debug)
            add_debug(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "players"), i),
                      &reps[i]);
    }
    if (r == NULL)
        return NULL;
    cJSON *summary = out->summary, *data = out->data;
    out->summary = out->data = NULL; /* taken by the report */
    char named[CF_EXPLANATION_MAX + CF_MAX_PLAYERS * (CF_PLAYER_NAME_MAX + 1)];
    name_players(out->explanation, e, named, sizeof named);
    if (cf_report_finish(r, cancelled ? "cancelled" : "finished", summary,
                         cancelled ? "cancelled" : named, out->ticks, data,
                         cf_now_ms() - started) != 0) {
        cJSON_Delete(r);
        return NULL;
    }
    return r;
}

cJSON *cf_fight_run(cf_sandbox *sb, const cf_fight_entry *e, const cf_fight_hooks *hooks, char *err,
                    size_t errlen)
{
    int64_t started = cf_now_ms();
    uint64_t seed = e->has_seed ? e->seed : random_seed();
    if (sb->broken || !sb->fs) {
        snprintf(err, errlen, "the sandbox is broken; restart it");
        return NULL;
    }
    const cf_game *game = NULL;
    char why[CF_EXPLANATION_MAX];
    cJSON *settings = cf_fight_check(e, &game, why, sizeof why);
    if (!settings)
        return failed_report(e, seed, why, started);

    cf_limits limits;
    memset(&limits, 0, sizeof limits);
    game->limits(settings, e->nplayers, &limits);
    cf_arena *arena = NULL;
    ctl_arena *a = ctl_arena_start(sb, e, settings, &limits, hooks, &arena, err, errlen);
    if (!a) {
        cJSON_Delete(settings);
        return NULL;
    }
    cf_outcome out;
    memset(&out, 0, sizeof out);
    cf_rng rng;
    cf_rng_seed(&rng, seed);
    char gerr[CF_EXPLANATION_MAX - 32] = ""; /* room for the prefix below */
    int grc = game->simulate(arena, settings, e->nplayers, &rng, &out, gerr, sizeof gerr);
    ctl_bot_report reps[CF_MAX_PLAYERS];
    bool cancelled = ctl_arena_finish(a, reps);
    cJSON_Delete(settings);
    /* After the finish too: a bot that cannot be killed breaks it there. */
    bool broken = sb->broken;
    cJSON *r = NULL;
    if (broken) {
        snprintf(err, errlen, "the sandbox broke during the fight: %s", sb->broken_why);
    } else if (grc < 0) {
        snprintf(why, sizeof why, "the game failed: %s", gerr);
        r = failed_report(e, seed, why, started);
    } else {
        r = fight_report(game, e, seed, &out, reps, cancelled, sb->opts.debug, started);
    }
    cJSON_Delete(out.summary);
    cJSON_Delete(out.data);
    cJSON *output = take_output(reps, e->nplayers);
    for (int i = 0; i < e->nplayers; i++)
        free(reps[i].log);
    if (!r && !broken)
        snprintf(err, errlen, "out of memory");
    /* The report goes first; then the next fight's coderunners are spawned
     * (a clone, a cgroup, a seize each: milliseconds), off its path. The
     * output of a fight that has a report goes just before it (a game that
     * failed has none: its players have no ticks). */
    if (r && grc >= 0 && output != NULL && hooks && hooks->output)
        hooks->output(hooks->ud, output);
    cJSON_Delete(output);
    if (r && hooks && hooks->finished)
        hooks->finished(hooks->ud, r);
    if (!broken)
        ctl_pool_fill(sb);
    return r;
}
