#!/bin/sh
# consumer-health.sh STREAM GROUP — health check of a stream consumer image:
# healthy when the container's consumer (default name hostname-pid, the
# service being PID 1) is a member of GROUP on STREAM, i.e. it read its
# configuration, reached Redis and joined. A dead service is not this
# check's business: the container stops with it and restarts.
set -eu
name=${CF_SIMULATOR_CONSUMER:-${CF_RESULT_PROCESSOR_CONSUMER:-}}
[ -n "$name" ] || name="$(hostname)-1"
url=${CF_REDIS_URL:?CF_REDIS_URL unset}
# redis-cli would send AUTH with an empty user name for redis://:PASSWORD@...
# and be refused: hand it the password the way it expects instead.
case $url in
    redis://:*@*)
        rest=${url#redis://:}
        REDISCLI_AUTH=${rest%%@*}
        export REDISCLI_AUTH
        url="redis://${rest#*@}" ;;
esac
consumers=$(redis-cli --no-auth-warning -u "$url" XINFO CONSUMERS "$1" "$2")
printf '%s\n' "$consumers" | grep -qxF "$name"
