#!/usr/bin/env bash
# kill -9 of a simulator in the middle of a fight: another simulator
# reclaims the entry (XAUTOCLAIM after the idle time) and completes it; the
# fight is in PostgreSQL exactly once, and every process of the dead
# simulator (workers, forkservers, bots) is gone.
. "$(dirname "$0")/lib.sh"
it_setup_db
it_setup_redis
RENEW_MS=500 RECLAIM_MS=2000

start_simulator simA; simA=$LAST_PID
start_processor rp1; rp=$LAST_PID
id=$(new_uuid)
players=$(players_json "$IT_BOTS/slow.py" "$IT_BOTS/slow.py")
push_fight "$id" "$players" '{"max_ticks": 60}' >/dev/null

started() { rcli XRANGE cf:progress - + | grep -c "$id" >/dev/null; }
wait_for 30 "fight $id started" started
sleep 0.5
# Every process under simulator A: workers, forkservers, bots.
descendants() {
    local p
    for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done
}
workers=$(pgrep -P "$simA" | tr '\n' ' ')
tree=$(descendants "$simA" | tr '\n' ' ')
[ -n "$workers" ] || fail "simulator A has no worker"
[ "$(echo $tree | wc -w)" -ge 3 ] || fail "expected workers and bots under simulator A, got: $tree"
log "kill -9 simulator A ($simA); its processes: $tree"
kill -KILL "$simA"
wait "$simA" 2>/dev/null || true
for p in $tree; do
    wait_for 5 "process $p of simulator A gone" dead "$p"
done
[ "$(fight_status "$id")" = "" ] || fail "fight stored before it could have finished"

start_simulator simB; simB=$LAST_PID
wait_for 90 "fight $id finished by simulator B" status_is "$id" finished
grep -q "reclaimed entry" "$IT_DIR/sim-simB.log" || fail "simulator B did not reclaim"
[ "$(sql "SELECT count(*) FROM fights WHERE id = '$id'")" = 1 ] || fail "fight rows"
[ "$(sql "SELECT count(*) FROM fight_reports WHERE fight_id = '$id'")" = 1 ] || fail "report rows"
[ "$(sql "SELECT count(*) FROM fight_players WHERE fight_id = '$id'")" = 2 ] || fail "player rows"
wait_for 10 "fights acked" pending_is cf:fights simulators 0
wait_for 10 "results acked" pending_is cf:results result-processors 0
alive "$simB" || fail "simulator B died"
echo "ok: fight $id completed once after kill -9"
