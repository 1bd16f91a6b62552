/*
 * json_print.c — cJSON trees to text as cJSON_PrintUnformatted writes them
 * (json_print.h says why).
 */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_print.h"

/* Room for n more bytes and a NUL. */
static bool reserve(cf_json_buf *b, size_t n)
{
    if (b->failed)
        return false;
    if (b->len + n + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) {
        if (cap > ((size_t)-1) / 2) {
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *d = realloc(b->data, cap);
    if (!d) {
        b->failed = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void cf_json_buf_raw(cf_json_buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void cf_json_buf_string(cf_json_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    if (s == NULL) {
        cf_json_buf_raw(b, "\"\"", 2);
        return;
    }
    size_t n = strlen(s);
    /* at most 6 bytes for each one ("\u001f") and the quotes */
    if (n > (((size_t)-1) - 2) / 6 || !reserve(b, 6 * n + 2))
        return;
    char *o = b->data + b->len;
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char ch = *p;
        if (ch > 31 && ch != '"' && ch != '\\') {
            *o++ = (char)ch;
            continue;
        }
        *o++ = '\\';
        switch (ch) {
        case '\\': *o++ = '\\'; break;
        case '"': *o++ = '"'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[ch >> 4];
            *o++ = hex[ch & 15];
            break;
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

/* cJSON's own: 15 significant digits when they give the number back, else
 * 17, the locale's decimal point written as '.'. */
static int number_as_cjson(double d, char out[32])
{
    int n = snprintf(out, 32, "%1.15g", d);
    double back = strtod(out, NULL);
    double most = fabs(back) > fabs(d) ? fabs(back) : fabs(d);
    if (!(fabs(back - d) <= most * DBL_EPSILON))
        n = snprintf(out, 32, "%1.17g", d);
    char point = localeconv()->decimal_point[0];
    for (int i = 0; i < n; i++)
        if (out[i] == point)
            out[i] = '.';
    return n;
}

void cf_json_buf_number(cf_json_buf *b, double d)
{
    char tmp[32];
    int n;
    if (isnan(d) || isinf(d)) {
        cf_json_buf_raw(b, "null", 4);
        return;
    }
    /* An integer below 10^15 in magnitude: "%1.15g" writes its digits, no
     * exponent, no point; -0 keeps cJSON's path (it prints "-0"). */
    if (fabs(d) < 1e15 && d == trunc(d) && !(d == 0 && signbit(d))) {
        unsigned long long v = (unsigned long long)fabs(d);
        char *e = tmp + sizeof tmp, *p = e;
        do {
            *--p = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        if (d < 0)
            *--p = '-';
        cf_json_buf_raw(b, p, (size_t)(e - p));
        return;
    }
    n = number_as_cjson(d, tmp);
    if (n < 0 || n > 25) { /* cJSON's buffer is 26 bytes: it fails */
        b->failed = true;
        return;
    }
    cf_json_buf_raw(b, tmp, (size_t)n);
}

void cf_json_buf_value(cf_json_buf *b, const cJSON *item)
{
    if (item == NULL) {
        b->failed = true;
        return;
    }
    switch (item->type & 0xFF) {
    case cJSON_NULL: cf_json_buf_raw(b, "null", 4); return;
    case cJSON_False: cf_json_buf_raw(b, "false", 5); return;
    case cJSON_True: cf_json_buf_raw(b, "true", 4); return;
    case cJSON_Number: cf_json_buf_number(b, item->valuedouble); return;
    case cJSON_Raw:
        if (item->valuestring == NULL)
            b->failed = true;
        else
            cf_json_buf_raw(b, item->valuestring, strlen(item->valuestring));
        return;
    case cJSON_String: cf_json_buf_string(b, item->valuestring); return;
    case cJSON_Array:
        cf_json_buf_raw(b, "[", 1);
        for (const cJSON *c = item->child; c != NULL && !b->failed; c = c->next) {
            cf_json_buf_value(b, c);
            if (c->next)
                cf_json_buf_raw(b, ",", 1);
        }
        cf_json_buf_raw(b, "]", 1);
        return;
    case cJSON_Object:
        cf_json_buf_raw(b, "{", 1);
        for (const cJSON *c = item->child; c != NULL && !b->failed; c = c->next) {
            cf_json_buf_string(b, c->string);
            cf_json_buf_raw(b, ":", 1);
            cf_json_buf_value(b, c);
            if (c->next)
                cf_json_buf_raw(b, ",", 1);
        }
        cf_json_buf_raw(b, "}", 1);
        return;
    default: b->failed = true; return;
    }
}

void cf_json_buf_free(cf_json_buf *b)
{
    free(b->data);
    *b = (cf_json_buf){0};
}

char *cf_json_print(const cJSON *item)
{
    cf_json_buf b = {0};
    cf_json_buf_value(&b, item);
    if (b.failed || b.data == NULL) {
        cf_json_buf_free(&b);
        return NULL;
    }
    return b.data;
}
