/*
 * bench_sandbox.c — cf-bench-sandbox: what the sandbox costs, in figures.
 *
 * Prints three comparisons, each measured in one run (this machine is noisy,
 * so only ratios taken side by side mean anything):
 *
 *  1. Spawn to first reply, per bot: median and p99.
 *     sandbox   one-tick Tanks fights through cf_fight_run() (fight.h) on one
 *               long-lived sandbox; the controller's own clock, from the
 *               spawn request (a pooled coderunner claimed, or a fresh clone)
 *               to the first reply (import, Main(), first decide_tick):
 *               the report's debug.first_reply_us (options.debug).
 *     cold      the same with no pool (options.single_fight) on a fresh
 *               sandbox per fight: every bot a fresh clone; and the time
 *               cf_sandbox_start() takes.
 *     python3   posix_spawn of `python3 -c HARNESS` running the same bot
 *               through a minimal line-JSON harness over pipes.
 *     bwrap     the same command inside bubblewrap (every namespace
 *               unshared, read-only /usr, its own /dev, /proc and /tmp).
 *  2. One call's round trip after the first: sandboxed against the same
 *     harness with no sandbox (cf-fight --no-sandbox), from 100-tick fights
 *     (debug.call_us_mean and call_us_min), beside the minimal harness.
 *  3. A whole 100-tick Tanks fight between two trivial bots through the
 *     cf-fight program (process start, sandbox start, spawns included),
 *     sandboxed against --no-sandbox, alternated; plus the same fight
 *     in-process on a warm sandbox, and the ptrace stops per bot
 *     (debug.ptrace_stops: an ordinary bot's calls should cause none).
 *
 *   cf-bench-sandbox --cf-fight PATH [--runs N] [--python PATH] [--bwrap PATH]
 *
 * Needs root (the sandbox does). Never run by ctest: see bench/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "fight.h"

extern char **environ;

static const char trivial_bot[] = "class Main:\n"
                                  "    def decide_tick(self, tick, my_state, enemy_state):\n"
                                  "        return 'N'\n";

/* The minimal harness for the unsandboxed baselines: one JSON line in with
 * the code, then one JSON line per call, one JSON line back per call. */
static const char mini_harness[] = "import sys, json\n"
                                   "r = sys.stdin.buffer\n"
                                   "w = sys.stdout.buffer\n"
                                   "init = json.loads(r.readline())\n"
                                   "ns = {}\n"
                                   "exec(compile(init['code'], 'bot.py', 'exec'), ns)\n"
                                   "inst = ns['Main']()\n"
                                   "inst.context = {}\n"
                                   "for line in r:\n"
                                   "    m = json.loads(line)\n"
                                   "    v = getattr(inst, m['m'])(*m['a'])\n"
                                   "    w.write(json.dumps({'ok': v}).encode() + b'\\n')\n"
                                   "    w.flush()\n";

/* The warm-fork reference: one Python process, warmed as the forkserver is
 * (json imported, the first compile() paid), forks a child per bot that
 * reads the bot's code, makes Main() and answers the first call over pipes;
 * it prints each spawn-to-first-reply in µs. argv: code, call line, runs. */
static const char warm_fork[] =
    "import os, sys, json, time\n"
    "exec(compile('x = 1', 'warm', 'exec'), {})\n"
    "code, call, runs = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])\n"
    "init = json.dumps({'code': code}).encode() + b'\\n'\n"
    "out = []\n"
    "for i in range(runs):\n"
    "    r1, w1 = os.pipe(); r2, w2 = os.pipe()\n"
    "    t0 = time.perf_counter()\n"
    "    pid = os.fork()\n"
    "    if pid == 0:\n"
    "        os.close(w1); os.close(r2)\n"
    "        rf = os.fdopen(r1, 'rb'); wf = os.fdopen(w2, 'wb')\n"
    "        ns = {}\n"
    "        exec(compile(json.loads(rf.readline())['code'], 'bot.py', 'exec'), ns)\n"
    "        inst = ns['Main'](); inst.context = {}\n"
    "        m = json.loads(rf.readline())\n"
    "        wf.write(json.dumps({'ok': getattr(inst, m['m'])(*m['a'])}).encode() + b'\\n')\n"
    "        wf.flush(); os._exit(0)\n"
    "    os.close(r1); os.close(w2)\n"
    "    os.write(w1, init + call)\n"
    "    rf = os.fdopen(r2, 'rb'); rf.readline()\n"
    "    out.append((time.perf_counter() - t0) * 1e6)\n"
    "    os.close(w1); rf.close(); os.waitpid(pid, 0)\n"
    "print(' '.join('%.0f' % x for x in out))\n";

static const char call_line[] =
    "{\"m\": \"decide_tick\", \"a\": [1, {\"x\": 0, \"y\": 0, \"health\": 100, \"head\": \"R\", "
    "\"moved\": false, \"targeted\": null}, {\"x\": 9, \"y\": 9, \"health\": 100, \"head\": "
    "\"L\", \"moved\": false, \"targeted\": null}]}\n";

static double now_us(void)
{
    return (double)cf_now_us();
}

/* ---- samples --------------------------------------------------------------- */

typedef struct samples {
    double *v;
    size_t n, cap;
} samples;

static void push(samples *s, double x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        double *v = realloc(s->v, cap * sizeof *v);
        if (!v) {
            fprintf(stderr, "cf-bench-sandbox: out of memory\n");
            exit(1);
        }
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile (p in 0..100) of the samples; NaN if empty. */
static double pct(samples *s, double p)
{
    if (s->n == 0)
        return 0.0 / 0.0;
    qsort(s->v, s->n, sizeof *s->v, cmp_double);
    size_t rank = (size_t)((p / 100.0) * (double)s->n + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > s->n)
        rank = s->n;
    return s->v[rank - 1];
}

static void line(const char *what, samples *s, const char *unit, double scale)
{
    if (s->n == 0) {
        printf("  %-44s  no samples\n", what);
        return;
    }
    printf("  %-44s  median %9.1f %s   p99 %9.1f %s   min %9.1f %s   (n=%zu)\n", what,
           pct(s, 50) / scale, unit, pct(s, 99) / scale, unit, pct(s, 0) / scale, unit, s->n);
}

/* ---- fights through fight.h ------------------------------------------------ */

static void fill_msg(cf_fight_entry *msg, int max_ticks, unsigned serial)
{
    memset(msg, 0, sizeof *msg);
    snprintf(msg->id, sizeof msg->id, "00000000-0000-4000-8000-%012u", serial);
    snprintf(msg->game, sizeof msg->game, "tanks");
    msg->nplayers = 2;
    for (int i = 0; i < 2; i++) {
        snprintf(msg->players[i].name, sizeof msg->players[i].name, "trivial%d.py", i + 1);
        msg->players[i].code = (char *)trivial_bot;
        msg->players[i].code_len = sizeof trivial_bot - 1;
    }
    msg->settings = cJSON_CreateObject();
    if (!msg->settings || !cJSON_AddNumberToObject(msg->settings, "max_ticks", max_ticks)) {
        fprintf(stderr, "cf-bench-sandbox: out of memory\n");
        exit(1);
    }
    msg->has_seed = true;
    msg->seed = serial;
}

static double debug_field(const cJSON *player, const char *key)
{
    const cJSON *dbg = cJSON_GetObjectItemCaseSensitive(player, "debug");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(dbg, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* Runs one fight; adds each bot's debug figures to the samples given
 * (any may be NULL) and returns the fight's wall time in µs, or -1. */
static double run_fight(cf_sandbox *sb, int max_ticks, unsigned serial, samples *first,
                        samples *call_mean, samples *call_min, samples *stops)
{
    cf_fight_entry msg;
    fill_msg(&msg, max_ticks, serial);
    char err[256];
    double t0 = now_us();
    cJSON *report = cf_fight_run(sb, &msg, NULL, err, sizeof err);
    double t1 = now_us();
    cJSON_Delete(msg.settings);
    if (!report) {
        fprintf(stderr, "cf-bench-sandbox: fight failed: %s\n", err);
        return -1;
    }
    const cJSON *players = cJSON_GetObjectItemCaseSensitive(report, "players");
    const cJSON *p;
    bool ok = true;
    cJSON_ArrayForEach (p, players) {
        const cJSON *verdict = cJSON_GetObjectItemCaseSensitive(p, "verdict");
        if (!cJSON_IsString(verdict) || strcmp(verdict->valuestring, "ok") != 0)
            ok = false;
        double x;
        if (first && (x = debug_field(p, "first_reply_us")) > 0)
            push(first, x);
        if (call_mean && (x = debug_field(p, "call_us_mean")) > 0)
            push(call_mean, x);
        if (call_min && (x = debug_field(p, "call_us_min")) > 0)
            push(call_min, x);
        if (stops && (x = debug_field(p, "ptrace_stops")) >= 0)
            push(stops, x);
    }
    cJSON_Delete(report);
    if (!ok) {
        fprintf(stderr, "cf-bench-sandbox: a trivial bot did not end ok\n");
        return -1;
    }
    return t1 - t0;
}

/* Cold spawns: a sandbox with no pool (single_fight), in a child process (one
 * controller per process), one fresh sandbox per fight so that every bot is a
 * fresh clone of the forkserver. The child writes each first_reply_us as a
 * double on the pipe. Done before the main sandbox starts. */
static void cold_spawns(int runs, samples *first, samples *start)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        cf_sandbox_options o = {.single_fight = true, .debug = true};
        char err[256];
        int n = runs / 4 > 10 ? runs / 4 : 10;
        for (int i = 0; i < n; i++) {
            double t0 = now_us();
            cf_sandbox *sb = cf_sandbox_start(&o, err, sizeof err);
            double t1 = now_us();
            if (!sb)
                _exit(1);
            samples one = {0};
            run_fight(sb, 1, 5000u + (unsigned)i, &one, NULL, NULL, NULL);
            cf_sandbox_stop(sb);
            double rec[3] = {t1 - t0, one.n > 0 ? one.v[0] : -1, one.n > 1 ? one.v[1] : -1};
            free(one.v);
            if (write(fds[1], rec, sizeof rec) != (ssize_t)sizeof rec)
                _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    double rec[3];
    while (read(fds[0], rec, sizeof rec) == (ssize_t)sizeof rec) {
        push(start, rec[0]);
        for (int k = 1; k < 3; k++)
            if (rec[k] > 0)
                push(first, rec[k]);
    }
    close(fds[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
}

/* ---- plain processes: python3 -c and bwrap ---------------------------------- */

typedef struct child {
    pid_t pid;
    FILE *in;  /* the child's stdin */
    FILE *out; /* the child's stdout */
} child;

static int child_start(child *c, char *const argv[])
{
    int to[2], from[2];
    if (pipe2(to, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(from, O_CLOEXEC) < 0) {
        close(to[0]);
        close(to[1]);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, to[0], 0);
    posix_spawn_file_actions_adddup2(&fa, from[1], 1);
    int rc = posix_spawn(&c->pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(to[0]);
    close(from[1]);
    if (rc != 0) {
        close(to[1]);
        close(from[0]);
        errno = rc;
        return -1;
    }
    c->in = fdopen(to[1], "w");
    c->out = fdopen(from[0], "r");
    if (!c->in || !c->out) {
        if (c->in)
            fclose(c->in);
        else
            close(to[1]);
        if (c->out)
            fclose(c->out);
        else
            close(from[0]);
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
        return -1;
    }
    return 0;
}

/* One call: send, wait for the reply line. */
static int child_call(child *c)
{
    char buf[4096];
    if (fputs(call_line, c->in) == EOF || fflush(c->in) == EOF)
        return -1;
    if (!fgets(buf, sizeof buf, c->out) || strncmp(buf, "{\"ok\"", 5) != 0)
        return -1;
    return 0;
}

static int child_init(child *c)
{
    cJSON *init = cJSON_CreateObject();
    if (!init || !cJSON_AddStringToObject(init, "code", trivial_bot)) {
        cJSON_Delete(init);
        return -1;
    }
    char *text = cJSON_PrintUnformatted(init);
    cJSON_Delete(init);
    if (!text)
        return -1;
    int rc = fprintf(c->in, "%s\n", text) < 0 ? -1 : 0;
    free(text);
    return rc;
}

static int child_end(child *c)
{
    fclose(c->in);
    fclose(c->out);
    int st;
    while (waitpid(c->pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Spawn to first reply of the mini harness under argv; adds to s. */
static int plain_first_reply(char *const argv[], samples *s)
{
    child c;
    double t0 = now_us();
    if (child_start(&c, argv) < 0)
        return -1;
    if (child_init(&c) < 0 || child_call(&c) < 0) {
        child_end(&c);
        return -1;
    }
    push(s, now_us() - t0);
    return child_end(&c);
}

/* Round trips of calls 2..n+1 of the mini harness; adds each to s. */
static int plain_round_trips(char *const argv[], int n, samples *s)
{
    child c;
    if (child_start(&c, argv) < 0)
        return -1;
    if (child_init(&c) < 0 || child_call(&c) < 0) {
        child_end(&c);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        double t0 = now_us();
        if (child_call(&c) < 0) {
            child_end(&c);
            return -1;
        }
        push(s, now_us() - t0);
    }
    return child_end(&c);
}

/* The warm-fork reference (warm_fork above): runs spawn-to-first-reply
 * samples, read from the script's one line of output. */
static int warm_fork_first_replies(const char *python, int runs, samples *s)
{
    char nruns[16];
    snprintf(nruns, sizeof nruns, "%d", runs);
    char *argv[] = {(char *)python, "-c", (char *)warm_fork, (char *)trivial_bot, (char *)call_line,
                    nruns,          NULL};
    child c;
    if (child_start(&c, argv) < 0)
        return -1;
    fclose(c.in);
    c.in = NULL;
    size_t cap = (size_t)runs * 12 + 64;
    char *buf = malloc(cap);
    int rc = -1;
    if (buf && fgets(buf, (int)cap, c.out)) {
        rc = 0;
        char *p = buf, *end;
        for (double x = strtod(p, &end); end != p; x = strtod(p, &end)) {
            push(s, x);
            p = end;
        }
    }
    free(buf);
    fclose(c.out);
    int st;
    while (waitpid(c.pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return rc;
}

/* The plain-Python pair: two python3 -c harness processes started together,
 * then `ticks` rounds of one call to each, in turn, over pipes, then both
 * ended: a fight's work with no sandbox and no controller. Returns the wall
 * µs from the first spawn to the last exit, or -1. */
static double plain_pair_fight(char *const argv[], int ticks)
{
    child c[2];
    double t0 = now_us();
    if (child_start(&c[0], argv) < 0)
        return -1;
    if (child_start(&c[1], argv) < 0) {
        child_end(&c[0]);
        return -1;
    }
    int ok = child_init(&c[0]) == 0 && child_init(&c[1]) == 0;
    for (int t = 0; ok && t < ticks; t++)
        ok = child_call(&c[0]) == 0 && child_call(&c[1]) == 0;
    int end0 = child_end(&c[0]); /* both ended, whatever the first says */
    int end1 = child_end(&c[1]);
    return ok && end0 == 0 && end1 == 0 ? now_us() - t0 : -1;
}

/* ---- the cf-fight program ------------------------------------------------- */

/* One cf-fight run (its JSON on a pipe): returns the wall µs and adds each
 * bot's debug figures to the samples given (any may be NULL). */
static double cf_fight_once(const char *cf_fight, const char *bot, bool sandbox, samples *stops,
                            samples *call_mean, samples *call_min)
{
    char *argv[8];
    int k = 0;
    argv[k++] = (char *)cf_fight;
    argv[k++] = "--game";
    argv[k++] = "tanks";
    argv[k++] = "--json";
    if (!sandbox)
        argv[k++] = "--no-sandbox";
    argv[k++] = (char *)bot;
    argv[k++] = (char *)bot;
    argv[k] = NULL;
    int out[2];
    if (pipe2(out, O_CLOEXEC) < 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    double t0 = now_us();
    int rc = posix_spawn(&pid, cf_fight, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    if (rc != 0) {
        close(out[0]);
        fprintf(stderr, "cf-bench-sandbox: %s: %s\n", cf_fight, strerror(rc));
        return -1;
    }
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    ssize_t got;
    while (buf && (got = read(out[0], buf + len, cap - len - 1)) > 0) {
        len += (size_t)got;
        if (cap - len < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    close(out[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    double t1 = now_us();
    if (!buf)
        return -1;
    buf[len] = '\0';
    cJSON *report = cJSON_Parse(buf);
    free(buf);
    if (!report || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        cJSON_Delete(report);
        fprintf(stderr, "cf-bench-sandbox: cf-fight failed (status %#x)\n", st);
        return -1;
    }
    const cJSON *p;
    cJSON_ArrayForEach (p, cJSON_GetObjectItemCaseSensitive(report, "players")) {
        double x = debug_field(p, "ptrace_stops");
        if (stops && x >= 0)
            push(stops, x);
        if (call_mean && (x = debug_field(p, "call_us_mean")) > 0)
            push(call_mean, x);
        if (call_min && (x = debug_field(p, "call_us_min")) > 0)
            push(call_min, x);
    }
    cJSON_Delete(report);
    return t1 - t0;
}

/* ---- main ------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr, "usage: cf-bench-sandbox --cf-fight PATH [--runs N] [--python PATH] "
                    "[--bwrap PATH]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *cf_fight = NULL, *python = "/usr/bin/python3", *bwrap = "/usr/bin/bwrap";
    int runs = 200;
    static const struct option longopts[] = {{"cf-fight", required_argument, NULL, 'f'},
                                             {"runs", required_argument, NULL, 'n'},
                                             {"python", required_argument, NULL, 'p'},
                                             {"bwrap", required_argument, NULL, 'b'},
                                             {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': cf_fight = optarg; break;
        case 'n': runs = atoi(optarg); break;
        case 'p': python = optarg; break;
        case 'b': bwrap = optarg; break;
        default: usage();
        }
    }
    if (!cf_fight || runs < 1)
        usage();
    if (geteuid() != 0) {
        fprintf(stderr, "cf-bench-sandbox: the sandbox needs root\n");
        return 1;
    }
    /* cf-fight adds its per-bot timings to the report under this variable;
     * in-process, the sandbox option debug does. */
    if (setenv("CF_FIGHT_DEBUG", "1", 1) < 0)
        return 1;

    char err[256];
    samples cold_first = {0}, cold_start = {0};
    cold_spawns(runs, &cold_first, &cold_start);

    /* One controller per process (it reaps with wait4(-1)): the unsandboxed
     * side of the comparisons runs as `cf-fight --no-sandbox`. */
    cf_sandbox_options sandboxed = {.debug = true};
    cf_sandbox *sb = cf_sandbox_start(&sandboxed, err, sizeof err);
    if (!sb) {
        fprintf(stderr, "cf-bench-sandbox: sandbox: %s\n", err);
        return 1;
    }
    printf("cf-bench-sandbox: %d runs per figure; layers:\n", runs);
    cf_sandbox_describe(sb, stdout);

    /* 1. Spawn to first reply. */
    samples sb_first = {0}, sb_fight1 = {0}, py_first = {0}, bw_first = {0};
    char *py_argv[] = {(char *)python, "-c", (char *)mini_harness, NULL};
    char *bw_argv[] = {(char *)bwrap,
                       "--unshare-all",
                       "--die-with-parent",
                       "--new-session",
                       "--ro-bind",
                       "/usr",
                       "/usr",
                       "--symlink",
                       "usr/lib",
                       "/lib",
                       "--symlink",
                       "usr/lib64",
                       "/lib64",
                       "--symlink",
                       "usr/bin",
                       "/bin",
                       "--dev",
                       "/dev",
                       "--proc",
                       "/proc",
                       "--tmpfs",
                       "/tmp",
                       (char *)python,
                       "-c",
                       (char *)mini_harness,
                       NULL};
    bool bwrap_ok = access(bwrap, X_OK) == 0;
    run_fight(sb, 1, 0, NULL, NULL, NULL, NULL); /* warm the sandbox and its pool */
    for (int i = 0; i < runs; i++) {
        double t = run_fight(sb, 1, (unsigned)i + 1, &sb_first, NULL, NULL, NULL);
        if (t > 0)
            push(&sb_fight1, t);
        if (plain_first_reply(py_argv, &py_first) < 0)
            fprintf(stderr, "cf-bench-sandbox: python3 -c run failed\n");
        if (bwrap_ok && plain_first_reply(bw_argv, &bw_first) < 0) {
            fprintf(stderr, "cf-bench-sandbox: bwrap run failed; skipping bwrap\n");
            bwrap_ok = false;
        }
    }
    printf("\n1. spawn to first reply, per bot (import + Main() + first decide_tick)\n");
    line("sandbox (cf_fight_run, debug.first_reply_us)", &sb_first, "ms", 1e3);
    line("python3 -c harness, no sandbox", &py_first, "ms", 1e3);
    if (access(bwrap, X_OK) == 0)
        line("bwrap --unshare-all python3 -c harness", &bw_first, "ms", 1e3);
    else
        printf("  %-44s  absent (apt-get install bubblewrap)\n", "bwrap");
    samples wf_first = {0};
    if (warm_fork_first_replies(python, runs, &wf_first) < 0)
        fprintf(stderr, "cf-bench-sandbox: the warm-fork reference failed\n");
    line("reference: warm Python fork, no sandbox", &wf_first, "ms", 1e3);
    printf("  goal: sandbox median <= 3 ms: %.2f ms (%s); %.2fx the warm fork\n",
           pct(&sb_first, 50) / 1e3, pct(&sb_first, 50) <= 3000 ? "met" : "NOT met",
           pct(&sb_first, 50) / pct(&wf_first, 50));
    line("sandbox, cold: no pool, fresh clone per bot", &cold_first, "ms", 1e3);
    line("sandbox start (forkserver exec, Python)", &cold_start, "ms", 1e3);
    line("whole 1-tick fight, 2 bots, warm sandbox", &sb_fight1, "ms", 1e3);

    /* 2 and 3: 100-tick fights. In-process on the warm sandbox, then the
     * cf-fight program sandboxed and --no-sandbox, alternated. */
    samples sb_fight = {0}, sb_stops = {0}, py_rtt = {0};
    int fights = runs / 4 > 10 ? runs / 4 : 10;
    for (int i = 0; i < fights; i++) {
        double t = run_fight(sb, 100, 1000u + (unsigned)i, NULL, NULL, NULL, &sb_stops);
        if (t > 0)
            push(&sb_fight, t);
    }
    char bot_path[] = "/tmp/cf-bench-bot-XXXXXX.py";
    int fd = mkstemps(bot_path, 3);
    if (fd < 0 ||
        write(fd, trivial_bot, sizeof trivial_bot - 1) != (ssize_t)(sizeof trivial_bot - 1)) {
        fprintf(stderr, "cf-bench-sandbox: bot file: %s\n", strerror(errno));
        return 1;
    }
    close(fd);
    if (chmod(bot_path, 0644) < 0)
        fprintf(stderr, "cf-bench-sandbox: chmod: %s\n", strerror(errno));
    samples cf_sb = {0}, cf_no = {0}, cf_stops = {0}, pair = {0};
    samples sb_mean = {0}, sb_min = {0}, no_mean = {0}, no_min = {0};
    for (int i = 0; i < fights; i++) {
        double t = cf_fight_once(cf_fight, bot_path, true, &cf_stops, &sb_mean, &sb_min);
        if (t > 0)
            push(&cf_sb, t);
        t = cf_fight_once(cf_fight, bot_path, false, NULL, &no_mean, &no_min);
        if (t > 0)
            push(&cf_no, t);
        t = plain_pair_fight(py_argv, 100);
        if (t > 0)
            push(&pair, t);
    }
    unlink(bot_path);
    if (plain_round_trips(py_argv, runs * 5, &py_rtt) < 0)
        fprintf(stderr, "cf-bench-sandbox: python3 -c round trips failed\n");

    printf("\n2. one call's round trip after the first (per bot, 100-tick fights via cf-fight)\n");
    line("sandbox: mean per fight", &sb_mean, "us", 1);
    line("same harness, --no-sandbox: mean per fight", &no_mean, "us", 1);
    line("sandbox: fastest call per fight", &sb_min, "us", 1);
    line("same harness, --no-sandbox: fastest", &no_min, "us", 1);
    line("python3 -c line harness over pipes", &py_rtt, "us", 1);
    printf("  ratio sandbox / no sandbox (median of means): %.2f  (target <= 1.2)\n",
           pct(&sb_mean, 50) / pct(&no_mean, 50));
    /* The fastest call of a fight is the least disturbed by a busy machine. */
    printf("  ratio sandbox / no sandbox (median of fastest calls): %.2f\n",
           pct(&sb_min, 50) / pct(&no_min, 50));

    printf("\n3. a whole 100-tick Tanks fight, two trivial bots\n");
    line("cf-fight (process, sandbox, spawns)", &cf_sb, "ms", 1e3);
    line("cf-fight --no-sandbox", &cf_no, "ms", 1e3);
    printf("  ratio cf-fight sandboxed / --no-sandbox (medians): %.2f  (target <= 1.25)\n",
           pct(&cf_sb, 50) / pct(&cf_no, 50));
    line("reference: plain-Python pair over pipes", &pair, "ms", 1e3);
    printf("  goal: cf-fight cold <= 1.2x the plain-Python pair: %.2fx (%s)\n",
           pct(&cf_sb, 50) / pct(&pair, 50),
           pct(&cf_sb, 50) <= 1.2 * pct(&pair, 50) ? "met" : "NOT met");
    line("in-process fight, warm sandbox (fight.h)", &sb_fight, "ms", 1e3);
    line("ptrace stops per bot (in-process fights)", &sb_stops, "", 1);
    line("ptrace stops per bot (cf-fight)", &cf_stops, "", 1);

    cf_sandbox_stop(sb);
    samples *all[] = {&sb_first, &sb_fight1, &py_first,   &bw_first,   &sb_mean,  &sb_min,
                      &no_mean,  &no_min,    &py_rtt,     &sb_fight,   &sb_stops, &cf_sb,
                      &cf_no,    &cf_stops,  &cold_first, &cold_start, &wf_first, &pair};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]->v);
    return 0;
}
