/*
 * fight_list.c — pages of fights: the public ones, or the caller's, newest
 * first, filtered by game, state and player.
 *
 * A page is read in at most two statements (docs/performance.md). The
 * first finds it and counts: the matching fights are read newest first
 * from an index, as far as the count goes (list_page.c: ten pages past the
 * page's first row) and to the page's end for the page (twice, when the
 * source is one range of an index; else once, into a materialized CTE
 * whose size is the count and a slice of it the page: page_sql), with the
 * state and row version of each fight of the page not known to have ended.
 * A fight's row, with its host and players, looks the same in every list
 * until the fight changes (or a name in it), so it comes from cache.c when
 * it is there (row_cache_key); the others from the second statement, one
 * row per player, put together here. The indexes:
 *   - public fights: fights_public_created_idx (web/migrations 0101);
 *   - the caller's fights (as a player or an invitee) and the public
 *     fights a user plays: fight_members (0105), one row per user and
 *     fight with the fight's time, so a page is one range of the user's
 *     rows however many fights there are and whichever are the user's;
 *     the rows say which fights have ended (0111), so those are not
 *     looked up in fights for the page.
 * The game and state filters are checked on the fights read; those
 * statements run unprepared, so that PostgreSQL plans each with its values
 * (a rare state is better found through fights_status_created_idx), and
 * so do pages past the tenth but for a one-range source
 * (fight_list_read_of); the others are prepared statements (prepared.c),
 * their bounds written into their text. Values always go as parameters;
 * the SQL text is assembled only from fixed pieces and numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

#define SOURCE_MAX 768

/* A value of the statement: "$n::type", or hidden from the planner as
 * "(SELECT $n::type)" (see fight_list_read_of). */
static const char *value_ref(char buf[40], int n, const char *type, bool hidden)
{
    snprintf(buf, 40, hidden ? "(SELECT $%d::%s)" : "$%d::%s", n, type);
    return buf;
}

#define FINAL_STATES "('finished', 'failed', 'cancelled')"

/* The matching fights as "SELECT id, created_at, ended ... ORDER BY ... "
 * (in an index's order, without its LIMIT) into out, its values into
 * params; ended: the fight is known to have ended without a look-up of it
 * (fight_members.fight_ended, web/migrations 0111; false where the source
 * would have to read each fight to know, as the public list's index does
 * not say);
 * returns how many. user_id: the ?user= filter's id, or NULL. *one_range:
 * the source is one range of an index, without a filter or a join; when
 * it is and hide_one_range is set, its value is written hidden (value_ref). */
static int list_source(web_req *r, const fight_list_query *q, const char *user_id,
                       bool hide_one_range, char *out, const char **params, bool *one_range)
{
    char ref[40];
    char extra[256];
    size_t used = 0;
    int n = 0;

    extra[0] = '\0';
#define COND(...)                                                                                  \
    used +=                                                                                        \
        (size_t)snprintf(extra + used, used < sizeof extra ? sizeof extra - used : 0, __VA_ARGS__)
    if (q->game != NULL) {
        params[n++] = q->game;
        COND(" AND f.game = $%d", n);
    }
    if (q->state != NULL) {
        params[n++] = q->state;
        COND(" AND f.status = $%d", n);
    }
    /* The filters on the fight itself: only then is fights joined. */
    const char *join = n > 0 ? " JOIN fights f ON f.id = m.fight_id" : "";
    if (q->mine && user_id != NULL) {
        params[n++] = user_id;
        COND(" AND EXISTS (SELECT 1 FROM fight_members x WHERE x.user_id = $%d::bigint "
             "AND x.fight_id = m.fight_id AND x.player)",
             n);
    }
#undef COND
    /* The conditions are fixed texts: they always fit; never run a cut one. */
    if (used >= sizeof extra)
        abort();
    *one_range = q->ladder_bot == NULL && extra[0] == '\0';
    bool hidden = hide_one_range && *one_range;
    int len;
    if (q->ladder_bot != NULL) {
        /* A bot's public ladder fights (api_ladder.c), through its versions'
         * players (fight_players_bot_version_idx). */
        params[n++] = q->ladder_bot;
        len = snprintf(out, SOURCE_MAX,
                       "SELECT DISTINCT f.id, f.created_at, f.status IN " FINAL_STATES
                       " AS ended FROM bot_versions v "
                       "JOIN fight_players p ON p.bot_version_id = v.id "
                       "JOIN fights f ON f.id = p.fight_id WHERE v.bot_id = $%d::bigint "
                       "AND f.ladder AND f.visibility = 'public'%s "
                       "ORDER BY f.created_at DESC, f.id",
                       n, extra);
    } else if (q->mine) {
        params[n++] = r->user_id;
        len = snprintf(out, SOURCE_MAX,
                       "SELECT m.fight_id AS id, m.created_at, m.fight_ended AS ended "
                       "FROM fight_members m%s "
                       "WHERE m.user_id = %s%s ORDER BY m.created_at DESC, m.fight_id",
                       join, value_ref(ref, n, "bigint", hidden), extra);
    } else if (user_id != NULL) {
        params[n++] = user_id;
        len = snprintf(out, SOURCE_MAX,
                       "SELECT m.fight_id AS id, m.created_at, m.fight_ended AS ended "
                       "FROM fight_members m%s "
                       "WHERE m.user_id = %s AND m.public AND m.player%s "
                       "ORDER BY m.created_at DESC, m.fight_id",
                       join, value_ref(ref, n, "bigint", hidden), extra);
    } else {
        len = snprintf(out, SOURCE_MAX,
                       "SELECT f.id, f.created_at, false AS ended FROM fights f "
                       "WHERE f.visibility = 'public'%s "
                       "ORDER BY f.created_at DESC, f.id",
                       extra);
    }
    if (len < 0 || len >= SOURCE_MAX)
        abort();
    return n;
}

/* One of a fight's players (NULL: none) as the lists show it, then the
 * fight's ladder mark; the players are p. */
#define PLAYER_COLUMNS                                                                             \
    "p.slot, "                                                                                     \
    "COALESCE(pu.username, CASE WHEN p.user_id IS NULL AND p.bot_version_id IS NULL "              \
    "THEN 'house' ELSE '(deleted)' END), "                                                         \
    "COALESCE(b.name, substr(p.name, strpos(p.name, '/') + 1)), "                                  \
    "COALESCE(p.result, p.rank::text), f.ladder"
/* A fight's row and one of its players, as the lists show them, and the
 * version of the fight's row (rows_into); the fights are f. */
#define ROW_COLUMNS                                                                                \
    "f.id, f.game, hu.username, f.status, f.visibility, api_time(f.created_at), "                  \
    "api_time(f.finished_at), " PLAYER_COLUMNS ", f.xmin"
#define ROW_JOINS                                                                                  \
    "LEFT JOIN users pu ON pu.id = p.user_id "                                                     \
    "LEFT JOIN bot_versions v ON v.id = p.bot_version_id "                                         \
    "LEFT JOIN bots b ON b.id = v.bot_id "
/* The page's columns: each fight's id, and unless the source knows it
 * has ended (page.ended: then its state is NULL) its state and the
 * version of its row; its row comes from the row cache or ROWS_SQL
 * (page_rows). */
#define PAGE_COLUMNS "page.id, f.status, f.xmin"

/* The page's statement: the source read as far as cap (the count's cap),
 * the page's size limit and its offset, each a number or a parameter
 * ("$4::bigint"). Rows: the page's fights (none: one row of NULLs, on an
 * empty page) in page order, the count last in each (PAGE_COLUMNS). Light:
 * the fights' ids only, fights not joined (each row is looked for in the
 * row cache under its id alone, where only a fight that has ended is
 * kept, else read by ROWS_SQL): for filtered and deep pages, whose joins
 * cost more to plan, or to run over the rows before the page, than the
 * second read.
 * Twice: a source that is one range of an index (no filter, no join) is
 * read twice, for the count and for the page, each an index scan that
 * stops where it may; a source with joins or filters once, into a
 * materialized CTE that the count and the page share. The first costs
 * about half as much at page 50 of "mine" (docs/performance.md, "Fourth
 * pass"): no copy of the rows read and no sort of them. cap NULL: not
 * counted, the source read once for the page (the count column NULL). */
static void page_sql(char *out, size_t len, const char *source, const char *cap, const char *limit,
                     const char *offset, bool light, bool twice)
{
    const char *columns = light ? "page.id, NULL, NULL" : PAGE_COLUMNS;
    /* The page (with its fights' states unless light), joined to the count. */
    char page[SOURCE_MAX + 128], joined[SOURCE_MAX + 192];
    bool uncounted = cap == NULL;
    int w = twice || uncounted
                ? snprintf(page, sizeof page, "(%s LIMIT %s OFFSET %s) page", source, limit, offset)
                : snprintf(page, sizeof page, "page");
    if (w < 0 || (size_t)w >= sizeof page)
        abort();
    w = light ? snprintf(joined, sizeof joined, "%s", page)
              : snprintf(
                    joined, sizeof joined,
                    "(%s LEFT JOIN fights f ON f.id = CASE WHEN NOT page.ended THEN page.id END)",
                    page);
    if (w < 0 || (size_t)w >= sizeof joined)
        abort();
    if (uncounted)
        w = snprintf(out, len,
                     "SELECT %s, NULL::bigint FROM %s ORDER BY page.created_at DESC, page.id",
                     columns, joined);
    else if (twice)
        w = snprintf(out, len,
                     "SELECT %s, c.n FROM (SELECT count(*) AS n FROM (%s LIMIT %s) ids) c "
                     "LEFT JOIN %s ON true ORDER BY page.created_at DESC, page.id",
                     columns, source, cap, joined);
    else
        w = snprintf(out, len,
                     "WITH ids AS MATERIALIZED (%s LIMIT %s), "
                     "page AS (SELECT id, created_at, ended FROM ids ORDER BY created_at DESC, id "
                     "LIMIT %s OFFSET %s) "
                     "SELECT %s, c.n FROM (SELECT count(*) AS n FROM ids) c "
                     "LEFT JOIN %s ON true ORDER BY page.created_at DESC, page.id",
                     source, cap, limit, offset, columns, joined);
    if (w < 0 || (size_t)w >= len)
        abort();
}

/* The rows of the fights $1 (an array of ids) with their host and
 * players, one row per player, in slot order. */
#define ROWS_SQL                                                                                   \
    "SELECT " ROW_COLUMNS " FROM fights f LEFT JOIN users hu ON hu.id = f.host_id "                \
    "LEFT JOIN fight_players p ON p.fight_id = f.id " ROW_JOINS                                    \
    "WHERE f.id = ANY ($1::uuid[]) ORDER BY f.id, p.slot"

/* ROWS_SQL's columns. */
enum {
    COL_ID,
    COL_GAME,
    COL_HOST,
    COL_STATUS,
    COL_VISIBILITY,
    COL_CREATED,
    COL_FINISHED,
    COL_SLOT,
    COL_PLAYER,
    COL_BOT,
    COL_RESULT,
    COL_LADDER,
    COL_VERSION
};

/* The page's statement's columns (PAGE_COLUMNS). */
enum { PAGE_ID, PAGE_STATUS, PAGE_VERSION, PAGE_COUNT };

/* A fight's row looks the same in every list to every reader until the
 * fight or a player of it changes, or a name in it (a user or a bot
 * renamed). One that has ended is kept under its id; one going on under
 * its id, the version of its fights row (xmin: any update of the row, and
 * of its players by web/migrations 0112's trigger, gives it a new one)
 * and its state as shown (fight_shown_state: a queued fight shows
 * "simulating" from its progress, which is not in the row). Kept as
 * printed for as long as an ended fight's page is (api_fights.c), so a
 * new name shows after that at worst, and emptied with the rest of
 * cache.c by any change of fights, bots or users made through this
 * process. */
#define ROW_CACHE_MS 10000
/* Pages up to this one are prepared statements with their bounds in the
 * text, one per page and size; deeper ones have their bounds as values
 * (fight_list_read_of). */
#define LIST_PREPARED_PAGES 10
#define PAGE_MAX 100 /* per_page's bound (api_fights.c) */

/* The row cache's key of a fight: version and state NULL for one that
 * has ended. */
static void row_cache_key(char key[CACHE_ROW_KEY_MAX], const char *fight_id, const char *version,
                          const char *state)
{
    cache_row_key(key, "fight-row", fight_id, version, state);
}

static bool status_final(const char *db_status)
{
    return fight_state_final(fight_state_api(db_status));
}

/* Row i's fight, its players still to come: "{...,"players":["; returns
 * its state as shown. */
static const char *fight_row_text(json_buf *b, PGresult *res, int i)
{
    int tick;
    const char *state =
        fight_shown_state(PQgetvalue(res, i, COL_STATUS), PQgetvalue(res, i, COL_ID), &tick);

    jb_open(b, '{');
    jb_key(b, "id");
    jb_str(b, PQgetvalue(res, i, COL_ID));
    jb_key(b, "game");
    jb_str(b, PQgetvalue(res, i, COL_GAME));
    jb_pg_str(b, "host", res, i, COL_HOST);
    jb_key(b, "state");
    jb_str(b, state);
    jb_key(b, "public");
    jb_bool(b, strcmp(PQgetvalue(res, i, COL_VISIBILITY), "public") == 0);
    jb_key(b, "created_at");
    jb_str(b, PQgetvalue(res, i, COL_CREATED));
    jb_pg_str(b, "finished_at", res, i, COL_FINISHED);
    /* Made by the ladder's scheduler, rated when it ends (docs/ladder.md). */
    jb_key(b, "ladder");
    jb_bool(b, strcmp(PQgetvalue(res, i, COL_LADDER), "t") == 0);
    jb_key(b, "players");
    jb_open(b, '[');
    return state;
}

/* Row i's player. */
static void player_row_text(json_buf *b, PGresult *res, int i)
{
    jb_open(b, '{');
    jb_key(b, "username");
    jb_str(b, PQgetvalue(res, i, COL_PLAYER));
    jb_key(b, "bot");
    jb_str(b, PQgetvalue(res, i, COL_BOT));
    jb_pg_str(b, "result", res, i, COL_RESULT);
    jb_close(b, '}');
}

/* The page's fights, in page order: id, where it comes from, its row as
 * JSON text (owned). */
typedef struct page_fights {
    int n;
    char ids[PAGE_MAX][WEB_ID_LEN + 1];
    bool wanted[PAGE_MAX]; /* to be built from the result at hand */
    char *rows[PAGE_MAX];
    bool out_of_memory; /* a row could not be written: the page is not whole */
} page_fights;

static void page_fights_free(page_fights *pf)
{
    for (int i = 0; i < pf->n; i++)
        free(pf->rows[i]);
}

/* The wanted fights of ROWS_SQL's res (rows grouped by fight, players in
 * slot order) into their places and into the row cache. */
static void rows_into(web_req *r, PGresult *res, page_fights *pf)
{
    json_buf fight;
    char key[CACHE_ROW_KEY_MAX];
    bool building = false;
    int at = -1;
    jb_init(&fight);
    for (int i = 0; i <= PQntuples(res); i++) {
        bool next =
            i == PQntuples(res) || at < 0 || strcmp(PQgetvalue(res, i, COL_ID), pf->ids[at]) != 0;
        if (next && building) {
            /* The fight of the rows before is whole: into its place. */
            jb_close(&fight, ']');
            jb_close(&fight, '}');
            if (!fight.text.failed) {
                cache_put(key, fight.text.data, fight.text.len, ROW_CACHE_MS, r->cache_epoch);
                pf->rows[at] = fight.text.data; /* taken */
                pf->wanted[at] = false;
                jb_init(&fight);
            }
            pf->out_of_memory = pf->out_of_memory || fight.text.failed;
            jb_free(&fight);
            building = false;
        }
        if (i == PQntuples(res))
            continue;
        if (next) {
            const char *id = PQgetvalue(res, i, COL_ID);
            for (at = 0; at < pf->n && strcmp(pf->ids[at], id) != 0; at++)
                ;
            if (at == pf->n || !pf->wanted[at]) {
                at = -1; /* not wanted from here */
                continue;
            }
            const char *state = fight_row_text(&fight, res, i);
            bool ended = status_final(PQgetvalue(res, i, COL_STATUS));
            row_cache_key(key, id, ended ? NULL : PQgetvalue(res, i, COL_VERSION), state);
            building = true;
        }
        if (building && !PQgetisnull(res, i, COL_SLOT))
            player_row_text(&fight, res, i);
    }
    jb_free(&fight);
}

/* The fights of the page from its statement's result into pf, each from
 * the row cache under its key (row_cache_key; a light page says nothing of
 * its fights' states, so each is looked for as if it had ended), the rest
 * read in one more statement. -1 on a db error (not answered; pf freed). */
static int page_rows(web_req *r, PGresult *page, bool light, page_fights *pf)
{
    char missing[PAGE_MAX * (WEB_ID_LEN + 1) + 3] = "{";
    size_t used = 1;
    int nmissing = 0;
    pf->n = 0;
    pf->out_of_memory = false;
    for (int i = 0; i < PQntuples(page) && pf->n < PAGE_MAX; i++) {
        if (PQgetisnull(page, i, PAGE_ID))
            continue; /* the count alone */
        const char *id = PQgetvalue(page, i, PAGE_ID);
        snprintf(pf->ids[pf->n], sizeof pf->ids[pf->n], "%s", id);
        /* No state: light, or the source said it has ended and it was not
         * looked up. */
        const char *status =
            PQgetisnull(page, i, PAGE_STATUS) ? NULL : PQgetvalue(page, i, PAGE_STATUS);
        char key[CACHE_ROW_KEY_MAX];
        if (light || status == NULL || status_final(status)) {
            row_cache_key(key, id, NULL, NULL);
        } else {
            int tick;
            row_cache_key(key, id, PQgetvalue(page, i, PAGE_VERSION),
                          fight_shown_state(status, id, &tick));
        }
        size_t len = 0;
        if ((pf->rows[pf->n] = cache_get(key, &len)) == NULL)
            used += (size_t)snprintf(missing + used, sizeof missing - used, "%s%s",
                                     nmissing++ > 0 ? "," : "", id);
        pf->wanted[pf->n] = pf->rows[pf->n] == NULL;
        pf->n++;
    }
    if (nmissing > 0) {
        snprintf(missing + used, sizeof missing - used, "}");
        const char *params[1] = {missing};
        PGresult *res = prepared_exec(r->t, ROWS_SQL, 1, params);
        if (res == NULL) {
            page_fights_free(pf);
            return -1;
        }
        rows_into(r, res, pf);
        PQclear(res);
    }
    return 0;
}

int fight_list_read_of(web_req *r, const fight_list_query *q, bool counted, fight_list_read *p)
{
    memset(p, 0, sizeof *p);
    if (q->user != NULL) {
        int found = account_id_by_name(r, q->user, p->uid, sizeof p->uid);
        if (found <= 0)
            return found < 0 ? -1 : 1;
    }
    char source[SOURCE_MAX];
    const char **params = p->read.params;
    const char *user_id = q->user != NULL ? p->uid : NULL;
    bool one_range;
    bool deep = q->page > LIST_PREPARED_PAGES;
    /* A deep page of a one-range source is prepared too, one statement
     * for every page, with its values (the bounds, the user) hidden from
     * the planner: its plan (the index's range, stopped at the bound) is
     * the same for any of them, but with values it sees, PostgreSQL plans
     * each run, never taking the shared plan it costs for a tenth of the
     * rows (docs/performance.md, "Fifth pass"). */
    int n = list_source(r, q, user_id, deep, source, params, &one_range);
    bool hidden = deep && one_range;
    p->offset = (long long)(q->page - 1) * q->per_page;
    p->per_page = q->per_page;
    p->counted = counted;
    /* Read as far as the count goes (or only to the page's end, uncounted). */
    if (counted) {
        p->bound = list_count_cap(p->offset, q->per_page, p->cap);
    } else {
        p->bound = p->offset + q->per_page;
        snprintf(p->cap, sizeof p->cap, "%lld", p->bound);
    }
    snprintf(p->limit, sizeof p->limit, "%d", q->per_page);
    snprintf(p->offset_text, sizeof p->offset_text, "%lld", p->offset);
    bool filtered = q->game != NULL || q->state != NULL;
    p->plan_each = filtered || (deep && !hidden);
    p->light = filtered || deep;
    if (!filtered && !deep) {
        /* The bounds in the text, so that one plan serves every caller
         * (prepared.c): numbers we made, never a caller's text. */
        page_sql(p->sql, sizeof p->sql, source, counted ? p->cap : NULL, p->limit, p->offset_text,
                 false, one_range);
        p->read.nparams = n;
    } else {
        char cap[40], limit[40], offset[40];
        value_ref(cap, n + 1, "bigint", hidden);
        value_ref(limit, n + 2, "int", hidden);
        value_ref(offset, n + 3, "bigint", hidden);
        params[n] = p->cap;
        params[n + 1] = p->limit;
        params[n + 2] = p->offset_text;
        page_sql(p->sql, sizeof p->sql, source, cap, limit, offset, true, one_range);
        p->read.nparams = n + 3;
    }
    p->read.sql = p->sql;
    return 0;
}

/* The count from the page's statement's result, as the read asked. */
static void page_count(const fight_list_read *p, PGresult *res, web_list_count *count)
{
    long long counted = PQntuples(res) > 0 ? atoll(PQgetvalue(res, 0, PAGE_COUNT)) : 0;
    if (count == NULL)
        return;
    if (p->counted)
        list_count_set(counted, p->offset, p->per_page, p->bound, count);
    else
        *count = (web_list_count){.total = 0, .exact = true, .has_more = false};
}

cJSON *fight_list_from(web_req *r, const fight_list_read *p, PGresult *res, web_list_count *count)
{
    page_fights pf;
    if (page_rows(r, res, p->light, &pf) != 0)
        return NULL;
    page_count(p, res, count);
    cJSON *arr = pf.out_of_memory ? NULL : cJSON_CreateArray();
    for (int i = 0; arr != NULL && i < pf.n; i++)
        if (pf.rows[i] != NULL)
            cJSON_AddItemToArray(arr, cJSON_CreateRaw(pf.rows[i]));
    page_fights_free(&pf);
    return arr;
}

bool fight_list_text(web_req *r, const fight_list_read *p, PGresult *res, web_list_count *count,
                     json_buf *b)
{
    page_fights pf;
    if (page_rows(r, res, p->light, &pf) != 0)
        return false;
    page_count(p, res, count);
    jb_array_taken(b, pf.rows, pf.n);
    b->text.failed = b->text.failed || pf.out_of_memory; /* answered 500, not a page cut short */
    return true;
}

bool fight_list_page(web_req *r, const fight_list_query *q, web_list_count *count, json_buf *b)
{
    if (count != NULL)
        *count = (web_list_count){.total = 0, .exact = true, .has_more = false};
    fight_list_read p;
    int rc = fight_list_read_of(r, q, count != NULL, &p);
    if (rc != 0) {
        jb_open(b, '[');
        jb_close(b, ']');
        return rc > 0;
    }
    PGresult *res = p.plan_each ? cf_pg_exec(r->t->pg, p.read.sql, p.read.nparams, p.read.params)
                                : prepared_exec(r->t, p.read.sql, p.read.nparams, p.read.params);
    if (res == NULL)
        return false;
    bool ok = fight_list_text(r, &p, res, count, b);
    PQclear(res);
    return ok;
}
