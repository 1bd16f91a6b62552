/*
 * api_bots.c — bots and their versions: upload (JSON paste or multipart
 * file), rename, list, download.
 *
 * A bot belongs to one owner and one game; every upload is a new version,
 * never an overwrite, so a fight always names the exact code it ran. Every
 * query carries owner_id = the caller: another user's bot is "no such bot"
 * (404), which neither reveals nor touches it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "game.h"
#include "log.h"
#include "stream_msg.h"
#include "web.h"

#define BOT_NAME_MAX 64

static bool bot_name_valid(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > BOT_NAME_MAX || s[0] == ' ' || s[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (!(isalnum(c) && c < 128) && c != ' ' && c != '_' && c != '-' && c != '.')
            return false;
    }
    return true;
}

/* Upload input: name, game and code, from JSON or multipart. */
typedef struct upload {
    char name[BOT_NAME_MAX + 1];
    char game[CF_GAME_NAME_MAX + 1];
    bool has_name, has_game;
    const char *code;
    size_t code_len;
} upload;

static bool copy_field(web_req *r, const char *field, const char *v, size_t n, char *out,
                       size_t outlen)
{
    if (n >= outlen || memchr(v, '\0', n) != NULL) {
        http_error(r, 400, "field '%s' is too long", field);
        return false;
    }
    memcpy(out, v, n);
    out[n] = '\0';
    return true;
}

/* Fills u from the body; answers the error itself and returns false. */
static bool read_upload(web_req *r, upload *u, bool want_meta)
{
    const char *ctype = evhttp_find_header(evhttp_request_get_input_headers(r->req),
                                           "Content-Type");

    memset(u, 0, sizeof *u);
    if (ctype != NULL && strncasecmp(ctype, "multipart/form-data", 19) == 0) {
        multipart_part parts[8];
        int n = multipart_parse(ctype, r->body, r->body_len, parts, 8);

        if (n < 0) {
            http_error(r, 400, "malformed multipart/form-data body");
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (strcmp(parts[i].name, "file") == 0 || strcmp(parts[i].name, "code") == 0) {
                u->code = parts[i].data;
                u->code_len = parts[i].len;
            } else if (want_meta && strcmp(parts[i].name, "name") == 0) {
                if (!copy_field(r, "name", parts[i].data, parts[i].len, u->name, sizeof u->name))
                    return false;
                u->has_name = true;
            } else if (want_meta && strcmp(parts[i].name, "game") == 0) {
                if (!copy_field(r, "game", parts[i].data, parts[i].len, u->game, sizeof u->game))
                    return false;
                u->has_game = true;
            }
        }
        if (u->code == NULL) {
            http_error(r, 400, "field 'file' is required");
            return false;
        }
    } else {
        cJSON *b = http_json_body(r);
        const cJSON *code;
        const char *s;

        if (b == NULL)
            return false;
        if (want_meta) {
            s = http_str_field(r, b, "name", true, BOT_NAME_MAX);
            if (s == NULL)
                return false;
            snprintf(u->name, sizeof u->name, "%s", s);
            u->has_name = true;
            s = http_str_field(r, b, "game", true, CF_GAME_NAME_MAX);
            if (s == NULL)
                return false;
            snprintf(u->game, sizeof u->game, "%s", s);
            u->has_game = true;
        }
        code = cJSON_GetObjectItemCaseSensitive(b, "code");
        if (code == NULL || cJSON_IsNull(code)) {
            http_error(r, 400, "field 'code' is required");
            return false;
        }
        if (!cJSON_IsString(code)) {
            http_error(r, 400, "field 'code' must be a string");
            return false;
        }
        u->code = code->valuestring;
        u->code_len = strlen(code->valuestring);
    }
    if (want_meta) {
        if (!u->has_name) {
            http_error(r, 400, "field 'name' is required");
            return false;
        }
        if (!u->has_game) {
            http_error(r, 400, "field 'game' is required");
            return false;
        }
        if (!bot_name_valid(u->name)) {
            http_error(r, 400, "bot name must be 1 to 64 letters, digits, spaces, '_', '-' or '.'");
            return false;
        }
        if (cf_game_find(u->game) == NULL) {
            http_error(r, 400, "no such game '%s'", u->game);
            return false;
        }
    }
    if (u->code_len > web_cfg.max_upload) {
        http_error(r, 413, "bot code is larger than %zu bytes", web_cfg.max_upload);
        return false;
    }
    if (u->code_len == 0) {
        http_error(r, 400, "bot code is empty");
        return false;
    }
    if (!cf_utf8_valid(u->code, u->code_len)) {
        http_error(r, 400, "bot code must be UTF-8 text without NUL bytes");
        return false;
    }
    return true;
}

/* Answers the bot (owned by the caller) with its versions. */
static void bot_answer(web_req *r, const char *bot_id, int status)
{
    const char *params[2] = {bot_id, r->user_id};
    PGresult *res, *vres;
    cJSON *o, *arr;

    res = cf_pg_exec(r->t->pg,
                     "SELECT b.id, b.name, b.game, " WEB_TS("b.created_at") ", "
                     WEB_TS("b.updated_at") ", "
                     "(SELECT max(version) FROM bot_versions v WHERE v.bot_id = b.id) "
                     "FROM bots b WHERE b.id = $1::bigint AND b.owner_id = $2::bigint",
                     2, params);
    res = http_one_row(r, res, false, 404, "no such bot");
    if (res == NULL)
        return;
    vres = cf_pg_exec(r->t->pg,
                      "SELECT version, size, " WEB_TS("created_at")
                      " FROM bot_versions WHERE bot_id = $1::bigint ORDER BY version DESC",
                      1, params);
    if (vres == NULL) {
        PQclear(res);
        http_db_error(r);
        return;
    }
    o = cJSON_CreateObject();
    json_add_pg_num(o, "id", res, 0, 0);
    cJSON_AddStringToObject(o, "name", PQgetvalue(res, 0, 1));
    cJSON_AddStringToObject(o, "game", PQgetvalue(res, 0, 2));
    json_add_pg_num(o, "latest_version", res, 0, 5);
    cJSON_AddStringToObject(o, "created_at", PQgetvalue(res, 0, 3));
    cJSON_AddStringToObject(o, "updated_at", PQgetvalue(res, 0, 4));
    arr = cJSON_AddArrayToObject(o, "versions");
    for (int i = 0; i < PQntuples(vres); i++) {
        cJSON *v = cJSON_CreateObject();

        json_add_pg_num(v, "version", vres, i, 0);
        json_add_pg_num(v, "size", vres, i, 1);
        cJSON_AddStringToObject(v, "created_at", PQgetvalue(vres, i, 2));
        cJSON_AddItemToArray(arr, v);
    }
    PQclear(res);
    PQclear(vres);
    http_json(r, status, o);
}

cJSON *bots_list_json(web_req *r, const char *game)
{
    const char *params[2] = {r->user_id, game};
    PGresult *res = cf_pg_exec(
        r->t->pg,
        "SELECT b.id, b.name, b.game, " WEB_TS("b.created_at") ", " WEB_TS("b.updated_at") ", "
        "(SELECT max(version) FROM bot_versions v WHERE v.bot_id = b.id) "
        "FROM bots b WHERE b.owner_id = $1::bigint AND ($2::text IS NULL OR b.game = $2) "
        "ORDER BY b.updated_at DESC, b.id DESC",
        2, params);
    cJSON *arr;

    if (res == NULL)
        return NULL;
    arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *o = cJSON_CreateObject();

        json_add_pg_num(o, "id", res, i, 0);
        cJSON_AddStringToObject(o, "name", PQgetvalue(res, i, 1));
        cJSON_AddStringToObject(o, "game", PQgetvalue(res, i, 2));
        json_add_pg_num(o, "latest_version", res, i, 5);
        cJSON_AddStringToObject(o, "created_at", PQgetvalue(res, i, 3));
        cJSON_AddStringToObject(o, "updated_at", PQgetvalue(res, i, 4));
        cJSON_AddItemToArray(arr, o);
    }
    PQclear(res);
    return arr;
}

void bots_list(web_req *r)
{
    const char *game = http_query(r, "game");
    cJSON *arr, *o;

    if (game != NULL && cf_game_find(game) == NULL) {
        http_error(r, 400, "no such game '%.32s'", game);
        return;
    }
    arr = bots_list_json(r, game);
    if (arr == NULL) {
        http_db_error(r);
        return;
    }
    o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "bots", arr);
    http_json(r, 200, o);
}

/* Inserts version `version` of bot_id with u's code (inside a transaction). */
static int insert_version(web_req *r, const char *bot_id, const upload *u)
{
    char size[24];
    const char *params[3];
    int rc;
    char *code = strndup(u->code, u->code_len);

    if (code == NULL)
        return -1;
    snprintf(size, sizeof size, "%zu", u->code_len);
    params[0] = bot_id;
    params[1] = code;
    params[2] = size;
    rc = cf_pg_run(r->t->pg,
                   "INSERT INTO bot_versions (bot_id, version, code, size) "
                   "SELECT $1::bigint, COALESCE(max(version), 0) + 1, $2, $3::int "
                   "FROM bot_versions WHERE bot_id = $1::bigint",
                   3, params);
    free(code);
    if (rc == 0)
        rc = cf_pg_run(r->t->pg, "UPDATE bots SET updated_at = now() WHERE id = $1::bigint", 1,
                       params);
    return rc;
}

void bots_create(web_req *r)
{
    upload u;
    const char *params[3];
    PGresult *res;
    char bot_id[24];

    if (!read_upload(r, &u, true))
        return;
    params[0] = r->user_id;
    params[1] = u.game;
    params[2] = u.name;
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return;
    }
    res = cf_pg_exec(r->t->pg,
                     "INSERT INTO bots (owner_id, game, name) VALUES ($1::bigint, $2, $3) "
                     "RETURNING id",
                     3, params);
    if (res == NULL) {
        bool dup = strcmp(cf_pg_sqlstate(r->t->pg), "23505") == 0;

        cf_pg_rollback(r->t->pg);
        if (dup)
            http_error(r, 409, "you already have a %s bot named '%s'", u.game, u.name);
        else
            http_db_error(r);
        return;
    }
    snprintf(bot_id, sizeof bot_id, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (insert_version(r, bot_id, &u) != 0 || cf_pg_commit(r->t->pg) != 0) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return;
    }
    log_info("user %s uploaded bot %s (%zu bytes)", r->username, bot_id, u.code_len);
    bot_answer(r, bot_id, 201);
}

void bots_get(web_req *r)
{
    if (!http_int_id(r->params[0])) {
        http_error(r, 404, "no such bot");
        return;
    }
    bot_answer(r, r->params[0], 200);
}

void bots_rename(web_req *r)
{
    cJSON *b;
    const char *name, *params[3];
    PGresult *res;
    int n;

    if (!http_int_id(r->params[0])) {
        http_error(r, 404, "no such bot");
        return;
    }
    b = http_json_body(r);
    if (b == NULL)
        return;
    name = http_str_field(r, b, "name", true, BOT_NAME_MAX);
    if (name == NULL)
        return;
    if (!bot_name_valid(name)) {
        http_error(r, 400, "bot name must be 1 to 64 letters, digits, spaces, '_', '-' or '.'");
        return;
    }
    params[0] = r->params[0];
    params[1] = r->user_id;
    params[2] = name;
    res = cf_pg_exec(r->t->pg,
                     "UPDATE bots SET name = $3, updated_at = now() "
                     "WHERE id = $1::bigint AND owner_id = $2::bigint RETURNING id",
                     3, params);
    if (res == NULL) {
        if (strcmp(cf_pg_sqlstate(r->t->pg), "23505") == 0)
            http_error(r, 409, "you already have a bot named '%s' for this game", name);
        else
            http_db_error(r);
        return;
    }
    n = PQntuples(res);
    PQclear(res);
    if (n != 1) {
        http_error(r, 404, "no such bot");
        return;
    }
    bot_answer(r, r->params[0], 200);
}

void bots_new_version(web_req *r)
{
    upload u;
    const char *params[2] = {r->params[0], r->user_id};
    PGresult *res;
    int n;

    if (!http_int_id(r->params[0])) {
        http_error(r, 404, "no such bot");
        return;
    }
    if (!read_upload(r, &u, false))
        return;
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return;
    }
    /* Lock the bot so two uploads get consecutive version numbers. */
    res = cf_pg_exec(r->t->pg,
                     "SELECT id FROM bots WHERE id = $1::bigint AND owner_id = $2::bigint "
                     "FOR UPDATE",
                     2, params);
    if (res == NULL) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return;
    }
    n = PQntuples(res);
    PQclear(res);
    if (n != 1) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 404, "no such bot");
        return;
    }
    if (insert_version(r, r->params[0], &u) != 0 || cf_pg_commit(r->t->pg) != 0) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return;
    }
    bot_answer(r, r->params[0], 201);
}

void bots_code(web_req *r)
{
    const char *version = http_query(r, "version");
    const char *params[3];
    PGresult *res;
    char fname[BOT_NAME_MAX + 8];

    if (!http_int_id(r->params[0])) {
        http_error(r, 404, "no such bot");
        return;
    }
    if (version != NULL && !http_int_id(version)) {
        http_error(r, 400, "query parameter 'version' must be a positive integer");
        return;
    }
    params[0] = r->params[0];
    params[1] = r->user_id;
    params[2] = version;
    res = cf_pg_exec(r->t->pg,
                     "SELECT v.code, b.name FROM bot_versions v JOIN bots b ON b.id = v.bot_id "
                     "WHERE b.id = $1::bigint AND b.owner_id = $2::bigint "
                     "AND ($3::int IS NULL OR v.version = $3::int) "
                     "ORDER BY v.version DESC LIMIT 1",
                     3, params);
    res = http_one_row(r, res, false, 404,
                       version != NULL ? "no such bot version" : "no such bot");
    if (res == NULL)
        return;
    /* The name is restricted to safe characters; spaces become '_'. */
    snprintf(fname, sizeof fname, "%s.py", PQgetvalue(res, 0, 1));
    for (char *p = fname; *p != '\0'; p++)
        if (*p == ' ')
            *p = '_';
    http_send(r, 200, "text/x-python; charset=utf-8", PQgetvalue(res, 0, 0),
              (size_t)PQgetlength(res, 0, 0), fname);
    PQclear(res);
}
