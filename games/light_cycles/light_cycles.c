/*
 * light_cycles.c — Light cycles: 2 to 6 cycles on a square grid, each
 * leaving a wall behind it; the last one moving wins.
 *
 * Every tick all living bots are asked decide_move(tick, state) first, then
 * every cycle moves at once (simultaneous moves): a cycle whose next cell is
 * off the grid or already a wall (any trail, any head, its own included) is
 * eliminated, and so are all cycles entering the same cell (head-on). An
 * eliminated cycle stops; its trail stays. A bot that is gone (crash, limits,
 * protocol violation) loses its cycle that tick.
 *
 * Rank: by elimination order, cycles eliminated on the same tick share a rank
 * (competition ranking 1, 1, 3); cycles alive at the end share rank 1.
 * Score: the number of cells the cycle moved.
 * Spawns: evenly spaced on a ring inset from the border, the ring's starting
 * point and the players' order drawn from the seed, each facing inwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "game.h"
#include "games_list.h"

#define MAX_CYCLES 6
#define MAX_SIZE 40

typedef struct cycle {
    int x, y;
    char head;
    bool alive;
    int eliminated_at; /* tick, -1 before the first; meaningless while alive */
    int moves;
} cycle;

typedef struct arena_state {
    int size, n;
    unsigned char grid[MAX_SIZE][MAX_SIZE]; /* [y][x]: 0 empty, 1+i wall of player i */
    cycle c[MAX_CYCLES];
    cJSON *frames;
} arena_state;

static const cf_setting lc_settings[] = {
    {"size", "Grid size (cells per side)", 20, 8, MAX_SIZE, true},
    {"max_ticks", "Maximum number of ticks", 400, 1, 1600, true},
    {NULL, NULL, 0, 0, 0, false},
};

static void lc_limits(const cJSON *settings, int nplayers, cf_limits *out)
{
    (void)nplayers;
    int64_t ticks = cf_game_setting(&cf_game_light_cycles, settings, "max_ticks");
    out->first_call_wall_ms = 2000;
    out->call_wall_ms = 200;
    out->time_bank_ms = 1000; /* a slow call now and then is not fatal */
    /* a bot looking a little ahead costs a few ms a tick in Python */
    out->cpu_ms = (uint32_t)(1000 + 5 * ticks);
    out->memory_kb = 100 * 1024;
}

static int dx_of(char d)
{
    return d == 'R' ? 1 : d == 'L' ? -1 : 0;
}
static int dy_of(char d)
{
    return d == 'U' ? 1 : d == 'D' ? -1 : 0;
}

static char reverse_of(char d)
{
    switch (d) {
    case 'U': return 'D';
    case 'D': return 'U';
    case 'L': return 'R';
    default: return 'L';
    }
}

/* Point s (0 <= s < 4L) along the square ring (m,m)-(m+L,m+L), and the
 * heading that faces the inside from there. */
static void ring_point(int m, int len, int s, int *x, int *y, char *head)
{
    if (s < len) {
        *x = m + s, *y = m, *head = 'U';
    } else if (s < 2 * len) {
        *x = m + len, *y = m + (s - len), *head = 'L';
    } else if (s < 3 * len) {
        *x = m + len - (s - 2 * len), *y = m + len, *head = 'D';
    } else {
        *x = m, *y = m + len - (s - 3 * len), *head = 'R';
    }
}

static void spawn(arena_state *a, cf_rng *rng)
{
    int m = a->size / 5 > 1 ? a->size / 5 : 1;
    int len = a->size - 1 - 2 * m;
    int perimeter = 4 * len;
    int offset = (int)cf_rng_below(rng, (uint64_t)perimeter);
    int order[MAX_CYCLES];
    for (int i = 0; i < a->n; i++)
        order[i] = i;
    for (int i = a->n - 1; i > 0; i--) { /* Fisher-Yates */
        int j = (int)cf_rng_below(rng, (uint64_t)i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int k = 0; k < a->n; k++) {
        cycle *c = &a->c[order[k]];
        int s = (offset + k * perimeter / a->n) % perimeter;
        ring_point(m, len, s, &c->x, &c->y, &c->head);
        c->alive = true;
        c->moves = 0;
        a->grid[c->y][c->x] = (unsigned char)(1 + order[k]);
    }
}

static int push_frame(arena_state *a)
{
    cJSON *frame = cJSON_CreateArray();
    if (frame == NULL)
        return -1;
    for (int i = 0; i < a->n; i++) {
        char head[2] = {a->c[i].head, '\0'};
        cJSON *p = cJSON_CreateArray();
        if (!cJSON_AddItemToArray(frame, p) ||
            !cJSON_AddItemToArray(p, cJSON_CreateNumber(a->c[i].x)) ||
            !cJSON_AddItemToArray(p, cJSON_CreateNumber(a->c[i].y)) ||
            !cJSON_AddItemToArray(p, cJSON_CreateString(head)) ||
            !cJSON_AddItemToArray(p, cJSON_CreateBool(a->c[i].alive)) ||
            !cJSON_AddItemToArray(p, cJSON_CreateNumber(a->c[i].moves))) {
            cJSON_Delete(frame);
            return -1;
        }
    }
    if (!cJSON_AddItemToArray(a->frames, frame)) {
        cJSON_Delete(frame);
        return -1;
    }
    return 0;
}

/* The state a bot sees: documented in docs.md. */
static cJSON *state_json(const arena_state *a, int me)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON *players = cJSON_AddArrayToObject(o, "players");
    cJSON *grid = cJSON_AddArrayToObject(o, "grid");
    if (!cJSON_AddNumberToObject(o, "me", me) || !cJSON_AddNumberToObject(o, "size", a->size) ||
        players == NULL || grid == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    for (int i = 0; i < a->n; i++) {
        char head[2] = {a->c[i].head, '\0'};
        cJSON *p = cJSON_CreateObject();
        if (!cJSON_AddItemToArray(players, p) || !cJSON_AddNumberToObject(p, "x", a->c[i].x) ||
            !cJSON_AddNumberToObject(p, "y", a->c[i].y) ||
            !cJSON_AddStringToObject(p, "head", head) ||
            !cJSON_AddBoolToObject(p, "alive", a->c[i].alive)) {
            cJSON_Delete(o);
            return NULL;
        }
    }
    char row[MAX_SIZE + 1];
    for (int y = 0; y < a->size; y++) {
        for (int x = 0; x < a->size; x++)
            row[x] = a->grid[y][x] ? (char)('0' + a->grid[y][x] - 1) : '.';
        row[a->size] = '\0';
        if (!cJSON_AddItemToArray(grid, cJSON_CreateString(row))) {
            cJSON_Delete(o);
            return NULL;
        }
    }
    return o;
}

/* The direction the bot asks for, or its heading when the answer is not a
 * direction (null keeps the heading too) or turns it back on itself; why
 * says which, for the bot's author ("" for a move taken). */
static char parse_move(const cJSON *v, char head, char *why, size_t whylen)
{
    why[0] = '\0';
    if (v == NULL || cJSON_IsNull(v))
        return head;
    if (!cJSON_IsString(v) || strlen(v->valuestring) != 1 ||
        strchr("URDL", v->valuestring[0]) == NULL) {
        char *json = cJSON_PrintUnformatted(v);
        snprintf(why, whylen, "%.60s%s is not a direction ('U', 'R', 'D' or 'L'): kept going %c",
                 json != NULL ? json : "?", json != NULL && strlen(json) > 60 ? "..." : "", head);
        free(json);
        return head;
    }
    char d = v->valuestring[0];
    if (d == reverse_of(head)) {
        snprintf(why, whylen, "'%c' turns back on itself: kept going %c", d, head);
        return head;
    }
    return d;
}

/* Asks a living bot; false when the bot is gone. */
static bool ask(cf_arena *arena, const arena_state *a, int p, int tick, char *dir)
{
    *dir = a->c[p].head;
    cJSON *args = cJSON_CreateArray();
    if (args == NULL || !cJSON_AddItemToArray(args, cJSON_CreateNumber(tick)) ||
        !cJSON_AddItemToArray(args, state_json(a, p))) {
        cJSON_Delete(args);
        return true; /* out of memory: go straight, not the bot's fault */
    }
    cJSON *result = NULL;
    enum cf_call_status st = cf_arena_call(arena, p, "decide_move", args, &result);
    cJSON_Delete(args);
    if (st == CF_CALL_OK) {
        char why[200];
        *dir = parse_move(result, a->c[p].head, why, sizeof why);
        if (why[0] != '\0')
            cf_arena_rejected(arena, p, why);
    }
    cJSON_Delete(result);
    return st == CF_CALL_OK || st == CF_CALL_RAISED || st == CF_CALL_TIMEOUT;
}

static void note(cf_outcome *out, const char *text)
{
    size_t used = strlen(out->explanation);
    snprintf(out->explanation + used, sizeof out->explanation - used, "%s%s", used ? "; " : "",
             text);
}

static int alive_count(const arena_state *a)
{
    int k = 0;
    for (int i = 0; i < a->n; i++)
        k += a->c[i].alive;
    return k;
}

/* One tick; 0, or -1 when out of memory. */
static int step(cf_arena *arena, arena_state *a, int tick, cf_outcome *out)
{
    char dir[MAX_CYCLES];
    bool dies[MAX_CYCLES] = {false}, failed_first[MAX_CYCLES] = {false};
    int nx[MAX_CYCLES], ny[MAX_CYCLES];

    for (int i = 0; i < a->n; i++) {
        if (!a->c[i].alive)
            continue;
        if (!ask(arena, a, i, tick, &dir[i])) {
            /* the first call imports the bot and builds Main(): gone then,
             * it failed before the first tick and ranks below every crash */
            char text[96];
            if (tick == 0)
                snprintf(text, sizeof text, "player %d %s before the first tick", i + 1,
                         cf_arena_death(arena, i));
            else
                snprintf(text, sizeof text, "player %d %s at tick %d", i + 1,
                         cf_arena_death(arena, i), tick);
            note(out, text);
            dies[i] = true;
            failed_first[i] = tick == 0;
        }
    }
    for (int i = 0; i < a->n; i++) {
        if (!a->c[i].alive || dies[i])
            continue;
        nx[i] = a->c[i].x + dx_of(dir[i]);
        ny[i] = a->c[i].y + dy_of(dir[i]);
        if (nx[i] < 0 || ny[i] < 0 || nx[i] >= a->size || ny[i] >= a->size || a->grid[ny[i]][nx[i]])
            dies[i] = true;
    }
    /* head-on: every cycle entering a cell another also enters; marked
     * apart so that three cycles on one cell all fall */
    bool head_on[MAX_CYCLES] = {false};
    for (int i = 0; i < a->n; i++)
        for (int j = i + 1; j < a->n; j++)
            if (a->c[i].alive && a->c[j].alive && !dies[i] && !dies[j] && nx[i] == nx[j] &&
                ny[i] == ny[j])
                head_on[i] = head_on[j] = true;
    for (int i = 0; i < a->n; i++)
        dies[i] = dies[i] || head_on[i];
    for (int i = 0; i < a->n; i++) {
        if (!a->c[i].alive)
            continue;
        if (dies[i]) {
            a->c[i].alive = false;
            a->c[i].eliminated_at = failed_first[i] ? -1 : tick;
            continue;
        }
        a->c[i].x = nx[i];
        a->c[i].y = ny[i];
        a->c[i].head = dir[i];
        a->c[i].moves++;
        a->grid[ny[i]][nx[i]] = (unsigned char)(1 + i);
    }
    return push_frame(a);
}

static void rank_players(const arena_state *a, cf_outcome *out)
{
    for (int i = 0; i < a->n; i++) {
        int better = 0;
        for (int j = 0; j < a->n; j++) {
            if (j == i || a->c[i].alive)
                continue;
            if (a->c[j].alive || a->c[j].eliminated_at > a->c[i].eliminated_at)
                better++;
        }
        out->rank[i] = 1 + better;
        out->has_score[i] = true;
        out->score[i] = a->c[i].moves;
    }
}

static int run(cf_arena *arena, arena_state *a, int max_ticks, cf_rng *rng, cf_outcome *out)
{
    spawn(a, rng);
    for (int i = 0; i < a->n; i++)
        if (!cf_arena_alive(arena, i)) {
            char text[96];
            snprintf(text, sizeof text, "player %d %s before the first tick", i + 1,
                     cf_arena_death(arena, i));
            note(out, text);
            a->c[i].alive = false;
            a->c[i].eliminated_at = -1;
        }
    if (push_frame(a) != 0)
        return -1;
    int tick = 0;
    while (alive_count(a) > 1 && tick < max_ticks) {
        cf_arena_progress(arena, tick);
        if (step(arena, a, tick, out) != 0)
            return -1;
        tick++;
    }
    if (alive_count(a) > 1)
        note(out, "tick limit reached");
    bool none_started = true; /* every bot failed before the first tick */
    for (int i = 0; i < a->n; i++)
        none_started = none_started && !a->c[i].alive && a->c[i].eliminated_at < 0;
    if (none_started && tick == 1) {
        /* nothing moved: the replay is the set-up alone, as with Tanks */
        cJSON_DeleteItemFromArray(a->frames, 1);
        tick = 0;
    }
    out->ticks = tick;
    rank_players(a, out);
    out->summary = cJSON_CreateArray();
    if (out->summary == NULL)
        return -1;
    for (int i = 0; i < a->n; i++)
        if (!cJSON_AddItemToArray(out->summary, cJSON_CreateNumber(out->rank[i])))
            return -1;
    return 0;
}

static int lc_simulate(cf_arena *arena, const cJSON *settings, int nplayers, cf_rng *rng,
                       cf_outcome *out, char *err, size_t errlen)
{
    if (nplayers < 2 || nplayers > MAX_CYCLES) {
        snprintf(err, errlen, "light_cycles is for 2 to %d players, not %d", MAX_CYCLES, nplayers);
        return -1;
    }
    int size = (int)cf_game_setting(&cf_game_light_cycles, settings, "size");
    int max_ticks = (int)cf_game_setting(&cf_game_light_cycles, settings, "max_ticks");
    if (size < 8 || size > MAX_SIZE) { /* settings are validated: a bug if so */
        snprintf(err, errlen, "grid size %d out of range", size);
        return -1;
    }
    arena_state *a = calloc(1, sizeof *a);
    if (a == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    a->size = size;
    a->n = nplayers;
    a->frames = cJSON_CreateArray();
    out->explanation[0] = '\0';
    int rc = -1;
    if (a->frames != NULL && run(arena, a, max_ticks, rng, out) == 0) {
        out->data = cJSON_CreateObject();
        if (out->data != NULL && cJSON_AddNumberToObject(out->data, "size", a->size) &&
            cJSON_AddItemToObject(out->data, "frames", a->frames)) {
            a->frames = NULL; /* owned by out->data now */
            rc = 0;
        }
    }
    if (rc != 0) {
        snprintf(err, errlen, "out of memory");
        cJSON_Delete(out->data);
        cJSON_Delete(out->summary);
        out->data = out->summary = NULL;
    }
    cJSON_Delete(a->frames);
    free(a);
    return rc;
}

const cf_game cf_game_light_cycles = {
    .name = "light_cycles",
    .title = "Light cycles",
    .summary = "2 to 6 cycles leave walls behind them; the last one moving wins.",
    .docs = (const char *)cf_docs_light_cycles,
    .min_players = 2,
    .max_players = MAX_CYCLES,
    .conclusion = CF_CONCLUSION_RANK,
    .has_scores = true,
    .settings = lc_settings,
    .limits = lc_limits,
    .simulate = lc_simulate,
};
