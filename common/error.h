/*
 * error.h — how a cf_common verb hands an error back to its caller.
 *
 * Every verb that can fail takes (char *err, size_t errlen) and, on
 * failure, writes one line there that names what was wrong; the caller
 * decides whether it goes to a log, an HTTP answer or a dead-letter entry.
 * One function does the writing so that every verb treats a NULL or empty
 * buffer the same way: the caller did not want the text.
 */
#ifndef CF_ERROR_H
#define CF_ERROR_H

#include <stddef.h>

/* printf into err[0..errlen), always NUL-terminated; nothing when err is
 * NULL or errlen is 0. */
void cf_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
