/*
 * play.c — arcade plays in the database: the game a play runs, a new
 * play, a play as the API shows it, its player, and the best scores.
 *
 * cf-web writes a play's start (queued) and, when its player stops it
 * before a simulator took it, its end; cf-result-processor writes running
 * and every other end (result_processor/store_play.c). A final play never
 * changes again, so whichever end comes first stays.
 *
 * The queue position is counted in the database: plays still queued that
 * were created no later than this one. Counting the stream's undelivered
 * entries instead would read their bundles (megabytes each) to count them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

/* The caller's user id as a parameter, NULL for a visitor. */
static const char *user_param(const web_player *p)
{
    return p->is_user ? p->user_id : NULL;
}

/* ------------------------------------------------------------- the game */

bool play_game_load(web_req *r, const char *game_id, const web_player *p, play_game *g)
{
    memset(g, 0, sizeof *g);
    const char *params[2] = {game_id, user_param(p)};
    /* A bundle leaves the database as base64 on one line, as cf:plays
     * carries it (encode() breaks its lines every 76 characters). */
    PGresult *res =
        cf_pg_exec(r->t->pg,
                   "SELECT g.id, v.id, g.title, v.code, "
                   "       translate(encode(v.bundle, 'base64'), E'\\n', ''), g.operator_hidden "
                   "FROM arcade_games g JOIN arcade_game_versions v ON v.game_id = g.id "
                   "WHERE g.id = $1::bigint AND (NOT g.hidden OR g.owner_id = $2::bigint) "
                   "ORDER BY v.version DESC LIMIT 1",
                   2, params);
    res = http_one_row(r, res, false, 404, "no such game");
    if (res == NULL)
        return false;
    /* Hidden by an operator: its owner still sees it, nobody plays it. */
    if (strcmp(PQgetvalue(res, 0, 5), "t") == 0) {
        PQclear(res);
        http_error(r, 409, "this game is not offered");
        return false;
    }
    g->res = res;
    snprintf(g->game_id, sizeof g->game_id, "%s", PQgetvalue(res, 0, 0));
    snprintf(g->version_id, sizeof g->version_id, "%s", PQgetvalue(res, 0, 1));
    snprintf(g->title, sizeof g->title, "%s", PQgetvalue(res, 0, 2));
    if (!PQgetisnull(res, 0, 3)) {
        g->code = PQgetvalue(res, 0, 3);
        g->code_len = (size_t)PQgetlength(res, 0, 3);
    } else {
        g->bundle = PQgetvalue(res, 0, 4);
        g->bundle_len = (size_t)PQgetlength(res, 0, 4);
    }
    return true;
}

void play_game_free(play_game *g)
{
    if (g->res != NULL)
        PQclear(g->res);
    g->res = NULL;
}

/* ------------------------------------------------------------ its start */

/* The player's plays not yet over (a user's, or an anonymous visitor's);
 * NULL on a db error. */
static PGresult *open_plays(web_req *r, const web_player *p)
{
    const char *params[2] = {user_param(p), p->visitor};
    return cf_pg_exec(r->t->pg,
                      "SELECT id FROM plays WHERE status IN ('queued', 'running') AND "
                      "CASE WHEN $1::bigint IS NOT NULL THEN player_id = $1::bigint "
                      "     ELSE player_id IS NULL AND visitor = $2 END",
                      2, params);
}

int play_stop_open(web_req *r, const web_player *p, const char *why)
{
    if (!p->is_user && p->visitor[0] == '\0')
        return 0;
    PGresult *res = open_plays(r, p);
    if (res == NULL)
        return -1;
    int stopped = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *id = PQgetvalue(res, i, 0);
        if (play_stop(r, id, why) != 0) {
            PQclear(res);
            return -1;
        }
        stopped++;
    }
    PQclear(res);
    return stopped;
}

int play_stop(web_req *r, const char *id, const char *why)
{
    if (arcade_cancel(r->t->redis, id) != 0)
        return -2;
    return play_end_queued(r, id, why) == 0 ? 0 : -1;
}

int play_insert(web_req *r, const play_game *g, const web_player *p, const char *id)
{
    const char *params[5] = {id, g->game_id, g->version_id, user_param(p),
                             p->is_user ? NULL : p->visitor};
    return cf_pg_run(r->t->pg,
                     "INSERT INTO plays (id, game_id, version_id, player_id, visitor, status) "
                     "VALUES ($1, $2::bigint, $3::bigint, $4::bigint, $5, 'queued')",
                     5, params);
}

int play_set_entry(web_req *r, const char *id, const char *entry_id)
{
    const char *params[2] = {id, entry_id};
    return cf_pg_run(r->t->pg, "UPDATE plays SET entry_id = $2 WHERE id = $1", 2, params);
}

int play_end_queued(web_req *r, const char *id, const char *detail)
{
    const char *params[2] = {id, detail};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "SELECT entry_id FROM plays WHERE id = $1::uuid AND "
                               "status = 'queued'",
                               1, params);
    if (res == NULL)
        return -1;
    int waiting = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)
                      ? arcade_undelivered(r->t->redis, PQgetvalue(res, 0, 0))
                      : 0;
    PQclear(res);
    if (waiting != 1)
        return 0; /* taken, or Redis cannot say: its simulator ends it */
    return cf_pg_run(r->t->pg,
                     "UPDATE plays SET status = 'stopped', verdict = 'ok', detail = $2, "
                     "finished_at = now() WHERE id = $1 AND status = 'queued'",
                     2, params);
}

int play_fail_unsent(web_req *r, const char *id)
{
    const char *params[1] = {id};
    return cf_pg_run(r->t->pg,
                     "UPDATE plays SET status = 'failed', verdict = 'ok', "
                     "detail = 'the arcade could not be reached', finished_at = now() "
                     "WHERE id = $1 AND status = 'queued'",
                     1, params);
}

/* ------------------------------------------------------------ as shown */

/* Play p's place in the queue while it is queued, else NULL (the file's
 * header says why it is counted here). */
#define PLAY_POSITION                                                                              \
    "CASE WHEN p.status = 'queued' THEN (SELECT count(*) FROM plays q "                            \
    "     WHERE q.status = 'queued' AND q.created_at <= p.created_at) END "

/* Does play p let its signed-in player rate its game (the schema's rule,
 * and not their own game)? */
#define PLAY_RATES                                                                                 \
    "(p.player_id IS NOT NULL AND arcade_play_qualifies(p.status, p.elapsed_ms) "                  \
    " AND g.owner_id IS DISTINCT FROM p.player_id)"

/* The columns play_row_json reads. */
#define PLAY_SELECT                                                                                \
    "SELECT p.id, p.game_id, g.title, v.version, p.status, p.verdict, p.detail, p.score, "         \
    "p.elapsed_ms, p.log, api_time(p.created_at), api_time(p.started_at), "                        \
    "api_time(p.finished_at), p.player_id, p.visitor, " PLAY_POSITION ", " PLAY_RATES              \
    ", (SELECT stars FROM arcade_ratings a WHERE a.game_id = p.game_id "                           \
    "   AND a.player_id = p.player_id) "                                                           \
    "FROM plays p LEFT JOIN arcade_games g ON g.id = p.game_id "                                   \
    "LEFT JOIN arcade_game_versions v ON v.id = p.version_id "

static cJSON *play_row_json(PGresult *res, const web_player *p)
{
    cJSON *o = cJSON_CreateObject();
    const char *player_id = PQgetisnull(res, 0, 13) ? NULL : PQgetvalue(res, 0, 13);
    const char *visitor = PQgetisnull(res, 0, 14) ? NULL : PQgetvalue(res, 0, 14);
    bool mine = player_is(p, player_id, visitor);

    cJSON_AddStringToObject(o, "id", PQgetvalue(res, 0, 0));
    if (PQgetisnull(res, 0, 1)) {
        cJSON_AddNullToObject(o, "game");
    } else {
        cJSON *g = cJSON_AddObjectToObject(o, "game");
        json_add_pg_num(g, "id", res, 0, 1);
        json_add_pg_str(g, "title", res, 0, 2);
    }
    json_add_pg_num(o, "version", res, 0, 3);
    cJSON_AddStringToObject(o, "status", PQgetvalue(res, 0, 4));
    json_add_pg_num(o, "position", res, 0, 15);
    json_add_pg_str(o, "verdict", res, 0, 5);
    json_add_pg_str(o, "detail", res, 0, 6);
    json_add_pg_num(o, "score", res, 0, 7);
    json_add_pg_num(o, "elapsed_ms", res, 0, 8);
    if (mine)
        json_add_pg_str(o, "log", res, 0, 9); /* a game's prints are its player's */
    json_add_pg_str(o, "created_at", res, 0, 10);
    json_add_pg_str(o, "started_at", res, 0, 11);
    json_add_pg_str(o, "finished_at", res, 0, 12);
    cJSON_AddBoolToObject(o, "mine", mine);
    /* rating: the play's own signed-in player's alone */
    bool rater = mine && p->is_user;
    cJSON_AddBoolToObject(o, "can_rate", rater && PQgetvalue(res, 0, 16)[0] == 't');
    if (rater)
        json_add_pg_num(o, "rating_mine", res, 0, 17);
    else
        cJSON_AddNullToObject(o, "rating_mine");
    return o;
}

cJSON *play_json(web_req *r, const char *id, const web_player *p)
{
    const char *params[1] = {id};
    PGresult *res = prepared_exec(r->t, PLAY_SELECT "WHERE p.id = $1::uuid", 1, params);
    res = http_one_row(r, res, false, 404, "no such play");
    if (res == NULL)
        return NULL;
    cJSON *o = play_row_json(res, p);
    PQclear(res);
    return o;
}

int play_owned(web_req *r, const char *id, const web_player *p, char status[16])
{
    const char *params[1] = {id};
    PGresult *res = cf_pg_exec(
        r->t->pg, "SELECT player_id, visitor, status FROM plays WHERE id = $1::uuid", 1, params);
    if (res == NULL)
        return -1;
    int owned =
        PQntuples(res) == 1 && player_is(p, PQgetisnull(res, 0, 0) ? NULL : PQgetvalue(res, 0, 0),
                                         PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1));
    if (owned)
        snprintf(status, 16, "%s", PQgetvalue(res, 0, 2));
    PQclear(res);
    return owned;
}

cJSON *play_scores_json(web_req *r, const char *game_id, const web_player *p, int limit)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[3] = {game_id, user_param(p), lim};
    PGresult *res = prepared_exec(
        r->t,
        "SELECT p.id, u.username, p.score, p.status, p.elapsed_ms, "
        "api_time(p.finished_at) FROM plays p "
        "JOIN arcade_games g ON g.id = p.game_id "
        "LEFT JOIN users u ON u.id = p.player_id "
        "WHERE p.game_id = $1::bigint AND " ARCADE_GAME_VISIBLE(
            "g.", 2) " "
                     "AND p.score IS NOT NULL AND p.status IN ('finished', 'stopped') "
                     "ORDER BY p.score DESC, p.finished_at LIMIT $3::int",
        3, params);
    if (res == NULL)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr != NULL && i < PQntuples(res); i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", PQgetvalue(res, i, 0));
        json_add_pg_str(o, "player", res, i, 1);
        json_add_pg_num(o, "score", res, i, 2);
        cJSON_AddStringToObject(o, "status", PQgetvalue(res, i, 3));
        json_add_pg_num(o, "elapsed_ms", res, i, 4);
        json_add_pg_str(o, "finished_at", res, i, 5);
        cJSON_AddItemToArray(arr, o);
    }
    PQclear(res);
    return arr;
}

int play_game_visible(web_req *r, const char *game_id, const web_player *p)
{
    const char *params[2] = {game_id, user_param(p)};
    PGresult *res = prepared_exec(r->t,
                                  "SELECT 1 FROM arcade_games WHERE id = $1::bigint "
                                  "AND " ARCADE_GAME_VISIBLE("", 2),
                                  2, params);
    if (res == NULL)
        return -1;
    int n = PQntuples(res);
    PQclear(res);
    return n == 1;
}

/* ------------------------------------------------------------ its state */

PGresult *play_state(cf_pg *pg, const char *id)
{
    const char *params[1] = {id};
    return cf_pg_exec(pg,
                      "SELECT p.status, " PLAY_POSITION
                      ", p.verdict, p.detail, p.score, p.cpu_ms, p.peak_memory_kb, p.log, "
                      "p.elapsed_ms FROM plays p WHERE p.id = $1::uuid",
                      1, params);
}

bool play_status_final(const char *status)
{
    return strcmp(status, "finished") == 0 || strcmp(status, "stopped") == 0 ||
           strcmp(status, "failed") == 0;
}

/* A count column, 0 when NULL (a play that never ran). */
static double count_col(PGresult *res, int col)
{
    return PQgetisnull(res, 0, col) ? 0 : strtod(PQgetvalue(res, 0, col), NULL);
}

cJSON *play_end_from_state(PGresult *res)
{
    cJSON *end = cJSON_CreateObject();
    cJSON_AddStringToObject(end, "type", "end");
    cJSON_AddStringToObject(end, "status", PQgetvalue(res, 0, 0));
    json_add_pg_str(end, "verdict", res, 0, 2);
    cJSON_AddStringToObject(end, "detail", PQgetvalue(res, 0, 3));
    json_add_pg_num(end, "score", res, 0, 4);
    cJSON_AddNumberToObject(end, "cpu_ms", count_col(res, 5));
    cJSON_AddNumberToObject(end, "peak_memory_kb", count_col(res, 6));
    cJSON_AddStringToObject(end, "log", PQgetvalue(res, 0, 7));
    cJSON_AddNumberToObject(end, "elapsed_ms", count_col(res, 8));
    return end;
}

bool play_exists(web_req *r, const char *id)
{
    const char *params[1] = {id};
    PGresult *res = prepared_exec(r->t, "SELECT 1 FROM plays WHERE id = $1::uuid", 1, params);
    res = http_one_row(r, res, false, 404, "no such play");
    if (res == NULL)
        return false;
    PQclear(res);
    return true;
}
