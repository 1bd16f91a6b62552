/*
 * service_worker.c — one worker process of cf-simulator.
 *
 * It owns one sandbox for its whole life (the sandbox's tracer must be the
 * process that runs the job) and runs one job at a time: a JOB frame in,
 * progress frames, the fight's per-tick output (when its bots printed) and
 * one REPORT frame out. A fight worker runs fights; an
 * arcade worker (its sandbox started with the play harness) runs plays,
 * which service_play.c connects to their streams. It dies with its parent
 * (PR_SET_PDEATHSIG), and its bots die with it (the sandbox traces them with
 * PTRACE_O_EXITKILL), so a kill -9 of the service leaves no bot behind.
 * SIGINT and SIGTERM are the parent's business: it decides whether a fight
 * is finished or handed back.
 *
 * Test hook: CF_TEST_BAD_REPORT=1 in the environment makes a worker send
 * text that is not a report instead of each fight's report, for the
 * integration test of the parent's refusal (the fight must still land in
 * PostgreSQL, as failed). It is read from the environment only.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "json_print.h"
#include "log.h"
#include "service.h"

typedef struct worker_ctx {
    enum svc_kind kind;
    const svc_settings *s;
    int jobfd, resfd;
    bool cancelled;
    bool bad_reports; /* CF_TEST_BAD_REPORT */
    int report_rc;    /* the REPORT frame: 1 not sent yet, 0 sent, -1 failed */
} worker_ctx;

static void on_progress(void *ud, int tick)
{
    worker_ctx *w = ud;
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%d", tick);
    /* A lost progress frame is harmless; the report still comes. */
    (void)svc_frame_write(w->resfd, SVC_FRAME_PROGRESS, buf, (size_t)n);
}

/* Only CANCEL frames can arrive while a fight runs (the parent sends one job
 * at a time); anything readable is consumed here. */
static bool on_cancelled(void *ud)
{
    worker_ctx *w = ud;
    while (!w->cancelled) {
        struct pollfd p = {.fd = w->jobfd, .events = POLLIN};
        if (poll(&p, 1, 0) <= 0)
            break;
        char type;
        char *data = NULL;
        size_t len;
        int rc = svc_frame_read(w->jobfd, &type, &data, &len);
        free(data);
        if (rc <= 0) {
            /* Parent gone: stop the fight, nobody will take its report. */
            w->cancelled = true;
            break;
        }
        if (type == SVC_FRAME_CANCEL)
            w->cancelled = true;
    }
    return w->cancelled;
}

/* The report, to the parent at once: the sandbox prepares the next
 * fight's coderunners only after this. */
static void on_finished(void *ud, const cJSON *report)
{
    worker_ctx *w = ud;
    char *json = w->bad_reports ? strdup("not a report {") : cf_json_print(report);
    if (json == NULL)
        return; /* tried again after cf_fight_run */
    w->report_rc = svc_frame_write(w->resfd, SVC_FRAME_REPORT, json, strlen(json)) == 0 ? 0 : -1;
    free(json);
}

/* What the bots printed by tick, to the parent just before the report,
 * which publishes both in one cf:results entry. A lost one costs only the
 * output. */
static void on_output(void *ud, const cJSON *output)
{
    worker_ctx *w = ud;
    char *json = cf_json_print(output);
    if (json == NULL)
        return;
    (void)svc_frame_write(w->resfd, SVC_FRAME_OUTPUT, json, strlen(json));
    free(json);
}

static void send_error(int resfd, const char *err)
{
    (void)svc_frame_write(resfd, SVC_FRAME_ERROR, err, strlen(err));
}

/* Runs one play; 0, or -1 when the worker must go. */
static int run_play(worker_ctx *w, cf_sandbox *sb, const char *buf, size_t len)
{
    char err[512] = "";
    if (svc_play_job(sb, w->s, w->jobfd, w->resfd, buf, len, err, sizeof err) == 0)
        return 0;
    send_error(w->resfd, err[0] ? err : "the play could not run");
    return -1;
}

/* Runs one fight; 0, or -1 when the sandbox broke and the worker must go. */
static int run_fight(worker_ctx *w, cf_sandbox *sb, const char *buf, size_t len)
{
    cf_field *fields = NULL;
    size_t nfields = 0;
    char err[512] = "";
    cf_fight_entry fight;
    if (svc_fields_unpack(buf, len, &fields, &nfields) != 0) {
        send_error(w->resfd, "worker: unreadable job frame");
        return -1;
    }
    /* The parent decoded and checked the entry, and encoded it again for
     * us: the same decoder reads it across the process boundary. */
    if (cf_fight_entry_decode(fields, nfields, SVC_FRAME_MAX, &fight, err, sizeof err) != 0) {
        free(fields);
        send_error(w->resfd, err);
        return -1;
    }
    free(fields);
    w->cancelled = false;
    w->report_rc = 1;
    cf_fight_hooks hooks = {.ud = w,
                            .progress = on_progress,
                            .cancelled = on_cancelled,
                            .finished = on_finished,
                            .output = on_output};
    cJSON *report = cf_fight_run(sb, &fight, &hooks, err, sizeof err);
    cf_fight_entry_free(&fight);
    if (report == NULL) {
        send_error(w->resfd, err[0] ? err : "sandbox failed");
        return -1;
    }
    if (w->report_rc == 1) /* the hook could not print it: once more */
        on_finished(w, report);
    cJSON_Delete(report);
    if (w->report_rc == 1) {
        send_error(w->resfd, "worker: cannot print report");
        return -1;
    }
    return w->report_rc;
}

void svc_worker_main(int jobfd, int resfd, int index, enum svc_kind kind,
                     const cf_sandbox_options *opts, const svc_settings *s)
{
    pid_t parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(1);
    char name[16]; /* shown by ps and top: which process is a worker */
    snprintf(name, sizeof name, kind == SVC_PLAY ? "cf-sim-a%d" : "cf-sim-w%d", index);
    (void)prctl(PR_SET_NAME, name);
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);

    char err[512] = "";
    cf_sandbox *sb = cf_sandbox_start(opts, err, sizeof err);
    if (sb == NULL) {
        send_error(resfd, err[0] ? err : "cf_sandbox_start failed");
        _exit(2);
    }
    if (index == 0 || (kind == SVC_PLAY && index == s->concurrency)) /* a kind's first */
        cf_sandbox_describe(sb, stderr);
    /* READY carries the layers, for the parent's heartbeat. */
    char *layers = cf_sandbox_layers_json(sb);
    if (svc_frame_write(resfd, SVC_FRAME_READY, layers, layers != NULL ? strlen(layers) : 0) != 0) {
        cf_sandbox_stop(sb);
        _exit(1);
    }
    cJSON_free(layers);

    const char *bad = getenv("CF_TEST_BAD_REPORT");
    worker_ctx w = {.kind = kind,
                    .s = s,
                    .jobfd = jobfd,
                    .resfd = resfd,
                    .bad_reports = bad && strcmp(bad, "1") == 0};
    int code = 0;
    for (;;) {
        char type;
        char *data = NULL;
        size_t len = 0;
        int rc = svc_frame_read(jobfd, &type, &data, &len);
        if (rc <= 0) {
            free(data);
            code = rc == 0 ? 0 : 1; /* EOF: the parent is done with us */
            break;
        }
        int (*run)(worker_ctx *, cf_sandbox *, const char *, size_t) =
            kind == SVC_PLAY ? run_play : run_fight;
        if (type == SVC_FRAME_JOB && run(&w, sb, data, len) != 0) {
            free(data);
            code = 3;
            break;
        }
        free(data); /* a late CANCEL for a finished fight is ignored */
    }
    cf_sandbox_stop(sb);
    _exit(code);
}
