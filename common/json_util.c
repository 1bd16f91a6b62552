/*
 * json_util.c — strict JSON parsing at trust boundaries (see json_util.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json_util.h"
#include "text.h"

/* Backslashes only occur inside strings in valid JSON, so a flat scan that
 * skips each escaped character is exact. */
bool cf_json_has_escaped_nul(const char *s, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] != '\\')
            continue;
        if (s[i + 1] == 'u' && i + 5 < len && memcmp(s + i + 2, "0000", 4) == 0)
            return true;
        i++;
    }
    return false;
}

cJSON *cf_json_parse(const char *s, size_t len, size_t max_len, char *err, size_t errlen)
{
    const char *end = NULL;
    char *buf;
    cJSON *v;

    if (s == NULL || len == 0) {
        cf_seterr(err, errlen, "empty, expected JSON");
        return NULL;
    }
    if (len > max_len) {
        cf_seterr(err, errlen, "JSON of %zu bytes, larger than the limit of %zu", len, max_len);
        return NULL;
    }
    if (!cf_utf8_valid(s, len)) {
        cf_seterr(err, errlen, "not valid UTF-8 (or contains a NUL byte)");
        return NULL;
    }
    if (cf_json_has_escaped_nul(s, len)) {
        cf_seterr(err, errlen, "\\u0000 inside a JSON string");
        return NULL;
    }
    buf = malloc(len + 1);
    if (buf == NULL) {
        cf_seterr(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    v = cJSON_ParseWithOpts(buf, &end, 1);
    if (v == NULL) {
        size_t at = end != NULL && end >= buf && end <= buf + len ? (size_t)(end - buf) : 0;
        if (end == NULL) {
            const char *ep = cJSON_GetErrorPtr();
            /* The global error pointer is only meaningful inside buf. */
            at = ep != NULL && ep >= buf && ep <= buf + len ? (size_t)(ep - buf) : 0;
        }
        cf_seterr(err, errlen, "invalid JSON near byte %zu", at);
    }
    free(buf);
    return v;
}

bool cf_json_uint(const cJSON *v, uint64_t max, uint64_t *out)
{
    double d;

    if (!cJSON_IsNumber(v))
        return false;
    d = v->valuedouble;
    if (!isfinite(d) || d < 0 || d != floor(d) || d > (double)CF_JSON_INT_MAX || d > (double)max)
        return false;
    if (out != NULL)
        *out = (uint64_t)d;
    return true;
}

bool cf_json_string(const cJSON *v, size_t max_len)
{
    size_t len;

    if (!cJSON_IsString(v) || v->valuestring == NULL)
        return false;
    len = strlen(v->valuestring);
    return len <= max_len && cf_utf8_valid(v->valuestring, len);
}
