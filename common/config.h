/*
 * config.h — one configuration format for every service.
 *
 * A config file is INI-like: `[section]` headers and `key = value` lines,
 * `#` comments. A key's full name is "section.key" (e.g. "redis.url"), and
 * every key can be overridden by the environment variable CF_ + the name in
 * upper case with dots as underscores (CF_REDIS_URL). Each program passes the
 * table of keys it understands; a key in one of its sections that it does not
 * know, a value of the wrong type or out of range, or an unknown section, is
 * an error that names the key. Sections that belong to other programs are
 * skipped, so one file can serve the whole stack.
 */
#ifndef CF_CONFIG_H
#define CF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum cf_config_type { CF_CONFIG_STRING, CF_CONFIG_INT, CF_CONFIG_BOOL };

typedef struct cf_config_key {
    const char *name; /* "section.key" */
    enum cf_config_type type;
    const char *def;     /* default, as it would be written in the file */
    long long min, max;  /* for CF_CONFIG_INT */
    const char *doc;     /* one line, for --help and docs/configuration.md */
    const char *choices; /* CF_CONFIG_STRING only: "a|b|c" allowed values,
                            NULL: any string */
} cf_config_key;

/* Bounds: an INT key whose min and max are both 0 is unbounded. Strings are
 * valid UTF-8 without control characters, at most CF_CONFIG_VALUE_MAX bytes. */
#define CF_CONFIG_VALUE_MAX 4096

typedef struct cf_config cf_config;

/* Every section any Codefights program reads; other section names are errors. */
extern const char *const cf_config_sections[];

/*
 * Loads defaults, then the file at path (NULL: no file), then CF_* variables.
 * keys ends with an entry whose name is NULL. Returns NULL with err set.
 */
cf_config *cf_config_load(const cf_config_key *keys, const char *path, char *err, size_t errlen);
/*
 * Same, with several tables (e.g. cf_config_common_keys and the program's
 * own), given as a NULL-terminated array. A key present in two tables is
 * taken from the first.
 */
cf_config *cf_config_load_tables(const cf_config_key *const *tables, const char *path, char *err,
                                 size_t errlen);
void cf_config_free(cf_config *cfg);

/* The file named by CF_CONFIG, or NULL when unset (then defaults + env). */
const char *cf_config_default_path(void);

/*
 * The command line of every service: [--config FILE] [--help] (short -c, -h;
 * other arguments are ignored), then cf_config_load_tables from FILE, else
 * from cf_config_default_path(). Returns the config, or NULL with *status
 * the exit status for main: 0 after --help (usage(stdout)), 2 after an
 * unknown option or a missing FILE (usage(stderr)), 2 after a config error
 * (written to stderr as "prog: error").
 */
cf_config *cf_config_from_args(int argc, char **argv, const char *prog,
                               const cf_config_key *const *tables, void (*usage)(FILE *out),
                               int *status);

/* Writes "name (CF_NAME, type, default): doc" lines, for --help. */
void cf_config_describe(const cf_config_key *const *tables, FILE *out);

/* cf_log_init from log.level and log.format of a loaded config. */
void cf_config_apply_log(const cf_config *cfg, const char *prog);

/* Typed getters for keys of the table; asking for another key aborts. */
const char *cf_config_str(const cf_config *cfg, const char *name);
long long cf_config_int(const cf_config *cfg, const char *name);
bool cf_config_bool(const cf_config *cfg, const char *name);

/*
 * Keys every service shares: redis.url, database.url, log.level, log.format.
 * The shared sections [redis], [database] and [log] hold these keys only:
 * every program that reads a section must know all of its keys, so a new
 * shared key is added here, never in one program's table.
 */
extern const cf_config_key cf_config_common_keys[];
/* The [arcade] keys, read by cf-simulator (its plays) and cf-web (uploads). */
extern const cf_config_key cf_config_arcade_keys[];

#endif
