/*
 * live_plays.c — a play's live stream (live.h): GET /api/plays/{id}/events.
 *
 * Events (docs/openapi.yaml):
 *   state   {"status", "position"}, at the start and whenever either changes
 *   screen  {"messages": [...]}, once, before the first message: what a
 *           viewer who comes late applies first (the simulator keeps it in
 *           cf:play:<id>:screen, with the id of the last message it covers)
 *   msg     one display message, as the game sent it
 *   end     the end object, then the stream closes
 *
 * Every PLAY_POLL_MS (live.c) the thread reads the out streams of all its
 * plays in one XREAD without BLOCK (its event loop must not wait); twice a
 * second it reads the state of those still queued, every few seconds of the
 * others, from PostgreSQL (a play may end where no message says so: the
 * web stopped it in the queue); every SEEN_EVERY_MS it sets the seen key
 * of each play whose own player's stream this is, which keeps the play
 * alive while its player shows it (watchers never do). A reader
 * slower than its play (a backlog over BACKLOG_MAX) is closed: its browser
 * reconnects and starts again from the screen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "live.h"
#include "play_entry.h"
#include "text.h"

#define QUEUED_EVERY_MS 500
#define RUNNING_EVERY_MS 5000
#define SEEN_EVERY_MS 10000
#define READ_COUNT "200" /* messages per stream and tick */
#define STREAMS_MAX 256  /* play streams in one XREAD */
#define BACKLOG_MAX (8 << 20)
#define REDIS_PAUSE_MS 1000
#define END_PREFIX "{\"type\":\"end\"" /* how the simulator prints an end */

/* ------------------------------------------------------------- sending */

static void send_state(live_client *c, const char *status, long long position)
{
    live_play *p = &c->u.play;
    if (strcmp(p->status, status) == 0 && p->position == position)
        return;
    snprintf(p->status, sizeof p->status, "%s", status);
    p->position = position;
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "status", status);
    if (position > 0)
        cJSON_AddNumberToObject(d, "position", (double)position);
    else
        cJSON_AddNullToObject(d, "position");
    live_send_json(c, "state", d);
}

/* The screen so far, or an empty one; from then on the out stream. */
static void send_screen(live_client *c, cJSON *screen)
{
    live_play *p = &c->u.play;
    cJSON *d = cJSON_CreateObject();
    cJSON *msgs = screen != NULL ? cJSON_DetachItemFromObjectCaseSensitive(screen, "messages")
                                 : cJSON_CreateArray();
    cJSON_AddItemToObject(d, "messages", msgs);
    live_send_json(c, "screen", d);
    p->screen_sent = true;
}

/* The end, its log blanked for whoever is not its player; the stream
 * closes. */
static void send_end(live_client *c, cJSON *end)
{
    if (!c->u.play.mine && cJSON_GetObjectItemCaseSensitive(end, "log") != NULL)
        cJSON_ReplaceItemInObjectCaseSensitive(end, "log", cJSON_CreateString(""));
    live_send_json(c, "end", end);
    live_end(c);
}

/* ------------------------------------------------------- the database */

/* The play's state from PostgreSQL; false when the stream was ended (the
 * play is over: its end sent from the row). */
static bool poll_state(live_client *c)
{
    live_play *p = &c->u.play;
    p->state_at_ms = cf_now_ms();
    PGresult *res = play_state(c->t->pg, p->id);
    if (res == NULL)
        return true; /* the database is away: the stream goes on */
    if (PQntuples(res) != 1) {
        PQclear(res);
        live_end(c); /* the play is gone (its game was deleted) */
        return false;
    }
    const char *status = PQgetvalue(res, 0, 0);
    long long position = PQgetisnull(res, 0, 1) ? 0 : atoll(PQgetvalue(res, 0, 1));
    if (p->started && strcmp(status, "queued") == 0)
        send_state(c, "running", 0);
    else
        send_state(c, status, position);
    if (!play_status_final(status)) {
        PQclear(res);
        return true;
    }
    /* Over without its end on the out stream read so far: from the row. */
    cJSON *end = play_end_from_state(res);
    PQclear(res);
    if (!p->screen_sent) {
        cJSON *screen = arcade_screen(c->t->redis, p->id);
        send_screen(c, screen);
        cJSON_Delete(screen);
    }
    send_end(c, end);
    return false;
}

/* ------------------------------------------------------- the out streams */

/* One message of c's out stream; false when it was the end (c is gone). */
static bool relay(live_client *c, const redisReply *entry)
{
    live_play *p = &c->u.play;
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[0]->type != REDIS_REPLY_STRING)
        return true;
    snprintf(p->last_id, sizeof p->last_id, "%s", entry->element[0]->str);
    const redisReply *kv = entry->element[1];
    if (kv->type != REDIS_REPLY_ARRAY || kv->elements != 2 ||
        kv->element[1]->type != REDIS_REPLY_STRING)
        return true;
    const char *msg = kv->element[1]->str;
    size_t len = kv->element[1]->len;
    if (!p->screen_sent)
        send_screen(c, NULL);
    if (!p->started && strncmp(msg, END_PREFIX, strlen(END_PREFIX)) != 0) {
        p->started = true;
        send_state(c, "running", 0);
    }
    if (strncmp(msg, END_PREFIX, strlen(END_PREFIX)) == 0) {
        cJSON *end = cJSON_ParseWithLength(msg, len);
        if (end != NULL) {
            send_end(c, end);
            return false;
        }
    }
    /* Written by the simulator, checked by it; one line of JSON. */
    if (memchr(msg, '\n', len) == NULL)
        live_send(c, "msg", msg, len);
    return true;
}

/* The entries of one stream of an XREAD reply, for its stream's client. */
static void relay_stream(live_client **clients, int n, const redisReply *stream)
{
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2 ||
        stream->element[0]->type != REDIS_REPLY_STRING)
        return;
    for (int i = 0; i < n; i++) {
        live_client *c = clients[i];
        if (c == NULL || strcmp(c->u.play.out_key, stream->element[0]->str) != 0)
            continue;
        clients[i] = NULL; /* relayed; the end may free it */
        const redisReply *entries = stream->element[1];
        for (size_t k = 0; entries->type == REDIS_REPLY_ARRAY && k < entries->elements; k++)
            if (!relay(c, entries->element[k]))
                return;
        if (live_backlog(c) > BACKLOG_MAX)
            live_end(c);
        return;
    }
}

/* One XREAD for up to STREAMS_MAX play streams. When Redis fails, the
 * play streams pause a second: each failing command costs the event loop
 * the connection's deadline, which every 20 ms would freeze the thread. */
static void read_streams(live_thread *lt, web_thread *t, live_client **clients, int n)
{
    const char *argv[4 + 2 * STREAMS_MAX];
    int argc = 0;
    argv[argc++] = "XREAD";
    argv[argc++] = "COUNT";
    argv[argc++] = READ_COUNT;
    argv[argc++] = "STREAMS";
    for (int i = 0; i < n; i++)
        argv[argc++] = clients[i]->u.play.out_key;
    for (int i = 0; i < n; i++)
        argv[argc++] = clients[i]->u.play.last_id;
    redisReply *rep = cf_redis_argv(t->redis, argc, argv, NULL);
    if (rep == NULL)
        lt->plays_resume_ms = cf_now_ms() + REDIS_PAUSE_MS;
    if (rep != NULL && rep->type == REDIS_REPLY_ARRAY)
        for (size_t s = 0; s < rep->elements; s++)
            relay_stream(clients, n, rep->element[s]);
    if (rep != NULL)
        freeReplyObject(rep);
}

/* ------------------------------------------------------------ the tick */

/* Sets the play's seen key now and then: its player's stream only. A
 * watcher (another visitor, a kiosk) never keeps a play alive, so a play
 * its player left stops after arcade.idle_s however many watch it. */
static void keep_seen(live_client *c, int64_t now_ms)
{
    if (!c->u.play.mine || now_ms - c->u.play.seen_at_ms < SEEN_EVERY_MS)
        return;
    c->u.play.seen_at_ms = now_ms;
    (void)arcade_seen(c->t->redis, c->u.play.id);
}

/* The thread's play streams still open after their state and seen keys. */
static int gather(live_thread *lt, live_client **out, int max)
{
    int64_t now_ms = cf_now_ms();
    int n = 0;
    live_client *next;
    for (live_client *c = lt->head; c != NULL && n < max; c = next) {
        next = c->next;
        if (c->kind != LIVE_PLAY)
            continue;
        int64_t every =
            strcmp(c->u.play.status, "queued") == 0 ? QUEUED_EVERY_MS : RUNNING_EVERY_MS;
        if (now_ms - c->u.play.state_at_ms >= every && !poll_state(c))
            continue;
        keep_seen(c, now_ms);
        out[n++] = c;
    }
    return n;
}

void live_plays_poll(live_thread *lt)
{
    if (cf_now_ms() < lt->plays_resume_ms)
        return;
    live_client *clients[STREAMS_MAX];
    int n = gather(lt, clients, STREAMS_MAX);
    if (n > 0)
        read_streams(lt, clients[0]->t, clients, n);
}

/* ------------------------------------------------------------ the route */

void live_play_events(web_req *r)
{
    const char *id = r->params[0];
    if (!cf_uuid_valid(id, strlen(id))) {
        http_error(r, 404, "no such play");
        return;
    }
    web_player me;
    player_of(r, &me);
    char status[16];
    int owned = play_owned(r, id, &me, status);
    if (owned < 0) {
        http_db_error(r);
        return;
    }
    if (owned == 0 && !play_exists(r, id))
        return; /* answered 404 (or the db error) */
    live_client *c = live_open(r, LIVE_PLAY);
    if (c == NULL)
        return;
    live_play *p = &c->u.play;
    snprintf(p->id, sizeof p->id, "%s", id);
    cf_play_key(p->out_key, id, "out");
    snprintf(p->last_id, sizeof p->last_id, "0");
    p->mine = owned == 1;
    /* A screen means it runs: the state says so even before the database
     * learns it. */
    cJSON *screen = arcade_screen(c->t->redis, id);
    p->started = screen != NULL;
    if (!poll_state(c)) {
        cJSON_Delete(screen);
        return;
    }
    keep_seen(c, cf_now_ms());
    if (screen != NULL) {
        const char *last = cJSON_GetObjectItemCaseSensitive(screen, "last_id")->valuestring;
        snprintf(p->last_id, sizeof p->last_id, "%s", last[0] != '\0' ? last : "0");
        send_screen(c, screen);
        cJSON_Delete(screen);
    }
}
