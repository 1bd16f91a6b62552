/*
 * admin_users.c — the operator console's users (docs/operations.md, "The
 * operator console"): the list, deactivation and reactivation, the
 * operator role; and the same role change for the command line.
 *
 * Each change is one transaction: the user's row, what follows from it
 * (their sessions, their fights not begun) and the operator's record
 * (operator_log), so none is without the others. The rule that there is
 * always an active operator is the schema's (0104_operator_console.sql:
 * a trigger under an advisory lock, SQLSTATE CFOP1), so two operators
 * demoting each other at once cannot both pass; here it becomes a 409.
 * After the commit, a deactivation ends the user's live streams on every
 * cf-web process (revocation.c) and wakes the outbox when a fight started
 * without them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "web.h"

#define LAST_OPERATOR_STATE "CFOP1"
#define LAST_OPERATOR_MSG "the last active operator cannot be removed"

/* The columns of the admin's User object, u the user; the fights played in
 * are kept by triggers (web 0110), not counted here. */
#define USER_SELECT                                                                                \
    "SELECT u.id, u.username, u.role, u.deactivated_at IS NULL, api_time(u.deactivated_at), "      \
    "api_time(u.created_at), "                                                                     \
    "(SELECT api_time(max(s.last_seen_at)) FROM sessions s WHERE s.user_id = u.id), "              \
    "(SELECT count(*) FROM bots b WHERE b.owner_id = u.id), "                                      \
    "COALESCE((SELECT c.fights FROM user_fight_counts c WHERE c.user_id = u.id), 0) "              \
    "FROM users u "

static cJSON *user_row_json(PGresult *res, int i)
{
    cJSON *o = cJSON_CreateObject();

    json_add_pg_num(o, "id", res, i, 0);
    cJSON_AddStringToObject(o, "username", PQgetvalue(res, i, 1));
    cJSON_AddStringToObject(o, "role", PQgetvalue(res, i, 2));
    json_add_pg_bool(o, "active", res, i, 3);
    json_add_pg_str(o, "deactivated_at", res, i, 4);
    json_add_pg_str(o, "created_at", res, i, 5);
    json_add_pg_str(o, "last_seen_at", res, i, 6);
    json_add_pg_num(o, "bots", res, i, 7);
    json_add_pg_num(o, "fights", res, i, 8);
    return o;
}

cJSON *admin_user_json(web_req *r, const char *id)
{
    if (!http_int_id(id)) {
        http_error(r, 404, "no such user");
        return NULL;
    }
    const char *params[1] = {id};
    PGresult *res = prepared_exec(r->t, USER_SELECT "WHERE u.id = $1::bigint", 1, params);
    res = http_one_row(r, res, false, 404, "no such user");
    if (res == NULL)
        return NULL;
    cJSON *o = user_row_json(res, 0);
    PQclear(res);
    return o;
}

/* A name containing q, any case; every user when q is "". */
#define USER_MATCH "WHERE ($1 = '' OR strpos(lower(u.username), lower($1)) > 0) "

cJSON *admin_user_list(web_req *r, const char *q, int page, int per_page, web_list_count *count)
{
    long long offset = (long long)(page - 1) * per_page;
    char off[24], lim[16], cap[24];
    snprintf(off, sizeof off, "%lld", offset);
    snprintf(lim, sizeof lim, "%d", per_page);
    long long bound = list_count_cap(offset, per_page, cap);
    const char *params[3] = {q, lim, off};
    PGresult *res = prepared_exec(
        r->t,
        USER_SELECT USER_MATCH "ORDER BY lower(u.username), u.id LIMIT $2::int OFFSET $3::bigint",
        3, params);
    if (res == NULL)
        return NULL;
    cJSON *rows = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++)
        cJSON_AddItemToArray(rows, user_row_json(res, i));
    PQclear(res);
    const char *cparams[2] = {q, cap};
    if (list_count_of(prepared_exec(r->t,
                                    "SELECT count(*) FROM (SELECT 1 FROM users u " USER_MATCH
                                    "LIMIT $2::bigint) c",
                                    2, cparams),
                      offset, per_page, bound, count) != 0) {
        cJSON_Delete(rows);
        return NULL;
    }
    return rows;
}

/* ---- changes ---- */

/* Rolls back and answers the failed statement's error: 409 for the last
 * operator, the database error otherwise. False. */
static bool fail(web_req *r)
{
    bool last = strcmp(cf_pg_sqlstate(r->t->pg), LAST_OPERATOR_STATE) == 0;
    cf_pg_rollback(r->t->pg);
    if (last)
        http_error(r, 409, LAST_OPERATOR_MSG);
    else
        http_db_error(r);
    return false;
}

/* Opens the change's transaction and locks user id: its name into name.
 * False after answering (404, the db error), the transaction closed. */
static bool begin_on_user(web_req *r, const char *id, char name[WEB_USERNAME_MAX + 1])
{
    if (!http_int_id(id)) {
        http_error(r, 404, "no such user");
        return false;
    }
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return false;
    }
    /* The operators' lock first, the trigger's own (0104): changes of
     * users wait for each other here, before any row lock, so they cannot
     * deadlock (the record's reference to the operator's row included:
     * FOR NO KEY UPDATE leaves it free). */
    const char *params[1] = {id};
    if (cf_pg_run(r->t->pg, "SELECT pg_advisory_xact_lock(hashtext('cf:operators'))", 0, NULL) !=
        0) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return false;
    }
    PGresult *res = cf_pg_exec(
        r->t->pg, "SELECT username FROM users WHERE id = $1::bigint FOR NO KEY UPDATE", 1, params);
    res = http_one_row(r, res, true, 404, "no such user");
    if (res == NULL)
        return false;
    snprintf(name, WEB_USERNAME_MAX + 1, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return true;
}

/* Runs the change sql on user id ($1) inside the transaction: 1 when a row
 * changed, 0 when it was so already, -1 on an error (not answered, still
 * in the transaction). */
static int change_user(web_req *r, const char *sql, const char *id, const char *arg)
{
    const char *params[2] = {id, arg};
    PGresult *res = cf_pg_exec(r->t->pg, sql, arg != NULL ? 2 : 1, params);
    if (res == NULL)
        return -1;
    int n = PQntuples(res);
    PQclear(res);
    return n > 0;
}

/* The record of action on user (id, name) with detail (taken), and the
 * commit. False after answering. */
static bool record_and_commit(web_req *r, const char *action, const char *id, const char *name,
                              cJSON *detail)
{
    char target[64];
    snprintf(target, sizeof target, "user/%s", name);
    if (detail == NULL)
        detail = cJSON_CreateObject();
    cJSON_AddNumberToObject(detail, "user_id", strtod(id, NULL));
    int rc = operator_log(r, action, target, detail);
    cJSON_Delete(detail);
    if (rc != 0 || cf_pg_commit(r->t->pg) != 0)
        return fail(r);
    return true;
}

bool admin_user_deactivate(web_req *r, const char *id)
{
    char name[WEB_USERNAME_MAX + 1];
    if (!begin_on_user(r, id, name))
        return false;
    int changed = change_user(r,
                              "UPDATE users SET deactivated_at = now() "
                              "WHERE id = $1::bigint AND deactivated_at IS NULL RETURNING id",
                              id, NULL);
    if (changed < 0)
        return fail(r);
    if (changed == 0) { /* deactivated already: nothing to do */
        cf_pg_rollback(r->t->pg);
        return true;
    }
    fight_leave_counts left;
    if (session_end_all(r, id, false) != 0 || fight_state_user_leaves(r->t->pg, id, &left) != 0)
        return fail(r);
    cJSON *detail = cJSON_CreateObject();
    cJSON_AddNumberToObject(detail, "fights_cancelled", left.cancelled);
    cJSON_AddNumberToObject(detail, "invitations_left", left.left);
    if (!record_and_commit(r, "user.deactivate", id, name, detail))
        return false;
    /* The sessions are gone; their open streams end on every process. A
     * failure is logged: the next request of each stream is refused. */
    (void)revocation_publish(r->t->redis, id, NULL, NULL);
    if (left.started > 0)
        outbox_wake();
    log_info("user %s deactivated: %d open fights cancelled, %d invitations left", name,
             left.cancelled, left.left);
    return true;
}

bool admin_user_reactivate(web_req *r, const char *id)
{
    char name[WEB_USERNAME_MAX + 1];
    if (!begin_on_user(r, id, name))
        return false;
    int changed = change_user(r,
                              "UPDATE users SET deactivated_at = NULL "
                              "WHERE id = $1::bigint AND deactivated_at IS NOT NULL RETURNING id",
                              id, NULL);
    if (changed < 0)
        return fail(r);
    if (changed == 0) {
        cf_pg_rollback(r->t->pg);
        return true;
    }
    return record_and_commit(r, "user.reactivate", id, name, NULL);
}

bool admin_user_set_operator(web_req *r, const char *id, bool operator)
{
    char name[WEB_USERNAME_MAX + 1];
    if (!begin_on_user(r, id, name))
        return false;
    const char *role = operator? "operator" : "user";
    int changed = change_user(r,
                              "UPDATE users SET role = $2 "
                              "WHERE id = $1::bigint AND role <> $2 RETURNING id",
                              id, role);
    if (changed < 0)
        return fail(r);
    if (changed == 0) {
        cf_pg_rollback(r->t->pg);
        return true;
    }
    if (!record_and_commit(r, operator? "user.grant_operator" : "user.revoke_operator", id, name,
                           NULL))
        return false;
    /* The role shows at once in every process's session cache (the
     * console itself never takes it from there). */
    (void)revocation_publish_role(r->t->redis, id);
    return true;
}

/* ---- the command line: cf-web --grant-operator / --revoke-operator ---- */

int admin_operator_by_name(cf_pg *pg, const char *name, bool operator,
                           char user_id[WEB_INT_ID_SIZE], char *msg, size_t msglen)
{
    user_id[0] = '\0';
    const char *role = operator? "operator" : "user";
    const char *params[2] = {name, role};
    if (cf_pg_begin(pg) != 0 ||
        cf_pg_run(pg, "SELECT pg_advisory_xact_lock(hashtext('cf:operators'))", 0, NULL) != 0) {
        snprintf(msg, msglen, "database: %s", cf_pg_error(pg));
        cf_pg_rollback(pg);
        return -1;
    }
    PGresult *res = cf_pg_exec(pg,
                               "SELECT id, username, role FROM users "
                               "WHERE lower(username) = lower($1) FOR NO KEY UPDATE",
                               1, params);
    if (res == NULL || PQntuples(res) != 1) {
        snprintf(msg, msglen, res == NULL ? "database: %s" : "no user named '%s'",
                 res == NULL ? cf_pg_error(pg) : name);
        if (res != NULL)
            PQclear(res);
        cf_pg_rollback(pg);
        return -1;
    }
    char id[WEB_INT_ID_SIZE], username[WEB_USERNAME_MAX + 1];
    snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
    snprintf(username, sizeof username, "%s", PQgetvalue(res, 0, 1));
    bool already = strcmp(PQgetvalue(res, 0, 2), role) == 0;
    PQclear(res);
    if (already) {
        cf_pg_rollback(pg);
        snprintf(msg, msglen, "%s is %s already",
                 username, operator? "an operator" : "no operator");
        return 0;
    }
    const char *change[2] = {id, role};
    const char *log[3] = {username, operator? "user.grant_operator" : "user.revoke_operator", id};
    if (cf_pg_run(pg, "UPDATE users SET role = $2 WHERE id = $1::bigint", 2, change) != 0 ||
        cf_pg_run(pg,
                  "INSERT INTO operator_actions (operator_id, operator, action, target, detail) "
                  "VALUES (NULL, '(command line)', $2, 'user/' || $1, "
                  "jsonb_build_object('user_id', $3::bigint))",
                  3, log) != 0) {
        bool last = strcmp(cf_pg_sqlstate(pg), LAST_OPERATOR_STATE) == 0;
        snprintf(msg, msglen, "%s", last ? LAST_OPERATOR_MSG : cf_pg_error(pg));
        cf_pg_rollback(pg);
        return -1;
    }
    if (cf_pg_commit(pg) != 0) {
        bool last = strcmp(cf_pg_sqlstate(pg), LAST_OPERATOR_STATE) == 0;
        snprintf(msg, msglen, "%s", last ? LAST_OPERATOR_MSG : cf_pg_error(pg));
        return -1;
    }
    snprintf(msg, msglen, "%s is %s", username, operator? "an operator now" : "no operator now");
    snprintf(user_id, WEB_INT_ID_SIZE, "%s", id);
    return 1;
}
