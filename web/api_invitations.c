/*
 * api_invitations.c — an invitee's side of a fight: accept with a bot,
 * decline, withdraw (the host may withdraw an invitation too).
 *
 * Each answer runs in one transaction that locks the fight row first (the
 * same order as starting and cancelling), then lets fights_settle() decide
 * whether the fight now starts by itself or can no longer happen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "web.h"

#define INVITATION_SELECT                                                                   \
    "SELECT i.id, i.fight_id, f.game, hu.username, iu.username, i.status, b.name, f.status, " \
    WEB_TS("i.created_at") ", i.invitee_id, f.host_id "                                       \
    "FROM invitations i JOIN fights f ON f.id = i.fight_id "                                  \
    "JOIN users iu ON iu.id = i.invitee_id LEFT JOIN users hu ON hu.id = f.host_id "          \
    "LEFT JOIN bot_versions v ON v.id = i.bot_version_id LEFT JOIN bots b ON b.id = v.bot_id "

static cJSON *invitation_json(PGresult *res, int i)
{
    cJSON *o = cJSON_CreateObject();

    json_add_pg_num(o, "id", res, i, 0);
    cJSON_AddStringToObject(o, "fight_id", PQgetvalue(res, i, 1));
    cJSON_AddStringToObject(o, "game", PQgetvalue(res, i, 2));
    json_add_pg_str(o, "host", res, i, 3);
    cJSON_AddStringToObject(o, "username", PQgetvalue(res, i, 4));
    cJSON_AddStringToObject(o, "state", PQgetvalue(res, i, 5));
    json_add_pg_str(o, "bot", res, i, 6);
    cJSON_AddStringToObject(o, "fight_state", fights_state_api(PQgetvalue(res, i, 7)));
    cJSON_AddStringToObject(o, "created_at", PQgetvalue(res, i, 8));
    return o;
}

void invitations_answer(web_req *r, const char *invitation_id, int status)
{
    const char *params[1] = {invitation_id};
    PGresult *res = cf_pg_exec(r->t->pg, INVITATION_SELECT "WHERE i.id = $1::bigint", 1, params);

    res = http_one_row(r, res, false, 404, "no such invitation");
    if (res == NULL)
        return;
    http_json(r, status, invitation_json(res, 0));
    PQclear(res);
}

static cJSON *list(web_req *r, bool pending_only)
{
    const char *params[1] = {r->user_id};
    PGresult *res = cf_pg_exec(
        r->t->pg,
        pending_only ? INVITATION_SELECT "WHERE i.invitee_id = $1::bigint AND i.status = 'pending' "
                                         "ORDER BY i.created_at DESC, i.id DESC"
                     : INVITATION_SELECT "WHERE i.invitee_id = $1::bigint "
                                         "ORDER BY (i.status = 'pending') DESC, i.created_at DESC, "
                                         "i.id DESC LIMIT 100",
        1, params);
    cJSON *arr;

    if (res == NULL)
        return NULL;
    arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++)
        cJSON_AddItemToArray(arr, invitation_json(res, i));
    PQclear(res);
    return arr;
}

cJSON *invitations_pending_json(web_req *r)
{
    return list(r, true);
}

void invitations_list(web_req *r)
{
    cJSON *arr = list(r, false), *o;

    if (arr == NULL) {
        http_db_error(r);
        return;
    }
    o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "invitations", arr);
    http_json(r, 200, o);
}

/* Opens a transaction, locks the invitation's fight, checks who may act.
 * host_ok: the host may act too. Fills fight id, status and invitation
 * status; answers and returns false (transaction closed) otherwise. */
static bool lock_invitation(web_req *r, bool host_ok, char fight_id[40], char fstatus[16],
                            char istatus[16], char game[40])
{
    const char *params[1] = {r->params[0]};
    PGresult *res;
    bool invitee, host;

    if (!http_int_id(r->params[0])) {
        http_error(r, 404, "no such invitation");
        return false;
    }
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return false;
    }
    /* Lock the fight before reading the invitation (same order as start). */
    res = cf_pg_exec(r->t->pg,
                     "SELECT f.id FROM fights f JOIN invitations i ON i.fight_id = f.id "
                     "WHERE i.id = $1::bigint FOR UPDATE OF f",
                     1, params);
    if (res == NULL)
        goto dberr;
    PQclear(res);
    res = cf_pg_exec(r->t->pg, INVITATION_SELECT "WHERE i.id = $1::bigint", 1, params);
    if (res == NULL)
        goto dberr;
    invitee = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 9), r->user_id) == 0;
    host = PQntuples(res) == 1 && !PQgetisnull(res, 0, 10) &&
           strcmp(PQgetvalue(res, 0, 10), r->user_id) == 0;
    if (!invitee && !(host_ok && host)) {
        PQclear(res);
        cf_pg_rollback(r->t->pg);
        if (host)
            http_error(r, 403, "only the invitee can do this");
        else
            http_error(r, 404, "no such invitation");
        return false;
    }
    snprintf(fight_id, 40, "%s", PQgetvalue(res, 0, 1));
    snprintf(game, 40, "%s", PQgetvalue(res, 0, 2));
    snprintf(istatus, 16, "%s", PQgetvalue(res, 0, 5));
    snprintf(fstatus, 16, "%s", PQgetvalue(res, 0, 7));
    PQclear(res);
    if (strcmp(fstatus, "hosting") != 0) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 409, "fight is %s, not open", fights_state_api(fstatus));
        return false;
    }
    return true;
dberr:
    cf_pg_rollback(r->t->pg);
    http_db_error(r);
    return false;
}

/* lock_invitation for the invitee of a pending invitation; answers 409
 * otherwise. */
static bool lock_pending_invitation(web_req *r, char fight_id[40], char game[40])
{
    char fstatus[16], istatus[16];

    if (!lock_invitation(r, false, fight_id, fstatus, istatus, game))
        return false;
    if (strcmp(istatus, "pending") != 0) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 409, "invitation is %s, not pending", istatus);
        return false;
    }
    return true;
}

/* Applies the update, settles the fight, commits and answers. */
static void finish(web_req *r, const char *fight_id, const char *sql, int nparams,
                   const char *const *params)
{
    int rc = 0;

    if (cf_pg_run(r->t->pg, sql, nparams, params) != 0 ||
        (rc = fights_settle(r, fight_id, false)) < 0 || cf_pg_commit(r->t->pg) != 0) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return;
    }
    if (rc == 1)
        outbox_wake();
    invitations_answer(r, r->params[0], 200);
}

void invitations_accept(web_req *r)
{
    char fight_id[40], game[40];
    bot_version version;
    const char *params[2];
    cJSON *b = http_json_body(r);
    char id[WEB_INT_ID_SIZE];

    if (b == NULL)
        return;
    if (!http_id_field(r, b, "bot_id", id))
        return;
    if (!lock_pending_invitation(r, fight_id, game))
        return;
    if (!bot_latest_version(r, id, game, &version)) {
        cf_pg_rollback(r->t->pg);
        return;
    }
    params[0] = r->params[0];
    params[1] = version.id;
    finish(r, fight_id,
           "UPDATE invitations SET status = 'accepted', bot_version_id = $2::bigint, "
           "responded_at = now() WHERE id = $1::bigint",
           2, params);
}

void invitations_decline(web_req *r)
{
    char fight_id[40], game[40];
    const char *params[1] = {r->params[0]};

    if (!lock_pending_invitation(r, fight_id, game))
        return;
    finish(r, fight_id,
           "UPDATE invitations SET status = 'declined', responded_at = now() WHERE id = $1::bigint",
           1, params);
}

void invitations_withdraw(web_req *r)
{
    char fight_id[40], fstatus[16], istatus[16], game[40];
    const char *params[1] = {r->params[0]};

    if (!lock_invitation(r, true, fight_id, fstatus, istatus, game))
        return;
    if (strcmp(istatus, "pending") != 0 && strcmp(istatus, "accepted") != 0) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 409, "invitation is %s already", istatus);
        return;
    }
    finish(r, fight_id,
           "UPDATE invitations SET status = 'withdrawn', responded_at = now() "
           "WHERE id = $1::bigint",
           1, params);
}
