/*
 * api_dashboard.c — GET /api/dashboard: a logged-in user's start page in
 * one answer (their latest fights, pending invitations and bots), so the
 * page needs one round trip rather than three.
 */
#include <stdlib.h>

#include "web.h"

void dashboard_get(web_req *r)
{
    const fight_list_query latest = {.mine = true, .page = 1, .per_page = 20};
    cJSON *fights = fight_list_page(r, &latest, NULL);
    cJSON *invitations = fights != NULL ? invitation_list_json(r, true) : NULL;
    cJSON *bots = invitations != NULL ? bot_list_json(r, NULL) : NULL;
    if (bots == NULL) {
        cJSON_Delete(fights);
        cJSON_Delete(invitations);
        http_db_error(r);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *u = cJSON_AddObjectToObject(o, "user");
    cJSON_AddNumberToObject(u, "id", strtod(r->user_id, NULL));
    cJSON_AddStringToObject(u, "username", r->username);
    cJSON_AddItemToObject(o, "fights", fights);
    cJSON_AddItemToObject(o, "invitations", invitations);
    cJSON_AddItemToObject(o, "bots", bots);
    http_json(r, 200, o);
}
