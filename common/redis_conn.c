/*
 * redis_conn.c — a blocking hiredis connection that reconnects by itself.
 *
 * Every command is formatted once into the Redis protocol, then sent; when
 * the connection fails (I/O error, server closed it) the context is thrown
 * away, a new one is made with exponential backoff (50 ms doubling to 5 s)
 * and the same bytes are sent again, until the caller's retry budget is
 * spent. A command may therefore run twice if the server executed it but
 * the reply was lost: callers keep their writes idempotent (stream entries
 * carry their own fight id, and the consumers tolerate duplicates).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "error.h"
#include "log.h"
#include "redis_conn.h"

#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 5000
#define CONNECT_TIMEOUT_MS 2000

struct cf_redis {
    cf_redis_addr addr;
    redisContext *ctx;
    int retry_ms;
    const volatile sig_atomic_t *stop;
    char err[256];
};

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

    /* An interrupting signal ends the nap early: the caller checks its stop
     * flag right after, which is the point of being interrupted. */
    nanosleep(&ts, NULL);
}

/* Parses a non-negative decimal integer of [s, s+len) bounded by max. */
static int parse_uint(const char *s, size_t len, long max, long *out)
{
    long v = 0;

    if (len == 0 || len > 10)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

/* Percent-decoding is not supported: a '%' in a URL is refused, so what the
 * operator wrote is exactly what is used. */
static int copy_part(char *dst, size_t dstlen, const char *s, size_t len)
{
    if (len >= dstlen || memchr(s, '%', len) != NULL)
        return -1;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return 0;
}

static int parse_unix(const char *rest, cf_redis_addr *out, char *err, size_t errlen)
{
    const char *q = strchr(rest, '?');
    size_t plen = q != NULL ? (size_t)(q - rest) : strlen(rest);

    if (plen == 0 || rest[0] != '/') {
        cf_seterr(err, errlen, "redis url: unix:// needs an absolute socket path");
        return -1;
    }
    if (copy_part(out->path, sizeof out->path, rest, plen) != 0) {
        cf_seterr(err, errlen, "redis url: socket path too long or contains '%%'");
        return -1;
    }
    while (q != NULL) {
        const char *p = q + 1, *amp = strchr(p, '&');
        size_t l = amp != NULL ? (size_t)(amp - p) : strlen(p);
        long v;

        if (l > 3 && strncmp(p, "db=", 3) == 0) {
            if (parse_uint(p + 3, l - 3, INT_MAX, &v) != 0) {
                cf_seterr(err, errlen, "redis url: db must be a non-negative integer");
                return -1;
            }
            out->db = (int)v;
        } else if (l >= 9 && strncmp(p, "password=", 9) == 0) {
            if (copy_part(out->password, sizeof out->password, p + 9, l - 9) != 0) {
                cf_seterr(err, errlen, "redis url: password too long or contains '%%'");
                return -1;
            }
        } else {
            cf_seterr(err, errlen, "redis url: unknown parameter '%.*s' (db, password)",
                      (int)(l > 32 ? 32 : l), p);
            return -1;
        }
        q = amp;
    }
    return 0;
}

/*
 * The host of [hostp, slash): "[IPv6]" or a name of letters, digits, '.',
 * '-' and '_', into out->host; *hostend is set just past it (at ':' or
 * slash).
 */
static int parse_host(const char *hostp, const char *slash, cf_redis_addr *out,
                      const char **hostend, char *err, size_t errlen)
{
    if (*hostp == '[') { /* [IPv6]:port */
        const char *close = memchr(hostp, ']', (size_t)(slash - hostp));
        if (close == NULL) {
            cf_seterr(err, errlen, "redis url: unterminated [IPv6] host");
            return -1;
        }
        if (copy_part(out->host, sizeof out->host, hostp + 1, (size_t)(close - hostp - 1)) != 0 ||
            out->host[0] == '\0') {
            cf_seterr(err, errlen, "redis url: bad IPv6 host");
            return -1;
        }
        *hostend = close + 1;
        if (*hostend != slash && **hostend != ':') {
            cf_seterr(err, errlen, "redis url: unexpected text after ']'");
            return -1;
        }
        return 0;
    }
    *hostend = memchr(hostp, ':', (size_t)(slash - hostp));
    if (*hostend == NULL)
        *hostend = slash;
    if (*hostend == hostp) {
        cf_seterr(err, errlen, "redis url: missing host");
        return -1;
    }
    if (copy_part(out->host, sizeof out->host, hostp, (size_t)(*hostend - hostp)) != 0) {
        cf_seterr(err, errlen, "redis url: host too long or contains '%%'");
        return -1;
    }
    for (const char *p = out->host; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-' || *p == '_')) {
            cf_seterr(err, errlen, "redis url: bad character in host");
            return -1;
        }
    }
    return 0;
}

static int parse_tcp(const char *rest, cf_redis_addr *out, char *err, size_t errlen)
{
    const char *at, *hostp, *hostend, *slash, *end = rest + strlen(rest);
    long v;

    slash = strchr(rest, '/');
    if (slash == NULL)
        slash = end;
    if (memchr(rest, '?', (size_t)(end - rest)) != NULL) {
        cf_seterr(err, errlen, "redis url: query parameters are not supported for redis://");
        return -1;
    }
    /* userinfo: [user]:password@ — the user part (Redis 6 ACL) is not used. */
    at = memrchr(rest, '@', (size_t)(slash - rest));
    hostp = rest;
    if (at != NULL) {
        const char *colon = memchr(rest, ':', (size_t)(at - rest));
        if (colon == NULL) {
            cf_seterr(err, errlen, "redis url: expected ':password@' before the host");
            return -1;
        }
        if (copy_part(out->password, sizeof out->password, colon + 1, (size_t)(at - colon - 1)) !=
            0) {
            cf_seterr(err, errlen, "redis url: password too long or contains '%%'");
            return -1;
        }
        hostp = at + 1;
    }
    if (parse_host(hostp, slash, out, &hostend, err, errlen) != 0)
        return -1;
    if (hostend < slash && *hostend == ':') {
        if (parse_uint(hostend + 1, (size_t)(slash - hostend - 1), 65535, &v) != 0 || v == 0) {
            cf_seterr(err, errlen, "redis url: port must be an integer in 1..65535");
            return -1;
        }
        out->port = (int)v;
    }
    if (slash < end && slash + 1 < end) {
        if (parse_uint(slash + 1, (size_t)(end - slash - 1), INT_MAX, &v) != 0) {
            cf_seterr(err, errlen, "redis url: database must be a non-negative integer");
            return -1;
        }
        out->db = (int)v;
    }
    return 0;
}

int cf_redis_parse_url(const char *url, cf_redis_addr *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->port = 6379;
    if (url == NULL || *url == '\0') {
        cf_seterr(err, errlen, "redis url: empty");
        return -1;
    }
    if (strlen(url) > 1024) {
        cf_seterr(err, errlen, "redis url: longer than 1024 bytes");
        return -1;
    }
    for (const char *p = url; *p != '\0'; p++) {
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7F) {
            cf_seterr(err, errlen, "redis url: contains a space, control or non-ASCII byte");
            return -1;
        }
    }
    if (strncmp(url, "unix://", 7) == 0) {
        out->port = 0;
        return parse_unix(url + 7, out, err, errlen);
    }
    if (strncmp(url, "redis://", 8) == 0)
        return parse_tcp(url + 8, out, err, errlen);
    cf_seterr(err, errlen, "redis url: must start with redis:// or unix:// (got '%.16s')", url);
    return -1;
}

/*
 * Checks (and frees) the reply to AUTH or SELECT on a fresh connection. A
 * reply of type error is a configuration error (wrong password, no such
 * database), which no amount of reconnecting fixes: *fatal tells the caller
 * so; no reply at all is an I/O error, worth another try.
 */
static int setup_reply(cf_redis *r, const redisContext *c, redisReply *rep, const char *what,
                       bool *fatal)
{
    if (rep != NULL && rep->type != REDIS_REPLY_ERROR) {
        freeReplyObject(rep);
        return 0;
    }
    snprintf(r->err, sizeof r->err, "%s: %s", what, rep != NULL ? rep->str : c->errstr);
    *fatal = rep != NULL;
    freeReplyObject(rep);
    return -1;
}

static int open_ctx(cf_redis *r, bool *fatal)
{
    struct timeval tv = {.tv_sec = CONNECT_TIMEOUT_MS / 1000,
                         .tv_usec = (CONNECT_TIMEOUT_MS % 1000) * 1000};
    redisContext *c;

    *fatal = false;
    if (r->addr.path[0] != '\0')
        c = redisConnectUnixWithTimeout(r->addr.path, tv);
    else
        c = redisConnectWithTimeout(r->addr.host, r->addr.port, tv);
    if (c == NULL) {
        snprintf(r->err, sizeof r->err, "cannot allocate redis context");
        return -1;
    }
    if (c->err) {
        snprintf(r->err, sizeof r->err, "connect: %s", c->errstr);
        redisFree(c);
        return -1;
    }
    if (r->addr.path[0] == '\0' && redisEnableKeepAlive(c) != REDIS_OK) {
        snprintf(r->err, sizeof r->err, "keepalive: %s", c->errstr);
        redisFree(c);
        return -1;
    }
    if (r->addr.password[0] != '\0' &&
        setup_reply(r, c, redisCommand(c, "AUTH %s", r->addr.password), "AUTH", fatal) != 0) {
        redisFree(c);
        return -1;
    }
    if (r->addr.db != 0) {
        char what[32];

        snprintf(what, sizeof what, "SELECT %d", r->addr.db);
        if (setup_reply(r, c, redisCommand(c, "SELECT %d", r->addr.db), what, fatal) != 0) {
            redisFree(c);
            return -1;
        }
    }
    r->ctx = c;
    return 0;
}

static bool stopped(const cf_redis *r)
{
    return r->stop != NULL && *r->stop != 0;
}

/* Connects, backing off, until deadline (0: none). 0 or -1. */
static int reconnect(cf_redis *r, long long deadline)
{
    int wait = BACKOFF_MIN_MS;
    bool fatal;

    if (r->ctx != NULL) {
        redisFree(r->ctx);
        r->ctx = NULL;
    }
    for (;;) {
        if (open_ctx(r, &fatal) == 0)
            return 0;
        if (fatal || stopped(r))
            return -1;
        if (deadline != 0) {
            long long left = deadline - cf_now_ms();
            if (left <= 0)
                return -1;
            if (wait > left)
                wait = (int)left;
        }
        log_debug("redis: %s; retrying in %d ms", r->err, wait);
        sleep_ms(wait);
        if (stopped(r))
            return -1;
        wait = wait * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : wait * 2;
    }
}

static long long deadline_of(const cf_redis *r)
{
    return r->retry_ms > 0 ? cf_now_ms() + r->retry_ms : 0;
}

/* cf_redis_connect whose first connection already honours stop. */
static cf_redis *connect_stoppable(const char *url, int retry_ms, const volatile sig_atomic_t *stop,
                                   char *err, size_t errlen)
{
    cf_redis *r = calloc(1, sizeof *r);

    if (r == NULL) {
        cf_seterr(err, errlen, "out of memory");
        return NULL;
    }
    /* cf_redis_free on failure too: it wipes the password the URL held. */
    if (cf_redis_parse_url(url, &r->addr, err, errlen) != 0) {
        cf_redis_free(r);
        return NULL;
    }
    r->retry_ms = retry_ms < 0 ? 0 : retry_ms;
    r->stop = stop;
    if (reconnect(r, deadline_of(r)) != 0) {
        cf_seterr(err, errlen, "redis %s: %s", r->addr.path[0] ? r->addr.path : r->addr.host,
                  r->err);
        cf_redis_free(r);
        return NULL;
    }
    return r;
}

cf_redis *cf_redis_connect(const char *url, int retry_ms, char *err, size_t errlen)
{
    return connect_stoppable(url, retry_ms, NULL, err, errlen);
}

cf_redis *cf_redis_connect_until(const char *url, int retry_ms, const volatile sig_atomic_t *stop,
                                 char *err, size_t errlen)
{
    while (stop == NULL || *stop == 0) {
        cf_redis *r = connect_stoppable(url, retry_ms, stop, err, errlen);

        if (r != NULL)
            return r;
        if (stop != NULL && *stop != 0)
            break;
        log_warn("redis: %s; retrying", err);
        /* In short naps, so a stop request is seen within 100 ms even when
         * the signal came before the nap began. */
        for (int i = 0; i < 10 && (stop == NULL || *stop == 0); i++)
            sleep_ms(100);
    }
    cf_seterr(err, errlen, "stopped before Redis answered");
    return NULL;
}

void cf_redis_free(cf_redis *r)
{
    if (r == NULL)
        return;
    if (r->ctx != NULL)
        redisFree(r->ctx);
    explicit_bzero(r->addr.password, sizeof r->addr.password);
    free(r);
}

void cf_redis_set_stop_flag(cf_redis *r, const volatile sig_atomic_t *flag)
{
    r->stop = flag;
}

redisContext *cf_redis_context(cf_redis *r)
{
    return r->ctx;
}

const char *cf_redis_error(const cf_redis *r)
{
    return r != NULL ? r->err : "no connection";
}

/* The connection failed: its error kept for logs, the context freed, so
 * the next command starts on a new one. */
static void drop_connection(cf_redis *r)
{
    snprintf(r->err, sizeof r->err, "%s", r->ctx->errstr[0] ? r->ctx->errstr : "I/O error");
    log_warn("redis: connection lost (%s), reconnecting", r->err);
    redisFree(r->ctx);
    r->ctx = NULL;
}

/*
 * Sends an already formatted command, reconnecting as needed. The first
 * failure reconnects at once (the usual case: the server restarted or
 * dropped an idle connection); if the command keeps failing on fresh
 * connections, the retries back off too, so a command that makes the
 * server hang up can never spin.
 */
static redisReply *send_formatted(cf_redis *r, const char *cmd, size_t len)
{
    long long deadline = deadline_of(r);
    int wait = BACKOFF_MIN_MS;

    for (int failures = 0;; failures++) {
        void *reply = NULL;

        if (failures > 1) {
            if (deadline != 0 && cf_now_ms() + wait > deadline)
                wait = (int)(deadline - cf_now_ms() > 0 ? deadline - cf_now_ms() : 0);
            sleep_ms(wait);
            wait = wait * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : wait * 2;
            if (stopped(r) || (deadline != 0 && cf_now_ms() >= deadline))
                return NULL;
        }
        if (r->ctx == NULL && reconnect(r, deadline) != 0)
            return NULL;
        if (redisAppendFormattedCommand(r->ctx, cmd, len) == REDIS_OK &&
            redisGetReply(r->ctx, &reply) == REDIS_OK && reply != NULL)
            return reply;
        drop_connection(r);
        if (stopped(r) || (deadline != 0 && cf_now_ms() >= deadline))
            return NULL;
    }
}

/* Sends a command hiredis formatted (len < 0: it could not), then frees it. */
static redisReply *send_and_free(cf_redis *r, char *cmd, int len)
{
    redisReply *rep;

    if (len < 0 || cmd == NULL) {
        snprintf(r->err, sizeof r->err, "cannot format command");
        redisFreeCommand(cmd);
        return NULL;
    }
    rep = send_formatted(r, cmd, (size_t)len);
    redisFreeCommand(cmd);
    return rep;
}

redisReply *cf_redis_command(cf_redis *r, const char *fmt, ...)
{
    char *cmd = NULL;
    va_list ap;
    int len;

    va_start(ap, fmt);
    len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    return send_and_free(r, cmd, len);
}

redisReply *cf_redis_argv(cf_redis *r, int argc, const char **argv, const size_t *lens)
{
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, lens);

    return send_and_free(r, cmd, len);
}

/* Writes the formatted command whole on the connection at hand; 0, or -1
 * when there is none or the write failed (the reply then sends it again). */
static int write_formatted(cf_redis *r, const char *cmd, size_t len)
{
    int done = 0;

    if (r->ctx == NULL || redisAppendFormattedCommand(r->ctx, cmd, len) != REDIS_OK)
        return -1;
    while (!done)
        if (redisBufferWrite(r->ctx, &done) != REDIS_OK)
            return -1;
    return 0;
}

void cf_redis_send_argv(cf_redis *r, cf_redis_sent *s, int argc, const char **argv,
                        const size_t *lens)
{
    s->cmd = NULL;
    s->len = redisFormatCommandArgv(&s->cmd, argc, argv, lens);
    s->written = s->len >= 0 && s->cmd != NULL && write_formatted(r, s->cmd, (size_t)s->len) == 0;
}

redisReply *cf_redis_reply(cf_redis *r, cf_redis_sent *s)
{
    void *reply = NULL;

    if (s->written && redisGetReply(r->ctx, &reply) == REDIS_OK && reply != NULL) {
        redisFreeCommand(s->cmd);
        s->cmd = NULL;
        return reply;
    }
    /* Not written, or no reply: the connection is of no more use (a reply
     * may still be on its way), so send_formatted starts on a new one. */
    if (r->ctx != NULL && (s->written || r->ctx->err != 0))
        drop_connection(r);
    redisReply *rep = send_and_free(r, s->cmd, s->len);
    s->cmd = NULL;
    return rep;
}
