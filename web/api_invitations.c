/*
 * api_invitations.c — the routes of invitations: the host invites someone
 * to an open fight; the invitee accepts with a bot or declines; either
 * withdraws; the caller lists theirs.
 *
 * Handlers only: each answer to an invitation is a change of its fight's
 * life (fight_state.c locks the fight, applies it and lets the fight start
 * or end by itself); the Invitation object comes from invitation_view.c.
 */
#include "web.h"

static void answer_invitation(web_req *r, const char *invitation_id, int status)
{
    cJSON *o = invitation_json(r, invitation_id);

    if (o != NULL)
        http_json(r, status, o);
}

void invitations_list(web_req *r)
{
    json_buf b;
    jb_init(&b);
    int written = invitation_list_page(r, &b);
    if (written <= 0) {
        jb_free(&b);
        if (written < 0)
            http_db_error(r);
        else
            http_error(r, 500, "out of memory");
        return;
    }
    http_json_text(r, 200, &b, NULL, 0);
}

void invitations_create(web_req *r)
{
    /* The fight first: who may invite decides before what the body holds. */
    if (!fight_lock_open_as_host(r, r->params[0]))
        return;
    const char *username = http_body_str(r, "username", 256);
    if (username == NULL) {
        fight_unlock(r);
        return;
    }
    char invitation_id[WEB_INT_ID_SIZE];
    if (fight_invite(r, r->params[0], username, invitation_id))
        answer_invitation(r, invitation_id, 201);
}

void invitations_accept(web_req *r)
{
    cJSON *b = http_json_body(r);
    char bot_id[WEB_INT_ID_SIZE];

    if (b != NULL && http_id_field(r, b, "bot_id", bot_id) &&
        invitation_accept(r, r->params[0], bot_id))
        answer_invitation(r, r->params[0], 200);
}

void invitations_decline(web_req *r)
{
    if (invitation_decline(r, r->params[0]))
        answer_invitation(r, r->params[0], 200);
}

void invitations_withdraw(web_req *r)
{
    if (invitation_withdraw(r, r->params[0]))
        answer_invitation(r, r->params[0], 200);
}
