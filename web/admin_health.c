/*
 * admin_health.c — the health of the whole system for the operator
 * console: every service from its heartbeat (cf:service:<kind>:<name>,
 * common/heartbeat.h), every consumer group of the streams (XINFO GROUPS:
 * lag, pending, consumers) and the streams' lengths: the heartbeat keys
 * found with SCAN, then everything read by one script on the Redis side
 * (two round trips a request while there are fewer than a thousand keys).
 *
 * A heartbeat is a hash anyone could write: its numbers are read as
 * numbers or left out, its JSON (layers, last_errors) parsed or shown as
 * null, its text as valid UTF-8 only. A service is up while its last beat
 * is younger than CF_HEARTBEAT_FRESH_MS and it did not say it stopped; a
 * service that died shows down until its key expires.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "heartbeat.h"
#include "web.h"

#define SERVICES_MAX 200
#define STREAMS_MAX 8 /* length_streams has at most this many */

/* Every stream of the pipeline, its length shown; the groups of the first
 * GROUPED_STREAMS (cf:fights, cf:plays, cf:results, cf:progress) too. */
#define GROUPED_STREAMS 4
static const char *const length_streams[] = {CF_STREAM_FIGHTS,
                                             CF_STREAM_PLAYS,
                                             CF_STREAM_RESULTS,
                                             CF_STREAM_PROGRESS,
                                             CF_STREAM_DEAD,
                                             CF_STREAM_PLAYS_DEAD,
                                             NULL};

static long long now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_str(const redisReply *x)
{
    return x != NULL && (x->type == REDIS_REPLY_STRING || x->type == REDIS_REPLY_STATUS);
}

/* The value of key in a flat [k1, v1, k2, v2, ...] reply, or NULL. */
static const redisReply *flat_get(const redisReply *map, const char *key)
{
    if (map == NULL || map->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < map->elements; i += 2)
        if (is_str(map->element[i]) && strcmp(map->element[i]->str, key) == 0)
            return map->element[i + 1];
    return NULL;
}

/* A decimal integer of at most 18 digits, or -1. */
static long long number_of(const redisReply *v)
{
    if (v != NULL && v->type == REDIS_REPLY_INTEGER)
        return v->integer;
    if (!is_str(v) || v->len == 0 || v->len > 18)
        return -1;
    char *end;
    long long n = strtoll(v->str, &end, 10);
    return *end == '\0' && n >= 0 ? n : -1;
}

static void add_text(cJSON *o, const char *key, const redisReply *v)
{
    if (is_str(v) && cf_utf8_valid(v->str, v->len) && v->len <= 256)
        cJSON_AddStringToObject(o, key, v->str);
    else
        cJSON_AddNullToObject(o, key);
}

static void add_number(cJSON *o, const char *key, const redisReply *v)
{
    long long n = number_of(v);
    if (n >= 0)
        cJSON_AddNumberToObject(o, key, (double)n);
    else
        cJSON_AddNullToObject(o, key);
}

/* A JSON field of the heartbeat of type want (cJSON_Array), or null. */
static void add_json(cJSON *o, const char *key, const redisReply *v)
{
    cJSON *j = is_str(v) ? cJSON_ParseWithLength(v->str, v->len) : NULL;
    if (j != NULL && cJSON_IsArray(j))
        cJSON_AddItemToObject(o, key, j);
    else {
        cJSON_Delete(j);
        cJSON_AddNullToObject(o, key);
    }
}

static void add_time(cJSON *o, const char *key, long long ms)
{
    char out[32] = "";
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (ms > 0 && gmtime_r(&secs, &tm) != NULL &&
        strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
        cJSON_AddStringToObject(o, key, out);
    else
        cJSON_AddNullToObject(o, key);
}

/* One service from its heartbeat hash (HGETALL), or NULL when it is not
 * one (no kind or no time). */
static cJSON *service_item(const redisReply *h, long long now)
{
    const redisReply *kind = flat_get(h, "kind"), *state = flat_get(h, "state");
    long long updated = number_of(flat_get(h, "updated_at"));
    if (!is_str(kind) || updated < 0)
        return NULL;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    long long age = now > updated ? now - updated : 0;
    bool stopped = is_str(state) && strcmp(state->str, "stopped") == 0;
    add_text(o, "kind", kind);
    add_text(o, "name", flat_get(h, "name"));
    cJSON_AddBoolToObject(o, "up", !stopped && age <= CF_HEARTBEAT_FRESH_MS);
    cJSON_AddStringToObject(o, "state", stopped ? "stopped" : "running");
    cJSON_AddNumberToObject(o, "age_ms", (double)age);
    add_text(o, "host", flat_get(h, "host"));
    add_number(o, "pid", flat_get(h, "pid"));
    add_time(o, "started_at", number_of(flat_get(h, "started_at")));
    add_time(o, "updated_at", updated);
    static const char *const numbers[] = {"slots", "slots_busy", "arcade_slots", "arcade_busy",
                                          NULL};
    for (const char *const *n = numbers; *n != NULL; n++)
        if (flat_get(h, *n) != NULL)
            add_number(o, *n, flat_get(h, *n));
    if (flat_get(h, "layers") != NULL)
        add_json(o, "layers", flat_get(h, "layers"));
    add_json(o, "last_errors", flat_get(h, "last_errors"));
    return o;
}

static int by_kind_and_name(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    const char *kx = cJSON_GetStringValue(cJSON_GetObjectItem(x, "kind"));
    const char *ky = cJSON_GetStringValue(cJSON_GetObjectItem(y, "kind"));
    int c = strcmp(kx != NULL ? kx : "", ky != NULL ? ky : "");
    if (c != 0)
        return c;
    const char *nx = cJSON_GetStringValue(cJSON_GetObjectItem(x, "name"));
    const char *ny = cJSON_GetStringValue(cJSON_GetObjectItem(y, "name"));
    return strcmp(nx != NULL ? nx : "", ny != NULL ? ny : "");
}

/* The heartbeat keys are found with SCAN from here, a thousand keys a step
 * (the keyspace holds the streams, the heartbeats, and short-lived cancel
 * and play keys: a play's streams stay ten minutes after it ends,
 * docs/streams.md), so Redis is never held for the whole walk; everything
 * else is read on the Redis side by one script (a round trip per key,
 * stream and group kept a worker thread waiting on Redis some twenty times
 * a request). KEYS: the streams whose length is shown, then the heartbeat
 * keys; ARGV: how many streams, how many of the first of them have their
 * groups shown. The answer: [heartbeats (each HGETALL, flat), lengths (as
 * the streams), groups (one list a grouped stream, each group as [XINFO
 * GROUPS entry, XINFO CONSUMERS])]. A key that is not a hash is left out,
 * a stream that does not exist has no groups, a group whose consumers
 * cannot be read has none. */
static const char health_script[] =
    "local streams = tonumber(ARGV[1]) "
    "local beats = {} "
    "for i = streams + 1, #KEYS do "
    "  local h = redis.pcall('HGETALL', KEYS[i]) "
    "  if type(h) == 'table' and not h.err then beats[#beats + 1] = h end "
    "end "
    "local lengths = {} "
    "for i = 1, streams do lengths[i] = redis.call('XLEN', KEYS[i]) end "
    "local groups = {} "
    "for i = 1, tonumber(ARGV[2]) do "
    "  local list = {} "
    "  local g = redis.pcall('XINFO', 'GROUPS', KEYS[i]) "
    "  if type(g) == 'table' and not g.err then "
    "    for _, e in ipairs(g) do "
    "      local name = nil "
    "      for j = 1, #e - 1, 2 do if e[j] == 'name' then name = e[j + 1] end end "
    "      local c = {} "
    "      if type(name) == 'string' then "
    "        c = redis.pcall('XINFO', 'CONSUMERS', KEYS[i], name) "
    "        if type(c) ~= 'table' or c.err then c = {} end "
    "      end "
    "      list[#list + 1] = {e, c} "
    "    end "
    "  end "
    "  groups[i] = list "
    "end "
    "return {beats, lengths, groups}";

/* How long the list of heartbeat keys is kept (cache.c). Keys come and go
 * only as services start and stop, and their hashes are read live by the
 * script at every request: a service started shows within this, one
 * stopped for good (its key expired) shows nothing more at once. */
#define KEYS_CACHE_MS 1000
static const char keys_cache_key[] = "admin-health:keys";

/* Appends key and its NUL to the list at *list (len bytes); false when out
 * of memory. */
static bool list_add(char **list, size_t *len, size_t *cap, const char *key, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t grown_cap = (*len + n + 1) * 2;
        char *grown = realloc(*list, grown_cap);
        if (grown == NULL)
            return false;
        *list = grown;
        *cap = grown_cap;
    }
    memcpy(*list + *len, key, n);
    (*list)[*len + n] = '\0';
    *len += n + 1;
    return true;
}

/* The heartbeat keys (at most SERVICES_MAX), each followed by a NUL, into
 * *list (the caller frees; NULL and 0 when there is none), found with
 * SCAN; -1 when Redis failed. A key holding a NUL is none of ours and
 * could not be told from two: left out. */
static int scan_heartbeat_keys(web_req *r, char **list, size_t *len)
{
    char cursor[32] = "0";
    int found = 0;
    size_t cap = 0;
    *list = NULL;
    *len = 0;
    do {
        redisReply *rep = cf_redis_command(r->t->redis, "SCAN %s MATCH %s* COUNT 1000", cursor,
                                           CF_HEARTBEAT_PREFIX);
        if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
            !is_str(rep->element[0]) || rep->element[1]->type != REDIS_REPLY_ARRAY) {
            if (rep != NULL)
                freeReplyObject(rep);
            free(*list);
            *list = NULL;
            *len = 0;
            return -1;
        }
        snprintf(cursor, sizeof cursor, "%s", rep->element[0]->str);
        for (size_t i = 0; i < rep->element[1]->elements && found < SERVICES_MAX; i++) {
            const redisReply *key = rep->element[1]->element[i];
            if (is_str(key) && memchr(key->str, '\0', key->len) == NULL &&
                list_add(list, len, &cap, key->str, key->len))
                found++;
        }
        freeReplyObject(rep);
    } while (strcmp(cursor, "0") != 0 && found < SERVICES_MAX);
    return 0;
}

/* The heartbeat keys as the script's arguments, from argv[*argc] on, each
 * pointing into *list (the caller frees it once the script has run); -1
 * when Redis failed. From cache.c when kept there (KEYS_CACHE_MS), which
 * spares a round trip to Redis. */
static int heartbeat_keys(web_req *r, const char **argv, size_t *lens, int *argc, char **list)
{
    size_t len = 0;
    *list = cache_get(keys_cache_key, &len);
    if (*list == NULL) {
        if (scan_heartbeat_keys(r, list, &len) != 0)
            return -1;
        cache_put(keys_cache_key, *list != NULL ? *list : "", len, KEYS_CACHE_MS, r->cache_epoch);
    }
    int found = 0;
    for (size_t at = 0; at < len && found < SERVICES_MAX; found++) {
        size_t n = strlen(*list + at);
        argv[*argc] = *list + at;
        lens[(*argc)++] = n;
        at += n + 1;
    }
    return 0;
}

/* The services of the heartbeats, sorted by kind and name. */
static void services(const redisReply *beats, cJSON *out)
{
    cJSON *found[SERVICES_MAX];
    int n = 0;
    for (size_t i = 0; i < beats->elements && n < SERVICES_MAX; i++) {
        cJSON *s = service_item(beats->element[i], now_ms());
        if (s != NULL)
            found[n++] = s;
    }
    qsort(found, (size_t)n, sizeof found[0], by_kind_and_name);
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(out, found[i]);
}

/* The consumers of one group (XINFO CONSUMERS): name, pending, idle_ms. */
static cJSON *consumers_of(const redisReply *rep)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr != NULL && rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
        cJSON *c = cJSON_CreateObject();
        add_text(c, "name", flat_get(rep->element[i], "name"));
        add_number(c, "pending", flat_get(rep->element[i], "pending"));
        add_number(c, "idle_ms", flat_get(rep->element[i], "idle"));
        cJSON_AddItemToArray(arr, c);
    }
    return arr;
}

/* The groups of one stream, each [XINFO GROUPS entry, its consumers]. */
static void groups_of(const char *stream, const redisReply *list, cJSON *out)
{
    for (size_t i = 0; list->type == REDIS_REPLY_ARRAY && i < list->elements; i++) {
        const redisReply *pair = list->element[i];
        if (pair->type != REDIS_REPLY_ARRAY || pair->elements != 2)
            continue;
        const redisReply *g = pair->element[0], *name = flat_get(g, "name");
        if (!is_str(name))
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "stream", stream);
        add_text(o, "group", name);
        /* lag: entries not yet delivered to the group (Redis 7; null when
         * Redis cannot say, e.g. after deletions). */
        add_number(o, "lag", flat_get(g, "lag"));
        add_number(o, "pending", flat_get(g, "pending"));
        add_text(o, "last_delivered_id", flat_get(g, "last-delivered-id"));
        cJSON_AddItemToObject(o, "consumers", consumers_of(pair->element[1]));
        cJSON_AddItemToArray(out, o);
    }
}

/* The lengths, as the script read them (as many as length_streams). */
static int lengths(const redisReply *rep, cJSON *out)
{
    for (size_t i = 0; length_streams[i] != NULL; i++) {
        if (i >= rep->elements || rep->element[i]->type != REDIS_REPLY_INTEGER)
            return -1;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "stream", length_streams[i]);
        cJSON_AddNumberToObject(o, "length", (double)rep->element[i]->integer);
        cJSON_AddItemToArray(out, o);
    }
    return 0;
}

/* The script's answer; NULL when Redis failed or answered another shape. */
static redisReply *health_read(web_req *r)
{
    enum { FIRST_KEY = 3 }; /* EVAL, the script, the number of keys */
    const char *argv[FIRST_KEY + STREAMS_MAX + SERVICES_MAX + 2];
    size_t lens[sizeof argv / sizeof argv[0]];
    int streams = 0, argc = FIRST_KEY;
    char nkeys[16], nstreams[16], ngroups[16];
    for (; length_streams[streams] != NULL; streams++) {
        argv[argc] = length_streams[streams];
        lens[argc++] = strlen(length_streams[streams]);
    }
    int keys_end = argc;
    redisReply *rep = NULL;
    char *keys = NULL;
    if (heartbeat_keys(r, argv, lens, &keys_end, &keys) == 0) {
        snprintf(nkeys, sizeof nkeys, "%d", keys_end - FIRST_KEY);
        snprintf(nstreams, sizeof nstreams, "%d", streams);
        snprintf(ngroups, sizeof ngroups, "%d", GROUPED_STREAMS);
        const char *fixed[] = {"EVAL", health_script, nkeys};
        for (int i = 0; i < FIRST_KEY; i++) {
            argv[i] = fixed[i];
            lens[i] = strlen(fixed[i]);
        }
        argv[keys_end] = nstreams;
        lens[keys_end] = strlen(nstreams);
        argv[keys_end + 1] = ngroups;
        lens[keys_end + 1] = strlen(ngroups);
        rep = cf_redis_argv(r->t->redis, keys_end + 2, argv, lens);
    }
    free(keys);
    if (rep != NULL &&
        (rep->type != REDIS_REPLY_ARRAY || rep->elements != 3 ||
         rep->element[0]->type != REDIS_REPLY_ARRAY || rep->element[1]->type != REDIS_REPLY_ARRAY ||
         rep->element[2]->type != REDIS_REPLY_ARRAY ||
         rep->element[2]->elements != GROUPED_STREAMS)) {
        freeReplyObject(rep);
        return NULL;
    }
    return rep;
}

cJSON *admin_health(web_req *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *svc = cJSON_AddArrayToObject(o, "services");
    cJSON *groups = cJSON_AddArrayToObject(o, "groups");
    cJSON *streams = cJSON_AddArrayToObject(o, "streams");
    redisReply *rep = svc != NULL && groups != NULL && streams != NULL ? health_read(r) : NULL;
    if (rep == NULL || lengths(rep->element[1], streams) != 0) {
        if (rep != NULL)
            freeReplyObject(rep);
        cJSON_Delete(o);
        return NULL;
    }
    services(rep->element[0], svc);
    for (size_t i = 0; i < GROUPED_STREAMS; i++)
        groups_of(length_streams[i], rep->element[2]->element[i], groups);
    freeReplyObject(rep);
    cJSON_AddNumberToObject(o, "fresh_ms", CF_HEARTBEAT_FRESH_MS);
    return o;
}
