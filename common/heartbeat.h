/*
 * heartbeat.h — a service says it is alive: the hash
 * cf:service:<kind>:<name> in Redis, written every CF_HEARTBEAT_PERIOD_MS
 * by a thread of its own (its own connection), so the heartbeat never
 * waits on the service's work nor the work on Redis for the heartbeat.
 *
 * Fields (docs/streams.md, "Heartbeats"): kind, name, pid, host,
 * started_at and updated_at (milliseconds since the epoch), state
 * (running, or stopped after a clean stop), last_errors (the process's
 * last warn and error lines, log_ring.h, as a JSON array), and the fields
 * the service sets with cf_heartbeat_set (the simulator's slots and
 * layers). The key expires CF_HEARTBEAT_TTL_S after the last beat; a
 * reader calls a service up while updated_at is younger than
 * CF_HEARTBEAT_FRESH_MS and its state running.
 *
 *   cf_heartbeat *hb = cf_heartbeat_start(url, "simulator", consumer);
 *   cf_heartbeat_set_int(hb, "slots_busy", 1);   // any time, any thread
 *   cf_heartbeat_stop(hb);                       // last beat: stopped
 */
#ifndef CF_HEARTBEAT_H
#define CF_HEARTBEAT_H

#define CF_HEARTBEAT_PREFIX "cf:service:"
#define CF_HEARTBEAT_PERIOD_MS 2000
#define CF_HEARTBEAT_FRESH_MS (3 * CF_HEARTBEAT_PERIOD_MS)
#define CF_HEARTBEAT_TTL_S 30
#define CF_HEARTBEAT_FIELDS 8 /* fields a service may set */
#define CF_HEARTBEAT_NAME_MAX 128

typedef struct cf_heartbeat cf_heartbeat;

/* Starts the thread (and the log ring). kind: "web", "simulator",
 * "result-processor". NULL (logged) when it cannot start; the service runs
 * on without one. */
cf_heartbeat *cf_heartbeat_start(const char *redis_url, const char *kind, const char *name);
/* Sets a field of the next beats (copied); NULL hb is a no-op. 0, or -1
 * when the table is full or memory ran out. */
int cf_heartbeat_set(cf_heartbeat *hb, const char *field, const char *value);
int cf_heartbeat_set_int(cf_heartbeat *hb, const char *field, long long value);
/* A last beat with state stopped, then the thread ends; frees hb. */
void cf_heartbeat_stop(cf_heartbeat *hb);

#endif
