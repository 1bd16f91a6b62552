/*
 * utf8.c — strict UTF-8 validation for everything that crosses a boundary.
 *
 * Bot code, player names and configuration values are stored in PostgreSQL
 * (which refuses invalid UTF-8 and NUL) and shown on the web, so they are
 * checked once, at the edge, by this one function: no overlong forms, no
 * surrogates, nothing above U+10FFFF, and no NUL byte anywhere.
 */
#include "stream_msg.h"

bool cf_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    if (s == NULL)
        return len == 0;
    while (i < len) {
        unsigned char c = p[i];
        size_t need;
        unsigned int cp, min;

        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
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
            return false; /* continuation byte, 0xC0/0xC1 or 0xF5.. */
        }
        if (len - i - 1 < need)
            return false; /* truncated sequence */
        for (size_t k = 1; k <= need; k++) {
            unsigned char cc = p[i + k];
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += need + 1;
    }
    return true;
}
