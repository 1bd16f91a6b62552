/*
 * conn.c — the accept loop's back-off at the descriptor limit.
 *
 * evhttp's listener retries a failed accept() at once: at the descriptor
 * limit (EMFILE, ENFILE) it spins on the pending connection, burning a core
 * and logging each failure. Each thread's listener gets an error callback
 * that pauses it 100 ms instead (the pending connections wait in the
 * backlog) and says so at most once a second.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/listener.h>

#include "clock.h"
#include "log.h"
#include "web.h"

/* ---- logging that an attack cannot turn into a flood ---- */

typedef struct log_gate {
    int64_t next_us;
    long since;
} log_gate;

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static log_gate accept_gate;

/* One line a second at most for what, with how many happened since. */
static void log_gated(log_gate *g, const char *what, const char *ip)
{
    int64_t now = cf_now_us();
    long n = 0;
    pthread_mutex_lock(&gate_lock);
    g->since++;
    if (now >= g->next_us) {
        n = g->since;
        g->since = 0;
        g->next_us = now + 1000000;
    }
    pthread_mutex_unlock(&gate_lock);
    if (n > 0)
        log_warn("%s (%ld since the last such line; latest from %s)", what, n, ip);
}

/* ---- accept ---- */

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

void conn_accept_backoff(struct evhttp_bound_socket *bound, struct event_base *base)
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

void conn_accept_backoff_free(void)
{
    for (int i = 0; i < npauses; i++)
        event_free(pauses[i].resume);
    npauses = 0;
}
