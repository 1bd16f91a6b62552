/*
 * pwhash.c — Argon2id off the event loops: a small pool of hashing threads.
 *
 * An Argon2id hash (libsodium's crypto_pwhash_str, interactive limits) costs
 * tens of milliseconds and 64 MiB. Done on a worker's event loop it stalls
 * every connection of that loop, so a few clients sending wrong passwords
 * could stall the service. Instead a handler queues the work here and
 * returns with its request suspended; a hashing thread does it, and the
 * result goes back to the request's own event base (event_base_once: evhttp
 * requests are answered from their loop only), where the handler's
 * continuation answers and http_finish() frees the request.
 *
 * Bounded: web.hash_threads threads, at most web.hash_queue jobs waiting;
 * past that, 503 with Retry-After instead of queueing without end. Rate
 * limits still come first, in the handlers.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "web.h"

typedef struct job {
    struct job *next;
    web_req *r;
    bool verify;                         /* else: hash password */
    const char *password;                /* the request's body holds it */
    char stored[crypto_pwhash_STRBYTES]; /* verify against; "" = no user */
    char hash[crypto_pwhash_STRBYTES];   /* the new hash */
    int result;
    pwhash_done done;
    void *arg;
} job;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static job *head, *tail;
static int waiting, queue_max;
static bool stopping;
static pthread_t *workers;
static int nworkers;

/* A hash no password matches, verified for an unknown user so that both
 * answers take the same time. */
static char dummy[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static int hash_str(const char *pw, char out[crypto_pwhash_STRBYTES])
{
    return crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

static void dummy_init(void)
{
    char pw[33];

    session_random_hex(pw, 16);
    if (hash_str(pw, dummy) != 0)
        dummy[0] = '\0';
}

/* On the request's own loop: the continuation, then the request's end
 * unless the continuation suspended it again. */
static void completed(evutil_socket_t fd, short what, void *arg)
{
    job *j = arg;
    web_req *r = j->r;
    (void)fd;
    (void)what;

    r->suspended = false;
    j->done(r, j->result, j->hash, j->arg);
    sodium_memzero(j, sizeof *j);
    free(j);
    if (!r->suspended)
        http_finish(r);
}

static void run(job *j)
{
    if (j->verify) {
        bool known = j->stored[0] != '\0';
        pthread_once(&dummy_once, dummy_init);
        const char *h = known ? j->stored : dummy;
        bool ok =
            h[0] != '\0' && crypto_pwhash_str_verify(h, j->password, strlen(j->password)) == 0;
        j->result = ok && known ? 1 : 0;
    } else {
        j->result = hash_str(j->password, j->hash) == 0 ? 1 : -1;
    }
}

static void *worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    for (;;) {
        while (head == NULL && !stopping)
            pthread_cond_wait(&wake, &mu);
        if (head == NULL)
            break;
        job *j = head;
        head = j->next;
        if (head == NULL)
            tail = NULL;
        waiting--;
        pthread_mutex_unlock(&mu);
        run(j);
        const struct timeval now = {0, 0};
        if (event_base_once(j->r->t->base, -1, EV_TIMEOUT, completed, j, &now) != 0)
            log_error("pwhash: could not hand a result back to its loop");
        pthread_mutex_lock(&mu);
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

void pwhash_start(int threads, int queue)
{
    queue_max = queue;
    workers = calloc((size_t)threads, sizeof *workers);
    if (workers == NULL) {
        log_error("pwhash: out of memory");
        exit(1);
    }
    for (nworkers = 0; nworkers < threads; nworkers++)
        if (pthread_create(&workers[nworkers], NULL, worker, NULL) != 0) {
            log_error("pwhash: pthread_create failed");
            exit(1);
        }
}

void pwhash_stop(void)
{
    pthread_mutex_lock(&mu);
    stopping = true;
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < nworkers; i++)
        pthread_join(workers[i], NULL);
    free(workers);
    workers = NULL;
    nworkers = 0;
}

/* Queues j for r, suspending r; false after answering 503 (queue full). */
static bool submit(web_req *r, job *j)
{
    if (j == NULL) {
        http_error(r, 500, "out of memory");
        return false;
    }
    j->r = r;
    pthread_mutex_lock(&mu);
    bool room = waiting < queue_max && !stopping;
    if (room) {
        if (tail != NULL)
            tail->next = j;
        else
            head = j;
        tail = j;
        waiting++;
        r->suspended = true; /* resumed on this loop, after this handler */
        pthread_cond_signal(&wake);
    }
    pthread_mutex_unlock(&mu);
    if (!room) {
        free(j);
        evhttp_add_header(evhttp_request_get_output_headers(r->req), "Retry-After", "1");
        http_error(r, 503, "too many password checks waiting, try again in 1 second");
    }
    return room;
}

bool pwhash_verify(web_req *r, const char *stored, const char *password, pwhash_done done,
                   void *arg)
{
    job *j = calloc(1, sizeof *j);

    if (j != NULL) {
        j->verify = true;
        j->password = password;
        snprintf(j->stored, sizeof j->stored, "%s", stored != NULL ? stored : "");
        j->done = done;
        j->arg = arg;
    }
    return submit(r, j);
}

bool pwhash_hash(web_req *r, const char *password, pwhash_done done, void *arg)
{
    job *j = calloc(1, sizeof *j);

    if (j != NULL) {
        j->password = password;
        j->done = done;
        j->arg = arg;
    }
    return submit(r, j);
}
