#!/usr/bin/env bash
# PostgreSQL stopped for a while under load: the result processor retries
# without acknowledging, the simulators keep going, and after PostgreSQL
# returns every fight is stored exactly once. The test runs its own
# PostgreSQL server (same binaries as the stack's) so that stopping it
# disturbs no other test.
. "$(dirname "$0")/lib.sh"
PGBIN=${CF_PG_BIN:-/usr/lib/postgresql/15/bin}
N=${N_FIGHTS:-20}

pgdir=$IT_DIR/pg
mkdir -p "$pgdir"
chown postgres "$pgdir"
port=$(( 20000 + RANDOM % 20000 ))
pg() { runuser -u postgres -- "$PGBIN/pg_ctl" -D "$pgdir/data" -l "$pgdir/postgres.log" -w "$@"; }
runuser -u postgres -- "$PGBIN/initdb" -D "$pgdir/data" -A trust -U postgres >/dev/null
echo "port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pgdir'
fsync = off" >>"$pgdir/data/postgresql.conf"
IT_EXTRA_CLEANUP="runuser -u postgres -- $PGBIN/pg_ctl -D $pgdir/data -m immediate stop >/dev/null 2>&1"
pg start >/dev/null
it_setup_db "postgresql://postgres@127.0.0.1:$port/postgres"
it_setup_redis

CONCURRENCY=2 start_simulator sim1; sim=$LAST_PID
start_processor rp1; rp=$LAST_PID
start_processor rp2; rp2=$LAST_PID   # two processors share the results
players=$(players_json "$IT_BOTS/shooter.py" "$IT_BOTS/idle.py")
ids=()
push_batch() {
    local i id
    for i in $(seq "$1"); do
        id=$(new_uuid)
        ids+=("$id")
        push_fight "$id" "$players" '{"max_ticks": 10}' >/dev/null
    done
}
final_at_least() { [ "$(count_final)" -ge "$1" ]; }
processor_retrying() { grep -qs "retrying" "$IT_DIR"/rp-*.log; }
# Half the fights before the outage, half during it: results then arrive
# while PostgreSQL is down however fast the machine simulates.
push_batch $((N / 2))
wait_for 120 "first fights stored" final_at_least 2
log "stopping PostgreSQL"
pg -m fast stop >/dev/null
push_batch $((N - N / 2))
wait_for 60 "a processor noticing the outage" processor_retrying
sleep 2
alive "$rp" && alive "$rp2" || fail "a result processor died while PostgreSQL was down"
log "starting PostgreSQL"
pg start >/dev/null
wait_for 180 "all $N fights stored" final_at_least "$N"

[ "$(sql "SELECT count(*) FROM fights")" = "$N" ] || fail "fight rows"
[ "$(sql "SELECT count(*) FROM fight_reports")" = "$N" ] || fail "report rows"
for id in "${ids[@]}"; do
    [ "$(fight_status "$id")" = finished ] || fail "fight $id is $(fight_status "$id")"
done
wait_for 20 "results acked" pending_is cf:results result-processors 0
[ "$(rcli XLEN cf:fights:dead)" = 0 ] || fail "something was dead-lettered"
alive "$sim" || fail "simulator died"
alive "$rp2" || fail "second result processor died"
echo "ok: $N fights, none lost across a PostgreSQL outage"
