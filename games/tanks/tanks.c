/*
 * tanks.c — Tanks, with the rules and bot API of the original Codefights.
 *
 * A tick, in the original's order:
 *   1. the missiles fired on the previous tick land: each hits every tank on
 *      its square, the shooter's own included, for 20 if the shooter moved
 *      that tick and 50 if it stood still; then every tank sharing a square
 *      with another takes 10 crash damage;
 *   2. a tank at health <= 0 ends the fight (both: draw);
 *   3. each bot's decide_tick(tick, my_state, enemy_state) is called, player 1
 *      then player 2, with the states as they are (last tick's flags still
 *      set); a bot gone during its call is eliminated;
 *   4. the per-tick flags are reset and the decisions applied in player order;
 *      a missile fired while moving lands on a random in-board square within
 *      radius 1 of its target.
 * The replay is the original's "flow": a frame after set-up and after each
 * tick, plus one closing frame when the fight ends early.
 *
 * Where the original had bugs this file does the sane thing (docs.md lists
 * them): one move and one fire per tick at most, off-board targets ignored,
 * a list holding a malformed element ignored whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "game.h"
#include "games_list.h"

#define BOARD 10
#define PLAYERS 2
#define MISSILE_1_DAMAGE 20 /* fired while moving: lands within radius 1 */
#define MISSILE_2_DAMAGE 50 /* fired standing still: lands on target */
#define CRASH_DAMAGE 10
#define MISSILE_RAND_RADIUS 1
#define START_HEALTH 100

typedef struct point {
    int x, y;
} point;

typedef struct missile {
    bool active;
    point target;
    bool randomized;
    point landing; /* where it lands when randomized */
} missile;

typedef struct tank {
    int x, y, health;
    char head;
    bool moved;
    missile targeted; /* what this tank fired this tick (the frame's "targeted") */
} tank;

typedef struct decision {
    bool move;
    char dir;
    bool fire;
    point target;
} decision;

/* What hit a tank this tick (for the explanation of a knockout). */
typedef struct hits {
    int missile[PLAYERS]; /* damage of each shooter's missile (its own too) */
    bool moved[PLAYERS];  /* that shooter moved when it fired: 20, else 50 */
    int crash;            /* crash damage */
} hits;

typedef struct fight {
    tank t[PLAYERS];
    missile in_flight[PLAYERS]; /* fired last tick, landing this tick */
    hits hit[PLAYERS];          /* this tick's, per tank */
    cJSON *frames;
    cf_rng *rng;
} fight;

static const cf_setting tanks_settings[] = {
    /* Fixed at the original's 100 for users; tests and operators may shorten it. */
    {"max_ticks", "Maximum number of ticks", 100, 1, 1000, false},
    {NULL, NULL, 0, 0, 0, false},
};

static void tanks_limits(const cJSON *settings, int nplayers, cf_limits *out)
{
    (void)settings;
    (void)nplayers;
    out->first_call_wall_ms = 2000; /* import + Main() + the first decide_tick */
    out->call_wall_ms = 200;
    /* A slow call now and then is not fatal (the original had no limit per
     * call, only the CPU budget): 1 s past the 200 ms, in all. */
    out->time_bank_ms = 1000;
    out->cpu_ms = 1000;     /* the original's 1 s for the whole fight */
    out->memory_kb = 68360; /* the original's 70,000,000 bytes */
}

/* ---- JSON in and out ---------------------------------------------------- */

static cJSON *point_json(point p)
{
    cJSON *a = cJSON_CreateArray();
    if (a == NULL)
        return NULL;
    if (!cJSON_AddItemToArray(a, cJSON_CreateNumber(p.x)) ||
        !cJSON_AddItemToArray(a, cJSON_CreateNumber(p.y))) {
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

/* null, or [target, randomized landing or null] as the original. */
static cJSON *targeted_json(const missile *m)
{
    if (!m->active)
        return cJSON_CreateNull();
    cJSON *a = cJSON_CreateArray();
    if (a == NULL)
        return NULL;
    if (!cJSON_AddItemToArray(a, point_json(m->target)) ||
        !cJSON_AddItemToArray(a, m->randomized ? point_json(m->landing) : cJSON_CreateNull())) {
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

static cJSON *state_json(const tank *t)
{
    char head[2] = {t->head, '\0'};
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    if (!cJSON_AddNumberToObject(o, "x", t->x) || !cJSON_AddNumberToObject(o, "y", t->y) ||
        !cJSON_AddNumberToObject(o, "health", t->health) ||
        !cJSON_AddStringToObject(o, "head", head) || !cJSON_AddBoolToObject(o, "moved", t->moved) ||
        !cJSON_AddItemToObject(o, "targeted", targeted_json(&t->targeted))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *tank_frame(const tank *t)
{
    char head[2] = {t->head, '\0'};
    cJSON *a = cJSON_CreateArray();
    if (a == NULL)
        return NULL;
    if (!cJSON_AddItemToArray(a, cJSON_CreateNumber(t->x)) ||
        !cJSON_AddItemToArray(a, cJSON_CreateNumber(t->y)) ||
        !cJSON_AddItemToArray(a, cJSON_CreateNumber(t->health)) ||
        !cJSON_AddItemToArray(a, cJSON_CreateString(head)) ||
        !cJSON_AddItemToArray(a, cJSON_CreateBool(t->moved)) ||
        !cJSON_AddItemToArray(a, targeted_json(&t->targeted))) {
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

static int push_frame(fight *f)
{
    cJSON *frame = cJSON_CreateArray();
    if (frame == NULL)
        return -1;
    for (int i = 0; i < PLAYERS; i++)
        if (!cJSON_AddItemToArray(frame, tank_frame(&f->t[i]))) {
            cJSON_Delete(frame);
            return -1;
        }
    if (!cJSON_AddItemToArray(f->frames, frame)) {
        cJSON_Delete(frame);
        return -1;
    }
    return 0;
}

static bool json_int(const cJSON *item, int *out)
{
    if (!cJSON_IsNumber(item))
        return false;
    double v = item->valuedouble;
    if (!(v >= -1e9 && v <= 1e9) || v != (double)(int)v)
        return false;
    *out = (int)v;
    return true;
}

static bool on_board(int x, int y)
{
    return x >= 0 && x < BOARD && y >= 0 && y < BOARD;
}

/* Why a decision was refused, for the bot's author (cf_arena_rejected). */
typedef struct refusal {
    char why[200];
} refusal;

/* v as JSON, cut to fit a reason. */
static void quote(const cJSON *v, char *out, size_t outlen)
{
    char *json = cJSON_PrintUnformatted(v);
    if (json == NULL) {
        snprintf(out, outlen, "?");
        return;
    }
    if (strlen(json) >= outlen && outlen > 4)
        memcpy(json + outlen - 4, "...", 4);
    snprintf(out, outlen, "%s", json);
    free(json);
}

static bool refuse(refusal *r, const cJSON *v, const char *what)
{
    char q[64];
    quote(v, q, sizeof q);
    snprintf(r->why, sizeof r->why, "%s %s", q, what);
    return false;
}

/* One ['M', dir] or ['F', [x, y]] into d; false (r says why) when
 * malformed. A fire off the board is ignored and said in r, the rest of
 * the decision stands. */
static bool parse_pair(const cJSON *pair, decision *d, refusal *r)
{
    if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2)
        return refuse(r, pair, "is not an action: ['M', 'U'|'R'|'D'|'L'] or ['F', [x, y]]");
    const cJSON *kind = cJSON_GetArrayItem(pair, 0);
    const cJSON *arg = cJSON_GetArrayItem(pair, 1);
    if (cJSON_IsString(kind) && strcmp(kind->valuestring, "M") == 0) {
        if (!cJSON_IsString(arg) || strlen(arg->valuestring) != 1 ||
            strchr("URDL", arg->valuestring[0]) == NULL)
            return refuse(r, pair, "is not a move: the direction is 'U', 'R', 'D' or 'L'");
        if (!d->move) { /* the first move of the tick counts */
            d->move = true;
            d->dir = arg->valuestring[0];
        }
        return true;
    }
    if (cJSON_IsString(kind) && strcmp(kind->valuestring, "F") == 0) {
        int x, y;
        if (!cJSON_IsArray(arg) || cJSON_GetArraySize(arg) != 2 ||
            !json_int(cJSON_GetArrayItem(arg, 0), &x) || !json_int(cJSON_GetArrayItem(arg, 1), &y))
            return refuse(r, pair, "is not a fire: the target is [x, y], two integers");
        /* well formed but off the board: this fire is ignored, not the list */
        if (!on_board(x, y))
            refuse(r, pair, "fires off the board (x and y are 0..9): that fire is ignored");
        else if (!d->fire) {
            d->fire = true;
            d->target = (point){x, y};
        }
        return true;
    }
    return refuse(r, pair, "is not an action: it starts with 'M' (move) or 'F' (fire)");
}

/* 'N', null, one pair or a list of pairs; anything malformed is 'N', and r
 * says why (r->why stays empty for a decision taken whole). */
static decision parse_decision(const cJSON *v, refusal *r)
{
    decision d = {0};
    r->why[0] = '\0';
    if (v == NULL || cJSON_IsNull(v) || (cJSON_IsString(v) && strcmp(v->valuestring, "N") == 0))
        return d;
    if (!cJSON_IsArray(v)) {
        refuse(r, v, "is not a decision: return 'N', an action or a list of actions");
        return d;
    }
    if (cJSON_GetArraySize(v) == 0)
        return d;
    if (!cJSON_IsArray(cJSON_GetArrayItem(v, 0))) {
        if (!parse_pair(v, &d, r))
            d = (decision){0};
        return d;
    }
    const cJSON *pair;
    cJSON_ArrayForEach (pair, v) {
        if (!parse_pair(pair, &d, r)) {
            static const char tail[] = "; the whole list is ignored";
            char why[sizeof r->why];
            /* the reason is cut, never the tail that says what happened */
            snprintf(why, sizeof why, "%.*s%s", (int)(sizeof why - sizeof tail), r->why, tail);
            snprintf(r->why, sizeof r->why, "%s", why);
            return (decision){0};
        }
    }
    return d;
}

/* ---- rules ---------------------------------------------------------------- */

static void apply_damages(fight *f)
{
    memset(f->hit, 0, sizeof f->hit);
    for (int p = 0; p < PLAYERS; p++) {
        missile *m = &f->in_flight[p];
        if (!m->active)
            continue;
        point at = m->randomized ? m->landing : m->target;
        int damage = f->t[p].moved ? MISSILE_1_DAMAGE : MISSILE_2_DAMAGE;
        for (int q = 0; q < PLAYERS; q++)
            if (f->t[q].x == at.x && f->t[q].y == at.y) {
                f->t[q].health -= damage;
                f->hit[q].missile[p] += damage;
                f->hit[q].moved[p] = f->t[p].moved;
            }
        m->active = false;
    }
    for (int p = 0; p < PLAYERS; p++)
        for (int q = 0; q < PLAYERS; q++)
            if (q != p && f->t[q].x == f->t[p].x && f->t[q].y == f->t[p].y) {
                f->t[p].health -= CRASH_DAMAGE;
                f->hit[p].crash += CRASH_DAMAGE;
                break;
            }
}

/* How tank p was destroyed this tick, in words: the enemy's missile first,
 * then its own, then the crash ("player 1's missile (50, fired standing)"). */
static void cause_of(const fight *f, int p, char *out, size_t outlen)
{
    const hits *h = &f->hit[p];
    size_t used = 0;
    out[0] = '\0';
    for (int k = 0; k < PLAYERS; k++) {
        int q = k == 0 ? 1 - p : p; /* the enemy, then itself */
        if (h->missile[q] == 0)
            continue;
        int n =
            snprintf(out + used, outlen - used, "%s%s missile (%d, fired %s)", used ? " and " : "",
                     q == p ? "its own" : (q == 0 ? "player 1's" : "player 2's"), h->missile[q],
                     h->moved[q] ? "while moving" : "standing");
        if (n < 0 || (size_t)n >= outlen - used)
            return;
        used += (size_t)n;
    }
    if (h->crash > 0)
        snprintf(out + used, outlen - used, "%sthe crash into player %d (%d)", used ? " and " : "",
                 2 - p, h->crash);
}

/* The knockout at tick: who destroyed whom and how (the original said
 * nothing). */
static void explain_knockout(const fight *f, int tick, cf_outcome *out)
{
    char cause[PLAYERS][96];
    bool dead[PLAYERS];
    for (int p = 0; p < PLAYERS; p++) {
        dead[p] = f->t[p].health <= 0;
        cause_of(f, p, cause[p], sizeof cause[p]);
    }
    if (dead[0] && dead[1])
        snprintf(out->explanation, sizeof out->explanation,
                 "both tanks destroyed at tick %d: player 1 by %.90s; player 2 by %.90s", tick,
                 cause[0], cause[1]);
    else
        snprintf(out->explanation, sizeof out->explanation,
                 "player %d destroyed at tick %d by %.95s", dead[0] ? 1 : 2, tick,
                 cause[dead[0] ? 0 : 1]);
}

/* A uniformly random in-board square within MISSILE_RAND_RADIUS of target. */
static point randomize(fight *f, point target)
{
    point choices[(2 * MISSILE_RAND_RADIUS + 1) * (2 * MISSILE_RAND_RADIUS + 1)];
    size_t n = 0;
    for (int dx = -MISSILE_RAND_RADIUS; dx <= MISSILE_RAND_RADIUS; dx++)
        for (int dy = -MISSILE_RAND_RADIUS; dy <= MISSILE_RAND_RADIUS; dy++)
            if (on_board(target.x + dx, target.y + dy))
                choices[n++] = (point){target.x + dx, target.y + dy};
    return choices[cf_rng_below(f->rng, n)]; /* n >= 4: target is on board */
}

static void apply_decision(fight *f, int p, const decision *d)
{
    tank *t = &f->t[p];
    if (d->move) {
        int x = t->x, y = t->y;
        switch (d->dir) {
        case 'U': y++; break;
        case 'R': x++; break;
        case 'D': y--; break;
        default: x--; break;
        }
        if (on_board(x, y)) { /* a move off the board is ignored */
            t->x = x;
            t->y = y;
            t->head = d->dir;
            t->moved = true;
        }
    }
    if (d->fire) {
        missile m = {.active = true, .target = d->target};
        if (t->moved) {
            m.randomized = true;
            m.landing = randomize(f, d->target);
        }
        f->in_flight[p] = m;
        t->targeted = m;
    }
}

static void reset_flags(fight *f)
{
    for (int p = 0; p < PLAYERS; p++) {
        f->t[p].moved = false;
        f->t[p].targeted = (missile){0};
    }
}

static int summarize(cf_outcome *out, bool lost0, bool lost1)
{
    if (lost0 && lost1) {
        out->result[0] = out->result[1] = CF_RESULT_DRAW;
        out->summary = cJSON_CreateString("D");
    } else {
        out->result[0] = lost0 ? CF_RESULT_LOSS : CF_RESULT_WIN;
        out->result[1] = lost0 ? CF_RESULT_WIN : CF_RESULT_LOSS;
        const char *r[2] = {lost0 ? "L" : "W", lost0 ? "W" : "L"};
        out->summary = cJSON_CreateStringArray(r, 2);
    }
    return out->summary ? 0 : -1;
}

/* Asks player p for its decision; returns false when the bot is gone. */
static bool ask(cf_arena *arena, fight *f, int p, int tick, decision *d)
{
    *d = (decision){0};
    cJSON *args = cJSON_CreateArray();
    if (args == NULL || !cJSON_AddItemToArray(args, cJSON_CreateNumber(tick)) ||
        !cJSON_AddItemToArray(args, state_json(&f->t[p])) ||
        !cJSON_AddItemToArray(args, state_json(&f->t[1 - p]))) {
        cJSON_Delete(args);
        return true; /* out of memory here: treat as 'N', not the bot's fault */
    }
    cJSON *result = NULL;
    enum cf_call_status st = cf_arena_call(arena, p, "decide_tick", args, &result);
    cJSON_Delete(args);
    if (st == CF_CALL_OK) {
        refusal r;
        *d = parse_decision(result, &r);
        if (r.why[0] != '\0')
            cf_arena_rejected(arena, p, r.why);
    }
    cJSON_Delete(result);
    /* raised or timed out: that call did nothing, the bot plays on */
    return st == CF_CALL_OK || st == CF_CALL_RAISED || st == CF_CALL_TIMEOUT;
}

static void explain_elimination(cf_arena *arena, cf_outcome *out, const bool gone[PLAYERS],
                                const char *when)
{
    size_t used = 0;
    out->explanation[0] = '\0';
    for (int p = 0; p < PLAYERS; p++) {
        if (!gone[p])
            continue;
        int n =
            snprintf(out->explanation + used, sizeof out->explanation - used, "%splayer %d %s %s",
                     used ? "; " : "", p + 1, cf_arena_death(arena, p), when);
        if (n < 0 || (size_t)n >= sizeof out->explanation - used)
            break;
        used += (size_t)n;
    }
}

static int run(cf_arena *arena, fight *f, int max_ticks, cf_outcome *out)
{
    f->t[0] = (tank){.x = 0, .y = 0, .health = START_HEALTH, .head = 'R'};
    f->t[1] = (tank){.x = BOARD - 1, .y = BOARD - 1, .health = START_HEALTH, .head = 'L'};
    if (push_frame(f) != 0)
        return -1;

    bool gone[PLAYERS] = {!cf_arena_alive(arena, 0), !cf_arena_alive(arena, 1)};
    if (gone[0] || gone[1]) {
        explain_elimination(arena, out, gone, "before the first tick");
        out->ticks = 0;
        return summarize(out, gone[0], gone[1]);
    }

    for (int tick = 0; tick < max_ticks; tick++) {
        apply_damages(f);
        bool dead0 = f->t[0].health <= 0, dead1 = f->t[1].health <= 0;
        if (dead0 || dead1) {
            explain_knockout(f, tick, out);
            reset_flags(f);
            out->ticks = tick + 1;
            if (push_frame(f) != 0)
                return -1;
            return summarize(out, dead0, dead1);
        }

        cf_arena_progress(arena, tick);
        decision d[PLAYERS];
        for (int p = 0; p < PLAYERS; p++)
            gone[p] = !ask(arena, f, p, tick, &d[p]);
        if ((gone[0] || gone[1]) && tick == 0) {
            /* The first call imports the bot and builds Main() (the
             * controller starts bots lazily): a bot gone then failed before
             * the first tick, and the replay holds only the set-up frame. */
            explain_elimination(arena, out, gone, "before the first tick");
            out->ticks = 0;
            return summarize(out, gone[0], gone[1]);
        }
        if (gone[0] || gone[1]) {
            /* Eliminated mid-fight: health 0 and a closing frame. Unlike the
             * original, the closing frame has its flags reset like every
             * other closing frame. */
            char when[32];
            snprintf(when, sizeof when, "at tick %d", tick);
            explain_elimination(arena, out, gone, when);
            for (int p = 0; p < PLAYERS; p++)
                if (gone[p])
                    f->t[p].health = 0;
            reset_flags(f);
            out->ticks = tick + 1;
            if (push_frame(f) != 0)
                return -1;
            return summarize(out, gone[0], gone[1]);
        }

        reset_flags(f);
        for (int p = 0; p < PLAYERS; p++)
            apply_decision(f, p, &d[p]);
        if (push_frame(f) != 0)
            return -1;
    }
    out->ticks = max_ticks;
    snprintf(out->explanation, sizeof out->explanation, "X");
    return summarize(out, true, true);
}

static int tanks_simulate(cf_arena *arena, const cJSON *settings, int nplayers, cf_rng *rng,
                          cf_outcome *out, char *err, size_t errlen)
{
    if (nplayers != PLAYERS) {
        snprintf(err, errlen, "tanks is for exactly 2 players, not %d", nplayers);
        return -1;
    }
    fight f = {.rng = rng, .frames = cJSON_CreateArray()};
    if (f.frames == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int max_ticks = (int)cf_game_setting(&cf_game_tanks, settings, "max_ticks");
    if (run(arena, &f, max_ticks, out) != 0) {
        cJSON_Delete(f.frames);
        cJSON_Delete(out->summary);
        out->summary = NULL;
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int p = 0; p < PLAYERS; p++)
        out->has_score[p] = false;
    out->data = f.frames;
    return 0;
}

/* The original's explanation codes, in words. */
static const char *tanks_explain(const char *explanation)
{
    return strcmp(explanation, "X") == 0 ? "Tick limit exceeded." : explanation;
}

const cf_game cf_game_tanks = {
    .name = "tanks",
    .title = "Tanks",
    .summary = "Two tanks on a 10x10 board: move, fire, outlast the other in 100 ticks.",
    .docs = (const char *)cf_docs_tanks,
    .min_players = 2,
    .max_players = 2,
    .conclusion = CF_CONCLUSION_VICTORY_DRAW,
    .has_scores = false,
    .settings = tanks_settings,
    .limits = tanks_limits,
    .simulate = tanks_simulate,
    .explain = tanks_explain,
};
