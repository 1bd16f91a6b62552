/*
 * service_fights.c — the fights desk of cf-simulator (service.h).
 *
 * Each round: worker frames first (progress, reports), then the timers
 * (renew the claims of running fights, poll their cancel keys, reclaim
 * stale entries of dead consumers, trim cf:fights, kill stuck workers),
 * then, while a worker is free, work: own pending entries, reclaimed ones,
 * new ones. An entry is decoded and checked once (fight_entry.c,
 * cf_fight_check); the decoded fight stays with its slot until its report
 * is published, and the worker gets it encoded by the same function that
 * encodes every cf:fights entry.
 *
 * An entry that will not run goes to cf:fights:dead with the reason and,
 * when it carries a usable id, gets a report of status "failed" (players
 * listed, no result), so the web can show what happened; a fight cancelled
 * before it started gets one of status "cancelled". The acknowledgement
 * always comes last, so a crash in between repeats the step rather than
 * losing it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fight_check.h"
#include "json_util.h"
#include "log.h"
#include "report.h"
#include "result_entry.h"
#include "service.h"
#include "text.h"

/* ------------------------------------------------------------ publishing */

/* The report of a fight that never ran: its players when the entry could
 * be read, no result. game: the entry's when readable, else "unknown" (the
 * report needs a name). */
static cJSON *unrun_report(const char *id, const char *game, const cf_fight_entry *e,
                           const char *status, const char *why)
{
    /* No seed was chosen for a fight that never ran: null where the
     * contract allows it (failed), else 0. */
    bool has_seed = (e != NULL && e->has_seed) || strcmp(status, "failed") != 0;
    cJSON *r = cf_report_new(id, game, has_seed, e != NULL && e->has_seed ? e->seed : 0);
    for (int i = 0; r != NULL && e != NULL && i < e->nplayers; i++) {
        cf_report_player p = {.name = e->players[i].name};
        if (cf_report_add_player(r, &p) != 0) {
            cJSON_Delete(r);
            r = NULL;
        }
    }
    if (r != NULL && cf_report_failed(r, status, why, 0) != 0) {
        cJSON_Delete(r);
        r = NULL;
    }
    return r;
}

/* Publishes a report (with its output: NULL for none) and the progress
 * entry that ends the fight. */
static int publish_end(svc_fights *f, const cJSON *report, const cJSON *output)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(report, "fight_id");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(report, "status");
    const cJSON *ticks = cJSON_GetObjectItemCaseSensitive(report, "ticks");
    if (svc_publish_result(f->r, f->s, report, output) != 0)
        return -1;
    (void)svc_publish_progress(f->r, f->s, id->valuestring, CF_PROGRESS_FINISHED,
                               cJSON_IsNumber(ticks) ? ticks->valueint : 0, status->valuestring);
    return 0;
}

/* The fight id and game an entry names, when they are readable. */
static bool entry_identity(const cf_entry *e, const cf_fight_entry *decoded,
                           char id[CF_UUID_LEN + 1], char game[CF_GAME_NAME_MAX + 1])
{
    snprintf(game, CF_GAME_NAME_MAX + 1, "unknown");
    if (decoded != NULL && decoded->id[0]) {
        snprintf(id, CF_UUID_LEN + 1, "%s", decoded->id);
        if (decoded->game[0])
            snprintf(game, CF_GAME_NAME_MAX + 1, "%s", decoded->game);
        return true;
    }
    const cf_field *fid = cf_entry_field(e, "id"), *g = cf_entry_field(e, "game");
    if (fid == NULL || cf_field_uuid(fid, "id", id, NULL, 0) != 0)
        return false;
    if (g != NULL && cf_game_name_valid(g->val, g->val_len))
        snprintf(game, CF_GAME_NAME_MAX + 1, "%.*s", (int)g->val_len, g->val);
    return true;
}

/*
 * An entry that will not run: a dead letter (when dead), a report the web
 * can show (when it has a fight id), then the ack.
 */
static void reject(svc_fights *f, const cf_entry *e, const cf_fight_entry *decoded,
                   const char *status, const char *reason, bool dead)
{
    char id[CF_UUID_LEN + 1], game[CF_GAME_NAME_MAX + 1];
    bool has_id = entry_identity(e, decoded, id, game);
    if (dead) {
        log_warn("entry %s -> %s: %s", e->id, CF_STREAM_DEAD, reason);
        if (svc_publish_dead(f->r, f->s, CF_STREAM_FIGHTS, e, reason) != 0)
            return; /* not acked: tried again after reclaim */
    } else {
        log_info("fight %s %s: %s", has_id ? id : "?", status, reason);
    }
    if (has_id) {
        cJSON *rep = unrun_report(id, game, decoded, status, reason);
        int rc = rep != NULL ? publish_end(f, rep, NULL) : -1;
        cJSON_Delete(rep);
        if (rc != 0)
            return;
    }
    (void)cf_consumer_ack(&f->consumer, e->id);
}

/* ------------------------------------------------------------- dispatch */

/* Decoded and checked, or refused with the reason. */
static int admit(svc_fights *f, const cf_entry *e, cf_fight_entry *out, char *why, size_t len)
{
    char err[400] = "";
    if (cf_fight_entry_decode(e->fields, e->nfields, f->s->max_code_bytes, out, err, sizeof err) !=
        0) {
        snprintf(why, len, "bad entry: %s", err[0] ? err : "undecodable");
        return -1;
    }
    const cf_game *game;
    cJSON *settings = cf_fight_check(out, &game, why, len);
    if (settings == NULL)
        return -1;
    cJSON_Delete(settings);
    return 0;
}

/* Entries delivered again: one that keeps failing is dead. */
static bool too_often(svc_fights *f, const cf_entry *e, bool *gone)
{
    long d = cf_consumer_deliveries(&f->consumer, e->id);
    *gone = d == 0; /* acknowledged meanwhile by someone else */
    if (d <= f->s->max_deliveries)
        return false;
    char reason[128], why[512];
    snprintf(reason, sizeof reason, "delivered %ld times (max %d): the fight keeps failing", d,
             f->s->max_deliveries);
    cf_fight_entry fight;
    bool ok = admit(f, e, &fight, why, sizeof why) == 0;
    reject(f, e, ok ? &fight : NULL, "failed", reason, true);
    cf_fight_entry_free(&fight);
    return true;
}

static bool cancelled_already(svc_fights *f, const char *id)
{
    const char *ids[1] = {id};
    bool set = false;
    return svc_cancel_check(f->r, ids, 1, &set) == 0 && set;
}

/* Hands the fight to sl's worker: its entry, encoded again. */
static int hand_over(svc_slot *sl, const cf_fight_entry *fight)
{
    cf_fields_out out;
    return cf_fight_entry_encode(fight, &out) == 0 ? svc_hand_over(sl, &out) : -1;
}

static void dispatch(void *ud, const cf_entry *e, bool fresh)
{
    svc_fights *f = ud;
    if (svc_slots_running(f->slots, SVC_FIGHT, e->id))
        return;
    if (e->nfields == 0) {
        reject(f, e, NULL, "failed", "entry has no fields (trimmed while pending)", true);
        return;
    }
    bool gone = false;
    if (!fresh && (too_often(f, e, &gone) || gone))
        return;
    cf_fight_entry fight;
    char reason[512];
    if (admit(f, e, &fight, reason, sizeof reason) != 0) {
        reject(f, e, fight.id[0] ? &fight : NULL, "failed", reason, true);
        cf_fight_entry_free(&fight);
        return;
    }
    if (cancelled_already(f, fight.id)) {
        reject(f, e, &fight, "cancelled", "cancelled before it started", false);
        cf_fight_entry_free(&fight);
        return;
    }
    svc_slot *sl = svc_slots_free(f->slots, SVC_FIGHT);
    if (sl == NULL || hand_over(sl, &fight) != 0) {
        /* Left pending: reclaimed once idle. */
        log_warn("fight %s: no worker took it; left pending", fight.id);
        cf_fight_entry_free(&fight);
        return;
    }
    sl->busy = true;
    sl->cancel_sent = false;
    snprintf(sl->entry_id, sizeof sl->entry_id, "%s", e->id);
    snprintf(sl->job_id, sizeof sl->job_id, "%s", fight.id);
    sl->fight = fight; /* kept until its report is out */
    cJSON_Delete(sl->output);
    sl->output = NULL;
    sl->started_ms = sl->last_progress_ms = cf_now_ms();
    log_info("fight %s (%s, %d players) started (entry %s)", fight.id, fight.game, fight.nplayers,
             e->id);
    (void)svc_publish_progress(f->r, f->s, fight.id, CF_PROGRESS_STARTED, 0, NULL);
}

/* --------------------------------------------------------- worker frames */

/* The worker's report, checked like any other (the result processor
 * would dead-letter a bad one, and the fight would never be stored): a
 * report that does not parse, breaks the contract or names another fight
 * becomes the fight's failure, with the fight's own id, game and players. */
static cJSON *checked_report(const svc_slot *sl, const char *json)
{
    char why[300] = "unreadable report", err[256];
    cJSON *rep = cJSON_Parse(json);
    if (rep != NULL && cf_report_validate(rep, err, sizeof err) != 0) {
        snprintf(why, sizeof why, "bad report: %s", err);
    } else if (rep != NULL) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(rep, "fight_id");
        if (strcmp(id->valuestring, sl->fight.id) == 0)
            return rep;
        snprintf(why, sizeof why, "a report for another fight");
    }
    cJSON_Delete(rep);
    log_error("fight %s: the worker's report is refused: %s", sl->fight.id, why);
    return unrun_report(sl->fight.id, sl->fight.game, &sl->fight, "failed", why);
}

/* The worker's per-tick output for the fight it runs, kept for its
 * report. Checked as the result processor will (common/result_entry.h): a
 * bad one is dropped, with a log line, and the fight goes on without. */
static void keep_output(svc_slot *sl, const char *json, size_t len)
{
    char why[200];
    cJSON_Delete(sl->output);
    sl->output = cf_json_parse(json, len, CF_OUTPUT_FIELD_MAX, why, sizeof why);
    if (sl->output != NULL &&
        cf_result_output_validate(sl->output, sl->fight.nplayers, why, sizeof why) != 0) {
        cJSON_Delete(sl->output);
        sl->output = NULL;
    }
    if (sl->output == NULL)
        log_warn("fight %s: the worker's output is dropped: %s", sl->fight.id, why);
}

/* A worker's report: publish, then ack. */
static void finish(svc_fights *f, svc_slot *sl, const char *json)
{
    cJSON *rep = checked_report(sl, json);
    /* A refused report is the fight's failure: no output goes with it. */
    const cJSON *rep_status = cJSON_GetObjectItemCaseSensitive(rep, "status");
    bool failed = !cJSON_IsString(rep_status) || strcmp(rep_status->valuestring, "failed") == 0;
    const cJSON *output = failed ? NULL : sl->output;
    /* The result must not be lost: keep trying while Redis is away, unless
     * we are shutting down (then the entry stays pending and runs again). */
    int rc = -1;
    for (int attempt = 0; rep != NULL && rc != 0; attempt++) {
        rc = publish_end(f, rep, output);
        if (rc != 0) {
            if (svc_stop && attempt >= 3)
                break;
            sleep(1);
        }
    }
    if (rc == 0) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(rep, "status");
        const cJSON *ticks = cJSON_GetObjectItemCaseSensitive(rep, "ticks");
        (void)cf_consumer_ack(&f->consumer, sl->entry_id);
        log_info("fight %s %s in %lld ms (%d ticks)", sl->fight.id,
                 cJSON_IsString(st) ? st->valuestring : "?",
                 (long long)(cf_now_ms() - sl->started_ms),
                 cJSON_IsNumber(ticks) ? ticks->valueint : 0);
    } else {
        log_error("fight %s: result not published; left pending", sl->fight.id);
    }
    cJSON_Delete(rep);
    cJSON_Delete(sl->output);
    sl->output = NULL;
    sl->busy = false;
    cf_fight_entry_free(&sl->fight);
}

static void on_frame(void *ud, svc_slot *sl, char type, const char *data, size_t len)
{
    svc_fights *f = ud;
    if (type == SVC_FRAME_REPORT) {
        finish(f, sl, data);
    } else if (type == SVC_FRAME_OUTPUT && sl->busy) {
        keep_output(sl, data, len);
    } else if (type == SVC_FRAME_PROGRESS &&
               cf_now_ms() - sl->last_progress_ms >= f->s->progress_every_ms) {
        sl->last_progress_ms = cf_now_ms();
        (void)svc_publish_progress(f->r, f->s, sl->fight.id, CF_PROGRESS_TICK, atoi(data), NULL);
    }
}

static void on_gone(void *ud, svc_slot *sl)
{
    svc_fights *f = ud;
    log_error("worker %d died during fight %s (entry %s): left pending for reclaim",
              (int)(sl - f->slots->slot), sl->fight.id, sl->entry_id);
}

/* --------------------------------------------------------------- timers */

static void poll_cancels(svc_fights *f)
{
    const char *ids[SVC_MAX_SLOTS];
    svc_slot *which[SVC_MAX_SLOTS];
    bool set[SVC_MAX_SLOTS];
    size_t n = 0;
    for (int i = 0; i < f->slots->n; i++) {
        svc_slot *sl = &f->slots->slot[i];
        if (sl->kind == SVC_FIGHT && sl->busy && !sl->cancel_sent) {
            which[n] = sl;
            ids[n++] = sl->fight.id;
        }
    }
    if (n == 0 || svc_cancel_check(f->r, ids, n, set) != 0)
        return;
    for (size_t k = 0; k < n; k++)
        if (set[k] && svc_frame_write(which[k]->jobfd, SVC_FRAME_CANCEL, NULL, 0) == 0) {
            which[k]->cancel_sent = true;
            log_info("fight %s: cancel requested", which[k]->fight.id);
        }
}

void svc_fights_timers(svc_fights *f)
{
    int64_t t = cf_now_ms();
    if (t - f->last_renew >= f->s->renew_ms) {
        svc_slots_renew(f->slots, SVC_FIGHT, &f->consumer);
        f->last_renew = t;
    }
    if (t - f->last_cancel >= f->s->cancel_poll_ms) {
        poll_cancels(f);
        f->last_cancel = t;
    }
    /* Its entry stays pending, is reclaimed, and after max_deliveries is
     * dead. */
    svc_slots_kill_stuck(f->slots, SVC_FIGHT, f->s->fight_timeout_ms, "simulator.fight_timeout_ms");
    svc_desk_trim(&f->consumer, f->s, &f->last_trim);
}

/* ----------------------------------------------------------------- work */

/* Entries a dead consumer left; true when some were taken. */
static bool reclaim(svc_fights *f, int nfree)
{
    cf_entry *es = NULL;
    size_t n = 0;
    char **gone = NULL;
    size_t ngone = 0;
    if (cf_consumer_reclaim(&f->consumer, nfree, &es, &n, &gone, &ngone) < 0)
        return false;
    for (size_t i = 0; i < ngone; i++) {
        cf_entry e = {0};
        snprintf(e.id, sizeof e.id, "%s", gone[i]);
        log_warn("entry %s was trimmed while pending", e.id);
        (void)svc_publish_dead(f->r, f->s, CF_STREAM_FIGHTS, &e,
                               "entry has no fields (trimmed while pending)");
        free(gone[i]);
    }
    free(gone);
    for (size_t i = 0; i < n; i++) {
        log_info("reclaimed entry %s", es[i].id);
        dispatch(f, &es[i], false);
    }
    cf_entries_free(es, n);
    return n > 0;
}

/* Takes work into free slots: own pending entries, then reclaimed, then new. */
void svc_fights_take_work(svc_fights *f, long block_ms)
{
    int nfree = svc_slots_count_free(f->slots, SVC_FIGHT);
    if (nfree == 0 || svc_stop)
        return;
    int64_t t = cf_now_ms();
    if (f->consumer.pending_cursor[0] == '\0' && t - f->last_reclaim >= f->s->reclaim_every_ms) {
        f->last_reclaim = t;
        if (reclaim(f, nfree))
            return;
        nfree = svc_slots_count_free(f->slots, SVC_FIGHT);
        if (nfree == 0)
            return;
    }
    svc_desk_read(&f->consumer, f->slots, nfree, block_ms, dispatch, f);
}

/* ---------------------------------------------------------------- verbs */

void svc_fights_init(svc_fights *f, const svc_settings *s, svc_slots *slots)
{
    memset(f, 0, sizeof *f);
    f->s = s;
    f->slots = slots;
    svc_slots_route(slots, SVC_FIGHT, on_frame, on_gone, f);
}

void svc_fights_attach(svc_fights *f, cf_redis *r)
{
    f->r = r;
    cf_consumer_init(&f->consumer, r, CF_STREAM_FIGHTS, CF_GROUP_SIMULATORS, f->s->consumer,
                     f->s->reclaim_idle_ms);
    while (!svc_stop && cf_consumer_ensure_group(&f->consumer, "0") != 0)
        sleep(1);
}

void svc_fights_stop(svc_fights *f)
{
    for (int i = 0; i < f->slots->n; i++) {
        svc_slot *sl = &f->slots->slot[i];
        if (sl->kind != SVC_FIGHT || !sl->busy || sl->pid <= 0)
            continue;
        bool now = f->r != NULL && cf_consumer_handback(&f->consumer, sl->entry_id) == 0;
        log_warn("fight %s handed back (entry %s left pending%s)", sl->fight.id, sl->entry_id,
                 now ? ", reclaimable at once" : "");
    }
}
