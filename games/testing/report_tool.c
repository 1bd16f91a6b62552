/*
 * report_tool.c — cf-game-report GAME [SEED [PLAYERS]]: simulates one fight
 * of GAME through the scripted arena with simple C bots and prints a
 * report JSON (common/report.h), so the replay viewers are tested on real
 * game output. Tanks: a random mover firing at the enemy against a bot that
 * fires standing still. Light cycles: greedy wall-avoiders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script_arena.h"

static enum cf_call_status tanks_bot(void *ud, int player, int call, const cJSON *args,
                                     cJSON **result)
{
    (void)call;
    cf_rng *rng = ud;
    const cJSON *enemy = cJSON_GetArrayItem(args, 2);
    int ex = cJSON_GetObjectItemCaseSensitive(enemy, "x")->valueint;
    int ey = cJSON_GetObjectItemCaseSensitive(enemy, "y")->valueint;
    char buf[96];
    /* player 1 moves and fires (inaccurate); player 2 wanders and stops to
     * shoot every third tick: a fight of a few dozen ticks */
    if (player == 0)
        snprintf(buf, sizeof buf, "[[\"M\",\"%c\"],[\"F\",[%d,%d]]]", "URDL"[cf_rng_below(rng, 4)],
                 ex, ey);
    else if (call % 3 != 2)
        snprintf(buf, sizeof buf, "[\"M\",\"%c\"]", "URDL"[cf_rng_below(rng, 4)]);
    else
        snprintf(buf, sizeof buf, "[\"F\",[%d,%d]]", ex, ey);
    *result = cJSON_Parse(buf);
    return CF_CALL_OK;
}

static bool free_cell(const cJSON *grid, int size, int x, int y)
{
    if (x < 0 || y < 0 || x >= size || y >= size)
        return false;
    return cJSON_GetArrayItem(grid, y)->valuestring[x] == '.';
}

/* Free cells reachable from (x, y), up to 80. */
static int room(const cJSON *grid, int size, int x, int y)
{
    static const int dx[4] = {0, 1, 0, -1}, dy[4] = {1, 0, -1, 0};
    enum { CAP = 80 };
    int qx[CAP + 4], qy[CAP + 4], n = 0, head = 0;
    static unsigned char seen[40][40];
    memset(seen, 0, sizeof seen);
    qx[n] = x, qy[n] = y, n++;
    seen[y][x] = 1;
    while (head < n && n < CAP) {
        int cx = qx[head], cy = qy[head];
        head++;
        for (int d = 0; d < 4 && n < CAP; d++) {
            int nx = cx + dx[d], ny = cy + dy[d];
            if (free_cell(grid, size, nx, ny) && !seen[ny][nx]) {
                seen[ny][nx] = 1;
                qx[n] = nx, qy[n] = ny, n++;
            }
        }
    }
    return n;
}

static enum cf_call_status cycles_bot(void *ud, int player, int call, const cJSON *args,
                                      cJSON **result)
{
    (void)ud, (void)player, (void)call;
    const cJSON *st = cJSON_GetArrayItem(args, 1);
    int size = cJSON_GetObjectItemCaseSensitive(st, "size")->valueint;
    int me = cJSON_GetObjectItemCaseSensitive(st, "me")->valueint;
    const cJSON *grid = cJSON_GetObjectItemCaseSensitive(st, "grid");
    const cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(st, "players"), me);
    int x = cJSON_GetObjectItemCaseSensitive(p, "x")->valueint;
    int y = cJSON_GetObjectItemCaseSensitive(p, "y")->valueint;
    char head = cJSON_GetObjectItemCaseSensitive(p, "head")->valuestring[0];
    const char *dirs = "URDL";
    int best = -1;
    char choice[2] = {head, '\0'};
    for (int d = 0; d < 4; d++) {
        int nx = x + (dirs[d] == 'R') - (dirs[d] == 'L');
        int ny = y + (dirs[d] == 'U') - (dirs[d] == 'D');
        if (!free_cell(grid, size, nx, ny))
            continue;
        int r = room(grid, size, nx, ny) + (dirs[d] == head);
        if (r > best)
            best = r, choice[0] = dirs[d];
    }
    *result = cJSON_CreateString(choice);
    return CF_CALL_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: cf-game-report GAME [SEED [PLAYERS]]\n");
        return 2;
    }
    const cf_game *g = cf_game_find(argv[1]);
    if (g == NULL) {
        fprintf(stderr, "cf-game-report: unknown game %s\n", argv[1]);
        return 2;
    }
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 7;
    int n = argc > 3 ? atoi(argv[3]) : (g->max_players < 4 ? g->max_players : 4);
    if (n < g->min_players || n > g->max_players) {
        fprintf(stderr, "cf-game-report: %s takes %d to %d players\n", g->name, g->min_players,
                g->max_players);
        return 2;
    }
    cf_rng bot_rng;
    cf_rng_seed(&bot_rng, seed ^ 0x5eed);
    sa_player players[CF_MAX_PLAYERS] = {{0}};
    for (int i = 0; i < n; i++) {
        players[i].policy = strcmp(g->name, "tanks") == 0 ? tanks_bot : cycles_bot;
        players[i].ud = &bot_rng;
    }
    cf_arena *arena = sa_new(n, players);
    if (arena == NULL)
        return 1;
    cf_outcome out;
    char err[256];
    const char *settings = strcmp(g->name, "light_cycles") == 0 ? "{\"size\":16}" : NULL;
    if (sa_simulate(g, arena, n, settings, seed, &out, err, sizeof err) != 0) {
        fprintf(stderr, "cf-game-report: %s\n", err);
        sa_free(arena);
        return 1;
    }
    cJSON *report = sa_report(g, &out, n, seed);
    char *text = report ? cJSON_PrintUnformatted(report) : NULL;
    int rc = text && puts(text) >= 0 ? 0 : 1;
    free(text);
    cJSON_Delete(report);
    sa_outcome_free(&out);
    sa_free(arena);
    return rc;
}
