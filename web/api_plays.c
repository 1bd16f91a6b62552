/*
 * api_plays.c — the arcade's plays: start one, see it, steer it, stop it,
 * and a game's best scores. The live stream is live_plays.c's.
 *
 * Anyone may play, logged in or not (player.c says who is who); a play's
 * input and stop are its player's alone, and to anyone else a play they
 * do not own is "no such play" when they try to steer it. Starting a play
 * stops its player's other one: one running play per visitor or user, as
 * the original Game Runner had it.
 */
#include <stdio.h>
#include <string.h>

#include "play_entry.h"
#include "text.h"
#include "web.h"

#define STARTS_PER_IP 120    /* a minute: a class behind one address */
#define STARTS_PER_PLAYER 20 /* a minute */
#define INPUTS_PER_PLAY 50   /* requests a second (the page sends at most ~33) */
#define EVENT_MAX_BYTES 8192

/* The input events a game listens for (docs/arcade.md). */
static const char *const event_types[] = {"key",
                                          "acceleration",
                                          "gyro",
                                          "pointer",
                                          "sprite_clicked",
                                          "sprite_collision",
                                          "border_overlap",
                                          "sprite_out",
                                          "sprite_removed",
                                          "auto_movement_pos",
                                          "input_response",
                                          "alert_confirm",
                                          NULL};

/* The play id of the path, answering 404 when it is not one. */
static const char *path_play_id(web_req *r)
{
    const char *id = r->params[0];
    if (cf_uuid_valid(id, strlen(id)))
        return id;
    http_error(r, 404, "no such play");
    return NULL;
}

static void answer_play(web_req *r, int status, const char *id, const web_player *me)
{
    cJSON *play = play_json(r, id, me);
    if (play == NULL)
        return;
    cJSON *body = cJSON_CreateObject();
    cJSON_AddItemToObject(body, "play", play);
    http_json(r, status, body);
}

/* ---------------------------------------------------------------- start */

static bool start_allowed(web_req *r, const web_player *me)
{
    char key[128];
    int retry = 0;
    snprintf(key, sizeof key, "play:ip:%s", http_client_ip(r));
    bool ok = ratelimit_hit(key, STARTS_PER_IP, 60, &retry);
    snprintf(key, sizeof key, "play:%s:%s", me->is_user ? "user" : "visitor",
             me->is_user ? me->user_id : me->visitor);
    ok = ratelimit_hit(key, STARTS_PER_PLAYER, 60, &retry) && ok;
    if (!ok)
        http_too_many(r, retry);
    return ok;
}

/* The game's entry on cf:plays; 503 when Redis is away (the play then
 * ends as failed, not queued for ever). */
static bool send_to_arcade(web_req *r, const play_game *g, const char *id)
{
    cf_play_entry e = {.code = (char *)g->code,
                       .bundle = (char *)g->bundle,
                       .code_len = g->code_len,
                       .bundle_len = g->bundle_len};
    snprintf(e.id, sizeof e.id, "%s", id);
    snprintf(e.title, sizeof e.title, "%s", g->title);
    char entry_id[64];
    if (arcade_enqueue(r->t->redis, &e, entry_id) != 0) {
        (void)play_fail_unsent(r, id);
        http_error(r, 503, "the arcade cannot be reached; try again in a moment");
        return false;
    }
    if (play_set_entry(r, id, entry_id) != 0)
        http_db_error(r);
    return true;
}

void plays_start(web_req *r)
{
    const char *game_id = r->params[0];
    if (!http_int_id(game_id)) {
        http_error(r, 404, "no such game");
        return;
    }
    web_player me;
    player_ensure(r, &me);
    if (!start_allowed(r, &me))
        return;
    play_game g;
    if (!play_game_load(r, game_id, &me, &g))
        return;
    char id[CF_UUID_LEN + 1];
    cf_uuid_generate(id);
    if (play_stop_open(r, &me, "stopped: its player started another game") < 0 ||
        play_insert(r, &g, &me, id) != 0) {
        play_game_free(&g);
        http_db_error(r);
        return;
    }
    bool sent = send_to_arcade(r, &g, id);
    play_game_free(&g);
    if (sent)
        answer_play(r, 201, id, &me);
}

/* ------------------------------------------------------------ see it */

void plays_get(web_req *r)
{
    const char *id = path_play_id(r);
    if (id == NULL)
        return;
    web_player me;
    player_of(r, &me);
    answer_play(r, 200, id, &me);
}

void plays_scores(web_req *r)
{
    const char *game_id = r->params[0];
    int limit;
    if (!http_int_id(game_id)) {
        http_error(r, 404, "no such game");
        return;
    }
    if (!http_int_query(r, "limit", 10, 1, 50, &limit))
        return;
    web_player me;
    player_of(r, &me);
    int visible = play_game_visible(r, game_id, &me);
    if (visible <= 0) {
        if (visible < 0)
            http_db_error(r);
        else
            http_error(r, 404, "no such game");
        return;
    }
    http_json_list(r, "plays", play_scores_json(r, game_id, &me, limit));
}

/* -------------------------------------------------------- its player's */

/* A play of the caller's that is not over: 404 (not theirs: not said),
 * 409 (over) or the db error otherwise. */
static bool own_open_play(web_req *r, const char *id, const web_player *me)
{
    char status[16];
    int owned = play_owned(r, id, me, status);
    if (owned < 0)
        http_db_error(r);
    else if (owned == 0)
        http_error(r, 404, "no such play of yours");
    else if (play_status_final(status))
        http_error(r, 409, "the play is over (%s)", status);
    return owned == 1 && !play_status_final(status);
}

/* One input event, checked, as JSON text (malloc'd); NULL after answering
 * 400. */
static char *checked_event(web_req *r, const cJSON *ev, int i)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
    bool known = false;
    for (int k = 0; cJSON_IsString(type) && event_types[k] != NULL; k++)
        known = known || strcmp(type->valuestring, event_types[k]) == 0;
    if (!cJSON_IsObject(ev) || !known) {
        http_error(r, 400, "events[%d]: not an input event (an object with a known \"type\")", i);
        return NULL;
    }
    char *json = cJSON_PrintUnformatted(ev);
    if (json == NULL) {
        http_error(r, 500, "out of memory");
        return NULL;
    }
    if (strlen(json) > EVENT_MAX_BYTES) {
        free(json);
        http_error(r, 400, "events[%d]: larger than %d bytes", i, EVENT_MAX_BYTES);
        return NULL;
    }
    return json;
}

/* The body's events, each checked, as JSON texts; -1 after answering. */
static int body_events(web_req *r, char *out[ARCADE_INPUT_MAX_EVENTS])
{
    cJSON *body = http_json_body(r);
    if (body == NULL)
        return -1;
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(body, "events");
    int n = cJSON_GetArraySize(events);
    if (!cJSON_IsArray(events) || n < 1 || n > ARCADE_INPUT_MAX_EVENTS) {
        http_error(r, 400, "events: an array of 1 to %d input events", ARCADE_INPUT_MAX_EVENTS);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        out[i] = checked_event(r, cJSON_GetArrayItem(events, i), i);
        if (out[i] == NULL) {
            while (i-- > 0)
                free(out[i]);
            return -1;
        }
    }
    return n;
}

void plays_input(web_req *r)
{
    const char *id = path_play_id(r);
    if (id == NULL)
        return;
    char key[64];
    int retry = 0;
    snprintf(key, sizeof key, "input:%s", id);
    if (!ratelimit_hit(key, INPUTS_PER_PLAY, 1, &retry)) {
        http_too_many(r, retry);
        return;
    }
    web_player me;
    player_of(r, &me);
    char *events[ARCADE_INPUT_MAX_EVENTS];
    int n = body_events(r, events);
    if (n < 0)
        return;
    if (own_open_play(r, id, &me)) {
        if (arcade_input(r->t->redis, id, events, n) == 0)
            http_no_content(r);
        else
            http_error(r, 503, "the arcade cannot be reached; try again in a moment");
    }
    for (int i = 0; i < n; i++)
        free(events[i]);
}

void plays_stop(web_req *r)
{
    const char *id = path_play_id(r);
    if (id == NULL)
        return;
    web_player me;
    player_of(r, &me);
    if (!own_open_play(r, id, &me))
        return;
    /* The key stops it where it runs (or before it starts); a play still
     * in the queue ends here at once. */
    int rc = play_stop(r, id, "stopped before it started");
    if (rc == -2) {
        http_error(r, 503, "the arcade cannot be reached; try again in a moment");
        return;
    }
    if (rc != 0) {
        http_db_error(r);
        return;
    }
    answer_play(r, 202, id, &me);
}
