/*
 * admin_health.c — the health of the whole system for the operator
 * console: every service from its heartbeat (cf:service:<kind>:<name>,
 * common/heartbeat.h), every consumer group of the streams (XINFO GROUPS:
 * lag, pending, consumers) and the streams' lengths.
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

static const char *const group_streams[] = {CF_STREAM_FIGHTS, CF_STREAM_PLAYS, CF_STREAM_RESULTS,
                                            CF_STREAM_PROGRESS, NULL};
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

/* The heartbeat keys (SCAN), each read whole; sorted by kind and name.
 * -1 when Redis failed. */
static int services(web_req *r, cJSON *out)
{
    cJSON *found[SERVICES_MAX];
    int n = 0;
    char cursor[32] = "0";
    do {
        redisReply *rep = cf_redis_command(r->t->redis, "SCAN %s MATCH %s* COUNT 100", cursor,
                                           CF_HEARTBEAT_PREFIX);
        if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
            !is_str(rep->element[0]) || rep->element[1]->type != REDIS_REPLY_ARRAY) {
            if (rep != NULL)
                freeReplyObject(rep);
            for (int i = 0; i < n; i++)
                cJSON_Delete(found[i]);
            return -1;
        }
        snprintf(cursor, sizeof cursor, "%s", rep->element[0]->str);
        for (size_t i = 0; i < rep->element[1]->elements && n < SERVICES_MAX; i++) {
            const redisReply *key = rep->element[1]->element[i];
            if (!is_str(key))
                continue;
            redisReply *h = cf_redis_command(r->t->redis, "HGETALL %b", key->str, key->len);
            cJSON *s = h != NULL ? service_item(h, now_ms()) : NULL;
            if (s != NULL)
                found[n++] = s;
            if (h != NULL)
                freeReplyObject(h);
        }
        freeReplyObject(rep);
    } while (strcmp(cursor, "0") != 0 && n < SERVICES_MAX);
    qsort(found, (size_t)n, sizeof found[0], by_kind_and_name);
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(out, found[i]);
    return 0;
}

/* The consumers of one group: name, pending, idle_ms. */
static cJSON *consumers_of(web_req *r, const char *stream, const redisReply *group)
{
    cJSON *arr = cJSON_CreateArray();
    redisReply *rep =
        cf_redis_command(r->t->redis, "XINFO CONSUMERS %s %b", stream, group->str, group->len);
    for (size_t i = 0;
         arr != NULL && rep != NULL && rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
        cJSON *c = cJSON_CreateObject();
        add_text(c, "name", flat_get(rep->element[i], "name"));
        add_number(c, "pending", flat_get(rep->element[i], "pending"));
        add_number(c, "idle_ms", flat_get(rep->element[i], "idle"));
        cJSON_AddItemToArray(arr, c);
    }
    if (rep != NULL)
        freeReplyObject(rep);
    return arr;
}

/* XINFO GROUPS of one stream; a stream that does not exist has none. */
static void groups_of(web_req *r, const char *stream, cJSON *out)
{
    redisReply *rep = cf_redis_command(r->t->redis, "XINFO GROUPS %s", stream);
    for (size_t i = 0; rep != NULL && rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
        const redisReply *g = rep->element[i], *name = flat_get(g, "name");
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
        cJSON_AddItemToObject(o, "consumers", consumers_of(r, stream, name));
        cJSON_AddItemToArray(out, o);
    }
    if (rep != NULL)
        freeReplyObject(rep);
}

static int lengths(web_req *r, cJSON *out)
{
    for (const char *const *s = length_streams; *s != NULL; s++) {
        redisReply *rep = cf_redis_command(r->t->redis, "XLEN %s", *s);
        if (rep == NULL || rep->type != REDIS_REPLY_INTEGER) {
            if (rep != NULL)
                freeReplyObject(rep);
            return -1;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "stream", *s);
        cJSON_AddNumberToObject(o, "length", (double)rep->integer);
        cJSON_AddItemToArray(out, o);
        freeReplyObject(rep);
    }
    return 0;
}

cJSON *admin_health(web_req *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *svc = cJSON_AddArrayToObject(o, "services");
    cJSON *groups = cJSON_AddArrayToObject(o, "groups");
    cJSON *streams = cJSON_AddArrayToObject(o, "streams");
    if (svc == NULL || groups == NULL || streams == NULL || services(r, svc) != 0 ||
        lengths(r, streams) != 0) {
        cJSON_Delete(o);
        return NULL;
    }
    for (const char *const *s = group_streams; *s != NULL; s++)
        groups_of(r, *s, groups);
    cJSON_AddNumberToObject(o, "fresh_ms", CF_HEARTBEAT_FRESH_MS);
    return o;
}
