/*
 * operator_log.c — the record of what operators did (operator_actions,
 * web/migrations/0103_operators.sql): who, what, on what, when.
 *
 * Every operator action writes its line with the change itself, inside the
 * same transaction when the change is in PostgreSQL, so a change is never
 * without its line nor a line without its change. A change made elsewhere
 * (a Redis stream entry requeued, a play stopped) writes its line after
 * the change succeeded.
 */
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
