/*
 * test_cache.c — cf-web's cache of finished answers (web/cache.c), as
 * cf-web links it: keys whose hashes meet are all kept (a page's rows must
 * not push each other out), a full set gives up the entry that expires
 * first, an answer read before a change is not kept, a change hides what
 * was kept, and an expired entry is not returned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web.h"

#define PLACES 1024 /* cache.c's entries: keys equal modulo this share a set */

/* n keys (key[i], 32 bytes each) whose hashes are equal modulo PLACES. */
static void keys_of_one_set(char key[][32], int n, const char *prefix)
{
    char first[32];
    int found = 0;
    snprintf(first, sizeof first, "%s-0", prefix);
    uint32_t want = web_hash(first) % PLACES;
    for (int i = 0; found < n && i < 10000000; i++) {
        snprintf(key[found], sizeof key[found], "%s-%d", prefix, i);
        if (web_hash(key[found]) % PLACES == want)
            found++;
    }
    assert_int_equal(found, n);
}

static void assert_cached(const char *key, const char *want)
{
    size_t len = 0;
    char *got = cache_get(key, &len);
    assert_non_null(got);
    assert_string_equal(got, want);
    assert_int_equal(len, strlen(want));
    free(got);
}

static void assert_missing(const char *key)
{
    size_t len;
    char *got = cache_get(key, &len);
    assert_null(got);
}

static void test_keys_whose_hashes_meet_are_all_kept(void **state)
{
    (void)state;
    char key[4][32];
    keys_of_one_set(key, 4, "row");
    for (int i = 0; i < 4; i++)
        cache_put(key[i], key[i], strlen(key[i]), 60000, cache_epoch());
    for (int i = 0; i < 4; i++)
        assert_cached(key[i], key[i]);
}

static void test_a_full_set_gives_up_what_expires_first(void **state)
{
    (void)state;
    char key[5][32];
    keys_of_one_set(key, 5, "full");
    int ttl[4] = {60000, 50000, 70000, 65000}; /* key[1] expires first */
    for (int i = 0; i < 4; i++)
        cache_put(key[i], "old", 3, ttl[i], cache_epoch());
    cache_put(key[4], "new", 3, 60000, cache_epoch());
    assert_cached(key[4], "new");
    assert_missing(key[1]);
    assert_cached(key[0], "old");
    assert_cached(key[2], "old");
    assert_cached(key[3], "old");
    /* A key put again takes its own place, whatever expires first. */
    cache_put(key[0], "again", 5, 1000, cache_epoch());
    assert_cached(key[0], "again");
    assert_cached(key[2], "old");
    assert_cached(key[3], "old");
    assert_cached(key[4], "new");
}

static void test_a_change_hides_and_refuses_what_was_read_before(void **state)
{
    (void)state;
    uint64_t before = cache_epoch();
    cache_put("kept", "1", 1, 60000, before);
    assert_cached("kept", "1");
    cache_forget_all();
    assert_missing("kept");
    cache_put("late", "2", 1, 60000, before); /* read before the change */
    assert_missing("late");
    cache_put("late", "3", 1, 60000, cache_epoch());
    assert_cached("late", "3");
}

static void test_an_expired_entry_is_not_returned(void **state)
{
    (void)state;
    cache_put("brief", "x", 1, 0, cache_epoch());
    assert_missing("brief");
}

/* A row kept under versions is another entry for each version, and one
 * with no version keeps its plain key. */
static void test_a_row_key_names_its_versions(void **state)
{
    (void)state;
    char ended[CACHE_ROW_KEY_MAX], v1[CACHE_ROW_KEY_MAX], v2[CACHE_ROW_KEY_MAX];
    cache_row_key(ended, "fight-row", "f1", NULL, NULL);
    cache_row_key(v1, "fight-row", "f1", "100", "open");
    cache_row_key(v2, "fight-row", "f1", "101", "open");
    assert_string_equal(ended, "fight-row:f1");
    assert_string_equal(v1, "fight-row:f1@100.open");
    cache_put(v1, "old", 3, 10000, cache_epoch());
    assert_cached(v1, "old");
    assert_missing(v2);
    assert_missing(ended);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_whose_hashes_meet_are_all_kept),
        cmocka_unit_test(test_a_full_set_gives_up_what_expires_first),
        cmocka_unit_test(test_a_change_hides_and_refuses_what_was_read_before),
        cmocka_unit_test(test_an_expired_entry_is_not_returned),
        cmocka_unit_test(test_a_row_key_names_its_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
