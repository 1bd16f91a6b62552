/*
 * arcade_game.c — the arcade's games and their versions in the database
 * (db/migrations/0003_arcade.sql).
 *
 * Anyone may see a game unless it is hidden; a hidden game is its owner's
 * alone, and every other caller gets "no such game" (404), as for a game
 * that does not exist. Every change is the owner's: its query carries
 * owner_id = the caller, so another user's game is 404 too, neither
 * revealed nor touched. An update of the files is a new version, never an
 * overwrite; version numbers are consecutive per game (an upload locks its
 * game row first). A version without a preview of its own keeps the one
 * before it, so the latest version always holds the preview to show.
 *
 * Files travel as bytes (cf_pg_exec_bytes): a bundle or a preview goes to
 * PostgreSQL once, not hex-escaped. One column list serves one game and
 * the list, so both show a game the same way.
 *
 * The list's orders (docs/arcade.md, "Community"): by rating (the
 * default: average stars, unrated last, then plays, then oldest first),
 * random (the kiosk's boards: the page is always the first), newest, or
 * latest update (My games). Its figures are arcade_game_stats' counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "web.h"

const char *const arcade_input_names[ARCADE_INPUTS] = {"acceleration", "keys", "touch", "gyro"};

/* The columns game_row_json() reads, in this order. */
enum {
    COL_ID,
    COL_TITLE,
    COL_AUTHORS,
    COL_DESCRIPTION,
    COL_INPUTS,
    COL_OWNER,
    COL_HIDDEN,
    COL_VERSION,
    COL_KIND,
    COL_SIZE,
    COL_HAS_PREVIEW,
    COL_PLAYS,
    COL_BEST,
    COL_CREATED,
    COL_UPDATED,
    COL_OWNER_ID,
    COL_TOTAL_MS,
    COL_LONGEST_MS,
    COL_REPORTS_SCORE,
    COL_RATINGS,
    COL_RATING_AVG,
    COL_OPERATOR_HIDDEN,
};

/* The latest version is read without its files: "IS NULL" looks at a
 * row's null bitmap, never at a bundle's bytes. The figures are the
 * counters of arcade_game_stats (0006_arcade_community.sql), never an
 * aggregate of the plays. */
#define GAME_SELECT GAME_COLUMNS "FROM arcade_games g " GAME_JOINS
#define GAME_COLUMNS                                                                               \
    "SELECT g.id, g.title, g.authors, g.description, array_to_json(g.inputs)::text, u.username, "  \
    "g.hidden, v.version, v.kind, v.size, v.has_preview, COALESCE(s.plays, 0), s.best_score, "     \
    "api_time(g.created_at), api_time(g.updated_at), g.owner_id, COALESCE(s.total_ms, 0), "        \
    "s.longest_ms, CASE WHEN s.plays > 0 THEN s.scored_plays > 0 END, COALESCE(s.ratings, 0), "    \
    "s.rating_avg, g.operator_hidden "
/* The joins of a game g's row: its counters s, owner and latest version. */
#define GAME_JOINS "LEFT JOIN arcade_game_stats s ON s.game_id = g.id " OWNER_VERSION_JOINS
#define STATS_COLUMNS                                                                              \
    "s.plays, s.best_score, s.total_ms, s.longest_ms, s.scored_plays, s.ratings, s.rating_avg"
#define OWNER_VERSION_JOINS                                                                        \
    "LEFT JOIN users u ON u.id = g.owner_id "                                                      \
    "LEFT JOIN LATERAL (SELECT version, "                                                          \
    "CASE WHEN bundle IS NULL THEN 'file' ELSE 'bundle' END AS kind, size, "                       \
    "preview IS NOT NULL AS has_preview FROM arcade_game_versions "                                \
    "WHERE game_id = g.id ORDER BY version DESC LIMIT 1) v ON true "

/* How far past a page's first row the list counts (as fight_list.c). */

/* The caller's id as a parameter: NULL when logged out. */
static const char *caller_id(const web_req *r)
{
    return r->authed ? r->user_id : NULL;
}

void arcade_add_preview_url(cJSON *o, const char *id, const char *version, bool has_preview)
{
    if (!has_preview) {
        cJSON_AddNullToObject(o, "preview_url");
        return;
    }
    char url[96];
    snprintf(url, sizeof url, "/api/arcade/games/%s/preview?v=%s", id, version);
    cJSON_AddStringToObject(o, "preview_url", url);
}

static cJSON *game_row_json(PGresult *res, int i)
{
    cJSON *o = cJSON_CreateObject();

    json_add_pg_num(o, "id", res, i, COL_ID);
    cJSON_AddStringToObject(o, "title", PQgetvalue(res, i, COL_TITLE));
    cJSON_AddStringToObject(o, "authors", PQgetvalue(res, i, COL_AUTHORS));
    cJSON_AddStringToObject(o, "description", PQgetvalue(res, i, COL_DESCRIPTION));
    cJSON *inputs = cJSON_Parse(PQgetvalue(res, i, COL_INPUTS));
    cJSON_AddItemToObject(o, "inputs", inputs != NULL ? inputs : cJSON_CreateArray());
    json_add_pg_str(o, "owner", res, i, COL_OWNER);
    cJSON_AddBoolToObject(o, "hidden", strcmp(PQgetvalue(res, i, COL_HIDDEN), "t") == 0);
    /* Hidden by an operator (docs/operations.md): only its owner sees it,
     * nobody may play it, and only an operator can show it again. */
    cJSON_AddBoolToObject(o, "hidden_by_operator",
                          strcmp(PQgetvalue(res, i, COL_OPERATOR_HIDDEN), "t") == 0);
    json_add_pg_num(o, "version", res, i, COL_VERSION);
    json_add_pg_str(o, "kind", res, i, COL_KIND);
    json_add_pg_num(o, "size", res, i, COL_SIZE);
    arcade_add_preview_url(o, PQgetvalue(res, i, COL_ID), PQgetvalue(res, i, COL_VERSION),
                           strcmp(PQgetvalue(res, i, COL_HAS_PREVIEW), "t") == 0);
    json_add_pg_num(o, "plays", res, i, COL_PLAYS);
    json_add_pg_num(o, "total_ms", res, i, COL_TOTAL_MS);
    json_add_pg_num(o, "longest_ms", res, i, COL_LONGEST_MS);
    json_add_pg_num(o, "best_score", res, i, COL_BEST);
    json_add_pg_bool(o, "reports_score", res, i, COL_REPORTS_SCORE);
    cJSON *rating = cJSON_AddObjectToObject(o, "rating");
    json_add_pg_num(rating, "average", res, i, COL_RATING_AVG);
    json_add_pg_num(rating, "count", res, i, COL_RATINGS);
    cJSON_AddStringToObject(o, "created_at", PQgetvalue(res, i, COL_CREATED));
    cJSON_AddStringToObject(o, "updated_at", PQgetvalue(res, i, COL_UPDATED));
    return o;
}

/* Row i as game_row_json() prints it, written as text for the list (a
 * page of 24 games as a cJSON tree cost more than its statements): the
 * same fields in the same order, which every change of one must keep in
 * the other (the single game adds to its tree, so it keeps cJSON). */
static void game_row_text(json_buf *b, PGresult *res, int i)
{
    const char *id = PQgetvalue(res, i, COL_ID), *version = PQgetvalue(res, i, COL_VERSION);
    jb_open(b, '{');
    jb_pg_num(b, "id", res, i, COL_ID);
    jb_key(b, "title");
    jb_str(b, PQgetvalue(res, i, COL_TITLE));
    jb_key(b, "authors");
    jb_str(b, PQgetvalue(res, i, COL_AUTHORS));
    jb_key(b, "description");
    jb_str(b, PQgetvalue(res, i, COL_DESCRIPTION));
    /* array_to_json's text of names from a fixed list (arcade_input_names)
     * prints as cJSON prints it: ["keys","touch"], []. */
    jb_key(b, "inputs");
    jb_value_raw(b, PQgetisnull(res, i, COL_INPUTS) ? "[]" : PQgetvalue(res, i, COL_INPUTS));
    jb_pg_str(b, "owner", res, i, COL_OWNER);
    jb_key(b, "hidden");
    jb_bool(b, strcmp(PQgetvalue(res, i, COL_HIDDEN), "t") == 0);
    jb_key(b, "hidden_by_operator");
    jb_bool(b, strcmp(PQgetvalue(res, i, COL_OPERATOR_HIDDEN), "t") == 0);
    jb_pg_num(b, "version", res, i, COL_VERSION);
    jb_pg_str(b, "kind", res, i, COL_KIND);
    jb_pg_num(b, "size", res, i, COL_SIZE);
    jb_key(b, "preview_url");
    if (strcmp(PQgetvalue(res, i, COL_HAS_PREVIEW), "t") == 0) {
        char url[96];
        snprintf(url, sizeof url, "/api/arcade/games/%s/preview?v=%s", id, version);
        jb_str(b, url);
    } else {
        jb_null(b);
    }
    jb_pg_num(b, "plays", res, i, COL_PLAYS);
    jb_pg_num(b, "total_ms", res, i, COL_TOTAL_MS);
    jb_pg_num(b, "longest_ms", res, i, COL_LONGEST_MS);
    jb_pg_num(b, "best_score", res, i, COL_BEST);
    jb_pg_bool(b, "reports_score", res, i, COL_REPORTS_SCORE);
    jb_key(b, "rating");
    jb_open(b, '{');
    jb_pg_num(b, "average", res, i, COL_RATING_AVG);
    jb_pg_num(b, "count", res, i, COL_RATINGS);
    jb_close(b, '}');
    jb_key(b, "created_at");
    jb_str(b, PQgetvalue(res, i, COL_CREATED));
    jb_key(b, "updated_at");
    jb_str(b, PQgetvalue(res, i, COL_UPDATED));
    jb_close(b, '}');
}

#define VERSIONS_SQL                                                                               \
    "SELECT version, CASE WHEN bundle IS NULL THEN 'file' ELSE 'bundle' END, size, "               \
    "api_time(created_at) FROM arcade_game_versions WHERE game_id = $1::bigint "                   \
    "ORDER BY version DESC"

/* The versions of a game, newest first, from VERSIONS_SQL's result, into o. */
static void add_versions(PGresult *res, cJSON *o)
{
    cJSON *arr = cJSON_AddArrayToObject(o, "versions");
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *v = cJSON_CreateObject();
        json_add_pg_num(v, "version", res, i, 0);
        cJSON_AddStringToObject(v, "kind", PQgetvalue(res, i, 1));
        json_add_pg_num(v, "size", res, i, 2);
        cJSON_AddStringToObject(v, "created_at", PQgetvalue(res, i, 3));
        cJSON_AddItemToArray(arr, v);
    }
}

#define GAME_ROW_SQL GAME_SELECT "WHERE g.id = $1::bigint AND " ARCADE_GAME_VISIBLE("g.", 2)

/* Game id as the caller may see it, from GAME_ROW_SQL's result (cleared),
 * without its versions (answers 404). */
static cJSON *game_row_from(web_req *r, PGresult *res, bool *mine)
{
    res = http_one_row(r, res, false, 404, "no such game");
    if (res == NULL)
        return NULL;
    cJSON *o = game_row_json(res, 0);
    *mine = http_is_caller(r, res, 0, COL_OWNER_ID);
    PQclear(res);
    return o;
}

void arcade_game_card_read(web_req *r, const char *id, web_read *q)
{
    *q = (web_read){.sql = GAME_ROW_SQL, .nparams = 2, .params = {id, caller_id(r)}};
}

cJSON *arcade_game_card_from(web_req *r, web_read *q)
{
    bool mine;
    cJSON *o = game_row_from(r, q->res, &mine);
    q->res = NULL; /* cleared by game_row_from */
    return o;
}

cJSON *arcade_game_card_json(web_req *r, const char *id)
{
    web_read q;
    arcade_game_card_read(r, id, &q);
    q.res = prepared_exec(r->t, q.sql, q.nparams, q.params);
    return arcade_game_card_from(r, &q);
}

int arcade_game_reads(web_req *r, const char *id, web_read *reads)
{
    /* The game, its versions and the caller's rating: one round trip. */
    arcade_game_card_read(r, id, &reads[0]);
    reads[1] = (web_read){.sql = VERSIONS_SQL, .nparams = 1, .params = {id}};
    int n = 2;
    if (r->authed)
        arcade_rating_caller_read(r, id, &reads[n++]);
    return n;
}

cJSON *arcade_game_from(web_req *r, web_read *reads, int n)
{
    bool mine;
    cJSON *o = game_row_from(r, reads[0].res, &mine);
    reads[0].res = NULL; /* cleared by game_row_from */
    if (o != NULL) {
        cJSON_AddBoolToObject(o, "mine", mine);
        add_versions(reads[1].res, o);
        arcade_rating_caller_from(r, n > 2 ? reads[2].res : NULL,
                                  cJSON_GetObjectItemCaseSensitive(o, "rating"));
    }
    return o;
}

cJSON *arcade_game_json(web_req *r, const char *id)
{
    web_read reads[ARCADE_GAME_READS];
    int n = arcade_game_reads(r, id, reads);
    if (!prepared_exec_all(r->t, reads, n)) {
        http_db_error(r);
        return NULL;
    }
    cJSON *o = arcade_game_from(r, reads, n);
    web_reads_clear(reads, n);
    return o;
}

/* The list's condition on games g: $1 the caller (NULL logged out), $2
 * mine, $3 the search text (NULL: none). */
#define LIST_WHERE                                                                                 \
    "WHERE (g.owner_id = $1::bigint OR (NOT $2::boolean AND NOT (g.hidden OR "                     \
    "g.operator_hidden))) "                                                                        \
    "AND ($3::text IS NULL OR strpos(lower(g.title), lower($3::text)) > 0 "                        \
    "OR strpos(lower(g.authors), lower($3::text)) > 0) "

/* The same for "mine" ($2 true): the owner's games, through the owner's
 * index whatever the caller, so that one plan serves every owner. */
#define MINE_WHERE                                                                                 \
    "WHERE g.owner_id = $1::bigint AND $2::boolean "                                               \
    "AND ($3::text IS NULL OR strpos(lower(g.title), lower($3::text)) > 0 "                        \
    "OR strpos(lower(g.authors), lower($3::text)) > 0) "

/* Counts matching games, only so far (list_page.c): %s the condition,
 * %s the cap. */
#define COUNT_SQL "SELECT count(*) FROM (SELECT 1 FROM arcade_games g %sLIMIT %s) c"
/* Pages up to this one are prepared statements (as fight_list.c's). */
#define LIST_PREPARED_PAGES 10

/* The ORDER BY of each order of the list (arcade_list_order). */
static const char *list_order_sql(arcade_list_order order)
{
    switch (order) {
    case ARCADE_ORDER_RANDOM: return "ORDER BY random() ";
    case ARCADE_ORDER_NEWEST: return "ORDER BY g.created_at DESC, g.id DESC ";
    case ARCADE_ORDER_UPDATED: return "ORDER BY g.updated_at DESC, g.id DESC ";
    case ARCADE_ORDER_RATING: break;
    }
    return "ORDER BY s.rating_avg DESC NULLS LAST, COALESCE(s.plays, 0) DESC, g.created_at, g.id ";
}

/* A game's row in the list looks the same to every reader until the game,
 * its counters or its latest version change (or its owner's name): it is
 * kept as printed (cache.c) under its id and the versions (xmin) of its
 * arcade_games and arcade_game_stats rows. A play or a rating moves the
 * counters' (their triggers, 0006); a new version of its files the game's
 * (the upload updates it, and web/migrations/0113's trigger does for any
 * writer). Kept ten seconds at most, so an owner renamed through another
 * process shows after that at worst; a change of users made through this
 * process empties the cache at once. */
#define ROW_CACHE_MS 10000
/* The rows of the games $1 (ids), with their versions. */
#define ROWS_SQL                                                                                   \
    GAME_COLUMNS ", g.xmin, s.xmin FROM arcade_games g " GAME_JOINS                                \
                 "WHERE g.id = ANY ($1::bigint[])"
#define ROWS_GAME_VERSION (COL_OPERATOR_HIDDEN + 1)

static void row_cache_key(char key[CACHE_ROW_KEY_MAX], const char *id, const char *game_version,
                          const char *stats_version)
{
    cache_row_key(key, "arcade-row", id, game_version, stats_version);
}

/* Version column col of res's row i: "-" when NULL (no counters yet). */
static const char *version_at(PGresult *res, int i, int col)
{
    return PQgetisnull(res, i, col) ? "-" : PQgetvalue(res, i, col);
}

/* The page's games (ids[n], in order) not in the row cache (rows[i]
 * NULL) from ROWS_SQL, into rows and the row cache. False on a db error
 * (not answered); out of memory, a row stays NULL and *whole false. */
static bool read_rows(web_req *r, char (*ids)[WEB_INT_ID_SIZE], int n, char **rows, bool *whole)
{
    char *missing = malloc((size_t)n * WEB_INT_ID_SIZE + 3);
    if (missing == NULL) {
        *whole = false;
        return true;
    }
    size_t used = 0;
    missing[used++] = '{';
    for (int i = 0; i < n; i++)
        if (rows[i] == NULL)
            used += (size_t)snprintf(missing + used, WEB_INT_ID_SIZE + 1, "%s%s",
                                     used > 1 ? "," : "", ids[i]);
    snprintf(missing + used, 2, "}");
    const char *params[1] = {missing};
    PGresult *res = prepared_exec(r->t, ROWS_SQL, 1, params);
    free(missing);
    if (res == NULL)
        return false;
    for (int j = 0; j < PQntuples(res); j++) {
        int at = 0;
        while (at < n && strcmp(ids[at], PQgetvalue(res, j, COL_ID)) != 0)
            at++;
        if (at == n || rows[at] != NULL)
            continue;
        json_buf row;
        jb_init(&row);
        game_row_text(&row, res, j);
        if (row.text.failed) {
            jb_free(&row);
            *whole = false;
            continue;
        }
        char key[CACHE_ROW_KEY_MAX];
        row_cache_key(key, ids[at], version_at(res, j, ROWS_GAME_VERSION),
                      version_at(res, j, ROWS_GAME_VERSION + 1));
        cache_put(key, row.text.data, row.text.len, ROW_CACHE_MS, r->cache_epoch);
        rows[at] = row.text.data; /* taken */
    }
    PQclear(res);
    return true;
}

/* The page of a list's statement (ids and versions) as a JSON array into
 * b, each game's row from the row cache or ROWS_SQL. False on a db error
 * (not answered); out of memory, b is marked failed. */
static bool page_text(web_req *r, PGresult *page, json_buf *b)
{
    int n = PQntuples(page);
    char(*ids)[WEB_INT_ID_SIZE] = calloc((size_t)n + 1, sizeof *ids);
    char **rows = calloc((size_t)n + 1, sizeof *rows);
    bool whole = ids != NULL && rows != NULL, db_ok = true, missing = false;
    for (int i = 0; whole && i < n; i++) {
        snprintf(ids[i], sizeof ids[i], "%s", PQgetvalue(page, i, 0));
        char key[CACHE_ROW_KEY_MAX];
        size_t len;
        row_cache_key(key, ids[i], version_at(page, i, 1), version_at(page, i, 2));
        rows[i] = cache_get(key, &len);
        missing = missing || rows[i] == NULL;
    }
    if (whole && missing)
        db_ok = read_rows(r, ids, n, rows, &whole);
    /* Not whole, or a db error: b is not answered. */
    if (rows != NULL)
        jb_array_taken(b, rows, n);
    b->text.failed = b->text.failed || !whole;
    free(ids);
    free(rows);
    return db_ok;
}

bool arcade_game_list(web_req *r, const arcade_list_query *q, web_list_count *count, json_buf *b)
{
    char limit[16], offset[24], cap[24], sql[2048], count_sql[512];
    long long first = (long long)(q->page - 1) * q->per_page;
    snprintf(limit, sizeof limit, "%d", q->per_page);
    snprintf(offset, sizeof offset, "%lld", first);
    long long bound = list_count_cap(first, q->per_page, cap);
    /* The first pages without a search (the common list, and "mine"
     * through the owner's index): prepared, their bounds in their text
     * (prepared.c); the others planned with their values. */
    bool prepared = q->q == NULL && q->page <= LIST_PREPARED_PAGES;
    const char *where = q->mine ? MINE_WHERE : LIST_WHERE;
    /* The page's games are found from the games and their counters alone,
     * as their ids and versions; their rows (with their owner and latest
     * version) come from the row cache, or one more statement. */
    int n = snprintf(sql, sizeof sql,
                     "SELECT g.id, g.xmin, s.xmin FROM arcade_games g "
                     "LEFT JOIN arcade_game_stats s ON s.game_id = g.id %s%sLIMIT %s OFFSET %s",
                     where, list_order_sql(q->order), prepared ? limit : "$4::int",
                     prepared ? offset : "$5::bigint");
    int c = snprintf(count_sql, sizeof count_sql, COUNT_SQL, where, prepared ? cap : "$4::bigint");
    if (n < 0 || (size_t)n >= sizeof sql || c < 0 || (size_t)c >= sizeof count_sql)
        return false;
    const char *mine = q->mine ? "true" : "false";
    web_read reads[2] = {
        {.sql = sql,
         .nparams = prepared ? 3 : 5,
         .params = {caller_id(r), mine, q->q, limit, offset}},
        {.sql = count_sql, .nparams = prepared ? 3 : 4, .params = {caller_id(r), mine, q->q, cap}},
    };
    /* The page and its count in one round trip. */
    if (prepared) {
        if (!prepared_exec_all(r->t, reads, 2))
            return false;
    } else {
        for (int i = 0; i < 2; i++)
            if ((reads[i].res = cf_pg_exec(r->t->pg, reads[i].sql, reads[i].nparams,
                                           reads[i].params)) == NULL) {
                web_reads_clear(reads, 2);
                return false;
            }
    }
    bool ok = page_text(r, reads[0].res, b);
    (void)list_count_of(reads[1].res, first, q->per_page, bound, count);
    reads[1].res = NULL; /* cleared by list_count_of */
    web_reads_clear(reads, 2);
    return ok;
}

/* mask as the text string_to_array($n, ',') reads: "keys,touch". */
static void inputs_text(int mask, char out[64])
{
    size_t used = 0;

    out[0] = '\0';
    for (int i = 0; i < ARCADE_INPUTS; i++)
        if (mask & (1 << i))
            used += (size_t)snprintf(out + used, 64 - used, "%s%s", used > 0 ? "," : "",
                                     arcade_input_names[i]);
}

/* f as the next version of game id, the last version's preview kept when
 * f has none, inside the caller's transaction. 0 or -1 (not answered). */
static int insert_version(web_req *r, const char *id, const arcade_files *f)
{
    char size[24];
    snprintf(size, sizeof size, "%zu", f->len);
    const char *params[6] = {id,
                             f->bundle ? NULL : f->data,
                             f->bundle ? f->data : NULL,
                             size,
                             f->preview,
                             f->preview_type};
    const int lengths[6] = {0, (int)f->len, (int)f->len, 0, (int)f->preview_len, 0};
    const int formats[6] = {0, 1, 1, 0, 1, 0};
    PGresult *res = cf_pg_exec_bytes(
        r->t->pg,
        "WITH last AS (SELECT version, preview, preview_type FROM arcade_game_versions "
        "WHERE game_id = $1::bigint ORDER BY version DESC LIMIT 1) "
        "INSERT INTO arcade_game_versions "
        "(game_id, version, code, bundle, size, preview, preview_type) "
        "SELECT $1::bigint, COALESCE((SELECT version FROM last), 0) + 1, $2::text, $3::bytea, "
        "$4::int, "
        "CASE WHEN $5::bytea IS NULL THEN (SELECT preview FROM last) ELSE $5::bytea END, "
        "CASE WHEN $5::bytea IS NULL THEN (SELECT preview_type FROM last) ELSE $6::text END",
        6, params, lengths, formats);
    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

/* A statement failed: rolls back what is open and answers. A check
 * constraint refusing a value the handler let through (PostgreSQL's idea
 * of a control character follows its locale) is the caller's 400, the
 * rest the database error. */
static bool refused(web_req *r)
{
    bool check = strcmp(cf_pg_sqlstate(r->t->pg), "23514") == 0;

    if (check)
        log_warn("%s %s: %s", r->method_name, r->path, cf_pg_error(r->t->pg));
    cf_pg_rollback(r->t->pg);
    if (check)
        http_error(r, 400, "the database refuses the title, authors or description of this game");
    else
        http_db_error(r);
    return false;
}

bool arcade_game_create(web_req *r, const arcade_meta *m, const arcade_files *f,
                        char id[WEB_INT_ID_SIZE])
{
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return false;
    }
    char inputs[64];
    inputs_text(m->inputs, inputs);
    const char *params[5] = {r->user_id, m->title, m->authors, m->description, inputs};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "INSERT INTO arcade_games "
                               "(owner_id, title, authors, description, inputs, hidden) "
                               "VALUES ($1::bigint, $2, $3, $4, string_to_array($5, ','), false) "
                               "RETURNING id",
                               5, params);
    if (res == NULL)
        return refused(r);
    snprintf(id, WEB_INT_ID_SIZE, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (insert_version(r, id, f) != 0 || cf_pg_commit(r->t->pg) != 0)
        return refused(r);
    log_info("user %s uploaded arcade game %s (%s, %zu bytes)", r->username, id,
             f->bundle ? "bundle" : "file", f->len);
    return true;
}

cJSON *arcade_game_add_version(web_req *r, const char *id, const arcade_files *f)
{
    if (cf_pg_begin(r->t->pg) != 0) {
        http_db_error(r);
        return NULL;
    }
    /* Lock the game so two uploads get consecutive version numbers. */
    const char *params[2] = {id, r->user_id};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "SELECT id FROM arcade_games "
                               "WHERE id = $1::bigint AND owner_id = $2::bigint FOR UPDATE",
                               2, params);
    res = http_one_row(r, res, true, 404, "no such game");
    if (res == NULL)
        return NULL;
    PQclear(res);
    if (insert_version(r, id, f) != 0 ||
        cf_pg_run(r->t->pg, "UPDATE arcade_games SET updated_at = now() WHERE id = $1::bigint", 1,
                  params) != 0) {
        refused(r);
        return NULL;
    }
    /* The answer as of this version, read before the commit: another
     * upload committing right after must not show in its place. */
    cJSON *game = arcade_game_json(r, id);
    if (game == NULL) {
        cf_pg_rollback(r->t->pg); /* answered */
        return NULL;
    }
    if (cf_pg_commit(r->t->pg) != 0) {
        cJSON_Delete(game);
        refused(r);
        return NULL;
    }
    log_info("user %s uploaded a new version of arcade game %s (%s, %zu bytes)", r->username, id,
             f->bundle ? "bundle" : "file", f->len);
    return game;
}

/* The row of one statement that changed the caller's game id, or 404. */
static bool changed_one(web_req *r, PGresult *res)
{
    if (res == NULL)
        return refused(r);
    return http_one_row(r, res, false, 404, "no such game") != NULL;
}

bool arcade_game_update(web_req *r, const char *id, const arcade_meta *m)
{
    char inputs[64];
    inputs_text(m->inputs, inputs);
    const char *params[7] = {id,
                             r->user_id,
                             m->title,
                             m->authors,
                             m->description,
                             m->inputs >= 0 ? inputs : NULL,
                             m->hidden < 0 ? NULL
                             : m->hidden   ? "true"
                                           : "false"};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "UPDATE arcade_games SET title = COALESCE($3, title), "
                               "authors = COALESCE($4, authors), "
                               "description = COALESCE($5, description), "
                               "inputs = COALESCE(string_to_array($6, ','), inputs), "
                               "hidden = COALESCE($7::boolean, hidden), updated_at = now() "
                               "WHERE id = $1::bigint AND owner_id = $2::bigint RETURNING id",
                               7, params);
    if (!changed_one(r, res))
        return false;
    PQclear(res);
    return true;
}

bool arcade_game_delete(web_req *r, const char *id)
{
    const char *params[2] = {id, r->user_id};
    PGresult *res = cf_pg_exec(r->t->pg,
                               "DELETE FROM arcade_games "
                               "WHERE id = $1::bigint AND owner_id = $2::bigint RETURNING id",
                               2, params);
    if (!changed_one(r, res))
        return false;
    PQclear(res);
    log_info("user %s deleted arcade game %s", r->username, id);
    return true;
}

bool arcade_game_preview(web_req *r, const char *id, arcade_preview *out)
{
    memset(out, 0, sizeof *out);
    const char *params[2] = {id, caller_id(r)};
    PGresult *res = cf_pg_exec(
        r->t->pg,
        "SELECT v.preview, v.preview_type, g.hidden OR g.operator_hidden "
        "FROM arcade_games g JOIN LATERAL (SELECT preview, preview_type "
        "FROM arcade_game_versions WHERE game_id = g.id "
        "ORDER BY version DESC LIMIT 1) v ON true "
        "WHERE g.id = $1::bigint AND " ARCADE_GAME_VISIBLE("g.", 2) " "
                                                                    "AND v.preview IS NOT NULL",
        2, params);
    res = http_one_row(r, res, false, 404, "no such game, or it has no preview");
    if (res == NULL)
        return false;
    size_t len = 0;
    out->data = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 0), &len);
    out->len = len;
    snprintf(out->type, sizeof out->type, "%s", PQgetvalue(res, 0, 1));
    out->hidden = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
    PQclear(res);
    if (out->data == NULL) {
        http_error(r, 500, "out of memory");
        return false;
    }
    return true;
}

void arcade_preview_free(arcade_preview *p)
{
    if (p->data != NULL)
        PQfreemem(p->data);
    p->data = NULL;
}
