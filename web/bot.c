/*
 * bot.c — bots and their versions in the database.
 *
 * A bot belongs to one owner and one game; every upload is a new version,
 * never an overwrite, so a fight always names the exact code it ran. Every
 * query carries owner_id = the caller: another user's bot is "no such bot"
 * (404), which neither reveals nor touches it. Version numbers are
 * consecutive per bot: an upload locks its bot row first. Every version is
 * stored checking; its check in the sandbox (version_check.c) then marks
 * it ok or failed, and the bot's JSON shows that per version. A bot's
 * place on its game's ladder is bot_ladder.c's.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "web.h"

/* The columns bot_row_json() reads, for one bot or a list. */
#define BOT_SELECT                                                                                 \
    "SELECT b.id, b.name, b.game, api_time(b.created_at), api_time(b.updated_at), "                \
    "(SELECT max(version) FROM bot_versions v WHERE v.bot_id = b.id), " BOT_LADDER_COLUMNS         \
    " FROM bots b " BOT_LADDER_JOINS

/* The ladder's columns (bot_ladder_json from column 6): bots.ladder; the
 * latest entry's status, version and reason; the rating shown (the active
 * entry's while there is one, else the latest's): mu, sigma, games; the
 * active entry's rank among its game's active entries (1 + those rated
 * strictly higher, a deactivated account's left out as on the leaderboard)
 * and its version. */
#define BOT_LADDER_COLUMNS                                                                         \
    "b.ladder, le.status, le.version, le.reason, COALESCE(la.mu, le.mu), "                         \
    "COALESCE(la.sigma, le.sigma), COALESCE(la.games, le.games), la.rank, la.version"
#define BOT_LADDER_JOINS                                                                           \
    "LEFT JOIN LATERAL (SELECT e.status, v.version, e.reason, e.mu, e.sigma, e.games "             \
    "  FROM ladder_entries e JOIN bot_versions v ON v.id = e.bot_version_id "                      \
    "  WHERE e.bot_id = b.id ORDER BY e.bot_version_id DESC LIMIT 1) le ON true "                  \
    "LEFT JOIN LATERAL (SELECT a.mu, a.sigma, a.games, v.version, 1 + (SELECT count(*) "           \
    "  FROM ladder_entries o JOIN bots ob ON ob.id = o.bot_id JOIN users ou ON ou.id = "           \
    "ob.owner_id "                                                                                 \
    "  WHERE o.game = a.game AND o.status = 'active' AND ou.deactivated_at IS NULL "               \
    "  AND o.mu - 3 * o.sigma > a.mu - 3 * a.sigma) AS rank "                                      \
    "  FROM ladder_entries a JOIN bot_versions v ON v.id = a.bot_version_id "                      \
    "  WHERE a.bot_id = b.id AND a.status = 'active') la ON true "

static cJSON *bot_row_json(PGresult *res, int i)
{
    cJSON *o = cJSON_CreateObject();

    json_add_pg_num(o, "id", res, i, 0);
    cJSON_AddStringToObject(o, "name", PQgetvalue(res, i, 1));
    cJSON_AddStringToObject(o, "game", PQgetvalue(res, i, 2));
    json_add_pg_num(o, "latest_version", res, i, 5);
    cJSON_AddStringToObject(o, "created_at", PQgetvalue(res, i, 3));
    cJSON_AddStringToObject(o, "updated_at", PQgetvalue(res, i, 4));
    cJSON_AddItemToObject(o, "ladder", bot_ladder_json(res, i, 6));
    return o;
}

bool bot_name_valid(const char *s)
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

/* A version's check (version_check.c) from columns col (status) and col + 1
 * (message): {"status", "message"}, or null for a version uploaded before
 * versions were checked. */
static cJSON *check_json(PGresult *res, int i, int col)
{
    if (PQgetisnull(res, i, col))
        return cJSON_CreateNull();
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "status", PQgetvalue(res, i, col));
    if (PQgetisnull(res, i, col + 1))
        cJSON_AddNullToObject(c, "message");
    else
        cJSON_AddStringToObject(c, "message", PQgetvalue(res, i, col + 1));
    return c;
}

cJSON *bot_json(web_req *r, const char *bot_id)
{
    const char *params[2] = {bot_id, r->user_id};
    PGresult *res = prepared_exec(
        r->t, BOT_SELECT "WHERE b.id = $1::bigint AND b.owner_id = $2::bigint", 2, params);
    res = http_one_row(r, res, false, 404, "no such bot");
    if (res == NULL)
        return NULL;
    PGresult *vres = prepared_exec(r->t,
                                   "SELECT version, size, api_time(created_at), check_status, "
                                   "check_message FROM bot_versions "
                                   "WHERE bot_id = $1::bigint ORDER BY version DESC",
                                   1, params);
    if (vres == NULL) {
        PQclear(res);
        http_db_error(r);
        return NULL;
    }
    cJSON *o = bot_row_json(res, 0);
    cJSON *arr = cJSON_AddArrayToObject(o, "versions");
    for (int i = 0; i < PQntuples(vres); i++) {
        cJSON *v = cJSON_CreateObject();
        json_add_pg_num(v, "version", vres, i, 0);
        json_add_pg_num(v, "size", vres, i, 1);
        cJSON_AddStringToObject(v, "created_at", PQgetvalue(vres, i, 2));
        cJSON_AddItemToObject(v, "check", check_json(vres, i, 3));
        cJSON_AddItemToArray(arr, v);
    }
    PQclear(res);
    PQclear(vres);
    return o;
}

void bot_list_read(web_req *r, const char *game, web_read *q)
{
    *q = (web_read){.sql = BOT_SELECT "WHERE b.owner_id = $1::bigint "
                                      "AND ($2::text IS NULL OR b.game = $2) "
                                      "ORDER BY b.updated_at DESC, b.id DESC",
                    .nparams = 2,
                    .params = {r->user_id, game}};
}

cJSON *bot_list_from(PGresult *res)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++)
        cJSON_AddItemToArray(arr, bot_row_json(res, i));
    return arr;
}

cJSON *bot_list_json(web_req *r, const char *game)
{
    web_read q;
    bot_list_read(r, game, &q);
    PGresult *res = prepared_exec(r->t, q.sql, q.nparams, q.params);
    if (res == NULL)
        return NULL;
    cJSON *arr = bot_list_from(res);
    PQclear(res);
    return arr;
}

/* Inserts the next version of bot_id with u's code (inside a transaction),
 * and its pending ladder entry when the bot is entered (bot_ladder.c). */
static int insert_version(web_req *r, const char *bot_id, const bot_upload *u)
{
    char *code = strndup(u->code, u->code_len);
    if (code == NULL)
        return -1;
    char size[24];
    snprintf(size, sizeof size, "%zu", u->code_len);
    const char *params[3] = {bot_id, code, size};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "INSERT INTO bot_versions (bot_id, version, code, size, check_id, "
                               "check_status) "
                               "SELECT $1::bigint, COALESCE(max(version), 0) + 1, $2, $3::int, "
                               "gen_random_uuid(), 'checking' "
                               "FROM bot_versions WHERE bot_id = $1::bigint RETURNING id",
                               3, params);
    free(code);
    if (res == NULL)
        return -1;
    char vid[WEB_INT_ID_SIZE];
    snprintf(vid, sizeof vid, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (cf_pg_run(r->t->pg, "UPDATE bots SET updated_at = now() WHERE id = $1::bigint", 1,
                  params) != 0)
        return -1;
    return bot_ladder_new_version(r, bot_id, vid);
}

/* Inserts u's code as the next version and commits; rolls back and answers
 * the db error otherwise. */
static bool commit_version(web_req *r, const char *bot_id, const bot_upload *u)
{
    if (insert_version(r, bot_id, u) != 0 || cf_pg_commit(r->t->pg) != 0) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return false;
    }
    outbox_wake(); /* its check (version_check.c) goes now */
    return true;
}

bool bot_create(web_req *r, const bot_upload *u, char bot_id[WEB_INT_ID_SIZE])
{
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return false;
    }
    if (!caps_allow(r, CAP_BOTS, NULL, 1))
        return false;
    const char *params[3] = {r->user_id, u->game, u->name};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "INSERT INTO bots (owner_id, game, name) "
                               "VALUES ($1::bigint, $2, $3) RETURNING id",
                               3, params);
    if (res == NULL) {
        bool dup = strcmp(cf_pg_sqlstate(r->t->pg), "23505") == 0;

        cf_pg_rollback(r->t->pg);
        if (dup)
            http_error(r, 409, "you already have a %s bot named '%s'", u->game, u->name);
        else
            http_db_error(r);
        return false;
    }
    snprintf(bot_id, WEB_INT_ID_SIZE, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!commit_version(r, bot_id, u))
        return false;
    log_info("user %s uploaded bot %s (%zu bytes)", r->username, bot_id, u->code_len);
    return true;
}

bool bot_rename(web_req *r, const char *bot_id, const char *name)
{
    const char *params[3] = {bot_id, r->user_id, name};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "UPDATE bots SET name = $3, updated_at = now() "
                               "WHERE id = $1::bigint AND owner_id = $2::bigint RETURNING id",
                               3, params);
    if (res == NULL) {
        if (strcmp(cf_pg_sqlstate(r->t->pg), "23505") == 0)
            http_error(r, 409, "you already have a bot named '%s' for this game", name);
        else
            http_db_error(r);
        return false;
    }
    int n = PQntuples(res);
    PQclear(res);
    if (n != 1) {
        http_error(r, 404, "no such bot");
        return false;
    }
    return true;
}

bool bot_add_version(web_req *r, const char *bot_id, const bot_upload *u)
{
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return false;
    }
    /* Lock the bot so two uploads get consecutive version numbers. */
    const char *params[2] = {bot_id, r->user_id};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "SELECT id FROM bots "
                               "WHERE id = $1::bigint AND owner_id = $2::bigint FOR UPDATE",
                               2, params);
    res = http_one_row(r, res, true, 404, "no such bot");
    if (res == NULL)
        return false;
    PQclear(res);
    if (!caps_allow(r, CAP_BOT_VERSIONS, bot_id, 1))
        return false;
    return commit_version(r, bot_id, u);
}

PGresult *bot_code(web_req *r, const char *bot_id, const char *version)
{
    const char *params[3] = {bot_id, r->user_id, version};
    PGresult *res = prepared_exec(r->t,
                                  "SELECT v.code, b.name FROM bot_versions v "
                                  "JOIN bots b ON b.id = v.bot_id "
                                  "WHERE b.id = $1::bigint AND b.owner_id = $2::bigint "
                                  "AND ($3::int IS NULL OR v.version = $3::int) "
                                  "ORDER BY v.version DESC LIMIT 1",
                                  3, params);

    return http_one_row(r, res, false, 404,
                        version != NULL ? "no such bot version" : "no such bot");
}

bool bot_latest_version(web_req *r, const char *bot_id, const char *game, bot_version *out)
{
    const char *params[2] = {bot_id, r->user_id};
    PGresult *res = prepared_exec(
        r->t,
        "SELECT v.id, b.game, b.name FROM bots b JOIN bot_versions v ON v.bot_id = b.id "
        "WHERE b.id = $1::bigint AND b.owner_id = $2::bigint ORDER BY v.version DESC LIMIT 1",
        2, params);
    res = http_one_row(r, res, false, 404, "no such bot");
    if (res == NULL)
        return false;
    if (game != NULL && strcmp(PQgetvalue(res, 0, 1), game) != 0) {
        http_error(r, 400, "bot %s is a %s bot, not a %s bot", bot_id, PQgetvalue(res, 0, 1), game);
        PQclear(res);
        return false;
    }
    snprintf(out->id, sizeof out->id, "%s", PQgetvalue(res, 0, 0));
    snprintf(out->game, sizeof out->game, "%s", PQgetvalue(res, 0, 1));
    snprintf(out->bot_name, sizeof out->bot_name, "%s", PQgetvalue(res, 0, 2));
    PQclear(res);
    return true;
}
