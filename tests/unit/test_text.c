/*
 * test_text.c — UTF-8 validation, UUIDs and strict JSON parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json_util.h"
#include "text.h"

#define S(lit) lit, sizeof(lit) - 1

static void utf8_accepts_text(void **state)
{
    (void)state;
    assert_true(cf_utf8_valid(S("")));
    assert_true(cf_utf8_valid(S("plain ascii\n\t")));
    assert_true(cf_utf8_valid(S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")));
    assert_true(cf_utf8_valid(S("\xf4\x8f\xbf\xbf"))); /* U+10FFFF */
    assert_true(cf_utf8_valid(NULL, 0));
}

static void utf8_refuses_bad_bytes(void **state)
{
    (void)state;
    assert_false(cf_utf8_valid(S("a\0b")));             /* NUL */
    assert_false(cf_utf8_valid(S("\xc3")));             /* truncated */
    assert_false(cf_utf8_valid(S("\xe2\x82")));         /* truncated */
    assert_false(cf_utf8_valid(S("\x80")));             /* lone continuation */
    assert_false(cf_utf8_valid(S("\xc0\xaf")));         /* overlong '/' */
    assert_false(cf_utf8_valid(S("\xe0\x80\xaf")));     /* overlong */
    assert_false(cf_utf8_valid(S("\xf0\x80\x80\xaf"))); /* overlong */
    assert_false(cf_utf8_valid(S("\xed\xa0\x80")));     /* surrogate U+D800 */
    assert_false(cf_utf8_valid(S("\xf4\x90\x80\x80"))); /* > U+10FFFF */
    assert_false(cf_utf8_valid(S("\xff")));
    assert_false(cf_utf8_valid(S("ok\xc3("))); /* bad continuation */
    assert_false(cf_utf8_valid(NULL, 3));
}

static void utf8_sanitize_repairs(void **state)
{
    /* "a\xff" "b": split so that \xff does not swallow the b */
    static const char *const bad[] = {("a\xff"
                                       "b"),
                                      "\xc0\xaf",
                                      "\xed\xa0\x80",
                                      "\xf5\x80\x80\x80",
                                      "\xf4\x90\x80\x80",
                                      "end\xe2\x82",
                                      "\x80\x80"};
    char out[64];
    size_t n;

    (void)state;
    n = cf_utf8_sanitize(out, "caf\xc3\xa9", 5);
    assert_int_equal(n, 5);
    assert_string_equal(out, "caf\xc3\xa9");
    n = cf_utf8_sanitize(out, "a\0b", 3);
    assert_string_equal(out, "a\xef\xbf\xbd"
                             "b");
    assert_int_equal(n, 5);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = strlen(bad[i]);
        assert_false(cf_utf8_valid(bad[i], len));
        n = cf_utf8_sanitize(out, bad[i], len);
        assert_true(n <= 3 * len);
        assert_true(cf_utf8_valid(out, n));
        assert_non_null(strstr(out, "\xef\xbf\xbd"));
    }
    assert_int_equal(cf_utf8_sanitize(out, NULL, 0), 0);
    assert_string_equal(out, "");
}

static void uuid_syntax(void **state)
{
    (void)state;
    assert_true(cf_uuid_valid(S("6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b")));
    assert_true(cf_uuid_valid(S("6A1F0C2E-3B4D-4E5F-8A9B-0C1D2E3F4A5B")));
    assert_false(cf_uuid_valid(S("")));
    assert_false(cf_uuid_valid(NULL, 36));
    assert_false(cf_uuid_valid(S("6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5")));   /* short */
    assert_false(cf_uuid_valid(S("6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b0"))); /* long */
    assert_false(cf_uuid_valid(S("6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5g")));  /* not hex */
    assert_false(cf_uuid_valid(S("6a1f0c2e3b4d-4e5f-8a9b-0c1d2e3f4a5b-")));  /* dashes */
    assert_false(cf_uuid_valid(S("{a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b}")));
    assert_false(cf_uuid_valid(S("6a1f0c2e-3b4d-4e5f-8a9b\0000c1d2e3f4a5b")));
}

static void uuid_generate_is_v4_and_fresh(void **state)
{
    char a[CF_UUID_LEN + 1], b[CF_UUID_LEN + 1];

    (void)state;
    cf_uuid_generate(a);
    cf_uuid_generate(b);
    assert_int_equal(strlen(a), CF_UUID_LEN);
    assert_true(cf_uuid_valid(a, strlen(a)));
    assert_int_equal(a[14], '4');
    assert_non_null(strchr("89ab", a[19]));
    assert_string_not_equal(a, b);
}

static void json_parse_refuses_malformed(void **state)
{
    char err[200];
    cJSON *v;

    (void)state;
    v = cf_json_parse(S("{\"a\": [1, 2]}"), 1000, err, sizeof err);
    assert_non_null(v);
    cJSON_Delete(v);
    /* The input need not be NUL-terminated: only len bytes are read. */
    v = cf_json_parse("[1]garbage", 3, 1000, err, sizeof err);
    assert_non_null(v);
    cJSON_Delete(v);

    assert_null(cf_json_parse(S("{\"a\": [1, 2"), 1000, err, sizeof err));
    assert_non_null(strstr(err, "invalid JSON"));
    assert_null(cf_json_parse(S("[1] trailing"), 1000, err, sizeof err));
    assert_non_null(strstr(err, "invalid JSON"));
    assert_null(cf_json_parse(S(""), 1000, err, sizeof err));
    assert_non_null(strstr(err, "empty"));
    assert_null(cf_json_parse(S("[\"\xc3\x28\"]"), 1000, err, sizeof err));
    assert_non_null(strstr(err, "UTF-8"));
    assert_null(cf_json_parse(S("[\"a\0b\"]"), 1000, err, sizeof err));
    assert_non_null(strstr(err, "NUL"));
    assert_null(cf_json_parse(S("[\"a\\u0000b\"]"), 1000, err, sizeof err));
    assert_non_null(strstr(err, "u0000"));
    /* An escaped backslash followed by u0000 is text, not a NUL. */
    v = cf_json_parse(S("[\"a\\\\u0000b\"]"), 1000, err, sizeof err);
    assert_non_null(v);
    cJSON_Delete(v);
    assert_null(cf_json_parse(S("[1,2,3,4,5,6,7,8,9]"), 8, err, sizeof err));
    assert_non_null(strstr(err, "limit"));
    assert_null(cf_json_parse(S("[\"\\ud800\"]"), 1000, err, sizeof err)); /* lone surrogate */
}

static void json_parse_survives_deep_nesting(void **state)
{
    static char deep[20001];
    char err[200];

    (void)state;
    memset(deep, '[', 10000);
    memset(deep + 10000, ']', 10000);
    assert_null(cf_json_parse(deep, 20000, 100000, err, sizeof err));
}

static void json_uint_bounds(void **state)
{
    cJSON *n;
    uint64_t v = 0;

    (void)state;
    n = cJSON_CreateNumber(7);
    assert_true(cf_json_uint(n, 10, &v));
    assert_int_equal(v, 7);
    assert_false(cf_json_uint(n, 6, &v));
    cJSON_SetNumberValue(n, -1);
    assert_false(cf_json_uint(n, 10, &v));
    cJSON_SetNumberValue(n, 1.5);
    assert_false(cf_json_uint(n, 10, &v));
    cJSON_SetNumberValue(n, 1e300);
    assert_false(cf_json_uint(n, UINT64_MAX, &v));
    cJSON_SetNumberValue(n, 9007199254740991.0);
    assert_true(cf_json_uint(n, UINT64_MAX, &v));
    cJSON_Delete(n);
    n = cJSON_CreateString("7");
    assert_false(cf_json_uint(n, 10, &v));
    cJSON_Delete(n);
    assert_false(cf_json_uint(NULL, 10, &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_accepts_text),
        cmocka_unit_test(utf8_refuses_bad_bytes),
        cmocka_unit_test(utf8_sanitize_repairs),
        cmocka_unit_test(uuid_syntax),
        cmocka_unit_test(uuid_generate_is_v4_and_fresh),
        cmocka_unit_test(json_parse_refuses_malformed),
        cmocka_unit_test(json_parse_survives_deep_nesting),
        cmocka_unit_test(json_uint_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
