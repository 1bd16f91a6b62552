#!/usr/bin/env bash
# A bot that raises and one whose decisions Tanks refuses: the report's
# "errors" (docs/cf-fight.md) reaches fight_players.errors through
# cf-result-processor, and a bot whose calls all did something has none.
. "$(dirname "$0")/lib.sh"
it_setup_db
it_setup_redis

start_simulator sim1; sim=$LAST_PID
start_processor rp1; rp=$LAST_PID

bots=$CF_SOURCE_DIR/tests/integration/bots
id=$(new_uuid)
push_fight "$id" "$(players_json "$bots/raises.py" "$bots/invalid.py")" '{"max_ticks":10}' >/dev/null
wait_for 60 "fight $id final in PostgreSQL" status_is "$id" finished

row() { sql "SELECT $1 FROM fight_players WHERE fight_id = '$id' AND slot = $2"; }
[ "$(row verdict 0),$(row verdict 1)" = "ok,ok" ] || fail "verdicts: $(row verdict 0) $(row verdict 1)"
[ "$(row "errors->>'raised'" 0)" = 8 ] || fail "raised: $(row errors 0)"
[ "$(row "errors->'first'" 0)" = '{"kind": "raised", "tick": 2, "message": "ValueError: no plan for tick 2 (line 5)"}' ] \
    || fail "first error: $(row errors 0)"
[ "$(row "errors->>'invalid'" 1)" = 10 ] || fail "invalid: $(row errors 1)"
row "errors->'first'->>'message'" 1 | grep -q '"dance" is not a decision' || fail "reason: $(row errors 1)"

id2=$(new_uuid)
push_fight "$id2" "$(players_json "$bots/idle.py" "$bots/idle.py")" '{"max_ticks":3}' >/dev/null
wait_for 60 "fight $id2 final in PostgreSQL" status_is "$id2" finished
[ "$(sql "SELECT count(*) FROM fight_players WHERE fight_id = '$id2' AND errors IS NULL")" = 2 ] \
    || fail "a bot without errors has errors: $(sql "SELECT errors FROM fight_players WHERE fight_id = '$id2'")"

kill -TERM "$sim" "$rp"
wait_for 30 "cf-simulator stopped" dead "$sim"
wait_for 30 "cf-result-processor stopped" dead "$rp"
wait "$sim" || fail "cf-simulator exited with status $?"
wait "$rp" || fail "cf-result-processor exited with status $?"
echo "ok: errors stored"
