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

#include "log.h"
#include "web.h"

#define WORK_MAX_TEXT "500" /* rows of each kind at most */
#define PENDING_MAX 500     /* pending entries read per stream */

/* KEYS the streams; ARGV: group, count, then the field to show beside id
 * for each stream. For each stream, each pending entry as [entry id,
 * consumer, idle ms, deliveries, id, field]; an empty list when the group
 * does not exist. Both streams in one round trip. */
static const char pending_script[] =
    "local out = {} "
    "for k, stream in ipairs(KEYS) do "
    "  local list = {} "
    "  local p = redis.pcall('XPENDING', stream, ARGV[1], '-', '+', tonumber(ARGV[2])) "
    "  if type(p) == 'table' and not p.err then "
    "    for _, e in ipairs(p) do "
    "      local r = redis.call('XRANGE', stream, e[1], e[1]) "
    "      local id, what = '', '' "
    "      if r[1] and type(r[1][2]) == 'table' then "
    "        local f = r[1][2] "
    "        for j = 1, #f - 1, 2 do "
    "          if f[j] == 'id' then id = f[j + 1] elseif f[j] == ARGV[2 + k] then what = f[j + 1] "
    "end "
    "        end "
    "      end "
    "      list[#list + 1] = {e[1], e[2], e[3], e[4], string.sub(id, 1, 64), string.sub(what, 1, "
    "200)} "
    "    end "
    "  end "
    "  out[k] = list "
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

/* One stream's pending entries from the script: an array of {entry_id,
 * worker, idle_ms, deliveries, id, what}. */
static cJSON *pending_list(const redisReply *list)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr != NULL && list->type == REDIS_REPLY_ARRAY && i < list->elements; i++) {
        cJSON *item = pending_item(list->element[i]);
        if (item != NULL)
            cJSON_AddItemToArray(arr, item);
    }
    return arr;
}

/* Asks Redis for the pending entries of the group simulators of
 * cf:fights and cf:plays; pending_take reads them, so that PostgreSQL's
 * reads are waited for meanwhile. */
static void pending_ask(web_req *r, cf_redis_sent *sent)
{
    char count[16];
    snprintf(count, sizeof count, "%d", PENDING_MAX);
    const char *argv[] = {"EVAL",          pending_script,      "2",   CF_STREAM_FIGHTS,
                          CF_STREAM_PLAYS, CF_GROUP_SIMULATORS, count, "game",
                          "title"};
    cf_redis_send_argv(r->t->redis, sent, 9, argv, NULL);
}

/* The pending entries asked for, of cf:fights into *fights and of
 * cf:plays into *plays; -1 when Redis failed (not answered). */
static int pending_take(web_req *r, cf_redis_sent *sent, cJSON **fights, cJSON **plays)
{
    redisReply *rep = cf_redis_reply(r->t->redis, sent);
    *fights = *plays = NULL;
    if (rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2) {
        *fights = pending_list(rep->element[0]);
        *plays = pending_list(rep->element[1]);
    }
    if (rep != NULL)
        freeReplyObject(rep);
    if (*fights == NULL || *plays == NULL) {
        cJSON_Delete(*fights);
        cJSON_Delete(*plays);
        *fights = *plays = NULL;
        return -1;
    }
    return 0;
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

static cJSON *open_fights(PGresult *res, cJSON *pending)
{
    cJSON *arr = cJSON_CreateArray();
    long long now_ms = PQntuples(res) > 0 ? atoll(PQgetvalue(res, 0, 6)) : 0;
    for (int i = 0; arr != NULL && i < PQntuples(res); i++)
        cJSON_AddItemToArray(arr, fight_item(res, i, pending));
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

/* The game's title and the player's name as subqueries, not joins: the
 * generic plan expects many open plays and hashed the whole games table
 * for the few there are; this way each row looks its two up and the plays
 * come in plays_open_idx's order, unsorted (~20 us of PostgreSQL less a
 * request, docs/performance.md "Seventh pass"). */
static const char open_plays_sql[] =
    "SELECT p.id, p.game_id, "
    "coalesce((SELECT g.title FROM arcade_games g WHERE g.id = p.game_id), ''), "
    "(SELECT u.username FROM users u WHERE u.id = p.player_id), p.status, "
    "(extract(epoch FROM clock_timestamp() - p.created_at) * 1000)::bigint, "
    "(extract(epoch FROM clock_timestamp() - p.started_at) * 1000)::bigint, p.entry_id, "
    "api_time(p.created_at) "
    "FROM plays p WHERE p.status IN ('queued', 'running') ORDER BY p.created_at "
    "LIMIT " WORK_MAX_TEXT;

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

static cJSON *open_plays(PGresult *res, cJSON *pending)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr != NULL && i < PQntuples(res); i++)
        cJSON_AddItemToArray(arr, play_item(res, i, pending));
    return arr;
}

int admin_work(web_req *r, cJSON **out)
{
    *out = NULL;
    cJSON *pf, *pp;
    cf_redis_sent sent;
    pending_ask(r, &sent);
    /* Both reads in one round trip, while Redis answers. */
    web_read reads[2] = {{.sql = open_fights_sql}, {.sql = open_plays_sql}};
    bool read = prepared_exec_all(r->t, reads, 2);
    if (pending_take(r, &sent, &pf, &pp) != 0) {
        web_reads_clear(reads, 2);
        return -2;
    }
    if (!read) {
        cJSON_Delete(pf);
        cJSON_Delete(pp);
        return -1;
    }
    cJSON *fights = open_fights(reads[0].res, pf), *plays = open_plays(reads[1].res, pp);
    web_reads_clear(reads, 2);
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

/* Recent work: the text is built for the view asked (which kinds, one
 * status or any, failed first or not), with the status (one of a fixed
 * list) and the limit written in, so each view is one small statement with
 * no values: prepared once, each side read from an index's range
 * (fights_created_idx, fights_status_created_idx, plays_created_idx,
 * plays_status_created_idx) instead of planned with its values at each
 * request. Each side is bounded first, by the same order as the whole;
 * failed first takes the failed ones and the others of each side, each
 * newest first, then orders them. A fight's verdicts are read for the
 * rows shown only. */
typedef struct recent_side {
    const char *columns; /* as the other side's, in the same order */
    const char *from;    /* its table as t, with the joins its columns need */
} recent_side;

static const recent_side recent_fights = {
    "'fight' AS kind, t.id::text AS id, t.game AS game, NULL::bigint AS game_id, t.status,"
    " t.explanation AS reason, coalesce(t.elapsed_ms,"
    " (extract(epoch FROM t.finished_at - coalesce(t.started_at, t.queued_at)) * 1000)::bigint)"
    " AS duration_ms, t.created_at, t.finished_at, u.username AS who, t.id AS fight_id,"
    " NULL::text AS verdict",
    "fights t LEFT JOIN users u ON u.id = t.host_id"};

static const recent_side recent_plays = {
    "'play'::text AS kind, t.id::text AS id, g.title AS game, t.game_id::bigint AS game_id,"
    " t.status, t.detail AS reason, coalesce(t.elapsed_ms,"
    " (extract(epoch FROM t.finished_at - t.started_at) * 1000)::bigint) AS duration_ms,"
    " t.created_at, t.finished_at, u.username AS who, NULL::uuid AS fight_id, t.verdict",
    "plays t LEFT JOIN arcade_games g ON g.id = t.game_id LEFT JOIN users u ON u.id = t.player_id"};

/* A fight's players' verdicts (column 10), only for the fights shown. */
static const char recent_verdicts[] =
    "CASE WHEN r.fight_id IS NOT NULL THEN (SELECT coalesce(json_agg(json_build_object("
    "'name', p.name, 'verdict', p.verdict, 'result', p.result, 'detail', p.detail)"
    " ORDER BY p.slot), '[]') FROM fight_players p WHERE p.fight_id = r.fight_id)::text END";

/* One side's rows of the view, appended at *at: newest first, of status
 * (where '' any), or with failed first its failed rows (first true) and
 * the others. false when sql is too small. */
static bool recent_side_sql(char *sql, size_t size, size_t *at, const recent_side *side,
                            const char *status, bool failed_first, int limit)
{
    char where[64] = "";
    if (status[0] != '\0')
        snprintf(where, sizeof where, " WHERE t.status = '%s'", status);
    int n = failed_first
                ? snprintf(sql + *at, size - *at,
                           "%s(SELECT true AS first, %s FROM %s WHERE t.status = 'failed'"
                           " ORDER BY t.created_at DESC LIMIT %d) UNION ALL (SELECT false, %s"
                           " FROM %s WHERE t.status <> 'failed' ORDER BY t.created_at DESC"
                           " LIMIT %d)",
                           *at > 0 ? " UNION ALL " : "", side->columns, side->from, limit,
                           side->columns, side->from, limit)
                : snprintf(sql + *at, size - *at,
                           "%s(SELECT false AS first, %s FROM %s%s ORDER BY t.created_at DESC"
                           " LIMIT %d)",
                           *at > 0 ? " UNION ALL " : "", side->columns, side->from, where, limit);
    if (n <= 0 || (size_t)n >= size - *at)
        return false;
    *at += (size_t)n;
    return true;
}

/* A status as written into the text: lower-case letters only (the caller
 * checked it is one of the statuses). */
static bool status_word(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (s[i] < 'a' || s[i] > 'z')
            return false;
    return n <= 16;
}

/* The whole text (created_at and finished_at also as api_time(), columns
 * 12 and 13); false when it does not fit. */
static bool recent_sql(char *sql, size_t size, const char *kind, const char *status,
                       bool failed_first, int limit)
{
    char sides[4096];
    size_t at = 0;
    /* One status is one range already: failed first changes nothing. */
    failed_first = failed_first && status[0] == '\0';
    if ((strcmp(kind, "play") != 0 &&
         !recent_side_sql(sides, sizeof sides, &at, &recent_fights, status, failed_first, limit)) ||
        (strcmp(kind, "fight") != 0 &&
         !recent_side_sql(sides, sizeof sides, &at, &recent_plays, status, failed_first, limit)))
        return false;
    int n = snprintf(sql, size,
                     "SELECT r.kind, r.id, r.game, r.game_id, r.status, r.reason, r.duration_ms,"
                     " r.created_at, r.finished_at, r.who, %s, r.verdict, api_time(r.created_at),"
                     " api_time(r.finished_at) FROM ("
                     "SELECT * FROM (%s) w ORDER BY %sw.created_at DESC LIMIT %d) r",
                     recent_verdicts, sides, failed_first ? "w.first DESC, " : "", limit);
    return n > 0 && (size_t)n < size;
}

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
    char sql[6144];
    if (!status_word(status) || !recent_sql(sql, sizeof sql, kind, status, failed_first, limit)) {
        log_error("admin_recent: no text for kind %s, status %s", kind, status);
        return NULL;
    }
    /* The console's limit is prepared; any other is planned once, as it
     * is asked, so a run of limits does not fill the thread's table of
     * statements. */
    PGresult *res = limit == ADMIN_RECENT_MAX ? prepared_exec(r->t, sql, 0, NULL)
                                              : cf_pg_exec(r->t->pg, sql, 0, NULL);
    if (res == NULL)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr != NULL && i < PQntuples(res); i++)
        cJSON_AddItemToArray(arr, recent_item(res, i));
    PQclear(res);
    return arr;
}
