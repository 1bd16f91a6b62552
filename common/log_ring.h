/*
 * log_ring.h — the last warn and error lines of this process, kept in
 * memory for its heartbeat (heartbeat.h), so an operator sees a service's
 * recent trouble in the console without its log files.
 *
 * Off until cf_log_ring_enable(): the sandbox's processes (which link the
 * same library) never take its lock. Once on, cf_log() copies every warn
 * and error line into a ring of CF_LOG_RING_LINES lines, each cut to
 * CF_LOG_RING_LINE_MAX bytes, behind one mutex. The lock is held across
 * fork() (pthread_atfork) so a child forked while another thread logs
 * does not inherit it taken.
 */
#ifndef CF_LOG_RING_H
#define CF_LOG_RING_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#define CF_LOG_RING_LINES 20
#define CF_LOG_RING_LINE_MAX 512

/* Starts keeping lines (idempotent). 0, or -1 when the fork handlers could
 * not be registered (the ring stays off). */
int cf_log_ring_enable(void);
bool cf_log_ring_enabled(void);
/* Keeps one line (cut, no newline); a no-op while off. log.c calls it. */
void cf_log_ring_push(const char *line);
/* The kept lines, oldest first, as a JSON array of strings (caller
 * deletes); NULL when memory ran out. */
cJSON *cf_log_ring_json(void);
/* Forgets every line (tests). */
void cf_log_ring_clear(void);

#endif
