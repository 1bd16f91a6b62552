/*
 * fight_view.c — a fight as its reader may see it: the Fight object, its
 * shown state, the replay.
 *
 * The shown state joins two sources: PostgreSQL's status, and the
 * simulator's progress on cf:progress (live_progress.c), which says that a
 * queued fight has started before the database does. What a reader sees
 * depends on who they are: a bot's id and its log only go to the bot's
 * author, and "me" says what the caller may do with the fight. The three
 * reads behind the Fight object are this service's hottest queries, so they
 * run as prepared statements.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

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

const char *fight_shown_state(const char *db_status, const char *fight_id, int *tick)
{
    const char *state = fight_state_api(db_status);

    *tick = -1;
    if (strcmp(state, "queued") == 0 || strcmp(state, "simulating") == 0) {
        bool simulating = false;
        *tick = live_progress(fight_id, &simulating);
        if (simulating)
            state = "simulating";
    }
    return state;
}

/* What the caller is to a fight. */
typedef struct fight_roles {
    bool host, player, invited;
    char invitation_id[WEB_INT_ID_SIZE]; /* the caller's invitation, or "" */
    int accepted;                        /* invitations accepted, by anyone */
} fight_roles;

/* The player's "errors" (the report's: calls that raised or returned a
 * decision the game refused, and the first of them); null when none did,
 * and for fights stored before it. The first one's message is the bot's own text (an
 * exception, or the game's words about its decision): like the log, it is
 * for its author only. */
static void add_errors(cJSON *o, const PGresult *res, int i, int col, bool mine)
{
    cJSON *errors = PQgetisnull(res, i, col) ? NULL : cJSON_Parse(PQgetvalue(res, i, col));
    cJSON *first = errors != NULL ? cJSON_GetObjectItemCaseSensitive(errors, "first") : NULL;

    if (errors == NULL) {
        cJSON_AddNullToObject(o, "errors");
        return;
    }
    if (!mine && cJSON_IsObject(first))
        cJSON_DeleteItemFromObjectCaseSensitive(first, "message");
    cJSON_AddItemToObject(o, "errors", errors);
}

/* Row i of players_json()'s query; mine: the caller plays this slot. */
static cJSON *player_json(PGresult *res, int i, bool mine)
{
    cJSON *o = cJSON_CreateObject();
    bool house = PQgetisnull(res, i, 2) && PQgetisnull(res, i, 3);

    json_add_pg_num(o, "slot", res, i, 0);
    if (PQgetisnull(res, i, 1))
        cJSON_AddStringToObject(o, "username", house ? "house" : "(deleted)");
    else
        cJSON_AddStringToObject(o, "username", PQgetvalue(res, i, 1));
    if (mine)
        json_add_pg_num(o, "bot_id", res, i, 3);
    else
        cJSON_AddNullToObject(o, "bot_id");
    if (!PQgetisnull(res, i, 4)) {
        cJSON_AddStringToObject(o, "bot", PQgetvalue(res, i, 4));
    } else {
        /* A house bot, or a deleted bot: its name is after the '/'. */
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
    add_errors(o, res, i, 15, mine);
    return o;
}

/* The players array of a fight; me->player set when the caller plays. */
static cJSON *players_json(web_req *r, const char *fight_id, fight_roles *me)
{
    const char *params[1] = {fight_id};
    PGresult *res = prepared_exec(
        r->t, WEB_STMT_PLAYERS,
        "SELECT p.slot, pu.username, p.user_id, b.id, b.name, v.version, p.name, p.result, "
        "p.rank, p.score, p.verdict, p.detail, p.cpu_ms, p.peak_memory_kb, p.log, p.errors "
        "FROM fight_players p LEFT JOIN users pu ON pu.id = p.user_id "
        "LEFT JOIN bot_versions v ON v.id = p.bot_version_id "
        "LEFT JOIN bots b ON b.id = v.bot_id WHERE p.fight_id = $1::uuid ORDER BY p.slot",
        1, params);
    if (res == NULL)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++) {
        bool mine = http_is_caller(r, res, i, 2);
        if (mine)
            me->player = true;
        cJSON_AddItemToArray(arr, player_json(res, i, mine));
    }
    PQclear(res);
    return arr;
}

/* The invitations array of a fight; me->invited, its id and the number
 * accepted filled in. */
static cJSON *invitations_json(web_req *r, const char *fight_id, fight_roles *me)
{
    const char *params[1] = {fight_id};
    PGresult *res = prepared_exec(
        r->t, WEB_STMT_INVITATIONS,
        "SELECT i.id, u.username, i.status, b.name, api_time(i.created_at), i.invitee_id "
        "FROM invitations i JOIN users u ON u.id = i.invitee_id "
        "LEFT JOIN bot_versions v ON v.id = i.bot_version_id "
        "LEFT JOIN bots b ON b.id = v.bot_id WHERE i.fight_id = "
        "$1::uuid ORDER BY i.id",
        1, params);
    if (res == NULL)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++) {
        if (http_is_caller(r, res, i, 5)) {
            me->invited = true;
            snprintf(me->invitation_id, sizeof me->invitation_id, "%s", PQgetvalue(res, i, 0));
        }
        if (strcmp(PQgetvalue(res, i, 2), "accepted") == 0)
            me->accepted++;
        cJSON *o = cJSON_CreateObject();
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

/* What a failed fight's explanation says to a reader who is neither its
 * host nor an operator: the stored one is the pipeline's own ("Bad entry:
 * field 'players': ..."), for those who can act on it (issue 17). */
#define FAILED_FOR_OTHERS "The fight could not be simulated; its host and the operators see why."

/* The fight's own fields, from fight_json()'s row; insider: the caller is
 * the fight's host or an operator. */
static cJSON *fight_fields(PGresult *res, const char *state, int tick, const cf_game *g,
                           bool insider)
{
    cJSON *o = cJSON_CreateObject();

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
    cJSON *result =
        PQgetisnull(res, 0, 10) ? cJSON_CreateNull() : cJSON_Parse(PQgetvalue(res, 0, 10));
    cJSON_AddItemToObject(o, "result", result != NULL ? result : cJSON_CreateNull());
    /* The game's words for its codes (Tanks' "X": "Tick limit exceeded."). */
    if (PQgetisnull(res, 0, 11))
        cJSON_AddNullToObject(o, "explanation");
    else if (strcmp(state, "failed") == 0 && !insider)
        cJSON_AddStringToObject(o, "explanation", FAILED_FOR_OTHERS);
    else
        cJSON_AddStringToObject(o, "explanation",
                                cf_game_explanation_text(g, PQgetvalue(res, 0, 11)));
    json_add_pg_num(o, "ticks", res, 0, 12);
    cJSON_AddBoolToObject(o, "has_replay", PQgetvalue(res, 0, 13)[0] == 't');
    cJSON_AddNumberToObject(o, "min_players", g != NULL ? g->min_players : 0);
    cJSON_AddNumberToObject(o, "max_players", g != NULL ? g->max_players : 0);
    return o;
}

/* "me": what the caller may do with the fight. */
static cJSON *me_json(const fight_roles *me, const char *state, const cf_game *g)
{
    cJSON *o = cJSON_CreateObject();
    bool open = strcmp(state, "open") == 0;
    int players = 1 + me->accepted;

    cJSON_AddBoolToObject(o, "is_host", me->host);
    cJSON_AddBoolToObject(o, "can_start",
                          me->host && g != NULL && open && players >= g->min_players &&
                              players <= g->max_players);
    cJSON_AddBoolToObject(
        o, "can_cancel",
        me->host && (open || strcmp(state, "queued") == 0 || strcmp(state, "simulating") == 0));
    if (me->invitation_id[0] != '\0')
        cJSON_AddNumberToObject(o, "invitation_id", strtod(me->invitation_id, NULL));
    else
        cJSON_AddNullToObject(o, "invitation_id");
    return o;
}

cJSON *fight_json(web_req *r, const char *fight_id)
{
    const char *params[1] = {fight_id};
    PGresult *res = prepared_exec(
        r->t, WEB_STMT_FIGHT,
        "SELECT f.id, f.game, hu.username, f.status, f.visibility, f.settings::text, "
        "f.seed, api_time(f.created_at), api_time(f.started_at), api_time(f.finished_at), "
        "f.result::text, f.explanation, f.ticks, "
        "EXISTS (SELECT 1 FROM fight_reports fr WHERE fr.fight_id = f.id "
        "AND fr.replay IS NOT NULL), f.host_id "
        "FROM fights f LEFT JOIN users hu ON hu.id = f.host_id WHERE f.id = "
        "$1::uuid",
        1, params);
    res = http_one_row(r, res, false, 404, "no such fight");
    if (res == NULL)
        return NULL;
    fight_roles me = {.accepted = 0};
    cJSON *players = players_json(r, fight_id, &me);
    cJSON *invitations = invitations_json(r, fight_id, &me);
    if (players == NULL || invitations == NULL) {
        cJSON_Delete(players);
        cJSON_Delete(invitations);
        PQclear(res);
        http_db_error(r);
        return NULL;
    }
    me.host = http_is_caller(r, res, 0, 14);
    /* fight_access.c's rule, on the rows at hand. */
    bool visible =
        strcmp(PQgetvalue(res, 0, 4), "public") == 0 || me.host || me.player || me.invited;
    if (!visible) {
        cJSON_Delete(players);
        cJSON_Delete(invitations);
        PQclear(res);
        http_error(r, 404, "no such fight");
        return NULL;
    }
    int tick;
    const char *state = fight_shown_state(PQgetvalue(res, 0, 3), fight_id, &tick);
    const cf_game *g = cf_game_find(PQgetvalue(res, 0, 1));
    cJSON *o = fight_fields(res, state, tick, g, me.host || r->operator);
    cJSON_AddItemToObject(o, "players", players);
    cJSON_AddItemToObject(o, "invitations", invitations);
    cJSON_AddItemToObject(o, "me", me_json(&me, state, g));
    PQclear(res);
    return o;
}

PGresult *fight_replay(web_req *r, const char *fight_id)
{
    if (!fight_check_visible(r, fight_id))
        return NULL;
    /* Built by PostgreSQL: the replay can be large and needs no parsing here. */
    const char *params[1] = {fight_id};
    PGresult *res =
        cf_pg_exec(r->t->pg,
                   "SELECT json_build_object('fight_id', f.id, 'game', f.game, 'players', "
                   "(SELECT COALESCE(json_agg(p.name ORDER BY p.slot), '[]') FROM fight_players p "
                   "WHERE p.fight_id = f.id), 'result', f.result, 'ticks', f.ticks, "
                   "'settings', f.settings, 'data', fr.replay)::text "
                   "FROM fights f JOIN fight_reports fr ON fr.fight_id = f.id "
                   "WHERE f.id = $1::uuid AND fr.replay IS NOT NULL",
                   1, params);
    return http_one_row(r, res, false, 409, "fight has no replay yet");
}
