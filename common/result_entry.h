/*
 * result_entry.h — a cf:results entry: how a fight or a play ended.
 *
 *   kind    optional: "fight" (the default, when absent) or "play"
 *   id      the fight's or the play's UUID
 *   status  the report's own status: finished, failed or cancelled for a
 *           fight; finished, stopped or failed for a play
 *   report  a fight: the report (report.h), whose fight_id and status
 *           agree; a play: the end object (play_entry.h)
 *   entry   optional, "ms-seq": the stream entry the fight or play came
 *           from (cf-simulator writes it for plays: the cf:plays entry).
 *           The result processor ends a play the web queued only with the
 *           result of the entry the web sent, so an entry forged with the
 *           play's id cannot end it.
 *   output  optional, fights only: what each bot printed, by tick (issue
 *           17): a JSON object {"<slot>": [[tick, "text"], ...], ...}, the
 *           slots as decimal indexes into the report's players, ticks
 *           strictly increasing, each text 1..CF_OUTPUT_TICK_MAX bytes of
 *           UTF-8, a slot's texts at most CF_OUTPUT_FIGHT_MAX in all
 *           (markers included). Not part of the report (whose contract is
 *           fixed): the bots' owners only ever see it.
 *
 * Written by cf-simulator once per fight or play (and for entries it
 * refuses, when they carry a usable id); read by cf-result-processor, which
 * commits it to PostgreSQL exactly once.
 */
#ifndef CF_RESULT_ENTRY_H
#define CF_RESULT_ENTRY_H

#include <cjson/cJSON.h>

#include "bounds.h"
#include "stream_fields.h"

enum cf_result_kind { CF_RESULT_FIGHT, CF_RESULT_PLAY };

/* The caps on a bot's per-tick output, markers included: at most this much
 * of what it printed during one tick's calls (a longer text ends with
 * CF_OUTPUT_TICK_CUT) and in one fight (then the text ends with
 * CF_OUTPUT_FIGHT_CUT and later ticks have nothing). The report's "log"
 * is separate and unchanged. */
#define CF_OUTPUT_TICK_MAX 1024
#define CF_OUTPUT_FIGHT_MAX (64 * 1024)
#define CF_OUTPUT_TICK_CUT "\n[cut: more was printed at this tick]\n"
#define CF_OUTPUT_FIGHT_CUT "\n[output cut]\n"
/* The field's JSON: the texts escaped (up to 6 bytes a byte) and framed. */
#define CF_OUTPUT_FIELD_MAX (8u * 1024u * 1024u)

typedef struct cf_result_entry {
    enum cf_result_kind kind;
    char id[CF_UUID_LEN + 1];
    char entry[CF_STREAM_ENTRY_ID_MAX + 1]; /* "" when absent */
    char status[16];                        /* see above */
    cJSON *report;                          /* validated report or end object (owned) */
    /* The fight's per-tick output (owned), or NULL: absent, or dropped
     * because it broke its contract (then output_dropped says why, for the
     * reader's log: a bad output never costs the fight its result). */
    cJSON *output;
    char output_dropped[200];
} cf_result_entry;

int cf_result_entry_decode(const cf_field *fields, size_t nfields, cf_result_entry *out, char *err,
                           size_t errlen);
void cf_result_entry_free(cf_result_entry *e);

/* The fields of the entry for this fight report (borrowed; its fight_id
 * and status are the entry's) and its per-tick output (borrowed; NULL:
 * none). 0, or -1 when memory ran out. */
int cf_result_entry_encode(const cJSON *report, const cJSON *output, cf_fields_out *out);
/* Does output keep the contract of the field (above) for a fight of
 * nplayers players? 0, or -1 with the reason. */
int cf_result_output_validate(const cJSON *output, int nplayers, char *err, size_t errlen);
/* The fields of the entry for the end of play id, from stream entry
 * entry (NULL: none) (borrowed). */
int cf_result_entry_encode_play(const char *id, const char *entry, const cJSON *end,
                                cf_fields_out *out);

#endif
