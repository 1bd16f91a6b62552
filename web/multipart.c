/*
 * multipart.c — splits a multipart/form-data body (RFC 7578) into parts,
 * without copying: each part points into the body.
 *
 * Only what a browser's file upload form sends is understood: a boundary
 * parameter, parts with a Content-Disposition: form-data; name=...;
 * filename=... header. Anything else malformed is refused as a whole.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "web.h"

#define BOUNDARY_MAX 70

static int get_boundary(const char *ctype, char *out, size_t outlen)
{
    const char *b = strcasestr(ctype, "boundary=");
    size_t n = 0;

    if (strncasecmp(ctype, "multipart/form-data", 19) != 0 || b == NULL)
        return -1;
    b += 9;
    if (*b == '"') {
        b++;
        while (b[n] != '\0' && b[n] != '"')
            n++;
    } else {
        while (b[n] != '\0' && b[n] != ';' && b[n] != ' ')
            n++;
    }
    if (n == 0 || n > BOUNDARY_MAX || n + 3 > outlen)
        return -1;
    out[0] = '-';
    out[1] = '-';
    memcpy(out + 2, b, n);
    out[n + 2] = '\0';
    return 0;
}

/* Copies parameter `key` ("name", "filename") of a Content-Disposition
 * header line [h, end) into out; "" when absent. */
static void disposition_param(const char *h, const char *end, const char *key, char *out,
                              size_t outlen)
{
    size_t klen = strlen(key);

    out[0] = '\0';
    for (const char *p = h; p + klen + 2 <= end; p++) {
        if ((p == h || p[-1] == ' ' || p[-1] == ';') && strncasecmp(p, key, klen) == 0 &&
            p[klen] == '=' && p[klen + 1] == '"') {
            const char *v = p + klen + 2;
            const char *q = memchr(v, '"', (size_t)(end - v));
            size_t n;

            if (q == NULL)
                return;
            n = (size_t)(q - v);
            if (n >= outlen)
                n = outlen - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return;
        }
    }
}

/* The headers [p, hdr_end) of a part: its name and filename from its
 * Content-Disposition ("" when absent). */
static void read_part_headers(const char *p, const char *hdr_end, multipart_part *part)
{
    part->name[0] = part->filename[0] = '\0';
    for (const char *line = p; line < hdr_end;) {
        const char *eol = memmem(line, (size_t)(hdr_end + 2 - line), "\r\n", 2);
        if (eol == NULL)
            eol = hdr_end;
        if ((size_t)(eol - line) > 20 && strncasecmp(line, "Content-Disposition:", 20) == 0) {
            disposition_param(line + 20, eol, "name", part->name, sizeof part->name);
            disposition_param(line + 20, eol, "filename", part->filename, sizeof part->filename);
        }
        line = eol + 2;
    }
}

/* Where the data starting at p ends: at the CRLF before the next delimiter
 * line; NULL when there is none. */
static const char *part_data_end(const char *p, const char *end, const char *delim, size_t dlen)
{
    for (const char *next = p;; next++) {
        next = memmem(next, (size_t)(end - next), "\r\n", 2);
        if (next == NULL)
            return NULL;
        /* A delimiter line is CRLF, the delimiter, then CRLF or "--";
         * anything else (e.g. "--XyZx") is still data. */
        if ((size_t)(end - next) >= 4 + dlen && memcmp(next + 2, delim, dlen) == 0 &&
            (memcmp(next + 2 + dlen, "\r\n", 2) == 0 || memcmp(next + 2 + dlen, "--", 2) == 0))
            return next;
    }
}

int multipart_parse(const char *ctype, const char *body, size_t len, multipart_part *parts,
                    int maxparts)
{
    char delim[BOUNDARY_MAX + 3];
    if (ctype == NULL || get_boundary(ctype, delim, sizeof delim) != 0)
        return -1;
    size_t dlen = strlen(delim);
    if (len < dlen || memcmp(body, delim, dlen) != 0)
        return -1;
    const char *p = body + dlen, *end = body + len;
    for (int n = 0;; n++) {
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return n; /* closing delimiter */
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            return -1;
        p += 2;
        const char *hdr_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (hdr_end == NULL || n == maxparts)
            return -1;
        multipart_part *part = &parts[n];
        read_part_headers(p, hdr_end, part);
        if (part->name[0] == '\0')
            return -1;
        p = hdr_end + 4;
        const char *next = part_data_end(p, end, delim, dlen);
        if (next == NULL)
            return -1;
        part->data = p;
        part->len = (size_t)(next - p);
        p = next + 2 + dlen;
    }
}
