#!/usr/bin/env bash
# Cancel (docs/streams.md): SET cf:cancel:<id> stops a running fight within
# a second and keeps a queued one from running; both end `cancelled`.
. "$(dirname "$0")/lib.sh"
it_setup_db
it_setup_redis

start_simulator sim1 CF_SIMULATOR_CANCEL_POLL_MS=250; sim=$LAST_PID
start_processor rp1; rp=$LAST_PID
running=$(new_uuid)
queued=$(new_uuid)
players=$(players_json "$IT_BOTS/slow.py" "$IT_BOTS/slow.py")
# The running one as cf-web records it before queuing (the other one is
# injected by hand: its row is made by the result processor).
sql "INSERT INTO games (name, title, min_players, max_players, conclusion)
     VALUES ('tanks', 'Tanks', 2, 2, 'victory_draw');
     INSERT INTO fights (id, game, status, queued_at, attempts)
     VALUES ('$running', 'tanks', 'queued', now(), 1)" >/dev/null
push_fight "$running" "$players" '{"max_ticks": 200}' >/dev/null
started() { rcli XRANGE cf:progress - + | grep -c "$running" >/dev/null; }
wait_for 30 "fight $running started" started
# The result processor turns the simulator's `started` into `running`.
wait_for 10 "fight $running running in PostgreSQL" status_is "$running" running
# One worker: this one waits in the stream behind the running fight.
push_fight "$queued" "$players" '{"max_ticks": 200}' >/dev/null
rcli SET "cf:cancel:$queued" 1 EX 86400 >/dev/null

sleep 1
t0=$(date +%s%N)
rcli SET "cf:cancel:$running" 1 EX 86400 >/dev/null
stopped() { rcli XRANGE cf:results - + | grep -c "$running" >/dev/null; }
wait_for 10 "cancelled result of $running" stopped
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
log "running fight stopped $ms ms after the cancel"
[ $ms -le 2000 ] || fail "a running fight took $ms ms to stop (limit: 1 s + poll + margin for a loaded machine)"

wait_for 20 "running fight cancelled in PostgreSQL" status_is "$running" cancelled
wait_for 20 "queued fight cancelled in PostgreSQL" status_is "$queued" cancelled
grep -q "fight $queued cancelled: cancelled before it started" "$IT_DIR/sim-sim1.log" \
    || fail "the queued fight was run instead of skipped"
[ "$(sql "SELECT count(*) FROM fight_reports WHERE fight_id IN ('$running', '$queued')")" = 2 ] \
    || fail "reports of cancelled fights"
wait_for 10 "fights acked" pending_is cf:fights simulators 0
alive "$sim" || fail "simulator died"
echo "ok: running and queued fights cancelled"
