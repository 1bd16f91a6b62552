/*
 * fight_view.c — a fight as its reader may see it: the Fight object, its
 * shown state, the replay.
 *
 * The shown state joins two sources: PostgreSQL's status, and the
 * simulator's progress on cf:progress (live_progress.c), which says that a
 * queued fight has started before the database does. What a reader sees
 * depends on who they are: a bot's id and its log only go to the bot's
 * author, and "me" says what the caller may do with the fight. What a bot
 * printed, by tick, is its author's only too (fight_output). The Fight
 * object (the fight, its players, its invitations) and the replay are each
 * one prepared statement: one round trip (docs/performance.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

/* A fight, its players and its invitations in one statement: rows of
 * three kinds (column 0), each kind's columns from C(0) on, as text; the
 * fight's row first, then the players by slot, then the invitations by
 * id. No fight row: no such fight. */
#define ROW_FIGHT "0"
#define ROW_PLAYER "1"
#define ROW_INVITATION "2"
#define C(n) ((n) + 2)
#define FIGHT_SQL                                                                                  \
    "SELECT '0' AS kind, 0::bigint AS ord, f.id::text, f.game, hu.username, f.status, "            \
    "f.visibility, f.settings::text, f.seed::text, api_time(f.created_at), "                       \
    "api_time(f.started_at), api_time(f.finished_at), f.result::text, f.explanation, "             \
    "f.ticks::text, (EXISTS (SELECT 1 FROM fight_reports fr WHERE fr.fight_id = f.id "             \
    "AND fr.replay IS NOT NULL))::text, f.host_id::text, f.ladder::text "                          \
    "FROM fights f LEFT JOIN users hu ON hu.id = f.host_id WHERE f.id = $1::uuid "                 \
    "UNION ALL "                                                                                   \
    "SELECT '1', p.slot, p.slot::text, pu.username, p.user_id::text, b.id::text, b.name, "         \
    "v.version::text, p.name, p.result, p.rank::text, p.score::text, p.verdict, p.detail, "        \
    "p.cpu_ms::text, p.peak_memory_kb::text, p.log, p.errors::text "                               \
    "FROM fight_players p LEFT JOIN users pu ON pu.id = p.user_id "                                \
    "LEFT JOIN bot_versions v ON v.id = p.bot_version_id "                                         \
    "LEFT JOIN bots b ON b.id = v.bot_id WHERE p.fight_id = $1::uuid "                             \
    "UNION ALL "                                                                                   \
    "SELECT '2', i.id, i.id::text, u.username, i.status, b.name, api_time(i.created_at), "         \
    "i.invitee_id::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL "              \
    "FROM invitations i JOIN users u ON u.id = i.invitee_id "                                      \
    "LEFT JOIN bot_versions v ON v.id = i.bot_version_id "                                         \
    "LEFT JOIN bots b ON b.id = v.bot_id WHERE i.fight_id = $1::uuid "                             \
    "ORDER BY kind, ord"

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

/* Player row i of fight_json()'s query; mine: the caller plays this slot. */
static cJSON *player_json(PGresult *res, int i, bool mine)
{
    cJSON *o = cJSON_CreateObject();
    bool house = PQgetisnull(res, i, C(2)) && PQgetisnull(res, i, C(3));

    json_add_pg_num(o, "slot", res, i, C(0));
    if (PQgetisnull(res, i, C(1)))
        cJSON_AddStringToObject(o, "username", house ? "house" : "(deleted)");
    else
        cJSON_AddStringToObject(o, "username", PQgetvalue(res, i, C(1)));
    if (mine)
        json_add_pg_num(o, "bot_id", res, i, C(3));
    else
        cJSON_AddNullToObject(o, "bot_id");
    if (!PQgetisnull(res, i, C(4))) {
        cJSON_AddStringToObject(o, "bot", PQgetvalue(res, i, C(4)));
    } else {
        /* A house bot, or a deleted bot: its name is after the '/'. */
        const char *slash = strchr(PQgetvalue(res, i, C(6)), '/');
        cJSON_AddStringToObject(o, "bot", slash != NULL ? slash + 1 : PQgetvalue(res, i, C(6)));
    }
    json_add_pg_num(o, "version", res, i, C(5));
    cJSON_AddBoolToObject(o, "house", house);
    if (!PQgetisnull(res, i, C(7)))
        cJSON_AddStringToObject(o, "result", PQgetvalue(res, i, C(7)));
    else
        json_add_pg_str(o, "result", res, i, C(8));
    json_add_pg_num(o, "rank", res, i, C(8));
    json_add_pg_num(o, "score", res, i, C(9));
    json_add_pg_str(o, "verdict", res, i, C(10));
    if (PQgetisnull(res, i, C(10)))
        cJSON_AddNullToObject(o, "verdict_text");
    else
        cJSON_AddStringToObject(o, "verdict_text", verdict_text(PQgetvalue(res, i, C(10))));
    json_add_pg_str(o, "detail", res, i, C(11));
    json_add_pg_num(o, "cpu_ms", res, i, C(12));
    json_add_pg_num(o, "peak_memory_kb", res, i, C(13));
    /* A bot's log is its author's business only. */
    if (mine)
        cJSON_AddStringToObject(o, "log", PQgetvalue(res, i, C(14)));
    add_errors(o, res, i, C(15), mine);
    return o;
}

/* The players array from the player rows of res; me->player set when the
 * caller plays. */
static cJSON *players_json(web_req *r, PGresult *res, fight_roles *me)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++) {
        if (strcmp(PQgetvalue(res, i, 0), ROW_PLAYER) != 0)
            continue;
        bool mine = http_is_caller(r, res, i, C(2));
        if (mine)
            me->player = true;
        cJSON_AddItemToArray(arr, player_json(res, i, mine));
    }
    return arr;
}

/* The invitations array from the invitation rows of res; me->invited, its
 * id and the number accepted filled in. */
static cJSON *invitations_json(web_req *r, const char *fight_id, PGresult *res, fight_roles *me)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++) {
        if (strcmp(PQgetvalue(res, i, 0), ROW_INVITATION) != 0)
            continue;
        if (http_is_caller(r, res, i, C(5))) {
            me->invited = true;
            snprintf(me->invitation_id, sizeof me->invitation_id, "%s", PQgetvalue(res, i, C(0)));
        }
        if (strcmp(PQgetvalue(res, i, C(2)), "accepted") == 0)
            me->accepted++;
        cJSON *o = cJSON_CreateObject();
        json_add_pg_num(o, "id", res, i, C(0));
        cJSON_AddStringToObject(o, "fight_id", fight_id);
        cJSON_AddStringToObject(o, "username", PQgetvalue(res, i, C(1)));
        cJSON_AddStringToObject(o, "state", PQgetvalue(res, i, C(2)));
        json_add_pg_str(o, "bot", res, i, C(3));
        cJSON_AddStringToObject(o, "created_at", PQgetvalue(res, i, C(4)));
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* What a failed fight's explanation says to a reader who is neither its
 * host nor an operator: the stored one is the pipeline's own ("Bad entry:
 * field 'players': ..."), for those who can act on it (issue 17). */
#define FAILED_FOR_OTHERS "The fight could not be simulated; its host and the operators see why."

/* The fight's own fields, from its row (row 0) of fight_json()'s query;
 * insider: the caller is the fight's host or an operator. */
static cJSON *fight_fields(PGresult *res, const char *state, int tick, const cf_game *g,
                           bool insider)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "id", PQgetvalue(res, 0, C(0)));
    cJSON_AddStringToObject(o, "game", PQgetvalue(res, 0, C(1)));
    json_add_pg_str(o, "host", res, 0, C(2));
    cJSON_AddStringToObject(o, "state", state);
    cJSON_AddBoolToObject(o, "public", strcmp(PQgetvalue(res, 0, C(4)), "public") == 0);
    cJSON_AddItemToObject(o, "settings", cJSON_Parse(PQgetvalue(res, 0, C(5))));
    json_add_pg_num(o, "seed", res, 0, C(6));
    if (tick >= 0)
        cJSON_AddNumberToObject(o, "tick", tick);
    else
        cJSON_AddNullToObject(o, "tick");
    cJSON_AddStringToObject(o, "created_at", PQgetvalue(res, 0, C(7)));
    json_add_pg_str(o, "started_at", res, 0, C(8));
    json_add_pg_str(o, "finished_at", res, 0, C(9));
    cJSON *result =
        PQgetisnull(res, 0, C(10)) ? cJSON_CreateNull() : cJSON_Parse(PQgetvalue(res, 0, C(10)));
    cJSON_AddItemToObject(o, "result", result != NULL ? result : cJSON_CreateNull());
    /* The game's words for its codes (Tanks' "X": "Tick limit exceeded."). */
    if (PQgetisnull(res, 0, C(11)))
        cJSON_AddNullToObject(o, "explanation");
    else if (strcmp(state, "failed") == 0 && !insider)
        cJSON_AddStringToObject(o, "explanation", FAILED_FOR_OTHERS);
    else
        cJSON_AddStringToObject(o, "explanation",
                                cf_game_explanation_text(g, PQgetvalue(res, 0, C(11))));
    json_add_pg_num(o, "ticks", res, 0, C(12));
    cJSON_AddBoolToObject(o, "has_replay", PQgetvalue(res, 0, C(13))[0] == 't');
    /* Made by the ladder's scheduler, rated when it ends (docs/ladder.md). */
    cJSON_AddBoolToObject(o, "ladder", PQgetvalue(res, 0, C(15))[0] == 't');
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
    PGresult *res = prepared_exec(r->t, FIGHT_SQL, 1, params);
    if (res == NULL) {
        http_db_error(r);
        return NULL;
    }
    if (PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 0), ROW_FIGHT) != 0) {
        PQclear(res);
        http_error(r, 404, "no such fight");
        return NULL;
    }
    fight_roles me = {.accepted = 0};
    cJSON *players = players_json(r, res, &me);
    cJSON *invitations = invitations_json(r, fight_id, res, &me);
    me.host = http_is_caller(r, res, 0, C(14));
    /* fight_access.c's rule, on the rows at hand. */
    bool visible =
        strcmp(PQgetvalue(res, 0, C(4)), "public") == 0 || me.host || me.player || me.invited;
    if (!visible) {
        cJSON_Delete(players);
        cJSON_Delete(invitations);
        PQclear(res);
        http_error(r, 404, "no such fight");
        return NULL;
    }
    int tick;
    const char *state = fight_shown_state(PQgetvalue(res, 0, C(3)), fight_id, &tick);
    const cf_game *g = cf_game_find(PQgetvalue(res, 0, C(1)));
    cJSON *o = fight_fields(res, state, tick, g, me.host || r->operator);
    cJSON_AddItemToObject(o, "players", players);
    cJSON_AddItemToObject(o, "invitations", invitations);
    cJSON_AddItemToObject(o, "me", me_json(&me, state, g));
    PQclear(res);
    return o;
}

PGresult *fight_replay(web_req *r, const char *fight_id)
{
    if (!http_valid_id(fight_id)) {
        http_error(r, 404, "no such fight");
        return NULL;
    }
    /* Built by PostgreSQL: the replay can be large and needs no parsing
     * here. Who may see it is fight_access.c's rule, in the same statement. */
    const char *params[2] = {fight_id, r->authed ? r->user_id : NULL};
    PGresult *res = prepared_exec(
        r->t,
        "SELECT CASE WHEN fr.replay IS NOT NULL THEN json_build_object('fight_id', f.id, "
        "'game', f.game, 'players', (SELECT COALESCE(json_agg(p.name ORDER BY p.slot), '[]') "
        "FROM fight_players p WHERE p.fight_id = f.id), 'result', f.result, 'ticks', f.ticks, "
        "'settings', f.settings, 'data', fr.replay)::text END, "
        "f.visibility = 'public' OR f.host_id = $2::bigint "
        "OR EXISTS (SELECT 1 FROM fight_players p WHERE p.fight_id = f.id "
        "AND p.user_id = $2::bigint) "
        "OR EXISTS (SELECT 1 FROM invitations i WHERE i.fight_id = f.id "
        "AND i.invitee_id = $2::bigint) "
        "FROM fights f LEFT JOIN fight_reports fr ON fr.fight_id = f.id WHERE f.id = $1::uuid",
        2, params);
    if (res == NULL) {
        http_db_error(r);
        return NULL;
    }
    if (PQntuples(res) != 1 || PQgetvalue(res, 0, 1)[0] != 't') {
        PQclear(res);
        http_error(r, 404, "no such fight");
        return NULL;
    }
    if (PQgetisnull(res, 0, 0)) {
        PQclear(res);
        http_error(r, 409, "fight has no replay yet");
        return NULL;
    }
    return res;
}

PGresult *fight_output(web_req *r, const char *fight_id)
{
    if (!http_valid_id(fight_id)) {
        http_error(r, 404, "no such fight");
        return NULL;
    }
    /* Like the log: the rows of the caller's own players only, whoever
     * else asks (operators too). Who may see the fight at all is
     * fight_access.c's rule, in the same statement. */
    const char *params[2] = {fight_id, r->user_id};
    PGresult *res = prepared_exec(
        r->t,
        "SELECT json_build_object('fight_id', f.id, 'players', "
        "COALESCE(json_agg(json_build_object('slot', p.slot, 'output', "
        "COALESCE(p.output, '[]'::jsonb)) ORDER BY p.slot) FILTER (WHERE p.slot IS NOT NULL), "
        "'[]'))::text, "
        "bool_or(p.slot IS NOT NULL)::text, "
        "(f.visibility = 'public' OR f.host_id = $2::bigint "
        "OR EXISTS (SELECT 1 FROM fight_players q WHERE q.fight_id = f.id "
        "AND q.user_id = $2::bigint) "
        "OR EXISTS (SELECT 1 FROM invitations i WHERE i.fight_id = f.id "
        "AND i.invitee_id = $2::bigint))::text "
        "FROM fights f LEFT JOIN fight_players p ON p.fight_id = f.id AND p.user_id = $2::bigint "
        "WHERE f.id = $1::uuid GROUP BY f.id",
        2, params);
    if (res == NULL) {
        http_db_error(r);
        return NULL;
    }
    if (PQntuples(res) != 1 || PQgetvalue(res, 0, 2)[0] != 't') {
        PQclear(res);
        http_error(r, 404, "no such fight");
        return NULL;
    }
    if (PQgetvalue(res, 0, 1)[0] != 't') {
        PQclear(res);
        http_error(r, 403, "only a bot's owner sees what it printed");
        return NULL;
    }
    return res;
}
