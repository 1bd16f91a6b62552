/*
 * report.h — the report of a fight: the JSON of `cf-fight --json` and of a
 * cf:results entry, built here and checked here.
 *
 *   {"fight_id": UUID, "game": name, "seed": integer (null: a fight that
 *    failed before it had one), "status": "finished"|"failed"|"cancelled",
 *    "players": [{"name", "result", "rank", "score", "verdict", "detail",
 *                 "cpu_ms", "peak_memory_kb", "log"}, ...],
 *    "result": the game's summary (null when the fight did not run to its
 *              end), "explanation": text, "ticks": integer,
 *    "data": the replay, "elapsed_ms": integer}
 *
 * A player's result is "win", "loss", "draw" (victory-draw games), a rank
 * (rank games) or null (no result); verdict one of ok, timeout, cpu_time,
 * memory, illegal, crashed, bad_output, killed.
 *
 * Every report is made by the builder below — cf-fight and cf-simulator's
 * workers for fights that ran (fight.c), cf-simulator's parent for entries
 * that never ran, the games' test double (script_arena.c) — and every
 * report read from outside (a cf:results entry) passes cf_report_validate
 * before it is stored: the result processor stores it column by column.
 */
#ifndef CF_REPORT_H
#define CF_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "bounds.h"

/* Bounds of a report (cf_report_validate). */
#define CF_REPORT_MAX_BYTES (64 * 1024 * 1024)
#define CF_REPORT_DETAIL_MAX 4096
#define CF_REPORT_LOG_MAX (64 * 1024)
#define CF_REPORT_EXPLANATION_MAX 4096
/* fights.ticks is an integer column (and cf_outcome.ticks an int). */
#define CF_REPORT_TICKS_MAX 2147483647ULL

/* One player's line. */
#define CF_REPORT_ERROR_MAX 1024 /* bytes of errors.first.message */

/* The calls of a player that did nothing: raised, or returned a decision
 * the game refused; the first one (tick, kind, the bot's or the game's
 * words). The report's "errors", which a report may leave out. */
typedef struct cf_report_errors {
    uint64_t raised, invalid;
    int first_tick;            /* -1: none (first is null) */
    const char *first_kind;    /* "raised" or "invalid" */
    const char *first_message; /* valid UTF-8 */
} cf_report_errors;

typedef struct cf_report_player {
    const char *name;
    const char *result;  /* "win", "loss", "draw"; NULL: null, or the rank (below) */
    int rank;            /* >= 1; 0: null */
    bool result_is_rank; /* rank games: "result" is the rank too */
    bool has_score;
    double score;
    const char *verdict; /* NULL: "ok" */
    const char *detail;  /* NULL: "" */
    uint64_t cpu_ms, peak_memory_kb;
    const char *log;                /* NULL: "" */
    const cf_report_errors *errors; /* NULL: no "errors" key */
} cf_report_player;

/* A report with its id, game and seed (has_seed false: null), status
 * "failed" until cf_report_finish says otherwise, and no player yet.
 * NULL when memory ran out. */
cJSON *cf_report_new(const char *fight_id, const char *game, bool has_seed, uint64_t seed);

/* Appends a player. 0, or -1 when memory ran out. */
int cf_report_add_player(cJSON *report, const cf_report_player *p);

/* A fight that ran: its status ("finished" or "cancelled"), the game's
 * summary and replay (both taken; NULL: null and []), its explanation,
 * ticks and elapsed time. 0, or -1 when memory ran out. */
int cf_report_finish(cJSON *report, const char *status, cJSON *result, const char *explanation,
                     int ticks, cJSON *data, int64_t elapsed_ms);

/* A fight that did not run to its end (refused, cancelled before it started,
 * the game itself failed): status "failed" or "cancelled", result null, no
 * tick, no replay. 0, or -1 when memory ran out. */
int cf_report_failed(cJSON *report, const char *status, const char *explanation,
                     int64_t elapsed_ms);

/* Checks a report against the contract above: exactly these keys, each
 * with its type and bounds. A "finished" report has at least one player. */
int cf_report_validate(const cJSON *report, char *err, size_t errlen);

/* Is v one of the verdicts (a bot's, or an arcade game's)? */
bool cf_verdict_valid(const char *v);

#endif
