/*
 * api_arcade_games.c — the routes of the arcade's games: the list, an
 * upload, one game, its update and deletion, a new version, the preview.
 *
 * Handlers only. An upload is a multipart form, read in small steps: its
 * parts sorted into fields (read_form), the text fields checked
 * (meta_from_form), the file (a .py's text, or a .zip that bundle_check.c
 * holds to the sandbox's rules) and the preview (an image by its bytes:
 * the form's, else the bundle's own). Nothing of the upload is trusted for
 * what it says of itself but the file's name, which only tells a .py from
 * a .zip, and each is then checked as what it claims to be. arcade_game.c
 * stores what passed and keeps every change to the owner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web.h"

/* A form has a handful of fields; "inputs" may come once per value. */
#define FORM_PARTS 16
/* A list's page: the front end shows this many at once. */
#define LIST_PER_PAGE_MAX 50
/* The search text, in bytes: a title is at most 100 characters. */
#define SEARCH_MAX 400

/* An upload's form: its parts, sorted by field. */
typedef struct game_form {
    multipart_part parts[FORM_PARTS];
    const multipart_part *title, *authors, *description, *file, *preview;
    const multipart_part *inputs[FORM_PARTS];
    int ninputs;
    /* The text fields as strings (form_free frees them). */
    char *texts[3];
} game_form;

static void form_free(game_form *form)
{
    for (int i = 0; i < 3; i++)
        free(form->texts[i]);
}

/* s when it is short printable ASCII (fit to be quoted back), else "?". */
static const char *quotable(const char *s, size_t len)
{
    if (len == 0 || len > 32)
        return "?";
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return "?";
    return s;
}

/* ---- text fields ---- */

/* Is c at s[i] a control character: C0 (multiline: but tab and line
 * breaks), DEL, C1 (U+0080..U+009F) or, in one line, U+2028/U+2029 (the
 * line and paragraph separators)? s is valid UTF-8. */
static bool is_control(const unsigned char *s, size_t len, size_t i, bool multiline)
{
    unsigned char c = s[i];

    if (c < 0x20)
        return !(multiline && (c == '\n' || c == '\r' || c == '\t'));
    if (c == 0x7f || (c == 0xc2 && i + 1 < len && s[i + 1] < 0xa0))
        return true;
    return !multiline && c == 0xe2 && i + 2 < len && s[i + 1] == 0x80 &&
           (s[i + 2] == 0xa8 || s[i + 2] == 0xa9);
}

/* Is s[0..len) fit for a text field: UTF-8, at most max characters, no
 * control character, not blank when required? Why not into why. */
static bool text_fit(const char *s, size_t len, size_t max, bool multiline, bool required,
                     char *why, size_t whylen)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t chars = 0;
    bool blank = true;

    if (len <= 4 * max && !cf_utf8_valid(s, len)) {
        snprintf(why, whylen, "must be UTF-8 text without NUL bytes");
        return false;
    }
    for (size_t i = 0; i < len && chars <= max; i++) {
        if (is_control(u, len, i, multiline)) {
            snprintf(why, whylen, "must not contain control characters%s",
                     multiline ? " but tabs and line breaks" : "");
            return false;
        }
        chars += (u[i] & 0xc0) != 0x80;
        blank = blank && (u[i] == ' ' || u[i] == '\n' || u[i] == '\r' || u[i] == '\t');
    }
    if (chars > max) {
        snprintf(why, whylen, "is too long: at most %zu characters", max);
        return false;
    }
    if (required && blank) {
        snprintf(why, whylen, "must not be empty");
        return false;
    }
    return true;
}

/* Answers 400 when s[0..len) is not fit for field (text_fit). */
static bool text_ok(web_req *r, const char *field, const char *s, size_t len, size_t max,
                    bool multiline, bool required)
{
    char why[80];
    if (text_fit(s, len, max, multiline, required, why, sizeof why))
        return true;
    http_error(r, 400, "field '%s' %s", field, why);
    return false;
}

/* ---- inputs ---- */

/* The bit of input name[0..len), or 0 when it is none. */
static int input_bit(const char *name, size_t len)
{
    for (int i = 0; i < ARCADE_INPUTS; i++)
        if (strlen(arcade_input_names[i]) == len && memcmp(arcade_input_names[i], name, len) == 0)
            return 1 << i;
    return 0;
}

static void unknown_input(web_req *r, const char *name, size_t len)
{
    char shown[40];
    snprintf(shown, sizeof shown, "%.*s", (int)len, quotable(name, len) == name ? name : "?");
    http_error(r, 400, "field 'inputs': unknown input '%s' (acceleration, keys, touch, gyro)",
               shown);
}

/* Adds the comma-separated inputs of v[0..len) to *mask (spaces around a
 * name and empty names ignored). */
static bool add_inputs(web_req *r, const char *v, size_t len, int *mask)
{
    for (size_t at = 0; at <= len;) {
        const char *end = memchr(v + at, ',', len - at);
        size_t stop = end != NULL ? (size_t)(end - v) : len, first = at, last = stop;
        while (first < last && v[first] == ' ')
            first++;
        while (last > first && v[last - 1] == ' ')
            last--;
        if (last > first) {
            int bit = input_bit(v + first, last - first);
            if (bit == 0) {
                unknown_input(r, v + first, last - first);
                return false;
            }
            *mask |= bit;
        }
        at = stop + 1;
    }
    return true;
}

/* ---- the form ---- */

/* The slot of a single-valued field of the form, NULL when name is none
 * (with_meta: the text fields are fields too). */
static const multipart_part **form_slot(game_form *form, const char *name, bool with_meta)
{
    if (strcmp(name, "file") == 0)
        return &form->file;
    if (strcmp(name, "preview") == 0)
        return &form->preview;
    if (!with_meta)
        return NULL;
    if (strcmp(name, "title") == 0)
        return &form->title;
    if (strcmp(name, "authors") == 0)
        return &form->authors;
    if (strcmp(name, "description") == 0)
        return &form->description;
    return NULL;
}

/* The body's multipart form, its parts sorted by field: each field once
 * (but "inputs"), none unknown. */
static bool read_form(web_req *r, game_form *form, bool with_meta)
{
    memset(form, 0, sizeof *form);
    const char *ctype =
        evhttp_find_header(evhttp_request_get_input_headers(r->req), "Content-Type");
    if (ctype == NULL || strncasecmp(ctype, "multipart/form-data", 19) != 0) {
        http_error(r, 415, "Content-Type must be multipart/form-data");
        return false;
    }
    int n = multipart_parse(ctype, r->body, r->body_len, form->parts, FORM_PARTS);
    if (n < 0) {
        http_error(r, 400, "malformed multipart/form-data body (or more than %d parts)",
                   FORM_PARTS);
        return false;
    }
    for (int i = 0; i < n; i++) {
        const multipart_part *p = &form->parts[i];
        if (with_meta && strcmp(p->name, "inputs") == 0) {
            form->inputs[form->ninputs++] = p;
            continue;
        }
        const multipart_part **slot = form_slot(form, p->name, with_meta);
        if (slot == NULL || *slot != NULL) {
            http_error(r, 400, slot == NULL ? "unknown field '%s'" : "field '%s' is given twice",
                       quotable(p->name, strlen(p->name)));
            return false;
        }
        *slot = p;
    }
    return true;
}

/* A copy of data[0..len) with every CRLF as LF: a form sends each line
 * break of a text field as CRLF (HTML's form encoding), JSON as it was
 * typed. NULL when out of memory. */
static char *form_lines(const char *data, size_t len)
{
    char *out = malloc(len + 1);
    size_t n = 0;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++)
        if (!(data[i] == '\r' && i + 1 < len && data[i + 1] == '\n'))
            out[n++] = data[i];
    out[n] = '\0';
    return out;
}

/* Text field p (NULL: absent, "" then) checked and copied into *out. */
static bool form_text(web_req *r, const char *field, const multipart_part *p, size_t max,
                      bool multiline, bool required, char **out)
{
    if (p == NULL && required) {
        http_error(r, 400, "field '%s' is required", field);
        return false;
    }
    const char *data = p != NULL ? p->data : "";
    size_t len = p != NULL ? p->len : 0;
    /* NUL first: the copy is a C string. */
    if (!cf_utf8_valid(data, len)) {
        http_error(r, 400, "field '%s' must be UTF-8 text without NUL bytes", field);
        return false;
    }
    *out = form_lines(data, len);
    if (*out == NULL) {
        http_error(r, 500, "out of memory");
        return false;
    }
    return text_ok(r, field, *out, strlen(*out), max, multiline, required);
}

/* A new game's title, authors, description and inputs from the form. */
static bool meta_from_form(web_req *r, game_form *form, arcade_meta *m)
{
    *m = (arcade_meta){.inputs = 0, .hidden = 0};
    if (!form_text(r, "title", form->title, ARCADE_TITLE_MAX, false, true, &form->texts[0]) ||
        !form_text(r, "authors", form->authors, ARCADE_AUTHORS_MAX, false, false,
                   &form->texts[1]) ||
        !form_text(r, "description", form->description, ARCADE_DESCRIPTION_MAX, true, false,
                   &form->texts[2]))
        return false;
    m->title = form->texts[0];
    m->authors = form->texts[1];
    m->description = form->texts[2];
    for (int i = 0; i < form->ninputs; i++)
        if (!add_inputs(r, form->inputs[i]->data, form->inputs[i]->len, &m->inputs))
            return false;
    return true;
}

static bool has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    return n > k && strcasecmp(name + n - k, suffix) == 0;
}

/* A one-file game: UTF-8 text within arcade.max_code_bytes. */
static bool code_ok(web_req *r, const multipart_part *p)
{
    if (p->len > web_cfg.arcade_max_code) {
        http_error(r, 413, "a one-file game is larger than %zu bytes", web_cfg.arcade_max_code);
        return false;
    }
    if (p->len == 0) {
        http_error(r, 400, "the game's file is empty");
        return false;
    }
    if (!cf_utf8_valid(p->data, p->len)) {
        http_error(r, 400, "a .py game must be UTF-8 text without NUL bytes");
        return false;
    }
    return true;
}

/* A bundle: within arcade.max_bundle_bytes and by the sandbox's rules
 * (what it holds into *b). */
static bool bundle_ok(web_req *r, const multipart_part *p, bundle_info *b)
{
    if (p->len > web_cfg.arcade_max_bundle) {
        http_error(r, 413, "a game bundle is larger than %zu bytes", web_cfg.arcade_max_bundle);
        return false;
    }
    char err[256];
    if (bundle_check(p->data, p->len, b, err, sizeof err) != 0) {
        http_error(r, 400, "%s", err);
        return false;
    }
    return true;
}

/* The form's file into f: a .py or a .zip, by its name, each checked as
 * what it claims to be. */
static bool file_from_form(web_req *r, const game_form *form, arcade_files *f, bundle_info *b)
{
    const multipart_part *p = form->file;
    if (p == NULL) {
        http_error(r, 400, "field 'file' is required");
        return false;
    }
    f->bundle = has_suffix(p->filename, ".zip");
    if (!f->bundle && !has_suffix(p->filename, ".py")) {
        http_error(r, 400, "field 'file' must be a .py file or a .zip bundle (by its file name)");
        return false;
    }
    if (!(f->bundle ? bundle_ok(r, p, b) : code_ok(r, p)))
        return false;
    f->data = p->data;
    f->len = p->len;
    return true;
}

/* The form's preview into f, else the bundle's own. A browser sends an
 * empty file input as an empty part without a file name: no preview. */
static bool preview_from_form(web_req *r, const game_form *form, const bundle_info *b,
                              arcade_files *f)
{
    const multipart_part *p = form->preview;
    if (p == NULL || (p->len == 0 && p->filename[0] == '\0')) {
        f->preview = b->preview;
        f->preview_len = b->preview_len;
        f->preview_type = b->preview_type;
        return true;
    }
    if (p->len > IMAGE_MAX_BYTES) {
        http_error(r, 413, "the preview is larger than %d bytes", IMAGE_MAX_BYTES);
        return false;
    }
    f->preview_type = image_type(p->data, p->len);
    if (f->preview_type == NULL) {
        http_error(r, 400, "the preview must be a PNG, JPEG, GIF or WebP image");
        return false;
    }
    f->preview = p->data;
    f->preview_len = p->len;
    return true;
}

/* The form's file and preview, checked, into f (*b holds the bundle's
 * own preview: bundle_info_free). */
static bool files_from_form(web_req *r, const game_form *form, arcade_files *f, bundle_info *b)
{
    memset(f, 0, sizeof *f);
    memset(b, 0, sizeof *b);
    return file_from_form(r, form, f, b) && preview_from_form(r, form, b, f);
}

/* ---- answers ---- */

/* Answers the game with its versions. */
static void answer_game(web_req *r, const char *id, int status)
{
    cJSON *o = arcade_game_json(r, id);

    if (o != NULL)
        http_json(r, status, o);
}

/* The path's game id; answers 404 when it cannot be one. */
static bool path_game_id(web_req *r)
{
    if (http_int_id(r->params[0]))
        return true;
    http_error(r, 404, "no such game");
    return false;
}

/* ---- the handlers ---- */

/* The list's order parameter into *order (rating when absent). */
static bool list_order(web_req *r, arcade_list_order *order)
{
    static const struct {
        const char *name;
        arcade_list_order order;
    } orders[] = {{"rating", ARCADE_ORDER_RATING},
                  {"random", ARCADE_ORDER_RANDOM},
                  {"newest", ARCADE_ORDER_NEWEST},
                  {"updated", ARCADE_ORDER_UPDATED}};
    const char *v = http_query(r, "order");
    *order = ARCADE_ORDER_RATING;
    if (v == NULL)
        return true;
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++)
        if (strcmp(v, orders[i].name) == 0) {
            *order = orders[i].order;
            return true;
        }
    http_error(r, 400, "query parameter 'order' must be rating, random, newest or updated");
    return false;
}

/* The list's query: mine=1 (or true), q, order, page, per_page. */
static bool list_query(web_req *r, arcade_list_query *q)
{
    const char *mine = http_query(r, "mine");
    const char *text = http_query(r, "q");
    if (mine != NULL && strcmp(mine, "1") != 0 && strcmp(mine, "true") != 0) {
        http_error(r, 400, "query parameter 'mine' must be 1 or true");
        return false;
    }
    if (mine != NULL && !r->authed) {
        http_error(r, 401, "login required");
        return false;
    }
    if (text != NULL && (strlen(text) > SEARCH_MAX || !cf_utf8_valid(text, strlen(text)))) {
        http_error(r, 400, "query parameter 'q' must be UTF-8 text of at most %d bytes",
                   SEARCH_MAX);
        return false;
    }
    *q = (arcade_list_query){.mine = mine != NULL, .q = text != NULL && *text ? text : NULL};
    if (!list_order(r, &q->order) || !http_int_query(r, "page", 1, 1, 100000, &q->page) ||
        !http_int_query(r, "per_page", LIST_PER_PAGE_MAX, 1, LIST_PER_PAGE_MAX, &q->per_page))
        return false;
    if (q->order == ARCADE_ORDER_RANDOM)
        q->page = 1; /* random games: there is no next page */
    return true;
}

void arcade_games_list(web_req *r)
{
    arcade_list_query q;
    if (!list_query(r, &q))
        return;
    web_list_count count;
    json_buf b;
    jb_init(&b);
    jb_open(&b, '{');
    jb_key(&b, "games");
    if (!arcade_game_list(r, &q, &count, &b)) {
        jb_free(&b);
        http_db_error(r);
        return;
    }
    list_page_text_end(&b, q.page, q.per_page, &count);
    http_json_text(r, 200, &b, NULL, 0);
}

void arcade_games_create(web_req *r)
{
    game_form form;
    arcade_meta m;
    arcade_files f;
    bundle_info b = {0};
    char id[WEB_INT_ID_SIZE];
    if (read_form(r, &form, true) && meta_from_form(r, &form, &m) &&
        files_from_form(r, &form, &f, &b) && arcade_game_create(r, &m, &f, id))
        answer_game(r, id, 201);
    bundle_info_free(&b);
    form_free(&form);
}

void arcade_games_get(web_req *r)
{
    if (path_game_id(r))
        answer_game(r, r->params[0], 200);
}

void arcade_games_new_version(web_req *r)
{
    if (!path_game_id(r))
        return;
    game_form form;
    arcade_files f;
    bundle_info b = {0};
    cJSON *game = read_form(r, &form, false) && files_from_form(r, &form, &f, &b)
                      ? arcade_game_add_version(r, r->params[0], &f)
                      : NULL;
    if (game != NULL)
        http_json(r, 201, game);
    bundle_info_free(&b);
    form_free(&form);
}

/* An optional text field of the JSON body into *out (NULL: absent). */
static bool json_text(web_req *r, const cJSON *b, const char *name, size_t max, bool multiline,
                      bool required, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, name);
    *out = http_str_field(r, b, name, false, 4 * max);
    if (*out == NULL)
        return v == NULL || cJSON_IsNull(v); /* else answered */
    return text_ok(r, name, *out, strlen(*out), max, multiline, required);
}

/* The JSON body's "inputs", an array of input names, into *mask (-1:
 * absent). */
static bool json_inputs(web_req *r, const cJSON *b, int *mask)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, "inputs");
    *mask = -1;
    if (v == NULL || cJSON_IsNull(v))
        return true;
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > 2 * ARCADE_INPUTS) {
        http_error(r, 400, "field 'inputs' must be an array of at most %d input names",
                   2 * ARCADE_INPUTS);
        return false;
    }
    *mask = 0;
    const cJSON *it;
    cJSON_ArrayForEach (it, v) {
        if (!cJSON_IsString(it)) {
            http_error(r, 400, "field 'inputs' must be an array of strings");
            return false;
        }
        int bit = input_bit(it->valuestring, strlen(it->valuestring));
        if (bit == 0) {
            unknown_input(r, it->valuestring, strlen(it->valuestring));
            return false;
        }
        *mask |= bit;
    }
    return true;
}

/* The JSON body's "hidden" into *hidden (-1: absent). */
static bool json_hidden(web_req *r, const cJSON *b, int *hidden)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, "hidden");
    bool value;
    *hidden = -1;
    if (v == NULL || cJSON_IsNull(v))
        return true;
    if (!http_bool_field(r, b, "hidden", false, &value))
        return false;
    *hidden = value;
    return true;
}

/* The fields an update may change: known ones only, at least one. */
static bool update_fields_ok(web_req *r, const cJSON *b)
{
    static const char *const known[] = {"title", "authors", "description", "inputs", "hidden"};
    const cJSON *it;
    cJSON_ArrayForEach (it, b) {
        bool found = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            found = found || strcmp(it->string, known[i]) == 0;
        if (!found) {
            http_error(r, 400, "unknown field '%s'", quotable(it->string, strlen(it->string)));
            return false;
        }
    }
    if (b->child == NULL) {
        http_error(r, 400, "give at least one of title, authors, description, inputs, hidden");
        return false;
    }
    return true;
}

void arcade_games_update(web_req *r)
{
    if (!path_game_id(r))
        return;
    cJSON *b = http_json_body(r);
    arcade_meta m;
    if (b == NULL || !update_fields_ok(r, b) ||
        !json_text(r, b, "title", ARCADE_TITLE_MAX, false, true, &m.title) ||
        !json_text(r, b, "authors", ARCADE_AUTHORS_MAX, false, false, &m.authors) ||
        !json_text(r, b, "description", ARCADE_DESCRIPTION_MAX, true, false, &m.description) ||
        !json_inputs(r, b, &m.inputs) || !json_hidden(r, b, &m.hidden))
        return;
    if (arcade_game_update(r, r->params[0], &m))
        answer_game(r, r->params[0], 200);
}

void arcade_games_delete(web_req *r)
{
    if (path_game_id(r) && arcade_game_delete(r, r->params[0]))
        http_no_content(r);
}

void arcade_games_preview(web_req *r)
{
    arcade_preview p;
    if (!path_game_id(r) || !arcade_game_preview(r, r->params[0], &p))
        return;
    /* A hidden game's picture is its owner's: no shared cache keeps it. */
    http_send_cacheable(r, p.type, p.data, p.len,
                        p.hidden ? "private, max-age=300" : "public, max-age=300");
    arcade_preview_free(&p);
}
