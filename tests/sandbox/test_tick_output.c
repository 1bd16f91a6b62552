/*
 * test_tick_output.c — what bots print, by tick (issue 17), through the C
 * API on the real sandbox: each line tagged with the tick of the call that
 * printed it, one player's output apart from the other's, the caps per tick
 * and per fight with their markers, text that is not UTF-8 repaired, the
 * hook called before the report's, and the report itself (its logs) as it
 * was. Root.
 *
 *   test_tick_output SOURCE_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fight.h"
#include "report.h"
#include "result_entry.h"
#include "sandbox_testing.h"

static cJSON *got_output;
static int output_calls, finished_calls, output_before_finished;

static void on_output(void *ud, const cJSON *output)
{
    (void)ud;
    output_calls++;
    output_before_finished = finished_calls == 0;
    cJSON_Delete(got_output);
    got_output = cJSON_Duplicate(output, true);
}

static void on_finished(void *ud, const cJSON *report)
{
    (void)ud;
    (void)report;
    finished_calls++;
}

/* The text slot printed at tick, or NULL. */
static const char *text_at(const cJSON *list, int tick)
{
    const cJSON *item;
    cJSON_ArrayForEach (item, list) {
        if (cJSON_GetArrayItem(item, 0)->valuedouble == tick)
            return cJSON_GetArrayItem(item, 1)->valuestring;
    }
    return NULL;
}

static bool ends_with(const char *s, const char *end)
{
    size_t a = strlen(s), b = strlen(end);
    return a >= b && strcmp(s + a - b, end) == 0;
}

static void check_printer(const cJSON *list)
{
    CHECK(cJSON_IsArray(list), "slot 0 printed");
    if (!cJSON_IsArray(list))
        return;
    const char *t;
    t = text_at(list, 0);
    CHECK(t && strcmp(t, "imported\n") == 0, "the import's line at tick 0: %s", t ? t : "none");
    t = text_at(list, 3);
    CHECK(t && strcmp(t, "tick 3\n") == 0, "tick 3: %s", t ? t : "none");
    for (int tick = 1; tick < 10; tick++)
        if (tick != 3 && tick != 5 && tick != 7 && tick != 8)
            CHECK(text_at(list, tick) == NULL, "nothing at tick %d", tick);
    t = text_at(list, 5);
    CHECK(t && strlen(t) <= CF_OUTPUT_TICK_MAX && strncmp(t, "xxxx", 4) == 0 &&
              ends_with(t, CF_OUTPUT_TICK_CUT),
          "tick 5 cut at %d bytes with its marker: %zu bytes", CF_OUTPUT_TICK_MAX,
          t ? strlen(t) : 0);
    t = text_at(list, 7);
    CHECK(t && strcmp(t, "err 7\n") == 0, "stderr at tick 7: %s", t ? t : "none");
    t = text_at(list, 8);
    CHECK(t && strstr(t, "bad ") && strstr(t, "\xef\xbf\xbd") && strstr(t, " bytes\n"),
          "bytes that are not UTF-8 repaired at tick 8: %s", t ? t : "none");

    size_t total = 0;
    int last_tick = -1, n = cJSON_GetArraySize(list);
    const cJSON *item;
    cJSON_ArrayForEach (item, list) {
        const char *text = cJSON_GetArrayItem(item, 1)->valuestring;
        int tick = cJSON_GetArrayItem(item, 0)->valueint;
        CHECK(tick > last_tick, "ticks increase (%d after %d)", tick, last_tick);
        CHECK(strlen(text) <= CF_OUTPUT_TICK_MAX, "tick %d: %zu bytes", tick, strlen(text));
        last_tick = tick;
        total += strlen(text);
    }
    const char *last = cJSON_GetArrayItem(cJSON_GetArrayItem(list, n - 1), 1)->valuestring;
    CHECK(total <= CF_OUTPUT_FIGHT_MAX && total > CF_OUTPUT_FIGHT_MAX - CF_OUTPUT_TICK_MAX,
          "the fight's cap: %zu bytes", total);
    CHECK(ends_with(last, CF_OUTPUT_FIGHT_CUT), "the last text ends with the fight's marker");
    CHECK(last_tick >= 70 && last_tick < 99, "cut before the end of the fight (tick %d)",
          last_tick);
    t = text_at(list, 20);
    CHECK(t && strncmp(t, "tick 20 yyy", 11) == 0 && ends_with(t, CF_OUTPUT_TICK_CUT),
          "tick 20: %.20s", t ? t : "none");
}

int main(int argc, char **argv)
{
    int bad_args = sandbox_test_args(argc, "test_tick_output");
    if (bad_args != 0)
        return bad_args;
    char *printer = load_bot(argv[1], "o_ticks.py");
    char *few = load_bot(argv[1], "o_few.py");
    char *idle = load_bot(argv[1], "idle.py");
    char err[512];
    cf_sandbox_options opts = {0};
    cf_sandbox *sb = cf_sandbox_start(&opts, err, sizeof err);
    if (!sb) {
        fprintf(stderr, "FAIL: cf_sandbox_start: %s\n", err);
        return 1;
    }
    cf_fight_hooks hooks = {.output = on_output, .finished = on_finished};

    cf_fight_entry m;
    make_msg(&m, "tanks", "printer.py", "few.py", printer, few);
    cJSON *r = cf_fight_run(sb, &m, &hooks, err, sizeof err);
    CHECK(r != NULL, "fight: %s", err);
    CHECK(output_calls == 1 && output_before_finished, "the output hook once, before the report's");
    char why[256] = "";
    CHECK(got_output && cf_result_output_validate(got_output, 2, why, sizeof why) == 0,
          "the output keeps its contract: %s", why);
    check_printer(cJSON_GetObjectItemCaseSensitive(got_output, "0"));
    char *few_json = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(got_output, "1"));
    CHECK(few_json && strcmp(few_json, "[[2,\"B tick 2\\n\"],[4,\"B tick 4\\n\"]]") == 0,
          "the other player's own lines at their ticks: %s", few_json ? few_json : "none");
    free(few_json);
    if (r) {
        CHECK(cf_report_validate(r, why, sizeof why) == 0, "report: %s", why);
        const cJSON *p0 = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "players"), 0);
        const char *log = cJSON_GetStringValue(cJSON_GetObjectItem(p0, "log"));
        CHECK(log && strncmp(log, "imported\ntick 3\n", 16) == 0, "the log as before: %.40s",
              log ? log : "none");
        CHECK(cJSON_GetObjectItem(p0, "output") == NULL, "no output in the report");
    }
    cJSON_Delete(r);

    /* Nobody printed: no output at all. */
    output_calls = finished_calls = 0;
    make_msg(&m, "tanks", "a.py", "b.py", idle, idle);
    r = cf_fight_run(sb, &m, &hooks, err, sizeof err);
    CHECK(r != NULL && finished_calls == 1, "silent fight: %s", err);
    CHECK(output_calls == 0, "no output hook for a silent fight");
    cJSON_Delete(r);

    cf_sandbox_stop(sb);
    cJSON_Delete(got_output);
    free(printer);
    free(few);
    free(idle);
    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    else
        printf("ok\n");
    return failures ? 1 : 0;
}
