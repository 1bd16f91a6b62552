/*
 * game.h — the whole contract a game author needs.
 *
 * A game is a C module that knows its rules and nothing else: it never touches
 * the sandbox, the network or the clock. It asks its arena to call a method
 * of a bot (cf_arena_call) and gets back a JSON value or the kind of
 * failure, and it fills a cf_outcome that becomes the report
 * (common/report.h). Games are deterministic given the seed: all randomness
 * comes from the cf_rng handed to simulate().
 *
 * The arena is an interface: whoever runs a game supplies its verbs
 * (cf_arena_ops) — the controller's sandboxed bots in cf-fight and
 * cf-simulator, the scripted test double in the games' tests. Nothing here
 * calls up into a particular one, so a program that only reads the
 * registry (cf-web) links no arena at all.
 *
 * A game registers itself in games/registry.c under its name, which equals
 * its folder and follows the one game-name rule (common/bounds.h).
 */
#ifndef CF_GAME_H
#define CF_GAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "bounds.h"
#include "rng.h"

#define CF_EXPLANATION_MAX 256

enum cf_conclusion {
    CF_CONCLUSION_VICTORY_DRAW, /* each player wins, loses or draws */
    CF_CONCLUSION_RANK,         /* each player gets a rank, ties shared */
};

/* How one call of a bot ended, as the game sees it. */
enum cf_call_status {
    CF_CALL_OK,         /* *result holds the returned JSON value */
    CF_CALL_RAISED,     /* the method raised: this call failed, the bot lives */
    CF_CALL_TIMEOUT,    /* the call's wall-clock limit passed; the bot lives */
    CF_CALL_BAD_OUTPUT, /* the bot broke the protocol; it is eliminated */
    CF_CALL_DEAD,       /* the bot is gone: crashed, limits, illegal, killed */
};

/* Per-player result of a victory-draw game. Rank games use rank instead. */
enum cf_player_result { CF_RESULT_NONE, CF_RESULT_WIN, CF_RESULT_LOSS, CF_RESULT_DRAW };

/* Limits of one bot in one fight, chosen by the game. */
typedef struct cf_limits {
    uint32_t first_call_wall_ms; /* first call: includes import and Main() */
    uint32_t call_wall_ms;       /* every later call */
    uint32_t time_bank_ms;       /* wall time later calls may take past call_wall_ms, all
                                    together, in a fight (0: none) */
    uint32_t cpu_ms;             /* CPU time for the whole fight */
    uint32_t memory_kb;          /* resident memory (cgroup) */
} cf_limits;

/* One integer setting a game accepts; settings are a JSON object of these. */
typedef struct cf_setting {
    const char *key;   /* JSON key: lowercase, digits, underscore */
    const char *label; /* shown in the web's form */
    int64_t def, min, max;
    bool user; /* may a user change it when hosting a fight? */
} cf_setting;

/* The verbs of an arena; the arena's own state is behind self. */
typedef struct cf_arena_ops {
    enum cf_call_status (*call)(void *self, int player, const char *method, const cJSON *args,
                                cJSON **result);
    bool (*alive)(const void *self, int player);
    const char *(*death)(const void *self, int player);
    void (*progress)(void *self, int tick);
    void (*rejected)(void *self, int player, const char *why);
} cf_arena_ops;

/* What a game holds of whoever runs it. */
typedef struct cf_arena {
    const cf_arena_ops *ops;
    void *self;
} cf_arena;

/*
 * Calls method `method` of player `player`'s bot with `args`, a JSON array
 * (borrowed). On CF_CALL_OK *result is the value the method returned (the
 * caller frees it with cJSON_Delete). On any other status *result is NULL.
 * Calling a player that is no longer alive returns CF_CALL_DEAD at once.
 */
static inline enum cf_call_status cf_arena_call(cf_arena *arena, int player, const char *method,
                                                const cJSON *args, cJSON **result)
{
    return arena->ops->call(arena->self, player, method, args, result);
}

/* Is the player's bot still running (not crashed, killed, over a limit)? */
static inline bool cf_arena_alive(const cf_arena *arena, int player)
{
    return arena->ops->alive(arena->self, player);
}

/* Why a dead player died, in words for the explanation ("crashed", "memory
 * limit exceeded", ...). Never NULL. */
static inline const char *cf_arena_death(const cf_arena *arena, int player)
{
    return arena->ops->death(arena->self, player);
}

/* Tells the runner how far the fight is (for live progress); cheap. Call it
 * with a tick before asking the bots of that tick: what a bot prints during
 * a call is shown at the tick last given here (issue 17's per-tick output). */
static inline void cf_arena_progress(cf_arena *arena, int tick)
{
    arena->ops->progress(arena->self, tick);
}

/* The player's last call returned a decision the rules refuse (the game
 * plays it as "nothing"): counted in the report with the first one's
 * reason, so the bot's author learns why the bot did nothing. why is the
 * game's words ("'dance' is not a move: ..."), at most 200 bytes kept. */
static inline void cf_arena_rejected(cf_arena *arena, int player, const char *why)
{
    arena->ops->rejected(arena->self, player, why);
}

/* What a game produces. The controller owns the struct; the game fills it. */
typedef struct cf_outcome {
    /* victory-draw games: result[i]; rank games: rank[i] (1 = best). */
    enum cf_player_result result[CF_MAX_PLAYERS];
    int rank[CF_MAX_PLAYERS];
    bool has_score[CF_MAX_PLAYERS];
    double score[CF_MAX_PLAYERS];
    cJSON *summary; /* the report's "result": e.g. ["W","L"] or "D" (owned) */
    cJSON *data;    /* the report's "data": the replay (owned) */
    int ticks;
    char explanation[CF_EXPLANATION_MAX];
} cf_outcome;

typedef struct cf_game {
    const char *name;
    const char *title;
    const char *summary; /* one line */
    const char *docs;    /* Markdown for bot authors: rules, API, examples */
    int min_players, max_players;
    enum cf_conclusion conclusion;
    bool has_scores;
    const cf_setting *settings; /* terminated by an entry with key == NULL */

    /* Limits for this settings object (complete, validated) and player count. */
    void (*limits)(const cJSON *settings, int nplayers, cf_limits *out);

    /* Runs the fight. settings is complete and validated. Returns 0, or -1
     * with err filled when the game itself failed (never for a bot's fault). */
    int (*simulate)(cf_arena *arena, const cJSON *settings, int nplayers, cf_rng *rng,
                    cf_outcome *out, char *err, size_t errlen);

    /* Optional (NULL: shown as is): the words for an explanation the game
     * writes as a code, e.g. Tanks' "X", kept for the original's reports. */
    const char *(*explain)(const char *explanation);
} cf_game;

/* The registry (games/registry.c). */
const cf_game *cf_game_find(const char *name); /* NULL: unknown (or not a name) */
const cf_game *cf_game_at(size_t index);       /* NULL past the end */

/*
 * Completes `user` (a JSON object or NULL) with the game's defaults and
 * validates it: unknown keys, non-integers, values out of range and keys a
 * user may not set (when from_user) are refused with a message in err.
 * Returns a new object the caller frees, or NULL.
 */
cJSON *cf_game_settings(const cf_game *game, const cJSON *user, bool from_user, char *err,
                        size_t errlen);

/* The text to show for a report's explanation: the game's words for its
 * codes ("X" of Tanks: "Tick limit exceeded."), anything else unchanged.
 * Never NULL (NULL in gives ""). */
const char *cf_game_explanation_text(const cf_game *game, const char *explanation);

/* Integer value of a validated setting (the default if absent). */
int64_t cf_game_setting(const cf_game *game, const cJSON *settings, const char *key);

#endif
