/*
 * json_util.h — parsing JSON that came from outside, and reading its numbers.
 *
 * cJSON accepts things our contracts do not want: "\u0000" inside strings
 * (which would silently cut a C string short), invalid UTF-8, trailing
 * garbage. cf_json_parse refuses all of them and says why.
 */
#ifndef CF_JSON_UTIL_H
#define CF_JSON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Largest integer a JSON number (an IEEE double) carries exactly: 2^53 - 1. */
#define CF_JSON_INT_MAX 9007199254740991ULL

/*
 * Parses s[0..len) (need not be NUL-terminated) of at most max_len bytes.
 * Returns the value, or NULL with a reason in err ("not valid UTF-8",
 * "invalid JSON near byte 12", "\\u0000 in a string", ...).
 */
cJSON *cf_json_parse(const char *s, size_t len, size_t max_len, char *err, size_t errlen);

/* Does the JSON text s[0..len) hold a "\u0000" escape, which cJSON would
 * decode into a NUL that cuts every C string short? */
bool cf_json_has_escaped_nul(const char *s, size_t len);

/* Is v a number holding an integer in [0, max] (max <= CF_JSON_INT_MAX)? */
bool cf_json_uint(const cJSON *v, uint64_t max, uint64_t *out);

/* Is v a string of valid UTF-8 (its decoded bytes, no NUL) of at most
 * max_len bytes? */
bool cf_json_string(const cJSON *v, size_t max_len);

#endif
