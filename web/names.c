/*
 * names.c — players' names as the fight stream carries them.
 *
 * common/bounds.h bounds a player's name (CF_PLAYER_NAME_MAX). A user's bot is
 * "username/bot", cut to fit (the name is only shown; the bot is found by
 * its version id). A house bot is "house/<template>" and outbox.c finds the
 * template's code by that name, so it must never be cut: a template whose
 * house name would not fit cannot be a house bot (web_house_name() says so).
 */
#include <string.h>

#include "web.h"

void web_player_name(char out[CF_PLAYER_NAME_MAX + 1], const char *user, const char *bot)
{
    /* One byte is kept for the '/': the user part is at most 63 bytes, the
     * bot part gets what is left (all sizes stay non-negative). */
    size_t u = strnlen(user, CF_PLAYER_NAME_MAX - 1);
    size_t b = strnlen(bot, CF_PLAYER_NAME_MAX - u - 1);

    memcpy(out, user, u);
    out[u] = '/';
    memcpy(out + u + 1, bot, b);
    out[u + 1 + b] = '\0';
}

bool web_house_name(char out[CF_PLAYER_NAME_MAX + 1], const char *template_name)
{
    size_t n = strlen(template_name);

    if (n == 0 || n > CF_PLAYER_NAME_MAX - strlen(WEB_HOUSE_PREFIX))
        return false;
    memcpy(out, WEB_HOUSE_PREFIX, strlen(WEB_HOUSE_PREFIX));
    memcpy(out + strlen(WEB_HOUSE_PREFIX), template_name, n + 1);
    return true;
}
