/*
 * signals.h — the signal set-up every long-running service shares.
 */
#ifndef CF_SIGNALS_H
#define CF_SIGNALS_H

/*
 * SIGTERM and SIGINT call on_stop (without SA_RESTART: a blocking call
 * returns EINTR, so the service sees its stop flag at once); SIGPIPE is
 * ignored, so a peer that hangs up is an error return, not death.
 * 0, or -1 with errno set.
 */
int cf_signals_on_stop(void (*on_stop)(int));

#endif
