/*
 * json_buf.c — JSON text written straight into a growing buffer.
 *
 * A list page built as a cJSON tree costs a node, a key and a value copy
 * per field, then a print and a free of each (a quarter of cf-web's time
 * on the dashboard and the arcade list: docs/performance.md, "Fourth
 * pass"). The hottest pages write their text here instead, and must read
 * exactly as before: strings are escaped as cJSON escapes them (", \ and
 * the C0 controls; every other byte as is) and numbers that are not whole
 * are printed by cJSON itself, so the text is the one cJSON_PrintUnformatted
 * gives for the same tree (tests/unit/test_json_buf.c checks it).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json_buf.h"

#define FIRST_CAP 4096

void jb_init(json_buf *b)
{
    *b = (json_buf){.data = NULL, .len = 0, .cap = 0, .failed = false, .comma = false};
}

void jb_free(json_buf *b)
{
    free(b->data);
    jb_init(b);
}

/* Room for n more bytes and the NUL; false (and failed) when out of memory. */
static bool room(json_buf *b, size_t n)
{
    if (b->failed)
        return false;
    if (b->len + n + 1 <= b->cap)
        return true;
    size_t cap = b->cap > 0 ? b->cap : FIRST_CAP;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *data = realloc(b->data, cap);
    if (data == NULL) {
        b->failed = true;
        return false;
    }
    b->data = data;
    b->cap = cap;
    return true;
}

void jb_raw(json_buf *b, const char *s, size_t n)
{
    if (!room(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void separator(json_buf *b)
{
    if (b->comma)
        jb_raw(b, ",", 1);
    b->comma = true;
}

void jb_value_raw(json_buf *b, const char *text)
{
    separator(b);
    jb_raw(b, text, strlen(text));
}

/* s quoted and escaped as cJSON's print_string_ptr does. */
static void quoted(json_buf *b, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t start = 0, i = 0;
    jb_raw(b, "\"", 1);
    for (; u[i] != '\0'; i++) {
        if (u[i] > 31 && u[i] != '"' && u[i] != '\\')
            continue;
        jb_raw(b, s + start, i - start);
        char esc[8];
        switch (u[i]) {
        case '"': jb_raw(b, "\\\"", 2); break;
        case '\\': jb_raw(b, "\\\\", 2); break;
        case '\b': jb_raw(b, "\\b", 2); break;
        case '\f': jb_raw(b, "\\f", 2); break;
        case '\n': jb_raw(b, "\\n", 2); break;
        case '\r': jb_raw(b, "\\r", 2); break;
        case '\t': jb_raw(b, "\\t", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", u[i]);
            jb_raw(b, esc, 6);
            break;
        }
        start = i + 1;
    }
    jb_raw(b, s + start, i - start);
    jb_raw(b, "\"", 1);
}

void jb_key(json_buf *b, const char *key)
{
    separator(b);
    quoted(b, key);
    jb_raw(b, ":", 1);
    b->comma = false; /* the value follows with no separator */
}

void jb_open(json_buf *b, char c)
{
    separator(b);
    jb_raw(b, &c, 1);
    b->comma = false;
}

void jb_close(json_buf *b, char c)
{
    jb_raw(b, &c, 1);
    b->comma = true;
}

void jb_str(json_buf *b, const char *s)
{
    separator(b);
    quoted(b, s);
}

void jb_null(json_buf *b)
{
    separator(b);
    jb_raw(b, "null", 4);
}

void jb_bool(json_buf *b, bool v)
{
    separator(b);
    if (v)
        jb_raw(b, "true", 4);
    else
        jb_raw(b, "false", 5);
}

void jb_number(json_buf *b, double d)
{
    /* cJSON's own printing of a number (its digits and its exponents),
     * into a buffer with the margin cJSON_PrintPreallocated asks for. */
    char text[64];
    cJSON *n = cJSON_CreateNumber(d);
    bool ok = n != NULL && cJSON_PrintPreallocated(n, text, sizeof text, false);
    cJSON_Delete(n);
    if (!ok) {
        b->failed = true;
        return;
    }
    separator(b);
    jb_raw(b, text, strlen(text));
}

void jb_int(json_buf *b, long long v)
{
    /* cJSON prints a whole number within int's range with "%d". */
    if (v < INT_MIN || v > INT_MAX) {
        jb_number(b, (double)v);
        return;
    }
    char text[24];
    int n = snprintf(text, sizeof text, "%lld", v);
    separator(b);
    jb_raw(b, text, (size_t)n);
}
