/*
 * uuid.c — fight ids: random UUID v4 from libsodium, and the syntax check.
 *
 * Fight ids travel through redis-cli, URLs and PostgreSQL's uuid type, so
 * only the canonical 8-4-4-4-12 hexadecimal form is accepted.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "text.h"

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool cf_uuid_valid(const char *s, size_t len)
{
    if (s == NULL || len != CF_UUID_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!is_hex(s[i])) {
            return false;
        }
    }
    return true;
}

void cf_uuid_generate(char out[CF_UUID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    size_t o = 0;

    /* sodium_init is idempotent and thread-safe; without it randombytes
     * may not be seeded. Failing here means no entropy: nothing sane to do. */
    if (sodium_init() < 0)
        abort();
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    for (size_t i = 0; i < sizeof b; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0F];
    }
    out[o] = '\0';
}
