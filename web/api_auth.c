/*
 * api_auth.c — the routes of signing up, logging in and out, the account,
 * its password and password resets, and the user search.
 *
 * Handlers only: each checks its input, applies the rate limits, calls
 * account.c or session.c and answers. The limits are counted in
 * ratelimit.c (one process is the unit), keyed on the client's address as
 * client_ip.c finds it (behind a trusted proxy, the address it forwards).
 *
 * Log-in counts failures three ways within 15 minutes, so that guessing is
 * bounded and yet nobody else's failures refuse a correct password:
 *   - per address and account: after 5, that address may not try that
 *     account (the classic limit, but it locks out the guesser only);
 *   - per address: after 20, that address may not log in at all (a spray
 *     of one password over many names);
 *   - per account, from every address: after 50, only addresses with no
 *     failure on the account may still try it (many addresses guessing one
 *     account get one guess each; its owner, who has not failed, gets in).
 * A success clears its address's count on the account. Password changes
 * are counted per user (10 in 15 minutes, right or wrong: each costs two
 * Argon2id hashes, done by pwhash.c off the event loop). Sign-ups are
 * counted per address (sign-up must say a name is taken — that is how names
 * work — so guessing names costs attempts); reset requests per address,
 * for the whole service, and per username.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "web.h"

#define PASSWORD_MIN 8
#define PASSWORD_MAX 256
#define LOGIN_WINDOW_S 900
#define LOGIN_PAIR_LIMIT 5
#define LOGIN_IP_LIMIT 20
#define LOGIN_ACCOUNT_LIMIT 50
#define SIGNUP_IP_LIMIT 300
#define PASSWORD_CHANGE_LIMIT 10
#define PASSWORD_CHANGE_WINDOW_S 900
#define RESET_WINDOW_S 3600
#define RESET_USER_LIMIT 5
#define RESET_IP_LIMIT 10
#define RESET_ALL_LIMIT 300

/* The Session object: the user (null when logged out) and the CSRF token. */
static void answer_session(web_req *r, int status, cJSON *user, const char *csrf)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddItemToObject(o, "user", user);
    cJSON_AddStringToObject(o, "csrf_token", csrf);
    http_json(r, status, o);
}

void auth_session_get(web_req *r)
{
    if (r->authed) {
        cJSON *user = account_user_json(r->user_id, r->username, NULL);
        cJSON_AddBoolToObject(user, "operator", r->operator);
        answer_session(r, 200, user, r->csrf);
        return;
    }
    /* Without a session any non-empty header passes (see openapi.yaml);
     * a fresh value keeps clients from hard-coding one. */
    char anon[33];
    session_random_hex(anon, 16);
    answer_session(r, 200, cJSON_CreateNull(), anon);
}

/* Logs user in: a new session, answered as the Session object. */
static void log_in(web_req *r, int status, const account_user *user)
{
    char csrf[WEB_CSRF_LEN + 1];

    if (session_start(r, user->id, csrf) != 0) {
        http_db_error(r);
        return;
    }
    cJSON *u = account_user_json(user->id, user->username, user->created_at);
    cJSON_AddBoolToObject(u, "operator", user->operator);
    answer_session(r, status, u, csrf);
}

/* The password policy: 8 to 256 bytes, not the account's name, not on the
 * list of common passwords (password_list.c), both without regard to case.
 * username: the account's, or NULL when not known yet (a reset before its
 * token is read). Answers 400 and returns false otherwise. */
static bool password_ok(web_req *r, const char *field, const char *pw, const char *username)
{
    size_t n = strlen(pw);

    if (n < PASSWORD_MIN || n > PASSWORD_MAX) {
        http_error(r, 400, "field '%s' must be %d to %d characters", field, PASSWORD_MIN,
                   PASSWORD_MAX);
        return false;
    }
    if (username != NULL && strcasecmp(pw, username) == 0) {
        http_error(r, 400, "field '%s' must not be the username", field);
        return false;
    }
    if (password_list_has(pw)) {
        http_error(r, 400,
                   "this password is too common (it is on a list of the passwords most "
                   "often leaked): choose another");
        return false;
    }
    return true;
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
static void user_key(char key[128], const char *prefix, const char *username)
{
    snprintf(key, 128, "%s%.64s", prefix, username);
    for (char *p = key; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
}

/* The three log-in counters of a username from the caller's address. */
typedef struct login_keys {
    char pair[128], ip[128], account[128];
} login_keys;

static void login_keys_of(web_req *r, const char *username, login_keys *k)
{
    char prefix[64];

    snprintf(prefix, sizeof prefix, "login:pair:%s:", http_client_ip(r));
    user_key(k->pair, prefix, username);
    snprintf(k->ip, sizeof k->ip, "login:ip:%s", http_client_ip(r));
    user_key(k->account, "login:account:", username);
}

/* May the caller's address try this account now? Else *retry is set. */
static bool login_allowed(const login_keys *k, int *retry)
{
    if (ratelimit_blocked(k->ip, LOGIN_IP_LIMIT, LOGIN_WINDOW_S, retry) ||
        ratelimit_blocked(k->pair, LOGIN_PAIR_LIMIT, LOGIN_WINDOW_S, retry))
        return false;
    /* An account under attack: only addresses that never failed on it. */
    return !(ratelimit_blocked(k->account, LOGIN_ACCOUNT_LIMIT, LOGIN_WINDOW_S, retry) &&
             ratelimit_blocked(k->pair, 1, LOGIN_WINDOW_S, retry));
}

static void login_failed(const login_keys *k)
{
    ratelimit_hit(k->pair, LOGIN_PAIR_LIMIT, LOGIN_WINDOW_S, NULL);
    ratelimit_hit(k->ip, LOGIN_IP_LIMIT, LOGIN_WINDOW_S, NULL);
    ratelimit_hit(k->account, LOGIN_ACCOUNT_LIMIT, LOGIN_WINDOW_S, NULL);
}

/* The body's "username" and "password" strings; answers 400 and returns
 * false when one is missing. */
static bool credentials(web_req *r, const char **username, const char **password)
{
    *username = http_body_str(r, "username", 256);
    if (*username == NULL)
        return false;
    *password = http_body_str(r, "password", 4096);
    return *password != NULL;
}

/* A sign-up's name, kept until its password is hashed. */
typedef struct signup_ctx {
    char username[WEB_USERNAME_MAX + 1];
} signup_ctx;

static void signup_hashed(web_req *r, int result, const char *hash, void *arg)
{
    signup_ctx *c = arg;
    account_user user;

    if (result != 1)
        http_error(r, 500, "out of memory");
    else if (account_create(r, c->username, hash, &user))
        log_in(r, 201, &user);
    free(c);
}

void auth_signup(web_req *r)
{
    const char *username, *password;
    if (!credentials(r, &username, &password))
        return;
    if (!account_username_valid(username)) {
        http_error(r, 400, "username must be 3 to 32 letters, digits or underscores");
        return;
    }
    if (account_username_reserved(username)) {
        http_error(r, 400, "username '%s' is reserved: pick another", username);
        return;
    }
    if (!password_ok(r, "password", password, username))
        return;
    char key[128];
    snprintf(key, sizeof key, "signup:ip:%s", http_client_ip(r));
    if (limited(r, key, SIGNUP_IP_LIMIT, 3600))
        return;
    signup_ctx *c = malloc(sizeof *c);
    if (c == NULL) {
        http_error(r, 500, "out of memory");
        return;
    }
    snprintf(c->username, sizeof c->username, "%s", username);
    if (!pwhash_hash(r, password, signup_hashed, c))
        free(c);
}

/* A log-in waiting for its password check. */
typedef struct login_ctx {
    login_keys keys;
    account_login account;
} login_ctx;

static void login_checked(web_req *r, int result, const char *hash, void *arg)
{
    login_ctx *c = arg;
    (void)hash;

    if (result != 1) {
        login_failed(&c->keys);
        http_error(r, 401, "invalid username or password");
    } else {
        ratelimit_reset(c->keys.pair);
        /* Said only to whoever knows the password: no news for a guesser. */
        if (c->account.user.deactivated)
            http_error(r, 403, "this account is deactivated");
        else
            log_in(r, 200, &c->account.user);
    }
    sodium_memzero(c, sizeof *c);
    free(c);
}

void auth_login(web_req *r)
{
    const char *username, *password;
    if (!credentials(r, &username, &password))
        return;
    login_ctx *c = calloc(1, sizeof *c);
    if (c == NULL) {
        http_error(r, 500, "out of memory");
        return;
    }
    login_keys_of(r, username, &c->keys);
    int retry = 0;
    if (!login_allowed(&c->keys, &retry)) {
        free(c);
        http_too_many(r, retry);
        return;
    }
    if (account_login_lookup(r, username, &c->account) != 0) {
        free(c);
        http_db_error(r);
        return;
    }
    /* An unknown user is checked against a dummy hash: same answer, same
     * time. */
    if (!pwhash_verify(r, c->account.found ? c->account.hash : NULL, password, login_checked, c))
        free(c);
}

void auth_logout(web_req *r)
{
    if (session_end(r) != 0) {
        http_db_error(r);
        return;
    }
    /* The session's live streams end too, on every process. */
    (void)revocation_publish(r->t->redis, NULL, NULL, r->session_hash);
    http_no_content(r);
}

void auth_account_get(web_req *r)
{
    cJSON *o = account_json(r);

    if (o != NULL)
        http_json(r, 200, o);
}

void auth_account_patch(web_req *r)
{
    cJSON *b = http_json_body(r);
    if (b == NULL)
        return;
    cJSON *it;
    cJSON_ArrayForEach (it, b) {
        if (strcmp(it->string, "about") != 0 && strcmp(it->string, "fights_public_default") != 0) {
            http_error(r, 400, "unknown field '%.64s'", it->string);
            return;
        }
    }
    const char *about = http_str_field(r, b, "about", false, 500);
    /* NULL from a present, non-null "about" was answered 400; "about": null
     * leaves it as it is (and must still be answered). */
    if (about == NULL && cJSON_GetObjectItemCaseSensitive(b, "about") != NULL &&
        !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(b, "about")))
        return;
    const cJSON *pub = cJSON_GetObjectItemCaseSensitive(b, "fights_public_default");
    if (pub != NULL && !cJSON_IsBool(pub)) {
        http_error(r, 400, "field 'fights_public_default' must be a boolean");
        return;
    }
    if (account_update(r, about, pub == NULL ? NULL : cJSON_IsTrue(pub) ? "true" : "false"))
        auth_account_get(r);
}

/* The body's "new_password", as the policy allows for username (NULL:
 * not known yet); NULL after answering 400. */
static const char *new_password(web_req *r, const char *username)
{
    const char *pw = http_body_str(r, "new_password", 4096);

    return pw != NULL && password_ok(r, "new_password", pw, username) ? pw : NULL;
}

/* The new password, hashed once the current one has been checked. */
static void password_hashed(web_req *r, int result, const char *hash, void *arg)
{
    (void)arg;
    if (result != 1) {
        http_error(r, 500, "out of memory");
        return;
    }
    if (!account_set_password(r, hash))
        return;
    /* The other sessions ended: their live streams end too. */
    (void)revocation_publish(r->t->redis, r->user_id, r->session_hash, NULL);
    http_no_content(r);
}

static void current_checked(web_req *r, int result, const char *hash, void *arg)
{
    const char *pw = arg; /* the body's new_password: r lives on */
    (void)hash;

    if (result != 1)
        http_error(r, 400, "current password is wrong");
    else
        (void)pwhash_hash(r, pw, password_hashed, NULL);
}

void auth_password_change(web_req *r)
{
    const char *current = http_body_str(r, "current_password", 4096);
    if (current == NULL)
        return;
    const char *pw = new_password(r, r->username);
    if (pw == NULL)
        return;
    /* Every attempt costs two hashes: counted per user, right or wrong. */
    char key[128];
    snprintf(key, sizeof key, "password:user:%s", r->user_id);
    if (limited(r, key, PASSWORD_CHANGE_LIMIT, PASSWORD_CHANGE_WINDOW_S))
        return;
    char stored[256];
    if (account_password_hash(r, stored, sizeof stored))
        (void)pwhash_verify(r, stored, current, current_checked, (void *)pw);
}

void auth_reset_request(web_req *r)
{
    const char *username = http_body_str(r, "username", 256);
    if (username == NULL)
        return;
    char ikey[128], ukey[128];
    snprintf(ikey, sizeof ikey, "reset:ip:%s", http_client_ip(r));
    user_key(ukey, "reset:user:", username);
    if (limited(r, ikey, RESET_IP_LIMIT, RESET_WINDOW_S) ||
        limited(r, "reset:all", RESET_ALL_LIMIT, RESET_WINDOW_S) ||
        limited(r, ukey, RESET_USER_LIMIT, RESET_WINDOW_S))
        return;
    if (!account_reset_request(r, username))
        return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "requested");
    http_json(r, 202, o);
}

static void reset_hashed(web_req *r, int result, const char *hash, void *arg)
{
    const char *token = arg; /* the body's: r lives on */

    if (result != 1)
        http_error(r, 500, "out of memory");
    else if (account_reset_confirm(r, token, hash))
        http_no_content(r);
}

void auth_reset_confirm(web_req *r)
{
    const char *token = http_body_str(r, "token", 256);
    if (token == NULL)
        return;
    /* The policy without the name first: the token is read only then. */
    const char *pw = new_password(r, NULL);
    char username[WEB_USERNAME_MAX + 1];
    /* Hashed only for a valid token: no free Argon2 work for strangers. */
    if (pw == NULL || !account_reset_valid(r, token, username, sizeof username))
        return;
    if (password_ok(r, "new_password", pw, username))
        (void)pwhash_hash(r, pw, reset_hashed, (void *)token);
}

void auth_users_search(web_req *r)
{
    const char *q = http_query(r, "q");
    if (q == NULL || *q == '\0' || strlen(q) > WEB_USERNAME_MAX) {
        http_error(r, 400, "query parameter 'q' must be 1 to 32 characters");
        return;
    }
    for (const char *p = q; *p != '\0'; p++)
        if (!isalnum((unsigned char)*p) && *p != '_') {
            http_error(r, 400, "query parameter 'q' may hold letters, digits and underscores");
            return;
        }
    http_json_list(r, "users", account_search(r, q));
}
