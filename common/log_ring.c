/*
 * log_ring.c — the last warn and error lines of the process (log_ring.h).
 *
 * A fixed array used as a ring: no allocation while logging, so a line
 * about memory running out is kept too. Lines come from cf_log(), already
 * one line with control characters escaped; they are cut on a UTF-8
 * boundary so the JSON of the heartbeat stays valid.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "log_ring.h"
#include "text.h"

static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static char ring[CF_LOG_RING_LINES][CF_LOG_RING_LINE_MAX];
static unsigned ring_next, ring_count; /* under ring_lock */
static atomic_bool ring_on;
static pthread_once_t ring_once = PTHREAD_ONCE_INIT;
static int ring_once_rc = -1;

static void before_fork(void)
{
    if (atomic_load(&ring_on))
        pthread_mutex_lock(&ring_lock);
}

static void after_fork(void)
{
    if (atomic_load(&ring_on))
        pthread_mutex_unlock(&ring_lock);
}

static void register_fork_handlers(void)
{
    ring_once_rc = pthread_atfork(before_fork, after_fork, after_fork) == 0 ? 0 : -1;
}

int cf_log_ring_enable(void)
{
    if (pthread_once(&ring_once, register_fork_handlers) != 0 || ring_once_rc != 0)
        return -1;
    /* Set under the lock: a fork handler never unlocks a lock it did not take. */
    pthread_mutex_lock(&ring_lock);
    atomic_store(&ring_on, true);
    pthread_mutex_unlock(&ring_lock);
    return 0;
}

bool cf_log_ring_enabled(void)
{
    return atomic_load(&ring_on);
}

/* Copies src into dst (size bytes), cut before a partial UTF-8 sequence. */
static void copy_cut(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--; /* src[n] would be a continuation byte: back to its lead */
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void cf_log_ring_push(const char *line)
{
    if (!atomic_load(&ring_on) || line == NULL)
        return;
    pthread_mutex_lock(&ring_lock);
    copy_cut(ring[ring_next], sizeof ring[ring_next], line);
    ring_next = (ring_next + 1) % CF_LOG_RING_LINES;
    if (ring_count < CF_LOG_RING_LINES)
        ring_count++;
    pthread_mutex_unlock(&ring_lock);
}

/* One kept line as a JSON string; bytes that are not UTF-8 become U+FFFD. */
static bool add_line(cJSON *arr, const char *line)
{
    char clean[3 * CF_LOG_RING_LINE_MAX + 1];
    cf_utf8_sanitize(clean, line, strlen(line));
    cJSON *s = cJSON_CreateString(clean);
    return s != NULL && cJSON_AddItemToArray(arr, s);
}

cJSON *cf_log_ring_json(void)
{
    cJSON *arr = cJSON_CreateArray();
    if (arr == NULL)
        return NULL;
    pthread_mutex_lock(&ring_lock);
    unsigned first = (ring_next + CF_LOG_RING_LINES - ring_count) % CF_LOG_RING_LINES;
    bool ok = true;
    for (unsigned i = 0; i < ring_count && ok; i++)
        ok = add_line(arr, ring[(first + i) % CF_LOG_RING_LINES]);
    pthread_mutex_unlock(&ring_lock);
    if (!ok) {
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}

void cf_log_ring_clear(void)
{
    pthread_mutex_lock(&ring_lock);
    ring_next = ring_count = 0;
    pthread_mutex_unlock(&ring_lock);
}
