/*
 * file_read.c — a whole file read into memory, with a limit.
 *
 * The buffer grows as the file is read instead of being sized by the limit:
 * a tool that reads a thousand small files (cf-migrate) must not hold a
 * thousand buffers of the largest size allowed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "file_read.h"

#define FIRST_CHUNK 4096

static void say_too_large(const char *path, size_t max, char *err, size_t errlen)
{
    const size_t mib = 1024 * 1024;
    if (max >= mib && max % mib == 0)
        cf_seterr(err, errlen, "%s: larger than %zu MiB", path, max / mib);
    else
        cf_seterr(err, errlen, "%s: larger than %zu bytes", path, max);
}

static bool readable_kind(FILE *f)
{
    struct stat st;
    return fstat(fileno(f), &st) == 0 &&
           (S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode));
}

/* Reads f to its end into *buf, growing it; 0, or -1 when more than max
 * bytes are there (*n then max + 1) or reading failed (errno kept). */
static int read_to_end(FILE *f, size_t max, char **buf, size_t *n)
{
    size_t cap = 0;
    *buf = NULL;
    *n = 0;
    for (;;) {
        if (cap - *n <= 1) { /* one byte stays free for the NUL */
            size_t next = cap == 0 ? FIRST_CHUNK : cap * 2;
            if (next > max + 2)
                next = max + 2; /* room for one byte too many and the NUL */
            char *b = next > cap ? realloc(*buf, next) : NULL;
            if (b == NULL)
                return -1;
            *buf = b;
            cap = next;
        }
        size_t got = fread(*buf + *n, 1, cap - 1 - *n, f);
        *n += got;
        if (*n > max)
            return -1;
        if (got == 0)
            return ferror(f) ? -1 : 0;
    }
}

char *cf_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        cf_seterr(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (!readable_kind(f)) {
        fclose(f);
        cf_seterr(err, errlen, "%s: not a regular file", path);
        return NULL;
    }
    char *buf;
    size_t n;
    int rc = read_to_end(f, max, &buf, &n);
    bool failed = ferror(f);
    fclose(f);
    if (rc < 0) {
        free(buf);
        if (n > max)
            say_too_large(path, max, err, errlen);
        else
            cf_seterr(err, errlen, "%s: %s", path, failed ? "read error" : "out of memory");
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}
