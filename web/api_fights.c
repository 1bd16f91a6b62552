/*
 * api_fights.c — hosting, starting, cancelling and showing fights.
 *
 * A fight's life: hosting (API "open": host + invitations) → queued (its
 * players fixed, its message in the outbox) → running (API "simulating")
 * → finished / failed / cancelled. Every change of state happens in one
 * transaction that first locks the fight row, so two invitees answering at
 * once, or the host starting while someone declines, see one order.
 * fights_settle() holds the rules of automatic start and cancel.
 *
 * Visibility: a public fight is visible to anyone; a private one only to
 * its host, players and invitees — to everyone else it does not exist (404).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "game.h"
#include "log.h"
#include "stream_msg.h"
#include "web.h"

/* How long anonymous readers may see a cached answer. */
#define FIGHT_CACHE_MS 10000
#define LIST_CACHE_MS 1000

static const struct {
    const char *db, *api;
} states[] = {
    {"hosting", "open"},       {"queued", "queued"},  {"running", "simulating"},
    {"finished", "finished"}, {"failed", "failed"},  {"cancelled", "cancelled"},
};

const char *fights_state_api(const char *db_status)
{
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (strcmp(states[i].db, db_status) == 0)
            return states[i].api;
    return db_status;
}

const char *fights_state_db(const char *api_state)
{
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (strcmp(states[i].api, api_state) == 0)
            return states[i].db;
    return NULL;
}

static const char *verdict_text(const char *v)
{
    static const struct {
        const char *v, *text;
    } texts[] = {
        {"ok", "ran to the end"},
        {"timeout", "took too long to answer (wall-clock limit per call)"},
        {"cpu_time", "CPU time limit exceeded"},
        {"memory", "memory limit exceeded"},
        {"illegal", "forbidden action or system call"},
        {"crashed", "crashed (exited, or raised while loading)"},
        {"bad_output", "broke the protocol (bad output)"},
        {"killed", "killed by a signal"},
    };

    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        if (strcmp(texts[i].v, v) == 0)
            return texts[i].text;
    return v;
}

/* A uniformly random seed in [0, 2^53 - 1] (the column's bounds). */
static void random_seed(char out[24])
{
    uint64_t s;

    randombytes_buf(&s, sizeof s);
    snprintf(out, 24, "%llu", (unsigned long long)(s & ((1ULL << 53) - 1)));
}

int fights_visible(web_req *r, const char *fight_id)
{
    const char *params[2] = {fight_id, r->authed ? r->user_id : NULL};
    PGresult *res = prepared_exec(
        r->t, WEB_STMT_VISIBLE,
        "SELECT 1 FROM fights f WHERE f.id = $1::uuid AND (f.visibility = 'public' "
        "OR f.host_id = $2::bigint "
        "OR EXISTS (SELECT 1 FROM fight_players p WHERE p.fight_id = f.id AND p.user_id = $2::bigint) "
        "OR EXISTS (SELECT 1 FROM invitations i WHERE i.fight_id = f.id "
        "AND i.invitee_id = $2::bigint))",
        2, params);
    int n;

    if (res == NULL)
        return -1;
    n = PQntuples(res);
    PQclear(res);
    return n == 1 ? 1 : 0;
}

static bool my_id(web_req *r, PGresult *res, int row, int col)
{
    return r->authed && !PQgetisnull(res, row, col) &&
           strcmp(PQgetvalue(res, row, col), r->user_id) == 0;
}

/* The players array of a fight; *me_player set when the caller plays. */
static cJSON *players_json(web_req *r, const char *fight_id, bool *me_player)
{
    const char *params[1] = {fight_id};
    PGresult *res = prepared_exec(
        r->t, WEB_STMT_PLAYERS,
        "SELECT p.slot, pu.username, p.user_id, b.id, b.name, v.version, p.name, p.result, "
        "p.rank, p.score, p.verdict, p.detail, p.cpu_ms, p.peak_memory_kb, p.log "
        "FROM fight_players p LEFT JOIN users pu ON pu.id = p.user_id "
        "LEFT JOIN bot_versions v ON v.id = p.bot_version_id "
        "LEFT JOIN bots b ON b.id = v.bot_id WHERE p.fight_id = $1::uuid ORDER BY p.slot",
        1, params);
    cJSON *arr;

    if (res == NULL)
        return NULL;
    arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *o = cJSON_CreateObject();
        bool mine = my_id(r, res, i, 2);
        bool house = PQgetisnull(res, i, 2) && PQgetisnull(res, i, 3);

        if (mine)
            *me_player = true;
        json_add_pg_num(o, "slot", res, i, 0);
        if (PQgetisnull(res, i, 1))
            cJSON_AddStringToObject(o, "username", house ? "house" : "(deleted)");
        else
            cJSON_AddStringToObject(o, "username", PQgetvalue(res, i, 1));
        if (mine)
            json_add_pg_num(o, "bot_id", res, i, 3);
        else
            cJSON_AddNullToObject(o, "bot_id");
        if (!PQgetisnull(res, i, 4))
            cJSON_AddStringToObject(o, "bot", PQgetvalue(res, i, 4));
        else {
            const char *slash = strchr(PQgetvalue(res, i, 6), '/');
            cJSON_AddStringToObject(o, "bot", slash != NULL ? slash + 1 : PQgetvalue(res, i, 6));
        }
        json_add_pg_num(o, "version", res, i, 5);
        cJSON_AddBoolToObject(o, "house", house);
        if (!PQgetisnull(res, i, 7))
            cJSON_AddStringToObject(o, "result", PQgetvalue(res, i, 7));
        else
            json_add_pg_str(o, "result", res, i, 8);
        json_add_pg_num(o, "rank", res, i, 8);
        json_add_pg_num(o, "score", res, i, 9);
        json_add_pg_str(o, "verdict", res, i, 10);
        if (PQgetisnull(res, i, 10))
            cJSON_AddNullToObject(o, "verdict_text");
        else
            cJSON_AddStringToObject(o, "verdict_text", verdict_text(PQgetvalue(res, i, 10)));
        json_add_pg_str(o, "detail", res, i, 11);
        json_add_pg_num(o, "cpu_ms", res, i, 12);
        json_add_pg_num(o, "peak_memory_kb", res, i, 13);
        /* A bot's log is its author's business only. */
        if (mine)
            cJSON_AddStringToObject(o, "log", PQgetvalue(res, i, 14));
        cJSON_AddItemToArray(arr, o);
    }
    PQclear(res);
    return arr;
}

static cJSON *fight_invitations_json(web_req *r, const char *fight_id, bool *me_invited,
                                     char *my_invitation, size_t len, int *accepted)
{
    const char *params[1] = {fight_id};
    PGresult *res = prepared_exec(
        r->t, WEB_STMT_INVITATIONS,
        "SELECT i.id, u.username, i.status, b.name, " WEB_TS("i.created_at") ", i.invitee_id "
        "FROM invitations i JOIN users u ON u.id = i.invitee_id "
        "LEFT JOIN bot_versions v ON v.id = i.bot_version_id "
        "LEFT JOIN bots b ON b.id = v.bot_id WHERE i.fight_id = $1::uuid ORDER BY i.id",
        1, params);
    cJSON *arr;

    if (res == NULL)
        return NULL;
    arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *o = cJSON_CreateObject();

        if (my_id(r, res, i, 5)) {
            *me_invited = true;
            snprintf(my_invitation, len, "%s", PQgetvalue(res, i, 0));
        }
        if (strcmp(PQgetvalue(res, i, 2), "accepted") == 0)
            (*accepted)++;
        json_add_pg_num(o, "id", res, i, 0);
        cJSON_AddStringToObject(o, "fight_id", fight_id);
        cJSON_AddStringToObject(o, "username", PQgetvalue(res, i, 1));
        cJSON_AddStringToObject(o, "state", PQgetvalue(res, i, 2));
        json_add_pg_str(o, "bot", res, i, 3);
        cJSON_AddStringToObject(o, "created_at", PQgetvalue(res, i, 4));
        cJSON_AddItemToArray(arr, o);
    }
    PQclear(res);
    return arr;
}

void fights_answer(web_req *r, const char *fight_id, int status)
{
    const char *params[1] = {fight_id};
    PGresult *res = prepared_exec(
        r->t, WEB_STMT_FIGHT,
        "SELECT f.id, f.game, hu.username, f.status, f.visibility, f.settings::text, f.seed, "
        WEB_TS("f.created_at") ", " WEB_TS("f.started_at") ", " WEB_TS("f.finished_at") ", "
        "f.result::text, f.explanation, f.ticks, "
        "EXISTS (SELECT 1 FROM fight_reports fr WHERE fr.fight_id = f.id "
        "AND fr.replay IS NOT NULL), f.host_id "
        "FROM fights f LEFT JOIN users hu ON hu.id = f.host_id WHERE f.id = $1::uuid",
        1, params);
    bool me_player = false, me_invited = false, is_host, visible;
    char my_invitation[24] = "";
    int accepted = 0, tick;
    cJSON *o, *players, *invs, *me, *result;
    const cf_game *g;
    const char *state;
    bool simulating = false;

    res = http_one_row(r, res, false, 404, "no such fight");
    if (res == NULL)
        return;
    players = players_json(r, fight_id, &me_player);
    invs = fight_invitations_json(r, fight_id, &me_invited, my_invitation,
                                  sizeof my_invitation, &accepted);
    if (players == NULL || invs == NULL) {
        cJSON_Delete(players);
        cJSON_Delete(invs);
        PQclear(res);
        http_db_error(r);
        return;
    }
    is_host = my_id(r, res, 0, 14);
    visible = strcmp(PQgetvalue(res, 0, 4), "public") == 0 || is_host || me_player || me_invited;
    if (!visible) {
        cJSON_Delete(players);
        cJSON_Delete(invs);
        PQclear(res);
        http_error(r, 404, "no such fight");
        return;
    }
    state = fights_state_api(PQgetvalue(res, 0, 3));
    tick = -1;
    if (strcmp(state, "queued") == 0 || strcmp(state, "simulating") == 0) {
        tick = live_progress(fight_id, &simulating);
        if (simulating)
            state = "simulating";
    }
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", PQgetvalue(res, 0, 0));
    cJSON_AddStringToObject(o, "game", PQgetvalue(res, 0, 1));
    json_add_pg_str(o, "host", res, 0, 2);
    cJSON_AddStringToObject(o, "state", state);
    cJSON_AddBoolToObject(o, "public", strcmp(PQgetvalue(res, 0, 4), "public") == 0);
    cJSON_AddItemToObject(o, "settings", cJSON_Parse(PQgetvalue(res, 0, 5)));
    json_add_pg_num(o, "seed", res, 0, 6);
    if (tick >= 0)
        cJSON_AddNumberToObject(o, "tick", tick);
    else
        cJSON_AddNullToObject(o, "tick");
    cJSON_AddStringToObject(o, "created_at", PQgetvalue(res, 0, 7));
    json_add_pg_str(o, "started_at", res, 0, 8);
    json_add_pg_str(o, "finished_at", res, 0, 9);
    result = PQgetisnull(res, 0, 10) ? cJSON_CreateNull() : cJSON_Parse(PQgetvalue(res, 0, 10));
    cJSON_AddItemToObject(o, "result", result != NULL ? result : cJSON_CreateNull());
    g = cf_game_find(PQgetvalue(res, 0, 1));
    /* The game's words for its codes (Tanks' "X": "Tick limit exceeded."). */
    if (PQgetisnull(res, 0, 11))
        cJSON_AddNullToObject(o, "explanation");
    else
        cJSON_AddStringToObject(o, "explanation",
                                cf_game_explanation_text(g, PQgetvalue(res, 0, 11)));
    json_add_pg_num(o, "ticks", res, 0, 12);
    cJSON_AddBoolToObject(o, "has_replay", PQgetvalue(res, 0, 13)[0] == 't');
    cJSON_AddNumberToObject(o, "min_players", g != NULL ? g->min_players : 0);
    cJSON_AddNumberToObject(o, "max_players", g != NULL ? g->max_players : 0);
    cJSON_AddItemToObject(o, "players", players);
    cJSON_AddItemToObject(o, "invitations", invs);
    me = cJSON_AddObjectToObject(o, "me");
    cJSON_AddBoolToObject(me, "is_host", is_host);
    cJSON_AddBoolToObject(me, "can_start",
                          is_host && g != NULL && strcmp(state, "open") == 0 &&
                              1 + accepted >= g->min_players && 1 + accepted <= g->max_players);
    cJSON_AddBoolToObject(me, "can_cancel",
                          is_host && (strcmp(state, "open") == 0 || strcmp(state, "queued") == 0 ||
                                      strcmp(state, "simulating") == 0));
    if (my_invitation[0] != '\0')
        cJSON_AddNumberToObject(me, "invitation_id", strtod(my_invitation, NULL));
    else
        cJSON_AddNullToObject(me, "invitation_id");
    PQclear(res);
    /* A finished fight looks the same to every anonymous reader. */
    if (!r->authed && status == 200 &&
        (strcmp(state, "finished") == 0 || strcmp(state, "failed") == 0 ||
         strcmp(state, "cancelled") == 0)) {
        char key[64];

        snprintf(key, sizeof key, "fight:%s", fight_id);
        http_json_cached(r, status, o, key, FIGHT_CACHE_MS);
        return;
    }
    http_json(r, status, o);
}

void fights_get(web_req *r)
{
    char key[64];

    if (!http_valid_id(r->params[0])) {
        http_error(r, 404, "no such fight");
        return;
    }
    snprintf(key, sizeof key, "fight:%s", r->params[0]);
    if (!r->authed && http_from_cache(r, key))
        return;
    fights_answer(r, r->params[0], 200);
}

bool fights_check_visible(web_req *r, const char *fight_id)
{
    int v = http_valid_id(fight_id) ? fights_visible(r, fight_id) : 0;

    if (v < 0)
        http_db_error(r);
    else if (v == 0)
        http_error(r, 404, "no such fight");
    return v == 1;
}

void fights_replay(web_req *r)
{
    const char *params[1] = {r->params[0]};
    PGresult *res;

    if (!fights_check_visible(r, r->params[0]))
        return;
    /* Built by PostgreSQL: the replay can be large and needs no parsing here. */
    res = cf_pg_exec(
        r->t->pg,
        "SELECT json_build_object('fight_id', f.id, 'game', f.game, 'players', "
        "(SELECT COALESCE(json_agg(p.name ORDER BY p.slot), '[]') FROM fight_players p "
        "WHERE p.fight_id = f.id), 'result', f.result, 'ticks', f.ticks, "
        "'settings', f.settings, 'data', fr.replay)::text "
        "FROM fights f JOIN fight_reports fr ON fr.fight_id = f.id "
        "WHERE f.id = $1::uuid AND fr.replay IS NOT NULL",
        1, params);
    res = http_one_row(r, res, false, 409, "fight has no replay yet");
    if (res == NULL)
        return;
    http_send(r, 200, "application/json", PQgetvalue(res, 0, 0),
              (size_t)PQgetlength(res, 0, 0), NULL);
    PQclear(res);
}

/* The latest version of the body's "bot_id" (of game, unless NULL). */
static bool my_bot_version(web_req *r, const cJSON *body, const char *game, bot_version *out)
{
    char id[WEB_INT_ID_SIZE];

    return http_id_field(r, body, "bot_id", id) && bot_latest_version(r, id, game, out);
}

/* The game's validated settings as JSON text (caller frees), or NULL after
 * answering 400. */
static char *checked_settings(web_req *r, const cf_game *g, const cJSON *user)
{
    char err[256];
    cJSON *s;
    char *text;

    if (user != NULL && !cJSON_IsNull(user) && !cJSON_IsObject(user)) {
        http_error(r, 400, "field 'settings' must be an object");
        return NULL;
    }
    s = cf_game_settings(g, cJSON_IsObject(user) ? user : NULL, true, err, sizeof err);
    if (s == NULL) {
        http_error(r, 400, "settings: %s", err);
        return NULL;
    }
    text = cJSON_PrintUnformatted(s);
    cJSON_Delete(s);
    if (text == NULL)
        http_error(r, 500, "out of memory");
    return text;
}

static int insert_player(cf_pg *pg, const char *fight_id, int slot, const char *user_id,
                         const char *version_id, const char *name)
{
    char s[16];
    const char *params[5];

    snprintf(s, sizeof s, "%d", slot);
    params[0] = fight_id;
    params[1] = s;
    params[2] = user_id;
    params[3] = version_id;
    params[4] = name;
    return cf_pg_run(pg,
                     "INSERT INTO fight_players (fight_id, slot, user_id, bot_version_id, name) "
                     "VALUES ($1::uuid, $2::int, $3::bigint, $4::bigint, $5)",
                     5, params);
}

/* Queues a hosting fight whose players are in fight_players (transaction). */
static int queue_fight(cf_pg *pg, const char *fight_id)
{
    char seed[24];
    const char *params[2] = {fight_id, seed};

    random_seed(seed);
    if (cf_pg_run(pg,
                  "UPDATE fights SET status = 'queued', queued_at = now(), seed = $2::bigint "
                  "WHERE id = $1::uuid",
                  2, params) != 0 ||
        cf_pg_run(pg,
                  "UPDATE invitations SET status = 'withdrawn', responded_at = now() "
                  "WHERE fight_id = $1::uuid AND status = 'pending'",
                  1, params) != 0)
        return -1;
    return outbox_enqueue(pg, fight_id);
}

static int cancel_hosting(cf_pg *pg, const char *fight_id)
{
    const char *params[1] = {fight_id};

    if (cf_pg_run(pg,
                  "UPDATE fights SET status = 'cancelled', finished_at = now() "
                  "WHERE id = $1::uuid",
                  1, params) != 0)
        return -1;
    return cf_pg_run(pg,
                     "UPDATE invitations SET status = 'withdrawn', responded_at = now() "
                     "WHERE fight_id = $1::uuid AND status = 'pending'",
                     1, params);
}

int fights_settle(web_req *r, const char *fight_id, bool force)
{
    const char *params[1] = {fight_id};
    PGresult *res;
    const cf_game *g;
    int accepted, pending, players, slot = 1;
    bool hosting;

    res = cf_pg_exec(r->t->pg,
                     "SELECT f.game, f.status, "
                     "(SELECT count(*) FROM invitations i WHERE i.fight_id = f.id "
                     "AND i.status = 'accepted'), "
                     "(SELECT count(*) FROM invitations i WHERE i.fight_id = f.id "
                     "AND i.status = 'pending') "
                     "FROM fights f WHERE f.id = $1::uuid FOR UPDATE",
                     1, params);
    if (res == NULL)
        return -1;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return 0;
    }
    g = cf_game_find(PQgetvalue(res, 0, 0));
    hosting = strcmp(PQgetvalue(res, 0, 1), "hosting") == 0;
    accepted = atoi(PQgetvalue(res, 0, 2));
    pending = atoi(PQgetvalue(res, 0, 3));
    PQclear(res);
    if (!hosting || g == NULL)
        return force ? -2 : 0;
    players = 1 + accepted;
    if (force) {
        if (players < g->min_players || players > g->max_players)
            return -2;
    } else if (pending > 0) {
        /* Too few can remain even if every pending invitee accepts. */
        if (players + pending < g->min_players)
            return cancel_hosting(r->t->pg, fight_id) == 0 ? 0 : -1;
        return 0;
    } else if (players < g->min_players || players > g->max_players) {
        return cancel_hosting(r->t->pg, fight_id) == 0 ? 0 : -1;
    } else if (accepted == 0) {
        /* Everyone declined or withdrew, and the game can be played alone:
         * leave it to the host rather than start a solo fight unasked. */
        return 0;
    }
    /* Start: the accepted invitees join in the order they accepted. */
    res = cf_pg_exec(r->t->pg,
                     "SELECT i.invitee_id, i.bot_version_id, u.username, b.name "
                     "FROM invitations i JOIN users u ON u.id = i.invitee_id "
                     "JOIN bot_versions v ON v.id = i.bot_version_id "
                     "JOIN bots b ON b.id = v.bot_id "
                     "WHERE i.fight_id = $1::uuid AND i.status = 'accepted' "
                     "ORDER BY i.responded_at, i.id",
                     1, params);
    if (res == NULL)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        char name[WEB_PLAYER_NAME_MAX + 1];

        web_player_name(name, PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
        if (insert_player(r->t->pg, fight_id, slot++, PQgetvalue(res, i, 0),
                          PQgetvalue(res, i, 1), name) != 0) {
            PQclear(res);
            return -1;
        }
    }
    PQclear(res);
    if (queue_fight(r->t->pg, fight_id) != 0)
        return -1;
    log_info("fight %s queued with %d players", fight_id, slot);
    return 1;
}

/* Looks invitees up by username: fills ids; answers 400 and returns -1. */
static int resolve_invitees(web_req *r, const cJSON *invite, char ids[][24], int max)
{
    int n = 0;
    const cJSON *it;

    if (invite == NULL || cJSON_IsNull(invite))
        return 0;
    if (!cJSON_IsArray(invite)) {
        http_error(r, 400, "field 'invite' must be an array of usernames");
        return -1;
    }
    cJSON_ArrayForEach(it, invite)
    {
        if (!cJSON_IsString(it) || !account_username_valid(it->valuestring)) {
            http_error(r, 400, "field 'invite' must hold valid usernames");
            return -1;
        }
        if (n == max) {
            http_error(r, 400, "too many invitations for this game");
            return -1;
        }
        int found = account_id_by_name(r, it->valuestring, ids[n], 24);
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

/* Opens the transaction of a new fight: the fight, hosting, and its host
 * as player slot 0 (the fights list and the live poll rely on the host
 * being a player). 0 or -1 (transaction left for the caller to roll back). */
static int begin_hosting(web_req *r, const char *fight_id, const cf_game *g, bool pub,
                         const char *settings, const char *version, const char *bot_name)
{
    char name[WEB_PLAYER_NAME_MAX + 1];
    const char *params[5] = {fight_id, g->name, r->user_id, pub ? "public" : "private",
                             settings};

    web_player_name(name, r->username, bot_name);
    if (cf_pg_begin(r->t->pg) != 0 ||
        cf_pg_run(r->t->pg,
                  "INSERT INTO fights (id, game, host_id, status, visibility, settings) "
                  "VALUES ($1::uuid, $2, $3::bigint, 'hosting', $4, $5::jsonb)",
                  5, params) != 0)
        return -1;
    return insert_player(r->t->pg, fight_id, 0, r->user_id, version, name);
}

void fights_create(web_req *r)
{
    cJSON *b = http_json_body(r);
    const char *game_name;
    const cf_game *g;
    bot_version bv;
    char *settings = NULL, fight_id[CF_UUID_LEN + 1];
    char invitees[CF_MAX_PLAYERS][24];
    int ninv;
    bool pub;

    if (b == NULL)
        return;
    game_name = http_str_field(r, b, "game", true, CF_GAME_NAME_MAX);
    if (game_name == NULL)
        return;
    g = cf_game_find(game_name);
    if (g == NULL) {
        http_error(r, 400, "no such game '%s'", game_name);
        return;
    }
    if (!http_bool_field(r, b, "public", account_public_default(r), &pub))
        return;
    if (!my_bot_version(r, b, g->name, &bv))
        return;
    settings = checked_settings(r, g, cJSON_GetObjectItemCaseSensitive(b, "settings"));
    if (settings == NULL)
        return;
    ninv = resolve_invitees(r, cJSON_GetObjectItemCaseSensitive(b, "invite"), invitees,
                            g->max_players - 1);
    if (ninv < 0) {
        free(settings);
        return;
    }
    cf_uuid_generate(fight_id);
    if (begin_hosting(r, fight_id, g, pub, settings, bv.id, bv.bot_name) != 0)
        goto fail;
    for (int i = 0; i < ninv; i++) {
        const char *ip[2] = {fight_id, invitees[i]};

        if (cf_pg_run(r->t->pg,
                      "INSERT INTO invitations (fight_id, invitee_id) VALUES ($1::uuid, $2::bigint)",
                      2, ip) != 0)
            goto fail;
    }
    if (cf_pg_commit(r->t->pg) != 0)
        goto fail;
    free(settings);
    log_info("user %s hosts fight %s (%s, %d invited)", r->username, fight_id, g->name, ninv);
    fights_answer(r, fight_id, 201);
    return;
fail:
    cf_pg_rollback(r->t->pg);
    free(settings);
    http_db_error(r);
}

void fights_play_now(web_req *r)
{
    cJSON *b = http_json_body(r);
    const char *tpl, *params[1];
    bot_version bv;
    char *settings = NULL, fight_id[CF_UUID_LEN + 1];
    char game[CF_GAME_NAME_MAX + 1], tplbuf[128], name[WEB_PLAYER_NAME_MAX + 1];
    const cf_game *g;
    PGresult *res;
    size_t len;
    char *code;
    bool pub;
    int house;

    if (b == NULL)
        return;
    if (!http_bool_field(r, b, "public", false, &pub))
        return;
    if (!my_bot_version(r, b, NULL, &bv))
        return;
    params[0] = bv.id;
    res = cf_pg_exec(r->t->pg,
                     "SELECT b.game FROM bot_versions v JOIN bots b ON b.id = v.bot_id "
                     "WHERE v.id = $1::bigint",
                     1, params);
    if (res == NULL || PQntuples(res) != 1) {
        if (res != NULL)
            PQclear(res);
        http_db_error(r);
        return;
    }
    snprintf(game, sizeof game, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    g = cf_game_find(game);
    if (g == NULL) {
        http_error(r, 409, "game '%s' is not available any more", game);
        return;
    }
    tpl = http_str_field(r, b, "template", false, 100);
    if (tpl == NULL && cJSON_GetObjectItemCaseSensitive(b, "template") != NULL &&
        !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(b, "template")))
        return;
    if (tpl == NULL) {
        if (!catalog_first_template(g->name, tplbuf, sizeof tplbuf)) {
            http_error(r, 409, "game '%s' has no house bot", g->name);
            return;
        }
        tpl = tplbuf;
    }
    code = catalog_template_read(g->name, tpl, &len);
    if (code == NULL) {
        http_error(r, 404, "no such template '%s'", tpl);
        return;
    }
    free(code);
    if (!web_house_name(name, tpl)) {
        http_error(r, 409, "template '%s' has too long a name to be a house bot", tpl);
        return;
    }
    settings = checked_settings(r, g, cJSON_GetObjectItemCaseSensitive(b, "settings"));
    if (settings == NULL)
        return;
    house = g->min_players - 1 > 1 ? g->min_players - 1 : 1;
    if (house > g->max_players - 1)
        house = g->max_players - 1;
    cf_uuid_generate(fight_id);
    if (begin_hosting(r, fight_id, g, pub, settings, bv.id, bv.bot_name) != 0)
        goto fail;
    for (int i = 0; i < house; i++) {
        if (insert_player(r->t->pg, fight_id, 1 + i, NULL, NULL, name) != 0)
            goto fail;
    }
    if (queue_fight(r->t->pg, fight_id) != 0 || cf_pg_commit(r->t->pg) != 0)
        goto fail;
    free(settings);
    log_info("user %s plays now: fight %s (%s vs %d house bots)", r->username, fight_id,
             g->name, house);
    outbox_wake();
    fights_answer(r, fight_id, 201);
    return;
fail:
    cf_pg_rollback(r->t->pg);
    free(settings);
    http_db_error(r);
}

/* Locks fight id, checks the caller hosts it; answers and returns NULL
 * otherwise. Returns the db status (caller frees) inside an open
 * transaction. */
static char *lock_my_fight(web_req *r, const char *id)
{
    const char *params[1] = {id};
    PGresult *res;
    char *status;
    bool host;

    if (!http_valid_id(id)) {
        http_error(r, 404, "no such fight");
        return NULL;
    }
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return NULL;
    }
    res = cf_pg_exec(r->t->pg, "SELECT status, host_id FROM fights WHERE id = $1::uuid FOR UPDATE",
                     1, params);
    res = http_one_row(r, res, true, 404, "no such fight");
    if (res == NULL)
        return NULL;
    host = my_id(r, res, 0, 1);
    status = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!host) {
        int v = fights_visible(r, id);

        cf_pg_rollback(r->t->pg);
        free(status);
        if (v == 1)
            http_error(r, 403, "only the host can do this");
        else
            http_error(r, 404, "no such fight");
        return NULL;
    }
    return status;
}

/* lock_my_fight for a fight still open (hosting); answers 409 otherwise. */
static bool lock_my_open_fight(web_req *r, const char *id)
{
    char *status = lock_my_fight(r, id);
    bool open = status != NULL && strcmp(status, "hosting") == 0;

    if (status != NULL && !open) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 409, "fight is %s, not open", fights_state_api(status));
    }
    free(status);
    return open;
}

void fights_start(web_req *r)
{
    int rc;

    if (!lock_my_open_fight(r, r->params[0]))
        return;
    rc = fights_settle(r, r->params[0], true);
    if (rc == -2) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 409, "the number of players is outside the game's bounds");
        return;
    }
    if (rc < 0 || cf_pg_commit(r->t->pg) != 0) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return;
    }
    outbox_wake();
    fights_answer(r, r->params[0], 200);
}

void fights_cancel(web_req *r)
{
    char *status = lock_my_fight(r, r->params[0]);
    const char *params[1] = {r->params[0]};
    bool running;
    redisReply *rep;

    if (status == NULL)
        return;
    if (strcmp(status, "hosting") != 0 && strcmp(status, "queued") != 0 &&
        strcmp(status, "running") != 0) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 409, "fight is %s already", fights_state_api(status));
        free(status);
        return;
    }
    running = strcmp(status, "hosting") != 0;
    free(status);
    if (cancel_hosting(r->t->pg, r->params[0]) != 0 ||
        (running && (cf_pg_run(r->t->pg,
                               "UPDATE fights SET cancel_requested = true WHERE id = $1::uuid", 1,
                               params) != 0 ||
                     outbox_drop(r->t->pg, r->params[0]) != 0)) ||
        cf_pg_commit(r->t->pg) != 0) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return;
    }
    if (running) {
        /* docs/streams.md: the simulator skips or stops a fight whose key is set. */
        rep = cf_redis_command(r->t->redis, "SET cf:cancel:%s 1 EX 86400", r->params[0]);
        if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
            log_warn("fight %s: could not set its cancel key: %s", r->params[0],
                     rep != NULL ? rep->str : cf_redis_error(r->t->redis));
        if (rep != NULL)
            freeReplyObject(rep);
    }
    log_info("user %s cancelled fight %s", r->username, r->params[0]);
    fights_answer(r, r->params[0], 200);
}

void fights_invite(web_req *r)
{
    cJSON *b;
    const char *username, *params[3];
    PGresult *res;
    const cf_game *g;
    char invitee[24], inv_id[24];
    int taken;

    if (!lock_my_open_fight(r, r->params[0]))
        return;
    b = http_json_body(r);
    if (b == NULL || (username = http_str_field(r, b, "username", true, 256)) == NULL) {
        cf_pg_rollback(r->t->pg);
        return;
    }
    params[0] = username;
    params[1] = r->params[0];
    res = cf_pg_exec(r->t->pg,
                     "SELECT u.id, f.game, (SELECT count(*) FROM invitations i "
                     "WHERE i.fight_id = f.id AND i.status IN ('pending', 'accepted')) "
                     "FROM users u, fights f WHERE lower(u.username) = lower($1) "
                     "AND f.id = $2::uuid",
                     2, params);
    res = http_one_row(r, res, true, 404, "no such user");
    if (res == NULL)
        return;
    snprintf(invitee, sizeof invitee, "%s", PQgetvalue(res, 0, 0));
    g = cf_game_find(PQgetvalue(res, 0, 1));
    taken = atoi(PQgetvalue(res, 0, 2));
    PQclear(res);
    if (strcmp(invitee, r->user_id) == 0) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 400, "you cannot invite yourself");
        return;
    }
    if (g == NULL || 1 + taken >= g->max_players) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 409, "the fight is full");
        return;
    }
    params[0] = r->params[0];
    params[1] = invitee;
    res = cf_pg_exec(r->t->pg,
                     "INSERT INTO invitations (fight_id, invitee_id) VALUES ($1::uuid, $2::bigint) "
                     "ON CONFLICT (fight_id, invitee_id) DO UPDATE SET status = 'pending', "
                     "bot_version_id = NULL, responded_at = NULL, created_at = now() "
                     "WHERE invitations.status IN ('declined', 'withdrawn') RETURNING id",
                     2, params);
    res = http_one_row(r, res, true, 409, "'%s' is already invited", username);
    if (res == NULL)
        return;
    snprintf(inv_id, sizeof inv_id, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (cf_pg_commit(r->t->pg) != 0) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return;
    }
    invitations_answer(r, inv_id, 201);
}

/* How far past a page's first row the list counts: ten pages. "total" is
 * exact below that and a lower bound otherwise: counting every public
 * fight cost 165 ms a request at 300,000 fights, and even a bounded count
 * costs about 10 us a row for a user with many fights. */
#define LIST_COUNT_PAGES 10

typedef struct list_query {
    const char *game, *state, *user; /* filters, NULL when absent */
    bool mine;                       /* the caller's fights, else public ones */
    int page, per_page;
} list_query;

typedef struct list_count {
    long long total; /* matching fights, up to offset + LIST_COUNT_PAGES pages */
    bool exact;      /* false: there are more than total */
    bool has_more;   /* a next page has rows */
} list_count;

/* The filters as SQL conditions on fights f, in one or two "arms" whose
 * rows together are the list. Each arm is one an index serves in
 * created_at order: public fights (fights_public_created_idx), or the
 * caller's as a player (fights_created_idx, checked against fight_players'
 * key) and as an invitee — a UNION of the two arms rather than ORed
 * EXISTS, which only a scan of every fight answers, or an IN over a UNION
 * ALL, which reads all of a user's fights before sorting them (120 ms for
 * 50,000). A host is always player slot 0, so fight_players covers hosting.
 * Values go in params; returns the number of arms. */
static int list_arms(web_req *r, const list_query *q, const char *user_id,
                     char arms[2][512], const char **params, int *nparams)
{
    char extra[256];
    size_t used = 0;
    int n = 0, narms;

    extra[0] = '\0';
#define COND(...)                                                                          \
    used += (size_t)snprintf(extra + used, used < sizeof extra ? sizeof extra - used : 0,     \
                             __VA_ARGS__)
    if (user_id != NULL) {
        params[n++] = user_id;
        COND(" AND f.id IN (SELECT fight_id FROM fight_players WHERE user_id = $%d::bigint)", n);
    }
    if (q->game != NULL) {
        params[n++] = q->game;
        COND(" AND f.game = $%d", n);
    }
    if (q->state != NULL) {
        params[n++] = q->state;
        COND(" AND f.status = $%d", n);
    }
#undef COND
    /* The conditions are fixed texts: they always fit; never run a cut one. */
    if (used >= sizeof extra)
        abort();
    if (q->mine) {
        params[n++] = r->user_id;
        snprintf(arms[0], sizeof arms[0],
                 "f.id IN (SELECT fight_id FROM fight_players WHERE user_id = $%d::bigint)%s", n,
                 extra);
        snprintf(arms[1], sizeof arms[1],
                 "f.id IN (SELECT fight_id FROM invitations WHERE invitee_id = $%d::bigint)%s", n,
                 extra);
        narms = 2;
    } else {
        snprintf(arms[0], sizeof arms[0], "f.visibility = 'public'%s", extra);
        narms = 1;
    }
    *nparams = n;
    return narms;
}

/* The rows of one page, newest first, with their players. */
static cJSON *list_rows(web_req *r, char arms[2][512], int narms, const char **params, int n,
                        long long offset, int per_page)
{
    char sql[4096], page[1536], limit[16], off[24], reach[24];
    PGresult *res;
    cJSON *arr;

    snprintf(limit, sizeof limit, "%d", per_page);
    snprintf(off, sizeof off, "%lld", offset);
    snprintf(reach, sizeof reach, "%lld", offset + per_page);
    params[n] = limit;
    params[n + 1] = off;
    params[n + 2] = reach;
    if (narms == 1)
        snprintf(page, sizeof page,
                 "SELECT f.id FROM fights f WHERE %s ORDER BY f.created_at DESC, f.id "
                 "LIMIT $%d::int OFFSET $%d::bigint",
                 arms[0], n + 1, n + 2);
    else
        /* Each arm's first offset + per_page rows hold the page. */
        snprintf(page, sizeof page,
                 "SELECT id FROM ((SELECT f.id, f.created_at FROM fights f WHERE %s "
                 "ORDER BY f.created_at DESC, f.id LIMIT $%d::bigint) UNION "
                 "(SELECT f.id, f.created_at FROM fights f WHERE %s "
                 "ORDER BY f.created_at DESC, f.id LIMIT $%d::bigint)) u "
                 "ORDER BY created_at DESC, id LIMIT $%d::int OFFSET $%d::bigint",
                 arms[0], n + 3, arms[1], n + 3, n + 1, n + 2);
    /* The page is cut first (an index scan in created_at order), then only
     * its rows get their host and players. */
    snprintf(sql, sizeof sql,
             "SELECT f.id, f.game, hu.username, f.status, f.visibility, " WEB_TS("f.created_at")
             ", " WEB_TS("f.finished_at") ", "
             "(SELECT COALESCE(json_agg(json_build_object('username', "
             "COALESCE(pu.username, CASE WHEN p.user_id IS NULL AND p.bot_version_id IS NULL "
             "THEN 'house' ELSE '(deleted)' END), 'bot', COALESCE(b.name, "
             "substr(p.name, strpos(p.name, '/') + 1)), 'result', COALESCE(p.result, "
             "p.rank::text)) ORDER BY p.slot), '[]')::text FROM fight_players p "
             "LEFT JOIN users pu ON pu.id = p.user_id "
             "LEFT JOIN bot_versions v ON v.id = p.bot_version_id "
             "LEFT JOIN bots b ON b.id = v.bot_id WHERE p.fight_id = f.id) "
             "FROM (%s) pg JOIN fights f ON f.id = pg.id "
             "LEFT JOIN users hu ON hu.id = f.host_id ORDER BY f.created_at DESC, f.id",
             page);
    res = cf_pg_exec(r->t->pg, sql, narms == 1 ? n + 2 : n + 3, params);
    if (res == NULL)
        return NULL;
    arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *o = cJSON_CreateObject(), *players = cJSON_Parse(PQgetvalue(res, i, 7));
        const char *st = fights_state_api(PQgetvalue(res, i, 3));
        bool simulating = false;

        if (strcmp(st, "queued") == 0) {
            live_progress(PQgetvalue(res, i, 0), &simulating);
            if (simulating)
                st = "simulating";
        }
        cJSON_AddStringToObject(o, "id", PQgetvalue(res, i, 0));
        cJSON_AddStringToObject(o, "game", PQgetvalue(res, i, 1));
        json_add_pg_str(o, "host", res, i, 2);
        cJSON_AddStringToObject(o, "state", st);
        cJSON_AddBoolToObject(o, "public", strcmp(PQgetvalue(res, i, 4), "public") == 0);
        cJSON_AddStringToObject(o, "created_at", PQgetvalue(res, i, 5));
        json_add_pg_str(o, "finished_at", res, i, 6);
        cJSON_AddItemToObject(o, "players", players != NULL ? players : cJSON_CreateArray());
        cJSON_AddItemToArray(arr, o);
    }
    PQclear(res);
    return arr;
}

/* Counts matching fights, stopping LIST_COUNT_PAGES pages past the page's
 * first row. */
static int list_count_rows(web_req *r, char arms[2][512], int narms, const char **params,
                           int n, long long offset, int per_page, list_count *c)
{
    char sql[1536], cap[24];
    long long bound = offset + (long long)LIST_COUNT_PAGES * per_page, counted;
    PGresult *res;

    snprintf(cap, sizeof cap, "%lld", bound + 1);
    params[n] = cap;
    if (narms == 1)
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM (SELECT 1 FROM fights f WHERE %s LIMIT $%d::bigint) c",
                 arms[0], n + 1);
    else
        /* Either an arm alone reaches the cap, or both are whole. */
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM ((SELECT f.id FROM fights f WHERE %s LIMIT $%d::bigint) "
                 "UNION (SELECT f.id FROM fights f WHERE %s LIMIT $%d::bigint) "
                 "LIMIT $%d::bigint) c",
                 arms[0], n + 1, arms[1], n + 1, n + 1);
    res = cf_pg_exec(r->t->pg, sql, n + 1, params);
    if (res == NULL)
        return -1;
    counted = PQntuples(res) == 1 ? atoll(PQgetvalue(res, 0, 0)) : 0;
    PQclear(res);
    c->exact = counted <= bound;
    c->total = c->exact ? counted : bound;
    c->has_more = counted > offset + per_page;
    return 0;
}

/* One page of fights: public ones, or the caller's when q->mine. count may
 * be NULL (not counted). NULL on db error. */
static cJSON *fights_page(web_req *r, const list_query *q, list_count *count)
{
    char arms[2][512], uid[24];
    const char *params[8];
    long long offset = (long long)(q->page - 1) * q->per_page;
    int n, narms;
    cJSON *arr;

    if (count != NULL)
        *count = (list_count){.total = 0, .exact = true, .has_more = false};
    if (q->user != NULL) {
        int found = account_id_by_name(r, q->user, uid, sizeof uid);

        if (found <= 0)
            return found < 0 ? NULL : cJSON_CreateArray();
    }
    narms = list_arms(r, q, q->user != NULL ? uid : NULL, arms, params, &n);
    arr = list_rows(r, arms, narms, params, n, offset, q->per_page);
    if (arr != NULL && count != NULL &&
        list_count_rows(r, arms, narms, params, n, offset, q->per_page, count) != 0) {
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}

void fights_list(web_req *r)
{
    const char *game = http_query(r, "game"), *state = http_query(r, "state");
    const char *user = http_query(r, "user"), *mine = http_query(r, "mine");
    const char *db_state = NULL;
    int page, per_page;
    list_query q;
    list_count count;
    cJSON *arr, *o;
    char key[300] = "";

    if (game != NULL && cf_game_find(game) == NULL) {
        http_error(r, 400, "no such game '%.32s'", game);
        return;
    }
    if (state != NULL && (db_state = fights_state_db(state)) == NULL) {
        http_error(r, 400, "query parameter 'state' must be one of open, queued, simulating, "
                           "finished, failed, cancelled");
        return;
    }
    if (user != NULL && !account_username_valid(user)) {
        http_error(r, 400, "query parameter 'user' must be a username");
        return;
    }
    if (mine != NULL && strcmp(mine, "1") != 0) {
        http_error(r, 400, "query parameter 'mine' must be 1");
        return;
    }
    if (mine != NULL && !r->authed) {
        http_error(r, 401, "login required");
        return;
    }
    if (!http_int_query(r, "page", 1, 1, 100000, &page) ||
        !http_int_query(r, "per_page", 20, 1, 100, &per_page))
        return;
    if (mine == NULL && !r->authed) {
        snprintf(key, sizeof key, "list:%s", evhttp_request_get_uri(r->req));
        if (http_from_cache(r, key))
            return;
    }
    q = (list_query){.game = game, .state = db_state, .user = user, .mine = mine != NULL,
                     .page = page, .per_page = per_page};
    arr = fights_page(r, &q, &count);
    if (arr == NULL) {
        http_db_error(r);
        return;
    }
    o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "fights", arr);
    cJSON_AddNumberToObject(o, "page", page);
    cJSON_AddNumberToObject(o, "per_page", per_page);
    cJSON_AddNumberToObject(o, "total", (double)count.total);
    cJSON_AddBoolToObject(o, "total_exact", count.exact);
    cJSON_AddBoolToObject(o, "has_more", count.has_more);
    if (key[0] != '\0')
        http_json_cached(r, 200, o, key, LIST_CACHE_MS);
    else
        http_json(r, 200, o);
}

void fights_dashboard(web_req *r)
{
    const list_query q = {.mine = true, .page = 1, .per_page = 20};
    cJSON *fights = fights_page(r, &q, NULL);
    cJSON *invs = fights != NULL ? invitations_pending_json(r) : NULL;
    cJSON *bots = invs != NULL ? bot_list_json(r, NULL) : NULL;
    cJSON *o, *u;

    if (bots == NULL) {
        cJSON_Delete(fights);
        cJSON_Delete(invs);
        http_db_error(r);
        return;
    }
    o = cJSON_CreateObject();
    u = cJSON_AddObjectToObject(o, "user");
    cJSON_AddNumberToObject(u, "id", strtod(r->user_id, NULL));
    cJSON_AddStringToObject(u, "username", r->username);
    cJSON_AddItemToObject(o, "fights", fights);
    cJSON_AddItemToObject(o, "invitations", invs);
    cJSON_AddItemToObject(o, "bots", bots);
    http_json(r, 200, o);
}
