/*
 * request_head.c — what cf-web reads of a request before evhttp does.
 *
 * conn.c looks at each request's first bytes as they arrive, before evhttp
 * parses them: the request line names the route, whose body limit becomes
 * the connection's before evhttp reads the headers, and a few requests are
 * refused at once instead of being held. This reading only advises:
 * evhttp's parser still decides what the request is. What this one cannot
 * read gets the smallest limit, and evhttp answers it as it would have.
 *
 * evhttp consumes the request line as soon as it is complete, so it is
 * always at the front of the input buffer when first seen whole here. The
 * headers are read only when the whole head is already there (a client's
 * head usually comes in one piece); otherwise evhttp has started on them.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "web.h"

#define LINE_MAX_BYTES 8192       /* a longer request line gets no route */
#define HEADER_LINE_MAX 1024      /* a longer header line is skipped */
#define HEAD_SCAN_MAX (64 * 1024) /* evhttp's own bound on the head */

static bool method_of(const char *s, size_t n, enum evhttp_cmd_type *out)
{
    static const struct {
        const char *name;
        enum evhttp_cmd_type type;
    } methods[] = {
        {"GET", EVHTTP_REQ_GET},       {"POST", EVHTTP_REQ_POST},
        {"HEAD", EVHTTP_REQ_HEAD},     {"PUT", EVHTTP_REQ_PUT},
        {"DELETE", EVHTTP_REQ_DELETE}, {"OPTIONS", EVHTTP_REQ_OPTIONS},
        {"TRACE", EVHTTP_REQ_TRACE},   {"CONNECT", EVHTTP_REQ_CONNECT},
        {"PATCH", EVHTTP_REQ_PATCH},
    };
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        if (strlen(methods[i].name) == n && memcmp(methods[i].name, s, n) == 0) {
            *out = methods[i].type;
            return true;
        }
    }
    return false;
}

/* The decoded path of a request target (origin form, or absolute form
 * whose authority is skipped), without its query; false when it is none. */
static bool path_of(const char *target, size_t n, char *out, size_t outlen)
{
    char raw[LINE_MAX_BYTES];

    if (n == 0 || n >= sizeof raw)
        return false;
    memcpy(raw, target, n);
    raw[n] = '\0';
    char *p = raw;
    if (strncasecmp(p, "http://", 7) == 0 || strncasecmp(p, "https://", 8) == 0) {
        p = strchr(strstr(p, "//") + 2, '/');
        if (p == NULL)
            return false;
    }
    if (*p != '/')
        return false;
    p[strcspn(p, "?#")] = '\0';
    size_t len = 0;
    char *decoded = evhttp_uridecode(p, 0, &len);
    bool ok = decoded != NULL && strlen(decoded) == len && len < outlen;
    if (ok)
        memcpy(out, decoded, len + 1);
    free(decoded);
    return ok;
}

/* "METHOD SP target SP version" into h. */
static bool parse_request_line(const char *line, request_head *h)
{
    const char *sp1 = strchr(line, ' ');
    if (sp1 == NULL || !method_of(line, (size_t)(sp1 - line), &h->method))
        return false;
    const char *target = sp1 + 1;
    const char *sp2 = strchr(target, ' ');
    size_t n = sp2 != NULL ? (size_t)(sp2 - target) : strlen(target);
    h->has_path = path_of(target, n, h->path, sizeof h->path);
    return true;
}

/* Content-Length and Expect from one header line. */
static void parse_header(const char *line, request_head *h)
{
    const char *colon = strchr(line, ':');
    if (colon == NULL)
        return;
    size_t name_len = (size_t)(colon - line);
    const char *v = colon + 1 + strspn(colon + 1, " \t");
    if (name_len == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
        char *end = NULL;
        long long n = strtoll(v, &end, 10);
        if (end != v && *end == '\0' && n >= 0 && v[0] >= '0' && v[0] <= '9')
            h->content_length = n;
    } else if (name_len == 6 && strncasecmp(line, "Expect", 6) == 0) {
        h->expect_continue = strncasecmp(v, "100-continue", 12) == 0;
    }
}

/* One line of buf from *at, without its end, into out (cut to outlen - 1);
 * its length, or -1 when no line ends within the scan bound. */
static ssize_t next_line(struct evbuffer *buf, size_t *at, char *out, size_t outlen)
{
    struct evbuffer_ptr start;
    size_t eol_len = 0;

    if (evbuffer_ptr_set(buf, &start, *at, EVBUFFER_PTR_SET) != 0)
        return -1;
    struct evbuffer_ptr eol = evbuffer_search_eol(buf, &start, &eol_len, EVBUFFER_EOL_CRLF);
    if (eol.pos < 0 || (size_t)eol.pos > HEAD_SCAN_MAX)
        return -1;
    size_t len = (size_t)eol.pos - *at;
    size_t keep = len < outlen - 1 ? len : outlen - 1;
    if (keep > 0) {
        struct evbuffer_ptr from = start;
        if (evbuffer_copyout_from(buf, &from, out, keep) != (ev_ssize_t)keep)
            return -1;
    }
    out[keep] = '\0';
    *at = (size_t)eol.pos + eol_len;
    return (ssize_t)len;
}

/* The headers after the request line, when all of them are in buf. */
static void read_headers(struct evbuffer *buf, size_t at, request_head *h)
{
    char line[HEADER_LINE_MAX];

    for (;;) {
        ssize_t n = next_line(buf, &at, line, sizeof line);
        if (n < 0)
            return; /* not all there: evhttp will read them */
        if (n == 0) {
            h->head_complete = true;
            return;
        }
        if ((size_t)n < sizeof line)
            parse_header(line, h);
    }
}

int request_head_read(struct evbuffer *buf, size_t *scanned, request_head *h)
{
    size_t len = evbuffer_get_length(buf);
    struct evbuffer_ptr start;
    size_t eol_len = 0;

    memset(h, 0, sizeof *h);
    h->content_length = -1;
    /* Only the new bytes can hold the line's end: a trickled request line
     * is not searched again from its start on every byte. */
    if (evbuffer_ptr_set(buf, &start, *scanned, EVBUFFER_PTR_SET) != 0)
        return HEAD_UNREADABLE;
    struct evbuffer_ptr eol = evbuffer_search_eol(buf, &start, &eol_len, EVBUFFER_EOL_CRLF);
    if (eol.pos < 0) {
        *scanned = len;
        return len > LINE_MAX_BYTES ? HEAD_UNREADABLE : HEAD_NEED_MORE;
    }
    if ((size_t)eol.pos >= LINE_MAX_BYTES)
        return HEAD_UNREADABLE;
    char line[LINE_MAX_BYTES];
    size_t at = 0;
    if (next_line(buf, &at, line, sizeof line) < 0 || !parse_request_line(line, h))
        return HEAD_UNREADABLE;
    read_headers(buf, at, h);
    return HEAD_READ;
}
