/*
 * test_entries.c — cf:fights, cf:plays, cf:results and cf:progress
 * entries and a play's end object, good and hostile. Every refusal must
 * carry a reason naming the field.
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
#include "play_entry.h"
#include "progress_entry.h"
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

/* The per-tick output of a result entry: encoded with the report, decoded
 * back as it was; absent when there is none. */
static void result_output(void **state)
{
    cJSON *report = cJSON_Parse(REPORT("finished", "7"));
    cJSON *output = cJSON_Parse("{\"0\":[[0,\"imported\\n\"],[3,\"tick 3\\n\"]]}");
    cf_fields_out out;
    cf_field f[CF_FIELDS_OUT_MAX];
    cf_result_entry msg;
    char err[256] = "";

    (void)state;
    assert_int_equal(cf_result_entry_encode(report, output, &out), 0);
    for (int i = 0; i < out.n; i++)
        f[i] = (cf_field){out.key[i], strlen(out.key[i]), out.val[i], out.val_len[i]};
    if (cf_result_entry_decode(f, (size_t)out.n, &msg, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_non_null(msg.output);
    assert_true(cJSON_Compare(msg.output, output, true));
    assert_string_equal(msg.output_dropped, "");
    cf_result_entry_free(&msg);
    cf_fields_out_free(&out);

    assert_int_equal(cf_result_entry_encode(report, NULL, &out), 0);
    for (int i = 0; i < out.n; i++)
        assert_string_not_equal(out.key[i], "output");
    for (int i = 0; i < out.n; i++)
        f[i] = (cf_field){out.key[i], strlen(out.key[i]), out.val[i], out.val_len[i]};
    if (cf_result_entry_decode(f, (size_t)out.n, &msg, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_null(msg.output);
    assert_string_equal(msg.output_dropped, "");
    cf_result_entry_free(&msg);
    cf_fields_out_free(&out);
    cJSON_Delete(output);
    cJSON_Delete(report);
}

/* A bad output is dropped with its reason; the entry itself is kept. */
static void output_dropped(const char *output, const char *needle)
{
    const char *kv[] = {"id",     ID,     "status", "finished", "report", REPORT("finished", "7"),
                        "output", output, NULL};
    cf_field f[4];
    cf_result_entry msg;
    char err[256] = "";

    fields_of(f, kv);
    if (cf_result_entry_decode(f, 4, &msg, err, sizeof err) != 0)
        fail_msg("the entry was refused for its output '%.60s': %s", output, err);
    if (msg.output != NULL)
        fail_msg("output '%.60s' accepted, expected '%s'", output, needle);
    if (strstr(msg.output_dropped, "field 'output'") == NULL ||
        strstr(msg.output_dropped, needle) == NULL)
        fail_msg("reason '%s' lacks '%s'", msg.output_dropped, needle);
    cf_result_entry_free(&msg);
}

static void result_output_bad(void **state)
{
    (void)state;
    output_dropped("[", "invalid JSON");
    output_dropped("[]", "must be a JSON object");
    output_dropped("{\"1\":[[0,\"a\"]]}", "not a player's slot");
    output_dropped("{\"01\":[[0,\"a\"]]}", "not a player's slot");
    output_dropped("{\"-0\":[[0,\"a\"]]}", "not a player's slot");
    output_dropped("{\"x\":[[0,\"a\"]]}", "not a player's slot");
    output_dropped("{\"0\":[[0,\"a\"]],\"0\":[[1,\"b\"]]}", "given twice");
    output_dropped("{\"0\":[]}", "non-empty array");
    output_dropped("{\"0\":\"hi\"}", "non-empty array");
    output_dropped("{\"0\":[[0]]}", "[tick, \"text\"]");
    output_dropped("{\"0\":[[0,\"a\",1]]}", "[tick, \"text\"]");
    output_dropped("{\"0\":[[-1,\"a\"]]}", "[tick, \"text\"]");
    output_dropped("{\"0\":[[1.5,\"a\"]]}", "[tick, \"text\"]");
    output_dropped("{\"0\":[[\"1\",\"a\"]]}", "[tick, \"text\"]");
    output_dropped("{\"0\":[[3,\"a\"],[3,\"b\"]]}", "strictly increasing");
    output_dropped("{\"0\":[[3,\"a\"],[2,\"b\"]]}", "strictly increasing");
    output_dropped("{\"0\":[[0,\"\"]]}", "1 to 1024 bytes");
    output_dropped("{\"0\":[[0,7]]}", "1 to 1024 bytes");
    output_dropped("{\"0\":[[0,\"a\\u0000b\"]]}", "\\u0000");
    output_dropped("{\"0\":[[0,\"\xff\"]]}", "UTF-8");

    /* The caps: 1024 bytes at a tick, 64 KiB in a fight. */
    char *big = malloc(80 * 1024 + 64);
    assert_non_null(big);
    char text[CF_OUTPUT_TICK_MAX + 2];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    snprintf(big, 80 * 1024, "{\"0\":[[0,\"%s\"]]}", text);
    output_dropped(big, "1 to 1024 bytes");
    text[CF_OUTPUT_TICK_MAX] = '\0'; /* 1024 bytes: kept */
    size_t n = (size_t)snprintf(big, 80 * 1024, "{\"0\":[");
    for (int tick = 0; tick < CF_OUTPUT_FIGHT_MAX / CF_OUTPUT_TICK_MAX; tick++)
        n += (size_t)snprintf(big + n, 80 * 1024 - n, "%s[%d,\"%s\"]", tick ? "," : "", tick, text);
    snprintf(big + n, 80 * 1024 - n, "]}");
    const char *kv[] = {"id",     ID,  "status", "finished", "report", REPORT("finished", "7"),
                        "output", big, NULL};
    cf_field f[4];
    cf_result_entry msg;
    char err[256] = "";
    fields_of(f, kv);
    if (cf_result_entry_decode(f, 4, &msg, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_non_null(msg.output); /* exactly 64 KiB: kept */
    cf_result_entry_free(&msg);
    snprintf(big + n, 80 * 1024 - n, ",[999,\"y\"]]}");
    output_dropped(big, "over 65536 bytes");
    free(big);
}

/* --- cf:plays -------------------------------------------------------------- */

static int decode_play(const char *const *kv, size_t max_code, size_t max_bundle, cf_play_entry *e,
                       char *err, size_t errlen)
{
    cf_field f[16];
    size_t n = fields_of(f, kv);

    return cf_play_entry_decode(f, n, max_code, max_bundle, e, err, errlen);
}

static void play_refused(const char *const *kv, const char *needle)
{
    cf_play_entry e;
    char err[256] = "";

    if (decode_play(kv, 1000, 30, &e, err, sizeof err) == 0) {
        cf_play_entry_free(&e);
        fail_msg("accepted, expected '%s'", needle);
    }
    cf_play_entry_free(&e); /* safe after a refusal too */
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", err, needle);
}
#define PLAY_REFUSED(needle, ...) play_refused((const char *const[]){__VA_ARGS__, NULL}, needle)

/* Decoded, encoded, decoded again: the same play. */
static void play_round_trip(void **state)
{
    const char *kv[] = {"id",      ID,       "title",
                        "Flappy",  "bundle", "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==",
                        "seconds", "90",     NULL};
    cf_play_entry e, again;
    char err[256] = "";

    (void)state;
    if (decode_play(kv, 1000, 30, &e, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(e.id, ID);
    assert_string_equal(e.title, "Flappy");
    assert_null(e.code);
    assert_string_equal(e.bundle, "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==");
    assert_int_equal(e.seconds, 90);
    cf_fields_out out;
    assert_int_equal(cf_play_entry_encode(&e, &out), 0);
    cf_field f[CF_FIELDS_OUT_MAX];
    for (int i = 0; i < out.n; i++)
        f[i] = (cf_field){out.key[i], strlen(out.key[i]), out.val[i], out.val_len[i]};
    if (cf_play_entry_decode(f, (size_t)out.n, 1000, 30, &again, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(again.id, e.id);
    assert_string_equal(again.bundle, e.bundle);
    assert_int_equal(again.seconds, 90);
    cf_play_entry_free(&again);
    cf_fields_out_free(&out);
    cf_play_entry_free(&e);

    const char *one_file[] = {"id", ID, "title", "t", "code", "print('hi')\n", NULL};
    if (decode_play(one_file, 1000, 30, &e, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(e.code, "print('hi')\n");
    assert_int_equal(e.seconds, 0);
    cf_play_entry_free(&e);
}

static void play_bad(void **state)
{
    (void)state;
    PLAY_REFUSED("field 'id': missing", "title", "t", "code", "x");
    PLAY_REFUSED("field 'id': not a UUID", "id", "nope", "title", "t", "code", "x");
    PLAY_REFUSED("field 'title': missing", "id", ID, "code", "x");
    PLAY_REFUSED("exactly one is required", "id", ID, "title", "t");
    PLAY_REFUSED("exactly one is required", "id", ID, "title", "t", "code", "x", "bundle", "AAAA");
    PLAY_REFUSED("field 'code': not UTF-8", "id", ID, "title", "t", "code", "bad \xff byte");
    PLAY_REFUSED("field 'bundle': not base64", "id", ID, "title", "t", "bundle", "not base64!");
    PLAY_REFUSED("field 'bundle': not base64", "id", ID, "title", "t", "bundle", "");
    PLAY_REFUSED("field 'seconds'", "id", ID, "title", "t", "code", "x", "seconds", "0");
    PLAY_REFUSED("field 'seconds'", "id", ID, "title", "t", "code", "x", "seconds", "86401");
    PLAY_REFUSED("field 'seconds'", "id", ID, "title", "t", "code", "x", "seconds", "-1");
    PLAY_REFUSED("field 'code': given twice", "id", ID, "title", "t", "code", "x", "code", "y");
}

/* The limits: max_code bytes of code and max_bundle decoded bytes pass,
 * one more does not. */
static void play_limits(void **state)
{
    (void)state;
    char code[1002];
    memset(code, 'x', 1001);
    code[1001] = '\0';
    PLAY_REFUSED("field 'code': not UTF-8 text of at most 1000 bytes", "id", ID, "title", "t",
                 "code", code);
    code[1000] = '\0';
    cf_play_entry e;
    char err[256] = "";
    const char *at_limit[] = {"id", ID, "title", "t", "code", code, NULL};
    if (decode_play(at_limit, 1000, 30, &e, err, sizeof err) != 0)
        fail_msg("%s", err);
    cf_play_entry_free(&e);
    /* 30 bytes decoded: 40 base64 characters; 48 is over. */
    PLAY_REFUSED("field 'bundle': not base64 of at most 30 bytes", "id", ID, "title", "t", "bundle",
                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
}

/* --- a play's end ---------------------------------------------------------- */

static void expect_end_refused(cJSON *end, const char *needle)
{
    char err[256] = "";

    if (cf_play_end_validate(end, err, sizeof err) == 0)
        fail_msg("accepted, expected '%s'", needle);
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", err, needle);
    cJSON_Delete(end);
}

static cJSON *good_end(void)
{
    double score = 12.5;
    cJSON *end = cf_play_end_new("finished", "ok", "", &score, 40, 9000, "hi\n", 1234);
    assert_non_null(end);
    return end;
}

static cJSON *end_with(const char *key, cJSON *v)
{
    cJSON *end = good_end();
    assert_non_null(v);
    cJSON_ReplaceItemInObjectCaseSensitive(end, key, v);
    return end;
}

static void play_end(void **state)
{
    char err[256] = "";

    (void)state;
    cJSON *end = good_end();
    if (cf_play_end_validate(end, err, sizeof err) != 0)
        fail_msg("%s", err);
    cJSON_Delete(end);
    end = cf_play_end_new("stopped", "timeout", "stopped on request", NULL, 0, 0, "", 0);
    if (cf_play_end_validate(end, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(end, "score")));
    cJSON_Delete(end);

    expect_end_refused(cJSON_CreateArray(), "not a JSON object");
    expect_end_refused(end_with("type", cJSON_CreateString("sprite")), "type");
    expect_end_refused(end_with("status", cJSON_CreateString("cancelled")), "status");
    expect_end_refused(end_with("verdict", cJSON_CreateString("segfault")), "verdict");
    expect_end_refused(end_with("score", cJSON_CreateString("12")), "score");
    expect_end_refused(end_with("cpu_ms", cJSON_CreateNumber(-1)), "cpu_ms");
    expect_end_refused(end_with("elapsed_ms", cJSON_CreateNumber(1.5)), "elapsed_ms");
    expect_end_refused(end_with("log", cJSON_CreateNumber(1)), "log");
    end = good_end();
    cJSON_AddStringToObject(end, "extra", "x");
    expect_end_refused(end, "unknown key 'extra'");
    end = good_end();
    cJSON_DeleteItemFromObjectCaseSensitive(end, "detail");
    expect_end_refused(end, "8 keys");
}

/* A play's end on cf:results (kind play) and back. */
static void play_result(void **state)
{
    cJSON *end = good_end();
    cf_fields_out out;
    char err[256] = "";

    (void)state;
    assert_int_equal(cf_result_entry_encode_play(ID, NULL, end, &out), 0);
    cf_field f[CF_FIELDS_OUT_MAX];
    for (int i = 0; i < out.n; i++)
        f[i] = (cf_field){out.key[i], strlen(out.key[i]), out.val[i], out.val_len[i]};
    cf_result_entry msg;
    if (cf_result_entry_decode(f, (size_t)out.n, &msg, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(msg.kind, CF_RESULT_PLAY);
    assert_string_equal(msg.id, ID);
    assert_string_equal(msg.status, "finished");
    assert_string_equal(msg.entry, "");
    cf_result_entry_free(&msg);
    cf_fields_out_free(&out);
    char *json = cJSON_PrintUnformatted(end);
    RESULT_REFUSED("field 'status'", "kind", "play", "id", ID, "status", "cancelled", "report",
                   json);
    RESULT_REFUSED("field 'kind'", "kind", "game", "id", ID, "status", "finished", "report", json);
    RESULT_REFUSED("status differs", "kind", "play", "id", ID, "status", "stopped", "report", json);
    /* A play has no per-tick output: one given is dropped. */
    const char *with_output[] = {"kind",     "play",   "id", ID,       "status",
                                 "finished", "report", json, "output", "{\"0\":[[0,\"a\"]]}",
                                 NULL};
    size_t nf = fields_of(f, with_output);
    if (cf_result_entry_decode(f, nf, &msg, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_null(msg.output);
    assert_non_null(strstr(msg.output_dropped, "a play has no output"));
    cf_result_entry_free(&msg);
    /* The entry it came from: a stream entry id, or nothing. */
    const char *bad_entries[] = {"",      "abc",  "17-",   "-3",
                                 "1-2-3", "1 -2", "12a-3", "123456789012345678901-0"};
    for (size_t i = 0; i < sizeof bad_entries / sizeof bad_entries[0]; i++)
        RESULT_REFUSED("field 'entry'", "kind", "play", "id", ID, "status", "finished", "report",
                       json, "entry", bad_entries[i]);
    free(json);
    assert_int_equal(cf_result_entry_encode_play(ID, "1765000000000-17", end, &out), 0);
    for (int i = 0; i < out.n; i++)
        f[i] = (cf_field){out.key[i], strlen(out.key[i]), out.val[i], out.val_len[i]};
    if (cf_result_entry_decode(f, (size_t)out.n, &msg, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(msg.entry, "1765000000000-17");
    cf_result_entry_free(&msg);
    cf_fields_out_free(&out);
    cJSON_Delete(end);
}

/* --- cf:progress ----------------------------------------------------------- */

static void progress_entries(void **state)
{
    cf_progress_entry p = {.play = true, .state = CF_PROGRESS_STARTED}, back;
    cf_fields_out out;
    char err[256] = "";

    (void)state;
    snprintf(p.id, sizeof p.id, "%s", ID);
    snprintf(p.entry, sizeof p.entry, "1765000000000-0");
    assert_int_equal(cf_progress_entry_encode(&p, &out), 0);
    cf_field f[CF_FIELDS_OUT_MAX];
    for (int i = 0; i < out.n; i++)
        f[i] = (cf_field){out.key[i], strlen(out.key[i]), out.val[i], out.val_len[i]};
    if (cf_progress_entry_decode(f, (size_t)out.n, &back, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_true(back.play);
    assert_int_equal(back.state, CF_PROGRESS_STARTED);
    assert_string_equal(back.entry, "1765000000000-0");
    cf_fields_out_free(&out);

    const char *fight[] = {"id", ID,       "state",     "finished", "tick",
                           "41", "status", "cancelled", NULL};
    size_t n = fields_of(f, fight);
    if (cf_progress_entry_decode(f, n, &back, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_false(back.play);
    assert_int_equal(back.tick, 41);
    assert_string_equal(back.status, "cancelled");
    assert_string_equal(back.entry, "");

    static const char *const bad[][10] = {
        {"state", "started", NULL},
        {"id", ID, "state", "begun", NULL},
        {"id", ID, "kind", "match", "state", "started", NULL},
        {"id", ID, "state", "tick", "tick", "-4", NULL},
        {"id", ID, "state", "finished", "status", "won", NULL},
        {"id", ID, "state", "started", "entry", "1-2-3", NULL},
    };
    static const char *const why[] = {"'id'", "'state'", "'kind'", "'tick'", "'status'", "'entry'"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        n = fields_of(f, bad[i]);
        err[0] = '\0';
        if (cf_progress_entry_decode(f, n, &back, err, sizeof err) == 0)
            fail_msg("bad progress entry %zu accepted", i);
        if (strstr(err, why[i]) == NULL)
            fail_msg("error '%s' lacks %s", err, why[i]);
    }
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
        cmocka_unit_test(result_output),
        cmocka_unit_test(result_output_bad),
        cmocka_unit_test(play_round_trip),
        cmocka_unit_test(play_bad),
        cmocka_unit_test(play_limits),
        cmocka_unit_test(play_end),
        cmocka_unit_test(play_result),
        cmocka_unit_test(progress_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
