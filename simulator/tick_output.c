/*
 * tick_output.c — what one bot printed, by tick (issue 17): the bytes of its
 * log pipe as they come, each tagged with the tick of the call that printed
 * them, within the caps of the cf:results entry's "output" field
 * (common/result_entry.h).
 *
 * The raw bytes are kept per tick up to CF_OUTPUT_TICK_MAX and per fight up
 * to CF_OUTPUT_FIGHT_MAX (a bot printing without pause costs the controller
 * no more memory than that); the caps hold exactly on the text, once it is
 * made valid UTF-8 (which may lengthen it), when the JSON is built. The
 * report's "log" is the tracer's own copy of the same bytes, unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "controller.h"
#include "result_entry.h"
#include "text.h"

void ctl_output_init(ctl_output *o)
{
    memset(o, 0, sizeof *o);
}

void ctl_output_free(ctl_output *o)
{
    free(o->raw);
    free(o->ticks);
    memset(o, 0, sizeof *o);
}

/* The entry of this tick: the last one, or a new one after it. A tick
 * lower than the last (a game that goes back) joins the last, so ticks
 * stay increasing. NULL when memory ran out. */
static ctl_output_tick *entry_for(ctl_output *o, int tick)
{
    if (o->n > 0 && tick <= o->ticks[o->n - 1].tick)
        return &o->ticks[o->n - 1];
    if (o->n == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 16;
        ctl_output_tick *t = realloc(o->ticks, cap * sizeof *t);
        if (t == NULL)
            return NULL;
        o->ticks = t;
        o->cap = cap;
    }
    o->ticks[o->n] = (ctl_output_tick){.tick = tick, .off = o->raw_len};
    return &o->ticks[o->n++];
}

void ctl_output_add(ctl_output *o, int tick, const char *data, size_t len)
{
    if (o->full || len == 0)
        return;
    if (tick < 0)
        tick = 0;
    ctl_output_tick *e = entry_for(o, tick);
    if (e == NULL) {
        o->full = true;
        return;
    }
    if (o->raw == NULL) {
        o->raw = malloc(CF_OUTPUT_FIGHT_MAX);
        if (o->raw == NULL) {
            o->full = true;
            return;
        }
    }
    /* Only the last entry grows, so its bytes are the end of raw. */
    size_t room_tick = e->len < CF_OUTPUT_TICK_MAX ? CF_OUTPUT_TICK_MAX - e->len : 0;
    size_t room_fight = CF_OUTPUT_FIGHT_MAX - o->raw_len;
    size_t take = len < room_tick ? len : room_tick;
    if (take > room_fight) {
        take = room_fight;
        o->full = true; /* the marker goes at this tick */
    }
    memcpy(o->raw + o->raw_len, data, take);
    o->raw_len += take;
    e->len += take;
    if (take < len)
        e->cut = true;
}

/* The longest prefix of UTF-8 text s (valid) of at most max bytes that
 * ends on a character's boundary. */
static size_t utf8_prefix(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Appends [tick, text[0..keep) + mark] to list; -1 when memory ran out. */
static int add_item(cJSON *list, int tick, char *text, size_t keep, const char *mark)
{
    size_t mlen = strlen(mark);
    memcpy(text + keep, mark, mlen + 1); /* text has room: see ctl_output_json */
    cJSON *item = cJSON_CreateArray();
    if (item == NULL || !cJSON_AddItemToArray(list, item) ||
        !cJSON_AddItemToArray(item, cJSON_CreateNumber(tick)) ||
        !cJSON_AddItemToArray(item, cJSON_CreateString(text)))
        return -1;
    return 0;
}

cJSON *ctl_output_json(const ctl_output *o)
{
    if (o->n == 0)
        return NULL;
    const size_t tick_cut = strlen(CF_OUTPUT_TICK_CUT), fight_cut = strlen(CF_OUTPUT_FIGHT_CUT);
    cJSON *list = cJSON_CreateArray();
    /* 3 bytes a raw byte at most once sanitized, and room for a marker */
    char *text = malloc(3 * CF_OUTPUT_TICK_MAX + tick_cut + fight_cut + 1);
    if (list == NULL || text == NULL)
        goto oom;
    size_t total = 0; /* bytes of the texts so far, markers included */
    for (size_t i = 0; i < o->n; i++) {
        const ctl_output_tick *e = &o->ticks[i];
        size_t len = cf_utf8_sanitize(text, o->raw + e->off, e->len);
        size_t keep = len;
        const char *mark = "";
        if (e->cut || len > CF_OUTPUT_TICK_MAX) {
            keep = utf8_prefix(text, len, CF_OUTPUT_TICK_MAX - tick_cut);
            mark = CF_OUTPUT_TICK_CUT;
        }
        /* Room is always left for the fight's marker: the entry that
         * would take it, or the last one when bytes were dropped, ends the
         * output with it. */
        size_t room = CF_OUTPUT_FIGHT_MAX - fight_cut - total;
        bool last = o->full && i == o->n - 1;
        if (keep + strlen(mark) > room || last) {
            size_t max =
                room < CF_OUTPUT_TICK_MAX - fight_cut ? room : CF_OUTPUT_TICK_MAX - fight_cut;
            keep = utf8_prefix(text, keep, max);
            if (add_item(list, e->tick, text, keep, CF_OUTPUT_FIGHT_CUT) != 0)
                goto oom;
            break;
        }
        if (keep + strlen(mark) == 0)
            continue;
        if (add_item(list, e->tick, text, keep, mark) != 0)
            goto oom;
        total += keep + strlen(mark);
    }
    free(text);
    if (cJSON_GetArraySize(list) == 0) {
        cJSON_Delete(list);
        return NULL;
    }
    return list;
oom:
    free(text);
    cJSON_Delete(list);
    return NULL;
}
