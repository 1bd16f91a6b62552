/*
 * json_print.h — cJSON trees to text, byte for byte as cJSON_PrintUnformatted
 * writes them, at a fraction of its cost.
 *
 * cJSON prints every number with sprintf("%1.15g") and reads it back with
 * sscanf to see whether 15 digits were enough: about a microsecond a
 * number, and a fight prints thousands (each call's arguments, the
 * report's replay, again in the result entry and in the result processor).
 * Here a number that holds an integer of fewer than 16 digits (the common
 * case: ticks, coordinates, ids) is written digit by digit, which is what
 * "%1.15g" gives for it; every other number takes cJSON's own path. Strings,
 * arrays, objects, raw values, failures (an invalid item, a raw value
 * without text) are as cJSON has them, so the text is the same and nothing
 * that reads it can tell (tests/unit/test_json_print.c compares the two).
 */
#ifndef CF_JSON_PRINT_H
#define CF_JSON_PRINT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

/* A growing text; failed once memory ran out or an item could not be
 * printed (then data is freed by cf_json_buf_free only). */
typedef struct cf_json_buf {
    char *data;
    size_t len, cap;
    bool failed;
} cf_json_buf;

/* Appends bytes as they are. */
void cf_json_buf_raw(cf_json_buf *b, const char *s, size_t n);
/* Appends s as a JSON string (NULL: ""), escaped as cJSON escapes. */
void cf_json_buf_string(cf_json_buf *b, const char *s);
/* Appends a number as cJSON prints it. */
void cf_json_buf_number(cf_json_buf *b, double d);
/* Appends item as cJSON_PrintUnformatted would print it. */
void cf_json_buf_value(cf_json_buf *b, const cJSON *item);
void cf_json_buf_free(cf_json_buf *b);

/* The text cJSON_PrintUnformatted(item) returns (malloc'd, NUL-ended), or
 * NULL where it returns NULL or memory ran out. */
char *cf_json_print(const cJSON *item);

#endif
