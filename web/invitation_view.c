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

/* ---- lists: the whole list (the latest 100) and the pending ones ----
 *
 * An invitation's row looks the same to its invitee until the invitation
 * or its fight changes, or a name in it (a bot or a user renamed); and an
 * invitation changes only while its fight is open (fight_state.c, the
 * fight locked). So each row is kept as printed (cache.c), as a fight's
 * row in the fights lists is (fight_list.c): one whose fight has ended
 * under its id; one whose fight goes on under its id and the versions
 * (xmin) of its row and its fight's, which any update of either moves.
 * Kept for as long as an ended fight's page is (ROW_CACHE_MS), so a new
 * name shows after that at worst, and emptied with the rest of cache.c by
 * any change of fights, bots or users made through this process. A list's
 * statement reads only the ids and versions (the whole list: the first
 * 100 entries of invitations_invitee_order_idx, 0106); the invitation
 * says whether its fight has ended (fight_ended, kept by a trigger on
 * fights: web/migrations/0109, 0111), so an ended one costs no look-up of
 * its fight. The rows not in the cache come from a second statement. */

#define ROW_CACHE_MS 10000
/* A list's columns: the invitation's id and version, its fight's version
 * (NULL: the fight has ended). */
#define LIST_COLUMNS                                                                               \
    "SELECT i.id, i.xmin, f.xmin FROM invitations i "                                              \
    "LEFT JOIN fights f ON f.id = CASE WHEN NOT i.fight_ended THEN i.fight_id END "                \
    "WHERE i.invitee_id = $1::bigint "
#define LIST_SQL                                                                                   \
    LIST_COLUMNS "ORDER BY (i.status = 'pending') DESC, i.created_at DESC, i.id DESC LIMIT 100"
#define PENDING_SQL LIST_COLUMNS "AND i.status = 'pending' ORDER BY i.created_at DESC, i.id DESC"
/* The rows of the invitations $3 (ids), with the versions as a list's. */
#define ROWS_SQL                                                                                   \
    INVITATION_COLUMNS("$2::text")                                                                 \
    ", i.xmin, f.xmin " INVITATION_JOINS                                                           \
    "WHERE i.invitee_id = $1::bigint AND i.id = ANY ($3::bigint[])"
#define ROWS_FIGHT_STATUS 7 /* ROWS_SQL's f.status, then its versions */
#define ROWS_VERSION 9

/* The row cache's key of an invitation: fight_version NULL when its fight
 * has ended. */
static void row_cache_key(char key[CACHE_ROW_KEY_MAX], const char *invitation_id,
                          const char *version, const char *fight_version)
{
    cache_row_key(key, "invitation-row", invitation_id, fight_version != NULL ? version : NULL,
                  fight_version);
}

/* ROWS_SQL's rows into their places in rows (the list's order, ids[]) and
 * into the row cache; false when one could not be written (out of
 * memory). */
static bool read_rows_into(web_req *r, PGresult *res, char (*ids)[WEB_INT_ID_SIZE], int n,
                           char **rows)
{
    for (int j = 0; j < PQntuples(res); j++) {
        int at = 0;
        while (at < n && strcmp(ids[at], PQgetvalue(res, j, 0)) != 0)
            at++;
        if (at == n || rows[at] != NULL)
            continue;
        if ((rows[at] = row_text(res, j)) == NULL)
            return false;
        bool ended = fight_state_final(fight_state_api(PQgetvalue(res, j, ROWS_FIGHT_STATUS)));
        char key[CACHE_ROW_KEY_MAX];
        row_cache_key(key, ids[at], PQgetvalue(res, j, ROWS_VERSION),
                      ended ? NULL : PQgetvalue(res, j, ROWS_VERSION + 1));
        cache_put(key, rows[at], strlen(rows[at]), ROW_CACHE_MS, r->cache_epoch);
    }
    return true;
}

/* The invitations of a list's result, in order, as a JSON array into b:
 * each from the row cache, the rest read by ROWS_SQL. False on a db error
 * (not answered); out of memory, b is marked failed (answered 500, not a
 * list cut short). */
bool invitation_list_text(web_req *r, PGresult *list, json_buf *b)
{
    int n = PQntuples(list);
    char(*ids)[WEB_INT_ID_SIZE] = calloc((size_t)n + 1, sizeof *ids);
    char **rows = calloc((size_t)n + 1, sizeof *rows);
    char *missing = malloc((size_t)n * WEB_INT_ID_SIZE + 3);
    bool whole = ids != NULL && rows != NULL && missing != NULL, db_ok = true;
    size_t used = 0;
    int nmissing = 0;
    if (whole)
        missing[used++] = '{';
    for (int i = 0; whole && i < n; i++) {
        snprintf(ids[i], sizeof ids[i], "%s", PQgetvalue(list, i, 0));
        char key[CACHE_ROW_KEY_MAX];
        size_t len;
        row_cache_key(key, ids[i], PQgetvalue(list, i, 1),
                      PQgetisnull(list, i, 2) ? NULL : PQgetvalue(list, i, 2));
        if ((rows[i] = cache_get(key, &len)) == NULL)
            used += (size_t)snprintf(missing + used, WEB_INT_ID_SIZE + 1, "%s%s",
                                     nmissing++ > 0 ? "," : "", ids[i]);
    }
    if (whole && nmissing > 0) {
        snprintf(missing + used, 2, "}");
        const char *params[3] = {r->user_id, r->username, missing};
        PGresult *res = prepared_exec(r->t, ROWS_SQL, 3, params);
        db_ok = res != NULL;
        whole = db_ok && read_rows_into(r, res, ids, n, rows);
        PQclear(res);
    }
    /* Not whole, or a db error: b is not answered. */
    if (rows != NULL)
        jb_array_taken(b, rows, n);
    b->text.failed = b->text.failed || !whole;
    free(ids);
    free(rows);
    free(missing);
    return db_ok;
}

void invitation_list_read(web_req *r, web_read *q)
{
    *q = (web_read){.sql = PENDING_SQL, .nparams = 1, .params = {r->user_id}};
}

int invitation_list_page(web_req *r, json_buf *b)
{
    const char *params[1] = {r->user_id};
    PGresult *res = prepared_exec(r->t, LIST_SQL, 1, params);
    if (res == NULL)
        return -1;
    jb_open(b, '{');
    jb_key(b, "invitations");
    bool db_ok = invitation_list_text(r, res, b);
    PQclear(res);
    jb_close(b, '}');
    return !db_ok ? -1 : b->text.failed ? 0 : 1;
}
