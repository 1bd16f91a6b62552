#!/usr/bin/env bash
# simulator.pin_workers (cpu_pin.h): fight worker N (cf-sim-wN) runs
# on one CPU, the (N mod CPUs)-th of the CPUs the simulator may use, and
# its forkserver with it (the bots are the forkserver's clones); arcade
# workers (cf-sim-aN) are left free; a worker that dies comes back on the
# same CPU; a fight runs to its end; with the setting off, fight workers
# may use every CPU.
. "$(dirname "$0")/lib.sh"
it_setup_redis

# The CPUs a process may use, in order ("0 1").
cpus_of() { python3 -c 'import os, sys; print(*sorted(os.sched_getaffinity(int(sys.argv[1]))))' "$1"; }
read -ra allowed <<<"$(cpus_of $$)"
if [ "${#allowed[@]}" -lt 2 ]; then
    echo "SKIP: this test may use one CPU (${allowed[*]}): there is nothing to pin"
    exit 77
fi

# The pid of the simulator $1's worker named $2, or nothing.
worker_of() { ps -o pid=,comm= --ppid "$1" | awk -v n="$2" '$2 == n {print $1}'; }
# The pid of that worker's forkserver, or nothing.
forkserver_of() { ps -o pid=,comm= --ppid "$1" | awk '$2 == "cf-forkserver" {print $1}'; }
workers_up() {
    local sim=$1 name
    shift
    for name in "$@"; do
        local w
        w=$(worker_of "$sim" "$name")
        [ -n "$w" ] && [ -n "$(forkserver_of "$w")" ] || return 1
    done
}
# Worker $2 of simulator $1 and its forkserver run on CPUs "$3" exactly.
expect_cpus() {
    local w f
    w=$(worker_of "$1" "$2")
    f=$(forkserver_of "$w")
    [ "$(cpus_of "$w")" = "$3" ] || fail "$2 (pid $w) may use CPUs '$(cpus_of "$w")', expected '$3'"
    [ "$(cpus_of "$f")" = "$3" ] || fail "$2's forkserver (pid $f) may use CPUs '$(cpus_of "$f")', expected '$3'"
}

# Three fight workers (with two CPUs, one CPU takes two of them) and one
# arcade worker.
CONCURRENCY=3 ARCADE_SLOTS=1 start_simulator pinned
sim=$LAST_PID
wait_for 60 "workers and their forkservers up" workers_up "$sim" cf-sim-w0 cf-sim-w1 cf-sim-w2 cf-sim-a3
for n in 0 1 2; do
    expect_cpus "$sim" "cf-sim-w$n" "${allowed[$((n % ${#allowed[@]}))]}"
done
expect_cpus "$sim" cf-sim-a3 "${allowed[*]}"
grep -q "fight workers pinned to one CPU each, in turn over ${#allowed[@]} CPUs" "$IT_DIR/sim-pinned.log" ||
    fail "the simulator did not say that it pins its workers"

# A fight runs to its end on pinned workers.
fid=$(new_uuid)
push_fight "$fid" "$(players_json "$IT_BOTS/shooter.py" "$IT_BOTS/shooter.py")" >/dev/null
has_result() { rcli XRANGE cf:results - + | grep -q "\"$fid\"\|^$fid\$"; }
wait_for 60 "the fight's result" has_result

# A worker that dies comes back on its CPU.
old=$(worker_of "$sim" cf-sim-w1)
kill -KILL "$old"
respawned() { w=$(worker_of "$sim" cf-sim-w1) && [ -n "$w" ] && [ "$w" != "$old" ] && workers_up "$sim" cf-sim-w1; }
wait_for 30 "cf-sim-w1 back" respawned
expect_cpus "$sim" cf-sim-w1 "${allowed[$((1 % ${#allowed[@]}))]}"
kill -TERM "$sim"
wait_for 30 "the first simulator stopped" dead "$sim"

# Off: every worker may use every CPU the simulator may.
CONCURRENCY=2 ARCADE_SLOTS=0 start_simulator unpinned CF_SIMULATOR_PIN_WORKERS=false
sim=$LAST_PID
wait_for 60 "workers and their forkservers up" workers_up "$sim" cf-sim-w0 cf-sim-w1
expect_cpus "$sim" cf-sim-w0 "${allowed[*]}"
expect_cpus "$sim" cf-sim-w1 "${allowed[*]}"
! grep -q "workers pinned" "$IT_DIR/sim-unpinned.log" || fail "pinned with simulator.pin_workers off"
echo "ok: fight workers pinned in turn over CPUs ${allowed[*]}, kept on respawn, left free when off; arcade workers free"
