/*
 * fight_check.h — is a fight entry runnable by the registry's rules?
 *
 * One check, one wording, for every place that must know: cf-simulator's
 * parent before a worker sees the entry, and cf_fight_run itself (cf-fight
 * runs entries no parent checked). The entry's own form is fight_entry.c's
 * to check; this is what only the registry knows.
 */
#ifndef CF_FIGHT_CHECK_H
#define CF_FIGHT_CHECK_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "fight_entry.h"
#include "game.h"
#include "report.h"

/* The game exists, takes that many players, and accepts the settings. Returns
 * the complete settings (defaults filled in; caller frees) and *game, or
 * NULL with the reason ("unknown game ...", "game tanks takes 2 to 2
 * players, entry has 3", "bad settings: ..."). */
cJSON *cf_fight_check(const cf_fight_entry *e, const cf_game **game, char *err, size_t errlen);

/* A player's result, rank and score for the report, from the game's
 * outcome: rank games by their rank; victory-draw games rank each player
 * by how many did better (win, then draw, then loss) and give null for a
 * player without a result. */
void cf_outcome_player(const cf_game *game, const cf_outcome *out, int nplayers, int i,
                       cf_report_player *p);

#endif
