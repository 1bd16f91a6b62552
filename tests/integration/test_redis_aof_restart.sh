#!/usr/bin/env bash
# Redis (AOF on, fsync always) killed and restarted under load: the services
# reconnect and every fight ends in PostgreSQL exactly once. The test runs
# its own redis-server so that killing it disturbs no other test.
. "$(dirname "$0")/lib.sh"
N=${N_FIGHTS:-12}
it_setup_db

rdir=$IT_DIR/redis
mkdir -p "$rdir"
rport=$(( 20000 + RANDOM % 20000 ))
start_redis() {
    redis-server --port "$rport" --bind 127.0.0.1 --dir "$rdir" --appendonly yes \
        --appendfsync always --save "" --daemonize no >>"$IT_DIR/redis.log" 2>&1 &
    REDIS_PID=$!
    IT_PIDS+=("$REDIS_PID")
    wait_for 10 "redis up" redis-cli -p "$rport" PING
}
start_redis
REDIS_URL=redis://127.0.0.1:$rport/0

CONCURRENCY=2 start_simulator sim1; sim=$LAST_PID
start_processor rp1; rp=$LAST_PID
# Slow bots: fights are running (claimed, not acknowledged) when Redis dies.
players=$(players_json "$IT_BOTS/slow.py" "$IT_BOTS/idle.py")
ids=()
for i in $(seq "$N"); do
    id=$(new_uuid)
    ids+=("$id")
    push_fight "$id" "$players" '{"max_ticks": 12}' >/dev/null
done
final_at_least() { [ "$(count_final)" -ge "$1" ]; }
wait_for 120 "first fights stored" final_at_least 2
[ "$(count_final)" -lt "$N" ] || fail "every fight finished before the restart: no load left"
log "kill -9 redis-server"
kill -KILL "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null || true
sleep 2
start_redis
log "redis-server restarted from its AOF"
wait_for 180 "all $N fights stored" final_at_least "$N"

[ "$(sql "SELECT count(*) FROM fights")" = "$N" ] || fail "fight rows: $(sql "SELECT count(*) FROM fights")"
[ "$(sql "SELECT count(*) FROM fight_reports")" = "$N" ] || fail "report rows"
for id in "${ids[@]}"; do
    [ "$(fight_status "$id")" = finished ] || fail "fight $id is $(fight_status "$id")"
done
wait_for 20 "fights acked" pending_is cf:fights simulators 0
wait_for 20 "results acked" pending_is cf:results result-processors 0
alive "$sim" || fail "simulator died"
alive "$rp" || fail "result processor died"
echo "ok: $N fights, none lost across a Redis restart"
