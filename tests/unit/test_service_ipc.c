/*
 * test_service_ipc.c — the frames between cf-simulator and its workers
 * (simulator/service_ipc.c): round trips, and every truncation or bogus
 * length refused without a crash (run under ASan/UBSan in scripts/test).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "service.h"

static void test_frame_round_trip(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(svc_frame_write(fds[1], SVC_FRAME_REPORT, "{\"a\":1}", 7), 0);
    assert_int_equal(svc_frame_write(fds[1], SVC_FRAME_CANCEL, NULL, 0), 0);
    close(fds[1]);
    char type;
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(svc_frame_read(fds[0], &type, &data, &len), 1);
    assert_int_equal(type, SVC_FRAME_REPORT);
    assert_int_equal(len, 7);
    assert_string_equal(data, "{\"a\":1}");
    free(data);
    assert_int_equal(svc_frame_read(fds[0], &type, &data, &len), 1);
    assert_int_equal(type, SVC_FRAME_CANCEL);
    assert_int_equal(len, 0);
    free(data);
    assert_int_equal(svc_frame_read(fds[0], &type, &data, &len), 0); /* EOF */
    close(fds[0]);
}

static void test_frame_truncated_and_oversized(void **state)
{
    (void)state;
    int fds[2];
    char type;
    char *data = NULL;
    size_t len;
    /* Header promises 100 bytes, 3 come, then EOF. */
    assert_int_equal(pipe(fds), 0);
    char head[5] = {SVC_FRAME_JOB};
    uint32_t l = 100;
    memcpy(head + 1, &l, 4);
    assert_int_equal(write(fds[1], head, 5), 5);
    assert_int_equal(write(fds[1], "abc", 3), 3);
    close(fds[1]);
    assert_int_equal(svc_frame_read(fds[0], &type, &data, &len), -1);
    close(fds[0]);
    /* A length over the cap is refused before any allocation. */
    assert_int_equal(pipe(fds), 0);
    l = SVC_FRAME_MAX + 1;
    memcpy(head + 1, &l, 4);
    assert_int_equal(write(fds[1], head, 5), 5);
    close(fds[1]);
    assert_int_equal(svc_frame_read(fds[0], &type, &data, &len), -1);
    close(fds[0]);
    /* Half a header. */
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], head, 2), 2);
    close(fds[1]);
    assert_int_equal(svc_frame_read(fds[0], &type, &data, &len), -1);
    close(fds[0]);
    assert_int_equal(svc_frame_write(-1, SVC_FRAME_JOB, "x", SVC_FRAME_MAX + 1u), -1);
}

static void test_fields_round_trip(void **state)
{
    (void)state;
    const char bin[] = {'a', '\0', 'b'};
    cf_field in[3] = {
        {"id", 2, "6a1f0c2e-0000-4000-8000-000000000000", 36},
        {"players", 7, "[]", 2},
        {"k", 1, bin, sizeof bin},
    };
    size_t len;
    char *buf = svc_fields_pack(in, 3, &len);
    assert_non_null(buf);
    cf_field *out = NULL;
    size_t n = 0;
    assert_int_equal(svc_fields_unpack(buf, len, &out, &n), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(out[i].key_len, in[i].key_len);
        assert_memory_equal(out[i].key, in[i].key, in[i].key_len);
        assert_int_equal(out[i].val_len, in[i].val_len);
        assert_memory_equal(out[i].val, in[i].val, in[i].val_len);
    }
    free(out);
    /* Every truncation is refused. */
    for (size_t cut = 0; cut < len; cut++) {
        out = NULL;
        assert_int_equal(svc_fields_unpack(buf, cut, &out, &n), -1);
        assert_null(out);
    }
    /* A field count larger than the buffer could hold. */
    uint32_t big = 1000000;
    memcpy(buf, &big, 4);
    assert_int_equal(svc_fields_unpack(buf, len, &out, &n), -1);
    /* A field length running past the end. */
    uint32_t one = 1, huge = 0xffffffffu;
    memcpy(buf, &one, 4);
    memcpy(buf + 4, &huge, 4);
    assert_int_equal(svc_fields_unpack(buf, len, &out, &n), -1);
    free(buf);
}

static void test_fields_empty(void **state)
{
    (void)state;
    size_t len;
    char *buf = svc_fields_pack(NULL, 0, &len);
    assert_non_null(buf);
    cf_field *out = NULL;
    size_t n = 99;
    assert_int_equal(svc_fields_unpack(buf, len, &out, &n), 0);
    assert_int_equal(n, 0);
    free(out);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_round_trip),
        cmocka_unit_test(test_frame_truncated_and_oversized),
        cmocka_unit_test(test_fields_round_trip),
        cmocka_unit_test(test_fields_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
