/*
 * json_buf.c — JSON text written straight into a growing buffer.
 *
 * A list page built as a cJSON tree costs a node, a key and a value copy
 * per field, then a print and a free of each (a quarter of cf-web's time
 * on the dashboard and the arcade list: docs/performance.md, "Fourth
 * pass"). The hottest pages write their text here instead, and must read
 * exactly as before. The text itself (the buffer, strings escaped and
 * numbers printed as cJSON does) is common/json_print.c's, which the
 * simulator and the result processor print with; this file adds what a
 * writer without a tree needs: the separators between keys and values.
 * tests/unit/test_json_buf.c checks the text against cJSON's print of the
 * same tree.
 */
#include <stdlib.h>
#include <string.h>

#include "json_buf.h"

void jb_init(json_buf *b)
{
    *b = (json_buf){.text = {0}, .comma = false};
}

void jb_free(json_buf *b)
{
    cf_json_buf_free(&b->text);
    jb_init(b);
}

void jb_raw(json_buf *b, const char *s, size_t n)
{
    cf_json_buf_raw(&b->text, s, n);
}

static void separator(json_buf *b)
{
    if (b->comma)
        jb_raw(b, ",", 1);
    b->comma = true;
}

void jb_value_raw(json_buf *b, const char *s)
{
    separator(b);
    jb_raw(b, s, strlen(s));
}

void jb_array_taken(json_buf *b, char **texts, int n)
{
    jb_open(b, '[');
    for (int i = 0; i < n; i++) {
        if (texts[i] != NULL)
            jb_value_raw(b, texts[i]);
        free(texts[i]);
        texts[i] = NULL;
    }
    jb_close(b, ']');
}

void jb_key(json_buf *b, const char *key)
{
    separator(b);
    cf_json_buf_string(&b->text, key);
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
    cf_json_buf_string(&b->text, s);
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
    separator(b);
    cf_json_buf_number(&b->text, d);
}

void jb_int(json_buf *b, long long v)
{
    /* What cJSON prints for a whole number is what it prints for the
     * double holding it (its %d path gives the same digits). */
    jb_number(b, (double)v);
}

void jb_tree(json_buf *b, const cJSON *v)
{
    separator(b);
    cf_json_buf_value(&b->text, v);
}
