/*
 * account.c — accounts: names, passwords, the profile, password resets.
 *
 * Passwords: Argon2id hashes (the encoded string carries its own salt and
 * parameters), made and checked by pwhash.c off the event loops; this file
 * only stores and reads them. The handlers hash only once the cheap checks
 * have passed (a reset token is checked before), so a stranger gets no
 * free Argon2 work. A reset token is made and kept like a
 * session's (session.c: random, only its hash stored), lasts an hour and
 * serves once; the link goes to the log, where an operator hands it over.
 * A password change ends the account's other sessions, a reset all of them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "web.h"

/* Names a new account may not take: what would pass for the house bots
 * (their players are "house/<template>", an account "house" would show its
 * bots as the same) or for the system itself. Compared without case. */
static const char *const reserved_names[] = {"admin", "administrator", "codefights", "operator",
                                             "root",  "support",       "system"};

bool account_username_reserved(const char *s)
{
    if (strncasecmp(s, "house", 5) == 0)
        return true;
    for (size_t i = 0; i < sizeof reserved_names / sizeof reserved_names[0]; i++)
        if (strcasecmp(s, reserved_names[i]) == 0)
            return true;
    return false;
}

bool account_username_valid(const char *s)
{
    size_t n = strlen(s);

    if (n < 3 || n > WEB_USERNAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) || (unsigned char)s[i] > 127)
            if (s[i] != '_')
                return false;
    return true;
}

cJSON *account_user_json(const char *id, const char *username, const char *created_at)
{
    cJSON *u = cJSON_CreateObject();

    cJSON_AddNumberToObject(u, "id", strtod(id, NULL));
    cJSON_AddStringToObject(u, "username", username);
    if (created_at != NULL)
        cJSON_AddStringToObject(u, "created_at", created_at);
    return u;
}

int account_id_by_name(web_req *r, const char *name, char *out, size_t len)
{
    const char *params[1] = {name};
    PGresult *res =
        prepared_exec(r->t, "SELECT id FROM users WHERE lower(username) = lower($1)", 1, params);
    if (res == NULL)
        return -1;
    int found = PQntuples(res) == 1;
    if (found)
        snprintf(out, len, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return found;
}

bool account_public_default(web_req *r)
{
    const char *params[1] = {r->user_id};
    PGresult *res = cf_pg_exec(
        r->t->pg, "SELECT fights_public_default FROM users WHERE id = $1::bigint", 1, params);
    bool pub = true;

    if (res != NULL) {
        if (PQntuples(res) == 1)
            pub = PQgetvalue(res, 0, 0)[0] == 't';
        PQclear(res);
    }
    return pub;
}

/* Row columns id, username, created_at (ISO text) into out. */
static void user_from_row(PGresult *res, int id, int username, int created_at, account_user *out)
{
    snprintf(out->id, sizeof out->id, "%s", PQgetvalue(res, 0, id));
    snprintf(out->username, sizeof out->username, "%s", PQgetvalue(res, 0, username));
    snprintf(out->created_at, sizeof out->created_at, "%s", PQgetvalue(res, 0, created_at));
    out->operator= false;
    out->deactivated = false;
}

bool account_create(web_req *r, const char *username, const char *hash, account_user *out)
{
    const char *params[2] = {username, hash};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "INSERT INTO users (username, password_hash) VALUES ($1, $2) "
                               "RETURNING id, username, api_time(created_at)",
                               2, params);
    if (res == NULL) {
        if (strcmp(cf_pg_sqlstate(r->t->pg), "23505") == 0)
            http_error(r, 409, "username not available");
        else
            http_db_error(r);
        return false;
    }
    user_from_row(res, 0, 1, 2, out);
    log_info("new account %s", out->username);
    PQclear(res);
    return true;
}

int account_login_lookup(web_req *r, const char *username, account_login *out)
{
    const char *params[1] = {username};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "SELECT id, username, password_hash, api_time(created_at), "
                               "role = 'operator', deactivated_at IS NOT NULL FROM "
                               "users WHERE lower(username) = lower($1)",
                               1, params);
    if (res == NULL)
        return -1;
    out->found = PQntuples(res) == 1;
    if (out->found) {
        user_from_row(res, 0, 1, 3, &out->user);
        snprintf(out->hash, sizeof out->hash, "%s", PQgetvalue(res, 0, 2));
        out->user.operator= PQgetvalue(res, 0, 4)[0] == 't';
        out->user.deactivated = PQgetvalue(res, 0, 5)[0] == 't';
    }
    PQclear(res);
    return 0;
}

cJSON *account_json(web_req *r)
{
    const char *params[1] = {r->user_id};
    PGresult *res = prepared_exec(r->t,
                                  "SELECT id, username, api_time(created_at), "
                                  "about, fights_public_default FROM users WHERE id = $1",
                                  1, params);
    res = http_one_row(r, res, false, 401, "login required");
    if (res == NULL)
        return NULL;
    cJSON *o =
        account_user_json(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
    cJSON_AddStringToObject(o, "about", PQgetvalue(res, 0, 3));
    cJSON_AddBoolToObject(o, "fights_public_default", PQgetvalue(res, 0, 4)[0] == 't');
    PQclear(res);
    return o;
}

bool account_update(web_req *r, const char *about, const char *public_default)
{
    const char *params[3] = {r->user_id, about, public_default};

    if (cf_pg_run(r->t->pg,
                  "UPDATE users SET about = COALESCE($2, about), "
                  "fights_public_default = COALESCE($3::boolean, fights_public_default) "
                  "WHERE id = $1",
                  3, params) != 0) {
        http_db_error(r);
        return false;
    }
    return true;
}

/* The new password's hash, then the caller's transaction: the password set
 * and the account's sessions ended (all, or all but the caller's), committed.
 * Rolls back and answers the db error otherwise. */
static bool set_password(web_req *r, const char *user_id, const char *hash, bool keep_session)
{
    const char *params[2] = {user_id, hash};

    if (cf_pg_run(r->t->pg, "UPDATE users SET password_hash = $2 WHERE id = $1", 2, params) != 0 ||
        session_end_all(r, user_id, keep_session) != 0 || cf_pg_commit(r->t->pg) != 0) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return false;
    }
    return true;
}

bool account_password_hash(web_req *r, char *out, size_t len)
{
    const char *params[1] = {r->user_id};
    PGresult *res =
        cf_pg_exec(r->t->pg, "SELECT password_hash FROM users WHERE id = $1", 1, params);
    res = http_one_row(r, res, false, 401, "login required");
    if (res == NULL)
        return false;
    snprintf(out, len, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return true;
}

bool account_set_password(web_req *r, const char *hash)
{
    if (cf_pg_begin(r->t->pg) != 0) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return false;
    }
    return set_password(r, r->user_id, hash, true);
}

bool account_reset_request(web_req *r, const char *username)
{
    char token[65], hash[65];
    session_new_token(token, hash);
    const char *params[2] = {username, hash};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "INSERT INTO password_resets (user_id, token_hash, expires_at) "
                               "SELECT id, decode($2, 'hex'), now() + interval '1 hour' FROM users "
                               "WHERE lower(username) = lower($1) RETURNING user_id",
                               2, params);
    if (res == NULL) {
        http_db_error(r);
        return false;
    }
    if (PQntuples(res) == 1)
        log_warn("password reset requested for user %s: %s/reset?token=%s (valid 1 hour, "
                 "one use)",
                 username, web_cfg.public_url, token);
    else
        log_info("password reset requested for unknown user");
    PQclear(res);
    return true;
}

bool account_reset_valid(web_req *r, const char *token, char *username, size_t len)
{
    char hash[65];
    session_token_hash(token, hash);
    const char *params[1] = {hash};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "SELECT u.username FROM password_resets p "
                               "JOIN users u ON u.id = p.user_id "
                               "WHERE p.token_hash = decode($1, 'hex') "
                               "AND p.used_at IS NULL AND p.expires_at > now()",
                               1, params);
    res = http_one_row(r, res, false, 400, "invalid or expired token");
    if (res == NULL)
        return false;
    snprintf(username, len, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return true;
}

bool account_reset_confirm(web_req *r, const char *token, const char *pwhash)
{
    char hash[65];
    session_token_hash(token, hash);
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return false;
    }
    const char *params[1] = {hash};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "UPDATE password_resets SET used_at = now() "
                               "WHERE token_hash = decode($1, 'hex') "
                               "AND used_at IS NULL AND expires_at > now() RETURNING user_id",
                               1, params);
    res = http_one_row(r, res, true, 400, "invalid or expired token");
    if (res == NULL)
        return false;
    char user_id[WEB_ID_LEN + 1];
    snprintf(user_id, sizeof user_id, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    bool done = set_password(r, user_id, pwhash, false);
    /* Its sessions just ended: so do their open live streams, on every
     * cf-web process, as after a password change or a deactivation. */
    if (done)
        (void)revocation_publish(r->t->redis, user_id, NULL, NULL);
    return done;
}

int account_sweep_resets(cf_pg *pg)
{
    return cf_pg_run(pg, "DELETE FROM password_resets WHERE expires_at < now() - interval '1 day'",
                     0, NULL);
}

cJSON *account_search(web_req *r, const char *prefix)
{
    /* LIKE's '_' matches any character: escaped, it matches itself. */
    char pattern[2 * WEB_USERNAME_MAX + 2];
    size_t j = 0;
    for (const char *p = prefix; *p != '\0' && j + 3 < sizeof pattern; p++) {
        if (*p == '_')
            pattern[j++] = '\\';
        pattern[j++] = *p;
    }
    pattern[j++] = '%';
    pattern[j] = '\0';
    const char *params[2] = {pattern, r->user_id};
    /* Planned with its value: only a known prefix uses the pattern index. */
    PGresult *res = cf_pg_exec(r->t->pg,
                               "SELECT username FROM users WHERE lower(username) LIKE lower($1) "
                               "AND id <> $2 ORDER BY lower(username) LIMIT 20",
                               2, params);
    if (res == NULL)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *u = cJSON_CreateObject();
        cJSON_AddStringToObject(u, "username", PQgetvalue(res, i, 0));
        cJSON_AddItemToArray(arr, u);
    }
    PQclear(res);
    return arr;
}
