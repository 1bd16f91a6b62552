/*
 * live.c — Server-Sent Events: a fight's state and progress without reload.
 *
 * Two sources: PostgreSQL holds a fight's state (hosting, queued, ... as
 * written by cf-web and the result processor), and cf:progress carries the
 * simulator's ticks (docs/streams.md). One reader thread follows cf:progress
 * with a blocking XREAD into a bounded table (fight id -> last tick), and
 * marks a fight running in PostgreSQL at its first sign of life. Each
 * worker thread keeps its own SSE clients and, twice a second while it has
 * any, reads the states of their fights in one query and sends what
 * changed. A stream of one fight closes after a final state.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "log.h"
#include "stream_msg.h"
#include "web.h"

#define PROGRESS_SLOTS 4096
#define POLL_MS 500
#define PING_S 15
#define MAX_TRACKED 64
#define MAX_CLIENTS 2000

/* ---- progress table, fed by the reader thread ---- */

typedef struct progress {
    char id[CF_UUID_LEN + 1];
    int tick;
    bool started;
    time_t at;
} progress;

static progress table[PROGRESS_SLOTS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static int clients_total;

static uint32_t hash_id(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void progress_set(const char *id, int tick, bool started)
{
    uint32_t h = hash_id(id);
    progress *victim = NULL;

    pthread_mutex_lock(&table_lock);
    for (int i = 0; i < 8; i++) {
        progress *p = &table[(h + (uint32_t)i) % PROGRESS_SLOTS];

        if (strcmp(p->id, id) == 0) {
            victim = p;
            break;
        }
        if (victim == NULL || p->at < victim->at)
            victim = p;
    }
    snprintf(victim->id, sizeof victim->id, "%s", id);
    if (tick > victim->tick || !victim->started)
        victim->tick = tick;
    victim->started = started;
    victim->at = time(NULL);
    pthread_mutex_unlock(&table_lock);
}

int live_progress(const char *fight_id, bool *simulating)
{
    uint32_t h = hash_id(fight_id);
    int tick = -1;

    *simulating = false;
    pthread_mutex_lock(&table_lock);
    for (int i = 0; i < 8; i++) {
        progress *p = &table[(h + (uint32_t)i) % PROGRESS_SLOTS];

        if (strcmp(p->id, fight_id) == 0) {
            tick = p->tick;
            *simulating = p->started;
            break;
        }
    }
    pthread_mutex_unlock(&table_lock);
    return tick;
}

static const redisReply *field(const redisReply *fields, const char *name)
{
    for (size_t i = 0; i + 1 < fields->elements; i += 2)
        if (fields->element[i]->type == REDIS_REPLY_STRING &&
            strcmp(fields->element[i]->str, name) == 0 &&
            fields->element[i + 1]->type == REDIS_REPLY_STRING)
            return fields->element[i + 1];
    return NULL;
}

static bool progress_known(const char *fight_id)
{
    bool started = false;

    return live_progress(fight_id, &started) >= 0 && started;
}

static pthread_t reader_tid;
static bool reader_started, reader_stopping;

/* queued -> running, once; several cf-web processes may all try. */
static void mark_running(cf_pg **pg, const char *fight_id)
{
    char err[256];
    const char *params[1] = {fight_id};

    if (*pg == NULL && (*pg = cf_pg_connect(web_cfg.database_url, err, sizeof err)) == NULL) {
        log_warn("progress reader: database: %s", err);
        return;
    }
    if (cf_pg_run(*pg,
                  "UPDATE fights SET status = 'running', started_at = COALESCE(started_at, now()) "
                  "WHERE id = $1::uuid AND status = 'queued'",
                  1, params) != 0)
        log_warn("progress reader: %s", cf_pg_error(*pg));
}

static void *reader_main(void *arg)
{
    char err[256], last[64] = "$";
    cf_redis *redis;
    cf_pg *pg = NULL;
    bool running;

    (void)arg;
    while ((redis = cf_redis_connect(web_cfg.redis_url, 0, err, sizeof err)) == NULL) {
        log_warn("progress reader: %s", err);
        if (__atomic_load_n(&reader_stopping, __ATOMIC_ACQUIRE))
            return NULL;
        sleep(1);
    }
    while (!__atomic_load_n(&reader_stopping, __ATOMIC_ACQUIRE)) {
        redisReply *rep = cf_redis_command(redis, "XREAD COUNT 100 BLOCK 1000 STREAMS %s %s",
                                           CF_STREAM_PROGRESS, last);

        if (rep == NULL) {
            sleep(1);
            continue;
        }
        if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 &&
            rep->element[0]->type == REDIS_REPLY_ARRAY && rep->element[0]->elements == 2) {
            const redisReply *entries = rep->element[0]->element[1];

            for (size_t i = 0; i < entries->elements; i++) {
                const redisReply *e = entries->element[i];
                const redisReply *id, *state, *tick;

                if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
                    continue;
                snprintf(last, sizeof last, "%s", e->element[0]->str);
                id = field(e->element[1], "id");
                state = field(e->element[1], "state");
                tick = field(e->element[1], "tick");
                if (id == NULL || state == NULL || !cf_uuid_valid(id->str, id->len))
                    continue;
                running = strcmp(state->str, "finished") != 0;
                /* First sign of life since we started: the database learns
                 * that the fight runs (metrics, filters, the reconciler). */
                if (running && !progress_known(id->str))
                    mark_running(&pg, id->str);
                progress_set(id->str, tick != NULL ? atoi(tick->str) : 0, running);
            }
        } else if (rep->type == REDIS_REPLY_ERROR) {
            log_warn("progress reader: %s", rep->str);
            sleep(1);
        }
        freeReplyObject(rep);
    }
    cf_redis_free(redis);
    cf_pg_free(pg);
    return NULL;
}

void live_start_reader(void)
{
    reader_started = pthread_create(&reader_tid, NULL, reader_main, NULL) == 0;
    if (!reader_started)
        log_error("progress reader thread could not start");
}

void live_stop_reader(void)
{
    /* Its XREAD blocks one second at most: it sees the flag by then. */
    __atomic_store_n(&reader_stopping, true, __ATOMIC_RELEASE);
    if (reader_started)
        pthread_join(reader_tid, NULL);
}

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
    time_t last_write;
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
    c->last_write = time(NULL);
}

static void send_event(client *c, const char *event, cJSON *data)
{
    char *json = cJSON_PrintUnformatted(data);
    char *msg;
    size_t n;

    cJSON_Delete(data);
    if (json == NULL)
        return;
    n = strlen(json) + strlen(event) + 32;
    msg = malloc(n);
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

static bool final_state(const char *s)
{
    return strcmp(s, "finished") == 0 || strcmp(s, "failed") == 0 ||
           strcmp(s, "cancelled") == 0;
}

/* Sends a status event when (state, tick) changed; returns true if final. */
static bool update_fight(client *c, tracked *tr, const char *db_status)
{
    const char *state = fight_state_api(db_status);
    bool simulating = false;
    int tick = -1;
    char now[48];
    cJSON *d;

    if (strcmp(state, "queued") == 0 || strcmp(state, "simulating") == 0) {
        tick = live_progress(tr->id, &simulating);
        if (simulating)
            state = "simulating";
    }
    snprintf(now, sizeof now, "%s:%d", state, tick);
    if (strcmp(now, tr->last) != 0) {
        snprintf(tr->last, sizeof tr->last, "%s", now);
        d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "id", tr->id);
        cJSON_AddStringToObject(d, "state", state);
        if (tick >= 0)
            cJSON_AddNumberToObject(d, "tick", tick);
        else
            cJSON_AddNullToObject(d, "tick");
        send_event(c, "status", d);
    }
    return final_state(state);
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
    PGresult *res = cf_pg_exec(c->t->pg, "SELECT status FROM fights WHERE id = $1::uuid", 1,
                               params);
    bool done = false;

    if (res == NULL)
        return true;
    if (PQntuples(res) == 1)
        done = update_fight(c, &c->fights[0], PQgetvalue(res, 0, 0));
    else
        done = true;
    PQclear(res);
    if (done) {
        client_end(c);
        return false;
    }
    return true;
}

static void poll_user_client(client *c)
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

    if (res != NULL) {
        for (int i = 0; i < PQntuples(res); i++) {
            tracked *tr = find_tracked(c->fights, &c->nfights, PQgetvalue(res, i, 0));

            if (tr != NULL)
                update_fight(c, tr, PQgetvalue(res, i, 1));
        }
        PQclear(res);
    }
    res = cf_pg_exec(c->t->pg,
                     "SELECT id, fight_id, status FROM invitations WHERE invitee_id = $1::bigint "
                     "ORDER BY created_at DESC LIMIT 64",
                     1, params);
    if (res == NULL)
        return;
    for (int i = 0; i < PQntuples(res); i++) {
        tracked *tr = find_tracked(c->invs, &c->ninvs, PQgetvalue(res, i, 0));

        if (tr != NULL && strcmp(tr->last, PQgetvalue(res, i, 2)) != 0) {
            cJSON *d = cJSON_CreateObject();
            bool first = tr->last[0] == '\0';

            snprintf(tr->last, sizeof tr->last, "%s", PQgetvalue(res, i, 2));
            /* On connect only pending invitations are news. */
            if (first && strcmp(tr->last, "pending") != 0) {
                cJSON_Delete(d);
                continue;
            }
            cJSON_AddNumberToObject(d, "id", strtod(PQgetvalue(res, i, 0), NULL));
            cJSON_AddStringToObject(d, "fight_id", PQgetvalue(res, i, 1));
            cJSON_AddStringToObject(d, "state", tr->last);
            send_event(c, "invitation", d);
        }
    }
    PQclear(res);
}

static void poll_tick(evutil_socket_t fd, short what, void *arg)
{
    live_thread *lt = arg;
    time_t now = time(NULL);
    client *c, *next;

    (void)fd;
    (void)what;
    for (c = lt->head; c != NULL; c = next) {
        next = c->next;
        if (c->fight_id[0] != '\0') {
            if (!poll_fight_client(c))
                continue;
        } else {
            poll_user_client(c);
        }
        if (now - c->last_write >= PING_S)
            send_text(c, ": ping\n\n");
    }
}

void live_init_thread(web_thread *t)
{
    live_thread *lt = calloc(1, sizeof *lt);
    struct timeval tv = {.tv_sec = 0, .tv_usec = POLL_MS * 1000};

    if (lt == NULL)
        abort();
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

static client *client_open(web_req *r)
{
    live_thread *lt = r->t->live;
    client *c = calloc(1, sizeof *c);
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);

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
    evhttp_add_header(h, "Content-Type", "text/event-stream");
    evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_add_header(h, "X-Accel-Buffering", "no");
    r->status = 200;
    evhttp_send_reply_start(r->req, 200, "OK");
    c->next = lt->head;
    if (lt->head != NULL)
        lt->head->pprev = &c->next;
    lt->head = c;
    c->pprev = &lt->head;
    __atomic_add_fetch(&clients_total, 1, __ATOMIC_RELAXED);
    evhttp_connection_set_closecb(evhttp_request_get_connection(r->req), on_close, c);
    send_text(c, "retry: 2000\n\n");
    return c;
}

void live_fight_events(web_req *r)
{
    client *c;

    if (!fight_check_visible(r, r->params[0]))
        return;
    c = client_open(r);
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
