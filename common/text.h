/*
 * text.h — text that crosses a boundary: strict UTF-8 and UUIDs.
 *
 * Bot code, player names, bot logs and configuration values end up in
 * PostgreSQL (which refuses invalid UTF-8 and NUL) and on the web, so they
 * are checked, or repaired, at the edge with one definition of "valid": no
 * overlong forms, no surrogates, nothing above U+10FFFF, no NUL byte. Fight
 * and play ids travel through redis-cli, URLs and PostgreSQL's uuid type, so
 * only the canonical 8-4-4-4-12 form is accepted.
 */
#ifndef CF_TEXT_H
#define CF_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "bounds.h"

/* Is the buffer valid UTF-8 with no NUL byte? */
bool cf_utf8_valid(const char *s, size_t len);

/*
 * Copies src[0..len) into dst as text cf_utf8_valid accepts: each byte that
 * does not start a valid sequence (NUL, overlong, surrogate, > U+10FFFF,
 * truncated) becomes U+FFFD. dst must hold 3 * len + 1 bytes; it is
 * NUL-terminated. Returns the bytes written. For text a bot controls (its
 * log, its exception messages) before it goes into a report.
 */
size_t cf_utf8_sanitize(char *dst, const char *src, size_t len);

/* Is s a canonical UUID (8-4-4-4-12 hex, lower or upper case)? */
bool cf_uuid_valid(const char *s, size_t len);
/* Writes a fresh random UUID v4 (37 bytes with NUL). */
void cf_uuid_generate(char out[CF_UUID_LEN + 1]);

#endif
