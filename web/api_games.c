/*
 * api_games.c — the routes of the games catalogue: the list, one game with
 * its docs, settings and templates, and a template's source.
 *
 * Handlers only: everything comes from the registry compiled into cf-web
 * (catalog.c); only the list asks the database which games an operator
 * hid (admin_games.c): those are left out for everyone but operators. A
 * hidden game's page stays, for its fights and replays.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

#define HIDDEN_MAX 64

static bool name_in(const char *name, char names[][CF_GAME_NAME_MAX + 1], int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

void games_list(web_req *r)
{
    char hidden[HIDDEN_MAX][CF_GAME_NAME_MAX + 1];
    int nhidden = admin_games_hidden_names(r, hidden, HIDDEN_MAX);
    if (nhidden < 0) {
        http_db_error(r);
        return;
    }
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "games");
    const cf_game *g;

    for (size_t i = 0; (g = cf_game_at(i)) != NULL; i++) {
        bool is_hidden = name_in(g->name, hidden, nhidden);
        /* An operator sees every game, the hidden ones marked. */
        if (is_hidden && !r->operator)
            continue;
        cJSON *summary = catalog_game_summary(g);
        if (r->operator)
            cJSON_AddBoolToObject(summary, "hidden", is_hidden);
        cJSON_AddItemToArray(arr, summary);
    }
    http_json(r, 200, o);
}

/* A game's page never changes while cf-web runs (the registry and its
 * assets are compiled in): each is printed once, on its first request,
 * and kept (its docs are most of a request's work otherwise). */
#define GAMES_MAX 64
static pthread_mutex_t detail_mu = PTHREAD_MUTEX_INITIALIZER;
static char *detail_text[GAMES_MAX];

void games_detail(web_req *r)
{
    const cf_game *g = NULL;
    size_t i = 0;
    for (; (g = cf_game_at(i)) != NULL; i++)
        if (strcmp(g->name, r->params[0]) == 0)
            break;
    if (g == NULL) {
        http_error(r, 404, "no such game");
        return;
    }
    if (i >= GAMES_MAX) {
        http_json(r, 200, catalog_game_detail(g));
        return;
    }
    pthread_mutex_lock(&detail_mu);
    if (detail_text[i] == NULL) {
        cJSON *o = catalog_game_detail(g);
        detail_text[i] = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
    }
    const char *text = detail_text[i]; /* set once, never freed */
    pthread_mutex_unlock(&detail_mu);
    if (text == NULL) {
        http_error(r, 500, "out of memory");
        return;
    }
    http_send(r, 200, "application/json", text, strlen(text), NULL);
}

void games_template(web_req *r)
{
    if (cf_game_find(r->params[0]) == NULL) {
        http_error(r, 404, "no such game");
        return;
    }
    size_t len = 0;
    char *code = catalog_template_read(r->params[0], r->params[1], &len);
    if (code == NULL) {
        http_error(r, 404, "no such template");
        return;
    }
    http_send(r, 200, "text/x-python; charset=utf-8", code, len, r->params[1]);
    free(code);
}
