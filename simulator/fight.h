/*
 * fight.h — run one fight or one arcade play: the controller's public verbs.
 *
 * The controller is single-threaded and owns one sandbox (a forkserver and
 * the layers around it). A program that runs fights concurrently runs one
 * controller per worker process: ptrace ties each bot to the thread that
 * traces it, so fights never share a tracer.
 *
 *   cf_sandbox *sb = cf_sandbox_start(&opts, err, sizeof err);
 *   cf_sandbox_describe(sb, stderr);         // which layers are active
 *   cJSON *report = cf_fight_run(sb, &msg, &hooks, err, sizeof err);
 *   cf_sandbox_stop(sb);
 */
#ifndef CF_FIGHT_H
#define CF_FIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "fight_entry.h"
#include "play_entry.h"

typedef struct cf_sandbox cf_sandbox;

typedef struct cf_sandbox_options {
    bool unsafe_no_sandbox;     /* cf-fight --no-sandbox: plain processes */
    const char *require_layers; /* comma-separated layers that must be active,
                                   e.g. "landlock,seccomp"; NULL: none */
    const char *python_home;    /* NULL: the interpreter found at build time */
    bool single_fight;          /* cf-fight: one fight, so no coderunner is
                                   pre-spawned for a next one */
    bool debug;                 /* add a "debug" object per player to reports
                                   (ptrace stops, timings): NOT the contract,
                                   for cf-fight and the bench only */
    bool arcade;                /* can also run arcade games (cf_play_run):
                                   the forkserver loads the play harness and
                                   the smartphone_connector shim */
    uint32_t fight_wall_ms;     /* simulator.fight_wall_s: a fight's bots
                                   together wait at most this long for their
                                   replies, each its share; 0: no budget */
} cf_sandbox_options;

cf_sandbox *cf_sandbox_start(const cf_sandbox_options *opts, char *err, size_t errlen);
/* One line per layer: "landlock: active (ABI 3)", "apparmor: absent (...)". */
void cf_sandbox_describe(const cf_sandbox *sb, FILE *out);
/* The same table as JSON, for the simulator's heartbeat: an array of
 * {"layer", "active", "detail"} (malloc'd text; NULL when memory ran out). */
char *cf_sandbox_layers_json(const cf_sandbox *sb);
void cf_sandbox_stop(cf_sandbox *sb);

typedef struct cf_fight_hooks {
    void *ud;
    /* Called at most a few times a second with the current tick. */
    void (*progress)(void *ud, int tick);
    /* Polled between calls and while waiting on a bot; true stops the fight
     * (bots killed, status "cancelled") within a second. */
    bool (*cancelled)(void *ud);
    /* Called once with the fight's report as soon as it is complete, before
     * cf_fight_run spawns the next fight's coderunners (cf_sandbox's pool):
     * a caller can send it on at once, off that work. cf_fight_run still
     * returns the report (the caller's); may be NULL. */
    void (*finished)(void *ud, const cJSON *report);
    /* Called once, just before finished, with what the bots printed by
     * tick when any did: the cf:results entry's optional "output"
     * (common/result_entry.h), {"<slot>": [[tick, "text"], ...]}. Not part
     * of the report, whose "log"s stay as they are. May be NULL. */
    void (*output)(void *ud, const cJSON *output);
} cf_fight_hooks;

/*
 * Runs the fight of a decoded entry (cf_fight_entry_decode) and returns its
 * report (common/report.h), whose "status" is "finished", "cancelled" or
 * "failed" (unknown game, bad settings, player count out of bounds, the
 * game itself failed: with the reason in "explanation"). Returns NULL only
 * when the sandbox itself broke (err says why); the caller should then
 * restart it. hooks may be NULL.
 */
cJSON *cf_fight_run(cf_sandbox *sb, const cf_fight_entry *e, const cf_fight_hooks *hooks, char *err,
                    size_t errlen);

/* ---- arcade plays (cf_sandbox_options.arcade) ---- */

typedef struct cf_play_limits {
    uint32_t cpu_ms;    /* the game's CPU for the whole play */
    uint32_t memory_kb; /* resident memory, its unpacked bundle included */
    int64_t wall_ms;    /* the play stops (status stopped) after that long */
    /* Display messages relayed at most this fast (a token bucket of one
     * second's worth): above it the game's writes wait (its pipe fills). */
    uint32_t msgs_per_s;
    uint32_t bytes_per_s;
} cf_play_limits;

/* The defaults (docs/arcade.md): 30 min, 10 min of CPU, 256 MiB, 500
 * messages and 8 MiB a second. */
void cf_play_limits_default(cf_play_limits *l);

typedef struct cf_play_hooks {
    void *ud;
    /* A display message of the game, checked: one JSON object with a
     * "type", its text without the newline. The play is paused while the
     * hook runs. */
    void (*display)(void *ud, const char *msg, size_t len);
    /* Input events come as newline-delimited JSON on this descriptor (-1:
     * none; cf_play_run makes it non-blocking); each checked one goes to
     * the game as it is. */
    int input_fd;
    /* Polled every 50 ms or so: why the play must stop now (its status is
     * then "stopped"), or NULL to go on. May be NULL. */
    const char *(*stop)(void *ud);
} cf_play_hooks;

/*
 * Runs one arcade play: the game's script in the sandbox, its display
 * messages out through hooks->display, its input in from hooks->input_fd,
 * until it ends, fails, runs out of a limit or is stopped. Returns the end
 * object (play_entry.h). NULL only when the sandbox itself broke (err says
 * why).
 */
cJSON *cf_play_run(cf_sandbox *sb, const cf_play_entry *e, const cf_play_limits *limits,
                   const cf_play_hooks *hooks, char *err, size_t errlen);

#endif
