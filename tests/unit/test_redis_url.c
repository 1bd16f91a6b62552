/*
 * test_redis_url.c — Redis URL parsing, good forms and bad ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "redis_conn.h"

static void good_urls(void **state)
{
    cf_redis_addr a;
    char err[200];

    (void)state;
    assert_int_equal(cf_redis_parse_url("redis://127.0.0.1:23456", &a, err, sizeof err), 0);
    assert_string_equal(a.host, "127.0.0.1");
    assert_int_equal(a.port, 23456);
    assert_int_equal(a.db, 0);
    assert_string_equal(a.path, "");
    assert_string_equal(a.password, "");

    assert_int_equal(cf_redis_parse_url("redis://localhost", &a, err, sizeof err), 0);
    assert_string_equal(a.host, "localhost");
    assert_int_equal(a.port, 6379);

    assert_int_equal(cf_redis_parse_url("redis://:s3cret@redis:7000/3", &a, err, sizeof err), 0);
    assert_string_equal(a.host, "redis");
    assert_string_equal(a.password, "s3cret");
    assert_int_equal(a.port, 7000);
    assert_int_equal(a.db, 3);

    assert_int_equal(cf_redis_parse_url("redis://user:pw@h/", &a, err, sizeof err), 0);
    assert_string_equal(a.password, "pw");
    assert_int_equal(a.db, 0);

    assert_int_equal(cf_redis_parse_url("redis://[::1]:7001/2", &a, err, sizeof err), 0);
    assert_string_equal(a.host, "::1");
    assert_int_equal(a.port, 7001);
    assert_int_equal(a.db, 2);

    assert_int_equal(cf_redis_parse_url("unix:///run/cf/redis.sock", &a, err, sizeof err), 0);
    assert_string_equal(a.path, "/run/cf/redis.sock");
    assert_int_equal(a.db, 0);

    assert_int_equal(cf_redis_parse_url("unix:///tmp/r.sock?db=5&password=pw", &a, err, sizeof err),
                     0);
    assert_string_equal(a.path, "/tmp/r.sock");
    assert_int_equal(a.db, 5);
    assert_string_equal(a.password, "pw");
}

static void bad_url(const char *url, const char *needle)
{
    cf_redis_addr a;
    char err[200] = "";

    if (cf_redis_parse_url(url, &a, err, sizeof err) == 0)
        fail_msg("accepted %s", url ? url : "(null)");
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' for %s lacks '%s'", err, url ? url : "(null)", needle);
}

static void bad_urls(void **state)
{
    char longurl[2000];

    (void)state;
    bad_url(NULL, "empty");
    bad_url("", "empty");
    bad_url("http://127.0.0.1:6379", "must start with redis://");
    bad_url("127.0.0.1:6379", "must start with redis://");
    bad_url("rediss://h", "must start with");
    bad_url("redis://", "missing host");
    bad_url("redis://:6379", "missing host");
    bad_url("redis://h:0", "port");
    bad_url("redis://h:65536", "port");
    bad_url("redis://h:99999999999", "port");
    bad_url("redis://h:-1", "port");
    bad_url("redis://h:abc", "port");
    bad_url("redis://h:", "port");
    bad_url("redis://h/x", "database");
    bad_url("redis://h/-1", "database");
    bad_url("redis://h/99999999999", "database");
    bad_url("redis://h?db=1", "query");
    bad_url("redis://pw@h", "password");
    bad_url("redis://h o", "space");
    bad_url("redis://h\x01", "control");
    bad_url("redis://h\xc3\xa9", "non-ASCII");
    bad_url("redis://h%41", "host");
    bad_url("redis://h!x", "bad character in host");
    bad_url("redis://[::1", "IPv6");
    bad_url("redis://[::1]x", "after ']'");
    bad_url("unix://", "absolute socket path");
    bad_url("unix://relative.sock", "absolute socket path");
    bad_url("unix:///tmp/r.sock?db=x", "db");
    bad_url("unix:///tmp/r.sock?timeout=1", "unknown parameter");
    memset(longurl, 'a', sizeof longurl - 1);
    longurl[sizeof longurl - 1] = '\0';
    memcpy(longurl, "unix:///", 8);
    bad_url(longurl, "longer than 1024");
    longurl[200] = '\0';
    bad_url(longurl, "socket path too long");
    memcpy(longurl, "redis://", 8);
    longurl[300] = '\0';
    memset(longurl + 8, 'h', 292);
    bad_url(longurl, "host too long");
}

static void connect_refuses_bad_url(void **state)
{
    char err[200];

    (void)state;
    assert_null(cf_redis_connect("nope://x", 100, err, sizeof err));
    assert_non_null(strstr(err, "redis url"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_urls),
        cmocka_unit_test(bad_urls),
        cmocka_unit_test(connect_refuses_bad_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
