/*
 * api_dashboard.c — GET /api/dashboard: a logged-in user's start page in
 * one answer (their latest fights, pending invitations and bots), so the
 * page needs one round trip rather than three; and the three reads go to
 * PostgreSQL in one round trip too (prepared_exec_all). The fights and
 * invitations are read as ids and versions, their rows most often from
 * cache.c (fight_list.c, invitation_view.c): those not kept are read
 * after, one more statement each. The answer is written as text
 * (json_buf.h), as cJSON would print it.
 */
#include <stdlib.h>

#include "web.h"

/* A cJSON value printed into b (as cJSON prints it), and deleted. */
static void json_add_printed(json_buf *b, cJSON *v)
{
    jb_tree(b, v); /* NULL (out of memory): failed */
    cJSON_Delete(v);
}

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
    /* Written as text: the fights (most often rows printed before, from
     * cache.c) spliced in, not parsed and printed again; the bots (a few,
     * their ladder standing a tree of its own) printed from their tree. */
    json_buf b;
    jb_init(&b);
    jb_open(&b, '{');
    jb_key(&b, "user");
    jb_open(&b, '{');
    jb_key(&b, "id");
    jb_number(&b, strtod(r->user_id, NULL));
    jb_key(&b, "username");
    jb_str(&b, r->username);
    jb_close(&b, '}');
    jb_key(&b, "fights");
    if (!fight_list_text(r, &fights_read, reads[0].res, NULL, &b)) {
        jb_free(&b);
        web_reads_clear(reads, 3);
        http_db_error(r);
        return;
    }
    jb_key(&b, "invitations");
    if (!invitation_list_text(r, reads[1].res, &b)) {
        jb_free(&b);
        web_reads_clear(reads, 3);
        http_db_error(r);
        return;
    }
    jb_key(&b, "bots");
    json_add_printed(&b, bot_list_from(reads[2].res));
    jb_close(&b, '}');
    web_reads_clear(reads, 3);
    http_json_text(r, 200, &b, NULL, 0);
}
