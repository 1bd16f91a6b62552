/*
 * evhttp_pages.c — libevent's own error pages, answered as our JSON errors.
 *
 * evhttp buffers a whole request body before cf-web sees the request, so
 * the connection's max body size (its route's limit, which conn.c sets from
 * the request line) is what bounds the memory a client can make us hold.
 * Past it, libevent 2.1 answers by itself
 * with a hard-coded HTML page (evhttp_send_error from inside the reader),
 * and 2.1 has no hook for that answer (no evhttp_set_errorcb, no new-request
 * callback to read the headers first). What it does let us choose is each
 * connection's bufferevent (evhttp_set_bevcb, conn.c): ours watches what
 * evhttp appends to the output and, when it is that page — the status line
 * "413 Request Entity Too Large" followed at once by "Content-Type:
 * text/html", which cf-web itself never sends — replaces the page by the
 * JSON error. Everything happens inside the one evhttp_send() call that
 * writes the page, before the socket sees a byte of it; the connection is
 * closed after it (evhttp's "Connection: close"). libevent's other pages
 * (400 for a request it cannot parse, 501 for a method it refuses) go the
 * same way (table `pages`), so every answer of cf-web is JSON.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "log.h"
#include "web.h"

#define PAGE_TYPE "Content-Type: text/html\r\n"
#define PAGE_BODY "<HTML><HEAD>"

/* libevent's own pages (evhttp_send_error from inside its reader) and the
 * JSON answer each becomes: a body over the limit (or a header block over
 * evhttp_set_max_headers_size, which 2.1 answers 413 too), a request it
 * could not parse, and a method it does not take (its 501 is the client's
 * fault: 405). */
static const struct page {
    const char *reason; /* after "HTTP/1.x NNN " */
    int code;
    int status;
    const char *status_text;
    const char *error; /* 413: the connection's message instead */
} pages[] = {
    {"413 Request Entity Too Large\r\n", 413, 413, "Payload Too Large",
     NULL /* the connection's: its route's limit */},
    {"400 Bad Request\r\n", 400, 400, "Bad Request", "malformed HTTP request"},
    {"501 Not Implemented\r\n", 501, 405, "Method Not Allowed", "method not allowed"},
};

/* The output buffer whose page is being dropped (one per thread at most:
 * the page is written by one synchronous call), and a guard against our
 * own changes calling us back. */
static _Thread_local struct evbuffer *dropping;
static _Thread_local int busy;

/* Do the bytes of buf at pos read want? Read from one pulled-up piece: a
 * copy from an evbuffer_ptr position did not match the page when an earlier
 * response had gone out on the same connection (seen with 2.1.12). */
static bool bytes_at(struct evbuffer *buf, size_t pos, const char *want)
{
    size_t n = strlen(want);
    if (pos + n > evbuffer_get_length(buf))
        return false;
    const unsigned char *p = evbuffer_pullup(buf, (ev_ssize_t)(pos + n));
    return p != NULL && memcmp(p + pos, want, n) == 0;
}

/* Keeps only the first keep bytes of buf (its front is frozen by the
 * bufferevent: nothing may drain it but the socket writer, so unfreeze for
 * the length of the cut). */
static void cut_to(struct evbuffer *buf, size_t keep)
{
    struct evbuffer *head = evbuffer_new();

    if (head == NULL)
        return;
    evbuffer_unfreeze(buf, 1);
    if (evbuffer_remove_buffer(buf, head, keep) == (int)keep)
        evbuffer_drain(buf, evbuffer_get_length(buf));
    evbuffer_add_buffer(buf, head);
    evbuffer_freeze(buf, 1);
    evbuffer_free(head);
}

int http_raw_error(char *out, size_t outlen, bool http10, int status, const char *status_text,
                   const char *message)
{
    char body[256];
    int n = snprintf(body, sizeof body, "{\"error\":\"%s\"}", message);

    if (n < 0 || (size_t)n >= sizeof body)
        n = snprintf(body, sizeof body, "{\"error\":\"%s\"}", status_text);
    return snprintf(out, outlen,
                    "HTTP/1.%d %d %s\r\n"
                    "Content-Type: application/json\r\n"
                    "Content-Length: %d\r\n"
                    "Cache-Control: no-store\r\n"
                    "X-Content-Type-Options: nosniff\r\n"
                    "Connection: close\r\n\r\n%s",
                    http10 ? 0 : 1, status, status_text, n, body);
}

static void add_json(struct evbuffer *buf, bool http10, const struct page *pg,
                     const char *too_large)
{
    char answer[800];
    const char *msg = pg->code == 413 ? too_large : pg->error;
    int n = http_raw_error(answer, sizeof answer, http10, pg->status, pg->status_text, msg);
    if (n > 0 && (size_t)n < sizeof answer)
        evbuffer_add(buf, answer, (size_t)n);
}

/* Replaces the page in buf by the JSON error when the n bytes just
 * appended at `at` are its Content-Type line right after its status line
 * (cf-web's own answers start with the security headers, never with it). */
static bool replace_page(struct evbuffer *buf, size_t at, size_t n, const char *too_large)
{
    if (n != strlen(PAGE_TYPE) || !bytes_at(buf, at, PAGE_TYPE))
        return false;
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        const struct page *pg = &pages[i];
        size_t status_len = strlen("HTTP/1.x ") + strlen(pg->reason);
        bool http10;

        /* evhttp reads a request only once the previous answer has left, so
         * the page starts an empty buffer: its status line is all before. */
        if (at != status_len || !bytes_at(buf, strlen("HTTP/1.x "), pg->reason))
            continue;
        http10 = bytes_at(buf, 0, "HTTP/1.0 ");
        if (!http10 && !bytes_at(buf, 0, "HTTP/1.1 "))
            return false;
        cut_to(buf, 0);
        add_json(buf, http10, pg, too_large);
        log_info("libevent's %d page answered as JSON %d", pg->code, pg->status);
        return true;
    }
    return false;
}

static void output_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    size_t at = info->orig_size;
    const char *too_large = arg;

    if (busy || info->n_added == 0)
        return;
    busy = 1;
    if (dropping == buf && at > 0) {
        /* The rest of the page (our answer is still in front of it: the
         * socket has not run since): dropped up to and with its body. */
        bool last = bytes_at(buf, at, PAGE_BODY);

        cut_to(buf, at);
        if (last)
            dropping = NULL;
    } else {
        dropping = replace_page(buf, at, info->n_added, too_large) ? buf : NULL;
    }
    busy = 0;
}

struct evbuffer_cb_entry *http_pages_watch(struct bufferevent *bev, const char *too_large)
{
    struct evbuffer *out = bufferevent_get_output(bev);

    /* A page never finished (a HEAD request has no body) must not follow
     * its buffer's address into a new connection. */
    if (out == dropping)
        dropping = NULL;
    return evbuffer_add_cb(out, output_cb, (void *)too_large);
}
