/*
 * service_cancel.c — the cancel command: `SET cf:cancel:<id> 1 EX 86400`.
 *
 * A key rather than a pub/sub message, so that a cancel sent while no
 * simulator listens (the fight still queued, or between two polls) is not
 * lost: the key is checked before a fight starts and, with one MGET for all
 * running fights, every cancel_poll_ms while they run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "service.h"

int svc_cancel_check(cf_redis *r, const char *const *ids, size_t n, bool *out)
{
    if (n == 0)
        return 0;
    const char **argv = calloc(n + 1, sizeof *argv);
    char(*keys)[sizeof CF_CANCEL_PREFIX + CF_UUID_LEN + 8] = calloc(n, sizeof *keys);
    if (argv == NULL || keys == NULL) {
        free(argv);
        free(keys);
        return -1;
    }
    argv[0] = "MGET";
    for (size_t i = 0; i < n; i++) {
        snprintf(keys[i], sizeof keys[i], "%s%s", CF_CANCEL_PREFIX, ids[i]);
        argv[i + 1] = keys[i];
    }
    redisReply *rep = cf_redis_argv(r, (int)n + 1, argv, NULL);
    free(argv);
    free(keys);
    if (rep == NULL) {
        log_warn("MGET cancel keys: %s", cf_redis_error(r));
        return -1;
    }
    int rc = -1;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == n) {
        for (size_t i = 0; i < n; i++)
            out[i] = rep->element[i]->type != REDIS_REPLY_NIL;
        rc = 0;
    }
    freeReplyObject(rep);
    return rc;
}
