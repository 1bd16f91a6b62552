/*
 * limits.c — cf-escape-limits: prints a game's limits as JSON.
 *
 * The escape suite bounds every hostile fight by the game's own limits (the
 * fight must end within them plus one second); reading them from the game
 * rather than copying numbers keeps the bound true when the game changes.
 *
 *   cf-escape-limits [GAME]      (default tanks, default settings, 2 players)
 */
#include <stdio.h>

#include <cjson/cJSON.h>

#include "game.h"

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "tanks";
    const cf_game *game = cf_game_find(name);
    if (game == NULL) {
        fprintf(stderr, "cf-escape-limits: no game %s\n", name);
        return 1;
    }
    char err[256];
    cJSON *settings = cf_game_settings(game, NULL, false, err, sizeof err);
    if (settings == NULL) {
        fprintf(stderr, "cf-escape-limits: %s\n", err);
        return 1;
    }
    cf_limits lim = {0};
    game->limits(settings, 2, &lim);
    cJSON_Delete(settings);
    printf("{\"first_call_wall_ms\": %u, \"call_wall_ms\": %u, \"cpu_ms\": %u, "
           "\"memory_kb\": %u}\n",
           lim.first_call_wall_ms, lim.call_wall_ms, lim.cpu_ms, lim.memory_kb);
    return 0;
}
