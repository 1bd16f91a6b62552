/*
 * api_admin_work.c — the operator console's routes for the work
 * (docs/openapi.yaml, tag admin): running and recent fights and plays,
 * stopping them, the dead letters, the health of the services. Every
 * route is R_OPERATOR (router.c: 401 logged out, 403 without the role,
 * CSRF on writes); every write is recorded with operator_log().
 */
#include <string.h>

#include "log.h"
#include "web.h"

#define RECENT_CACHE_MS 1000

static void redis_down(web_req *r)
{
    http_error(r, 503, "Redis cannot be reached; try again in a moment");
}

/* ------------------------------------------------------------ running */

void admin_work_get(web_req *r)
{
    cJSON *o = NULL;
    int rc = admin_work(r, &o);
    if (rc == -2)
        redis_down(r);
    else if (rc != 0)
        http_db_error(r);
    else
        http_json(r, 200, o);
}

static void answer_stopped(web_req *r, const char *kind, const char *id)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", kind);
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddBoolToObject(o, "stopped", true);
    http_json(r, 200, o);
}

void admin_fight_stop(web_req *r)
{
    if (fight_stop_as_operator(r, r->params[0]))
        answer_stopped(r, "fight", r->params[0]);
}

/* The play's status into status; 1 found, 0 not, -1 db error. */
static int play_status(web_req *r, const char *id, char status[16])
{
    const char *params[1] = {id};
    PGresult *res = cf_pg_exec(r->t->pg, "SELECT status FROM plays WHERE id = $1::uuid", 1, params);
    if (res == NULL)
        return -1;
    int found = PQntuples(res) == 1;
    if (found)
        snprintf(status, 16, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return found;
}

void admin_play_stop(web_req *r)
{
    const char *id = r->params[0];
    char status[16];
    int found = cf_uuid_valid(id, strlen(id)) ? play_status(r, id, status) : 0;
    if (found <= 0) {
        if (found < 0)
            http_db_error(r);
        else
            http_error(r, 404, "no such play");
        return;
    }
    if (play_status_final(status)) {
        http_error(r, 409, "the play is over (%s)", status);
        return;
    }
    int rc = play_stop(r, id, "stopped by an operator before it started");
    if (rc == -2) {
        redis_down(r);
        return;
    }
    cJSON *detail = cJSON_CreateObject();
    cJSON_AddStringToObject(detail, "was", status);
    if (rc != 0 || operator_log(r, "play.stop", id, detail) != 0) {
        cJSON_Delete(detail);
        http_db_error(r);
        return;
    }
    cJSON_Delete(detail);
    log_info("operator %s stopped play %s", r->username, id);
    answer_stopped(r, "play", id);
}

/* ------------------------------------------------------------- recent */

static bool one_of(const char *s, const char *const *words)
{
    for (; *words != NULL; words++)
        if (strcmp(s, *words) == 0)
            return true;
    return false;
}

void admin_recent_get(web_req *r)
{
    static const char *const kinds[] = {"all", "fight", "play", NULL};
    static const char *const statuses[] = {"hosting", "queued",    "running", "finished",
                                           "failed",  "cancelled", "stopped", NULL};
    const char *kind = http_query(r, "kind"), *status = http_query(r, "status");
    const char *failed = http_query(r, "failed_first");
    int limit;
    if (kind == NULL || kind[0] == '\0')
        kind = "all";
    if (status == NULL)
        status = "";
    if (!one_of(kind, kinds)) {
        http_error(r, 400, "kind must be fight, play or all");
        return;
    }
    if (status[0] != '\0' && !one_of(status, statuses)) {
        http_error(r, 400,
                   "status must be one of hosting, queued, running, finished, failed, "
                   "cancelled, stopped");
        return;
    }
    if (failed != NULL && strcmp(failed, "true") != 0 && strcmp(failed, "false") != 0 &&
        failed[0] != '\0') {
        http_error(r, 400, "failed_first must be true or false");
        return;
    }
    if (!http_int_query(r, "limit", ADMIN_RECENT_MAX, 1, ADMIN_RECENT_MAX, &limit))
        return;
    bool failed_first = failed != NULL && strcmp(failed, "true") == 0;
    /* The same for every operator: kept a second (cache.c), emptied at
     * once by a change made here (a stop, a requeue: R_FIGHTS), so only
     * what other processes change (results) shows up to a second late. */
    char key[96];
    snprintf(key, sizeof key, "admin:recent:%s:%s:%d:%d", kind, status, failed_first, limit);
    if (http_from_cache(r, key))
        return;
    cJSON *items = admin_recent(r, kind, status, failed_first, limit), *o = cJSON_CreateObject();
    if (items == NULL || o == NULL) {
        cJSON_Delete(items);
        cJSON_Delete(o);
        http_db_error(r);
        return;
    }
    cJSON_AddItemToObject(o, "items", items);
    http_json_cached(r, 200, o, key, RECENT_CACHE_MS);
}

/* ------------------------------------------------------- dead letters */

void admin_dead_get(web_req *r)
{
    const char *stream = http_query(r, "stream");
    const admin_dead_kind *only = NULL;
    if (stream != NULL && stream[0] != '\0' && strcmp(stream, "all") != 0) {
        only = admin_dead_kind_named(stream);
        if (only == NULL) {
            http_error(r, 400, "stream must be fights or plays");
            return;
        }
    }
    cJSON *items = admin_dead_list(r, only);
    if (items == NULL) {
        redis_down(r);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "items", items);
    http_json(r, 200, o);
}

/* The dead stream and entry of the path; NULL after answering 404. */
static const admin_dead_kind *dead_path(web_req *r)
{
    const admin_dead_kind *k = admin_dead_kind_named(r->params[0]);
    if (k == NULL || !admin_dead_entry_id_valid(r->params[1])) {
        http_error(r, 404, "no such dead letter");
        return NULL;
    }
    return k;
}

void admin_dead_requeue_post(web_req *r)
{
    const admin_dead_kind *k = dead_path(r);
    if (k != NULL)
        admin_dead_requeue(r, k, r->params[1]);
}

void admin_dead_delete(web_req *r)
{
    const admin_dead_kind *k = dead_path(r);
    if (k != NULL)
        admin_dead_discard(r, k, r->params[1]);
}

/* ------------------------------------------------------------- health */

void admin_health_get(web_req *r)
{
    cJSON *o = admin_health(r);
    if (o == NULL)
        redis_down(r);
    else
        http_json(r, 200, o);
}
