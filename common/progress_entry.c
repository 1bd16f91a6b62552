/*
 * progress_entry.c — the cf:progress entry (progress_entry.h): decoding,
 * encoding.
 */
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "progress_entry.h"

static const char *const states[] = {"started", "tick", "finished", NULL};
static const char *const statuses[] = {"finished", "failed", "cancelled", NULL};
static const char *const kinds[] = {"fight", "play", NULL};

int cf_progress_entry_decode(const cf_field *fields, size_t nfields, cf_progress_entry *out,
                             char *err, size_t errlen)
{
    const cf_field *id, *kind, *state, *tick, *status, *entry;
    int which;

    memset(out, 0, sizeof *out);
    if (cf_field_find(fields, nfields, "id", &id, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "kind", &kind, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "state", &state, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "tick", &tick, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "status", &status, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "entry", &entry, err, errlen) != 0 ||
        cf_field_uuid(id, "id", out->id, err, errlen) != 0 ||
        cf_field_word(state, "state", states, &which, err, errlen) != 0)
        return -1;
    out->state = (enum cf_progress_state)which;
    if (kind != NULL) {
        if (cf_field_word(kind, "kind", kinds, &which, err, errlen) != 0)
            return -1;
        out->play = which == 1;
    }
    if (tick != NULL) {
        uint64_t t;
        if (cf_field_uint(tick, "tick", 2147483647, &t, err, errlen) != 0)
            return -1;
        out->tick = (int)t;
    }
    if (out->state == CF_PROGRESS_FINISHED && status != NULL) {
        if (cf_field_word(status, "status", statuses, &which, err, errlen) != 0)
            return -1;
        snprintf(out->status, sizeof out->status, "%s", statuses[which]);
    }
    if (entry != NULL && cf_field_entry_id(entry, "entry", out->entry, err, errlen) != 0)
        return -1;
    return 0;
}

int cf_progress_entry_encode(const cf_progress_entry *e, cf_fields_out *out)
{
    memset(out, 0, sizeof *out);
    cf_fields_out_add_str(out, "id", e->id);
    if (e->play)
        cf_fields_out_add_str(out, "kind", "play");
    cf_fields_out_add_str(out, "state", states[e->state]);
    cf_fields_out_add_uint(out, "tick", e->tick > 0 ? (uint64_t)e->tick : 0);
    if (e->state == CF_PROGRESS_FINISHED && e->status[0] != '\0')
        cf_fields_out_add_str(out, "status", e->status);
    if (e->entry[0] != '\0')
        cf_fields_out_add_str(out, "entry", e->entry);
    if (cf_fields_out_ok(out))
        return 0;
    cf_fields_out_free(out);
    return -1;
}
