/*
 * outbox.c — fights reach cf:fights through a table, not a direct XADD.
 *
 * Queuing a fight writes its state and its stream entry (the outbox row,
 * built by PostgreSQL from the players' code, the settings and the seed) in
 * the caller's transaction: either both exist or neither. The relay then
 * (outbox_relay.c's thread) XADDs unsent rows and stamps them sent. If
 * Redis is down the rows wait and the relay retries every half second, so a
 * Redis hiccup delays a fight but never strands it. Rows are taken FOR
 * UPDATE SKIP LOCKED, so several cf-web processes can relay side by side;
 * a crash between XADD and the stamp sends an entry twice, which the
 * pipeline tolerates (results are committed exactly once by the result
 * processor).
 *
 * The fields of a cf:fights entry are named in one place,
 * outbox_fight_fields(): the row's payload is built from it and the XADD
 * reads the payload back by it.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "stream_msg.h"
#include "web.h"

#define RELAY_BATCH 20
#define FIELDS_MAX 8

/* One field of a cf:fights entry: its name, and the SQL over fights f
 * that gives its text. */
typedef struct fight_field {
    const char *name;
    const char *sql;
} fight_field;

/* The cf:fights entry of a fight (docs/streams.md; common/stream_msg.h
 * decodes it), field by field, as PostgreSQL spells it. A field whose value
 * is NULL (a fight without settings or seed) is left out of the entry. */
static const fight_field *outbox_fight_fields(size_t *n)
{
    static const fight_field fields[] = {
        {"id", "f.id::text"},
        {"game", "f.game"},
        /* House bots (no user, no bot version) run the game's template whose
         * name follows "house/" in the player's name. */
        {"players", "(SELECT json_agg(json_build_object('name', p.name, 'code', "
                    "COALESCE(v.code, t.code)) ORDER BY p.slot)::text FROM fight_players p "
                    "LEFT JOIN bot_versions v ON v.id = p.bot_version_id "
                    "LEFT JOIN game_templates t ON p.bot_version_id IS NULL AND p.user_id IS NULL "
                    "AND t.game = f.game AND 'house/' || t.name = p.name "
                    "WHERE p.fight_id = f.id)"},
        {"settings", "f.settings::text"},
        {"seed", "f.seed::text"},
    };

    *n = sizeof fields / sizeof fields[0];
    return fields;
}

/* Appends to the SQL being built in sql; the pieces are fixed texts, so
 * one that does not fit is a bug: never run a cut statement. */
static void sql_append(char *sql, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void sql_append(char *sql, size_t size, size_t *used, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sql + *used, size - *used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size - *used)
        abort();
    *used += (size_t)n;
}

int outbox_enqueue(cf_pg *pg, const char *fight_id)
{
    size_t n;
    const fight_field *fields = outbox_fight_fields(&n);
    char sql[2048];
    size_t used = 0;
    sql_append(sql, sizeof sql, &used,
               "INSERT INTO outbox (fight_id, payload) SELECT f.id, jsonb_build_object(");
    for (size_t i = 0; i < n; i++)
        sql_append(sql, sizeof sql, &used, i == 0 ? "'%s', %s" : ", '%s', %s", fields[i].name,
                   fields[i].sql);
    sql_append(sql, sizeof sql, &used, ") FROM fights f WHERE f.id = $1::uuid");
    const char *params[1] = {fight_id};
    return cf_pg_run(pg, sql, 1, params);
}

int outbox_drop(cf_pg *pg, const char *fight_id)
{
    const char *params[1] = {fight_id};

    return cf_pg_run(pg,
                     "UPDATE outbox SET sent_at = now(), last_error = 'cancelled before sending' "
                     "WHERE fight_id = $1::uuid AND sent_at IS NULL",
                     1, params);
}

/* The unsent rows, oldest first: id, fight_id, then the entry's fields in
 * outbox_fight_fields() order. */
static PGresult *take_unsent(cf_pg *pg)
{
    size_t n;
    const fight_field *fields = outbox_fight_fields(&n);
    char sql[1024];
    size_t used = 0;
    sql_append(sql, sizeof sql, &used, "SELECT id, fight_id");
    for (size_t i = 0; i < n; i++)
        sql_append(sql, sizeof sql, &used, ", payload->>'%s'", fields[i].name);
    sql_append(sql, sizeof sql, &used,
               " FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT %d FOR UPDATE SKIP LOCKED",
               RELAY_BATCH);
    return cf_pg_exec(pg, sql, 0, NULL);
}

/* XADDs row `row` of take_unsent()'s result to cf:fights. */
static int xadd(cf_redis *redis, PGresult *res, int row, char *err, size_t errlen)
{
    size_t n;
    const fight_field *fields = outbox_fight_fields(&n);
    if (n > FIELDS_MAX)
        abort();
    const char *argv[3 + 2 * FIELDS_MAX] = {"XADD", CF_STREAM_FIGHTS, "*"};
    size_t lens[3 + 2 * FIELDS_MAX] = {4, strlen(CF_STREAM_FIGHTS), 1};
    int argc = 3;
    for (size_t f = 0; f < n; f++) {
        int col = 2 + (int)f;
        if (PQgetisnull(res, row, col))
            continue;
        argv[argc] = fields[f].name;
        lens[argc++] = strlen(fields[f].name);
        argv[argc] = PQgetvalue(res, row, col);
        lens[argc++] = (size_t)PQgetlength(res, row, col);
    }
    redisReply *rep = cf_redis_argv(redis, argc, argv, lens);
    if (rep == NULL) {
        snprintf(err, errlen, "redis: %s", cf_redis_error(redis));
        return -1;
    }
    int rc = 0;
    if (rep->type != REDIS_REPLY_STRING) {
        snprintf(err, errlen, "XADD: %s", rep->type == REDIS_REPLY_ERROR ? rep->str : "bad reply");
        rc = -1;
    }
    freeReplyObject(rep);
    return rc;
}

/* Stamps an outbox row sent, or counts a failed attempt with its error. */
static int stamp(cf_pg *pg, const char *row_id, bool sent, const char *err)
{
    const char *params[2] = {row_id, err};

    if (sent)
        return cf_pg_run(pg,
                         "UPDATE outbox SET sent_at = now(), attempts = attempts + 1 "
                         "WHERE id = $1::bigint",
                         1, params);
    return cf_pg_run(pg,
                     "UPDATE outbox SET attempts = attempts + 1, last_error = $2 "
                     "WHERE id = $1::bigint",
                     2, params);
}

int outbox_relay(cf_pg *pg, cf_redis *redis)
{
    if (cf_pg_begin(pg) != 0)
        return -1;
    PGresult *res = take_unsent(pg);
    if (res == NULL) {
        cf_pg_rollback(pg);
        return -1;
    }
    int sent = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        char err[256] = "";
        bool ok = xadd(redis, res, i, err, sizeof err) == 0;
        if (stamp(pg, PQgetvalue(res, i, 0), ok, err) != 0) {
            PQclear(res);
            cf_pg_rollback(pg);
            return -1;
        }
        if (!ok) {
            log_warn("outbox: fight %s not sent yet: %s", PQgetvalue(res, i, 1), err);
            break; /* Redis is unwell: keep the order, retry later */
        }
        log_info("fight %s sent to %s", PQgetvalue(res, i, 1), CF_STREAM_FIGHTS);
        sent++;
    }
    PQclear(res);
    if (cf_pg_commit(pg) != 0) {
        cf_pg_rollback(pg);
        return -1;
    }
    return sent;
}

static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;
static bool woken;

void outbox_wake(void)
{
    pthread_mutex_lock(&wake_lock);
    woken = true;
    pthread_cond_signal(&wake_cond);
    pthread_mutex_unlock(&wake_lock);
}

void outbox_wait(int timeout_ms)
{
    /* The condition variable's clock is the realtime one: the deadline is a
     * point on it. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&wake_lock);
    while (!woken && pthread_cond_timedwait(&wake_cond, &wake_lock, &until) == 0)
        ;
    woken = false;
    pthread_mutex_unlock(&wake_lock);
}
