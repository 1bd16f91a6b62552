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
