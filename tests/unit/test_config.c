/*
 * test_config.c — the configuration parser with good and bad files and
 * environment overrides: every error names the key (or section) at fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static const cf_config_key web_keys[] = {
    {.name = "web.port",
     .type = CF_CONFIG_INT,
     .def = "8080",
     .min = 1,
     .max = 65535,
     .doc = "port"},
    {.name = "web.static_dir", .type = CF_CONFIG_STRING, .def = "web/static", .doc = "dir"},
    {.name = "web.secure_cookies", .type = CF_CONFIG_BOOL, .def = "false", .doc = "https"},
    {.name = "web.offset", .type = CF_CONFIG_INT, .def = "-5", .doc = "unbounded"},
    {.name = NULL},
};
static const cf_config_key *const tables[] = {cf_config_common_keys, web_keys, NULL};

static char path[64];

static int write_file(const char *text, size_t len)
{
    int fd;

    snprintf(path, sizeof path, "/tmp/cf_test_config_XXXXXX");
    fd = mkstemp(path);
    if (fd < 0)
        return -1;
    if (write(fd, text, len) != (ssize_t)len) {
        close(fd);
        return -1;
    }
    return close(fd);
}

/* Loads text as a config file; returns the config (NULL on error, err set). */
static cf_config *load_text(const char *text, size_t len, char *err, size_t errlen)
{
    cf_config *cfg;

    assert_int_equal(write_file(text, len), 0);
    cfg = cf_config_load_tables(tables, path, err, errlen);
    unlink(path);
    return cfg;
}

#define LOAD(lit, err) load_text(lit, sizeof(lit) - 1, err, sizeof err)

/* Expects the text to be refused with every needle in the message. */
static void refused(const char *text, size_t len, const char *needle1, const char *needle2)
{
    char err[512] = "";
    cf_config *cfg = load_text(text, len, err, sizeof err);

    if (cfg != NULL)
        fail_msg("accepted: %s", text);
    if (strstr(err, needle1) == NULL || (needle2 != NULL && strstr(err, needle2) == NULL))
        fail_msg("error '%s' lacks '%s'/'%s'", err, needle1, needle2 ? needle2 : "");
}
#define REFUSED(lit, n1, n2) refused(lit, sizeof(lit) - 1, n1, n2)

static void defaults_without_file(void **state)
{
    char err[256];
    cf_config *cfg;

    (void)state;
    cfg = cf_config_load_tables(tables, NULL, err, sizeof err);
    assert_non_null(cfg);
    assert_int_equal(cf_config_int(cfg, "web.port"), 8080);
    assert_int_equal(cf_config_int(cfg, "web.offset"), -5);
    assert_string_equal(cf_config_str(cfg, "web.static_dir"), "web/static");
    assert_false(cf_config_bool(cfg, "web.secure_cookies"));
    assert_string_equal(cf_config_str(cfg, "log.level"), "info");
    cf_config_free(cfg);

    cfg = cf_config_load(web_keys, NULL, err, sizeof err);
    assert_non_null(cfg);
    assert_int_equal(cf_config_int(cfg, "web.port"), 8080);
    cf_config_free(cfg);
}

static void good_file(void **state)
{
    char err[256];
    cf_config *cfg;

    (void)state;
    cfg = LOAD("# a comment\n"
               "; another\n"
               "\n"
               "[web]\r\n"
               "  port = 9090   # inline comment\n"
               "static_dir = \"/srv/with # hash and \\\"quotes\\\" \"  # c\n"
               "secure_cookies = Yes\n"
               "[simulator]\n"
               "whatever_the_simulator_reads = 12\n"
               "[log]\n"
               "level = debug\n"
               "format = json\n",
               err);
    if (cfg == NULL)
        fail_msg("%s", err);
    assert_int_equal(cf_config_int(cfg, "web.port"), 9090);
    assert_string_equal(cf_config_str(cfg, "web.static_dir"), "/srv/with # hash and \"quotes\" ");
    assert_true(cf_config_bool(cfg, "web.secure_cookies"));
    assert_string_equal(cf_config_str(cfg, "log.level"), "debug");
    assert_string_equal(cf_config_str(cfg, "log.format"), "json");
    cf_config_free(cfg);
}

static void bad_sections_and_lines(void **state)
{
    (void)state;
    REFUSED("[webb]\nport = 1\n", "unknown section [webb]", ":1");
    REFUSED("[web\nport = 1\n", "malformed section header", ":1");
    REFUSED("[web] trailing\n", "malformed section header", NULL);
    REFUSED("[]\n", "unknown section", NULL);
    REFUSED("port = 1\n", "outside any [section]", "port");
    REFUSED("[web]\nport 8080\n", "expected 'key = value'", ":2");
    REFUSED("[web]\n= 8080\n", "missing key", NULL);
    REFUSED("[web]\nPort = 8080\n", "bad key name", "Port");
    REFUSED("[web]\nweb.port = 8080\n", "bad key name", NULL);
    REFUSED("[web]\nnope = 1\n", "unknown key 'web.nope'", ":2");
    REFUSED("[redis]\nnope = 1\n", "unknown key 'redis.nope'", NULL);
    REFUSED("[web]\nport = 1\nport = 2\n", "web.port", "twice");
    /* Another program's section is skipped, but its syntax is still checked. */
    REFUSED("[simulator]\nnot a line\n", "expected 'key = value'", NULL);
}

static void bad_values(void **state)
{
    (void)state;
    REFUSED("[web]\nport = abc\n", "web.port", "not an integer");
    REFUSED("[web]\nport = 80x\n", "web.port", "not an integer");
    REFUSED("[web]\nport =\n", "web.port", "not an integer");
    REFUSED("[web]\nport = 0\n", "web.port", "out of range");
    REFUSED("[web]\nport = 65536\n", "web.port", "out of range");
    REFUSED("[web]\nport = -1\n", "web.port", "out of range");
    REFUSED("[web]\noffset = 99999999999999999999999\n", "web.offset", "out of range");
    REFUSED("[web]\nsecure_cookies = maybe\n", "web.secure_cookies", "not a boolean");
    REFUSED("[log]\nlevel = loud\n", "log.level", "not one of");
    REFUSED("[log]\nformat = xml\n", "log.format", "not one of");
    REFUSED("[web]\nstatic_dir = \"unterminated\n", "web.static_dir", "unterminated");
    REFUSED("[web]\nstatic_dir = \"a\" b\n", "web.static_dir", "after the quoted");
    REFUSED("[web]\nstatic_dir = \"a\\n\"\n", "web.static_dir", "escapes");
    REFUSED("[web]\nstatic_dir = \xc3\x28\n", "not valid UTF-8", ":2");
    REFUSED("[web]\nstatic_dir = a\0b\n", "NUL byte", ":2");
    REFUSED("[web]\nstatic_dir = a\x01b\n", "web.static_dir", "control character");
}

static void huge_values(void **state)
{
    size_t n = 20000;
    char *text = malloc(n + 64);
    int len;

    (void)state;
    assert_non_null(text);
    len = snprintf(text, 64, "[web]\nstatic_dir = ");
    memset(text + len, 'x', n);
    memcpy(text + len + n, "\n", 2);
    refused(text, strlen(text), "web.static_dir", "longer than");
    free(text);
}

static void missing_file(void **state)
{
    char err[256];

    (void)state;
    assert_null(cf_config_load_tables(tables, "/nonexistent/cf.conf", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/cf.conf"));
}

static void env_overrides(void **state)
{
    char err[256];
    cf_config *cfg;

    (void)state;
    assert_int_equal(write_file("[web]\nport = 9090\n", 18), 0);
    setenv("CF_WEB_PORT", "9191", 1);
    setenv("CF_WEB_SECURE_COOKIES", "on", 1);
    setenv("CF_REDIS_URL", "unix:///tmp/r.sock", 1);
    cfg = cf_config_load_tables(tables, path, err, sizeof err);
    if (cfg == NULL)
        fail_msg("%s", err);
    assert_int_equal(cf_config_int(cfg, "web.port"), 9191); /* env beats file */
    assert_true(cf_config_bool(cfg, "web.secure_cookies"));
    assert_string_equal(cf_config_str(cfg, "redis.url"), "unix:///tmp/r.sock");
    cf_config_free(cfg);

    setenv("CF_WEB_PORT", "abc", 1);
    assert_null(cf_config_load_tables(tables, path, err, sizeof err));
    assert_non_null(strstr(err, "CF_WEB_PORT"));
    assert_non_null(strstr(err, "web.port"));

    setenv("CF_WEB_PORT", "70000", 1);
    assert_null(cf_config_load_tables(tables, path, err, sizeof err));
    assert_non_null(strstr(err, "out of range"));

    setenv("CF_WEB_PORT", "", 1);
    assert_null(cf_config_load_tables(tables, path, err, sizeof err));
    assert_non_null(strstr(err, "CF_WEB_PORT"));
    unsetenv("CF_WEB_PORT");

    setenv("CF_LOG_LEVEL", "shout", 1);
    assert_null(cf_config_load_tables(tables, path, err, sizeof err));
    assert_non_null(strstr(err, "CF_LOG_LEVEL"));
    unsetenv("CF_LOG_LEVEL");

    setenv("CF_WEB_STATIC_DIR", "a\nb", 1);
    assert_null(cf_config_load_tables(tables, path, err, sizeof err));
    assert_non_null(strstr(err, "control character"));
    unsetenv("CF_WEB_STATIC_DIR");
    setenv("CF_WEB_STATIC_DIR", "\xff", 1);
    assert_null(cf_config_load_tables(tables, path, err, sizeof err));
    assert_non_null(strstr(err, "UTF-8"));
    unsetenv("CF_WEB_STATIC_DIR");

    unsetenv("CF_WEB_SECURE_COOKIES");
    unsetenv("CF_REDIS_URL");
    unlink(path);
}

static void bad_key_tables(void **state)
{
    static const cf_config_key no_section[] = {{.name = "port", .type = CF_CONFIG_INT, .def = "1"},
                                               {.name = NULL}};
    static const cf_config_key unknown_section[] = {
        {.name = "games.x", .type = CF_CONFIG_INT, .def = "1"}, {.name = NULL}};
    static const cf_config_key bad_default[] = {
        {.name = "web.x", .type = CF_CONFIG_INT, .def = "ten", .min = 1, .max = 5}, {.name = NULL}};
    char err[256];

    (void)state;
    assert_null(cf_config_load(no_section, NULL, err, sizeof err));
    assert_non_null(strstr(err, "port"));
    assert_null(cf_config_load(unknown_section, NULL, err, sizeof err));
    assert_non_null(strstr(err, "games.x"));
    assert_null(cf_config_load(bad_default, NULL, err, sizeof err));
    assert_non_null(strstr(err, "web.x"));
}

static void sections_list(void **state)
{
    static const char *const want[] = {"redis",   "database",        "log", "web", "simulator",
                                       "sandbox", "result_processor"};

    (void)state;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        bool found = false;
        for (size_t j = 0; cf_config_sections[j] != NULL; j++)
            found = found || strcmp(cf_config_sections[j], want[i]) == 0;
        if (!found)
            fail_msg("section %s missing", want[i]);
    }
}

static void describe_lists_env_names(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    (void)state;
    assert_non_null(f);
    cf_config_describe(tables, f);
    fclose(f);
    assert_non_null(strstr(buf, "web.port (CF_WEB_PORT, integer, default \"8080\")"));
    assert_non_null(strstr(buf, "CF_REDIS_URL"));
    free(buf);
}

/* cf_config_from_args: a usage function that records where it wrote. */
static FILE *usage_out;
static int usage_calls;

static void record_usage(FILE *out)
{
    usage_out = out;
    usage_calls++;
}

/* Runs cf_config_from_args on a NULL-terminated list of arguments. */
static cf_config *from_args(int *status, ...)
{
    char *argv[16];
    int argc = 0;
    va_list ap;

    argv[argc++] = (char *)"cf-test";
    va_start(ap, status);
    for (char *a; argc < 15 && (a = va_arg(ap, char *)) != NULL;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    usage_out = NULL;
    usage_calls = 0;
    *status = -1;
    return cf_config_from_args(argc, argv, "cf-test", tables, record_usage, status);
}

static void args_select_the_file(void **state)
{
    int status;
    cf_config *cfg;

    (void)state;
    unsetenv("CF_CONFIG");
    unsetenv("CF_WEB_PORT");
    unsetenv("CF_WEB_SECURE_COOKIES");
    /* No arguments, no CF_CONFIG: defaults. */
    cfg = from_args(&status, NULL);
    assert_non_null(cfg);
    assert_int_equal(status, 0);
    assert_int_equal(cf_config_int(cfg, "web.port"), 8080);
    cf_config_free(cfg);
    assert_int_equal(write_file("[web]\nport = 9300\n", 18), 0);
    /* Long and short forms, one after the other: each call parses afresh. */
    cfg = from_args(&status, "--config", path, NULL);
    assert_non_null(cfg);
    assert_int_equal(cf_config_int(cfg, "web.port"), 9300);
    cf_config_free(cfg);
    cfg = from_args(&status, "-c", path, "extra", NULL);
    assert_non_null(cfg);
    assert_int_equal(cf_config_int(cfg, "web.port"), 9300);
    cf_config_free(cfg);
    /* CF_CONFIG names the file when --config is absent... */
    setenv("CF_CONFIG", path, 1);
    cfg = from_args(&status, NULL);
    assert_non_null(cfg);
    assert_int_equal(cf_config_int(cfg, "web.port"), 9300);
    cf_config_free(cfg);
    /* ...and --config wins over it. */
    cfg = from_args(&status, "--config=/nonexistent/cf.conf", NULL);
    assert_null(cfg);
    assert_int_equal(status, 2);
    unsetenv("CF_CONFIG");
    unlink(path);
    assert_int_equal(usage_calls, 0);
}

static void args_help_and_bad_options(void **state)
{
    int status;

    (void)state;
    unsetenv("CF_CONFIG");
    assert_null(from_args(&status, "--help", NULL));
    assert_int_equal(status, 0);
    assert_int_equal(usage_calls, 1);
    assert_ptr_equal(usage_out, stdout);
    assert_null(from_args(&status, "-h", "--bogus", NULL));
    assert_int_equal(status, 0);
    assert_ptr_equal(usage_out, stdout);
    assert_null(from_args(&status, "--bogus", NULL));
    assert_int_equal(status, 2);
    assert_int_equal(usage_calls, 1);
    assert_ptr_equal(usage_out, stderr);
    assert_null(from_args(&status, "-x", NULL));
    assert_int_equal(status, 2);
    assert_ptr_equal(usage_out, stderr);
    /* --config without its FILE. */
    assert_null(from_args(&status, "--config", NULL));
    assert_int_equal(status, 2);
    assert_ptr_equal(usage_out, stderr);
    assert_null(from_args(&status, "--help=yes", NULL));
    assert_int_equal(status, 2);
}

static void args_bad_file_is_status_2(void **state)
{
    static const char bad[] = "[web]\nport = 70000\n";
    int status;

    (void)state;
    unsetenv("CF_CONFIG");
    unsetenv("CF_WEB_PORT");
    assert_null(from_args(&status, "--config", "/nonexistent/cf.conf", NULL));
    assert_int_equal(status, 2);
    assert_int_equal(usage_calls, 0);
    assert_int_equal(write_file(bad, sizeof bad - 1), 0);
    assert_null(from_args(&status, "--config", path, NULL));
    assert_int_equal(status, 2);
    assert_int_equal(usage_calls, 0);
    unlink(path);
}

/* The development file of the repository loads for every program: here
 * with the shared keys, the other sections being skipped. */
static void shipped_file_loads(void **state)
{
    char err[512];
    cf_config *cfg;

    (void)state;
    cfg = cf_config_load(cf_config_common_keys, CF_SOURCE_DIR "/config/codefights.conf", err,
                         sizeof err);
    if (cfg == NULL)
        fail_msg("%s", err);
    assert_string_equal(cf_config_str(cfg, "log.format"), "text");
    cf_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_without_file),
        cmocka_unit_test(good_file),
        cmocka_unit_test(bad_sections_and_lines),
        cmocka_unit_test(bad_values),
        cmocka_unit_test(huge_values),
        cmocka_unit_test(missing_file),
        cmocka_unit_test(env_overrides),
        cmocka_unit_test(bad_key_tables),
        cmocka_unit_test(sections_list),
        cmocka_unit_test(describe_lists_env_names),
        cmocka_unit_test(shipped_file_loads),
        cmocka_unit_test(args_select_the_file),
        cmocka_unit_test(args_help_and_bad_options),
        cmocka_unit_test(args_bad_file_is_status_2),
    };
    /* The environment of the runner must not leak into these cases. */
    unsetenv("CF_REDIS_URL");
    unsetenv("CF_DATABASE_URL");
    unsetenv("CF_LOG_LEVEL");
    unsetenv("CF_LOG_FORMAT");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
