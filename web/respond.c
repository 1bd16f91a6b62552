/*
 * respond.c — the few ways an answer leaves cf-web.
 *
 * Every API answer is JSON, errors included ({"error": "..."}, a message a
 * person can act on), and API answers are never stored by a browser or a
 * proxy (Cache-Control: no-store); the one kind of file the API serves
 * for caches to keep (a game's preview image) says so itself. Every
 * response carries the same security headers, set once per request before
 * any handler runs. A database error is logged here with the request it
 * broke and answered 503 when the connection is gone (try again) or 500
 * otherwise (our bug).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "log.h"
#include "web.h"

/* The same policy as docker/nginx/codefights-headers.conf: the arcade's
 * display draws data: images and plays its sounds from blob: URLs. */
#define CSP_BASE                                                                                   \
    "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "                           \
    "object-src 'none'; base-uri 'self'; form-action 'self'; "

void http_security_headers(struct evhttp_request *req)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);

    evhttp_add_header(h, "Content-Security-Policy", CSP_BASE "frame-ancestors 'none'");
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "X-Frame-Options", "DENY");
    evhttp_add_header(h, "Referrer-Policy", "same-origin");
}

/* A page made to be framed by any site (the arcade's compact scoreboard,
 * docker/nginx/codefights-embed-headers.conf): it only shows and links, so
 * no click on it can be stolen. */
void http_allow_framing(struct evhttp_request *req)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);

    evhttp_remove_header(h, "Content-Security-Policy");
    evhttp_remove_header(h, "X-Frame-Options");
    evhttp_add_header(h, "Content-Security-Policy", CSP_BASE "frame-ancestors *");
}

/* The answer's body and status, its headers already set. */
static void send_body(web_req *r, int status, const void *data, size_t len)
{
    struct evbuffer *buf = evbuffer_new();
    if (buf != NULL && len > 0 && r->method != EVHTTP_REQ_HEAD)
        evbuffer_add(buf, data, len);
    r->status = status;
    evhttp_send_reply(r->req, status, NULL, buf);
    if (buf != NULL)
        evbuffer_free(buf);
}

/* The headers of an answer of type ctype (NULL: none). */
static void answer_headers(web_req *r, const char *ctype, const char *disposition_name)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);

    if (ctype != NULL)
        evhttp_add_header(h, "Content-Type", ctype);
    if (strncmp(r->path, "/api/", 5) == 0)
        evhttp_add_header(h, "Cache-Control", "no-store");
    if (disposition_name != NULL) {
        char disp[400];
        snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", disposition_name);
        evhttp_add_header(h, "Content-Disposition", disp);
    }
}

void http_send(web_req *r, int status, const char *ctype, const char *data, size_t len,
               const char *disposition_name)
{
    answer_headers(r, ctype, disposition_name);
    send_body(r, status, data, len);
}

static void free_sent(const void *data, size_t len, void *arg)
{
    (void)len;
    (void)arg;
    free((void *)data);
}

/* The body data[0..len), malloc'd, handed to libevent, which frees it once
 * written (no copy of a page's text); freed here when it cannot be. */
static void send_body_owned(web_req *r, int status, char *data, size_t len)
{
    struct evbuffer *buf = evbuffer_new();
    if (buf == NULL || r->method == EVHTTP_REQ_HEAD ||
        evbuffer_add_reference(buf, data, len, free_sent, NULL) != 0)
        free(data);
    r->status = status;
    evhttp_send_reply(r->req, status, NULL, buf);
    if (buf != NULL)
        evbuffer_free(buf);
}

void http_send_cacheable(web_req *r, const char *ctype, const void *data, size_t len,
                         const char *cache_control)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);

    evhttp_add_header(h, "Content-Type", ctype);
    evhttp_add_header(h, "Cache-Control", cache_control);
    send_body(r, 200, data, len);
}

/* body as compact text (caller frees), body deleted; NULL when out of
 * memory. */
static char *json_text(cJSON *body)
{
    char *text = body != NULL ? cf_json_print(body) : NULL;

    cJSON_Delete(body);
    return text;
}

void http_json(web_req *r, int status, cJSON *body)
{
    char *text = json_text(body);
    if (text == NULL) {
        static const char oom[] = "{\"error\":\"out of memory\"}";
        http_send(r, 500, "application/json", oom, sizeof oom - 1, NULL);
        return;
    }
    http_send(r, status, "application/json", text, strlen(text), NULL);
    free(text);
}

void http_json_text(web_req *r, int status, json_buf *b, const char *key, int ttl_ms)
{
    if (b->text.failed || b->text.data == NULL) {
        jb_free(b);
        http_error(r, 500, "out of memory");
        return;
    }
    if (key != NULL)
        cache_put(key, b->text.data, b->text.len, ttl_ms, r->cache_epoch);
    answer_headers(r, "application/json", NULL);
    send_body_owned(r, status, b->text.data, b->text.len); /* takes the text */
    jb_init(b);
}

void http_json_list(web_req *r, const char *key, cJSON *list)
{
    if (list == NULL) {
        http_db_error(r);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, key, list);
    http_json(r, 200, o);
}

void http_json_cached(web_req *r, int status, cJSON *body, const char *key, int ttl_ms)
{
    char *text = json_text(body);
    if (text == NULL) {
        http_error(r, 500, "out of memory");
        return;
    }
    cache_put(key, text, strlen(text), ttl_ms, r->cache_epoch);
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
    vsnprintf(msg, sizeof msg, fmt, ap);
    cJSON *o = cJSON_CreateObject();
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
    va_list ap;
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
    log_error("%s %s: database: %s", r->method_name, r->path, cf_pg_error(r->t->pg));
    if (!cf_pg_ok(r->t->pg))
        http_error(r, 503, "database unavailable");
    else
        http_error(r, 500, "internal error");
}

void http_too_many(web_req *r, int retry)
{
    char s[16];

    snprintf(s, sizeof s, "%d", retry > 0 ? retry : 1);
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Retry-After", s);
    http_error(r, 429, "too many attempts, try again in %s seconds", s);
}
