/*
 * redis_conn.h — a Redis connection that comes back by itself.
 *
 * URLs: redis://[:password@]host[:port][/db] or unix:///path/to/socket[?db=N].
 * A command that fails with an I/O error reconnects with exponential backoff
 * (50 ms doubling to 5 s) and is retried once connected, until the deadline
 * given at connect time (0: forever). Replies of type error are returned as
 * they are: they are answers, not connection failures.
 */
#ifndef CF_REDIS_CONN_H
#define CF_REDIS_CONN_H

#include <signal.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

typedef struct cf_redis cf_redis;

cf_redis *cf_redis_connect(const char *url, int retry_ms, char *err, size_t errlen);

/*
 * A service's first connection: cf_redis_connect with the stop flag set from
 * the start, tried again once a second (logging "redis: <err>; retrying" at
 * warn) after any failure, e.g. a wrong password, until it succeeds or *stop
 * becomes non-zero. The connection it returns keeps stop as its stop flag.
 * NULL (err set) only once *stop is set; stop NULL: never give up.
 */
cf_redis *cf_redis_connect_until(const char *url, int retry_ms, const volatile sig_atomic_t *stop,
                                 char *err, size_t errlen);
void cf_redis_free(cf_redis *r);

/* printf-style and argv-style commands; NULL when the deadline passed. */
redisReply *cf_redis_command(cf_redis *r, const char *fmt, ...);
redisReply *cf_redis_argv(cf_redis *r, int argc, const char **argv, const size_t *lens);

/*
 * A command in two halves, to wait on Redis and on something else (e.g.
 * PostgreSQL) at the same time: cf_redis_send_argv formats the command and
 * writes it at once, reading nothing; cf_redis_reply then reads its reply.
 * When the write or the read failed (the connection was lost), the reply
 * is that of the command sent again as cf_redis_argv sends it
 * (reconnecting, until the deadline), so only commands that may run twice
 * belong here, as with cf_redis_argv. Every send needs its cf_redis_reply,
 * which frees what the send kept, and no other command may go on r in
 * between. NULL: as cf_redis_argv.
 */
typedef struct cf_redis_sent {
    char *cmd; /* the formatted command, NULL when it could not be */
    int len;
    int written; /* it went out whole on the connection at hand */
} cf_redis_sent;
void cf_redis_send_argv(cf_redis *r, cf_redis_sent *s, int argc, const char **argv,
                        const size_t *lens);
redisReply *cf_redis_reply(cf_redis *r, cf_redis_sent *s);

/*
 * While reconnecting, stop waiting as soon as *flag becomes non-zero (e.g.
 * set by a SIGTERM handler), so a service shuts down promptly even when
 * Redis is gone. NULL: never stop early.
 */
void cf_redis_set_stop_flag(cf_redis *r, const volatile sig_atomic_t *flag);

/* The underlying hiredis context (NULL while disconnected); do not keep it. */
redisContext *cf_redis_context(cf_redis *r);

/* The last connection error, for logs. */
const char *cf_redis_error(const cf_redis *r);

/* Parses a URL without connecting (exposed for tests). */
typedef struct cf_redis_addr {
    char host[256];
    int port;
    char path[108];
    char password[256];
    int db;
} cf_redis_addr;
int cf_redis_parse_url(const char *url, cf_redis_addr *out, char *err, size_t errlen);

#endif
