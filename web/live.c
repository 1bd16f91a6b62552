/*
 * live.c — Server-Sent Events: a fight's state and progress, and a user's
 * fights and invitations, without reloading.
 *
 * Two sources: PostgreSQL holds a fight's state (hosting, queued, ... as
 * written by cf-web and the result processor), and cf:progress the
 * simulator's ticks (live_progress.c). Each worker thread keeps its own SSE
 * clients and, twice a second while it has any, reads the states of their
 * fights in one query and sends what changed; a comment line every 15 s
 * keeps proxies from closing a quiet stream. A stream of one fight closes
 * after a final state. The number of streams is bounded: each costs a query
 * twice a second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "clock.h"
#include "web.h"

#define POLL_MS 500
#define PING_MS 15000
#define MAX_TRACKED 64
#define MAX_CLIENTS 2000

static int clients_total;

/* ---- SSE clients, per worker thread ---- */

typedef struct tracked {
    char id[40];
    char last[48]; /* "state:tick" last sent */
} tracked;

typedef struct client {
    struct client *next, **pprev;
    struct evhttp_request *req;
    web_thread *t;
    char fight_id[CF_UUID_LEN + 1]; /* one-fight stream, or "" */
    char user_id[WEB_ID_LEN + 1];   /* user stream */
    tracked fights[MAX_TRACKED];
    int nfights;
    tracked invs[MAX_TRACKED];
    int ninvs;
    int64_t last_write_ms; /* cf_now_ms() of the last bytes sent */
} client;

typedef struct live_thread {
    client *head;
    struct event *timer;
} live_thread;

int live_client_count(void)
{
    return __atomic_load_n(&clients_total, __ATOMIC_RELAXED);
}

static void client_free(client *c)
{
    *c->pprev = c->next;
    if (c->next != NULL)
        c->next->pprev = c->pprev;
    __atomic_sub_fetch(&clients_total, 1, __ATOMIC_RELAXED);
    free(c);
}

/* The connection is going away. When the peer left, libevent detached our
 * unfinished request from it and leaves it to us: ending the reply frees
 * it. When cf-web itself is stopping (evhttp_free), the request is still
 * attached and libevent frees it right after this callback. */
static void on_close(struct evhttp_connection *conn, void *arg)
{
    client *c = arg;

    (void)conn;
    if (evhttp_request_get_connection(c->req) == NULL)
        evhttp_send_reply_end(c->req);
    client_free(c);
}

static void send_text(client *c, const char *text)
{
    struct evbuffer *b = evbuffer_new();

    if (b == NULL)
        return;
    evbuffer_add(b, text, strlen(text));
    evhttp_send_reply_chunk(c->req, b);
    evbuffer_free(b);
    c->last_write_ms = cf_now_ms();
}

static void send_event(client *c, const char *event, cJSON *data)
{
    char *json = cJSON_PrintUnformatted(data);
    cJSON_Delete(data);
    if (json == NULL)
        return;
    size_t n = strlen(json) + strlen(event) + 32;
    char *msg = malloc(n);
    if (msg != NULL) {
        snprintf(msg, n, "event: %s\ndata: %s\n\n", event, json);
        send_text(c, msg);
        free(msg);
    }
    free(json);
}

/* Closes the stream from our side (the closecb will not run after this). */
static void client_end(client *c)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(c->req);

    if (conn != NULL)
        evhttp_connection_set_closecb(conn, NULL, NULL);
    evhttp_send_reply_end(c->req);
    client_free(c);
}

/* Sends a status event when (state, tick) changed; returns true if final. */
static bool update_fight(client *c, tracked *tr, const char *db_status)
{
    int tick;
    const char *state = fight_shown_state(db_status, tr->id, &tick);
    char now[48];
    snprintf(now, sizeof now, "%s:%d", state, tick);
    if (strcmp(now, tr->last) != 0) {
        snprintf(tr->last, sizeof tr->last, "%s", now);
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "id", tr->id);
        cJSON_AddStringToObject(d, "state", state);
        if (tick >= 0)
            cJSON_AddNumberToObject(d, "tick", tick);
        else
            cJSON_AddNullToObject(d, "tick");
        send_event(c, "status", d);
    }
    return fight_state_final(state);
}

static tracked *find_tracked(tracked *arr, int *n, const char *id)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(arr[i].id, id) == 0)
            return &arr[i];
    if (*n == MAX_TRACKED)
        return NULL;
    memset(&arr[*n], 0, sizeof arr[*n]);
    snprintf(arr[*n].id, sizeof arr[*n].id, "%s", id);
    return &arr[(*n)++];
}

/* Returns false when the client was ended. */
static bool poll_fight_client(client *c)
{
    const char *params[1] = {c->fight_id};
    PGresult *res =
        cf_pg_exec(c->t->pg, "SELECT status FROM fights WHERE id = $1::uuid", 1, params);
    if (res == NULL)
        return true;
    /* A fight that is gone ends its stream too. */
    bool done = PQntuples(res) != 1 || update_fight(c, &c->fights[0], PQgetvalue(res, 0, 0));
    PQclear(res);
    if (done) {
        client_end(c);
        return false;
    }
    return true;
}

/* A status event for each of the user's fights whose state changed. */
static void poll_user_fights(client *c)
{
    const char *params[1] = {c->user_id};
    PGresult *res = cf_pg_exec(
        c->t->pg,
        /* Twice a second per connected user, so driven by what is few: the
         * fights not finished or finished in the last minutes (both arms
         * of fights_finished_at_idx), each checked against the user by key
         * (fight_players' and invitations' (fight_id, ...) keys; a host is
         * player slot 0). Starting from the user's fights instead read all
         * of them: 15 ms a poll for a user with 50,000; this, 1 ms. */
        "SELECT f.id, f.status FROM fights f WHERE (f.finished_at IS NULL "
        "OR f.finished_at > now() - interval '10 minutes') AND (EXISTS (SELECT 1 FROM "
        "fight_players p WHERE p.fight_id = f.id AND p.user_id = $1::bigint) OR EXISTS "
        "(SELECT 1 FROM invitations i WHERE i.fight_id = f.id AND i.invitee_id = $1::bigint)) "
        "ORDER BY f.created_at DESC LIMIT 64",
        1, params);
    if (res == NULL)
        return;
    for (int i = 0; i < PQntuples(res); i++) {
        tracked *tr = find_tracked(c->fights, &c->nfights, PQgetvalue(res, i, 0));
        if (tr != NULL)
            update_fight(c, tr, PQgetvalue(res, i, 1));
    }
    PQclear(res);
}

/* An invitation event for each of the user's invitations whose state
 * changed; on connect, only pending invitations are news. */
static void poll_user_invitations(client *c)
{
    const char *params[1] = {c->user_id};
    PGresult *res = cf_pg_exec(c->t->pg,
                               "SELECT id, fight_id, status FROM invitations "
                               "WHERE invitee_id = $1::bigint "
                               "ORDER BY created_at DESC LIMIT 64",
                               1, params);
    if (res == NULL)
        return;
    for (int i = 0; i < PQntuples(res); i++) {
        tracked *tr = find_tracked(c->invs, &c->ninvs, PQgetvalue(res, i, 0));
        if (tr == NULL || strcmp(tr->last, PQgetvalue(res, i, 2)) == 0)
            continue;
        bool first = tr->last[0] == '\0';
        snprintf(tr->last, sizeof tr->last, "%s", PQgetvalue(res, i, 2));
        if (first && strcmp(tr->last, "pending") != 0)
            continue;
        cJSON *d = cJSON_CreateObject();
        cJSON_AddNumberToObject(d, "id", strtod(PQgetvalue(res, i, 0), NULL));
        cJSON_AddStringToObject(d, "fight_id", PQgetvalue(res, i, 1));
        cJSON_AddStringToObject(d, "state", tr->last);
        send_event(c, "invitation", d);
    }
    PQclear(res);
}

static void poll_user_client(client *c)
{
    poll_user_fights(c);
    poll_user_invitations(c);
}

static void poll_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    live_thread *lt = arg;
    int64_t now_ms = cf_now_ms();
    client *next;
    for (client *c = lt->head; c != NULL; c = next) {
        next = c->next;
        if (c->fight_id[0] != '\0') {
            if (!poll_fight_client(c))
                continue;
        } else {
            poll_user_client(c);
        }
        if (now_ms - c->last_write_ms >= PING_MS)
            send_text(c, ": ping\n\n");
    }
}

void live_init_thread(web_thread *t)
{
    live_thread *lt = calloc(1, sizeof *lt);
    if (lt == NULL)
        abort();
    struct timeval tv = {.tv_sec = 0, .tv_usec = POLL_MS * 1000};
    lt->timer = event_new(t->base, -1, EV_PERSIST, poll_tick, lt);
    if (lt->timer == NULL || event_add(lt->timer, &tv) != 0)
        abort();
    t->live = lt;
}

void live_free_thread(web_thread *t)
{
    live_thread *lt = t->live;

    if (lt == NULL)
        return;
    event_free(lt->timer);
    free(lt);
    t->live = NULL;
}

/* Answers the stream's headers and links c into its thread's clients. */
static void client_start(web_req *r, client *c)
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
    evhttp_connection_set_closecb(evhttp_request_get_connection(r->req), on_close, c);
    send_text(c, "retry: 2000\n\n");
}

static client *client_open(web_req *r)
{
    client *c = calloc(1, sizeof *c);
    if (c == NULL) {
        http_error(r, 500, "out of memory");
        return NULL;
    }
    /* Each stream costs a query twice a second: bound them. */
    if (live_client_count() >= MAX_CLIENTS) {
        free(c);
        evhttp_add_header(evhttp_request_get_output_headers(r->req), "Retry-After", "10");
        http_error(r, 503, "too many live streams, try again later");
        return NULL;
    }
    c->req = r->req;
    c->t = r->t;
    client_start(r, c);
    return c;
}

void live_fight_events(web_req *r)
{
    if (!fight_check_visible(r, r->params[0]))
        return;
    client *c = client_open(r);
    if (c == NULL)
        return;
    snprintf(c->fight_id, sizeof c->fight_id, "%s", r->params[0]);
    snprintf(c->fights[0].id, sizeof c->fights[0].id, "%s", r->params[0]);
    c->nfights = 1;
    poll_fight_client(c);
}

void live_user_events(web_req *r)
{
    client *c = client_open(r);

    if (c == NULL)
        return;
    snprintf(c->user_id, sizeof c->user_id, "%s", r->user_id);
    poll_user_client(c);
}
