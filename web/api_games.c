/*
 * api_games.c — the routes of the games catalogue: the list, one game with
 * its docs, settings and templates, and a template's source.
 *
 * Handlers only: everything comes from the registry compiled into cf-web
 * (catalog.c), so no route here touches the database.
 */
#include <stdlib.h>

#include "web.h"

void games_list(web_req *r)
{
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "games");
    const cf_game *g;

    for (size_t i = 0; (g = cf_game_at(i)) != NULL; i++)
        cJSON_AddItemToArray(arr, catalog_game_summary(g));
    http_json(r, 200, o);
}

void games_detail(web_req *r)
{
    const cf_game *g = cf_game_find(r->params[0]);

    if (g == NULL) {
        http_error(r, 404, "no such game");
        return;
    }
    http_json(r, 200, catalog_game_detail(g));
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
