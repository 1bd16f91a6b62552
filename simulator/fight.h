/*
 * fight.h — run one fight: the controller's public verbs.
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
} cf_sandbox_options;

cf_sandbox *cf_sandbox_start(const cf_sandbox_options *opts, char *err, size_t errlen);
/* One line per layer: "landlock: active (ABI 3)", "apparmor: absent (...)". */
void cf_sandbox_describe(const cf_sandbox *sb, FILE *out);
void cf_sandbox_stop(cf_sandbox *sb);

typedef struct cf_fight_hooks {
    void *ud;
    /* Called at most a few times a second with the current tick. */
    void (*progress)(void *ud, int tick);
    /* Polled between calls and while waiting on a bot; true stops the fight
     * (bots killed, status "cancelled") within a second. */
    bool (*cancelled)(void *ud);
} cf_fight_hooks;

/*
 * Runs the fight of a decoded entry (cf_fight_entry_decode) and returns its
 * report (common/report.h), whose "status" is "finished", "cancelled" or
 * "failed" (unknown game, bad settings, player count out of bounds, the
 * game itself failed: with the reason in "explanation"). Returns NULL only
 * when the sandbox itself broke (err says why); the caller should then
 * restart it. hooks may be NULL.
 */
cJSON *cf_fight_run(cf_sandbox *sb, const cf_fight_entry *e, const cf_fight_hooks *hooks,
                    char *err, size_t errlen);

#endif
