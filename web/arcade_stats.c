/*
 * arcade_stats.c — what the arcade's community pages read: a game's
 * scoreboard and the caller's plays of it, the most played games, the
 * plays running now.
 *
 * The scoreboard and "most played" read the counters the schema keeps as
 * plays end (arcade_player_stats, arcade_game_stats:
 * db/migrations/0006_arcade_community.sql), in the order of an index, so
 * a page costs the same with ten plays or a million. Anonymous plays count
 * for their game but have no row on a scoreboard. Hidden games are their
 * owner's alone, here as everywhere: the caller's visibility is part of
 * each query.
 */
#include <stdio.h>

#include "web.h"

/* The caller's id as a parameter: NULL when logged out. */
static const char *caller_id(const web_req *r)
{
    return r->authed ? r->user_id : NULL;
}

#define BOARD_SQL                                                                                  \
    "SELECT u.username, s.best_score, s.plays, s.total_ms "                                        \
    "FROM arcade_player_stats s JOIN users u ON u.id = s.player_id "                               \
    "WHERE s.game_id = $1::bigint "                                                                \
    "ORDER BY s.best_score DESC NULLS LAST, s.best_at, s.plays DESC, u.username LIMIT $2::int"

void arcade_scoreboard_players_read(web_req *r, const char *game_id, const char *limit, web_read *q)
{
    (void)r;
    *q = (web_read){.sql = BOARD_SQL, .nparams = 2, .params = {game_id, limit}};
}

cJSON *arcade_scoreboard_players_from(PGresult *res)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "rank", i + 1);
        cJSON_AddStringToObject(o, "player", PQgetvalue(res, i, 0));
        json_add_pg_num(o, "best_score", res, i, 1);
        json_add_pg_num(o, "plays", res, i, 2);
        json_add_pg_num(o, "total_ms", res, i, 3);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

#define MY_PLAYS_SQL                                                                               \
    "SELECT id, status, score, elapsed_ms, api_time(created_at), "                                 \
    "api_time(finished_at) FROM plays "                                                            \
    "WHERE game_id = $1::bigint AND player_id = $2::bigint "                                       \
    "ORDER BY created_at DESC, id LIMIT $3::int"

void arcade_my_plays_read(web_req *r, const char *game_id, const char *limit, web_read *q)
{
    *q = (web_read){.sql = MY_PLAYS_SQL, .nparams = 3, .params = {game_id, r->user_id, limit}};
}

cJSON *arcade_my_plays_from(PGresult *res)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", PQgetvalue(res, i, 0));
        cJSON_AddStringToObject(o, "status", PQgetvalue(res, i, 1));
        json_add_pg_num(o, "score", res, i, 2);
        json_add_pg_num(o, "elapsed_ms", res, i, 3);
        json_add_pg_str(o, "created_at", res, i, 4);
        json_add_pg_str(o, "finished_at", res, i, 5);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* The games "most played" shows: visible to $1, with a play over. */
#define MOST_PLAYED_FROM "FROM arcade_game_stats s JOIN arcade_games g ON g.id = s.game_id "
#define MOST_PLAYED_WHERE "WHERE s.plays > 0 AND " ARCADE_GAME_VISIBLE("g.", 1) " "

static cJSON *most_played_row(PGresult *res, int i)
{
    cJSON *o = cJSON_CreateObject();
    json_add_pg_num(o, "id", res, i, 0);
    cJSON_AddStringToObject(o, "title", PQgetvalue(res, i, 1));
    arcade_add_preview_url(o, PQgetvalue(res, i, 0), PQgetvalue(res, i, 3),
                           PQgetvalue(res, i, 2)[0] == 't');
    json_add_pg_num(o, "plays", res, i, 4);
    json_add_pg_num(o, "total_ms", res, i, 5);
    json_add_pg_num(o, "best_score", res, i, 6);
    json_add_pg_num(o, "longest_ms", res, i, 7);
    return o;
}

cJSON *arcade_most_played(web_req *r, int page, int per_page, web_list_count *count)
{
    char limit[16], offset[24], cap[24];
    long long first = (long long)(page - 1) * per_page;
    snprintf(limit, sizeof limit, "%d", per_page);
    snprintf(offset, sizeof offset, "%lld", first);
    const char *params[3] = {caller_id(r), limit, offset};
    /* The latest version: its number and whether it has a preview (a
     * version without one of its own keeps the last one's). */
    PGresult *res = prepared_exec(
        r->t,
        "SELECT g.id, g.title, COALESCE(v.has_preview, false), v.version, s.plays, s.total_ms, "
        "s.best_score, s.longest_ms " MOST_PLAYED_FROM
        "LEFT JOIN LATERAL (SELECT version, preview IS NOT NULL AS has_preview "
        "FROM arcade_game_versions WHERE game_id = g.id ORDER BY version DESC LIMIT 1) v ON "
        "true " MOST_PLAYED_WHERE "ORDER BY s.total_ms DESC, s.plays DESC, g.id "
        "LIMIT $2::int OFFSET $3::bigint",
        3, params);
    if (res == NULL)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++)
        cJSON_AddItemToArray(arr, most_played_row(res, i));
    PQclear(res);
    long long bound = list_count_cap(first, per_page, cap);
    params[1] = cap;
    res = prepared_exec(r->t,
                        "SELECT count(*) FROM (SELECT 1 " MOST_PLAYED_FROM MOST_PLAYED_WHERE
                        "LIMIT $2::bigint) c",
                        2, params);
    if (list_count_of(res, first, per_page, bound, count) != 0) {
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}

cJSON *arcade_running_plays(web_req *r, int limit)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[2] = {caller_id(r), lim};
    PGresult *res = prepared_exec(
        r->t,
        "SELECT p.id, g.id, g.title, u.username, api_time(p.started_at) "
        "FROM plays p JOIN arcade_games g ON g.id = p.game_id "
        "LEFT JOIN users u ON u.id = p.player_id "
        "WHERE p.status = 'running' "
        "AND " ARCADE_GAME_VISIBLE("g.", 1) " "
                                            "ORDER BY p.started_at DESC, p.id LIMIT $2::int",
        2, params);
    if (res == NULL)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", PQgetvalue(res, i, 0));
        cJSON *g = cJSON_AddObjectToObject(o, "game");
        json_add_pg_num(g, "id", res, i, 1);
        cJSON_AddStringToObject(g, "title", PQgetvalue(res, i, 2));
        json_add_pg_str(o, "player", res, i, 3);
        json_add_pg_str(o, "started_at", res, i, 4);
        cJSON_AddItemToArray(arr, o);
    }
    PQclear(res);
    return arr;
}
