/*
 * test_request_head.c — web/request_head.c: the request line and head read
 * before evhttp reads them, from bytes as they arrive (label web; cmocka,
 * no services).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "web.h"

/* Reads what buf holds after appending text (scanned kept by the caller). */
static int feed(struct evbuffer *buf, const char *text, size_t *scanned, request_head *h)
{
    assert_int_equal(evbuffer_add(buf, text, strlen(text)), 0);
    return request_head_read(buf, scanned, h);
}

static void whole_head_in_one_piece(void **state)
{
    struct evbuffer *buf = evbuffer_new();
    request_head h;
    size_t scanned = 0;

    (void)state;
    assert_int_equal(feed(buf,
                          "POST /api/bots/abc/versions?x=1 HTTP/1.1\r\nHost: x\r\n"
                          "content-length: 12345\r\nEXPECT:  100-continue\r\n\r\nbody",
                          &scanned, &h),
                     HEAD_READ);
    assert_int_equal(h.method, EVHTTP_REQ_POST);
    assert_true(h.has_path);
    assert_string_equal(h.path, "/api/bots/abc/versions");
    assert_true(h.head_complete);
    assert_true(h.expect_continue);
    assert_int_equal(h.content_length, 12345);
    evbuffer_free(buf);
}

static void line_trickled_then_read_once_whole(void **state)
{
    struct evbuffer *buf = evbuffer_new();
    request_head h;
    size_t scanned = 0;
    const char *line = "GET /api/fights HTTP/1.1\r\n";

    (void)state;
    for (size_t i = 0; i + 1 < strlen(line); i++) {
        char one[2] = {line[i], '\0'};
        assert_int_equal(feed(buf, one, &scanned, &h), HEAD_NEED_MORE);
        /* the line's end is looked for in the new bytes only */
        assert_int_equal(scanned, i + 1);
    }
    assert_int_equal(feed(buf, "\n", &scanned, &h), HEAD_READ);
    assert_int_equal(h.method, EVHTTP_REQ_GET);
    assert_string_equal(h.path, "/api/fights");
    assert_false(h.head_complete); /* the headers are not there yet */
    assert_int_equal(h.content_length, -1);
    evbuffer_free(buf);
}

static void target_forms(void **state)
{
    struct {
        const char *line;
        bool has_path;
        const char *path;
    } cases[] = {
        {"GET http://example.com/api/session HTTP/1.1\r\n", true, "/api/session"},
        {"GET /api/b%6Fts HTTP/1.1\r\n", true, "/api/bots"},
        {"GET /a%00b HTTP/1.1\r\n", false, NULL}, /* a NUL: no path, the smallest limit */
        {"GET * HTTP/1.1\r\n", false, NULL},
        {"CONNECT example.com:443 HTTP/1.1\r\n", false, NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct evbuffer *buf = evbuffer_new();
        request_head h;
        size_t scanned = 0;
        assert_int_equal(feed(buf, cases[i].line, &scanned, &h), HEAD_READ);
        assert_int_equal(h.has_path, cases[i].has_path);
        if (cases[i].has_path)
            assert_string_equal(h.path, cases[i].path);
        evbuffer_free(buf);
    }
}

static void unreadable(void **state)
{
    struct evbuffer *buf = evbuffer_new();
    request_head h;
    size_t scanned = 0;
    char junk[9000];

    (void)state;
    assert_int_equal(feed(buf, "BREW /pot HTTP/1.1\r\n", &scanned, &h), HEAD_UNREADABLE);
    evbuffer_drain(buf, evbuffer_get_length(buf));
    scanned = 0;
    memset(junk, 'a', sizeof junk - 1);
    junk[sizeof junk - 1] = '\0';
    assert_int_equal(feed(buf, junk, &scanned, &h), HEAD_UNREADABLE); /* no end in 8 KiB */
    evbuffer_free(buf);
}

static void bad_lengths_are_none(void **state)
{
    const char *values[] = {"-1", "12abc", "", " ", "+5"};

    (void)state;
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        struct evbuffer *buf = evbuffer_new();
        request_head h;
        size_t scanned = 0;
        char text[200];
        snprintf(text, sizeof text, "PUT /x HTTP/1.1\r\nContent-Length: %s\r\n\r\n", values[i]);
        assert_int_equal(feed(buf, text, &scanned, &h), HEAD_READ);
        assert_true(h.head_complete);
        assert_int_equal(h.content_length, -1);
        evbuffer_free(buf);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_head_in_one_piece),
        cmocka_unit_test(line_trickled_then_read_once_whole),
        cmocka_unit_test(target_forms),
        cmocka_unit_test(unreadable),
        cmocka_unit_test(bad_lengths_are_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
