/*
 * service_ipc.c — frames on the pipes between cf-simulator and its workers.
 *
 * A frame is a type byte, a 4-byte length in host order (both ends are the
 * same binary on the same host) and the payload. A JOB payload is the
 * entry's fields, each as a 4-byte length and bytes, key then value.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service.h"

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* 1 on success, 0 on EOF at the start, -1 on error or EOF in the middle. */
static int read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            return got == 0 ? 0 : -1;
        got += (size_t)n;
    }
    return 1;
}

int svc_frame_write(int fd, char type, const void *data, size_t len)
{
    if (len > SVC_FRAME_MAX)
        return -1;
    char head[5];
    uint32_t l = (uint32_t)len;
    head[0] = type;
    memcpy(head + 1, &l, 4);
    if (write_all(fd, head, sizeof head) != 0)
        return -1;
    return len > 0 ? write_all(fd, data, len) : 0;
}

int svc_frame_read(int fd, char *type, char **data, size_t *len)
{
    char head[5];
    int rc = read_all(fd, head, sizeof head);
    if (rc <= 0)
        return rc;
    uint32_t l;
    memcpy(&l, head + 1, 4);
    if (l > SVC_FRAME_MAX)
        return -1;
    char *buf = malloc((size_t)l + 1);
    if (buf == NULL)
        return -1;
    if (l > 0 && read_all(fd, buf, l) != 1) {
        free(buf);
        return -1;
    }
    buf[l] = '\0';
    *type = head[0];
    *data = buf;
    *len = l;
    return 1;
}

char *svc_fields_pack(const cf_field *f, size_t n, size_t *len)
{
    size_t total = 4;
    for (size_t i = 0; i < n; i++)
        total += 8 + f[i].key_len + f[i].val_len;
    if (total > SVC_FRAME_MAX)
        return NULL;
    char *buf = malloc(total), *p = buf;
    if (buf == NULL)
        return NULL;
    uint32_t c = (uint32_t)n;
    memcpy(p, &c, 4);
    p += 4;
    for (size_t i = 0; i < n; i++) {
        uint32_t kl = (uint32_t)f[i].key_len, vl = (uint32_t)f[i].val_len;
        memcpy(p, &kl, 4);
        memcpy(p + 4, f[i].key, kl);
        p += 4 + kl;
        memcpy(p, &vl, 4);
        memcpy(p + 4, f[i].val, vl);
        p += 4 + vl;
    }
    *len = total;
    return buf;
}

/* The fields point into buf (not copied); only the array is allocated. */
int svc_fields_unpack(const char *buf, size_t len, cf_field **f, size_t *n)
{
    uint32_t c;
    if (len < 4)
        return -1;
    memcpy(&c, buf, 4);
    if (c > len / 8)
        return -1;
    cf_field *fs = calloc(c ? c : 1, sizeof *fs);
    if (fs == NULL)
        return -1;
    size_t off = 4;
    for (uint32_t i = 0; i < c; i++) {
        uint32_t l;
        for (int kv = 0; kv < 2; kv++) {
            if (len - off < 4) {
                free(fs);
                return -1;
            }
            memcpy(&l, buf + off, 4);
            off += 4;
            if (len - off < l) {
                free(fs);
                return -1;
            }
            if (kv == 0) {
                fs[i].key = buf + off;
                fs[i].key_len = l;
            } else {
                fs[i].val = buf + off;
                fs[i].val_len = l;
            }
            off += l;
        }
    }
    *f = fs;
    *n = c;
    return 0;
}
