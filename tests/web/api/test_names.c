/*
 * test_names.c — web/names.c: players' names fit the stream's 64 bytes,
 * and a house bot's name is never cut (label web; cmocka, no services).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web.h"

static void fill(char *buf, char c, size_t n)
{
    memset(buf, c, n);
    buf[n] = '\0';
}

static void short_names_whole(void **state)
{
    char out[CF_PLAYER_NAME_MAX + 1];

    (void)state;
    web_player_name(out, "alice", "Bot 1");
    assert_string_equal(out, "alice/Bot 1");
}

static void long_bot_cut_to_64(void **state)
{
    char out[CF_PLAYER_NAME_MAX + 1], user[40], bot[80], want[CF_PLAYER_NAME_MAX + 1];

    (void)state;
    fill(user, 'u', 32);
    fill(bot, 'b', 64);
    web_player_name(out, user, bot);
    assert_int_equal(strlen(out), CF_PLAYER_NAME_MAX);
    memcpy(want, user, 32);
    want[32] = '/';
    fill(want + 33, 'b', CF_PLAYER_NAME_MAX - 33);
    assert_string_equal(out, want);
}

/* The old arithmetic (64 - u - 1 > 0 on size_t) wrapped when the user part
 * took all 64 bytes and copied past the buffer. */
static void user_of_64_or_more(void **state)
{
    char out[CF_PLAYER_NAME_MAX + 1 + 16], user[100];

    (void)state;
    memset(out, 'X', sizeof out);
    for (size_t n = 62; n <= 70; n++) {
        fill(user, 'u', n);
        web_player_name(out, user, "bot");
        assert_true(strlen(out) <= CF_PLAYER_NAME_MAX);
        assert_true(strchr(out, '/') != NULL);
        assert_int_equal(out[CF_PLAYER_NAME_MAX + 1], 'X'); /* nothing written past */
    }
    fill(user, 'u', 63);
    web_player_name(out, user, "bot");
    assert_int_equal(strlen(out), 64);
    assert_int_equal(out[63], '/');
}

static void house_name_fits_or_refused(void **state)
{
    char out[CF_PLAYER_NAME_MAX + 1], tpl[80];

    (void)state;
    assert_true(web_house_name(out, "tank_bot.py"));
    assert_string_equal(out, "house/tank_bot.py");
    fill(tpl, 't', 58); /* 6 + 58 = 64: fits exactly */
    assert_true(web_house_name(out, tpl));
    assert_int_equal(strlen(out), 64);
    assert_string_equal(out + 6, tpl);
    fill(tpl, 't', 59); /* would be cut to 64: refused, never cut */
    strcpy(out, "untouched");
    assert_false(web_house_name(out, tpl));
    assert_string_equal(out, "untouched");
    assert_false(web_house_name(out, ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(short_names_whole),
        cmocka_unit_test(long_bot_cut_to_64),
        cmocka_unit_test(user_of_64_or_more),
        cmocka_unit_test(house_name_fits_or_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
