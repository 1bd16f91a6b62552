/*
 * pg_conn.h — PostgreSQL through parameterised queries only.
 *
 * There is no call that takes SQL with values spliced in: every value goes
 * as a parameter. cf_pg_exec() returns a result whose status is
 * PGRES_COMMAND_OK or PGRES_TUPLES_OK, or NULL with the error in
 * cf_pg_error(); when the connection broke it reconnects once before giving
 * up (never inside a transaction, which must be retried whole).
 */
#ifndef CF_PG_CONN_H
#define CF_PG_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

typedef struct cf_pg cf_pg;

cf_pg *cf_pg_connect(const char *conninfo, char *err, size_t errlen);
void cf_pg_free(cf_pg *pg);

/*
 * From now on, every statement with parameters run through this connection
 * is prepared on its first run and executed by name afterwards (at most max
 * distinct texts; others run as before), and prepared again after a
 * reconnect. Errors are the statement's own, as unprepared. For a few
 * statements run many times (the result processor's writes); not behind a
 * pooler in transaction mode, which moves a session's statements between
 * backends. 0, or -1 when out of memory.
 */
int cf_pg_prepare_statements(cf_pg *pg, int max);

PGresult *cf_pg_exec(cf_pg *pg, const char *sql, int nparams, const char *const *params);
/*
 * Like cf_pg_exec, with bytes among the values: formats[i] 1 sends
 * params[i] as lengths[i] bytes in PostgreSQL's binary form (a bytea's
 * bytes as they are, a text's UTF-8 without a NUL terminator), 0 as text
 * (lengths[i] ignored). Files go in once, not hex-escaped to twice their
 * size. The result is text, as cf_pg_exec's.
 */
PGresult *cf_pg_exec_bytes(cf_pg *pg, const char *sql, int nparams, const char *const *params,
                           const int *lengths, const int *formats);
/* Like cf_pg_exec, for commands whose result is not needed: 0 or -1. */
int cf_pg_run(cf_pg *pg, const char *sql, int nparams, const char *const *params);

/*
 * Runs a trusted SQL script that may hold several statements and takes no
 * parameter: for migrations read from db/migrations only, never for SQL
 * built at run time. 0 or -1.
 */
int cf_pg_exec_script(cf_pg *pg, const char *sql);

int cf_pg_begin(cf_pg *pg);
/* 0 only when the transaction's writes are committed; -1 also when
 * PostgreSQL rolled it back because one of its statements had failed
 * (SQLSTATE 25P02). Either way the transaction is over. */
int cf_pg_commit(cf_pg *pg);
void cf_pg_rollback(cf_pg *pg);

const char *cf_pg_error(const cf_pg *pg);
/* SQLSTATE of the last error ("23505" for a unique violation), "" if none. */
const char *cf_pg_sqlstate(const cf_pg *pg);
bool cf_pg_ok(const cf_pg *pg); /* connection usable? */
PGconn *cf_pg_raw(cf_pg *pg);
bool cf_pg_in_transaction(const cf_pg *pg);

#endif
