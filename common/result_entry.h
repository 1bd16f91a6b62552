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

typedef struct cf_result_entry {
    enum cf_result_kind kind;
    char id[CF_UUID_LEN + 1];
    char entry[CF_STREAM_ENTRY_ID_MAX + 1]; /* "" when absent */
    char status[16];                        /* see above */
    cJSON *report;                          /* validated report or end object (owned) */
} cf_result_entry;

int cf_result_entry_decode(const cf_field *fields, size_t nfields, cf_result_entry *out, char *err,
                           size_t errlen);
void cf_result_entry_free(cf_result_entry *e);

/* The fields of the entry for this fight report (borrowed; its fight_id
 * and status are the entry's). 0, or -1 when memory ran out. */
int cf_result_entry_encode(const cJSON *report, cf_fields_out *out);
/* The fields of the entry for the end of play id, from stream entry
 * entry (NULL: none) (borrowed). */
int cf_result_entry_encode_play(const char *id, const char *entry, const cJSON *end,
                                cf_fields_out *out);

#endif
