/*
 * http.c — the router of cf-web and the few ways a response leaves it.
 *
 * Every request goes through request_cb(): the path is decoded once (a NUL
 * or a bad escape is a 400), the body is bounded (413 JSON, the limit in
 * the message), the session is loaded from its cookie, and every
 * state-changing request must carry the CSRF header before any handler
 * runs. Handlers then only deal with their own input. All API answers are
 * JSON, errors included ({"error": "..."}), and every response carries the
 * same security headers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "log.h"
#include "stream_msg.h"
#include "web.h"

enum { R_AUTH = 1, R_BIG = 2 };

typedef struct route {
    enum evhttp_cmd_type method;
    const char *pattern; /* segments; ":" is one parameter */
    web_handler handler;
    int flags;
} route;

static void health(web_req *r);

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
    {EVHTTP_REQ_GET, "/api/bots", bots_list, R_AUTH},
    {EVHTTP_REQ_POST, "/api/bots", bots_create, R_AUTH | R_BIG},
    {EVHTTP_REQ_GET, "/api/bots/:", bots_get, R_AUTH},
    {EVHTTP_REQ_PATCH, "/api/bots/:", bots_rename, R_AUTH},
    {EVHTTP_REQ_POST, "/api/bots/:/versions", bots_new_version, R_AUTH | R_BIG},
    {EVHTTP_REQ_GET, "/api/bots/:/code", bots_code, R_AUTH},
    {EVHTTP_REQ_GET, "/api/dashboard", fights_dashboard, R_AUTH},
    {EVHTTP_REQ_GET, "/api/fights", fights_list, 0},
    {EVHTTP_REQ_POST, "/api/fights", fights_create, R_AUTH},
    {EVHTTP_REQ_POST, "/api/fights/play-now", fights_play_now, R_AUTH},
    {EVHTTP_REQ_GET, "/api/fights/:", fights_get, 0},
    {EVHTTP_REQ_GET, "/api/fights/:/replay", fights_replay, 0},
    {EVHTTP_REQ_POST, "/api/fights/:/invitations", fights_invite, R_AUTH},
    {EVHTTP_REQ_POST, "/api/fights/:/start", fights_start, R_AUTH},
    {EVHTTP_REQ_POST, "/api/fights/:/cancel", fights_cancel, R_AUTH},
    {EVHTTP_REQ_GET, "/api/fights/:/events", live_fight_events, 0},
    {EVHTTP_REQ_GET, "/api/events", live_user_events, R_AUTH},
    {EVHTTP_REQ_GET, "/api/invitations", invitations_list, R_AUTH},
    {EVHTTP_REQ_POST, "/api/invitations/:/accept", invitations_accept, R_AUTH},
    {EVHTTP_REQ_POST, "/api/invitations/:/decline", invitations_decline, R_AUTH},
    {EVHTTP_REQ_POST, "/api/invitations/:/withdraw", invitations_withdraw, R_AUTH},
    {EVHTTP_REQ_GET, "/healthz", health, 0},
    {EVHTTP_REQ_GET, "/metrics", metrics_serve, 0},
};

static const char *method_name(enum evhttp_cmd_type m)
{
    switch (m) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_HEAD: return "HEAD";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_OPTIONS: return "OPTIONS";
    case EVHTTP_REQ_TRACE: return "TRACE";
    case EVHTTP_REQ_CONNECT: return "CONNECT";
    case EVHTTP_REQ_PATCH: return "PATCH";
    }
    return "OTHER";
}

void http_security_headers(struct evhttp_request *req)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);

    evhttp_add_header(h, "Content-Security-Policy",
                      "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                      "base-uri 'self'; form-action 'self'; frame-ancestors 'none'");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "X-Frame-Options", "DENY");
    evhttp_add_header(h, "Referrer-Policy", "same-origin");
}

void http_send(web_req *r, int status, const char *ctype, const char *data, size_t len,
               const char *disposition_name)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
    struct evbuffer *buf = evbuffer_new();

    if (ctype != NULL)
        evhttp_add_header(h, "Content-Type", ctype);
    if (strncmp(r->path, "/api/", 5) == 0)
        evhttp_add_header(h, "Cache-Control", "no-store");
    if (disposition_name != NULL) {
        char disp[400];
        snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", disposition_name);
        evhttp_add_header(h, "Content-Disposition", disp);
    }
    if (buf != NULL && len > 0 && r->method != EVHTTP_REQ_HEAD)
        evbuffer_add(buf, data, len);
    r->status = status;
    evhttp_send_reply(r->req, status, NULL, buf);
    if (buf != NULL)
        evbuffer_free(buf);
}

void http_json(web_req *r, int status, cJSON *body)
{
    char *text = body != NULL ? cJSON_PrintUnformatted(body) : NULL;

    cJSON_Delete(body);
    if (text == NULL) {
        static const char oom[] = "{\"error\":\"out of memory\"}";
        http_send(r, 500, "application/json", oom, sizeof oom - 1, NULL);
        return;
    }
    http_send(r, status, "application/json", text, strlen(text), NULL);
    free(text);
}

void http_json_cached(web_req *r, int status, cJSON *body, const char *key, int ttl_ms)
{
    char *text = body != NULL ? cJSON_PrintUnformatted(body) : NULL;

    cJSON_Delete(body);
    if (text == NULL) {
        http_error(r, 500, "out of memory");
        return;
    }
    cache_put(key, text, strlen(text), ttl_ms);
    http_send(r, status, "application/json", text, strlen(text), NULL);
    free(text);
}

bool http_from_cache(web_req *r, const char *key)
{
    size_t len = 0;
    char *text = cache_get(key, &len);

    if (text == NULL)
        return false;
    http_send(r, 200, "application/json", text, len, NULL);
    free(text);
    return true;
}

static void error_v(web_req *r, int status, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void error_v(web_req *r, int status, const char *fmt, va_list ap)
{
    char msg[512];
    cJSON *o = cJSON_CreateObject();

    vsnprintf(msg, sizeof msg, fmt, ap);
    cJSON_AddStringToObject(o, "error", msg);
    http_json(r, status, o);
}

void http_error(web_req *r, int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_v(r, status, fmt, ap);
    va_end(ap);
}

PGresult *http_one_row(web_req *r, PGresult *res, bool in_tx, int status, const char *fmt, ...)
{
    va_list ap;

    if (res != NULL && PQntuples(res) == 1)
        return res;
    if (res != NULL)
        PQclear(res);
    /* The message may name values of res: it is cleared first, so callers
     * pass only their own strings. */
    if (in_tx)
        cf_pg_rollback(r->t->pg);
    if (res == NULL) {
        http_db_error(r);
        return NULL;
    }
    va_start(ap, fmt);
    error_v(r, status, fmt, ap);
    va_end(ap);
    return NULL;
}

void http_no_content(web_req *r)
{
    r->status = 204;
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Cache-Control", "no-store");
    evhttp_send_reply(r->req, 204, NULL, NULL);
}

void http_db_error(web_req *r)
{
    log_error("%s %s: database: %s", method_name(r->method), r->path,
              cf_pg_error(r->t->pg));
    if (!cf_pg_ok(r->t->pg))
        http_error(r, 503, "database unavailable");
    else
        http_error(r, 500, "internal error");
}

bool http_valid_id(const char *s)
{
    return s != NULL && strlen(s) == CF_UUID_LEN && cf_uuid_valid(s, CF_UUID_LEN);
}

bool http_int_id(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (n == 0 || n > 15 || s[0] == '0')
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

void http_add_num(cJSON *o, const char *key, PGresult *res, int row, int col)
{
    const char *v = PQgetvalue(res, row, col);
    size_t i = v[0] == '-' ? 1 : 0;

    if (PQgetisnull(res, row, col)) {
        cJSON_AddNullToObject(o, key);
        return;
    }
    /* Integers go out as PostgreSQL wrote them: cJSON prints doubles with
     * 15 significant digits, which would round a 16-digit seed. */
    while (v[i] >= '0' && v[i] <= '9')
        i++;
    if (v[i] == '\0' && i > 0 && i <= 17)
        cJSON_AddRawToObject(o, key, v);
    else
        cJSON_AddNumberToObject(o, key, strtod(v, NULL));
}

void http_add_str(cJSON *o, const char *key, PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        cJSON_AddNullToObject(o, key);
    else
        cJSON_AddStringToObject(o, key, PQgetvalue(res, row, col));
}

/* Does the JSON text hold a \u0000 escape? cJSON keeps it as a NUL inside
 * the string, which every C string use would silently cut there (a bot's
 * code, a name): such a body is refused whole. Backslashes occur only in
 * strings, so pairs are skipped without tracking them. */
static bool json_has_nul_escape(const char *s, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] != '\\')
            continue;
        if (s[i + 1] == 'u' && i + 5 < len && memcmp(s + i + 2, "0000", 4) == 0)
            return true;
        i++;
    }
    return false;
}

/* Is a key of o there twice? Parsers disagree on which one wins (cJSON: the
 * first), so an object with a repeated key is refused rather than guessed.
 * The check is quadratic: callers bound the number of keys first. */
static const char *json_duplicate_key(const cJSON *o)
{
    for (const cJSON *a = o->child; a != NULL; a = a->next)
        for (const cJSON *b = a->next; b != NULL; b = b->next)
            if (a->string != NULL && b->string != NULL && strcmp(a->string, b->string) == 0)
                return a->string;
    return NULL;
}

cJSON *http_json_body(web_req *r)
{
    const char *dup, *end = NULL;
    const char *ctype = evhttp_find_header(evhttp_request_get_input_headers(r->req),
                                           "Content-Type");

    if (r->json != NULL)
        return r->json;
    if (r->body_len == 0) {
        http_error(r, 400, "a JSON body is required");
        return NULL;
    }
    /* The media type whole: "application/json", maybe with parameters
     * ("; charset=utf-8"), not any type that merely starts with it. */
    if (ctype == NULL || strncasecmp(ctype, "application/json", 16) != 0 ||
        (ctype[16] != '\0' && ctype[16] != ';' && ctype[16] != ' ' && ctype[16] != '\t')) {
        http_error(r, 415, "Content-Type must be application/json");
        return NULL;
    }
    if (!cf_utf8_valid(r->body, r->body_len)) {
        http_error(r, 400, "body is not valid UTF-8");
        return NULL;
    }
    r->json = cJSON_ParseWithLengthOpts(r->body, r->body_len, &end, false);
    /* One value and nothing after it but whitespace ("{}{}" and "{} x" are
     * not JSON; cJSON stops at the first value's end). */
    while (r->json != NULL && end < r->body + r->body_len &&
           (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (r->json != NULL && end != r->body + r->body_len) {
        cJSON_Delete(r->json);
        r->json = NULL;
    }
    if (r->json == NULL) {
        http_error(r, 400, "body is not valid JSON");
        return NULL;
    }
    if (!cJSON_IsObject(r->json)) {
        cJSON_Delete(r->json);
        r->json = NULL;
        http_error(r, 400, "body must be a JSON object");
        return NULL;
    }
    if (json_has_nul_escape(r->body, r->body_len)) {
        cJSON_Delete(r->json);
        r->json = NULL;
        http_error(r, 400, "strings must not contain NUL (\\u0000)");
        return NULL;
    }
    /* No request object has more than a handful of fields. */
    if (cJSON_GetArraySize(r->json) > 64) {
        cJSON_Delete(r->json);
        r->json = NULL;
        http_error(r, 400, "body has more than 64 fields");
        return NULL;
    }
    dup = json_duplicate_key(r->json);
    if (dup != NULL) {
        http_error(r, 400, "field '%.64s' is given twice", dup);
        cJSON_Delete(r->json);
        r->json = NULL;
        return NULL;
    }
    return r->json;
}

const char *http_str_field(web_req *r, const cJSON *obj, const char *name, bool required,
                           size_t maxlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    if (v == NULL || cJSON_IsNull(v)) {
        if (required)
            http_error(r, 400, "field '%s' is required", name);
        return NULL;
    }
    if (!cJSON_IsString(v)) {
        http_error(r, 400, "field '%s' must be a string", name);
        return NULL;
    }
    if (strlen(v->valuestring) > maxlen) {
        http_error(r, 400, "field '%s' is longer than %zu bytes", name, maxlen);
        return NULL;
    }
    return v->valuestring;
}

bool http_bool_field(web_req *r, const cJSON *obj, const char *name, bool def, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    if (v == NULL || cJSON_IsNull(v)) {
        *out = def;
        return true;
    }
    if (!cJSON_IsBool(v)) {
        http_error(r, 400, "field '%s' must be a boolean", name);
        return false;
    }
    *out = cJSON_IsTrue(v);
    return true;
}

const char *http_query(web_req *r, const char *name)
{
    return r->query != NULL ? evhttp_find_header(r->query, name) : NULL;
}

static void health(web_req *r)
{
    cJSON *o = cJSON_CreateObject();
    redisReply *rep;
    bool redis_ok = false;
    int ok = cf_pg_run(r->t->pg, "SELECT 1", 0, NULL);

    rep = cf_redis_command(r->t->redis, "PING");
    if (rep != NULL) {
        redis_ok = rep->type == REDIS_REPLY_STATUS;
        freeReplyObject(rep);
    }
    cJSON_AddStringToObject(o, "status", ok == 0 ? "ok" : "down");
    cJSON_AddStringToObject(o, "database", ok == 0 ? "ok" : "down");
    cJSON_AddStringToObject(o, "redis", redis_ok ? "ok" : "down");
    http_json(r, ok == 0 ? 200 : 503, o);
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

size_t web_max_body(void)
{
    /* A bot upload as multipart or JSON-escaped code: up to twice the
     * code's size, and room for the other fields. */
    return 2 * web_cfg.max_upload + WEB_JSON_BODY_MAX;
}

static void dispatch_api(web_req *r)
{
    const route *found = NULL;
    bool path_known = false;
    size_t limit;

    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (!route_match(routes[i].pattern, r->path, r))
            continue;
        path_known = true;
        if (routes[i].method == r->method ||
            (r->method == EVHTTP_REQ_HEAD && routes[i].method == EVHTTP_REQ_GET)) {
            found = &routes[i];
            break;
        }
    }
    if (found == NULL) {
        r->route = path_known ? "method" : "unknown";
        if (path_known)
            http_error(r, 405, "method not allowed");
        else
            http_error(r, 404, "no such endpoint");
        return;
    }
    /* route_match of later patterns may have changed params: match again. */
    route_match(found->pattern, r->path, r);
    r->route = found->pattern;
    limit = (found->flags & R_BIG) ? web_max_body() : WEB_JSON_BODY_MAX;
    if (r->body_len > limit) {
        if (found->flags & R_BIG)
            http_error(r, 413, "request body is too large: bot code is limited to %zu bytes",
                       web_cfg.max_upload);
        else
            http_error(r, 413, "request body is larger than %zu bytes", limit);
        return;
    }
    if (found->handler != health && found->handler != metrics_serve)
        auth_load_session(r);
    if (r->method != EVHTTP_REQ_GET && r->method != EVHTTP_REQ_HEAD && !auth_csrf_ok(r)) {
        http_error(r, 403, "missing or invalid CSRF token");
        return;
    }
    if ((found->flags & R_AUTH) && !r->authed) {
        http_error(r, 401, "login required");
        return;
    }
    found->handler(r);
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void request_cb(struct evhttp_request *req, void *arg)
{
    web_req r = {.req = req, .t = arg, .status = 0, .route = "static"};
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *raw = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    const char *qs = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
    struct evkeyvalq query = {0};
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    double start = now_seconds();
    size_t plen = 0;

    query.tqh_first = NULL;
    query.tqh_last = &query.tqh_first;
    r.method = evhttp_request_get_command(req);
    http_security_headers(req);
    r.path = evhttp_uridecode(raw != NULL && *raw != '\0' ? raw : "/", 0, &plen);
    if (r.path == NULL || strlen(r.path) != plen) {
        free(r.path);
        r.path = strdup("/");
        http_error(&r, 400, "bad path");
        goto done;
    }
    if (qs != NULL && evhttp_parse_query_str(qs, &query) != 0) {
        http_error(&r, 400, "bad query string");
        goto done;
    }
    r.query = &query;
    r.body_len = evbuffer_get_length(in);
    r.body = malloc(r.body_len + 1);
    if (r.body == NULL) {
        http_error(&r, 500, "out of memory");
        goto done;
    }
    if (r.body_len > 0)
        evbuffer_copyout(in, r.body, r.body_len);
    r.body[r.body_len] = '\0';

    if (strncmp(r.path, "/api/", 5) == 0 || strcmp(r.path, "/api") == 0 ||
        strcmp(r.path, "/healthz") == 0 || strcmp(r.path, "/metrics") == 0) {
        dispatch_api(&r);
    } else if (r.method != EVHTTP_REQ_GET && r.method != EVHTTP_REQ_HEAD) {
        http_error(&r, 405, "method not allowed");
    } else if (strncmp(r.path, "/games/", 7) == 0) {
        r.route = "/games/";
        static_game_file(&r);
    } else {
        static_serve(&r);
    }
done:
    /* A handler must close what it opened: a transaction left open would
     * hold its row locks into the next request on this connection. */
    if (cf_pg_raw(r.t->pg) != NULL && PQtransactionStatus(cf_pg_raw(r.t->pg)) != PQTRANS_IDLE) {
        log_error("%s %s left a transaction open: rolled back", method_name(r.method), r.path);
        cf_pg_rollback(r.t->pg);
    }
    metrics_observe(method_name(r.method), r.route, r.status, now_seconds() - start);
    evhttp_clear_headers(&query);
    for (int i = 0; i < WEB_MAX_PARAMS; i++)
        free(r.params[i]);
    cJSON_Delete(r.json);
    free(r.body);
    free(r.path);
}

void http_start_thread(web_thread *t, int fd)
{
    t->http = evhttp_new(t->base);
    if (t->http == NULL) {
        log_error("evhttp_new failed");
        exit(1);
    }
    evhttp_set_allowed_methods(t->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                            EVHTTP_REQ_PATCH | EVHTTP_REQ_PUT |
                                            EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS);
    /* evhttp holds at most the largest body a route accepts; past it,
     * evhttp answers 413 by itself, which too_large.c turns into our JSON
     * error. Lingering close: the client's body is read (and dropped)
     * before the answer, so the client gets to read it rather than a reset. */
    evhttp_set_max_body_size(t->http, (ev_ssize_t)web_max_body());
    if (evhttp_set_flags(t->http, EVHTTP_SERVER_LINGERING_CLOSE) != 0)
        log_warn("evhttp: no lingering close; a too large body may see a reset");
    http_too_large_as_json(t->http);
    evhttp_set_max_headers_size(t->http, 64 * 1024);
    evhttp_set_timeout(t->http, 60);
    evhttp_set_gencb(t->http, request_cb, t);
    if (evhttp_accept_socket(t->http, fd) != 0) {
        log_error("evhttp_accept_socket failed");
        exit(1);
    }
}
