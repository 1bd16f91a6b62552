#!/usr/bin/env bash
# Malformed entries of every kind end in cf:fights:dead with a reason, are
# acknowledged, get a `failed` result when they carry a fight id, and the
# services keep running and still run a good fight afterwards.
. "$(dirname "$0")/lib.sh"
it_setup_db
it_setup_redis
# As cf-web does at its start: the games are in the database. (A failed
# fight of a game the database does not know is not stored.)
sql "INSERT INTO games (name, title, min_players, max_players, conclusion)
     VALUES ('tanks', 'Tanks', 2, 2, 'victory_draw')" >/dev/null
good_players=$(players_json "$IT_BOTS/shooter.py" "$IT_BOTS/idle.py")

# Entries trimmed while pending (Redis 7.0 returns them with no fields):
# one pending for the simulator's own consumer name (read back from 0),
# one pending for a consumer that died (reclaimed with XAUTOCLAIM).
rcli XGROUP CREATE cf:fights simulators 0 MKSTREAM >/dev/null
for who in sim1 ghost; do
    e=$(rcli XADD cf:fights '*' id "$(new_uuid)" game tanks players "$good_players")
    rcli XREADGROUP GROUP simulators "$who" COUNT 1 STREAMS cf:fights '>' >/dev/null
    rcli XDEL cf:fights "$e" >/dev/null
done

start_simulator sim1 CF_SIMULATOR_MAX_CODE_BYTES=65536; sim=$LAST_PID
start_processor rp1; rp=$LAST_PID

declare -A expect   # fight id (or tag) -> reason substring
id=$(new_uuid); expect[$id]="players"
rcli XADD cf:fights '*' id "$id" game tanks >/dev/null                       # missing field
id=$(new_uuid); expect[$id]="players"
rcli XADD cf:fights '*' id "$id" game tanks players '[{"name": "a.py", "code": ' >/dev/null  # bad JSON
id=$(new_uuid); expect[$id]="unknown game"
rcli XADD cf:fights '*' id "$id" game nosuchgame players "$good_players" >/dev/null
id=$(new_uuid); expect[$id]="players, entry has 3"
three=$(players_json "$IT_BOTS/idle.py" "$IT_BOTS/idle.py" "$IT_BOTS/idle.py")
rcli XADD cf:fights '*' id "$id" game tanks players "$three" >/dev/null       # too many players
id=$(new_uuid); expect[$id]="code"
python3 -c 'import json; print(json.dumps([{"name": "a.py", "code": "#" * 200000}, {"name": "b.py", "code": "x=1"}]))' \
    | rcli -x XADD cf:fights '*' id "$id" game tanks players >/dev/null       # huge code
id=$(new_uuid); expect[$id]="players"
head -c 3000 /dev/urandom | rcli -x XADD cf:fights '*' id "$id" game tanks players >/dev/null  # garbage
id=$(new_uuid); expect[$id]="settings"
rcli XADD cf:fights '*' id "$id" game tanks players "$good_players" settings '{"max_ticks": 999999}' >/dev/null
head -c 200 /dev/urandom | rcli -x XADD cf:fights '*' id >/dev/null        # binary id
rcli XADD cf:fights '*' id not-a-uuid game tanks players "$good_players" >/dev/null
rcli XADD cf:fights '*' nothing here >/dev/null                              # no known field
# A bad result entry goes to the same dead-letter stream, from the processor.
rcli XADD cf:results '*' id "$(new_uuid)" status finished report '{"oops": 1}' >/dev/null
rcli XADD cf:results '*' garbage "$(head -c 100 /dev/urandom | base64)" >/dev/null

# Then a good fight must still run.
good=$(new_uuid)
push_fight "$good" "$good_players" '{"max_ticks": 10}' >/dev/null
wait_for 90 "good fight stored after the bad ones" status_is "$good" finished

dead_count() { rcli XLEN cf:fights:dead; }
total=$(( ${#expect[@]} + 3 + 2 + 2 ))
enough_dead() { [ "$(dead_count)" -ge "$total" ]; }
wait_for 30 "$total dead letters" enough_dead
dump=$IT_DIR/dead.txt
rcli XRANGE cf:fights:dead - + >"$dump"
for id in "${!expect[@]}"; do
    grep -A1 -x reason "$dump" >/dev/null || fail "no reason field"
    # reason, source and entry come first, then the original fields (id...).
    python3 - "$dump" "$id" "${expect[$id]}" <<'PY' || fail "dead letter of $id lacks reason '${expect[$id]}'"
import sys
lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n")
fid, want = sys.argv[2], sys.argv[3]
for i, l in enumerate(lines):
    if l == "reason" and fid in "\n".join(lines[i:i + 12]) and want in lines[i + 1]:
        sys.exit(0)
sys.exit(1)
PY
    wait_for 20 "failed result of $id" bash -c "redis-cli -u '$REDIS_URL' XRANGE cf:results - + | grep -c '$id' >/dev/null"
done
grep -c "trimmed while pending" "$dump" | grep -cx 2 >/dev/null || fail "the two trimmed entries are not both dead"
grep -q "not-a-uuid" "$dump" || fail "the entry with a bad id is not dead"
[ "$(grep -cx 'cf:results' "$dump")" -ge 2 ] || fail "bad result entries not dead-lettered"
# Failed fights of a known game are in PostgreSQL with their reason.
for id in "${!expect[@]}"; do
    [ "${expect[$id]}" = "unknown game" ] && continue
    wait_for 20 "fight $id failed in PostgreSQL" status_is "$id" failed
done
[ "$(sql "SELECT count(*) FROM fights WHERE game = 'nosuchgame'")" = 0 ] || fail "unknown game stored"
[ "$(sql "SELECT count(*) FROM games WHERE name = 'nosuchgame'")" = 0 ] || fail "unknown game row"
wait_for 10 "fights acked" pending_is cf:fights simulators 0
wait_for 10 "results acked" pending_is cf:results result-processors 0
alive "$sim" || fail "simulator died"
alive "$rp" || fail "result processor died"
echo "ok: $(dead_count) dead letters, services alive"
