/*
 * result_entry.h — a cf:results entry: how a fight ended.
 *
 *   id      the fight's UUID
 *   status  finished, failed or cancelled (the report's own status)
 *   report  the report JSON (report.h), whose fight_id and status agree
 *
 * Written by cf-simulator once per fight (and for entries it refuses, when
 * they carry a usable id); read by cf-result-processor, which commits it to
 * PostgreSQL exactly once.
 */
#ifndef CF_RESULT_ENTRY_H
#define CF_RESULT_ENTRY_H

#include <cjson/cJSON.h>

#include "bounds.h"
#include "stream_fields.h"

typedef struct cf_result_entry {
    char id[CF_UUID_LEN + 1];
    char status[16]; /* finished, failed, cancelled */
    cJSON *report;   /* validated report object (owned) */
} cf_result_entry;

int cf_result_entry_decode(const cf_field *fields, size_t nfields, cf_result_entry *out,
                           char *err, size_t errlen);
void cf_result_entry_free(cf_result_entry *e);

/* The fields of the entry for this report (borrowed; its fight_id and
 * status are the entry's). 0, or -1 when memory ran out. */
int cf_result_entry_encode(const cJSON *report, cf_fields_out *out);

#endif
