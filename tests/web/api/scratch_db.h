/*
 * scratch_db.h — a database of its own for a cmocka test of cf-web's code:
 * created on CF_DATABASE_URL's server as <prefix>_<pid>, migrated by
 * CF_MIGRATE_BIN (every migration, as cf-migrate applies them), dropped
 * at the end whatever connections are left.
 */
#ifndef CF_TEST_SCRATCH_DB_H
#define CF_TEST_SCRATCH_DB_H

#include "pg_conn.h"

/* 0, or -1 with the reason on stderr (for a cmocka group setup). */
int scratch_db_create(const char *prefix);
void scratch_db_drop(void);
/* A new connection to the scratch database; fails the test if none. */
cf_pg *scratch_db_connect(void);

#endif
