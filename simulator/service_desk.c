/*
 * service_desk.c — what the fights desk and the plays desk do the same way
 * (service.h): hand a job to a worker, read new entries, keep their stream
 * short. What a desk does with an entry is its own.
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "service.h"

int svc_hand_over(svc_slot *sl, cf_fields_out *job)
{
    cf_field fields[CF_FIELDS_OUT_MAX];
    for (int i = 0; i < job->n; i++)
        fields[i] = (cf_field){job->key[i], strlen(job->key[i]), job->val[i], job->val_len[i]};
    size_t len;
    char *packed = svc_fields_pack(fields, (size_t)job->n, &len);
    cf_fields_out_free(job);
    int rc = packed != NULL ? svc_frame_write(sl->jobfd, SVC_FRAME_JOB, packed, len) : -1;
    free(packed);
    return rc;
}

void svc_desk_read(cf_consumer *c, svc_slots *slots, int count, long block_ms,
                   svc_on_entry dispatch, void *ud)
{
    cf_entry *es = NULL;
    size_t n = 0;
    bool fresh;
    if (cf_consumer_read(c, count, block_ms, &es, &n, &fresh) < 0) {
        svc_slots_poll(slots, 200); /* Redis is away: do not spin */
        return;
    }
    for (size_t i = 0; i < n; i++)
        dispatch(ud, &es[i], fresh);
    cf_entries_free(es, n);
}

void svc_desk_trim(cf_consumer *c, const svc_settings *s, int64_t *last_trim)
{
    int64_t t = cf_now_ms();
    if (s->trim_every_ms == 0 || t - *last_trim < s->trim_every_ms)
        return;
    *last_trim = t;
    (void)cf_consumer_trim(c);
    /* Consumers of simulators gone for an hour hold nothing. */
    (void)cf_group_prune_consumers(c->r, c->stream, c->group, c->name, 3600 * 1000LL);
}
