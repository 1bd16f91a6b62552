/*
 * pg_prepared.c — which statements are prepared on a connection's backend,
 * known by their text.
 *
 * PostgreSQL parses and plans a statement sent with PQexecParams every
 * time: for the result processor's short writes that was most of its
 * backend's CPU per fight, for cf-web's joins planning cost more than
 * running them (docs/performance.md). Prepared once per connection and
 * executed by name, a statement is parsed once, and after five runs
 * planned once for all values when that plan costs no more than the
 * values' own (plan_cache_mode auto).
 *
 * Two callers want that with different contracts: pg_conn.c returns a
 * statement's own errors and prepares it again at the caller's retry;
 * web/prepared.c falls back to an unprepared run on any failure and sends
 * several reads in one pipeline, where preparing is a queued command whose
 * success is known only later. So this file keeps only the knowledge they
 * share, once: where a text's statement lives, whether the backend has it,
 * and what an error or a new backend does to that. Running statements and
 * recovering from their failures stay with the callers.
 *
 * A statement is known by its text (a hash, then the text compared), so a
 * caller needs no registry of ids, and a text built from fixed pieces is
 * one statement per combination. The table is bounded and kept at most
 * three quarters full so probes stay short; a text beyond it runs
 * unprepared. A statement is named by its slot, so a name is prepared at
 * most once per backend and a slot is never reused for another text.
 *
 * The backend can lose statements behind the table's back: a reconnect
 * (PQreset, inside cf_pg_exec for either caller) brings a backend that has
 * none, seen here as a new backend PID at the next lookup and told by
 * pg_conn.c as well (a PID can come back); a DEALLOCATE drops them (26000
 * at their next run); a migration that changes the columns a statement
 * returns leaves it there but unusable (0A000). Such a statement is
 * prepared again before its next use; a stale one must be dropped first,
 * which is done at once when the connection is idle — a pipeline cannot
 * run it in between — and otherwise before it is prepared again, since
 * DEALLOCATE fails inside an aborted transaction.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_prepared.h"

typedef struct stmt {
    char *sql; /* NULL: a free slot */
    uint32_t hash;
    bool ready;    /* prepared on the current backend */
    bool stale;    /* there, but its plan no longer fits: drop it, prepare it again */
    char name[16]; /* cf_s<slot> */
} stmt;

struct pg_stmts {
    int cap; /* a power of two */
    int used;
    int pid; /* backend the statements live in; 0: none seen yet */
    stmt *s;
};

pg_stmts *pg_stmts_new(int max)
{
    pg_stmts *t = calloc(1, sizeof *t);
    int cap = 16;

    if (t == NULL)
        return NULL;
    while (cap < max && cap < (1 << 16))
        cap <<= 1;
    t->s = calloc((size_t)cap, sizeof *t->s);
    if (t->s == NULL) {
        free(t);
        return NULL;
    }
    t->cap = cap;
    return t;
}

void pg_stmts_free(pg_stmts *t)
{
    if (t == NULL)
        return;
    for (int i = 0; i < t->cap; i++)
        free(t->s[i].sql);
    free(t->s);
    free(t);
}

void pg_stmts_forget_all(pg_stmts *t)
{
    if (t == NULL)
        return;
    for (int i = 0; i < t->cap; i++)
        t->s[i].ready = t->s[i].stale = false;
}

/* No adversary (the texts are the program's), but a text is hashed at
 * every run and cf-web's reach 2 KiB: eight bytes a step, each mixed in by
 * a multiplication (FNV-1a a byte at a time was ~3 us of a dashboard's
 * request). */
static uint32_t text_hash(const char *s)
{
    size_t n = strlen(s);
    uint64_t h = 0x9e3779b97f4a7c15u ^ n;

    for (; n >= 8; n -= 8, s += 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    uint64_t tail = 0;
    memcpy(&tail, s, n);
    h = (h ^ tail) * 0xc4ceb9fe1a85ec53u;
    return (uint32_t)(h ^ (h >> 32));
}

/* The index of the slot holding sql, or of the free slot where it would
 * go; -1 when neither is there. */
static int probe(const pg_stmts *t, const char *sql, uint32_t hash)
{
    unsigned mask = (unsigned)t->cap - 1;

    for (unsigned i = hash & mask, n = 0; n < (unsigned)t->cap; i = (i + 1) & mask, n++) {
        const stmt *s = &t->s[i];
        if (s->sql == NULL || (s->hash == hash && strcmp(s->sql, sql) == 0))
            return (int)i;
    }
    return -1;
}

/* The slot holding sql; NULL when it has none. */
static stmt *slot_holding(pg_stmts *t, const char *sql)
{
    int i = probe(t, sql, text_hash(sql));

    return i >= 0 && t->s[i].sql != NULL ? &t->s[i] : NULL;
}

/* Takes the free slot i for sql: false when the table is full enough or
 * out of memory. */
static bool take_slot(pg_stmts *t, int i, const char *sql, uint32_t hash)
{
    stmt *s = &t->s[i];

    if (t->used >= t->cap / 4 * 3 || (s->sql = strdup(sql)) == NULL)
        return false;
    s->hash = hash;
    s->ready = s->stale = false;
    snprintf(s->name, sizeof s->name, "cf_s%d", i);
    t->used++;
    return true;
}

int pg_stmts_slot(pg_stmts *t, PGconn *conn, const char *sql)
{
    uint32_t hash = text_hash(sql);
    int i;

    if (PQbackendPID(conn) != t->pid) {
        pg_stmts_forget_all(t);
        t->pid = PQbackendPID(conn);
    }
    i = probe(t, sql, hash);
    if (i < 0 || (t->s[i].sql == NULL && !take_slot(t, i, sql, hash)))
        return -1;
    return i;
}

const char *pg_stmts_name(const pg_stmts *t, int slot)
{
    return t->s[slot].name;
}

bool pg_stmts_ready(const pg_stmts *t, int slot)
{
    return t->s[slot].ready;
}

void pg_stmts_mark_ready(pg_stmts *t, int slot)
{
    t->s[slot].ready = true;
    t->s[slot].stale = false; /* what the backend has is what was just prepared */
}

/* DEALLOCATE s's statement: 0, or -1 with *failed as pg_stmts_prepare's. */
static int drop(PGconn *conn, stmt *s, PGresult **failed)
{
    char sql[48];

    snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
    PGresult *d = PQexec(conn, sql);
    if (d == NULL || PQresultStatus(d) != PGRES_COMMAND_OK) {
        *failed = d;
        return -1;
    }
    PQclear(d);
    s->stale = false;
    return 0;
}

int pg_stmts_prepare(pg_stmts *t, PGconn *conn, int slot, int nparams, PGresult **failed)
{
    stmt *s = &t->s[slot];

    *failed = NULL;
    if (s->stale && drop(conn, s, failed) != 0)
        return -1;
    PGresult *res = PQprepare(conn, s->name, s->sql, nparams, NULL);
    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
        *failed = res;
        return -1;
    }
    PQclear(res);
    s->ready = true;
    return 1;
}

int pg_stmts_find(pg_stmts *t, PGconn *conn, const char *sql, int nparams, const char **name,
                  PGresult **failed)
{
    int slot = pg_stmts_slot(t, conn, sql);

    *failed = NULL;
    if (slot < 0)
        return 0;
    *name = pg_stmts_name(t, slot);
    return pg_stmts_ready(t, slot) ? 1 : pg_stmts_prepare(t, conn, slot, nparams, failed);
}

bool pg_stmts_failed(pg_stmts *t, PGconn *conn, const char *sql, const char *sqlstate)
{
    bool lost = sqlstate != NULL && strcmp(sqlstate, "26000") == 0;
    bool stale = sqlstate != NULL && strcmp(sqlstate, "0A000") == 0;
    stmt *s = lost || stale ? slot_holding(t, sql) : NULL;

    if (s != NULL && lost)
        s->ready = s->stale = false;
    if (s != NULL && stale && s->ready) {
        PGresult *failed = NULL;
        s->ready = false;
        s->stale = true;
        if (PQtransactionStatus(conn) == PQTRANS_IDLE && drop(conn, s, &failed) != 0)
            PQclear(failed); /* still stale: dropped before it is prepared again */
    }
    return lost || stale;
}
