/*
 * caps.c — how much one user may hold at a time (issue 15: fairness).
 *
 * A user's open fights, fights waiting or running, bots, versions of one
 * bot and pending invitations sent are each capped (web.max_* keys,
 * docs/configuration.md). A check runs inside the transaction that would
 * add the thing: it locks the user's row first (FOR NO KEY UPDATE, which
 * the foreign keys' share locks do not wait on), so two requests of one
 * user count one after the other and cannot both slip under the cap, then
 * counts. Its lock comes after the fight's where there is one. Over a cap the transaction is rolled
 * back and the request answered: 429 for fights waiting or running (they end by themselves: try
 * again later), 409 for the rest (the user must close or delete something).
 *
 * Fights waiting or running are the host's, whoever queues them: an
 * invitee's answer that starts a fight (the last one awaited) counts
 * against its host's cap too (caps_allow_host), or hosting with invitees
 * of one's own would bypass it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "web.h"

static const struct {
    const char *sql; /* $1 the user id, $2 the subject (a bot id) or NULL */
    int status;
    const char *what;
} caps[] = {
    [CAP_OPEN_FIGHTS] = {"SELECT count(*) FROM fights WHERE host_id = $1::bigint "
                         "AND status = 'hosting'",
                         409, "open fights"},
    [CAP_QUEUED_FIGHTS] = {"SELECT count(*) FROM fights WHERE host_id = $1::bigint "
                           "AND status IN ('queued', 'running')",
                           429, "fights waiting or running"},
    [CAP_BOTS] = {"SELECT count(*) FROM bots WHERE owner_id = $1::bigint", 409, "bots"},
    [CAP_BOT_VERSIONS] = {"SELECT count(*) FROM bot_versions WHERE bot_id = $2::bigint "
                          "AND $1::bigint IS NOT NULL",
                          409, "versions of this bot"},
    [CAP_INVITATIONS] = {"SELECT count(*) FROM invitations i JOIN fights f ON f.id = i.fight_id "
                         "WHERE f.host_id = $1::bigint AND i.status = 'pending'",
                         409, "pending invitations sent"},
};

static long cap_limit(enum cap_kind kind)
{
    switch (kind) {
    case CAP_OPEN_FIGHTS: return web_cfg.max_open_fights;
    case CAP_QUEUED_FIGHTS: return web_cfg.max_queued_fights;
    case CAP_BOTS: return web_cfg.max_bots;
    case CAP_BOT_VERSIONS: return web_cfg.max_bot_versions;
    case CAP_INVITATIONS: return web_cfg.max_invitations;
    }
    return 0;
}

/* The cap of user_id (the caller, or the host of the fight the caller
 * answers for): the count under a lock of the user's row, the refusal
 * worded for whose cap it is. */
static bool allow_for(web_req *r, enum cap_kind kind, const char *user_id, const char *subject,
                      long adding)
{
    const char *uid[1] = {user_id};
    PGresult *res =
        cf_pg_exec(r->t->pg, "SELECT 1 FROM users WHERE id = $1::bigint FOR NO KEY UPDATE", 1, uid);
    if (res == NULL)
        goto dberr;
    PQclear(res);
    const char *params[2] = {user_id, subject};
    res = cf_pg_exec(r->t->pg, caps[kind].sql, subject != NULL ? 2 : 1, params);
    if (res == NULL)
        goto dberr;
    long have = atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    long limit = cap_limit(kind);
    if (have + adding <= limit)
        return true;
    cf_pg_rollback(r->t->pg);
    bool own = strcmp(user_id, r->user_id) == 0;
    log_info("user %s%s: %s at the cap (%ld of %ld)", own ? r->username : user_id,
             own ? "" : " (host, by another's answer)", caps[kind].what, have, limit);
    http_error(r, caps[kind].status, "%stoo many %s: %ld of at most %ld",
               own ? "" : "the fight's host has ", caps[kind].what, have, limit);
    return false;
dberr:
    cf_pg_rollback(r->t->pg);
    http_db_error(r);
    return false;
}

bool caps_allow(web_req *r, enum cap_kind kind, const char *subject, long adding)
{
    return allow_for(r, kind, r->user_id, subject, adding);
}

bool caps_allow_host(web_req *r, const char *host_id)
{
    return allow_for(r, CAP_QUEUED_FIGHTS, host_id, NULL, 1);
}
