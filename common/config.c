/*
 * config.c — the INI-like configuration of every Codefights program.
 *
 * Order of precedence: the key table's default, then the file, then the
 * CF_* environment variable. Each value is checked when it is read (type,
 * range, allowed choices, UTF-8), so a program that got a cf_config back
 * never meets a bad value later. Errors say where (file:line or variable)
 * and name the key, because an operator reads them, not a programmer.
 *
 * A program understands the sections of the keys it was given; the other
 * known sections are skipped so one file serves the whole stack, and a
 * section nobody knows is an error (it is a typo).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "error.h"
#include "log.h"
#include "text.h"

#define CONFIG_MAX_KEYS 256
#define CONFIG_FILE_MAX (1024 * 1024)
#define CONFIG_NAME_MAX 96
#define CONFIG_SECTION_MAX 64 /* with its NUL */

const char *const cf_config_sections[] = {
    "redis",   "database",         "log",    "web",    "simulator",
    "sandbox", "result_processor", "arcade", "ladder", NULL,
};

const cf_config_key cf_config_common_keys[] = {
    {.name = "redis.url",
     .type = CF_CONFIG_STRING,
     .def = "redis://127.0.0.1:6379",
     .doc = "Redis URL: redis://[:password@]host[:port][/db] or unix:///path[?db=N]"},
    {.name = "database.url",
     .type = CF_CONFIG_STRING,
     .def = "postgresql:///codefights",
     .doc = "PostgreSQL connection string (libpq URL or key=value form)"},
    {.name = "log.level",
     .type = CF_CONFIG_STRING,
     .def = "info",
     .choices = "debug|info|warn|error",
     .doc = "lowest level written"},
    {.name = "log.format",
     .type = CF_CONFIG_STRING,
     .def = "text",
     .choices = "text|json",
     .doc = "one line per event: plain text or a JSON object"},
    {.name = NULL},
};

const cf_config_key cf_config_arcade_keys[] = {
    {.name = "arcade.slots",
     .type = CF_CONFIG_INT,
     .def = "15",
     .min = 0,
     .max = 256,
     .doc = "plays at once per simulator (the original's MAX_CONCURRENT_PLAYS); 0: none"},
    {.name = "arcade.wall_s",
     .type = CF_CONFIG_INT,
     .def = "1800",
     .min = 1,
     .max = 86400,
     .doc = "a play stops after this long"},
    {.name = "arcade.idle_s",
     .type = CF_CONFIG_INT,
     .def = "60",
     .min = 1,
     .max = 86400,
     .doc = "a play stops after this long without anyone showing it"},
    {.name = "arcade.cpu_s",
     .type = CF_CONFIG_INT,
     .def = "600",
     .min = 1,
     .max = 86400,
     .doc = "CPU time of a play's game"},
    {.name = "arcade.memory_mb",
     .type = CF_CONFIG_INT,
     .def = "256",
     .min = 32,
     .max = 4096,
     .doc = "resident memory of a play's game, its unpacked bundle included"},
    {.name = "arcade.max_code_bytes",
     .type = CF_CONFIG_INT,
     .def = "1048576",
     .min = 1024,
     .max = 16777216,
     .doc = "largest one-file game"},
    {.name = "arcade.max_bundle_bytes",
     .type = CF_CONFIG_INT,
     .def = "16777216",
     .min = 1024,
     .max = 67108864,
     .doc = "largest game bundle (.zip)"},
    {.name = "arcade.out_maxlen",
     .type = CF_CONFIG_INT,
     .def = "10000",
     .min = 100,
     .max = 10000000,
     .doc = "XADD cf:play:<id>:out MAXLEN ~"},
    {.name = NULL},
};

struct entry {
    const cf_config_key *key;
    char *str;
    long long num;
    bool flag;
    bool from_file; /* set by the file already (a second time is an error) */
};

struct cf_config {
    size_t n;
    struct entry e[CONFIG_MAX_KEYS];
};

static bool section_known(const char *name, size_t len)
{
    for (size_t i = 0; cf_config_sections[i] != NULL; i++)
        if (strlen(cf_config_sections[i]) == len && memcmp(cf_config_sections[i], name, len) == 0)
            return true;
    return false;
}

/* Does the program read this section (one of its keys lives there)? */
static bool section_ours(const cf_config *cfg, const char *name, size_t len)
{
    for (size_t i = 0; i < cfg->n; i++) {
        const char *k = cfg->e[i].key->name;
        if (strncmp(k, name, len) == 0 && k[len] == '.')
            return true;
    }
    return false;
}

static struct entry *find(const cf_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n; i++)
        if (strcmp(cfg->e[i].key->name, name) == 0)
            return (struct entry *)&cfg->e[i];
    return NULL;
}

static bool in_choices(const char *choices, const char *v)
{
    size_t vl = strlen(v);
    const char *p = choices;

    while (*p != '\0') {
        const char *bar = strchr(p, '|');
        size_t l = bar != NULL ? (size_t)(bar - p) : strlen(p);
        if (l == vl && memcmp(p, v, l) == 0)
            return true;
        if (bar == NULL)
            break;
        p = bar + 1;
    }
    return false;
}

static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

/* Every value, whatever its type, is bounded UTF-8 text without control
 * characters: it ends up in logs and error messages. */
static int check_value_text(const cf_config_key *k, const char *v, size_t len, const char *where,
                            char *err, size_t errlen)
{
    if (len > CF_CONFIG_VALUE_MAX) {
        cf_seterr(err, errlen, "%s: %s: value longer than %d bytes", where, k->name,
                  CF_CONFIG_VALUE_MAX);
        return -1;
    }
    if (!cf_utf8_valid(v, len)) {
        cf_seterr(err, errlen, "%s: %s: value is not valid UTF-8", where, k->name);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7F) {
            cf_seterr(err, errlen, "%s: %s: value contains a control character", where, k->name);
            return -1;
        }
    }
    return 0;
}

/* A decimal integer, whole (no leading space, nothing after), in range. */
static int parse_int_value(struct entry *e, const char *v, const char *where, char *err,
                           size_t errlen)
{
    const cf_config_key *k = e->key;
    char *end = NULL;
    long long n;

    errno = 0;
    n = (*v == '\0' || isspace((unsigned char)v[0])) ? 0 : strtoll(v, &end, 10);
    if (*v == '\0' || end == NULL || *end != '\0' || errno == ERANGE) {
        cf_seterr(err, errlen, "%s: %s: '%s' is not an integer%s", where, k->name, v,
                  errno == ERANGE ? " (out of range)" : "");
        return -1;
    }
    if (!(k->min == 0 && k->max == 0) && (n < k->min || n > k->max)) {
        cf_seterr(err, errlen, "%s: %s: %lld is out of range [%lld, %lld]", where, k->name, n,
                  k->min, k->max);
        return -1;
    }
    e->num = n;
    return 0;
}

/* Checks v against the key's type and stores the typed value in e. */
static int parse_typed_value(struct entry *e, const char *v, const char *where, char *err,
                             size_t errlen)
{
    const cf_config_key *k = e->key;

    switch (k->type) {
    case CF_CONFIG_INT: return parse_int_value(e, v, where, err, errlen);
    case CF_CONFIG_BOOL:
        if (parse_bool(v, &e->flag) != 0) {
            cf_seterr(err, errlen, "%s: %s: '%s' is not a boolean (true/false/yes/no/on/off/1/0)",
                      where, k->name, v);
            return -1;
        }
        return 0;
    case CF_CONFIG_STRING:
        if (k->choices != NULL && !in_choices(k->choices, v)) {
            cf_seterr(err, errlen, "%s: %s: '%s' is not one of %s", where, k->name, v, k->choices);
            return -1;
        }
        return 0;
    default: cf_seterr(err, errlen, "%s: %s: unknown key type", where, k->name); return -1;
    }
}

/* Checks and stores value v for entry e; where says where it came from. */
static int set_value(struct entry *e, const char *v, const char *where, char *err, size_t errlen)
{
    char *copy;

    if (check_value_text(e->key, v, strlen(v), where, err, errlen) != 0 ||
        parse_typed_value(e, v, where, err, errlen) != 0)
        return -1;
    copy = strdup(v);
    if (copy == NULL) {
        cf_seterr(err, errlen, "%s: %s: out of memory", where, e->key->name);
        return -1;
    }
    free(e->str);
    e->str = copy;
    return 0;
}

/* "web.port" -> "CF_WEB_PORT". */
static void env_name(const char *key, char *out, size_t outlen)
{
    size_t o = 0;

    o += (size_t)snprintf(out, outlen, "CF_");
    for (const char *p = key; *p != '\0' && o + 1 < outlen; p++)
        out[o++] = *p == '.' ? '_' : (char)toupper((unsigned char)*p);
    out[o] = '\0';
}

static bool valid_key_name(const char *name)
{
    const char *dot = strchr(name, '.');

    if (dot == NULL || dot == name || dot[1] == '\0' || strchr(dot + 1, '.') != NULL ||
        strlen(name) > CONFIG_NAME_MAX)
        return false;
    for (const char *p = name; *p != '\0'; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_' || *p == '.'))
            return false;
    return section_known(name, (size_t)(dot - name));
}

static int add_table(cf_config *cfg, const cf_config_key *keys, char *err, size_t errlen)
{
    for (const cf_config_key *k = keys; k->name != NULL; k++) {
        struct entry *e;

        if (!valid_key_name(k->name)) {
            cf_seterr(err, errlen, "key table: bad key name '%s' (section.key, known section)",
                      k->name);
            return -1;
        }
        if (find(cfg, k->name) != NULL)
            continue; /* the first table wins */
        if (cfg->n == CONFIG_MAX_KEYS) {
            cf_seterr(err, errlen, "key table: more than %d keys", CONFIG_MAX_KEYS);
            return -1;
        }
        e = &cfg->e[cfg->n++];
        e->key = k;
        if (set_value(e, k->def != NULL ? k->def : "", "default", err, errlen) != 0)
            return -1;
    }
    return 0;
}

static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        *--end = '\0';
    return s;
}

/*
 * The value part of "key = value": either "quoted" (\" and \\ escapes; only
 * a comment may follow) or bare, where " #" starts a comment. Writes the
 * result in place; returns NULL with err set when malformed.
 */
static char *parse_value(char *v, const char *where, const char *key, char *err, size_t errlen)
{
    v = trim(v);
    if (*v == '"') {
        char *r = v + 1, *w = v;
        for (;; r++) {
            if (*r == '\0') {
                cf_seterr(err, errlen, "%s: %s: unterminated quoted value", where, key);
                return NULL;
            }
            if (*r == '"')
                break;
            if (*r == '\\') {
                if (r[1] != '"' && r[1] != '\\') {
                    cf_seterr(err, errlen, "%s: %s: only \\\" and \\\\ escapes are allowed", where,
                              key);
                    return NULL;
                }
                r++;
            }
            *w++ = *r;
        }
        *w = '\0';
        r = trim(r + 1);
        if (*r != '\0' && *r != '#') {
            cf_seterr(err, errlen, "%s: %s: unexpected text after the quoted value", where, key);
            return NULL;
        }
        return v;
    }
    for (char *p = v; *p != '\0'; p++) {
        if (*p == '#' && (p == v || p[-1] == ' ' || p[-1] == '\t')) {
            *p = '\0';
            break;
        }
    }
    return trim(v);
}

/* Where the reading of a file stands: the section the lines belong to. */
struct file_reader {
    cf_config *cfg;
    char section[CONFIG_SECTION_MAX];
    bool have_section;
    bool ours;       /* the program reads this section */
    char where[512]; /* "path:line", for errors */
};

/* "[name]": a known section, else an error (a typo is not skipped). */
static int section_line(struct file_reader *rd, char *s, char *err, size_t errlen)
{
    char *close = strchr(s, ']');
    size_t nl;

    if (close == NULL || *trim(close + 1) != '\0') {
        cf_seterr(err, errlen, "%s: malformed section header (expected [name])", rd->where);
        return -1;
    }
    nl = (size_t)(close - s - 1);
    if (nl == 0 || nl >= sizeof rd->section || !section_known(s + 1, nl)) {
        cf_seterr(err, errlen, "%s: unknown section [%.*s]", rd->where, (int)(nl < 64 ? nl : 64),
                  s + 1);
        return -1;
    }
    memcpy(rd->section, s + 1, nl);
    rd->section[nl] = '\0';
    rd->have_section = true;
    rd->ours = section_ours(rd->cfg, rd->section, nl);
    return 0;
}

/* "key = value": checked even in another program's section (so a typo
 * there is found by whichever program reads the file first), stored in
 * ours. */
static int key_line(struct file_reader *rd, char *s, char *err, size_t errlen)
{
    char *eq = strchr(s, '='), *key, *val;
    char full[CONFIG_SECTION_MAX + 1 + CONFIG_NAME_MAX + 1]; /* section.key */
    struct entry *e;

    if (eq == NULL) {
        cf_seterr(err, errlen, "%s: expected 'key = value', got '%.40s'", rd->where, s);
        return -1;
    }
    *eq = '\0';
    key = trim(s);
    if (*key == '\0') {
        cf_seterr(err, errlen, "%s: missing key before '='", rd->where);
        return -1;
    }
    for (const char *p = key; *p != '\0'; p++) {
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_')) {
            cf_seterr(err, errlen, "%s: bad key name '%.40s' (lowercase, digits, _)", rd->where,
                      key);
            return -1;
        }
    }
    if (!rd->have_section) {
        cf_seterr(err, errlen, "%s: key '%.40s' outside any [section]", rd->where, key);
        return -1;
    }
    snprintf(full, sizeof full, "%s.%.*s", rd->section, CONFIG_NAME_MAX, key);
    val = parse_value(eq + 1, rd->where, full, err, errlen);
    if (val == NULL)
        return -1;
    if (!rd->ours)
        return 0; /* another program's section */
    e = find(rd->cfg, full);
    if (e == NULL) {
        cf_seterr(err, errlen, "%s: unknown key '%s'", rd->where, full);
        return -1;
    }
    if (e->from_file) {
        cf_seterr(err, errlen, "%s: key '%s' set twice", rd->where, full);
        return -1;
    }
    if (set_value(e, val, rd->where, err, errlen) != 0)
        return -1;
    e->from_file = true;
    return 0;
}

static int load_file(cf_config *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    struct file_reader rd = {.cfg = cfg};
    char *line = NULL;
    size_t cap = 0, total = 0;
    ssize_t len;
    int lineno = 0, rc = -1;

    if (f == NULL) {
        cf_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        char *s;

        lineno++;
        total += (size_t)len;
        snprintf(rd.where, sizeof rd.where, "%s:%d", path, lineno);
        if (total > CONFIG_FILE_MAX) {
            cf_seterr(err, errlen, "%s: file larger than %d bytes", rd.where, CONFIG_FILE_MAX);
            goto out;
        }
        if (strlen(line) != (size_t)len) {
            cf_seterr(err, errlen, "%s: NUL byte in line", rd.where);
            goto out;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (!cf_utf8_valid(line, (size_t)len)) {
            cf_seterr(err, errlen, "%s: line is not valid UTF-8", rd.where);
            goto out;
        }
        s = trim(line);
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        if ((*s == '[' ? section_line(&rd, s, err, errlen) : key_line(&rd, s, err, errlen)) != 0)
            goto out;
    }
    if (ferror(f)) {
        cf_seterr(err, errlen, "%s: read error", path);
        goto out;
    }
    rc = 0;
out:
    free(line);
    fclose(f);
    return rc;
}

static int load_env(cf_config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < cfg->n; i++) {
        char name[CONFIG_NAME_MAX + 8], where[CONFIG_NAME_MAX + 32];
        const char *v;

        env_name(cfg->e[i].key->name, name, sizeof name);
        v = getenv(name);
        if (v == NULL)
            continue;
        snprintf(where, sizeof where, "environment %s", name);
        if (set_value(&cfg->e[i], v, where, err, errlen) != 0)
            return -1;
    }
    return 0;
}

cf_config *cf_config_load_tables(const cf_config_key *const *tables, const char *path, char *err,
                                 size_t errlen)
{
    cf_config *cfg = calloc(1, sizeof *cfg);

    if (cfg == NULL) {
        cf_seterr(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t t = 0; tables != NULL && tables[t] != NULL; t++)
        if (add_table(cfg, tables[t], err, errlen) != 0)
            goto fail;
    if (path != NULL && load_file(cfg, path, err, errlen) != 0)
        goto fail;
    if (load_env(cfg, err, errlen) != 0)
        goto fail;
    return cfg;
fail:
    cf_config_free(cfg);
    return NULL;
}

cf_config *cf_config_load(const cf_config_key *keys, const char *path, char *err, size_t errlen)
{
    const cf_config_key *tables[2] = {keys, NULL};

    return cf_config_load_tables(tables, path, err, errlen);
}

void cf_config_free(cf_config *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < cfg->n; i++)
        free(cfg->e[i].str);
    free(cfg);
}

const char *cf_config_default_path(void)
{
    const char *p = getenv("CF_CONFIG");

    return p != NULL && *p != '\0' ? p : NULL;
}

static const struct entry *must_find(const cf_config *cfg, const char *name,
                                     enum cf_config_type type)
{
    const struct entry *e = cfg != NULL ? find(cfg, name) : NULL;

    if (e == NULL || e->key->type != type) {
        /* A programming error: the key is not in the program's table. */
        fprintf(stderr, "cf_config: key '%s' %s\n", name,
                e == NULL ? "is not in the key table" : "asked with the wrong type");
        abort();
    }
    return e;
}

const char *cf_config_str(const cf_config *cfg, const char *name)
{
    return must_find(cfg, name, CF_CONFIG_STRING)->str;
}

long long cf_config_int(const cf_config *cfg, const char *name)
{
    return must_find(cfg, name, CF_CONFIG_INT)->num;
}

bool cf_config_bool(const cf_config *cfg, const char *name)
{
    return must_find(cfg, name, CF_CONFIG_BOOL)->flag;
}

void cf_config_describe(const cf_config_key *const *tables, FILE *out)
{
    static const char *const tn[] = {"string", "integer", "boolean"};

    for (size_t t = 0; tables != NULL && tables[t] != NULL; t++) {
        for (const cf_config_key *k = tables[t]; k->name != NULL; k++) {
            char env[CONFIG_NAME_MAX + 8];
            env_name(k->name, env, sizeof env);
            fprintf(out, "  %s (%s, %s, default \"%s\"): %s\n", k->name, env,
                    k->type <= CF_CONFIG_BOOL ? tn[k->type] : "?", k->def ? k->def : "",
                    k->doc ? k->doc : "");
        }
    }
}

void cf_config_apply_log(const cf_config *cfg, const char *prog)
{
    int level = cf_log_level_parse(cf_config_str(cfg, "log.level"));

    cf_log_init(prog, level < 0 ? CF_LOG_INFO : (enum cf_log_level)level,
                strcmp(cf_config_str(cfg, "log.format"), "json") == 0);
}

cf_config *cf_config_from_args(int argc, char **argv, const char *prog,
                               const cf_config_key *const *tables, void (*usage)(FILE *out),
                               int *status)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {0}};
    const char *path = cf_config_default_path();
    char err[512];
    int opt;

    /* 0, not 1: glibc then starts afresh, so a second call (tests) parses
     * its own argv rather than carrying on where the last one stopped. */
    optind = 0;
    while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        if (opt == 'c') {
            path = optarg;
        } else if (opt == 'h') {
            usage(stdout);
            *status = 0;
            return NULL;
        } else {
            usage(stderr);
            *status = 2;
            return NULL;
        }
    }
    cf_config *cfg = cf_config_load_tables(tables, path, err, sizeof err);
    if (cfg == NULL) {
        fprintf(stderr, "%s: %s\n", prog, err);
        *status = 2;
        return NULL;
    }
    *status = 0;
    return cfg;
}
