/*
 * player.c — who plays: a logged-in user, or an anonymous visitor.
 *
 * The arcade lets people play without an account (the original's
 * "Anonym"). A play belongs to its player, so that only they steer or stop
 * it and each has one running play at a time. A logged-in player is their
 * user id; a visitor is 16 random bytes in hex in cookie cf_visitor,
 * HttpOnly and SameSite=Lax like the session's, kept a year. It proves
 * nothing but "the same browser": it guards a game, not an account.
 */
#include <stdio.h>
#include <string.h>

#include "web.h"

#define VISITOR_COOKIE "cf_visitor"
#define VISITOR_MAX_AGE_S (365 * 86400)

static void set_visitor_cookie(web_req *r, const char *visitor)
{
    char c[160];
    snprintf(c, sizeof c, VISITOR_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d%s",
             visitor, VISITOR_MAX_AGE_S, web_cfg.secure_cookies ? "; Secure" : "");
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Set-Cookie", c);
}

void player_of(web_req *r, web_player *p)
{
    memset(p, 0, sizeof *p);
    if (r->authed) {
        p->is_user = true;
        snprintf(p->user_id, sizeof p->user_id, "%s", r->user_id);
    }
    if (!http_cookie_hex(r, VISITOR_COOKIE, p->visitor, WEB_VISITOR_LEN))
        p->visitor[0] = '\0';
}

void player_ensure(web_req *r, web_player *p)
{
    player_of(r, p);
    if (p->is_user || p->visitor[0] != '\0')
        return;
    session_random_hex(p->visitor, WEB_VISITOR_LEN / 2);
    set_visitor_cookie(r, p->visitor);
}

bool player_is(const web_player *p, const char *user_id, const char *visitor)
{
    if (p->is_user)
        return user_id != NULL && user_id[0] != '\0' && strcmp(p->user_id, user_id) == 0;
    return (user_id == NULL || user_id[0] == '\0') && p->visitor[0] != '\0' && visitor != NULL &&
           strcmp(p->visitor, visitor) == 0;
}
