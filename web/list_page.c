/*
 * list_page.c — a page of a list (fights, arcade games): how many rows
 * match, counted only so far, and the page as the API answers it.
 *
 * Counting every matching row for each page costs more than the page once
 * a table is large, so a count stops LIST_COUNT_PAGES pages past the
 * page's first row: exact below that, a lower bound ("10 pages or more")
 * above, which is all a pager shows.
 */
#include <stdio.h>
#include <stdlib.h>

#include "web.h"

#define LIST_COUNT_PAGES 10

long long list_count_cap(long long offset, int per_page, char cap[24])
{
    long long bound = offset + (long long)LIST_COUNT_PAGES * per_page;
    snprintf(cap, 24, "%lld", bound + 1);
    return bound;
}

void list_count_set(long long counted, long long offset, int per_page, long long bound,
                    web_list_count *c)
{
    c->exact = counted <= bound;
    c->total = c->exact ? counted : bound;
    c->has_more = counted > offset + per_page;
}

int list_count_of(PGresult *res, long long offset, int per_page, long long bound, web_list_count *c)
{
    if (res == NULL)
        return -1;
    long long counted = PQntuples(res) == 1 ? atoll(PQgetvalue(res, 0, 0)) : 0;
    PQclear(res);
    list_count_set(counted, offset, per_page, bound, c);
    return 0;
}

cJSON *list_page_json(const char *key, cJSON *rows, int page, int per_page, const web_list_count *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, key, rows);
    cJSON_AddNumberToObject(o, "page", page);
    cJSON_AddNumberToObject(o, "per_page", per_page);
    cJSON_AddNumberToObject(o, "total", (double)c->total);
    cJSON_AddBoolToObject(o, "total_exact", c->exact);
    cJSON_AddBoolToObject(o, "has_more", c->has_more);
    return o;
}

void list_page_text_end(json_buf *b, int page, int per_page, const web_list_count *c)
{
    jb_key(b, "page");
    jb_int(b, page);
    jb_key(b, "per_page");
    jb_int(b, per_page);
    jb_key(b, "total");
    jb_int(b, c->total);
    jb_key(b, "total_exact");
    jb_bool(b, c->exact);
    jb_key(b, "has_more");
    jb_bool(b, c->has_more);
    jb_close(b, '}');
}
