/*
 * cf_play_main.c — cf-play, the arcade's local runner (docs/arcade.md).
 *
 *   cf-play [--seconds N] [--input FILE|-] [--title T] [--cpu-seconds N]
 *           [--memory-mb N] [--require-layers a,b] [--no-sandbox] GAME.py|GAME.zip
 *
 * The same sandbox and play controller as cf-simulator's arcade workers,
 * without Redis or a database. Prints every display message the game sent,
 * one JSON line each, in order, then the end object as the last line. Input
 * events come from FILE (JSON lines, each delivered `at_ms` milliseconds
 * after the game started, or right after the previous one when absent; the
 * `at_ms` key is taken off; blank lines and lines starting with # are
 * skipped). The game stops by itself, after --seconds
 * (default 10; then its status is "stopped"), or on SIGINT/SIGTERM (status
 * "stopped"). Exit status: 0 when the game ran (whatever it did), 1 when it
 * could not (sandbox, unreadable game), 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "fight.h"
#include "file_read.h"
#include "text.h"

static volatile sig_atomic_t g_signal;

static void on_signal(int sig)
{
    g_signal = sig;
}

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: cf-play [--seconds N] [--input FILE|-] [--title T] [--cpu-seconds N]\n"
        "               [--memory-mb N] [--require-layers a,b] [--no-sandbox] GAME.py|GAME.zip\n"
        "\n"
        "  --seconds N            stop the game after N seconds (default 10; a\n"
        "                         decimal number, e.g. 2.5)\n"
        "  --input FILE           input events, JSON lines (\"-\": standard input); each\n"
        "                         may carry at_ms, its time from the game's start\n"
        "  --title T              the play's title (default: the file's name)\n"
        "  --cpu-seconds N        the game's CPU budget (default 600, as the arcade's)\n"
        "  --memory-mb N          the game's memory limit (default 256, as the arcade's)\n"
        "  --require-layers LIST  refuse to run unless these sandbox layers are active\n"
        "  --no-sandbox           UNSAFE: run the game as a plain Python process\n"
        "\n"
        "Prints the game's display messages, one JSON line each, then the end object.\n"
        "Needs root for the sandbox. Exit 0 when the game ran, 1 when it could not, 2 on\n"
        "a usage error.\n");
}

/* ----------------------------------------------------------------- game */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* The play entry of a file: a .zip is a bundle (base64), anything else
 * Python source. */
static int load_game(const char *path, const char *title, cf_play_entry *e, char *err,
                     size_t errlen)
{
    memset(e, 0, sizeof *e);
    cf_uuid_generate(e->id);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    snprintf(e->title, sizeof e->title, "%s", title ? title : base);
    size_t len;
    bool zip = ends_with(path, ".zip");
    char *data = cf_read_file(path, zip ? CF_DEFAULT_MAX_BUNDLE_BYTES : CF_DEFAULT_MAX_CODE_BYTES,
                              &len, err, errlen);
    if (!data)
        return -1;
    if (!zip) {
        if (!cf_utf8_valid(data, len)) {
            free(data);
            snprintf(err, errlen, "%s: not UTF-8 text", path);
            return -1;
        }
        e->code = data;
        e->code_len = len;
        return 0;
    }
    size_t b64 = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    e->bundle = malloc(b64);
    if (!e->bundle) {
        free(data);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    sodium_bin2base64(e->bundle, b64, (const unsigned char *)data, len,
                      sodium_base64_VARIANT_ORIGINAL);
    e->bundle_len = strlen(e->bundle);
    free(data);
    return 0;
}

/* ---------------------------------------------------------------- input */

typedef struct feeder {
    FILE *in;
    int fd; /* the write end of the play's input pipe */
    int64_t started_ms;
} feeder;

static void sleep_until(int64_t at_ms)
{
    int64_t left;
    while ((left = at_ms - cf_now_ms()) > 0) {
        struct timespec ts = {left / 1000, (left % 1000) * 1000000};
        nanosleep(&ts, NULL);
    }
}

static int write_line(int fd, const char *s)
{
    size_t len = strlen(s);
    while (len > 0) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        s += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Delivers the input file's events on time; its end closes the pipe. */
static void *feed(void *arg)
{
    feeder *f = arg;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int64_t next = f->started_ms;
    for (int number = 1; (n = getline(&line, &cap, f->in)) > 0; number++) {
        size_t blank = strspn(line, " \t\r\n");
        if (blank == (size_t)n || line[blank] == '#')
            continue; /* blank lines and # comments say nothing */
        cJSON *ev = cJSON_ParseWithLength(line, (size_t)n);
        if (!cJSON_IsObject(ev)) {
            fprintf(stderr, "cf-play: input line %d is not a JSON object: skipped\n", number);
            cJSON_Delete(ev);
            continue;
        }
        cJSON *at = cJSON_DetachItemFromObjectCaseSensitive(ev, "at_ms");
        if (cJSON_IsNumber(at))
            next = f->started_ms + (int64_t)at->valuedouble;
        cJSON_Delete(at);
        char *text = cJSON_PrintUnformatted(ev);
        cJSON_Delete(ev);
        sleep_until(next);
        int rc = text ? write_line(f->fd, text) : -1;
        free(text);
        if (rc < 0 || write_line(f->fd, "\n") < 0)
            break; /* the play is over */
    }
    free(line);
    close(f->fd);
    return NULL;
}

/* ----------------------------------------------------------------- play */

typedef struct run {
    int64_t started_ms;
    int64_t limit_ms;
} run;

static void display(void *ud, const char *msg, size_t len)
{
    (void)ud;
    fwrite(msg, 1, len, stdout);
    fputc('\n', stdout);
    fflush(stdout);
}

static const char *stop(void *ud)
{
    run *r = ud;
    if (g_signal)
        return g_signal == SIGINT ? "stopped (SIGINT)" : "stopped (SIGTERM)";
    if (cf_now_ms() - r->started_ms >= r->limit_ms)
        return "stopped after --seconds";
    return NULL;
}

static int signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGINT, &sa, NULL) == 0 && sigaction(SIGTERM, &sa, NULL) == 0 ? 0 : -1;
}

/* Starts the input thread (its signals blocked: they are the main
 * thread's); *fd is the read end for the play, -1 without input. */
static int start_input(const char *path, feeder *f, pthread_t *tid, int *fd)
{
    *fd = -1;
    if (!path)
        return 0;
    f->in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    int p[2];
    if (!f->in || pipe2(p, O_CLOEXEC) != 0) {
        fprintf(stderr, "cf-play: %s: %s\n", path, strerror(errno));
        return -1;
    }
    f->fd = p[1];
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(tid, NULL, feed, f);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        fprintf(stderr, "cf-play: input thread: %s\n", strerror(rc));
        return -1;
    }
    /* Never joined: it may wait on its file or on an event's time when the
     * play is over; the process ends with _exit, which does not wait. */
    pthread_detach(*tid);
    *fd = p[0];
    return 0;
}

int main(int argc, char **argv)
{
    enum { OPT_NO_SANDBOX = 256, OPT_REQUIRE, OPT_TITLE, OPT_CPU, OPT_MEMORY, OPT_HELP };
    static const struct option longopts[] = {
        {"seconds", required_argument, NULL, 's'},
        {"input", required_argument, NULL, 'i'},
        {"title", required_argument, NULL, OPT_TITLE},
        {"cpu-seconds", required_argument, NULL, OPT_CPU},
        {"memory-mb", required_argument, NULL, OPT_MEMORY},
        {"no-sandbox", no_argument, NULL, OPT_NO_SANDBOX},
        {"require-layers", required_argument, NULL, OPT_REQUIRE},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    cf_sandbox_options opts = {.single_fight = true, .arcade = true};
    const char *input = NULL, *title = NULL;
    double seconds = 10;
    cf_play_limits limits;
    cf_play_limits_default(&limits);
    int c;
    while ((c = getopt_long(argc, argv, "s:i:", longopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 's':
            seconds = strtod(optarg, &end);
            if (*end || !(seconds > 0 && seconds <= CF_PLAY_SECONDS_MAX)) {
                fprintf(stderr, "cf-play: --seconds wants a number of seconds in (0, %d]\n",
                        CF_PLAY_SECONDS_MAX);
                return 2;
            }
            break;
        case 'i': input = optarg; break;
        case OPT_TITLE: title = optarg; break;
        case OPT_CPU:
        case OPT_MEMORY: {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 4096) {
                fprintf(stderr, "cf-play: --%s wants 1..4096\n",
                        c == OPT_CPU ? "cpu-seconds" : "memory-mb");
                return 2;
            }
            if (c == OPT_CPU)
                limits.cpu_ms = (uint32_t)v * 1000;
            else
                limits.memory_kb = (uint32_t)v * 1024;
            break;
        }
        case OPT_NO_SANDBOX: opts.unsafe_no_sandbox = true; break;
        case OPT_REQUIRE: opts.require_layers = optarg; break;
        case OPT_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    char err[512];
    cf_play_entry e;
    if (sodium_init() < 0 || load_game(argv[optind], title, &e, err, sizeof err) < 0) {
        fprintf(stderr, "cf-play: %s\n", sodium_init() < 0 ? "libsodium failed" : err);
        return 1;
    }
    if (opts.unsafe_no_sandbox)
        fprintf(stderr, "cf-play: *** UNSAFE: --no-sandbox runs the game as a plain Python "
                        "process with your privileges ***\n");
    if (signals() != 0) {
        fprintf(stderr, "cf-play: signals: %s\n", strerror(errno));
        return 1;
    }
    cf_sandbox *sb = cf_sandbox_start(&opts, err, sizeof err);
    if (!sb) {
        fprintf(stderr, "cf-play: %s\n", err);
        cf_play_entry_free(&e);
        return 1;
    }
    cf_sandbox_describe(sb, stderr);
    run r = {.started_ms = cf_now_ms(), .limit_ms = (int64_t)(seconds * 1000)};
    feeder f = {.started_ms = r.started_ms};
    pthread_t tid;
    int input_fd;
    if (start_input(input, &f, &tid, &input_fd) != 0) {
        cf_sandbox_stop(sb);
        cf_play_entry_free(&e);
        return 1;
    }
    cf_play_hooks hooks = {.ud = &r, .display = display, .input_fd = input_fd, .stop = stop};
    cJSON *end = cf_play_run(sb, &e, &limits, &hooks, err, sizeof err);
    cf_sandbox_stop(sb);
    cf_play_entry_free(&e);
    if (!end) {
        fprintf(stderr, "cf-play: %s\n", err);
        _exit(1);
    }
    char *json = cJSON_PrintUnformatted(end);
    cJSON_Delete(end);
    if (!json) {
        fprintf(stderr, "cf-play: out of memory\n");
        _exit(1);
    }
    printf("%s\n", json);
    free(json);
    _exit(fflush(stdout) == 0 ? 0 : 1);
}
