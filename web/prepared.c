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
 * A statement is known by its text: a table per thread maps the text's
 * hash to a statement name, so a caller needs no registry of ids, and a
 * text built from fixed pieces (fight_list.c's filters) is one statement
 * per combination. The table is bounded (PREPARED_MAX); a text beyond it
 * simply runs unprepared. A new backend (PQreset after a broken
 * connection, seen as a new backend PID) starts the table again. Any
 * failure on this path falls back to cf_pg_exec() with the same SQL,
 * which owns reconnecting and error reporting, so callers see exactly its
 * contract. Only SELECTs come here: running one twice is harmless.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

/* Statements one connection keeps; a power of two (the table's size). */
#define PREPARED_MAX 256

typedef struct stmt {
    char *sql; /* NULL: a free slot */
    uint32_t hash;
    bool ready; /* prepared on the current backend */
} stmt;

typedef struct prepared_set {
    int pid; /* backend the statements live in */
    int used;
    stmt s[PREPARED_MAX];
} prepared_set;

void prepared_free(web_thread *t)
{
    prepared_set *set = t->prepared;
    if (set == NULL)
        return;
    for (int i = 0; i < PREPARED_MAX; i++)
        free(set->s[i].sql);
    free(set);
    t->prepared = NULL;
}

/* The slot of sql in set (its index names the statement): the one holding
 * it, else a free one taken for it; NULL when the table is full. */
static stmt *slot_of(prepared_set *set, const char *sql, int *index)
{
    uint32_t h = web_hash(sql);
    for (int probe = 0; probe < PREPARED_MAX; probe++) {
        int i = (int)((h + (uint32_t)probe) & (PREPARED_MAX - 1));
        stmt *s = &set->s[i];
        if (s->sql != NULL && s->hash == h && strcmp(s->sql, sql) == 0) {
            *index = i;
            return s;
        }
        if (s->sql == NULL) {
            /* Three quarters full: probes stay short; the rest runs
             * unprepared. */
            if (set->used >= PREPARED_MAX * 3 / 4 || (s->sql = strdup(sql)) == NULL)
                return NULL;
            s->hash = h;
            s->ready = false;
            set->used++;
            *index = i;
            return s;
        }
    }
    return NULL;
}

/* The set of t's connection c: allocated on first use, emptied of prepared
 * marks when the backend changed. NULL when out of memory. */
static prepared_set *set_of(web_thread *t, PGconn *c)
{
    prepared_set *set = t->prepared;
    if (set == NULL) {
        set = calloc(1, sizeof *set);
        if (set == NULL)
            return NULL;
        t->prepared = set;
    }
    if (set->pid != PQbackendPID(c)) {
        for (int i = 0; i < PREPARED_MAX; i++)
            set->s[i].ready = false;
        set->pid = PQbackendPID(c);
    }
    return set;
}

PGresult *prepared_exec(web_thread *t, const char *sql, int nparams, const char *const *params)
{
    PGconn *c = cf_pg_raw(t->pg);
    if (c == NULL || PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) == PQTRANS_INERROR)
        return cf_pg_exec(t->pg, sql, nparams, params);
    prepared_set *set = set_of(t, c);
    int index = -1;
    stmt *s = set != NULL ? slot_of(set, sql, &index) : NULL;
    if (s == NULL)
        return cf_pg_exec(t->pg, sql, nparams, params);
    char name[16];
    snprintf(name, sizeof name, "cfweb%d", index);
    if (!s->ready) {
        PGresult *res = PQprepare(c, name, sql, nparams, NULL);
        bool prepared = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
        if (!prepared)
            return cf_pg_exec(t->pg, sql, nparams, params);
        s->ready = true;
    }
    PGresult *res = PQexecPrepared(c, name, nparams, params, NULL, NULL, 0);
    if (res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK)
        return res;
    /* The statement stays prepared after an error of its own (a value it
     * refused); it is prepared again only when the backend lost it
     * (26000) or its cached plan no longer fits the tables (0A000, after
     * a migration). */
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (state != NULL && strcmp(state, "0A000") == 0 && PQtransactionStatus(c) == PQTRANS_IDLE) {
        char sql_free[32];
        snprintf(sql_free, sizeof sql_free, "DEALLOCATE %s", name);
        PGresult *d = PQexec(c, sql_free);
        s->ready = !(d != NULL && PQresultStatus(d) == PGRES_COMMAND_OK);
        PQclear(d);
    } else if (state != NULL && strcmp(state, "26000") == 0) {
        s->ready = false;
    }
    PQclear(res);
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
 * their slots into slots (NULL: not preparable, sent unnamed). False when
 * libpq refused to queue one. */
static bool pipeline_send(PGconn *c, prepared_set *set, web_read *reads, int n, stmt **slots,
                          bool *preparing)
{
    for (int i = 0; i < n; i++) {
        int index = -1;
        slots[i] = set != NULL ? slot_of(set, reads[i].sql, &index) : NULL;
        preparing[i] = false;
        if (slots[i] == NULL) {
            if (!PQsendQueryParams(c, reads[i].sql, reads[i].nparams, NULL, reads[i].params, NULL,
                                   NULL, 0))
                return false;
            continue;
        }
        char name[16];
        snprintf(name, sizeof name, "cfweb%d", index);
        if (!slots[i]->ready) {
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
        prepared_set *set = set_of(t, c);
        stmt *slots[WEB_READS_MAX];
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
                slots[i]->ready = true;
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
