/*
 * arcade_rating.c — players' stars for the arcade's games
 * (arcade_ratings, db/migrations/0006_arcade_community.sql).
 *
 * The rule (docs/arcade.md, "Community"): a signed-in player may rate a
 * game they played to the end for more than 5 seconds (the schema's
 * arcade_play_qualifies says which plays count), but not their own game;
 * one rating per player and game, changed by rating again. The check and
 * the write are one statement: the rating goes in only where the same
 * statement found the qualifying play and the game not the caller's, so no
 * race between asking and writing lets an ineligible rating in. A rating's
 * count and sum per game are kept by the schema's trigger beside the
 * play counters; the average is read from there.
 */
#include <stdio.h>
#include <string.h>

#include "web.h"

#define WHY_SIGN_IN "sign in to rate games"
#define WHY_PLAY "play it to the end for more than 5 seconds first"
#define WHY_OWN "you cannot rate your own game"

/* Who may see game $1: $2 the caller. */
#define RATING_GAME                                                                                \
    "SELECT id, owner_id FROM arcade_games "                                                       \
    "WHERE id = $1::bigint AND " ARCADE_GAME_VISIBLE("", 2)

/* Has caller $2 a play of game $1 that lets them rate it? */
#define RATING_PLAYED                                                                              \
    "EXISTS (SELECT 1 FROM plays p WHERE p.game_id = $1::bigint AND p.player_id = $2::bigint "     \
    "AND arcade_play_qualifies(p.status, p.elapsed_ms))"

/* Why the caller may not rate: NULL when they may. */
static const char *why_not(bool authed, bool own, bool played)
{
    if (!authed)
        return WHY_SIGN_IN;
    if (own)
        return WHY_OWN;
    return played ? NULL : WHY_PLAY;
}

static void add_why(cJSON *rating, const char *why)
{
    cJSON_AddBoolToObject(rating, "can_rate", why == NULL);
    if (why != NULL)
        cJSON_AddStringToObject(rating, "why_not", why);
    else
        cJSON_AddNullToObject(rating, "why_not");
}

void arcade_rating_caller_read(web_req *r, const char *game_id, web_read *q)
{
    *q = (web_read){.sql = "SELECT COALESCE(g.owner_id = $2::bigint, false), "
                           "(SELECT stars FROM arcade_ratings WHERE game_id = $1::bigint "
                           " AND player_id = $2::bigint), " RATING_PLAYED " "
                           "FROM arcade_games g WHERE g.id = $1::bigint",
                    .nparams = 2,
                    .params = {game_id, r->user_id}};
}

void arcade_rating_caller_from(web_req *r, PGresult *res, cJSON *rating)
{
    if (rating == NULL)
        return;
    if (!r->authed || res == NULL) {
        cJSON_AddNullToObject(rating, "mine");
        add_why(rating, WHY_SIGN_IN);
        return;
    }
    bool found = PQntuples(res) == 1; /* else deleted a moment ago: nothing to rate */
    if (found)
        json_add_pg_num(rating, "mine", res, 0, 1);
    else
        cJSON_AddNullToObject(rating, "mine");
    add_why(rating, why_not(true, found && PQgetvalue(res, 0, 0)[0] == 't',
                            found && PQgetvalue(res, 0, 2)[0] == 't'));
}

bool arcade_rating_caller(web_req *r, const char *game_id, cJSON *rating)
{
    if (rating == NULL)
        return false;
    if (!r->authed) {
        arcade_rating_caller_from(r, NULL, rating);
        return true;
    }
    web_read q;
    arcade_rating_caller_read(r, game_id, &q);
    PGresult *res = prepared_exec(r->t, q.sql, q.nparams, q.params);
    if (res == NULL)
        return false;
    arcade_rating_caller_from(r, res, rating);
    PQclear(res);
    return true;
}

cJSON *arcade_rating_json(web_req *r, const char *game_id)
{
    const char *params[1] = {game_id};
    PGresult *res = prepared_exec(r->t,
                                  "SELECT s.rating_avg, COALESCE(s.ratings, 0) FROM arcade_games g "
                                  "LEFT JOIN arcade_game_stats s ON s.game_id = g.id "
                                  "WHERE g.id = $1::bigint",
                                  1, params);
    res = http_one_row(r, res, false, 404, "no such game");
    if (res == NULL)
        return NULL;
    cJSON *rating = cJSON_CreateObject();
    json_add_pg_num(rating, "average", res, 0, 0);
    json_add_pg_num(rating, "count", res, 0, 1);
    PQclear(res);
    if (!arcade_rating_caller(r, game_id, rating)) {
        cJSON_Delete(rating);
        http_db_error(r);
        return NULL;
    }
    return rating;
}

bool arcade_rating_set(web_req *r, const char *game_id, int stars)
{
    char stars_s[8];
    snprintf(stars_s, sizeof stars_s, "%d", stars);
    const char *params[3] = {game_id, r->user_id, stars_s};
    PGresult *res = cf_pg_exec(
        r->t->pg,
        "WITH g AS (" RATING_GAME " FOR KEY SHARE), "
        "e AS (SELECT " RATING_PLAYED " AS played), "
        "w AS (INSERT INTO arcade_ratings (game_id, player_id, stars) "
        "      SELECT g.id, $2::bigint, $3::smallint FROM g, e "
        "      WHERE e.played AND g.owner_id IS DISTINCT FROM $2::bigint "
        "      ON CONFLICT (game_id, player_id) DO UPDATE SET stars = EXCLUDED.stars, "
        "      updated_at = now() RETURNING 1) "
        "SELECT (SELECT count(*) FROM g), COALESCE((SELECT owner_id = $2::bigint FROM g), false), "
        "(SELECT played FROM e), (SELECT count(*) FROM w)",
        3, params);
    res = http_one_row(r, res, false, 500, "no answer");
    if (res == NULL)
        return false;
    bool found = strcmp(PQgetvalue(res, 0, 0), "1") == 0;
    bool own = PQgetvalue(res, 0, 1)[0] == 't';
    bool played = PQgetvalue(res, 0, 2)[0] == 't';
    bool written = strcmp(PQgetvalue(res, 0, 3), "1") == 0;
    PQclear(res);
    if (!found)
        http_error(r, 404, "no such game");
    else if (!written)
        http_error(r, 403, "%s", why_not(true, own, played));
    return found && written;
}

bool arcade_rating_drop(web_req *r, const char *game_id)
{
    const char *params[2] = {game_id, r->user_id};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "WITH g AS (" RATING_GAME "), "
                               "d AS (DELETE FROM arcade_ratings a USING g "
                               "      WHERE a.game_id = g.id AND a.player_id = $2::bigint "
                               "      RETURNING 1) "
                               "SELECT (SELECT count(*) FROM g), (SELECT count(*) FROM d)",
                               2, params);
    res = http_one_row(r, res, false, 500, "no answer");
    if (res == NULL)
        return false;
    bool found = strcmp(PQgetvalue(res, 0, 0), "1") == 0;
    PQclear(res);
    if (!found)
        http_error(r, 404, "no such game");
    return found;
}
