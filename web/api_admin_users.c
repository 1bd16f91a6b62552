/*
 * api_admin_users.c — the operator console's routes of users, games and
 * the record of actions (docs/openapi.yaml, tag admin).
 *
 * Handlers only: the router has checked the operator role (R_OPERATOR:
 * 401 logged out, 403 without the role) and the CSRF token of every
 * write; each handler here checks its input, calls admin_users.c,
 * admin_games.c or operator_log.c, and answers.
 */
#include <string.h>

#include "web.h"

/* Answers the admin's User object of id (after a change). */
static void answer_user(web_req *r, const char *id)
{
    cJSON *o = admin_user_json(r, id);
    if (o != NULL)
        http_json(r, 200, o);
}

static bool page_query(web_req *r, int *page, int *per_page)
{
    return http_int_query(r, "page", 1, 1, 100000, page) &&
           http_int_query(r, "per_page", 50, 1, 100, per_page);
}

void admin_users_list(web_req *r)
{
    const char *q = http_query(r, "q");
    if (q == NULL)
        q = "";
    if (strlen(q) > WEB_USERNAME_MAX) {
        http_error(r, 400, "query parameter 'q' must be at most %d characters", WEB_USERNAME_MAX);
        return;
    }
    int page, per_page;
    if (!page_query(r, &page, &per_page))
        return;
    web_list_count count;
    cJSON *rows = admin_user_list(r, q, page, per_page, &count);
    if (rows == NULL) {
        http_db_error(r);
        return;
    }
    http_json(r, 200, list_page_json("items", rows, page, per_page, &count));
}

void admin_users_deactivate(web_req *r)
{
    if (admin_user_deactivate(r, r->params[0]))
        answer_user(r, r->params[0]);
}

void admin_users_reactivate(web_req *r)
{
    if (admin_user_reactivate(r, r->params[0]))
        answer_user(r, r->params[0]);
}

void admin_users_operator(web_req *r)
{
    cJSON *b = http_json_body(r);
    if (b == NULL)
        return;
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(b, "operator");
    if (!cJSON_IsBool(op)) {
        http_error(r, 400, "field 'operator' must be a boolean");
        return;
    }
    if (admin_user_set_operator(r, r->params[0], cJSON_IsTrue(op)))
        answer_user(r, r->params[0]);
}

void admin_games_get(web_req *r)
{
    cJSON *items = admin_games_list(r);
    if (items == NULL) {
        http_db_error(r);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "items", items);
    http_json(r, 200, o);
}

/* POST /api/admin/games/{kind}/{id}/{hide|show}: which is in the path. */
static void set_hidden(web_req *r, bool builtin, bool hidden)
{
    cJSON *o = builtin ? admin_games_builtin_set(r, r->params[0], hidden)
                       : admin_games_arcade_set(r, r->params[0], hidden);
    if (o != NULL)
        http_json(r, 200, o);
}

void admin_games_builtin_hide(web_req *r)
{
    set_hidden(r, true, true);
}

void admin_games_builtin_show(web_req *r)
{
    set_hidden(r, true, false);
}

void admin_games_arcade_hide(web_req *r)
{
    set_hidden(r, false, true);
}

void admin_games_arcade_show(web_req *r)
{
    set_hidden(r, false, false);
}

void admin_actions_list(web_req *r)
{
    int page, per_page;
    if (!page_query(r, &page, &per_page))
        return;
    web_list_count count;
    cJSON *rows = operator_log_list(r, page, per_page, &count);
    if (rows == NULL) {
        http_db_error(r);
        return;
    }
    http_json(r, 200, list_page_json("items", rows, page, per_page, &count));
}
