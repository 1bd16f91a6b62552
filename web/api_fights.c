/*
 * api_fights.c — the routes of fights: the list, one fight, its replay,
 * what the caller's bots printed in it, hosting one, playing at once against house bots, starting,
 * cancelling.
 *
 * Handlers only: each reads and checks its input (a game, a bot of the
 * caller's, the game's settings, invitees, list filters), calls the life
 * cycle (fight_state.c) or a view (fight_view.c, fight_list.c) and answers.
 * Readers of what looks the same to all of them — a fight that has ended
 * (to anonymous readers: "me" is the caller's), a page of the public list
 * (to anyone) — get an answer cached for a moment (cache.c), so a busy
 * page costs the database little.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

/* How long anonymous readers may see a cached answer. */
#define FIGHT_CACHE_MS 10000
#define LIST_CACHE_MS 1000

static void fight_cache_key(char key[64], const char *fight_id)
{
    snprintf(key, 64, "fight:%s", fight_id);
}

/* Answers fight_id as the Fight object for the caller. */
static void answer_fight(web_req *r, const char *fight_id, int status)
{
    cJSON *o = fight_json(r, fight_id);
    if (o == NULL)
        return;
    /* A fight that has ended looks the same to every anonymous reader. */
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(o, "state");
    if (!r->authed && status == 200 && cJSON_IsString(state) &&
        fight_state_final(state->valuestring)) {
        char key[64];
        fight_cache_key(key, fight_id);
        http_json_cached(r, status, o, key, FIGHT_CACHE_MS);
        return;
    }
    http_json(r, status, o);
}

void fights_get(web_req *r)
{
    if (!http_valid_id(r->params[0])) {
        http_error(r, 404, "no such fight");
        return;
    }
    char key[64];
    fight_cache_key(key, r->params[0]);
    if (!r->authed && http_from_cache(r, key))
        return;
    answer_fight(r, r->params[0], 200);
}

/* The JSON text PostgreSQL wrote in res's one cell, answered as it is;
 * NULL: already answered. */
static void answer_stored_json(web_req *r, PGresult *res)
{
    if (res == NULL)
        return;
    http_send(r, 200, "application/json", PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0),
              NULL);
    PQclear(res);
}

void fights_replay(web_req *r)
{
    answer_stored_json(r, fight_replay(r, r->params[0]));
}

/* Never cached: it is the caller's own, and no one else's. */
void fights_output(web_req *r)
{
    answer_stored_json(r, fight_output(r, r->params[0]));
}

/* The list's filters from the query string; answers 400 (401 for "mine"
 * logged out) and returns false. */
static bool list_filters(web_req *r, fight_list_query *q)
{
    const char *game = http_query(r, "game"), *state = http_query(r, "state");
    const char *user = http_query(r, "user"), *mine = http_query(r, "mine");
    if (game != NULL && cf_game_find(game) == NULL) {
        http_error(r, 400, "no such game '%.32s'", game);
        return false;
    }
    const char *db_state = NULL;
    if (state != NULL && (db_state = fight_state_db(state)) == NULL) {
        http_error(r, 400,
                   "query parameter 'state' must be one of open, queued, simulating, "
                   "finished, failed, cancelled");
        return false;
    }
    if (user != NULL && !account_username_valid(user)) {
        http_error(r, 400, "query parameter 'user' must be a username");
        return false;
    }
    if (mine != NULL && strcmp(mine, "1") != 0) {
        http_error(r, 400, "query parameter 'mine' must be 1");
        return false;
    }
    if (mine != NULL && !r->authed) {
        http_error(r, 401, "login required");
        return false;
    }
    *q = (fight_list_query){.game = game, .state = db_state, .user = user, .mine = mine != NULL};
    return http_int_query(r, "page", 1, 1, 100000, &q->page) &&
           http_int_query(r, "per_page", 20, 1, 100, &q->per_page);
}

void fights_list(web_req *r)
{
    fight_list_query q;
    if (!list_filters(r, &q))
        return;
    /* The public list (and a user's public fights) is the same for every
     * reader, logged in or not: the caller's own fights are only in
     * "mine". */
    char key[300] = "";
    if (!q.mine) {
        snprintf(key, sizeof key, "list:%s", evhttp_request_get_uri(r->req));
        if (http_from_cache(r, key))
            return;
    }
    web_list_count count;
    json_buf b;
    jb_init(&b);
    jb_open(&b, '{');
    jb_key(&b, "fights");
    if (!fight_list_page(r, &q, &count, &b)) {
        jb_free(&b);
        http_db_error(r);
        return;
    }
    list_page_text_end(&b, q.page, q.per_page, &count);
    http_json_text(r, 200, &b, key[0] != '\0' ? key : NULL, LIST_CACHE_MS);
}

/* The latest version of the body's "bot_id" (of game, unless NULL). */
static bool my_bot_version(web_req *r, const cJSON *body, const char *game, bot_version *out)
{
    char id[WEB_INT_ID_SIZE];

    return http_id_field(r, body, "bot_id", id) && bot_latest_version(r, id, game, out);
}

/* The game's validated settings from the body's "settings" as JSON text
 * (caller frees), or NULL after answering 400. */
static char *checked_settings(web_req *r, const cf_game *g, const cJSON *body)
{
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(body, "settings");
    if (user != NULL && !cJSON_IsNull(user) && !cJSON_IsObject(user)) {
        http_error(r, 400, "field 'settings' must be an object");
        return NULL;
    }
    char err[256];
    cJSON *s = cf_game_settings(g, cJSON_IsObject(user) ? user : NULL, true, err, sizeof err);
    if (s == NULL) {
        http_error(r, 400, "settings: %s", err);
        return NULL;
    }
    char *text = cJSON_PrintUnformatted(s);
    cJSON_Delete(s);
    if (text == NULL)
        http_error(r, 500, "out of memory");
    return text;
}

/* Looks the body's "invite" usernames up: fills ids; answers 400 and
 * returns -1. */
static int resolve_invitees(web_req *r, const cJSON *body, char ids[][WEB_INT_ID_SIZE], int max)
{
    const cJSON *invite = cJSON_GetObjectItemCaseSensitive(body, "invite");
    if (invite == NULL || cJSON_IsNull(invite))
        return 0;
    if (!cJSON_IsArray(invite)) {
        http_error(r, 400, "field 'invite' must be an array of usernames");
        return -1;
    }
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach (it, invite) {
        if (!cJSON_IsString(it) || !account_username_valid(it->valuestring)) {
            http_error(r, 400, "field 'invite' must hold valid usernames");
            return -1;
        }
        if (n == max) {
            http_error(r, 400, "too many invitations for this game");
            return -1;
        }
        int found = account_id_by_name(r, it->valuestring, ids[n], WEB_INT_ID_SIZE);
        if (found < 0) {
            http_db_error(r);
            return -1;
        }
        if (found == 0) {
            http_error(r, 400, "no such user '%s'", it->valuestring);
            return -1;
        }
        if (strcmp(ids[n], r->user_id) == 0) {
            http_error(r, 400, "you cannot invite yourself");
            return -1;
        }
        for (int k = 0; k < n; k++)
            if (strcmp(ids[k], ids[n]) == 0) {
                http_error(r, 400, "'%s' is invited twice", it->valuestring);
                return -1;
            }
        n++;
    }
    return n;
}

void fights_create(web_req *r)
{
    cJSON *b = http_json_body(r);
    if (b == NULL)
        return;
    const char *game_name = http_str_field(r, b, "game", true, CF_GAME_NAME_MAX);
    if (game_name == NULL)
        return;
    const cf_game *g = cf_game_find(game_name);
    if (g == NULL) {
        http_error(r, 400, "no such game '%s'", game_name);
        return;
    }
    if (!admin_games_offered(r, g->name))
        return;
    bool pub;
    if (!http_bool_field(r, b, "public", account_public_default(r), &pub))
        return;
    bot_version host;
    if (!my_bot_version(r, b, g->name, &host))
        return;
    char *settings = checked_settings(r, g, b);
    if (settings == NULL)
        return;
    char invitees[CF_MAX_PLAYERS][WEB_INT_ID_SIZE];
    int ninvitees = resolve_invitees(r, b, invitees, g->max_players - 1);
    char fight_id[CF_UUID_LEN + 1];
    const fight_new f = {.game = g, .is_public = pub, .settings = settings, .host = &host};
    if (ninvitees >= 0 && fight_host(r, &f, invitees, ninvitees, fight_id))
        answer_fight(r, fight_id, 201);
    free(settings);
}

/* The body's "template" (the game's first house bot when absent) as a
 * house bot's player name; answers 404/409 and returns false. */
static bool house_bot(web_req *r, const cJSON *body, const cf_game *g,
                      char name[CF_PLAYER_NAME_MAX + 1])
{
    const char *tpl = http_str_field(r, body, "template", false, 100);
    if (tpl == NULL && cJSON_GetObjectItemCaseSensitive(body, "template") != NULL &&
        !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(body, "template")))
        return false;
    char first[128];
    if (tpl == NULL) {
        if (!catalog_first_template(g->name, first, sizeof first)) {
            http_error(r, 409, "game '%s' has no house bot", g->name);
            return false;
        }
        tpl = first;
    }
    size_t len;
    char *code = catalog_template_read(g->name, tpl, &len);
    if (code == NULL) {
        http_error(r, 404, "no such template '%s'", tpl);
        return false;
    }
    free(code);
    if (!web_house_name(name, tpl)) {
        http_error(r, 409, "template '%s' has too long a name to be a house bot", tpl);
        return false;
    }
    return true;
}

/* As many house bots as the game needs beside the caller: at least one,
 * min_players - 1 when more, never past max_players - 1. */
static int house_bots_for(const cf_game *g)
{
    int house = g->min_players - 1 > 1 ? g->min_players - 1 : 1;

    return house > g->max_players - 1 ? g->max_players - 1 : house;
}

void fights_play_now(web_req *r)
{
    cJSON *b = http_json_body(r);
    if (b == NULL)
        return;
    bool pub;
    if (!http_bool_field(r, b, "public", false, &pub))
        return;
    bot_version host;
    if (!my_bot_version(r, b, NULL, &host))
        return;
    const cf_game *g = cf_game_find(host.game);
    if (g == NULL) {
        http_error(r, 409, "game '%s' is not available any more", host.game);
        return;
    }
    if (!admin_games_offered(r, g->name))
        return;
    /* "opponent_bot_id": one of the caller's bots of the game (its latest
     * version, the same bot too) takes the first house bot's seat. */
    int nhouse = house_bots_for(g);
    bot_version opponent;
    bool own = false;
    const cJSON *opp = cJSON_GetObjectItemCaseSensitive(b, "opponent_bot_id");
    if (opp != NULL && !cJSON_IsNull(opp)) {
        char id[WEB_INT_ID_SIZE];
        if (!http_id_field(r, b, "opponent_bot_id", id) ||
            !bot_latest_version(r, id, g->name, &opponent))
            return;
        own = true;
        nhouse--;
    }
    char house_name[CF_PLAYER_NAME_MAX + 1] = "";
    if (nhouse > 0 && !house_bot(r, b, g, house_name))
        return;
    char *settings = checked_settings(r, g, b);
    if (settings == NULL)
        return;
    char fight_id[CF_UUID_LEN + 1];
    const fight_new f = {.game = g, .is_public = pub, .settings = settings, .host = &host};
    if (fight_play_now(r, &f, own ? &opponent : NULL, house_name, nhouse, fight_id))
        answer_fight(r, fight_id, 201);
    free(settings);
}

void fights_start(web_req *r)
{
    if (fight_start(r, r->params[0]))
        answer_fight(r, r->params[0], 200);
}

void fights_cancel(web_req *r)
{
    if (fight_cancel(r, r->params[0]))
        answer_fight(r, r->params[0], 200);
}
