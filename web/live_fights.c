/*
 * live_fights.c — the live streams of fights (live.h): one fight's state
 * and progress, and a user's fights and invitations.
 *
 * Two sources: PostgreSQL holds a fight's state (hosting, queued, ... as
 * written by cf-web and the result processor), and cf:progress the
 * simulator's ticks (live_progress.c). Twice a second each stream reads
 * its states in one query and sends what changed. A stream of one fight
 * closes after a final state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"

/* Sends a status event when (state, tick) changed; returns true if final. */
static bool update_fight(live_client *c, live_tracked *tr, const char *db_status)
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
        live_send_json(c, "status", d);
    }
    return fight_state_final(state);
}

static live_tracked *find_tracked(live_tracked *arr, int *n, const char *id)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(arr[i].id, id) == 0)
            return &arr[i];
    if (*n == LIVE_MAX_TRACKED)
        return NULL;
    memset(&arr[*n], 0, sizeof arr[*n]);
    snprintf(arr[*n].id, sizeof arr[*n].id, "%s", id);
    return &arr[(*n)++];
}

bool live_fights_poll_fight(live_client *c)
{
    const char *params[1] = {c->u.f.fight_id};
    PGresult *res =
        cf_pg_exec(c->t->pg, "SELECT status FROM fights WHERE id = $1::uuid", 1, params);
    if (res == NULL)
        return true;
    /* A fight that is gone ends its stream too. */
    bool done = PQntuples(res) != 1 || update_fight(c, &c->u.f.fights[0], PQgetvalue(res, 0, 0));
    PQclear(res);
    if (done) {
        live_end(c);
        return false;
    }
    return true;
}

/* A status event for each of the user's fights whose state changed. */
static void poll_user_fights(live_client *c)
{
    const char *params[1] = {c->u.f.user_id};
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
        live_tracked *tr = find_tracked(c->u.f.fights, &c->u.f.nfights, PQgetvalue(res, i, 0));
        if (tr != NULL)
            update_fight(c, tr, PQgetvalue(res, i, 1));
    }
    PQclear(res);
}

/* An invitation event for each of the user's invitations whose state
 * changed; on connect, only pending invitations are news. */
static void poll_user_invitations(live_client *c)
{
    const char *params[1] = {c->u.f.user_id};
    PGresult *res = cf_pg_exec(c->t->pg,
                               "SELECT id, fight_id, status FROM invitations "
                               "WHERE invitee_id = $1::bigint "
                               "ORDER BY created_at DESC LIMIT 64",
                               1, params);
    if (res == NULL)
        return;
    for (int i = 0; i < PQntuples(res); i++) {
        live_tracked *tr = find_tracked(c->u.f.invs, &c->u.f.ninvs, PQgetvalue(res, i, 0));
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
        live_send_json(c, "invitation", d);
    }
    PQclear(res);
}

void live_fights_poll_user(live_client *c)
{
    poll_user_fights(c);
    poll_user_invitations(c);
}

void live_fight_events(web_req *r)
{
    if (!fight_check_visible(r, r->params[0]))
        return;
    live_client *c = live_open(r, LIVE_FIGHT);
    if (c == NULL)
        return;
    snprintf(c->u.f.fight_id, sizeof c->u.f.fight_id, "%s", r->params[0]);
    snprintf(c->u.f.fights[0].id, sizeof c->u.f.fights[0].id, "%s", r->params[0]);
    c->u.f.nfights = 1;
    live_fights_poll_fight(c);
}

void live_user_events(web_req *r)
{
    live_client *c = live_open(r, LIVE_USER);

    if (c == NULL)
        return;
    snprintf(c->u.f.user_id, sizeof c->u.f.user_id, "%s", r->user_id);
    live_fights_poll_user(c);
}
