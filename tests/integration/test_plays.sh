#!/usr/bin/env bash
# Arcade plays through the pipeline (cf:plays -> cf-simulator's arcade
# workers -> cf:play:<id>:out and cf:results -> cf-result-processor ->
# plays): the documented redis-cli example, a bundle, input, stop, no one
# watching, stopped before it started, a bad entry, SIGTERM and kill -9 in
# the middle of a play. A play is never started twice: one its simulator
# lost ends as failed.
. "$(dirname "$0")/lib.sh"
it_setup_db
it_setup_redis
ARCADE_IDLE_S=4 RENEW_MS=500 RECLAIM_MS=2000
GAMES=$CF_SOURCE_DIR/tests/integration/games

start_simulator simA; simA=$LAST_PID
start_processor rp1; rp=$LAST_PID

push_play() { rcli XADD cf:plays '*' id "$1" title "$2" "${@:3}" >/dev/null; }
push_keys() { push_play "$1" keys code "$(cat "$GAMES/keys.py")"; }
# Someone shows the play: its seen key kept set in the background.
keep_seen() {
    (while true; do rcli SET "cf:play:$1:seen" 1 EX 3 >/dev/null; sleep 1; done) &
    IT_PIDS+=("$!")
}
key() { rcli XADD "cf:play:$1:in" '*' msg "{\"type\": \"key\", \"key\": \"$2\"}" >/dev/null; }
play_col() { sql "SELECT $2 FROM plays WHERE id = '$1'"; }
play_is() { [ "$(play_col "$1" status)" = "$2" ]; }
# The last message on the play's out stream.
last_out() { rcli XREVRANGE "cf:play:$1:out" + - COUNT 1 | sed -n '3p'; }
ended_on_out() { last_out "$1" | grep -q '"type":"end"'; }
out_has() { rcli XRANGE "cf:play:$1:out" - + | grep -q "$2"; }

# --- the example of docs/streams.md, verbatim: two keys, sent before it starts
python3 - "$CF_SOURCE_DIR/docs/streams.md" >"$IT_DIR/inject.sh" <<'PY'
import re, sys
section = open(sys.argv[1]).read().split("## Inject a play", 1)[1]
print(re.search(r"```sh\n(.*?)```", section, re.S).group(1))
PY
grep -q "XADD cf:plays" "$IT_DIR/inject.sh" || fail "no example in docs/streams.md"
echo 'echo "$ID"' >>"$IT_DIR/inject.sh"
id=$(cd "$CF_SOURCE_DIR" && CF_REDIS_URL=$REDIS_URL bash -e "$IT_DIR/inject.sh" | tail -1)
[ ${#id} = 36 ] || fail "the documented example did not give a play id: $id"
wait_for 60 "play $id finished in PostgreSQL" play_is "$id" finished
[ "$(play_col "$id" "concat_ws(' ', verdict, score, game_id IS NULL, started_at <= finished_at,
                              log)")" = "ok 1 t t bye after 1 points" ] \
    || fail "play row: $(play_col "$id" "concat_ws(' ', verdict, score, game_id IS NULL, started_at <= finished_at, log)")"
ended_on_out "$id" || fail "no end on the out stream: $(last_out "$id")"
last_out "$id" | grep -q '"status":"finished"' || fail "end: $(last_out "$id")"
out_has "$id" '"type":"sprite"' || fail "no sprite on the out stream"
# The screen a late viewer gets, and every key of the play expiring.
rcli GET "cf:play:$id:screen" | python3 -c '
import json, sys
s = json.load(sys.stdin)
types = [m["type"] for m in s["messages"]]
assert "playground_config" in types and "sprite" in types, types
assert s["last_id"], s' || fail "screen of $id"
for k in out in screen; do
    ttl=$(rcli TTL "cf:play:$id:$k")
    [ "$ttl" -gt 0 ] && [ "$ttl" -le 600 ] || fail "cf:play:$id:$k has TTL $ttl"
done
wait_for 10 "plays acked" pending_is cf:plays simulators 0
[ "$(rcli XLEN cf:plays)" = 0 ] || fail "a settled play entry is still on cf:plays"

# --- input while it runs: the game answers each key at once
id=$(new_uuid); keep_seen "$id"; push_keys "$id"
wait_for 30 "play $id running" play_is "$id" running
wait_for 10 "ball of $id shown" out_has "$id" '"id":"ball"'
key "$id" up; key "$id" up; key "$id" up
wait_for 10 "score 3 on the out stream" out_has "$id" '"score":3'
key "$id" q
wait_for 30 "play $id finished" play_is "$id" finished
[ "$(play_col "$id" score)" = 3 ] || fail "score of $id: $(play_col "$id" score)"

# --- a bundle: base64 of a .zip with game.py, a module and a data file
zip_b64=$(cd "$GAMES/bundle" && python3 -c '
import base64, io, sys, zipfile
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    for f in ("game.py", "points_rule.py", "greeting.txt"):
        z.write(f)
print(base64.b64encode(buf.getvalue()).decode())')
id=$(new_uuid); push_play "$id" bundle bundle "$zip_b64"
wait_for 30 "bundle play $id finished" play_is "$id" finished
[ "$(play_col "$id" score)" = 42 ] || fail "bundle score: $(play_col "$id" "score, detail, log")"
out_has "$id" "hello from a bundle" || fail "the bundle's notification is missing"

# --- stopped by its player (the cancel key)
id=$(new_uuid); keep_seen "$id"; push_keys "$id"
wait_for 30 "play $id running" play_is "$id" running
rcli SET "cf:cancel:$id" 1 EX 86400 >/dev/null
wait_for 10 "play $id stopped" play_is "$id" stopped
[ "$(play_col "$id" "verdict || ': ' || detail")" = "ok: stopped on request" ] \
    || fail "stop: $(play_col "$id" "verdict, detail")"
ended_on_out "$id" || fail "no end on the out stream of the stopped play"

# --- no one shows it: stopped after arcade.idle_s
id=$(new_uuid); push_keys "$id"
wait_for 30 "unwatched play $id stopped" play_is "$id" stopped
[ "$(play_col "$id" detail)" = "no one was watching" ] || fail "idle: $(play_col "$id" detail)"

# --- stopped before it started: never runs
id=$(new_uuid)
rcli SET "cf:cancel:$id" 1 EX 86400 >/dev/null
push_keys "$id"
wait_for 10 "play $id stopped before it started" play_is "$id" stopped
[ "$(play_col "$id" detail)" = "stopped before it started" ] || fail "$(play_col "$id" detail)"
grep -q "play $id started" "$IT_DIR/sim-simA.log" && fail "a cancelled play was started"

# --- a bad entry: dead letter with the reason, and the play ends as failed
id=$(new_uuid); push_play "$id" nothing seconds 5
wait_for 10 "bad play $id failed" play_is "$id" failed
rcli XRANGE cf:plays:dead - + | grep -q "fields 'code' and 'bundle': exactly one is required" \
    || fail "dead letter: $(rcli XRANGE cf:plays:dead - +)"
rcli XADD cf:plays '*' title "no id at all" code "print(1)" >/dev/null
dead_reasons() { rcli XRANGE cf:plays:dead - + | sed -n '/^reason$/{n;p}'; }
dead_count_is() { [ "$(rcli XLEN cf:plays:dead)" = "$1" ]; }
wait_for 10 "second dead letter" dead_count_is 2
[ "$(dead_reasons)" = "bad entry: fields 'code' and 'bundle': exactly one is required
bad entry: field 'id': missing" ] || fail "dead letters: $(dead_reasons)"
alive "$simA" || fail "the simulator died on bad entries"

# --- SIGTERM in the middle of a play: it ends as failed, at once
id=$(new_uuid); keep_seen "$id"; push_keys "$id"
wait_for 30 "play $id running" play_is "$id" running
t0=$SECONDS
kill -TERM "$simA"
wait_for 15 "simulator A stopped" dead "$simA"
wait "$simA" || fail "cf-simulator exited with status $? on SIGTERM"
wait_for 10 "play $id failed" play_is "$id" failed
[ "$(play_col "$id" detail)" = "the simulator running the play stopped" ] \
    || fail "sigterm: $(play_col "$id" detail)"
ended_on_out "$id" || fail "no end on the out stream after SIGTERM"
[ $((SECONDS - t0)) -lt 10 ] || fail "the play held the shutdown $((SECONDS - t0)) s"

# --- kill -9 in the middle of a play: its processes go, and the simulator
# that reclaims it ends it as failed instead of starting it again
start_simulator simB; simB=$LAST_PID
id=$(new_uuid); keep_seen "$id"; push_keys "$id"
wait_for 30 "play $id running" play_is "$id" running
descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
tree=$(descendants "$simB" | tr '\n' ' ')
kill -KILL "$simB"
wait "$simB" 2>/dev/null || true
for p in $tree; do wait_for 5 "process $p of simulator B gone" dead "$p"; done
play_is "$id" running || fail "the play changed before it was reclaimed: $(play_col "$id" status)"
start_simulator simC; simC=$LAST_PID
wait_for 30 "reclaimed play $id failed" play_is "$id" failed
[ "$(play_col "$id" detail)" = "the simulator running the play stopped; a play is not started twice" ] \
    || fail "reclaimed: $(play_col "$id" detail)"
grep -q "play $id started" "$IT_DIR/sim-simC.log" && fail "the reclaimed play was started again"
ended_on_out "$id" || fail "no end on the out stream of the reclaimed play"
wait_for 10 "plays acked" pending_is cf:plays simulators 0
wait_for 10 "results acked" pending_is cf:results result-processors 0
alive "$rp" || fail "result processor died"
echo "ok: plays run, stop and end once"
