/*
 * admin_games.c — the games an operator hides or shows (docs/operations.md,
 * "The operator console"), and the check the rest of cf-web makes of it.
 *
 * A built-in game is hidden by a row of hidden_games; an arcade game by
 * its operator_hidden column, apart from the owner's own "hidden", so the
 * owner cannot undo it (0104_operator_console.sql). Hidden means not
 * offered: no new fight, no play; what was played stays, and its replays
 * with it. The arcade's queries read operator_hidden themselves
 * (arcade_game.c, play.c, arcade_stats.c, arcade_rating.c); the built-in
 * games' catalogue and the fights' creation ask here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

int admin_games_hidden_names(web_req *r, char names[][CF_GAME_NAME_MAX + 1], int max)
{
    PGresult *res = prepared_exec(r->t, "SELECT game FROM hidden_games ORDER BY game", 0, NULL);
    if (res == NULL)
        return -1;
    int n = 0;
    for (int i = 0; i < PQntuples(res) && n < max; i++)
        snprintf(names[n++], CF_GAME_NAME_MAX + 1, "%s", PQgetvalue(res, i, 0));
    PQclear(res);
    return n;
}

bool admin_games_offered(web_req *r, const char *game)
{
    const char *params[1] = {game};
    PGresult *res = cf_pg_exec(r->t->pg, "SELECT 1 FROM hidden_games WHERE game = $1", 1, params);
    if (res == NULL) {
        http_db_error(r);
        return false;
    }
    bool hidden = PQntuples(res) > 0;
    PQclear(res);
    if (hidden)
        http_error(r, 409, "this game is not offered");
    return !hidden;
}

/* ---- the console's list ---- */

/* The built-in games with their hidden mark and fight count. */
#define BUILTIN_ITEMS_SQL                                                                          \
    "SELECT g.name, g.title, h.game IS NOT NULL, "                                                 \
    "COALESCE((SELECT c.fights FROM game_fight_counts c WHERE c.game = g.name), 0) "               \
    "FROM games g LEFT JOIN hidden_games h ON h.game = g.name ORDER BY g.name"

static void builtin_items_from(PGresult *res, cJSON *items)
{
    for (int i = 0; i < PQntuples(res); i++) {
        /* Only the games this cf-web offers (the table keeps older ones). */
        if (cf_game_find(PQgetvalue(res, i, 0)) == NULL)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "kind", "builtin");
        cJSON_AddStringToObject(o, "id", PQgetvalue(res, i, 0));
        cJSON_AddStringToObject(o, "title", PQgetvalue(res, i, 1));
        json_add_pg_bool(o, "hidden", res, i, 2);
        json_add_pg_num(o, "fights", res, i, 3);
        cJSON_AddItemToArray(items, o);
    }
}

#define ARCADE_ITEM_SELECT                                                                         \
    "SELECT g.id, g.title, g.operator_hidden, g.hidden, u.username, COALESCE(s.plays, 0) "         \
    "FROM arcade_games g LEFT JOIN users u ON u.id = g.owner_id "                                  \
    "LEFT JOIN arcade_game_stats s ON s.game_id = g.id "

static cJSON *arcade_item(PGresult *res, int i)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", "arcade");
    json_add_pg_num(o, "id", res, i, 0);
    cJSON_AddStringToObject(o, "title", PQgetvalue(res, i, 1));
    json_add_pg_bool(o, "hidden", res, i, 2);
    json_add_pg_bool(o, "owner_hidden", res, i, 3);
    json_add_pg_str(o, "owner", res, i, 4);
    json_add_pg_num(o, "plays", res, i, 5);
    return o;
}

cJSON *admin_games_list(web_req *r)
{
    /* The built-in games, then the arcade's, newest first, bounded (a
     * console's page): both reads in one round trip. */
    web_read reads[2] = {
        {.sql = BUILTIN_ITEMS_SQL},
        {.sql = ARCADE_ITEM_SELECT "ORDER BY g.id DESC LIMIT " ADMIN_GAMES_ARCADE_MAX},
    };
    if (!prepared_exec_all(r->t, reads, 2))
        return NULL;
    cJSON *items = cJSON_CreateArray();
    if (items != NULL) {
        builtin_items_from(reads[0].res, items);
        for (int i = 0; i < PQntuples(reads[1].res); i++)
            cJSON_AddItemToArray(items, arcade_item(reads[1].res, i));
    }
    web_reads_clear(reads, 2);
    return items;
}

/* ---- hide and show ---- */

/* Records action on target in the open transaction and commits; false
 * after answering. */
static bool record_and_commit(web_req *r, const char *action, const char *target, const char *title)
{
    cJSON *detail = cJSON_CreateObject();
    cJSON_AddStringToObject(detail, "title", title);
    int rc = operator_log(r, action, target, detail);
    cJSON_Delete(detail);
    if (rc != 0 || cf_pg_commit(r->t->pg) != 0) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return false;
    }
    return true;
}

cJSON *admin_games_builtin_set(web_req *r, const char *name, bool hidden)
{
    const cf_game *g = cf_game_find(name);
    if (g == NULL) {
        http_error(r, 404, "no such game");
        return NULL;
    }
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return NULL;
    }
    const char *params[2] = {g->name, r->user_id};
    PGresult *res = cf_pg_exec(r->t->pg,
                               hidden ? "INSERT INTO hidden_games (game, hidden_by) "
                                        "VALUES ($1, $2::bigint) ON CONFLICT DO NOTHING "
                                        "RETURNING game"
                                      : "DELETE FROM hidden_games WHERE game = $1 RETURNING game",
                               hidden ? 2 : 1, params);
    if (res == NULL) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return NULL;
    }
    bool changed = PQntuples(res) > 0;
    PQclear(res);
    char target[64];
    snprintf(target, sizeof target, "builtin/%s", g->name);
    if (!changed)
        cf_pg_rollback(r->t->pg);
    else if (!record_and_commit(r, hidden ? "game.hide" : "game.show", target, g->title))
        return NULL;
    PGresult *list = prepared_exec(r->t, BUILTIN_ITEMS_SQL, 0, NULL);
    if (list == NULL) {
        http_db_error(r);
        return NULL;
    }
    cJSON *items = cJSON_CreateArray();
    if (items == NULL) {
        PQclear(list);
        http_error(r, 500, "out of memory");
        return NULL;
    }
    builtin_items_from(list, items);
    PQclear(list);
    cJSON *it, *found = NULL;
    cJSON_ArrayForEach (it, items)
        if (strcmp(cJSON_GetObjectItemCaseSensitive(it, "id")->valuestring, g->name) == 0)
            found = it;
    if (found == NULL) {
        cJSON_Delete(items);
        http_error(r, 404, "no such game");
        return NULL;
    }
    found = cJSON_DetachItemViaPointer(items, found);
    cJSON_Delete(items);
    return found;
}

cJSON *admin_games_arcade_set(web_req *r, const char *id, bool hidden)
{
    if (!http_int_id(id)) {
        http_error(r, 404, "no such game");
        return NULL;
    }
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return NULL;
    }
    const char *params[2] = {id, hidden ? "true" : "false"};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "SELECT operator_hidden, title FROM arcade_games "
                               "WHERE id = $1::bigint FOR UPDATE",
                               1, params);
    res = http_one_row(r, res, true, 404, "no such game");
    if (res == NULL)
        return NULL;
    bool changed = (strcmp(PQgetvalue(res, 0, 0), "t") == 0) != hidden;
    char title[ARCADE_TITLE_MAX * 4 + 1];
    snprintf(title, sizeof title, "%s", PQgetvalue(res, 0, 1));
    PQclear(res);
    char target[64];
    snprintf(target, sizeof target, "arcade/%s", id);
    if (!changed)
        cf_pg_rollback(r->t->pg);
    else if (cf_pg_run(r->t->pg,
                       "UPDATE arcade_games SET operator_hidden = $2::boolean "
                       "WHERE id = $1::bigint",
                       2, params) != 0) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return NULL;
    } else if (!record_and_commit(r, hidden ? "game.hide" : "game.show", target, title))
        return NULL;
    res = cf_pg_exec(r->t->pg, ARCADE_ITEM_SELECT "WHERE g.id = $1::bigint", 1, params);
    res = http_one_row(r, res, false, 404, "no such game");
    if (res == NULL)
        return NULL;
    cJSON *o = arcade_item(res, 0);
    PQclear(res);
    return o;
}
