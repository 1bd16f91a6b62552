/*
 * service_play.c — one arcade play in an arcade worker of cf-simulator.
 *
 * Unlike a fight, a play talks to its player while it runs, so its worker
 * has Redis connections of its own (a fight's worker has none):
 *
 *   the controller thread  runs cf_play_run; each display message goes out
 *                          at once (XADD cf:play:<id>:out) and into the
 *                          screen a late viewer gets (cf:play:<id>:screen,
 *                          written at most twice a second)
 *   the input thread       XREAD BLOCK on cf:play:<id>:in, each event
 *                          written into the play's input pipe (dropped, and
 *                          counted, when the game does not keep up); between
 *                          reads it looks at the play's cancel key and at
 *                          cf:play:<id>:seen, which whoever shows the play
 *                          keeps set
 *
 * The play stops when its cancel key is set, when no one has shown it for
 * arcade.idle_s, when the parent says the simulator stops (then it ends as
 * failed: the player did nothing wrong, but the play could not go on), or
 * by its own limits. Its end object goes on cf:play:<id>:out last, and to
 * the parent, which publishes it on cf:results.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "play_entry.h"
#include "play_screen.h"
#include "service.h"

#define INPUT_BLOCK_MS 200
#define SCREEN_EVERY_MS 500
#define ANSWERS_MAX 64

typedef struct play_job {
    const svc_settings *s;
    int jobfd;
    char id[CF_UUID_LEN + 1];
    char in_key[CF_PLAY_KEY_MAX + 1];
    char seen_key[CF_PLAY_KEY_MAX + 1], screen_key[CF_PLAY_KEY_MAX + 1];
    char cancel_key[sizeof CF_CANCEL_PREFIX + CF_UUID_LEN];
    cf_redis *r; /* the controller thread's */
    play_screen *screen;
    int64_t screen_at, started_ms;
    atomic_bool cancelled, unseen, lost, shutdown, quit;
    atomic_long dropped;
    /* answers the input thread passed on, for the screen's prompts */
    pthread_mutex_t lock;
    cJSON *answers;
    int input_w; /* the input thread's end of the play's input pipe */
    char url[1024];
} play_job;

/* --------------------------------------------------------------- output */

/* The screen a late viewer gets, at most every SCREEN_EVERY_MS unless now
 * (the end); it and the streams live ttl_s more. */
static void publish_screen(play_job *j, bool now, int ttl_s)
{
    pthread_mutex_lock(&j->lock);
    cJSON *answers = j->answers;
    j->answers = cJSON_CreateArray();
    pthread_mutex_unlock(&j->lock);
    const cJSON *a;
    cJSON_ArrayForEach (a, answers)
        play_screen_input(j->screen, a);
    /* An answered prompt leaves the screen at once: a viewer who reloads
     * now must not be asked again. */
    now = now || cJSON_GetArraySize(answers) > 0;
    cJSON_Delete(answers);
    if (!play_screen_dirty(j->screen) || (!now && cf_now_ms() - j->screen_at < SCREEN_EVERY_MS))
        return;
    j->screen_at = cf_now_ms();
    char *json = play_screen_json(j->screen);
    if (json == NULL)
        return;
    redisReply *rep = cf_redis_command(j->r, "SET %s %s EX %d", j->screen_key, json, ttl_s);
    if (rep)
        freeReplyObject(rep);
    free(json);
    svc_play_expire(j->r, j->id, ttl_s);
}

/* XADD one message to the play's out stream; its entry id, or "". */
static void add_out(play_job *j, const char *msg, size_t len, char id[64])
{
    if (svc_play_out(j->r, j->s, j->id, msg, len, id) != 0)
        atomic_store(&j->lost, true); /* the player cannot see the play */
}

static void display(void *ud, const char *msg, size_t len)
{
    play_job *j = ud;
    char id[64];
    add_out(j, msg, len, id);
    cJSON *m = cJSON_ParseWithLength(msg, len);
    if (m != NULL)
        play_screen_show(j->screen, m, id[0] ? id : NULL);
    cJSON_Delete(m);
    publish_screen(j, false, SVC_PLAY_TTL_S);
}

/* A CANCEL frame from the parent: the simulator stops. */
static bool parent_says_stop(play_job *j)
{
    struct pollfd p = {.fd = j->jobfd, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0)
        return false;
    char type;
    char *data = NULL;
    size_t len;
    int rc = svc_frame_read(j->jobfd, &type, &data, &len);
    free(data);
    return rc <= 0 || type == SVC_FRAME_CANCEL;
}

static const char *stop(void *ud)
{
    play_job *j = ud;
    if (!atomic_load(&j->shutdown) && parent_says_stop(j))
        atomic_store(&j->shutdown, true);
    publish_screen(j, false, SVC_PLAY_TTL_S);
    if (atomic_load(&j->shutdown))
        return "the simulator running the play stopped";
    if (atomic_load(&j->cancelled))
        return "stopped on request";
    if (atomic_load(&j->lost))
        return "the display messages could not be sent (Redis)";
    if (atomic_load(&j->unseen))
        return "no one was watching";
    return NULL;
}

/* ----------------------------------------------------------------- input */

static void note_answer(play_job *j, const cJSON *ev)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
    if (!cJSON_IsString(type) || (strcmp(type->valuestring, "input_response") != 0 &&
                                  strcmp(type->valuestring, "alert_confirm") != 0))
        return;
    pthread_mutex_lock(&j->lock);
    cJSON *copy = j->answers != NULL && cJSON_GetArraySize(j->answers) < ANSWERS_MAX
                      ? cJSON_Duplicate(ev, true)
                      : NULL;
    if (copy != NULL && !cJSON_AddItemToArray(j->answers, copy))
        cJSON_Delete(copy);
    pthread_mutex_unlock(&j->lock);
}

/* One event into the play's pipe; dropped when it is full. */
static void pass_on(play_job *j, const char *msg, size_t len)
{
    cJSON *ev = cJSON_ParseWithLength(msg, len);
    if (ev != NULL)
        note_answer(j, ev);
    cJSON_Delete(ev);
    struct iovec iov[2] = {{(void *)msg, len}, {"\n", 1}};
    ssize_t n = writev(j->input_w, iov, 2);
    if (n != (ssize_t)len + 1)
        atomic_fetch_add(&j->dropped, 1); /* a partial line ends at the next '\n' */
}

/* The events of one XREAD reply; *last moves past them. */
static void take_events(play_job *j, const redisReply *rep, char *last, size_t lastlen)
{
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 1 ||
        rep->element[0]->type != REDIS_REPLY_ARRAY || rep->element[0]->elements != 2)
        return;
    const redisReply *list = rep->element[0]->element[1];
    for (size_t i = 0; i < list->elements; i++) {
        const redisReply *e = list->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING)
            continue;
        snprintf(last, lastlen, "%s", e->element[0]->str);
        const redisReply *kv = e->element[1];
        for (size_t k = 0; kv->type == REDIS_REPLY_ARRAY && k + 1 < kv->elements; k += 2)
            if (kv->element[k]->type == REDIS_REPLY_STRING &&
                kv->element[k + 1]->type == REDIS_REPLY_STRING &&
                strcmp(kv->element[k]->str, "msg") == 0 && kv->element[k + 1]->len < (64 << 10))
                pass_on(j, kv->element[k + 1]->str, kv->element[k + 1]->len);
    }
}

/* Is the play cancelled, and has anyone shown it lately? */
static void look_around(play_job *j, cf_redis *r, int64_t *seen_ms)
{
    redisReply *rep = cf_redis_command(r, "MGET %s %s", j->cancel_key, j->seen_key);
    if (rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2) {
        if (rep->element[0]->type != REDIS_REPLY_NIL)
            atomic_store(&j->cancelled, true);
        if (rep->element[1]->type != REDIS_REPLY_NIL)
            *seen_ms = cf_now_ms();
    }
    if (rep)
        freeReplyObject(rep);
    if (cf_now_ms() - *seen_ms > (int64_t)j->s->arcade_idle_s * 1000)
        atomic_store(&j->unseen, true);
}

static void *input_main(void *arg)
{
    play_job *j = arg;
    char err[256];
    cf_redis *r = cf_redis_connect(j->url, 2000, err, sizeof err);
    if (r == NULL) {
        log_error("play %s: input: %s", j->id, err);
        atomic_store(&j->lost, true);
        close(j->input_w);
        return NULL;
    }
    char last[64] = "0";
    int64_t seen_ms = cf_now_ms(); /* the viewer is on its way */
    while (!atomic_load(&j->quit)) {
        char block[16];
        snprintf(block, sizeof block, "%d", INPUT_BLOCK_MS);
        const char *argv[] = {"XREAD", "COUNT", "100", "BLOCK", block, "STREAMS", j->in_key, last};
        redisReply *rep = cf_redis_argv(r, 8, argv, NULL);
        if (rep != NULL)
            take_events(j, rep, last, sizeof last);
        else
            usleep(100 * 1000);
        if (rep)
            freeReplyObject(rep);
        look_around(j, r, &seen_ms);
    }
    cf_redis_free(r);
    close(j->input_w);
    return NULL;
}

/* ------------------------------------------------------------------- job */

static void name_keys(play_job *j)
{
    cf_play_key(j->in_key, j->id, "in");
    cf_play_key(j->seen_key, j->id, "seen");
    cf_play_key(j->screen_key, j->id, "screen");
    snprintf(j->cancel_key, sizeof j->cancel_key, "%s%s", CF_CANCEL_PREFIX, j->id);
}

static void limits_of(const svc_settings *s, const cf_play_entry *e, cf_play_limits *l)
{
    cf_play_limits_default(l);
    l->cpu_ms = (uint32_t)s->arcade_cpu_s * 1000;
    l->memory_kb = (uint32_t)s->arcade_memory_mb * 1024;
    l->wall_ms = (int64_t)s->arcade_wall_s * 1000;
    if (e->seconds > 0 && e->seconds < s->arcade_wall_s)
        l->wall_ms = (int64_t)e->seconds * 1000;
}

/* The end object, its last word on the out stream, then the report frame.
 * A play the simulator's shutdown stopped ends as failed. */
static int send_end(play_job *j, cJSON *end, int resfd)
{
    if (atomic_load(&j->shutdown) &&
        strcmp(cJSON_GetObjectItemCaseSensitive(end, "status")->valuestring, "stopped") == 0)
        cJSON_ReplaceItemInObjectCaseSensitive(end, "status", cJSON_CreateString("failed"));
    char *json = cJSON_PrintUnformatted(end);
    if (json == NULL)
        return -1;
    char id[64];
    add_out(j, json, strlen(json), id);
    publish_screen(j, true, SVC_PLAY_AFTER_S);
    svc_play_expire(j->r, j->id, SVC_PLAY_AFTER_S); /* also when the screen did not change */
    int rc = svc_frame_write(resfd, SVC_FRAME_REPORT, json, strlen(json));
    free(json);
    return rc;
}

static int start_input(play_job *j, pthread_t *tid, int *input_r)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
        return -1;
    j->input_w = p[1];
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old); /* signals stay the controller's */
    int rc = pthread_create(tid, NULL, input_main, j);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    *input_r = p[0];
    return 0;
}

int svc_play_job(cf_sandbox *sb, const svc_settings *s, int jobfd, int resfd, const char *buf,
                 size_t len, char *err, size_t errlen)
{
    cf_field *fields = NULL;
    size_t nfields = 0;
    cf_play_entry e;
    if (svc_fields_unpack(buf, len, &fields, &nfields) != 0 ||
        cf_play_entry_decode(fields, nfields, SVC_FRAME_MAX, SVC_FRAME_MAX, &e, err, errlen) != 0) {
        free(fields);
        snprintf(err, errlen, "worker: unreadable play job");
        return -1;
    }
    free(fields);
    static play_job j; /* one job at a time per worker */
    memset(&j, 0, sizeof j);
    j.s = s;
    j.jobfd = jobfd;
    snprintf(j.id, sizeof j.id, "%s", e.id);
    snprintf(j.url, sizeof j.url, "%s", s->redis_url);
    name_keys(&j);
    pthread_mutex_init(&j.lock, NULL);
    j.answers = cJSON_CreateArray();
    j.screen = play_screen_new();
    j.r = cf_redis_connect(j.url, 2000, err, errlen);
    pthread_t tid;
    int input_r = -1;
    int rc = -1;
    if (j.answers && j.screen && j.r && start_input(&j, &tid, &input_r) == 0) {
        svc_play_expire(j.r, j.id, SVC_PLAY_TTL_S);
        cf_play_limits limits;
        limits_of(s, &e, &limits);
        cf_play_hooks hooks = {.ud = &j, .display = display, .input_fd = input_r, .stop = stop};
        cJSON *end = cf_play_run(sb, &e, &limits, &hooks, err, errlen);
        atomic_store(&j.quit, true);
        pthread_join(tid, NULL);
        close(input_r);
        if (end != NULL) {
            if (atomic_load(&j.dropped) > 0)
                log_warn("play %s: %ld input events dropped (the game did not keep up)", j.id,
                         atomic_load(&j.dropped));
            rc = send_end(&j, end, resfd);
            cJSON_Delete(end);
        }
    } else if (err[0] == '\0') {
        snprintf(err, errlen, "worker: cannot start the play (out of memory or Redis)");
    }
    cf_redis_free(j.r);
    play_screen_free(j.screen);
    cJSON_Delete(j.answers);
    pthread_mutex_destroy(&j.lock);
    cf_play_entry_free(&e);
    return rc;
}
