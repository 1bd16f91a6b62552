/*
 * test_report.c — cf_report_validate against the report contract (common/report.h):
 * one valid report, then one mutation at a time, each refused with a
 * reason that names the key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"

static const char good_json[] =
    "{\"fight_id\":\"6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b\",\"game\":\"tanks\",\"seed\":7,"
    "\"status\":\"finished\",\"players\":["
    "{\"name\":\"a.py\",\"result\":\"win\",\"rank\":1,\"score\":null,\"verdict\":\"ok\","
    "\"detail\":\"\",\"cpu_ms\":12,\"peak_memory_kb\":9120,\"log\":\"last lines\"},"
    "{\"name\":\"b.py\",\"result\":\"loss\",\"rank\":2,\"score\":-1.5,\"verdict\":\"crashed\","
    "\"detail\":\"NameError\",\"cpu_ms\":0,\"peak_memory_kb\":0,\"log\":\"\"}],"
    "\"result\":[\"W\",\"L\"],\"explanation\":\"\",\"ticks\":3,\"data\":[],\"elapsed_ms\":14}";

static cJSON *good(void)
{
    cJSON *r = cJSON_Parse(good_json);

    assert_non_null(r);
    return r;
}

static cJSON *player(cJSON *r, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(r, "players"), i);
}

static void expect_refused(cJSON *r, const char *needle)
{
    char err[256] = "";

    if (cf_report_validate(r, err, sizeof err) == 0)
        fail_msg("accepted, expected '%s'", needle);
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", err, needle);
    cJSON_Delete(r);
}

static void set(cJSON *obj, const char *key, cJSON *v)
{
    assert_non_null(v);
    if (cJSON_GetObjectItem(obj, key) != NULL)
        cJSON_ReplaceItemInObject(obj, key, v);
    else
        cJSON_AddItemToObject(obj, key, v);
}

static void accepts_the_contract(void **state)
{
    char err[256];
    cJSON *r = good();

    (void)state;
    if (cf_report_validate(r, err, sizeof err) != 0)
        fail_msg("%s", err);
    cJSON_Delete(r);

    /* A rank game: result is the rank. */
    r = good();
    set(player(r, 0), "result", cJSON_CreateNumber(1));
    set(r, "result", cJSON_CreateString("D"));
    assert_int_equal(cf_report_validate(r, err, sizeof err), 0);
    cJSON_Delete(r);

    /* A failed fight: no players, null seed. */
    r = good();
    set(r, "status", cJSON_CreateString("failed"));
    set(r, "seed", cJSON_CreateNull());
    set(r, "players", cJSON_CreateArray());
    set(r, "explanation", cJSON_CreateString("unknown game"));
    if (cf_report_validate(r, err, sizeof err) != 0)
        fail_msg("%s", err);
    cJSON_Delete(r);
}

static void refuses_missing_and_unknown_keys(void **state)
{
    static const char *const top[] = {"fight_id", "game", "seed", "status", "players",
                                      "result", "explanation", "ticks", "data", "elapsed_ms"};
    static const char *const pk[] = {"name", "result", "rank", "score", "verdict",
                                     "detail", "cpu_ms", "peak_memory_kb", "log"};
    cJSON *r;

    (void)state;
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
        char needle[64];
        r = good();
        cJSON_DeleteItemFromObject(r, top[i]);
        snprintf(needle, sizeof needle, "missing key '%s'", top[i]);
        expect_refused(r, needle);
    }
    for (size_t i = 0; i < sizeof pk / sizeof pk[0]; i++) {
        char needle[64];
        r = good();
        cJSON_DeleteItemFromObject(player(r, 1), pk[i]);
        snprintf(needle, sizeof needle, "players[1]: missing key '%s'", pk[i]);
        expect_refused(r, needle);
    }
    r = good();
    set(r, "surprise", cJSON_CreateTrue());
    expect_refused(r, "unknown key 'surprise'");
    r = good();
    set(player(r, 0), "pid", cJSON_CreateNumber(4));
    expect_refused(r, "players[0]: unknown key 'pid'");
    /* cJSON keeps duplicate keys: they must not slip through. */
    r = good();
    cJSON_AddItemToObject(r, "ticks", cJSON_CreateNumber(4));
    expect_refused(r, "key 'ticks' given twice");
    expect_refused(cJSON_CreateArray(), "not a JSON object");
    {
        char err[64];
        assert_int_equal(cf_report_validate(NULL, err, sizeof err), -1);
    }
}

static void refuses_wrong_types(void **state)
{
    cJSON *r;

    (void)state;
    r = good(); set(r, "fight_id", cJSON_CreateString("nope")); expect_refused(r, "fight_id");
    r = good(); set(r, "fight_id", cJSON_CreateNumber(1)); expect_refused(r, "fight_id");
    r = good(); set(r, "game", cJSON_CreateString("Tanks!")); expect_refused(r, "game");
    r = good(); set(r, "seed", cJSON_CreateString("7")); expect_refused(r, "seed");
    r = good(); set(r, "seed", cJSON_CreateNumber(-1)); expect_refused(r, "seed");
    r = good(); set(r, "seed", cJSON_CreateNumber(0.5)); expect_refused(r, "seed");
    r = good(); set(r, "seed", cJSON_CreateNumber(1e300)); expect_refused(r, "seed");
    r = good(); set(r, "seed", cJSON_CreateNull()); expect_refused(r, "seed");
    r = good(); set(r, "status", cJSON_CreateString("done")); expect_refused(r, "status");
    r = good(); set(r, "players", cJSON_CreateObject()); expect_refused(r, "players: not an array");
    r = good(); set(r, "players", cJSON_CreateArray()); expect_refused(r, "at least one player");
    r = good(); set(r, "explanation", cJSON_CreateNumber(1)); expect_refused(r, "explanation");
    r = good(); set(r, "ticks", cJSON_CreateNumber(-3)); expect_refused(r, "ticks");
    r = good(); set(r, "ticks", cJSON_CreateString("3")); expect_refused(r, "ticks");
    r = good(); set(r, "elapsed_ms", cJSON_CreateNull()); expect_refused(r, "elapsed_ms");
    r = good(); set(r, "elapsed_ms", cJSON_CreateNumber(1e17)); expect_refused(r, "elapsed_ms");
}

static void refuses_bad_players(void **state)
{
    cJSON *r;

    (void)state;
    r = good(); cJSON_AddItemToArray(cJSON_GetObjectItem(r, "players"), cJSON_CreateString("x"));
    expect_refused(r, "players[2]: not an object");
    r = good(); set(player(r, 0), "name", cJSON_CreateString("")); expect_refused(r, "players[0]: name");
    r = good(); set(player(r, 0), "name", cJSON_CreateNumber(1)); expect_refused(r, "players[0]: name");
    r = good(); set(player(r, 0), "result", cJSON_CreateString("won")); expect_refused(r, "players[0]: result");
    r = good(); set(player(r, 0), "result", cJSON_CreateNumber(0)); expect_refused(r, "players[0]: result");
    r = good(); set(player(r, 0), "result", cJSON_CreateNumber(1.5)); expect_refused(r, "players[0]: result");
    r = good(); set(player(r, 0), "result", cJSON_CreateTrue()); expect_refused(r, "players[0]: result");
    r = good(); set(player(r, 0), "rank", cJSON_CreateNumber(0)); expect_refused(r, "players[0]: rank");
    r = good(); set(player(r, 0), "rank", cJSON_CreateNumber(17)); expect_refused(r, "players[0]: rank");
    r = good(); set(player(r, 0), "rank", cJSON_CreateString("1")); expect_refused(r, "players[0]: rank");
    r = good(); set(player(r, 0), "score", cJSON_CreateString("1")); expect_refused(r, "players[0]: score");
    r = good(); set(player(r, 1), "verdict", cJSON_CreateString("segfault")); expect_refused(r, "players[1]: verdict");
    r = good(); set(player(r, 1), "verdict", cJSON_CreateNull()); expect_refused(r, "players[1]: verdict");
    r = good(); set(player(r, 1), "detail", cJSON_CreateNull()); expect_refused(r, "players[1]: detail");
    r = good(); set(player(r, 1), "cpu_ms", cJSON_CreateNumber(-1)); expect_refused(r, "players[1]: cpu_ms");
    r = good(); set(player(r, 1), "peak_memory_kb", cJSON_CreateNumber(2.5)); expect_refused(r, "players[1]: peak_memory_kb");
    r = good(); set(player(r, 1), "log", cJSON_CreateArray()); expect_refused(r, "players[1]: log");
}

static void refuses_huge_values(void **state)
{
    size_t n = CF_REPORT_LOG_MAX + 1;
    char *big = malloc(n + 1);
    cJSON *r;

    (void)state;
    assert_non_null(big);
    memset(big, 'x', n);
    big[n] = '\0';
    r = good(); set(player(r, 0), "log", cJSON_CreateString(big)); expect_refused(r, "players[0]: log");
    big[CF_REPORT_DETAIL_MAX + 1] = '\0';
    r = good(); set(player(r, 0), "detail", cJSON_CreateString(big)); expect_refused(r, "players[0]: detail");
    r = good(); set(r, "explanation", cJSON_CreateString(big)); expect_refused(r, "explanation");
    big[CF_PLAYER_NAME_MAX + 1] = '\0';
    r = good(); set(player(r, 0), "name", cJSON_CreateString(big)); expect_refused(r, "players[0]: name");
    free(big);

    r = good();
    for (int i = 2; i < CF_MAX_PLAYERS; i++) /* good() has two */
        cJSON_AddItemToArray(cJSON_GetObjectItem(r, "players"), cJSON_Duplicate(player(r, 0), 1));
    {
        char err[128];
        if (cf_report_validate(r, err, sizeof err) != 0)
            fail_msg("%s", err);
    }
    cJSON_AddItemToArray(cJSON_GetObjectItem(r, "players"), cJSON_Duplicate(player(r, 0), 1));
    expect_refused(r, "more than 16 players");
}

/* What parses but cannot be stored: a score of infinity (cJSON would write
 * it back as null) and more ticks than fights.ticks (an integer) holds. */
static void refuses_what_the_store_cannot_hold(void **state)
{
    char err[128];
    cJSON *r;

    (void)state;
    /* The way it arrives: the text of a cf:results entry. */
    {
        char text[sizeof good_json + 8];
        const char *at = strstr(good_json, "-1.5");

        assert_non_null(at);
        snprintf(text, sizeof text, "%.*s1e999%s", (int)(at - good_json), good_json, at + 4);
        r = cJSON_Parse(text);
        assert_non_null(r);
        expect_refused(r, "players[1]: score");
    }
    r = good(); set(player(r, 1), "score", cJSON_CreateNumber(-HUGE_VAL));
    expect_refused(r, "players[1]: score");
    r = good(); set(r, "ticks", cJSON_CreateNumber(2147483648.0));
    expect_refused(r, "ticks: not an integer in 0..2147483647");
    r = good(); set(r, "ticks", cJSON_CreateNumber(2147483647.0));
    if (cf_report_validate(r, err, sizeof err) != 0)
        fail_msg("%s", err);
    cJSON_Delete(r);
}

static void refuses_non_utf8_strings(void **state)
{
    cJSON *r = good();

    (void)state;
    /* Built directly: cJSON_CreateString copies bytes without checking. */
    set(player(r, 0), "log", cJSON_CreateString("bad \xff byte"));
    expect_refused(r, "players[0]: log");
    r = good();
    set(r, "explanation", cJSON_CreateString("\xc3"));
    expect_refused(r, "explanation");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_the_contract),
        cmocka_unit_test(refuses_missing_and_unknown_keys),
        cmocka_unit_test(refuses_wrong_types),
        cmocka_unit_test(refuses_bad_players),
        cmocka_unit_test(refuses_huge_values),
        cmocka_unit_test(refuses_non_utf8_strings),
        cmocka_unit_test(refuses_what_the_store_cannot_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
