/*
 * arena.c — a fight's arena: what a game calls (cf_arena_ops, games/game.h),
 * over the tracer's sandboxed bots.
 *
 * Each bot gets an init message (its name, its code, the game's settings as
 * "context"), then one framed request per call ({"t": "call", "id", "m",
 * "a"}) and answers with one framed reply ({"id", "ok"} or {"id",
 * "raised"}); a last {"crash"} or {"memory"} explains an exit (harness.py
 * speaks the other side).
 *
 * Timeouts: a call gets the game's wall-clock limit (a longer one for the
 * first call, which includes importing the bot), and a later call may run
 * past it into the bot's time bank (cf_limits.time_bank_ms, for the whole
 * fight; what a call takes past its limit is taken from the bank; not for
 * the call right after a timeout), so a slow call now and then costs
 * nothing. A call that times out is a
 * failed call and the bot lives; a bot that lets two calls in a row time out
 * is killed (verdict "timeout"), so a sleeping bot costs at most two limits.
 * A reply to an earlier call (one that timed out) is read and dropped.
 *
 * The wall budget (simulator.fight_wall_s, issue 15): a bot that answers
 * every call just inside its limit would still hold a worker for ticks x
 * limit. Each bot may spend its share of the fight's budget (the budget
 * over the players) waiting for its replies, all calls together; the call
 * that runs over the share kills it (verdict "timeout"), and the fight
 * goes on without it. So the bots together keep a fight at most the budget
 * long, and the one that used it up is the one named.
 *
 * Per-tick output (issue 17): every byte of a bot's log pipe is also kept
 * with the tick of the bot's latest call (tick_output.c). The harness
 * flushes stdout and stderr before it writes a reply, so once the reply is
 * read the call's output is in the pipe: it is read then, before the next
 * call can change the tick.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "controller.h"
#include "json_print.h"
#include "text.h"

#define POLL_SLICE_MS 50 /* cancellation and CPU checks while waiting */
#define REAP_GRACE_MS 3000
/* call_wait's own answer beside enum cf_call_status: the wall share ran out */
#define CALL_OVER_BUDGET (-100)
/* a string literal and its length */
#define LIT(s) s, sizeof(s) - 1

/* A bot's side of the call protocol. */
typedef struct bot_calls {
    /* reply being read */
    unsigned char hdr[4];
    size_t hdr_got;
    char *body;
    size_t body_len, body_got;
    char proto_err[128]; /* what was wrong with a reply frame */

    long call_id;
    bool first_call_done;
    uint32_t first_call_wall_ms, call_wall_ms;
    int64_t bank_ms;       /* time bank left: what later calls may take past their limit */
    int64_t wall_share_ms; /* of the fight's wall budget; 0: none */
    int64_t wall_used_ms;  /* waiting for this bot's replies so far */
    int timeouts, consecutive_timeouts;
    int64_t first_reply_us;
    unsigned long calls;
    uint64_t call_us_total, call_us_min;
    /* The calls that did nothing: raised, or a decision the game refused
     * (cf_arena_rejected); the first one said in the report. */
    unsigned long raised, rejected;
    int first_error_tick; /* -1: none yet */
    const char *first_error_kind;
    char first_error[CTL_ERROR_MAX + 1];
    int call_tick; /* the game's tick at its latest call: its output's */
    ctl_output output;
} bot_calls;

struct ctl_arena {
    cf_arena base; /* what the game holds; base.self points here */
    ctl_tracer tracer;
    const cf_fight_hooks *hooks;
    bot_calls calls[CF_MAX_PLAYERS];
    bool cancelled;
    int64_t last_cancel_check, last_progress;
    int tick; /* the game's latest (cf_arena_progress): where errors happened */
};

/* ----------------------------------------------------------------- replies */

/*
 * Reads from p's reply pipe. Returns 1 with *msg (parsed JSON, owned) when
 * a whole message is there, 0 when more is needed, -1 on end of file or a
 * broken frame (then bad is set for a protocol violation).
 */
static int read_reply(ctl_proc *p, bot_calls *c, cJSON **msg, bool *bad)
{
    *bad = false;
    while (p->rep_fd >= 0) {
        if (c->hdr_got < 4) {
            ssize_t n = ctl_read_ready(p->rep_fd, c->hdr + c->hdr_got, 4 - c->hdr_got);
            if (n <= 0)
                return (int)n;
            c->hdr_got += (size_t)n;
            if (c->hdr_got < 4)
                continue;
            c->body_len = (size_t)c->hdr[0] << 24 | (size_t)c->hdr[1] << 16 |
                          (size_t)c->hdr[2] << 8 | c->hdr[3];
            if (c->body_len == 0 || c->body_len > SB_MSG_MAX) {
                *bad = true;
                snprintf(c->proto_err, sizeof c->proto_err, "reply frame of %zu bytes (limit %d)",
                         c->body_len, SB_MSG_MAX);
                return -1;
            }
            c->body = malloc(c->body_len);
            c->body_got = 0;
            if (!c->body)
                return -1;
        }
        ssize_t n = ctl_read_ready(p->rep_fd, c->body + c->body_got, c->body_len - c->body_got);
        if (n <= 0)
            return (int)n;
        c->body_got += (size_t)n;
        if (c->body_got < c->body_len)
            continue;
        *msg = cJSON_ParseWithLength(c->body, c->body_len);
        free(c->body);
        c->body = NULL;
        c->hdr_got = 0;
        if (!*msg || !cJSON_IsObject(*msg)) {
            cJSON_Delete(*msg);
            *msg = NULL;
            *bad = true;
            snprintf(c->proto_err, sizeof c->proto_err, "a reply that is not a JSON object");
            return -1;
        }
        return 1;
    }
    return -1;
}

/* A {"crash"} or {"memory"} message: the bot explains why it goes. */
static bool explains_exit(ctl_proc *p, const cJSON *msg)
{
    const cJSON *crash = cJSON_GetObjectItemCaseSensitive(msg, "crash");
    const cJSON *mem = cJSON_GetObjectItemCaseSensitive(msg, "memory");
    if (cJSON_IsString(crash))
        ctl_proc_verdict(p, V_CRASHED, "%s", crash->valuestring);
    else if (cJSON_IsString(mem))
        ctl_proc_verdict(p, V_MEMORY, "out of memory (%s)", mem->valuestring);
    else
        return false;
    return true;
}

/* The tracer's on_log: a bot's output, at the tick of its call. */
static void keep_output(void *owner, ctl_proc *p, const char *data, size_t len)
{
    ctl_arena *a = owner;
    bot_calls *c = &a->calls[p->slot];
    ctl_output_add(&c->output, c->call_tick, data, len);
}

/* The tracer's on_exit: what the bot said last explains its exit. */
static void read_last_words(void *owner, ctl_proc *p, int status)
{
    (void)status; /* tracer.c decides from it, after us */
    ctl_arena *a = owner;
    for (;;) {
        cJSON *msg = NULL;
        bool bad;
        if (read_reply(p, &a->calls[p->slot], &msg, &bad) <= 0)
            return;
        (void)explains_exit(p, msg);
        cJSON_Delete(msg);
    }
}

/* ------------------------------------------------------------------- calls */

static void check_cancel(ctl_arena *a)
{
    if (a->cancelled || !a->hooks || !a->hooks->cancelled)
        return;
    int64_t t = cf_now_ms();
    if (t - a->last_cancel_check < POLL_SLICE_MS)
        return;
    a->last_cancel_check = t;
    if (a->hooks->cancelled(a->hooks->ud)) {
        a->cancelled = true;
        for (int i = 0; i < a->tracer.n; i++) {
            ctl_proc_verdict(&a->tracer.procs[i], V_OK, "%s", "cancelled");
            ctl_proc_kill(&a->tracer, &a->tracer.procs[i]);
        }
    }
}

static enum cf_call_status bad_output(ctl_arena *a, ctl_proc *p, const char *what)
{
    ctl_proc_verdict(p, V_BAD_OUTPUT, "%s", what);
    ctl_proc_kill(&a->tracer, p);
    return CF_CALL_BAD_OUTPUT;
}

/* One call that did nothing: counted, and the first one kept. */
static void note_error(ctl_arena *a, bot_calls *c, const char *kind, const char *what)
{
    if (c->first_error_tick >= 0)
        return;
    c->first_error_tick = a->tick;
    c->first_error_kind = kind;
    snprintf(c->first_error, sizeof c->first_error, "%s", what);
}

/* Interprets one reply to the current call. Returns -2 to keep waiting (a
 * late reply to an earlier call), else a cf_call_status. */
static int interpret(ctl_arena *a, ctl_proc *p, cJSON *msg, cJSON **result)
{
    bot_calls *c = &a->calls[p->slot];
    if (explains_exit(p, msg)) {
        ctl_proc_kill(&a->tracer, p);
        return CF_CALL_DEAD;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    if (!cJSON_IsNumber(id) || id->valuedouble > (double)c->call_id || id->valuedouble < 1)
        return bad_output(a, p, "a reply to no call");
    if (id->valuedouble < (double)c->call_id)
        return -2;
    cJSON *ok = cJSON_DetachItemFromObjectCaseSensitive(msg, "ok");
    if (ok) {
        *result = ok;
        return CF_CALL_OK;
    }
    const cJSON *raised = cJSON_GetObjectItemCaseSensitive(msg, "raised");
    if (cJSON_IsString(raised)) {
        c->raised++;
        note_error(a, c, "raised", raised->valuestring);
        return CF_CALL_RAISED;
    }
    return bad_output(a, p, "a reply with neither ok nor raised");
}

/* Sends the call; -1 when it could not be built (out of memory). The
 * request is the text cJSON would print for {"t": "call", "id", "m", "a"},
 * written straight into one buffer (json_print.h). */
static int send_call(ctl_proc *p, bot_calls *c, const char *method, const cJSON *args)
{
    c->call_id++;
    if (method == NULL)
        return -1;
    cf_json_buf b = {0};
    cf_json_buf_raw(&b, LIT("{\"t\":\"call\",\"id\":"));
    cf_json_buf_number(&b, (double)c->call_id);
    cf_json_buf_raw(&b, LIT(",\"m\":"));
    cf_json_buf_string(&b, method);
    cf_json_buf_raw(&b, LIT(",\"a\":"));
    if (args)
        cf_json_buf_value(&b, args);
    else
        cf_json_buf_raw(&b, LIT("[]"));
    cf_json_buf_raw(&b, LIT("}"));
    int rc = b.failed ? -1 : ctl_proc_send_framed(p, b.data, b.len);
    cf_json_buf_free(&b);
    return rc;
}

/* A reply came (ok or raised): the call's figures, and its CPU. */
static enum cf_call_status answered(ctl_arena *a, ctl_proc *p, bool first, int64_t sent_us,
                                    enum cf_call_status st, cJSON **result)
{
    bot_calls *c = &a->calls[p->slot];
    int64_t t = cf_now_us();
    ctl_tracer_drain_log(&a->tracer, p); /* what the call printed, at its tick */
    if (first) {
        c->first_reply_us = t - p->spawn_us;
    } else {
        uint64_t rtt = (uint64_t)(t - sent_us);
        c->calls++;
        c->call_us_total += rtt;
        if (c->call_us_min == 0 || rtt < c->call_us_min)
            c->call_us_min = rtt;
    }
    c->consecutive_timeouts = 0;
    if (ctl_proc_check_cpu(&a->tracer, p)) {
        cJSON_Delete(*result);
        *result = NULL;
        return CF_CALL_DEAD;
    }
    return st;
}

/* The reply pipe reached its end: the bot is dying, its exit status
 * follows at once. A bot that closed the pipe and lives on broke the
 * protocol. */
static enum cf_call_status pipe_closed(ctl_arena *a, ctl_proc *p, bool bad)
{
    bot_calls *c = &a->calls[p->slot];
    if (bad)
        return bad_output(a, p, c->proto_err);
    close(p->rep_fd);
    p->rep_fd = -1;
    ctl_tracer_wait_reaped(&a->tracer, p, 500);
    if (!p->reaped)
        return bad_output(a, p, "closed its reply pipe");
    return CF_CALL_DEAD;
}

/* The bot's wall share is spent: killed with a timeout. */
static enum cf_call_status over_budget(ctl_arena *a, ctl_proc *p)
{
    bot_calls *c = &a->calls[p->slot];
    ctl_proc_verdict(p, V_TIMEOUT,
                     "over its wall budget: %" PRId64 " ms waiting for its replies, its share of "
                     "the fight's simulator.fight_wall_s is %" PRId64 " ms",
                     c->wall_used_ms, c->wall_share_ms);
    ctl_proc_kill(&a->tracer, p);
    return CF_CALL_DEAD;
}

static int call_wait(ctl_arena *a, ctl_proc *p, bool first, int64_t sent_us, uint32_t wall,
                     int64_t budget_deadline, cJSON **result);

static enum cf_call_status arena_call(void *self, int player, const char *method, const cJSON *args,
                                      cJSON **result)
{
    ctl_arena *a = self;
    *result = NULL;
    if (player < 0 || player >= a->tracer.n)
        return CF_CALL_DEAD;
    ctl_proc *p = &a->tracer.procs[player];
    bot_calls *c = &a->calls[player];
    check_cancel(a);
    if (!p->alive)
        return CF_CALL_DEAD;
    /* Whatever it printed since its last reply belongs to that call. */
    ctl_tracer_drain_log(&a->tracer, p);
    c->call_tick = a->tick;
    int64_t sent_us = cf_now_us(); /* before the write: it may switch to the bot */
    if (send_call(p, c, method, args) < 0)
        return CF_CALL_RAISED;
    bool first = !c->first_call_done;
    /* A later call may run past its limit into the bot's time bank, but
     * not the call right after one that timed out: a stuck bot still costs
     * two limits at most, never the bank on top. */
    int64_t bank = c->consecutive_timeouts > 0 ? 0 : c->bank_ms;
    int64_t wall = first ? c->first_call_wall_ms : c->call_wall_ms + bank;
    c->first_call_done = true;
    int64_t start = cf_now_ms();
    int64_t budget_deadline =
        c->wall_share_ms > 0 ? start + (c->wall_share_ms - c->wall_used_ms) : INT64_MAX;
    int st = call_wait(a, p, first, sent_us, (uint32_t)wall, budget_deadline, result);
    int64_t took = cf_now_ms() - start;
    c->wall_used_ms += took;
    if (!first && took > (int64_t)c->call_wall_ms)
        c->bank_ms =
            took - c->call_wall_ms >= c->bank_ms ? 0 : c->bank_ms - (took - c->call_wall_ms);
    if (st == CALL_OVER_BUDGET)
        return over_budget(a, p);
    return (enum cf_call_status)st;
}

/* Waits for the reply to the call just sent: its status, or CALL_OVER_BUDGET
 * when the bot's wall share ran out first. */
static int call_wait(ctl_arena *a, ctl_proc *p, bool first, int64_t sent_us, uint32_t wall,
                     int64_t budget_deadline, cJSON **result)
{
    bot_calls *c = &a->calls[p->slot];
    int64_t deadline = cf_now_ms() + wall;
    for (;;) {
        cJSON *msg = NULL;
        bool bad = false;
        int r = read_reply(p, c, &msg, &bad);
        int st = r == 1 ? interpret(a, p, msg, result) : -2;
        cJSON_Delete(msg);
        /* st == -2 with r == 1: a late reply to an earlier call. Read on,
         * but through the limit checks below, or a bot flooding stale
         * replies would hold the call forever. */
        if (r == 1 && st != -2) {
            if (st == CF_CALL_OK || st == CF_CALL_RAISED)
                return answered(a, p, first, sent_us, (enum cf_call_status)st, result);
            return (enum cf_call_status)st;
        }
        if (r < 0 && p->rep_fd >= 0)
            return pipe_closed(a, p, bad);
        if (!p->alive) {
            ctl_tracer_wait_reaped(&a->tracer, p, REAP_GRACE_MS);
            return CF_CALL_DEAD;
        }
        if (ctl_proc_check_cpu(&a->tracer, p))
            continue;
        check_cancel(a);
        int64_t now = cf_now_ms();
        if (now >= budget_deadline)
            return CALL_OVER_BUDGET;
        int64_t left = deadline - now;
        if (budget_deadline - now < left)
            left = budget_deadline - now;
        if (now >= deadline) {
            c->timeouts++;
            if (++c->consecutive_timeouts >= 2) {
                ctl_proc_verdict(p, V_TIMEOUT, "no reply within %" PRIu32 " ms, twice in a row",
                                 wall);
                ctl_proc_kill(&a->tracer, p);
                return CF_CALL_DEAD;
            }
            return CF_CALL_TIMEOUT;
        }
        if (r == 1)
            continue; /* more may be waiting: read it before sleeping */
        struct pollfd want = {.fd = p->rep_fd, .events = POLLIN};
        ctl_tracer_poll(&a->tracer, &want, p->rep_fd >= 0 ? 1 : 0,
                        left < POLL_SLICE_MS ? (int)left : POLL_SLICE_MS);
    }
}

static bool arena_alive(const void *self, int player)
{
    const ctl_arena *a = self;
    if (player < 0 || player >= a->tracer.n)
        return false;
    return a->tracer.procs[player].alive;
}

static const char *arena_death(const void *self, int player)
{
    const ctl_arena *a = self;
    if (player < 0 || player >= a->tracer.n)
        return "not a player";
    const ctl_proc *p = &a->tracer.procs[player];
    if (p->alive || !p->has_verdict)
        return p->alive ? "alive" : "gone";
    if (a->cancelled)
        return "cancelled";
    switch (p->verdict) {
    case V_TIMEOUT: return "timed out";
    case V_CPU_TIME: return "CPU time limit exceeded";
    case V_MEMORY: return "memory limit exceeded";
    case V_ILLEGAL: return "made a forbidden system call";
    case V_CRASHED: return "crashed";
    case V_BAD_OUTPUT: return "broke the protocol";
    case V_KILLED: return "was killed";
    case V_OK: break;
    }
    return "gone";
}

static void arena_progress(void *self, int tick)
{
    ctl_arena *a = self;
    a->tick = tick;
    if (!a->hooks || !a->hooks->progress)
        return;
    int64_t t = cf_now_ms();
    if (t - a->last_progress < 250)
        return;
    a->last_progress = t;
    a->hooks->progress(a->hooks->ud, tick);
}

static void arena_rejected(void *self, int player, const char *why)
{
    ctl_arena *a = self;
    if (player < 0 || player >= a->tracer.n)
        return;
    a->calls[player].rejected++;
    note_error(a, &a->calls[player], "invalid", why);
}

static const cf_arena_ops arena_ops = {.call = arena_call,
                                       .alive = arena_alive,
                                       .death = arena_death,
                                       .progress = arena_progress,
                                       .rejected = arena_rejected};

/* -------------------------------------------------------------- the start */

/* The init message: the bot's name, its code, the settings as context. */
static char *init_message(const cf_fight_player *pl, const cJSON *settings)
{
    cJSON *init = cJSON_CreateObject();
    if (!init || !cJSON_AddStringToObject(init, "t", "init") ||
        !cJSON_AddStringToObject(init, "name", pl->name) ||
        !cJSON_AddStringToObject(init, "code", pl->code) ||
        !cJSON_AddItemToObject(init, "context", cJSON_Duplicate(settings, true))) {
        cJSON_Delete(init);
        return NULL;
    }
    char *json = cJSON_PrintUnformatted(init);
    cJSON_Delete(init);
    return json;
}

ctl_arena *ctl_arena_start(cf_sandbox *sb, const cf_fight_entry *e, const cJSON *settings,
                           const cf_limits *limits, const cf_fight_hooks *hooks, cf_arena **arena,
                           char *err, size_t errlen)
{
    ctl_arena *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->base = (cf_arena){.ops = &arena_ops, .self = a};
    a->hooks = hooks;
    ctl_tracer_init(&a->tracer, sb, SB_KIND_BOT, e->nplayers, limits->cpu_ms, limits->memory_kb);
    a->tracer.on_exit = read_last_words;
    a->tracer.on_log = keep_output;
    a->tracer.owner = a;
    for (int i = 0; i < e->nplayers; i++) {
        a->calls[i].first_call_wall_ms = limits->first_call_wall_ms;
        a->calls[i].call_wall_ms = limits->call_wall_ms;
        a->calls[i].bank_ms = limits->time_bank_ms;
        a->calls[i].wall_share_ms = (int64_t)sb->opts.fight_wall_ms / e->nplayers;
        a->calls[i].first_error_tick = -1;
        ctl_output_init(&a->calls[i].output);
    }
    for (int i = 0; i < e->nplayers; i++) {
        char *init = init_message(&e->players[i], settings);
        int rc = init ? ctl_tracer_spawn(&a->tracer, i, init, strlen(init), err, errlen) : -1;
        if (!init)
            snprintf(err, errlen, "out of memory");
        free(init);
        if (rc < 0) {
            ctl_bot_report reports[CF_MAX_PLAYERS];
            ctl_arena_finish(a, reports);
            for (int j = 0; j < e->nplayers; j++) {
                free(reports[j].log);
                cJSON_Delete(reports[j].output);
            }
            ctl_sandbox_break(sb, "%s", err);
            return NULL;
        }
    }
    *arena = &a->base;
    return a;
}

/* --------------------------------------------------------------- the end */

bool ctl_arena_finish(ctl_arena *a, ctl_bot_report *reports)
{
    for (int i = 0; i < a->tracer.n; i++) {
        ctl_proc *p = &a->tracer.procs[i];
        if (p->alive && ctl_proc_check_cpu(&a->tracer, p))
            continue;
        /* It finished the fight, but some calls ran over their limit. */
        if (a->calls[i].timeouts > 0)
            ctl_proc_verdict(p, V_TIMEOUT, "%d call(s) over the wall-clock limit",
                             a->calls[i].timeouts);
    }
    ctl_tracer_finish(&a->tracer, reports);
    for (int i = 0; i < a->tracer.n; i++) {
        bot_calls *c = &a->calls[i];
        reports[i].first_reply_us = (uint64_t)c->first_reply_us;
        reports[i].calls = c->calls;
        reports[i].call_us_total = c->call_us_total;
        reports[i].call_us_min = c->call_us_min;
        reports[i].raised = c->raised;
        reports[i].rejected = c->rejected;
        reports[i].first_error_tick = c->first_error_tick;
        reports[i].first_error_kind = c->first_error_kind;
        cf_utf8_sanitize(reports[i].first_error, c->first_error, strlen(c->first_error));
        reports[i].output = ctl_output_json(&c->output);
        ctl_output_free(&c->output);
        free(c->body);
    }
    bool cancelled = a->cancelled;
    free(a);
    return cancelled;
}
