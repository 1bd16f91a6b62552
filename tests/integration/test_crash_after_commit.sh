#!/usr/bin/env bash
# kill -9 of the result processor between its commit and its ack
# (CF_TEST_CRASH_AFTER_COMMIT=1): the result is delivered again, found
# final, ignored and acknowledged. Still exactly once in PostgreSQL.
. "$(dirname "$0")/lib.sh"
it_setup_db
it_setup_redis

start_simulator sim1; sim=$LAST_PID
start_processor rpA CF_TEST_CRASH_AFTER_COMMIT=1; rpA=$LAST_PID
id=$(new_uuid)
push_fight "$id" "$(players_json "$IT_BOTS/shooter.py" "$IT_BOTS/idle.py")" '{"max_ticks": 20}' >/dev/null

wait_for 60 "processor A dead after its commit" dead "$rpA"
grep -q "CF_TEST_CRASH_AFTER_COMMIT" "$IT_DIR/rp-rpA.log" || fail "processor A did not die at the hook"
[ "$(fight_status "$id")" = finished ] || fail "fight not committed before the crash"
[ "$(pending_count cf:results result-processors)" = 1 ] || fail "the result should still be pending"

# The same consumer restarted reads its own pending entry first...
start_processor rpA; rpA2=$LAST_PID
wait_for 20 "pending result acknowledged" pending_is cf:results result-processors 0
grep -q "already finished: result (finished) ignored" "$IT_DIR/rp-rpA.log" \
    || fail "the redelivered result was not recognised as a duplicate"

# ...and another processor reclaims one left by a dead one.
kill -TERM "$rpA2"; wait "$rpA2" 2>/dev/null || true
start_processor rpC CF_TEST_CRASH_AFTER_COMMIT=1; rpB_crash=$LAST_PID
id2=$(new_uuid)
push_fight "$id2" "$(players_json "$IT_BOTS/idle.py" "$IT_BOTS/shooter.py")" '{"max_ticks": 20}' >/dev/null
wait_for 60 "processor C dead after its commit" dead "$rpB_crash"
start_processor rpD; rpD=$LAST_PID
wait_for 30 "result reclaimed and acknowledged" pending_is cf:results result-processors 0
grep -q "already finished" "$IT_DIR/rp-rpD.log" || fail "processor D did not see the duplicate"

for f in "$id" "$id2"; do
    [ "$(sql "SELECT count(*) FROM fights WHERE id = '$f'")" = 1 ] || fail "fight rows of $f"
    [ "$(sql "SELECT count(*) FROM fight_reports WHERE fight_id = '$f'")" = 1 ] || fail "reports of $f"
    [ "$(sql "SELECT count(*) FROM fight_players WHERE fight_id = '$f'")" = 2 ] || fail "players of $f"
done
alive "$sim" || fail "simulator died"
alive "$rpD" || fail "processor D died"
echo "ok: exactly once across crashes between commit and ack"
