/*
 * api_health.c — GET /healthz, for the container's health check and load
 * balancers: can this process reach PostgreSQL and Redis right now?
 *
 * The database decides the status (nothing works without it: 503); Redis
 * only delays fights (the outbox waits for it), so it is reported but does
 * not fail the check.
 */
#include "web.h"

void health_get(web_req *r)
{
    int db = cf_pg_run(r->t->pg, "SELECT 1", 0, NULL);
    bool redis_ok = false;
    redisReply *rep = cf_redis_command(r->t->redis, "PING");
    if (rep != NULL) {
        redis_ok = rep->type == REDIS_REPLY_STATUS;
        freeReplyObject(rep);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", db == 0 ? "ok" : "down");
    cJSON_AddStringToObject(o, "database", db == 0 ? "ok" : "down");
    cJSON_AddStringToObject(o, "redis", redis_ok ? "ok" : "down");
    http_json(r, db == 0 ? 200 : 503, o);
}
