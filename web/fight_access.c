/*
 * fight_access.c — who may see a fight.
 *
 * A public fight is visible to anyone; a private one only to its host, its
 * players and its invitees — to everyone else it does not exist (404, never
 * 403, so a private fight's id reveals nothing). fight_view.c applies the
 * same rule to the rows it has already read for the Fight object.
 */
#include "web.h"

int fight_visible(web_req *r, const char *fight_id)
{
    const char *params[2] = {fight_id, r->authed ? r->user_id : NULL};
    PGresult *res =
        prepared_exec(r->t,
                      "SELECT 1 FROM fights f WHERE f.id = $1::uuid AND (f.visibility = 'public' "
                      "OR f.host_id = $2::bigint "
                      "OR EXISTS (SELECT 1 FROM fight_players p WHERE p.fight_id = f.id "
                      "AND p.user_id = $2::bigint) "
                      "OR EXISTS (SELECT 1 FROM invitations i WHERE i.fight_id = f.id "
                      "AND i.invitee_id = $2::bigint))",
                      2, params);
    if (res == NULL)
        return -1;
    int n = PQntuples(res);
    PQclear(res);
    return n == 1 ? 1 : 0;
}

bool fight_check_visible(web_req *r, const char *fight_id)
{
    int v = http_valid_id(fight_id) ? fight_visible(r, fight_id) : 0;

    if (v < 0)
        http_db_error(r);
    else if (v == 0)
        http_error(r, 404, "no such fight");
    return v == 1;
}
