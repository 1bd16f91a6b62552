/*
 * pg_prepared.h — which statements are prepared on a connection's backend,
 * known by their text.
 *
 * One table per connection, for both of its users: pg_conn.c, for a cf_pg
 * made with cf_pg_prepare_statements() (the result processor's writes),
 * and web/prepared.c (cf-web's page reads, one at a time or pipelined).
 * The table says where a text's statement lives (its slot, whose name it
 * is prepared under) and whether it is prepared on the backend the
 * connection talks to now; its callers decide what to do when it is not.
 */
#ifndef CF_PG_PREPARED_H
#define CF_PG_PREPARED_H

#include <stdbool.h>

#include <libpq-fe.h>

typedef struct pg_stmts pg_stmts;

/* A table of at most max statements (rounded up to a power of two, of
 * which three quarters are used); NULL when out of memory. */
pg_stmts *pg_stmts_new(int max);
void pg_stmts_free(pg_stmts *t);

/* sql's slot on conn's backend (a backend other than the last one seen,
 * after a reconnect, has none of the statements): >= 0, or -1 when sql
 * should run unprepared (the table is full, or out of memory). */
int pg_stmts_slot(pg_stmts *t, PGconn *conn, const char *sql);
/* The name slot's statement is prepared and executed under. */
const char *pg_stmts_name(const pg_stmts *t, int slot);
/* Whether slot's statement is prepared on the current backend. */
bool pg_stmts_ready(const pg_stmts *t, int slot);
/* slot's statement was prepared (a pipelined PQsendPrepare succeeded). */
void pg_stmts_mark_ready(pg_stmts *t, int slot);

/* Prepares slot's statement (with nparams parameters) on conn now, after
 * dropping a stale one: 1, or -1 with *failed the failed result (the
 * caller reads its error and clears it), or NULL when libpq gave none. */
int pg_stmts_prepare(pg_stmts *t, PGconn *conn, int slot, int nparams, PGresult **failed);
/*
 * pg_stmts_slot, then pg_stmts_prepare when the statement is not ready: 1
 * with its name in *name (execute it with PQexecPrepared), 0 when it
 * should run unprepared, -1 when preparing it failed (*failed as above).
 */
int pg_stmts_find(pg_stmts *t, PGconn *conn, const char *sql, int nparams, const char **name,
                  PGresult **failed);

/*
 * A statement of sql's text failed with sqlstate on conn: true when the
 * error is one that preparing it again repairs, noted in the table. 26000:
 * the backend no longer has it (a DEALLOCATE). 0A000: its cached plan no
 * longer fits the tables (a migration changed the columns it returns); it
 * is dropped now when conn is idle, else before it is next prepared.
 */
bool pg_stmts_failed(pg_stmts *t, PGconn *conn, const char *sql, const char *sqlstate);
/* The connection was reset: no statement is prepared any more. */
void pg_stmts_forget_all(pg_stmts *t);

#endif
