/*
 * prepared.c — the hottest read queries as prepared statements.
 *
 * Planning a query with several joins costs PostgreSQL more than running it
 * (0.5-1 ms against 0.1 ms for a fight's players), and a logged-in page view
 * runs four of them. Each worker connection prepares a statement the first
 * time it needs it; a new backend (PQreset after a broken connection, seen
 * as a new backend PID) starts the set again. Any failure on this path
 * falls back to cf_pg_exec() with the same SQL, which owns reconnecting and
 * error reporting, so callers see exactly its contract. Only SELECTs come
 * here: running one twice is harmless.
 */
#include <stdio.h>
#include <string.h>

#include "web.h"

PGresult *prepared_exec(web_thread *t, int id, const char *sql, int nparams,
                        const char *const *params)
{
    PGconn *c = cf_pg_raw(t->pg);
    if (id < 0 || id >= WEB_STMT_MAX || c == NULL || PQstatus(c) != CONNECTION_OK ||
        PQtransactionStatus(c) == PQTRANS_INERROR)
        return cf_pg_exec(t->pg, sql, nparams, params);
    if (t->prepared_pid != PQbackendPID(c)) {
        memset(t->prepared, 0, sizeof t->prepared);
        t->prepared_pid = PQbackendPID(c);
    }
    char name[16];
    snprintf(name, sizeof name, "cfweb%d", id);
    if (!t->prepared[id]) {
        PGresult *res = PQprepare(c, name, sql, nparams, NULL);
        bool prepared = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
        if (!prepared)
            return cf_pg_exec(t->pg, sql, nparams, params);
        t->prepared[id] = true;
    }
    PGresult *res = PQexecPrepared(c, name, nparams, params, NULL, NULL, 0);
    if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK)
        return res;
    PQclear(res);
    t->prepared[id] = false;
    return cf_pg_exec(t->pg, sql, nparams, params);
}
