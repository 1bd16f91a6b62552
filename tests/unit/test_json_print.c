/*
 * test_json_print.c — cf_json_print writes what cJSON_PrintUnformatted
 * writes, byte for byte: chosen numbers and strings at the edges of the
 * fast path, and random trees.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_print.h"

static void assert_same(const cJSON *item)
{
    char *want = cJSON_PrintUnformatted(item);
    char *got = cf_json_print(item);
    if (want == NULL) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(want);
    free(got);
}

static void numbers_as_cjson(void **state)
{
    (void)state;
    static const double nums[] = {0,
                                  -0.0,
                                  1,
                                  -1,
                                  7,
                                  10,
                                  99,
                                  100,
                                  12345,
                                  -98765,
                                  999999999999999.0,
                                  -999999999999999.0,
                                  1e15,
                                  -1e15,
                                  1e15 + 1,
                                  9007199254740991.0,
                                  9007199254740993.0,
                                  1e16,
                                  1e21,
                                  1e300,
                                  0.5,
                                  -0.5,
                                  0.1,
                                  1.0 / 3,
                                  2.0 / 3,
                                  123.456,
                                  1e-7,
                                  5e-324,
                                  2.2250738585072014e-308,
                                  1.7976931348623157e308,
                                  -1.7976931348623157e308,
                                  4294967295.0,
                                  4294967296.0,
                                  2147483647.0,
                                  -2147483648.0,
                                  99999999999999.9};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        cJSON *n = cJSON_CreateNumber(nums[i]);
        assert_non_null(n);
        assert_same(n);
        cJSON_Delete(n);
    }
    cJSON *nan = cJSON_CreateNumber(NAN), *inf = cJSON_CreateNumber(-INFINITY);
    assert_same(nan);
    assert_same(inf);
    cJSON_Delete(nan);
    cJSON_Delete(inf);
}

static void strings_as_cjson(void **state)
{
    (void)state;
    static const char *const strs[] = {"",
                                       "plain",
                                       "quote \" backslash \\ slash /",
                                       "\b\f\n\r\t",
                                       "\x01\x02\x1f\x7f",
                                       "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                                       "\xff\xfe not utf-8",
                                       "</script>"};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
        cJSON *s = cJSON_CreateString(strs[i]);
        assert_non_null(s);
        assert_same(s);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, strs[i], s);
        assert_same(o);
        cJSON_Delete(o);
    }
}

static void odd_items_as_cjson(void **state)
{
    (void)state;
    cJSON *raw = cJSON_CreateRaw("{\"already\": [1, 2]}");
    assert_same(raw);
    cJSON_Delete(raw);
    cJSON *empty[] = {cJSON_CreateArray(), cJSON_CreateObject(), cJSON_CreateNull(),
                      cJSON_CreateTrue(), cJSON_CreateFalse()};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        assert_same(empty[i]);
        cJSON_Delete(empty[i]);
    }
    /* cJSON gives NULL for these: so do we */
    cJSON invalid = {0};
    assert_null(cf_json_print(&invalid));
    assert_null(cJSON_PrintUnformatted(&invalid));
    cJSON raw_null = {.type = cJSON_Raw};
    assert_null(cf_json_print(&raw_null));
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(1));
    cJSON *bad = cJSON_CreateObject();
    bad->type = cJSON_Invalid;
    cJSON_AddItemToArray(arr, bad);
    assert_same(arr);
    cJSON_Delete(arr);
    /* an object member without a key, a string without text: "" */
    cJSON *o = cJSON_CreateObject();
    cJSON *s = cJSON_CreateString("x");
    cJSON_AddItemToObject(o, "k", s);
    free(s->string);
    s->string = NULL;
    free(s->valuestring);
    s->valuestring = NULL;
    assert_same(o);
    cJSON_Delete(o);
}

static double random_number(void)
{
    switch (rand() % 6) {
    case 0: return (double)(rand() % 2000 - 1000);
    case 1: return (double)((long long)rand() * rand() - (long long)RAND_MAX * 1000);
    case 2: return ldexp((double)rand() / RAND_MAX, rand() % 120 - 20);
    case 3: return (double)(rand() % 100) / 10.0;
    case 4: return ldexp(1.0, 49 + rand() % 6) * (rand() % 2 ? 1 : -1) + rand() % 3;
    default: return -ldexp((double)rand(), rand() % 40);
    }
}

static cJSON *random_tree(int depth)
{
    static const char *const words[] = {"x", "y", "health", "a\"b", "tab\there", "\x01", ""};
    int kind = depth > 3 ? rand() % 4 : rand() % 6;
    switch (kind) {
    case 0: return cJSON_CreateNumber(random_number());
    case 1: return cJSON_CreateString(words[rand() % 7]);
    case 2: return rand() % 2 ? cJSON_CreateBool(rand() % 2) : cJSON_CreateNull();
    case 3: return cJSON_CreateNumber((double)(rand() % 100));
    case 4: {
        cJSON *a = cJSON_CreateArray();
        for (int i = rand() % 5; i > 0; i--)
            cJSON_AddItemToArray(a, random_tree(depth + 1));
        return a;
    }
    default: {
        cJSON *o = cJSON_CreateObject();
        for (int i = rand() % 5; i > 0; i--)
            cJSON_AddItemToObject(o, words[rand() % 7], random_tree(depth + 1));
        return o;
    }
    }
}

static void random_trees_as_cjson(void **state)
{
    (void)state;
    srand(16);
    for (int i = 0; i < 5000; i++) {
        cJSON *t = random_tree(0);
        assert_non_null(t);
        assert_same(t);
        cJSON_Delete(t);
    }
}

static void buffer_pieces(void **state)
{
    (void)state;
    cf_json_buf b = {0};
    cf_json_buf_raw(&b, "{\"id\":", 6);
    cf_json_buf_number(&b, 42);
    cf_json_buf_raw(&b, ",\"m\":", 5);
    cf_json_buf_string(&b, "decide_tick");
    cf_json_buf_raw(&b, "}", 1);
    assert_false(b.failed);
    assert_int_equal(b.len, strlen(b.data));
    assert_string_equal(b.data, "{\"id\":42,\"m\":\"decide_tick\"}");
    cf_json_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers_as_cjson),   cmocka_unit_test(strings_as_cjson),
        cmocka_unit_test(odd_items_as_cjson), cmocka_unit_test(random_trees_as_cjson),
        cmocka_unit_test(buffer_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
