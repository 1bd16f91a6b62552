/*
 * play_screen.c — what a play's screen shows now, for a viewer who comes
 * late (or reloads): the display messages that still matter, compacted.
 *
 * The original server kept each device's last state; here the play's
 * worker keeps it, from the messages it relays and the input it passes on,
 * and publishes it (cf:play:<id>:screen, with the id of the last message
 * it covers), so a viewer applies it and then follows cf:play:<id>:out from
 * that id. Rules, per message type (web/static/js/arcade/README.md):
 *
 *   playground_config   one, its fields merged (images and sounds by name)
 *   sprite, sprites     one per id, fields merged, in order of appearance
 *   remove_sprite       drops it;  line(s), remove_line: the same for lines
 *   clean_playground    drops sprites and lines
 *   clear_playground    drops everything but the grid, the panel, the score
 *   grid                replaces the grid and its updates
 *   grid_update         kept after its grid (the last GRID_UPDATES_MAX)
 *   color               the last one
 *   start_audio         kept while it repeats, until its stop_audio
 *   input_prompt,       kept until answered (input_response,
 *   alert notification  alert_confirm: by time_stamp, else the oldest)
 *   report_score        the last one
 *   anything else       passes (notifications come and go)
 *
 * A sprite in motion is shown where the game last put it, moving on from
 * there: the browser, not the game, knows where it is now.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_print.h"
#include "play_screen.h"

#define GRID_UPDATES_MAX 2000

struct play_screen {
    cJSON *config;  /* playground_config message, or NULL */
    cJSON *sprites; /* object: id -> sprite fields */
    cJSON *lines;   /* object: id -> line fields */
    cJSON *grid;    /* grid message, or NULL */
    cJSON *updates; /* array of grid_update messages */
    cJSON *color;   /* color message, or NULL */
    cJSON *audio;   /* object: name or id -> start_audio message */
    cJSON *prompts; /* array of open input_prompt and alert messages */
    cJSON *score;   /* report_score message, or NULL */
    char last_id[64];
    bool dirty;
};

static void reset_playground(play_screen *s)
{
    cJSON_Delete(s->sprites);
    cJSON_Delete(s->lines);
    s->sprites = cJSON_CreateObject();
    s->lines = cJSON_CreateObject();
}

play_screen *play_screen_new(void)
{
    play_screen *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    reset_playground(s);
    s->updates = cJSON_CreateArray();
    s->audio = cJSON_CreateObject();
    s->prompts = cJSON_CreateArray();
    if (!s->sprites || !s->lines || !s->updates || !s->audio || !s->prompts) {
        play_screen_free(s);
        return NULL;
    }
    return s;
}

void play_screen_free(play_screen *s)
{
    if (s == NULL)
        return;
    cJSON_Delete(s->config);
    cJSON_Delete(s->sprites);
    cJSON_Delete(s->lines);
    cJSON_Delete(s->grid);
    cJSON_Delete(s->updates);
    cJSON_Delete(s->color);
    cJSON_Delete(s->audio);
    cJSON_Delete(s->prompts);
    cJSON_Delete(s->score);
    free(s);
}

/* ----------------------------------------------------------------- merges */

/* Every member of `from` into `into`, replacing same-named ones. */
static void merge_fields(cJSON *into, const cJSON *from)
{
    const cJSON *f;
    cJSON_ArrayForEach (f, from) {
        cJSON *copy = cJSON_Duplicate(f, true);
        if (copy == NULL)
            return;
        if (cJSON_HasObjectItem(into, f->string))
            cJSON_ReplaceItemInObjectCaseSensitive(into, f->string, copy);
        else
            cJSON_AddItemToObject(into, f->string, copy);
    }
}

/* A list of {"name": ...} items merged by name into into[key]. */
static void merge_named(cJSON *into, const cJSON *list, const char *key)
{
    cJSON *have = cJSON_GetObjectItemCaseSensitive(into, key);
    if (!cJSON_IsArray(have) || !cJSON_IsArray(list))
        return;
    const cJSON *it;
    cJSON_ArrayForEach (it, list) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
        int i = 0;
        const cJSON *old;
        cJSON_ArrayForEach (old, have) {
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(old, "name");
            if (cJSON_IsString(name) && cJSON_IsString(n) &&
                strcmp(n->valuestring, name->valuestring) == 0)
                break;
            i++;
        }
        cJSON *copy = cJSON_Duplicate(it, true);
        if (copy != NULL && old != NULL)
            cJSON_ReplaceItemInArray(have, i, copy);
        else if (copy != NULL)
            cJSON_AddItemToArray(have, copy);
    }
}

static void on_config(play_screen *s, const cJSON *msg)
{
    const cJSON *config = cJSON_GetObjectItemCaseSensitive(msg, "config");
    if (!cJSON_IsObject(config))
        return;
    if (s->config == NULL) {
        s->config = cJSON_Duplicate(msg, true);
        return;
    }
    cJSON *have = cJSON_GetObjectItemCaseSensitive(s->config, "config");
    const cJSON *f;
    cJSON_ArrayForEach (f, config) {
        if ((strcmp(f->string, "images") == 0 || strcmp(f->string, "audio_tracks") == 0) &&
            cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(have, f->string))) {
            merge_named(have, f, f->string);
            continue;
        }
        cJSON *one = cJSON_CreateObject();
        if (one != NULL && cJSON_AddItemToObject(one, f->string, cJSON_Duplicate(f, true)))
            merge_fields(have, one);
        cJSON_Delete(one);
    }
}

/* One sprite or line, by its id, into the table. */
static void upsert(cJSON *table, const cJSON *item)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
    if (!cJSON_IsObject(item) || !(cJSON_IsString(id) || cJSON_IsNumber(id)))
        return;
    char key[128];
    if (cJSON_IsString(id))
        snprintf(key, sizeof key, "%s", id->valuestring);
    else
        snprintf(key, sizeof key, "%.17g", id->valuedouble);
    cJSON *have = cJSON_GetObjectItemCaseSensitive(table, key);
    if (have != NULL)
        merge_fields(have, item);
    else
        cJSON_AddItemToObject(table, key, cJSON_Duplicate(item, true));
}

static void upsert_all(cJSON *table, const cJSON *items)
{
    const cJSON *it;
    cJSON_ArrayForEach (it, items)
        upsert(table, it);
}

static void drop(cJSON *table, const cJSON *msg)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    if (cJSON_IsString(id))
        cJSON_DeleteItemFromObjectCaseSensitive(table, id->valuestring);
}

static void on_audio(play_screen *s, const cJSON *msg, bool start)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(msg, "name");
    const char *key = cJSON_IsString(id)     ? id->valuestring
                      : cJSON_IsString(name) ? name->valuestring
                                             : NULL;
    if (!start && key == NULL) { /* stop_audio of everything */
        cJSON_Delete(s->audio);
        s->audio = cJSON_CreateObject();
        return;
    }
    if (key == NULL)
        return;
    cJSON_DeleteItemFromObjectCaseSensitive(s->audio, key);
    if (start && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(msg, "repeat")))
        cJSON_AddItemToObject(s->audio, key, cJSON_Duplicate(msg, true));
}

static void keep_last(cJSON **slot, const cJSON *msg)
{
    cJSON_Delete(*slot);
    *slot = cJSON_Duplicate(msg, true);
}

static void on_grid_update(play_screen *s, const cJSON *msg)
{
    if (cJSON_GetArraySize(s->updates) >= GRID_UPDATES_MAX)
        cJSON_DeleteItemFromArray(s->updates, 0);
    cJSON_AddItemToArray(s->updates, cJSON_Duplicate(msg, true));
}

void play_screen_show(play_screen *s, const cJSON *msg, const char *entry_id)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
    if (!cJSON_IsString(type))
        return;
    const char *t = type->valuestring;
    if (entry_id != NULL)
        snprintf(s->last_id, sizeof s->last_id, "%s", entry_id);
    s->dirty = true;
    if (strcmp(t, "playground_config") == 0) {
        on_config(s, msg);
    } else if (strcmp(t, "sprite") == 0) {
        upsert(s->sprites, cJSON_GetObjectItemCaseSensitive(msg, "sprite"));
    } else if (strcmp(t, "sprites") == 0) {
        upsert_all(s->sprites, cJSON_GetObjectItemCaseSensitive(msg, "sprites"));
    } else if (strcmp(t, "remove_sprite") == 0) {
        drop(s->sprites, msg);
    } else if (strcmp(t, "line") == 0) {
        upsert(s->lines, cJSON_GetObjectItemCaseSensitive(msg, "line"));
    } else if (strcmp(t, "lines") == 0) {
        upsert_all(s->lines, cJSON_GetObjectItemCaseSensitive(msg, "lines"));
    } else if (strcmp(t, "remove_line") == 0) {
        drop(s->lines, msg);
    } else if (strcmp(t, "clean_playground") == 0) {
        reset_playground(s);
    } else if (strcmp(t, "clear_playground") == 0) {
        reset_playground(s);
        cJSON_Delete(s->config);
        s->config = NULL;
        on_audio(s, msg, false);
    } else if (strcmp(t, "grid") == 0) {
        keep_last(&s->grid, msg);
        cJSON_Delete(s->updates);
        s->updates = cJSON_CreateArray();
    } else if (strcmp(t, "grid_update") == 0) {
        on_grid_update(s, msg);
    } else if (strcmp(t, "color") == 0) {
        keep_last(&s->color, msg);
    } else if (strcmp(t, "start_audio") == 0 || strcmp(t, "stop_audio") == 0) {
        on_audio(s, msg, strcmp(t, "start_audio") == 0);
    } else if (strcmp(t, "input_prompt") == 0 ||
               (strcmp(t, "notification") == 0 &&
                cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(msg, "alert")))) {
        cJSON_AddItemToArray(s->prompts, cJSON_Duplicate(msg, true));
    } else if (strcmp(t, "report_score") == 0) {
        keep_last(&s->score, msg);
    } else {
        s->dirty = entry_id != NULL; /* only the last id moved */
    }
}

void play_screen_input(play_screen *s, const cJSON *ev)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
    if (!cJSON_IsString(type) || (strcmp(type->valuestring, "input_response") != 0 &&
                                  strcmp(type->valuestring, "alert_confirm") != 0))
        return;
    if (cJSON_GetArraySize(s->prompts) == 0)
        return;
    /* The prompt it answers: the one of the same time_stamp, else the oldest. */
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(ev, "time_stamp");
    int i = 0, which = 0;
    const cJSON *p;
    cJSON_ArrayForEach (p, s->prompts) {
        const cJSON *pts = cJSON_GetObjectItemCaseSensitive(p, "time_stamp");
        if (cJSON_IsNumber(ts) && cJSON_IsNumber(pts) && ts->valuedouble == pts->valuedouble) {
            which = i;
            break;
        }
        i++;
    }
    cJSON_DeleteItemFromArray(s->prompts, which);
    s->dirty = true;
}

/* ----------------------------------------------------------------- output */

static bool add_table(cJSON *out, const char *type, const char *field, const cJSON *table)
{
    const cJSON *item;
    cJSON_ArrayForEach (item, table) {
        cJSON *msg = cJSON_CreateObject();
        if (msg == NULL || !cJSON_AddItemToArray(out, msg) ||
            cJSON_AddStringToObject(msg, "type", type) == NULL ||
            !cJSON_AddItemToObject(msg, field, cJSON_Duplicate(item, true)))
            return false;
    }
    return true;
}

static bool add_copy(cJSON *out, const cJSON *msg)
{
    return msg == NULL || cJSON_AddItemToArray(out, cJSON_Duplicate(msg, true));
}

static bool add_each(cJSON *out, const cJSON *list)
{
    const cJSON *it;
    cJSON_ArrayForEach (it, list)
        if (!add_copy(out, it))
            return false;
    return true;
}

char *play_screen_json(play_screen *s)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *msgs = root ? cJSON_AddArrayToObject(root, "messages") : NULL;
    bool ok = msgs != NULL && cJSON_AddStringToObject(root, "last_id", s->last_id) != NULL &&
              add_copy(msgs, s->config) && add_copy(msgs, s->grid) && add_each(msgs, s->updates) &&
              add_copy(msgs, s->color) && add_table(msgs, "sprite", "sprite", s->sprites) &&
              add_table(msgs, "line", "line", s->lines) && add_each(msgs, s->audio) &&
              add_each(msgs, s->prompts) && add_copy(msgs, s->score);
    char *json = ok ? cf_json_print(root) : NULL;
    cJSON_Delete(root);
    if (json != NULL)
        s->dirty = false;
    return json;
}

bool play_screen_dirty(const play_screen *s)
{
    return s->dirty;
}
