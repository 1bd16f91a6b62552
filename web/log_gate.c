/*
 * log_gate.c — log lines that an attack cannot turn into a flood.
 *
 * What a client can cause at will (a refused connection, a failed accept)
 * is logged at most once a second per kind, with how many happened since
 * the last such line. Each gate is shared by every thread.
 */
#include <pthread.h>

#include "clock.h"
#include "log.h"
#include "web.h"

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;

void log_gated(log_gate *g, const char *what, const char *from)
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
        log_warn("%s (%ld since the last such line; latest from %s)", what, n, from);
}
