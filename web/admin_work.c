/*
 * admin_work.c — the operator console's view of the work: what is queued
 * or running now, with the worker that holds it, and what ended lately.
 *
 * PostgreSQL says what is queued or running (it is the source of truth of
 * a fight's and a play's state). Who runs it comes from the one place that
 * knows: the pending entries list of the consumer group (XPENDING of
 * cf:fights and cf:plays, group simulators), whose consumer is the
 * simulator holding the entry. A small Lua script reads each pending
 * entry's id (and game or title) on the Redis side, so a fight's code never
 * crosses the wire. A fight is matched to its entry by its id; a play by
 * the entry id cf-web stored. A fight someone injected with redis-cli has
 * no row until its result: it is listed from the stream alone. Ticks come
 * from cf:progress as the web last saw it (live_progress.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web.h"

#define WORK_MAX_TEXT "500" /* rows of each kind at most */
#define PENDING_MAX 500     /* pending entries read per stream */

/* KEYS[1] the stream; ARGV: group, count, the field to show beside id.
 * Each pending entry as [entry id, consumer, idle ms, deliveries, id,
 * field]; an empty list when the group does not exist. */
static const char pending_script[] =
    "local p = redis.pcall('XPENDING', KEYS[1], ARGV[1], '-', '+', tonumber(ARGV[2])) "
    "if type(p) ~= 'table' or p.err then return {} end "
    "local out = {} "
    "for _, e in ipairs(p) do "
    "  local r = redis.call('XRANGE', KEYS[1], e[1], e[1]) "
    "  local id, what = '', '' "
    "  if r[1] and type(r[1][2]) == 'table' then "
    "    local f = r[1][2] "
    "    for j = 1, #f - 1, 2 do "
    "      if f[j] == 'id' then id = f[j + 1] elseif f[j] == ARGV[3] then what = f[j + 1] end "
    "    end "
    "  end "
    "  out[#out + 1] = {e[1], e[2], e[3], e[4], string.sub(id, 1, 64), string.sub(what, 1, 200)} "
    "end "
    "return out";

static bool is_str(const redisReply *x)
{
    return x != NULL && (x->type == REDIS_REPLY_STRING || x->type == REDIS_REPLY_STATUS);
}

/* One pending entry, checked: NULL when it is not the shape above. */
static cJSON *pending_item(const redisReply *e)
{
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 6 || !is_str(e->element[0]) ||
        !is_str(e->element[1]) || e->element[2]->type != REDIS_REPLY_INTEGER ||
        e->element[3]->type != REDIS_REPLY_INTEGER || !is_str(e->element[4]) ||
        !is_str(e->element[5]))
        return NULL;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "entry_id", e->element[0]->str);
    cJSON_AddStringToObject(o, "worker", e->element[1]->str);
    cJSON_AddNumberToObject(o, "idle_ms", (double)e->element[2]->integer);
    cJSON_AddNumberToObject(o, "deliveries", (double)e->element[3]->integer);
    /* Text from a stream entry: only a UUID is kept as an id, and the
     * game or title only as valid UTF-8. */
    const char *id = e->element[4]->str;
    cJSON_AddStringToObject(o, "id", cf_uuid_valid(id, strlen(id)) ? id : "");
    const char *what = e->element[5]->str;
    cJSON_AddStringToObject(o, "what", cf_utf8_valid(what, strlen(what)) ? what : "");
    return o;
}

/* The pending entries of stream's group simulators: an array of
 * {entry_id, worker, idle_ms, deliveries, id, what}; NULL when Redis
 * failed (not answered). */
static cJSON *pending_of(web_req *r, const char *stream, const char *what_field)
{
    char count[16];
    snprintf(count, sizeof count, "%d", PENDING_MAX);
    const char *argv[] = {"EVAL", pending_script, "1", stream, CF_GROUP_SIMULATORS,
                          count,  what_field};
    redisReply *rep = cf_redis_argv(r->t->redis, 7, argv, NULL);
    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
        if (rep != NULL)
            freeReplyObject(rep);
        return NULL;
    }
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr != NULL && i < rep->elements; i++) {
        cJSON *item = pending_item(rep->element[i]);
        if (item != NULL)
            cJSON_AddItemToArray(arr, item);
    }
    freeReplyObject(rep);
    return arr;
}

/* The pending entry whose key field is value, or NULL. */
static cJSON *pending_find(cJSON *pending, const char *key, const char *value)
{
    cJSON *p;
    cJSON_ArrayForEach (p, pending) {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, key));
        if (v != NULL && v[0] != '\0' && strcmp(v, value) == 0)
            return p;
    }
    return NULL;
}

/* worker (consumer name), entry_id and deliveries from the pending entry,
 * null when no simulator holds it; the entry is marked as matched. */
static void add_worker(cJSON *o, cJSON *pending_entry)
{
    if (pending_entry == NULL) {
        cJSON_AddNullToObject(o, "worker");
        cJSON_AddNullToObject(o, "entry_id");
        return;
    }
    cJSON *w = cJSON_GetObjectItemCaseSensitive(pending_entry, "worker");
    cJSON *e = cJSON_GetObjectItemCaseSensitive(pending_entry, "entry_id");
    cJSON_AddStringToObject(o, "worker", cJSON_GetStringValue(w));
    cJSON_AddStringToObject(o, "entry_id", cJSON_GetStringValue(e));
    cJSON_AddBoolToObject(pending_entry, "matched", true);
}

static long long epoch_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds since the entry id's time ("ms-seq"), or -1. */
static long long entry_age_ms(const char *entry_id, long long now_ms)
{
    char *end;
    long long ms = strtoll(entry_id, &end, 10);
    return end != entry_id && *end == '-' && ms <= now_ms ? now_ms - ms : -1;
}

/* ---- fights ---- */

static const char open_fights_sql[] =
    "SELECT f.id, f.game, f.status, u.username, "
    "(extract(epoch FROM clock_timestamp() - coalesce(f.queued_at, f.created_at)) * 1000)::bigint, "
    "api_time(f.created_at), (extract(epoch FROM clock_timestamp()) * 1000)::bigint "
    "FROM fights f LEFT JOIN users u ON u.id = f.host_id "
    "WHERE f.status IN ('queued', 'running') ORDER BY f.created_at LIMIT " WORK_MAX_TEXT;

static cJSON *fight_item(PGresult *res, int i, cJSON *pending)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    const char *id = PQgetvalue(res, i, 0);
    json_add_pg_str(o, "id", res, i, 0);
    json_add_pg_str(o, "game", res, i, 1);
    json_add_pg_str(o, "status", res, i, 2);
    json_add_pg_str(o, "host", res, i, 3);
    add_worker(o, pending_find(pending, "id", id));
    json_add_pg_num(o, "age_ms", res, i, 4);
    bool simulating = false;
    int tick = live_progress(id, &simulating);
    if (tick >= 0)
        cJSON_AddNumberToObject(o, "tick", tick);
    else
        cJSON_AddNullToObject(o, "tick");
    json_add_pg_str(o, "created_at", res, i, 5);
    return o;
}

/* A pending fight with no row (injected by hand): from the stream alone. */
static cJSON *stream_fight_item(const cJSON *p, long long now_ms)
{
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "id"));
    const char *entry = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "entry_id"));
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || id == NULL || entry == NULL)
        return o;
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "game",
                            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "what")));
    cJSON_AddStringToObject(o, "status", "running");
    cJSON_AddNullToObject(o, "host");
    cJSON_AddStringToObject(o, "worker",
                            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "worker")));
    cJSON_AddStringToObject(o, "entry_id", entry);
    cJSON_AddNumberToObject(o, "age_ms", (double)entry_age_ms(entry, now_ms));
    bool simulating = false;
    int tick = live_progress(id, &simulating);
    if (tick >= 0)
        cJSON_AddNumberToObject(o, "tick", tick);
    else
        cJSON_AddNullToObject(o, "tick");
    cJSON_AddNullToObject(o, "created_at");
    return o;
}

static cJSON *open_fights(web_req *r, cJSON *pending)
{
    PGresult *res = prepared_exec(r->t, open_fights_sql, 0, NULL);
    if (res == NULL)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    long long now_ms = PQntuples(res) > 0 ? atoll(PQgetvalue(res, 0, 6)) : 0;
    for (int i = 0; arr != NULL && i < PQntuples(res); i++)
        cJSON_AddItemToArray(arr, fight_item(res, i, pending));
    PQclear(res);
    if (now_ms == 0)
        now_ms = epoch_ms();
    cJSON *p;
    cJSON_ArrayForEach (p, pending) {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "id"));
        if (arr != NULL && !cJSON_HasObjectItem(p, "matched") && id != NULL && id[0] != '\0')
            cJSON_AddItemToArray(arr, stream_fight_item(p, now_ms));
    }
    return arr;
}

/* ---- plays ---- */

static const char open_plays_sql[] =
    "SELECT p.id, p.game_id, coalesce(g.title, ''), u.username, p.status, "
    "(extract(epoch FROM clock_timestamp() - p.created_at) * 1000)::bigint, "
    "(extract(epoch FROM clock_timestamp() - p.started_at) * 1000)::bigint, p.entry_id, "
    "api_time(p.created_at) "
    "FROM plays p LEFT JOIN arcade_games g ON g.id = p.game_id "
    "LEFT JOIN users u ON u.id = p.player_id "
    "WHERE p.status IN ('queued', 'running') ORDER BY p.created_at LIMIT " WORK_MAX_TEXT;

static cJSON *play_item(PGresult *res, int i, cJSON *pending)
{
    cJSON *o = cJSON_CreateObject(), *game = cJSON_CreateObject();
    if (o == NULL || game == NULL || !cJSON_AddItemToObject(o, "game", game)) {
        cJSON_Delete(o);
        cJSON_Delete(game);
        return NULL;
    }
    json_add_pg_str(o, "id", res, i, 0);
    json_add_pg_num(game, "id", res, i, 1);
    json_add_pg_str(game, "title", res, i, 2);
    json_add_pg_str(o, "player", res, i, 3);
    json_add_pg_str(o, "status", res, i, 4);
    add_worker(o, PQgetisnull(res, i, 7)
                      ? NULL
                      : pending_find(pending, "entry_id", PQgetvalue(res, i, 7)));
    json_add_pg_num(o, "age_ms", res, i, 5);
    json_add_pg_num(o, "duration_ms", res, i, 6);
    json_add_pg_str(o, "created_at", res, i, 8);
    return o;
}

static cJSON *open_plays(web_req *r, cJSON *pending)
{
    PGresult *res = prepared_exec(r->t, open_plays_sql, 0, NULL);
    if (res == NULL)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr != NULL && i < PQntuples(res); i++)
        cJSON_AddItemToArray(arr, play_item(res, i, pending));
    PQclear(res);
    return arr;
}

int admin_work(web_req *r, cJSON **out)
{
    *out = NULL;
    cJSON *pf = pending_of(r, CF_STREAM_FIGHTS, "game");
    cJSON *pp = pending_of(r, CF_STREAM_PLAYS, "title");
    if (pf == NULL || pp == NULL) {
        cJSON_Delete(pf);
        cJSON_Delete(pp);
        return -2;
    }
    cJSON *fights = open_fights(r, pf), *plays = open_plays(r, pp);
    cJSON_Delete(pf);
    cJSON_Delete(pp);
    cJSON *o = cJSON_CreateObject();
    if (fights == NULL || plays == NULL || o == NULL) {
        cJSON_Delete(fights);
        cJSON_Delete(plays);
        cJSON_Delete(o);
        return -1;
    }
    cJSON_AddItemToObject(o, "fights", fights);
    cJSON_AddItemToObject(o, "plays", plays);
    *out = o;
    return 0;
}

/* ---- recent work ---- */

/* $1 kind (all, fight, play), $2 status ('' any), $3 failed first, $4
 * limit. Each side is bounded first, by the same order. The fights are
 * picked as the failed ones and the others, each newest first, so that
 * each is an index's range (fights_status_created_idx, fights_created_idx)
 * instead of every fight sorted by "failed first". */
static const char recent_sql[] =
    "SELECT * FROM ("
    " (SELECT 'fight' AS kind, f.id::text AS id, f.game AS game, NULL::bigint AS game_id,"
    "  f.status, f.explanation AS reason, coalesce(f.elapsed_ms,"
    "  (extract(epoch FROM f.finished_at - coalesce(f.started_at, f.queued_at)) * 1000)::bigint)"
    "  AS duration_ms, f.created_at, f.finished_at, u.username AS who,"
    "  (SELECT coalesce(json_agg(json_build_object('name', p.name, 'verdict', p.verdict,"
    "   'result', p.result, 'detail', p.detail) ORDER BY p.slot), '[]')"
    "   FROM fight_players p WHERE p.fight_id = f.id)::text AS verdicts, NULL::text AS verdict"
    "  FROM ((SELECT id FROM fights WHERE $3::boolean AND status = 'failed'"
    "    AND ($2 = '' OR status = $2) ORDER BY created_at DESC LIMIT $4::int)"
    "   UNION ALL (SELECT id FROM fights WHERE ($2 = '' OR status = $2)"
    "    AND NOT ($3::boolean AND status = 'failed') ORDER BY created_at DESC LIMIT $4::int)) pick"
    "  JOIN fights f ON f.id = pick.id LEFT JOIN users u ON u.id = f.host_id"
    "  WHERE $1 IN ('all', 'fight')"
    "  ORDER BY CASE WHEN $3::boolean THEN f.status = 'failed' ELSE false END DESC,"
    "  f.created_at DESC LIMIT $4::int)"
    " UNION ALL"
    " (SELECT 'play', p.id::text, g.title, p.game_id, p.status, p.detail,"
    "  coalesce(p.elapsed_ms, (extract(epoch FROM p.finished_at - p.started_at) * 1000)::bigint),"
    "  p.created_at, p.finished_at, u.username, NULL, p.verdict"
    "  FROM plays p LEFT JOIN arcade_games g ON g.id = p.game_id"
    "  LEFT JOIN users u ON u.id = p.player_id"
    "  WHERE $1 IN ('all', 'play') AND ($2 = '' OR p.status = $2)"
    "  ORDER BY CASE WHEN $3::boolean THEN p.status = 'failed' ELSE false END DESC,"
    "  p.created_at DESC LIMIT $4::int)"
    ") w ORDER BY CASE WHEN $3::boolean THEN w.status = 'failed' ELSE false END DESC,"
    " w.created_at DESC LIMIT $4::int";

static cJSON *recent_item(PGresult *res, int i)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    bool fight = strcmp(PQgetvalue(res, i, 0), "fight") == 0;
    json_add_pg_str(o, "kind", res, i, 0);
    json_add_pg_str(o, "id", res, i, 1);
    if (fight) {
        json_add_pg_str(o, "game", res, i, 2);
    } else {
        cJSON *game = cJSON_AddObjectToObject(o, "game");
        if (game != NULL) {
            json_add_pg_num(game, "id", res, i, 3);
            json_add_pg_str(game, "title", res, i, 2);
        }
    }
    json_add_pg_str(o, "status", res, i, 4);
    if (fight)
        cJSON_AddItemToObject(o, "verdicts", cJSON_Parse(PQgetvalue(res, i, 10)));
    else
        json_add_pg_str(o, "verdict", res, i, 11);
    json_add_pg_str(o, "reason", res, i, 5);
    json_add_pg_num(o, "duration_ms", res, i, 6);
    json_add_pg_str(o, "created_at", res, i, 12);
    json_add_pg_str(o, "finished_at", res, i, 13);
    json_add_pg_str(o, "who", res, i, 9);
    return o;
}

cJSON *admin_recent(web_req *r, const char *kind, const char *status, bool failed_first, int limit)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[4] = {kind, status, failed_first ? "true" : "false", lim};
    char sql[sizeof recent_sql + 256];
    /* created_at and finished_at as api_time() (columns 12, 13). */
    snprintf(sql, sizeof sql,
             "SELECT r.*, api_time(r.created_at), api_time(r.finished_at) FROM (%s) r", recent_sql);
    /* Planned with its values: which side is read and how depends on
     * them (one plan for all read every fight). */
    PGresult *res = cf_pg_exec(r->t->pg, sql, 4, params);
    if (res == NULL)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr != NULL && i < PQntuples(res); i++)
        cJSON_AddItemToArray(arr, recent_item(res, i));
    PQclear(res);
    return arr;
}
