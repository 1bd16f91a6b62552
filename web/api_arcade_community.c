/*
 * api_arcade_community.c — the routes of the arcade's community: a game's
 * scoreboard, the most played games, the plays running now, and a
 * player's stars for a game (docs/arcade.md, "Community").
 *
 * Handlers only: the query is checked here, arcade_stats.c reads the
 * counters, arcade_rating.c keeps the rating rule. Everything is public
 * but a rating, which is a signed-in player's (401 otherwise, in the words
 * the game's page shows).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "web.h"

#define BOARD_LIMIT 50
#define BOARD_COMPACT_LIMIT 5
#define BOARD_LIMIT_MAX 100
#define MY_PLAYS 20
#define MOST_PLAYED_PER_PAGE 20
#define MOST_PLAYED_PER_PAGE_MAX 50
#define RUNNING_LIMIT 10
#define RUNNING_LIMIT_MAX 50

/* The path's game id; answers 404 when it cannot be one. */
static bool path_game_id(web_req *r)
{
    if (http_int_id(r->params[0]))
        return true;
    http_error(r, 404, "no such game");
    return false;
}

/* A boolean query parameter: true/1, false/0, def when absent. */
static bool bool_query(web_req *r, const char *name, bool def, bool *out)
{
    const char *v = http_query(r, name);
    *out = def;
    if (v == NULL)
        return true;
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
        *out = true;
    else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        *out = false;
    else {
        http_error(r, 400, "query parameter '%s' must be true or false", name);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------ the board */

/* {game, players[, my_plays]} of the path's game; NULL after answering.
 * Every read goes to PostgreSQL in one round trip (prepared_exec_all); the
 * board and the caller's plays are dropped unread when the game is not
 * the caller's to see. */
static cJSON *scoreboard(web_req *r, bool compact, int limit)
{
    const char *id = r->params[0];
    char lim[16], my_lim[16];
    web_read reads[ARCADE_GAME_READS + 2];
    int n = compact ? 1 : arcade_game_reads(r, id, reads);
    if (compact)
        arcade_game_card_read(r, id, &reads[0]);
    int game_reads = n;
    snprintf(lim, sizeof lim, "%d", limit);
    arcade_scoreboard_players_read(r, id, lim, &reads[n++]);
    bool with_mine = r->authed && !compact;
    if (with_mine) {
        snprintf(my_lim, sizeof my_lim, "%d", MY_PLAYS);
        arcade_my_plays_read(r, id, my_lim, &reads[n++]);
    }
    if (!prepared_exec_all(r->t, reads, n)) {
        http_db_error(r);
        return NULL;
    }
    cJSON *game =
        compact ? arcade_game_card_from(r, &reads[0]) : arcade_game_from(r, reads, game_reads);
    if (game == NULL) {
        web_reads_clear(reads, n);
        return NULL; /* answered */
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "game", game);
    cJSON_AddItemToObject(o, "players", arcade_scoreboard_players_from(reads[game_reads].res));
    if (with_mine)
        cJSON_AddItemToObject(o, "my_plays", arcade_my_plays_from(reads[game_reads + 1].res));
    web_reads_clear(reads, n);
    return o;
}

void arcade_scoreboard_get(web_req *r)
{
    bool compact;
    int limit;
    if (!path_game_id(r) || !bool_query(r, "compact", false, &compact) ||
        !http_int_query(r, "limit", compact ? BOARD_COMPACT_LIMIT : BOARD_LIMIT, 1, BOARD_LIMIT_MAX,
                        &limit))
        return;
    cJSON *o = scoreboard(r, compact, limit);
    if (o != NULL)
        http_json(r, 200, o);
}

/* ---------------------------------------------------------- most played */

void arcade_most_played_get(web_req *r)
{
    int page, per_page;
    if (!http_int_query(r, "page", 1, 1, 100000, &page) ||
        !http_int_query(r, "per_page", MOST_PLAYED_PER_PAGE, 1, MOST_PLAYED_PER_PAGE_MAX,
                        &per_page))
        return;
    web_list_count count;
    cJSON *arr = arcade_most_played(r, page, per_page, &count);
    if (arr == NULL) {
        http_db_error(r);
        return;
    }
    http_json(r, 200, list_page_json("games", arr, page, per_page, &count));
}

/* -------------------------------------------------------------- running */

void arcade_running_get(web_req *r)
{
    int limit;
    if (http_int_query(r, "limit", RUNNING_LIMIT, 1, RUNNING_LIMIT_MAX, &limit))
        http_json_list(r, "plays", arcade_running_plays(r, limit));
}

/* -------------------------------------------------------------- ratings */

/* A signed-in caller (401 in the words of why_not otherwise) and the
 * path's game id. */
static bool rater(web_req *r)
{
    if (!path_game_id(r))
        return false;
    if (r->authed)
        return true;
    http_error(r, 401, "sign in to rate games");
    return false;
}

/* The body's "stars": a whole number from 1 to 5, a JSON number. */
static bool body_stars(web_req *r, int *stars)
{
    cJSON *b = http_json_body(r);
    if (b == NULL)
        return false;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, "stars");
    double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!(d >= 1 && d <= 5) || d != floor(d)) {
        http_error(r, 400, "field 'stars' must be a whole number from 1 to 5");
        return false;
    }
    *stars = (int)d;
    return true;
}

static void answer_rating(web_req *r)
{
    cJSON *rating = arcade_rating_json(r, r->params[0]);
    if (rating == NULL)
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "rating", rating);
    http_json(r, 200, o);
}

void arcade_rating_put(web_req *r)
{
    int stars;
    if (rater(r) && body_stars(r, &stars) && arcade_rating_set(r, r->params[0], stars))
        answer_rating(r);
}

void arcade_rating_delete(web_req *r)
{
    if (rater(r) && arcade_rating_drop(r, r->params[0]))
        answer_rating(r);
}
