/*
 * migrate.c — cf-migrate: applies the SQL migrations in order, once.
 *
 *   cf-migrate [--database-url URL] [--dir DIR ...] [--status]
 *
 * A migration is a file NNNN_name.sql (four digits). Migrations are read
 * from every --dir given, else from the colon-separated CF_MIGRATIONS_DIR,
 * else from the directories baked in at build time (db/migrations and the
 * other teams' folders of the source tree; those missing are skipped).
 * Each one runs in its own transaction together with its row in
 * schema_migrations (version, name, sha256 checksum, applied_at), so it is
 * applied entirely or not at all, and a re-run applies only what is new.
 *
 * A migration is immutable once applied: when an applied file changed
 * (checksum) or disappeared, the database and the tree have diverged and
 * cf-migrate refuses to touch anything, saying which file and how. Two
 * cf-migrate runs at once serialise on an advisory lock.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "file_read.h"
#include "log.h"
#include "pg_conn.h"
#include "text.h"

#ifndef CF_MIGRATIONS_DIR_DEFAULT
#define CF_MIGRATIONS_DIR_DEFAULT "db/migrations"
#endif

#define MAX_MIGRATIONS 1000
#define MAX_DIRS 16
#define MAX_FILE_BYTES (16 * 1024 * 1024)
/* "cfmg": one lock for every cf-migrate of every database on the server. */
#define ADVISORY_LOCK_KEY "1667657063"

struct migration {
    int version;
    char name[256]; /* file name, e.g. 0001_init.sql */
    char path[4096];
    char checksum[crypto_hash_sha256_BYTES * 2 + 1];
    char *sql;
    /* from schema_migrations */
    bool applied;
    bool on_disk;
    char applied_checksum[crypto_hash_sha256_BYTES * 2 + 1];
    char applied_name[256];
    char applied_at[64];
};

struct plan {
    struct migration m[MAX_MIGRATIONS];
    size_t n;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cf-migrate [--database-url URL] [--dir DIR ...] [--status]\n"
            "  Applies db/migrations/NNNN_name.sql in order, each in its own transaction,\n"
            "  recording them in schema_migrations.\n"
            "  --database-url URL  libpq connection string (default: $CF_DATABASE_URL)\n"
            "  --dir DIR           migrations directory; repeatable (default: "
            "$CF_MIGRATIONS_DIR,\n"
            "                      colon-separated, else %s)\n"
            "  --status            list migrations and their state, apply nothing\n",
            CF_MIGRATIONS_DIR_DEFAULT);
}

/* NNNN_name.sql with name of [a-z0-9_]; returns the version or -1. */
static int parse_name(const char *name)
{
    size_t len = strlen(name);
    int v = 0;

    if (len < 10 || len > 200 || strcmp(name + len - 4, ".sql") != 0 || name[4] != '_')
        return -1;
    for (int i = 0; i < 4; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    for (size_t i = 5; i < len - 4; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '_'))
            return -1;
    return v;
}

static void sha256_hex(const char *data, size_t len, char *out)
{
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(h, (const unsigned char *)data, len);
    sodium_bin2hex(out, crypto_hash_sha256_BYTES * 2 + 1, h, sizeof h);
}

static int by_version(const void *a, const void *b)
{
    const struct migration *x = a, *y = b;

    return (x->version > y->version) - (x->version < y->version);
}

/* Reads dir/name (version v) into the next slot of the plan: its SQL and
 * checksum. */
static int add_migration(struct plan *p, const char *dir, const char *name, int v)
{
    struct migration *m;
    char err[512];
    size_t len;

    for (size_t i = 0; i < p->n; i++) {
        if (p->m[i].version == v) {
            log_error("migration version %04d twice: %s and %s/%s", v, p->m[i].path, dir, name);
            return -1;
        }
    }
    if (p->n == MAX_MIGRATIONS) {
        log_error("more than %d migrations", MAX_MIGRATIONS);
        return -1;
    }
    m = &p->m[p->n];
    memset(m, 0, sizeof *m);
    m->version = v;
    snprintf(m->name, sizeof m->name, "%s", name);
    if ((size_t)snprintf(m->path, sizeof m->path, "%s/%s", dir, name) >= sizeof m->path) {
        log_error("%s/%s: path too long", dir, name);
        return -1;
    }
    m->sql = cf_read_file(m->path, MAX_FILE_BYTES, &len, err, sizeof err);
    if (m->sql == NULL) {
        log_error("%s", err);
        return -1;
    }
    if (!cf_utf8_valid(m->sql, len)) {
        log_error("%s: not valid UTF-8 (or contains a NUL byte)", m->path);
        free(m->sql);
        m->sql = NULL;
        return -1;
    }
    sha256_hex(m->sql, len, m->checksum);
    m->on_disk = true;
    p->n++;
    return 0;
}

static int scan_dir(struct plan *p, const char *dir, bool must_exist)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int rc = 0;

    if (d == NULL) {
        if (!must_exist && errno == ENOENT)
            return 0;
        log_error("migrations directory %s: %s", dir, strerror(errno));
        return -1;
    }
    while (rc == 0 && (de = readdir(d)) != NULL) {
        size_t nl = strlen(de->d_name);
        int v;

        if (de->d_name[0] == '.' || nl < 4 || strcmp(de->d_name + nl - 4, ".sql") != 0)
            continue; /* READMEs and the like */
        v = parse_name(de->d_name);
        if (v < 0) {
            log_error("%s/%s: a migration is named NNNN_name.sql (four digits, then "
                      "lowercase letters, digits, _)",
                      dir, de->d_name);
            rc = -1;
        } else {
            rc = add_migration(p, dir, de->d_name, v);
        }
    }
    closedir(d);
    return rc;
}

static struct migration *find_version(struct plan *p, int v)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->m[i].version == v)
            return &p->m[i];
    return NULL;
}

static int load_applied(cf_pg *pg, struct plan *p)
{
    PGresult *res = cf_pg_exec(pg,
                               "SELECT version, name, checksum, "
                               "to_char(applied_at AT TIME ZONE 'UTC', "
                               "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                               "FROM schema_migrations ORDER BY version",
                               0, NULL);

    if (res == NULL) {
        log_error("reading schema_migrations: %s", cf_pg_error(pg));
        return -1;
    }
    for (int r = 0; r < PQntuples(res); r++) {
        int v = atoi(PQgetvalue(res, r, 0));
        struct migration *m = find_version(p, v);

        if (m == NULL) {
            if (p->n == MAX_MIGRATIONS) {
                log_error("more than %d migrations", MAX_MIGRATIONS);
                PQclear(res);
                return -1;
            }
            m = &p->m[p->n++];
            memset(m, 0, sizeof *m);
            m->version = v;
        }
        m->applied = true;
        snprintf(m->applied_name, sizeof m->applied_name, "%s", PQgetvalue(res, r, 1));
        snprintf(m->applied_checksum, sizeof m->applied_checksum, "%s", PQgetvalue(res, r, 2));
        snprintf(m->applied_at, sizeof m->applied_at, "%s", PQgetvalue(res, r, 3));
    }
    PQclear(res);
    qsort(p->m, p->n, sizeof p->m[0], by_version);
    return 0;
}

/* Applied but missing, or applied and changed: the database and the tree
 * have diverged. Returns how many such migrations there are. */
static int check_diverged(const struct plan *p, bool report)
{
    int bad = 0;

    for (size_t i = 0; i < p->n; i++) {
        const struct migration *m = &p->m[i];

        if (!m->applied)
            continue;
        if (!m->on_disk) {
            bad++;
            if (report)
                log_error("dirty state: migration %04d (%s) is recorded as applied but no "
                          "longer exists on disk",
                          m->version, m->applied_name);
        } else if (strcmp(m->checksum, m->applied_checksum) != 0 ||
                   strcmp(m->name, m->applied_name) != 0) {
            bad++;
            if (report)
                log_error("dirty state: migration %s changed since it was applied as %s "
                          "(checksum %.12s… recorded, %.12s… on disk); applied migrations "
                          "are immutable: restore it and add a new migration",
                          m->path, m->applied_name, m->applied_checksum, m->checksum);
        }
    }
    return bad;
}

static int apply_one(cf_pg *pg, const struct migration *m)
{
    char version[16];
    const char *params[3];

    snprintf(version, sizeof version, "%d", m->version);
    params[0] = version;
    params[1] = m->name;
    params[2] = m->checksum;
    if (cf_pg_begin(pg) != 0) {
        log_error("%s: BEGIN: %s", m->name, cf_pg_error(pg));
        return -1;
    }
    if (cf_pg_exec_script(pg, m->sql) != 0) {
        log_error("%s failed, nothing of it was applied: %s", m->path, cf_pg_error(pg));
        cf_pg_rollback(pg);
        return -1;
    }
    /* A COMMIT or ROLLBACK inside the file would have ended our transaction:
     * the file then escaped the all-or-nothing rule. */
    if (PQtransactionStatus(cf_pg_raw(pg)) != PQTRANS_INTRANS) {
        log_error("%s ended the transaction itself (BEGIN/COMMIT/ROLLBACK inside the "
                  "file); it may be partly applied and is not recorded: fix the database "
                  "by hand and remove those statements",
                  m->path);
        cf_pg_rollback(pg);
        return -1;
    }
    if (cf_pg_run(pg, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                  3, params) != 0) {
        log_error("%s: recording it: %s", m->name, cf_pg_error(pg));
        cf_pg_rollback(pg);
        return -1;
    }
    if (cf_pg_commit(pg) != 0) {
        log_error("%s: COMMIT: %s", m->name, cf_pg_error(pg));
        return -1;
    }
    log_info("applied %s", m->name);
    return 0;
}

static void print_status(const struct plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct migration *m = &p->m[i];
        const char *state;

        if (m->applied && !m->on_disk)
            state = "MISSING from disk";
        else if (m->applied && (strcmp(m->checksum, m->applied_checksum) != 0 ||
                                strcmp(m->name, m->applied_name) != 0))
            state = "CHANGED since applied";
        else if (m->applied)
            state = "applied";
        else
            state = "pending";
        printf("%04d  %-40s  %-22s %s\n", m->version, m->on_disk ? m->name : m->applied_name, state,
               m->applied ? m->applied_at : "");
    }
}

/* Splits a colon-separated list in place into dirs. More than MAX_DIRS is
 * an error: dropping the rest would leave their migrations unapplied
 * without a word. */
static int split_dirs(char *list, const char **dirs, size_t *ndirs)
{
    char *save = NULL;

    for (char *t = strtok_r(list, ":", &save); t != NULL; t = strtok_r(NULL, ":", &save)) {
        if (*ndirs == MAX_DIRS) {
            log_error("CF_MIGRATIONS_DIR: at most %d directories", MAX_DIRS);
            return -1;
        }
        dirs[(*ndirs)++] = t;
    }
    return 0;
}

/* Under the advisory lock: reads schema_migrations, then lists (status) or
 * applies what is pending. The exit status. */
static int migrate(cf_pg *pg, struct plan *p, bool status)
{
    int applied = 0;

    if (cf_pg_run(pg, "SELECT pg_advisory_lock(" ADVISORY_LOCK_KEY ")", 0, NULL) != 0 ||
        cf_pg_run(pg,
                  "CREATE TABLE IF NOT EXISTS schema_migrations ("
                  " version integer PRIMARY KEY,"
                  " name text NOT NULL,"
                  " checksum text NOT NULL,"
                  " applied_at timestamptz NOT NULL DEFAULT now())",
                  0, NULL) != 0) {
        log_error("preparing schema_migrations: %s", cf_pg_error(pg));
        return 1;
    }
    if (load_applied(pg, p) != 0)
        return 1;
    if (status) {
        print_status(p);
        return check_diverged(p, true) == 0 ? 0 : 1;
    }
    if (check_diverged(p, true) != 0) {
        log_error("refusing to migrate: the database and the migrations on disk diverged "
                  "(see above; cf-migrate --status lists them)");
        return 1;
    }
    for (size_t i = 0; i < p->n; i++) {
        if (p->m[i].applied)
            continue;
        if (apply_one(pg, &p->m[i]) != 0)
            return 1;
        applied++;
    }
    log_info("%d migration(s) applied, database up to date", applied);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"database-url", required_argument, NULL, 'd'},
        {"dir", required_argument, NULL, 'D'},
        {"status", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *url = getenv("CF_DATABASE_URL");
    const char *dirs[MAX_DIRS];
    size_t ndirs = 0;
    bool status = false, explicit_dirs = false;
    char *dirlist = NULL, err[512];
    struct plan *p = NULL;
    cf_pg *pg = NULL;
    int c, rc = 1;

    cf_log_init("cf-migrate", CF_LOG_INFO, false);
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': url = optarg; break;
        case 'D':
            if (ndirs == MAX_DIRS) {
                log_error("at most %d --dir", MAX_DIRS);
                return 2;
            }
            dirs[ndirs++] = optarg;
            explicit_dirs = true;
            break;
        case 's': status = true; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (url == NULL || *url == '\0') {
        log_error("no database: give --database-url or set CF_DATABASE_URL");
        return 2;
    }
    if (sodium_init() < 0) {
        log_error("libsodium failed to initialise");
        return 1;
    }
    if (!explicit_dirs) {
        const char *env = getenv("CF_MIGRATIONS_DIR");

        explicit_dirs = env != NULL && *env != '\0';
        dirlist = strdup(explicit_dirs ? env : CF_MIGRATIONS_DIR_DEFAULT);
        if (dirlist == NULL) {
            log_error("out of memory");
            return 1;
        }
        if (split_dirs(dirlist, dirs, &ndirs) != 0) {
            free(dirlist);
            return 2;
        }
    }
    p = calloc(1, sizeof *p);
    if (p == NULL) {
        log_error("out of memory");
        goto out;
    }
    /* Only db/migrations is required among the built-in directories; the
     * other teams' folders exist once they add migrations. */
    for (size_t i = 0; i < ndirs; i++)
        if (scan_dir(p, dirs[i], explicit_dirs || i == 0) != 0)
            goto out;

    pg = cf_pg_connect(url, err, sizeof err);
    if (pg == NULL) {
        log_error("%s", err);
        goto out;
    }
    rc = migrate(pg, p, status);
out:
    if (pg != NULL) {
        /* Ending the session releases the advisory lock too. */
        cf_pg_free(pg);
    }
    if (p != NULL)
        for (size_t i = 0; i < p->n; i++)
            free(p->m[i].sql);
    free(p);
    free(dirlist);
    return rc;
}
