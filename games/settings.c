/*
 * settings.c — a game's settings object: defaults filled in, every value
 * checked against the game's declaration.
 *
 * Settings arrive from users (the web's form, a fight message typed by hand)
 * so nothing is trusted: the object must hold only declared keys, each once,
 * each an integer within [min, max], and from a user only the keys marked
 * `user`. The error names the key and the rule, for the web to show as is.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "game.h"

static const cf_setting *find_setting(const cf_game *game, const char *key)
{
    if (game->settings == NULL || key == NULL)
        return NULL;
    for (const cf_setting *s = game->settings; s->key != NULL; s++)
        if (strcmp(s->key, key) == 0)
            return s;
    return NULL;
}

/* Integral JSON number exactly representable as a double (|v| <= 2^53). */
static bool json_integer(const cJSON *item, int64_t *out)
{
    if (!cJSON_IsNumber(item))
        return false;
    double v = item->valuedouble;
    if (!isfinite(v) || v != floor(v) || fabs(v) > 9007199254740992.0)
        return false;
    *out = (int64_t)v;
    return true;
}

static int check_user_object(const cf_game *game, const cJSON *user, bool from_user, char *err,
                             size_t errlen)
{
    if (user == NULL || cJSON_IsNull(user))
        return 0;
    if (!cJSON_IsObject(user)) {
        snprintf(err, errlen, "settings of %s must be a JSON object", game->name);
        return -1;
    }
    for (const cJSON *item = user->child; item != NULL; item = item->next) {
        const char *key = item->string ? item->string : "";
        const cf_setting *s = find_setting(game, key);
        if (s == NULL) {
            snprintf(err, errlen, "unknown setting '%.64s' for game %s", key, game->name);
            return -1;
        }
        for (const cJSON *prev = user->child; prev != item; prev = prev->next)
            if (prev->string && strcmp(prev->string, key) == 0) {
                snprintf(err, errlen, "setting '%s' is given more than once", s->key);
                return -1;
            }
        if (from_user && !s->user) {
            snprintf(err, errlen, "setting '%s' cannot be changed by users", s->key);
            return -1;
        }
        int64_t v;
        if (!json_integer(item, &v)) {
            snprintf(err, errlen, "setting '%s' must be an integer", s->key);
            return -1;
        }
        if (v < s->min || v > s->max) {
            snprintf(err, errlen, "setting '%s' must be between %lld and %lld (got %lld)", s->key,
                     (long long)s->min, (long long)s->max, (long long)v);
            return -1;
        }
    }
    return 0;
}

cJSON *cf_game_settings(const cf_game *game, const cJSON *user, bool from_user, char *err,
                        size_t errlen)
{
    if (game == NULL) {
        snprintf(err, errlen, "no game");
        return NULL;
    }
    if (check_user_object(game, user, from_user, err, errlen) != 0)
        return NULL;

    cJSON *out = cJSON_CreateObject();
    if (out == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (const cf_setting *s = game->settings; s != NULL && s->key != NULL; s++) {
        int64_t v = s->def;
        const cJSON *given =
            cJSON_IsObject(user) ? cJSON_GetObjectItemCaseSensitive(user, s->key) : NULL;
        if (given != NULL && !json_integer(given, &v)) {
            /* unreachable: checked above; refuse rather than guess */
            snprintf(err, errlen, "setting '%s' must be an integer", s->key);
            cJSON_Delete(out);
            return NULL;
        }
        if (cJSON_AddNumberToObject(out, s->key, (double)v) == NULL) {
            snprintf(err, errlen, "out of memory");
            cJSON_Delete(out);
            return NULL;
        }
    }
    return out;
}

int64_t cf_game_setting(const cf_game *game, const cJSON *settings, const char *key)
{
    const cf_setting *s = find_setting(game, key);
    const cJSON *item =
        cJSON_IsObject(settings) ? cJSON_GetObjectItemCaseSensitive(settings, key) : NULL;
    int64_t v;
    if (item != NULL && json_integer(item, &v))
        return v;
    return s ? s->def : 0;
}
