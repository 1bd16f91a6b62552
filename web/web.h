/*
 * web.h — the one header between the files of cf-web, in sections from the
 * top layer down, each named after the file that defines it.
 *
 * cf-web runs N worker threads, each with its own event base, evhttp
 * server (on its own SO_REUSEPORT socket), PostgreSQL and Redis connection:
 * a handler runs start to finish on one thread and talks to the database
 * synchronously, which keeps every handler a straight line of code. What the
 * threads share (configuration, rate limits, metrics, live progress) is
 * behind a mutex or atomics in the file that owns it.
 *
 * Calls go one way, down: server (http.c) -> router (router.c) -> handlers
 * (api_*.c, live.c, metrics.c, static.c) -> domain (session, account, bot,
 * arcade_game, bundle_check, image_sniff, catalog, fight_*,
 * invitation_view) -> storage and shared state (outbox, live_progress,
 * prepared, cache, ratelimit; PostgreSQL and Redis through common/).
 * Nothing calls back up, and no file reaches into another's statics;
 * within a layer, files use each other's functions without a circle
 * (fight_list -> fight_view -> fight_state -> fight_access; bundle_check
 * -> image_sniff).
 * request.c and respond.c stand beside every layer: whoever holds a
 * request may read it or answer it. The background threads
 * (outbox_relay.c, ladder_scheduler.c, progress_reader.c, revocation.c's
 * reader) are entry points like the server: they start at the top and
 * call down.
 *
 * The convention that keeps handlers short: a function that takes a
 * web_req and can refuse answers the request itself (an error as JSON, or
 * the database error) and returns false, NULL or a negative number; its
 * caller just returns. A function whose failure is left to its caller says
 * "not answered" in its comment.
 */
#ifndef CF_WEB_H
#define CF_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <event2/http.h>

#include "bounds.h"
#include "game.h"
#include "json_buf.h"
#include "pg_conn.h"
#include "pg_prepared.h"
#include "play_entry.h"
#include "redis_conn.h"
#include "streams.h"
#include "text.h"

#define WEB_ID_LEN 36
#define WEB_USERNAME_MAX 32
#define WEB_CSRF_LEN 64
#define WEB_MAX_PARAMS 4
#define WEB_JSON_BODY_MAX (64 * 1024)
/* A bigint id as decimal text, with its NUL. */
#define WEB_INT_ID_SIZE 24
#define WEB_VISITOR_LEN 32         /* an anonymous player's id: 16 bytes, hex */
#define ARCADE_INPUT_MAX_EVENTS 64 /* input events in one request */

/* ==== core: settings, threads, requests ==== */

/* Settings read once at start, shared read-only by every thread. */
typedef struct web_settings {
    char host[256];
    int port;
    char static_dir[4096];
    char games_dir[4096];
    char public_url[512];
    size_t max_upload;
    size_t arcade_max_code;   /* arcade.max_code_bytes: a one-file game */
    size_t arcade_max_bundle; /* arcade.max_bundle_bytes, within ARCADE_SIZE_MAX */
    bool secure_cookies;
    int threads;
    int session_days;
    int hash_threads; /* pwhash.c's pool */
    int hash_queue;
    int live_max_per_ip;         /* web.live_max_per_ip: anonymous streams of one address */
    int live_max_per_user;       /* web.live_max_per_user: streams of one account */
    int live_max_seconds;        /* web.live_max_seconds: a stream's lifetime */
    long max_open_fights;        /* web.max_open_fights: hosting, per host */
    long max_queued_fights;      /* web.max_queued_fights: queued + running, per host */
    long max_bots;               /* web.max_bots: per user */
    long max_bot_versions;       /* web.max_bot_versions: per bot */
    long max_invitations;        /* web.max_invitations: pending, sent by one host */
    long max_fights_in_stream;   /* web.max_fights_in_stream: the fair queue (outbox.c) */
    long max_connections;        /* web.max_connections: open at once, in all (conn.c) */
    long max_connections_per_ip; /* web.max_connections_per_ip: from one address */
    int request_timeout_s;       /* web.request_timeout_s: a request's head and body */
    long request_min_rate;       /* web.request_min_rate: bytes/s that extend it */
    int request_max_s;           /* web.request_max_s: the most it is extended to */
    int session_cache_ms;        /* web.session_cache_ms: a cached session's life; 0 none */
    long ladder_interval_ms;     /* ladder.interval_ms: a game's ladder fights' spacing; 0 off */
    long ladder_max_in_flight;   /* ladder.max_in_flight: ladder fights queued or running */
    const char *database_url;
    const char *redis_url;
} web_settings;

extern web_settings web_cfg;

/* One worker thread. */
typedef struct web_thread {
    int index;
    struct event_base *base;
    struct evhttp *http;
    cf_pg *pg;
    cf_redis *redis;
    void *live;         /* live.c's per-thread state (live.h) */
    void *conn;         /* conn.c's per-thread state */
    pg_stmts *prepared; /* prepared.c: the statements prepared on pg */
} web_thread;

/* One request being handled. */
typedef struct web_req {
    struct evhttp_request *req;
    web_thread *t;
    enum evhttp_cmd_type method;
    const char *method_name; /* "GET", ... for logs and metrics */
    const char *route;       /* route pattern, for metrics */
    char *path;              /* decoded path */
    struct evkeyvalq *query; /* parsed query string (may be empty) */
    char *params[WEB_MAX_PARAMS];
    int nparams;
    char *body; /* NUL-terminated copy of the body */
    size_t body_len;
    cJSON *json; /* parsed JSON body, when asked for */
    /* session */
    bool authed;
    bool operator; /* authed with the operator role (docs/operations.md) */
    char user_id[WEB_ID_LEN + 1];
    char username[WEB_USERNAME_MAX + 1];
    char session_hash[65];
    char csrf[WEB_CSRF_LEN + 1];
    char client_ip[48];   /* client_ip.c: filled on first use */
    bool suspended;       /* http.c: answered later, from a completion */
    uint64_t cache_epoch; /* cache.c's epoch when the request began (router.c) */
    int status;           /* status sent, for metrics */
} web_req;

/* ---- caps.c: what one user may hold at a time ---- */
enum cap_kind { CAP_OPEN_FIGHTS, CAP_QUEUED_FIGHTS, CAP_BOTS, CAP_BOT_VERSIONS, CAP_INVITATIONS };
/* Inside an open transaction: locks the user's row and counts. true when
 * `adding` more stay within the cap; otherwise rolls back and answers (429
 * for CAP_QUEUED_FIGHTS, 409 for the others, or the db error). subject: the
 * bot id for CAP_BOT_VERSIONS, else NULL. */
bool caps_allow(web_req *r, enum cap_kind kind, const char *subject, long adding);
/* CAP_QUEUED_FIGHTS of host_id, the host of the fight that the caller's
 * answer to an invitation would start: as caps_allow, 429 "the fight's
 * host has too many fights waiting or running" when it is not the
 * caller. */
bool caps_allow_host(web_req *r, const char *host_id);

/* A read for prepared_exec_all (prepared.c): its SQL and values, then its
 * result. */
#define WEB_READS_MAX 8
typedef struct web_read {
    const char *sql;
    int nparams;
    const char *params[8];
    PGresult *res; /* set by prepared_exec_all; the caller clears it */
} web_read;

typedef void (*web_handler)(web_req *r);

/* ------------------------------------------------------ operator_log.c */

/* Records that the caller (an operator) did action (e.g. "user.deactivate")
 * on target, with detail (may be NULL), in the caller's transaction when
 * one is open. 0, or -1 (logged; not answered). */
int operator_log(web_req *r, const char *action, const char *target, const cJSON *detail);

/* How many rows a list has, counted only so far (list_page.c). */
typedef struct web_list_count {
    long long total; /* matching rows, up to a bound past the page */
    bool exact;      /* false: there are more than total */
    bool has_more;   /* a next page has rows */
} web_list_count;

/* The record's lines, newest first: a page of them; NULL on a db error
 * (not answered). */
cJSON *operator_log_list(web_req *r, int page, int per_page, web_list_count *count);

/* A string's slot hash (FNV-1a), for the fixed tables of cache.c,
 * ratelimit.c and live_progress.c. */
static inline uint32_t web_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* ==== entry points: the server and the background threads ==== */

/* ---- http.c: the evhttp server of each worker thread ---- */
void http_start_thread(web_thread *t, int fd);
/* Ends a request a handler left suspended (r->suspended: pwhash.c resumes
 * it on its loop and answers it): the checks and counts every request
 * gets, then r is freed. */
void http_finish(web_req *r);

/* ---- conn.c: a connection's admission, deadline, body limit, close ---- */
typedef struct web_conn web_conn;
/* A request cf-web has in hand, known to its connection until finished
 * (a deadline does not close a connection under it). */
typedef struct conn_ticket {
    web_conn *c; /* NULL once its connection has closed */
    struct conn_ticket *next;
} conn_ticket;
/* At start, after the settings: sizes the table of connections by the
 * descriptor limit (and web.max_connections within it). */
bool conn_init(void);
/* Takes over t->http's new connections (evhttp_set_bevcb). */
void conn_start_thread(web_thread *t);
/* After evhttp_free(t->http), before the loop is freed. */
void conn_stop_thread(web_thread *t);
void conn_free_all(void);
/* The request is in cf-web's hands (request_cb) / answered (http_finish). */
void conn_request_started(struct evhttp_request *req, conn_ticket *tk);
void conn_request_finished(conn_ticket *tk);
/* hook(arg) runs when evcon closes, before it is freed (one hook per
 * connection; NULL removes it). False for a connection conn.c does not
 * know (it was out of memory when it came). */
bool conn_on_close(struct evhttp_connection *evcon, void (*hook)(void *), void *arg);

/* ---- conn_count.c: connections open, in all and per address ---- */
enum conn_count_verdict { CONN_COUNT_OK, CONN_COUNT_ALL, CONN_COUNT_ADDR };
typedef struct conn_count_slot {
    unsigned char key[16]; /* the address (IPv6 /64; IPv4 mapped) */
    bool per_addr;         /* counted under key too (not a trusted proxy) */
    bool held;
} conn_count_slot;
/* Counts a new connection from sa into slot, or says which limit refuses
 * it (nothing counted then). */
enum conn_count_verdict conn_count_take(const struct sockaddr *sa, conn_count_slot *slot);
/* The connection closed: uncounts slot (nothing when not held). */
void conn_count_put(conn_count_slot *slot);
long conn_count_total(void);

/* ---- request_head.c: a request line read before evhttp reads it ---- */
enum { HEAD_NEED_MORE, HEAD_READ, HEAD_UNREADABLE };
typedef struct request_head {
    enum evhttp_cmd_type method;
    bool has_path; /* path decoded (no query) */
    char path[2048];
    bool head_complete;       /* the headers were all there: the two below */
    bool expect_continue;     /* Expect: 100-continue */
    long long content_length; /* -1: none */
} request_head;
/* Reads the request line at the front of buf (and the headers when the
 * whole head is there); scanned: how far buf is known to hold no line end
 * (0 for a new request), moved on. */
int request_head_read(struct evbuffer *buf, size_t *scanned, request_head *h);

/* ---- accept_backoff.c: the accept loop's back-off at the descriptor limit ---- */
/* Pauses bound's listener a moment when accept() fails (base: the
 * thread's). */
void accept_backoff_start(struct evhttp_bound_socket *bound, struct event_base *base);
/* Frees the back-off timers (at exit, after the loops). */
void accept_backoff_free(void);

/* ---- log_gate.c: log lines an attack cannot turn into a flood ---- */
typedef struct log_gate {
    int64_t next_us;
    long since;
} log_gate;
/* Logs "what" at most once a second for g, with how many since. */
void log_gated(log_gate *g, const char *what, const char *from);

/* ---- evhttp_pages.c: libevent's own error pages go out as JSON ---- */
/* Watches bev's output for libevent's pages; too_large: what the
 * connection's 413 says (its route's limit). NULL when out of memory. */
struct evbuffer_cb_entry *http_pages_watch(struct bufferevent *bev, const char *too_large);
/* A whole JSON error answer ("Connection: close") into out; its length. */
int http_raw_error(char *out, size_t outlen, bool http10, int status, const char *status_text,
                   const char *message);

/* ---- ladder_scheduler.c: the thread that makes the ladders' fights ---- */
/* Started unless ladder.interval_ms is 0; one process's acts at a time. */
void ladder_scheduler_start(void);
void ladder_scheduler_stop(void);
/* One round (in its own transaction, under the schedulers' advisory lock):
 * the ladder fights made, 0 also when another process holds the turn, -1
 * db error (nothing made). rng: ladder_pick()'s random state. */
int ladder_schedule_round(cf_pg *pg, uint64_t *rng);

/* ---- outbox_relay.c: the thread that sends the outbox to cf:fights ---- */
/* Starts the relay thread (own connections). */
void outbox_relay_start(void);
/* Stops the relay thread and waits for it (at exit). */
void outbox_relay_stop(void);

/* ---- stream_reader.c: a thread that follows a Redis stream from its end ---- */
/* The loop both readers below share: own connection, XREAD from "$", each
 * entry handed in order to take, on the reader's thread. */
struct cf_entry; /* stream_group.h */
typedef struct stream_reader stream_reader;
typedef void stream_reader_take(const struct cf_entry *entry);
/* Told after each XREAD: true when it answered (its entries taken), false
 * when it failed (the connection lost, an error); the reader then tries
 * again a second later. */
typedef void stream_reader_health(bool reading);
/* name is for log lines ("progress reader"); health may be NULL; NULL if
 * the thread could not start (logged). */
stream_reader *stream_reader_start(const char *name, const char *stream, stream_reader_take *take,
                                   stream_reader_health *health);
/* Stops the thread and waits for it (about 1 s); NULL: nothing. */
void stream_reader_stop(stream_reader *r);

/* ---- progress_reader.c: the thread that follows cf:progress ---- */
/* (revocation.c's reader of cf:web:revocations is declared with its table,
 * under storage and shared state.) */
void progress_reader_start(void);
/* Stops the progress reader and waits for it (at exit, about 1 s). */
void progress_reader_stop(void);

/* ==== router ==== */

/* ---- router.c: which handler answers which request ---- */
/* Answers r: an API route (its body limit, session, CSRF and login checked
 * first), a game's viewer file, or the front end. */
void router_dispatch(web_req *r);
/* The largest request body any route accepts (evhttp's bound too). */
size_t web_max_body(void);
/* The body limit of the route method and path name (the JSON one when
 * none does), and what its 413 says into msg: conn.c's, from the request
 * line. */
#define WEB_TOO_LARGE_MSG 256
size_t router_body_limit(enum evhttp_cmd_type method, const char *path, char *msg, size_t msglen);
/* The largest body of a game upload: its file, its preview, the form. */
size_t web_game_body_max(void);

/* ==== beside every layer: reading and answering a request ==== */

/* ---- request.c: reading a request ---- */
/* Parses the body as a JSON object (answers 400/413/415 itself and returns
 * NULL). */
cJSON *http_json_body(web_req *r);
/* Field getters: answer 400 naming the field and return NULL/false on error. */
const char *http_str_field(web_req *r, const cJSON *obj, const char *name, bool required,
                           size_t maxlen);
/* A required string field of the JSON body (http_json_body, then
 * http_str_field). */
const char *http_body_str(web_req *r, const char *name, size_t maxlen);
bool http_bool_field(web_req *r, const cJSON *obj, const char *name, bool def, bool *out);
/* A required field holding a positive integer id (a bigint column), as
 * decimal text into id. */
bool http_id_field(web_req *r, const cJSON *obj, const char *name, char id[WEB_INT_ID_SIZE]);
const char *http_query(web_req *r, const char *name);
/* An integer query parameter in [min, max], def when absent. */
bool http_int_query(web_req *r, const char *name, int def, int min, int max, int *out);
bool http_valid_id(const char *s);
/* A positive integer id (bigint column) in decimal, no sign or leading 0. */
bool http_int_id(const char *s);
/* ---- client_ip.c: the client's address ---- */
/* The client: the peer, or the address a trusted proxy forwarded
 * (X-Forwarded-For, X-Real-IP); normalised, "?" when unknown. Rate limits
 * key on it. */
const char *http_client_ip(web_req *r);
/* web.trusted_proxies: comma-separated addresses or CIDR networks; false
 * (logged) for a word that is neither. At start, before any thread. */
bool client_ip_configure(const char *list);
/* Is a connection's peer (IPv4-mapped IPv6 counting as IPv4) a trusted
 * proxy? */
bool client_ip_peer_is_proxy(const struct sockaddr *sa);
/* Is the user id in column col of row the caller's? */
bool http_is_caller(const web_req *r, PGresult *res, int row, int col);
/* Cookie name when its value is exactly len hex digits (a token we set),
 * into out (len + 1 bytes); false when absent or anything else. */
bool http_cookie_hex(web_req *r, const char *name, char *out, size_t len);

/* ---- respond.c: answering a request ---- */
void http_security_headers(struct evhttp_request *req);
void http_allow_framing(struct evhttp_request *req);
void http_json(web_req *r, int status, cJSON *body); /* takes body */
/* Answers the JSON text of b (json_buf.h; 500 when it failed) and frees
 * it; with a key, keeps it under key for ttl_ms as http_json_cached. */
void http_json_text(web_req *r, int status, json_buf *b, const char *key, int ttl_ms);
void http_error(web_req *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* res when it holds exactly one row. Otherwise res is cleared, the open
 * transaction rolled back (in_tx) and the request answered: the database
 * error when res is NULL, else status with the message; returns NULL. */
PGresult *http_one_row(web_req *r, PGresult *res, bool in_tx, int status, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void http_no_content(web_req *r);
void http_send(web_req *r, int status, const char *ctype, const char *data, size_t len,
               const char *disposition_name);
/* 200 with data of type ctype that caches may keep as cache_control says,
 * instead of the API's no-store (an image). */
void http_send_cacheable(web_req *r, const char *ctype, const void *data, size_t len,
                         const char *cache_control);
/* Database error: logs and answers 500/503. */
void http_db_error(web_req *r);
/* Answers {key: list}, 200; the database error when list is NULL (a list
 * query's failure). */
void http_json_list(web_req *r, const char *key, cJSON *list);
/* 429 with Retry-After: retry seconds (at least 1). */
void http_too_many(web_req *r, int retry);
/* Sends a JSON answer and keeps it under key for ttl_ms (cache.c). */
void http_json_cached(web_req *r, int status, cJSON *body, const char *key, int ttl_ms);
/* Answers from the cache when key is there; true when answered. */
bool http_from_cache(web_req *r, const char *key);

/* ==== handlers: parse, authorise, call the domain, respond ==== */
/* router.c's table is their only caller. */

/* ---- api_auth.c: sign-up, log-in and out, the account, password resets ---- */
void auth_session_get(web_req *r);
void auth_signup(web_req *r);
void auth_login(web_req *r);
void auth_logout(web_req *r);
void auth_account_get(web_req *r);
void auth_account_patch(web_req *r);
void auth_password_change(web_req *r);
void auth_reset_request(web_req *r);
void auth_reset_confirm(web_req *r);
void auth_users_search(web_req *r);

/* ---- api_games.c: the games catalogue ---- */
void games_list(web_req *r);
void games_detail(web_req *r);
void games_template(web_req *r);

/* ---- api_bots.c: bots and their versions ---- */
void bots_list(web_req *r);
void bots_create(web_req *r);
void bots_get(web_req *r);
void bots_update(web_req *r);
void bots_new_version(web_req *r);
void bots_code(web_req *r);

/* ---- api_arcade_games.c: the arcade's games ---- */
void arcade_games_list(web_req *r);
void arcade_games_create(web_req *r);
void arcade_games_get(web_req *r);
void arcade_games_update(web_req *r);
void arcade_games_delete(web_req *r);
void arcade_games_new_version(web_req *r);
void arcade_games_preview(web_req *r);

/* ---- api_ladder.c: the ladder's leaderboards and bots' ladder pages ---- */
void ladder_board_get(web_req *r);
void ladder_bot_get(web_req *r);

/* ---- api_fights.c: fights ---- */
void fights_list(web_req *r);
void fights_create(web_req *r);
void fights_play_now(web_req *r);
void fights_get(web_req *r);
void fights_replay(web_req *r);
void fights_output(web_req *r); /* GET /api/fights/{id}/output */
void fights_start(web_req *r);
void fights_cancel(web_req *r);

/* ---- api_invitations.c: invitations ---- */
void invitations_list(web_req *r);
void invitations_create(web_req *r); /* POST /api/fights/{id}/invitations */
void invitations_accept(web_req *r);
void invitations_decline(web_req *r);
void invitations_withdraw(web_req *r);

/* ---- api_admin_users.c: the operator console's users, games and actions ---- */
void admin_users_list(web_req *r);
void admin_users_deactivate(web_req *r);
void admin_users_reactivate(web_req *r);
void admin_users_operator(web_req *r);
void admin_games_get(web_req *r);
void admin_games_builtin_hide(web_req *r);
void admin_games_builtin_show(web_req *r);
void admin_games_arcade_hide(web_req *r);
void admin_games_arcade_show(web_req *r);
void admin_actions_list(web_req *r);

/* ---- api_dashboard.c: a user's start page ---- */
void dashboard_get(web_req *r);

/* ---- api_health.c: /healthz ---- */
void health_get(web_req *r);

/* ---- api_plays.c: the arcade's plays ---- */
void plays_start(web_req *r);  /* POST /api/arcade/games/{id}/plays */
void plays_scores(web_req *r); /* GET /api/arcade/games/{id}/plays */
void plays_get(web_req *r);
void plays_input(web_req *r);
void plays_stop(web_req *r);

/* ---- api_arcade_community.c: scoreboards, most played, running plays, ratings ---- */
void arcade_scoreboard_get(web_req *r); /* GET /api/arcade/games/{id}/scoreboard */
void arcade_most_played_get(web_req *r);
void arcade_running_get(web_req *r); /* GET /api/arcade/plays/running */
void arcade_rating_put(web_req *r);  /* PUT /api/arcade/games/{id}/rating */
void arcade_rating_delete(web_req *r);

/* ---- api_admin_work.c: the console's work, dead letters, health ---- */
void admin_work_get(web_req *r);          /* GET /api/admin/work */
void admin_fight_stop(web_req *r);        /* POST /api/admin/fights/{id}/stop */
void admin_play_stop(web_req *r);         /* POST /api/admin/plays/{id}/stop */
void admin_recent_get(web_req *r);        /* GET /api/admin/recent */
void admin_dead_get(web_req *r);          /* GET /api/admin/dead-letters */
void admin_dead_requeue_post(web_req *r); /* POST .../dead-letters/{stream}/{entry}/requeue */
void admin_dead_delete(web_req *r);       /* DELETE .../dead-letters/{stream}/{entry} */
void admin_health_get(web_req *r);        /* GET /api/admin/health */

/* ---- api_qr.c: GET /api/qr, a QR code as SVG ---- */
void qr_get(web_req *r);

/* ---- live.c, live_fights.c, live_plays.c: Server-Sent Events (live.h) ---- */
void live_init_thread(web_thread *t);
void live_free_thread(web_thread *t);
void live_fight_events(web_req *r);
void live_user_events(web_req *r);
void live_play_events(web_req *r);
int live_client_count(void);

/* ---- metrics.c: /metrics, and the request counters behind it ---- */
void metrics_observe(const char *method, const char *route, int status, double seconds);
void metrics_serve(web_req *r);

/* ---- static.c: the front end and the games' viewer files ---- */
void static_serve(web_req *r);
void static_game_file(web_req *r);
const char *static_mime(const char *path);

/* ==== domain: what the handlers call ==== */

/* ---- admin_work.c: queued, running and recent work ---- */
/* {"fights": [...], "plays": [...]} of what is queued or running, with the
 * simulator holding each (XPENDING). 0; -1 db error, -2 Redis (not
 * answered). */
int admin_work(web_req *r, cJSON **out);
/* The last fights and plays (kind all|fight|play, status "" for any or
 * one of the statuses), failed ones first when asked, at most limit
 * (1..ADMIN_RECENT_MAX, the console's); NULL on a db error (not
 * answered). */
#define ADMIN_RECENT_MAX 100
cJSON *admin_recent(web_req *r, const char *kind, const char *status, bool failed_first, int limit);

/* ---- admin_dead.c: the dead-letter streams ---- */
typedef struct admin_dead_kind admin_dead_kind;
/* "fights" or "plays"; NULL for anything else. */
const admin_dead_kind *admin_dead_kind_named(const char *name);
bool admin_dead_entry_id_valid(const char *id);
/* The entries of one dead stream (or both: NULL), newest first; NULL when
 * Redis failed (not answered). */
cJSON *admin_dead_list(web_req *r, const admin_dead_kind *only);
/* Both answer: 200, 404 no such entry, 400/422 a bad fix, 409, 503. */
void admin_dead_requeue(web_req *r, const admin_dead_kind *k, const char *entry_id);
void admin_dead_discard(web_req *r, const admin_dead_kind *k, const char *entry_id);

/* ---- admin_health.c: heartbeats, groups, streams ---- */
/* {"services", "groups", "streams"}; NULL when Redis failed (not answered). */
cJSON *admin_health(web_req *r);

/* ---- session.c: sessions and CSRF ---- */
/* Who r comes from, by its cookie (r->authed and the user's fields set, or
 * nothing): from the session cache unless fresh, else from PostgreSQL
 * (and then cached). */
void session_load(web_req *r, bool fresh);
bool session_csrf_ok(web_req *r);
/* A new session for user_id (the client's previous one ends), its cookie
 * set; the session's CSRF token into csrf. -1 on a db error (not
 * answered). */
int session_start(web_req *r, const char *user_id, char csrf[WEB_CSRF_LEN + 1]);
/* Ends the caller's session and clears its cookie; -1 on a db error (not
 * answered). */
int session_end(web_req *r);
/* Ends every session of user_id, or all but the caller's (keep_mine), in
 * the open transaction. 0 or -1. */
int session_end_all(web_req *r, const char *user_id, bool keep_mine);
/* Drops expired sessions (the outbox relay runs it now and then). 0 or -1. */
int session_sweep(cf_pg *pg);
/* A fresh random secret of nbytes (at most 32), as hex into out
 * (2 * nbytes + 1 bytes). */
void session_random_hex(char *out, size_t nbytes);
/* A token for a link or a cookie: 32 random bytes as hex into token, and
 * the hash the database keeps into hash. */
void session_new_token(char token[65], char hash[65]);
/* The hash the database keeps of a token. */
void session_token_hash(const char *token, char hash[65]);

/* ---- admin_users.c: the operator console's users ---- */
/* The admin's User object (answers 404). */
cJSON *admin_user_json(web_req *r, const char *id);
/* A page of users whose name contains q ("" all), by name; NULL on a db
 * error (not answered). */
cJSON *admin_user_list(web_req *r, const char *q, int page, int per_page, web_list_count *count);
/* Deactivates user id: their sessions end, their live streams close on
 * every process, they leave the fights not begun; recorded. Answers 404,
 * 409 (the last active operator). A user deactivated already: true,
 * nothing done. */
bool admin_user_deactivate(web_req *r, const char *id);
/* The same for reactivation (answers 404). */
bool admin_user_reactivate(web_req *r, const char *id);
/* Grants or revokes the operator role (answers 404, 409 for the last
 * active operator); recorded. */
bool admin_user_set_operator(web_req *r, const char *id, bool operator);
/* The command line's grant (operator) or revoke: 1 done (the user's id
 * into user_id), 0 so already, -1 refused or failed; what happened into
 * msg. */
int admin_operator_by_name(cf_pg *pg, const char *name, bool operator,
                           char user_id[WEB_INT_ID_SIZE], char *msg, size_t msglen);

/* ---- admin_games.c: games hidden by an operator ---- */
/* At most this many arcade games in the console's list, newest first. */
#define ADMIN_GAMES_ARCADE_MAX "500"
/* The built-in games hidden (at most max names); -1 on a db error (not
 * answered). */
int admin_games_hidden_names(web_req *r, char names[][CF_GAME_NAME_MAX + 1], int max);
/* May a new fight of built-in game be made? Answers 409 "this game is not
 * offered" (or the db error) and returns false otherwise. */
bool admin_games_offered(web_req *r, const char *game);
/* Every built-in game and the newest arcade games, with their hidden
 * flags and counts; NULL on a db error (not answered). */
cJSON *admin_games_list(web_req *r);
/* Hides or shows a built-in game (by name) or an arcade game (by id):
 * its item of the list (answers 404); recorded when it changed. */
cJSON *admin_games_builtin_set(web_req *r, const char *name, bool hidden);
cJSON *admin_games_arcade_set(web_req *r, const char *id, bool hidden);

/* ---- account.c: accounts and passwords ---- */
/* One account as the answers show it. */
typedef struct account_user {
    char id[WEB_INT_ID_SIZE];
    char username[WEB_USERNAME_MAX + 1];
    char created_at[32];
    bool operator;    /* has the operator role */
    bool deactivated; /* an operator deactivated it: no log-in */
} account_user;

bool account_username_valid(const char *s);
/* A name kept from new accounts: "house…" (the house bots' look) and the
 * system's own names (account.c). */
bool account_username_reserved(const char *s);
/* The User object of openapi.yaml (created_at omitted when NULL). */
cJSON *account_user_json(const char *id, const char *username, const char *created_at);
/* The id of user name into out; 0 none, 1 found, -1 db error (not answered). */
int account_id_by_name(web_req *r, const char *name, char *out, size_t len);
/* The caller's setting for fights whose "public" is not given. */
bool account_public_default(web_req *r);
/* A new account with the password's hash; answers 409 for a taken name. */
bool account_create(web_req *r, const char *username, const char *hash, account_user *out);
/* What log-in needs of an account, by name (case-insensitive). */
typedef struct account_login {
    bool found;
    account_user user; /* when found (a deactivated account too) */
    char hash[256];    /* its password hash, when found */
} account_login;
/* 0 (out filled, found or not), -1 db error (not answered). */
int account_login_lookup(web_req *r, const char *username, account_login *out);
/* The caller's Account object (answers 401 when it is gone). */
cJSON *account_json(web_req *r);
/* Sets about and the fights' default visibility ("true"/"false"); NULL
 * leaves a value as it is. */
bool account_update(web_req *r, const char *about, const char *public_default);
/* The caller's password hash into out (answers the db error or 401). */
bool account_password_hash(web_req *r, char *out, size_t len);
/* Sets the caller's password hash and ends the caller's other sessions. */
bool account_set_password(web_req *r, const char *hash);
/* Writes a reset link for username to the log (nothing for an unknown
 * name: the answer is the same). */
bool account_reset_request(web_req *r, const char *username);
/* Answers 400 for a token that is invalid, expired or used (checked, not
 * spent: before the new password is hashed); else the account's name into
 * username (len bytes). */
bool account_reset_valid(web_req *r, const char *token, char *username, size_t len);
/* Spends the token and sets the hash; answers 400 as above; ends every
 * session of the account. */
bool account_reset_confirm(web_req *r, const char *token, const char *hash);
/* Drops reset tokens a day past their expiry (the outbox relay runs it
 * now and then). 0 or -1. */
int account_sweep_resets(cf_pg *pg);
/* The usernames starting with prefix (letters, digits, '_'), the caller's
 * excluded, as an array; NULL on a db error (not answered). */
cJSON *account_search(web_req *r, const char *prefix);

/* ---- bot.c: bots and their versions, always the caller's own ---- */
#define BOT_NAME_MAX 64
/* An upload: name, game and code, from JSON or multipart. */
typedef struct bot_upload {
    char name[BOT_NAME_MAX + 1];
    char game[CF_GAME_NAME_MAX + 1];
    bool has_name, has_game;
    const char *code;
    size_t code_len;
} bot_upload;

/* The latest version of one of the caller's bots. */
typedef struct bot_version {
    char id[WEB_INT_ID_SIZE];
    char game[CF_GAME_NAME_MAX + 1];
    char bot_name[BOT_NAME_MAX + 16];
} bot_version;

bool bot_name_valid(const char *s);
/* A new bot with u's code as version 1; its id into bot_id. Answers 409
 * when the caller has a bot of that name for the game. */
bool bot_create(web_req *r, const bot_upload *u, char bot_id[WEB_INT_ID_SIZE]);
/* Answers 404 (not the caller's) or 409 (the name is taken). */
bool bot_rename(web_req *r, const char *bot_id, const char *name);
/* u's code as the next version (answers 404: not the caller's). */
bool bot_add_version(web_req *r, const char *bot_id, const bot_upload *u);
/* ---- bot_ladder.c: a bot on its game's ladder ---- */
/* Above this sigma a rating is provisional (about the first ten games:
 * docs/ladder.md). */
#define LADDER_PROVISIONAL_SIGMA 2.5
/* Inside the caller's transaction: enters the caller's bot (its latest
 * version) or takes it out. Answers 404 (not the caller's), 409 (its game
 * is hidden), 422 (the version failed its check) or the db error and
 * returns false (the caller rolls back). *check_started: a version never
 * checked is now (outbox_wake() after the commit). */
bool bot_ladder_set(web_req *r, const char *bot_id, bool on, bool *check_started);
/* Inside the upload's transaction: version_id of an entered bot gets its
 * pending entry (an older pending one is replaced). 0 or -1. */
int bot_ladder_new_version(web_req *r, const char *bot_id, const char *version_id);
/* The bot object's "ladder" from columns col.. of bot.c's select. */
cJSON *bot_ladder_json(PGresult *res, int i, int col);

/* The Bot object with its versions (answers 404). */
cJSON *bot_json(web_req *r, const char *bot_id);
/* The caller's bots (of game, unless NULL); NULL on a db error (not
 * answered). */
cJSON *bot_list_json(web_req *r, const char *game);
/* The same list in two steps, for prepared_exec_all: its read, then the
 * list from the read's result. */
void bot_list_read(web_req *r, const char *game, web_read *q);
cJSON *bot_list_from(PGresult *res);
/* Code (column 0) and bot name (1) of a version, the latest when version
 * is NULL; caller clears. Answers 404. */
PGresult *bot_code(web_req *r, const char *bot_id, const char *version);
/* The latest version of the caller's bot bot_id (answers 404); with game,
 * it must be a bot of that game (400 otherwise). */
bool bot_latest_version(web_req *r, const char *bot_id, const char *game, bot_version *out);

/* ---- arcade_game.c: the arcade's games and their versions ---- */
/* Bounds of a game's text, in characters (the schema's checks). */
#define ARCADE_TITLE_MAX 100
#define ARCADE_AUTHORS_MAX 200
#define ARCADE_DESCRIPTION_MAX 4000
/* The largest version the schema stores (arcade_game_versions.size). */
#define ARCADE_SIZE_MAX (16 * 1024 * 1024)
#define ARCADE_INPUTS 4
/* The inputs a game may support, bit i of a mask standing for name i. */
extern const char *const arcade_input_names[ARCADE_INPUTS];

/* Who may see an arcade game (SQL): everyone unless its owner or an
 * operator hid it, its owner always. t is the games table's alias with its
 * dot ("g." or ""), n the number of the caller's parameter (NULL when
 * logged out). One rule for every query that shows a game or its plays. */
#define ARCADE_GAME_VISIBLE(t, n)                                                                  \
    "(NOT (" t "hidden OR " t "operator_hidden) OR " t "owner_id = $" #n "::bigint)"

/* Adds "preview_url" to o: the latest version's preview of game id, or
 * null when it has none (version: that version's number). */
void arcade_add_preview_url(cJSON *o, const char *id, const char *version, bool has_preview);

/* What a game says of itself, checked by the handler. For an update, NULL
 * and -1 leave a value as it is. */
typedef struct arcade_meta {
    const char *title, *authors, *description;
    int inputs; /* mask of arcade_input_names */
    int hidden; /* 0 or 1 */
} arcade_meta;

/* One version's files, checked by the handler. */
typedef struct arcade_files {
    const char *data; /* a .py's text or a .zip's bytes */
    size_t len;
    bool bundle;
    const char *preview; /* NULL: none (a new version keeps the last one's) */
    size_t preview_len;
    const char *preview_type;
} arcade_files;

/* A game's preview image; arcade_preview_free releases it. */
typedef struct arcade_preview {
    unsigned char *data;
    size_t len;
    char type[24];
    bool hidden; /* of a hidden game: not for shared caches */
} arcade_preview;

/* The list's orders (docs/arcade.md). */
typedef enum arcade_list_order {
    ARCADE_ORDER_RATING, /* average stars (unrated last), plays, oldest first */
    ARCADE_ORDER_RANDOM, /* per_page random games, page ignored */
    ARCADE_ORDER_NEWEST, /* created, newest first */
    ARCADE_ORDER_UPDATED /* latest update first */
} arcade_list_order;

/* The list's filters and page. */
typedef struct arcade_list_query {
    bool mine;     /* the caller's games only (hidden ones too) */
    const char *q; /* a piece of the title or authors, any case; NULL: all */
    arcade_list_order order;
    int page, per_page;
} arcade_list_query;

/* A new game of the caller's, f as its version 1; its id into id. */
bool arcade_game_create(web_req *r, const arcade_meta *m, const arcade_files *f,
                        char id[WEB_INT_ID_SIZE]);
/* f as the next version of the caller's game id: the Game object as of
 * that version (answers 404, and NULL). */
cJSON *arcade_game_add_version(web_req *r, const char *id, const arcade_files *f);
/* Changes what m gives of the caller's game id (answers 404). */
bool arcade_game_update(web_req *r, const char *id, const arcade_meta *m);
/* Deletes the caller's game id, its versions and plays (answers 404). */
bool arcade_game_delete(web_req *r, const char *id);
/* The Game object with its versions, "mine" and the caller's side of its
 * rating (answers 404 for a game the caller may not see: hidden and not
 * theirs). */
cJSON *arcade_game_json(web_req *r, const char *id);
/* The Game object as a list shows it (answers 404 as arcade_game_json). */
cJSON *arcade_game_card_json(web_req *r, const char *id);
/* Both in two steps, for prepared_exec_all with other reads: the reads
 * (arcade_game_reads: at most ARCADE_GAME_READS, returns how many), then
 * the object from their results (NULL after answering 404; clears none
 * but the game's row: the caller clears the reads). */
#define ARCADE_GAME_READS 3
int arcade_game_reads(web_req *r, const char *id, web_read *reads);
cJSON *arcade_game_from(web_req *r, web_read *reads, int n);
void arcade_game_card_read(web_req *r, const char *id, web_read *q);
cJSON *arcade_game_card_from(web_req *r, web_read *q);
/* One page of games in q's order, a JSON array into b; false on a db
 * error (not answered). */
bool arcade_game_list(web_req *r, const arcade_list_query *q, web_list_count *count, json_buf *b);
/* The latest version's preview of game id (answers 404: no such game for
 * the caller, or no preview). */
bool arcade_game_preview(web_req *r, const char *id, arcade_preview *out);
void arcade_preview_free(arcade_preview *p);

/* ---- arcade_rating.c: players' stars for games ---- */
/* The caller's side of game id's rating added to rating: mine, can_rate,
 * why_not. False on a db error (not answered). */
bool arcade_rating_caller(web_req *r, const char *game_id, cJSON *rating);
/* The same in two steps, for prepared_exec_all: the read (a logged-in
 * caller's only), then its result (NULL logged out) into rating. */
void arcade_rating_caller_read(web_req *r, const char *game_id, web_read *q);
void arcade_rating_caller_from(web_req *r, PGresult *res, cJSON *rating);
/* The Rating object of game id for the caller: average, count and the
 * caller's side (answers 404). */
cJSON *arcade_rating_json(web_req *r, const char *game_id);
/* The caller's stars (1..5) for game id, set or changed in the statement
 * that checks they may: answers 404 (no such game for the caller) or 403
 * (why not). */
bool arcade_rating_set(web_req *r, const char *game_id, int stars);
/* Drops the caller's rating of game id, if any (answers 404). */
bool arcade_rating_drop(web_req *r, const char *game_id);

/* ---- arcade_stats.c: the community's reads of the play counters ---- */
/* A game's scoreboard: signed-in players by best score (the caller checks
 * the game is visible), and the caller's latest plays of a game, newest
 * first; each in two steps, for prepared_exec_all: the read (limit: its
 * text, which must outlive it), then the array from its result. */
void arcade_scoreboard_players_read(web_req *r, const char *game_id, const char *limit,
                                    web_read *q);
cJSON *arcade_scoreboard_players_from(PGresult *res);
void arcade_my_plays_read(web_req *r, const char *game_id, const char *limit, web_read *q);
cJSON *arcade_my_plays_from(PGresult *res);
/* A page of the games with a play over, the most time played first; NULL
 * on a db error (not answered). */
cJSON *arcade_most_played(web_req *r, int page, int per_page, web_list_count *count);
/* The running plays of games the caller may see, newest first; NULL on a
 * db error (not answered). */
cJSON *arcade_running_plays(web_req *r, int limit);

/* ---- qr_svg.c: a QR code as SVG ---- */
#define QR_TEXT_MAX 512
/* The QR code of text[0..len) (1..QR_TEXT_MAX bytes) as an SVG image into
 * *out (malloc'd); its length, or -1. */
long qr_svg(const char *text, size_t len, char **out);

/* ---- bundle_check.c: a game's zip, by the sandbox's unpacking rules ---- */
/* What a bundle that passed holds. */
typedef struct bundle_info {
    char *entry;   /* the entry point: "game.py", "snake/main.py" */
    char *preview; /* its preview image, NULL when it has none */
    size_t preview_len;
    const char *preview_type;
} bundle_info;

/* 0: the zip [data, len) keeps every rule of the arcade's sandbox (see
 * bundle_check.c), *out filled (bundle_info_free). -1: why not in err. */
int bundle_check(const void *data, size_t len, bundle_info *out, char *err, size_t errlen);
void bundle_info_free(bundle_info *b);

/* ---- image_sniff.c: an image's type from its bytes ---- */
/* The largest preview image (arcade_game_versions.preview's bound). */
#define IMAGE_MAX_BYTES (2 * 1024 * 1024)
/* "image/png", "image/jpeg", "image/gif" or "image/webp" by the file's
 * signature; NULL for anything else (SVG included). */
const char *image_type(const void *data, size_t len);

/* ---- catalog.c: the games, from the C registry ---- */
int catalog_sync(cf_pg *pg); /* upserts the registry into games/game_templates */
/* A game of the list, and the whole Game object. */
cJSON *catalog_game_summary(const cf_game *g);
cJSON *catalog_game_detail(const cf_game *g);
/* Reads a template file of a game; caller frees. NULL if absent. */
char *catalog_template_read(const char *game, const char *file, size_t *len);
/* First template file name of a game that can be a house bot into out;
 * false when none. */
bool catalog_first_template(const char *game, char *out, size_t outlen);

/* ---- player.c: who plays in the arcade ---- */
typedef struct web_player {
    bool is_user; /* logged in: user_id */
    char user_id[WEB_ID_LEN + 1];
    char visitor[WEB_VISITOR_LEN + 1]; /* cookie cf_visitor, or "" */
} web_player;

/* The caller as a player (no cookie is set). */
void player_of(web_req *r, web_player *p);
/* The same; an anonymous caller without a visitor id gets one (its cookie
 * goes with the answer). */
void player_ensure(web_req *r, web_player *p);
/* Is a play of player_id (NULL: anonymous) and visitor p's? */
bool player_is(const web_player *p, const char *user_id, const char *visitor);

/* ---- play.c: arcade plays in the database ---- */
/* A game's latest version, as a play runs it. */
typedef struct play_game {
    char game_id[WEB_INT_ID_SIZE], version_id[WEB_INT_ID_SIZE];
    char title[101];
    const char *code, *bundle; /* one of them: source, or base64 of the .zip */
    size_t code_len, bundle_len;
    PGresult *res; /* holds them */
} play_game;

/* The latest version of a game the player may see (answers 404, or 409
 * when an operator hid it: nobody plays it). */
bool play_game_load(web_req *r, const char *game_id, const web_player *p, play_game *g);
void play_game_free(play_game *g);
/* 1 when the player may see the game, 0 not, -1 db error (not answered). */
int play_game_visible(web_req *r, const char *game_id, const web_player *p);
/* Stops the player's plays not yet over (cancel keys; those no simulator
 * has taken yet end now, with detail why). How many, or -1 (not answered). */
int play_stop_open(web_req *r, const web_player *p, const char *why);
/* A new queued play of g by p. 0 or -1 (not answered). */
int play_insert(web_req *r, const play_game *g, const web_player *p, const char *id);
/* Its cf:plays entry id. 0 or -1. */
int play_set_entry(web_req *r, const char *id, const char *entry_id);
/* A play that no simulator has taken yet (its entry undelivered) ends as
 * stopped (detail): its cancel key alone would leave it queued until a
 * worker frees. A taken one is left to end by its simulator, with its
 * score and log, although the database may still say queued. 0 or -1 (not
 * answered). */
int play_end_queued(web_req *r, const char *id, const char *detail);
/* Stops an open play the way its player's stop does: its cancel key (the
 * simulator stops it within a second, or skips it), and, still waiting in
 * cf:plays, ended here at once with why. 0; -1 a db error, -2 Redis (not
 * answered). */
int play_stop(web_req *r, const char *id, const char *why);
/* ... or as failed when it never reached the arcade. */
int play_fail_unsent(web_req *r, const char *id);
/* The Play object (answers 404). */
cJSON *play_json(web_req *r, const char *id, const web_player *p);
/* 1 the player's (status into status), 0 not (or no such play), -1 db
 * error (not answered). */
int play_owned(web_req *r, const char *id, const web_player *p, char status[16]);
/* Is there such a play? Answers 404 (or the db error) otherwise. */
bool play_exists(web_req *r, const char *id);
/* The best scores of a game, as an array; NULL on a db error. */
cJSON *play_scores_json(web_req *r, const char *game_id, const web_player *p, int limit);
/* status, position, verdict, detail, score, cpu_ms, peak_memory_kb, log,
 * elapsed_ms of a play (no row: no such play); NULL on a db error. */
PGresult *play_state(cf_pg *pg, const char *id);
bool play_status_final(const char *status);
/* The end object of a final play, from its play_state row. */
cJSON *play_end_from_state(PGresult *res);

/* ---- arcade_streams.c: a play's Redis side ---- */
/* XADD cf:plays; the entry id into entry_id. 0 or -1. */
int arcade_enqueue(cf_redis *r, const cf_play_entry *e, char entry_id[64]);
/* SET cf:cancel:<id>. 0 or -1. */
int arcade_cancel(cf_redis *r, const char *play_id);
/* Has no simulator taken the cf:plays entry yet (it is after the group's
 * last delivered id)? 1, 0 (taken, or no entry id), -1 on a Redis error. */
int arcade_undelivered(cf_redis *r, const char *entry_id);
/* The events (JSON texts) onto cf:play:<id>:in, in one round trip. */
int arcade_input(cf_redis *r, const char *play_id, char *const *events, int n);
/* SET cf:play:<id>:seen (someone shows it). 0 or -1. */
int arcade_seen(cf_redis *r, const char *play_id);
/* The play's screen ({"last_id", "messages"}), or NULL when there is none. */
cJSON *arcade_screen(cf_redis *r, const char *play_id);

/* ---- fight_state.c: the fight life cycle, every change of state ---- */
/* Fight states: the database's names and the API's (openapi.yaml). */
const char *fight_state_api(const char *db_status);
const char *fight_state_db(const char *api_state); /* NULL when unknown */
/* finished, failed or cancelled: nothing changes any more. */
bool fight_state_final(const char *api_state);

/* What a new fight is made of, all checked by the handler. */
typedef struct fight_new {
    const cf_game *game;
    bool is_public;
    const char *settings;    /* the validated settings as JSON text */
    const bot_version *host; /* the host's bot */
} fight_new;

/* A new fight, open (hosting), inviting the users of ids invitees; its id
 * into fight_id. */
bool fight_host(web_req *r, const fight_new *f, char invitees[][WEB_INT_ID_SIZE], int ninvitees,
                char fight_id[CF_UUID_LEN + 1]);
/* A new fight against opponent (another of the caller's bots, or NULL)
 * and nhouse house bots named house_name, queued at once. */
bool fight_play_now(web_req *r, const fight_new *f, const bot_version *opponent,
                    const char *house_name, int nhouse, char fight_id[CF_UUID_LEN + 1]);
/* The host starts an open fight with whoever accepted (409 when the game
 * does not take that many players). */
bool fight_start(web_req *r, const char *fight_id);
/* The host cancels a fight that has not ended (409 when it has). */
bool fight_cancel(web_req *r, const char *fight_id);
/* The operator's stop of any hosting, queued or running fight: the host's
 * cancel, recorded as fight.stop. */
bool fight_stop_as_operator(web_req *r, const char *fight_id);
/* Locks an open fight of the caller's: 404, 403 (not the host) or 409 (not
 * open) otherwise. The transaction stays open for fight_invite, or until
 * fight_unlock. */
bool fight_lock_open_as_host(web_req *r, const char *fight_id);
void fight_unlock(web_req *r);
/* Inside fight_lock_open_as_host: invites username (404, 400 for oneself,
 * 409 when full or already invited) and commits; the invitation's id into
 * invitation_id. */
bool fight_invite(web_req *r, const char *fight_id, const char *username,
                  char invitation_id[WEB_INT_ID_SIZE]);
/* Answers to a pending invitation by its invitee, and its withdrawal by
 * the invitee or the host: each may start the fight or cancel it when too
 * few can remain. */
bool invitation_accept(web_req *r, const char *invitation_id, const char *bot_id);
bool invitation_decline(web_req *r, const char *invitation_id);
bool invitation_withdraw(web_req *r, const char *invitation_id);
/* A seat of a ladder fight: an entered bot version and its owner. */
typedef struct fight_seat {
    const char *user_id;    /* the bot's owner */
    const char *version_id; /* the entered version (ladder_entries) */
    const char *username, *bot_name;
} fight_seat;
/* Inside the caller's transaction: a new ladder fight of g (its default
 * settings), public, hosted by nobody, between the seats in slot order,
 * queued at once as any fight is (its outbox row written); its id into
 * fight_id. 0 or -1 (not answered; the caller rolls back). */
int fight_queue_ladder(cf_pg *pg, const cf_game *g, const fight_seat *seats, int nseats,
                       char fight_id[CF_UUID_LEN + 1]);
/* What a deactivated user's leaving did. */
typedef struct fight_leave_counts {
    int cancelled; /* open fights they hosted */
    int left;      /* open invitations to them, declined or withdrawn */
    int started;   /* fights that started without them (wake the outbox) */
} fight_leave_counts;
/* Inside the caller's transaction: user_id leaves the fights not begun:
 * the open fights they host are cancelled, their pending invitations
 * declined and accepted ones withdrawn, each fight settled as an answer
 * would. 0 or -1 (not answered). */
int fight_state_user_leaves(cf_pg *pg, const char *user_id, fight_leave_counts *out);

/* ---- fight_access.c: who may see a fight ---- */
/* May the caller see this fight? 1 yes, 0 no, -1 db error (not answered). */
int fight_visible(web_req *r, const char *fight_id);
/* Is fight_id a fight the caller may see? Answers 404 (or the db error)
 * and returns false otherwise. */
bool fight_check_visible(web_req *r, const char *fight_id);

/* ---- fight_view.c: a fight as the caller may see it ---- */
/* The API's state of a fight, the simulator's progress included: a queued
 * fight the simulator has started is "simulating"; its tick (or -1) into
 * *tick. */
const char *fight_shown_state(const char *db_status, const char *fight_id, int *tick);
/* The Fight object (answers 404 for a fight the caller may not see). */
cJSON *fight_json(web_req *r, const char *fight_id);
/* The replay as JSON text (column 0 of the result; caller clears); answers
 * 404 for a fight the caller may not see, 409 when it has no replay yet. */
PGresult *fight_replay(web_req *r, const char *fight_id);
/* What the caller's own bots of the fight printed, by tick: the JSON text
 * in column 0 of the result (the caller frees it), or NULL with the
 * answer sent (404 not there or not visible, 403 not a player). */
PGresult *fight_output(web_req *r, const char *fight_id);

/* ---- fight_list.c: pages of fights ---- */
typedef struct fight_list_query {
    const char *game, *state, *user; /* filters (state: the db's), NULL when absent */
    bool mine;                       /* the caller's fights, else public ones */
    const char *ladder_bot;          /* a bot's id: its public ladder fights only */
    int page, per_page;
} fight_list_query;

/* One page of fights, newest first, as a JSON array into b; count may be
 * NULL (not counted). false on a db error (not answered). */
bool fight_list_page(web_req *r, const fight_list_query *q, web_list_count *count, json_buf *b);
/* The same page in two steps, for prepared_exec_all: its read (which
 * points into p: p must stay where it is), then the page from the read's
 * result. */
typedef struct fight_list_read {
    web_read read;
    bool plan_each; /* filtered, or deep and not one range: run with cf_pg_exec */
    bool light;     /* the fights' ids only (filtered or deep) */
    bool counted;
    char sql[4096];
    char uid[WEB_INT_ID_SIZE], cap[24], limit[16], offset_text[24];
    long long offset, bound;
    int per_page;
} fight_list_read;
/* 0, or 1 when the ?user= filter names nobody (the page is empty, nothing
 * to read), -1 on a db error (not answered). */
int fight_list_read_of(web_req *r, const fight_list_query *q, bool counted, fight_list_read *p);
/* NULL on a db error (not answered): an ended fight's row comes from
 * cache.c, the others need one more read. */
cJSON *fight_list_from(web_req *r, const fight_list_read *p, PGresult *res, web_list_count *count);
/* The same page as a JSON array into b; false on a db error. */
bool fight_list_text(web_req *r, const fight_list_read *p, PGresult *res, web_list_count *count,
                     json_buf *b);

/* ---- invitation_view.c: invitations as JSON ---- */
/* The Invitation object (answers 404 when there is none). */
cJSON *invitation_json(web_req *r, const char *invitation_id);
/* The caller's latest 100 invitations, pending first, as the JSON text
 * {"invitations":[...]} into b: 1; 0 when out of memory; -1 on a db error
 * (not answered). Rows come from cache.c, the others need one more read. */
int invitation_list_page(web_req *r, json_buf *b);
/* The caller's pending invitations in two steps, for prepared_exec_all;
 * the second writes a JSON array into b (marked failed when out of
 * memory) and is false on a db error (not answered). */
void invitation_list_read(web_req *r, web_read *q);
bool invitation_list_text(web_req *r, PGresult *res, json_buf *b);

/* ---- names.c: players' names in the fight stream ---- */
#define WEB_HOUSE_PREFIX "house/"
/* "user/bot", cut to CF_PLAYER_NAME_MAX bytes (user first). */
void web_player_name(char out[CF_PLAYER_NAME_MAX + 1], const char *user, const char *bot);
/* "house/<template>"; false (out untouched) when it would not fit uncut:
 * outbox.c finds a house bot's code by this exact name. */
bool web_house_name(char out[CF_PLAYER_NAME_MAX + 1], const char *template_name);

/* ---- multipart.c: multipart/form-data bodies ---- */
typedef struct multipart_part {
    char name[64];
    char filename[256];
    const char *data;
    size_t len;
} multipart_part;
/* Splits a multipart/form-data body; returns count or -1 when malformed. */
int multipart_parse(const char *ctype, const char *body, size_t len, multipart_part *parts,
                    int maxparts);

/* ==== storage and shared state ==== */

/* ---- session_cache.c: the sessions this process looked up lately ---- */
/* The generation a lookup starts in: a revocation moves it, and a lookup
 * from an older one is not stored. */
uint64_t session_cache_generation(void);
/* A valid cached session of token hash hash into r (authed, user_id,
 * username, csrf, operator); false: look it up. */
bool session_cache_get(const char *hash, web_req *r);
/* Keeps r's session (web.session_cache_ms, at most session_left_ms), unless
 * a revocation came since generation gen or the revocation reader is not
 * reading. */
void session_cache_put(const char *hash, const web_req *r, int64_t session_left_ms, uint64_t gen);
/* Drops the cached sessions of user_id (NULL: none) but keep (NULL: none),
 * and session (a token hash; NULL: none). */
void session_cache_revoke(const char *user_id, const char *keep, const char *session);
/* The revocation reader read (the cache may serve for a lease) / lost its
 * stream (the cache is emptied and bypassed until it reads again). */
void session_cache_reader_alive(void);
void session_cache_reader_lost(void);

/* ---- revocation.c: ending a user's or a session's live streams everywhere ---- */
/* Writes the entry every cf-web process reads (docs/streams.md): every
 * stream of user_id (NULL: none) but those of keep_session (NULL: none),
 * or those of session (a session's hash; NULL: none). 0 or -1 (logged). */
int revocation_publish(cf_redis *redis, const char *user_id, const char *keep_session,
                       const char *session);
/* Writes the entry that tells every process user_id's role changed: its
 * cached sessions go (here at once), its live streams stay. 0 or -1
 * (logged). */
int revocation_publish_role(cf_redis *redis, const char *user_id);
/* The number the next entry read will get (the live timers' cursor). */
uint64_t revocation_next(void);
/* Does an entry numbered from..to-1 revoke a stream of user_id opened with
 * session? */
bool revocation_matches(uint64_t from, uint64_t to, const char *user_id, const char *session);
/* The reader thread of cf:web:revocations (own connection); stop waits
 * for it (at exit, about 1 s). */
void revocation_start(void);
void revocation_stop(void);

/* ---- list_page.c: pages of a list, their bounded count ---- */
/* The count's bound for a page from row offset; bound + 1 as text into cap
 * (the count query's LIMIT). */
long long list_count_cap(long long offset, int per_page, char cap[24]);
/* The count from counted, the rows found when at most bound + 1 were
 * read. */
void list_count_set(long long counted, long long offset, int per_page, long long bound,
                    web_list_count *c);
/* The count from its query's result (count(*) of at most bound + 1 rows;
 * cleared here). 0, or -1 when res is NULL. */
int list_count_of(PGresult *res, long long offset, int per_page, long long bound,
                  web_list_count *c);
/* {key: rows, page, per_page, total, total_exact, has_more}; takes rows. */
cJSON *list_page_json(const char *key, cJSON *rows, int page, int per_page,
                      const web_list_count *c);
/* The same as text (json_buf.h): after "{", the key and its rows, the
 * rest of the page's fields and the closing "}". */
void list_page_text_end(json_buf *b, int page, int per_page, const web_list_count *c);

/* ---- pg_json.c: PostgreSQL values into JSON ---- */
/* Times are selected as api_time(column) (db/migrations/0004_api_time.sql):
 * ISO 8601 UTC text. */
/* Adds a number column, or null when the value is NULL. */
void json_add_pg_num(cJSON *o, const char *key, PGresult *res, int row, int col);
void json_add_pg_str(cJSON *o, const char *key, PGresult *res, int row, int col);
/* Adds a boolean column ("t"/"f"), or null when the value is NULL. */
void json_add_pg_bool(cJSON *o, const char *key, PGresult *res, int row, int col);
/* The same as text: the key, then the value (json_buf.h). */
void jb_pg_num(json_buf *b, const char *key, PGresult *res, int row, int col);
void jb_pg_str(json_buf *b, const char *key, PGresult *res, int row, int col);
void jb_pg_bool(json_buf *b, const char *key, PGresult *res, int row, int col);

/* ---- prepared.c: the pages' reads as prepared statements ---- */
/* Runs a SELECT as a prepared statement of this thread's connection, known
 * by its text; same contract as cf_pg_exec (NULL on error, with
 * cf_pg_error set). */
PGresult *prepared_exec(web_thread *t, const char *sql, int nparams, const char *const *params);
/* The thread's statements, at exit. */
void prepared_free(web_thread *t);
/* Runs the reads in one round trip (libpq's pipeline mode), each as
 * prepared_exec would: true with every result set; false on a db error
 * (cf_pg_error set, no result left). */
bool prepared_exec_all(web_thread *t, web_read *reads, int n);
void web_reads_clear(web_read *reads, int n);

/* ---- outbox.c: fights on their way to cf:fights ---- */
/* Inside the caller's transaction: queue fight id (builds the message from
 * the database: players' code, settings, seed). 0 or -1. */
int outbox_enqueue(cf_pg *pg, const char *fight_id);
/* Inside the caller's transaction: fight id is cancelled; drop its unsent
 * row. 0 or -1. */
int outbox_drop(cf_pg *pg, const char *fight_id);
/* One relay round: sends a batch of pending rows to Redis, the fair
 * queue's (web.max_fights_in_stream); returns rows sent (0 also when
 * another relay's round holds the turn), or -1. */
int outbox_relay(cf_pg *pg, cf_redis *redis);
/* Rows wait: the relay should run now rather than at its next tick. */
void outbox_wake(void);
/* The relay's pause: timeout_ms, or until outbox_wake(). */
void outbox_wait(int timeout_ms);

/* ---- version_check.c: every uploaded version checked in the sandbox ---- */
/* One round: sends each owner's oldest waiting check (bot_versions
 * check_status 'checking', unsent) when none of theirs is in cf:fights;
 * returns checks sent (0 also when another relay holds the turn), or -1. */
int version_check_relay(cf_pg *pg, cf_redis *redis);

/* ---- live_progress.c: the simulator's progress, as last seen on cf:progress ---- */
/* Last progress seen for a fight: tick or -1; sets *simulating. */
int live_progress(const char *fight_id, bool *simulating);
void live_progress_set(const char *fight_id, int tick, bool started);

/* ---- cache.c: short-lived answers that look the same to all their readers ---- */
#define CACHE_ROW_KEY_MAX 128
/* A kept row's key: "kind:id", or "kind:id@version.more" for a row kept
 * under the versions of what it shows (fight_list.c, invitation_view.c,
 * arcade_game.c; version NULL: none). */
void cache_row_key(char key[CACHE_ROW_KEY_MAX], const char *kind, const char *id,
                   const char *version, const char *more);
char *cache_get(const char *key, size_t *len); /* a copy, caller frees; NULL: miss */
/* Keeps data ttl_ms, unless the cache was emptied since epoch read_in. */
void cache_put(const char *key, const char *data, size_t len, int ttl_ms, uint64_t read_in);
/* The epoch a request reads in (web_req.cache_epoch, set by the router). */
uint64_t cache_epoch(void);
/* Something changed: every entry goes (the router calls it after each
 * request that changes fights, bots or users). */
void cache_forget_all(void);

/* ---- ratelimit.c: fixed-window attempt counters, shared by threads ---- */
/* Records one attempt on key; false when the key is over limit in window. */
bool ratelimit_hit(const char *key, int limit, int window_s, int *retry_after);
bool ratelimit_blocked(const char *key, int limit, int window_s, int *retry_after);
void ratelimit_reset(const char *key);

/* ---- password_list.c: the common passwords (web/passwords/) ---- */
#define PASSWORD_LIST_MAX 256 /* bytes of the longest password on the list */
/* Is password on the list of common passwords, without regard to case? */
bool password_list_has(const char *password);

/* ---- pwhash.c: Argon2id in a bounded pool of threads, off the loops ---- */
/* The continuation of a suspended request, on its own loop: result 1 a
 * match (verify) or a hash made (hash is it), 0 no match, -1 failure. It
 * answers r (or suspends it again); r is freed after it. */
typedef void (*pwhash_done)(web_req *r, int result, const char *hash, void *arg);
/* Checks password against stored (NULL: an unknown user, checked against a
 * dummy in the same time, result 0), or hashes password; r is suspended
 * until done runs. False after answering 503 with Retry-After (the queue
 * is full) or 500. password must live as long as r (its body does). */
bool pwhash_verify(web_req *r, const char *stored, const char *password, pwhash_done done,
                   void *arg);
bool pwhash_hash(web_req *r, const char *password, pwhash_done done, void *arg);
/* The threads (web.hash_threads, web.hash_queue), at start and exit. */
void pwhash_start(int threads, int queue);
void pwhash_stop(void);

#endif
