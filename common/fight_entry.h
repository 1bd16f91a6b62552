/*
 * fight_entry.h — a cf:fights entry: a fight to run.
 *
 *   id        UUID
 *   game      a game's name (bounds.h)
 *   players   JSON array of {"name": text, "code": Python source}, 1 to
 *             CF_MAX_PLAYERS
 *   settings  optional JSON object (the game checks it)
 *   seed      optional decimal integer in 0..CF_SEED_MAX
 *
 * Written by cf-web (through its outbox), by cf-result-processor when it
 * re-queues a stuck fight, and by anyone with redis-cli; read by
 * cf-simulator, which hands the decoded entry to a worker encoded again by
 * the same function. Decoding never trusts its input: every field is checked
 * (presence, type, size, UTF-8) and a bad entry is refused with a reason
 * that names the field. Whether the game exists and takes that many players
 * with these settings is the registry's to say (cf_fight_check, games/).
 */
#ifndef CF_FIGHT_ENTRY_H
#define CF_FIGHT_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "bounds.h"
#include "stream_fields.h"

#define CF_DEFAULT_MAX_CODE_BYTES (1024 * 1024)
#define CF_SETTINGS_MAX_BYTES (64 * 1024)

typedef struct cf_fight_player {
    char name[CF_PLAYER_NAME_MAX + 1];
    char *code; /* NUL-terminated Python source, valid UTF-8 */
    size_t code_len;
} cf_fight_player;

typedef struct cf_fight_entry {
    char id[CF_UUID_LEN + 1];
    char game[CF_GAME_NAME_MAX + 1];
    int nplayers;
    cf_fight_player players[CF_MAX_PLAYERS];
    cJSON *settings; /* object, or NULL when absent */
    bool has_seed;
    uint64_t seed;
} cf_fight_entry;

/* Decodes the fields; max_code_bytes bounds each player's code. 0, or -1
 * with the reason in err. On success the caller frees with
 * cf_fight_entry_free. */
int cf_fight_entry_decode(const cf_field *fields, size_t nfields, size_t max_code_bytes,
                          cf_fight_entry *out, char *err, size_t errlen);
void cf_fight_entry_free(cf_fight_entry *e);

/* The entry's fields, as XADD takes them (settings and seed only when the
 * entry has them). 0, or -1 when memory ran out. */
int cf_fight_entry_encode(const cf_fight_entry *e, cf_fields_out *out);

/* The "players" field alone (malloc'd JSON, NULL when out of memory). */
char *cf_fight_entry_players_json(const cf_fight_entry *e);

#endif
