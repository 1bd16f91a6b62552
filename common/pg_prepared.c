/*
 * pg_prepared.c — a connection's prepared statements, known by their text.
 *
 * PostgreSQL parses and plans a statement sent with PQexecParams every
 * time; for the result processor's short writes that was most of its
 * backend's CPU per fight (docs/performance.md). Prepared once per
 * connection and executed by name, a statement is parsed once, and after
 * five runs planned once for all values when that plan costs no more than
 * the values' own (plan_cache_mode auto).
 *
 * A statement is known by its text (a hash, then the text compared), so a
 * caller needs no registry of ids. The table is bounded: a text beyond it
 * runs unprepared, as before. Statements are named by their slot, so a
 * slot's name is prepared at most once per backend. After a reconnect
 * every statement is prepared again on its next use; when the server says
 * one does not exist (someone ran DEALLOCATE), that one is; when it says
 * one's cached plan no longer fits (a migration changed the columns it
 * returns), that one is dropped and prepared again.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_prepared.h"

typedef struct stmt {
    char *sql; /* NULL: a free slot */
    uint32_t hash;
    bool ready; /* prepared on the current backend */
    bool stale; /* there, but its plan no longer fits: drop it, prepare it again */
} stmt;

struct pg_stmts {
    int cap; /* a power of two */
    int used;
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

void pg_stmts_forget(pg_stmts *t, const char *sql)
{
    if (t == NULL)
        return;
    for (int i = 0; i < t->cap; i++)
        if (sql == NULL || (t->s[i].sql != NULL && strcmp(t->s[i].sql, sql) == 0))
            t->s[i].ready = t->s[i].stale = false;
}

void pg_stmts_stale(pg_stmts *t, const char *sql)
{
    if (t == NULL)
        return;
    for (int i = 0; i < t->cap; i++)
        if (t->s[i].sql != NULL && t->s[i].ready && strcmp(t->s[i].sql, sql) == 0) {
            t->s[i].ready = false;
            t->s[i].stale = true;
        }
}

/* FNV-1a: short SQL texts, no adversary (the texts are the program's). */
static uint32_t text_hash(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot holding sql, or the free slot where it goes, or NULL when the
 * table is full (kept at most three quarters full, so probes stay short). */
static stmt *slot_for(pg_stmts *t, const char *sql, uint32_t hash)
{
    unsigned mask = (unsigned)t->cap - 1;

    for (unsigned i = hash & mask, n = 0; n < (unsigned)t->cap; i = (i + 1) & mask, n++) {
        stmt *s = &t->s[i];
        if (s->sql == NULL)
            return t->used < t->cap / 4 * 3 ? s : NULL;
        if (s->hash == hash && strcmp(s->sql, sql) == 0)
            return s;
    }
    return NULL;
}

int pg_stmts_find(pg_stmts *t, PGconn *conn, const char *sql, int nparams, char *name,
                  size_t namelen, PGresult **failed)
{
    uint32_t hash = text_hash(sql);
    stmt *s = slot_for(t, sql, hash);

    *failed = NULL;
    if (s == NULL)
        return 0;
    if (s->sql == NULL) {
        if ((s->sql = strdup(sql)) == NULL)
            return 0;
        s->hash = hash;
        s->ready = false;
        t->used++;
    }
    snprintf(name, namelen, "cf_s%d", (int)(s - t->s));
    if (s->ready)
        return 1;
    if (s->stale) {
        char drop[48];
        snprintf(drop, sizeof drop, "DEALLOCATE %s", name);
        PGresult *d = PQexec(conn, drop);
        bool dropped = d != NULL && PQresultStatus(d) == PGRES_COMMAND_OK;
        if (!dropped) {
            *failed = d;
            return -1;
        }
        PQclear(d);
        s->stale = false;
    }
    PGresult *res = PQprepare(conn, name, sql, nparams, NULL);
    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
        *failed = res;
        return -1;
    }
    PQclear(res);
    s->ready = true;
    return 1;
}
