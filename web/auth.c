/*
 * auth.c — accounts, sessions, CSRF, password changes and resets.
 *
 * Passwords: Argon2id through libsodium's crypto_pwhash_str (the encoded
 * string carries its own salt and parameters). Sessions: 32 random bytes,
 * hex, in an HttpOnly SameSite=Lax cookie; the database keeps only a
 * BLAKE2b hash, so a leaked table opens no session. The CSRF token is a
 * keyed hash of the session token: nothing to store, it changes with the
 * session, and a page on another site can neither read it nor set the
 * header without a CORS preflight we never grant.
 *
 * No account enumeration at log-in: an unknown user costs a password hash
 * all the same and gets the same message. Sign-up must say a name is taken
 * (that is how names work), so it is rate limited per client address.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/keyvalq_struct.h>
#include <sodium.h>

#include "log.h"
#include "web.h"

#define TOKEN_BYTES 32
#define PASSWORD_MIN 8
#define PASSWORD_MAX 256
#define LOGIN_WINDOW_S 900
#define LOGIN_USER_LIMIT 5
#define LOGIN_IP_LIMIT 100
#define SIGNUP_IP_LIMIT 300
#define RESET_LIMIT 5

static const unsigned char csrf_key[16] = "cf-csrf-token-v1";

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    sodium_bin2hex(out, n * 2 + 1, in, n);
}

static void hash_token(const char *token, char out[65])
{
    unsigned char h[32];

    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    to_hex(h, sizeof h, out);
}

static void csrf_of(const char *token, char out[WEB_CSRF_LEN + 1])
{
    unsigned char h[32];

    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), csrf_key,
                       sizeof csrf_key);
    to_hex(h, sizeof h, out);
}

bool auth_username_valid(const char *s)
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

/* Reads cookie cf_session into out (64 hex chars); false when absent. */
static bool session_cookie(web_req *r, char out[TOKEN_BYTES * 2 + 1])
{
    const char *c = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Cookie");

    while (c != NULL && *c != '\0') {
        while (*c == ' ' || *c == ';')
            c++;
        if (strncmp(c, "cf_session=", 11) == 0) {
            const char *v = c + 11;
            size_t n = strcspn(v, ";");

            if (n != TOKEN_BYTES * 2)
                return false;
            for (size_t i = 0; i < n; i++)
                if (!isxdigit((unsigned char)v[i]))
                    return false;
            memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
        c = strchr(c, ';');
    }
    return false;
}

void auth_load_session(web_req *r)
{
    char token[TOKEN_BYTES * 2 + 1];
    const char *params[1];
    PGresult *res;
    bool stale = false;

    if (!session_cookie(r, token))
        return;
    hash_token(token, r->session_hash);
    params[0] = r->session_hash;
    res = prepared_exec(r->t, WEB_STMT_SESSION,
                     "SELECT u.id, u.username, s.csrf_token, "
                     "s.last_seen_at < now() - interval '1 minute' FROM sessions s "
                     "JOIN users u ON u.id = s.user_id "
                     "WHERE s.token_hash = decode($1, 'hex') AND s.expires_at > now()",
                     1, params);
    if (res == NULL) {
        log_warn("session lookup: %s", cf_pg_error(r->t->pg));
        return;
    }
    if (PQntuples(res) == 1) {
        r->authed = true;
        snprintf(r->user_id, sizeof r->user_id, "%s", PQgetvalue(res, 0, 0));
        snprintf(r->username, sizeof r->username, "%s", PQgetvalue(res, 0, 1));
        snprintf(r->csrf, sizeof r->csrf, "%s", PQgetvalue(res, 0, 2));
        stale = PQgetvalue(res, 0, 3)[0] == 't';
    }
    PQclear(res);
    /* last_seen_at (docs/schema.md) to the minute: one write per session
     * and minute at most, not one per request. Best effort: a failure only
     * leaves the time older. */
    if (stale &&
        cf_pg_run(r->t->pg,
                  "UPDATE sessions SET last_seen_at = now() WHERE token_hash = decode($1, 'hex') "
                  "AND last_seen_at < now() - interval '1 minute'",
                  1, params) != 0)
        log_warn("session last seen: %s", cf_pg_error(r->t->pg));
}

bool auth_csrf_ok(web_req *r)
{
    const char *h = evhttp_find_header(evhttp_request_get_input_headers(r->req), "X-CSRF-Token");

    if (h == NULL || *h == '\0' || strlen(h) > 128)
        return false;
    if (!r->authed)
        return true;
    return strlen(h) == WEB_CSRF_LEN && sodium_memcmp(h, r->csrf, WEB_CSRF_LEN) == 0;
}

static void set_cookie(web_req *r, const char *token, int max_age)
{
    char c[256];

    snprintf(c, sizeof c, "cf_session=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d%s",
             token, max_age, web_cfg.secure_cookies ? "; Secure" : "");
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Set-Cookie", c);
}

static cJSON *user_json(const char *id, const char *username, const char *created)
{
    cJSON *u = cJSON_CreateObject();

    cJSON_AddNumberToObject(u, "id", strtod(id, NULL));
    cJSON_AddStringToObject(u, "username", username);
    if (created != NULL)
        cJSON_AddStringToObject(u, "created_at", created);
    return u;
}

/* Creates a session for user_id, sets the cookie and answers the Session. */
static void start_session(web_req *r, int status, const char *user_id, const char *username,
                          const char *created)
{
    unsigned char raw[TOKEN_BYTES];
    char token[TOKEN_BYTES * 2 + 1], hash[65], csrf[WEB_CSRF_LEN + 1], days[16];
    const char *params[4];
    cJSON *o;

    randombytes_buf(raw, sizeof raw);
    to_hex(raw, sizeof raw, token);
    hash_token(token, hash);
    snprintf(days, sizeof days, "%d", web_cfg.session_days);
    params[0] = hash;
    params[1] = user_id;
    params[2] = days;
    csrf_of(token, csrf);
    params[3] = csrf;
    /* A session the client held before this log-in ends here. */
    if (r->session_hash[0] != '\0') {
        const char *old[1] = {r->session_hash};

        if (cf_pg_run(r->t->pg, "DELETE FROM sessions WHERE token_hash = decode($1, 'hex')", 1,
                      old) != 0) {
            http_db_error(r);
            return;
        }
    }
    if (cf_pg_run(r->t->pg,
                  "INSERT INTO sessions (token_hash, user_id, expires_at, csrf_token) "
                  "VALUES (decode($1, 'hex'), $2, now() + make_interval(days => $3::int), $4)",
                  4, params) != 0) {
        http_db_error(r);
        return;
    }
    set_cookie(r, token, web_cfg.session_days * 86400);
    o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "user", user_json(user_id, username, created));
    cJSON_AddStringToObject(o, "csrf_token", csrf);
    http_json(r, status, o);
}

void auth_session_get(web_req *r)
{
    cJSON *o = cJSON_CreateObject();

    if (r->authed) {
        cJSON_AddItemToObject(o, "user", user_json(r->user_id, r->username, NULL));
        cJSON_AddStringToObject(o, "csrf_token", r->csrf);
    } else {
        unsigned char raw[16];
        char anon[33];

        /* Without a session any non-empty header passes (see openapi.yaml);
         * a fresh value keeps clients from hard-coding one. */
        randombytes_buf(raw, sizeof raw);
        to_hex(raw, sizeof raw, anon);
        cJSON_AddNullToObject(o, "user");
        cJSON_AddStringToObject(o, "csrf_token", anon);
    }
    http_json(r, 200, o);
}

static bool password_ok(web_req *r, const char *field, const char *pw)
{
    size_t n = strlen(pw);

    if (n < PASSWORD_MIN || n > PASSWORD_MAX) {
        http_error(r, 400, "field '%s' must be %d to %d characters", field, PASSWORD_MIN,
                   PASSWORD_MAX);
        return false;
    }
    return true;
}

static int hash_password(const char *pw, char out[crypto_pwhash_STRBYTES])
{
    return crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

/* Counts one attempt under key; answers 429 and returns true when over. */
static bool limited(web_req *r, const char *key, int limit, int window_s)
{
    int retry = 0;

    if (ratelimit_hit(key, limit, window_s, &retry))
        return false;
    http_too_many(r, retry);
    return true;
}

/* "<prefix><username>" in lower case: one key whatever the case typed. */
static void user_key(char key[96], const char *prefix, const char *username)
{
    snprintf(key, 96, "%s%.64s", prefix, username);
    for (char *p = key; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
}

/* The body's "username" and "password" strings; answers 400 and returns
 * false when one is missing. */
static bool credentials(web_req *r, const cJSON *b, const char **username, const char **password)
{
    *username = http_str_field(r, b, "username", true, 256);
    if (*username == NULL)
        return false;
    *password = http_str_field(r, b, "password", true, 4096);
    return *password != NULL;
}

void auth_signup(web_req *r)
{
    cJSON *b = http_json_body(r);
    const char *username, *password, *params[2];
    char hash[crypto_pwhash_STRBYTES], key[96];
    PGresult *res;

    if (b == NULL || !credentials(r, b, &username, &password))
        return;
    if (!auth_username_valid(username)) {
        http_error(r, 400, "username must be 3 to 32 letters, digits or underscores");
        return;
    }
    if (!password_ok(r, "password", password))
        return;
    snprintf(key, sizeof key, "signup:ip:%s", http_client_ip(r));
    if (limited(r, key, SIGNUP_IP_LIMIT, 3600))
        return;
    if (hash_password(password, hash) != 0) {
        http_error(r, 500, "out of memory");
        return;
    }
    params[0] = username;
    params[1] = hash;
    res = cf_pg_exec(r->t->pg,
                     "INSERT INTO users (username, password_hash) VALUES ($1, $2) "
                     "RETURNING id, username, "
                     "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                     2, params);
    if (res == NULL) {
        if (strcmp(cf_pg_sqlstate(r->t->pg), "23505") == 0)
            http_error(r, 409, "username not available");
        else
            http_db_error(r);
        return;
    }
    log_info("new account %s", PQgetvalue(res, 0, 1));
    start_session(r, 201, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
    PQclear(res);
}

/* A hash no password matches, verified when the user does not exist so
 * both answers take the same time. */
static char dummy[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    unsigned char raw[16];
    char pw[33];

    randombytes_buf(raw, sizeof raw);
    to_hex(raw, sizeof raw, pw);
    if (hash_password(pw, dummy) != 0)
        dummy[0] = '\0';
}

void auth_login(web_req *r)
{
    cJSON *b = http_json_body(r);
    const char *username, *password, *params[1];
    char ukey[96], ikey[96];
    const char *hash;
    PGresult *res;
    int retry = 0;
    bool found, ok;

    if (b == NULL || !credentials(r, b, &username, &password))
        return;
    user_key(ukey, "login:user:", username);
    snprintf(ikey, sizeof ikey, "login:ip:%s", http_client_ip(r));
    if (ratelimit_blocked(ukey, LOGIN_USER_LIMIT, LOGIN_WINDOW_S, &retry) ||
        ratelimit_blocked(ikey, LOGIN_IP_LIMIT, LOGIN_WINDOW_S, &retry)) {
        http_too_many(r, retry);
        return;
    }
    params[0] = username;
    res = cf_pg_exec(r->t->pg,
                     "SELECT id, username, password_hash, "
                     "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                     "FROM users WHERE lower(username) = lower($1)",
                     1, params);
    if (res == NULL) {
        http_db_error(r);
        return;
    }
    found = PQntuples(res) == 1;
    pthread_once(&dummy_once, dummy_init);
    hash = found ? PQgetvalue(res, 0, 2) : dummy;
    ok = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 && found;
    if (!ok) {
        PQclear(res);
        ratelimit_hit(ukey, LOGIN_USER_LIMIT, LOGIN_WINDOW_S, NULL);
        ratelimit_hit(ikey, LOGIN_IP_LIMIT, LOGIN_WINDOW_S, NULL);
        http_error(r, 401, "invalid username or password");
        return;
    }
    ratelimit_reset(ukey);
    start_session(r, 200, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 3));
    PQclear(res);
}

void auth_logout(web_req *r)
{
    const char *params[1] = {r->session_hash};

    if (cf_pg_run(r->t->pg, "DELETE FROM sessions WHERE token_hash = decode($1, 'hex')", 1, params) != 0) {
        http_db_error(r);
        return;
    }
    set_cookie(r, "", 0);
    http_no_content(r);
}

static void account_answer(web_req *r, int status)
{
    const char *params[1] = {r->user_id};
    PGresult *res = cf_pg_exec(
        r->t->pg,
        "SELECT id, username, "
        "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "about, fights_public_default FROM users WHERE id = $1",
        1, params);
    cJSON *o;

    res = http_one_row(r, res, false, 401, "login required");
    if (res == NULL)
        return;
    o = user_json(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
    cJSON_AddStringToObject(o, "about", PQgetvalue(res, 0, 3));
    cJSON_AddBoolToObject(o, "fights_public_default", PQgetvalue(res, 0, 4)[0] == 't');
    PQclear(res);
    http_json(r, status, o);
}

void auth_account_get(web_req *r)
{
    account_answer(r, 200);
}

void auth_account_patch(web_req *r)
{
    cJSON *b = http_json_body(r);
    const char *about, *params[3];
    const cJSON *pub;
    cJSON *it;

    if (b == NULL)
        return;
    cJSON_ArrayForEach(it, b)
    {
        if (strcmp(it->string, "about") != 0 && strcmp(it->string, "fights_public_default") != 0) {
            http_error(r, 400, "unknown field '%.64s'", it->string);
            return;
        }
    }
    about = http_str_field(r, b, "about", false, 500);
    /* NULL from a present, non-null "about" was answered 400; "about": null
     * leaves it as it is (and must still be answered). */
    if (about == NULL && cJSON_GetObjectItemCaseSensitive(b, "about") != NULL &&
        !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(b, "about")))
        return;
    pub = cJSON_GetObjectItemCaseSensitive(b, "fights_public_default");
    if (pub != NULL && !cJSON_IsBool(pub)) {
        http_error(r, 400, "field 'fights_public_default' must be a boolean");
        return;
    }
    params[0] = r->user_id;
    params[1] = about;
    params[2] = pub == NULL ? NULL : cJSON_IsTrue(pub) ? "true" : "false";
    if (cf_pg_run(r->t->pg,
                  "UPDATE users SET about = COALESCE($2, about), "
                  "fights_public_default = COALESCE($3::boolean, fights_public_default) "
                  "WHERE id = $1",
                  3, params) != 0) {
        http_db_error(r);
        return;
    }
    account_answer(r, 200);
}

void auth_password_change(web_req *r)
{
    cJSON *b = http_json_body(r);
    const char *cur, *nw, *params[3];
    char hash[crypto_pwhash_STRBYTES];
    PGresult *res;
    bool ok;

    if (b == NULL)
        return;
    cur = http_str_field(r, b, "current_password", true, 4096);
    if (cur == NULL)
        return;
    nw = http_str_field(r, b, "new_password", true, 4096);
    if (nw == NULL || !password_ok(r, "new_password", nw))
        return;
    params[0] = r->user_id;
    res = cf_pg_exec(r->t->pg, "SELECT password_hash FROM users WHERE id = $1", 1, params);
    if (res == NULL) {
        http_db_error(r);
        return;
    }
    ok = PQntuples(res) == 1 &&
         crypto_pwhash_str_verify(PQgetvalue(res, 0, 0), cur, strlen(cur)) == 0;
    PQclear(res);
    if (!ok) {
        http_error(r, 400, "current password is wrong");
        return;
    }
    if (hash_password(nw, hash) != 0) {
        http_error(r, 500, "out of memory");
        return;
    }
    params[1] = hash;
    params[2] = r->session_hash;
    if (cf_pg_begin(r->t->pg) != 0 ||
        cf_pg_run(r->t->pg, "UPDATE users SET password_hash = $2 WHERE id = $1", 2, params) != 0 ||
        cf_pg_run(r->t->pg,
                  "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> decode($2, 'hex')", 2,
                  (const char *[]){params[0], params[2]}) != 0 ||
        cf_pg_commit(r->t->pg) != 0) {
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return;
    }
    http_no_content(r);
}

void auth_reset_request(web_req *r)
{
    cJSON *b = http_json_body(r);
    const char *username, *params[2];
    unsigned char raw[TOKEN_BYTES];
    char token[TOKEN_BYTES * 2 + 1], hash[65], key[96];
    PGresult *res;
    cJSON *o;

    if (b == NULL)
        return;
    username = http_str_field(r, b, "username", true, 256);
    if (username == NULL)
        return;
    user_key(key, "reset:", username);
    if (limited(r, key, RESET_LIMIT, 3600))
        return;
    randombytes_buf(raw, sizeof raw);
    to_hex(raw, sizeof raw, token);
    hash_token(token, hash);
    params[0] = username;
    params[1] = hash;
    res = cf_pg_exec(r->t->pg,
                     "INSERT INTO password_resets (user_id, token_hash, expires_at) "
                     "SELECT id, decode($2, 'hex'), now() + interval '1 hour' FROM users "
                     "WHERE lower(username) = lower($1) RETURNING user_id",
                     2, params);
    if (res == NULL) {
        http_db_error(r);
        return;
    }
    if (PQntuples(res) == 1)
        log_warn("password reset requested for user %s: %s/reset?token=%s (valid 1 hour, "
                 "one use)",
                 username, web_cfg.public_url, token);
    else
        log_info("password reset requested for unknown user");
    PQclear(res);
    o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "requested");
    http_json(r, 202, o);
}

void auth_reset_confirm(web_req *r)
{
    cJSON *b = http_json_body(r);
    const char *token, *nw, *params[2];
    char hash[65], pwhash[crypto_pwhash_STRBYTES];
    PGresult *res;

    if (b == NULL)
        return;
    token = http_str_field(r, b, "token", true, 256);
    if (token == NULL)
        return;
    nw = http_str_field(r, b, "new_password", true, 4096);
    if (nw == NULL || !password_ok(r, "new_password", nw))
        return;
    hash_token(token, hash);
    params[0] = hash;
    params[1] = pwhash;
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return;
    }
    res = cf_pg_exec(r->t->pg,
                     "UPDATE password_resets SET used_at = now() WHERE token_hash = decode($1, 'hex') "
                     "AND used_at IS NULL AND expires_at > now() RETURNING user_id",
                     1, params);
    res = http_one_row(r, res, true, 400, "invalid or expired token");
    if (res == NULL)
        return;
    /* Hashed only for a valid token: no free Argon2 work for strangers. */
    if (hash_password(nw, pwhash) != 0) {
        PQclear(res);
        cf_pg_rollback(r->t->pg);
        http_error(r, 500, "out of memory");
        return;
    }
    params[0] = PQgetvalue(res, 0, 0);
    if (cf_pg_run(r->t->pg, "UPDATE users SET password_hash = $2 WHERE id = $1", 2, params) !=
            0 ||
        cf_pg_run(r->t->pg, "DELETE FROM sessions WHERE user_id = $1", 1, params) != 0 ||
        cf_pg_commit(r->t->pg) != 0) {
        PQclear(res);
        cf_pg_rollback(r->t->pg);
        http_db_error(r);
        return;
    }
    PQclear(res);
    http_no_content(r);
}

void auth_users_search(web_req *r)
{
    const char *q = http_query(r, "q");
    char pattern[2 * WEB_USERNAME_MAX + 2];
    const char *params[2];
    size_t j = 0;
    PGresult *res;
    cJSON *o, *arr;

    if (q == NULL || *q == '\0' || strlen(q) > WEB_USERNAME_MAX) {
        http_error(r, 400, "query parameter 'q' must be 1 to 32 characters");
        return;
    }
    for (const char *p = q; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && *p != '_') {
            http_error(r, 400, "query parameter 'q' may hold letters, digits and underscores");
            return;
        }
        if (*p == '_')
            pattern[j++] = '\\';
        pattern[j++] = *p;
    }
    pattern[j++] = '%';
    pattern[j] = '\0';
    params[0] = pattern;
    params[1] = r->user_id;
    res = cf_pg_exec(r->t->pg,
                     "SELECT username FROM users WHERE lower(username) LIKE lower($1) "
                     "AND id <> $2 ORDER BY lower(username) LIMIT 20",
                     2, params);
    if (res == NULL) {
        http_db_error(r);
        return;
    }
    o = cJSON_CreateObject();
    arr = cJSON_AddArrayToObject(o, "users");
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *u = cJSON_CreateObject();

        cJSON_AddStringToObject(u, "username", PQgetvalue(res, i, 0));
        cJSON_AddItemToArray(arr, u);
    }
    PQclear(res);
    http_json(r, 200, o);
}
