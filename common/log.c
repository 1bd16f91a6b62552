/*
 * log.c — one line per event on stderr, text or JSON.
 *
 * The settings are written once by cf_log_init before threads start; each
 * line is formatted into a local buffer and written with a single write(2),
 * so lines from several threads or processes never interleave. Control
 * characters of the message are escaped so an event is always one line
 * (a bot's output quoted in a log cannot forge other log lines), and in
 * the JSON form bytes that are not UTF-8 (a bot's output again, or a
 * message cut short mid-character) become U+FFFD: cJSON copies strings as
 * they are, and one invalid byte makes the whole line unreadable to a log
 * collector.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "log.h"
#include "log_ring.h"
#include "text.h"

#define LOG_LINE_MAX 8192

static char log_prog[64] = "codefights";
static enum cf_log_level log_min = CF_LOG_INFO;
static bool log_json;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void cf_log_init(const char *prog, enum cf_log_level level, bool json)
{
    if (prog != NULL)
        snprintf(log_prog, sizeof log_prog, "%s", prog);
    if (level >= CF_LOG_DEBUG && level <= CF_LOG_ERROR)
        log_min = level;
    log_json = json;
}

int cf_log_level_parse(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < 4; i++)
        if (strcasecmp(name, level_names[i]) == 0)
            return i;
    if (strcasecmp(name, "warning") == 0)
        return CF_LOG_WARN;
    return -1;
}

#define TS_LEN 96 /* room for any int the format could print */

static void timestamp(char buf[TS_LEN])
{
    const size_t len = TS_LEN;
    struct timespec ts;
    struct tm tm;

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || gmtime_r(&ts.tv_sec, &tm) == NULL) {
        snprintf(buf, len, "1970-01-01T00:00:00.000Z");
        return;
    }
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000L) % 1000);
}

/* Copies src into dst escaping control characters, always NUL-terminated. */
static void escape_controls(char *dst, size_t dstlen, const char *src)
{
    size_t o = 0;

    for (const unsigned char *p = (const unsigned char *)src; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7F) {
            if (o + 5 >= dstlen)
                break;
            o += (size_t)snprintf(dst + o, dstlen - o, "\\x%02x", *p);
        } else {
            if (o + 1 >= dstlen)
                break;
            dst[o++] = (char)*p;
        }
    }
    dst[o] = '\0';
}

static void write_all(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return; /* nowhere left to report a logging failure */
        }
        buf += n;
        len -= (size_t)n;
    }
}

/* A warn or error line for the heartbeat's last_errors (log_ring.h). */
static void keep_in_ring(const char *ts, enum cf_log_level level, const char *msg)
{
    char line[CF_LOG_RING_LINE_MAX];
    int n = snprintf(line, sizeof line, "%s %s ", ts, level_names[level]);
    if (n > 0 && (size_t)n < sizeof line)
        escape_controls(line + n, sizeof line - (size_t)n, msg);
    cf_log_ring_push(line); /* cut to the ring's line, as the ring would */
}

void cf_log(enum cf_log_level level, const char *fmt, ...)
{
    char msg[LOG_LINE_MAX], ts[TS_LEN], line[LOG_LINE_MAX + 256];
    va_list ap;
    int n;

    if (level < log_min || level < CF_LOG_DEBUG || level > CF_LOG_ERROR)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    timestamp(ts);
    if (level >= CF_LOG_WARN && cf_log_ring_enabled())
        keep_in_ring(ts, level, msg);

    if (log_json) {
        cJSON *o = cJSON_CreateObject();
        size_t ml = strlen(msg);
        char *text = NULL, *utf8 = malloc(3 * ml + 1); /* ml < LOG_LINE_MAX */

        if (utf8 != NULL)
            cf_utf8_sanitize(utf8, msg, ml);
        if (o != NULL && utf8 != NULL && cJSON_AddStringToObject(o, "ts", ts) != NULL &&
            cJSON_AddStringToObject(o, "level", level_names[level]) != NULL &&
            cJSON_AddStringToObject(o, "prog", log_prog) != NULL &&
            cJSON_AddStringToObject(o, "msg", utf8) != NULL)
            text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        free(utf8);
        if (text != NULL) {
            size_t tl = strlen(text);
            char *nl = realloc(text, tl + 2);
            if (nl != NULL) {
                /* cJSON escaped the controls; add the newline, one write. */
                nl[tl] = '\n';
                nl[tl + 1] = '\0';
                write_all(nl, tl + 1);
                free(nl);
                return;
            }
            free(text);
        }
        /* Out of memory: fall through to the text form rather than lose it. */
    }
    {
        char clean[LOG_LINE_MAX];
        escape_controls(clean, sizeof clean, msg);
        n = snprintf(line, sizeof line, "%s %s %s: %s\n", ts, level_names[level], log_prog, clean);
        if (n > 0) {
            if ((size_t)n >= sizeof line) {
                n = (int)sizeof line - 1;
                line[n - 1] = '\n';
            }
            write_all(line, (size_t)n);
        }
    }
}
