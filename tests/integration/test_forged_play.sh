#!/usr/bin/env bash
# A forged cf:plays entry that borrows the id of someone's queued play
# cannot end it, nor mark it running (issue 15, as integration.forged_result
# for fights): cf-web records the entry it sent (plays.entry_id), cf-simulator
# names the entry each start and end comes from, and cf-result-processor
# refuses (dead-letters) the end of another entry and ignores its start.
# Here the forged entries come first: a bad one (no code: the simulator
# ends it at once as failed) and a game of the forger's (stopped after
# 1 s); the play stays queued, then its own entry plays it to its end. A
# play the web never saw (injected) is still stored, as docs/streams.md
# says.
. "$(dirname "$0")/lib.sh"
it_setup_db
it_setup_redis
GAMES=$CF_SOURCE_DIR/tests/integration/games

hash='$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'
player=$(sql "INSERT INTO users (username, password_hash) VALUES ('player', '$hash') RETURNING id")
queued=$(new_uuid)
# The entry cf-web sent for it comes after the forged ones: an explicit id
# beyond every '*' id given before it.
own_entry="$(( $(date +%s%3N) + 600000 ))-0"
sql "INSERT INTO plays (id, player_id, status, entry_id)
     VALUES ('$queued', $player, 'queued', '$own_entry')"

game=$(cat "$GAMES/keys.py")
rcli XADD cf:plays '*' id "$queued" title forged-bad seconds 5 >/dev/null
rcli XADD cf:plays '*' id "$queued" title forged code "$game" seconds 1 >/dev/null
injected=$(new_uuid)
rcli XADD cf:plays '*' id "$injected" title injected code "$game" seconds 1 >/dev/null

start_simulator sim1
start_processor rp1

play_col() { sql "SELECT $2 FROM plays WHERE id = '$1'"; }
play_is() { [ "$(play_col "$1" status)" = "$2" ]; }
# One arcade worker takes the entries in order: once the injected play is
# stored, both forged ends have been handled.
wait_for 90 "injected play $injected stored" play_is "$injected" stopped
wait_for 10 "results acked" pending_is cf:results result-processors 0

[ "$(play_col "$queued" "concat_ws(' ', status, verdict IS NULL, started_at IS NULL,
                                   finished_at IS NULL, entry_id)")" = "queued t t t $own_entry" ] \
    || fail "a forged entry changed the queued play: $(play_col "$queued" \
        "concat_ws(' ', status, verdict, detail, started_at, finished_at, entry_id)")"
dead=$(rcli XRANGE cf:fights:dead - +)
[ "$(echo "$dead" | grep -c "play $queued was sent as entry $own_entry")" = 2 ] \
    || fail "the two forged ends are not dead-lettered with the reason: $dead"
[ "$(grep -c "cf-result-processor: play $queued was sent as entry $own_entry" "$IT_DIR/rp-rp1.log")" = 2 ] \
    || fail "the refusals are not logged"

# Its own entry plays it.
rcli XADD cf:plays "$own_entry" id "$queued" title own code "$game" seconds 1 >/dev/null
wait_for 60 "the queued play ended by its own entry" play_is "$queued" stopped
[ "$(play_col "$queued" "concat_ws(' ', verdict, started_at IS NOT NULL, entry_id)")" = \
  "ok t $own_entry" ] || fail "play row: $(play_col "$queued" "concat_ws(' ', verdict, detail, started_at, entry_id)")"
[ "$(play_col "$injected" entry_id)" != "" ] || fail "the injected play's entry is not recorded"
echo "PASS"
