/*
 * script_arena.c — the scripted arena of script_arena.h: its own
 * cf_arena_ops, so a game runs against it exactly as against the
 * controller's sandboxed bots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fight_check.h"
#include "report.h"
#include "script_arena.h"

typedef struct sa_arena {
    cf_arena base; /* what the game holds; base.self points here */
    int n;
    sa_player p[CF_MAX_PLAYERS];
    bool alive[CF_MAX_PLAYERS];
    int calls[CF_MAX_PLAYERS];
    cJSON *last_args[CF_MAX_PLAYERS];
    char last_method[CF_MAX_PLAYERS][64];
    int progress;
    int rejected[CF_MAX_PLAYERS];
    char first_rejected[CF_MAX_PLAYERS][256];
} sa_arena;

static enum cf_call_status sa_call(void *self, int player, const char *method, const cJSON *args,
                                   cJSON **result);
static bool sa_alive(const void *self, int player);
static const char *sa_death(const void *self, int player);
static void sa_progress(void *self, int tick);
static void sa_rejected(void *self, int player, const char *why);

static const cf_arena_ops sa_ops = {.call = sa_call,
                                    .alive = sa_alive,
                                    .death = sa_death,
                                    .progress = sa_progress,
                                    .rejected = sa_rejected};

static sa_arena *of(const cf_arena *arena)
{
    return arena->self;
}

cf_arena *sa_new(int nplayers, const sa_player *players)
{
    if (nplayers < 1 || nplayers > CF_MAX_PLAYERS)
        return NULL;
    sa_arena *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->base = (cf_arena){.ops = &sa_ops, .self = a};
    a->n = nplayers;
    a->progress = -1;
    for (int i = 0; i < nplayers; i++) {
        a->p[i] = players[i];
        a->alive[i] = !players[i].dead_at_start;
    }
    return &a->base;
}

void sa_free(cf_arena *arena)
{
    if (arena == NULL)
        return;
    sa_arena *a = of(arena);
    for (int i = 0; i < a->n; i++)
        cJSON_Delete(a->last_args[i]);
    free(a);
}

int sa_calls(const cf_arena *a, int player)
{
    return of(a)->calls[player];
}
const cJSON *sa_last_args(const cf_arena *a, int player)
{
    return of(a)->last_args[player];
}
const char *sa_last_method(const cf_arena *a, int player)
{
    return of(a)->last_method[player];
}
int sa_rejected_count(const cf_arena *a, int player)
{
    return of(a)->rejected[player];
}
const char *sa_first_rejected(const cf_arena *a, int player)
{
    return of(a)->first_rejected[player];
}
int sa_last_progress(const cf_arena *a)
{
    return of(a)->progress;
}

static enum cf_call_status scripted(sa_arena *a, int player, int call, cJSON **result)
{
    const char *const *s = a->p[player].script;
    int len = 0;
    while (s[len] != NULL)
        len++;
    if (len == 0) {
        *result = cJSON_CreateNull();
        return CF_CALL_OK;
    }
    const char *step = s[call < len ? call : len - 1];
    if (strcmp(step, "!raise") == 0)
        return CF_CALL_RAISED;
    if (strcmp(step, "!timeout") == 0)
        return CF_CALL_TIMEOUT;
    if (strcmp(step, "!bad") == 0)
        return CF_CALL_BAD_OUTPUT;
    if (strcmp(step, "!dead") == 0)
        return CF_CALL_DEAD;
    *result = cJSON_Parse(step);
    if (*result == NULL) {
        fprintf(stderr, "script_arena: step is not JSON: %s\n", step);
        abort();
    }
    return CF_CALL_OK;
}

static enum cf_call_status sa_call(void *self, int player, const char *method, const cJSON *args,
                                   cJSON **result)
{
    sa_arena *a = self;
    *result = NULL;
    if (player < 0 || player >= a->n || !a->alive[player])
        return CF_CALL_DEAD;
    cJSON_Delete(a->last_args[player]);
    a->last_args[player] = cJSON_Duplicate(args, 1);
    snprintf(a->last_method[player], sizeof a->last_method[player], "%s", method);
    int call = a->calls[player]++;
    enum cf_call_status st;
    if (a->p[player].script != NULL) {
        st = scripted(a, player, call, result);
    } else if (a->p[player].policy != NULL) {
        st = a->p[player].policy(a->p[player].ud, player, call, args, result);
    } else {
        *result = cJSON_CreateNull();
        st = CF_CALL_OK;
    }
    if (st != CF_CALL_OK && *result != NULL) {
        cJSON_Delete(*result);
        *result = NULL;
    }
    if (st == CF_CALL_DEAD || st == CF_CALL_BAD_OUTPUT)
        a->alive[player] = false;
    return st;
}

static bool sa_alive(const void *self, int player)
{
    const sa_arena *a = self;
    return player >= 0 && player < a->n && a->alive[player];
}

static const char *sa_death(const void *self, int player)
{
    const sa_arena *a = self;
    if (player < 0 || player >= a->n || a->alive[player])
        return "alive";
    return a->p[player].death ? a->p[player].death : "crashed";
}

static void sa_progress(void *self, int tick)
{
    sa_arena *a = self;
    a->progress = tick;
}

int sa_simulate(const cf_game *game, cf_arena *arena, int nplayers, const char *settings_json,
                uint64_t seed, cf_outcome *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    cJSON *user = NULL;
    if (settings_json != NULL) {
        user = cJSON_Parse(settings_json);
        if (user == NULL) {
            snprintf(err, errlen, "settings are not JSON");
            return -1;
        }
    }
    cJSON *settings = cf_game_settings(game, user, false, err, errlen);
    cJSON_Delete(user);
    if (settings == NULL)
        return -1;
    cf_rng rng;
    cf_rng_seed(&rng, seed);
    int rc = game->simulate(arena, settings, nplayers, &rng, out, err, errlen);
    cJSON_Delete(settings);
    return rc;
}

void sa_outcome_free(cf_outcome *out)
{
    cJSON_Delete(out->summary);
    cJSON_Delete(out->data);
    out->summary = out->data = NULL;
}

cJSON *sa_report(const cf_game *game, const cf_outcome *out, int nplayers, uint64_t seed)
{
    cJSON *r = cf_report_new("00000000-0000-4000-8000-000000000000", game->name, true, seed);
    for (int i = 0; r != NULL && i < nplayers; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d.py", i + 1);
        cf_report_player p = {.name = name};
        cf_outcome_player(game, out, nplayers, i, &p);
        if (cf_report_add_player(r, &p) != 0) {
            cJSON_Delete(r);
            r = NULL;
        }
    }
    if (r != NULL &&
        cf_report_finish(r, "finished", out->summary ? cJSON_Duplicate(out->summary, 1) : NULL,
                         out->explanation, out->ticks,
                         out->data ? cJSON_Duplicate(out->data, 1) : NULL, 0) != 0) {
        cJSON_Delete(r);
        r = NULL;
    }
    return r;
}

static void sa_rejected(void *self, int player, const char *why)
{
    sa_arena *a = self;
    if (player < 0 || player >= a->n)
        return;
    if (a->rejected[player]++ == 0)
        snprintf(a->first_rejected[player], sizeof a->first_rejected[player], "%s", why);
}
