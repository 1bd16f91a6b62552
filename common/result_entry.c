/*
 * result_entry.c — the cf:results entry (result_entry.h): decoding,
 * encoding.
 *
 * The entry repeats the report's fight_id and status as fields so that a
 * reader (redis-cli XRANGE, an operator) sees what happened without parsing
 * the report; decoding checks the two agree, and checks the whole report
 * against its contract, before anything is stored.
 *
 * The optional per-tick output is checked as strictly, but a bad one is
 * dropped (the reason kept for the reader's log) rather than the entry
 * refused: what the bots printed is worth less than the fight's result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "json_print.h"
#include "json_util.h"
#include "play_entry.h"
#include "report.h"
#include "result_entry.h"

static const char *const kinds[] = {"fight", "play", NULL};
static const char *const fight_statuses[] = {"finished", "failed", "cancelled", NULL};
static const char *const play_statuses[] = {"finished", "stopped", "failed", NULL};

/* The report of a fight: its contract, and the same id and status. */
static int check_fight(cf_result_entry *out, char *err, size_t errlen)
{
    char why[200];
    if (cf_report_validate(out->report, why, sizeof why) != 0) {
        cf_seterr(err, errlen, "field 'report': %s", why);
        return -1;
    }
    const cJSON *rid = cJSON_GetObjectItemCaseSensitive(out->report, "fight_id");
    if (strcasecmp(rid->valuestring, out->id) != 0) {
        cf_seterr(err, errlen, "field 'report': fight_id differs from field 'id'");
        return -1;
    }
    return 0;
}

/* One slot's [[tick, "text"], ...]: ticks strictly increasing, texts
 * within their caps. */
static int check_output_slot(const cJSON *list, char *err, size_t errlen)
{
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0) {
        cf_seterr(err, errlen, "a slot's output must be a non-empty array");
        return -1;
    }
    uint64_t total = 0, prev = 0;
    bool first = true;
    const cJSON *item;
    cJSON_ArrayForEach (item, list) {
        uint64_t tick;
        const cJSON *text = cJSON_GetArrayItem(item, 1);
        if (!cJSON_IsArray(item) || cJSON_GetArraySize(item) != 2 ||
            !cf_json_uint(cJSON_GetArrayItem(item, 0), CF_REPORT_TICKS_MAX, &tick)) {
            cf_seterr(err, errlen, "each output item must be [tick, \"text\"]");
            return -1;
        }
        if (!first && tick <= prev) {
            cf_seterr(err, errlen, "output ticks must be strictly increasing");
            return -1;
        }
        if (!cf_json_string(text, CF_OUTPUT_TICK_MAX) || text->valuestring[0] == '\0') {
            cf_seterr(err, errlen, "an output text must be 1 to %d bytes of UTF-8",
                      CF_OUTPUT_TICK_MAX);
            return -1;
        }
        total += strlen(text->valuestring);
        if (total > CF_OUTPUT_FIGHT_MAX) {
            cf_seterr(err, errlen, "a slot's output is over %d bytes", CF_OUTPUT_FIGHT_MAX);
            return -1;
        }
        prev = tick;
        first = false;
    }
    return 0;
}

int cf_result_output_validate(const cJSON *output, int nplayers, char *err, size_t errlen)
{
    if (!cJSON_IsObject(output)) {
        cf_seterr(err, errlen, "must be a JSON object");
        return -1;
    }
    const cJSON *slot;
    cJSON_ArrayForEach (slot, output) {
        const char *k = slot->string;
        char *end = NULL;
        long n = strtol(k, &end, 10);
        /* canonical decimal: "0", "12", never "01", "+1", " 1" */
        if (k[0] < '0' || k[0] > '9' || (k[0] == '0' && k[1] != '\0') || *end != '\0' || n < 0 ||
            n >= nplayers) {
            cf_seterr(err, errlen, "key '%.20s' is not a player's slot", k);
            return -1;
        }
        if (cJSON_GetObjectItemCaseSensitive(output, k) != slot) {
            cf_seterr(err, errlen, "slot %.20s given twice", k);
            return -1;
        }
        char why[160];
        if (check_output_slot(slot, why, sizeof why) != 0) {
            cf_seterr(err, errlen, "slot %ld: %s", n, why);
            return -1;
        }
    }
    return 0;
}

/* The optional output of a fight's entry: out->output, or NULL with
 * out->output_dropped saying why. */
static void decode_output(const cf_field *f, cf_result_entry *out)
{
    char why[180];
    if (out->kind != CF_RESULT_FIGHT) {
        snprintf(out->output_dropped, sizeof out->output_dropped, "a play has no output");
        return;
    }
    cJSON *o = cf_json_parse(f->val, f->val_len, CF_OUTPUT_FIELD_MAX, why, sizeof why);
    const cJSON *players = cJSON_GetObjectItemCaseSensitive(out->report, "players");
    if (o != NULL &&
        cf_result_output_validate(o, cJSON_GetArraySize(players), why, sizeof why) != 0) {
        cJSON_Delete(o);
        o = NULL;
    }
    if (o == NULL)
        snprintf(out->output_dropped, sizeof out->output_dropped, "field 'output': %s", why);
    out->output = o;
}

int cf_result_entry_decode(const cf_field *fields, size_t nfields, cf_result_entry *out, char *err,
                           size_t errlen)
{
    const cf_field *kind, *id, *status, *report, *entry, *output;
    char why[200];
    int which = 0;

    memset(out, 0, sizeof *out);
    if (cf_field_find(fields, nfields, "kind", &kind, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "id", &id, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "status", &status, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "report", &report, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "entry", &entry, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "output", &output, err, errlen) != 0)
        return -1;
    if (entry != NULL && cf_field_entry_id(entry, "entry", out->entry, err, errlen) != 0)
        return -1;
    if (kind != NULL && cf_field_word(kind, "kind", kinds, &which, err, errlen) != 0)
        return -1;
    out->kind = which == 1 ? CF_RESULT_PLAY : CF_RESULT_FIGHT;
    if (cf_field_uuid(id, "id", out->id, err, errlen) != 0)
        return -1;
    if (status == NULL) {
        cf_seterr(err, errlen, "field 'status': missing");
        return -1;
    }
    const char *const *statuses = out->kind == CF_RESULT_PLAY ? play_statuses : fight_statuses;
    if (cf_field_word(status, "status", statuses, &which, why, sizeof why) != 0) {
        cf_seterr(err, errlen, "field 'status': must be %s",
                  out->kind == CF_RESULT_PLAY ? "finished, stopped or failed"
                                              : "finished, failed or cancelled");
        return -1;
    }
    snprintf(out->status, sizeof out->status, "%s", statuses[which]);
    if (report == NULL) {
        cf_seterr(err, errlen, "field 'report': missing");
        return -1;
    }
    out->report = cf_json_parse(report->val, report->val_len, CF_REPORT_MAX_BYTES, why, sizeof why);
    if (out->report == NULL) {
        cf_seterr(err, errlen, "field 'report': %s", why);
        return -1;
    }
    if (out->kind == CF_RESULT_FIGHT && check_fight(out, err, errlen) != 0)
        goto fail;
    if (out->kind == CF_RESULT_PLAY && cf_play_end_validate(out->report, why, sizeof why) != 0) {
        cf_seterr(err, errlen, "field 'report': %s", why);
        goto fail;
    }
    const cJSON *rstatus = cJSON_GetObjectItemCaseSensitive(out->report, "status");
    if (strcmp(rstatus->valuestring, out->status) != 0) {
        cf_seterr(err, errlen, "field 'report': status differs from field 'status'");
        goto fail;
    }
    if (output != NULL)
        decode_output(output, out);
    return 0;
fail:
    cf_result_entry_free(out);
    return -1;
}

void cf_result_entry_free(cf_result_entry *e)
{
    if (e == NULL)
        return;
    cJSON_Delete(e->report);
    e->report = NULL;
    cJSON_Delete(e->output);
    e->output = NULL;
}

int cf_result_entry_encode(const cJSON *report, const cJSON *output, cf_fields_out *out)
{
    memset(out, 0, sizeof *out);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(report, "fight_id");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(report, "status");
    if (!cJSON_IsString(id) || !cJSON_IsString(status))
        return -1;
    cf_fields_out_add_str(out, "id", id->valuestring);
    cf_fields_out_add_str(out, "status", status->valuestring);
    cf_fields_out_take(out, "report", cf_json_print(report));
    if (output != NULL)
        cf_fields_out_take(out, "output", cf_json_print(output));
    if (cf_fields_out_ok(out))
        return 0;
    cf_fields_out_free(out);
    return -1;
}

int cf_result_entry_encode_play(const char *id, const char *entry, const cJSON *end,
                                cf_fields_out *out)
{
    memset(out, 0, sizeof *out);
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(end, "status");
    if (!cJSON_IsString(status))
        return -1;
    cf_fields_out_add_str(out, "kind", "play");
    cf_fields_out_add_str(out, "id", id);
    cf_fields_out_add_str(out, "status", status->valuestring);
    if (entry != NULL)
        cf_fields_out_add_str(out, "entry", entry);
    cf_fields_out_take(out, "report", cf_json_print(end));
    if (cf_fields_out_ok(out))
        return 0;
    cf_fields_out_free(out);
    return -1;
}
