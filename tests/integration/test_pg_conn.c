/*
 * test_pg_conn.c — the PostgreSQL helper against the real server
 * (CF_DATABASE_URL): parameters travel as data (bytes too), errors carry
 * SQLSTATE, transactions (a COMMIT that rolled back is a failure), and
 * reconnection after the server ends the session (pg_terminate_backend),
 * prepared statements (prepared once, again after a reconnect, a
 * DEALLOCATE or a change of the columns they return; the statement's own
 * errors; a full table).
 * Fails when CF_DATABASE_URL is absent.
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
#include "pg_conn.h"

static const char *url;

static cf_pg *must_connect(void)
{
    char err[512];
    cf_pg *pg = cf_pg_connect(url, err, sizeof err);

    if (pg == NULL)
        fail_msg("%s", err);
    return pg;
}

static char *one_value(cf_pg *pg, const char *sql, int n, const char *const *params)
{
    PGresult *res = cf_pg_exec(pg, sql, n, params);
    char *v;

    if (res == NULL)
        fail_msg("%s: %s", sql, cf_pg_error(pg));
    assert_int_equal(PQntuples(res), 1);
    v = PQgetisnull(res, 0, 0) ? NULL : strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

static void parameters_are_data(void **state)
{
    static const char *const hostile[] = {"'; DROP TABLE pg_class; --", "\\x00", "$1",
                                          "caf\xc3\xa9", "a\"b"};
    cf_pg *pg = must_connect();

    (void)state;
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        const char *p[1] = {hostile[i]};
        char *v = one_value(pg, "SELECT $1::text", 1, p);
        assert_string_equal(v, hostile[i]);
        free(v);
    }
    {
        const char *p[1] = {NULL}; /* a NULL parameter is SQL NULL */
        char *v = one_value(pg, "SELECT $1::text", 1, p);
        assert_null(v);
    }
    /* Invalid UTF-8 is refused by the server, as an error, not a crash. */
    {
        const char *p[1] = {"\xff"};
        assert_null(cf_pg_exec(pg, "SELECT $1::text", 1, p));
        assert_string_equal(cf_pg_sqlstate(pg), "22021");
    }
    assert_null(cf_pg_exec(pg, "SELECT 1", 1, NULL));
    assert_true(strlen(cf_pg_error(pg)) > 0);
    cf_pg_free(pg);
}

/* Bytes go in whole (NULs and all) and text in binary form is checked by
 * the server as text is. */
static void bytes_are_data(void **state)
{
    static const char bytes[] = {'a', '\0', '\xff', '\0', 'b'};
    const char *p[2] = {bytes, "5"};
    const int lengths[2] = {(int)sizeof bytes, 0};
    const int formats[2] = {1, 0};
    cf_pg *pg = must_connect();

    (void)state;
    PGresult *res =
        cf_pg_exec_bytes(pg, "SELECT encode($1::bytea, 'hex'), octet_length($1::bytea) = $2::int",
                         2, p, lengths, formats);
    if (res == NULL)
        fail_msg("%s", cf_pg_error(pg));
    assert_string_equal(PQgetvalue(res, 0, 0), "6100ff0062");
    assert_string_equal(PQgetvalue(res, 0, 1), "t");
    PQclear(res);
    const char *text[1] = {"caf\xc3\xa9 and more"};
    const int text_len[1] = {5};
    const int binary[1] = {1};
    char *v = NULL;
    res = cf_pg_exec_bytes(pg, "SELECT $1::text", 1, text, text_len, binary);
    if (res == NULL)
        fail_msg("%s", cf_pg_error(pg));
    v = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    assert_string_equal(v, "caf\xc3\xa9");
    free(v);
    const char *bad[1] = {"\xff"};
    const int bad_len[1] = {1};
    assert_null(cf_pg_exec_bytes(pg, "SELECT $1::text", 1, bad, bad_len, binary));
    assert_null(cf_pg_exec_bytes(pg, "SELECT $1::bytea", 1, bad, NULL, binary));
    assert_true(strlen(cf_pg_error(pg)) > 0);
    cf_pg_free(pg);
}

static void errors_carry_sqlstate(void **state)
{
    cf_pg *pg = must_connect();

    (void)state;
    assert_int_equal(
        cf_pg_run(pg, "CREATE TEMP TABLE t (k int PRIMARY KEY, v int CHECK (v > 0))", 0, NULL), 0);
    assert_int_equal(cf_pg_run(pg, "INSERT INTO t VALUES (1, 1)", 0, NULL), 0);
    assert_int_equal(cf_pg_run(pg, "INSERT INTO t VALUES (1, 1)", 0, NULL), -1);
    assert_string_equal(cf_pg_sqlstate(pg), "23505");
    assert_non_null(strstr(cf_pg_error(pg), "duplicate key"));
    assert_int_equal(cf_pg_run(pg, "INSERT INTO t VALUES (2, -1)", 0, NULL), -1);
    assert_string_equal(cf_pg_sqlstate(pg), "23514");
    assert_null(cf_pg_exec(pg, "SELEC 1", 0, NULL));
    assert_string_equal(cf_pg_sqlstate(pg), "42601");
    /* Success clears the last error. */
    assert_int_equal(cf_pg_run(pg, "SELECT 1", 0, NULL), 0);
    assert_string_equal(cf_pg_sqlstate(pg), "");
    cf_pg_free(pg);
}

static void transactions(void **state)
{
    cf_pg *pg = must_connect();
    char *v;

    (void)state;
    assert_int_equal(cf_pg_run(pg, "CREATE TEMP TABLE tx (k int PRIMARY KEY)", 0, NULL), 0);
    assert_int_equal(cf_pg_begin(pg), 0);
    assert_true(cf_pg_in_transaction(pg));
    assert_int_equal(cf_pg_begin(pg), -1); /* no nesting */
    assert_int_equal(cf_pg_run(pg, "INSERT INTO tx VALUES (1)", 0, NULL), 0);
    cf_pg_rollback(pg);
    assert_false(cf_pg_in_transaction(pg));
    v = one_value(pg, "SELECT count(*) FROM tx", 0, NULL);
    assert_string_equal(v, "0");
    free(v);

    assert_int_equal(cf_pg_begin(pg), 0);
    assert_int_equal(cf_pg_run(pg, "INSERT INTO tx VALUES (1)", 0, NULL), 0);
    assert_int_equal(cf_pg_run(pg, "INSERT INTO tx VALUES (1)", 0, NULL), -1);
    /* The failed statement's error survives the rollback for the caller. */
    cf_pg_rollback(pg);
    assert_string_equal(cf_pg_sqlstate(pg), "23505");
    assert_int_equal(cf_pg_begin(pg), 0);
    assert_int_equal(cf_pg_run(pg, "INSERT INTO tx VALUES (2)", 0, NULL), 0);
    assert_int_equal(cf_pg_commit(pg), 0);
    assert_int_equal(cf_pg_commit(pg), -1); /* nothing open */
    v = one_value(pg, "SELECT string_agg(k::text, ',') FROM tx", 0, NULL);
    assert_string_equal(v, "2");
    free(v);
    cf_pg_free(pg);
}

/* PostgreSQL answers COMMIT of a transaction with a failed statement with
 * ROLLBACK, not an error: cf_pg_commit must say it did not commit. */
static void commit_after_failure_fails(void **state)
{
    cf_pg *pg = must_connect();
    char *v;

    (void)state;
    assert_int_equal(cf_pg_run(pg, "CREATE TEMP TABLE txf (k int PRIMARY KEY)", 0, NULL), 0);
    assert_int_equal(cf_pg_begin(pg), 0);
    assert_int_equal(cf_pg_run(pg, "INSERT INTO txf VALUES (1)", 0, NULL), 0);
    assert_int_equal(cf_pg_run(pg, "INSERT INTO txf VALUES (1)", 0, NULL), -1);
    assert_string_equal(cf_pg_sqlstate(pg), "23505");
    /* The caller ignores the failure and commits: that must not succeed. */
    assert_int_equal(cf_pg_commit(pg), -1);
    assert_string_equal(cf_pg_sqlstate(pg), "25P02");
    assert_non_null(strstr(cf_pg_error(pg), "rolled back"));
    assert_false(cf_pg_in_transaction(pg));
    v = one_value(pg, "SELECT count(*) FROM txf", 0, NULL);
    assert_string_equal(v, "0");
    free(v);
    cf_pg_free(pg);
}

static void kill_backend(cf_pg *killer, const char *pid)
{
    const char *p[1] = {pid};
    char *v = one_value(killer, "SELECT pg_terminate_backend($1::int)", 1, p);

    assert_string_equal(v, "t");
    free(v);
}

static void reconnects_after_termination(void **state)
{
    cf_pg *pg = must_connect(), *killer = must_connect();
    char *before, *after;

    (void)state;
    before = one_value(pg, "SELECT pg_backend_pid()::text", 0, NULL);
    kill_backend(killer, before);
    /* Outside a transaction: one transparent reconnect. */
    after = one_value(pg, "SELECT pg_backend_pid()::text", 0, NULL);
    assert_string_not_equal(before, after);
    assert_true(cf_pg_ok(pg));
    free(before);

    /* Inside a transaction the error is returned: the caller retries whole. */
    assert_int_equal(cf_pg_begin(pg), 0);
    kill_backend(killer, after);
    assert_int_equal(cf_pg_run(pg, "SELECT 1", 0, NULL), -1);
    assert_false(cf_pg_ok(pg));
    cf_pg_rollback(pg);
    assert_false(cf_pg_in_transaction(pg));
    free(after);
    after = one_value(pg, "SELECT 'back'", 0, NULL);
    assert_string_equal(after, "back");
    free(after);
    cf_pg_free(killer);
    cf_pg_free(pg);
}

/* How many of this session's prepared statements have sql's text. */
static int prepared_count(cf_pg *pg, const char *sql)
{
    const char *p[1] = {sql};
    PGresult *res = PQexecParams(cf_pg_raw(pg),
                                 "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1",
                                 1, NULL, p, NULL, NULL, 0);
    int n;

    assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
    n = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}

static void prepared_statements(void **state)
{
    static const char sql[] = "SELECT ($1::int + 1)::text";
    const char *p[1] = {"41"};
    cf_pg *pg = must_connect(), *killer = must_connect();

    (void)state;
    assert_int_equal(prepared_count(pg, sql), 0);
    assert_int_equal(cf_pg_prepare_statements(pg, 16), 0);
    for (int i = 0; i < 3; i++) {
        char *v = one_value(pg, sql, 1, p);
        assert_string_equal(v, "42");
        free(v);
    }
    assert_int_equal(prepared_count(pg, sql), 1); /* prepared once, run three times */

    /* The statement's own errors, as unprepared. */
    const char *bad[1] = {"forty"};
    assert_null(cf_pg_exec(pg, sql, 1, bad));
    assert_string_equal(cf_pg_sqlstate(pg), "22P02");
    assert_null(cf_pg_exec(pg, "SELEC $1", 1, p));
    assert_string_equal(cf_pg_sqlstate(pg), "42601");

    /* The server drops it: prepared again, transparently outside a
     * transaction; inside one the error returns and a retry works. */
    assert_int_equal(cf_pg_run(pg, "DEALLOCATE ALL", 0, NULL), 0);
    char *v = one_value(pg, sql, 1, p);
    assert_string_equal(v, "42");
    free(v);
    assert_int_equal(cf_pg_run(pg, "DEALLOCATE ALL", 0, NULL), 0);
    assert_int_equal(cf_pg_begin(pg), 0);
    assert_null(cf_pg_exec(pg, sql, 1, p));
    assert_string_equal(cf_pg_sqlstate(pg), "26000");
    cf_pg_rollback(pg);
    assert_int_equal(cf_pg_begin(pg), 0);
    v = one_value(pg, sql, 1, p);
    assert_string_equal(v, "42");
    free(v);
    assert_int_equal(cf_pg_commit(pg), 0);

    /* A migration changes what a prepared statement returns: dropped and
     * prepared again, transparently outside a transaction, at the retry
     * inside one. */
    static const char star[] = "SELECT * FROM cf_prep_t WHERE a = $1::int";
    PGresult *res;
    assert_int_equal(cf_pg_run(pg, "CREATE TEMP TABLE cf_prep_t (a int)", 0, NULL), 0);
    assert_int_equal(cf_pg_run(pg, "INSERT INTO cf_prep_t VALUES (41)", 0, NULL), 0);
    assert_non_null(res = cf_pg_exec(pg, star, 1, p));
    assert_int_equal(PQnfields(res), 1);
    PQclear(res);
    assert_int_equal(cf_pg_run(pg, "ALTER TABLE cf_prep_t ADD COLUMN b int", 0, NULL), 0);
    assert_non_null(res = cf_pg_exec(pg, star, 1, p));
    assert_int_equal(PQnfields(res), 2);
    PQclear(res);
    assert_int_equal(cf_pg_run(pg, "ALTER TABLE cf_prep_t ADD COLUMN c int", 0, NULL), 0);
    assert_int_equal(cf_pg_begin(pg), 0);
    assert_null(cf_pg_exec(pg, star, 1, p));
    assert_string_equal(cf_pg_sqlstate(pg), "0A000");
    cf_pg_rollback(pg);
    assert_int_equal(cf_pg_begin(pg), 0);
    assert_non_null(res = cf_pg_exec(pg, star, 1, p));
    assert_int_equal(PQnfields(res), 3);
    PQclear(res);
    assert_int_equal(cf_pg_commit(pg), 0);

    /* A new backend: prepared again there. */
    char *pid = one_value(pg, "SELECT pg_backend_pid()::text", 0, NULL);
    kill_backend(killer, pid);
    free(pid);
    v = one_value(pg, sql, 1, p);
    assert_string_equal(v, "42");
    free(v);
    assert_int_equal(prepared_count(pg, sql), 1);

    /* More texts than the table holds: the rest run unprepared. */
    for (int i = 0; i < 40; i++) {
        char text[64], want[16];
        snprintf(text, sizeof text, "SELECT ($1::int + %d)::text", i);
        snprintf(want, sizeof want, "%d", 41 + i);
        v = one_value(pg, text, 1, p);
        assert_string_equal(v, want);
        free(v);
    }
    cf_pg_free(killer);
    cf_pg_free(pg);
}

static void bad_connection_strings(void **state)
{
    char err[512];

    (void)state;
    assert_null(cf_pg_connect("", err, sizeof err));
    assert_non_null(strstr(err, "empty"));
    assert_null(cf_pg_connect(NULL, err, sizeof err));
    assert_null(cf_pg_connect("bad://x", err, sizeof err));
    assert_non_null(strstr(err, "database"));
    assert_null(cf_pg_connect("host=127.0.0.1 port=1 connect_timeout=2", err, sizeof err));
    assert_non_null(strstr(err, "database"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parameters_are_data),
        cmocka_unit_test(bytes_are_data),
        cmocka_unit_test(errors_carry_sqlstate),
        cmocka_unit_test(transactions),
        cmocka_unit_test(commit_after_failure_fails),
        cmocka_unit_test(reconnects_after_termination),
        cmocka_unit_test(prepared_statements),
        cmocka_unit_test(bad_connection_strings),
    };

    url = require_database_url();
    if (url == NULL)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
