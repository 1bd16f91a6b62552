/*
 * fight_state.c — the life of a fight: every change of its state, each
 * written here and nowhere else.
 *
 * hosting (API "open": the host and the invitations) -> queued (its players
 * fixed, its cf:fights entry in the outbox, in the same transaction) ->
 * running (API "simulating": written by the result processor at the
 * simulator's first progress) -> finished / failed (written by the result
 * processor) or cancelled (by the host, or when too few players can
 * remain). A ladder fight (the scheduler's, hosted by nobody) is made
 * hosting and queued in the one transaction that creates it. Every change runs in one
 * transaction that locks the fight row first, so two invitees answering at
 * once, or the host starting while someone declines, see one order. settle()
 * holds the rules of automatic start and cancel; the host's start and every
 * answer to an invitation go through it.
 *
 * The functions that take a request answer its refusals themselves (404,
 * 403, 409, the database error) and return false; the handler answers what
 * succeeded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "web.h"

/* ---- the states and their names ---- */

static const struct {
    const char *db, *api;
} states[] = {
    {"hosting", "open"},      {"queued", "queued"}, {"running", "simulating"},
    {"finished", "finished"}, {"failed", "failed"}, {"cancelled", "cancelled"},
};

const char *fight_state_api(const char *db_status)
{
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (strcmp(states[i].db, db_status) == 0)
            return states[i].api;
    return db_status;
}

const char *fight_state_db(const char *api_state)
{
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
        if (strcmp(states[i].api, api_state) == 0)
            return states[i].db;
    return NULL;
}

bool fight_state_final(const char *api_state)
{
    return strcmp(api_state, "finished") == 0 || strcmp(api_state, "failed") == 0 ||
           strcmp(api_state, "cancelled") == 0;
}

/* ---- writing: players, queueing, cancelling ---- */

/* Rolls back the open transaction and answers the database error. */
static bool fail_db(web_req *r)
{
    cf_pg_rollback(r->t->pg);
    http_db_error(r);
    return false;
}

/* A uniformly random seed in [0, 2^53 - 1] (the column's bounds). */
static void random_seed(char out[24])
{
    uint64_t s;

    randombytes_buf(&s, sizeof s);
    snprintf(out, 24, "%llu", (unsigned long long)(s & ((1ULL << 53) - 1)));
}

static int insert_player(cf_pg *pg, const char *fight_id, int slot, const char *user_id,
                         const char *version_id, const char *name)
{
    char s[16];
    snprintf(s, sizeof s, "%d", slot);
    const char *params[5] = {fight_id, s, user_id, version_id, name};
    return cf_pg_run(pg,
                     "INSERT INTO fight_players (fight_id, slot, user_id, bot_version_id, name) "
                     "VALUES ($1::uuid, $2::int, $3::bigint, $4::bigint, $5)",
                     5, params);
}

/* The invitations nobody answered end with the fight's hosting. */
static int withdraw_pending(cf_pg *pg, const char *fight_id)
{
    const char *params[1] = {fight_id};

    return cf_pg_run(pg,
                     "UPDATE invitations SET status = 'withdrawn', responded_at = now() "
                     "WHERE fight_id = $1::uuid AND status = 'pending'",
                     1, params);
}

/* hosting -> queued, for a fight whose players are in fight_players: its
 * seed drawn, its entry in the outbox. */
static int queue_fight(cf_pg *pg, const char *fight_id)
{
    char seed[24];
    random_seed(seed);
    const char *params[2] = {fight_id, seed};
    if (cf_pg_run(pg,
                  "UPDATE fights SET status = 'queued', queued_at = now(), seed = $2::bigint "
                  "WHERE id = $1::uuid",
                  2, params) != 0 ||
        withdraw_pending(pg, fight_id) != 0)
        return -1;
    return outbox_enqueue(pg, fight_id);
}

/* -> cancelled, whatever the fight was doing. */
static int cancel_fight(cf_pg *pg, const char *fight_id)
{
    const char *params[1] = {fight_id};

    if (cf_pg_run(pg,
                  "UPDATE fights SET status = 'cancelled', finished_at = now() "
                  "WHERE id = $1::uuid",
                  1, params) != 0)
        return -1;
    return withdraw_pending(pg, fight_id);
}

/* A queued or running fight also has to be stopped where it is: flagged
 * for the result processor, and its entry not sent if it still waits. */
static int stop_queued(cf_pg *pg, const char *fight_id)
{
    const char *params[1] = {fight_id};

    if (cf_pg_run(pg, "UPDATE fights SET cancel_requested = true WHERE id = $1::uuid", 1, params) !=
        0)
        return -1;
    return outbox_drop(pg, fight_id);
}

/* docs/streams.md: the simulator skips or stops a fight whose key is set.
 * After the commit, and best effort: the result processor still sees
 * cancel_requested. */
static void set_cancel_key(web_req *r, const char *fight_id)
{
    redisReply *rep = cf_redis_command(r->t->redis, "SET cf:cancel:%s 1 EX 86400", fight_id);

    if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
        log_warn("fight %s: could not set its cancel key: %s", fight_id,
                 rep != NULL ? rep->str : cf_redis_error(r->t->redis));
    if (rep != NULL)
        freeReplyObject(rep);
}

/* ---- settle: start or cancel an open fight when its invitations say so ---- */

enum settle_step {
    SETTLE_WAIT,    /* nothing to do (yet) */
    SETTLE_START,   /* queue it with the host and whoever accepted */
    SETTLE_CANCEL,  /* too few players can remain */
    SETTLE_REFUSED, /* the host's start, with a number of players the game does not take */
};

static enum settle_step settle_step(const cf_game *g, bool hosting, int accepted, int pending,
                                    bool host_starts)
{
    if (!hosting || g == NULL)
        return host_starts ? SETTLE_REFUSED : SETTLE_WAIT;
    int players = 1 + accepted;
    bool in_bounds = players >= g->min_players && players <= g->max_players;
    if (host_starts)
        return in_bounds ? SETTLE_START : SETTLE_REFUSED;
    if (pending > 0)
        /* Too few can remain even if every pending invitee accepts. */
        return players + pending < g->min_players ? SETTLE_CANCEL : SETTLE_WAIT;
    if (!in_bounds)
        return SETTLE_CANCEL;
    /* Everyone declined or withdrew, and the game can be played alone:
     * leave it to the host rather than start a solo fight unasked. */
    return accepted == 0 ? SETTLE_WAIT : SETTLE_START;
}

/* Queues fight_id with the host and the accepted invitees, who join in the
 * order they accepted. 1, or -1 on a db error. */
static int start_with_accepted(cf_pg *pg, const char *fight_id)
{
    const char *params[1] = {fight_id};
    /* the players' count rows first, in id order (web 0110) */
    if (cf_pg_run(pg,
                  "SELECT user_fight_counts_lock(array_agg(invitee_id)) FROM invitations "
                  "WHERE fight_id = $1::uuid AND status = 'accepted'",
                  1, params) != 0)
        return -1;
    PGresult *res = cf_pg_exec(pg,
                               "SELECT i.invitee_id, i.bot_version_id, u.username, b.name "
                               "FROM invitations i JOIN users u ON u.id = i.invitee_id "
                               "JOIN bot_versions v ON v.id = i.bot_version_id "
                               "JOIN bots b ON b.id = v.bot_id "
                               "WHERE i.fight_id = $1::uuid AND i.status = 'accepted' "
                               "ORDER BY i.responded_at, i.id",
                               1, params);
    if (res == NULL)
        return -1;
    int slot = 1;
    for (int i = 0; i < PQntuples(res); i++) {
        char name[CF_PLAYER_NAME_MAX + 1];
        web_player_name(name, PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
        if (insert_player(pg, fight_id, slot++, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                          name) != 0) {
            PQclear(res);
            return -1;
        }
    }
    PQclear(res);
    if (queue_fight(pg, fight_id) != 0)
        return -1;
    log_info("fight %s queued with %d players", fight_id, slot);
    return 1;
}

/* Inside a transaction: what settle() is to do with fight_id (locked
 * here) and who hosts it (empty for none). 0, or -1 on a db error. */
static int settle_plan(cf_pg *pg, const char *fight_id, bool host_starts, enum settle_step *step,
                       char host_id[WEB_INT_ID_SIZE])
{
    const char *params[1] = {fight_id};
    PGresult *res = cf_pg_exec(pg,
                               "SELECT f.game, f.status, "
                               "(SELECT count(*) FROM invitations i WHERE i.fight_id = f.id "
                               "AND i.status = 'accepted'), "
                               "(SELECT count(*) FROM invitations i WHERE i.fight_id = f.id "
                               "AND i.status = 'pending'), f.host_id "
                               "FROM fights f WHERE f.id = $1::uuid FOR UPDATE",
                               1, params);
    if (res == NULL)
        return -1;
    *step = SETTLE_WAIT;
    host_id[0] = '\0';
    if (PQntuples(res) == 1) {
        *step = settle_step(cf_game_find(PQgetvalue(res, 0, 0)),
                            strcmp(PQgetvalue(res, 0, 1), "hosting") == 0,
                            atoi(PQgetvalue(res, 0, 2)), atoi(PQgetvalue(res, 0, 3)), host_starts);
        snprintf(host_id, WEB_INT_ID_SIZE, "%s", PQgetvalue(res, 0, 4));
    }
    PQclear(res);
    return 0;
}

/* Does step of settle_plan(). Returns 0 (nothing, or cancelled), 1
 * started, -1 db error, -2 out of the game's bounds (host_starts only). */
static int settle_apply(cf_pg *pg, const char *fight_id, enum settle_step step)
{
    switch (step) {
    case SETTLE_WAIT: return 0;
    case SETTLE_START: return start_with_accepted(pg, fight_id);
    case SETTLE_CANCEL: return cancel_fight(pg, fight_id) == 0 ? 0 : -1;
    case SETTLE_REFUSED: return -2;
    }
    return -1;
}

/* Inside a transaction: starts fight_id when it can (all answered and
 * enough accepted) or cancels it when too few can remain. host_starts: the
 * host's start, which does not wait for pending invitations. Returns as
 * settle_apply(). */
static int settle(cf_pg *pg, const char *fight_id, bool host_starts)
{
    enum settle_step step;
    char host_id[WEB_INT_ID_SIZE];

    if (settle_plan(pg, fight_id, host_starts, &step, host_id) != 0)
        return -1;
    return settle_apply(pg, fight_id, step);
}

/* ---- the host: new fights, start, cancel, invite ---- */

/* Inside the transaction of a new fight: the fight, hosting, and its host
 * as player slot 0 (the fights list and the live poll rely on the host
 * being a player). 0 or -1 (transaction left for the caller to roll back). */
static int begin_hosting(web_req *r, const char *fight_id, const fight_new *f)
{
    char name[CF_PLAYER_NAME_MAX + 1];
    web_player_name(name, r->username, f->host->bot_name);
    const char *params[5] = {fight_id, f->game->name, r->user_id,
                             f->is_public ? "public" : "private", f->settings};
    if (cf_pg_run(r->t->pg,
                  "INSERT INTO fights (id, game, host_id, status, visibility, settings) "
                  "VALUES ($1::uuid, $2, $3::bigint, 'hosting', $4, $5::jsonb)",
                  5, params) != 0)
        return -1;
    return insert_player(r->t->pg, fight_id, 0, r->user_id, f->host->id, name);
}

static int insert_invitation(cf_pg *pg, const char *fight_id, const char *invitee_id)
{
    const char *params[2] = {fight_id, invitee_id};

    return cf_pg_run(pg,
                     "INSERT INTO invitations (fight_id, invitee_id) VALUES ($1::uuid, $2::bigint)",
                     2, params);
}

bool fight_host(web_req *r, const fight_new *f, char invitees[][WEB_INT_ID_SIZE], int ninvitees,
                char fight_id[CF_UUID_LEN + 1])
{
    cf_uuid_generate(fight_id);
    if (cf_pg_begin(r->t->pg) != 0)
        return fail_db(r);
    if (!caps_allow(r, CAP_OPEN_FIGHTS, NULL, 1) ||
        !caps_allow(r, CAP_INVITATIONS, NULL, ninvitees))
        return false;
    if (begin_hosting(r, fight_id, f) != 0)
        return fail_db(r);
    for (int i = 0; i < ninvitees; i++)
        if (insert_invitation(r->t->pg, fight_id, invitees[i]) != 0)
            return fail_db(r);
    if (cf_pg_commit(r->t->pg) != 0)
        return fail_db(r);
    log_info("user %s hosts fight %s (%s, %d invited)", r->username, fight_id, f->game->name,
             ninvitees);
    return true;
}

bool fight_play_now(web_req *r, const fight_new *f, const bot_version *opponent,
                    const char *house_name, int nhouse, char fight_id[CF_UUID_LEN + 1])
{
    cf_uuid_generate(fight_id);
    if (cf_pg_begin(r->t->pg) != 0)
        return fail_db(r);
    if (!caps_allow(r, CAP_QUEUED_FIGHTS, NULL, 1))
        return false;
    if (begin_hosting(r, fight_id, f) != 0)
        return fail_db(r);
    int slot = 1;
    if (opponent != NULL) {
        char name[CF_PLAYER_NAME_MAX + 1];
        web_player_name(name, r->username, opponent->bot_name);
        if (insert_player(r->t->pg, fight_id, slot++, r->user_id, opponent->id, name) != 0)
            return fail_db(r);
    }
    for (int i = 0; i < nhouse; i++)
        if (insert_player(r->t->pg, fight_id, slot++, NULL, NULL, house_name) != 0)
            return fail_db(r);
    if (queue_fight(r->t->pg, fight_id) != 0 || cf_pg_commit(r->t->pg) != 0)
        return fail_db(r);
    log_info("user %s plays now: fight %s (%s vs %d house bots%s)", r->username, fight_id,
             f->game->name, nhouse, opponent != NULL ? " and their own bot" : "");
    outbox_wake();
    return true;
}

/* ---- the ladder's fights (ladder_scheduler.c) ---- */

/* The game's default settings as JSON text (caller frees), or NULL. */
static char *default_settings(const cf_game *g)
{
    char err[256];
    cJSON *s = cf_game_settings(g, NULL, true, err, sizeof err);
    if (s == NULL) {
        log_warn("ladder: game %s: its default settings: %s", g->name, err);
        return NULL;
    }
    char *text = cJSON_PrintUnformatted(s);
    cJSON_Delete(s);
    return text;
}

/* The seats' count rows first, in id order (web 0110): "{1,2,...}". */
static int lock_counts_of(cf_pg *pg, const fight_seat *seats, int nseats)
{
    char ids[CF_MAX_PLAYERS * 24 + 3];
    size_t len = 0;
    ids[len++] = '{';
    for (int i = 0; i < nseats && i < CF_MAX_PLAYERS; i++) {
        int w = snprintf(ids + len, sizeof ids - len, "%s%s", i > 0 ? "," : "",
                         seats[i].user_id != NULL ? seats[i].user_id : "NULL");
        if (w < 0 || (size_t)w >= sizeof ids - len)
            return -1;
        len += (size_t)w;
    }
    snprintf(ids + len, sizeof ids - len, "}");
    const char *params[1] = {ids};
    return cf_pg_run(pg, "SELECT user_fight_counts_lock($1::bigint[])", 1, params);
}

int fight_queue_ladder(cf_pg *pg, const cf_game *g, const fight_seat *seats, int nseats,
                       char fight_id[CF_UUID_LEN + 1])
{
    char *settings = default_settings(g);
    if (settings == NULL)
        return -1;
    cf_uuid_generate(fight_id);
    /* Made as an open fight, then queued by the one path every fight takes
     * (queue_fight): the seed, the outbox row. Nobody hosts it, like an
     * injected fight, so no user's caps or fair-queue share count it. */
    const char *params[3] = {fight_id, g->name, settings};
    int rc =
        cf_pg_run(pg,
                  "INSERT INTO fights (id, game, host_id, status, visibility, settings, ladder) "
                  "VALUES ($1::uuid, $2, NULL, 'hosting', 'public', $3::jsonb, true)",
                  3, params);
    free(settings);
    rc = rc == 0 ? lock_counts_of(pg, seats, nseats) : rc;
    for (int i = 0; rc == 0 && i < nseats; i++) {
        char name[CF_PLAYER_NAME_MAX + 1];
        web_player_name(name, seats[i].username, seats[i].bot_name);
        rc = insert_player(pg, fight_id, i, seats[i].user_id, seats[i].version_id, name);
    }
    return rc == 0 ? queue_fight(pg, fight_id) : -1;
}

/* Opens a transaction and locks fight id's row: its status and host_id,
 * or NULL after answering (404 for an id that is none, the database
 * error) with the transaction closed. The one way both lockers below take
 * a fight. */
static PGresult *lock_fight_row(web_req *r, const char *id)
{
    if (!http_valid_id(id)) {
        http_error(r, 404, "no such fight");
        return NULL;
    }
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return NULL;
    }
    const char *params[1] = {id};
    PGresult *res = cf_pg_exec(
        r->t->pg, "SELECT status, host_id FROM fights WHERE id = $1::uuid FOR UPDATE", 1, params);
    return http_one_row(r, res, true, 404, "no such fight");
}

/* Opens a transaction, locks fight id and checks the caller hosts it.
 * Returns the fight's db status (caller frees) inside the transaction, or
 * NULL after answering (404 for a fight the caller may not see, 403 for
 * one they may see but do not host) with the transaction closed. */
static char *lock_as_host(web_req *r, const char *id)
{
    PGresult *res = lock_fight_row(r, id);
    if (res == NULL)
        return NULL;
    bool host = http_is_caller(r, res, 0, 1);
    char *status = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (host)
        return status;
    int visible = fight_visible(r, id);
    cf_pg_rollback(r->t->pg);
    free(status);
    if (visible == 1)
        http_error(r, 403, "only the host can do this");
    else
        http_error(r, 404, "no such fight");
    return NULL;
}

bool fight_lock_open_as_host(web_req *r, const char *fight_id)
{
    char *status = lock_as_host(r, fight_id);
    bool open = status != NULL && strcmp(status, "hosting") == 0;

    if (status != NULL && !open) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 409, "fight is %s, not open", fight_state_api(status));
    }
    free(status);
    return open;
}

void fight_unlock(web_req *r)
{
    cf_pg_rollback(r->t->pg);
}

bool fight_start(web_req *r, const char *fight_id)
{
    if (!fight_lock_open_as_host(r, fight_id) || !caps_allow(r, CAP_QUEUED_FIGHTS, NULL, 1))
        return false;
    int rc = settle(r->t->pg, fight_id, true);
    if (rc == -2) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 409, "the number of players is outside the game's bounds");
        return false;
    }
    if (rc < 0 || cf_pg_commit(r->t->pg) != 0)
        return fail_db(r);
    outbox_wake();
    return true;
}

static bool cancellable(const char *db_status)
{
    return strcmp(db_status, "hosting") == 0 || strcmp(db_status, "queued") == 0 ||
           strcmp(db_status, "running") == 0;
}

/* The one way a fight is stopped, the host's cancel and the operator's
 * stop alike: inside the transaction that locked the fight (status its
 * state), cancelled in PostgreSQL, its outbox entry dropped and flagged
 * for the result processor when it was queued or running, the action
 * recorded (operator_action: NULL for the host), committed, then the cancel
 * key set so the simulator stops it within simulator.cancel_poll_ms. */
static bool stop_locked(web_req *r, const char *fight_id, const char *status,
                        const char *operator_action)
{
    if (!cancellable(status)) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 409, "fight is %s already", fight_state_api(status));
        return false;
    }
    bool queued = strcmp(status, "hosting") != 0;
    cJSON *detail = cJSON_CreateObject();
    bool recorded = operator_action == NULL ||
                    (detail != NULL &&
                     cJSON_AddStringToObject(detail, "was", fight_state_api(status)) != NULL &&
                     operator_log(r, operator_action, fight_id, detail) == 0);
    cJSON_Delete(detail);
    if (!recorded || cancel_fight(r->t->pg, fight_id) != 0 ||
        (queued && stop_queued(r->t->pg, fight_id) != 0) || cf_pg_commit(r->t->pg) != 0)
        return fail_db(r);
    if (queued)
        set_cancel_key(r, fight_id);
    log_info("%s %s stopped fight %s", operator_action != NULL ? "operator" : "user", r->username,
             fight_id);
    return true;
}

bool fight_cancel(web_req *r, const char *fight_id)
{
    char *status = lock_as_host(r, fight_id);
    if (status == NULL)
        return false;
    bool ok = stop_locked(r, fight_id, status, NULL);
    free(status);
    return ok;
}

/* Opens a transaction and locks fight id, whoever hosts it; its db status
 * (caller frees), or NULL after answering 404. */
static char *lock_any(web_req *r, const char *id)
{
    PGresult *res = lock_fight_row(r, id);
    if (res == NULL)
        return NULL;
    char *status = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (status == NULL) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 503, "out of memory");
    }
    return status;
}

bool fight_stop_as_operator(web_req *r, const char *fight_id)
{
    char *status = lock_any(r, fight_id);
    if (status == NULL)
        return false;
    bool ok = stop_locked(r, fight_id, status, "fight.stop");
    free(status);
    return ok;
}

bool fight_invite(web_req *r, const char *fight_id, const char *username,
                  char invitation_id[WEB_INT_ID_SIZE])
{
    const char *who[2] = {username, fight_id};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "SELECT u.id, f.game, (SELECT count(*) FROM invitations i "
                               "WHERE i.fight_id = f.id AND i.status IN ('pending', 'accepted')) "
                               "FROM users u, fights f WHERE lower(u.username) = lower($1) "
                               "AND f.id = $2::uuid",
                               2, who);
    res = http_one_row(r, res, true, 404, "no such user");
    if (res == NULL)
        return false;
    char invitee[WEB_INT_ID_SIZE];
    snprintf(invitee, sizeof invitee, "%s", PQgetvalue(res, 0, 0));
    const cf_game *g = cf_game_find(PQgetvalue(res, 0, 1));
    int taken = atoi(PQgetvalue(res, 0, 2));
    PQclear(res);
    if (strcmp(invitee, r->user_id) == 0) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 400, "you cannot invite yourself");
        return false;
    }
    if (g == NULL || 1 + taken >= g->max_players) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 409, "the fight is full");
        return false;
    }
    if (!caps_allow(r, CAP_INVITATIONS, NULL, 1))
        return false;
    /* Someone who declined or was withdrawn may be invited again. */
    const char *params[2] = {fight_id, invitee};
    res = cf_pg_exec(r->t->pg,
                     "INSERT INTO invitations (fight_id, invitee_id) VALUES ($1::uuid, $2::bigint) "
                     "ON CONFLICT (fight_id, invitee_id) DO UPDATE SET status = 'pending', "
                     "bot_version_id = NULL, responded_at = NULL, created_at = now() "
                     "WHERE invitations.status IN ('declined', 'withdrawn') RETURNING id",
                     2, params);
    res = http_one_row(r, res, true, 409, "'%s' is already invited", username);
    if (res == NULL)
        return false;
    snprintf(invitation_id, WEB_INT_ID_SIZE, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (cf_pg_commit(r->t->pg) != 0)
        return fail_db(r);
    return true;
}

/* ---- the invitee: accept, decline; withdraw (the host too) ---- */

/* An invitation and its fight, as locked. */
typedef struct locked_invitation {
    char fight_id[40];
    char game[40];
    char status[16]; /* the invitation's */
} locked_invitation;

/* Opens a transaction, locks the invitation's fight, checks who may act
 * (host_ok: the host may act too) and that the fight is still open. False
 * after answering, the transaction closed. */
static bool lock_invitation(web_req *r, const char *invitation_id, bool host_ok,
                            locked_invitation *out)
{
    if (!http_int_id(invitation_id)) {
        http_error(r, 404, "no such invitation");
        return false;
    }
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return false;
    }
    /* Lock the fight before reading the invitation (same order as start). */
    const char *params[1] = {invitation_id};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "SELECT f.id FROM fights f JOIN invitations i ON i.fight_id = f.id "
                               "WHERE i.id = $1::bigint FOR UPDATE OF f",
                               1, params);
    if (res == NULL)
        return fail_db(r);
    PQclear(res);
    res = cf_pg_exec(r->t->pg,
                     "SELECT i.fight_id, f.game, i.status, f.status, i.invitee_id, f.host_id "
                     "FROM invitations i JOIN fights f ON f.id = i.fight_id "
                     "WHERE i.id = $1::bigint",
                     1, params);
    if (res == NULL)
        return fail_db(r);
    bool found = PQntuples(res) == 1;
    bool invitee = found && http_is_caller(r, res, 0, 4);
    bool host = found && http_is_caller(r, res, 0, 5);
    if (!invitee && !(host_ok && host)) {
        PQclear(res);
        cf_pg_rollback(r->t->pg);
        if (host)
            http_error(r, 403, "only the invitee can do this");
        else
            http_error(r, 404, "no such invitation");
        return false;
    }
    snprintf(out->fight_id, sizeof out->fight_id, "%s", PQgetvalue(res, 0, 0));
    snprintf(out->game, sizeof out->game, "%s", PQgetvalue(res, 0, 1));
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(res, 0, 2));
    char fight_status[16];
    snprintf(fight_status, sizeof fight_status, "%s", PQgetvalue(res, 0, 3));
    PQclear(res);
    if (strcmp(fight_status, "hosting") != 0) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 409, "fight is %s, not open", fight_state_api(fight_status));
        return false;
    }
    return true;
}

/* lock_invitation for the invitee of a pending invitation; answers 409
 * otherwise. */
static bool lock_pending_invitation(web_req *r, const char *invitation_id, locked_invitation *out)
{
    if (!lock_invitation(r, invitation_id, false, out))
        return false;
    if (strcmp(out->status, "pending") != 0) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 409, "invitation is %s, not pending", out->status);
        return false;
    }
    return true;
}

/* Applies the invitation's update, settles its fight and commits. An
 * answer that starts the fight queues it for its host: within the host's
 * web.max_queued_fights, as the host's own start is (429 otherwise, and
 * the answer is not recorded: the invitee answers again later). */
static bool answer_and_settle(web_req *r, const char *fight_id, const char *sql, int nparams,
                              const char *const *params)
{
    enum settle_step step;
    char host_id[WEB_INT_ID_SIZE];
    int rc = 0;

    if (cf_pg_run(r->t->pg, sql, nparams, params) != 0 ||
        settle_plan(r->t->pg, fight_id, false, &step, host_id) != 0)
        return fail_db(r);
    if (step == SETTLE_START && host_id[0] != '\0' && !caps_allow_host(r, host_id))
        return false;
    if ((rc = settle_apply(r->t->pg, fight_id, step)) < 0 || cf_pg_commit(r->t->pg) != 0)
        return fail_db(r);
    if (rc == 1)
        outbox_wake();
    return true;
}

bool invitation_accept(web_req *r, const char *invitation_id, const char *bot_id)
{
    locked_invitation inv;
    if (!lock_pending_invitation(r, invitation_id, &inv))
        return false;
    bot_version version;
    if (!bot_latest_version(r, bot_id, inv.game, &version)) {
        cf_pg_rollback(r->t->pg);
        return false;
    }
    const char *params[2] = {invitation_id, version.id};
    return answer_and_settle(r, inv.fight_id,
                             "UPDATE invitations SET status = 'accepted', "
                             "bot_version_id = $2::bigint, responded_at = now() "
                             "WHERE id = $1::bigint",
                             2, params);
}

bool invitation_decline(web_req *r, const char *invitation_id)
{
    locked_invitation inv;
    if (!lock_pending_invitation(r, invitation_id, &inv))
        return false;
    const char *params[1] = {invitation_id};
    return answer_and_settle(r, inv.fight_id,
                             "UPDATE invitations SET status = 'declined', responded_at = now() "
                             "WHERE id = $1::bigint",
                             1, params);
}

bool invitation_withdraw(web_req *r, const char *invitation_id)
{
    locked_invitation inv;
    if (!lock_invitation(r, invitation_id, true, &inv))
        return false;
    if (strcmp(inv.status, "pending") != 0 && strcmp(inv.status, "accepted") != 0) {
        cf_pg_rollback(r->t->pg);
        http_error(r, 409, "invitation is %s already", inv.status);
        return false;
    }
    const char *params[1] = {invitation_id};
    return answer_and_settle(r, inv.fight_id,
                             "UPDATE invitations SET status = 'withdrawn', responded_at = now() "
                             "WHERE id = $1::bigint",
                             1, params);
}

/* ---- a deactivated user leaves: the operator console ---- */

/* Locks (in fight order, as one fight at a time elsewhere) and returns the
 * rows of sql for user_id; NULL on a db error. */
static PGresult *rows_of_user(cf_pg *pg, const char *sql, const char *user_id)
{
    const char *params[1] = {user_id};
    return cf_pg_exec(pg, sql, 1, params);
}

int fight_state_user_leaves(cf_pg *pg, const char *user_id, fight_leave_counts *out)
{
    *out = (fight_leave_counts){0};
    PGresult *res = rows_of_user(pg,
                                 "SELECT id FROM fights WHERE host_id = $1::bigint "
                                 "AND status = 'hosting' ORDER BY id FOR UPDATE",
                                 user_id);
    if (res == NULL)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        if (cancel_fight(pg, PQgetvalue(res, i, 0)) != 0) {
            PQclear(res);
            return -1;
        }
        out->cancelled++;
    }
    PQclear(res);
    /* Their answers, as they could have given them: a pending invitation
     * declined, an accepted one withdrawn; each fight then settled as any
     * answer settles it (started with the others, or cancelled), but
     * without the host's cap of fights waiting (caps_allow_host): an
     * operator's deactivation is never refused for it. */
    res = rows_of_user(pg,
                       "SELECT i.id, i.fight_id, i.status FROM invitations i "
                       "JOIN fights f ON f.id = i.fight_id WHERE i.invitee_id = $1::bigint "
                       "AND i.status IN ('pending', 'accepted') AND f.status = 'hosting' "
                       "ORDER BY f.id FOR UPDATE OF f",
                       user_id);
    if (res == NULL)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *params[2] = {PQgetvalue(res, i, 0),
                                 strcmp(PQgetvalue(res, i, 2), "pending") == 0 ? "declined"
                                                                               : "withdrawn"};
        int rc = cf_pg_run(pg,
                           "UPDATE invitations SET status = $2, responded_at = now() "
                           "WHERE id = $1::bigint",
                           2, params) != 0
                     ? -1
                     : settle(pg, PQgetvalue(res, i, 1), false);
        if (rc < 0) {
            PQclear(res);
            return -1;
        }
        out->left++;
        out->started += rc == 1;
    }
    PQclear(res);
    return 0;
}
