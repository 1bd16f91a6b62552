/*
 * stream_fields.c — reading and building the fields of stream entries
 * (stream_fields.h).
 *
 * Entries may come from redis-cli, so nothing is trusted: each reader
 * checks presence, duplication and form, and names the field in its
 * reason. Fields a decoder does not ask for are ignored, so a newer
 * producer can add some without breaking older consumers.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "stream_fields.h"
#include "text.h"

bool cf_field_is(const cf_field *f, const char *name)
{
    size_t n = strlen(name);
    return f->key != NULL && f->key_len == n && memcmp(f->key, name, n) == 0;
}

int cf_field_find(const cf_field *fields, size_t n, const char *name, const cf_field **out,
                  char *err, size_t errlen)
{
    *out = NULL;
    if (fields == NULL && n > 0) {
        cf_seterr(err, errlen, "no fields");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!cf_field_is(&fields[i], name))
            continue;
        if (*out != NULL) {
            cf_seterr(err, errlen, "field '%s': given twice", name);
            return -1;
        }
        if (fields[i].val == NULL && fields[i].val_len > 0) {
            cf_seterr(err, errlen, "field '%s': no value", name);
            return -1;
        }
        *out = &fields[i];
    }
    return 0;
}

int cf_field_uuid(const cf_field *f, const char *name, char out[CF_UUID_LEN + 1], char *err,
                  size_t errlen)
{
    if (f == NULL) {
        cf_seterr(err, errlen, "field '%s': missing", name);
        return -1;
    }
    if (!cf_uuid_valid(f->val, f->val_len)) {
        cf_seterr(err, errlen, "field '%s': not a UUID (8-4-4-4-12 hexadecimal)", name);
        return -1;
    }
    for (size_t i = 0; i < CF_UUID_LEN; i++)
        out[i] = (char)tolower((unsigned char)f->val[i]);
    out[CF_UUID_LEN] = '\0';
    return 0;
}

int cf_field_entry_id(const cf_field *f, const char *name, char out[CF_STREAM_ENTRY_ID_MAX + 1],
                      char *err, size_t errlen)
{
    size_t digits = 0, dashes = 0;
    bool ok = f != NULL && f->val_len <= CF_STREAM_ENTRY_ID_MAX;
    for (size_t i = 0; ok && i < f->val_len; i++) {
        char c = f->val[i];
        if (c == '-' && digits > 0 && dashes == 0) {
            dashes = 1;
            digits = 0;
        } else if (c >= '0' && c <= '9' && digits < 20) {
            digits++;
        } else {
            ok = false;
        }
    }
    if (!ok || dashes != 1 || digits == 0) {
        cf_seterr(err, errlen, "field '%s': not a stream entry id (ms-seq)", name);
        return -1;
    }
    memcpy(out, f->val, f->val_len);
    out[f->val_len] = '\0';
    return 0;
}

int cf_field_uint(const cf_field *f, const char *name, uint64_t max, uint64_t *out, char *err,
                  size_t errlen)
{
    uint64_t v = 0;
    bool ok = f != NULL && f->val_len > 0 && f->val_len <= 20;
    for (size_t i = 0; ok && i < f->val_len; i++) {
        uint64_t d = (uint64_t)(f->val[i] - '0');
        ok = f->val[i] >= '0' && f->val[i] <= '9' && d <= max && v <= (max - d) / 10;
        v = v * 10 + d;
    }
    if (!ok) {
        cf_seterr(err, errlen, "field '%s': must be an integer in 0..%" PRIu64, name, max);
        return -1;
    }
    *out = v;
    return 0;
}

int cf_field_word(const cf_field *f, const char *name, const char *const *words, int *which,
                  char *err, size_t errlen)
{
    for (int i = 0; f != NULL && words[i] != NULL; i++) {
        size_t n = strlen(words[i]);
        if (f->val_len == n && memcmp(f->val, words[i], n) == 0) {
            *which = i;
            return 0;
        }
    }
    char list[160] = "";
    for (int i = 0; words[i] != NULL; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", words[i]);
    }
    cf_seterr(err, errlen, "field '%s': %s one of %s", name,
              f == NULL ? "missing, must be" : "must be", list);
    return -1;
}

void cf_fields_out_add(cf_fields_out *o, const char *key, const char *val, size_t len)
{
    if (o->oom)
        return;
    char *copy = o->n < CF_FIELDS_OUT_MAX ? malloc(len + 1) : NULL;
    if (copy == NULL) {
        o->oom = true;
        return;
    }
    memcpy(copy, val, len);
    copy[len] = '\0';
    o->key[o->n] = key;
    o->val[o->n] = copy;
    o->val_len[o->n] = len;
    o->n++;
}

void cf_fields_out_add_str(cf_fields_out *o, const char *key, const char *val)
{
    cf_fields_out_add(o, key, val, strlen(val));
}

void cf_fields_out_add_uint(cf_fields_out *o, const char *key, uint64_t val)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%" PRIu64, val);
    cf_fields_out_add(o, key, buf, (size_t)n);
}

void cf_fields_out_take(cf_fields_out *o, const char *key, char *val)
{
    if (val == NULL || o->oom || o->n >= CF_FIELDS_OUT_MAX) {
        free(val);
        o->oom = true;
        return;
    }
    o->key[o->n] = key;
    o->val[o->n] = val;
    o->val_len[o->n] = strlen(val);
    o->n++;
}

bool cf_fields_out_ok(const cf_fields_out *o)
{
    return !o->oom;
}

void cf_fields_out_free(cf_fields_out *o)
{
    for (int i = 0; i < o->n; i++) {
        free(o->val[i]);
        free(o->own_keys[i]);
        o->own_keys[i] = NULL;
    }
    o->n = 0;
    o->oom = false;
}

char *cf_fields_to_json(const cf_fields_out *f)
{
    cJSON *obj = cJSON_CreateObject();
    for (int i = 0; obj != NULL && i < f->n; i++)
        if (cJSON_AddStringToObject(obj, f->key[i], f->val[i]) == NULL) {
            cJSON_Delete(obj);
            obj = NULL;
        }
    char *json = obj != NULL ? cJSON_PrintUnformatted(obj) : NULL;
    cJSON_Delete(obj);
    return json;
}

int cf_fields_from_json(const char *json, cf_fields_out *out)
{
    memset(out, 0, sizeof *out);
    cJSON *obj = cJSON_Parse(json);
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return -1;
    }
    const cJSON *it;
    cJSON_ArrayForEach (it, obj) {
        if (cJSON_IsNull(it))
            continue;
        char *key = strdup(it->string);
        if (key == NULL || out->n >= CF_FIELDS_OUT_MAX) {
            free(key);
            out->oom = true;
            break;
        }
        int at = out->n;
        if (cJSON_IsString(it))
            cf_fields_out_add_str(out, key, it->valuestring);
        else
            cf_fields_out_take(out, key, cJSON_PrintUnformatted(it));
        if (out->n == at)
            free(key);
        else
            out->own_keys[at] = key;
    }
    cJSON_Delete(obj);
    if (cf_fields_out_ok(out))
        return 0;
    cf_fields_out_free(out);
    return -1;
}
