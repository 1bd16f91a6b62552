/*
 * signals.c — SIGTERM/SIGINT to a stop handler, SIGPIPE ignored.
 */
#include <signal.h>
#include <stddef.h>

#include "signals.h"

int cf_signals_on_stop(void (*on_stop)(int))
{
    struct sigaction sa = {.sa_handler = on_stop};
    struct sigaction ign = {.sa_handler = SIG_IGN};

    if (sigemptyset(&sa.sa_mask) != 0 || sigemptyset(&ign.sa_mask) != 0)
        return -1;
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0 ||
        sigaction(SIGPIPE, &ign, NULL) != 0)
        return -1;
    return 0;
}
