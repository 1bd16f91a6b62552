/*
 * router.c — the route table of cf-web and the checks every route shares.
 *
 * One table says everything about a route: method, path pattern (":" is one
 * path segment, handed to the handler as a parameter), whether it needs a
 * login, whether it takes a bot or a game upload (a larger body) and
 * whether it reads the session at all. Before any handler runs, the router
 * bounds the body (413 JSON, the limit in the message), loads the session
 * from its cookie, demands the CSRF header on every state-changing request
 * and a login where the table says so. Handlers then only deal with their
 * own input.
 *
 * Paths outside /api (and /healthz, /metrics) are files: a game's viewer
 * under /games/, the front end otherwise, GET and HEAD only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

enum {
    R_AUTH = 1,       /* login required */
    R_BIG = 2,        /* a bot upload: the body may be up to bot_body_max() */
    R_NO_SESSION = 4, /* for machines (probes, scrapers): no session lookup */
    R_GAME = 8,       /* a game upload: the body may be up to web_game_body_max() */
    R_OPERATOR = 16,  /* the operator console: 401 logged out, 403 without the role */
    R_FIGHTS = 32,    /* changes fights or names in them: empties cache.c (its answers) */
};

typedef struct route {
    enum evhttp_cmd_type method;
    const char *pattern; /* segments; ":" is one parameter */
    web_handler handler;
    int flags;
} route;

static const route routes[] = {
    {EVHTTP_REQ_GET, "/api/session", auth_session_get, 0},
    {EVHTTP_REQ_POST, "/api/signup", auth_signup, 0},
    {EVHTTP_REQ_POST, "/api/login", auth_login, 0},
    {EVHTTP_REQ_POST, "/api/logout", auth_logout, R_AUTH},
    {EVHTTP_REQ_GET, "/api/account", auth_account_get, R_AUTH},
    {EVHTTP_REQ_PATCH, "/api/account", auth_account_patch, R_AUTH},
    {EVHTTP_REQ_POST, "/api/account/password", auth_password_change, R_AUTH},
    {EVHTTP_REQ_POST, "/api/password-reset", auth_reset_request, 0},
    {EVHTTP_REQ_POST, "/api/password-reset/confirm", auth_reset_confirm, 0},
    {EVHTTP_REQ_GET, "/api/users", auth_users_search, R_AUTH},
    {EVHTTP_REQ_GET, "/api/games", games_list, 0},
    {EVHTTP_REQ_GET, "/api/games/:", games_detail, 0},
    {EVHTTP_REQ_GET, "/api/games/:/templates/:", games_template, 0},
    {EVHTTP_REQ_GET, "/api/games/:/ladder", ladder_board_get, 0},
    {EVHTTP_REQ_GET, "/api/bots", bots_list, R_AUTH},
    {EVHTTP_REQ_POST, "/api/bots", bots_create, R_AUTH | R_BIG | R_FIGHTS},
    {EVHTTP_REQ_GET, "/api/bots/:", bots_get, R_AUTH},
    {EVHTTP_REQ_PATCH, "/api/bots/:", bots_update, R_AUTH | R_FIGHTS},
    {EVHTTP_REQ_POST, "/api/bots/:/versions", bots_new_version, R_AUTH | R_BIG | R_FIGHTS},
    {EVHTTP_REQ_GET, "/api/bots/:/code", bots_code, R_AUTH},
    {EVHTTP_REQ_GET, "/api/bots/:/ladder", ladder_bot_get, 0},
    {EVHTTP_REQ_GET, "/api/arcade/games", arcade_games_list, 0},
    {EVHTTP_REQ_POST, "/api/arcade/games", arcade_games_create, R_AUTH | R_GAME},
    {EVHTTP_REQ_GET, "/api/arcade/games/:", arcade_games_get, 0},
    {EVHTTP_REQ_PATCH, "/api/arcade/games/:", arcade_games_update, R_AUTH},
    {EVHTTP_REQ_DELETE, "/api/arcade/games/:", arcade_games_delete, R_AUTH},
    {EVHTTP_REQ_POST, "/api/arcade/games/:/versions", arcade_games_new_version, R_AUTH | R_GAME},
    {EVHTTP_REQ_GET, "/api/arcade/games/:/preview", arcade_games_preview, 0},
    {EVHTTP_REQ_GET, "/api/arcade/games/:/scoreboard", arcade_scoreboard_get, 0},
    {EVHTTP_REQ_PUT, "/api/arcade/games/:/rating", arcade_rating_put, 0},
    {EVHTTP_REQ_DELETE, "/api/arcade/games/:/rating", arcade_rating_delete, 0},
    {EVHTTP_REQ_GET, "/api/arcade/most-played", arcade_most_played_get, 0},
    {EVHTTP_REQ_GET, "/api/arcade/plays/running", arcade_running_get, 0},
    {EVHTTP_REQ_GET, "/api/qr", qr_get, R_NO_SESSION},
    {EVHTTP_REQ_GET, "/api/dashboard", dashboard_get, R_AUTH},
    {EVHTTP_REQ_GET, "/api/fights", fights_list, 0},
    {EVHTTP_REQ_POST, "/api/fights", fights_create, R_AUTH | R_FIGHTS},
    {EVHTTP_REQ_POST, "/api/fights/play-now", fights_play_now, R_AUTH | R_FIGHTS},
    {EVHTTP_REQ_GET, "/api/fights/:", fights_get, 0},
    {EVHTTP_REQ_GET, "/api/fights/:/replay", fights_replay, 0},
    {EVHTTP_REQ_GET, "/api/fights/:/output", fights_output, R_AUTH},
    {EVHTTP_REQ_POST, "/api/fights/:/invitations", invitations_create, R_AUTH | R_FIGHTS},
    {EVHTTP_REQ_POST, "/api/fights/:/start", fights_start, R_AUTH | R_FIGHTS},
    {EVHTTP_REQ_POST, "/api/fights/:/cancel", fights_cancel, R_AUTH | R_FIGHTS},
    {EVHTTP_REQ_GET, "/api/fights/:/events", live_fight_events, 0},
    {EVHTTP_REQ_GET, "/api/events", live_user_events, R_AUTH},
    {EVHTTP_REQ_POST, "/api/arcade/games/:/plays", plays_start, 0},
    {EVHTTP_REQ_GET, "/api/arcade/games/:/plays", plays_scores, 0},
    {EVHTTP_REQ_GET, "/api/plays/:", plays_get, 0},
    {EVHTTP_REQ_GET, "/api/plays/:/events", live_play_events, 0},
    {EVHTTP_REQ_POST, "/api/plays/:/input", plays_input, 0},
    {EVHTTP_REQ_POST, "/api/plays/:/stop", plays_stop, 0},
    {EVHTTP_REQ_GET, "/api/invitations", invitations_list, R_AUTH},
    {EVHTTP_REQ_POST, "/api/invitations/:/accept", invitations_accept, R_AUTH | R_FIGHTS},
    {EVHTTP_REQ_POST, "/api/invitations/:/decline", invitations_decline, R_AUTH | R_FIGHTS},
    {EVHTTP_REQ_POST, "/api/invitations/:/withdraw", invitations_withdraw, R_AUTH | R_FIGHTS},
    {EVHTTP_REQ_GET, "/api/admin/users", admin_users_list, R_OPERATOR},
    {EVHTTP_REQ_POST, "/api/admin/users/:/deactivate", admin_users_deactivate,
     R_OPERATOR | R_FIGHTS},
    {EVHTTP_REQ_POST, "/api/admin/users/:/reactivate", admin_users_reactivate,
     R_OPERATOR | R_FIGHTS},
    {EVHTTP_REQ_POST, "/api/admin/users/:/operator", admin_users_operator, R_OPERATOR | R_FIGHTS},
    {EVHTTP_REQ_GET, "/api/admin/games", admin_games_get, R_OPERATOR},
    {EVHTTP_REQ_POST, "/api/admin/games/builtin/:/hide", admin_games_builtin_hide,
     R_OPERATOR | R_FIGHTS},
    {EVHTTP_REQ_POST, "/api/admin/games/builtin/:/show", admin_games_builtin_show,
     R_OPERATOR | R_FIGHTS},
    {EVHTTP_REQ_POST, "/api/admin/games/arcade/:/hide", admin_games_arcade_hide,
     R_OPERATOR | R_FIGHTS},
    {EVHTTP_REQ_POST, "/api/admin/games/arcade/:/show", admin_games_arcade_show,
     R_OPERATOR | R_FIGHTS},
    {EVHTTP_REQ_GET, "/api/admin/actions", admin_actions_list, R_OPERATOR},
    {EVHTTP_REQ_GET, "/api/admin/work", admin_work_get, R_OPERATOR},
    {EVHTTP_REQ_POST, "/api/admin/fights/:/stop", admin_fight_stop, R_OPERATOR | R_FIGHTS},
    {EVHTTP_REQ_POST, "/api/admin/plays/:/stop", admin_play_stop, R_OPERATOR | R_FIGHTS},
    {EVHTTP_REQ_GET, "/api/admin/recent", admin_recent_get, R_OPERATOR},
    {EVHTTP_REQ_GET, "/api/admin/dead-letters", admin_dead_get, R_OPERATOR},
    {EVHTTP_REQ_POST, "/api/admin/dead-letters/:/:/requeue", admin_dead_requeue_post,
     R_OPERATOR | R_FIGHTS},
    {EVHTTP_REQ_DELETE, "/api/admin/dead-letters/:/:", admin_dead_delete, R_OPERATOR | R_FIGHTS},
    {EVHTTP_REQ_GET, "/api/admin/health", admin_health_get, R_OPERATOR},
    {EVHTTP_REQ_GET, "/healthz", health_get, R_NO_SESSION},
    {EVHTTP_REQ_GET, "/metrics", metrics_serve, R_NO_SESSION},
};

static size_t bot_body_max(void)
{
    /* A bot upload as multipart or JSON-escaped code: up to twice the
     * code's size, and room for the other fields. */
    return 2 * web_cfg.max_upload + WEB_JSON_BODY_MAX;
}

size_t web_game_body_max(void)
{
    /* Multipart only, so the file's bytes go as they are: the larger of
     * the two kinds of game, a preview, and room for the text fields. */
    size_t file = web_cfg.arcade_max_code > web_cfg.arcade_max_bundle ? web_cfg.arcade_max_code
                                                                      : web_cfg.arcade_max_bundle;
    return file + IMAGE_MAX_BYTES + WEB_JSON_BODY_MAX;
}

size_t web_max_body(void)
{
    size_t bot = bot_body_max(), game = web_game_body_max();

    return bot > game ? bot : game;
}

/* Matches path against pattern, filling params; true on match. */
static bool route_match(const char *pattern, const char *path, web_req *r)
{
    const char *p = pattern, *s = path;

    r->nparams = 0;
    while (*p != '\0' && *s != '\0') {
        if (*p == ':') {
            const char *end = strchr(s, '/');
            size_t n = end != NULL ? (size_t)(end - s) : strlen(s);

            if (n == 0 || r->nparams == WEB_MAX_PARAMS)
                return false;
            free(r->params[r->nparams]);
            r->params[r->nparams] = strndup(s, n);
            if (r->params[r->nparams] == NULL)
                return false;
            r->nparams++;
            p++;
            s += n;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}

/* The route for r's method and path; NULL after answering 404 (no such
 * path) or 405 (not with this method). */
static const route *find_route(web_req *r)
{
    bool path_known = false;

    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (!route_match(routes[i].pattern, r->path, r))
            continue;
        path_known = true;
        if (routes[i].method == r->method ||
            (r->method == EVHTTP_REQ_HEAD && routes[i].method == EVHTTP_REQ_GET)) {
            /* route_match of later patterns may have changed params: match
             * again. */
            route_match(routes[i].pattern, r->path, r);
            return &routes[i];
        }
    }
    r->route = path_known ? "method" : "unknown";
    if (path_known)
        http_error(r, 405, "method not allowed");
    else
        http_error(r, 404, "no such endpoint");
    return NULL;
}

static size_t body_limit(const route *found)
{
    if (found->flags & R_BIG)
        return bot_body_max();
    if (found->flags & R_GAME)
        return web_game_body_max();
    return WEB_JSON_BODY_MAX;
}

/* What a 413 of route says: its limit and what makes it. */
static void too_large_message(const route *found, char *out, size_t outlen)
{
    size_t limit = body_limit(found);

    if (found->flags & R_BIG)
        snprintf(out, outlen, "request body is too large: bot code is limited to %zu bytes",
                 web_cfg.max_upload);
    else if (found->flags & R_GAME)
        snprintf(out, outlen,
                 "request body is larger than %zu bytes: a one-file game is limited to %zu "
                 "bytes, a bundle to %zu bytes and a preview to %d bytes",
                 limit, web_cfg.arcade_max_code, web_cfg.arcade_max_bundle, IMAGE_MAX_BYTES);
    else
        snprintf(out, outlen, "request body is larger than %zu bytes", limit);
}

size_t router_body_limit(enum evhttp_cmd_type method, const char *path, char *msg, size_t msglen)
{
    static const route none = {.flags = 0};
    const route *found = &none;
    web_req probe;

    memset(&probe, 0, sizeof probe);
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (routes[i].method == method && route_match(routes[i].pattern, path, &probe)) {
            found = &routes[i];
            break;
        }
    }
    for (int i = 0; i < WEB_MAX_PARAMS; i++)
        free(probe.params[i]);
    too_large_message(found, msg, msglen);
    return body_limit(found);
}

/* The body's bound for route: 413 naming it when over. */
static bool body_within_limit(web_req *r, const route *found)
{
    char msg[WEB_TOO_LARGE_MSG];

    if (r->body_len <= body_limit(found))
        return true;
    too_large_message(found, msg, sizeof msg);
    http_error(r, 413, "%s", msg);
    return false;
}

static void dispatch_api(web_req *r)
{
    const route *found = find_route(r);
    if (found == NULL)
        return;
    r->route = found->pattern;
    if (!body_within_limit(r, found))
        return;
    /* A cached session only reads: a change, and the operator console,
     * ask PostgreSQL who is asking (session_cache.c). */
    bool reads = r->method == EVHTTP_REQ_GET || r->method == EVHTTP_REQ_HEAD;
    r->cache_epoch = cache_epoch();
    if (!(found->flags & R_NO_SESSION))
        session_load(r, !reads || (found->flags & R_OPERATOR));
    if (!reads && !session_csrf_ok(r)) {
        http_error(r, 403, "missing or invalid CSRF token");
        return;
    }
    if ((found->flags & (R_AUTH | R_OPERATOR)) && !r->authed) {
        http_error(r, 401, "login required");
        return;
    }
    if ((found->flags & R_OPERATOR) && !r->operator) {
        http_error(r, 403, "the operator role is required");
        return;
    }
    found->handler(r);
    /* What it changed in fights (committed by now) is read back at once:
     * the cached answers go (cache.c). */
    if (!reads && (found->flags & R_FIGHTS))
        cache_forget_all();
}

static bool is_api_path(const char *path)
{
    return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 ||
           strcmp(path, "/healthz") == 0 || strcmp(path, "/metrics") == 0;
}

void router_dispatch(web_req *r)
{
    if (is_api_path(r->path)) {
        dispatch_api(r);
    } else if (r->method != EVHTTP_REQ_GET && r->method != EVHTTP_REQ_HEAD) {
        http_error(r, 405, "method not allowed");
    } else if (strncmp(r->path, "/games/", 7) == 0) {
        r->route = "/games/";
        static_game_file(r);
    } else {
        static_serve(r);
    }
}
