/*
 * service_plays.c — the plays desk of cf-simulator (service.h).
 *
 * Like the fights desk: an entry of cf:plays is decoded and checked once,
 * handed to a free arcade worker encoded by the same function that encodes
 * every cf:plays entry, and acknowledged after its end is published. What
 * differs is what a play is: a person is playing it. So a play is never
 * started twice. An entry delivered before (its simulator died, or it was
 * reclaimed from another) ends at once as failed, and a play whose worker
 * dies ends as failed then and there, where a fight would wait pending for
 * another simulator.
 *
 * While a play runs its worker speaks to its streams itself (service_play.c)
 * and the desk only renews its claim. Every end that does not come from the
 * worker (an entry that will not run, a play cut short) is written here on
 * the play's out stream too, so whoever shows the play sees it end.
 *
 * Once a play's end is on cf:results its entry is acknowledged and deleted:
 * bundles are large (up to arcade.max_bundle_bytes), and a play is never
 * read again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "result_entry.h"
#include "service.h"

#define STUCK_MARGIN_MS 60000 /* beyond arcade.wall_s, a worker is stuck */
#define RECLAIM_COUNT 16      /* reclaimed plays take no worker: they end */

/* ------------------------------------------------------------ publishing */

/* The end on the play's out stream, for whoever shows it; its keys then
 * live SVC_PLAY_AFTER_S more. */
static void end_on_out(svc_plays *p, const char *play_id, const cJSON *end)
{
    char *json = cJSON_PrintUnformatted(end);
    if (json != NULL)
        (void)svc_play_out(p->r, p->s, play_id, json, strlen(json), NULL);
    free(json);
    svc_play_expire(p->r, play_id, SVC_PLAY_AFTER_S);
}

/* Acknowledged, then deleted: the entry is done with. */
static void settle(svc_plays *p, const char *entry_id)
{
    if (cf_consumer_ack(&p->consumer, entry_id) != 0)
        return;
    redisReply *rep = cf_redis_command(p->r, "XDEL %s %s", CF_STREAM_PLAYS, entry_id);
    if (rep != NULL)
        freeReplyObject(rep);
}

/* An end the desk writes itself: on the out stream, on cf:results, then
 * the entry settled. Left pending (and ended again once reclaimed) when
 * cf:results cannot be written. */
static void end_here(svc_plays *p, const char *entry_id, const char *play_id, const char *status,
                     const char *detail)
{
    cJSON *end = cf_play_end_new(status, "ok", detail, NULL, 0, 0, "", 0);
    if (end == NULL)
        return;
    end_on_out(p, play_id, end);
    if (svc_publish_play_end(p->r, p->s, play_id, entry_id, end) == 0)
        settle(p, entry_id);
    else
        log_error("play %s: its end is not published; left pending", play_id);
    cJSON_Delete(end);
}

/* The id a play entry names, when it is readable. */
static bool entry_play_id(const cf_entry *e, char id[CF_UUID_LEN + 1])
{
    const cf_field *f = cf_entry_field(e, "id");
    return f != NULL && cf_field_uuid(f, "id", id, NULL, 0) == 0;
}

/* An entry that will not run: a dead letter, an end when it names a play,
 * then the ack. */
static void reject(svc_plays *p, const cf_entry *e, const char *reason)
{
    log_warn("entry %s -> %s: %s", e->id, CF_STREAM_PLAYS_DEAD, reason);
    if (svc_publish_dead(p->r, p->s, CF_STREAM_PLAYS, e, reason) != 0)
        return; /* not acked: tried again once reclaimed */
    char id[CF_UUID_LEN + 1];
    if (entry_play_id(e, id))
        end_here(p, e->id, id, "failed", reason);
    else
        settle(p, e->id);
}

/* ------------------------------------------------------------- dispatch */

static bool cancelled_already(svc_plays *p, const char *id)
{
    const char *ids[1] = {id};
    bool set = false;
    return svc_cancel_check(p->r, ids, 1, &set) == 0 && set;
}

/* Hands the play to sl's worker: its entry, encoded again. */
static int hand_over(svc_slot *sl, const cf_play_entry *play)
{
    cf_fields_out out;
    return cf_play_entry_encode(play, &out) == 0 ? svc_hand_over(sl, &out) : -1;
}

/* A decoded play that may run: to a worker, or ended when none takes it. */
static void start(svc_plays *p, const cf_entry *e, const cf_play_entry *play)
{
    svc_slot *sl = svc_slots_free(p->slots, SVC_PLAY);
    if (sl == NULL || hand_over(sl, play) != 0) {
        log_warn("play %s: no arcade worker took it", play->id);
        end_here(p, e->id, play->id, "failed", "no arcade worker could take the play");
        return;
    }
    sl->busy = true;
    sl->cancel_sent = false;
    snprintf(sl->entry_id, sizeof sl->entry_id, "%s", e->id);
    snprintf(sl->job_id, sizeof sl->job_id, "%s", play->id);
    sl->started_ms = sl->last_progress_ms = cf_now_ms();
    log_info("play %s (%s) started (entry %s, %s)", play->id, play->title, e->id,
             play->bundle != NULL ? "bundle" : "one file");
    (void)svc_publish_play_started(p->r, p->s, play->id, e->id);
}

static void dispatch(void *ud, const cf_entry *e, bool fresh)
{
    svc_plays *p = ud;
    if (svc_slots_running(p->slots, SVC_PLAY, e->id))
        return;
    if (e->nfields == 0) {
        reject(p, e, "entry has no fields (trimmed while pending)");
        return;
    }
    cf_play_entry play;
    char err[400] = "", reason[512];
    if (cf_play_entry_decode(e->fields, e->nfields, p->s->arcade_max_code_bytes,
                             p->s->arcade_max_bundle_bytes, &play, err, sizeof err) != 0) {
        snprintf(reason, sizeof reason, "bad entry: %s", err[0] ? err : "undecodable");
        reject(p, e, reason);
        cf_play_entry_free(&play);
        return;
    }
    if (!fresh) {
        log_warn("play %s: delivered before (entry %s); ended, never started twice", play.id,
                 e->id);
        end_here(p, e->id, play.id, "failed",
                 "the simulator running the play stopped; a play is not started twice");
    } else if (cancelled_already(p, play.id)) {
        log_info("play %s stopped before it started", play.id);
        end_here(p, e->id, play.id, "stopped", "stopped before it started");
    } else {
        start(p, e, &play);
    }
    cf_play_entry_free(&play);
}

/* --------------------------------------------------------- worker frames */

/* The worker's end, checked (the result processor would dead-letter a bad
 * one, and the play would stay queued forever); a bad one becomes the
 * play's failure, which the viewer then sees too. */
static cJSON *checked_end(svc_plays *p, const svc_slot *sl, const char *json)
{
    char why[300] = "an unreadable end", err[256];
    cJSON *end = cJSON_Parse(json);
    if (end != NULL && cf_play_end_validate(end, err, sizeof err) == 0)
        return end;
    if (end != NULL)
        snprintf(why, sizeof why, "a bad end: %s", err);
    cJSON_Delete(end);
    log_error("play %s: the worker's end is refused: %s", sl->job_id, why);
    end = cf_play_end_new("failed", "ok", why, NULL, 0, 0, "", cf_now_ms() - sl->started_ms);
    if (end != NULL)
        end_on_out(p, sl->job_id, end);
    return end;
}

/* A worker's end: publish (it is on the out stream already), then settle. */
static void finish(svc_plays *p, svc_slot *sl, const char *json)
{
    cJSON *end = checked_end(p, sl, json);
    int rc = -1;
    for (int attempt = 0; end != NULL && rc != 0; attempt++) {
        rc = svc_publish_play_end(p->r, p->s, sl->job_id, sl->entry_id, end);
        if (rc != 0) {
            if (svc_stop && attempt >= 3)
                break;
            sleep(1);
        }
    }
    if (rc == 0) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(end, "status");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(end, "verdict");
        settle(p, sl->entry_id);
        log_info("play %s %s (%s) in %lld ms", sl->job_id, st->valuestring, v->valuestring,
                 (long long)(cf_now_ms() - sl->started_ms));
    } else {
        log_error("play %s: its end is not published; left pending", sl->job_id);
    }
    cJSON_Delete(end);
    sl->busy = false;
    sl->job_id[0] = '\0';
}

static void on_frame(void *ud, svc_slot *sl, char type, const char *data, size_t len)
{
    (void)len;
    if (type == SVC_FRAME_REPORT)
        finish(ud, sl, data);
}

static void on_gone(void *ud, svc_slot *sl)
{
    svc_plays *p = ud;
    log_error("arcade worker %d died during play %s (entry %s)", (int)(sl - p->slots->slot),
              sl->job_id, sl->entry_id);
    end_here(p, sl->entry_id, sl->job_id, "failed", "the arcade worker running the play stopped");
}

/* ---------------------------------------------------------------- timers */

void svc_plays_timers(svc_plays *p)
{
    if (p->r == NULL)
        return; /* the arcade is off */
    int64_t t = cf_now_ms();
    if (t - p->last_renew >= p->s->renew_ms) {
        svc_slots_renew(p->slots, SVC_PLAY, &p->consumer);
        p->last_renew = t;
    }
    svc_slots_kill_stuck(p->slots, SVC_PLAY, (int64_t)p->s->arcade_wall_s * 1000 + STUCK_MARGIN_MS,
                         "arcade.wall_s and a minute");
    svc_desk_trim(&p->consumer, p->s, &p->last_trim);
}

/* ------------------------------------------------------------------ work */

/* Plays a dead consumer left: each ends as failed. */
static void reclaim(svc_plays *p)
{
    cf_entry *es = NULL;
    size_t n = 0;
    char **gone = NULL;
    size_t ngone = 0;
    if (cf_consumer_reclaim(&p->consumer, RECLAIM_COUNT, &es, &n, &gone, &ngone) < 0)
        return;
    for (size_t i = 0; i < ngone; i++) {
        cf_entry e = {0};
        snprintf(e.id, sizeof e.id, "%s", gone[i]);
        log_warn("play entry %s was trimmed while pending", e.id);
        (void)svc_publish_dead(p->r, p->s, CF_STREAM_PLAYS, &e,
                               "entry has no fields (trimmed while pending)");
        (void)cf_consumer_ack(&p->consumer, e.id);
        free(gone[i]);
    }
    free(gone);
    for (size_t i = 0; i < n; i++)
        dispatch(p, &es[i], false);
    cf_entries_free(es, n);
}

void svc_plays_take_work(svc_plays *p, long block_ms)
{
    int nfree = svc_slots_count_free(p->slots, SVC_PLAY);
    if (p->r == NULL || nfree == 0 || svc_stop)
        return;
    int64_t t = cf_now_ms();
    if (p->consumer.pending_cursor[0] == '\0' && t - p->last_reclaim >= p->s->reclaim_every_ms) {
        p->last_reclaim = t;
        reclaim(p);
    }
    svc_desk_read(&p->consumer, p->slots, nfree, block_ms, dispatch, p);
}

/* ----------------------------------------------------------------- verbs */

void svc_plays_init(svc_plays *p, const svc_settings *s, svc_slots *slots)
{
    memset(p, 0, sizeof *p);
    p->s = s;
    p->slots = slots;
    svc_slots_route(slots, SVC_PLAY, on_frame, on_gone, p);
}

void svc_plays_attach(svc_plays *p, cf_redis *r)
{
    if (p->s->arcade_slots == 0)
        return; /* no arcade workers: cf:plays is left to other simulators */
    p->r = r;
    cf_consumer_init(&p->consumer, r, CF_STREAM_PLAYS, CF_GROUP_SIMULATORS, p->s->consumer,
                     p->s->reclaim_idle_ms);
    while (!svc_stop && cf_consumer_ensure_group(&p->consumer, "0") != 0)
        sleep(1);
}

void svc_plays_shutdown(svc_plays *p)
{
    for (int i = 0; i < p->slots->n; i++) {
        svc_slot *sl = &p->slots->slot[i];
        if (sl->kind == SVC_PLAY && sl->busy && !sl->cancel_sent &&
            svc_frame_write(sl->jobfd, SVC_FRAME_CANCEL, NULL, 0) == 0)
            sl->cancel_sent = true;
    }
}

void svc_plays_stop(svc_plays *p)
{
    for (int i = 0; i < p->slots->n; i++) {
        svc_slot *sl = &p->slots->slot[i];
        if (sl->kind != SVC_PLAY || !sl->busy || p->r == NULL)
            continue;
        log_warn("play %s: still running at the end of the grace; ended as failed", sl->job_id);
        end_here(p, sl->entry_id, sl->job_id, "failed", "the simulator running the play stopped");
    }
}
