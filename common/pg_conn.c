/*
 * pg_conn.c — libpq behind parameterised queries and explicit transactions.
 *
 * Values only ever travel as parameters (PQexecParams), so no string built
 * from user input can become SQL. When the server went away between two
 * statements, one reconnect (PQreset) is tried and the statement re-sent;
 * inside a transaction that would silently lose the transaction's earlier
 * statements, so there the error is returned and the caller retries the
 * transaction whole. The last error message and SQLSTATE are copied out of
 * the PGresult so the caller can read them after it is freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pg_conn.h"
#include "pg_prepared.h"

struct cf_pg {
    PGconn *conn;
    pg_stmts *stmts; /* NULL: every statement unprepared */
    bool in_tx;
    char error[512];
    char sqlstate[6];
};

/* libpq messages end with a newline; logs want one line. */
static void copy_msg(char *dst, size_t len, const char *msg)
{
    size_t n;

    snprintf(dst, len, "%s", msg != NULL && *msg != '\0' ? msg : "unknown error");
    n = strlen(dst);
    while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == ' '))
        dst[--n] = '\0';
    for (char *p = dst; *p != '\0'; p++)
        if (*p == '\n')
            *p = ' ';
}

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* NOTICEs (e.g. "relation already exists") are noise */
}

cf_pg *cf_pg_connect(const char *conninfo, char *err, size_t errlen)
{
    cf_pg *pg;

    if (conninfo == NULL || *conninfo == '\0') {
        cf_seterr(err, errlen, "database url: empty");
        return NULL;
    }
    pg = calloc(1, sizeof *pg);
    if (pg == NULL) {
        cf_seterr(err, errlen, "out of memory");
        return NULL;
    }
    pg->conn = PQconnectdb(conninfo);
    if (pg->conn == NULL) {
        cf_seterr(err, errlen, "database: out of memory");
        free(pg);
        return NULL;
    }
    if (PQstatus(pg->conn) != CONNECTION_OK) {
        char msg[512];
        copy_msg(msg, sizeof msg, PQerrorMessage(pg->conn));
        cf_seterr(err, errlen, "database: %s", msg);
        PQfinish(pg->conn);
        free(pg);
        return NULL;
    }
    PQsetNoticeProcessor(pg->conn, quiet_notices, NULL);
    return pg;
}

void cf_pg_free(cf_pg *pg)
{
    if (pg == NULL)
        return;
    PQfinish(pg->conn);
    pg_stmts_free(pg->stmts);
    free(pg);
}

int cf_pg_prepare_statements(cf_pg *pg, int max)
{
    if (pg->stmts != NULL)
        return 0;
    pg->stmts = pg_stmts_new(max);
    if (pg->stmts == NULL) {
        snprintf(pg->error, sizeof pg->error, "out of memory");
        return -1;
    }
    return 0;
}

static void record_error(cf_pg *pg, const PGresult *res)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    copy_msg(pg->error, sizeof pg->error,
             res != NULL && *PQresultErrorMessage(res) != '\0' ? PQresultErrorMessage(res)
                                                               : PQerrorMessage(pg->conn));
    snprintf(pg->sqlstate, sizeof pg->sqlstate, "%s", state != NULL ? state : "");
}

static bool result_ok(const PGresult *res)
{
    ExecStatusType st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;

    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* A statement's parameters: their text (or bytes), and for byte values
 * each one's length and format (lengths and formats NULL: all text). */
typedef struct param_list {
    int n;
    const char *const *values;
    const int *lengths;
    const int *formats;
} param_list;

/* One parameterised statement: by name when this connection prepares its
 * statements (prepared now if it is new), else parsed and planned anew. */
static PGresult *run_statement(cf_pg *pg, const char *sql, const param_list *p)
{
    const char *name = NULL;
    PGresult *failed;

    if (pg->stmts == NULL || p->n == 0)
        return PQexecParams(pg->conn, sql, p->n, NULL, p->values, p->lengths, p->formats, 0);
    switch (pg_stmts_find(pg->stmts, pg->conn, sql, p->n, &name, &failed)) {
    case 1: return PQexecPrepared(pg->conn, name, p->n, p->values, p->lengths, p->formats, 0);
    case 0: return PQexecParams(pg->conn, sql, p->n, NULL, p->values, p->lengths, p->formats, 0);
    default: return failed; /* the statement's own error, as PQexecParams would give it */
    }
}

/* Runs one statement; reconnects once if the connection broke outside a
 * transaction. script: PQexec (several statements, no parameters). */
static PGresult *exec(cf_pg *pg, const char *sql, const param_list *p, bool script)
{
    bool retried = false;

    for (;;) {
        PGresult *res;

        if (PQstatus(pg->conn) != CONNECTION_OK) {
            if (pg->in_tx || retried) {
                copy_msg(pg->error, sizeof pg->error, PQerrorMessage(pg->conn));
                snprintf(pg->sqlstate, sizeof pg->sqlstate, "08006");
                return NULL;
            }
            retried = true;
            PQreset(pg->conn);
            if (PQstatus(pg->conn) != CONNECTION_OK) {
                copy_msg(pg->error, sizeof pg->error, PQerrorMessage(pg->conn));
                snprintf(pg->sqlstate, sizeof pg->sqlstate, "08006");
                return NULL;
            }
            PQsetNoticeProcessor(pg->conn, quiet_notices, NULL);
            pg_stmts_forget_all(pg->stmts); /* a new backend has none */
        }
        res = script ? PQexec(pg->conn, sql) : run_statement(pg, sql, p);
        if (result_ok(res)) {
            pg->error[0] = '\0';
            pg->sqlstate[0] = '\0';
            return res;
        }
        record_error(pg, res);
        PQclear(res);
        if (pg->stmts != NULL && p->n > 0 && !script &&
            pg_stmts_failed(pg->stmts, pg->conn, sql, pg->sqlstate)) {
            /* The server dropped the statement (26000, a DEALLOCATE), or its
             * cached plan no longer fits the tables (0A000, a migration):
             * prepare it again, now outside a transaction, at the caller's
             * retry in one. */
            if (!pg->in_tx && !retried) {
                retried = true;
                continue;
            }
            return NULL;
        }
        /* A broken connection outside a transaction: one fresh try. */
        if (PQstatus(pg->conn) == CONNECTION_OK || pg->in_tx || retried)
            return NULL;
    }
}

static PGresult *exec_params(cf_pg *pg, const char *sql, const param_list *p)
{
    if (p->n < 0 || (p->n > 0 && p->values == NULL)) {
        snprintf(pg->error, sizeof pg->error, "bad parameter list");
        snprintf(pg->sqlstate, sizeof pg->sqlstate, "%s", "");
        return NULL;
    }
    return exec(pg, sql, p, false);
}

PGresult *cf_pg_exec(cf_pg *pg, const char *sql, int nparams, const char *const *params)
{
    const param_list p = {.n = nparams, .values = params};

    return exec_params(pg, sql, &p);
}

PGresult *cf_pg_exec_bytes(cf_pg *pg, const char *sql, int nparams, const char *const *params,
                           const int *lengths, const int *formats)
{
    /* Without both lists every value would be read as text, up to its
     * first NUL. */
    const param_list p = {.n = lengths != NULL && formats != NULL ? nparams : -1,
                          .values = params,
                          .lengths = lengths,
                          .formats = formats};

    return exec_params(pg, sql, &p);
}

int cf_pg_run(cf_pg *pg, const char *sql, int nparams, const char *const *params)
{
    PGresult *res = cf_pg_exec(pg, sql, nparams, params);

    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

int cf_pg_exec_script(cf_pg *pg, const char *sql)
{
    const param_list none = {.n = 0};
    PGresult *res = exec(pg, sql, &none, true);

    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

int cf_pg_begin(cf_pg *pg)
{
    if (pg->in_tx) {
        snprintf(pg->error, sizeof pg->error, "transaction already open");
        return -1;
    }
    if (cf_pg_run(pg, "BEGIN", 0, NULL) != 0)
        return -1;
    pg->in_tx = true;
    return 0;
}

/*
 * In a transaction where a statement failed, PostgreSQL answers COMMIT with
 * the command tag ROLLBACK and no error: a caller that went on after the
 * failure (say it took a unique violation for "already there") would
 * believe its earlier writes landed. Only the tag COMMIT means they did.
 */
int cf_pg_commit(cf_pg *pg)
{
    PGresult *res;
    bool committed;

    if (!pg->in_tx) {
        snprintf(pg->error, sizeof pg->error, "no transaction open");
        return -1;
    }
    res = cf_pg_exec(pg, "COMMIT", 0, NULL);
    /* Whether COMMIT succeeded or failed, the transaction is over (a failed
     * COMMIT rolls back). */
    pg->in_tx = false;
    if (res == NULL)
        return -1;
    committed = strcmp(PQcmdStatus(res), "COMMIT") == 0;
    PQclear(res);
    if (!committed) {
        snprintf(pg->error, sizeof pg->error,
                 "COMMIT rolled back: a statement of the transaction had failed");
        snprintf(pg->sqlstate, sizeof pg->sqlstate, "25P02"); /* in_failed_sql_transaction */
        return -1;
    }
    return 0;
}

void cf_pg_rollback(cf_pg *pg)
{
    char saved[sizeof pg->error], state[sizeof pg->sqlstate];

    if (!pg->in_tx)
        return;
    /* Keep the error that made the caller roll back. */
    memcpy(saved, pg->error, sizeof saved);
    memcpy(state, pg->sqlstate, sizeof state);
    if (PQstatus(pg->conn) == CONNECTION_OK) {
        PGresult *res = PQexec(pg->conn, "ROLLBACK");
        PQclear(res);
    }
    pg->in_tx = false;
    memcpy(pg->error, saved, sizeof saved);
    memcpy(pg->sqlstate, state, sizeof state);
}

const char *cf_pg_error(const cf_pg *pg)
{
    return pg != NULL ? pg->error : "no connection";
}

const char *cf_pg_sqlstate(const cf_pg *pg)
{
    return pg != NULL ? pg->sqlstate : "";
}

bool cf_pg_ok(const cf_pg *pg)
{
    return pg != NULL && PQstatus(pg->conn) == CONNECTION_OK;
}

PGconn *cf_pg_raw(cf_pg *pg)
{
    return pg->conn;
}

bool cf_pg_in_transaction(const cf_pg *pg)
{
    return pg->in_tx;
}
