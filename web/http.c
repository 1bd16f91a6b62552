/*
 * http.c — the evhttp server of each worker thread, and the life of one
 * request in it.
 *
 * evhttp buffers a whole request before calling us, so its limits are the
 * service's memory bounds: the largest body any route accepts, 64 KiB of
 * headers, 60 s of idleness (conn.c adds the per-route body limit and each
 * request's deadline). request_cb() turns evhttp's request into a
 * web_req once (the path decoded, a NUL or a bad escape being a 400; the
 * query parsed; the body copied and NUL-terminated), hands it to the
 * router, and afterwards (http_finish) makes sure nothing outlives it: a
 * transaction a handler left open is rolled back, the request is counted
 * in the metrics, and what was allocated is freed. A handler that waits for
 * a password hash (pwhash.c) leaves the request suspended; it is finished
 * when its continuation has answered, on the same loop.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "clock.h"
#include "log.h"
#include "web.h"

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

/* Fills r from evhttp's request: path, query and body. False after
 * answering 400 (a path or query that does not decode) or 500. */
static bool read_request(web_req *r, struct evkeyvalq *query)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(r->req);
    const char *raw = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
    size_t plen = 0;
    r->path = evhttp_uridecode(raw != NULL && *raw != '\0' ? raw : "/", 0, &plen);
    if (r->path == NULL || strlen(r->path) != plen) {
        free(r->path);
        r->path = strdup("/");
        http_error(r, 400, "bad path");
        return false;
    }
    const char *qs = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
    if (qs != NULL && evhttp_parse_query_str(qs, query) != 0) {
        http_error(r, 400, "bad query string");
        return false;
    }
    r->query = query;
    struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
    r->body_len = evbuffer_get_length(in);
    r->body = malloc(r->body_len + 1);
    if (r->body == NULL) {
        http_error(r, 500, "out of memory");
        return false;
    }
    if (r->body_len > 0)
        evbuffer_copyout(in, r->body, r->body_len);
    r->body[r->body_len] = '\0';
    return true;
}

/* A request and what lives as long as it (it may outlive request_cb). */
typedef struct held_req {
    web_req r; /* first: a web_req * is a held_req * */
    struct evkeyvalq query;
    int64_t start_us;
    conn_ticket ticket; /* conn.c: its connection has a request in hand */
} held_req;

void http_finish(web_req *r)
{
    held_req *h = (held_req *)r;

    /* A handler must close what it opened: a transaction left open would
     * hold its row locks into the next request on this connection. */
    if (cf_pg_raw(r->t->pg) != NULL && PQtransactionStatus(cf_pg_raw(r->t->pg)) != PQTRANS_IDLE) {
        log_error("%s %s left a transaction open: rolled back", r->method_name, r->path);
        cf_pg_rollback(r->t->pg);
    }
    metrics_observe(r->method_name, r->route, r->status, (double)(cf_now_us() - h->start_us) / 1e6);
    conn_request_finished(&h->ticket);
    evhttp_clear_headers(&h->query);
    for (int i = 0; i < WEB_MAX_PARAMS; i++)
        free(r->params[i]);
    cJSON_Delete(r->json);
    free(r->body);
    free(r->path);
    free(h);
}

static void request_cb(struct evhttp_request *req, void *arg)
{
    held_req *h = calloc(1, sizeof *h);
    if (h == NULL) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    h->start_us = cf_now_us();
    conn_request_started(req, &h->ticket);
    h->query.tqh_first = NULL;
    h->query.tqh_last = &h->query.tqh_first;
    web_req *r = &h->r;
    r->req = req;
    r->t = arg;
    r->route = "static";
    r->method = evhttp_request_get_command(req);
    r->method_name = method_name(r->method);
    http_security_headers(req);
    if (read_request(r, &h->query))
        router_dispatch(r);
    /* Suspended: pwhash.c answers it later and calls http_finish. */
    if (!r->suspended)
        http_finish(r);
}

void http_start_thread(web_thread *t, int fd)
{
    t->http = evhttp_new(t->base);
    if (t->http == NULL) {
        log_error("evhttp_new failed");
        exit(1);
    }
    evhttp_set_allowed_methods(t->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                            EVHTTP_REQ_PATCH | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                            EVHTTP_REQ_OPTIONS);
    /* Each request's body limit is its route's (conn.c sets it from the
     * request line); this one bounds a connection conn.c could not take in
     * hand. Past the limit, evhttp answers 413 by itself, which
     * evhttp_pages.c turns into our JSON error. Lingering close: the
     * client's body is read (and dropped) before the answer, so the client
     * gets to read it rather than a reset. */
    evhttp_set_max_body_size(t->http, (ev_ssize_t)web_max_body());
    if (evhttp_set_flags(t->http, EVHTTP_SERVER_LINGERING_CLOSE) != 0)
        log_warn("evhttp: no lingering close; a too large body may see a reset");
    conn_start_thread(t);
    evhttp_set_max_headers_size(t->http, 64 * 1024);
    evhttp_set_timeout(t->http, 60);
    evhttp_set_gencb(t->http, request_cb, t);
    struct evhttp_bound_socket *bound = evhttp_accept_socket_with_handle(t->http, fd);
    if (bound == NULL) {
        log_error("evhttp_accept_socket failed");
        exit(1);
    }
    accept_backoff_start(bound, t->base);
}
