/*
 * request.c — reading a request: its JSON body, the fields and query
 * parameters a handler asks for, the ids in its path, its peer's address.
 *
 * Every getter that can refuse answers the request itself (400, 415) with
 * a message naming the field, and returns NULL or false: a handler stops at
 * the first refusal and never words an input error of its own. A JSON body
 * is held to what every parser agrees on (one value, UTF-8, no \u0000, no
 * key given twice), so no two readers of the same body can see different
 * requests.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/keyvalq_struct.h>

#include "json_util.h"
#include "web.h"

/* Is a key of o there twice? Parsers disagree on which one wins (cJSON: the
 * first), so an object with a repeated key is refused rather than guessed.
 * The check is quadratic: callers bound the number of keys first. */
static const char *json_duplicate_key(const cJSON *o)
{
    for (const cJSON *a = o->child; a != NULL; a = a->next)
        for (const cJSON *b = a->next; b != NULL; b = b->next)
            if (a->string != NULL && b->string != NULL && strcmp(a->string, b->string) == 0)
                return a->string;
    return NULL;
}

/* The media type whole: "application/json", maybe with parameters
 * ("; charset=utf-8"), not any type that merely starts with it. */
static bool json_content_type(const char *ctype)
{
    return ctype != NULL && strncasecmp(ctype, "application/json", 16) == 0 &&
           (ctype[16] == '\0' || ctype[16] == ';' || ctype[16] == ' ' || ctype[16] == '\t');
}

/* One value and nothing after it but whitespace ("{}{}" and "{} x" are not
 * JSON; cJSON stops at the first value's end). NULL when it is not. */
static cJSON *parse_one_value(const char *body, size_t len)
{
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithLengthOpts(body, len, &end, false);
    if (json == NULL)
        return NULL;
    while (end < body + len && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    if (end != body + len) {
        cJSON_Delete(json);
        return NULL;
    }
    return json;
}

/* Why a parsed body is not one we take, or NULL when it is. */
static const char *object_refusal(const web_req *r, const cJSON *json)
{
    if (!cJSON_IsObject(json))
        return "body must be a JSON object";
    if (cf_json_has_escaped_nul(r->body, r->body_len))
        return "strings must not contain NUL (\\u0000)";
    /* No request object has more than a handful of fields. */
    if (cJSON_GetArraySize(json) > 64)
        return "body has more than 64 fields";
    return NULL;
}

cJSON *http_json_body(web_req *r)
{
    if (r->json != NULL)
        return r->json;
    if (r->body_len == 0) {
        http_error(r, 400, "a JSON body is required");
        return NULL;
    }
    if (!json_content_type(
            evhttp_find_header(evhttp_request_get_input_headers(r->req), "Content-Type"))) {
        http_error(r, 415, "Content-Type must be application/json");
        return NULL;
    }
    if (!cf_utf8_valid(r->body, r->body_len)) {
        http_error(r, 400, "body is not valid UTF-8");
        return NULL;
    }
    cJSON *json = parse_one_value(r->body, r->body_len);
    if (json == NULL) {
        http_error(r, 400, "body is not valid JSON");
        return NULL;
    }
    const char *refusal = object_refusal(r, json);
    if (refusal != NULL) {
        cJSON_Delete(json);
        http_error(r, 400, "%s", refusal);
        return NULL;
    }
    const char *dup = json_duplicate_key(json);
    if (dup != NULL) {
        http_error(r, 400, "field '%.64s' is given twice", dup);
        cJSON_Delete(json);
        return NULL;
    }
    r->json = json;
    return r->json;
}

const char *http_str_field(web_req *r, const cJSON *obj, const char *name, bool required,
                           size_t maxlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    if (v == NULL || cJSON_IsNull(v)) {
        if (required)
            http_error(r, 400, "field '%s' is required", name);
        return NULL;
    }
    if (!cJSON_IsString(v)) {
        http_error(r, 400, "field '%s' must be a string", name);
        return NULL;
    }
    if (strlen(v->valuestring) > maxlen) {
        http_error(r, 400, "field '%s' is longer than %zu bytes", name, maxlen);
        return NULL;
    }
    return v->valuestring;
}

const char *http_body_str(web_req *r, const char *name, size_t maxlen)
{
    cJSON *b = http_json_body(r);

    return b != NULL ? http_str_field(r, b, name, true, maxlen) : NULL;
}

bool http_bool_field(web_req *r, const cJSON *obj, const char *name, bool def, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    if (v == NULL || cJSON_IsNull(v)) {
        *out = def;
        return true;
    }
    if (!cJSON_IsBool(v)) {
        http_error(r, 400, "field '%s' must be a boolean", name);
        return false;
    }
    *out = cJSON_IsTrue(v);
    return true;
}

bool http_id_field(web_req *r, const cJSON *obj, const char *name, char id[WEB_INT_ID_SIZE])
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

    if (v == NULL || cJSON_IsNull(v)) {
        http_error(r, 400, "field '%s' is required", name);
        return false;
    }
    /* An exact integer a double holds (the JSON number's limit: 2^53 - 1). */
    if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 9007199254740991.0 ||
        v->valuedouble != (double)(long long)v->valuedouble) {
        http_error(r, 400, "field '%s' must be a positive integer", name);
        return false;
    }
    snprintf(id, WEB_INT_ID_SIZE, "%lld", (long long)v->valuedouble);
    return true;
}

const char *http_query(web_req *r, const char *name)
{
    return r->query != NULL ? evhttp_find_header(r->query, name) : NULL;
}

bool http_int_query(web_req *r, const char *name, int def, int min, int max, int *out)
{
    const char *v = http_query(r, name);
    if (v == NULL) {
        *out = def;
        return true;
    }
    char *end;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n < min || n > max) {
        http_error(r, 400, "query parameter '%s' must be an integer from %d to %d", name, min, max);
        return false;
    }
    *out = (int)n;
    return true;
}

bool http_valid_id(const char *s)
{
    return s != NULL && strlen(s) == CF_UUID_LEN && cf_uuid_valid(s, CF_UUID_LEN);
}

bool http_int_id(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (n == 0 || n > 15 || s[0] == '0')
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool http_is_caller(const web_req *r, PGresult *res, int row, int col)
{
    return r->authed && !PQgetisnull(res, row, col) &&
           strcmp(PQgetvalue(res, row, col), r->user_id) == 0;
}

bool http_cookie_hex(web_req *r, const char *name, char *out, size_t len)
{
    const char *c = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Cookie");
    size_t nlen = strlen(name);
    while (c != NULL && *c != '\0') {
        while (*c == ' ' || *c == ';')
            c++;
        if (strncmp(c, name, nlen) == 0 && c[nlen] == '=') {
            const char *v = c + nlen + 1;
            size_t n = strcspn(v, ";");
            if (n != len)
                return false;
            for (size_t i = 0; i < n; i++)
                if (!isxdigit((unsigned char)v[i]))
                    return false;
            memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
        c = strchr(c, ';');
    }
    return false;
}
