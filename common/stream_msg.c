/*
 * stream_msg.c — decoding the cf:fights and cf:results entries.
 *
 * Contract (DESIGN.md, "Streams"): a fight entry has id (UUID), game,
 * players (JSON array of {"name", "code"}), optional settings (JSON object)
 * and optional seed (decimal integer); a result entry has id, status and
 * report. Entries may come from redis-cli, so nothing is trusted: each
 * field is checked for presence, duplication, size, UTF-8 and type, and the
 * first problem is reported with the field's name. Fields this version does
 * not know are ignored, so a newer producer can add some without breaking
 * older consumers; the keys inside "players" objects likewise.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "json_util.h"
#include "stream_msg.h"

static bool key_is(const cf_field *f, const char *name)
{
    size_t n = strlen(name);

    return f->key != NULL && f->key_len == n && memcmp(f->key, name, n) == 0;
}

/* Finds the field called name; error when it appears twice. *out is NULL
 * when absent. */
static int lookup(const cf_field *fields, size_t nfields, const char *name,
                  const cf_field **out, char *err, size_t errlen)
{
    *out = NULL;
    for (size_t i = 0; i < nfields; i++) {
        if (!key_is(&fields[i], name))
            continue;
        if (*out != NULL) {
            cf_seterr(err, errlen, "field '%s': given twice", name);
            return -1;
        }
        if (fields[i].val == NULL && fields[i].val_len > 0) {
            cf_seterr(err, errlen, "field '%s': no value", name);
            return -1;
        }
        *out = &fields[i];
    }
    return 0;
}

bool cf_msg_game_name_valid(const char *name, size_t len)
{
    if (name == NULL || len == 0 || len > CF_GAME_NAME_MAX || name[0] == '_')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!(islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) ||
              name[i] == '_'))
            return false;
    return true;
}

static int decode_id(const cf_field *f, char out[CF_UUID_LEN + 1], char *err, size_t errlen)
{
    if (f == NULL) {
        cf_seterr(err, errlen, "field 'id': missing");
        return -1;
    }
    if (!cf_uuid_valid(f->val, f->val_len)) {
        cf_seterr(err, errlen, "field 'id': not a UUID (8-4-4-4-12 hexadecimal)");
        return -1;
    }
    /* PostgreSQL prints uuids in lower case: use the same spelling everywhere. */
    for (size_t i = 0; i < CF_UUID_LEN; i++)
        out[i] = (char)tolower((unsigned char)f->val[i]);
    out[CF_UUID_LEN] = '\0';
    return 0;
}

static bool has_control(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return true;
    return false;
}

/* Player n of the "players" array into pl: {"name": 1..CF_PLAYER_NAME_MAX
 * bytes of text, "code": at most max_code bytes of UTF-8}. */
static int decode_player(const cJSON *p, int n, size_t max_code, cf_fight_player *pl,
                         char *err, size_t errlen)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(p, "code");
    size_t nl, cl;

    if (!cJSON_IsObject(p)) {
        cf_seterr(err, errlen, "field 'players': player %d is not an object", n);
        return -1;
    }
    if (name == NULL || !cJSON_IsString(name)) {
        cf_seterr(err, errlen, "field 'players': player %d: 'name' missing or not a string", n);
        return -1;
    }
    nl = strlen(name->valuestring);
    if (nl == 0 || nl > CF_PLAYER_NAME_MAX) {
        cf_seterr(err, errlen, "field 'players': player %d: 'name' must have 1 to %d bytes", n,
                  CF_PLAYER_NAME_MAX);
        return -1;
    }
    if (!cf_utf8_valid(name->valuestring, nl) || has_control(name->valuestring)) {
        cf_seterr(err, errlen,
                  "field 'players': player %d: 'name' is not UTF-8 text without controls", n);
        return -1;
    }
    if (code == NULL || !cJSON_IsString(code)) {
        cf_seterr(err, errlen, "field 'players': player %d: 'code' missing or not a string", n);
        return -1;
    }
    cl = strlen(code->valuestring);
    if (cl > max_code) {
        cf_seterr(err, errlen, "field 'players': player %d: 'code' has %zu bytes, limit %zu", n,
                  cl, max_code);
        return -1;
    }
    if (!cf_utf8_valid(code->valuestring, cl)) {
        cf_seterr(err, errlen, "field 'players': player %d: 'code' is not valid UTF-8", n);
        return -1;
    }
    pl->code = malloc(cl + 1);
    if (pl->code == NULL) {
        cf_seterr(err, errlen, "field 'players': out of memory");
        return -1;
    }
    memcpy(pl->name, name->valuestring, nl + 1);
    memcpy(pl->code, code->valuestring, cl + 1);
    pl->code_len = cl;
    return 0;
}

static int decode_players(const cf_field *f, size_t max_code, cf_fight_msg *out, char *err,
                          size_t errlen)
{
    char why[160];
    cJSON *arr, *p;
    int n;
    /* Bound the text before parsing: every player's code may be escaped
     * (\uXXXX, 6 bytes per byte) plus a little for the name and syntax. */
    size_t max_len = max_code > (SIZE_MAX / CF_MSG_MAX_PLAYERS - 1024) / 6
                         ? SIZE_MAX
                         : (size_t)CF_MSG_MAX_PLAYERS * (max_code * 6 + 1024);

    if (f == NULL) {
        cf_seterr(err, errlen, "field 'players': missing");
        return -1;
    }
    arr = cf_json_parse(f->val, f->val_len, max_len, why, sizeof why);
    if (arr == NULL) {
        cf_seterr(err, errlen, "field 'players': %s", why);
        return -1;
    }
    if (!cJSON_IsArray(arr)) {
        cf_seterr(err, errlen, "field 'players': not a JSON array");
        goto fail;
    }
    n = cJSON_GetArraySize(arr);
    if (n < 1) {
        cf_seterr(err, errlen, "field 'players': no player");
        goto fail;
    }
    if (n > CF_MSG_MAX_PLAYERS) {
        cf_seterr(err, errlen, "field 'players': %d players, at most %d", n, CF_MSG_MAX_PLAYERS);
        goto fail;
    }
    n = 0;
    cJSON_ArrayForEach(p, arr) {
        if (decode_player(p, n, max_code, &out->players[n], err, errlen) != 0)
            goto fail;
        out->nplayers = ++n;
    }
    cJSON_Delete(arr);
    return 0;
fail:
    cJSON_Delete(arr);
    return -1;
}

static int decode_seed(const cf_field *f, cf_fight_msg *out, char *err, size_t errlen)
{
    uint64_t v = 0;

    if (f == NULL)
        return 0;
    if (f->val_len == 0 || f->val_len > 16) {
        cf_seterr(err, errlen, "field 'seed': must be an integer in 0..%llu", CF_SEED_MAX);
        return -1;
    }
    for (size_t i = 0; i < f->val_len; i++) {
        if (f->val[i] < '0' || f->val[i] > '9') {
            cf_seterr(err, errlen, "field 'seed': must be an integer in 0..%llu", CF_SEED_MAX);
            return -1;
        }
        v = v * 10 + (uint64_t)(f->val[i] - '0');
    }
    if (v > CF_SEED_MAX) {
        cf_seterr(err, errlen, "field 'seed': must be an integer in 0..%llu", CF_SEED_MAX);
        return -1;
    }
    out->has_seed = true;
    out->seed = v;
    return 0;
}

int cf_fight_msg_decode(const cf_field *fields, size_t nfields, size_t max_code_bytes,
                        cf_fight_msg *out, char *err, size_t errlen)
{
    const cf_field *id, *game, *players, *settings, *seed;
    char why[160];

    memset(out, 0, sizeof *out);
    if (fields == NULL && nfields > 0) {
        cf_seterr(err, errlen, "no fields");
        return -1;
    }
    if (lookup(fields, nfields, "id", &id, err, errlen) != 0 ||
        lookup(fields, nfields, "game", &game, err, errlen) != 0 ||
        lookup(fields, nfields, "players", &players, err, errlen) != 0 ||
        lookup(fields, nfields, "settings", &settings, err, errlen) != 0 ||
        lookup(fields, nfields, "seed", &seed, err, errlen) != 0)
        return -1;
    if (decode_id(id, out->id, err, errlen) != 0)
        return -1;
    if (game == NULL) {
        cf_seterr(err, errlen, "field 'game': missing");
        return -1;
    }
    if (!cf_msg_game_name_valid(game->val, game->val_len)) {
        cf_seterr(err, errlen, "field 'game': not a game name (1 to %d of a-z, 0-9, _)",
                  CF_GAME_NAME_MAX);
        return -1;
    }
    memcpy(out->game, game->val, game->val_len);
    out->game[game->val_len] = '\0';
    if (decode_seed(seed, out, err, errlen) != 0)
        return -1;
    if (settings != NULL) {
        out->settings = cf_json_parse(settings->val, settings->val_len, CF_SETTINGS_MAX_BYTES,
                                      why, sizeof why);
        if (out->settings == NULL) {
            cf_seterr(err, errlen, "field 'settings': %s", why);
            return -1;
        }
        if (!cJSON_IsObject(out->settings)) {
            cf_seterr(err, errlen, "field 'settings': not a JSON object");
            cf_fight_msg_free(out);
            return -1;
        }
    }
    if (decode_players(players, max_code_bytes, out, err, errlen) != 0) {
        cf_fight_msg_free(out);
        return -1;
    }
    return 0;
}

void cf_fight_msg_free(cf_fight_msg *msg)
{
    if (msg == NULL)
        return;
    for (int i = 0; i < msg->nplayers && i < CF_MSG_MAX_PLAYERS; i++) {
        free(msg->players[i].code);
        msg->players[i].code = NULL;
    }
    msg->nplayers = 0;
    cJSON_Delete(msg->settings);
    msg->settings = NULL;
}

char *cf_fight_msg_players_json(const cf_fight_msg *msg)
{
    cJSON *arr = cJSON_CreateArray();
    char *out = NULL;

    if (arr == NULL)
        return NULL;
    for (int i = 0; i < msg->nplayers && i < CF_MSG_MAX_PLAYERS; i++) {
        cJSON *p = cJSON_CreateObject();
        if (p == NULL)
            goto done;
        cJSON_AddItemToArray(arr, p);
        if (cJSON_AddStringToObject(p, "name", msg->players[i].name) == NULL ||
            cJSON_AddStringToObject(p, "code",
                                    msg->players[i].code ? msg->players[i].code : "") == NULL)
            goto done;
    }
    out = cJSON_PrintUnformatted(arr);
done:
    cJSON_Delete(arr);
    return out;
}

int cf_result_msg_decode(const cf_field *fields, size_t nfields, cf_result_msg *out,
                         char *err, size_t errlen)
{
    const cf_field *id, *status, *report;
    const cJSON *rid, *rstatus;
    char why[200];

    memset(out, 0, sizeof *out);
    if (fields == NULL && nfields > 0) {
        cf_seterr(err, errlen, "no fields");
        return -1;
    }
    if (lookup(fields, nfields, "id", &id, err, errlen) != 0 ||
        lookup(fields, nfields, "status", &status, err, errlen) != 0 ||
        lookup(fields, nfields, "report", &report, err, errlen) != 0)
        return -1;
    if (decode_id(id, out->id, err, errlen) != 0)
        return -1;
    if (status == NULL) {
        cf_seterr(err, errlen, "field 'status': missing");
        return -1;
    }
    if (!((status->val_len == 8 && memcmp(status->val, "finished", 8) == 0) ||
          (status->val_len == 6 && memcmp(status->val, "failed", 6) == 0) ||
          (status->val_len == 9 && memcmp(status->val, "cancelled", 9) == 0))) {
        cf_seterr(err, errlen, "field 'status': must be finished, failed or cancelled");
        return -1;
    }
    memcpy(out->status, status->val, status->val_len);
    out->status[status->val_len] = '\0';
    if (report == NULL) {
        cf_seterr(err, errlen, "field 'report': missing");
        return -1;
    }
    out->report = cf_json_parse(report->val, report->val_len, CF_REPORT_MAX_BYTES, why,
                                sizeof why);
    if (out->report == NULL) {
        cf_seterr(err, errlen, "field 'report': %s", why);
        return -1;
    }
    if (cf_report_validate(out->report, why, sizeof why) != 0) {
        cf_seterr(err, errlen, "field 'report': %s", why);
        goto fail;
    }
    rid = cJSON_GetObjectItemCaseSensitive(out->report, "fight_id");
    if (strcasecmp(rid->valuestring, out->id) != 0) {
        cf_seterr(err, errlen, "field 'report': fight_id differs from field 'id'");
        goto fail;
    }
    rstatus = cJSON_GetObjectItemCaseSensitive(out->report, "status");
    if (strcmp(rstatus->valuestring, out->status) != 0) {
        cf_seterr(err, errlen, "field 'report': status differs from field 'status'");
        goto fail;
    }
    return 0;
fail:
    cf_result_msg_free(out);
    return -1;
}

void cf_result_msg_free(cf_result_msg *msg)
{
    if (msg == NULL)
        return;
    cJSON_Delete(msg->report);
    msg->report = NULL;
}
