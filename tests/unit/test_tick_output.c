/*
 * test_tick_output.c — what a bot printed, by tick (simulator/tick_output.c),
 * alone: the caps per tick and per fight hold exactly on the text once it is
 * valid UTF-8 (which may lengthen it three times), each cut on a character's
 * boundary and marked, and what comes out always keeps the cf:results
 * field's contract (cf_result_output_validate).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "controller.h"
#include "result_entry.h"
#include "text.h"

static bool ends_with(const char *s, const char *end)
{
    size_t a = strlen(s), b = strlen(end);
    return a >= b && strcmp(s + a - b, end) == 0;
}

/* The list of o, checked against the field's contract; the caller frees. */
static cJSON *checked(const ctl_output *o)
{
    cJSON *list = ctl_output_json(o);
    assert_non_null(list);
    cJSON *field = cJSON_CreateObject();
    cJSON_AddItemReferenceToObject(field, "0", list);
    char why[200] = "";
    if (cf_result_output_validate(field, 1, why, sizeof why) != 0)
        fail_msg("breaks the contract: %s", why);
    cJSON_Delete(field);
    return list;
}

static const char *text_of(const cJSON *list, int i)
{
    return cJSON_GetArrayItem(cJSON_GetArrayItem(list, i), 1)->valuestring;
}

static int tick_of(const cJSON *list, int i)
{
    return cJSON_GetArrayItem(cJSON_GetArrayItem(list, i), 0)->valueint;
}

static void nothing_printed(void **state)
{
    (void)state;
    ctl_output o;
    ctl_output_init(&o);
    assert_null(ctl_output_json(&o));
    ctl_output_add(&o, 3, "", 0);
    assert_null(ctl_output_json(&o));
    ctl_output_free(&o);
}

static void ticks_and_pieces(void **state)
{
    (void)state;
    ctl_output o;
    ctl_output_init(&o);
    ctl_output_add(&o, 0, "a", 1);
    ctl_output_add(&o, 0, "b\n", 2); /* one tick, two reads */
    ctl_output_add(&o, 4, "c\n", 2);
    ctl_output_add(&o, 2, "d\n", 2); /* a tick back: joins the last */
    cJSON *list = checked(&o);
    assert_int_equal(cJSON_GetArraySize(list), 2);
    assert_int_equal(tick_of(list, 0), 0);
    assert_string_equal(text_of(list, 0), "ab\n");
    assert_int_equal(tick_of(list, 1), 4);
    assert_string_equal(text_of(list, 1), "c\nd\n");
    cJSON_Delete(list);
    ctl_output_free(&o);
}

/* Over a tick's cap: cut on a character's boundary, with the marker. */
static void tick_cap(void **state)
{
    (void)state;
    char buf[3000];
    for (size_t i = 0; i + 1 < sizeof buf; i += 2)
        memcpy(buf + i, "\xc3\xa9", 2); /* é, two bytes */
    ctl_output o;
    ctl_output_init(&o);
    ctl_output_add(&o, 1, buf, sizeof buf);
    ctl_output_add(&o, 2, "ok\n", 3);
    cJSON *list = checked(&o);
    const char *t = text_of(list, 0);
    assert_true(strlen(t) <= CF_OUTPUT_TICK_MAX);
    assert_true(ends_with(t, CF_OUTPUT_TICK_CUT));
    assert_true(strlen(t) > CF_OUTPUT_TICK_MAX - strlen(CF_OUTPUT_TICK_CUT) - 2);
    assert_string_equal(text_of(list, 1), "ok\n");
    cJSON_Delete(list);
    ctl_output_free(&o);

    /* Bytes that are not UTF-8 become U+FFFD (three bytes each): the cap
     * holds on the repaired text. */
    memset(buf, 0xff, 1000);
    ctl_output_init(&o);
    ctl_output_add(&o, 7, buf, 1000);
    list = checked(&o);
    t = text_of(list, 0);
    assert_true(strlen(t) <= CF_OUTPUT_TICK_MAX);
    assert_true(ends_with(t, CF_OUTPUT_TICK_CUT));
    assert_memory_equal(t, "\xef\xbf\xbd", 3);
    cJSON_Delete(list);
    ctl_output_free(&o);
}

/* Over the fight's cap: the text that reaches it is cut and ends with the
 * marker, nothing after it, the total within the cap. */
static void fight_cap(void **state)
{
    (void)state;
    char line[1000];
    memset(line, 'y', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            memset(line, 0xfe, sizeof line); /* triples once repaired */
        ctl_output o;
        ctl_output_init(&o);
        for (int tick = 0; tick < 200; tick++)
            ctl_output_add(&o, tick, line, sizeof line);
        cJSON *list = checked(&o);
        int n = cJSON_GetArraySize(list);
        size_t total = 0;
        for (int i = 0; i < n; i++)
            total += strlen(text_of(list, i));
        assert_true(total <= CF_OUTPUT_FIGHT_MAX);
        assert_true(total > CF_OUTPUT_FIGHT_MAX - CF_OUTPUT_TICK_MAX);
        assert_true(ends_with(text_of(list, n - 1), CF_OUTPUT_FIGHT_CUT));
        for (int i = 0; i + 1 < n; i++)
            assert_false(ends_with(text_of(list, i), CF_OUTPUT_FIGHT_CUT));
        assert_true(tick_of(list, n - 1) < 199);
        cJSON_Delete(list);
        ctl_output_free(&o);
    }
}

/* The raw bytes kept are capped too: a flood at one tick, then the fight's
 * cap reached at a later tick, which carries the marker. */
static void kept_bytes_capped(void **state)
{
    (void)state;
    char *flood = malloc(1 << 20);
    assert_non_null(flood);
    memset(flood, 'z', 1 << 20);
    ctl_output o;
    ctl_output_init(&o);
    ctl_output_add(&o, 0, flood, 1 << 20);
    assert_true(o.raw_len <= CF_OUTPUT_TICK_MAX);
    for (int tick = 1; tick < 100; tick++)
        ctl_output_add(&o, tick, flood, 1 << 20);
    assert_true(o.raw_len <= CF_OUTPUT_FIGHT_MAX);
    assert_true(o.full);
    size_t n_before = o.n;
    ctl_output_add(&o, 500, "late\n", 5); /* nothing more is kept */
    assert_int_equal(o.n, n_before);
    cJSON *list = checked(&o);
    assert_true(ends_with(text_of(list, cJSON_GetArraySize(list) - 1), CF_OUTPUT_FIGHT_CUT));
    cJSON_Delete(list);
    ctl_output_free(&o);
    free(flood);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nothing_printed),   cmocka_unit_test(ticks_and_pieces),
        cmocka_unit_test(tick_cap),          cmocka_unit_test(fight_cap),
        cmocka_unit_test(kept_bytes_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
