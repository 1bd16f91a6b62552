/*
 * fight_check.c — a fight entry against the registry, and a game's outcome
 * as the report's per-player lines (fight_check.h).
 */
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "fight_check.h"
#include "report.h"

cJSON *cf_fight_check(const cf_fight_entry *e, const cf_game **game, char *err, size_t errlen)
{
    const cf_game *g = cf_game_find(e->game);
    if (g == NULL) {
        cf_seterr(err, errlen, "unknown game \"%s\"", e->game);
        return NULL;
    }
    if (e->nplayers < g->min_players || e->nplayers > g->max_players ||
        e->nplayers > CF_MAX_PLAYERS) {
        cf_seterr(err, errlen, "game %s takes %d to %d players, entry has %d", g->name,
                  g->min_players, g->max_players, e->nplayers);
        return NULL;
    }
    char why[256] = "";
    cJSON *settings = cf_game_settings(g, e->settings, false, why, sizeof why);
    if (settings == NULL) {
        cf_seterr(err, errlen, "bad settings: %s", why[0] ? why : "refused");
        return NULL;
    }
    *game = g;
    return settings;
}

static int result_order(enum cf_player_result r)
{
    return r == CF_RESULT_WIN ? 0 : r == CF_RESULT_DRAW ? 1 : r == CF_RESULT_LOSS ? 2 : 3;
}

void cf_outcome_player(const cf_game *game, const cf_outcome *out, int nplayers, int i,
                       cf_report_player *p)
{
    static const char *const words[] = {
        [CF_RESULT_WIN] = "win", [CF_RESULT_LOSS] = "loss", [CF_RESULT_DRAW] = "draw"};
    p->result = NULL;
    p->rank = 0;
    p->result_is_rank = false;
    if (game->conclusion == CF_CONCLUSION_RANK) {
        p->rank = out->rank[i];
        p->result_is_rank = true;
    } else if (out->result[i] != CF_RESULT_NONE) {
        int better = 0;
        for (int j = 0; j < nplayers; j++)
            if (result_order(out->result[j]) < result_order(out->result[i]))
                better++;
        p->result = words[out->result[i]];
        p->rank = 1 + better;
    }
    p->has_score = out->has_score[i];
    p->score = out->score[i];
}
