/*
 * test_entries.c — cf:fights and cf:results entries, good and hostile.
 * Every refusal must carry a reason naming the field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fight_entry.h"
#include "report.h"
#include "result_entry.h"

#define ID "6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
#define PLAYERS                                                                                    \
    "[{\"name\":\"a.py\",\"code\":\"class Main: pass\\n\"},{\"name\":\"b.py\",\"code\":\"\"}]"

/* Builds fields from NULL-terminated key/value string pairs. */
static size_t fields_of(cf_field *f, const char *const *kv)
{
    size_t n = 0;

    for (; kv[2 * n] != NULL; n++) {
        f[n].key = kv[2 * n];
        f[n].key_len = strlen(kv[2 * n]);
        f[n].val = kv[2 * n + 1];
        f[n].val_len = strlen(kv[2 * n + 1]);
    }
    return n;
}

static int decode(const char *const *kv, cf_fight_entry *msg, char *err, size_t errlen)
{
    cf_field f[16];
    size_t n = fields_of(f, kv);

    return cf_fight_entry_decode(f, n, CF_DEFAULT_MAX_CODE_BYTES, msg, err, errlen);
}

static void fight_refused(const char *const *kv, const char *needle)
{
    cf_fight_entry msg;
    char err[256] = "";

    if (decode(kv, &msg, err, sizeof err) == 0) {
        cf_fight_entry_free(&msg);
        fail_msg("accepted, expected '%s'", needle);
    }
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", err, needle);
}
#define FIGHT_REFUSED(needle, ...) fight_refused((const char *const[]){__VA_ARGS__, NULL}, needle)

static void fight_good(void **state)
{
    const char *kv[] = {"id",       "6A1F0C2E-3B4D-4E5F-8A9B-0C1D2E3F4A5B",
                        "game",     "tanks",
                        "players",  PLAYERS,
                        "settings", "{\"rounds\": 3}",
                        "seed",     "9007199254740991",
                        "extra",    "ignored",
                        NULL};
    cf_fight_entry msg;
    char err[256], *json;

    (void)state;
    if (decode(kv, &msg, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(msg.id, ID); /* lower-cased */
    assert_string_equal(msg.game, "tanks");
    assert_int_equal(msg.nplayers, 2);
    assert_string_equal(msg.players[0].name, "a.py");
    assert_string_equal(msg.players[0].code, "class Main: pass\n");
    assert_int_equal(msg.players[0].code_len, 17);
    assert_string_equal(msg.players[1].code, "");
    assert_true(msg.has_seed);
    assert_true(msg.seed == 9007199254740991ULL);
    assert_int_equal(cJSON_GetObjectItem(msg.settings, "rounds")->valueint, 3);

    /* Encoding round-trips through the decoder. */
    json = cf_fight_entry_players_json(&msg);
    assert_non_null(json);
    {
        const char *kv2[] = {"id", ID, "game", "tanks", "players", json, NULL};
        cf_fight_entry again;
        if (decode(kv2, &again, err, sizeof err) != 0)
            fail_msg("%s", err);
        assert_int_equal(again.nplayers, 2);
        assert_string_equal(again.players[1].name, "b.py");
        assert_false(again.has_seed);
        assert_null(again.settings);
        cf_fight_entry_free(&again);
    }
    free(json);
    cf_fight_entry_free(&msg);
}

static void fight_missing_and_duplicate_fields(void **state)
{
    (void)state;
    FIGHT_REFUSED("field 'id': missing", "game", "tanks", "players", PLAYERS);
    FIGHT_REFUSED("field 'game': missing", "id", ID, "players", PLAYERS);
    FIGHT_REFUSED("field 'players': missing", "id", ID, "game", "tanks");
    FIGHT_REFUSED("field 'id': given twice", "id", ID, "id", ID, "game", "tanks", "players",
                  PLAYERS);
    {
        cf_fight_entry msg;
        char err[128];
        assert_int_equal(cf_fight_entry_decode(NULL, 0, 100, &msg, err, sizeof err), -1);
        assert_non_null(strstr(err, "field 'id'"));
    }
}

static void fight_bad_id_and_game(void **state)
{
    (void)state;
    FIGHT_REFUSED("field 'id': not a UUID", "id", "42", "game", "tanks", "players", PLAYERS);
    FIGHT_REFUSED("field 'id': not a UUID", "id", "", "game", "tanks", "players", PLAYERS);
    FIGHT_REFUSED("field 'id': not a UUID", "id", "6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5z", "game",
                  "tanks", "players", PLAYERS);
    FIGHT_REFUSED("field 'game'", "id", ID, "game", "", "players", PLAYERS);
    FIGHT_REFUSED("field 'game'", "id", ID, "game", "Tanks", "players", PLAYERS);
    FIGHT_REFUSED("field 'game'", "id", ID, "game", "_x", "players", PLAYERS);
    FIGHT_REFUSED("field 'game'", "id", ID, "game", "../etc", "players", PLAYERS);
    FIGHT_REFUSED("field 'game'", "id", ID, "game", "abcdefghijabcdefghijabcdefghijabc", "players",
                  PLAYERS);
}

static void fight_bad_players(void **state)
{
    (void)state;
    FIGHT_REFUSED("field 'players': invalid JSON", "id", ID, "game", "t", "players",
                  "[{\"name\":\"a\",\"code\":\"x\"");
    FIGHT_REFUSED("field 'players': empty", "id", ID, "game", "t", "players", "");
    FIGHT_REFUSED("field 'players': not a JSON array", "id", ID, "game", "t", "players",
                  "{\"name\":\"a\",\"code\":\"x\"}");
    FIGHT_REFUSED("field 'players': no player", "id", ID, "game", "t", "players", "[]");
    FIGHT_REFUSED("player 0 is not an object", "id", ID, "game", "t", "players", "[1]");
    FIGHT_REFUSED("player 0: 'name' missing", "id", ID, "game", "t", "players",
                  "[{\"code\":\"x\"}]");
    FIGHT_REFUSED("player 0: 'name' missing or not a string", "id", ID, "game", "t", "players",
                  "[{\"name\":5,\"code\":\"x\"}]");
    FIGHT_REFUSED("player 0: 'name' must have", "id", ID, "game", "t", "players",
                  "[{\"name\":\"\",\"code\":\"x\"}]");
    FIGHT_REFUSED(
        "player 0: 'name' must have", "id", ID, "game", "t", "players",
        "[{\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
        "\"code\":\"x\"}]");
    FIGHT_REFUSED("player 0: 'name' is not UTF-8 text without controls", "id", ID, "game", "t",
                  "players", "[{\"name\":\"a\\nb\",\"code\":\"x\"}]");
    FIGHT_REFUSED("player 1: 'code' missing", "id", ID, "game", "t", "players",
                  "[{\"name\":\"a\",\"code\":\"x\"},{\"name\":\"b\"}]");
    FIGHT_REFUSED("player 0: 'code' missing or not a string", "id", ID, "game", "t", "players",
                  "[{\"name\":\"a\",\"code\":[\"x\"]}]");
    FIGHT_REFUSED("field 'players': not valid UTF-8", "id", ID, "game", "t", "players",
                  "[{\"name\":\"a\",\"code\":\"\xff\"}]");
    FIGHT_REFUSED("field 'players': \\u0000", "id", ID, "game", "t", "players",
                  "[{\"name\":\"a\",\"code\":\"x\\u0000import os\"}]");
    FIGHT_REFUSED("field 'players': invalid JSON", "id", ID, "game", "t", "players",
                  "[{\"name\":\"a\",\"code\":\"\\udc00\"}]");
}

static void fight_too_many_players(void **state)
{
    char buf[4096];
    size_t o = 0;

    (void)state;
    o += (size_t)snprintf(buf + o, sizeof buf - o, "[");
    for (int i = 0; i <= CF_MAX_PLAYERS; i++)
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s{\"name\":\"p%d\",\"code\":\"x\"}",
                              i ? "," : "", i);
    snprintf(buf + o, sizeof buf - o, "]");
    FIGHT_REFUSED("17 players, at most 16", "id", ID, "game", "t", "players", buf);
}

static void fight_oversize_code(void **state)
{
    const char *kv[] = {"id", ID, "game", "t", "players", NULL, NULL};
    size_t n = 2000;
    char *buf = malloc(n + 64);
    cf_fight_entry msg;
    cf_field f[3];
    char err[256];

    (void)state;
    assert_non_null(buf);
    strcpy(buf, "[{\"name\":\"a\",\"code\":\"");
    memset(buf + strlen(buf), 'x', n);
    strcpy(buf + 21 + n, "\"}]");
    kv[5] = buf;
    fields_of(f, kv);
    assert_int_equal(cf_fight_entry_decode(f, 3, 1000, &msg, err, sizeof err), -1);
    assert_non_null(strstr(err, "'code' has 2000 bytes, limit 1000"));
    /* The limit is the caller's: a tiny one refuses the same entry. */
    assert_int_equal(cf_fight_entry_decode(f, 3, 10, &msg, err, sizeof err), -1);
    assert_non_null(strstr(err, "field 'players'"));
    assert_int_equal(cf_fight_entry_decode(f, 3, 2000, &msg, err, sizeof err), 0);
    cf_fight_entry_free(&msg);
    /* A huge limit must not overflow the size bound computed from it. */
    assert_int_equal(cf_fight_entry_decode(f, 3, SIZE_MAX, &msg, err, sizeof err), 0);
    cf_fight_entry_free(&msg);
    free(buf);
}

static void fight_bad_settings_and_seed(void **state)
{
    (void)state;
    FIGHT_REFUSED("field 'settings': not a JSON object", "id", ID, "game", "t", "players", PLAYERS,
                  "settings", "[1]");
    FIGHT_REFUSED("field 'settings': invalid JSON", "id", ID, "game", "t", "players", PLAYERS,
                  "settings", "{\"a\":");
    FIGHT_REFUSED("field 'settings': empty", "id", ID, "game", "t", "players", PLAYERS, "settings",
                  "");
    FIGHT_REFUSED("field 'seed'", "id", ID, "game", "t", "players", PLAYERS, "seed", "-1");
    FIGHT_REFUSED("field 'seed'", "id", ID, "game", "t", "players", PLAYERS, "seed", "");
    FIGHT_REFUSED("field 'seed'", "id", ID, "game", "t", "players", PLAYERS, "seed", "1.5");
    FIGHT_REFUSED("field 'seed'", "id", ID, "game", "t", "players", PLAYERS, "seed",
                  "9007199254740992");
    FIGHT_REFUSED("field 'seed'", "id", ID, "game", "t", "players", PLAYERS, "seed",
                  "18446744073709551616");
    FIGHT_REFUSED("field 'seed'", "id", ID, "game", "t", "players", PLAYERS, "seed", " 7");
}

static void fight_nul_in_field(void **state)
{
    static const char players[] = "[{\"name\":\"a\",\"code\":\"x\0y\"}]";
    cf_field f[3] = {
        {"id", 2, ID, 36},
        {"game", 4, "tanks", 5},
        {"players", 7, players, sizeof players - 1},
    };
    cf_fight_entry msg;
    char err[256];

    (void)state;
    assert_int_equal(cf_fight_entry_decode(f, 3, 1000, &msg, err, sizeof err), -1);
    assert_non_null(strstr(err, "NUL"));
    /* NUL inside the game name */
    f[1].val = "tan\0ks";
    f[1].val_len = 6;
    f[2].val = PLAYERS;
    f[2].val_len = strlen(PLAYERS);
    assert_int_equal(cf_fight_entry_decode(f, 3, 1000, &msg, err, sizeof err), -1);
    assert_non_null(strstr(err, "field 'game'"));
}

/* --- cf:results ---------------------------------------------------------- */

#define REPORT(status, seed)                                                                       \
    "{\"fight_id\":\"" ID "\",\"game\":\"tanks\",\"seed\":" seed ",\"status\":\"" status           \
    "\",\"players\":[{\"name\":\"a.py\",\"result\":\"win\",\"rank\":1,\"score\":null,"             \
    "\"verdict\":\"ok\",\"detail\":\"\",\"cpu_ms\":12,\"peak_memory_kb\":9120,\"log\":\"\"}],"     \
    "\"result\":[\"W\"],\"explanation\":\"\",\"ticks\":3,\"data\":[],\"elapsed_ms\":14}"

static void result_refused(const char *const *kv, const char *needle)
{
    cf_result_entry msg;
    cf_field f[8];
    size_t n = fields_of(f, kv);
    char err[256] = "";

    if (cf_result_entry_decode(f, n, &msg, err, sizeof err) == 0) {
        cf_result_entry_free(&msg);
        fail_msg("accepted, expected '%s'", needle);
    }
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", err, needle);
}
#define RESULT_REFUSED(needle, ...) result_refused((const char *const[]){__VA_ARGS__, NULL}, needle)

static void result_good(void **state)
{
    const char *kv[] = {"id", ID, "status", "finished", "report", REPORT("finished", "7"), NULL};
    cf_result_entry msg;
    cf_field f[3];
    char err[256];

    (void)state;
    fields_of(f, kv);
    if (cf_result_entry_decode(f, 3, &msg, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(msg.id, ID);
    assert_string_equal(msg.status, "finished");
    assert_non_null(msg.report);
    cf_result_entry_free(&msg);
}

static void result_bad(void **state)
{
    (void)state;
    RESULT_REFUSED("field 'id': missing", "status", "finished", "report", REPORT("finished", "7"));
    RESULT_REFUSED("field 'id': not a UUID", "id", "x", "status", "finished", "report",
                   REPORT("finished", "7"));
    RESULT_REFUSED("field 'status': missing", "id", ID, "report", REPORT("finished", "7"));
    RESULT_REFUSED("field 'status': must be", "id", ID, "status", "done", "report",
                   REPORT("finished", "7"));
    RESULT_REFUSED("field 'report': missing", "id", ID, "status", "finished");
    RESULT_REFUSED("field 'report': invalid JSON", "id", ID, "status", "finished", "report",
                   "{\"fight_id\":");
    RESULT_REFUSED("field 'report': report: not a JSON object", "id", ID, "status", "finished",
                   "report", "[]");
    RESULT_REFUSED("status differs", "id", ID, "status", "failed", "report",
                   REPORT("finished", "7"));
    RESULT_REFUSED("fight_id differs", "id", "00000000-0000-4000-8000-000000000000", "status",
                   "finished", "report", REPORT("finished", "7"));
    RESULT_REFUSED("field 'report': seed", "id", ID, "status", "finished", "report",
                   REPORT("finished", "\"7\""));
    RESULT_REFUSED("field 'status': given twice", "id", ID, "status", "finished", "status",
                   "finished", "report", REPORT("finished", "7"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fight_good),
        cmocka_unit_test(fight_missing_and_duplicate_fields),
        cmocka_unit_test(fight_bad_id_and_game),
        cmocka_unit_test(fight_bad_players),
        cmocka_unit_test(fight_too_many_players),
        cmocka_unit_test(fight_oversize_code),
        cmocka_unit_test(fight_bad_settings_and_seed),
        cmocka_unit_test(fight_nul_in_field),
        cmocka_unit_test(result_good),
        cmocka_unit_test(result_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
