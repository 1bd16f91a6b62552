/*
 * script_arena.h — a test double of the controller: an in-process cf_arena
 * whose players follow scripts (a list of replies) or C policies, so the
 * rules can be checked tick by tick without a sandbox or Python.
 *
 * A script step is JSON text (the call returns it) or one of
 *   "!raise" "!timeout"  the call fails, the bot lives on
 *   "!bad"   "!dead"     the bot is gone (protocol violation / crash)
 * The last step repeats for ever.
 */
#ifndef CF_SCRIPT_ARENA_H
#define CF_SCRIPT_ARENA_H

#include <stdbool.h>
#include <stdint.h>

#include "game.h"

typedef enum cf_call_status (*sa_policy)(void *ud, int player, int call, const cJSON *args,
                                         cJSON **result);

typedef struct sa_player {
    const char *const *script; /* NULL-terminated steps, or NULL */
    sa_policy policy;          /* used when script is NULL; NULL: returns null */
    void *ud;
    bool dead_at_start; /* failed before the game started (import error) */
    const char *death;  /* cf_arena_death text; default "crashed" */
} sa_player;

cf_arena *sa_new(int nplayers, const sa_player *players);
void sa_free(cf_arena *arena);
int sa_calls(const cf_arena *arena, int player);              /* calls made so far */
const cJSON *sa_last_args(const cf_arena *arena, int player); /* args of the last call */
const char *sa_last_method(const cf_arena *arena, int player);
int sa_last_progress(const cf_arena *arena); /* -1 before any */
/* Decisions the game refused (cf_arena_rejected), and the first's reason
 * ("" when none). */
int sa_rejected_count(const cf_arena *arena, int player);
const char *sa_first_rejected(const cf_arena *arena, int player);

/* Settings (validated, from_user false), seed, simulate. 0 or -1 (err set). */
int sa_simulate(const cf_game *game, cf_arena *arena, int nplayers, const char *settings_json,
                uint64_t seed, cf_outcome *out, char *err, size_t errlen);
void sa_outcome_free(cf_outcome *out);

/* The report of this outcome, made by the one builder (common/report.h)
 * as the controller does (names "p1.py"...; sandbox figures zero). Caller
 * frees. */
cJSON *sa_report(const cf_game *game, const cf_outcome *out, int nplayers, uint64_t seed);

#endif
