/*
 * admin_dead.c — the dead letters in the operator console: the entries of
 * cf:fights:dead and cf:plays:dead (docs/streams.md, "Dead letters"),
 * listed with their reason, requeued (fixed or not) or discarded.
 *
 * A dead entry is text someone else wrote (a simulator's copy of a bad
 * entry, or anyone with redis-cli): nothing in it is trusted. The list
 * shows its values as UTF-8 (invalid bytes replaced) and cut; a requeue
 * takes the entry's own fields of the stream's contract (reason, source
 * and entry are the dead letter's, anything else is dropped), lays the
 * operator's fixes over them, and decodes the result with the very
 * function the simulator uses (fight_entry.h, play_entry.h): an entry it
 * refuses is refused here, 422 with the reason, and stays dead. What only
 * the simulator can judge (the game's rules) sends it dead again, with its
 * reason. A fight or play whose row failed for this entry is put back to
 * queued in the same transaction that records the action, so its new
 * result is stored; then the entry goes to its stream (XADD) and leaves the
 * dead one (XDEL).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fight_entry.h"
#include "log.h"
#include "play_entry.h"
#include "stream_group.h"
#include "web.h"

#define DEAD_LIST_MAX 100
#define DEAD_SHOW_MAX 4096 /* bytes of a value the list shows */
#define DEAD_FIELDS_MAX 8

struct admin_dead_kind {
    const char *name; /* in the URL: fights, plays */
    bool fight;
    const char *dead;                          /* cf:fights:dead */
    const char *source;                        /* cf:fights */
    const char *const fields[DEAD_FIELDS_MAX]; /* the contract's fields */
};
typedef admin_dead_kind dead_kind;

static const dead_kind kinds[] = {
    {"fights",
     true,
     CF_STREAM_DEAD,
     CF_STREAM_FIGHTS,
     {"id", "game", "players", "settings", "seed"}},
    {"plays",
     false,
     CF_STREAM_PLAYS_DEAD,
     CF_STREAM_PLAYS,
     {"id", "title", "code", "bundle", "seconds"}},
};

const admin_dead_kind *admin_dead_kind_named(const char *name)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].name, name) == 0)
            return &kinds[i];
    return NULL;
}

static bool contract_field(const dead_kind *k, const char *key)
{
    for (int i = 0; i < DEAD_FIELDS_MAX && k->fields[i] != NULL; i++)
        if (strcmp(k->fields[i], key) == 0)
            return true;
    return false;
}

/* "ms-seq", digits only: the form XADD gives ids. */
bool admin_dead_entry_id_valid(const char *id)
{
    size_t n = strlen(id), dash = 0, digits = 0;
    if (n == 0 || n > 41)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (id[i] == '-' && dash == 0 && digits > 0 && digits <= 20) {
            dash = i;
            digits = 0;
        } else if (isdigit((unsigned char)id[i])) {
            digits++;
        } else {
            return false;
        }
    }
    return dash > 0 && digits > 0 && digits <= 20;
}

/* ---- the list ---- */

/* A value of a stream entry as JSON text: valid UTF-8, at most
 * DEAD_SHOW_MAX bytes (*cut set when it was longer). */
static cJSON *shown_value(const char *v, size_t len, bool *cut)
{
    *cut = len > DEAD_SHOW_MAX;
    size_t n = *cut ? DEAD_SHOW_MAX : len;
    char *clean = malloc(3 * n + 1);
    if (clean == NULL)
        return NULL;
    cf_utf8_sanitize(clean, v, n);
    cJSON *s = cJSON_CreateString(clean);
    free(clean);
    return s;
}

/* The id's time as the API writes times (api_time), or "". */
static void entry_time(const char *entry_id, char out[32])
{
    time_t secs = (time_t)(strtoll(entry_id, NULL, 10) / 1000);
    struct tm tm;
    out[0] = '\0';
    if (gmtime_r(&secs, &tm) != NULL)
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static cJSON *dead_item(const dead_kind *k, const cf_entry *e)
{
    cJSON *o = cJSON_CreateObject(), *fields = cJSON_CreateObject(), *cut = cJSON_CreateArray();
    if (o == NULL || fields == NULL || cut == NULL) {
        cJSON_Delete(o);
        cJSON_Delete(fields);
        cJSON_Delete(cut);
        return NULL;
    }
    char at[32];
    entry_time(e->id, at);
    cJSON_AddStringToObject(o, "stream", k->name);
    cJSON_AddStringToObject(o, "entry_id", e->id);
    cJSON_AddStringToObject(o, "at", at);
    for (const char *meta[] = {"reason", "source", "entry", NULL}, **m = meta; *m != NULL; m++) {
        const cf_field *f = cf_entry_field(e, *m);
        bool c;
        cJSON *v = f != NULL ? shown_value(f->val, f->val_len, &c) : cJSON_CreateNull();
        cJSON_AddItemToObject(o, *m, v);
    }
    for (size_t i = 0; i < e->nfields; i++) {
        const cf_field *f = &e->fields[i];
        if (cf_field_is(f, "reason") || cf_field_is(f, "source") || cf_field_is(f, "entry"))
            continue;
        bool c;
        char key[65];
        size_t kn = f->key_len < 64 ? f->key_len : 64;
        cJSON *name = shown_value(f->key, kn, &c);
        if (name == NULL)
            continue;
        snprintf(key, sizeof key, "%s", name->valuestring);
        cJSON_Delete(name);
        cJSON *v = shown_value(f->val, f->val_len, &c);
        if (v == NULL || cJSON_HasObjectItem(fields, key)) {
            cJSON_Delete(v); /* a key twice: the first one shown */
            continue;
        }
        cJSON_AddItemToObject(fields, key, v);
        if (c)
            cJSON_AddItemToArray(cut, cJSON_CreateString(key));
    }
    cJSON_AddItemToObject(o, "fields", fields);
    cJSON_AddItemToObject(o, "truncated", cut);
    return o;
}

/* XREVRANGE of one dead stream, newest first, into items; -1 when Redis
 * failed. */
static int list_one(web_req *r, const dead_kind *k, cJSON *items)
{
    redisReply *rep =
        cf_redis_command(r->t->redis, "XREVRANGE %s + - COUNT %d", k->dead, DEAD_LIST_MAX);
    cf_entry *es = NULL;
    size_t n = 0;
    int rc =
        rep != NULL && rep->type == REDIS_REPLY_ARRAY ? cf_entries_from_reply(rep, &es, &n) : -1;
    if (rep != NULL)
        freeReplyObject(rep);
    if (rc < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(items, dead_item(k, &es[i]));
    cf_entries_free(es, n);
    return 0;
}

cJSON *admin_dead_list(web_req *r, const admin_dead_kind *only)
{
    cJSON *items = cJSON_CreateArray();
    for (size_t i = 0; items != NULL && i < sizeof kinds / sizeof kinds[0]; i++) {
        if (only != NULL && only != &kinds[i])
            continue;
        if (list_one(r, &kinds[i], items) != 0) {
            cJSON_Delete(items);
            return NULL;
        }
    }
    return items;
}

/* ---- one dead entry ---- */

/* The dead entry (XRANGE id id) into *e: 1 found, 0 not, -1 Redis. */
static int read_dead(web_req *r, const dead_kind *k, const char *entry_id, cf_entry **es, size_t *n)
{
    redisReply *rep = cf_redis_command(r->t->redis, "XRANGE %s %s %s", k->dead, entry_id, entry_id);
    int rc = rep != NULL && rep->type == REDIS_REPLY_ARRAY ? cf_entries_from_reply(rep, es, n) : -1;
    if (rep != NULL)
        freeReplyObject(rep);
    if (rc < 0)
        return -1;
    return *n == 1 ? 1 : 0;
}

/* Answers 404 or 503 unless the dead entry is there. */
static cf_entry *dead_or_answer(web_req *r, const dead_kind *k, const char *entry_id, size_t *n)
{
    cf_entry *es = NULL;
    int found = read_dead(r, k, entry_id, &es, n);
    if (found == 1)
        return es;
    cf_entries_free(es, *n);
    if (found < 0)
        http_error(r, 503, "Redis cannot be reached; try again in a moment");
    else
        http_error(r, 404, "no such dead letter");
    return NULL;
}

static int xdel(web_req *r, const dead_kind *k, const char *entry_id)
{
    redisReply *rep = cf_redis_command(r->t->redis, "XDEL %s %s", k->dead, entry_id);
    int rc = rep != NULL && rep->type == REDIS_REPLY_INTEGER ? 0 : -1;
    if (rep != NULL)
        freeReplyObject(rep);
    return rc;
}

static cJSON *reason_detail(const cf_entry *e)
{
    cJSON *d = cJSON_CreateObject();
    const cf_field *reason = cf_entry_field(e, "reason");
    bool cut;
    if (d != NULL && reason != NULL)
        cJSON_AddItemToObject(d, "reason", shown_value(reason->val, reason->val_len, &cut));
    return d;
}

void admin_dead_discard(web_req *r, const admin_dead_kind *k, const char *entry_id)
{
    size_t n = 0;
    cf_entry *es = dead_or_answer(r, k, entry_id, &n);
    if (es == NULL)
        return;
    char target[128];
    snprintf(target, sizeof target, "%s/%s", k->name, entry_id);
    cJSON *detail = reason_detail(&es[0]);
    cf_entries_free(es, n);
    if (xdel(r, k, entry_id) != 0) {
        cJSON_Delete(detail);
        http_error(r, 503, "Redis cannot be reached; try again in a moment");
        return;
    }
    (void)operator_log(r, "dead_letter.discard", target, detail);
    cJSON_Delete(detail);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "stream", k->name);
    cJSON_AddStringToObject(o, "entry_id", entry_id);
    cJSON_AddBoolToObject(o, "discarded", true);
    http_json(r, 200, o);
}

/* ---- requeue ---- */

/* The entry to send again: the dead entry's contract fields, then the
 * operator's fixes over them (a string sets a field, null removes it). */
typedef struct requeue {
    const dead_kind *k;
    cf_field f[DEAD_FIELDS_MAX];
    size_t n;
    char id[CF_UUID_LEN + 1]; /* the fight's or play's id, "" when it has none */
    cf_fields_out out;        /* the decoded entry, encoded again */
} requeue;

static void set_field(requeue *q, const char *key, const char *val, size_t len)
{
    for (size_t i = 0; i < q->n; i++)
        if (cf_field_is(&q->f[i], key)) {
            q->f[i].val = val;
            q->f[i].val_len = len;
            return;
        }
    if (q->n < DEAD_FIELDS_MAX)
        q->f[q->n++] = (cf_field){key, strlen(key), val, len};
}

static void drop_field(requeue *q, const char *key)
{
    for (size_t i = 0; i < q->n; i++)
        if (cf_field_is(&q->f[i], key)) {
            q->f[i] = q->f[--q->n];
            return;
        }
}

/* The operator's fixes: body {"fields": {name: string|null}}; answers 400
 * and returns false on anything else. An empty body changes nothing. */
static bool apply_fixes(web_req *r, requeue *q)
{
    if (r->body_len == 0)
        return true;
    cJSON *body = http_json_body(r);
    if (body == NULL)
        return false;
    cJSON *fields = cJSON_GetObjectItemCaseSensitive(body, "fields");
    if (fields == NULL || cJSON_IsNull(fields))
        return true;
    if (!cJSON_IsObject(fields)) {
        http_error(r, 400, "fields must be an object of strings");
        return false;
    }
    cJSON *v;
    cJSON_ArrayForEach (v, fields) {
        if (!contract_field(q->k, v->string)) {
            http_error(r, 400, "fields: %.64s is not a field of %s", v->string, q->k->source);
            return false;
        }
        if (cJSON_IsNull(v)) {
            drop_field(q, v->string);
        } else if (cJSON_IsString(v)) {
            set_field(q, v->string, v->valuestring, strlen(v->valuestring));
        } else {
            http_error(r, 400, "fields: %s must be a string or null", v->string);
            return false;
        }
    }
    return true;
}

/* Decodes the entry as the simulator will, and encodes it again into
 * q->out; answers 422 with the reason when it is refused. */
static bool decode_again(web_req *r, requeue *q)
{
    char err[256] = "";
    int rc;
    if (q->k->fight) {
        cf_fight_entry e;
        rc = cf_fight_entry_decode(q->f, q->n, CF_DEFAULT_MAX_CODE_BYTES, &e, err, sizeof err);
        if (rc == 0) {
            snprintf(q->id, sizeof q->id, "%s", e.id);
            rc = cf_fight_entry_encode(&e, &q->out) == 0 ? 0 : -2;
            cf_fight_entry_free(&e);
        }
    } else {
        cf_play_entry e;
        rc = cf_play_entry_decode(q->f, q->n, web_cfg.arcade_max_code, web_cfg.arcade_max_bundle,
                                  &e, err, sizeof err);
        if (rc == 0) {
            snprintf(q->id, sizeof q->id, "%s", e.id);
            rc = cf_play_entry_encode(&e, &q->out) == 0 ? 0 : -2;
        }
        cf_play_entry_free(&e);
    }
    if (rc == -1)
        http_error(r, 422, "the entry is still bad: %s", err);
    else if (rc != 0)
        http_error(r, 503, "out of memory");
    return rc == 0;
}

/* The row of the fight or play, when it failed, back to queued (in the
 * open transaction): 0, 409 answered (-1: it ended otherwise), or -2 db. */
static int reopen_row(web_req *r, const requeue *q, const char *new_entry)
{
    bool fight = q->k->fight;
    const char *params[2] = {q->id, new_entry};
    PGresult *res = cf_pg_exec(r->t->pg,
                               fight ? "SELECT status FROM fights WHERE id = $1::uuid FOR UPDATE"
                                     : "SELECT status FROM plays WHERE id = $1::uuid FOR UPDATE",
                               1, params);
    if (res == NULL)
        return -2;
    bool none = PQntuples(res) == 0;
    char status[16] = "";
    if (!none)
        snprintf(status, sizeof status, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (none || strcmp(status, "queued") == 0 || strcmp(status, "running") == 0 ||
        strcmp(status, "hosting") == 0)
        return 0;
    if (strcmp(status, "failed") != 0) {
        http_error(r, 409, "the %s is %s already: its new result would not be stored",
                   fight ? "fight" : "play", status);
        return -1;
    }
    int rc = fight ? cf_pg_run(r->t->pg,
                               "UPDATE fights SET status = 'queued', queued_at = now(), "
                               "started_at = NULL, finished_at = NULL, explanation = '', "
                               "cancel_requested = false, attempts = attempts + 1 "
                               "WHERE id = $1::uuid",
                               1, params)
                   : cf_pg_run(r->t->pg,
                               "UPDATE plays SET status = 'queued', verdict = NULL, detail = '', "
                               "started_at = NULL, finished_at = NULL, entry_id = $2 "
                               "WHERE id = $1::uuid",
                               2, params);
    return rc == 0 ? 0 : -2;
}

/* XADD source * fields: the new entry's id into out. 0 or -1. */
static int xadd(web_req *r, const requeue *q, char out[64])
{
    const char *argv[3 + 2 * CF_FIELDS_OUT_MAX];
    size_t lens[3 + 2 * CF_FIELDS_OUT_MAX];
    int argc = 0;
    argv[argc] = "XADD";
    lens[argc++] = 4;
    argv[argc] = q->k->source;
    lens[argc++] = strlen(q->k->source);
    argv[argc] = "*";
    lens[argc++] = 1;
    for (int i = 0; i < q->out.n; i++) {
        argv[argc] = q->out.key[i];
        lens[argc++] = strlen(q->out.key[i]);
        argv[argc] = q->out.val[i];
        lens[argc++] = q->out.val_len[i];
    }
    redisReply *rep = cf_redis_argv(r->t->redis, argc, argv, lens);
    int rc = rep != NULL && rep->type == REDIS_REPLY_STRING && rep->len < 64 ? 0 : -1;
    if (rc == 0)
        memcpy(out, rep->str, rep->len + 1);
    if (rep != NULL)
        freeReplyObject(rep);
    return rc;
}

/* In one transaction: the row reopened, the action recorded; the entry
 * sent and the dead one deleted before the commit, so a failure there
 * leaves the row as it was. Answers. */
static void send_again(web_req *r, requeue *q, const char *entry_id, cJSON *detail)
{
    char target[128], new_entry[64] = "";
    snprintf(target, sizeof target, "%s/%s", q->k->name, entry_id);
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return;
    }
    int rc = q->id[0] != '\0' ? reopen_row(r, q, "") : 0;
    if (rc == 0 && xadd(r, q, new_entry) != 0)
        rc = -3;
    if (rc == 0 && q->id[0] != '\0' && !q->k->fight) {
        const char *params[2] = {q->id, new_entry};
        rc = cf_pg_run(r->t->pg, "UPDATE plays SET entry_id = $2 WHERE id = $1::uuid", 2, params)
                 ? -2
                 : 0;
    }
    cJSON_AddStringToObject(detail, "requeued_as", new_entry);
    if (rc == 0 && (operator_log(r, "dead_letter.requeue", target, detail) != 0 ||
                    cf_pg_commit(r->t->pg) != 0))
        rc = -2;
    if (rc != 0) {
        cf_pg_rollback(r->t->pg);
        if (rc == -2)
            http_db_error(r);
        else if (rc == -3)
            http_error(r, 503, "Redis cannot be reached; try again in a moment");
        if (new_entry[0] != '\0')
            log_warn("dead letter %s was sent again as %s but not recorded", target, new_entry);
        return;
    }
    if (xdel(r, q->k, entry_id) != 0)
        log_warn("dead letter %s requeued as %s but not deleted", target, new_entry);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "stream", q->k->name);
    cJSON_AddStringToObject(o, "entry_id", entry_id);
    cJSON_AddStringToObject(o, "requeued_as", new_entry);
    if (q->id[0] != '\0')
        cJSON_AddStringToObject(o, "id", q->id);
    else
        cJSON_AddNullToObject(o, "id");
    http_json(r, 200, o);
}

void admin_dead_requeue(web_req *r, const admin_dead_kind *kind, const char *entry_id)
{
    requeue q = {.k = kind};
    size_t n = 0;
    cf_entry *es = dead_or_answer(r, q.k, entry_id, &n);
    if (es == NULL)
        return;
    for (size_t i = 0; i < es[0].nfields; i++) {
        const cf_field *f = &es[0].fields[i];
        char key[16];
        if (f->key_len >= sizeof key)
            continue;
        memcpy(key, f->key, f->key_len);
        key[f->key_len] = '\0';
        for (int j = 0; j < DEAD_FIELDS_MAX && q.k->fields[j] != NULL; j++)
            if (strcmp(q.k->fields[j], key) == 0)
                set_field(&q, q.k->fields[j], f->val, f->val_len);
    }
    cJSON *detail = reason_detail(&es[0]);
    if (detail != NULL && apply_fixes(r, &q) && decode_again(r, &q)) {
        cJSON *fixed = cJSON_GetObjectItemCaseSensitive(r->json, "fields");
        if (cJSON_IsObject(fixed)) {
            cJSON *names = cJSON_AddArrayToObject(detail, "fixed");
            cJSON *v;
            cJSON_ArrayForEach (v, fixed)
                cJSON_AddItemToArray(names, cJSON_CreateString(v->string));
        }
        send_again(r, &q, entry_id, detail);
    } else if (detail == NULL) {
        http_error(r, 503, "out of memory");
    }
    cf_fields_out_free(&q.out);
    cJSON_Delete(detail);
    cf_entries_free(es, n);
}
