/*
 * test_report.c — cf_report_validate against the report contract (common/report.h):
 * one valid report, then one mutation at a time, each refused with a
 * reason that names the key.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

/* A good report with one top-level key set to v must be refused for needle. */
static void refuse_top(const char *key, cJSON *v, const char *needle)
{
    cJSON *r = good();

    set(r, key, v);
    expect_refused(r, needle);
}

/* ... with one key of players[i] set to v. */
static void refuse_player(int i, const char *key, cJSON *v, const char *needle)
{
    cJSON *r = good();

    set(player(r, i), key, v);
    expect_refused(r, needle);
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

/* A player's optional "errors": taken when well formed, refused otherwise
 * with the key named; the builder writes what the validator takes. */
static void errors_of_a_player(void **state)
{
    char err[256];
    cJSON *r = good();

    (void)state;
    set(player(r, 0), "errors",
        cJSON_Parse("{\"raised\":3,\"invalid\":1,\"first\":{\"tick\":2,\"kind\":"
                    "\"raised\",\"message\":\"ValueError: x\"}}"));
    set(player(r, 1), "errors", cJSON_Parse("{\"raised\":0,\"invalid\":0,\"first\":null}"));
    if (cf_report_validate(r, err, sizeof err) != 0)
        fail_msg("%s", err);
    cJSON_Delete(r);

    refuse_player(0, "errors", cJSON_CreateString("x"), "players[0]: errors: not an object");
    refuse_player(0, "errors", cJSON_Parse("{\"raised\":1,\"invalid\":0}"),
                  "errors: missing key 'first'");
    refuse_player(0, "errors", cJSON_Parse("{\"raised\":-1,\"invalid\":0,\"first\":null}"),
                  "errors: raised");
    refuse_player(0, "errors", cJSON_Parse("{\"raised\":1,\"invalid\":0,\"first\":null,\"x\":1}"),
                  "errors: unknown key 'x'");
    refuse_player(0, "errors",
                  cJSON_Parse("{\"raised\":1,\"invalid\":0,\"first\":{\"tick\":1,\"kind\":"
                              "\"oops\",\"message\":\"\"}}"),
                  "errors.first: kind");
    refuse_player(0, "errors",
                  cJSON_Parse("{\"raised\":1,\"invalid\":0,\"first\":{\"tick\":1.5,\"kind\":"
                              "\"raised\",\"message\":\"\"}}"),
                  "errors.first: tick");

    /* The builder: no "errors" without one, and what it writes validates. */
    r = cf_report_new("6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "tanks", true, 1);
    cf_report_errors e = {.raised = 2,
                          .first_tick = 4,
                          .first_kind = "invalid",
                          .first_message = "\"dance\" is not a decision"};
    cf_report_player with = {.name = "a.py", .result = "win", .rank = 1, .errors = &e};
    cf_report_player without = {.name = "b.py", .result = "loss", .rank = 2};
    assert_int_equal(cf_report_add_player(r, &with), 0);
    assert_int_equal(cf_report_add_player(r, &without), 0);
    assert_int_equal(cf_report_finish(r, "finished", cJSON_Parse("[\"W\",\"L\"]"), "", 5,
                                      cJSON_CreateArray(), 3),
                     0);
    if (cf_report_validate(r, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(player(r, 0), "errors"), "raised")->valuedouble, 2);
    assert_null(cJSON_GetObjectItem(player(r, 1), "errors"));
    cJSON_Delete(r);
}

static void refuses_missing_and_unknown_keys(void **state)
{
    static const char *const top[] = {"fight_id", "game",        "seed",  "status", "players",
                                      "result",   "explanation", "ticks", "data",   "elapsed_ms"};
    static const char *const pk[] = {"name",   "result", "rank",           "score", "verdict",
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
    (void)state;
    refuse_top("fight_id", cJSON_CreateString("nope"), "fight_id");
    refuse_top("fight_id", cJSON_CreateNumber(1), "fight_id");
    refuse_top("game", cJSON_CreateString("Tanks!"), "game");
    refuse_top("seed", cJSON_CreateString("7"), "seed");
    refuse_top("seed", cJSON_CreateNumber(-1), "seed");
    refuse_top("seed", cJSON_CreateNumber(0.5), "seed");
    refuse_top("seed", cJSON_CreateNumber(1e300), "seed");
    refuse_top("seed", cJSON_CreateNull(), "seed");
    refuse_top("status", cJSON_CreateString("done"), "status");
    refuse_top("players", cJSON_CreateObject(), "players: not an array");
    refuse_top("players", cJSON_CreateArray(), "at least one player");
    refuse_top("explanation", cJSON_CreateNumber(1), "explanation");
    refuse_top("ticks", cJSON_CreateNumber(-3), "ticks");
    refuse_top("ticks", cJSON_CreateString("3"), "ticks");
    refuse_top("elapsed_ms", cJSON_CreateNull(), "elapsed_ms");
    refuse_top("elapsed_ms", cJSON_CreateNumber(1e17), "elapsed_ms");
}

static void refuses_bad_players(void **state)
{
    cJSON *r = good();

    (void)state;
    cJSON_AddItemToArray(cJSON_GetObjectItem(r, "players"), cJSON_CreateString("x"));
    expect_refused(r, "players[2]: not an object");
    refuse_player(0, "name", cJSON_CreateString(""), "players[0]: name");
    refuse_player(0, "name", cJSON_CreateNumber(1), "players[0]: name");
    refuse_player(0, "result", cJSON_CreateString("won"), "players[0]: result");
    refuse_player(0, "result", cJSON_CreateNumber(0), "players[0]: result");
    refuse_player(0, "result", cJSON_CreateNumber(1.5), "players[0]: result");
    refuse_player(0, "result", cJSON_CreateTrue(), "players[0]: result");
    refuse_player(0, "rank", cJSON_CreateNumber(0), "players[0]: rank");
    refuse_player(0, "rank", cJSON_CreateNumber(17), "players[0]: rank");
    refuse_player(0, "rank", cJSON_CreateString("1"), "players[0]: rank");
    refuse_player(0, "score", cJSON_CreateString("1"), "players[0]: score");
    refuse_player(1, "verdict", cJSON_CreateString("segfault"), "players[1]: verdict");
    refuse_player(1, "verdict", cJSON_CreateNull(), "players[1]: verdict");
    refuse_player(1, "detail", cJSON_CreateNull(), "players[1]: detail");
    refuse_player(1, "cpu_ms", cJSON_CreateNumber(-1), "players[1]: cpu_ms");
    refuse_player(1, "peak_memory_kb", cJSON_CreateNumber(2.5), "players[1]: peak_memory_kb");
    refuse_player(1, "log", cJSON_CreateArray(), "players[1]: log");
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
    refuse_player(0, "log", cJSON_CreateString(big), "players[0]: log");
    big[CF_REPORT_DETAIL_MAX + 1] = '\0';
    refuse_player(0, "detail", cJSON_CreateString(big), "players[0]: detail");
    refuse_top("explanation", cJSON_CreateString(big), "explanation");
    big[CF_PLAYER_NAME_MAX + 1] = '\0';
    refuse_player(0, "name", cJSON_CreateString(big), "players[0]: name");
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
    refuse_player(1, "score", cJSON_CreateNumber(-HUGE_VAL), "players[1]: score");
    refuse_top("ticks", cJSON_CreateNumber(2147483648.0), "ticks: not an integer in 0..2147483647");
    r = good();
    set(r, "ticks", cJSON_CreateNumber(2147483647.0));
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
        cmocka_unit_test(errors_of_a_player),
        cmocka_unit_test(refuses_missing_and_unknown_keys),
        cmocka_unit_test(refuses_wrong_types),
        cmocka_unit_test(refuses_bad_players),
        cmocka_unit_test(refuses_huge_values),
        cmocka_unit_test(refuses_non_utf8_strings),
        cmocka_unit_test(refuses_what_the_store_cannot_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
