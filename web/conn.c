/*
 * conn.c — one client connection's life around evhttp: admission, each
 * request's deadline and body limit, and what runs when it closes.
 *
 * libevent 2.1's evhttp has no callback per connection, nor per request
 * before the body has been read. What it lets us choose is each
 * connection's bufferevent (evhttp_set_bevcb). conn.c makes it and, in the
 * same turn of the loop (before the socket is first read), finds the
 * connection evhttp built around it (the bufferevent's callback argument,
 * which evhttp sets to its connection), then:
 *
 *  - admits it, or answers 503 and closes: at most web.max_connections in
 *    all and web.max_connections_per_ip from one address (conn_count.c);
 *  - reads each request line as it arrives, before evhttp does
 *    (request_head.c): its route's body limit becomes the connection's, so
 *    evhttp refuses a body over it from its Content-Length (413) instead of
 *    holding it; CONNECT, and Expect: 100-continue with a body over the
 *    limit, are answered and closed at once;
 *  - gives each request a deadline: its head and body must arrive within
 *    web.request_timeout_s of its first byte (of the connection's opening,
 *    for the first request), a second more for each web.request_min_rate
 *    bytes received, and never more than web.request_max_s: a request
 *    trickled a byte at a time is answered 408 and closed, however often
 *    its bytes come. There is no deadline while cf-web answers (a live
 *    stream lasts as long as live.c lets it) nor between requests (evhttp's
 *    idle timeout);
 *  - runs the close hook of a live stream (conn_on_close) before its own.
 *
 * A connection belongs to one worker thread and everything here runs on
 * its loop; only the counts are shared (conn_count.c).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "clock.h"
#include "log.h"
#include "web.h"

enum conn_state {
    READING,   /* a request's head or body is arriving: the deadline runs */
    ANSWERING, /* cf-web has the request; no deadline */
};

struct web_conn {
    web_thread *t;
    struct evhttp_connection *evcon;
    struct bufferevent *bev;
    struct evbuffer_cb_entry *in_cb, *out_cb;
    struct event *timer; /* the deadline, and a refusal made from a callback */
    int fd;
    conn_count_slot count;
    enum conn_state state;
    bool line_read;                         /* this request's line has been read */
    size_t scanned;                         /* bytes of it known to hold no line end */
    size_t body_limit;                      /* this request's (evhttp's bound for the connection) */
    char body_msg[WEB_TOO_LARGE_MSG];       /* what a 413 for its body says */
    char too_large[WEB_TOO_LARGE_MSG + 32]; /* what evhttp's 413 says (body or head) */
    int64_t deadline_us;                    /* started + timeout, extended by the bytes received */
    int64_t last_us;                        /* the latest the deadline may reach */
    int refuse_status;                      /* an answer to give from the timer, then close */
    char refuse_msg[WEB_TOO_LARGE_MSG + 32];
    conn_ticket *tickets; /* requests cf-web holds (answered later) */
    void (*hook)(void *);
    void *hook_arg;
};

/* A new bufferevent, until the turn of the loop that admits it. */
typedef struct fresh_conn {
    struct bufferevent *bev;
    web_conn *c;
} fresh_conn;

typedef struct conn_thread {
    struct event *admit_ev;
    fresh_conn *fresh;
    size_t nfresh, cap;
} conn_thread;

/* The connection of each descriptor; each slot is written by the thread
 * that owns that descriptor's connection. */
static web_conn **by_fd;
static size_t by_fd_len;

/* One gate per kind of refusal, so that one does not hide another. */
static log_gate refused_gates[4], untracked_gate, nodelay_gate;

/* ---- answering outside evhttp ---- */

static log_gate *gate_of(int status)
{
    switch (status) {
    case 405: return &refused_gates[0];
    case 408: return &refused_gates[1];
    case 413: return &refused_gates[2];
    default: return &refused_gates[3];
    }
}

static const char *status_text(int status)
{
    switch (status) {
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    default: return "Service Unavailable";
    }
}

/* The peer's address as text, for log lines. */
static void peer_text(int fd, char *out, size_t outlen)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[64];

    snprintf(out, outlen, "?");
    if (getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
        return;
    if (ss.ss_family == AF_INET)
        evutil_inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
    else if (ss.ss_family == AF_INET6)
        evutil_inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
    else
        return;
    snprintf(out, outlen, "%s", host);
}

/* Writes the JSON error straight to the socket (what evhttp had queued for
 * it is dropped with the connection) and closes the connection. The answer
 * is a few hundred bytes on a socket that has not been written to since
 * the last answer left, so one non-blocking send takes it. */
static void refuse_now(web_conn *c, int status, const char *message)
{
    char answer[800], from[64];
    int n = http_raw_error(answer, sizeof answer, false, status, status_text(status), message);

    peer_text(c->fd, from, sizeof from);
    if (n > 0 && (size_t)n < sizeof answer &&
        send(c->fd, answer, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN)
        log_debug("refusing a connection: send: %s", strerror(errno));
    char what[400];
    snprintf(what, sizeof what, "connection refused: %d %s", status, message);
    log_gated(gate_of(status), what, from);
    evhttp_connection_free(c->evcon); /* on_close frees c */
}

/* A refusal decided inside a read callback, where the connection cannot be
 * freed: the timer answers it in this same turn of the loop, before the
 * socket is written (evhttp's own answer to the request stays queued). */
static void refuse_soon(web_conn *c, int status, const char *message)
{
    c->refuse_status = status;
    snprintf(c->refuse_msg, sizeof c->refuse_msg, "%s", message);
    event_active(c->timer, EV_TIMEOUT, 1);
}

/* ---- the deadline ---- */

static void arm(web_conn *c, int64_t at_us)
{
    int64_t wait = at_us - cf_now_us();
    struct timeval tv = {.tv_sec = wait > 0 ? wait / 1000000 : 0,
                         .tv_usec = wait > 0 ? wait % 1000000 : 0};
    evtimer_add(c->timer, &tv);
}

/* The next request starts: its first bytes are here, or the connection has
 * just opened. */
static void start_request(web_conn *c)
{
    int64_t now = cf_now_us();

    c->state = READING;
    c->line_read = false;
    c->scanned = 0;
    c->deadline_us = now + (int64_t)web_cfg.request_timeout_s * 1000000;
    c->last_us = now + (int64_t)web_cfg.request_max_s * 1000000;
    if (c->deadline_us > c->last_us)
        c->deadline_us = c->last_us;
    arm(c, c->deadline_us);
}

/* n more bytes of the request arrived: the deadline moves on by their
 * share of web.request_min_rate, up to its last. */
static void extend(web_conn *c, size_t n)
{
    if (web_cfg.request_min_rate <= 0)
        return;
    c->deadline_us += (int64_t)n * 1000000 / web_cfg.request_min_rate;
    if (c->deadline_us > c->last_us)
        c->deadline_us = c->last_us;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    web_conn *c = arg;

    (void)fd;
    (void)what;
    if (c->refuse_status != 0) {
        refuse_now(c, c->refuse_status, c->refuse_msg);
        return;
    }
    if (c->state != READING)
        return;
    if (cf_now_us() < c->deadline_us) {
        arm(c, c->deadline_us); /* extended since it was set */
        return;
    }
    /* A pipelined request behind one cf-web still answers, or behind an
     * answer still being written: evhttp reads it only after that. */
    if (c->tickets != NULL || evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
        arm(c, cf_now_us() + (int64_t)web_cfg.request_timeout_s * 1000000);
        return;
    }
    char msg[120];
    snprintf(msg, sizeof msg, "the request did not arrive within its deadline (%d s)",
             web_cfg.request_timeout_s);
    refuse_now(c, 408, msg);
}

/* ---- reading each request line before evhttp ---- */

/* The body limit of h's route (of no route: h NULL), and what its 413
 * says (evhttp answers 413 for a head over 64 KiB too). */
static void set_body_limit(web_conn *c, const request_head *h)
{
    c->body_limit = router_body_limit(h != NULL ? h->method : EVHTTP_REQ_GET,
                                      h != NULL ? h->path : "", c->body_msg, sizeof c->body_msg);
    snprintf(c->too_large, sizeof c->too_large, "%s (or headers over 64 KiB)", c->body_msg);
    evhttp_connection_set_max_body_size(c->evcon, (ev_ssize_t)c->body_limit);
}

static void read_request_line(web_conn *c, struct evbuffer *in)
{
    request_head h;
    int r = request_head_read(in, &c->scanned, &h);

    if (r == HEAD_NEED_MORE)
        return;
    c->line_read = true;
    set_body_limit(c, r == HEAD_READ && h.has_path ? &h : NULL);
    if (r != HEAD_READ)
        return;
    if (h.method == EVHTTP_REQ_CONNECT) {
        refuse_soon(c, 405, "method not allowed");
    } else if (h.head_complete && h.expect_continue && h.content_length >= 0 &&
               (size_t)h.content_length > c->body_limit) {
        refuse_soon(c, 413, c->body_msg);
    }
}

/* Bytes arrived (evbuffer callbacks run before the bufferevent's read
 * callback, so before evhttp parses them). */
static void on_input(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
    web_conn *c = arg;

    if (info->n_added == 0 || c->refuse_status != 0)
        return;
    if (c->state == ANSWERING)
        start_request(c);
    extend(c, info->n_added);
    if (!c->line_read)
        read_request_line(c, in);
}

/* ---- requests cf-web holds ---- */

void conn_request_started(struct evhttp_request *req, conn_ticket *tk)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
    int fd = bev != NULL ? bufferevent_getfd(bev) : -1;
    web_conn *c = fd >= 0 && (size_t)fd < by_fd_len ? by_fd[fd] : NULL;

    tk->c = NULL;
    tk->next = NULL;
    if (c == NULL || c->evcon != evcon)
        return;
    tk->c = c;
    tk->next = c->tickets;
    c->tickets = tk;
    c->state = ANSWERING;
    if (c->refuse_status == 0)
        evtimer_del(c->timer);
    /* Pipelined: the next request's bytes are here already. */
    struct evbuffer *in = bufferevent_get_input(c->bev);
    if (evbuffer_get_length(in) > 0) {
        start_request(c);
        read_request_line(c, in);
    }
}

void conn_request_finished(conn_ticket *tk)
{
    web_conn *c = tk->c;

    if (c == NULL)
        return; /* its connection closed meanwhile */
    for (conn_ticket **p = &c->tickets; *p != NULL; p = &(*p)->next) {
        if (*p == tk) {
            *p = tk->next;
            break;
        }
    }
    tk->c = NULL;
}

/* ---- closing ---- */

bool conn_on_close(struct evhttp_connection *evcon, void (*hook)(void *), void *arg)
{
    struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
    int fd = bev != NULL ? bufferevent_getfd(bev) : -1;
    web_conn *c = fd >= 0 && (size_t)fd < by_fd_len ? by_fd[fd] : NULL;

    if (c == NULL || c->evcon != evcon)
        return false; /* untracked (conn.c was out of memory) */
    c->hook = hook;
    c->hook_arg = arg;
    return true;
}

static void conn_free(web_conn *c)
{
    if (c->in_cb != NULL)
        evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->in_cb);
    if (c->out_cb != NULL)
        evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
    if (c->timer != NULL)
        event_free(c->timer);
    for (conn_ticket *tk = c->tickets; tk != NULL; tk = tk->next)
        tk->c = NULL;
    conn_count_put(&c->count);
    if (c->fd >= 0 && (size_t)c->fd < by_fd_len && by_fd[c->fd] == c)
        by_fd[c->fd] = NULL;
    free(c);
}

/* evhttp is closing the connection (called once, before the descriptor is
 * closed and the bufferevent freed). */
static void on_close(struct evhttp_connection *evcon, void *arg)
{
    web_conn *c = arg;
    void (*hook)(void *) = c->hook;

    (void)evcon;
    c->hook = NULL;
    if (hook != NULL)
        hook(c->hook_arg);
    conn_free(c);
}

/* ---- admission ---- */

/* An answer goes out as soon as it is written. libevent writes at most
 * 16 KiB at a time, so a longer answer leaves in two writes or more; with
 * Nagle's algorithm the last, short one waits for the client to
 * acknowledge the first, which a client delays (up to 40 ms on Linux):
 * the invitations page (20 KiB) took 4 ms or 50 ms by turns. Only a TCP
 * socket has the option; a failure costs only that wait. */
static void no_delay(int fd, sa_family_t family)
{
    int one = 1;
    if ((family == AF_INET || family == AF_INET6) &&
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
        log_gated(&nodelay_gate, "setsockopt TCP_NODELAY failed", strerror(errno));
}

/* The new connection's limits: in by_fd, the close callback, the input
 * watched, the first request's deadline, then counted or refused. */
static void admit(struct bufferevent *bev, web_conn *c)
{
    bufferevent_event_cb error_cb = NULL;
    void *cbarg = NULL;
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;

    bufferevent_getcb(bev, NULL, NULL, &error_cb, &cbarg);
    if (error_cb == NULL || cbarg == NULL) {
        /* evhttp could not set the connection up and freed its side; our
         * reference kept the bufferevent for us to see that. */
        conn_free(c);
        bufferevent_decref(bev);
        return;
    }
    bufferevent_decref(bev);
    c->evcon = cbarg;
    c->fd = bufferevent_getfd(bev);
    evhttp_connection_set_closecb(c->evcon, on_close, c);
    if (c->fd < 0 || (size_t)c->fd >= by_fd_len) {
        refuse_now(c, 503, "too many connections");
        return;
    }
    by_fd[c->fd] = c;
    c->timer = evtimer_new(c->t->base, on_timer, c);
    c->in_cb = evbuffer_add_cb(bufferevent_get_input(bev), on_input, c);
    if (c->timer == NULL || c->in_cb == NULL) {
        log_error("out of memory");
        evhttp_connection_free(c->evcon);
        return;
    }
    set_body_limit(c, NULL);
    start_request(c);
    if (getpeername(c->fd, (struct sockaddr *)&ss, &sslen) != 0) {
        refuse_now(c, 503, "connection without a peer");
        return;
    }
    no_delay(c->fd, ss.ss_family);
    switch (conn_count_take((struct sockaddr *)&ss, &c->count)) {
    case CONN_COUNT_OK: break;
    case CONN_COUNT_ALL: refuse_now(c, 503, "too many connections: try again later"); break;
    case CONN_COUNT_ADDR:
        refuse_now(c, 503, "too many connections from this address: try again later");
        break;
    }
}

static void on_admit(evutil_socket_t fd, short what, void *arg)
{
    conn_thread *ct = arg;

    (void)fd;
    (void)what;
    /* admit() may close connections, never open one: the list is stable. */
    for (size_t i = 0; i < ct->nfresh; i++)
        admit(ct->fresh[i].bev, ct->fresh[i].c);
    ct->nfresh = 0;
}

static bool remember_fresh(conn_thread *ct, struct bufferevent *bev, web_conn *c)
{
    if (ct->nfresh == ct->cap) {
        size_t cap = ct->cap > 0 ? ct->cap * 2 : 64;
        fresh_conn *grown = realloc(ct->fresh, cap * sizeof *grown);
        if (grown == NULL)
            return false;
        ct->fresh = grown;
        ct->cap = cap;
    }
    ct->fresh[ct->nfresh++] = (fresh_conn){bev, c};
    return true;
}

/* evhttp's bevcb: the bufferevent of a connection just accepted. Its fd is
 * set by evhttp right after; admit() runs once the listener's callback has
 * returned. NULL (out of memory) lets evhttp make its own, untracked. */
static struct bufferevent *new_bufferevent(struct event_base *base, void *arg)
{
    web_thread *t = arg;
    web_conn *c = calloc(1, sizeof *c);
    struct bufferevent *bev =
        c != NULL ? bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE) : NULL;

    if (bev != NULL) {
        c->t = t;
        c->bev = bev;
        c->fd = -1;
        c->body_limit = WEB_JSON_BODY_MAX;
        c->out_cb = http_pages_watch(bev, c->too_large);
    }
    if (bev == NULL || c->out_cb == NULL || !remember_fresh(t->conn, bev, c)) {
        if (bev != NULL)
            bufferevent_free(bev);
        free(c);
        log_gated(&untracked_gate, "out of memory: a connection goes without limits", "-");
        return NULL;
    }
    /* Our reference: if evhttp fails to set the connection up, it frees
     * its side, and admit() must still find the bufferevent to see it. */
    bufferevent_incref(bev);
    event_active(((conn_thread *)t->conn)->admit_ev, EV_TIMEOUT, 1);
    return bev;
}

/* ---- start and stop ---- */

bool conn_init(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        log_error("getrlimit: %s", strerror(errno));
        return false;
    }
    by_fd_len =
        rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1u << 22) ? (1u << 22) : (size_t)rl.rlim_cur;
    by_fd = calloc(by_fd_len, sizeof *by_fd);
    if (by_fd == NULL) {
        log_error("out of memory");
        return false;
    }
    /* The descriptors beyond the connections: the database, Redis, files
     * served, the listening sockets. */
    long room = (long)by_fd_len - 64 - 4L * web_cfg.threads;
    if (web_cfg.max_connections > room) {
        log_warn("web.max_connections %ld: the descriptor limit (%zu) leaves room for %ld",
                 web_cfg.max_connections, by_fd_len, room > 1 ? room : 1);
        web_cfg.max_connections = room > 1 ? room : 1;
    }
    return true;
}

void conn_start_thread(web_thread *t)
{
    conn_thread *ct = calloc(1, sizeof *ct);

    if (ct == NULL || (ct->admit_ev = event_new(t->base, -1, 0, on_admit, ct)) == NULL) {
        log_error("out of memory");
        exit(1);
    }
    t->conn = ct;
    evhttp_set_bevcb(t->http, new_bufferevent, t);
}

void conn_stop_thread(web_thread *t)
{
    conn_thread *ct = t->conn;

    if (ct == NULL)
        return;
    /* Accepted in the loop's last turn, never admitted: evhttp_free has
     * freed its side, our reference holds the bufferevent. */
    for (size_t i = 0; i < ct->nfresh; i++) {
        conn_free(ct->fresh[i].c);
        bufferevent_decref(ct->fresh[i].bev);
    }
    event_free(ct->admit_ev);
    free(ct->fresh);
    free(ct);
    t->conn = NULL;
}

void conn_free_all(void)
{
    free(by_fd);
    by_fd = NULL;
    by_fd_len = 0;
}
