/*
 * play_entry.h — the arcade's contracts: a cf:plays entry, a play's
 * streams, and how a play ended.
 *
 * cf:plays entry (a play to run):
 *   id       UUID
 *   title    text, at most CF_PLAY_TITLE_MAX bytes (shown in logs only)
 *   code     the Python source of a one-file game, or
 *   bundle   base64 of a .zip whose entry point is game.py or its only
 *            top-level .py (exactly one of code and bundle)
 *   seconds  optional, 1..86400: stop the play after that long
 *
 * cf:play:<id>:out  display messages, one per entry (field msg: a JSON
 *                   object with a "type"), the last one the end object.
 * cf:play:<id>:in   input events, one per entry (field msg).
 * cf:play:<id>:seen set (EX) by whoever shows the play: the play stops
 *                   after arcade.idle_s without it.
 *
 * The end object (cf-play's last line, the report of a cf:results entry of
 * kind "play"):
 *   {"type": "end", "status": "finished"|"stopped"|"failed",
 *    "verdict": ok|timeout|cpu_time|memory|illegal|crashed|bad_output|killed,
 *    "detail": text, "score": number|null, "cpu_ms", "peak_memory_kb",
 *    "log": text, "elapsed_ms"}
 *
 * Written by cf-web and by anyone with redis-cli; read by cf-simulator,
 * whose worker runs the play (simulator/play.c) and whose parent publishes
 * the end; stored by cf-result-processor.
 */
#ifndef CF_PLAY_ENTRY_H
#define CF_PLAY_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "bounds.h"
#include "stream_fields.h"

#define CF_PLAY_TITLE_MAX 200
#define CF_PLAY_SECONDS_MAX 86400
#define CF_DEFAULT_MAX_BUNDLE_BYTES (16 * 1024 * 1024) /* decoded */
#define CF_PLAY_KEY_MAX (CF_UUID_LEN + 16)             /* "cf:play:<id>:seen" */

typedef struct cf_play_entry {
    char id[CF_UUID_LEN + 1];
    char title[CF_PLAY_TITLE_MAX + 1];
    char *code;   /* NUL-terminated Python source, or NULL */
    char *bundle; /* NUL-terminated base64, or NULL */
    size_t code_len, bundle_len;
    int seconds; /* 0: none given */
} cf_play_entry;

/* Decodes the fields; max_code bounds the code, max_bundle the decoded size
 * of the bundle. 0, or -1 with the reason in err (the entry is then empty:
 * cf_play_entry_free is still safe). */
int cf_play_entry_decode(const cf_field *fields, size_t nfields, size_t max_code, size_t max_bundle,
                         cf_play_entry *out, char *err, size_t errlen);
void cf_play_entry_free(cf_play_entry *e);
/* The entry's fields, as XADD takes them. 0, or -1 when memory ran out. */
int cf_play_entry_encode(const cf_play_entry *e, cf_fields_out *out);

/* The play's stream and key names. */
void cf_play_key(char out[CF_PLAY_KEY_MAX + 1], const char *id, const char *suffix);

/* ---- the end ---- */

/* A play's end: the object above. score: NULL for null. NULL when memory
 * ran out. */
cJSON *cf_play_end_new(const char *status, const char *verdict, const char *detail,
                       const double *score, uint64_t cpu_ms, uint64_t peak_memory_kb,
                       const char *log, int64_t elapsed_ms);
/* Checks an end object against the contract: exactly those keys, each with
 * its type and bounds. */
int cf_play_end_validate(const cJSON *end, char *err, size_t errlen);

#endif
