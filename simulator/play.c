/*
 * play.c — one arcade play (cf_play_run): a game's script in the sandbox,
 * its display out, its input in.
 *
 * The game's coderunner gets the init message (the title, and the code or
 * the bundle) framed like a bot's; from then on both of its pipes carry
 * newline-delimited JSON (arcade/smartphone_connector.py speaks the other
 * side):
 *
 *   game -> us   display messages ({"type": ...}), relayed through the
 *                display hook; control lines ({"cf": "end"|"crash"|
 *                "memory", "detail"}) that end it
 *   us -> game   input events ({"type": ...}) from the input descriptor
 *
 * Nothing the game writes is trusted: a line that is not a JSON object with
 * a plain "type" (or a control line), or longer than PLAY_LINE_MAX, is a
 * protocol violation (verdict bad_output). The relay is paced (a token
 * bucket of messages and bytes a second): above it we stop reading, the
 * game's pipe fills and its writes wait, so a flood costs the game its own
 * time, not the service's. Input lines are checked too (a browser is no
 * more trusted than a game), and while the game does not read them they
 * wait in its pipe and then in ours, never in memory without bound.
 *
 * The end object says how it went: "finished" when the game ended itself
 * (its script returned or called disconnect(), or it exited), "stopped"
 * when it was stopped (the stop hook, the wall-clock limit), "failed" with
 * the verdict of a game that crashed, ran out of memory or CPU, made a
 * forbidden call or broke the protocol. score is the highest report_score
 * the game sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "controller.h"
#include "json_util.h"

#define PLAY_LINE_MAX (8u << 20)       /* one display message, newline included */
#define INPUT_LINE_MAX (64u << 10)     /* one input event */
#define INPUT_PENDING_MAX (256u << 10) /* unread input queued for the game */
#define SLICE_MS 50
#define END_GRACE_MS 1000 /* from its "end" to its exit */

/* ------------------------------------------------------------------ lines */

typedef struct lines {
    char *buf;
    size_t len, cap, start;
} lines;

/* The next whole line of what fd has: 1 with *line (*len bytes, no
 * newline; valid until the next call), 0 when more must come, -1 at end of
 * file or on an error, -2 when a line grows over max. */
static int next_line(lines *l, int fd, size_t max, const char **line, size_t *len)
{
    for (;;) {
        char *nl = l->len > l->start ? memchr(l->buf + l->start, '\n', l->len - l->start) : NULL;
        if (nl != NULL) {
            *line = l->buf + l->start;
            *len = (size_t)(nl - *line);
            l->start += *len + 1;
            return 1;
        }
        if (l->len - l->start >= max)
            return -2;
        if (l->start > 0) { /* keep the partial line at the front */
            memmove(l->buf, l->buf + l->start, l->len - l->start);
            l->len -= l->start;
            l->start = 0;
        }
        if (l->cap - l->len < 65536) {
            size_t cap = l->cap ? l->cap * 2 : 131072;
            if (cap > max + 65536)
                cap = max + 65536;
            char *b = cap > l->cap ? realloc(l->buf, cap) : NULL;
            if (b == NULL)
                return -1;
            l->buf = b;
            l->cap = cap;
        }
        ssize_t n = ctl_read_ready(fd, l->buf + l->len, l->cap - l->len);
        if (n <= 0)
            return (int)n;
        l->len += (size_t)n;
    }
}

/* ------------------------------------------------------------------ state */

enum ending { GOING, ENDED, STOPPED };

typedef struct play {
    ctl_tracer tracer;
    const cf_play_hooks *hooks;
    const cf_play_limits *limits;
    lines out, in;
    bool input_done; /* its end of file (or a broken line): no more input */
    enum ending ending;
    char stop_why[200];
    bool has_score;
    double score;
    /* the relay's token bucket */
    double msg_tokens, byte_tokens;
    int64_t refilled_us;
} play;

/* A message type: a short word of [a-z0-9_] (the original's types, and any
 * a game invents with send()). */
static bool plain_type(const cJSON *type)
{
    if (!cJSON_IsString(type))
        return false;
    size_t n = strlen(type->valuestring);
    if (n == 0 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = type->valuestring[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

static void bad_output(play *p, const char *what)
{
    ctl_proc *g = &p->tracer.procs[0];
    ctl_proc_verdict(g, V_BAD_OUTPUT, "%s", what);
    ctl_proc_kill(&p->tracer, g);
}

/* A control line: the game says it has ended, or why it goes. */
static void control(play *p, const cJSON *msg)
{
    ctl_proc *g = &p->tracer.procs[0];
    const cJSON *cf = cJSON_GetObjectItemCaseSensitive(msg, "cf");
    const cJSON *detail = cJSON_GetObjectItemCaseSensitive(msg, "detail");
    const char *why = cJSON_IsString(detail) ? detail->valuestring : "";
    if (strcmp(cf->valuestring, "end") == 0) {
        p->ending = p->ending == GOING ? ENDED : p->ending;
        ctl_proc_verdict(g, V_OK, "%s", "");
    } else if (strcmp(cf->valuestring, "crash") == 0) {
        ctl_proc_verdict(g, V_CRASHED, "%s", why);
    } else if (strcmp(cf->valuestring, "memory") == 0) {
        ctl_proc_verdict(g, V_MEMORY, "out of memory (%s)", why);
    } else {
        bad_output(p, "an unknown control line");
        return;
    }
    /* Nothing more to say to it: the game exits at once on its end of file. */
    if (g->req_fd >= 0) {
        close(g->req_fd);
        g->req_fd = -1;
    }
}

static void note_score(play *p, const cJSON *msg)
{
    const cJSON *score = cJSON_GetObjectItemCaseSensitive(msg, "score");
    double v;
    if (cJSON_IsNumber(score))
        v = score->valuedouble;
    else if (cJSON_IsString(score) && score->valuestring[0] != '\0')
        v = strtod(score->valuestring, NULL); /* report("12") */
    else
        return;
    if (isfinite(v) && (!p->has_score || v > p->score)) {
        p->has_score = true;
        p->score = v;
    }
}

/* One line the game wrote. After its end, nothing it says counts. */
static void game_line(play *p, const char *line, size_t len)
{
    if (p->ending != GOING)
        return;
    char why[120];
    cJSON *msg = cf_json_parse(line, len, PLAY_LINE_MAX, why, sizeof why);
    if (msg == NULL || !cJSON_IsObject(msg)) {
        cJSON_Delete(msg);
        bad_output(p, "a display line that is not a JSON object");
        return;
    }
    const cJSON *cf = cJSON_GetObjectItemCaseSensitive(msg, "cf");
    if (cJSON_IsString(cf)) {
        control(p, msg);
    } else if (!plain_type(cJSON_GetObjectItemCaseSensitive(msg, "type"))) {
        bad_output(p, "a display message without a plain \"type\"");
    } else if (strcmp(cJSON_GetObjectItemCaseSensitive(msg, "type")->valuestring, "end") == 0) {
        /* The play's end is the controller's word, never the game's: a
         * forged one would end the play for whoever shows it. Dropped. */
    } else {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(msg, "type")->valuestring, "report_score") == 0)
            note_score(p, msg);
        if (p->hooks->display)
            p->hooks->display(p->hooks->ud, line, len);
        p->msg_tokens -= 1;
        p->byte_tokens -= (double)len;
    }
    cJSON_Delete(msg);
}

/* ----------------------------------------------------------------- relay */

static void refill(play *p)
{
    int64_t now = cf_now_us();
    double s = (double)(now - p->refilled_us) / 1e6;
    p->refilled_us = now;
    p->msg_tokens += s * p->limits->msgs_per_s;
    p->byte_tokens += s * p->limits->bytes_per_s;
    if (p->msg_tokens > p->limits->msgs_per_s)
        p->msg_tokens = p->limits->msgs_per_s;
    if (p->byte_tokens > p->limits->bytes_per_s)
        p->byte_tokens = p->limits->bytes_per_s;
}

static bool may_relay(const play *p)
{
    return p->msg_tokens >= 1 && p->byte_tokens > 0;
}

/* Whatever the game wrote, as far as the bucket allows; at its end of file
 * the pipe is closed (its exit follows). */
static void read_game(play *p)
{
    ctl_proc *g = &p->tracer.procs[0];
    while (g->rep_fd >= 0 && may_relay(p) && g->alive) {
        const char *line;
        size_t len;
        int r = next_line(&p->out, g->rep_fd, PLAY_LINE_MAX, &line, &len);
        if (r == 1) {
            game_line(p, line, len);
            continue;
        }
        if (r == -2)
            bad_output(p, "a display message over 8 MiB");
        if (r < 0) {
            close(g->rep_fd);
            g->rep_fd = -1;
        }
        return;
    }
}

/* The tracer's on_exit: the last lines, then what its exit means. */
static void game_exited(void *owner, ctl_proc *g, int status)
{
    play *p = owner;
    while (g->rep_fd >= 0) {
        const char *line;
        size_t len;
        if (next_line(&p->out, g->rep_fd, PLAY_LINE_MAX, &line, &len) != 1)
            break;
        game_line(p, line, len);
    }
    /* A script that ends by itself exits 0 (after its "end", or by
     * os._exit): that is the game's end, not a crash. */
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !g->has_verdict) {
        p->ending = p->ending == GOING ? ENDED : p->ending;
        ctl_proc_verdict(g, V_OK, "%s", "");
    }
}

/* Input lines for the game, while its pipe takes them. */
static void read_input(play *p)
{
    ctl_proc *g = &p->tracer.procs[0];
    while (!p->input_done && g->req_fd >= 0 && ctl_proc_pending(g) < INPUT_PENDING_MAX) {
        const char *line;
        size_t len;
        int r = next_line(&p->in, p->hooks->input_fd, INPUT_LINE_MAX, &line, &len);
        if (r == 0)
            return;
        if (r < 0) {
            /* No more input (or a line too long to be one: the source is
             * broken). The game plays on without. */
            p->input_done = true;
            return;
        }
        char why[80];
        cJSON *ev = cf_json_parse(line, len, INPUT_LINE_MAX, why, sizeof why);
        bool ok = cJSON_IsObject(ev) && plain_type(cJSON_GetObjectItemCaseSensitive(ev, "type"));
        cJSON_Delete(ev);
        if (ok && (ctl_proc_send_raw(g, line, len) < 0 || ctl_proc_send_raw(g, "\n", 1) < 0))
            return; /* out of memory: the event is lost */
    }
}

/* ------------------------------------------------------------------- run */

void cf_play_limits_default(cf_play_limits *l)
{
    *l = (cf_play_limits){.cpu_ms = 600u * 1000u,
                          .memory_kb = 256u * 1024u,
                          .wall_ms = 30 * 60 * 1000,
                          .msgs_per_s = 500,
                          .bytes_per_s = 8u << 20};
}

static char *init_message(const cf_play_entry *e)
{
    cJSON *init = cJSON_CreateObject();
    if (!init || !cJSON_AddStringToObject(init, "t", "play") ||
        !cJSON_AddStringToObject(init, "title", e->title) ||
        !(e->code ? cJSON_AddStringToObject(init, "code", e->code)
                  : cJSON_AddStringToObject(init, "bundle", e->bundle ? e->bundle : ""))) {
        cJSON_Delete(init);
        return NULL;
    }
    char *json = cJSON_PrintUnformatted(init);
    cJSON_Delete(init);
    return json;
}

/* Why the play must stop now, if it must. */
static bool must_stop(play *p, int64_t started)
{
    const char *why = p->hooks->stop ? p->hooks->stop(p->hooks->ud) : NULL;
    if (why == NULL && cf_now_ms() - started >= p->limits->wall_ms) {
        snprintf(p->stop_why, sizeof p->stop_why, "the play's time limit (%lld s) was reached",
                 (long long)(p->limits->wall_ms / 1000));
        return true;
    }
    if (why != NULL)
        snprintf(p->stop_why, sizeof p->stop_why, "%s", why);
    return why != NULL;
}

static void loop(play *p, int64_t started)
{
    ctl_proc *g = &p->tracer.procs[0];
    int64_t last_check = 0;
    while (!g->reaped) {
        if (!g->alive || p->ending == ENDED) {
            ctl_tracer_wait_reaped(&p->tracer, g, p->ending == ENDED ? END_GRACE_MS : 3000);
            return;
        }
        if (cf_now_ms() - last_check >= SLICE_MS) {
            last_check = cf_now_ms();
            if (ctl_proc_check_cpu(&p->tracer, g))
                continue;
            if (must_stop(p, started)) {
                p->ending = STOPPED;
                ctl_proc_verdict(g, V_OK, "%s", "");
                return;
            }
        }
        refill(p);
        struct pollfd fds[2];
        int n = 0;
        bool relay = may_relay(p);
        fds[n++] = (struct pollfd){.fd = relay ? g->rep_fd : -1, .events = POLLIN};
        bool take_input =
            !p->input_done && g->req_fd >= 0 && ctl_proc_pending(g) < INPUT_PENDING_MAX;
        fds[n++] = (struct pollfd){.fd = take_input ? p->hooks->input_fd : -1, .events = POLLIN};
        ctl_tracer_poll(&p->tracer, fds, n, relay ? SLICE_MS : 10);
        if (fds[0].revents)
            read_game(p);
        if (fds[1].revents)
            read_input(p);
    }
}

static cJSON *end_object(play *p, const ctl_bot_report *r, int64_t started)
{
    const char *status = p->ending == STOPPED ? "stopped"
                         : r->verdict == V_OK ? "finished"
                                              : "failed";
    const char *detail = p->ending == STOPPED ? p->stop_why : r->detail;
    return cf_play_end_new(status, ctl_verdict_name(r->verdict), detail,
                           p->has_score ? &p->score : NULL, r->cpu_ms, r->peak_memory_kb,
                           r->log ? r->log : "", cf_now_ms() - started);
}

cJSON *cf_play_run(cf_sandbox *sb, const cf_play_entry *e, const cf_play_limits *limits,
                   const cf_play_hooks *hooks, char *err, size_t errlen)
{
    int64_t started = cf_now_ms();
    if (sb->broken || !sb->fs) {
        snprintf(err, errlen, "the sandbox is broken; restart it");
        return NULL;
    }
    play *p = calloc(1, sizeof *p);
    char *init = init_message(e);
    if (p == NULL || init == NULL) {
        free(p);
        free(init);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->hooks = hooks;
    p->limits = limits;
    p->input_done = hooks->input_fd < 0;
    /* The loop must never block on the input: the game's new threads and
     * exits wait for us (ptrace) while we would. */
    int fl = hooks->input_fd >= 0 ? fcntl(hooks->input_fd, F_GETFL) : 0;
    if (fl < 0 || (hooks->input_fd >= 0 && fcntl(hooks->input_fd, F_SETFL, fl | O_NONBLOCK) < 0)) {
        free(p);
        free(init);
        snprintf(err, errlen, "input descriptor: %s", strerror(errno));
        return NULL;
    }
    p->refilled_us = cf_now_us();
    p->msg_tokens = limits->msgs_per_s;
    p->byte_tokens = limits->bytes_per_s;
    ctl_tracer_init(&p->tracer, sb, SB_KIND_GAME, 1, limits->cpu_ms, limits->memory_kb);
    p->tracer.on_exit = game_exited;
    p->tracer.owner = p;
    int rc = ctl_tracer_spawn(&p->tracer, 0, init, strlen(init), err, errlen);
    free(init);
    if (rc == 0)
        loop(p, started);
    ctl_bot_report r;
    ctl_tracer_finish(&p->tracer, &r);
    cJSON *end = NULL;
    if (rc != 0)
        ctl_sandbox_break(sb, "%s", err);
    else if (sb->broken)
        snprintf(err, errlen, "the sandbox broke during the play: %s", sb->broken_why);
    else if ((end = end_object(p, &r, started)) == NULL)
        snprintf(err, errlen, "out of memory");
    free(r.log);
    free(p->out.buf);
    free(p->in.buf);
    free(p);
    return end;
}
