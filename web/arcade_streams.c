/*
 * arcade_streams.c — a play's Redis side as cf-web writes and reads it
 * (common/play_entry.h has the contract): the cf:plays entry that starts
 * it, its cancel key, its player's input, the key saying someone shows it,
 * and the screen a late viewer starts from.
 *
 * Every call is one round trip on the calling thread's connection: input
 * goes in by one script that adds every event of a request to the play's
 * input stream, bounded (MAXLEN ~) and expiring, so a flood costs Redis a
 * bounded stream, never memory without end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "play_entry.h"
#include "web.h"

#define INPUT_MAXLEN "1000"
#define KEYS_TTL_S "3600"
#define SEEN_TTL_S 30

int arcade_enqueue(cf_redis *r, const cf_play_entry *e, char entry_id[64])
{
    cf_fields_out f;
    if (cf_play_entry_encode(e, &f) != 0)
        return -1;
    const char *argv[3 + 2 * CF_FIELDS_OUT_MAX];
    size_t lens[3 + 2 * CF_FIELDS_OUT_MAX];
    int argc = 0;
    argv[argc] = "XADD", lens[argc++] = 4;
    argv[argc] = CF_STREAM_PLAYS, lens[argc++] = strlen(CF_STREAM_PLAYS);
    argv[argc] = "*", lens[argc++] = 1;
    for (int i = 0; i < f.n; i++) {
        argv[argc] = f.key[i], lens[argc++] = strlen(f.key[i]);
        argv[argc] = f.val[i], lens[argc++] = f.val_len[i];
    }
    redisReply *rep = cf_redis_argv(r, argc, argv, lens);
    cf_fields_out_free(&f);
    int rc = rep != NULL && rep->type == REDIS_REPLY_STRING && rep->len < 64 ? 0 : -1;
    if (rc == 0)
        memcpy(entry_id, rep->str, rep->len + 1);
    if (rep != NULL)
        freeReplyObject(rep);
    return rc;
}

int arcade_cancel(cf_redis *r, const char *play_id)
{
    redisReply *rep =
        cf_redis_command(r, "SET %s%s 1 EX %d", CF_CANCEL_PREFIX, play_id, CF_CANCEL_TTL_S);
    int rc = rep != NULL && rep->type == REDIS_REPLY_STATUS ? 0 : -1;
    if (rep != NULL)
        freeReplyObject(rep);
    return rc;
}

/* KEYS[1] the input stream; ARGV the events, each one entry. */
static const char input_script[] =
    "for i = 1, #ARGV do "
    "  redis.call('XADD', KEYS[1], 'MAXLEN', '~', " INPUT_MAXLEN ", '*', 'msg', ARGV[i]) "
    "end "
    "redis.call('EXPIRE', KEYS[1], " KEYS_TTL_S ") "
    "return #ARGV";

int arcade_input(cf_redis *r, const char *play_id, char *const *events, int n)
{
    if (n <= 0 || n > ARCADE_INPUT_MAX_EVENTS)
        return -1;
    char key[CF_PLAY_KEY_MAX + 1];
    cf_play_key(key, play_id, "in");
    const char *argv[4 + ARCADE_INPUT_MAX_EVENTS];
    int argc = 0;
    argv[argc++] = "EVAL";
    argv[argc++] = input_script;
    argv[argc++] = "1";
    argv[argc++] = key;
    for (int i = 0; i < n; i++)
        argv[argc++] = events[i];
    redisReply *rep = cf_redis_argv(r, argc, argv, NULL);
    int rc = rep != NULL && rep->type == REDIS_REPLY_INTEGER ? 0 : -1;
    if (rep != NULL)
        freeReplyObject(rep);
    return rc;
}

int arcade_seen(cf_redis *r, const char *play_id)
{
    char key[CF_PLAY_KEY_MAX + 1];
    cf_play_key(key, play_id, "seen");
    redisReply *rep = cf_redis_command(r, "SET %s 1 EX %d", key, SEEN_TTL_S);
    int rc = rep != NULL && rep->type == REDIS_REPLY_STATUS ? 0 : -1;
    if (rep != NULL)
        freeReplyObject(rep);
    return rc;
}

cJSON *arcade_screen(cf_redis *r, const char *play_id)
{
    char key[CF_PLAY_KEY_MAX + 1];
    cf_play_key(key, play_id, "screen");
    redisReply *rep = cf_redis_command(r, "GET %s", key);
    cJSON *screen = NULL;
    if (rep != NULL && rep->type == REDIS_REPLY_STRING)
        screen = cJSON_ParseWithLength(rep->str, rep->len);
    if (rep != NULL)
        freeReplyObject(rep);
    /* Written by the simulator; still checked for the shape we read. */
    if (screen != NULL && (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(screen, "last_id")) ||
                           !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(screen, "messages")))) {
        cJSON_Delete(screen);
        screen = NULL;
    }
    return screen;
}

/* "ms-seq" into its two numbers; false when it is not a stream id. */
static bool stream_id(const char *s, unsigned long long *ms, unsigned long long *seq)
{
    return sscanf(s, "%llu-%llu", ms, seq) == 2;
}

int arcade_undelivered(cf_redis *r, const char *entry_id)
{
    unsigned long long ms, seq, dms = 0, dseq = 0;
    if (entry_id == NULL || !stream_id(entry_id, &ms, &seq))
        return 0;
    redisReply *rep = cf_redis_command(r, "XINFO GROUPS %s", CF_STREAM_PLAYS);
    if (rep == NULL)
        return -1;
    bool found = false;
    for (size_t g = 0; rep->type == REDIS_REPLY_ARRAY && g < rep->elements; g++) {
        const redisReply *grp = rep->element[g];
        const char *name = NULL, *last = NULL;
        for (size_t k = 0; grp->type == REDIS_REPLY_ARRAY && k + 1 < grp->elements; k += 2) {
            if (grp->element[k]->type != REDIS_REPLY_STRING ||
                grp->element[k + 1]->type != REDIS_REPLY_STRING)
                continue;
            if (strcmp(grp->element[k]->str, "name") == 0)
                name = grp->element[k + 1]->str;
            else if (strcmp(grp->element[k]->str, "last-delivered-id") == 0)
                last = grp->element[k + 1]->str;
        }
        if (name != NULL && strcmp(name, CF_GROUP_SIMULATORS) == 0 && last != NULL)
            found = stream_id(last, &dms, &dseq);
    }
    bool error = rep->type == REDIS_REPLY_ERROR; /* no stream yet: nothing delivered */
    freeReplyObject(rep);
    if (error || !found)
        return 1;
    return ms > dms || (ms == dms && seq > dseq);
}
