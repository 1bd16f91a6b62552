/*
 * session.c — who is asking: the session behind a request's cookie, and the
 * CSRF token that shows a state-changing request comes from our own pages.
 *
 * A session is 32 random bytes, hex, in an HttpOnly SameSite=Lax cookie;
 * the database keeps only a BLAKE2b hash of it, so a leaked table opens no
 * session (password-reset tokens are made and kept the same way, by
 * session_new_token()). The CSRF token is a keyed hash of the session token:
 * nothing to store, it changes with the session, and a page on another site
 * can neither read it nor set the header without a CORS preflight we never
 * grant. Without a session any non-empty header passes: there is nothing to
 * ride on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "web.h"

#define TOKEN_BYTES 32

static const unsigned char csrf_key[16] = "cf-csrf-token-v1";

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    sodium_bin2hex(out, n * 2 + 1, in, n);
}

void session_random_hex(char *out, size_t nbytes)
{
    unsigned char raw[TOKEN_BYTES];

    if (nbytes > sizeof raw)
        abort();
    randombytes_buf(raw, nbytes);
    to_hex(raw, nbytes, out);
}

void session_token_hash(const char *token, char hash[65])
{
    unsigned char h[32];

    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    to_hex(h, sizeof h, hash);
}

void session_new_token(char token[65], char hash[65])
{
    session_random_hex(token, TOKEN_BYTES);
    session_token_hash(token, hash);
}

static void csrf_of(const char *token, char out[WEB_CSRF_LEN + 1])
{
    unsigned char h[32];

    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), csrf_key,
                       sizeof csrf_key);
    to_hex(h, sizeof h, out);
}

/* The session of r->session_hash from PostgreSQL into r; how long it
 * still lasts into *left_ms. */
static void session_lookup(web_req *r, int64_t *left_ms)
{
    const char *params[1] = {r->session_hash};
    PGresult *res = prepared_exec(
        r->t,
        "SELECT u.id, u.username, s.csrf_token, s.last_seen_at < now() - interval '1 minute', "
        "u.role = 'operator', (extract(epoch FROM s.expires_at - now()) * 1000)::bigint "
        "FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash = decode($1, 'hex') AND s.expires_at > now() "
        "AND u.deactivated_at IS NULL",
        1, params);
    if (res == NULL) {
        log_warn("session lookup: %s", cf_pg_error(r->t->pg));
        return;
    }
    bool stale = false;
    if (PQntuples(res) == 1) {
        r->authed = true;
        snprintf(r->user_id, sizeof r->user_id, "%s", PQgetvalue(res, 0, 0));
        snprintf(r->username, sizeof r->username, "%s", PQgetvalue(res, 0, 1));
        snprintf(r->csrf, sizeof r->csrf, "%s", PQgetvalue(res, 0, 2));
        stale = PQgetvalue(res, 0, 3)[0] == 't';
        r->operator= PQgetvalue(res, 0, 4)[0] == 't';
        *left_ms = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
    }
    PQclear(res);
    /* last_seen_at (docs/schema.md) to the minute: one write per session
     * and minute at most, not one per request. Best effort: a failure only
     * leaves the time older. A cached session is looked up again within
     * web.session_cache_ms, well within the minute. */
    if (stale &&
        cf_pg_run(r->t->pg,
                  "UPDATE sessions SET last_seen_at = now() WHERE token_hash = decode($1, 'hex') "
                  "AND last_seen_at < now() - interval '1 minute'",
                  1, params) != 0)
        log_warn("session last seen: %s", cf_pg_error(r->t->pg));
}

void session_load(web_req *r, bool fresh)
{
    char token[TOKEN_BYTES * 2 + 1];
    if (!http_cookie_hex(r, "cf_session", token, TOKEN_BYTES * 2))
        return;
    session_token_hash(token, r->session_hash);
    if (!fresh && session_cache_get(r->session_hash, r))
        return;
    uint64_t gen = session_cache_generation();
    int64_t left_ms = 0;
    session_lookup(r, &left_ms);
    if (r->authed)
        session_cache_put(r->session_hash, r, left_ms, gen);
}

bool session_csrf_ok(web_req *r)
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

    snprintf(c, sizeof c, "cf_session=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d%s", token,
             max_age, web_cfg.secure_cookies ? "; Secure" : "");
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Set-Cookie", c);
}

int session_start(web_req *r, const char *user_id, char csrf[WEB_CSRF_LEN + 1])
{
    char token[TOKEN_BYTES * 2 + 1], hash[65];
    session_new_token(token, hash);
    csrf_of(token, csrf);
    /* A session the client held before this log-in ends here, its cached
     * copies and live streams with it. */
    if (r->session_hash[0] != '\0') {
        const char *old[1] = {r->session_hash};
        if (cf_pg_run(r->t->pg, "DELETE FROM sessions WHERE token_hash = decode($1, 'hex')", 1,
                      old) != 0)
            return -1;
        (void)revocation_publish(r->t->redis, NULL, NULL, r->session_hash);
    }
    char days[16];
    snprintf(days, sizeof days, "%d", web_cfg.session_days);
    const char *params[4] = {hash, user_id, days, csrf};
    if (cf_pg_run(r->t->pg,
                  "INSERT INTO sessions (token_hash, user_id, expires_at, csrf_token) "
                  "VALUES (decode($1, 'hex'), $2, now() + make_interval(days => $3::int), $4)",
                  4, params) != 0)
        return -1;
    set_cookie(r, token, web_cfg.session_days * 86400);
    return 0;
}

int session_end(web_req *r)
{
    const char *params[1] = {r->session_hash};

    if (cf_pg_run(r->t->pg, "DELETE FROM sessions WHERE token_hash = decode($1, 'hex')", 1,
                  params) != 0)
        return -1;
    set_cookie(r, "", 0);
    return 0;
}

int session_end_all(web_req *r, const char *user_id, bool keep_mine)
{
    const char *params[2] = {user_id, r->session_hash};

    if (keep_mine)
        return cf_pg_run(r->t->pg,
                         "DELETE FROM sessions "
                         "WHERE user_id = $1 AND token_hash <> decode($2, 'hex')",
                         2, params);
    return cf_pg_run(r->t->pg, "DELETE FROM sessions WHERE user_id = $1", 1, params);
}

int session_sweep(cf_pg *pg)
{
    return cf_pg_run(pg, "DELETE FROM sessions WHERE expires_at < now()", 0, NULL);
}
