#!/usr/bin/env bash
# tests/deploy/compose_e2e.sh — the Docker deployment, end to end, for real.
#
#  1. docker/base/build.sh: starts dockerd if none runs, builds the base image
#     and every image (the same script operators use: a broken build fails).
#  2. docker-compose up -d under a unique project name, nginx published on a
#     free high port of 127.0.0.1; waits until every service is healthy and
#     the one-shot migrate exited 0.
#  3. Through nginx: /healthz, the front end, the games API, the upload limit.
#  4. A fight injected with redis-cli inside the redis container lands in
#     PostgreSQL with its report; its SSE stream passes through nginx.
#     An arcade game is played through nginx as a browser plays it: started
#     anonymously, its display followed on the play's event stream, keys
#     sent, its end on the stream and in PostgreSQL; nginx takes a game
#     upload of 15 MB and refuses one of 25 MB.
#  5. (prod mode) Scales to 2 simulators, sends a burst of slow fights,
#     `docker kill`s a simulator holding fights in the middle of the burst,
#     and checks every fight lands exactly once (one report each, none
#     dead-lettered). tests/deploy/compose.test.yaml shortens the reclaim
#     timers for this.
#  6. docker-compose down -v, and checks no container, network or volume of
#     the project is left. Cleanup runs on failure too.
#
# CF_SKIP_DOCKER=1 skips the test (exit 77) for quick local runs; under CI
# (CI=true) that variable is an error: CI always runs it.
# CF_DEPLOY_KEEP=1 leaves the stack up after a failure, for a post-mortem.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"   # compose resolves the simulator's seccomp profile from here

say() { printf '[deploy_e2e %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
fail() { say "FAIL: $*"; exit 1; }

if [ -n "${CF_SKIP_DOCKER:-}" ] && [ "${CF_SKIP_DOCKER}" != 0 ]; then
    if [ "${CI:-}" = true ]; then
        fail "CF_SKIP_DOCKER is set under CI: the compose test is never skipped in CI"
    fi
    say "skipped: CF_SKIP_DOCKER=$CF_SKIP_DOCKER"
    exit 77
fi
[ "$(id -u)" = 0 ] || fail "must run as root (dockerd, debootstrap)"

export CF_DOCKER_LOG_DIR=${CF_DOCKER_LOG_DIR:-/var/log/codefights}
mkdir -p "$CF_DOCKER_LOG_DIR"
# One deploy test at a time on the machine, from the build on: two runs (two
# checkouts) would otherwise retag each other's images mid-test.
exec 8>"$CF_DOCKER_LOG_DIR/deploy-e2e.lock"
say "waiting for the deploy test lock"
flock 8
say "building the images (docker/base/build.sh; logs in $CF_DOCKER_LOG_DIR)"
docker/base/build.sh 8>&- || fail "image build failed"

# Holding the lock, any other cfe2e* project is the remains of a run that
# was killed (ctest timeout, session end): remove it, or its containers
# would come back with every dockerd start.
for stale in $( { docker ps -a --format '{{.Label "com.docker.compose.project"}}'
                  docker volume ls --format '{{.Label "com.docker.compose.project"}}'
                  docker network ls --format '{{.Label "com.docker.compose.project"}}'; } |
                grep '^cfe2e' | sort -u); do
    say "removing the remains of an interrupted run: $stale"
    f="label=com.docker.compose.project=$stale"
    docker ps -aq --filter "$f" | xargs -r docker rm -f >/dev/null
    docker network ls -q --filter "$f" | xargs -r docker network rm >/dev/null
    docker volume ls -q --filter "$f" | xargs -r docker volume rm >/dev/null
done

PROJECT=cfe2e$$$RANDOM
# prod: compose.yaml + compose.prod.yaml with fresh passwords, a domain and
# config/production.conf.example as the configuration file (passwords on
# Redis and PostgreSQL, the production template loaded by every service);
# dev: compose.yaml alone, as `docker-compose up -d` runs it.
MODE=${CF_DEPLOY_MODE:-prod}
case $MODE in
    prod)
        DC=(docker-compose -p "$PROJECT" -f compose.yaml -f compose.prod.yaml
            -f tests/deploy/compose.test.yaml)
        CF_DB_PASSWORD=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
        CF_REDIS_PASSWORD=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
        export CF_DB_PASSWORD CF_REDIS_PASSWORD CF_DOMAIN=localhost
        export CF_PRODUCTION_CONF=./config/production.conf.example ;;
    dev)
        DC=(docker-compose -p "$PROJECT" -f compose.yaml -f tests/deploy/compose.test.yaml) ;;
    *) fail "CF_DEPLOY_MODE must be prod or dev" ;;
esac
# A free port for nginx, away from the usual ones.
while :; do
    CF_HTTP_PORT=$((40000 + RANDOM % 20000))
    [ -n "$(ss -Hltn "sport = :$CF_HTTP_PORT")" ] || break
done
export CF_HTTP_PORT CF_HTTP_BIND=127.0.0.1
export CF_PUBLIC_URL="http://127.0.0.1:$CF_HTTP_PORT"
BASE="http://127.0.0.1:$CF_HTTP_PORT"
# (-f given: a compose.override.yaml left in the tree is not read.)

leftovers() {
    local f="label=com.docker.compose.project=$PROJECT"
    {
        docker ps -aq --filter "$f" | sed 's/^/container /'
        docker network ls -q --filter "$f" | sed 's/^/network /'
        docker volume ls -q --filter "$f" | sed 's/^/volume /'
    } 2>/dev/null
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ $rc -ne 0 ]; then
        say "failure: service logs follow (last 40 lines each)"
        "${DC[@]}" ps 2>&1
        "${DC[@]}" logs --no-color --tail 40 2>&1 | tail -n 400
        if [ "${CF_DEPLOY_KEEP:-0}" = 1 ]; then
            say "CF_DEPLOY_KEEP=1: leaving project $PROJECT up"
            exit $rc
        fi
    fi
    say "docker-compose down -v"
    "${DC[@]}" down -v --remove-orphans -t 10 >/dev/null 2>&1
    local left
    left=$(leftovers)
    if [ -n "$left" ]; then
        say "left behind after down -v: $(echo "$left" | tr '\n' ' ')"
        # Remove them anyway so nothing leaks, but fail: down -v must suffice.
        docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker rm -f >/dev/null 2>&1
        docker network ls -q --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker network rm >/dev/null 2>&1
        docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker volume rm >/dev/null 2>&1
        [ $rc -ne 0 ] || rc=1
    else
        say "nothing of $PROJECT left (containers, networks, volumes)"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Straight docker exec (docker-compose exec costs a second a call): the
# container ids are looked up once the stack is up.
psql_q() { docker exec -i "$PG_ID" psql -qAt -d codefights -v ON_ERROR_STOP=1 -c "$1"; }
redis() { docker exec -i "$REDIS_ID" redis-cli "$@"; }

# Waits until every running container of the project that has a health check
# is healthy; $1 = timeout in seconds.
wait_healthy() {
    local deadline=$((SECONDS + $1)) ids id st bad
    while :; do
        bad=""
        ids=$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT")
        for id in $ids; do
            st=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$id")
            case $st in healthy|none) ;; *) bad="$bad $(docker inspect -f '{{.Name}}' "$id"):$st" ;; esac
        done
        [ -z "$bad" ] && [ -n "$ids" ] && return 0
        [ $SECONDS -lt $deadline ] || fail "not healthy after $1 s:$bad"
        sleep 2
    done
}

say "project $PROJECT ($MODE), nginx on $BASE"
"${DC[@]}" up -d || fail "docker-compose up -d failed"
wait_healthy 300
migrate_id=$("${DC[@]}" ps -q migrate)
[ "$(docker inspect -f '{{.State.ExitCode}}' "$migrate_id")" = 0 ] || fail "migrate did not exit 0"
for svc in redis postgres web simulator result_processor nginx; do
    [ -n "$("${DC[@]}" ps -q "$svc")" ] || fail "service $svc has no container"
done
say "all services healthy; migrations applied"
PG_ID=$("${DC[@]}" ps -q postgres)
REDIS_ID=$("${DC[@]}" ps -q redis)

# ---- secrets: the simulator never holds database credentials; in
# production Redis refuses clients without the password.
sim_id=$("${DC[@]}" ps -q simulator)
! docker exec "$sim_id" env | grep '^CF_DATABASE_URL=' ||
    fail "the simulator container has CF_DATABASE_URL"
! docker exec "$sim_id" sh -c 'cat "${CF_CONFIG:-/dev/null}"' | grep -E '^[[:space:]]*url[[:space:]]*=[[:space:]]*postgres' ||
    fail "the simulator's configuration file holds a database URL"
if [ "$MODE" = prod ]; then
    grep -q NOAUTH <<<"$(docker exec -e REDISCLI_AUTH= "$REDIS_ID" redis-cli ping 2>&1)" ||
        fail "Redis answers without the password in production mode"
    docker exec "$sim_id" sh -c 'test "$CF_CONFIG" = /etc/codefights/codefights.conf && test -r "$CF_CONFIG"' ||
        fail "the production configuration file is not mounted in the simulator"
    say "production: Redis requires its password, config/production.conf.example loaded by every service"
fi

# ---- the simulator inside Docker: every layer but AppArmor (absent here) up
sim_log=$("${DC[@]}" logs --no-color simulator)
for layer in namespaces mounts cgroup rlimits landlock seccomp ptrace; do
    grep -q "$layer: active" <<<"$sim_log" || fail "simulator layer $layer not active in Docker: $(grep "$layer:" <<<"$sim_log")"
done
if [ -d /sys/module/apparmor ]; then
    grep -Eq "apparmor: (active|absent)" <<<"$sim_log" || fail "simulator does not report apparmor"
else
    grep -q "apparmor: absent" <<<"$sim_log" || fail "no AppArmor here, yet the simulator does not say 'apparmor: absent'"
fi
say "simulator layers: $(grep -E '^[^|]*\| *[a-z]+: (active|absent)' <<<"$sim_log" | sed 's/.*| *//' | cut -d' ' -f1-2 | tr '\n' ' ')"

# ---- through nginx
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "$BASE/healthz")" = 200 ] || fail "GET /healthz through nginx is not 200"
# (Whole bodies first: grep -q closing the pipe early would fail curl.)
grep -qi '<html' <<<"$(curl -sf "$BASE/" || true)" || fail "GET / does not serve the front end"
grep -q '"tanks"' <<<"$(curl -sf "$BASE/api/games" || true)" || fail "GET /api/games does not list tanks"
[ "$(code -X POST -H 'Content-Type: application/json' --data-binary @<(head -c 3000000 /dev/zero | tr '\0' a) "$BASE/api/bots")" = 413 ] ||
    fail "a 3 MB upload is not refused with 413 by nginx"
[ "$(code "$BASE/metrics")" = 404 ] || fail "/metrics is public through nginx"
# Only the arcade's compact scoreboard may be framed by other sites.
board_headers=$(curl -sfI "$BASE/arcade/1/board" || true)
grep -qi "frame-ancestors \*" <<<"$board_headers" && ! grep -qi '^x-frame-options' <<<"$board_headers" ||
    fail "the compact scoreboard /arcade/1/board cannot be framed through nginx"
grep -qi '^x-frame-options: *deny' <<<"$(curl -sfI "$BASE/arcade" || true)" ||
    fail "/arcade can be framed through nginx"
say "nginx: front end, API, health, upload limit (413), /metrics hidden, only the compact board framable"

# ---- one fight injected with redis-cli inside the redis container
bot_fire='class Main:\n    def decide_tick(self, tick, me, enemy):\n        return [\"F\", [enemy[\"x\"], enemy[\"y\"]]]\n'
bot_wait='class Main:\n    def decide_tick(self, tick, me, enemy):\n        return \"N\"\n'
players="[{\"name\":\"fire.py\",\"code\":\"$bot_fire\"},{\"name\":\"wait.py\",\"code\":\"$bot_wait\"}]"
id1=$(cat /proc/sys/kernel/random/uuid)
# The way an operator does it (docs/operations.md): redis-cli in the container.
"${DC[@]}" exec -T redis redis-cli XADD cf:fights '*' id "$id1" game tanks seed 7 players "$players" >/dev/null ||
    fail "XADD with redis-cli in the redis container failed"
say "injected fight $id1"
deadline=$((SECONDS + 120))
until [ "$(psql_q "SELECT count(*) FROM fight_reports WHERE fight_id = '$id1'")" = 1 ]; do
    [ $SECONDS -lt $deadline ] || fail "fight $id1 not in PostgreSQL after 120 s"
    sleep 1
done
row=$(psql_q "SELECT f.status, r.report->>'status', r.report->>'game', jsonb_array_length(r.report->'players'),
                     r.report->'players'->0->>'result', r.report->'players'->1->>'result'
              FROM fights f JOIN fight_reports r ON r.fight_id = f.id WHERE f.id = '$id1'")
[ "$row" = "finished|finished|tanks|2|win|loss" ] || fail "fight $id1 landed as '$row', want finished|finished|tanks|2|win|loss"
say "fight $id1 landed in PostgreSQL: $row"
events=$(curl -s -N --max-time 10 "$BASE/api/fights/$id1/events" || true)
grep -q '^event: status' <<<"$events" && grep -q '"finished"' <<<"$events" ||
    fail "SSE through nginx did not deliver the final status: $events"
say "SSE through nginx: final status delivered"

# ---- one arcade play through nginx, as the browser plays it. The game is
# put in the database directly (uploading is the web suites' business).
game_code=$(cat tests/integration/games/keys.py)
game_id=$(docker exec -i "$PG_ID" psql -qAt -d codefights -v ON_ERROR_STOP=1 -v code="$game_code" <<'SQL'
WITH g AS (INSERT INTO arcade_games (title) VALUES ('Keys') RETURNING id)
INSERT INTO arcade_game_versions (game_id, version, code, size)
SELECT id, 1, :'code', octet_length(:'code') FROM g RETURNING game_id;
SQL
)
game_id=$(head -1 <<<"$game_id")
jar=$(mktemp)
started=$(curl -sf -c "$jar" -b "$jar" -X POST -H 'X-CSRF-Token: anonymous' -H 'Content-Type: application/json' \
          --data '{}' "$BASE/api/arcade/games/$game_id/plays") || fail "starting a play through nginx failed"
play=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["play"]["id"])' <<<"$started")
say "play $play of game $game_id started"
events=$(mktemp)
curl -s -N -b "$jar" --max-time 60 "$BASE/api/plays/$play/events" >"$events" &
sse=$!
deadline=$((SECONDS + 60))
until grep -q '"id":"ball"' "$events"; do
    [ $SECONDS -lt $deadline ] || fail "the play's display did not come through nginx: $(head -c 2000 "$events")"
    sleep 0.5
done
for k in up up q; do
    [ "$(code -b "$jar" -X POST -H 'X-CSRF-Token: anonymous' -H 'Content-Type: application/json' \
          --data "{\"events\": [{\"type\": \"key\", \"key\": \"$k\"}]}" "$BASE/api/plays/$play/input")" = 204 ] ||
        fail "input through nginx was not accepted"
done
wait "$sse" || true # the server closes the stream after the end
grep -q '^event: end' "$events" && grep -q '"status":"finished"' "$events" ||
    fail "the play's end did not come through nginx: $(tail -c 2000 "$events")"
deadline=$((SECONDS + 30))
until [ "$(psql_q "SELECT status || ' ' || score FROM plays WHERE id = '$play'")" = "finished 2" ]; do
    [ $SECONDS -lt $deadline ] || fail "play $play not stored as finished with score 2: $(psql_q "SELECT status, score, detail FROM plays WHERE id = '$play'")"
    sleep 1
done
rm -f "$jar" "$events"
say "arcade: play $play ran in the simulator container, its display and end through nginx, stored"
upload() { code -X POST -H 'Content-Type: application/octet-stream' --data-binary @<(head -c "$1" /dev/zero) "$BASE/api/arcade/games"; }
[ "$(upload 15000000)" != 413 ] || fail "nginx refuses a 15 MB game upload"
[ "$(upload 25000000)" = 413 ] || fail "nginx lets a 25 MB game upload through"
say "nginx: game uploads up to the arcade's size, larger ones refused (413)"

# ---- two simulators, one killed in the middle of a burst (once: in prod
# mode; the consumer groups behave the same with compose.yaml alone)
if [ "$MODE" != prod ]; then
    say "PASS"
    exit 0
fi
"${DC[@]}" up -d --no-recreate --scale simulator=2 simulator || fail "scaling to 2 simulators failed"
wait_healthy 120
mapfile -t sims < <("${DC[@]}" ps -q simulator)
[ ${#sims[@]} = 2 ] || fail "expected 2 simulators, have ${#sims[@]}"
say "2 simulators healthy"

# Slow bots that never shoot: a fight runs all its ticks, a few seconds,
# so fights are still running when a simulator dies.
bot_slow='import time\nclass Main:\n    def decide_tick(self, tick, me, enemy):\n        time.sleep(0.02)\n        return \"N\"\n'
slow_players="[{\"name\":\"slow_a.py\",\"code\":\"$bot_slow\"},{\"name\":\"slow_b.py\",\"code\":\"$bot_slow\"}]"
N=${CF_DEPLOY_BURST:-12}
ids=()
for i in $(seq 1 "$N"); do
    ids+=("$(cat /proc/sys/kernel/random/uuid)")
done
# One exec for the whole burst, so it is queued at once.
docker exec -i -e PLAYERS="$slow_players" -e IDS="${ids[*]}" "$REDIS_ID" sh -c '
    seed=0
    for id in $IDS; do
        seed=$((seed + 1))
        redis-cli XADD cf:fights "*" id "$id" game tanks seed "$seed" players "$PLAYERS" >/dev/null || exit 1
    done' || fail "queueing the burst failed"
say "burst of $N fights queued"

# The victim: a simulator holding fights it has not acknowledged.
victim="" deadline=$((SECONDS + 60))
while [ -z "$victim" ]; do
    for c in "${sims[@]}"; do
        name="$(docker inspect -f '{{.Config.Hostname}}' "$c")-1"
        # Four lines per pending entry: id, consumer, idle ms, deliveries.
        pending=$(( $(redis XPENDING cf:fights simulators - + 100 "$name" | grep -c . || true) / 4 ))
        if [ "${pending:-0}" -gt 0 ]; then victim=$c victim_pending=$pending; break; fi
    done
    [ -n "$victim" ] || [ $SECONDS -lt $deadline ] || fail "no simulator took a fight of the burst within 60 s"
    [ -n "$victim" ] || sleep 0.5
done
landed_before=$(psql_q "SELECT count(*) FROM fight_reports WHERE fight_id IN ($(printf "'%s'," "${ids[@]}" | sed 's/,$//'))")
docker kill "$victim" >/dev/null || fail "docker kill failed"
say "killed simulator ${victim:0:12} holding $victim_pending fight(s); $landed_before/$N had landed"
[ "$landed_before" -lt "$N" ] || fail "the burst was over before the kill: nothing tested"

# Every fight lands exactly once: the survivor (or the restarted victim)
# takes over the pending entries after simulator.reclaim_idle_ms.
id_list=$(printf "'%s'," "${ids[@]}" | sed 's/,$//')
deadline=$((SECONDS + 300))
while :; do
    landed=$(psql_q "SELECT count(*) FROM fight_reports WHERE fight_id IN ($id_list)")
    [ "$landed" = "$N" ] && break
    [ $SECONDS -lt $deadline ] || fail "only $landed of $N fights landed within 300 s of the kill"
    sleep 2
done
row=$(psql_q "SELECT count(*), count(DISTINCT f.id), count(*) FILTER (WHERE f.status = 'finished'),
                     count(*) FILTER (WHERE r.report->>'fight_id' = f.id::text)
              FROM fights f JOIN fight_reports r ON r.fight_id = f.id WHERE f.id IN ($id_list)")
[ "$row" = "$N|$N|$N|$N" ] || fail "burst landed as (rows|distinct|finished|report id matches) $row, want $N each"
dead=$(redis XRANGE cf:fights:dead - + | grep -cFf <(printf '%s\n' "${ids[@]}") || true)
[ "${dead:-0}" = 0 ] || fail "$dead fight(s) of the burst went to cf:fights:dead"
pending=$(redis XPENDING cf:fights simulators | head -n 1)
deadline=$((SECONDS + 60))
until [ "$pending" = 0 ]; do
    [ $SECONDS -lt $deadline ] || fail "cf:fights still has $pending pending entries"
    sleep 1
    pending=$(redis XPENDING cf:fights simulators | head -n 1)
done
say "all $N fights landed exactly once (one report each, all finished, none dead, nothing pending)"

say "PASS"
