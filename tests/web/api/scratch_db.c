/*
 * scratch_db.c — a migrated database of its own for a cmocka test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch_db.h"

static char admin_url[1024], db_url[1024], db_name[64];

/* url with its database replaced by name (URL form). */
static void url_with_db(char *out, size_t len, const char *url, const char *name)
{
    const char *q = strchr(url, '?');
    size_t base = q != NULL ? (size_t)(q - url) : strlen(url);
    const char *scheme = strstr(url, "://");
    const char *slash = NULL;
    for (const char *p = scheme != NULL ? scheme + 3 : url; p < url + base; p++)
        if (*p == '/')
            slash = p;
    size_t keep = slash != NULL ? (size_t)(slash - url) : base;
    snprintf(out, len, "%.*s/%s%s", (int)keep, url, name, q != NULL ? q : "");
}

/* Runs sql on the server's own database. The test's role may terminate its
 * own sessions, not an autovacuum worker analysing what a test just wrote
 * (42501, insufficient privilege), done within moments: so a DROP ...
 * WITH (FORCE) is tried again for up to five seconds. 0, or -1 (said). */
static int admin_run(const char *sql)
{
    PGconn *c = PQconnectdb(admin_url);
    int rc = -1;
    for (int tries = 0; PQstatus(c) == CONNECTION_OK && rc != 0 && tries <= 50; tries++) {
        PGresult *res = PQexec(c, sql);
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
        bool busy = rc != 0 && state != NULL && strcmp(state, "42501") == 0;
        PQclear(res);
        if (!busy)
            break;
        struct timespec pause = {.tv_sec = 0, .tv_nsec = 100 * 1000000L};
        nanosleep(&pause, NULL);
    }
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", sql, PQerrorMessage(c));
    PQfinish(c);
    return rc;
}

static int migrate(const char *bin)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl(bin, bin, "--database-url", db_url, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "cf-migrate failed (status %d)\n", status);
        return -1;
    }
    return 0;
}

int scratch_db_create(const char *prefix)
{
    const char *url = getenv("CF_DATABASE_URL"), *bin = getenv("CF_MIGRATE_BIN");
    if (url == NULL || bin == NULL) {
        fprintf(stderr, "CF_DATABASE_URL and CF_MIGRATE_BIN must be set\n");
        return -1;
    }
    snprintf(admin_url, sizeof admin_url, "%s", url);
    snprintf(db_name, sizeof db_name, "%.40s_%ld", prefix, (long)getpid());
    url_with_db(db_url, sizeof db_url, url, db_name);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", db_name);
    if (admin_run(sql) != 0)
        return -1;
    return migrate(bin);
}

void scratch_db_drop(void)
{
    char sql[128];
    if (db_name[0] == '\0')
        return;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db_name);
    (void)admin_run(sql);
}

cf_pg *scratch_db_connect(void)
{
    char err[256];
    cf_pg *c = cf_pg_connect(db_url, err, sizeof err);
    if (c == NULL)
        fail_msg("database: %s", err);
    return c;
}
