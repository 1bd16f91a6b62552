/*
 * stream_group.c — a consumer of a consumer group, and the group's chores
 * (see the header for the contract of each).
 */
#include "stream_group.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "streams.h"

int cf_group_create(cf_redis *r, const char *stream, const char *group, const char *start)
{
    redisReply *rep = cf_redis_command(r, "XGROUP CREATE %s %s %s MKSTREAM", stream, group, start);
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

int cf_group_prune_consumers(cf_redis *r, const char *stream, const char *group, const char *self,
                             long long idle_ms)
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
    return cf_dead_letter_to(r, CF_STREAM_DEAD, maxlen, reason, source_stream, entry_id, fields, n,
                             cap);
}

int cf_dead_letter_to(cf_redis *r, const char *dead_stream, long maxlen, const char *reason,
                      const char *source_stream, const char *entry_id, const cf_field *fields,
                      size_t n, size_t cap)
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
    const char *head[] = {"XADD",   dead_stream, "MAXLEN", "~",           maxlen_s, "*",
                          "reason", reason,      "source", source_stream, "entry",  entry_id};
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
            it->element[0]->type != REDIS_REPLY_STRING || it->element[0]->len >= sizeof es[k].id) {
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

/* ---------------------------------------------------------------- cursor */

void cf_consumer_init(cf_consumer *c, cf_redis *r, const char *stream, const char *group,
                      const char *name, long reclaim_idle_ms)
{
    memset(c, 0, sizeof *c);
    c->r = r;
    c->stream = stream;
    c->group = group;
    snprintf(c->name, sizeof c->name, "%s", name);
    c->reclaim_idle_ms = reclaim_idle_ms;
    snprintf(c->start, sizeof c->start, "0");
    snprintf(c->pending_cursor, sizeof c->pending_cursor, "0");
    snprintf(c->reclaim_cursor, sizeof c->reclaim_cursor, "0-0");
}

int cf_consumer_ensure_group(cf_consumer *c, const char *start)
{
    snprintf(c->start, sizeof c->start, "%s", start);
    return cf_group_create(c->r, c->stream, c->group, start);
}

/* The entry list of the only stream of an XREADGROUP reply. */
static const redisReply *read_reply_entries(const redisReply *rep)
{
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 1)
        return NULL;
    const redisReply *s = rep->element[0];
    if (s->type != REDIS_REPLY_ARRAY || s->elements != 2)
        return NULL;
    return s->element[1];
}

static int read_from(cf_consumer *c, const char *from, int count, long block_ms, cf_entry **out,
                     size_t *n)
{
    char cnt[16], blk[24];
    snprintf(cnt, sizeof cnt, "%d", count);
    snprintf(blk, sizeof blk, "%ld", block_ms);
    const char *argv[] = {"XREADGROUP", "GROUP", c->group,  c->name,   "COUNT", cnt,
                          "BLOCK",      blk,     "STREAMS", c->stream, from};
    const char **a = argv;
    int argc = 11;
    const char *noblock[] = {"XREADGROUP", "GROUP",   c->group,  c->name, "COUNT",
                             cnt,          "STREAMS", c->stream, from};
    if (block_ms <= 0) {
        a = noblock;
        argc = 9;
    }
    redisReply *rep = cf_redis_argv(c->r, argc, a, NULL);
    if (rep == NULL) {
        log_warn("XREADGROUP %s: %s", c->stream, cf_redis_error(c->r));
        return -1;
    }
    int rc = 0;
    if (rep->type == REDIS_REPLY_ERROR) {
        log_warn("XREADGROUP %s: %s", c->stream, rep->str);
        /* The stream or group vanished (FLUSHALL, DEL): make them again. */
        if (strncmp(rep->str, "NOGROUP", 7) == 0)
            (void)cf_group_create(c->r, c->stream, c->group, c->start);
        rc = -1;
    } else if (rep->type != REDIS_REPLY_NIL) {
        rc = cf_entries_from_reply(read_reply_entries(rep), out, n);
    }
    freeReplyObject(rep);
    return rc;
}

int cf_consumer_read(cf_consumer *c, int count, long block_ms, cf_entry **out, size_t *n,
                     bool *fresh)
{
    *out = NULL;
    *n = 0;
    if (c->pending_cursor[0] != '\0') {
        *fresh = false;
        int rc = read_from(c, c->pending_cursor, count, 0, out, n);
        if (rc < 0)
            return -1;
        if (*n == 0)
            c->pending_cursor[0] = '\0'; /* from now on, only new entries */
        else
            snprintf(c->pending_cursor, sizeof c->pending_cursor, "%s", (*out)[*n - 1].id);
        return rc;
    }
    *fresh = true;
    return read_from(c, ">", count, block_ms, out, n);
}

int cf_consumer_reclaim(cf_consumer *c, int count, cf_entry **out, size_t *n, char ***gone,
                        size_t *ngone)
{
    *out = NULL;
    *n = 0;
    *gone = NULL;
    *ngone = 0;
    redisReply *rep =
        cf_redis_command(c->r, "XAUTOCLAIM %s %s %s %ld %s COUNT %d", c->stream, c->group, c->name,
                         c->reclaim_idle_ms, c->reclaim_cursor, count);
    if (rep == NULL) {
        log_warn("XAUTOCLAIM %s: %s", c->stream, cf_redis_error(c->r));
        return -1;
    }
    int rc = -1;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements >= 2 &&
        rep->element[0]->type == REDIS_REPLY_STRING) {
        snprintf(c->reclaim_cursor, sizeof c->reclaim_cursor, "%s", rep->element[0]->str);
        rc = cf_entries_from_reply(rep->element[1], out, n);
        /* Redis >= 7: ids of pending entries that no longer exist, already
         * removed from the PEL by XAUTOCLAIM itself. */
        if (rc >= 0 && rep->elements >= 3 && rep->element[2]->type == REDIS_REPLY_ARRAY &&
            rep->element[2]->elements > 0) {
            const redisReply *g = rep->element[2];
            *gone = calloc(g->elements, sizeof **gone);
            for (size_t i = 0; *gone != NULL && i < g->elements; i++)
                if (g->element[i]->type == REDIS_REPLY_STRING &&
                    ((*gone)[*ngone] = strdup(g->element[i]->str)) != NULL)
                    (*ngone)++;
        }
    } else if (rep->type == REDIS_REPLY_ERROR) {
        log_warn("XAUTOCLAIM %s: %s", c->stream, rep->str);
    }
    freeReplyObject(rep);
    return rc;
}

int cf_consumer_renew(cf_consumer *c, const char *const *ids, size_t n)
{
    if (n == 0)
        return 0;
    size_t argc = 6 + n;
    const char **argv = calloc(argc, sizeof *argv);
    if (argv == NULL)
        return -1;
    argv[0] = "XCLAIM";
    argv[1] = c->stream;
    argv[2] = c->group;
    argv[3] = c->name;
    argv[4] = "0";
    for (size_t i = 0; i < n; i++)
        argv[5 + i] = ids[i];
    argv[5 + n] = "JUSTID";
    redisReply *rep = cf_redis_argv(c->r, (int)argc, argv, NULL);
    free(argv);
    if (rep == NULL) {
        log_warn("XCLAIM renew %s: %s", c->stream, cf_redis_error(c->r));
        return -1;
    }
    int rc = rep->type == REDIS_REPLY_ERROR ? -1 : 0;
    if (rc)
        log_warn("XCLAIM renew %s: %s", c->stream, rep->str);
    freeReplyObject(rep);
    return rc;
}

/* There is no "unclaim" in Redis: the entry's idle time is set to
 * reclaim_idle_ms (no delivery counted), so any consumer's next XAUTOCLAIM
 * takes it at once instead of after the idle time. */
int cf_consumer_handback(cf_consumer *c, const char *id)
{
    redisReply *rep = cf_redis_command(c->r, "XCLAIM %s %s %s 0 %s IDLE %ld JUSTID", c->stream,
                                       c->group, c->name, id, c->reclaim_idle_ms);
    if (rep == NULL)
        return -1;
    int rc = rep->type == REDIS_REPLY_ARRAY ? 0 : -1;
    freeReplyObject(rep);
    return rc;
}

long cf_consumer_deliveries(cf_consumer *c, const char *id)
{
    redisReply *rep = cf_redis_command(c->r, "XPENDING %s %s %s %s 1", c->stream, c->group, id, id);
    if (rep == NULL)
        return -1;
    long n = -1;
    if (rep->type == REDIS_REPLY_ARRAY) {
        n = 0;
        if (rep->elements == 1 && rep->element[0]->type == REDIS_REPLY_ARRAY &&
            rep->element[0]->elements == 4 &&
            rep->element[0]->element[3]->type == REDIS_REPLY_INTEGER)
            n = (long)rep->element[0]->element[3]->integer;
    }
    freeReplyObject(rep);
    return n;
}

int cf_consumer_ack(cf_consumer *c, const char *id)
{
    redisReply *rep = cf_redis_command(c->r, "XACK %s %s %s", c->stream, c->group, id);
    if (rep == NULL) {
        log_warn("XACK %s %s: %s", c->stream, id, cf_redis_error(c->r));
        return -1;
    }
    int rc = rep->type == REDIS_REPLY_INTEGER ? 0 : -1;
    freeReplyObject(rep);
    return rc;
}

int cf_consumer_ack_many(cf_consumer *c, const char *const *ids, size_t n)
{
    if (n == 0)
        return 0;
    const char **argv = malloc((n + 3) * sizeof *argv);
    if (argv == NULL) {
        log_warn("XACK %s: out of memory", c->stream);
        return -1;
    }
    argv[0] = "XACK";
    argv[1] = c->stream;
    argv[2] = c->group;
    for (size_t i = 0; i < n; i++)
        argv[3 + i] = ids[i];
    redisReply *rep = cf_redis_argv(c->r, (int)(n + 3), argv, NULL);
    free(argv);
    if (rep == NULL) {
        log_warn("XACK %s (%zu ids): %s", c->stream, n, cf_redis_error(c->r));
        return -1;
    }
    int rc = rep->type == REDIS_REPLY_INTEGER ? 0 : -1;
    freeReplyObject(rep);
    return rc;
}

/* Parses "ms-seq" into a comparable pair. */
static int id_parse(const char *s, uint64_t *ms, uint64_t *seq)
{
    return sscanf(s, "%" SCNu64 "-%" SCNu64, ms, seq) == 2 ? 0 : -1;
}

static void keep_lowest(const char *id, uint64_t *lms, uint64_t *lseq)
{
    uint64_t ms, seq;
    if (id_parse(id, &ms, &seq) == 0 && (ms < *lms || (ms == *lms && seq < *lseq))) {
        *lms = ms;
        *lseq = seq;
    }
}

static const redisReply *info_value(const redisReply *info, const char *key)
{
    for (size_t i = 0; i + 1 < info->elements; i += 2)
        if (info->element[i]->type == REDIS_REPLY_STRING &&
            strcmp(info->element[i]->str, key) == 0 &&
            info->element[i + 1]->type == REDIS_REPLY_STRING)
            return info->element[i + 1];
    return NULL;
}

/*
 * Trimming a stream whose entries are still pending deletes them on Redis
 * 7.0 (they come back empty). So a stream is trimmed only below the oldest
 * pending entry and below what every group has delivered: MINID ~ that id.
 */
int cf_consumer_trim(cf_consumer *c)
{
    uint64_t lms = UINT64_MAX, lseq = UINT64_MAX;
    redisReply *rep = cf_redis_command(c->r, "XINFO GROUPS %s", c->stream);
    if (rep == NULL || rep->type != REDIS_REPLY_ARRAY) {
        if (rep)
            freeReplyObject(rep);
        return -1;
    }
    for (size_t g = 0; g < rep->elements; g++) {
        const redisReply *info = rep->element[g];
        if (info->type != REDIS_REPLY_ARRAY)
            continue;
        const redisReply *last = info_value(info, "last-delivered-id");
        if (last != NULL)
            keep_lowest(last->str, &lms, &lseq);
        const redisReply *name = info_value(info, "name");
        if (name == NULL)
            continue;
        redisReply *p = cf_redis_command(c->r, "XPENDING %s %s", c->stream, name->str);
        if (p != NULL && p->type == REDIS_REPLY_ARRAY && p->elements >= 2 &&
            p->element[1]->type == REDIS_REPLY_STRING)
            keep_lowest(p->element[1]->str, &lms, &lseq);
        if (p)
            freeReplyObject(p);
    }
    freeReplyObject(rep);
    if (lms == UINT64_MAX || (lms == 0 && lseq == 0))
        return 0;
    char minid[64];
    snprintf(minid, sizeof minid, "%" PRIu64 "-%" PRIu64, lms, lseq);
    redisReply *t = cf_redis_command(c->r, "XTRIM %s MINID ~ %s", c->stream, minid);
    int rc = (t != NULL && t->type == REDIS_REPLY_INTEGER) ? 0 : -1;
    if (t != NULL && t->type == REDIS_REPLY_INTEGER && t->integer > 0)
        log_debug("trimmed %lld entries of %s below %s", t->integer, c->stream, minid);
    if (t)
        freeReplyObject(t);
    return rc;
}

/* ------------------------------------------------------------ waiting */

/* What c's group has handed out on its stream (last-delivered-id), in id;
 * -1 when the stream or the group is gone or Redis is away. */
static int group_last_delivered(cf_consumer *c, char *id, size_t idlen)
{
    redisReply *rep = cf_redis_command(c->r, "XINFO GROUPS %s", c->stream);
    int rc = -1;
    if (rep != NULL && rep->type == REDIS_REPLY_ARRAY) {
        for (size_t g = 0; g < rep->elements && rc < 0; g++) {
            const redisReply *info = rep->element[g];
            if (info->type != REDIS_REPLY_ARRAY)
                continue;
            const redisReply *name = info_value(info, "name");
            const redisReply *last = info_value(info, "last-delivered-id");
            if (name != NULL && last != NULL && strcmp(name->str, c->group) == 0 &&
                strlen(last->str) < idlen) {
                snprintf(id, idlen, "%s", last->str);
                rc = 0;
            }
        }
    }
    if (rep != NULL)
        freeReplyObject(rep);
    return rc;
}

int cf_consumers_wait(cf_consumer *const *cs, size_t n, long block_ms)
{
    enum { MAX_WAIT = 8 };
    char ids[MAX_WAIT][64], blk[24];
    const char *argv[6 + 2 * MAX_WAIT];
    int argc = 0;

    if (n == 0 || n > MAX_WAIT)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (cs[i]->r != cs[0]->r)
            return -1; /* one XREAD: one connection */
        if (cs[i]->pending_cursor[0] != '\0')
            return 1; /* its own pending entries are still to be read */
        if (group_last_delivered(cs[i], ids[i], sizeof ids[i]) != 0)
            return -1;
    }
    snprintf(blk, sizeof blk, "%ld", block_ms > 0 ? block_ms : 1);
    argv[argc++] = "XREAD";
    argv[argc++] = "COUNT";
    argv[argc++] = "1";
    argv[argc++] = "BLOCK";
    argv[argc++] = blk;
    argv[argc++] = "STREAMS";
    for (size_t i = 0; i < n; i++)
        argv[argc++] = cs[i]->stream;
    for (size_t i = 0; i < n; i++)
        argv[argc++] = ids[i];
    redisReply *rep = cf_redis_argv(cs[0]->r, argc, argv, NULL);
    if (rep == NULL) {
        log_warn("XREAD %s: %s", cs[0]->stream, cf_redis_error(cs[0]->r));
        return -1;
    }
    int rc = rep->type == REDIS_REPLY_NIL ? 0 : rep->type == REDIS_REPLY_ARRAY ? 1 : -1;
    if (rc < 0)
        log_warn("XREAD %s: %s", cs[0]->stream,
                 rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
    freeReplyObject(rep);
    return rc;
}

/* ----------------------------------------------------------------- adding */

int cf_stream_add(cf_redis *r, const char *stream, long maxlen, const cf_fields_out *f)
{
    const char *argv[6 + 2 * CF_FIELDS_OUT_MAX];
    size_t lens[6 + 2 * CF_FIELDS_OUT_MAX];
    char ml[32];
    int argc = 0;
    argv[argc++] = "XADD";
    argv[argc++] = stream;
    if (maxlen > 0) {
        snprintf(ml, sizeof ml, "%ld", maxlen);
        argv[argc++] = "MAXLEN";
        argv[argc++] = "~";
        argv[argc++] = ml;
    }
    argv[argc++] = "*";
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    for (int i = 0; i < f->n; i++) {
        argv[argc] = f->key[i];
        lens[argc++] = strlen(f->key[i]);
        argv[argc] = f->val[i];
        lens[argc++] = f->val_len[i];
    }
    redisReply *rep = cf_redis_argv(r, argc, argv, lens);
    if (rep == NULL) {
        log_error("XADD %s: %s", stream, cf_redis_error(r));
        return -1;
    }
    int rc = 0;
    if (rep->type == REDIS_REPLY_ERROR) {
        log_error("XADD %s: %s", stream, rep->str);
        rc = -1;
    }
    freeReplyObject(rep);
    return rc;
}
