#!/usr/bin/env bash
# A worker whose report the parent cannot accept (CF_TEST_BAD_REPORT=1: the
# worker sends text that is not a report): the parent reports the fight as
# failed itself, with the fight's own game and players, so it lands in
# PostgreSQL as failed, never in the dead letter.
. "$(dirname "$0")/lib.sh"
it_setup_db
it_setup_redis

# The game is known to the database, as cf-web makes it at start (a failed
# fight of a game the database does not know is not stored at all).
sql "INSERT INTO games (name, title, min_players, max_players, conclusion, active)
     VALUES ('tanks', 'Tanks', 2, 2, 'victory_draw', true)" >/dev/null

start_simulator sim1 CF_TEST_BAD_REPORT=1; sim=$LAST_PID
start_processor rp1; rp=$LAST_PID
id=$(new_uuid)
push_fight "$id" "$(players_json "$IT_BOTS/shooter.py" "$IT_BOTS/idle.py")" '{"max_ticks": 5}' >/dev/null

wait_for 60 "fight $id final in PostgreSQL" status_is "$id" failed
grep -q "the worker's report is refused: unreadable report" "$IT_DIR/sim-sim1.log" ||
    fail "the simulator did not say why it refused the report"
[ "$(sql "SELECT game || '|' || explanation FROM fights WHERE id = '$id'")" = "tanks|unreadable report" ] ||
    fail "fight row: $(sql "SELECT game, status, explanation FROM fights WHERE id = '$id'")"
[ "$(sql "SELECT string_agg(name || ':' || verdict, ',' ORDER BY slot) FROM fight_players WHERE fight_id = '$id'")" = "a.py:ok,b.py:ok" ] ||
    fail "players of the failed fight: $(sql "SELECT string_agg(name, ',' ORDER BY slot) FROM fight_players WHERE fight_id = '$id'")"
[ "$(sql "SELECT report->>'result' IS NULL FROM fight_reports WHERE fight_id = '$id'")" = t ] ||
    fail "a failed fight's result is null"
[ "$(rcli XLEN cf:fights:dead)" = 0 ] || fail "dead letters: $(rcli XRANGE cf:fights:dead - +)"
wait_for 20 "the fight entry acknowledged" pending_is cf:fights simulators 0
wait_for 20 "the result acknowledged" pending_is cf:results result-processors 0
alive "$sim" || fail "simulator died"
alive "$rp" || fail "result processor died"
echo PASS
