/*
 * password_list.c — is a password one of the most common ones?
 *
 * The list is web/passwords/common.txt (where it comes from, its licence
 * and how to make it again: web/passwords/README.md): passwords of 8 to
 * 256 bytes, lower case, one a line, sorted by byte. It is compiled into
 * cf-web (web/passwords/embed.cmake), so there is nothing to load at start
 * and nothing that can be missing on one host: every cf-web refuses the
 * same words.
 *
 * A lookup folds the password's ASCII letters to lower case (the list is
 * ASCII and lower case, so the check ignores case) and binary-searches the
 * lines in place: each step takes the line around the middle of the range
 * left, so about 15 steps for the whole list, with no allocation and no
 * lock.
 */
#include <string.h>

#include "web.h"

/* password_list_data.c, generated from the list at build time. */
extern const char password_list_data[];
extern const size_t password_list_size;

/* Where the line holding byte pos starts. */
static size_t line_start(size_t pos)
{
    while (pos > 0 && password_list_data[pos - 1] != '\n')
        pos--;
    return pos;
}

/* Where the line starting at start ends (its newline, or the end). */
static size_t line_end(size_t start)
{
    const char *nl = memchr(password_list_data + start, '\n', password_list_size - start);
    return nl != NULL ? (size_t)(nl - password_list_data) : password_list_size;
}

/* Byte order, as LC_ALL=C sort has it: a prefix comes first. */
static int compare(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

bool password_list_has(const char *password)
{
    size_t n = strlen(password);
    char low[PASSWORD_LIST_MAX];
    if (n == 0 || n > sizeof low)
        return false; /* the list holds nothing that long */
    for (size_t i = 0; i < n; i++) {
        char c = password[i];
        low[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    /* [lo, hi): whole lines, lo always a line's start. */
    size_t lo = 0, hi = password_list_size;
    while (lo < hi) {
        size_t mid = line_start(lo + (hi - lo) / 2);
        size_t end = line_end(mid);
        int c = compare(low, n, password_list_data + mid, end - mid);
        if (c == 0)
            return true;
        if (c < 0)
            hi = mid;
        else
            lo = end + 1;
    }
    return false;
}
