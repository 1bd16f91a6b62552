/*
 * stream_msg.h — the entries of the Redis streams, as DESIGN.md fixes them.
 *
 *   cf:fights       id (UUID), game, players (JSON array of {"name","code"}),
 *                   optional settings (JSON object), optional seed (integer).
 *   cf:results      id, status, report (the report JSON).
 *   cf:fights:dead  the original fields, plus reason.
 *
 * Decoding never trusts its input: every field is checked (presence, type,
 * size, UTF-8) and a bad entry is refused with a reason that names the field.
 */
#ifndef CF_STREAM_MSG_H
#define CF_STREAM_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#define CF_STREAM_FIGHTS "cf:fights"
#define CF_STREAM_RESULTS "cf:results"
#define CF_STREAM_DEAD "cf:fights:dead"
#define CF_STREAM_PROGRESS "cf:progress"
#define CF_GROUP_SIMULATORS "simulators"
#define CF_GROUP_RESULTS "result-processors"

#define CF_UUID_LEN 36
#define CF_MSG_MAX_PLAYERS 16
#define CF_PLAYER_NAME_MAX 64
#define CF_GAME_NAME_MAX 32
#define CF_DEFAULT_MAX_CODE_BYTES (1024 * 1024)
/* Seeds are JSON numbers in reports: they must be exact doubles (2^53 - 1). */
#define CF_SEED_MAX 9007199254740991ULL
#define CF_SETTINGS_MAX_BYTES (64 * 1024)
/* Bounds of a report (cf_report_validate). */
#define CF_REPORT_MAX_BYTES (64 * 1024 * 1024)
#define CF_REPORT_DETAIL_MAX 4096
#define CF_REPORT_LOG_MAX (64 * 1024)
#define CF_REPORT_EXPLANATION_MAX 4096
/* fights.ticks is an integer column (and cf_outcome.ticks an int). */
#define CF_REPORT_TICKS_MAX 2147483647ULL

typedef struct cf_fight_player {
    char name[CF_PLAYER_NAME_MAX + 1];
    char *code; /* NUL-terminated Python source, valid UTF-8 */
    size_t code_len;
} cf_fight_player;

typedef struct cf_fight_msg {
    char id[CF_UUID_LEN + 1];
    char game[CF_GAME_NAME_MAX + 1];
    int nplayers;
    cf_fight_player players[CF_MSG_MAX_PLAYERS];
    cJSON *settings; /* object, or NULL when absent */
    bool has_seed;
    uint64_t seed;
} cf_fight_msg;

/* One field of a stream entry, as Redis returns it (not NUL-terminated). */
typedef struct cf_field {
    const char *key;
    size_t key_len;
    const char *val;
    size_t val_len;
} cf_field;

/*
 * Decodes a cf:fights entry. max_code_bytes bounds each player's code.
 * Does not check the game's existence or player bounds (the simulator does,
 * with the registry). Returns 0, or -1 with a reason in err. On success the
 * caller frees with cf_fight_msg_free.
 */
int cf_fight_msg_decode(const cf_field *fields, size_t nfields, size_t max_code_bytes,
                        cf_fight_msg *out, char *err, size_t errlen);
void cf_fight_msg_free(cf_fight_msg *msg);

/*
 * Encoding for XADD: "players" is this JSON (caller frees with free; NULL
 * when out of memory); "settings" is cJSON_PrintUnformatted(msg->settings);
 * "seed" is the decimal integer.
 */
char *cf_fight_msg_players_json(const cf_fight_msg *msg);

/* Is name a valid game name: 1..CF_GAME_NAME_MAX of [a-z0-9_], not
 * starting with '_'? */
bool cf_msg_game_name_valid(const char *name, size_t len);

typedef struct cf_result_msg {
    char id[CF_UUID_LEN + 1];
    char status[16];  /* finished, failed, cancelled */
    cJSON *report;    /* validated report object (owned) */
} cf_result_msg;

int cf_result_msg_decode(const cf_field *fields, size_t nfields, cf_result_msg *out,
                         char *err, size_t errlen);
void cf_result_msg_free(cf_result_msg *msg);

/*
 * Checks a report against the contract of DESIGN.md: exactly the keys
 * fight_id (UUID), game, seed (integer 0..CF_SEED_MAX), status
 * (finished|failed|cancelled), players (array of at most CF_MSG_MAX_PLAYERS
 * objects with exactly name, result, rank, score, verdict, detail, cpu_ms,
 * peak_memory_kb, log), result (any JSON), explanation (string), ticks,
 * data (any JSON), elapsed_ms. A player's result is "win", "loss", "draw",
 * a rank (integer >= 1) or null; rank an integer >= 1 or null; score a
 * finite number or null; verdict one of ok, timeout, cpu_time, memory,
 * illegal, crashed, bad_output, killed; ticks an integer in
 * 0..CF_REPORT_TICKS_MAX, what the store's column holds. A "finished"
 * report has at least one player;
 * a "failed" one may carry a null seed (it failed before having one).
 * Unknown keys are refused: the contract changes in DESIGN.md first.
 */
int cf_report_validate(const cJSON *report, char *err, size_t errlen);

/* Is s a canonical UUID (8-4-4-4-12 hex, lower or upper case)? */
bool cf_uuid_valid(const char *s, size_t len);
/* Writes a fresh random UUID v4 (37 bytes with NUL). */
void cf_uuid_generate(char out[CF_UUID_LEN + 1]);

/* Is the buffer valid UTF-8 with no NUL byte? */
bool cf_utf8_valid(const char *s, size_t len);

/*
 * Copies src[0..len) into dst as text cf_utf8_valid accepts: each byte that
 * does not start a valid sequence (NUL, overlong, surrogate, > U+10FFFF,
 * truncated) becomes U+FFFD. dst must hold 3 * len + 1 bytes; it is
 * NUL-terminated. Returns the bytes written. For text a bot controls (its
 * log, its exception messages) before it goes into a report.
 */
size_t cf_utf8_sanitize(char *dst, const char *src, size_t len);

#endif
