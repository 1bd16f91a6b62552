/*
 * accept_backoff.c — the accept loop's back-off at the descriptor limit.
 *
 * evhttp's listener retries a failed accept() at once: at the descriptor
 * limit (EMFILE, ENFILE) it spins on the pending connection, burning a core
 * and logging each failure. Each thread's listener gets an error callback
 * that pauses it 100 ms instead (the pending connections wait in the
 * backlog) and says so at most once a second.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/listener.h>

#include "log.h"
#include "web.h"

static log_gate accept_gate;

/* Each thread's listener and the timer that resumes it (evhttp owns the
 * listener's callback argument, so the pause is found by listener). */
typedef struct accept_pause {
    struct evconnlistener *listener;
    struct event *resume;
} accept_pause;

static accept_pause pauses[64];
static int npauses;

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
    accept_pause *p = arg;
    (void)fd;
    (void)what;
    evconnlistener_enable(p->listener);
}

/* accept() failed other than with EAGAIN or EINTR: out of descriptors
 * (EMFILE, ENFILE) most likely. The listener pauses 100 ms rather than
 * spin on the pending connection, which waits in the backlog. */
static void on_accept_error(struct evconnlistener *listener, void *arg)
{
    int err = errno;
    struct timeval tv = {.tv_usec = 100000};
    char what[160];
    (void)arg;
    for (int i = 0; i < npauses; i++) {
        if (pauses[i].listener != listener)
            continue;
        evconnlistener_disable(listener);
        evtimer_add(pauses[i].resume, &tv);
        break;
    }
    snprintf(what, sizeof what, "accept: %s: listener paused 100 ms", strerror(err));
    log_gated(&accept_gate, what, "-");
}

void accept_backoff_start(struct evhttp_bound_socket *bound, struct event_base *base)
{
    if (npauses == (int)(sizeof pauses / sizeof pauses[0]))
        return;
    accept_pause *p = &pauses[npauses];
    p->listener = evhttp_bound_socket_get_listener(bound);
    p->resume = evtimer_new(base, on_resume, p);
    if (p->resume == NULL) {
        log_error("out of memory");
        exit(1);
    }
    npauses++;
    evconnlistener_set_error_cb(p->listener, on_accept_error);
}

void accept_backoff_free(void)
{
    for (int i = 0; i < npauses; i++)
        event_free(pauses[i].resume);
    npauses = 0;
}
