/*
 * test_fuzz.c — deterministic mutation fuzzing of every parser of common/:
 * fight entries, result entries (and so reports), config files, Redis URLs.
 * Each mutated input must be either accepted or refused with a reason; the
 * ASan/UBSan build (CF_SANITIZE=ON) turns any memory error into a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "fight_entry.h"
#include "redis_conn.h"
#include "report.h"
#include "result_entry.h"
#include "text.h"

#define ROUNDS 4000

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t next(void)
{
    /* xorshift64*: reproducible, no libc state. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static const char *const tokens[] = {
    "\"",   "{",      "}",     "[",       "]",
    ",",    ":",      "\\",    "\\u0000", "\\ud800",
    "null", "true",   "1e999", "-1",      "9007199254740993",
    "\xff", "\xc3",   "\0",    "\n",      "=",
    "#",    "[web]",  "%",     "@",       "/",
    "?db=", ":65536",
};

/* Returns a mutated copy of src (caller frees), its length in *len. */
static char *mutate(const char *src, size_t srclen, size_t *len)
{
    size_t cap = srclen + 64, n = srclen;
    char *b = malloc(cap);
    int edits = 1 + (int)(next() % 4);

    assert_non_null(b);
    memcpy(b, src, srclen);
    for (int e = 0; e < edits; e++) {
        size_t at = n ? (size_t)(next() % n) : 0;
        switch (next() % 5) {
        case 0: /* flip a byte */
            if (n)
                b[at] = (char)(b[at] ^ (1u << (next() % 8)));
            break;
        case 1: /* truncate */ n = at; break;
        case 2: /* delete a run */
            if (n) {
                size_t k = 1 + (size_t)(next() % 8);
                if (at + k > n)
                    k = n - at;
                memmove(b + at, b + at + k, n - at - k);
                n -= k;
            }
            break;
        default: { /* insert a token */
            const char *t = tokens[next() % (sizeof tokens / sizeof tokens[0])];
            size_t tl = t[0] ? strlen(t) : 1;
            if (n + tl > cap)
                break;
            memmove(b + at + tl, b + at, n - at);
            memcpy(b + at, t, tl);
            n += tl;
            break;
        }
        }
    }
    *len = n;
    return b;
}

#define ID "6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"

static void fuzz_fight_entries(void **state)
{
    static const char players[] = "[{\"name\":\"a.py\",\"code\":\"class Main:\\n  def f(self): "
                                  "return [1, {\\\"x\\\": 2}]\\n\"},"
                                  "{\"name\":\"b\\u00e9.py\",\"code\":\"\"}]";
    static const char settings[] = "{\"rounds\": 3, \"size\": {\"w\": 10}}";
    int accepted = 0, refused = 0;

    (void)state;
    for (int i = 0; i < ROUNDS; i++) {
        size_t pl, sl;
        char *p = mutate(players, sizeof players - 1, &pl);
        char *s = mutate(settings, sizeof settings - 1, &sl);
        cf_field f[5] = {
            {"id", 2, ID, 36},      {"game", 4, "tanks", 5}, {"players", 7, p, pl},
            {"settings", 8, s, sl}, {"seed", 4, "42", 2},
        };
        cf_fight_entry msg;
        char err[256] = "";

        if (cf_fight_entry_decode(f, 5, 1000, &msg, err, sizeof err) == 0) {
            char *json = cf_fight_entry_players_json(&msg);
            assert_non_null(json);
            for (int k = 0; k < msg.nplayers; k++)
                assert_true(cf_utf8_valid(msg.players[k].code, msg.players[k].code_len));
            free(json);
            cf_fight_entry_free(&msg);
            accepted++;
        } else {
            assert_true(strncmp(err, "field '", 7) == 0);
            refused++;
        }
        free(p);
        free(s);
    }
    /* Both paths must have been exercised for the fuzzing to mean much. */
    assert_true(accepted > 0 && refused > 0);
}

static void fuzz_result_entries(void **state)
{
    static const char report[] =
        "{\"fight_id\":\"" ID "\",\"game\":\"tanks\",\"seed\":7,\"status\":\"finished\","
        "\"players\":[{\"name\":\"a.py\",\"result\":\"win\",\"rank\":1,\"score\":null,"
        "\"verdict\":\"ok\",\"detail\":\"\",\"cpu_ms\":12,\"peak_memory_kb\":9120,\"log\":\"x\"},"
        "{\"name\":\"b.py\",\"result\":\"loss\",\"rank\":2,\"score\":1.5,"
        "\"verdict\":\"crashed\",\"detail\":\"d\",\"cpu_ms\":1,\"peak_memory_kb\":1,\"log\":\"\"}],"
        "\"result\":[\"W\",\"L\"],\"explanation\":\"\",\"ticks\":3,\"data\":[{\"t\":1}],"
        "\"elapsed_ms\":14}";
    int accepted = 0, refused = 0;

    (void)state;
    for (int i = 0; i < ROUNDS; i++) {
        size_t rl;
        char *r = mutate(report, sizeof report - 1, &rl);
        cf_field f[3] = {
            {"id", 2, ID, 36},
            {"status", 6, "finished", 8},
            {"report", 6, r, rl},
        };
        cf_result_entry msg;
        char err[256] = "";

        if (cf_result_entry_decode(f, 3, &msg, err, sizeof err) == 0) {
            cf_result_entry_free(&msg);
            accepted++;
        } else {
            assert_true(strncmp(err, "field '", 7) == 0);
            refused++;
        }
        free(r);
    }
    assert_true(accepted > 0 && refused > 0);
}

static void fuzz_config_files(void **state)
{
    static const cf_config_key keys[] = {
        {.name = "web.port", .type = CF_CONFIG_INT, .def = "1", .min = 1, .max = 65535},
        {.name = "web.name", .type = CF_CONFIG_STRING, .def = "x"},
        {.name = "web.on", .type = CF_CONFIG_BOOL, .def = "no"},
        {.name = NULL},
    };
    static const char text[] = "# c\n[web]\nport = 80 # p\nname = \"a \\\" b\"\non = yes\n"
                               "[simulator]\nx = 1\n[log]\nlevel = info\n";
    const cf_config_key *tables[] = {cf_config_common_keys, keys, NULL};
    char path[] = "/tmp/cf_fuzz_conf_XXXXXX";
    int fd = mkstemp(path), accepted = 0, refused = 0;

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    unsetenv("CF_REDIS_URL");
    unsetenv("CF_DATABASE_URL");
    unsetenv("CF_LOG_LEVEL");
    unsetenv("CF_LOG_FORMAT");
    for (int i = 0; i < ROUNDS / 4; i++) {
        size_t n;
        char *t = mutate(text, sizeof text - 1, &n);
        FILE *f = fopen(path, "wb");
        char err[512] = "";
        cf_config *cfg;

        assert_non_null(f);
        assert_int_equal(fwrite(t, 1, n, f), n);
        assert_int_equal(fclose(f), 0);
        cfg = cf_config_load_tables(tables, path, err, sizeof err);
        if (cfg != NULL) {
            long long port = cf_config_int(cfg, "web.port");
            assert_true(port >= 1 && port <= 65535);
            cf_config_free(cfg);
            accepted++;
        } else {
            assert_true(err[0] != '\0');
            refused++;
        }
        free(t);
    }
    unlink(path);
    assert_true(accepted > 0 && refused > 0);
}

static void fuzz_redis_urls(void **state)
{
    static const char *const seeds[] = {"redis://:pw@127.0.0.1:6379/2", "unix:///tmp/r.sock?db=1",
                                        "redis://[::1]:7000"};
    int accepted = 0, refused = 0;

    (void)state;
    for (int i = 0; i < ROUNDS; i++) {
        const char *s = seeds[i % 3];
        size_t n;
        char *u = mutate(s, strlen(s), &n);
        char *z = malloc(n + 1);
        cf_redis_addr a;
        char err[200] = "";

        assert_non_null(z);
        memcpy(z, u, n);
        z[n] = '\0';
        if (cf_redis_parse_url(z, &a, err, sizeof err) == 0) {
            assert_true(a.path[0] != '\0' || (a.host[0] != '\0' && a.port > 0 && a.port < 65536));
            accepted++;
        } else {
            assert_true(err[0] != '\0');
            refused++;
        }
        free(z);
        free(u);
    }
    assert_true(accepted > 0 && refused > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fuzz_fight_entries),
        cmocka_unit_test(fuzz_result_entries),
        cmocka_unit_test(fuzz_config_files),
        cmocka_unit_test(fuzz_redis_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
