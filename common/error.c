/*
 * error.c — the one writer of error messages into callers' buffers
 * (see error.h).
 */
#include <stdarg.h>
#include <stdio.h>

#include "error.h"

void cf_seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
