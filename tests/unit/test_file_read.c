/*
 * test_file_read.c — cf_read_file: whole files up to the limit and not a
 * byte more, pipes as well as files, and the refusals named by path.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "file_read.h"

static char dir[] = "/tmp/cf-file-read-XXXXXX";

static int make_dir(void **state)
{
    (void)state;
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int remove_dir(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes n bytes of a repeating pattern to dir/name; returns the path. */
static const char *file_of(const char *name, size_t n)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(fputc('a' + (int)(i % 26), f), EOF);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void reads_whole_files_of_every_size(void **state)
{
    (void)state;
    /* around the first chunk and its doublings */
    static const size_t sizes[] = {0, 1, 4094, 4095, 4096, 4097, 8191, 70000, 1 << 20};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        const char *path = file_of("f", sizes[k]);
        size_t len = 99;
        char err[256] = "";
        char *buf = cf_read_file(path, 1 << 20, &len, err, sizeof err);
        if (buf == NULL)
            fail_msg("%zu bytes: %s", sizes[k], err);
        assert_int_equal(len, sizes[k]);
        assert_int_equal(buf[len], '\0');
        for (size_t i = 0; i < len; i++)
            if (buf[i] != 'a' + (int)(i % 26))
                fail_msg("%zu bytes: byte %zu differs", sizes[k], i);
        free(buf);
    }
}

static void refuses_one_byte_over_the_limit(void **state)
{
    (void)state;
    char err[256] = "";
    size_t len;
    char *buf = cf_read_file(file_of("max", 5000), 5000, &len, err, sizeof err);
    assert_non_null(buf);
    free(buf);
    assert_null(cf_read_file(file_of("over", 5001), 5000, &len, err, sizeof err));
    assert_non_null(strstr(err, "over: larger than 5000 bytes"));
    assert_null(cf_read_file(file_of("mib", (1 << 20) + 1), 1 << 20, &len, err, sizeof err));
    assert_non_null(strstr(err, "mib: larger than 1 MiB"));
}

static void refuses_what_is_not_a_file(void **state)
{
    (void)state;
    char err[256] = "";
    size_t len;
    assert_null(cf_read_file(dir, 100, &len, err, sizeof err));
    assert_non_null(strstr(err, "not a regular file"));
    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing", dir);
    assert_null(cf_read_file(missing, 100, &len, err, sizeof err));
    assert_non_null(strstr(err, "missing: No such file or directory"));
}

/* cf-fight bot.py <(generate) : a pipe reads to its end as well. */
static void reads_a_pipe(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        char block[1000];
        memset(block, 'p', sizeof block);
        for (int i = 0; i < 30; i++) /* more than a pipe's buffer: the reader must keep up */
            if (write(fds[1], block, sizeof block) != (ssize_t)sizeof block)
                _exit(1);
        _exit(0);
    }
    close(fds[1]);
    char path[64], err[256] = "";
    snprintf(path, sizeof path, "/proc/self/fd/%d", fds[0]);
    size_t len = 0;
    char *buf = cf_read_file(path, 1 << 20, &len, err, sizeof err);
    close(fds[0]);
    if (buf == NULL)
        fail_msg("%s", err);
    assert_int_equal(len, 30000);
    assert_int_equal(buf[0], 'p');
    assert_int_equal(buf[29999], 'p');
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_whole_files_of_every_size),
        cmocka_unit_test(refuses_one_byte_over_the_limit),
        cmocka_unit_test(refuses_what_is_not_a_file),
        cmocka_unit_test(reads_a_pipe),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
