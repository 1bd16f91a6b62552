/*
 * live_progress.c — the simulator's progress as cf-web last saw it on
 * cf:progress (docs/streams.md).
 *
 * progress_reader.c's thread fills a bounded table: fight id -> last tick,
 * and whether it is still running; the pages read it to show a fight's
 * progress at once, before PostgreSQL knows the fight runs. The table has a fixed number of slots,
 * each fight probing eight; the stalest entry gives way, so a flood of
 * fights costs old progress, never memory.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "web.h"

#define PROGRESS_SLOTS 4096
#define PROBES 8

typedef struct progress {
    char id[CF_UUID_LEN + 1];
    int tick;
    bool started;
    int64_t at_ms; /* when last written (cf_now_ms), for eviction */
} progress;

static progress table[PROGRESS_SLOTS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static progress *slot_of(uint32_t h, int probe)
{
    return &table[(h + (uint32_t)probe) % PROGRESS_SLOTS];
}

void live_progress_set(const char *id, int tick, bool started)
{
    uint32_t h = web_hash(id);
    progress *victim = NULL;

    pthread_mutex_lock(&table_lock);
    for (int i = 0; i < PROBES; i++) {
        progress *p = slot_of(h, i);
        if (strcmp(p->id, id) == 0) {
            victim = p;
            break;
        }
        if (victim == NULL || p->at_ms < victim->at_ms)
            victim = p;
    }
    snprintf(victim->id, sizeof victim->id, "%s", id);
    if (tick > victim->tick || !victim->started)
        victim->tick = tick;
    victim->started = started;
    victim->at_ms = cf_now_ms();
    pthread_mutex_unlock(&table_lock);
}

int live_progress(const char *fight_id, bool *simulating)
{
    uint32_t h = web_hash(fight_id);
    int tick = -1;

    *simulating = false;
    pthread_mutex_lock(&table_lock);
    for (int i = 0; i < PROBES; i++) {
        progress *p = slot_of(h, i);
        if (strcmp(p->id, fight_id) == 0) {
            tick = p->tick;
            *simulating = p->started;
            break;
        }
    }
    pthread_mutex_unlock(&table_lock);
    return tick;
}
