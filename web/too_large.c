/*
 * too_large.c — libevent's own 413 page, answered as our JSON error.
 *
 * evhttp buffers a whole request body before cf-web sees the request, so
 * its max body size (the largest body any route accepts) is what bounds the
 * memory a client can make us hold. Past it, libevent 2.1 answers by itself
 * with a hard-coded HTML page (evhttp_send_error from inside the reader),
 * and 2.1 has no hook for that answer (no evhttp_set_errorcb, no new-request
 * callback to read the headers first). What it does let us choose is each
 * connection's bufferevent (evhttp_set_bevcb): ours watches what evhttp
 * appends to the output and, when it is that page — the status line
 * "413 Request Entity Too Large" followed at once by "Content-Type:
 * text/html", which cf-web itself never sends — replaces the page by the
 * JSON error. Everything happens inside the one evhttp_send() call that
 * writes the page, before the socket sees a byte of it; the connection is
 * closed after it (evhttp's "Connection: close").
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "log.h"
#include "web.h"

#define PAGE_TYPE "Content-Type: text/html\r\n"
#define PAGE_BODY "<HTML><HEAD>"
#define STATUS_10 "HTTP/1.0 413 Request Entity Too Large\r\n"
#define STATUS_11 "HTTP/1.1 413 Request Entity Too Large\r\n"

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
    const unsigned char *p;

    if (pos + n > evbuffer_get_length(buf))
        return false;
    p = evbuffer_pullup(buf, (ev_ssize_t)(pos + n));
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

static void add_json_413(struct evbuffer *buf, bool http10)
{
    char body[160];
    int n = snprintf(body, sizeof body, "{\"error\":\"request body is larger than %zu bytes\"}",
                     web_max_body());

    evbuffer_add_printf(buf,
                        "HTTP/1.%d 413 Payload Too Large\r\n"
                        "Content-Type: application/json\r\n"
                        "Content-Length: %d\r\n"
                        "Cache-Control: no-store\r\n"
                        "X-Content-Type-Options: nosniff\r\n"
                        "Connection: close\r\n\r\n",
                        http10 ? 0 : 1, n);
    evbuffer_add(buf, body, (size_t)n);
}

/* Replaces the page in buf by the JSON error when the n bytes just
 * appended at `at` are its Content-Type line right after its status line. */
static bool replace_page(struct evbuffer *buf, size_t at, size_t n)
{
    size_t status_len = strlen(STATUS_11);
    bool http10;

    /* evhttp reads a request only once the previous answer has left, so
     * the page starts an empty buffer: its status line is all before. */
    if (n != strlen(PAGE_TYPE) || at != status_len || !bytes_at(buf, at, PAGE_TYPE))
        return false;
    http10 = bytes_at(buf, at - status_len, STATUS_10);
    if (!http10 && !bytes_at(buf, at - status_len, STATUS_11))
        return false;
    cut_to(buf, at - status_len);
    add_json_413(buf, http10);
    log_info("a request body over %zu bytes: answered 413", web_max_body());
    return true;
}

static void output_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    size_t at = info->orig_size;

    (void)arg;
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
        dropping = replace_page(buf, at, info->n_added) ? buf : NULL;
    }
    busy = 0;
}

static struct bufferevent *new_bufferevent(struct event_base *base, void *arg)
{
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);

    (void)arg;
    /* A page never finished (a HEAD request has no body) must not follow
     * its buffer's address into a new connection. */
    if (bev != NULL && bufferevent_get_output(bev) == dropping)
        dropping = NULL;
    if (bev != NULL && evbuffer_add_cb(bufferevent_get_output(bev), output_cb, NULL) == NULL) {
        bufferevent_free(bev);
        return NULL;
    }
    return bev;
}

void http_too_large_as_json(struct evhttp *http)
{
    evhttp_set_bevcb(http, new_bufferevent, NULL);
}
