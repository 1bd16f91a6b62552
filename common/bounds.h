/*
 * bounds.h — the limits and the name rule every contract shares.
 *
 * A fight's players, a game's name and a player's name cross every layer:
 * the web's forms and tables, the cf:fights entry, the registry of games,
 * the report and the database's columns. One number and one rule each,
 * here, so that a value one layer accepts is never refused by the next.
 */
#ifndef CF_BOUNDS_H
#define CF_BOUNDS_H

#include <stdbool.h>
#include <stddef.h>

#define CF_MAX_PLAYERS 16     /* players of one fight */
#define CF_GAME_NAME_MAX 32   /* bytes of a game's name (games.name) */
#define CF_PLAYER_NAME_MAX 64 /* bytes of a player's name in a fight */
#define CF_UUID_LEN 36        /* a fight or play id: 8-4-4-4-12 hexadecimal */
/* Seeds are JSON numbers in reports: they must be exact doubles (2^53 - 1). */
#define CF_SEED_MAX 9007199254740991ULL

/* A game's name (built-in or arcade): 1..CF_GAME_NAME_MAX of [a-z0-9_], not
 * starting with '_'. s need not be NUL-terminated. */
bool cf_game_name_valid(const char *s, size_t len);

#endif
