/*
 * test_core.c — registry, settings validation, the PRNG and the embedded
 * assets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "assets.h"
#include "game.h"
#include "games_list.h"

static void test_registry_lookup(void **state)
{
    (void)state;
    const cf_game *t = cf_game_find("tanks");
    assert_non_null(t);
    assert_string_equal(t->name, "tanks");
    assert_non_null(cf_game_find("light_cycles"));
    assert_null(cf_game_find("chess"));
    assert_null(cf_game_find("Tanks"));
    assert_null(cf_game_find("_tanks"));
    assert_null(cf_game_find(""));
    assert_null(cf_game_find(NULL));
    assert_null(cf_game_find("tanks/../x"));
    size_t n = 0;
    while (cf_game_at(n) != NULL)
        n++;
    assert_int_equal(n, 2);
    assert_null(cf_game_at(1000));
}

static void test_registry_games_well_formed(void **state)
{
    (void)state;
    for (size_t i = 0; cf_game_at(i) != NULL; i++) {
        const cf_game *g = cf_game_at(i);
        assert_true(cf_game_name_valid(g->name, strlen(g->name)));
        /* cf:fights entries (CF_GAME_NAME_MAX) and games.name hold 32 bytes */
        assert_true(strlen(g->name) <= 32);
        assert_ptr_equal(cf_game_find(g->name), g);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(cf_game_at(j)->name, g->name);
        assert_non_null(g->title);
        assert_non_null(g->summary);
        assert_true(g->docs != NULL && strlen(g->docs) > 200);
        assert_true(g->min_players >= 1 && g->min_players <= g->max_players);
        assert_true(g->max_players <= CF_MAX_PLAYERS);
        assert_non_null(g->limits);
        assert_non_null(g->simulate);
        /* the name equals the folder: the folder's docs.md is embedded under it */
        const cf_asset *docs = cf_asset_find(g->name, "docs.md");
        assert_non_null(docs);
        assert_string_equal((const char *)docs->data, g->docs);
        assert_non_null(cf_asset_find(g->name, "web/viewer.js"));
        cJSON *s = cf_game_settings(g, NULL, true, (char[128]){0}, 128);
        assert_non_null(s);
        cf_limits lim = {0};
        g->limits(s, g->max_players, &lim);
        assert_true(lim.first_call_wall_ms >= lim.call_wall_ms && lim.call_wall_ms > 0);
        assert_true(lim.cpu_ms > 0 && lim.memory_kb > 0);
        cJSON_Delete(s);
        for (const cf_setting *st = g->settings; st && st->key; st++) {
            assert_true(cf_game_name_valid(st->key, strlen(st->key)));
            assert_true(st->min <= st->def && st->def <= st->max);
        }
    }
    assert_false(cf_game_name_valid("a-b", strlen("a-b")));
    assert_false(cf_game_name_valid("a b", strlen("a b")));
    assert_true(cf_game_name_valid("a_1", strlen("a_1")));
}

static cJSON *settings_of(const char *game, const char *json, bool from_user, char *err, size_t len)
{
    cJSON *user = json ? cJSON_Parse(json) : NULL;
    if (json)
        assert_non_null(user);
    cJSON *s = cf_game_settings(cf_game_find(game), user, from_user, err, len);
    cJSON_Delete(user);
    return s;
}

static void expect_error(const char *game, const char *json, bool from_user, const char *needle)
{
    char err[256] = "";
    cJSON *s = settings_of(game, json, from_user, err, sizeof err);
    if (s != NULL) {
        cJSON_Delete(s);
        fail_msg("settings %s were accepted", json);
    }
    if (strstr(err, needle) == NULL)
        fail_msg("error for %s is \"%s\", expected it to say \"%s\"", json, err, needle);
}

static void test_settings_defaults_and_values(void **state)
{
    (void)state;
    char err[256] = "";
    const cf_game *lc = cf_game_find("light_cycles");
    cJSON *s = settings_of("light_cycles", NULL, true, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(cf_game_setting(lc, s, "size"), 20);
    assert_int_equal(cf_game_setting(lc, s, "max_ticks"), 400);
    cJSON_Delete(s);

    s = settings_of("light_cycles", "{\"size\": 12}", true, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(cf_game_setting(lc, s, "size"), 12);
    assert_int_equal(cf_game_setting(lc, s, "max_ticks"), 400);
    char *txt = cJSON_PrintUnformatted(s);
    assert_string_equal(txt, "{\"size\":12,\"max_ticks\":400}");
    free(txt);
    cJSON_Delete(s);

    /* an integer written as 12.0 is still 12; the bounds are inclusive */
    s = settings_of("light_cycles", "{\"size\": 40.0, \"max_ticks\": 10}", true, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(cf_game_setting(lc, s, "size"), 40);
    cJSON_Delete(s);

    /* operators (not users) may set tanks' max_ticks */
    const cf_game *t = cf_game_find("tanks");
    s = settings_of("tanks", "{\"max_ticks\": 7}", false, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(cf_game_setting(t, s, "max_ticks"), 7);
    cJSON_Delete(s);
    assert_int_equal(cf_game_setting(t, NULL, "max_ticks"), 100);

    s = settings_of("tanks", "{}", true, err, sizeof err);
    assert_non_null(s);
    cJSON_Delete(s);
    s = settings_of("tanks", "null", true, err, sizeof err);
    assert_non_null(s);
    cJSON_Delete(s);
}

static void test_settings_errors(void **state)
{
    (void)state;
    expect_error("light_cycles", "{\"colour\": 3}", true, "unknown setting 'colour'");
    expect_error("light_cycles", "{\"size\": \"12\"}", true, "'size' must be an integer");
    expect_error("light_cycles", "{\"size\": 12.5}", true, "'size' must be an integer");
    expect_error("light_cycles", "{\"size\": true}", true, "'size' must be an integer");
    expect_error("light_cycles", "{\"size\": null}", true, "'size' must be an integer");
    expect_error("light_cycles", "{\"size\": [12]}", true, "'size' must be an integer");
    expect_error("light_cycles", "{\"size\": 7}", true, "'size' must be between 8 and 40");
    expect_error("light_cycles", "{\"size\": 41}", true, "'size' must be between 8 and 40");
    expect_error("light_cycles", "{\"size\": 1e300}", true, "'size' must be an integer");
    expect_error("light_cycles", "{\"size\": 10, \"size\": 12}", true, "more than once");
    expect_error("light_cycles", "[1]", true, "must be a JSON object");
    expect_error("light_cycles", "12", true, "must be a JSON object");
    expect_error("tanks", "{\"max_ticks\": 50}", true, "'max_ticks' cannot be changed by users");
    expect_error("tanks", "{\"max_ticks\": 0}", false, "between 1 and 1000");
    expect_error("tanks", "{\"player_count\": 2}", false, "unknown setting");
}

static void test_rng_reference_values(void **state)
{
    (void)state;
    /* splitmix64 from 0 yields 0xe220a8397b1dcdaf first (Vigna's reference);
     * the state words are consecutive splitmix64 outputs */
    cf_rng r;
    cf_rng_seed(&r, 0);
    assert_true(r.s[0] == UINT64_C(0xe220a8397b1dcdaf));
    assert_true(r.s[1] == UINT64_C(0x6e789e6aa1b965f4));
    /* xoshiro256**: rotl(s1 * 5, 7) * 9 */
    uint64_t s1 = r.s[1] * 5;
    uint64_t want = ((s1 << 7) | (s1 >> 57)) * 9;
    assert_true(cf_rng_next(&r) == want);
}

static void test_rng_deterministic(void **state)
{
    (void)state;
    cf_rng a, b, c;
    cf_rng_seed(&a, 7);
    cf_rng_seed(&b, 7);
    cf_rng_seed(&c, 8);
    int same_c = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = cf_rng_next(&a);
        assert_true(x == cf_rng_next(&b));
        same_c += x == cf_rng_next(&c);
    }
    assert_int_equal(same_c, 0);
}

static void test_rng_below(void **state)
{
    (void)state;
    cf_rng r;
    cf_rng_seed(&r, 99);
    assert_true(cf_rng_below(&r, 1) == 0);
    int count[7] = {0};
    for (int i = 0; i < 70000; i++) {
        uint64_t v = cf_rng_below(&r, 7);
        assert_true(v < 7);
        count[v]++;
    }
    for (int i = 0; i < 7; i++)
        assert_in_range(count[i], 9400, 10600);
    /* a bound just above 2^63 rejects almost half the draws: still terminates */
    uint64_t big = (UINT64_C(1) << 63) + 1;
    for (int i = 0; i < 100; i++)
        assert_true(cf_rng_below(&r, big) < big);
}

static void test_assets(void **state)
{
    (void)state;
    const cf_asset *a = cf_asset_find("tanks", "templates/empty.py");
    assert_non_null(a);
    assert_true(cf_asset_is_template(a));
    assert_string_equal(cf_asset_mime(a), "text/x-python; charset=utf-8");
    char desc[200];
    assert_true(cf_template_description(a, desc, sizeof desc));
    assert_true(strlen(desc) > 5);
    assert_int_equal(a->data[a->size], 0);
    assert_int_equal(strlen((const char *)a->data), a->size);

    const cf_asset *v = cf_asset_find("tanks", "web/viewer.js");
    assert_non_null(v);
    assert_false(cf_asset_is_template(v));
    assert_string_equal(cf_asset_mime(v), "text/javascript; charset=utf-8");
    assert_null(cf_asset_find("tanks", "nope.py"));
    assert_null(cf_asset_find(NULL, "docs.md"));

    /* every game has at least two templates, each with a description */
    for (size_t g = 0; cf_game_at(g) != NULL; g++) {
        int templates = 0;
        for (size_t i = 0; cf_asset_at(i) != NULL; i++) {
            const cf_asset *t = cf_asset_at(i);
            if (strcmp(t->game, cf_game_at(g)->name) != 0 || !cf_asset_is_template(t))
                continue;
            templates++;
            if (!cf_template_description(t, desc, sizeof desc))
                fail_msg("%s/%s has no description", t->game, t->path);
        }
        assert_true(templates >= 2);
    }
    /* truncation keeps a NUL */
    char tiny[4];
    cf_template_description(a, tiny, sizeof tiny);
    assert_int_equal(strlen(tiny), 3);
}

/* Each embedded asset is its file, byte for byte (UTF-8 included). */
static void test_assets_match_files(void **state)
{
    (void)state;
    size_t n = 0;
    for (size_t i = 0; cf_asset_at(i) != NULL; i++, n++) {
        const cf_asset *a = cf_asset_at(i);
        char path[512];
        snprintf(path, sizeof path, "%s/%s/%s", CF_GAMES_SOURCE_DIR, a->game, a->path);
        FILE *f = fopen(path, "rb");
        if (f == NULL)
            fail_msg("cannot open %s", path);
        static unsigned char buf[1 << 20];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        assert_int_equal(len, a->size);
        assert_memory_equal(buf, a->data, len);
    }
    assert_true(n >= 8);
}

static void test_explanation_text(void **state)
{
    (void)state;
    const cf_game *t = cf_game_find("tanks"), *lc = cf_game_find("light_cycles");
    assert_string_equal(cf_game_explanation_text(t, "X"), "Tick limit exceeded.");
    assert_string_equal(cf_game_explanation_text(t, ""), "");
    assert_string_equal(cf_game_explanation_text(t, "player 2 crashed at tick 14"),
                        "player 2 crashed at tick 14");
    assert_string_equal(cf_game_explanation_text(lc, "X"), "X");
    assert_string_equal(cf_game_explanation_text(NULL, "X"), "X");
    assert_string_equal(cf_game_explanation_text(t, NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_lookup),
        cmocka_unit_test(test_registry_games_well_formed),
        cmocka_unit_test(test_settings_defaults_and_values),
        cmocka_unit_test(test_settings_errors),
        cmocka_unit_test(test_rng_reference_values),
        cmocka_unit_test(test_rng_deterministic),
        cmocka_unit_test(test_rng_below),
        cmocka_unit_test(test_assets),
        cmocka_unit_test(test_assets_match_files),
        cmocka_unit_test(test_explanation_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
