/*
 * test_prepared.c — cf-web's page reads as prepared statements
 * (web/prepared.c over common/pg_prepared.c's table), as cf-web links
 * them, against the real PostgreSQL (CF_DATABASE_URL; label web; cmocka).
 *
 * One at a time and pipelined, a read is prepared once and answers the
 * same whatever the server did to its statements behind cf-web's back:
 * a DEALLOCATE ALL, a migration that changed the columns it returns (also
 * one seen inside a transaction, which leaves the statement to be dropped
 * by a later pipeline's fallback), a backend ended (pg_terminate_backend:
 * a new backend, prepared again there). Its own errors are cf_pg_exec's;
 * texts beyond the table's bound run unprepared.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "database_url.h"
#include "web.h"

web_settings web_cfg;

static const char *url;
static const char sum[] = "SELECT ($1::int + 1)::text";
static const char star[] = "SELECT * FROM cf_prep_web WHERE a = $1::int";

static cf_pg *must_connect(void)
{
    char err[512];
    cf_pg *pg = cf_pg_connect(url, err, sizeof err);

    if (pg == NULL)
        fail_msg("%s", err);
    return pg;
}

/* How many of the session's prepared statements have sql's text. */
static int prepared_count(cf_pg *pg, const char *sql)
{
    const char *p[1] = {sql};
    PGresult *res = PQexecParams(cf_pg_raw(pg),
                                 "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1",
                                 1, NULL, p, NULL, NULL, 0);

    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    int n = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}

/* When the session's statement of sql's text was prepared ("" if none):
 * a new time is a statement prepared again. */
static char *prepared_at(cf_pg *pg, const char *sql)
{
    const char *p[1] = {sql};
    PGresult *res = PQexecParams(cf_pg_raw(pg),
                                 "SELECT coalesce(max(prepare_time)::text, '') FROM "
                                 "pg_prepared_statements WHERE statement = $1",
                                 1, NULL, p, NULL, NULL, 0);

    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    char *at = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    assert_non_null(at);
    return at;
}

/* sum's answer for 41 through prepared_exec: "42". */
static void sum_answers(web_thread *t)
{
    const char *p[1] = {"41"};
    PGresult *res = prepared_exec(t, sum, 1, p);

    if (res == NULL)
        fail_msg("%s", cf_pg_error(t->pg));
    assert_string_equal(PQgetvalue(res, 0, 0), "42");
    PQclear(res);
}

/* sum (41) and star (41) in one pipeline: "42" and a row of ncols. */
static void both_answer(web_thread *t, int ncols)
{
    web_read reads[2] = {{.sql = sum, .nparams = 1, .params = {"41"}},
                         {.sql = star, .nparams = 1, .params = {"41"}}};

    if (!prepared_exec_all(t, reads, 2))
        fail_msg("%s", cf_pg_error(t->pg));
    assert_string_equal(PQgetvalue(reads[0].res, 0, 0), "42");
    assert_int_equal(PQntuples(reads[1].res), 1);
    assert_int_equal(PQnfields(reads[1].res), ncols);
    web_reads_clear(reads, 2);
}

/* star (41) alone: a row of ncols. */
static void star_answers(web_thread *t, int ncols)
{
    const char *p[1] = {"41"};
    PGresult *res = prepared_exec(t, star, 1, p);

    if (res == NULL)
        fail_msg("%s", cf_pg_error(t->pg));
    assert_int_equal(PQnfields(res), ncols);
    PQclear(res);
}

static void run(cf_pg *pg, const char *sql)
{
    if (cf_pg_run(pg, sql, 0, NULL) != 0)
        fail_msg("%s: %s", sql, cf_pg_error(pg));
}

static void prepared_once_and_own_errors(void **state)
{
    web_thread t = {.pg = must_connect()};

    (void)state;
    for (int i = 0; i < 3; i++)
        sum_answers(&t);
    assert_int_equal(prepared_count(t.pg, sum), 1);
    const char *bad[1] = {"forty"};
    assert_null(prepared_exec(&t, sum, 1, bad));
    assert_string_equal(cf_pg_sqlstate(t.pg), "22P02");
    sum_answers(&t);
    assert_int_equal(prepared_count(t.pg, sum), 1);
    prepared_free(&t);
    cf_pg_free(t.pg);
}

static void server_drops_statements(void **state)
{
    web_thread t = {.pg = must_connect()};

    (void)state;
    run(t.pg, "CREATE TEMP TABLE cf_prep_web (a int)");
    run(t.pg, "INSERT INTO cf_prep_web VALUES (41)");
    both_answer(&t, 1);
    assert_int_equal(prepared_count(t.pg, sum), 1);
    assert_int_equal(prepared_count(t.pg, star), 1);

    /* DEALLOCATE ALL: both answer, one at a time and pipelined, and are
     * prepared again. */
    run(t.pg, "DEALLOCATE ALL");
    sum_answers(&t); /* unprepared, the loss noted */
    sum_answers(&t);
    assert_int_equal(prepared_count(t.pg, sum), 1);
    run(t.pg, "DEALLOCATE ALL");
    both_answer(&t, 1); /* one at a time after the pipeline failed */
    both_answer(&t, 1);
    assert_int_equal(prepared_count(t.pg, sum), 1);
    assert_int_equal(prepared_count(t.pg, star), 1);

    /* A migration changes star's columns: it answers with the new ones. */
    run(t.pg, "ALTER TABLE cf_prep_web ADD COLUMN b int");
    star_answers(&t, 2);
    run(t.pg, "ALTER TABLE cf_prep_web ADD COLUMN c int");
    both_answer(&t, 3);
    both_answer(&t, 3);
    assert_int_equal(prepared_count(t.pg, star), 1);

    /* Seen inside a transaction (the answer is cf_pg_exec's: the
     * transaction is aborted), then pipelined outside one. */
    char *before = prepared_at(t.pg, star);
    run(t.pg, "ALTER TABLE cf_prep_web ADD COLUMN d int");
    assert_int_equal(cf_pg_begin(t.pg), 0);
    const char *p[1] = {"41"};
    assert_null(prepared_exec(&t, star, 1, p));
    cf_pg_rollback(t.pg);
    both_answer(&t, 4); /* one at a time: dropped, prepared again */
    both_answer(&t, 4);
    assert_int_equal(prepared_count(t.pg, star), 1);
    char *after = prepared_at(t.pg, star);
    assert_string_not_equal(before, after);
    free(before);
    free(after);
    prepared_free(&t);
    cf_pg_free(t.pg);
}

static void kill_backend_of(cf_pg *pg)
{
    cf_pg *killer = must_connect();
    char pid[16];

    snprintf(pid, sizeof pid, "%d", PQbackendPID(cf_pg_raw(pg)));
    const char *p[1] = {pid};
    PGresult *res = cf_pg_exec(killer, "SELECT pg_terminate_backend($1::int)", 1, p);
    if (res == NULL)
        fail_msg("%s", cf_pg_error(killer));
    assert_string_equal(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
    cf_pg_free(killer);
}

static void new_backend(void **state)
{
    web_thread t = {.pg = must_connect()};

    (void)state;
    sum_answers(&t);
    kill_backend_of(t.pg);
    sum_answers(&t); /* cf_pg_exec's reconnect */
    sum_answers(&t);
    assert_int_equal(prepared_count(t.pg, sum), 1);

    /* Pipelined on a connection whose backend is gone. */
    kill_backend_of(t.pg);
    web_read reads[2] = {{.sql = sum, .nparams = 1, .params = {"41"}},
                         {.sql = "SELECT 'two'", .nparams = 0}};
    if (!prepared_exec_all(&t, reads, 2))
        fail_msg("%s", cf_pg_error(t.pg));
    assert_string_equal(PQgetvalue(reads[0].res, 0, 0), "42");
    assert_string_equal(PQgetvalue(reads[1].res, 0, 0), "two");
    web_reads_clear(reads, 2);
    sum_answers(&t);
    assert_int_equal(prepared_count(t.pg, sum), 1);
    prepared_free(&t);
    cf_pg_free(t.pg);
}

static void bounded(void **state)
{
    web_thread t = {.pg = must_connect()};
    const char *p[1] = {"41"};

    (void)state;
    for (int i = 0; i < 300; i++) {
        char sql[64], want[16];
        snprintf(sql, sizeof sql, "SELECT ($1::int + %d)::text", i);
        snprintf(want, sizeof want, "%d", 41 + i);
        PGresult *res = prepared_exec(&t, sql, 1, p);
        if (res == NULL)
            fail_msg("%s", cf_pg_error(t.pg));
        assert_string_equal(PQgetvalue(res, 0, 0), want);
        PQclear(res);
    }
    PGresult *res = PQexec(cf_pg_raw(t.pg), "SELECT count(*) FROM pg_prepared_statements");
    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    assert_int_equal(atoi(PQgetvalue(res, 0, 0)), 192); /* three quarters of 256 */
    PQclear(res);
    prepared_free(&t);
    cf_pg_free(t.pg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prepared_once_and_own_errors),
        cmocka_unit_test(server_drops_statements),
        cmocka_unit_test(new_backend),
        cmocka_unit_test(bounded),
    };

    url = require_database_url();
    if (url == NULL)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
