/*
 * script_arena.c — the scripted cf_arena of script_arena.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script_arena.h"

struct cf_arena {
    int n;
    sa_player p[CF_MAX_PLAYERS];
    bool alive[CF_MAX_PLAYERS];
    int calls[CF_MAX_PLAYERS];
    cJSON *last_args[CF_MAX_PLAYERS];
    char last_method[CF_MAX_PLAYERS][64];
    int progress;
};

cf_arena *sa_new(int nplayers, const sa_player *players)
{
    if (nplayers < 1 || nplayers > CF_MAX_PLAYERS)
        return NULL;
    cf_arena *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->n = nplayers;
    a->progress = -1;
    for (int i = 0; i < nplayers; i++) {
        a->p[i] = players[i];
        a->alive[i] = !players[i].dead_at_start;
    }
    return a;
}

void sa_free(cf_arena *a)
{
    if (a == NULL)
        return;
    for (int i = 0; i < a->n; i++)
        cJSON_Delete(a->last_args[i]);
    free(a);
}

int sa_calls(const cf_arena *a, int player) { return a->calls[player]; }
const cJSON *sa_last_args(const cf_arena *a, int player) { return a->last_args[player]; }
const char *sa_last_method(const cf_arena *a, int player) { return a->last_method[player]; }
int sa_last_progress(const cf_arena *a) { return a->progress; }

static enum cf_call_status scripted(cf_arena *a, int player, int call, cJSON **result)
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

enum cf_call_status cf_arena_call(cf_arena *a, int player, const char *method,
                                  const cJSON *args, cJSON **result)
{
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

bool cf_arena_alive(const cf_arena *a, int player)
{
    return player >= 0 && player < a->n && a->alive[player];
}

const char *cf_arena_death(const cf_arena *a, int player)
{
    if (player < 0 || player >= a->n || a->alive[player])
        return "alive";
    return a->p[player].death ? a->p[player].death : "crashed";
}

void cf_arena_progress(cf_arena *a, int tick)
{
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
    static const char *const words[] = {"", "win", "loss", "draw"};
    cJSON *r = cJSON_CreateObject();
    cJSON *players = cJSON_AddArrayToObject(r, "players");
    cJSON_AddStringToObject(r, "fight_id", "00000000-0000-4000-8000-000000000000");
    cJSON_AddStringToObject(r, "game", game->name);
    cJSON_AddNumberToObject(r, "seed", (double)seed);
    cJSON_AddStringToObject(r, "status", "finished");
    for (int i = 0; i < nplayers; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%d.py", i + 1);
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "name", name);
        if (game->conclusion == CF_CONCLUSION_RANK)
            cJSON_AddNumberToObject(p, "result", out->rank[i]);
        else
            cJSON_AddStringToObject(p, "result", words[out->result[i]]);
        if (game->conclusion == CF_CONCLUSION_RANK)
            cJSON_AddNumberToObject(p, "rank", out->rank[i]);
        else
            cJSON_AddNullToObject(p, "rank");
        if (out->has_score[i])
            cJSON_AddNumberToObject(p, "score", out->score[i]);
        else
            cJSON_AddNullToObject(p, "score");
        cJSON_AddStringToObject(p, "verdict", "ok");
        cJSON_AddStringToObject(p, "detail", "");
        cJSON_AddNumberToObject(p, "cpu_ms", 0);
        cJSON_AddNumberToObject(p, "peak_memory_kb", 0);
        cJSON_AddStringToObject(p, "log", "");
        cJSON_AddItemToArray(players, p);
    }
    cJSON_AddItemToObject(r, "result", out->summary ? cJSON_Duplicate(out->summary, 1) : cJSON_CreateNull());
    cJSON_AddStringToObject(r, "explanation", out->explanation);
    cJSON_AddNumberToObject(r, "ticks", out->ticks);
    cJSON_AddItemToObject(r, "data", out->data ? cJSON_Duplicate(out->data, 1) : cJSON_CreateArray());
    cJSON_AddNumberToObject(r, "elapsed_ms", 0);
    return r;
}
