/*
 * fight_entry.c — the cf:fights entry (fight_entry.h): decoding, encoding.
 *
 * Contract (docs/streams.md): id (UUID), game, players (JSON array of
 * {"name", "code"}), optional settings (JSON object) and optional seed
 * (decimal integer). Entries may come from redis-cli, so nothing is trusted:
 * each field is checked for presence, duplication, size, UTF-8 and type,
 * and the first problem is reported with the field's name. Fields this
 * version does not know are ignored, so a newer producer can add some
 * without breaking older consumers; the keys inside "players" objects
 * likewise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fight_entry.h"
#include "json_util.h"
#include "text.h"

static bool has_control(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return true;
    return false;
}

/* Player n of the "players" array into pl: {"name": 1..CF_PLAYER_NAME_MAX
 * bytes of text, "code": at most max_code bytes of UTF-8}. */
static int decode_player(const cJSON *p, int n, size_t max_code, cf_fight_player *pl, char *err,
                         size_t errlen)
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
        cf_seterr(err, errlen, "field 'players': player %d: 'code' has %zu bytes, limit %zu", n, cl,
                  max_code);
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

static int decode_players(const cf_field *f, size_t max_code, cf_fight_entry *out, char *err,
                          size_t errlen)
{
    char why[160];
    cJSON *arr, *p;
    int n;
    /* Bound the text before parsing: every player's code may be escaped
     * (\uXXXX, 6 bytes per byte) plus a little for the name and syntax. */
    size_t max_len = max_code > (SIZE_MAX / CF_MAX_PLAYERS - 1024) / 6
                         ? SIZE_MAX
                         : (size_t)CF_MAX_PLAYERS * (max_code * 6 + 1024);

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
    if (n > CF_MAX_PLAYERS) {
        cf_seterr(err, errlen, "field 'players': %d players, at most %d", n, CF_MAX_PLAYERS);
        goto fail;
    }
    n = 0;
    cJSON_ArrayForEach (p, arr) {
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

int cf_fight_entry_decode(const cf_field *fields, size_t nfields, size_t max_code_bytes,
                          cf_fight_entry *out, char *err, size_t errlen)
{
    const cf_field *id, *game, *players, *settings, *seed;
    char why[160];

    memset(out, 0, sizeof *out);
    if (cf_field_find(fields, nfields, "id", &id, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "game", &game, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "players", &players, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "settings", &settings, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "seed", &seed, err, errlen) != 0)
        return -1;
    if (cf_field_uuid(id, "id", out->id, err, errlen) != 0)
        return -1;
    if (game == NULL) {
        cf_seterr(err, errlen, "field 'game': missing");
        return -1;
    }
    if (!cf_game_name_valid(game->val, game->val_len)) {
        cf_seterr(err, errlen, "field 'game': not a game name (1 to %d of a-z, 0-9, _)",
                  CF_GAME_NAME_MAX);
        return -1;
    }
    memcpy(out->game, game->val, game->val_len);
    out->game[game->val_len] = '\0';
    if (seed != NULL) {
        if (cf_field_uint(seed, "seed", CF_SEED_MAX, &out->seed, err, errlen) != 0)
            return -1;
        out->has_seed = true;
    }
    if (settings != NULL) {
        out->settings =
            cf_json_parse(settings->val, settings->val_len, CF_SETTINGS_MAX_BYTES, why, sizeof why);
        if (out->settings == NULL) {
            cf_seterr(err, errlen, "field 'settings': %s", why);
            return -1;
        }
        if (!cJSON_IsObject(out->settings)) {
            cf_seterr(err, errlen, "field 'settings': not a JSON object");
            cf_fight_entry_free(out);
            return -1;
        }
    }
    if (decode_players(players, max_code_bytes, out, err, errlen) != 0) {
        cf_fight_entry_free(out);
        return -1;
    }
    return 0;
}

void cf_fight_entry_free(cf_fight_entry *e)
{
    if (e == NULL)
        return;
    for (int i = 0; i < e->nplayers && i < CF_MAX_PLAYERS; i++) {
        free(e->players[i].code);
        e->players[i].code = NULL;
    }
    e->nplayers = 0;
    cJSON_Delete(e->settings);
    e->settings = NULL;
}

char *cf_fight_entry_players_json(const cf_fight_entry *e)
{
    cJSON *arr = cJSON_CreateArray();
    char *out = NULL;

    if (arr == NULL)
        return NULL;
    for (int i = 0; i < e->nplayers && i < CF_MAX_PLAYERS; i++) {
        cJSON *p = cJSON_CreateObject();
        if (p == NULL)
            goto done;
        cJSON_AddItemToArray(arr, p);
        if (cJSON_AddStringToObject(p, "name", e->players[i].name) == NULL ||
            cJSON_AddStringToObject(p, "code", e->players[i].code ? e->players[i].code : "") ==
                NULL)
            goto done;
    }
    out = cJSON_PrintUnformatted(arr);
done:
    cJSON_Delete(arr);
    return out;
}

int cf_fight_entry_encode(const cf_fight_entry *e, cf_fields_out *out)
{
    memset(out, 0, sizeof *out);
    cf_fields_out_add_str(out, "id", e->id);
    cf_fields_out_add_str(out, "game", e->game);
    cf_fields_out_take(out, "players", cf_fight_entry_players_json(e));
    if (e->settings != NULL)
        cf_fields_out_take(out, "settings", cJSON_PrintUnformatted(e->settings));
    if (e->has_seed)
        cf_fields_out_add_uint(out, "seed", e->seed);
    if (cf_fields_out_ok(out))
        return 0;
    cf_fields_out_free(out);
    return -1;
}
