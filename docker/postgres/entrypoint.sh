#!/bin/bash
# First start (empty $PGDATA): initdb, then, with the server listening on its
# Unix socket only, create the role POSTGRES_USER (LOGIN, no superuser, no
# CREATEROLE, no CREATEDB) with POSTGRES_PASSWORD (or the content of
# POSTGRES_PASSWORD_FILE) and the database POSTGRES_DB owned by it.
# Every start: exec postgres listening on all addresses, password auth
# (scram-sha-256) for TCP clients.
set -euo pipefail

say() { echo "postgres-entrypoint: $*" >&2; }

if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
    POSTGRES_PASSWORD=$(cat "$POSTGRES_PASSWORD_FILE")
fi
case $POSTGRES_USER$POSTGRES_DB in
    *[!a-z0-9_]*) say "POSTGRES_USER and POSTGRES_DB must be lower-case identifiers"; exit 1 ;;
esac

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE}"
    say "initialising $PGDATA"
    initdb -D "$PGDATA" -U postgres --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=peer --auth-host=scram-sha-256 >/dev/null
    cat >>"$PGDATA/pg_hba.conf" <<HBA
# Codefights: clients on the compose network, with a password.
host all all 0.0.0.0/0 scram-sha-256
host all all ::/0 scram-sha-256
HBA
    pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
    # psql variables quote the password and names; nothing is spliced into SQL.
    psql -v ON_ERROR_STOP=1 -U postgres -d postgres -q \
        -v role="$POSTGRES_USER" -v db="$POSTGRES_DB" -v pw="$POSTGRES_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"role";
SQL
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    say "created database $POSTGRES_DB owned by role $POSTGRES_USER"
fi
unset POSTGRES_PASSWORD
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
