/*
 * api_bots.c — the routes of bots and their versions: upload (a JSON paste
 * or a multipart file), rename, list, show, download.
 *
 * Handlers only: an upload is read here from either form into one
 * bot_upload and checked (name, game, size, UTF-8) before bot.c stores it;
 * bot.c keeps every query to the caller's own bots.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "game.h"
#include "web.h"

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

/* A multipart/form-data upload: its part "file" (or "code"), and with
 * want_meta "name" and "game". */
static bool read_multipart(web_req *r, const char *ctype, bot_upload *u, bool want_meta)
{
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
    return true;
}

/* A required string field of at most maxlen bytes into out. */
static bool copy_json_field(web_req *r, const cJSON *b, const char *name, size_t maxlen, char *out,
                            size_t outlen)
{
    const char *s = http_str_field(r, b, name, true, maxlen);
    if (s == NULL)
        return false;
    snprintf(out, outlen, "%s", s);
    return true;
}

/* A JSON upload: "code", and with want_meta "name" and "game". */
static bool read_json(web_req *r, bot_upload *u, bool want_meta)
{
    cJSON *b = http_json_body(r);
    if (b == NULL)
        return false;
    if (want_meta) {
        if (!copy_json_field(r, b, "name", BOT_NAME_MAX, u->name, sizeof u->name))
            return false;
        u->has_name = true;
        if (!copy_json_field(r, b, "game", CF_GAME_NAME_MAX, u->game, sizeof u->game))
            return false;
        u->has_game = true;
    }
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(b, "code");
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
    return true;
}

/* The name and game of a new bot: given, and valid. */
static bool meta_ok(web_req *r, const bot_upload *u)
{
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
    return true;
}

/* The code: within web.max_upload, not empty, UTF-8 text. */
static bool code_ok(web_req *r, const bot_upload *u)
{
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

/* Fills u from the body, multipart or JSON (want_meta: a new bot's name and
 * game too); answers the error itself and returns false. */
static bool read_upload(web_req *r, bot_upload *u, bool want_meta)
{
    const char *ctype =
        evhttp_find_header(evhttp_request_get_input_headers(r->req), "Content-Type");
    memset(u, 0, sizeof *u);
    bool read = ctype != NULL && strncasecmp(ctype, "multipart/form-data", 19) == 0
                    ? read_multipart(r, ctype, u, want_meta)
                    : read_json(r, u, want_meta);
    return read && (!want_meta || meta_ok(r, u)) && code_ok(r, u);
}

/* Answers the caller's bot with its versions. */
static void answer_bot(web_req *r, const char *bot_id, int status)
{
    cJSON *o = bot_json(r, bot_id);

    if (o != NULL)
        http_json(r, status, o);
}

void bots_list(web_req *r)
{
    const char *game = http_query(r, "game");
    if (game != NULL && cf_game_find(game) == NULL) {
        http_error(r, 400, "no such game '%.32s'", game);
        return;
    }
    http_json_list(r, "bots", bot_list_json(r, game));
}

void bots_create(web_req *r)
{
    bot_upload u;
    if (!read_upload(r, &u, true))
        return;
    char bot_id[WEB_INT_ID_SIZE];
    if (bot_create(r, &u, bot_id))
        answer_bot(r, bot_id, 201);
}

/* The path's bot id; answers 404 when it cannot be one. */
static bool path_bot_id(web_req *r)
{
    if (http_int_id(r->params[0]))
        return true;
    http_error(r, 404, "no such bot");
    return false;
}

void bots_get(web_req *r)
{
    if (path_bot_id(r))
        answer_bot(r, r->params[0], 200);
}

/* PATCH: a new name, the ladder (true: enter, false: leave), or both, in
 * one transaction. */
void bots_update(web_req *r)
{
    if (!path_bot_id(r))
        return;
    cJSON *b = http_json_body(r);
    if (b == NULL)
        return;
    const cJSON *ladder = cJSON_GetObjectItemCaseSensitive(b, "ladder");
    const char *name = NULL;
    if (cJSON_GetObjectItemCaseSensitive(b, "name") == NULL && ladder == NULL) {
        http_error(r, 400, "give 'name', 'ladder' or both");
        return;
    }
    if (cJSON_GetObjectItemCaseSensitive(b, "name") != NULL) {
        name = http_str_field(r, b, "name", true, BOT_NAME_MAX);
        if (name == NULL)
            return;
        if (!bot_name_valid(name)) {
            http_error(r, 400, "bot name must be 1 to 64 letters, digits, spaces, '_', '-' or '.'");
            return;
        }
    }
    if (ladder != NULL && !cJSON_IsBool(ladder)) {
        http_error(r, 400, "field 'ladder' must be true or false");
        return;
    }
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return;
    }
    bool check_started = false;
    if ((name != NULL && !bot_rename(r, r->params[0], name)) ||
        (ladder != NULL &&
         !bot_ladder_set(r, r->params[0], cJSON_IsTrue(ladder), &check_started))) {
        cf_pg_rollback(r->t->pg);
        return;
    }
    if (cf_pg_commit(r->t->pg) != 0) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return;
    }
    if (check_started)
        outbox_wake(); /* version_check.c sends it now */
    answer_bot(r, r->params[0], 200);
}

void bots_new_version(web_req *r)
{
    if (!path_bot_id(r))
        return;
    bot_upload u;
    if (read_upload(r, &u, false) && bot_add_version(r, r->params[0], &u))
        answer_bot(r, r->params[0], 201);
}

void bots_code(web_req *r)
{
    if (!path_bot_id(r))
        return;
    const char *version = http_query(r, "version");
    if (version != NULL && !http_int_id(version)) {
        http_error(r, 400, "query parameter 'version' must be a positive integer");
        return;
    }
    PGresult *res = bot_code(r, r->params[0], version);
    if (res == NULL)
        return;
    /* The name is restricted to safe characters; spaces become '_'. */
    char fname[BOT_NAME_MAX + 8];
    snprintf(fname, sizeof fname, "%s.py", PQgetvalue(res, 0, 1));
    for (char *p = fname; *p != '\0'; p++)
        if (*p == ' ')
            *p = '_';
    http_send(r, 200, "text/x-python; charset=utf-8", PQgetvalue(res, 0, 0),
              (size_t)PQgetlength(res, 0, 0), fname);
    PQclear(res);
}
