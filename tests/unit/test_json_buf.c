/*
 * test_json_buf.c — JSON text written by web/json_buf.c reads byte for
 * byte as cJSON_PrintUnformatted() prints the same tree: every byte in a
 * string (escapes, controls, UTF-8), keys, nesting, separators, numbers
 * whole and not, raw values spliced in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "json_buf.h"

/* b's text equals the print of tree (deleted). */
static void assert_same(json_buf *b, cJSON *tree)
{
    char *want = cJSON_PrintUnformatted(tree);
    cJSON_Delete(tree);
    assert_non_null(want);
    assert_false(b->text.failed);
    assert_string_equal(b->text.data, want);
    assert_int_equal(b->text.len, strlen(want));
    free(want);
    jb_free(b);
}

static void test_every_byte_in_a_string(void **state)
{
    (void)state;
    for (int c = 1; c < 256; c++) {
        char s[4] = {'a', (char)c, 'z', '\0'};
        json_buf b;
        jb_init(&b);
        jb_open(&b, '{');
        jb_key(&b, s);
        jb_str(&b, s);
        jb_close(&b, '}');
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, s, s);
        assert_same(&b, o);
    }
}

static void test_text_of_every_kind(void **state)
{
    (void)state;
    json_buf b;
    jb_init(&b);
    jb_open(&b, '{');
    jb_key(&b, "s");
    jb_str(&b, "caf\xc3\xa9 \"quoted\" back\\slash\nline\ttab");
    jb_key(&b, "n");
    jb_null(&b);
    jb_key(&b, "t");
    jb_bool(&b, true);
    jb_key(&b, "f");
    jb_bool(&b, false);
    jb_key(&b, "empty");
    jb_open(&b, '[');
    jb_close(&b, ']');
    jb_key(&b, "arr");
    jb_open(&b, '[');
    jb_int(&b, 0);
    jb_int(&b, -7);
    jb_int(&b, 2147483647);
    jb_int(&b, 3000000000LL);
    jb_number(&b, 3.25);
    jb_number(&b, 0.1);
    jb_number(&b, 1e300);
    jb_number(&b, 2.0 / 3.0);
    jb_open(&b, '{');
    jb_close(&b, '}');
    jb_value_raw(&b, "{\"raw\":[1,2]}");
    jb_close(&b, ']');
    jb_close(&b, '}');

    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "s", "caf\xc3\xa9 \"quoted\" back\\slash\nline\ttab");
    cJSON_AddNullToObject(o, "n");
    cJSON_AddBoolToObject(o, "t", 1);
    cJSON_AddBoolToObject(o, "f", 0);
    cJSON_AddArrayToObject(o, "empty");
    cJSON *arr = cJSON_AddArrayToObject(o, "arr");
    const double numbers[] = {0, -7, 2147483647, 3000000000.0, 3.25, 0.1, 1e300, 2.0 / 3.0};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateNumber(numbers[i]));
    cJSON_AddItemToArray(arr, cJSON_CreateObject());
    cJSON_AddItemToArray(arr, cJSON_CreateRaw("{\"raw\":[1,2]}"));
    assert_same(&b, o);
}

static void test_long_text_grows(void **state)
{
    (void)state;
    json_buf b;
    jb_init(&b);
    cJSON *arr = cJSON_CreateArray();
    jb_open(&b, '[');
    for (int i = 0; i < 5000; i++) {
        jb_str(&b, "a string of some length to pass the first buffer");
        cJSON_AddItemToArray(
            arr, cJSON_CreateString("a string of some length to pass the first buffer"));
    }
    jb_close(&b, ']');
    assert_same(&b, arr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_byte_in_a_string),
        cmocka_unit_test(test_text_of_every_kind),
        cmocka_unit_test(test_long_text_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
