/*
 * pg_prepared.h — a connection's prepared statements, known by their text.
 *
 * Internal to pg_conn.c: a cf_pg made with cf_pg_prepare_statements() runs
 * each parameterised statement through this table, prepared on first use
 * and executed by name afterwards.
 */
#ifndef CF_PG_PREPARED_H
#define CF_PG_PREPARED_H

#include <stddef.h>

#include <libpq-fe.h>

typedef struct pg_stmts pg_stmts;

/* A table of at most max statements (rounded up to a power of two); NULL
 * when out of memory. */
pg_stmts *pg_stmts_new(int max);
void pg_stmts_free(pg_stmts *t);

/* sql's statement (NULL: every statement, after a reconnect) is no longer
 * on the backend: prepare it again before its next use. */
void pg_stmts_forget(pg_stmts *t, const char *sql);
/* sql's statement is on the backend but its plan no longer fits the tables
 * (SQLSTATE 0A000 after a migration): drop it and prepare it again before
 * its next use. */
void pg_stmts_stale(pg_stmts *t, const char *sql);

/*
 * sql's statement on conn, prepared now if it was not: 1 with its name in
 * name (execute it with PQexecPrepared), 0 when it should run unprepared
 * (the table is full, or out of memory), -1 when preparing it failed: then
 * *failed is the failed result (the caller reads its error and clears it),
 * or NULL when libpq returned none.
 */
int pg_stmts_find(pg_stmts *t, PGconn *conn, const char *sql, int nparams, char *name,
                  size_t namelen, PGresult **failed);

#endif
