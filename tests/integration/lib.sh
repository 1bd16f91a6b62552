# tests/integration/lib.sh — shared set-up of the pipeline's integration tests.
#
# Each test gets: a scratch PostgreSQL database (created on CF_DATABASE_URL's
# server, migrated with cf-migrate, dropped at exit), its own Redis logical
# database on CF_REDIS_URL's server (flushed at start), its own temp dir, and
# helpers to start cf-simulator and cf-result-processor and wait on
# conditions with a deadline. Everything started is stopped by the EXIT trap.
# Binaries come from CF_SIMULATOR, CF_RESULT_PROCESSOR and CF_MIGRATE (set by
# CMake); the source tree from CF_SOURCE_DIR.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S.%3N)] $*" >&2; }

[ -n "${CF_REDIS_URL:-}" ] || fail "CF_REDIS_URL is not set (see scripts/stack)"
[ -n "${CF_DATABASE_URL:-}" ] || fail "CF_DATABASE_URL is not set (see scripts/stack)"
[ "$(id -u)" = 0 ] || fail "the real sandbox needs root"
for v in CF_SIMULATOR CF_RESULT_PROCESSOR CF_MIGRATE CF_SOURCE_DIR; do
    [ -n "${!v:-}" ] || fail "$v is not set (run through ctest)"
done

IT_NAME=${IT_NAME:-$(basename "$0" .sh)}
IT_DIR=$(mktemp -d "/tmp/cf-it-$IT_NAME.XXXXXX")
chmod 755 "$IT_DIR"
IT_PIDS=()
IT_DB=""
IT_ADMIN_URL=$CF_DATABASE_URL
IT_BOTS=$CF_SOURCE_DIR/tests/integration/bots

# The same server as URL, database name replaced (libpq URL form only).
db_url_with() {
    local url=$1 db=$2
    local base=${url%%\?*} query=""
    [ "$base" != "$url" ] && query="?${url#*\?}"
    echo "${base%/*}/$db$query"
}

# Redis URL of logical database $2 on the server of $1.
redis_url_db() {
    local url=$1 db=$2
    if [[ $url =~ ^(redis://[^/]+)(/[0-9]*)?$ ]]; then
        echo "${BASH_REMATCH[1]}/$db"
    else
        fail "CF_REDIS_URL must be redis://host:port[/db] for these tests"
    fi
}

it_cleanup() {
    local rc=$?
    for pid in "${IT_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${IT_PIDS[@]}"; do
        for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ -n "${IT_EXTRA_CLEANUP:-}" ]; then eval "$IT_EXTRA_CLEANUP" || true; fi
    if [ -n "$IT_REDIS_CLAIMED" ]; then
        redis-cli -u "$IT_REDIS_CLAIMED" --no-auth-warning FLUSHDB >/dev/null 2>&1 || true
    fi
    if [ -n "$IT_DB" ]; then
        psql "$IT_ADMIN_URL" -qAtc "DROP DATABASE IF EXISTS $IT_DB WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    if [ $rc -ne 0 ]; then
        for f in "$IT_DIR"/*.log; do
            [ -f "$f" ] || continue
            echo "---- $f (last 40 lines)" >&2
            tail -n 40 "$f" >&2
        done
    fi
    rm -rf "$IT_DIR"
    exit $rc
}
trap it_cleanup EXIT
trap 'exit 130' INT TERM

# it_setup_db [ADMIN_URL]: scratch database, migrated.
it_setup_db() {
    IT_ADMIN_URL=${1:-$CF_DATABASE_URL}
    IT_DB="cf_it_${IT_NAME//[^a-z0-9]/_}_$$"
    psql "$IT_ADMIN_URL" -qAtc "CREATE DATABASE $IT_DB" >/dev/null || fail "cannot create $IT_DB"
    DB_URL=$(db_url_with "$IT_ADMIN_URL" "$IT_DB")
    "$CF_MIGRATE" --database-url "$DB_URL" >"$IT_DIR/migrate.log" 2>&1 \
        || { cat "$IT_DIR/migrate.log" >&2; fail "cf-migrate failed"; }
    export DB_URL
}

# it_setup_redis: a logical database of its own on CF_REDIS_URL's server.
# Suites running side by side (ctest -j) share the server, so a database
# is claimed like the web suites do: an empty one (1-15, random order) on
# which SET cf:test:owner NX wins; it is flushed at exit to release it.
IT_REDIS_CLAIMED=""
it_setup_redis() {
    local db candidate
    for db in $(seq 1 15 | shuf); do
        candidate=$(redis_url_db "$CF_REDIS_URL" "$db")
        [ "$(redis-cli -u "$candidate" --no-auth-warning DBSIZE)" = 0 ] || continue
        if [ "$(redis-cli -u "$candidate" --no-auth-warning SET cf:test:owner \
                "pipeline-$IT_NAME-$$" NX)" = OK ]; then
            REDIS_URL=$candidate
            IT_REDIS_CLAIMED=$candidate
            export REDIS_URL
            return 0
        fi
    done
    fail "no empty Redis database (1-15) left on $CF_REDIS_URL"
}

rcli() { redis-cli -u "$REDIS_URL" --no-auth-warning "$@"; }
sql() { psql "$DB_URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

# start_simulator NAME [extra env assignments...]: pid in LAST_PID (not in a
# subshell, so that the EXIT trap knows every process it must stop).
start_simulator() {
    local name=$1; shift
    env CF_REDIS_URL="$REDIS_URL" CF_DATABASE_URL= CF_CONFIG= \
        CF_SIMULATOR_CONSUMER="$name" CF_LOG_LEVEL=debug \
        CF_SIMULATOR_RENEW_MS=${RENEW_MS:-500} CF_SIMULATOR_RECLAIM_IDLE_MS=${RECLAIM_MS:-2000} \
        CF_SIMULATOR_RECLAIM_EVERY_MS=500 CF_SIMULATOR_SHUTDOWN_GRACE_MS=${GRACE_MS:-2000} \
        CF_SIMULATOR_CONCURRENCY=${CONCURRENCY:-1} CF_SIMULATOR_PROGRESS_EVERY_MS=200 \
        CF_ARCADE_SLOTS=${ARCADE_SLOTS:-1} CF_ARCADE_IDLE_S=${ARCADE_IDLE_S:-60} \
        "$@" "$CF_SIMULATOR" >>"$IT_DIR/sim-$name.log" 2>&1 &
    LAST_PID=$!
    IT_PIDS+=("$LAST_PID")
}

start_processor() {
    local name=$1; shift
    env CF_REDIS_URL="$REDIS_URL" CF_DATABASE_URL="$DB_URL" CF_CONFIG= \
        CF_RESULT_PROCESSOR_CONSUMER="$name" CF_RESULT_PROCESSOR_USER=nobody \
        CF_RESULT_PROCESSOR_CLAIM_IDLE_MS=2000 CF_RESULT_PROCESSOR_CLAIM_EVERY_MS=500 \
        CF_RESULT_PROCESSOR_RETRY_MAX_MS=500 CF_LOG_LEVEL=debug \
        "$@" "$CF_RESULT_PROCESSOR" >>"$IT_DIR/rp-$name.log" 2>&1 &
    LAST_PID=$!
    IT_PIDS+=("$LAST_PID")
}

# wait_for SECONDS DESCRIPTION COMMAND...: polls every 0.2 s.
wait_for() {
    local secs=$1 what=$2; shift 2
    local end=$((SECONDS + secs))
    while [ $SECONDS -lt $end ]; do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    fail "timed out after ${secs}s waiting for: $what"
}

# Running, and not a zombie waiting to be reaped.
alive() { [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }
dead() { ! alive "$1"; }

new_uuid() { cat /proc/sys/kernel/random/uuid; }

# players JSON of bots (files in tests/integration/bots), named a.py, b.py...
players_json() {
    python3 - "$@" <<'PY'
import json, sys, os
out = []
for i, f in enumerate(sys.argv[1:]):
    with open(f) as fh:
        out.append({"name": chr(ord('a') + i) + ".py", "code": fh.read()})
print(json.dumps(out))
PY
}

# push_fight ID PLAYERS_JSON [SETTINGS_JSON]: XADD as docs/streams.md shows.
push_fight() {
    local id=$1 players=$2 settings=${3:-}
    if [ -n "$settings" ]; then
        rcli XADD cf:fights '*' id "$id" game tanks players "$players" settings "$settings" seed 7
    else
        rcli XADD cf:fights '*' id "$id" game tanks players "$players" seed 7
    fi
}

fight_status() { sql "SELECT status FROM fights WHERE id = '$1'"; }
status_is() { [ "$(fight_status "$1")" = "$2" ]; }
count_final() {
    sql "SELECT count(*) FROM fights WHERE status IN ('finished','failed','cancelled')"
}
count_ge() { [ "$("$@" | tail -1)" -ge "$N_EXPECTED" ]; }
pending_count() { rcli XPENDING "$1" "$2" | head -1; }
pending_is() { [ "$(pending_count "$1" "$2")" = "$3" ]; }
