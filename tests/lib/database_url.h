/*
 * database_url.h — CF_DATABASE_URL for a cmocka test that needs the real
 * PostgreSQL: unset or empty, the test says how to get one and its main
 * returns 1 (a failure, never a skip: the suite's PostgreSQL is required).
 * Header-only: each test is one program.
 */
#ifndef CF_TEST_DATABASE_URL_H
#define CF_TEST_DATABASE_URL_H

#include <stdio.h>
#include <stdlib.h>

/* The URL, or NULL with the reason on stderr. */
static inline const char *require_database_url(void)
{
    const char *url = getenv("CF_DATABASE_URL");

    if (url == NULL || *url == '\0') {
        fprintf(stderr, "CF_DATABASE_URL is not set: this test needs the real PostgreSQL "
                        "(scripts/stack start, then . $CF_RUN_DIR/env)\n");
        return NULL;
    }
    return url;
}

#endif
