/*
 * test_password_list.c — web/password_list.c: the common passwords cf-web
 * refuses, as compiled in from web/passwords/common.txt (label web;
 * cmocka, no services). The list is well formed (the binary search relies
 * on its order), every line of it is found, in any case, and the
 * passwords the test suites use are not on it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web.h"

extern const char password_list_data[];
extern const size_t password_list_size;

/* Calls each(line, len) for every line of the list; their count. */
static size_t each_line(void (*each)(const char *line, size_t len, void *arg), void *arg)
{
    size_t count = 0;
    for (size_t pos = 0; pos < password_list_size;) {
        const char *nl = memchr(password_list_data + pos, '\n', password_list_size - pos);
        assert_non_null(nl); /* every line ends with a newline */
        size_t len = (size_t)(nl - password_list_data) - pos;
        each(password_list_data + pos, len, arg);
        pos += len + 1;
        count++;
    }
    return count;
}

typedef struct order_state {
    const char *prev;
    size_t prev_len;
} order_state;

static void check_line(const char *line, size_t len, void *arg)
{
    order_state *st = arg;
    assert_in_range(len, 8, PASSWORD_LIST_MAX);
    for (size_t i = 0; i < len; i++) {
        assert_false(line[i] >= 'A' && line[i] <= 'Z');
        assert_true(line[i] != '\r' && line[i] != '\0');
    }
    if (st->prev != NULL) {
        size_t n = len < st->prev_len ? len : st->prev_len;
        int c = memcmp(st->prev, line, n);
        /* strictly ascending by byte: sorted, no duplicates */
        assert_true(c < 0 || (c == 0 && st->prev_len < len));
    }
    st->prev = line;
    st->prev_len = len;
}

static void list_is_sorted_lower_case_and_bounded(void **state)
{
    (void)state;
    order_state st = {0};
    assert_true(password_list_size > 0);
    assert_int_equal(password_list_data[password_list_size - 1], '\n');
    assert_true(each_line(check_line, &st) > 10000);
}

static void find_line(const char *line, size_t len, void *arg)
{
    char buf[PASSWORD_LIST_MAX + 1];
    (void)arg;
    memcpy(buf, line, len);
    buf[len] = '\0';
    if (!password_list_has(buf))
        fail_msg("'%s' is on the list but not found", buf);
    /* in upper case too */
    for (size_t i = 0; i < len; i++)
        if (buf[i] >= 'a' && buf[i] <= 'z')
            buf[i] = (char)(buf[i] - 'a' + 'A');
    if (!password_list_has(buf))
        fail_msg("'%s' (upper case) is on the list but not found", buf);
}

static void every_line_is_found(void **state)
{
    (void)state;
    (void)each_line(find_line, NULL);
}

static void common_ones_refused_in_any_case(void **state)
{
    (void)state;
    const char *common[] = {"password",   "Password", "PASSWORD1", "iloveyou", "12345678",
                            "qwertyuiop", "trustno1", "Sunshine",  "!qaz2wsx", "zzzzzzz1"};
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
        if (!password_list_has(common[i]))
            fail_msg("'%s' is not refused", common[i]);
}

static void others_pass(void **state)
{
    (void)state;
    /* The test suites' own passwords, prefixes and extensions of listed
     * ones, what sorts before the first and after the last line. */
    const char *fine[] = {"password-123",
                          "demo-password",
                          "new-password-1",
                          "reset-password-1",
                          "correct horse 8731",
                          "tr0ub4dor &3",
                          "passwor",
                          "password1!x",
                          "",
                          "!",
                          "~~~~~~~~~",
                          "passwörd"};
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
        if (password_list_has(fine[i]))
            fail_msg("'%s' is refused", fine[i]);
    char longer[PASSWORD_LIST_MAX + 2];
    memset(longer, 'a', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_false(password_list_has(longer));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_is_sorted_lower_case_and_bounded),
        cmocka_unit_test(every_line_is_found),
        cmocka_unit_test(common_ones_refused_in_any_case),
        cmocka_unit_test(others_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
