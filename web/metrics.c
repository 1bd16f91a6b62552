/*
 * metrics.c — /metrics in the Prometheus text format.
 *
 * Request counters and latency histograms live in memory (a small table
 * keyed by method, route pattern and status, under one mutex: the
 * critical section is a few additions). Fights by state and the outbox
 * backlog are read from PostgreSQL at scrape time, so they are true even
 * with several cf-web processes.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "log.h"
#include "web.h"

#define MAX_SERIES 256
#define MAX_ROUTES 64

static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                 0.1,    0.25,  0.5,    1,     2.5,  5};
#define NBUCKETS (sizeof buckets / sizeof buckets[0])

typedef struct series {
    const char *method, *route;
    int status;
    unsigned long long count;
} series;

typedef struct histo {
    const char *route;
    unsigned long long bucket[NBUCKETS];
    unsigned long long count;
    double sum;
} histo;

static series counters[MAX_SERIES];
static size_t ncounters;
static histo histos[MAX_ROUTES];
static size_t nhistos;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The counter of (method, route, status), added when new; NULL when the
 * table is full. Lock held. */
static series *counter_of(const char *method, const char *route, int status)
{
    for (size_t i = 0; i < ncounters; i++)
        if (counters[i].status == status && strcmp(counters[i].route, route) == 0 &&
            strcmp(counters[i].method, method) == 0)
            return &counters[i];
    if (ncounters == MAX_SERIES)
        return NULL;
    counters[ncounters] = (series){.method = method, .route = route, .status = status};
    return &counters[ncounters++];
}

/* The histogram of route, added when new; NULL when the table is full.
 * Lock held. */
static histo *histo_of(const char *route)
{
    for (size_t i = 0; i < nhistos; i++)
        if (strcmp(histos[i].route, route) == 0)
            return &histos[i];
    if (nhistos == MAX_ROUTES)
        return NULL;
    histos[nhistos] = (histo){.route = route};
    return &histos[nhistos++];
}

void metrics_observe(const char *method, const char *route, int status, double seconds)
{
    pthread_mutex_lock(&lock);
    series *c = counter_of(method, route, status);
    if (c != NULL)
        c->count++;
    histo *h = histo_of(route);
    if (h != NULL) {
        for (size_t b = 0; b < NBUCKETS; b++)
            if (seconds <= buckets[b])
                h->bucket[b]++;
        h->count++;
        h->sum += seconds;
    }
    pthread_mutex_unlock(&lock);
}

static void db_gauges(web_req *r, struct evbuffer *out)
{
    static const char *const states[] = {"open",     "queued", "simulating",
                                         "finished", "failed", "cancelled"};
    PGresult *res =
        cf_pg_exec(r->t->pg, "SELECT status, count(*) FROM fights GROUP BY status", 0, NULL);

    evbuffer_add_printf(out, "# HELP cf_web_fights Fights by state (from the database).\n"
                             "# TYPE cf_web_fights gauge\n");
    if (res == NULL) {
        log_warn("metrics: %s", cf_pg_error(r->t->pg));
    } else {
        for (size_t s = 0; s < sizeof states / sizeof states[0]; s++) {
            const char *n = "0";

            for (int i = 0; i < PQntuples(res); i++)
                if (strcmp(fight_state_api(PQgetvalue(res, i, 0)), states[s]) == 0)
                    n = PQgetvalue(res, i, 1);
            evbuffer_add_printf(out, "cf_web_fights{state=\"%s\"} %s\n", states[s], n);
        }
        PQclear(res);
    }
    res = cf_pg_exec(r->t->pg, "SELECT count(*) FROM outbox WHERE sent_at IS NULL", 0, NULL);
    if (res != NULL) {
        evbuffer_add_printf(out,
                            "# HELP cf_web_outbox_pending Fights recorded but not yet on "
                            "cf:fights.\n# TYPE cf_web_outbox_pending gauge\n"
                            "cf_web_outbox_pending %s\n",
                            PQgetvalue(res, 0, 0));
        PQclear(res);
    }
}

/* The request counters and latency histograms, as they stand. */
static void request_metrics(struct evbuffer *out)
{
    pthread_mutex_lock(&lock);
    evbuffer_add_printf(out, "# HELP cf_web_requests_total HTTP requests answered.\n"
                             "# TYPE cf_web_requests_total counter\n");
    for (size_t i = 0; i < ncounters; i++)
        evbuffer_add_printf(out,
                            "cf_web_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} "
                            "%llu\n",
                            counters[i].method, counters[i].route, counters[i].status,
                            counters[i].count);
    evbuffer_add_printf(out, "# HELP cf_web_request_duration_seconds Time to answer.\n"
                             "# TYPE cf_web_request_duration_seconds histogram\n");
    for (size_t i = 0; i < nhistos; i++) {
        for (size_t b = 0; b < NBUCKETS; b++)
            evbuffer_add_printf(out,
                                "cf_web_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} "
                                "%llu\n",
                                histos[i].route, buckets[b], histos[i].bucket[b]);
        evbuffer_add_printf(out,
                            "cf_web_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
                            "%llu\n"
                            "cf_web_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
                            "cf_web_request_duration_seconds_count{route=\"%s\"} %llu\n",
                            histos[i].route, histos[i].count, histos[i].route, histos[i].sum,
                            histos[i].route, histos[i].count);
    }
    pthread_mutex_unlock(&lock);
}

void metrics_serve(web_req *r)
{
    struct evbuffer *out = evbuffer_new();
    if (out == NULL) {
        http_error(r, 500, "out of memory");
        return;
    }
    request_metrics(out);
    evbuffer_add_printf(out,
                        "# HELP cf_web_sse_clients Open Server-Sent Events streams.\n"
                        "# TYPE cf_web_sse_clients gauge\ncf_web_sse_clients %d\n",
                        live_client_count());
    db_gauges(r, out);
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
    evhttp_add_header(h, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    evhttp_add_header(h, "Cache-Control", "no-store");
    r->status = 200;
    evhttp_send_reply(r->req, 200, "OK", out);
    evbuffer_free(out);
}
