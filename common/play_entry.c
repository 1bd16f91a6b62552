/*
 * play_entry.c — the arcade's contracts (play_entry.h): the cf:plays entry,
 * the play's key names, the end object.
 *
 * Like every entry, a play entry may come from redis-cli: each field is
 * checked for presence, duplication, size and form, and the first problem
 * is reported with the field's name. A bundle is only checked for its form
 * here (base64 of at most max_bundle bytes); its contents are the game's
 * harness's to check, inside the sandbox, and cf-web's at upload (libzip).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json_util.h"
#include "play_entry.h"
#include "report.h"
#include "text.h"

static bool is_base64(const char *s, size_t len)
{
    if (len % 4 != 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '+' || c == '/';
        bool pad = c == '=' && i >= len - 2 && (i == len - 1 || s[len - 1] == '=');
        if (!alpha && !pad)
            return false;
    }
    return true;
}

static char *copy_text(const cf_field *f, size_t *len)
{
    char *out = malloc(f->val_len + 1);
    if (out != NULL) {
        memcpy(out, f->val, f->val_len);
        out[f->val_len] = '\0';
        *len = f->val_len;
    }
    return out;
}

static int decode_title(const cf_field *f, cf_play_entry *out, char *err, size_t errlen)
{
    if (f == NULL) {
        cf_seterr(err, errlen, "field 'title': missing");
        return -1;
    }
    if (f->val_len > CF_PLAY_TITLE_MAX || !cf_utf8_valid(f->val, f->val_len)) {
        cf_seterr(err, errlen, "field 'title': not UTF-8 text of at most %d bytes",
                  CF_PLAY_TITLE_MAX);
        return -1;
    }
    memcpy(out->title, f->val, f->val_len);
    out->title[f->val_len] = '\0';
    return 0;
}

static int decode_game(const cf_field *code, const cf_field *bundle, size_t max_code,
                       size_t max_bundle, cf_play_entry *out, char *err, size_t errlen)
{
    if ((code == NULL) == (bundle == NULL)) {
        cf_seterr(err, errlen, "fields 'code' and 'bundle': exactly one is required");
        return -1;
    }
    if (code != NULL) {
        if (code->val_len > max_code || !cf_utf8_valid(code->val, code->val_len)) {
            cf_seterr(err, errlen, "field 'code': not UTF-8 text of at most %zu bytes", max_code);
            return -1;
        }
        out->code = copy_text(code, &out->code_len);
    } else {
        /* 4 base64 characters carry 3 bytes. */
        if (bundle->val_len / 4 > max_bundle / 3 + 1 || !is_base64(bundle->val, bundle->val_len) ||
            bundle->val_len == 0) {
            cf_seterr(err, errlen, "field 'bundle': not base64 of at most %zu bytes", max_bundle);
            return -1;
        }
        out->bundle = copy_text(bundle, &out->bundle_len);
    }
    if (out->code == NULL && out->bundle == NULL) {
        cf_seterr(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int cf_play_entry_decode(const cf_field *fields, size_t nfields, size_t max_code, size_t max_bundle,
                         cf_play_entry *out, char *err, size_t errlen)
{
    const cf_field *id, *title, *code, *bundle, *seconds;
    memset(out, 0, sizeof *out);
    if (cf_field_find(fields, nfields, "id", &id, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "title", &title, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "code", &code, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "bundle", &bundle, err, errlen) != 0 ||
        cf_field_find(fields, nfields, "seconds", &seconds, err, errlen) != 0 ||
        cf_field_uuid(id, "id", out->id, err, errlen) != 0 ||
        decode_title(title, out, err, errlen) != 0)
        return -1;
    if (seconds != NULL) {
        uint64_t s;
        if (cf_field_uint(seconds, "seconds", CF_PLAY_SECONDS_MAX, &s, err, errlen) != 0)
            return -1;
        if (s == 0) {
            cf_seterr(err, errlen, "field 'seconds': must be an integer in 1..%d",
                      CF_PLAY_SECONDS_MAX);
            return -1;
        }
        out->seconds = (int)s;
    }
    if (decode_game(code, bundle, max_code, max_bundle, out, err, errlen) != 0) {
        cf_play_entry_free(out);
        return -1;
    }
    return 0;
}

void cf_play_entry_free(cf_play_entry *e)
{
    if (e == NULL)
        return;
    free(e->code);
    free(e->bundle);
    e->code = e->bundle = NULL;
    e->code_len = e->bundle_len = 0;
}

int cf_play_entry_encode(const cf_play_entry *e, cf_fields_out *out)
{
    memset(out, 0, sizeof *out);
    cf_fields_out_add_str(out, "id", e->id);
    cf_fields_out_add_str(out, "title", e->title);
    if (e->code != NULL)
        cf_fields_out_add(out, "code", e->code, e->code_len);
    else if (e->bundle != NULL)
        cf_fields_out_add(out, "bundle", e->bundle, e->bundle_len);
    if (e->seconds > 0)
        cf_fields_out_add_uint(out, "seconds", (uint64_t)e->seconds);
    if (cf_fields_out_ok(out))
        return 0;
    cf_fields_out_free(out);
    return -1;
}

void cf_play_key(char out[CF_PLAY_KEY_MAX + 1], const char *id, const char *suffix)
{
    snprintf(out, CF_PLAY_KEY_MAX + 1, "cf:play:%.36s:%s", id, suffix);
}

/* ---------------------------------------------------------------- the end */

static const char *const end_keys[] = {"type",   "status",         "verdict", "detail",     "score",
                                       "cpu_ms", "peak_memory_kb", "log",     "elapsed_ms", NULL};
static const char *const statuses[] = {"finished", "stopped", "failed", NULL};

static bool one_of(const char *const *list, const cJSON *v)
{
    for (size_t i = 0; cJSON_IsString(v) && list[i] != NULL; i++)
        if (strcmp(list[i], v->valuestring) == 0)
            return true;
    return false;
}

cJSON *cf_play_end_new(const char *status, const char *verdict, const char *detail,
                       const double *score, uint64_t cpu_ms, uint64_t peak_memory_kb,
                       const char *log, int64_t elapsed_ms)
{
    cJSON *e = cJSON_CreateObject();
    bool ok = e != NULL && cJSON_AddStringToObject(e, "type", "end") != NULL &&
              cJSON_AddStringToObject(e, "status", status) != NULL &&
              cJSON_AddStringToObject(e, "verdict", verdict) != NULL &&
              cJSON_AddStringToObject(e, "detail", detail ? detail : "") != NULL &&
              (score != NULL && isfinite(*score) ? cJSON_AddNumberToObject(e, "score", *score)
                                                 : cJSON_AddNullToObject(e, "score")) != NULL &&
              cJSON_AddNumberToObject(e, "cpu_ms", (double)cpu_ms) != NULL &&
              cJSON_AddNumberToObject(e, "peak_memory_kb", (double)peak_memory_kb) != NULL &&
              cJSON_AddStringToObject(e, "log", log ? log : "") != NULL &&
              cJSON_AddNumberToObject(e, "elapsed_ms", (double)elapsed_ms) != NULL;
    if (!ok) {
        cJSON_Delete(e);
        return NULL;
    }
    return e;
}

int cf_play_end_validate(const cJSON *end, char *err, size_t errlen)
{
    if (!cJSON_IsObject(end)) {
        cf_seterr(err, errlen, "end: not a JSON object");
        return -1;
    }
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach (it, end) {
        n++;
        bool known = false;
        for (size_t i = 0; end_keys[i] != NULL && it->string != NULL; i++)
            known = known || strcmp(end_keys[i], it->string) == 0;
        if (!known) {
            cf_seterr(err, errlen, "end: unknown key '%.40s'", it->string ? it->string : "?");
            return -1;
        }
    }
    if (n != 9) {
        cf_seterr(err, errlen, "end: %d keys, the contract has 9 (a key missing or twice)", n);
        return -1;
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(end, "type");
    const cJSON *score = cJSON_GetObjectItemCaseSensitive(end, "score");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "end") != 0) {
        cf_seterr(err, errlen, "type: must be \"end\"");
        return -1;
    }
    if (!one_of(statuses, cJSON_GetObjectItemCaseSensitive(end, "status"))) {
        cf_seterr(err, errlen, "status: must be finished, stopped or failed");
        return -1;
    }
    const cJSON *verdict = cJSON_GetObjectItemCaseSensitive(end, "verdict");
    if (!cJSON_IsString(verdict) || !cf_verdict_valid(verdict->valuestring)) {
        cf_seterr(err, errlen, "verdict: not a verdict");
        return -1;
    }
    if (!(cJSON_IsNull(score) || (cJSON_IsNumber(score) && isfinite(score->valuedouble)))) {
        cf_seterr(err, errlen, "score: must be a finite number or null");
        return -1;
    }
    if (!cf_json_string(cJSON_GetObjectItemCaseSensitive(end, "detail"), CF_REPORT_DETAIL_MAX) ||
        !cf_json_string(cJSON_GetObjectItemCaseSensitive(end, "log"), CF_REPORT_LOG_MAX)) {
        cf_seterr(err, errlen, "detail, log: must be UTF-8 strings of at most %d and %d bytes",
                  CF_REPORT_DETAIL_MAX, CF_REPORT_LOG_MAX);
        return -1;
    }
    static const char *const counts[] = {"cpu_ms", "peak_memory_kb", "elapsed_ms"};
    for (size_t i = 0; i < 3; i++)
        if (!cf_json_uint(cJSON_GetObjectItemCaseSensitive(end, counts[i]), CF_JSON_INT_MAX,
                          NULL)) {
            cf_seterr(err, errlen, "%s: not a non-negative integer", counts[i]);
            return -1;
        }
    return 0;
}
