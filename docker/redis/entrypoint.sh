#!/bin/sh
# Starts redis-server with docker/redis/redis.conf. When REDISCLI_AUTH is set
# (the production override does), it becomes the password: written to a
# private copy of the config, so it never shows on a command line.
set -eu
conf=/etc/codefights/redis.conf
if [ -n "${REDISCLI_AUTH:-}" ]; then
    case $REDISCLI_AUTH in
        *[!A-Za-z0-9._~+=-]*) echo "redis: REDISCLI_AUTH may only use A-Z a-z 0-9 . _ ~ + = -" >&2; exit 1 ;;
    esac
    umask 077
    { cat "$conf"; printf 'requirepass "%s"\n' "$REDISCLI_AUTH"; } >/tmp/redis.conf
    conf=/tmp/redis.conf
fi
exec redis-server "$conf" "$@"
