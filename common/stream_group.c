/*
 * stream_group.c — consumer-group chores of both consumers (see the header
 * for the contract of each).
 */
#include "stream_group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int cf_group_create(cf_redis *r, const char *stream, const char *group, const char *start)
{
    redisReply *rep =
        cf_redis_command(r, "XGROUP CREATE %s %s %s MKSTREAM", stream, group, start);
    if (rep == NULL) {
        log_error("XGROUP CREATE %s %s: %s", stream, group, cf_redis_error(r));
        return -1;
    }
    int rc = 0;
    if (rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "BUSYGROUP", 9) != 0) {
        log_error("XGROUP CREATE %s %s: %s", stream, group, rep->str);
        rc = -1;
    }
    freeReplyObject(rep);
    return rc;
}

/* name, pending and idle of one XINFO CONSUMERS item; -1 when it names nobody. */
static int consumer_info(const redisReply *info, const char **name, long long *pending,
                         long long *idle)
{
    *name = NULL;
    *pending = -1;
    *idle = -1;
    if (info->type != REDIS_REPLY_ARRAY)
        return -1;
    for (size_t i = 0; i + 1 < info->elements; i += 2) {
        const redisReply *k = info->element[i], *v = info->element[i + 1];
        if (k->type != REDIS_REPLY_STRING)
            continue;
        if (strcmp(k->str, "name") == 0 && v->type == REDIS_REPLY_STRING)
            *name = v->str;
        else if (strcmp(k->str, "pending") == 0 && v->type == REDIS_REPLY_INTEGER)
            *pending = v->integer;
        else if (strcmp(k->str, "idle") == 0 && v->type == REDIS_REPLY_INTEGER)
            *idle = v->integer;
    }
    return *name != NULL ? 0 : -1;
}

int cf_group_prune_consumers(cf_redis *r, const char *stream, const char *group,
                             const char *self, long long idle_ms)
{
    redisReply *rep = cf_redis_command(r, "XINFO CONSUMERS %s %s", stream, group);
    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
        if (rep)
            freeReplyObject(rep);
        return -1;
    }
    int n = 0;
    for (size_t c = 0; c < rep->elements; c++) {
        const char *name;
        long long pending, idle;
        if (consumer_info(rep->element[c], &name, &pending, &idle) != 0 || pending != 0 ||
            idle < idle_ms || strcmp(name, self) == 0)
            continue;
        redisReply *d = cf_redis_command(r, "XGROUP DELCONSUMER %s %s %s", stream, group, name);
        if (d != NULL && d->type == REDIS_REPLY_INTEGER) {
            log_info("removed idle consumer %s from group %s", name, group);
            n++;
        }
        if (d)
            freeReplyObject(d);
    }
    freeReplyObject(rep);
    return n;
}

int cf_dead_letter(cf_redis *r, long maxlen, const char *reason, const char *source_stream,
                   const char *entry_id, const cf_field *fields, size_t n, size_t cap)
{
    size_t argc = 12 + 2 * n;
    const char **argv = calloc(argc, sizeof *argv);
    size_t *lens = calloc(argc, sizeof *lens);
    if (argv == NULL || lens == NULL) {
        free(argv);
        free(lens);
        return -1;
    }
    char maxlen_s[32];
    snprintf(maxlen_s, sizeof maxlen_s, "%ld", maxlen);
    const char *head[] = {"XADD",   CF_STREAM_DEAD, "MAXLEN", "~",           maxlen_s, "*",
                          "reason", reason,         "source", source_stream, "entry",  entry_id};
    for (size_t i = 0; i < 12; i++) {
        argv[i] = head[i];
        lens[i] = strlen(head[i]);
    }
    for (size_t i = 0; i < n; i++) {
        argv[12 + 2 * i] = fields[i].key;
        lens[12 + 2 * i] = fields[i].key_len < cap ? fields[i].key_len : cap;
        argv[13 + 2 * i] = fields[i].val;
        lens[13 + 2 * i] = fields[i].val_len < cap ? fields[i].val_len : cap;
    }
    redisReply *rep = cf_redis_argv(r, (int)argc, argv, lens);
    free(argv);
    free(lens);
    if (rep == NULL) {
        log_error("XADD %s: %s", CF_STREAM_DEAD, cf_redis_error(r));
        return -1;
    }
    int rc = 0;
    if (rep->type == REDIS_REPLY_ERROR) {
        log_error("XADD %s: %s", CF_STREAM_DEAD, rep->str);
        rc = -1;
    }
    freeReplyObject(rep);
    return rc;
}

void cf_consumer_name(char *out, size_t outlen, const char *configured)
{
    if (configured[0] != '\0') {
        snprintf(out, outlen, "%s", configured);
        return;
    }
    char host[64] = "host";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "host");
    host[sizeof host - 1] = '\0';
    snprintf(out, outlen, "%s-%d", host, (int)getpid());
}

static char *dup_bytes(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void entry_clear(cf_entry *e)
{
    for (size_t i = 0; i < e->nfields; i++) {
        free((char *)e->fields[i].key);
        free((char *)e->fields[i].val);
    }
    free(e->fields);
    e->fields = NULL;
    e->nfields = 0;
}

void cf_entries_free(cf_entry *e, size_t n)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        entry_clear(&e[i]);
    free(e);
}

static int copy_fields(const redisReply *kv, cf_entry *e)
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

int cf_entries_from_reply(const redisReply *list, cf_entry **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (list == NULL || list->type == REDIS_REPLY_NIL)
        return 0;
    if (list->type != REDIS_REPLY_ARRAY)
        return -1;
    if (list->elements == 0)
        return 0;
    cf_entry *es = calloc(list->elements, sizeof *es);
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

const cf_field *cf_entry_field(const cf_entry *e, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < e->nfields; i++)
        if (e->fields[i].key_len == kl && memcmp(e->fields[i].key, key, kl) == 0)
            return &e->fields[i];
    return NULL;
}
