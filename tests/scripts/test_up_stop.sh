#!/usr/bin/env bash
# tests/scripts/test_up_stop.sh — scripts/up stops everything it started,
# whatever happened to its output:
#
#   1. `scripts/up 2>&1 | tee LOG`, then Ctrl-C (SIGINT to the whole
#      foreground process group: tee dies with it, so every write of the
#      stop path goes to a broken pipe);
#   2. the terminal closed (SIGHUP to the whole group);
#   3. the reader of its output gone early (`| head -c 1`), then SIGTERM.
#
# After each: no process of the run is left (the services, the private
# Redis and PostgreSQL), within 30 s. Runs scripts/up against the test build
# (CF_UP_NO_BUILD=1) in a scratch run directory on a free port.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${CF_BUILD_DIR:?the build directory (CF_BUILD_DIR)}
[ "$(id -u)" = 0 ] || { echo "must run as root (scripts/up needs root)" >&2; exit 1; }

run=$(mktemp -d /tmp/cf-up-stop.XXXXXX)
chmod 755 "$run"
say() { printf '[up_stop %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
fail() { say "FAIL: $*"; tail -n 30 "$run"/logs/*.log "$run"/out.* 2>/dev/null || true; exit 1; }

# Processes of this run: every child of scripts/up inherits CF_RUN_DIR.
run_processes() {
    local f p
    for f in $(grep -lsxzF "CF_RUN_DIR=$run" /proc/[0-9]*/environ); do
        p=${f%/environ}
        printf '%s %s\n' "${p#/proc/}" "$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | cut -c1-80)"
    done
    return 0
}
cleanup() {
    local pid
    for pid in $(run_processes | awk '{print $1}'); do kill -9 "$pid" 2>/dev/null || true; done
    (CF_RUN_DIR=$run "$ROOT/scripts/stack" stop >/dev/null 2>&1) || true
    rm -rf "$run"
}
trap cleanup EXIT

free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 20000))
        ss -Htln "sport = :$port" | grep -q . || { echo "$port"; return; }
    done
}

# up CASE PIPELINE: starts `scripts/up` in a session of its own, its output
# through PIPELINE; waits until cf-web answers. Sets pgid.
up() {
    local case=$1 pipeline=$2 port
    port=$(free_port)
    # As a terminal's foreground job: a session of its own, and SIGINT and
    # SIGQUIT at their defaults (a background job of this script would
    # inherit them ignored, and a shell cannot trap what it starts with
    # ignored).
    env CF_RUN_DIR="$run" CF_BUILD_DIR="$BUILD" CF_UP_NO_BUILD=1 CF_WEB_PORT="$port" \
        python3 -c 'import os, signal, sys
for s in (signal.SIGINT, signal.SIGQUIT):
    signal.signal(s, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' \
        bash -c "'$ROOT/scripts/up' 2>&1 | $pipeline" </dev/null >/dev/null 2>&1 &
    pgid=$!
    disown "$pgid" # its death by our signal is the point: no job report
    local i
    for i in $(seq 1 600); do
        curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && { say "$case: up on :$port"; return 0; }
        kill -0 "$pgid" 2>/dev/null || fail "$case: scripts/up ended before serving"
        sleep 0.1
    done
    fail "$case: cf-web did not answer within 60 s"
}

# all_gone CASE: nothing of the run is left within 30 s.
all_gone() {
    local i left
    for i in $(seq 1 300); do
        left=$(run_processes)
        [ -z "$left" ] && { say "$1: everything stopped"; return 0; }
        sleep 0.1
    done
    fail "$1: left running: $left"
}

# The scripts/up process of a session (bash running the script).
up_pid() { pgrep -s "$pgid" -fx "bash $ROOT/scripts/up"; }

up "Ctrl-C with tee" "tee '$run/out.tee' >/dev/null"
[ -n "$(run_processes)" ] || fail "no process of the run found: the check itself is broken"
# Ctrl-C reaches every process of the group at once; the worst order for
# scripts/up is tee's death first, so that is the order here.
tee_pid=$(pgrep -s "$pgid" -x tee) || fail "Ctrl-C with tee: no tee in the session"
kill -INT "$tee_pid"
while kill -0 "$tee_pid" 2>/dev/null; do sleep 0.05; done
kill -INT -- "-$pgid"
all_gone "Ctrl-C with tee"

up "terminal closed" "cat >'$run/out.hup'"
kill -HUP -- "-$pgid"
all_gone "terminal closed"

up "output gone" "head -c 1 >'$run/out.head'"
pid=$(up_pid)
[ -n "$pid" ] || fail "output gone: scripts/up's process not found"
kill -TERM "$pid"
all_gone "output gone"
say "PASS"
