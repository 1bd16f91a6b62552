#!/usr/bin/env bash
# A forged cf:fights entry that borrows the id of someone's open private
# fight (status hosting, an invitation pending) is simulated, but its result
# is not stored: the fight stays hosting, the invitation pending, and the
# result is dead-lettered with the reason (issue 15, finding 8). A fight
# the web never saw (injected) is still stored, as docs/streams.md says.
. "$(dirname "$0")/lib.sh"
it_setup_db
it_setup_redis

hash='$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'
sql "INSERT INTO games (name, title, min_players, max_players, conclusion, active)
     VALUES ('tanks', 'Tanks', 2, 2, 'victory_draw', true) ON CONFLICT (name) DO NOTHING"
host=$(sql "INSERT INTO users (username, password_hash) VALUES ('host', '$hash') RETURNING id")
guest=$(sql "INSERT INTO users (username, password_hash) VALUES ('guest', '$hash') RETURNING id")
open_id=$(new_uuid)
sql "INSERT INTO fights (id, game, host_id, status, visibility)
     VALUES ('$open_id', 'tanks', $host, 'hosting', 'private')"
sql "INSERT INTO invitations (fight_id, invitee_id) VALUES ('$open_id', $guest)"

start_simulator sim1
start_processor rp1

players=$(players_json "$IT_BOTS/idle.py" "$IT_BOTS/idle.py")
push_fight "$open_id" "$players" '{"max_ticks": 30}' >/dev/null
injected=$(new_uuid)
push_fight "$injected" "$players" '{"max_ticks": 30}' >/dev/null

# The injected fight comes after the forged one on one simulator slot: once
# it is stored, the forged one's result has been handled.
wait_for 90 "injected fight $injected stored" status_is "$injected" finished
wait_for 10 "results acked" pending_is cf:results result-processors 0

[ "$(fight_status "$open_id")" = hosting ] \
    || fail "the forged result changed the open fight: $(fight_status "$open_id")"
[ "$(sql "SELECT finished_at IS NULL AND result IS NULL FROM fights WHERE id = '$open_id'")" = t ] \
    || fail "the open fight has a finish"
[ "$(sql "SELECT status FROM invitations WHERE fight_id = '$open_id'")" = pending ] \
    || fail "the invitation is no longer pending"
[ "$(sql "SELECT count(*) FROM fight_reports WHERE fight_id = '$open_id'")" = 0 ] \
    || fail "the forged result's report was stored"
[ "$(sql "SELECT count(*) FROM fight_players WHERE fight_id = '$open_id' AND verdict IS NOT NULL")" = 0 ] \
    || fail "the forged result's players were stored"
dead=$(rcli XRANGE cf:fights:dead - +)
echo "$dead" | grep -q "$open_id" || fail "the refused result is not dead-lettered: $dead"
echo "$dead" | grep -q "never queued" || fail "the dead letter does not say why: $dead"
grep -q "fight $open_id is hosting, never queued" "$IT_DIR/rp-rp1.log" \
    || fail "the refusal is not logged"
echo "PASS"
