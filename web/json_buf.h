/*
 * json_buf.h — JSON text written straight into a growing buffer, byte for
 * byte as cJSON_PrintUnformatted() would print the same tree (json_buf.c).
 */
#ifndef CF_WEB_JSON_BUF_H
#define CF_WEB_JSON_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "json_print.h"

typedef struct json_buf {
    /* The text: NUL-terminated while not failed, data NULL until written;
     * failed when memory ran out (incomplete, not to be sent). */
    cf_json_buf text;
    bool comma; /* a value came before in the object or array being written */
} json_buf;

void jb_init(json_buf *b);
void jb_free(json_buf *b);
/* Text as is, with no separator (a fragment the caller has composed). */
void jb_raw(json_buf *b, const char *s, size_t n);
/* A value written as is (a row printed before), after its separator. */
void jb_value_raw(json_buf *b, const char *text);
/* The n texts (values printed before, malloc'd) as an array, in order,
 * each freed and set to NULL; a NULL one is left out (a row gone between
 * two reads). */
void jb_array_taken(json_buf *b, char **texts, int n);
/* An object's key: the next call writes its value. */
void jb_key(json_buf *b, const char *key);
/* '{' or '[' (a value: after its separator), and its closing '}' or ']'. */
void jb_open(json_buf *b, char c);
void jb_close(json_buf *b, char c);
/* Values, each after its separator. */
void jb_str(json_buf *b, const char *s);
void jb_null(json_buf *b);
void jb_bool(json_buf *b, bool v);
void jb_number(json_buf *b, double d); /* as cJSON prints a number */
void jb_int(json_buf *b, long long v); /* the same for a whole number */
/* A cJSON tree, as cJSON_PrintUnformatted prints it (NULL: failed). */
void jb_tree(json_buf *b, const cJSON *v);

#endif
