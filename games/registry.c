/*
 * registry.c — the table of every game the platform knows.
 *
 * Adding a game: write games/<name>/<name>.c defining `const cf_game
 * cf_game_<name>`, declare it in games_list.h, add it to the table below and
 * to games/CMakeLists.txt. The table's names are checked by games.core (tests/test_core.c)
 * (the one name rule of common/bounds.h, unique, equal to the folder whose
 * docs.md is embedded under them), so a badly named game fails the build's
 * tests rather than reaching users; names asked for at run time are checked
 * here before any comparison.
 */
#include <stdlib.h>
#include <string.h>

#include "game.h"
#include "games_list.h"

static const cf_game *const table[] = {
    &cf_game_tanks,
    &cf_game_light_cycles,
};

#define NGAMES (sizeof table / sizeof table[0])

const cf_game *cf_game_at(size_t index)
{
    if (index >= NGAMES)
        return NULL;
    return table[index];
}

const cf_game *cf_game_find(const char *name)
{
    if (name == NULL || !cf_game_name_valid(name, strlen(name)))
        return NULL;
    for (size_t i = 0; i < NGAMES; i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
    return NULL;
}

const char *cf_game_explanation_text(const cf_game *game, const char *explanation)
{
    if (explanation == NULL)
        return "";
    if (game == NULL || game->explain == NULL)
        return explanation;
    const char *text = game->explain(explanation);
    return text ? text : explanation;
}
