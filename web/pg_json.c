/*
 * pg_json.c — PostgreSQL values into JSON fields.
 *
 * libpq hands every value over as text. A number column goes out as the
 * number PostgreSQL wrote, digit for digit, and SQL NULL as JSON null, so
 * every view turns a row into an object the same way.
 */
#include <stdlib.h>

#include "web.h"

/* v is an integer as PostgreSQL writes one, of at most 17 digits: it goes
 * out as written, since cJSON prints doubles with 15 significant digits,
 * which would round a 16-digit seed. */
static bool integer_text(const char *v)
{
    size_t i = v[0] == '-' ? 1 : 0;
    while (v[i] >= '0' && v[i] <= '9')
        i++;
    return v[i] == '\0' && i > (v[0] == '-' ? 1u : 0u) && i <= 17;
}

void json_add_pg_num(cJSON *o, const char *key, PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col)) {
        cJSON_AddNullToObject(o, key);
        return;
    }
    const char *v = PQgetvalue(res, row, col);
    if (integer_text(v))
        cJSON_AddRawToObject(o, key, v);
    else
        cJSON_AddNumberToObject(o, key, strtod(v, NULL));
}

void json_add_pg_str(cJSON *o, const char *key, PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        cJSON_AddNullToObject(o, key);
    else
        cJSON_AddStringToObject(o, key, PQgetvalue(res, row, col));
}

void json_add_pg_bool(cJSON *o, const char *key, PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        cJSON_AddNullToObject(o, key);
    else
        cJSON_AddBoolToObject(o, key, PQgetvalue(res, row, col)[0] == 't');
}

/* The same fields written as text (json_buf.c), byte for byte as the
 * json_add_pg_* fields above print. */

void jb_pg_num(json_buf *b, const char *key, PGresult *res, int row, int col)
{
    jb_key(b, key);
    if (PQgetisnull(res, row, col)) {
        jb_null(b);
        return;
    }
    const char *v = PQgetvalue(res, row, col);
    if (integer_text(v))
        jb_value_raw(b, v);
    else
        jb_number(b, strtod(v, NULL));
}

void jb_pg_str(json_buf *b, const char *key, PGresult *res, int row, int col)
{
    jb_key(b, key);
    if (PQgetisnull(res, row, col))
        jb_null(b);
    else
        jb_str(b, PQgetvalue(res, row, col));
}

void jb_pg_bool(json_buf *b, const char *key, PGresult *res, int row, int col)
{
    jb_key(b, key);
    if (PQgetisnull(res, row, col))
        jb_null(b);
    else
        jb_bool(b, PQgetvalue(res, row, col)[0] == 't');
}
