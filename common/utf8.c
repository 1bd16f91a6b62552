/*
 * utf8.c — strict UTF-8 validation and repair for everything that crosses a
 * boundary.
 *
 * Bot code, player names, bot logs and configuration values end up in
 * PostgreSQL (which refuses invalid UTF-8 and NUL) and on the web, so they
 * are checked, or repaired, at the edge with one definition of "valid": no
 * overlong forms, no surrogates, nothing above U+10FFFF, no NUL byte.
 */
#include <string.h>

#include "text.h"

/* Length of the valid, non-NUL sequence starting at p (at most left bytes
 * available), or 0 when p does not start one. */
static size_t seq_len(const unsigned char *p, size_t left)
{
    unsigned char c = p[0];
    size_t need;
    unsigned int cp, min;

    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07;
        min = 0x10000;
    } else {
        return 0; /* continuation byte, 0xC0/0xC1 or 0xF5.. */
    }
    if (left - 1 < need)
        return 0; /* truncated sequence */
    for (size_t k = 1; k <= need; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need + 1;
}

bool cf_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    if (s == NULL)
        return len == 0;
    while (i < len) {
        size_t n = seq_len(p + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

size_t cf_utf8_sanitize(char *dst, const char *src, size_t len)
{
    static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
    const unsigned char *p = (const unsigned char *)src;
    size_t i = 0, o = 0;

    while (src != NULL && i < len) {
        size_t n = seq_len(p + i, len - i);
        if (n == 0) {
            memcpy(dst + o, replacement, 3);
            o += 3;
            i++;
        } else {
            memcpy(dst + o, p + i, n);
            o += n;
            i += n;
        }
    }
    dst[o] = '\0';
    return o;
}
