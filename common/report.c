/*
 * report.c — the report of a fight (report.h): the builder, and the check
 * of a report that came from outside, field by field.
 *
 * The result processor stores a report column by column, so every key must
 * be there with its type, and nothing else may be (a key nobody stores is a
 * contract change, made in report.h and docs/streams.md first). Errors
 * name the key, with the player's index for player keys. The builder adds
 * the keys in the contract's order, so every report reads the same.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "json_util.h"
#include "report.h"
#include "text.h"

static const char *const top_keys[] = {
    "fight_id",    "game",  "seed", "status",     "players", "result",
    "explanation", "ticks", "data", "elapsed_ms", NULL,
};
static const char *const player_keys[] = {
    "name", "result", "rank", "score", "verdict", "detail", "cpu_ms", "peak_memory_kb", "log", NULL,
};
/* Keys a player may have beside player_keys. */
static const char *const player_optional_keys[] = {"errors", NULL};
static const char *const errors_keys[] = {"raised", "invalid", "first", NULL};
static const char *const first_error_keys[] = {"tick", "kind", "message", NULL};
static const char *const verdicts[] = {
    "ok", "timeout", "cpu_time", "memory", "illegal", "crashed", "bad_output", "killed", NULL,
};

static bool in_list(const char *const *list, const char *s)
{
    for (size_t i = 0; list[i] != NULL; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

bool cf_verdict_valid(const char *v)
{
    return v != NULL && in_list(verdicts, v);
}

/* Every key present is known (in keys or optional), none twice (cJSON
 * keeps duplicates), and every one of keys is present. */
static int check_keys_opt(const cJSON *obj, const char *const *keys, const char *const *optional,
                          const char *what, char *err, size_t errlen)
{
    const cJSON *it;

    cJSON_ArrayForEach (it, obj) {
        if (it->string == NULL ||
            !(in_list(keys, it->string) || (optional != NULL && in_list(optional, it->string)))) {
            cf_seterr(err, errlen, "%sunknown key '%.40s'", what, it->string ? it->string : "?");
            return -1;
        }
        for (const cJSON *o = obj->child; o != it; o = o->next) {
            if (strcmp(o->string, it->string) == 0) {
                cf_seterr(err, errlen, "%skey '%s' given twice", what, it->string);
                return -1;
            }
        }
    }
    for (size_t i = 0; keys[i] != NULL; i++) {
        if (cJSON_GetObjectItemCaseSensitive(obj, keys[i]) == NULL) {
            cf_seterr(err, errlen, "%smissing key '%s'", what, keys[i]);
            return -1;
        }
    }
    return 0;
}

static int check_keys(const cJSON *obj, const char *const *keys, const char *what, char *err,
                      size_t errlen)
{
    return check_keys_opt(obj, keys, NULL, what, err, errlen);
}

/* obj[key] is an integer in 0..max (max <= CF_JSON_INT_MAX); what prefixes
 * the error. */
static int check_count(const cJSON *obj, const char *key, uint64_t max, const char *what, char *err,
                       size_t errlen)
{
    if (cf_json_uint(cJSON_GetObjectItemCaseSensitive(obj, key), max, NULL))
        return 0;
    if (max == CF_JSON_INT_MAX)
        cf_seterr(err, errlen, "%s%s: not a non-negative integer", what, key);
    else
        cf_seterr(err, errlen, "%s%s: not an integer in 0..%llu", what, key,
                  (unsigned long long)max);
    return -1;
}

/* obj[key] is a UTF-8 string of at most max bytes. */
static int check_text(const cJSON *obj, const char *key, size_t max, const char *what, char *err,
                      size_t errlen)
{
    if (cf_json_string(cJSON_GetObjectItemCaseSensitive(obj, key), max))
        return 0;
    cf_seterr(err, errlen, "%s%s: not a UTF-8 string of at most %zu bytes", what, key, max);
    return -1;
}

/* A player's "errors": {"raised", "invalid", "first": null or {"tick",
 * "kind", "message"}}. */
static int check_errors(const cJSON *e, const char *what, char *err, size_t errlen)
{
    char in[48];

    snprintf(in, sizeof in, "%serrors: ", what);
    if (!cJSON_IsObject(e)) {
        cf_seterr(err, errlen, "%snot an object", in);
        return -1;
    }
    if (check_keys(e, errors_keys, in, err, errlen) != 0 ||
        check_count(e, "raised", CF_JSON_INT_MAX, in, err, errlen) != 0 ||
        check_count(e, "invalid", CF_JSON_INT_MAX, in, err, errlen) != 0)
        return -1;
    const cJSON *first = cJSON_GetObjectItemCaseSensitive(e, "first");
    if (cJSON_IsNull(first))
        return 0;
    snprintf(in, sizeof in, "%serrors.first: ", what);
    if (!cJSON_IsObject(first)) {
        cf_seterr(err, errlen, "%snot an object or null", in);
        return -1;
    }
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(first, "kind");
    if (check_keys(first, first_error_keys, in, err, errlen) != 0 ||
        check_count(first, "tick", CF_REPORT_TICKS_MAX, in, err, errlen) != 0 ||
        check_text(first, "message", CF_REPORT_ERROR_MAX, in, err, errlen) != 0)
        return -1;
    if (!cJSON_IsString(kind) ||
        (strcmp(kind->valuestring, "raised") != 0 && strcmp(kind->valuestring, "invalid") != 0)) {
        cf_seterr(err, errlen, "%skind: must be \"raised\" or \"invalid\"", in);
        return -1;
    }
    return 0;
}

static int check_player(const cJSON *p, int i, char *err, size_t errlen)
{
    char what[32];
    const cJSON *v;

    snprintf(what, sizeof what, "players[%d]: ", i);
    if (!cJSON_IsObject(p)) {
        cf_seterr(err, errlen, "players[%d]: not an object", i);
        return -1;
    }
    if (check_keys_opt(p, player_keys, player_optional_keys, what, err, errlen) != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(p, "errors");
    if (v != NULL && check_errors(v, what, err, errlen) != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(p, "name");
    if (!cf_json_string(v, CF_PLAYER_NAME_MAX) || v->valuestring[0] == '\0') {
        cf_seterr(err, errlen, "%sname: not a string of 1 to %d bytes", what, CF_PLAYER_NAME_MAX);
        return -1;
    }
    v = cJSON_GetObjectItemCaseSensitive(p, "result");
    if (!(cJSON_IsNull(v) || cf_json_uint(v, CF_MAX_PLAYERS, NULL) ||
          (cJSON_IsString(v) &&
           (strcmp(v->valuestring, "win") == 0 || strcmp(v->valuestring, "loss") == 0 ||
            strcmp(v->valuestring, "draw") == 0))) ||
        (cJSON_IsNumber(v) && v->valuedouble < 1)) {
        cf_seterr(err, errlen, "%sresult: must be \"win\", \"loss\", \"draw\", a rank or null",
                  what);
        return -1;
    }
    v = cJSON_GetObjectItemCaseSensitive(p, "rank");
    if (!(cJSON_IsNull(v) || (cf_json_uint(v, CF_MAX_PLAYERS, NULL) && v->valuedouble >= 1))) {
        cf_seterr(err, errlen, "%srank: must be an integer in 1..%d or null", what, CF_MAX_PLAYERS);
        return -1;
    }
    /* A number too large for a double (1e999) parses as infinity, which
     * JSON cannot say again: cJSON would print it as null. */
    v = cJSON_GetObjectItemCaseSensitive(p, "score");
    if (!(cJSON_IsNull(v) || (cJSON_IsNumber(v) && isfinite(v->valuedouble)))) {
        cf_seterr(err, errlen, "%sscore: must be a finite number or null", what);
        return -1;
    }
    v = cJSON_GetObjectItemCaseSensitive(p, "verdict");
    if (!cJSON_IsString(v) || !in_list(verdicts, v->valuestring)) {
        cf_seterr(err, errlen,
                  "%sverdict: must be one of ok, timeout, cpu_time, memory, illegal, crashed, "
                  "bad_output, killed",
                  what);
        return -1;
    }
    if (check_text(p, "detail", CF_REPORT_DETAIL_MAX, what, err, errlen) != 0 ||
        check_count(p, "cpu_ms", CF_JSON_INT_MAX, what, err, errlen) != 0 ||
        check_count(p, "peak_memory_kb", CF_JSON_INT_MAX, what, err, errlen) != 0 ||
        check_text(p, "log", CF_REPORT_LOG_MAX, what, err, errlen) != 0)
        return -1;
    return 0;
}

int cf_report_validate(const cJSON *report, char *err, size_t errlen)
{
    const cJSON *v, *status, *players, *p;
    int n = 0;

    if (!cJSON_IsObject(report)) {
        cf_seterr(err, errlen, "report: not a JSON object");
        return -1;
    }
    if (check_keys(report, top_keys, "", err, errlen) != 0)
        return -1;
    v = cJSON_GetObjectItemCaseSensitive(report, "fight_id");
    if (!cJSON_IsString(v) || !cf_uuid_valid(v->valuestring, strlen(v->valuestring))) {
        cf_seterr(err, errlen, "fight_id: not a UUID string");
        return -1;
    }
    v = cJSON_GetObjectItemCaseSensitive(report, "game");
    if (!cJSON_IsString(v) || !cf_game_name_valid(v->valuestring, strlen(v->valuestring))) {
        cf_seterr(err, errlen, "game: not a game name");
        return -1;
    }
    status = cJSON_GetObjectItemCaseSensitive(report, "status");
    if (!cJSON_IsString(status) || !(strcmp(status->valuestring, "finished") == 0 ||
                                     strcmp(status->valuestring, "failed") == 0 ||
                                     strcmp(status->valuestring, "cancelled") == 0)) {
        cf_seterr(err, errlen, "status: must be finished, failed or cancelled");
        return -1;
    }
    v = cJSON_GetObjectItemCaseSensitive(report, "seed");
    if (!cf_json_uint(v, CF_SEED_MAX, NULL) &&
        !(cJSON_IsNull(v) && strcmp(status->valuestring, "failed") == 0)) {
        cf_seterr(err, errlen, "seed: not an integer in 0..%llu", CF_SEED_MAX);
        return -1;
    }
    players = cJSON_GetObjectItemCaseSensitive(report, "players");
    if (!cJSON_IsArray(players)) {
        cf_seterr(err, errlen, "players: not an array");
        return -1;
    }
    if (cJSON_GetArraySize(players) > CF_MAX_PLAYERS) {
        cf_seterr(err, errlen, "players: more than %d players", CF_MAX_PLAYERS);
        return -1;
    }
    cJSON_ArrayForEach (p, players) {
        if (check_player(p, n, err, errlen) != 0)
            return -1;
        n++;
    }
    if (n == 0 && strcmp(status->valuestring, "finished") == 0) {
        cf_seterr(err, errlen, "players: a finished fight has at least one player");
        return -1;
    }
    if (check_text(report, "explanation", CF_REPORT_EXPLANATION_MAX, "", err, errlen) != 0 ||
        check_count(report, "ticks", CF_REPORT_TICKS_MAX, "", err, errlen) != 0 ||
        check_count(report, "elapsed_ms", CF_JSON_INT_MAX, "", err, errlen) != 0)
        return -1;
    /* "result" (the game's summary) and "data" (the replay) are the game's
     * own JSON: present (checked above), any type. */
    return 0;
}

/* ---- the builder ---- */

cJSON *cf_report_new(const char *fight_id, const char *game, bool has_seed, uint64_t seed)
{
    cJSON *r = cJSON_CreateObject();
    if (r == NULL)
        return NULL;
    bool ok = cJSON_AddStringToObject(r, "fight_id", fight_id) != NULL &&
              cJSON_AddStringToObject(r, "game", game) != NULL &&
              (has_seed ? cJSON_AddNumberToObject(r, "seed", (double)seed)
                        : cJSON_AddNullToObject(r, "seed")) != NULL &&
              cJSON_AddStringToObject(r, "status", "failed") != NULL &&
              cJSON_AddArrayToObject(r, "players") != NULL;
    if (!ok) {
        cJSON_Delete(r);
        return NULL;
    }
    return r;
}

static int add_errors(cJSON *player, const cf_report_errors *e)
{
    cJSON *o = cJSON_AddObjectToObject(player, "errors");
    bool ok = o != NULL && cJSON_AddNumberToObject(o, "raised", (double)e->raised) != NULL &&
              cJSON_AddNumberToObject(o, "invalid", (double)e->invalid) != NULL;
    if (!ok)
        return -1;
    if (e->first_tick < 0)
        return cJSON_AddNullToObject(o, "first") != NULL ? 0 : -1;
    cJSON *f = cJSON_AddObjectToObject(o, "first");
    ok = f != NULL && cJSON_AddNumberToObject(f, "tick", e->first_tick) != NULL &&
         cJSON_AddStringToObject(f, "kind", e->first_kind) != NULL &&
         cJSON_AddStringToObject(f, "message", e->first_message) != NULL;
    return ok ? 0 : -1;
}

int cf_report_add_player(cJSON *report, const cf_report_player *p)
{
    cJSON *players = cJSON_GetObjectItemCaseSensitive(report, "players");
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !cJSON_AddItemToArray(players, o)) {
        cJSON_Delete(o);
        return -1;
    }
    bool ok = cJSON_AddStringToObject(o, "name", p->name) != NULL;
    if (p->result_is_rank && p->rank > 0)
        ok = ok && cJSON_AddNumberToObject(o, "result", p->rank) != NULL;
    else if (p->result != NULL)
        ok = ok && cJSON_AddStringToObject(o, "result", p->result) != NULL;
    else
        ok = ok && cJSON_AddNullToObject(o, "result") != NULL;
    ok = ok && (p->rank > 0 ? cJSON_AddNumberToObject(o, "rank", p->rank)
                            : cJSON_AddNullToObject(o, "rank")) != NULL;
    ok = ok && (p->has_score ? cJSON_AddNumberToObject(o, "score", p->score)
                             : cJSON_AddNullToObject(o, "score")) != NULL;
    ok = ok && cJSON_AddStringToObject(o, "verdict", p->verdict ? p->verdict : "ok") != NULL &&
         cJSON_AddStringToObject(o, "detail", p->detail ? p->detail : "") != NULL &&
         cJSON_AddNumberToObject(o, "cpu_ms", (double)p->cpu_ms) != NULL &&
         cJSON_AddNumberToObject(o, "peak_memory_kb", (double)p->peak_memory_kb) != NULL &&
         cJSON_AddStringToObject(o, "log", p->log ? p->log : "") != NULL;
    if (ok && p->errors != NULL)
        ok = add_errors(o, p->errors) == 0;
    return ok ? 0 : -1;
}

/* The keys after "players", in the contract's order; result and data are
 * taken (deleted on failure). */
static int add_ending(cJSON *r, const char *status, cJSON *result, const char *explanation,
                      int ticks, cJSON *data, int64_t elapsed_ms)
{
    if (result == NULL)
        result = cJSON_CreateNull();
    if (data == NULL)
        data = cJSON_CreateArray();
    cJSON *st = cJSON_CreateString(status);
    if (result == NULL || data == NULL || st == NULL ||
        !cJSON_ReplaceItemInObjectCaseSensitive(r, "status", st)) {
        cJSON_Delete(st);
        cJSON_Delete(result);
        cJSON_Delete(data);
        return -1;
    }
    bool ok = cJSON_AddItemToObject(r, "result", result);
    if (!ok)
        cJSON_Delete(result);
    ok = ok && cJSON_AddStringToObject(r, "explanation", explanation ? explanation : "") != NULL &&
         cJSON_AddNumberToObject(r, "ticks", ticks) != NULL;
    bool data_in = ok && cJSON_AddItemToObject(r, "data", data);
    if (!data_in)
        cJSON_Delete(data);
    ok = data_in && cJSON_AddNumberToObject(r, "elapsed_ms", (double)elapsed_ms) != NULL;
    return ok ? 0 : -1;
}

int cf_report_finish(cJSON *report, const char *status, cJSON *result, const char *explanation,
                     int ticks, cJSON *data, int64_t elapsed_ms)
{
    return add_ending(report, status, result, explanation, ticks, data, elapsed_ms);
}

int cf_report_failed(cJSON *report, const char *status, const char *explanation, int64_t elapsed_ms)
{
    return add_ending(report, status, NULL, explanation, 0, NULL, elapsed_ms);
}
