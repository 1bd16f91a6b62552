/*
 * stream_fields.h — the fields of one stream entry, and reading them safely.
 *
 * An entry is a list of key/value pairs as Redis returns them (neither is
 * NUL-terminated, a key may come twice). Every decoder of an entry
 * (fight_entry.c, result_entry.c, ...) reads it through these, so a field
 * given twice, a value that is not UTF-8 or an id that is not a UUID is
 * refused the same way everywhere, with the field's name in the reason.
 */
#ifndef CF_STREAM_FIELDS_H
#define CF_STREAM_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

typedef struct cf_field {
    const char *key;
    size_t key_len;
    const char *val;
    size_t val_len;
} cf_field;

/* Is f's key name? */
bool cf_field_is(const cf_field *f, const char *name);

/* The field called name in *out (NULL when absent); -1 with a reason when
 * it is given twice or has no value. */
int cf_field_find(const cf_field *fields, size_t n, const char *name, const cf_field **out,
                  char *err, size_t errlen);

/* A present field holding a UUID, copied in lower case (PostgreSQL prints
 * uuids so: one spelling everywhere). */
int cf_field_uuid(const cf_field *f, const char *name, char out[CF_UUID_LEN + 1], char *err,
                  size_t errlen);

/* A stream entry id ("ms-seq", each 1 to 20 digits) as a field value. */
#define CF_STREAM_ENTRY_ID_MAX 41

/* A present field holding a stream entry id. */
int cf_field_entry_id(const cf_field *f, const char *name, char out[CF_STREAM_ENTRY_ID_MAX + 1],
                      char *err, size_t errlen);

/* A present field holding a decimal integer in 0..max. */
int cf_field_uint(const cf_field *f, const char *name, uint64_t max, uint64_t *out, char *err,
                  size_t errlen);

/* A present field holding one of the words of the NULL-terminated list;
 * *which is its index. */
int cf_field_word(const cf_field *f, const char *name, const char *const *words, int *which,
                  char *err, size_t errlen);

/*
 * Building an entry: the fields in order, as XADD takes them. Values are
 * copies owned by the list (cf_fields_out_free). A failed allocation is
 * remembered and reported once, by cf_fields_out_ok.
 */
#define CF_FIELDS_OUT_MAX 16
typedef struct cf_fields_out {
    int n;
    bool oom;
    char *own_keys[CF_FIELDS_OUT_MAX]; /* keys copied by cf_fields_from_json */
    const char *key[CF_FIELDS_OUT_MAX];
    char *val[CF_FIELDS_OUT_MAX];
    size_t val_len[CF_FIELDS_OUT_MAX];
} cf_fields_out;

void cf_fields_out_add(cf_fields_out *o, const char *key, const char *val, size_t len);
void cf_fields_out_add_str(cf_fields_out *o, const char *key, const char *val);
void cf_fields_out_add_uint(cf_fields_out *o, const char *key, uint64_t val);
/* Takes a malloc'd value (frees it on failure). */
void cf_fields_out_take(cf_fields_out *o, const char *key, char *val);
bool cf_fields_out_ok(const cf_fields_out *o);
void cf_fields_out_free(cf_fields_out *o);

/*
 * An entry's fields kept as one JSON object (the web's outbox holds a
 * fight's entry so until it is sent, and the reconciler sends it again):
 * each member a field, strings as they are, other values as compact JSON,
 * null members left out (an optional field with no value). The keys are
 * copied into the list. 0, or -1 when the text is not such an object or
 * memory ran out.
 */
int cf_fields_from_json(const char *json, cf_fields_out *out);
/* The other way: the fields as such an object (malloc'd JSON text; NULL
 * when memory ran out). */
char *cf_fields_to_json(const cf_fields_out *f);

#endif
