/*
 * service_entry.c — stream entries copied out of hiredis replies.
 *
 * An entry arrives as [id, [k1, v1, k2, v2, ...]]. On Redis 7.0 an entry
 * trimmed while still pending comes back as [id, nil]: it becomes an entry
 * with no fields, which the caller acknowledges and records dead. Anything
 * else malformed is skipped with a log line rather than trusted.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "service.h"

static char *dup_bytes(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void entry_clear(svc_entry *e)
{
    for (size_t i = 0; i < e->nfields; i++) {
        free((char *)e->fields[i].key);
        free((char *)e->fields[i].val);
    }
    free(e->fields);
    e->fields = NULL;
    e->nfields = 0;
}

void svc_entries_free(svc_entry *e, size_t n)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        entry_clear(&e[i]);
    free(e);
}

static int copy_fields(const redisReply *kv, svc_entry *e)
{
    if (kv == NULL || kv->type == REDIS_REPLY_NIL)
        return 0; /* trimmed while pending */
    if (kv->type != REDIS_REPLY_ARRAY || kv->elements % 2 != 0)
        return -1;
    size_t n = kv->elements / 2;
    if (n == 0)
        return 0;
    e->fields = calloc(n, sizeof *e->fields);
    if (e->fields == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const redisReply *k = kv->element[2 * i], *v = kv->element[2 * i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            return -1;
        char *ks = dup_bytes(k->str, k->len), *vs = dup_bytes(v->str, v->len);
        if (ks == NULL || vs == NULL) {
            free(ks);
            free(vs);
            return -1;
        }
        e->fields[i] = (cf_field){ks, k->len, vs, v->len};
        e->nfields = i + 1;
    }
    return 0;
}

int svc_entries_from_reply(const redisReply *list, svc_entry **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (list == NULL || list->type == REDIS_REPLY_NIL)
        return 0;
    if (list->type != REDIS_REPLY_ARRAY)
        return -1;
    if (list->elements == 0)
        return 0;
    svc_entry *es = calloc(list->elements, sizeof *es);
    if (es == NULL)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < list->elements; i++) {
        const redisReply *it = list->element[i];
        if (it->type == REDIS_REPLY_NIL)
            continue;
        if (it->type != REDIS_REPLY_ARRAY || it->elements < 1 ||
            it->element[0]->type != REDIS_REPLY_STRING ||
            it->element[0]->len >= sizeof es[k].id) {
            log_warn("skipping a stream entry of unexpected shape");
            continue;
        }
        memcpy(es[k].id, it->element[0]->str, it->element[0]->len);
        es[k].id[it->element[0]->len] = '\0';
        if (copy_fields(it->elements > 1 ? it->element[1] : NULL, &es[k]) != 0) {
            log_warn("entry %s: unreadable fields, treated as empty", es[k].id);
            entry_clear(&es[k]);
        }
        k++;
    }
    *out = es;
    *n = k;
    return (int)k;
}

const cf_field *svc_entry_field(const svc_entry *e, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < e->nfields; i++)
        if (e->fields[i].key_len == kl && memcmp(e->fields[i].key, key, kl) == 0)
            return &e->fields[i];
    return NULL;
}
