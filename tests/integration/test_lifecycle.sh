#!/usr/bin/env bash
# cf-simulator's life: it prints its sandbox layers and refuses to start
# when a required one is missing or its claim timings are unsafe; on
# SIGTERM it finishes a fight within the grace time, or hands it back
# (no ack) to another simulator after it; and a fight delivered more than
# max_deliveries times goes to the dead letter with a failed result, as
# does one whose worker the fight_timeout_ms watchdog had to kill.
. "$(dirname "$0")/lib.sh"
it_setup_db
it_setup_redis
slow=$(players_json "$IT_BOTS/slow.py" "$IT_BOTS/slow.py")

# -- start-up checks
set +e
out=$(env CF_REDIS_URL="$REDIS_URL" CF_CONFIG= CF_SIMULATOR_CONCURRENCY=1 \
      CF_SIMULATOR_REQUIRE_LAYERS=no_such_layer timeout 30 "$CF_SIMULATOR" 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "started with a required layer missing (rc $rc)"
echo "$out" | grep -c "refusing to start" >/dev/null || fail "no refusal message: $out"
set +e
out=$(env CF_REDIS_URL="$REDIS_URL" CF_CONFIG= CF_SIMULATOR_RENEW_MS=5000 \
      CF_SIMULATOR_RECLAIM_IDLE_MS=10000 timeout 30 "$CF_SIMULATOR" 2>&1)
rc=$?
set -e
[ $rc -eq 2 ] || fail "accepted reclaim_idle_ms < 3 x renew_ms (rc $rc)"
echo "$out" | grep -c "at least 3 x" >/dev/null || fail "no message for unsafe timings: $out"

# -- SIGTERM with a fight that ends within the grace time: finished, acked
start_processor rp1; rp=$LAST_PID
GRACE_MS=20000 start_simulator simA; simA=$LAST_PID
ready() { grep -q "consumer simA" "$IT_DIR/sim-simA.log"; }
wait_for 30 "simulator A ready" ready
grep -qE "seccomp: |landlock: " "$IT_DIR/sim-simA.log" || fail "sandbox layers not printed"
f1=$(new_uuid)
push_fight "$f1" "$slow" '{"max_ticks": 40}' >/dev/null
started() { rcli XRANGE cf:progress - + | grep -c "$1" >/dev/null; }
wait_for 30 "fight $f1 started" started "$f1"
kill -TERM "$simA"
wait_for 30 "simulator A exited" dead "$simA"
wait "$simA" || fail "simulator A exited with an error"
grep -q "fight $f1 finished" "$IT_DIR/sim-simA.log" || fail "fight not finished within the grace"
wait_for 20 "fight $f1 stored" status_is "$f1" finished
pending_is cf:fights simulators 0 || fail "finished fight not acknowledged"

# -- SIGTERM past the grace time: handed back, taken over by simulator B
# A long reclaim idle time: B takes the fight at once only because C hands
# it back (XCLAIM ... IDLE), not because it waited.
GRACE_MS=300 RECLAIM_MS=60000 start_simulator simC; simC=$LAST_PID
f2=$(new_uuid)
push_fight "$f2" "$slow" '{"max_ticks": 100}' >/dev/null
wait_for 30 "fight $f2 started" started "$f2"
descendants() {
    local p
    for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done
}
tree=$(descendants "$simC" | tr '\n' ' ')
[ "$(echo $tree | wc -w)" -ge 3 ] || fail "expected a worker and bots under simulator C: $tree"
kill -TERM "$simC"
wait_for 10 "simulator C exited" dead "$simC"
for p in $tree; do
    wait_for 5 "process $p of simulator C gone" dead "$p"
done
grep -q "fight $f2 handed back" "$IT_DIR/sim-simC.log" || fail "fight not handed back"
pending_is cf:fights simulators 1 || fail "handed-back fight should stay pending"
[ -z "$(fight_status "$f2")" ] || fail "a handed-back fight has a result"
RECLAIM_MS=60000 start_simulator simB; simB=$LAST_PID
wait_for 40 "fight $f2 completed by simulator B" status_is "$f2" finished

# -- a fight delivered too often: dead letter + failed result
kill -TERM "$simB"; wait_for 30 "simulator B exited" dead "$simB"
f3=$(new_uuid)
entry=$(push_fight "$f3" "$(players_json "$IT_BOTS/idle.py" "$IT_BOTS/idle.py")")
rcli XREADGROUP GROUP simulators ghost COUNT 1 STREAMS cf:fights '>' >/dev/null || true
for _ in 1 2 3 4; do rcli XCLAIM cf:fights simulators ghost 0 "$entry" >/dev/null; done
start_simulator simD CF_SIMULATOR_MAX_DELIVERIES=3; simD=$LAST_PID
wait_for 30 "fight $f3 failed" status_is "$f3" failed
sql "SELECT explanation FROM fights WHERE id = '$f3'" | grep -c "delivered" >/dev/null || fail "no reason"
rcli XRANGE cf:fights:dead - + | grep -c "delivered .* times" >/dev/null || fail "not in the dead letter"
wait_for 10 "all acknowledged" pending_is cf:fights simulators 0
alive "$simD" || fail "simulator D died"
kill -TERM "$simD"; wait_for 30 "simulator D exited" dead "$simD"

# -- a fight over simulator.fight_timeout_ms: worker killed, fight retried,
#    then dead after max_deliveries
f4=$(new_uuid)
start_simulator simE CF_SIMULATOR_FIGHT_TIMEOUT_MS=1000 CF_SIMULATOR_MAX_DELIVERIES=1; simE=$LAST_PID
push_fight "$f4" "$slow" '{"max_ticks": 200}' >/dev/null
wait_for 60 "fight $f4 failed" status_is "$f4" failed
grep -q "over simulator.fight_timeout_ms" "$IT_DIR/sim-simE.log" || fail "watchdog did not fire"
sql "SELECT explanation FROM fights WHERE id = '$f4'" | grep -c "delivered 2 times" >/dev/null || fail "reason"
wait_for 10 "all acknowledged" pending_is cf:fights simulators 0
[ "$(sql "SELECT count(*) FROM fights")" = 4 ] || fail "fight rows"
alive "$simE" || fail "simulator E died"
echo "ok: start-up checks, SIGTERM finish and hand-back, poison fight"
