/*
 * rp.h — the inside of cf-result-processor.
 *
 *   main.c       configuration, privileges, the main loop over the
 *                `result-processors` group on cf:results (the cursor is
 *                common/stream_group.h's), dead letters
 *   store.c      one fight's result -> one PostgreSQL transaction, idempotent
 *   store_play.c one play's end -> one statement, idempotent
 *   store_check.c a version check's result -> the version's check status
 *   store_ladder.c a finished ladder fight -> its bots' ratings
 *   ladder_checked.c a check's end -> the version's pending ladder entry
 *   reconcile.c  fights stuck in queued/running: re-queued or failed
 *   reconcile_plays.c  plays lost in queued/running: failed
 *   reconcile_checks.c version checks lost after sending: sent again or failed
 *   progress.c   `started` on cf:progress -> status running
 */
#ifndef CF_RP_H
#define CF_RP_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "pg_conn.h"
#include "redis_conn.h"
#include "result_entry.h"
#include "stream_group.h"
#include "streams.h"

typedef struct rp_settings {
    char consumer[128];
    long block_ms;
    int batch;
    long claim_idle_ms;
    long claim_every_ms;
    long dead_maxlen;
    long retry_max_ms;       /* PostgreSQL backoff ceiling */
    long reconcile_every_ms; /* 0: no reconciler */
    long stuck_after_s;      /* queued/running this long: stuck */
    int max_attempts;        /* re-queues before a stuck fight is failed */
    long fights_maxlen;      /* MAXLEN ~ of a re-queue XADD */
    long arcade_wall_s;      /* arcade.wall_s: no play runs longer */
    bool prepare_statements; /* cf_pg_prepare_statements on each connection */
} rp_settings;

/* ---- main.c ---- */
/* Records a bad entry in cf:fights:dead (source cf:results, the reason,
 * the original fields capped at 64 KiB). 0, or -1 (logged). */
int rp_dead(cf_redis *r, const rp_settings *s, const cf_entry *e, const char *reason);

/* ---- store.c ---- */
enum rp_store_rc {
    RP_STORED,  /* committed */
    RP_IGNORED, /* the fight was already final: nothing changed */
    RP_BAD,     /* the database refused the data: dead letter */
    RP_RETRY,   /* the database is away or busy: try again, do not ack */
    RP_REFUSED, /* a fight never queued (still hosting), or a play's end from an entry not
                 * the one the web sent: dead letter */
};
/* Distinct statement texts the processor's connection keeps prepared: its
 * writes, the reconciler's scans, and one insert per player count. */
#define RP_PREPARED_MAX 128
enum rp_store_rc rp_store(cf_pg *pg, const cf_result_entry *msg, char *err, size_t errlen);
/* n fights' results in one transaction, one savepoint each: 0 once
 * committed, with each one's RP_STORED, RP_IGNORED, RP_BAD or RP_REFUSED
 * (and why, for the last two) in rcs and errs; -1 when the batch as a whole
 * did not commit (rolled back: store them one at a time). */
#define RP_ERR_MAX 1024
int rp_store_many(cf_pg *pg, const cf_result_entry *const *msgs, size_t n, enum rp_store_rc *rcs,
                  char (*errs)[RP_ERR_MAX]);

/* ---- store_play.c ---- */
/* The end of a play (an entry of kind "play"), one statement. */
enum rp_store_rc rp_store_play(cf_pg *pg, const cf_result_entry *msg, char *err, size_t errlen);
/* Was this failure the connection's or the server's state, not the data's? */
bool rp_pg_transient(cf_pg *pg);

/* ---- store_check.c ---- */
/* Inside the caller's transaction: when msg->id is a version's check_id,
 * stores the check's outcome on the version: 1 stored, 0 ignored (no
 * longer checking), -1 error (err); 3 when it is no check (a fight). */
int rp_store_check(cf_pg *pg, const cf_result_entry *msg, char *err, size_t errlen);

/* ---- store_ladder.c ---- */
/* Inside the transaction that stores fight_id's result, after its players:
 * when it is a finished ladder fight, its rated versions' entries move
 * (TrueSkill) and each gets a ladder_ratings row. 0 (rated or nobody to
 * rate), -1 error (err). */
int rp_store_ladder(cf_pg *pg, const char *fight_id, char *err, size_t errlen);

/* ---- ladder_checked.c ---- */
/* Inside the transaction that stores version_id's check: its pending
 * ladder entry, if any, becomes active (failure NULL; the bot's active
 * entry is replaced) or refused with failure as the reason. 0 or -1. */
int rp_ladder_checked(cf_pg *pg, const char *version_id, const char *failure);

/* ---- reconcile_checks.c ---- */
/* One statement: checks sent and stuck are sent again or failed; how
 * many, or -1. */
int rp_reconcile_checks(cf_pg *pg, const rp_settings *s);

/* ---- reconcile.c ---- */
/* One pass; returns the number of fights re-queued or failed, -1 on error. */
int rp_reconcile(cf_pg *pg, cf_redis *r, const rp_settings *s);

/* ---- reconcile_plays.c ---- */
/* Fails the plays that can no longer end by themselves; how many, or -1. */
int rp_reconcile_plays(cf_pg *pg, cf_redis *r, const rp_settings *s);

/* ---- progress.c ---- */
/* Reads what is new on cf:progress (no blocking); fights marked running or -1. */
int rp_progress_pass(cf_consumer *progress, cf_pg *pg);

#endif
