/*
 * api_ladder.c — the ladder's public reads (docs/ladder.md): a game's
 * leaderboard and one bot's ladder page (its entries, its rating history,
 * its recent ladder fights).
 *
 * The leaderboard is the active entries of the game by their conservative
 * rating, mu - 3 sigma, best first, but for those of deactivated accounts
 * (which the scheduler does not match either). Equal ratings share a rank (1, 2, 2,
 * 4: "competition" ranking), and among them the bot with more games comes
 * first, then the older bot (smaller id), so that pages never shuffle. A
 * page is one statement, read like a fights page (fight_list.c): the board
 * is read from ladder_entries_board_idx in order only as far as the count
 * goes (list_page.c), ranked there, and the page is a slice of it; the
 * first pages are prepared statements with their bounds in their text,
 * deeper ones are planned each time. The same statement says whether an
 * operator hid the game: hidden games are "no such game" to everyone but
 * operators, as in GET /api/games. Anonymous and logged-in readers see the
 * same page, kept a moment in cache.c.
 *
 * A bot's code and its other versions stay its owner's, but its place on
 * the ladder is public: anyone may read the ladder page of a bot that has
 * been rated (an entry active, left or replaced), with its name and owner
 * as the leaderboard shows them. Its pending and refused entries, and the
 * reason of a refusal (the version check's words, which may quote its
 * code), are its owner's only; to anyone else a bot never rated does not
 * exist (404), like another user's bot in GET /api/bots/{id}. The history
 * is every rating of its versions (ratings are public); the fights are its
 * public ladder fights (fight_list.c), whose replays anyone may watch. The
 * three reads go in one round trip; a bot's entries are found through
 * ladder_entries_bot_idx (web/migrations/0108). What anonymous readers see
 * is kept a moment in cache.c too: counting the bot's rank reads the
 * game's board above it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

#define BOARD_CACHE_MS 2000
#define BOT_CACHE_MS 2000
#define BOARD_PREPARED_PAGES 10
#define BOT_FIGHTS 20
/* A rating is provisional above this sigma, as in the bot object
 * (bot_ladder.c): the number's text, for the statements. */
#define TEXT_OF_(x) #x
#define TEXT_OF(x) TEXT_OF_(x)
#define PROVISIONAL_SIGMA TEXT_OF(LADDER_PROVISIONAL_SIGMA)
/* Whose entries are on the board: a deactivated account's bots are not
 * shown (nor matched: the scheduler leaves them out too). */
#define ON_BOARD(owner) owner ".deactivated_at IS NULL"

/* The ranked board of $1 (a game) as far as cap rows, the page's slice of
 * it (limit, offset), with the game's hidden flag and the count always in
 * the first row (a page past the end: that row alone, its page columns
 * NULL). Numbers only go into the text; the game is a parameter. */
#define BOARD_SQL                                                                                  \
    "WITH board AS MATERIALIZED (SELECT e.bot_id, e.bot_version_id, e.mu, e.sigma, e.games, "      \
    "e.last_fight_at, e.mu - 3 * e.sigma AS rating, b.name, u.username FROM ladder_entries e "     \
    "JOIN bots b ON b.id = e.bot_id JOIN users u ON u.id = b.owner_id "                            \
    "WHERE e.game = $1 AND e.status = 'active' AND " ON_BOARD(                                     \
        "u") " "                                                                                   \
             "ORDER BY e.mu - 3 * e.sigma DESC, e.games DESC, e.bot_id LIMIT %s), "                \
             "ranked AS (SELECT *, rank() OVER (ORDER BY rating DESC) AS place, "                  \
             "row_number() OVER (ORDER BY rating DESC, games DESC, bot_id) AS pos FROM board), "   \
             "page AS (SELECT * FROM ranked WHERE pos > %s ORDER BY pos LIMIT %s) "                \
             "SELECT EXISTS (SELECT 1 FROM hidden_games WHERE game = $1), c.n, p.place, "          \
             "p.bot_id, "                                                                          \
             "p.name, p.username, v.version, p.rating, p.games, p.mu, p.sigma, "                   \
             "p.sigma > " PROVISIONAL_SIGMA ", api_time(p.last_fight_at) "                         \
             "FROM (SELECT count(*) AS n FROM board) c LEFT JOIN (page p "                         \
             "JOIN bot_versions v ON v.id = p.bot_version_id) ON true ORDER BY p.pos"

enum {
    B_HIDDEN,
    B_COUNT,
    B_RANK,
    B_BOT_ID,
    B_BOT,
    B_OWNER,
    B_VERSION,
    B_RATING,
    B_GAMES,
    B_MU,
    B_SIGMA,
    B_PROVISIONAL,
    B_LAST_FIGHT
};

static cJSON *board_entry_json(PGresult *res, int i)
{
    cJSON *o = cJSON_CreateObject();
    json_add_pg_num(o, "rank", res, i, B_RANK);
    json_add_pg_num(o, "bot_id", res, i, B_BOT_ID);
    cJSON_AddStringToObject(o, "bot", PQgetvalue(res, i, B_BOT));
    cJSON_AddStringToObject(o, "owner", PQgetvalue(res, i, B_OWNER));
    json_add_pg_num(o, "version", res, i, B_VERSION);
    json_add_pg_num(o, "rating", res, i, B_RATING);
    json_add_pg_num(o, "games", res, i, B_GAMES);
    json_add_pg_num(o, "mu", res, i, B_MU);
    json_add_pg_num(o, "sigma", res, i, B_SIGMA);
    json_add_pg_bool(o, "provisional", res, i, B_PROVISIONAL);
    json_add_pg_str(o, "last_fight_at", res, i, B_LAST_FIGHT);
    return o;
}

/* The page of the board (page, per_page) of game; NULL on a db error (not
 * answered); *hidden says whether an operator hid the game. */
static cJSON *board_page(web_req *r, const char *game, int page, int per_page, bool *hidden,
                         web_list_count *count)
{
    long long offset = (long long)(page - 1) * per_page;
    char cap[24], offset_text[24], limit[16], sql[2048];
    long long bound = list_count_cap(offset, per_page, cap);
    snprintf(offset_text, sizeof offset_text, "%lld", offset);
    snprintf(limit, sizeof limit, "%d", per_page);
    int w = snprintf(sql, sizeof sql, BOARD_SQL, cap, offset_text, limit);
    if (w < 0 || (size_t)w >= sizeof sql)
        abort(); /* fixed text and numbers: always fits */
    const char *params[1] = {game};
    PGresult *res = page <= BOARD_PREPARED_PAGES ? prepared_exec(r->t, sql, 1, params)
                                                 : cf_pg_exec(r->t->pg, sql, 1, params);
    if (res == NULL)
        return NULL;
    *hidden = PQntuples(res) > 0 && strcmp(PQgetvalue(res, 0, B_HIDDEN), "t") == 0;
    long long counted = PQntuples(res) > 0 ? atoll(PQgetvalue(res, 0, B_COUNT)) : 0;
    list_count_set(counted, offset, per_page, bound, count);
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++)
        if (!PQgetisnull(res, i, B_BOT_ID))
            cJSON_AddItemToArray(arr, board_entry_json(res, i));
    PQclear(res);
    return arr;
}

void ladder_board_get(web_req *r)
{
    const cf_game *g = cf_game_find(r->params[0]);
    if (g == NULL) {
        http_error(r, 404, "no such game");
        return;
    }
    int page, per_page;
    if (!http_int_query(r, "page", 1, 1, 100000, &page) ||
        !http_int_query(r, "per_page", 50, 1, 100, &per_page))
        return;
    /* The same for every reader but operators, who also see a hidden
     * game's board; known by what was asked (not the URI's text, which
     * other parameters could make long or different). */
    char key[64] = "";
    if (!r->operator) {
        snprintf(key, sizeof key, "ladder:%s:%d:%d", g->name, page, per_page);
        if (http_from_cache(r, key))
            return;
    }
    bool hidden = false;
    web_list_count count;
    cJSON *arr = board_page(r, g->name, page, per_page, &hidden, &count);
    if (arr == NULL) {
        http_db_error(r);
        return;
    }
    if (hidden && !r->operator) {
        cJSON_Delete(arr);
        http_error(r, 404, "no such game");
        return;
    }
    cJSON *o = list_page_json("entries", arr, page, per_page, &count);
    cJSON_AddStringToObject(o, "game", g->name);
    if (key[0] != '\0')
        http_json_cached(r, 200, o, key, BOARD_CACHE_MS);
    else
        http_json(r, 200, o);
}

/* ---- one bot's ladder page ---- */

/* The board of entry e's game, as "FROM" takes it. */
#define BOARD_OF_E                                                                                 \
    "ladder_entries o JOIN bots ob ON ob.id = o.bot_id JOIN users ou ON ou.id = ob.owner_id "      \
    "WHERE o.game = e.game AND o.status = 'active' AND " ON_BOARD("ou")

/* The bot ($1) with each of its entries, newest version first (none: one
 * row, the entry's columns NULL), and for an active entry its rank among
 * the game's active entries and their number. $2: the caller (or NULL). */
#define BOT_SQL                                                                                    \
    "SELECT b.id, b.name, b.game, COALESCE(u.username, '(deleted)'), "                             \
    "b.owner_id = $2::bigint, v.version, e.status, e.reason, e.mu - 3 * e.sigma, e.mu, "           \
    "e.sigma, e.games, e.sigma > " PROVISIONAL_SIGMA ", api_time(e.entered_at), "                  \
    "api_time(e.last_fight_at), "                                                                  \
    "CASE WHEN e.status = 'active' AND " ON_BOARD(                                                 \
        "u") " THEN 1 + (SELECT count(*) "                                                         \
             "FROM " BOARD_OF_E " AND o.mu - 3 * o.sigma > e.mu - 3 * e.sigma) END, "              \
             "CASE WHEN e.status = 'active' AND " ON_BOARD(                                        \
                 "u") " THEN (SELECT count(*) "                                                    \
                      "FROM " BOARD_OF_E ") END "                                                  \
                      "FROM bots b LEFT JOIN users u ON u.id = b.owner_id "                        \
                      "LEFT JOIN (ladder_entries e JOIN bot_versions v ON v.id = "                 \
                      "e.bot_version_id) "                                                         \
                      "ON e.bot_id = b.id WHERE b.id = $1::bigint ORDER BY v.version DESC NULLS "  \
                      "LAST"

enum {
    E_ID,
    E_NAME,
    E_GAME,
    E_OWNER,
    E_MINE,
    E_VERSION,
    E_STATUS,
    E_REASON,
    E_RATING,
    E_MU,
    E_SIGMA,
    E_GAMES,
    E_PROVISIONAL,
    E_ENTERED,
    E_LAST_FIGHT,
    E_RANK,
    E_OF
};

/* The bot's last 200 ratings, newest first (reversed when
 * printed). */
#define HISTORY_SQL                                                                                \
    "SELECT r.fight_id, api_time(r.rated_at), v.version, r.mu - 3 * r.sigma, r.mu, r.sigma, "      \
    "r.rank FROM ladder_entries e JOIN ladder_ratings r ON r.bot_version_id = e.bot_version_id "   \
    "JOIN bot_versions v ON v.id = e.bot_version_id WHERE e.bot_id = $1::bigint "                  \
    "ORDER BY r.rated_at DESC, r.fight_id LIMIT 200"

static bool entry_public(const char *status)
{
    return strcmp(status, "active") == 0 || strcmp(status, "left") == 0 ||
           strcmp(status, "replaced") == 0;
}

/* Entry row i for the caller (mine: the bot's owner). */
static cJSON *bot_entry_json(PGresult *res, int i, bool mine)
{
    cJSON *o = cJSON_CreateObject();
    json_add_pg_num(o, "version", res, i, E_VERSION);
    cJSON_AddStringToObject(o, "status", PQgetvalue(res, i, E_STATUS));
    json_add_pg_num(o, "rating", res, i, E_RATING);
    json_add_pg_num(o, "mu", res, i, E_MU);
    json_add_pg_num(o, "sigma", res, i, E_SIGMA);
    json_add_pg_num(o, "games", res, i, E_GAMES);
    json_add_pg_bool(o, "provisional", res, i, E_PROVISIONAL);
    json_add_pg_num(o, "rank", res, i, E_RANK);
    json_add_pg_num(o, "of", res, i, E_OF);
    json_add_pg_str(o, "entered_at", res, i, E_ENTERED);
    json_add_pg_str(o, "last_fight_at", res, i, E_LAST_FIGHT);
    if (mine)
        json_add_pg_str(o, "reason", res, i, E_REASON);
    return o;
}

/* The bot's fields and the entries the caller may see; NULL when the
 * caller may not see the bot at all (not answered). */
static cJSON *bot_part_json(PGresult *res)
{
    if (PQntuples(res) == 0)
        return NULL;
    bool mine = strcmp(PQgetvalue(res, 0, E_MINE), "t") == 0;
    cJSON *entries = cJSON_CreateArray();
    bool rated = false;
    for (int i = 0; i < PQntuples(res); i++) {
        if (PQgetisnull(res, i, E_STATUS))
            continue;
        bool shown = entry_public(PQgetvalue(res, i, E_STATUS));
        rated = rated || shown;
        if (shown || mine)
            cJSON_AddItemToArray(entries, bot_entry_json(res, i, mine));
    }
    if (!rated && !mine) {
        cJSON_Delete(entries);
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    json_add_pg_num(o, "bot_id", res, 0, E_ID);
    cJSON_AddStringToObject(o, "bot", PQgetvalue(res, 0, E_NAME));
    cJSON_AddStringToObject(o, "game", PQgetvalue(res, 0, E_GAME));
    cJSON_AddStringToObject(o, "owner", PQgetvalue(res, 0, E_OWNER));
    cJSON_AddBoolToObject(o, "mine", mine);
    cJSON_AddItemToObject(o, "entries", entries);
    return o;
}

/* The history, oldest first. */
static cJSON *history_json(PGresult *res)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = PQntuples(res) - 1; i >= 0; i--) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "fight_id", PQgetvalue(res, i, 0));
        cJSON_AddStringToObject(o, "at", PQgetvalue(res, i, 1));
        json_add_pg_num(o, "version", res, i, 2);
        json_add_pg_num(o, "rating", res, i, 3);
        json_add_pg_num(o, "mu", res, i, 4);
        json_add_pg_num(o, "sigma", res, i, 5);
        json_add_pg_num(o, "rank", res, i, 6);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

void ladder_bot_get(web_req *r)
{
    const char *bot_id = r->params[0];
    if (!http_int_id(bot_id)) {
        http_error(r, 404, "no such bot");
        return;
    }
    /* What anonymous readers see is the same for all of them (the owner
     * sees more, so logged-in readers are not served from it). */
    char key[64];
    snprintf(key, sizeof key, "ladder-bot:%s", bot_id);
    if (!r->authed && http_from_cache(r, key))
        return;
    const fight_list_query fq = {.ladder_bot = bot_id, .page = 1, .per_page = BOT_FIGHTS};
    fight_list_read fights;
    if (fight_list_read_of(r, &fq, false, &fights) != 0) {
        http_db_error(r);
        return;
    }
    web_read reads[3] = {
        {.sql = BOT_SQL, .nparams = 2, .params = {bot_id, r->authed ? r->user_id : NULL}},
        {.sql = HISTORY_SQL, .nparams = 1, .params = {bot_id}},
        fights.read,
    };
    if (!prepared_exec_all(r->t, reads, 3)) {
        http_db_error(r);
        return;
    }
    cJSON *o = bot_part_json(reads[0].res);
    if (o == NULL) {
        web_reads_clear(reads, 3);
        http_error(r, 404, "no such bot");
        return;
    }
    cJSON *list = fight_list_from(r, &fights, reads[2].res, NULL);
    if (list == NULL) {
        web_reads_clear(reads, 3);
        cJSON_Delete(o);
        http_db_error(r);
        return;
    }
    cJSON_AddItemToObject(o, "history", history_json(reads[1].res));
    cJSON_AddItemToObject(o, "fights", list);
    web_reads_clear(reads, 3);
    if (!r->authed)
        http_json_cached(r, 200, o, key, BOT_CACHE_MS);
    else
        http_json(r, 200, o);
}
