/*
 * invitation_view.c — invitations as their invitee sees them: one (the
 * answer to inviting, accepting, declining, withdrawing), or the caller's
 * list, pending ones first.
 *
 * One column list serves both, so an Invitation object looks the same
 * wherever it comes from; its fight's state is the API's name for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

/* invitee: the invitee's name (iu.username, or the caller's as $2 in the
 * caller's list, where every invitee is the caller). */
#define INVITATION_COLUMNS(invitee)                                                                \
    "SELECT i.id, i.fight_id, f.game, hu.username, " invitee ", i.status, b.name, "                \
    "f.status, api_time(i.created_at) "
#define INVITATION_JOINS                                                                           \
    "FROM invitations i JOIN fights f ON f.id = i.fight_id "                                       \
    "LEFT JOIN users hu ON hu.id = f.host_id "                                                     \
    "LEFT JOIN bot_versions v ON v.id = i.bot_version_id "                                         \
    "LEFT JOIN bots b ON b.id = v.bot_id "
#define INVITATION_SELECT                                                                          \
    INVITATION_COLUMNS("iu.username")                                                              \
    INVITATION_JOINS "JOIN users iu ON iu.id = i.invitee_id "
#define MY_INVITATIONS INVITATION_COLUMNS("$2::text") INVITATION_JOINS

/* Row i as an Invitation object, written as text (json_buf.h): one
 * writer for the single invitation, the list and the dashboard. */
static void invitation_row_text(json_buf *b, PGresult *res, int i)
{
    jb_open(b, '{');
    jb_pg_num(b, "id", res, i, 0);
    jb_key(b, "fight_id");
    jb_str(b, PQgetvalue(res, i, 1));
    jb_key(b, "game");
    jb_str(b, PQgetvalue(res, i, 2));
    jb_pg_str(b, "host", res, i, 3);
    jb_key(b, "username");
    jb_str(b, PQgetvalue(res, i, 4));
    jb_key(b, "state");
    jb_str(b, PQgetvalue(res, i, 5));
    jb_pg_str(b, "bot", res, i, 6);
    jb_key(b, "fight_state");
    jb_str(b, fight_state_api(PQgetvalue(res, i, 7)));
    jb_key(b, "created_at");
    jb_str(b, PQgetvalue(res, i, 8));
    jb_close(b, '}');
}

/* Row i's object as a text of its own (malloc'd), NULL when out of memory. */
static char *row_text(PGresult *res, int i)
{
    json_buf b;
    jb_init(&b);
    invitation_row_text(&b, res, i);
    if (b.text.failed) {
        jb_free(&b);
        return NULL;
    }
    return b.text.data;
}

cJSON *invitation_json(web_req *r, const char *invitation_id)
{
    const char *params[1] = {invitation_id};
    PGresult *res = prepared_exec(r->t, INVITATION_SELECT "WHERE i.id = $1::bigint", 1, params);

    res = http_one_row(r, res, false, 404, "no such invitation");
    if (res == NULL)
        return NULL;
    char *text = row_text(res, 0);
    PQclear(res);
    cJSON *o = text != NULL ? cJSON_CreateRaw(text) : NULL; /* printed as is */
    free(text);
    if (o == NULL)
        http_error(r, 500, "out of memory");
    return o;
}

void invitation_list_read(web_req *r, web_read *q)
{
    *q =
        (web_read){.sql = MY_INVITATIONS "WHERE i.invitee_id = $1::bigint AND i.status = 'pending' "
                                         "ORDER BY i.created_at DESC, i.id DESC",
                   .nparams = 2,
                   .params = {r->user_id, r->username}};
}

void invitation_list_text(PGresult *res, json_buf *b)
{
    jb_open(b, '[');
    for (int i = 0; i < PQntuples(res); i++)
        invitation_row_text(b, res, i);
    jb_close(b, ']');
}

/* ---- the whole list: the latest 100, ended fights' rows from cache.c ----
 *
 * An invitation changes only while its fight is open (fight_state.c, the
 * fight locked); once the fight has ended, its row looks the same to its
 * invitee until a bot in it is renamed, as an ended fight's row in the
 * fights lists (fight_list.c): it is kept as printed for as long
 * (ROW_CACHE_MS), and emptied with the rest of cache.c by any change of
 * fights or bots made through this process. The list's statement reads
 * the page (invitations_invitee_order_idx, 0106: its first 100 entries)
 * and, only for a fight going on, the rest of the row: the invitation
 * says whether its fight has ended (fight_ended, kept by a trigger on
 * fights: web/migrations/0109), so an ended one costs no look-up of its
 * fight. The ended fights' rows not in the cache come from a second. */

#define LIST_MAX 100
#define ROW_CACHE_MS 10000
#define LIVE(x) "CASE WHEN NOT i.fight_ended THEN " x " END"
#define LIVE_CREATED LIVE("i.created_at")
#define LIVE_FIGHT LIVE("i.fight_id")
#define LIVE_BOT LIVE("i.bot_version_id")
#define LIST_SQL                                                                                   \
    "SELECT i.id, i.fight_id, f.game, hu.username, $2::text, i.status, b.name, f.status, "         \
    "api_time(" LIVE_CREATED "), i.fight_ended FROM invitations i "                                \
    "LEFT JOIN fights f ON f.id = " LIVE_FIGHT " "                                                 \
    "LEFT JOIN users hu ON hu.id = f.host_id "                                                     \
    "LEFT JOIN bot_versions v ON v.id = " LIVE_BOT " "                                             \
    "LEFT JOIN bots b ON b.id = v.bot_id WHERE i.invitee_id = $1::bigint "                         \
    "ORDER BY (i.status = 'pending') DESC, i.created_at DESC, i.id DESC LIMIT 100"
#define LIST_ENDED 9 /* LIST_SQL's i.fight_ended */
#define ROWS_SQL MY_INVITATIONS "WHERE i.invitee_id = $1::bigint AND i.id = ANY ($3::bigint[])"

static void row_cache_key(char key[64], const char *invitation_id)
{
    snprintf(key, 64, "invitation-row:%.24s", invitation_id);
}

/* Row i's fight has ended, as ROWS_SQL's fights say. */
static bool fight_ended(PGresult *res, int i)
{
    return fight_state_final(fight_state_api(PQgetvalue(res, i, 7)));
}

/* The rows of res (ROWS_SQL's) into their places in rows (the list's
 * order, ids[]), and into the row cache; false when one could not be
 * written (out of memory). */
static bool ended_rows_into(web_req *r, PGresult *res, char ids[][WEB_INT_ID_SIZE], int n,
                            char **rows)
{
    for (int j = 0; j < PQntuples(res); j++) {
        int at = 0;
        while (at < n && strcmp(ids[at], PQgetvalue(res, j, 0)) != 0)
            at++;
        if (at == n || rows[at] != NULL)
            continue;
        char key[64];
        if ((rows[at] = row_text(res, j)) == NULL)
            return false;
        row_cache_key(key, ids[at]);
        if (fight_ended(res, j))
            cache_put(key, rows[at], strlen(rows[at]), ROW_CACHE_MS, r->cache_epoch);
    }
    return true;
}

/* The rows in order, as {"invitations":[...]} into b; false when out of
 * memory. rows are freed. */
static bool list_into(char **rows, int n, json_buf *b)
{
    jb_open(b, '{');
    jb_key(b, "invitations");
    jb_open(b, '[');
    for (int i = 0; i < n; i++) {
        if (rows[i] != NULL)
            jb_value_raw(b, rows[i]);
        free(rows[i]);
    }
    jb_close(b, ']');
    jb_close(b, '}');
    return !b->text.failed;
}

int invitation_list_page(web_req *r, json_buf *b)
{
    const char *params[3] = {r->user_id, r->username, NULL};
    PGresult *res = prepared_exec(r->t, LIST_SQL, 2, params);
    if (res == NULL)
        return -1;
    int n = PQntuples(res) < LIST_MAX ? PQntuples(res) : LIST_MAX;
    char ids[LIST_MAX][WEB_INT_ID_SIZE];
    char *rows[LIST_MAX] = {NULL};
    char missing[LIST_MAX * WEB_INT_ID_SIZE + 3] = "{";
    size_t used = 1;
    int nmissing = 0;
    bool out_of_memory = false;
    for (int i = 0; i < n; i++) {
        snprintf(ids[i], sizeof ids[i], "%s", PQgetvalue(res, i, 0));
        if (strcmp(PQgetvalue(res, i, LIST_ENDED), "t") != 0) {
            rows[i] = row_text(res, i);
            out_of_memory = out_of_memory || rows[i] == NULL;
            continue;
        }
        char key[64];
        size_t len;
        row_cache_key(key, ids[i]);
        if ((rows[i] = cache_get(key, &len)) == NULL)
            used += (size_t)snprintf(missing + used, sizeof missing - used, "%s%s",
                                     nmissing++ > 0 ? "," : "", ids[i]);
    }
    PQclear(res);
    if (nmissing > 0) {
        snprintf(missing + used, sizeof missing - used, "}");
        params[2] = missing;
        if ((res = prepared_exec(r->t, ROWS_SQL, 3, params)) == NULL) {
            for (int i = 0; i < n; i++)
                free(rows[i]);
            return -1;
        }
        if (!ended_rows_into(r, res, ids, n, rows))
            out_of_memory = true;
        PQclear(res);
    }
    /* A row still NULL was deleted between the two statements, or could
     * not be written: the latter is answered 500, not left out. */
    return list_into(rows, n, b) && !out_of_memory ? 1 : 0;
}
