/*
 * prepared.c — the read queries of every page as prepared statements.
 *
 * Planning a query with several joins costs PostgreSQL more than running
 * it: 0.1-2 ms for a fights list or the invitations against 0.05-0.5 ms
 * to run them (docs/performance.md). So each worker connection prepares a
 * read the first time it runs it and executes it by name from then on;
 * after five runs PostgreSQL plans it once for all values when that plan
 * costs no more than the values' own (plan_cache_mode auto). A LIMIT or
 * OFFSET given as a parameter makes that plan look dearer than it is (it
 * is costed for a tenth of the rows), so the lists write a first page's
 * small bounds into their text instead (fight_list.c, arcade_game.c): one
 * statement per bound, a handful in practice. A read whose best plan
 * depends on its values (a LIKE prefix, a filter on a rare state) runs
 * through cf_pg_exec, planned with its values each time.
 *
 * The table of which texts are prepared on the connection's backend is
 * common/pg_prepared.c's, the one the result processor's connections use
 * too (one per thread here, made on first use): statements known by their
 * text, so a caller needs no registry of ids and a text built from fixed
 * pieces (fight_list.c's filters) is one statement per combination;
 * bounded (PREPARED_MAX), a text beyond it simply runs unprepared; a new
 * backend (PQreset after a broken connection, seen as a new backend PID)
 * has none of them; an error that preparing again repairs is noted there.
 * What stays here is cf-web's contract, which is not pg_conn.c's: any
 * failure on this path falls back to cf_pg_exec() with the same SQL, which
 * owns reconnecting and error reporting, so callers see exactly its
 * contract. Only SELECTs come here: running one twice is harmless. And
 * several reads can go in one pipeline, where a statement's preparing is a
 * queued command: the table learns it is prepared only when its result
 * came back.
 */
#include "web.h"

/* The table's size per connection: three quarters of it (192 texts) are
 * prepared, the rest run unprepared. */
#define PREPARED_MAX 256

void prepared_free(web_thread *t)
{
    pg_stmts_free(t->prepared);
    t->prepared = NULL;
}

/* t's table of statements: made on first use; NULL when out of memory
 * (every read then runs unprepared). */
static pg_stmts *stmts_of(web_thread *t)
{
    if (t->prepared == NULL)
        t->prepared = pg_stmts_new(PREPARED_MAX);
    return t->prepared;
}

/* A failed result of sql's prepared path, cleared after the table noted
 * what it means (a statement lost or stale: prepared again next time). */
static void note_failure(pg_stmts *set, PGconn *c, const char *sql, PGresult *res)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    (void)pg_stmts_failed(set, c, sql, state);
    PQclear(res);
}

PGresult *prepared_exec(web_thread *t, const char *sql, int nparams, const char *const *params)
{
    PGconn *c = cf_pg_raw(t->pg);
    if (c == NULL || PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) == PQTRANS_INERROR)
        return cf_pg_exec(t->pg, sql, nparams, params);
    pg_stmts *set = stmts_of(t);
    const char *name = NULL;
    PGresult *failed = NULL;
    int found = set != NULL ? pg_stmts_find(set, c, sql, nparams, &name, &failed) : 0;
    if (found != 1) {
        if (found < 0)
            note_failure(set, c, sql, failed);
        return cf_pg_exec(t->pg, sql, nparams, params);
    }
    PGresult *res = PQexecPrepared(c, name, nparams, params, NULL, NULL, 0);
    if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK)
        return res;
    /* The statement stays prepared after an error of its own (a value it
     * refused); the answer, right or wrong, is cf_pg_exec's. */
    note_failure(set, c, sql, res);
    return cf_pg_exec(t->pg, sql, nparams, params);
}

/* Drains a pipeline after a failure, up to its sync (sent here when
 * pipeline_send could not), and leaves it; a connection that cannot leave
 * it is reset, so that no later statement finds it in pipeline mode. */
static void pipeline_abandon(PGconn *c)
{
    if (PQpipelineStatus(c) == PQ_PIPELINE_ABORTED || PQpipelineStatus(c) == PQ_PIPELINE_ON)
        (void)PQpipelineSync(c);
    for (int nulls = 0; nulls < 2 && PQstatus(c) == CONNECTION_OK;) {
        PGresult *res = PQgetResult(c);
        if (res == NULL) {
            nulls++; /* between two commands, or nothing is left */
            continue;
        }
        nulls = 0;
        ExecStatusType st = PQresultStatus(res);
        PQclear(res);
        if (st == PGRES_PIPELINE_SYNC && PQexitPipelineMode(c) == 1)
            return;
    }
    if (PQexitPipelineMode(c) != 1)
        PQreset(c);
}

/* Sends reads[0..n) (each prepared first where it is not yet) and a sync;
 * their slots into slots (-1: not preparable, sent unnamed). False when
 * libpq refused to queue one. A stale statement (its 0A000 came inside a
 * transaction, so it is not dropped yet) fails its preparing here as a
 * duplicate; the reads then go one at a time, where prepared_exec drops
 * it and prepares it again. */
static bool pipeline_send(PGconn *c, pg_stmts *set, web_read *reads, int n, int *slots,
                          bool *preparing)
{
    for (int i = 0; i < n; i++) {
        slots[i] = set != NULL ? pg_stmts_slot(set, c, reads[i].sql) : -1;
        preparing[i] = false;
        if (slots[i] < 0) {
            if (!PQsendQueryParams(c, reads[i].sql, reads[i].nparams, NULL, reads[i].params, NULL,
                                   NULL, 0))
                return false;
            continue;
        }
        const char *name = pg_stmts_name(set, slots[i]);
        if (!pg_stmts_ready(set, slots[i])) {
            if (!PQsendPrepare(c, name, reads[i].sql, reads[i].nparams, NULL))
                return false;
            preparing[i] = true;
        }
        if (!PQsendQueryPrepared(c, name, reads[i].nparams, reads[i].params, NULL, NULL, 0))
            return false;
    }
    return PQpipelineSync(c) == 1;
}

/* The next command's result (and the NULL that ends it); NULL when there
 * is none. */
static PGresult *pipeline_result(PGconn *c)
{
    PGresult *res = PQgetResult(c);
    if (res != NULL && PQresultStatus(res) != PGRES_PIPELINE_SYNC) {
        PGresult *end = PQgetResult(c);
        PQclear(end);
    }
    return res;
}

bool prepared_exec_all(web_thread *t, web_read *reads, int n)
{
    PGconn *c = cf_pg_raw(t->pg);
    for (int i = 0; i < n; i++)
        reads[i].res = NULL;
    bool piped = false;
    if (n <= WEB_READS_MAX && c != NULL && PQstatus(c) == CONNECTION_OK &&
        PQtransactionStatus(c) == PQTRANS_IDLE && PQenterPipelineMode(c) == 1) {
        pg_stmts *set = stmts_of(t);
        int slots[WEB_READS_MAX];
        bool preparing[WEB_READS_MAX];
        piped = pipeline_send(c, set, reads, n, slots, preparing);
        for (int i = 0; piped && i < n; i++) {
            if (preparing[i]) {
                PGresult *p = pipeline_result(c);
                bool ok = p != NULL && PQresultStatus(p) == PGRES_COMMAND_OK;
                PQclear(p);
                if (!ok) {
                    piped = false;
                    break;
                }
                pg_stmts_mark_ready(set, slots[i]);
            }
            reads[i].res = pipeline_result(c);
            if (reads[i].res == NULL || PQresultStatus(reads[i].res) != PGRES_TUPLES_OK)
                piped = false;
        }
        if (piped) {
            PGresult *sync = PQgetResult(c);
            piped = sync != NULL && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
            PQclear(sync);
            piped = PQexitPipelineMode(c) == 1 && piped;
        } else {
            pipeline_abandon(c);
        }
    }
    if (piped)
        return true;
    /* One at a time, each with prepared_exec's fallbacks (a reconnection
     * among them), from the first that did not come back. */
    for (int i = 0; i < n; i++) {
        if (reads[i].res != NULL && PQresultStatus(reads[i].res) == PGRES_TUPLES_OK)
            continue;
        PQclear(reads[i].res);
        reads[i].res = prepared_exec(t, reads[i].sql, reads[i].nparams, reads[i].params);
        if (reads[i].res == NULL) {
            web_reads_clear(reads, n);
            return false;
        }
    }
    return true;
}

void web_reads_clear(web_read *reads, int n)
{
    for (int i = 0; i < n; i++) {
        PQclear(reads[i].res);
        reads[i].res = NULL;
    }
}
