/*
 * bounds.c — the one game-name rule (bounds.h).
 *
 * Lowercase ASCII only: the name is a folder, a URL path segment, a
 * PostgreSQL key and a stream field, and must read the same in all of them.
 */
#include "bounds.h"

bool cf_game_name_valid(const char *s, size_t len)
{
    if (s == NULL || len == 0 || len > CF_GAME_NAME_MAX || s[0] == '_')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}
