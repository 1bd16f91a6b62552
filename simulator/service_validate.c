/*
 * service_validate.c — is a cf:fights entry a fight this simulator can run?
 *
 * The stream is open to anyone who can reach Redis (the web, redis-cli, a
 * bug), so nothing is assumed: cf_fight_msg_decode checks every field (UUID,
 * JSON, UTF-8, sizes), then the game's registry entry bounds the players and
 * validates the settings. A refused entry never reaches a worker.
 */
#include <stdio.h>
#include <string.h>

#include "game.h"
#include "service.h"

int svc_validate(const svc_entry *e, size_t max_code_bytes, cf_fight_msg *msg, char *reason,
                 size_t reasonlen)
{
    memset(msg, 0, sizeof *msg);
    if (e->nfields == 0) {
        snprintf(reason, reasonlen, "empty entry (no fields; trimmed while pending?)");
        return -1;
    }
    char err[256] = "";
    if (cf_fight_msg_decode(e->fields, e->nfields, max_code_bytes, msg, err, sizeof err) != 0) {
        snprintf(reason, reasonlen, "bad entry: %s", err[0] ? err : "undecodable");
        memset(msg, 0, sizeof *msg);
        return -1;
    }
    const cf_game *g = cf_game_find(msg->game);
    if (g == NULL) {
        snprintf(reason, reasonlen, "unknown game \"%s\"", msg->game);
        return -1;
    }
    if (msg->nplayers < g->min_players || msg->nplayers > g->max_players) {
        snprintf(reason, reasonlen, "game %s takes %d to %d players, entry has %d", g->name,
                 g->min_players, g->max_players, msg->nplayers);
        return -1;
    }
    cJSON *complete = cf_game_settings(g, msg->settings, false, err, sizeof err);
    if (complete == NULL) {
        snprintf(reason, reasonlen, "bad settings: %s", err[0] ? err : "refused");
        return -1;
    }
    cJSON_Delete(complete);
    return 0;
}
