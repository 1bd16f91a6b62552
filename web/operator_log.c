/*
 * operator_log.c — the record of what operators did (operator_actions,
 * web/migrations/0103_operators.sql): who, what, on what, when.
 *
 * Every operator action writes its line with the change itself, inside the
 * same transaction when the change is in PostgreSQL, so a change is never
 * without its line nor a line without its change. A change made elsewhere
 * (a Redis stream entry requeued, a play stopped) writes its line after
 * the change succeeded. The console lists the lines newest first.
 */
#include <stdio.h>

#include "log.h"
#include "web.h"

int operator_log(web_req *r, const char *action, const char *target, const cJSON *detail)
{
    char *json = detail != NULL ? cJSON_PrintUnformatted(detail) : NULL;
    if (detail != NULL && json == NULL)
        return -1;
    const char *params[5] = {r->user_id, r->username, action, target != NULL ? target : "",
                             json != NULL ? json : "{}"};
    int rc =
        cf_pg_run(r->t->pg,
                  "INSERT INTO operator_actions (operator_id, operator, action, target, detail) "
                  "VALUES ($1::bigint, $2, $3, $4, $5::jsonb)",
                  5, params);
    cJSON_free(json);
    if (rc != 0)
        log_error("operator %s: %s %s not recorded: %s", r->username, action,
                  target != NULL ? target : "", cf_pg_error(r->t->pg));
    else
        log_info("operator %s: %s %s", r->username, action, target != NULL ? target : "");
    return rc;
}

cJSON *operator_log_list(web_req *r, int page, int per_page, web_list_count *count)
{
    long long offset = (long long)(page - 1) * per_page;
    char off[24], lim[16], cap[24];
    snprintf(off, sizeof off, "%lld", offset);
    snprintf(lim, sizeof lim, "%d", per_page);
    long long bound = list_count_cap(offset, per_page, cap);
    const char *params[2] = {lim, off};
    PGresult *res = prepared_exec(r->t,
                                  "SELECT id, api_time(at), operator, action, target, detail::text "
                                  "FROM operator_actions ORDER BY at DESC, id DESC "
                                  "LIMIT $1::int OFFSET $2::bigint",
                                  2, params);
    if (res == NULL)
        return NULL;
    cJSON *rows = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *o = cJSON_CreateObject();
        json_add_pg_num(o, "id", res, i, 0);
        cJSON_AddStringToObject(o, "at", PQgetvalue(res, i, 1));
        cJSON_AddStringToObject(o, "operator", PQgetvalue(res, i, 2));
        cJSON_AddStringToObject(o, "action", PQgetvalue(res, i, 3));
        cJSON_AddStringToObject(o, "target", PQgetvalue(res, i, 4));
        cJSON *detail = cJSON_Parse(PQgetvalue(res, i, 5));
        cJSON_AddItemToObject(o, "detail", detail != NULL ? detail : cJSON_CreateObject());
        cJSON_AddItemToArray(rows, o);
    }
    PQclear(res);
    const char *cparams[1] = {cap};
    if (list_count_of(prepared_exec(r->t,
                                    "SELECT count(*) FROM (SELECT 1 FROM operator_actions "
                                    "LIMIT $1::bigint) c",
                                    1, cparams),
                      offset, per_page, bound, count) != 0) {
        cJSON_Delete(rows);
        return NULL;
    }
    return rows;
}
