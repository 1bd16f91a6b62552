/*
 * bot_ladder.c — a bot on its game's ladder (docs/ladder.md, "Entries"):
 * its owner enters it and takes it out, each new version of an entered bot
 * gets its pending entry, and the bot object shows where it stands.
 *
 * What is rated is a version (ladder_entries, one row each). A bot has at
 * most one active entry, the version that plays, and at most one pending
 * entry, the newest version waiting for its check (0011); the check's end
 * (cf-result-processor, ladder_checked.c) makes the pending one active,
 * replacing the active one, or refuses it with the check's message.
 *
 * Everything here runs inside the caller's transaction, the bot row locked
 * first (FOR UPDATE), so an upload and a PATCH of one bot serialise;
 * entries are written older version first, the order cf-result-processor
 * locks them in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "web.h"

/* Ends the bot's entries in status (pending, active or both) except the
 * version keep's (NULL: none), as end ('left' or 'replaced'). */
static int end_entries(web_req *r, const char *bot_id, const char *statuses, const char *keep,
                       const char *end)
{
    const char *p[] = {bot_id, statuses, keep, end};
    return cf_pg_run(r->t->pg,
                     "UPDATE ladder_entries SET status = $4, ended_at = now() "
                     "WHERE bot_id = $1::bigint AND status = ANY ($2::text[]) "
                     "AND ($3::bigint IS NULL OR bot_version_id <> $3::bigint)",
                     4, p);
}

/* A new entry of version_id in status ('pending' or 'active'). */
static int insert_entry(web_req *r, const char *bot_id, const char *game, const char *version_id,
                        const char *status)
{
    const char *p[] = {version_id, bot_id, game, status};
    return cf_pg_run(r->t->pg,
                     "INSERT INTO ladder_entries (bot_version_id, bot_id, game, status, "
                     "activated_at) VALUES ($1::bigint, $2::bigint, $3, $4, "
                     "CASE WHEN $4 = 'active' THEN now() END)",
                     4, p);
}

/* The version had an entry that ended (the owner took the bot out): it
 * comes back with its rating and games, active when its check is ok. */
static int resume_entry(web_req *r, const char *bot_id, const char *version_id, bool checked_ok)
{
    if (end_entries(r, bot_id, checked_ok ? "{pending,active}" : "{pending}", version_id,
                    "replaced") != 0)
        return -1;
    const char *p[] = {version_id, checked_ok ? "active" : "pending"};
    return cf_pg_run(r->t->pg,
                     "UPDATE ladder_entries SET status = $2, ended_at = NULL, reason = NULL, "
                     "activated_at = CASE WHEN $2 = 'active' THEN COALESCE(activated_at, now()) "
                     "END WHERE bot_version_id = $1::bigint",
                     2, p);
}

/* A version uploaded before versions were checked is checked now, as a
 * new upload is (version_check.c sends it once outbox_wake()n). */
static int start_check(web_req *r, const char *version_id)
{
    const char *p[] = {version_id};
    return cf_pg_run(r->t->pg,
                     "UPDATE bot_versions SET check_id = gen_random_uuid(), "
                     "check_status = 'checking', check_message = NULL, check_sent_at = NULL "
                     "WHERE id = $1::bigint AND check_status IS NULL",
                     1, p);
}

/* Enters the bot's latest version (the bot row locked, its game game).
 * The version row is locked too: a check's outcome stored meanwhile
 * (cf-result-processor locks it first) is either seen here or sees the
 * pending entry made here, never neither. */
static bool enter(web_req *r, const char *bot_id, const char *game, bool *check_started)
{
    const char *p[] = {bot_id};
    PGresult *v = cf_pg_exec(r->t->pg,
                             "SELECT v.id, v.version, v.check_status, v.check_message, e.status "
                             "FROM bot_versions v LEFT JOIN ladder_entries e "
                             "ON e.bot_version_id = v.id WHERE v.bot_id = $1::bigint "
                             "ORDER BY v.version DESC LIMIT 1 FOR UPDATE OF v",
                             1, p);
    v = http_one_row(r, v, false, 404, "no such bot");
    if (v == NULL)
        return false;
    char vid[WEB_INT_ID_SIZE];
    snprintf(vid, sizeof vid, "%s", PQgetvalue(v, 0, 0));
    const char *check = PQgetisnull(v, 0, 2) ? NULL : PQgetvalue(v, 0, 2);
    const char *entry = PQgetisnull(v, 0, 4) ? NULL : PQgetvalue(v, 0, 4);
    int rc = 0;
    if (check != NULL && strcmp(check, "failed") == 0) {
        http_error(r, 422, "version %s failed its check, so it cannot enter the ladder: %s",
                   PQgetvalue(v, 0, 1), PQgetvalue(v, 0, 3));
        PQclear(v);
        return false;
    }
    bool ok = check != NULL && strcmp(check, "ok") == 0;
    if (entry != NULL && (strcmp(entry, "pending") == 0 || strcmp(entry, "active") == 0)) {
        rc = 0; /* entered already with this version */
    } else if (check == NULL) {
        *check_started = true;
        rc = start_check(r, vid);
        if (rc == 0)
            rc = entry != NULL ? resume_entry(r, bot_id, vid, false)
                               : insert_entry(r, bot_id, game, vid, "pending");
    } else if (entry != NULL) {
        rc = resume_entry(r, bot_id, vid, ok);
    } else {
        /* An older version's pending entry is superseded by this one; an
         * active one is replaced when this one becomes active (now when
         * its check is ok already). */
        rc = end_entries(r, bot_id, ok ? "{pending,active}" : "{pending}", vid, "replaced");
        if (rc == 0)
            rc = insert_entry(r, bot_id, game, vid, ok ? "active" : "pending");
    }
    PQclear(v);
    if (rc != 0) {
        http_db_error(r);
        return false;
    }
    return true;
}

bool bot_ladder_set(web_req *r, const char *bot_id, bool on, bool *check_started)
{
    *check_started = false;
    const char *p[] = {bot_id, r->user_id};
    PGresult *b = cf_pg_exec(r->t->pg,
                             "SELECT game FROM bots WHERE id = $1::bigint "
                             "AND owner_id = $2::bigint FOR UPDATE",
                             2, p);
    b = http_one_row(r, b, false, 404, "no such bot");
    if (b == NULL)
        return false;
    char game[CF_GAME_NAME_MAX + 1];
    snprintf(game, sizeof game, "%s", PQgetvalue(b, 0, 0));
    PQclear(b);
    if (on) {
        if (!admin_games_offered(r, game) || !enter(r, bot_id, game, check_started))
            return false;
    } else if (end_entries(r, bot_id, "{pending,active}", NULL, "left") != 0) {
        http_db_error(r);
        return false;
    }
    if (cf_pg_run(r->t->pg, "UPDATE bots SET ladder = $2::boolean WHERE id = $1::bigint", 2,
                  (const char *[]){bot_id, on ? "true" : "false"}) != 0) {
        http_db_error(r);
        return false;
    }
    log_info("user %s %s bot %s %s the ladder", r->username, on ? "entered" : "took", bot_id,
             on ? "on" : "off");
    return true;
}

int bot_ladder_new_version(web_req *r, const char *bot_id, const char *version_id)
{
    /* A pending older version never played: the newest one waits instead.
     * The active one plays on until the new one's check is ok. */
    const char *p[] = {bot_id, version_id};
    if (cf_pg_run(r->t->pg,
                  "UPDATE ladder_entries SET status = 'replaced', ended_at = now() "
                  "WHERE bot_id = $1::bigint AND status = 'pending' "
                  "AND EXISTS (SELECT 1 FROM bots WHERE id = $1::bigint AND ladder)",
                  1, p) != 0)
        return -1;
    return cf_pg_run(r->t->pg,
                     "INSERT INTO ladder_entries (bot_version_id, bot_id, game) "
                     "SELECT $2::bigint, id, game FROM bots WHERE id = $1::bigint AND ladder",
                     2, p);
}

cJSON *bot_ladder_json(PGresult *res, int i, int col)
{
    if (PQgetisnull(res, i, col + 1))
        return cJSON_CreateNull(); /* never entered */
    cJSON *o = cJSON_CreateObject();
    double mu = strtod(PQgetvalue(res, i, col + 4), NULL);
    double sigma = strtod(PQgetvalue(res, i, col + 5), NULL);
    cJSON_AddBoolToObject(o, "entered", strcmp(PQgetvalue(res, i, col), "t") == 0);
    cJSON_AddStringToObject(o, "status", PQgetvalue(res, i, col + 1));
    json_add_pg_num(o, "version", res, i, col + 2);
    cJSON_AddNumberToObject(o, "rating", mu - 3 * sigma);
    cJSON_AddNumberToObject(o, "mu", mu);
    cJSON_AddNumberToObject(o, "sigma", sigma);
    json_add_pg_num(o, "games", res, i, col + 6);
    cJSON_AddBoolToObject(o, "provisional", sigma > LADDER_PROVISIONAL_SIGMA);
    json_add_pg_num(o, "rank", res, i, col + 7);
    json_add_pg_str(o, "reason", res, i, col + 3);
    json_add_pg_num(o, "active_version", res, i, col + 8);
    return o;
}
