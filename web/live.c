/*
 * live.c — Server-Sent Events: the streams of each worker thread (live.h).
 *
 * Each worker thread keeps its own streams and two timers: twice a second
 * it reads what changed for its fight and user streams (live_fights.c), and
 * while it has play streams, every PLAY_POLL_MS it relays their display
 * messages (live_plays.c), which a game cannot wait half a second for. A
 * comment line every 15 s keeps proxies from closing a quiet stream. The
 * same timer ends the streams of a user or session revoked on any process
 * (revocation.c: a deactivation, a log-out, a password change). The
 * number of streams is bounded: each costs queries while it is open, in
 * all (MAX_CLIENTS), by account (web.live_max_per_user) and, without a
 * session, by address (web.live_max_per_ip); and a stream lasts
 * web.live_max_seconds at most, then ends with a "reconnect" event (the
 * browser's EventSource reconnects by itself after "retry").
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>

#include "clock.h"
#include "json_print.h"
#include "live.h"

#define POLL_MS 500
#define PLAY_POLL_MS 20
#define PING_MS 15000
#define MAX_CLIENTS 2000

static int clients_total;

int live_client_count(void)
{
    return __atomic_load_n(&clients_total, __ATOMIC_RELAXED);
}

/* ------------------------------------------- streams by user or address */

#define OWNER_BUCKETS 256

typedef struct owner_count {
    struct owner_count *next;
    int n;
    char owner[48];
} owner_count;

static pthread_mutex_t owners_lock = PTHREAD_MUTEX_INITIALIZER;
static owner_count *owners[OWNER_BUCKETS];

/* Takes one of owner's cap streams; false when it has them all. */
static bool owner_take(const char *owner, int cap)
{
    bool ok = false;
    pthread_mutex_lock(&owners_lock);
    owner_count **slot = &owners[web_hash(owner) % OWNER_BUCKETS], *e = *slot;
    while (e != NULL && strcmp(e->owner, owner) != 0)
        e = e->next;
    if (e == NULL && (e = calloc(1, sizeof *e)) != NULL) {
        snprintf(e->owner, sizeof e->owner, "%s", owner);
        e->next = *slot;
        *slot = e;
    }
    if (e != NULL && e->n < cap) {
        e->n++;
        ok = true;
    }
    pthread_mutex_unlock(&owners_lock);
    return ok;
}

static void owner_release(const char *owner)
{
    pthread_mutex_lock(&owners_lock);
    for (owner_count **p = &owners[web_hash(owner) % OWNER_BUCKETS]; *p != NULL; p = &(*p)->next) {
        owner_count *e = *p;
        if (strcmp(e->owner, owner) != 0)
            continue;
        if (--e->n <= 0) {
            *p = e->next;
            free(e);
        }
        break;
    }
    pthread_mutex_unlock(&owners_lock);
}

/* ---------------------------------------------------------- one stream */

static void client_free(live_client *c)
{
    *c->pprev = c->next;
    if (c->next != NULL)
        c->next->pprev = c->pprev;
    if (c->kind == LIVE_PLAY) {
        live_thread *lt = c->t->live;
        if (--lt->nplays == 0)
            event_del(lt->play_timer);
    }
    __atomic_sub_fetch(&clients_total, 1, __ATOMIC_RELAXED);
    owner_release(c->owner);
    free(c);
}

/* The connection is going away. When the peer left, libevent detached our
 * unfinished request from it and leaves it to us: ending the reply frees
 * it. When cf-web itself is stopping (evhttp_free), the request is still
 * attached and libevent frees it right after this callback. */
static void on_close(void *arg)
{
    live_client *c = arg;

    if (evhttp_request_get_connection(c->req) == NULL)
        evhttp_send_reply_end(c->req);
    client_free(c);
}

static void send_bytes(live_client *c, const char *text, size_t len)
{
    struct evbuffer *b = evbuffer_new();

    if (b == NULL)
        return;
    evbuffer_add(b, text, len);
    evhttp_send_reply_chunk(c->req, b);
    evbuffer_free(b);
    c->last_write_ms = cf_now_ms();
}

void live_send(live_client *c, const char *event, const char *json, size_t len)
{
    struct evbuffer *b = evbuffer_new();

    if (b == NULL)
        return;
    if (evbuffer_add_printf(b, "event: %s\ndata: ", event) >= 0 &&
        evbuffer_add(b, json, len) == 0 && evbuffer_add(b, "\n\n", 2) == 0)
        evhttp_send_reply_chunk(c->req, b);
    evbuffer_free(b);
    c->last_write_ms = cf_now_ms();
}

void live_send_json(live_client *c, const char *event, cJSON *data)
{
    char *json = cf_json_print(data);
    cJSON_Delete(data);
    if (json == NULL)
        return;
    live_send(c, event, json, strlen(json));
    free(json);
}

void live_end(live_client *c)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(c->req);

    if (conn != NULL)
        (void)conn_on_close(conn, NULL, NULL);
    evhttp_send_reply_end(c->req);
    client_free(c);
}

size_t live_backlog(const live_client *c)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(c->req);
    struct bufferevent *bev = conn != NULL ? evhttp_connection_get_bufferevent(conn) : NULL;
    return bev != NULL ? evbuffer_get_length(bufferevent_get_output(bev)) : 0;
}

/* Answers the stream's headers and links c into its thread's streams. */
static void client_start(web_req *r, live_client *c)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
    evhttp_add_header(h, "Content-Type", "text/event-stream");
    evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_add_header(h, "X-Accel-Buffering", "no");
    r->status = 200;
    evhttp_send_reply_start(r->req, 200, "OK");
    live_thread *lt = r->t->live;
    c->next = lt->head;
    if (lt->head != NULL)
        lt->head->pprev = &c->next;
    lt->head = c;
    c->pprev = &lt->head;
    __atomic_add_fetch(&clients_total, 1, __ATOMIC_RELAXED);
    if (c->kind == LIVE_PLAY && lt->nplays++ == 0) {
        struct timeval tv = {.tv_sec = 0, .tv_usec = PLAY_POLL_MS * 1000};
        event_add(lt->play_timer, &tv);
    }
    send_bytes(c, "retry: 2000\n\n", 13);
}

live_client *live_open(web_req *r, enum live_kind kind)
{
    /* Each stream costs queries while it is open: bound them. */
    if (live_client_count() >= MAX_CLIENTS) {
        evhttp_add_header(evhttp_request_get_output_headers(r->req), "Retry-After", "10");
        http_error(r, 503, "too many live streams, try again later");
        return NULL;
    }
    char owner[48];
    if (r->authed) {
        snprintf(owner, sizeof owner, "u:%s", r->user_id);
    } else {
        snprintf(owner, sizeof owner, "a:%s", http_client_ip(r));
    }
    if (!owner_take(owner, r->authed ? web_cfg.live_max_per_user : web_cfg.live_max_per_ip)) {
        evhttp_add_header(evhttp_request_get_output_headers(r->req), "Retry-After", "10");
        http_error(r, 429, "too many live streams open (%d at most %s), close one first",
                   r->authed ? web_cfg.live_max_per_user : web_cfg.live_max_per_ip,
                   r->authed ? "an account" : "an address without a session");
        return NULL;
    }
    live_client *c = calloc(1, sizeof *c);
    if (c == NULL) {
        owner_release(owner);
        http_error(r, 500, "out of memory");
        return NULL;
    }
    /* The stream lives until its connection closes: conn.c says when. */
    if (!conn_on_close(evhttp_request_get_connection(r->req), on_close, c)) {
        owner_release(owner);
        free(c);
        evhttp_add_header(evhttp_request_get_output_headers(r->req), "Retry-After", "10");
        http_error(r, 503, "too many live streams, try again later");
        return NULL;
    }
    snprintf(c->owner, sizeof c->owner, "%s", owner);
    c->opened_ms = cf_now_ms();
    c->req = r->req;
    c->t = r->t;
    c->kind = kind;
    if (r->authed) {
        snprintf(c->viewer, sizeof c->viewer, "%s", r->user_id);
        snprintf(c->session, sizeof c->session, "%s", r->session_hash);
    }
    client_start(r, c);
    return c;
}

/* ------------------------------------------------------------- timers */

static void ping_quiet(live_thread *lt, int64_t now_ms)
{
    for (live_client *c = lt->head; c != NULL; c = c->next)
        if (now_ms - c->last_write_ms >= PING_MS)
            send_bytes(c, ": ping\n\n", 8);
}

/* Ends the streams of users and sessions revoked since the last look. */
static void end_revoked(live_thread *lt)
{
    uint64_t upto = revocation_next();
    if (upto == lt->revoked_seen)
        return;
    live_client *next;
    for (live_client *c = lt->head; c != NULL; c = next) {
        next = c->next;
        if (c->viewer[0] != '\0' &&
            revocation_matches(lt->revoked_seen, upto, c->viewer, c->session))
            live_end(c);
    }
    lt->revoked_seen = upto;
}

/* Ends the streams open web.live_max_seconds: the browser reconnects. */
static void end_old(live_thread *lt, int64_t now_ms)
{
    live_client *next;
    for (live_client *c = lt->head; c != NULL; c = next) {
        next = c->next;
        if (now_ms - c->opened_ms < (int64_t)web_cfg.live_max_seconds * 1000)
            continue;
        static const char why[] = "{\"reason\":\"max_lifetime\"}";
        live_send(c, "reconnect", why, sizeof why - 1);
        live_end(c);
    }
}

static void poll_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    live_thread *lt = arg;
    end_revoked(lt);
    end_old(lt, cf_now_ms());
    live_client *next;
    for (live_client *c = lt->head; c != NULL; c = next) {
        next = c->next;
        if (c->kind == LIVE_FIGHT)
            (void)live_fights_poll_fight(c);
        else if (c->kind == LIVE_USER)
            live_fights_poll_user(c);
    }
    ping_quiet(lt, cf_now_ms());
}

static void play_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    live_plays_poll(arg);
}

void live_init_thread(web_thread *t)
{
    live_thread *lt = calloc(1, sizeof *lt);
    if (lt == NULL)
        abort();
    struct timeval tv = {.tv_sec = 0, .tv_usec = POLL_MS * 1000};
    lt->timer = event_new(t->base, -1, EV_PERSIST, poll_tick, lt);
    lt->play_timer = event_new(t->base, -1, EV_PERSIST, play_tick, lt);
    if (lt->timer == NULL || lt->play_timer == NULL || event_add(lt->timer, &tv) != 0)
        abort();
    lt->revoked_seen = revocation_next();
    t->live = lt;
}

void live_free_thread(web_thread *t)
{
    live_thread *lt = t->live;

    if (lt == NULL)
        return;
    event_free(lt->timer);
    event_free(lt->play_timer);
    free(lt);
    t->live = NULL;
}
