/*
 * test_migrations.c — cf-migrate and the schema against the real PostgreSQL
 * (CF_DATABASE_URL; the role needs CREATEDB). Every case works in a scratch
 * database cf_migtest_<pid>_<case> that it creates and drops, so the stack's
 * own database is never touched. Fails when CF_DATABASE_URL is absent.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "database_url.h"
#include "pg_conn.h"
#include "text.h"

#ifndef CF_MIGRATE_BIN
#error CF_MIGRATE_BIN must name the cf-migrate executable
#endif
#ifndef CF_SOURCE_DIR
#error CF_SOURCE_DIR must name the source tree
#endif

static const char *admin_url;
static cf_pg *admin;

/* --- scratch databases ------------------------------------------------------ */

/* Appends key='value' (libpq quoting) to buf. */
static void append_kv(char *buf, size_t len, const char *key, const char *val)
{
    size_t o = strlen(buf);

    o += (size_t)snprintf(buf + o, len - o, "%s%s='", o ? " " : "", key);
    for (const char *p = val; *p != '\0' && o + 3 < len; p++) {
        if (*p == '\'' || *p == '\\')
            buf[o++] = '\\';
        buf[o++] = *p;
    }
    snprintf(buf + o, len - o, "'");
}

/* The admin connection string with another database name. */
static void conninfo_for(const char *dbname, char *out, size_t len)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(admin_url, &perr);

    out[0] = '\0';
    if (opts == NULL)
        fail_msg("CF_DATABASE_URL: %s", perr ? perr : "unparseable");
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
        if (o->val != NULL && *o->val != '\0' && strcmp(o->keyword, "dbname") != 0)
            append_kv(out, len, o->keyword, o->val);
    append_kv(out, len, "dbname", dbname);
    PQconninfoFree(opts);
}

static void scratch_name(const char *tag, char *out, size_t len)
{
    snprintf(out, len, "cf_migtest_%ld_%s", (long)getpid(), tag);
}

/* DROP DATABASE ... WITH (FORCE) as the test's role: it may terminate
 * that role's sessions, not an autovacuum worker analysing the tables a
 * test just filled (42501, insufficient privilege), which is done within
 * moments: so try again for up to five seconds. 0, or -1 with the error. */
static int drop_db_when_free(const char *name)
{
    char sql[256];

    /* Names are built here from the pid and a fixed tag: no user input. */
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    for (int tries = 0;; tries++) {
        if (cf_pg_run(admin, sql, 0, NULL) == 0)
            return 0;
        if (strcmp(cf_pg_sqlstate(admin), "42501") != 0 || tries == 50)
            return -1;
        struct timespec pause = {.tv_sec = 0, .tv_nsec = 100 * 1000000L};
        nanosleep(&pause, NULL);
    }
}

static void drop_db(const char *name)
{
    if (drop_db_when_free(name) != 0)
        fail_msg("DROP DATABASE %s: %s", name, cf_pg_error(admin));
}

static void create_db(const char *name)
{
    char sql[256];

    drop_db(name);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    if (cf_pg_run(admin, sql, 0, NULL) != 0)
        fail_msg("%s: %s", sql, cf_pg_error(admin));
}

/* --- running cf-migrate ----------------------------------------------------- */

static char output[65536];

/* Runs cf-migrate on conninfo with dir (NULL: built-in directories) and an
 * optional extra flag; its stdout and stderr land in output. Exit status. */
static int run_migrate_env(const char *conninfo, const char *dir, const char *flag,
                           const char *env_dirs);

static int run_migrate(const char *conninfo, const char *dir, const char *flag)
{
    return run_migrate_env(conninfo, dir, flag, NULL);
}

/* The same with CF_MIGRATIONS_DIR set to env_dirs (NULL: unset). */
static int run_migrate_env(const char *conninfo, const char *dir, const char *flag,
                           const char *env_dirs)
{
    char outpath[] = "/tmp/cf_migtest_out_XXXXXX";
    int fd = mkstemp(outpath), status;
    pid_t pid;
    ssize_t n;

    assert_true(fd >= 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const char *argv[8];
        int a = 0;
        argv[a++] = CF_MIGRATE_BIN;
        argv[a++] = "--database-url";
        argv[a++] = conninfo;
        if (dir != NULL) {
            argv[a++] = "--dir";
            argv[a++] = dir;
        }
        if (flag != NULL)
            argv[a++] = flag;
        argv[a] = NULL;
        if (env_dirs != NULL)
            setenv("CF_MIGRATIONS_DIR", env_dirs, 1);
        else
            unsetenv("CF_MIGRATIONS_DIR");
        if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
            _exit(126);
        execv(CF_MIGRATE_BIN, (char *const *)argv);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    n = read(fd, output, sizeof output - 1);
    output[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(outpath);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void expect_output(const char *needle)
{
    if (strstr(output, needle) == NULL)
        fail_msg("cf-migrate output lacks '%s':\n%s", needle, output);
}

/* --- a private copy of db/migrations ------------------------------------------ */

static void write_text(const char *path, const char *text, const char *mode)
{
    FILE *f = fopen(path, mode);

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void copy_file(const char *from, const char *to)
{
    char buf[65536];
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    size_t n;

    assert_non_null(in);
    assert_non_null(out);
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

/* Copies the .sql files of db/migrations into a fresh temporary directory. */
static void copy_migrations(char *dir)
{
    DIR *d;
    struct dirent *de;

    strcpy(dir, "/tmp/cf_migtest_dir_XXXXXX");
    assert_non_null(mkdtemp(dir));
    d = opendir(CF_SOURCE_DIR "/db/migrations");
    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        char from[1024], to[1024];
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".sql") != 0)
            continue;
        snprintf(from, sizeof from, "%s/db/migrations/%s", CF_SOURCE_DIR, de->d_name);
        snprintf(to, sizeof to, "%s/%s", dir, de->d_name);
        copy_file(from, to);
    }
    closedir(d);
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        char p[1024];
        if (de->d_name[0] == '.')
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int count_sql_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] != '.' && l > 4 && strcmp(de->d_name + l - 4, ".sql") == 0)
            n++;
    }
    closedir(d);
    return n;
}

static long long query_int(cf_pg *pg, const char *sql)
{
    PGresult *res = cf_pg_exec(pg, sql, 0, NULL);
    long long v;

    if (res == NULL)
        fail_msg("%s: %s", sql, cf_pg_error(pg));
    assert_int_equal(PQntuples(res), 1);
    v = atoll(PQgetvalue(res, 0, 0));
    PQclear(res);
    return v;
}

static cf_pg *connect_db(const char *conninfo)
{
    char err[512];
    cf_pg *pg = cf_pg_connect(conninfo, err, sizeof err);

    if (pg == NULL)
        fail_msg("%s", err);
    return pg;
}

/* --- the cases ------------------------------------------------------------------ */

static void applies_on_empty_database_and_reruns_as_noop(void **state)
{
    char name[64], ci[2048];
    int files = count_sql_files(CF_SOURCE_DIR "/db/migrations") +
                count_sql_files(CF_SOURCE_DIR "/web/migrations") +
                count_sql_files(CF_SOURCE_DIR "/result_processor/migrations");
    cf_pg *pg;

    (void)state;
    scratch_name("apply", name, sizeof name);
    create_db(name);
    conninfo_for(name, ci, sizeof ci);

    assert_int_equal(run_migrate(ci, NULL, NULL), 0);
    expect_output("applied 0001_init.sql");
    pg = connect_db(ci);
    assert_int_equal(query_int(pg, "SELECT count(*) FROM schema_migrations"), files);
    assert_int_equal(query_int(pg, "SELECT count(*) FROM information_schema.tables "
                                   "WHERE table_schema = 'public' AND table_name IN "
                                   "('users','sessions','games','game_templates','bots',"
                                   "'bot_versions','fights','fight_players','fight_reports',"
                                   "'invitations','outbox','password_resets')"),
                     12);
    assert_int_equal(query_int(pg, "SELECT count(*) FROM schema_migrations WHERE version = 1 "
                                   "AND length(checksum) = 64 AND name = '0001_init.sql'"),
                     1);

    /* A second run applies nothing and changes nothing. */
    assert_int_equal(run_migrate(ci, NULL, NULL), 0);
    expect_output("0 migration(s) applied");
    assert_int_equal(query_int(pg, "SELECT count(*) FROM schema_migrations"), files);

    assert_int_equal(run_migrate(ci, NULL, "--status"), 0);
    expect_output("0001  0001_init.sql");
    expect_output("applied");
    cf_pg_free(pg);
    drop_db(name);
}

static void tampered_checksum_is_refused(void **state)
{
    char name[64], ci[2048], dir[64], path[128], extra[128];
    cf_pg *pg;

    (void)state;
    scratch_name("tamper", name, sizeof name);
    create_db(name);
    conninfo_for(name, ci, sizeof ci);
    copy_migrations(dir);
    assert_int_equal(run_migrate(ci, dir, NULL), 0);

    snprintf(path, sizeof path, "%s/0001_init.sql", dir);
    write_text(path, "-- an innocent-looking edit\n", "a");
    snprintf(extra, sizeof extra, "%s/0090_after.sql", dir);
    write_text(extra, "CREATE TABLE after_tamper (x int);\n", "w");
    assert_int_equal(run_migrate(ci, dir, NULL), 1);
    expect_output("0001_init.sql changed since it was applied");
    expect_output("refusing to migrate");
    assert_int_equal(run_migrate(ci, dir, "--status"), 1);
    expect_output("CHANGED since applied");
    /* Nothing was applied while dirty. */
    pg = connect_db(ci);
    assert_int_equal(query_int(pg, "SELECT count(*) FROM information_schema.tables "
                                   "WHERE table_name = 'after_tamper'"),
                     0);

    /* Restored, the new migration goes through. */
    copy_file(CF_SOURCE_DIR "/db/migrations/0001_init.sql", path);
    assert_int_equal(run_migrate(ci, dir, NULL), 0);
    expect_output("applied 0090_after.sql");
    assert_int_equal(query_int(pg, "SELECT count(*) FROM information_schema.tables "
                                   "WHERE table_name = 'after_tamper'"),
                     1);
    cf_pg_free(pg);
    remove_dir(dir);
    drop_db(name);
}

static void missing_applied_migration_is_refused(void **state)
{
    char name[64], ci[2048], dir[64], path[128];

    (void)state;
    scratch_name("missing", name, sizeof name);
    create_db(name);
    conninfo_for(name, ci, sizeof ci);
    copy_migrations(dir);
    snprintf(path, sizeof path, "%s/0091_extra.sql", dir);
    write_text(path, "CREATE TABLE extra_t (x int);\n", "w");
    assert_int_equal(run_migrate(ci, dir, NULL), 0);
    unlink(path);
    assert_int_equal(run_migrate(ci, dir, NULL), 1);
    expect_output("0091 (0091_extra.sql) is recorded as applied but no longer exists");
    assert_int_equal(run_migrate(ci, dir, "--status"), 1);
    expect_output("MISSING from disk");
    remove_dir(dir);
    drop_db(name);
}

static void failing_migration_leaves_nothing(void **state)
{
    char name[64], ci[2048], dir[64], path[128];
    cf_pg *pg;

    (void)state;
    scratch_name("broken", name, sizeof name);
    create_db(name);
    conninfo_for(name, ci, sizeof ci);
    copy_migrations(dir);
    snprintf(path, sizeof path, "%s/0092_broken.sql", dir);
    write_text(path, "CREATE TABLE half_done (x int);\nSELECT no_such_function();\n", "w");
    assert_int_equal(run_migrate(ci, dir, NULL), 1);
    expect_output("0092_broken.sql failed, nothing of it was applied");
    expect_output("no_such_function");
    pg = connect_db(ci);
    assert_int_equal(query_int(pg, "SELECT count(*) FROM information_schema.tables "
                                   "WHERE table_name = 'half_done'"),
                     0);
    assert_int_equal(query_int(pg, "SELECT count(*) FROM schema_migrations WHERE version = 92"), 0);
    /* Earlier migrations of the same run stay applied. */
    assert_int_equal(query_int(pg, "SELECT count(*) FROM schema_migrations WHERE version = 1"), 1);

    /* A file that commits by itself escapes the transaction: refused. */
    write_text(path, "COMMIT;\nCREATE TABLE escaped (x int);\n", "w");
    assert_int_equal(run_migrate(ci, dir, NULL), 1);
    expect_output("ended the transaction itself");
    assert_int_equal(query_int(pg, "SELECT count(*) FROM schema_migrations WHERE version = 92"), 0);

    /* A badly named file is refused before anything runs. */
    unlink(path);
    snprintf(path, sizeof path, "%s/93-bad.sql", dir);
    write_text(path, "SELECT 1;\n", "w");
    assert_int_equal(run_migrate(ci, dir, NULL), 1);
    expect_output("NNNN_name.sql");
    unlink(path);
    assert_int_equal(run_migrate(ci, dir, NULL), 0);
    cf_pg_free(pg);
    remove_dir(dir);
    drop_db(name);
}

static void usage_errors(void **state)
{
    (void)state;
    assert_int_equal(run_migrate("host=/nonexistent dbname=x", NULL, NULL), 1);
    expect_output("database");
    assert_int_equal(run_migrate(admin_url, "/nonexistent/dir", NULL), 1);
    expect_output("/nonexistent/dir");
    assert_int_equal(run_migrate(admin_url, NULL, "--bogus"), 2);
}

/* EXPLAIN of sql (no parameters) on pg, one line per plan node. */
static char *plan_of(cf_pg *pg, const char *sql)
{
    char explain[2048];
    PGresult *res;
    size_t len = 1;
    char *text;

    snprintf(explain, sizeof explain, "EXPLAIN %s", sql);
    res = cf_pg_exec(pg, explain, 0, NULL);
    if (res == NULL)
        fail_msg("%s: %s", explain, cf_pg_error(pg));
    for (int i = 0; i < PQntuples(res); i++)
        len += strlen(PQgetvalue(res, i, 0)) + 1;
    text = calloc(1, len);
    assert_non_null(text);
    for (int i = 0; i < PQntuples(res); i++) {
        strcat(text, PQgetvalue(res, i, 0));
        strcat(text, "\n");
    }
    PQclear(res);
    return text;
}

static void expect_index(cf_pg *pg, const char *sql, const char *index)
{
    char *plan = plan_of(pg, sql);

    if (strstr(plan, index) == NULL)
        fail_msg("plan does not use %s:\n%s", index, plan);
    free(plan);
}

/*
 * The queries of the services that 0002 gave an index, as they send them:
 * with sequential scans priced out (the scratch tables are empty), the plan
 * must be able to use the index at all (a LIKE under C.UTF-8 cannot use a
 * plain btree, for one).
 */
static void indexes_serve_the_queries(void **state)
{
    char name[64], ci[2048];
    cf_pg *pg;

    (void)state;
    scratch_name("indexes", name, sizeof name);
    create_db(name);
    conninfo_for(name, ci, sizeof ci);
    assert_int_equal(run_migrate(ci, NULL, NULL), 0);
    pg = connect_db(ci);
    assert_int_equal(cf_pg_run(pg, "SET enable_seqscan = off", 0, NULL), 0);
    /* cf-web's user search (account.c) */
    expect_index(pg,
                 "SELECT username FROM users WHERE lower(username) LIKE lower('ali%') "
                 "AND id <> 1 ORDER BY lower(username) LIMIT 20",
                 "users_username_lower_pattern_idx");
    /* cf-web's live poll of a user's fights (live.c) */
    expect_index(pg,
                 "SELECT f.id, f.status FROM fights f WHERE (f.host_id = 1 OR EXISTS "
                 "(SELECT 1 FROM fight_players p WHERE p.fight_id = f.id AND p.user_id = 1) OR "
                 "EXISTS (SELECT 1 FROM invitations i WHERE i.fight_id = f.id "
                 "AND i.invitee_id = 1)) AND (f.finished_at IS NULL "
                 "OR f.finished_at > now() - interval '10 minutes') "
                 "ORDER BY f.created_at DESC LIMIT 64",
                 "fights_finished_at_idx");
    cf_pg_free(pg);
    drop_db(name);
}

/* More directories in CF_MIGRATIONS_DIR than cf-migrate takes is an error,
 * not a silent cut (the migrations of the dropped ones would never run). */
static void too_many_directories(void **state)
{
    char dirs[17 * 16] = "";

    (void)state;
    for (int i = 0; i < 17; i++) {
        size_t o = strlen(dirs);
        snprintf(dirs + o, sizeof dirs - o, "%s/nonexistent%d", i ? ":" : "", i);
    }
    assert_int_equal(run_migrate_env(admin_url, NULL, NULL, dirs), 2);
    expect_output("at most 16 directories");
}

/* A migration that is not a regular file (here a directory) is named as
 * such, before any database work. */
static void migration_not_a_file(void **state)
{
    char dir[] = "/tmp/cf_migtest_dir_XXXXXX", sub[sizeof dir + 32];

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/0001_oops.sql", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(run_migrate(admin_url, dir, "--status"), 1);
    expect_output("0001_oops.sql: not a regular file");
    assert_int_equal(rmdir(sub), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* --- constraints -------------------------------------------------------------- */

static cf_pg *cpg;

static void expect_state(const char *sql, int n, const char *const *params, const char *state)
{
    PGresult *res = cf_pg_exec(cpg, sql, n, params);

    if (state == NULL) {
        if (res == NULL)
            fail_msg("%s: %s", sql, cf_pg_error(cpg));
        PQclear(res);
        return;
    }
    if (res != NULL) {
        PQclear(res);
        fail_msg("accepted, expected SQLSTATE %s: %s", state, sql);
    }
    if (strcmp(cf_pg_sqlstate(cpg), state) != 0)
        fail_msg("SQLSTATE %s (%s), expected %s: %s", cf_pg_sqlstate(cpg), cf_pg_error(cpg), state,
                 sql);
}
#define OK_SQL(sql, ...)                                                                           \
    expect_state(sql, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)),               \
                 (const char *const[]){__VA_ARGS__}, NULL)
#define BAD_SQL(st, sql, ...)                                                                      \
    expect_state(sql, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)),               \
                 (const char *const[]){__VA_ARGS__}, st)

#define UNIQUE "23505"
#define CHECK "23514"
#define FK "23503"
#define HASH "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA"

static void constraints(void **state)
{
    char name[64], ci[2048], fid[CF_UUID_LEN + 1], fid2[CF_UUID_LEN + 1];
    const char *user_sql = "INSERT INTO users (username, password_hash) VALUES ($1, $2)";
    const char *fight_sql = "INSERT INTO fights (id, game, status) VALUES ($1, $2, $3)";

    (void)state;
    scratch_name("constraints", name, sizeof name);
    create_db(name);
    conninfo_for(name, ci, sizeof ci);
    assert_int_equal(run_migrate(ci, NULL, NULL), 0);
    cpg = connect_db(ci);

    /* users */
    OK_SQL(user_sql, "Alice", HASH);
    BAD_SQL(UNIQUE, user_sql, "alice", HASH);
    BAD_SQL(UNIQUE, user_sql, "ALICE", HASH);
    BAD_SQL(CHECK, user_sql, "bad name", HASH);
    BAD_SQL(CHECK, user_sql, "", HASH);
    BAD_SQL(CHECK, user_sql, "abcdefghijabcdefghijabcdefghijabc", HASH);
    BAD_SQL(CHECK, user_sql, "bob", "plaintext");
    OK_SQL(user_sql, "bob_2", HASH);

    /* sessions and password resets hold 32-byte hashes */
    BAD_SQL(CHECK,
            "INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) "
            "VALUES (decode($1, 'hex'), 1, 'abcdefghijklmnopqrstuvwxyz', now() + interval '1 day')",
            "00ff");
    OK_SQL("INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) "
           "VALUES (decode($1, 'hex'), 1, 'abcdefghijklmnopqrstuvwxyz', now() + interval '1 day')",
           "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    BAD_SQL(CHECK,
            "INSERT INTO password_resets (token_hash, user_id, expires_at) "
            "VALUES (decode($1, 'hex'), 1, now() - interval '1 day')",
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

    /* games */
    OK_SQL("INSERT INTO games (name, title, min_players, max_players, conclusion) "
           "VALUES ($1, 'Tanks', 2, 2, 'victory_draw')",
           "tanks");
    BAD_SQL(CHECK,
            "INSERT INTO games (name, title, min_players, max_players, conclusion) "
            "VALUES ($1, 'X', 3, 2, 'rank')",
            "xx");
    BAD_SQL(CHECK,
            "INSERT INTO games (name, title, min_players, max_players, conclusion) "
            "VALUES ($1, 'X', 1, 17, 'rank')",
            "xx");
    BAD_SQL(CHECK,
            "INSERT INTO games (name, title, min_players, max_players, conclusion) "
            "VALUES ($1, 'X', 1, 2, 'points')",
            "xx");
    BAD_SQL(CHECK,
            "INSERT INTO games (name, title, min_players, max_players, conclusion) "
            "VALUES ($1, 'X', 1, 2, 'rank')",
            "Tanks");
    BAD_SQL(CHECK,
            "INSERT INTO games (name, title, min_players, max_players, conclusion, "
            "settings_spec) VALUES ($1, 'X', 1, 2, 'rank', '{}')",
            "yy");
    OK_SQL("INSERT INTO game_templates (game, name, code) VALUES ('tanks', $1, 'class Main: pass')",
           "starter");
    BAD_SQL(UNIQUE, "INSERT INTO game_templates (game, name, code) VALUES ('tanks', $1, '')",
            "starter");
    BAD_SQL(CHECK,
            "INSERT INTO game_templates (game, name, code, kind) VALUES ('tanks', $1, '', 'bot')",
            "other");

    /* bots and versions */
    OK_SQL("INSERT INTO bots (owner_id, game, name) VALUES (1, 'tanks', $1)", "Rusher");
    BAD_SQL(UNIQUE, "INSERT INTO bots (owner_id, game, name) VALUES (1, 'tanks', $1)", "rusher");
    BAD_SQL(FK, "INSERT INTO bots (owner_id, game, name) VALUES (1, 'chess', $1)", "x");
    OK_SQL("INSERT INTO bot_versions (bot_id, version, code, size) VALUES (1, 1, $1, 5)", "x = 1");
    BAD_SQL(UNIQUE, "INSERT INTO bot_versions (bot_id, version, code, size) VALUES (1, 1, $1, 5)",
            "x = 2");
    BAD_SQL(CHECK, "INSERT INTO bot_versions (bot_id, version, code, size) VALUES (1, 2, $1, 99)",
            "x = 2");
    BAD_SQL(CHECK, "INSERT INTO bot_versions (bot_id, version, code, size) VALUES (1, 0, $1, 5)",
            "x = 2");

    /* fights: a fight injected by hand has no host */
    cf_uuid_generate(fid);
    cf_uuid_generate(fid2);
    OK_SQL(fight_sql, fid, "tanks", "queued");
    BAD_SQL(UNIQUE, fight_sql, fid, "tanks", "queued");
    BAD_SQL(CHECK, fight_sql, fid2, "tanks", "bogus");
    BAD_SQL(CHECK, fight_sql, fid2, "tanks", "Finished");
    BAD_SQL(FK, fight_sql, fid2, "chess", "queued");
    BAD_SQL(CHECK, "INSERT INTO fights (id, game, visibility) VALUES ($1, 'tanks', 'secret')",
            fid2);
    BAD_SQL(CHECK, "INSERT INTO fights (id, game, seed) VALUES ($1, 'tanks', -1)", fid2);
    BAD_SQL(CHECK, "INSERT INTO fights (id, game, seed) VALUES ($1, 'tanks', 9007199254740992)",
            fid2);
    BAD_SQL(CHECK, "INSERT INTO fights (id, game, settings) VALUES ($1, 'tanks', '[]')", fid2);
    BAD_SQL(
        CHECK,
        "INSERT INTO fights (id, game, status, finished_at) VALUES ($1, 'tanks', 'running', now())",
        fid2);
    BAD_SQL("22P02", "INSERT INTO fights (id, game) VALUES ($1, 'tanks')", "not-a-uuid");

    /* fight players */
    OK_SQL("INSERT INTO fight_players (fight_id, slot, name, user_id, bot_version_id) "
           "VALUES ($1, 0, 'a.py', 1, 1)",
           fid);
    BAD_SQL(UNIQUE, "INSERT INTO fight_players (fight_id, slot, name) VALUES ($1, 0, 'b.py')", fid);
    BAD_SQL(CHECK, "INSERT INTO fight_players (fight_id, slot, name) VALUES ($1, 16, 'b.py')", fid);
    BAD_SQL(CHECK,
            "INSERT INTO fight_players (fight_id, slot, name, verdict) "
            "VALUES ($1, 1, 'b.py', 'segfault')",
            fid);
    BAD_SQL(CHECK,
            "INSERT INTO fight_players (fight_id, slot, name, result) "
            "VALUES ($1, 1, 'b.py', 'won')",
            fid);
    BAD_SQL(CHECK,
            "INSERT INTO fight_players (fight_id, slot, name, rank) "
            "VALUES ($1, 1, 'b.py', 0)",
            fid);
    BAD_SQL(CHECK,
            "INSERT INTO fight_players (fight_id, slot, name, cpu_ms) "
            "VALUES ($1, 1, 'b.py', -5)",
            fid);
    OK_SQL("INSERT INTO fight_players (fight_id, slot, name, result, rank, score, verdict, "
           "detail, cpu_ms, peak_memory_kb, log) "
           "VALUES ($1, 1, 'b.py', 'loss', 2, 1.5, 'timeout', 'slow', 10, 9000, 'tail')",
           fid);

    /* reports, invitations, outbox */
    BAD_SQL(CHECK, "INSERT INTO fight_reports (fight_id, report) VALUES ($1, '[]')", fid);
    OK_SQL("INSERT INTO fight_reports (fight_id, report, replay) VALUES ($1, '{}', '[]')", fid);
    OK_SQL("INSERT INTO invitations (fight_id, invitee_id) SELECT $1, id FROM users WHERE username "
           "= 'bob_2'",
           fid);
    BAD_SQL(UNIQUE,
            "INSERT INTO invitations (fight_id, invitee_id) SELECT $1, id FROM users WHERE "
            "username = 'bob_2'",
            fid);
    BAD_SQL(CHECK, "UPDATE invitations SET status = $1", "maybe");
    OK_SQL("UPDATE invitations SET status = $1, bot_version_id = 1, responded_at = now()",
           "accepted");
    BAD_SQL(CHECK, "INSERT INTO outbox (fight_id, payload) VALUES ($1, '[1]')", fid);
    OK_SQL("INSERT INTO outbox (fight_id, payload) VALUES ($1, '{\"id\": \"x\"}')", fid);

    /* deleting a fight takes its players, report, invitations and outbox rows */
    OK_SQL("DELETE FROM fights WHERE id = $1", fid);
    assert_int_equal(query_int(cpg, "SELECT (SELECT count(*) FROM fight_players) + "
                                    "(SELECT count(*) FROM fight_reports) + "
                                    "(SELECT count(*) FROM invitations) + "
                                    "(SELECT count(*) FROM outbox)"),
                     0);
    cf_pg_free(cpg);
    cpg = NULL;
    drop_db(name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(applies_on_empty_database_and_reruns_as_noop),
        cmocka_unit_test(tampered_checksum_is_refused),
        cmocka_unit_test(missing_applied_migration_is_refused),
        cmocka_unit_test(failing_migration_leaves_nothing),
        cmocka_unit_test(usage_errors),
        cmocka_unit_test(too_many_directories),
        cmocka_unit_test(migration_not_a_file),
        cmocka_unit_test(constraints),
        cmocka_unit_test(indexes_serve_the_queries),
    };
    char err[512];
    int rc;

    admin_url = require_database_url();
    if (admin_url == NULL)
        return 1;
    admin = cf_pg_connect(admin_url, err, sizeof err);
    if (admin == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    {
        /* A failed case may have left its scratch database behind. */
        static const char *const tags[] = {"apply",  "tamper",      "missing",
                                           "broken", "constraints", "indexes"};
        for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
            char name[64];
            scratch_name(tags[i], name, sizeof name);
            if (drop_db_when_free(name) != 0)
                fprintf(stderr, "cleanup: %s\n", cf_pg_error(admin));
        }
    }
    cf_pg_free(admin);
    return rc;
}
