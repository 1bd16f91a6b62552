/*
 * live.h — the inside of cf-web's Server-Sent Events, shared by its files
 * (web.h has the handlers the router calls):
 *
 *   live.c         the streams of a worker thread: opening one (bounded in
 *                  number), sending events, ending, the pings, the timers
 *   live_fights.c  a fight's state and progress, a user's fights and
 *                  invitations: read from PostgreSQL twice a second
 *   live_plays.c   an arcade play: its state, its screen and every display
 *                  message as it comes, read from Redis every few
 *                  milliseconds while the thread has play streams
 *
 * A stream belongs to the worker thread that accepted it, and only that
 * thread's event loop touches it: no locks.
 */
#ifndef CF_WEB_LIVE_H
#define CF_WEB_LIVE_H

#include "web.h"

#define LIVE_MAX_TRACKED 64

enum live_kind { LIVE_FIGHT, LIVE_USER, LIVE_PLAY };

typedef struct live_tracked {
    char id[40];
    char last[48]; /* what was sent last, e.g. "state:tick" */
} live_tracked;

/* A play stream's own state (live_plays.c). */
typedef struct live_play {
    char id[CF_UUID_LEN + 1];
    char out_key[CF_PLAY_KEY_MAX + 1];
    char last_id[64];    /* the out stream's entry last sent */
    char status[16];     /* the state last sent */
    long long position;  /* the queue position last sent (0: none) */
    bool screen_sent;    /* the screen goes before the first message */
    bool started;        /* it has shown something: running, whatever the database says yet */
    bool mine;           /* the viewer is its player (the log is theirs) */
    int64_t state_at_ms; /* the state last read from the database */
    int64_t seen_at_ms;  /* cf:play:<id>:seen last set */
} live_play;

typedef struct live_client {
    struct live_client *next, **pprev;
    struct evhttp_request *req;
    web_thread *t;
    enum live_kind kind;
    int64_t last_write_ms; /* cf_now_ms() of the last bytes sent */
    /* Who opened it, when signed in ("" otherwise): revocation.c's entries
     * end a user's or a session's streams, whatever their kind. */
    char viewer[WEB_ID_LEN + 1];
    char session[65];
    /* What its cap counts: "u:<viewer>", or "a:<address>" without a session. */
    char owner[48];
    int64_t opened_ms; /* it ends web.live_max_seconds after */
    union {
        struct {                            /* LIVE_FIGHT, LIVE_USER */
            char fight_id[CF_UUID_LEN + 1]; /* one-fight stream */
            char user_id[WEB_ID_LEN + 1];   /* user stream */
            live_tracked fights[LIVE_MAX_TRACKED];
            int nfights;
            live_tracked invs[LIVE_MAX_TRACKED];
            int ninvs;
        } f;
        live_play play;
    } u;
} live_client;

typedef struct live_thread {
    live_client *head;
    struct event *timer;      /* fights and users, twice a second */
    struct event *play_timer; /* plays, while there are any */
    int nplays;
    int64_t plays_resume_ms; /* Redis failed: play streams wait until then */
    uint64_t revoked_seen;   /* revocation.c's entries before this are done */
} live_thread;

/* ---- live.c ---- */
/* A new stream of kind for r (its headers sent); NULL after answering 503
 * when there are too many, 429 when its user or address has
 * web.live_max_per_user or web.live_max_per_ip open. */
live_client *live_open(web_req *r, enum live_kind kind);
/* "event: <event>\ndata: <json>\n\n"; json must be one line. */
void live_send(live_client *c, const char *event, const char *json, size_t len);
/* The same, data an object taken and printed. */
void live_send_json(live_client *c, const char *event, cJSON *data);
/* Ends the stream from our side and frees c. */
void live_end(live_client *c);
/* Bytes waiting to go out to c's peer (a slow reader's backlog). */
size_t live_backlog(const live_client *c);

/* ---- live_fights.c ---- */
/* false when the stream was ended (the fight is over or gone). */
bool live_fights_poll_fight(live_client *c);
void live_fights_poll_user(live_client *c);

/* ---- live_plays.c ---- */
/* Every play stream of the thread: new messages, state, the seen key. */
void live_plays_poll(live_thread *lt);

#endif
