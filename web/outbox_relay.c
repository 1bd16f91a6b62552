/*
 * outbox_relay.c — the thread that moves the outbox to cf:fights.
 *
 * The relay has its own thread and connections: while Redis is away its
 * commands wait out their deadline here, never in a request handler. It
 * runs a batch (outbox.c) every half second, or at once when a fight was
 * queued (outbox_wake), and reconnects whatever broke. After each batch it
 * sends the versions' checks that may go (version_check.c). Being the one
 * periodic thread with a database connection, it also drops what has
 * expired, now and then: sessions (session.c) and reset tokens
 * (account.c). Like a request, it starts at the top and calls only down.
 */
#include <pthread.h>
#include <stdlib.h>

#include "log.h"
#include "web.h"

#define RELAY_PERIOD_MS 500
#define SWEEP_ROUNDS 1200 /* relay rounds between sweeps: about 10 minutes */

static pthread_t relay_tid;
static bool stopping;

static int sweep(cf_pg *pg)
{
    if (session_sweep(pg) != 0)
        return -1;
    return account_sweep_resets(pg);
}

static void *relay_main(void *arg)
{
    (void)arg;
    cf_pg *pg = NULL;
    cf_redis *redis = NULL;
    unsigned long rounds = 0;
    while (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
        char err[256];
        if (pg == NULL && (pg = cf_pg_connect(web_cfg.database_url, err, sizeof err)) == NULL)
            log_warn("outbox relay: database: %s", err);
        if (redis == NULL &&
            (redis = cf_redis_connect(web_cfg.redis_url, 1000, err, sizeof err)) == NULL)
            log_warn("outbox relay: redis: %s", err);
        if (pg != NULL && redis != NULL && outbox_relay(pg, redis) < 0)
            log_warn("outbox relay: %s", cf_pg_error(pg));
        if (pg != NULL && redis != NULL && version_check_relay(pg, redis) < 0)
            log_warn("version checks relay: %s", cf_pg_error(pg));
        if (pg != NULL && ++rounds % SWEEP_ROUNDS == 1 && sweep(pg) != 0)
            log_warn("expired sessions sweep: %s", cf_pg_error(pg));
        outbox_wait(RELAY_PERIOD_MS);
    }
    cf_pg_free(pg);
    cf_redis_free(redis);
    return NULL;
}

void outbox_relay_start(void)
{
    if (pthread_create(&relay_tid, NULL, relay_main, NULL) != 0) {
        log_error("outbox relay thread could not start");
        exit(1);
    }
}

void outbox_relay_stop(void)
{
    /* Joined before cf-web returns from main: a relay still running while
     * the process exits raced the libraries' exit handlers (a crash). */
    __atomic_store_n(&stopping, true, __ATOMIC_RELEASE);
    outbox_wake();
    pthread_join(relay_tid, NULL);
}
