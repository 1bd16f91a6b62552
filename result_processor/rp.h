/*
 * rp.h — the inside of cf-result-processor.
 *
 *   main.c       configuration, privileges, the main loop
 *   consumer.c   the `result-processors` group on cf:results: read, reclaim,
 *                ack, dead letters
 *   store.c      one result -> one PostgreSQL transaction, idempotent
 *   reconcile.c  fights stuck in queued/running: re-queued or failed
 *   progress.c   `started` on cf:progress -> status running
 */
#ifndef CF_RP_H
#define CF_RP_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "pg_conn.h"
#include "redis_conn.h"
#include "stream_group.h"
#include "stream_msg.h"

typedef struct rp_settings {
    char consumer[128];
    long block_ms;
    int batch;
    long claim_idle_ms;
    long claim_every_ms;
    long dead_maxlen;
    long retry_max_ms;        /* PostgreSQL backoff ceiling */
    long reconcile_every_ms;  /* 0: no reconciler */
    long stuck_after_s;       /* queued/running this long: stuck */
    int max_attempts;         /* re-queues before a stuck fight is failed */
    long fights_maxlen;       /* MAXLEN ~ of a re-queue XADD */
} rp_settings;

typedef cf_entry rp_entry; /* common/stream_group.h */

/* ---- consumer.c ---- */
int rp_group_ensure(cf_redis *r);
/* from "0" (own pending, no block) or ">" (new, blocking). count or -1. */
int rp_read(cf_redis *r, const rp_settings *s, const char *from, rp_entry **out, size_t *n);
int rp_reclaim(cf_redis *r, const rp_settings *s, char *cursor, size_t cursorlen,
               rp_entry **out, size_t *n);
int rp_ack(cf_redis *r, const char *entry_id);
int rp_dead(cf_redis *r, const rp_settings *s, const rp_entry *e, const char *reason);
/* XGROUP DELCONSUMER of consumers idle that long with nothing pending. */
int rp_prune_consumers(cf_redis *r, const rp_settings *s, long long idle_ms);

/* ---- store.c ---- */
enum rp_store_rc {
    RP_STORED,  /* committed */
    RP_IGNORED, /* the fight was already final: nothing changed */
    RP_BAD,     /* the database refused the data: dead letter */
    RP_RETRY,   /* the database is away or busy: try again, do not ack */
};
enum rp_store_rc rp_store(cf_pg *pg, const cf_result_msg *msg, char *err, size_t errlen);
/* Was this failure the connection's or the server's state, not the data's? */
bool rp_pg_transient(cf_pg *pg);

/* ---- reconcile.c ---- */
/* One pass; returns the number of fights re-queued or failed, -1 on error. */
int rp_reconcile(cf_pg *pg, cf_redis *r, const rp_settings *s);

/* ---- progress.c ---- */
int rp_progress_group_ensure(cf_redis *r);
/* Reads what is new on cf:progress (no blocking); fights marked running or -1. */
int rp_progress_pass(cf_redis *r, cf_pg *pg, const rp_settings *s);

#endif
