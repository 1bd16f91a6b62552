/*
 * fight_list.c — pages of fights: the public ones, or the caller's, newest
 * first, filtered by game, state and player.
 *
 * The queries are built for the indexes of web/migrations (0101, 0102):
 * each page is cut first by an index scan in created_at order, and only
 * its rows then get their host and players. "total" is counted only so
 * far past the page (list_page.c): exact below that, a lower bound
 * above (total_exact false), because a whole count grows with the table.
 * Values always go as parameters; the SQL text is assembled only from
 * fixed pieces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

/* How far past a page's first row the list counts: ten pages. "total" is
 * exact below that and a lower bound otherwise: counting every public
 * fight cost 165 ms a request at 300,000 fights, and even a bounded count
 * costs about 10 us a row for a user with many fights. */

/* The filters as SQL conditions on fights f, in one or two "arms" whose
 * rows together are the list. Each arm is one an index serves in
 * created_at order: public fights (fights_public_created_idx), or the
 * caller's as a player (fights_created_idx, checked against fight_players'
 * key) and as an invitee — a UNION of the two arms rather than ORed
 * EXISTS, which only a scan of every fight answers, or an IN over a UNION
 * ALL, which reads all of a user's fights before sorting them (120 ms for
 * 50,000). A host is always player slot 0, so fight_players covers hosting.
 * Values go in params; returns the number of arms. */
static int list_arms(web_req *r, const fight_list_query *q, const char *user_id, char arms[2][512],
                     const char **params, int *nparams)
{
    char extra[256];
    size_t used = 0;
    int n = 0;

    extra[0] = '\0';
#define COND(...)                                                                                  \
    used +=                                                                                        \
        (size_t)snprintf(extra + used, used < sizeof extra ? sizeof extra - used : 0, __VA_ARGS__)
    if (user_id != NULL) {
        params[n++] = user_id;
        COND(" AND f.id IN (SELECT fight_id FROM fight_players WHERE user_id = $%d::bigint)", n);
    }
    if (q->game != NULL) {
        params[n++] = q->game;
        COND(" AND f.game = $%d", n);
    }
    if (q->state != NULL) {
        params[n++] = q->state;
        COND(" AND f.status = $%d", n);
    }
#undef COND
    /* The conditions are fixed texts: they always fit; never run a cut one. */
    if (used >= sizeof extra)
        abort();
    if (!q->mine) {
        snprintf(arms[0], sizeof arms[0], "f.visibility = 'public'%s", extra);
        *nparams = n;
        return 1;
    }
    params[n++] = r->user_id;
    snprintf(arms[0], sizeof arms[0],
             "f.id IN (SELECT fight_id FROM fight_players WHERE user_id = $%d::bigint)%s", n,
             extra);
    snprintf(arms[1], sizeof arms[1],
             "f.id IN (SELECT fight_id FROM invitations WHERE invitee_id = $%d::bigint)%s", n,
             extra);
    *nparams = n;
    return 2;
}

/* The ids of one page: with n values in params already, $n+1 is the limit,
 * $n+2 the offset and (two arms) $n+3 how far each arm reads. */
static void page_ids_sql(char *out, size_t len, char arms[2][512], int narms, int n)
{
    if (narms == 1)
        snprintf(out, len,
                 "SELECT f.id FROM fights f WHERE %s ORDER BY f.created_at DESC, f.id "
                 "LIMIT $%d::int OFFSET $%d::bigint",
                 arms[0], n + 1, n + 2);
    else
        /* Each arm's first offset + per_page rows hold the page. */
        snprintf(out, len,
                 "SELECT id FROM ((SELECT f.id, f.created_at FROM fights f WHERE %s "
                 "ORDER BY f.created_at DESC, f.id LIMIT $%d::bigint) UNION "
                 "(SELECT f.id, f.created_at FROM fights f WHERE %s "
                 "ORDER BY f.created_at DESC, f.id LIMIT $%d::bigint)) u "
                 "ORDER BY created_at DESC, id LIMIT $%d::int OFFSET $%d::bigint",
                 arms[0], n + 3, arms[1], n + 3, n + 1, n + 2);
}

/* A row of list_rows()'s query as a fight of the list. */
static cJSON *list_row_json(PGresult *res, int i)
{
    cJSON *o = cJSON_CreateObject();
    int tick;
    const char *state = fight_shown_state(PQgetvalue(res, i, 3), PQgetvalue(res, i, 0), &tick);
    cJSON *players = cJSON_Parse(PQgetvalue(res, i, 7));

    cJSON_AddStringToObject(o, "id", PQgetvalue(res, i, 0));
    cJSON_AddStringToObject(o, "game", PQgetvalue(res, i, 1));
    json_add_pg_str(o, "host", res, i, 2);
    cJSON_AddStringToObject(o, "state", state);
    cJSON_AddBoolToObject(o, "public", strcmp(PQgetvalue(res, i, 4), "public") == 0);
    cJSON_AddStringToObject(o, "created_at", PQgetvalue(res, i, 5));
    json_add_pg_str(o, "finished_at", res, i, 6);
    cJSON_AddItemToObject(o, "players", players != NULL ? players : cJSON_CreateArray());
    return o;
}

/* The rows of one page, newest first, with their players. */
static cJSON *list_rows(web_req *r, char arms[2][512], int narms, const char **params, int n,
                        long long offset, int per_page)
{
    char limit[16], off[24], reach[24];
    snprintf(limit, sizeof limit, "%d", per_page);
    snprintf(off, sizeof off, "%lld", offset);
    snprintf(reach, sizeof reach, "%lld", offset + per_page);
    params[n] = limit;
    params[n + 1] = off;
    params[n + 2] = reach;
    char page[1536];
    page_ids_sql(page, sizeof page, arms, narms, n);
    /* The page is cut first (an index scan in created_at order), then only
     * its rows get their host and players. */
    char sql[4096];
    snprintf(sql, sizeof sql,
             "SELECT f.id, f.game, hu.username, f.status, f.visibility, api_time(f.created_at), "
             "api_time(f.finished_at), "
             "(SELECT "
             "COALESCE(json_agg(json_build_object('"
             "username', "
             "COALESCE(pu.username, CASE WHEN "
             "p.user_id IS NULL AND p.bot_version_id "
             "IS NULL "
             "THEN 'house' ELSE '(deleted)' END), "
             "'bot', COALESCE(b.name, "
             "substr(p.name, strpos(p.name, '/') + "
             "1)), 'result', COALESCE(p.result, "
             "p.rank::text)) ORDER BY p.slot), "
             "'[]')::text FROM fight_players p "
             "LEFT JOIN users pu ON pu.id = p.user_id "
             "LEFT JOIN bot_versions v ON v.id = "
             "p.bot_version_id "
             "LEFT JOIN bots b ON b.id = v.bot_id "
             "WHERE p.fight_id = f.id) "
             "FROM (%s) pg JOIN fights f ON f.id = "
             "pg.id "
             "LEFT JOIN users hu ON hu.id = f.host_id "
             "ORDER BY f.created_at DESC, f.id",
             page);
    PGresult *res = cf_pg_exec(r->t->pg, sql, narms == 1 ? n + 2 : n + 3, params);
    if (res == NULL)
        return NULL;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++)
        cJSON_AddItemToArray(arr, list_row_json(res, i));
    PQclear(res);
    return arr;
}

/* Counts matching fights, only so far (list_page.c). */
static int list_count_rows(web_req *r, char arms[2][512], int narms, const char **params, int n,
                           long long offset, int per_page, web_list_count *c)
{
    char cap[24];
    long long bound = list_count_cap(offset, per_page, cap);
    params[n] = cap;
    char sql[1536];
    if (narms == 1)
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM (SELECT 1 FROM fights f WHERE %s LIMIT $%d::bigint) c",
                 arms[0], n + 1);
    else
        /* Either an arm alone reaches the cap, or both are whole. */
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM ((SELECT f.id FROM fights f WHERE %s LIMIT $%d::bigint) "
                 "UNION (SELECT f.id FROM fights f WHERE %s LIMIT $%d::bigint) "
                 "LIMIT $%d::bigint) c",
                 arms[0], n + 1, arms[1], n + 1, n + 1);
    return list_count_of(cf_pg_exec(r->t->pg, sql, n + 1, params), offset, per_page, bound, c);
}

cJSON *fight_list_page(web_req *r, const fight_list_query *q, web_list_count *count)
{
    if (count != NULL)
        *count = (web_list_count){.total = 0, .exact = true, .has_more = false};
    char uid[WEB_INT_ID_SIZE];
    if (q->user != NULL) {
        int found = account_id_by_name(r, q->user, uid, sizeof uid);
        if (found <= 0)
            return found < 0 ? NULL : cJSON_CreateArray();
    }
    char arms[2][512];
    const char *params[8];
    int n;
    int narms = list_arms(r, q, q->user != NULL ? uid : NULL, arms, params, &n);
    long long offset = (long long)(q->page - 1) * q->per_page;
    cJSON *arr = list_rows(r, arms, narms, params, n, offset, q->per_page);
    if (arr != NULL && count != NULL &&
        list_count_rows(r, arms, narms, params, n, offset, q->per_page, count) != 0) {
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}
