/*
 * catalog.c — the games catalogue, straight from the C registry.
 *
 * The registry compiled into this binary is the truth for what can be
 * played; at start it is upserted into the games and game_templates tables
 * so fights and bots can reference games by name, and games the build no
 * longer has are marked inactive (their old fights keep their name).
 * Templates are the embedded templates of each game (assets.h); every
 * template whose house name fits a player's name is also a house bot for
 * "play now", and outbox.c finds its code in game_templates by that name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "game.h"
#include "log.h"
#include "web.h"

static const char *conclusion_name(enum cf_conclusion c)
{
    return c == CF_CONCLUSION_RANK ? "rank" : "victory_draw";
}

static cJSON *settings_spec(const cf_game *g)
{
    cJSON *arr = cJSON_CreateArray();

    for (const cf_setting *s = g->settings; s != NULL && s->key != NULL; s++) {
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "key", s->key);
        cJSON_AddStringToObject(o, "label", s->label != NULL ? s->label : s->key);
        cJSON_AddNumberToObject(o, "default", (double)s->def);
        cJSON_AddNumberToObject(o, "min", (double)s->min);
        cJSON_AddNumberToObject(o, "max", (double)s->max);
        cJSON_AddBoolToObject(o, "user", s->user);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *settings_defaults(const cf_game *g)
{
    cJSON *o = cJSON_CreateObject();

    for (const cf_setting *s = g->settings; s != NULL && s->key != NULL; s++)
        cJSON_AddNumberToObject(o, s->key, (double)s->def);
    return o;
}

/* Template file name (after "templates/") of an asset of game g, or NULL. */
static const char *template_name(const cf_asset *a, const char *game)
{
    if (strcmp(a->game, game) != 0 || !cf_asset_is_template(a))
        return NULL;
    return a->path + strlen("templates/");
}

static int sync_templates(cf_pg *pg, const cf_game *g)
{
    int position = 0;
    const cf_asset *a;
    for (size_t i = 0; (a = cf_asset_at(i)) != NULL; i++) {
        const char *name = template_name(a, g->name);
        if (name == NULL)
            continue;
        char house[CF_PLAYER_NAME_MAX + 1];
        if (!web_house_name(house, name))
            log_error("game %s: template '%s' is not offered as a house bot: a player's name "
                      "(\"%s<template>\") is at most %d bytes, so the name may have at most %zu",
                      g->name, name, WEB_HOUSE_PREFIX, CF_PLAYER_NAME_MAX,
                      CF_PLAYER_NAME_MAX - strlen(WEB_HOUSE_PREFIX));
        char desc[256], pos[16];
        cf_template_description(a, desc, sizeof desc);
        snprintf(pos, sizeof pos, "%d", position++);
        const char *params[5] = {g->name, name, desc, (const char *)a->data, pos};
        if (cf_pg_run(pg,
                      "INSERT INTO game_templates (game, name, kind, description, code, position) "
                      "VALUES ($1, $2, 'house', $3, $4, $5::int) "
                      "ON CONFLICT (game, name) DO UPDATE SET description = $3, code = $4, "
                      "position = $5::int, kind = 'house', updated_at = now()",
                      5, params) != 0)
            return -1;
    }
    return 0;
}

/* Upserts one game of the registry (active again if it was not). */
static int sync_game(cf_pg *pg, const cf_game *g)
{
    cJSON *spec = settings_spec(g), *defs = settings_defaults(g);
    char *spec_s = cJSON_PrintUnformatted(spec), *defs_s = cJSON_PrintUnformatted(defs);
    cJSON_Delete(spec);
    cJSON_Delete(defs);
    int rc = -1;
    if (spec_s != NULL && defs_s != NULL) {
        char minp[16], maxp[16];
        snprintf(minp, sizeof minp, "%d", g->min_players);
        snprintf(maxp, sizeof maxp, "%d", g->max_players);
        const char *params[10] = {g->name,
                                  g->title,
                                  g->summary != NULL ? g->summary : "",
                                  g->docs != NULL ? g->docs : "",
                                  minp,
                                  maxp,
                                  conclusion_name(g->conclusion),
                                  g->has_scores ? "true" : "false",
                                  spec_s,
                                  defs_s};
        rc = cf_pg_run(pg,
                       "INSERT INTO games (name, title, summary, docs, min_players, "
                       "max_players, conclusion, has_scores, settings_spec, "
                       "settings_defaults, active) "
                       "VALUES ($1, $2, $3, $4, $5::int, $6::int, $7, $8::boolean, $9::jsonb, "
                       "$10::jsonb, true) ON CONFLICT (name) DO UPDATE SET title = $2, "
                       "summary = $3, docs = $4, min_players = $5::int, max_players = $6::int, "
                       "conclusion = $7, has_scores = $8::boolean, settings_spec = $9::jsonb, "
                       "settings_defaults = $10::jsonb, active = true, updated_at = now()",
                       10, params);
    }
    free(spec_s);
    free(defs_s);
    return rc;
}

int catalog_sync(cf_pg *pg)
{
    if (cf_pg_begin(pg) != 0)
        return -1;
    if (cf_pg_run(pg, "UPDATE games SET active = false", 0, NULL) != 0) {
        cf_pg_rollback(pg);
        return -1;
    }
    const cf_game *g;
    for (size_t i = 0; (g = cf_game_at(i)) != NULL; i++)
        if (sync_game(pg, g) != 0 || sync_templates(pg, g) != 0) {
            cf_pg_rollback(pg);
            return -1;
        }
    if (cf_pg_commit(pg) != 0) {
        cf_pg_rollback(pg);
        return -1;
    }
    return 0;
}

static bool has_asset(const char *game, const char *path)
{
    return cf_asset_find(game, path) != NULL;
}

cJSON *catalog_game_summary(const cf_game *g)
{
    static const char *const previews[] = {"web/preview.svg", "web/preview.png", "web/preview.jpg"};
    cJSON *o = cJSON_CreateObject();
    char url[128];

    cJSON_AddStringToObject(o, "name", g->name);
    cJSON_AddStringToObject(o, "title", g->title);
    cJSON_AddStringToObject(o, "summary", g->summary != NULL ? g->summary : "");
    cJSON_AddNumberToObject(o, "min_players", g->min_players);
    cJSON_AddNumberToObject(o, "max_players", g->max_players);
    cJSON_AddStringToObject(o, "conclusion", conclusion_name(g->conclusion));
    cJSON_AddBoolToObject(o, "has_scores", g->has_scores);
    for (size_t i = 0; i < sizeof previews / sizeof previews[0]; i++)
        if (has_asset(g->name, previews[i])) {
            snprintf(url, sizeof url, "/games/%s/%s", g->name, previews[i]);
            cJSON_AddStringToObject(o, "preview", url);
            return o;
        }
    cJSON_AddNullToObject(o, "preview");
    return o;
}

cJSON *catalog_game_detail(const cf_game *g)
{
    cJSON *o = catalog_game_summary(g);
    cJSON_AddStringToObject(o, "docs", g->docs != NULL ? g->docs : "");
    cJSON_AddItemToObject(o, "settings", settings_spec(g));
    cJSON *tpls = cJSON_AddArrayToObject(o, "templates");
    const cf_asset *a;
    char url[256];
    for (size_t i = 0; (a = cf_asset_at(i)) != NULL; i++) {
        const char *name = template_name(a, g->name);
        if (name == NULL)
            continue;
        char desc[256];
        cf_template_description(a, desc, sizeof desc);
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "name", name);
        cJSON_AddStringToObject(t, "description", desc);
        snprintf(url, sizeof url, "/api/games/%s/templates/%s", g->name, name);
        cJSON_AddStringToObject(t, "url", url);
        cJSON_AddItemToArray(tpls, t);
    }
    if (has_asset(g->name, "web/viewer.js")) {
        snprintf(url, sizeof url, "/games/%s/web/viewer.js", g->name);
        cJSON_AddStringToObject(o, "viewer", url);
    } else {
        cJSON_AddNullToObject(o, "viewer");
    }
    return o;
}

char *catalog_template_read(const char *game, const char *file, size_t *len)
{
    char path[160];
    if (strchr(file, '/') != NULL ||
        (size_t)snprintf(path, sizeof path, "templates/%s", file) >= sizeof path)
        return NULL;
    const cf_asset *a = cf_asset_find(game, path);
    if (a == NULL || !cf_asset_is_template(a))
        return NULL;
    char *copy = malloc(a->size + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, a->data, a->size);
    copy[a->size] = '\0';
    *len = a->size;
    return copy;
}

bool catalog_first_template(const char *game, char *out, size_t outlen)
{
    const cf_asset *a;

    for (size_t i = 0; (a = cf_asset_at(i)) != NULL; i++) {
        const char *name = template_name(a, game);
        char house[CF_PLAYER_NAME_MAX + 1];

        if (name != NULL && web_house_name(house, name)) {
            snprintf(out, outlen, "%s", name);
            return true;
        }
    }
    return false;
}
