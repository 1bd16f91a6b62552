/*
 * progress_entry.h — a cf:progress entry: a fight's (or a play's) life
 * while it runs.
 *
 *   id      the fight's UUID (or the play's)
 *   kind    optional: fight (the default) or play; a play has only the
 *           started state (its display goes on its own stream)
 *   state   started (a worker took it), tick (how far it is), finished
 *   tick    decimal integer, the game's tick (0 when started)
 *   status  with finished only: finished, failed or cancelled
 *   entry   optional, "ms-seq": the stream entry the fight or play came
 *           from (cf-simulator writes it for a play's started: its
 *           cf:plays entry); a play the web queued is marked running only
 *           by the entry the web sent (result_entry.h)
 *
 * Written by cf-simulator (at most one tick entry per fight every
 * simulator.progress_every_ms); read by cf-result-processor, the one writer
 * of "running" in PostgreSQL, and by cf-web for its live streams. Best
 * effort: a lost entry costs a late tick on a page, never a result.
 */
#ifndef CF_PROGRESS_ENTRY_H
#define CF_PROGRESS_ENTRY_H

#include <stdbool.h>

#include "bounds.h"
#include "stream_fields.h"

enum cf_progress_state { CF_PROGRESS_STARTED, CF_PROGRESS_TICK, CF_PROGRESS_FINISHED };

typedef struct cf_progress_entry {
    char id[CF_UUID_LEN + 1];
    bool play; /* kind play */
    enum cf_progress_state state;
    int tick;
    char status[16];                        /* finished only; "" otherwise */
    char entry[CF_STREAM_ENTRY_ID_MAX + 1]; /* "" when absent */
} cf_progress_entry;

int cf_progress_entry_decode(const cf_field *fields, size_t nfields, cf_progress_entry *out,
                             char *err, size_t errlen);
/* 0, or -1 when memory ran out. */
int cf_progress_entry_encode(const cf_progress_entry *e, cf_fields_out *out);

#endif
