/*
 * api_dashboard.c — GET /api/dashboard: a logged-in user's start page in
 * one answer (their latest fights, pending invitations and bots), so the
 * page needs one round trip rather than three; and the three reads go to
 * PostgreSQL in one round trip too (prepared_exec_all).
 */
#include <stdlib.h>

#include "web.h"

void dashboard_get(web_req *r)
{
    const fight_list_query latest = {.mine = true, .page = 1, .per_page = 20};
    fight_list_read fights_read;
    web_read reads[3];
    if (fight_list_read_of(r, &latest, false, &fights_read) != 0) {
        http_db_error(r);
        return;
    }
    reads[0] = fights_read.read;
    invitation_list_read(r, &reads[1]);
    bot_list_read(r, NULL, &reads[2]);
    if (!prepared_exec_all(r->t, reads, 3)) {
        http_db_error(r);
        return;
    }
    cJSON *fights = fight_list_from(r, &fights_read, reads[0].res, NULL);
    if (fights == NULL) {
        web_reads_clear(reads, 3);
        http_db_error(r);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON *u = cJSON_AddObjectToObject(o, "user");
    cJSON_AddNumberToObject(u, "id", strtod(r->user_id, NULL));
    cJSON_AddStringToObject(u, "username", r->username);
    cJSON_AddItemToObject(o, "fights", fights);
    cJSON_AddItemToObject(o, "invitations", invitation_list_from(reads[1].res));
    cJSON_AddItemToObject(o, "bots", bot_list_from(reads[2].res));
    web_reads_clear(reads, 3);
    http_json(r, 200, o);
}
