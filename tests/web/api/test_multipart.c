/*
 * test_multipart.c — web/multipart.c on the bodies browsers send and on
 * broken ones (label web; cmocka, no services needed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web.h"

#define CT "multipart/form-data; boundary=XyZ"

static int parse(const char *ctype, const char *body, multipart_part *parts, int max)
{
    return multipart_parse(ctype, body, strlen(body), parts, max);
}

static void browser_form(void **state)
{
    multipart_part p[4];
    const char *body = "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"name\"\r\n\r\n"
                       "My bot\r\n"
                       "--XyZ\r\n"
                       "Content-Disposition: form-data; name=\"file\"; filename=\"bot.py\"\r\n"
                       "Content-Type: text/x-python\r\n\r\n"
                       "class Main:\r\n    pass\r\n--XyZx\r\n"
                       "--XyZ--\r\n";

    (void)state;
    assert_int_equal(parse(CT, body, p, 4), 2);
    assert_string_equal(p[0].name, "name");
    assert_int_equal(p[0].len, 6);
    assert_memory_equal(p[0].data, "My bot", 6);
    assert_string_equal(p[1].name, "file");
    assert_string_equal(p[1].filename, "bot.py");
    /* CRLFs inside the data, and a near-miss of the delimiter, are data. */
    assert_int_equal(p[1].len, strlen("class Main:\r\n    pass\r\n--XyZx"));
}

static void quoted_boundary(void **state)
{
    multipart_part p[2];
    const char *body = "--a b\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\nx\r\n--a b--";

    (void)state;
    assert_int_equal(parse("multipart/form-data; boundary=\"a b\"", body, p, 2), 1);
    assert_string_equal(p[0].name, "code");
    assert_int_equal(p[0].len, 1);
}

static void empty_part(void **state)
{
    multipart_part p[2];
    const char *body = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n\r\n--XyZ--";

    (void)state;
    assert_int_equal(parse(CT, body, p, 2), 1);
    assert_int_equal(p[0].len, 0);
}

static void refused(void **state)
{
    multipart_part p[1];
    const char *ok_part = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n";
    char two[256];

    (void)state;
    /* no closing delimiter */
    assert_int_equal(parse(CT, ok_part, p, 1), -1);
    /* not multipart, no boundary, a boundary too long */
    assert_int_equal(parse("application/json", "--XyZ--", p, 1), -1);
    assert_int_equal(parse("multipart/form-data", "--XyZ--", p, 1), -1);
    assert_int_equal(parse("multipart/form-data; boundary=", "----", p, 1), -1);
    char longct[200] = "multipart/form-data; boundary=";
    memset(longct + strlen(longct), 'b', 80);
    assert_int_equal(parse(longct, "--", p, 1), -1);
    /* body not starting with the delimiter */
    assert_int_equal(parse(CT, "junk--XyZ--", p, 1), -1);
    /* a part without a name */
    assert_int_equal(parse(CT, "--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--", p, 1), -1);
    /* headers never end */
    assert_int_equal(parse(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"", p, 1), -1);
    /* more parts than room */
    snprintf(two, sizeof two, "%s%s--XyZ--", ok_part, ok_part + 0);
    assert_int_equal(parse(CT, two, p, 1), -1);
    /* NULL content type */
    assert_int_equal(multipart_parse(NULL, "--XyZ--", 7, p, 1), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(browser_form),
        cmocka_unit_test(quoted_boundary),
        cmocka_unit_test(empty_part),
        cmocka_unit_test(refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
