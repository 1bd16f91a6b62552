/*
 * invitation_view.c — invitations as their invitee sees them: one (the
 * answer to inviting, accepting, declining, withdrawing), or the caller's
 * list, pending ones first.
 *
 * One column list serves both, so an Invitation object looks the same
 * wherever it comes from; its fight's state is the API's name for it.
 */
#include "web.h"

/* invitee: the invitee's name (iu.username, or the caller's as $2 in the
 * caller's list, where every invitee is the caller). */
#define INVITATION_COLUMNS(invitee)                                                                \
    "SELECT i.id, i.fight_id, f.game, hu.username, " invitee ", i.status, b.name, "                \
    "f.status, api_time(i.created_at) "
#define INVITATION_JOINS                                                                           \
    "FROM invitations i JOIN fights f ON f.id = i.fight_id "                                       \
    "LEFT JOIN users hu ON hu.id = f.host_id "                                                     \
    "LEFT JOIN bot_versions v ON v.id = i.bot_version_id "                                         \
    "LEFT JOIN bots b ON b.id = v.bot_id "
#define INVITATION_SELECT                                                                          \
    INVITATION_COLUMNS("iu.username")                                                              \
    INVITATION_JOINS "JOIN users iu ON iu.id = i.invitee_id "
#define MY_INVITATIONS INVITATION_COLUMNS("$2::text") INVITATION_JOINS

static cJSON *invitation_row_json(PGresult *res, int i)
{
    cJSON *o = cJSON_CreateObject();

    json_add_pg_num(o, "id", res, i, 0);
    cJSON_AddStringToObject(o, "fight_id", PQgetvalue(res, i, 1));
    cJSON_AddStringToObject(o, "game", PQgetvalue(res, i, 2));
    json_add_pg_str(o, "host", res, i, 3);
    cJSON_AddStringToObject(o, "username", PQgetvalue(res, i, 4));
    cJSON_AddStringToObject(o, "state", PQgetvalue(res, i, 5));
    json_add_pg_str(o, "bot", res, i, 6);
    cJSON_AddStringToObject(o, "fight_state", fight_state_api(PQgetvalue(res, i, 7)));
    cJSON_AddStringToObject(o, "created_at", PQgetvalue(res, i, 8));
    return o;
}

cJSON *invitation_json(web_req *r, const char *invitation_id)
{
    const char *params[1] = {invitation_id};
    PGresult *res = prepared_exec(r->t, INVITATION_SELECT "WHERE i.id = $1::bigint", 1, params);

    res = http_one_row(r, res, false, 404, "no such invitation");
    if (res == NULL)
        return NULL;
    cJSON *o = invitation_row_json(res, 0);
    PQclear(res);
    return o;
}

void invitation_list_read(web_req *r, bool pending_only, web_read *q)
{
    *q = (web_read){.sql = pending_only ? MY_INVITATIONS
                               "WHERE i.invitee_id = $1::bigint AND i.status = 'pending' "
                               "ORDER BY i.created_at DESC, i.id DESC"
                                        /* invitations_invitee_order_idx (0106): its first 100. */
                                        : MY_INVITATIONS
                               "WHERE i.invitee_id = $1::bigint "
                               "ORDER BY (i.status = 'pending') DESC, i.created_at DESC, "
                               "i.id DESC LIMIT 100",
                    .nparams = 2,
                    .params = {r->user_id, r->username}};
}

cJSON *invitation_list_from(PGresult *res)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++)
        cJSON_AddItemToArray(arr, invitation_row_json(res, i));
    return arr;
}

cJSON *invitation_list_json(web_req *r, bool pending_only)
{
    web_read q;
    invitation_list_read(r, pending_only, &q);
    PGresult *res = prepared_exec(r->t, q.sql, q.nparams, q.params);
    if (res == NULL)
        return NULL;
    cJSON *arr = invitation_list_from(res);
    PQclear(res);
    return arr;
}
