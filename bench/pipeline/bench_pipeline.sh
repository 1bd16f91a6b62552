#!/usr/bin/env bash
# bench/pipeline/bench_pipeline.sh — end-to-end throughput and latency of the
# pipeline (never run by ctest): N Tanks fights between two trivial bots
# (games/tanks/templates/empty.py) pushed to cf:fights, measured until all
# are committed in PostgreSQL. Prints fights/s and the p50/p99 latency from
# XADD (the entry id's time) to commit (fights.finished_at), with one and
# with two simulator processes, and checks zero lost, zero duplicated.
# Beside them, measured in the same run, the reference of the speed goal
# (two plain Python processes over pipes per fight, two at a time) and the
# goal: >= 50 fights/s and >= 6x the reference.
#
#   CF_REDIS_URL=… CF_DATABASE_URL=… bench/pipeline/bench_pipeline.sh BUILD_DIR \
#       [--fights 1000] [--simulators "1 2"] [--concurrency 1] [--rate R] [--no-half-rate]
#
# After each burst the same fights are pushed again at half the burst's
# throughput (the latency target's condition) unless --no-half-rate;
# --rate R pushes at R fights per second only. Runs as root (the sandbox).
# Uses a scratch database (dropped at the end) and an empty Redis logical
# database it claims (SET cf:test:owner NX) and flushes at the end.
set -euo pipefail
BUILD=${1:?usage: bench_pipeline.sh BUILD_DIR [--fights N] [--simulators "1 2"] [--concurrency C] [--rate R]}
shift
FIGHTS=1000 SIMS="1 2" CONC=1 RATE=0 HALF=1
while [ $# -gt 0 ]; do
    case $1 in
        --fights) FIGHTS=$2; shift 2 ;;
        --simulators) SIMS=$2; shift 2 ;;
        --concurrency) CONC=$2; shift 2 ;;
        --rate) RATE=$2; shift 2 ;;
        --no-half-rate) HALF=0; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
: "${CF_REDIS_URL:?}" "${CF_DATABASE_URL:?}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIM=$BUILD/simulator/cf-simulator RP=$BUILD/result_processor/cf-result-processor
MIGRATE=$BUILD/db/cf-migrate
for b in "$SIM" "$RP" "$MIGRATE"; do [ -x "$b" ] || { echo "missing $b" >&2; exit 1; }; done

TMP=$(mktemp -d /tmp/cf-bench-pipeline.XXXXXX)
DB=cf_bench_pipeline_$$
base=${CF_DATABASE_URL%%\?*}
DB_URL=${base%/*}/$DB
[[ $CF_REDIS_URL =~ ^(redis://[^/]+) ]] || { echo "CF_REDIS_URL must be redis://host:port" >&2; exit 1; }
REDIS_BASE=${BASH_REMATCH[1]}
REDIS_URL=""
# An empty logical database, claimed like the test suites do (SET NX).
for db in $(seq 1 15 | shuf); do
    [ "$(redis-cli -u "$REDIS_BASE/$db" --no-auth-warning DBSIZE)" = 0 ] || continue
    if [ "$(redis-cli -u "$REDIS_BASE/$db" --no-auth-warning SET cf:test:owner bench-$$ NX)" = OK ]; then
        REDIS_URL=$REDIS_BASE/$db
        break
    fi
done
[ -n "$REDIS_URL" ] || { echo "no empty Redis database (1-15)" >&2; exit 1; }
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    psql "$CF_DATABASE_URL" -qAtc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    [ -z "$REDIS_URL" ] || redis-cli -u "$REDIS_URL" --no-auth-warning FLUSHDB >/dev/null 2>&1 || true
    rm -rf "$TMP"
}
trap cleanup EXIT
rcli() { redis-cli -u "$REDIS_URL" --no-auth-warning "$@"; }
sql() { psql "$DB_URL" -qAtX -c "$1"; }
# The CPU (ns) the process trees rooted at the given pids have used so far:
# each live thread's run time (schedstat), plus what each live process got
# from the children it has reaped (a worker's bots, in clock ticks). Taken
# before and after a burst, it leaves out the start-up (the forkservers'
# CPython, the arcade workers'), and the machine's other load moves it far
# less than fights/s.
cat >"$TMP/treecpu.py" <<'PY'
import os, sys
hz = os.sysconf("SC_CLK_TCK")
parent = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            stat = open(f"/proc/{d}/stat").read()
        except OSError:
            continue
        parent[int(d)] = int(stat[stat.rindex(")") + 2:].split()[1])
tree, todo = set(), [int(p) for p in sys.argv[1:]]
while todo:
    p = todo.pop()
    if p in tree:
        continue
    tree.add(p)
    todo.extend(c for c, pp in parent.items() if pp == p)
# ns by part: the processes' own run time; "bots" also what the workers got
# from the coderunners they reaped
part = {"controllers": 0, "forkservers": 0, "bots": 0}
for p in tree:
    try:
        comm = open(f"/proc/{p}/comm").read().strip()
        f = open(f"/proc/{p}/stat").read()
        f = f[f.rindex(")") + 2:].split()
        own = sum(int(open(f"/proc/{p}/task/{t}/schedstat").read().split()[0])
                  for t in os.listdir(f"/proc/{p}/task"))
        reaped = (int(f[13]) + int(f[14])) * 10**9 // hz  # cutime, cstime
    except (OSError, ValueError, IndexError):
        continue
    name = ("forkservers" if comm == "cf-forkserver" else
            "bots" if comm == "cf-coderunner" else "controllers")
    part[name] += own
    part["bots" if comm.startswith("cf-sim-") else name] += reaped
print(sum(part.values()), part["controllers"], part["forkservers"], part["bots"])
PY
treecpu() { python3 "$TMP/treecpu.py" "$@"; }

psql "$CF_DATABASE_URL" -qAtc "CREATE DATABASE $DB" >/dev/null
"$MIGRATE" --database-url "$DB_URL" >/dev/null 2>&1

# The burst as one RESP stream for redis-cli --pipe (a real burst).
python3 - "$FIGHTS" "$ROOT/games/tanks/templates/empty.py" "$TMP/ids" "$TMP/cmds.b64" >"$TMP/burst.resp" <<'PY'
import base64, json, sys, uuid
n, bot, idsfile = int(sys.argv[1]), open(sys.argv[2]).read(), sys.argv[3]
players = json.dumps([{"name": "a.py", "code": bot}, {"name": "b.py", "code": bot}])
out = sys.stdout.buffer
with open(idsfile, "w") as ids, open(sys.argv[4], "w") as cmds:
    for i in range(n):
        fid = str(uuid.uuid4())
        ids.write(fid + "\n")
        args = ["XADD", "cf:fights", "*", "id", fid, "game", "tanks", "players", players,
                "seed", str(i)]
        cmd = b"*%d\r\n" % len(args)
        for a in args:
            b = a.encode()
            cmd += b"$%d\r\n%s\r\n" % (len(b), b)
        out.write(cmd)
        cmds.write(base64.b64encode(cmd).decode() + "\n")
PY

run_one() {
    local nsim=$1
    rcli FLUSHDB >/dev/null
    rcli SET cf:test:owner "bench-$$" >/dev/null
    sql "SET client_min_messages = warning; TRUNCATE fights CASCADE" >/dev/null
    PIDS=()
    env CF_REDIS_URL="$REDIS_URL" CF_DATABASE_URL="$DB_URL" CF_CONFIG= CF_LOG_LEVEL=warn \
        CF_RESULT_PROCESSOR_USER=nobody CF_RESULT_PROCESSOR_RECONCILE_EVERY_MS=0 \
        "$RP" 2>>"$TMP/rp.log" &
    PIDS+=($!)
    for i in $(seq "$nsim"); do
        env CF_REDIS_URL="$REDIS_URL" CF_CONFIG= CF_LOG_LEVEL=warn \
            CF_SIMULATOR_CONCURRENCY="$CONC" CF_SIMULATOR_TRIM_EVERY_MS=0 \
            "$SIM" 2>>"$TMP/sim$i.log" &
        PIDS+=($!)
    done
    sleep 2 # workers start their sandboxes
    local cpu0 rpcpu0
    cpu0=$(treecpu "${PIDS[@]:1}") rpcpu0=$(treecpu "${PIDS[0]}")
    local t0=$SECONDS
    if [ "$RATE" = 0 ]; then
        rcli --pipe <"$TMP/burst.resp" >/dev/null
    else
        # One redis-cli --pipe per fight, on schedule (the same commands).
        python3 - "$RATE" "$TMP/cmds.b64" "$REDIS_URL" <<'PY'
import base64, subprocess, sys, time
rate, url = float(sys.argv[1]), sys.argv[3]
cmds = [base64.b64decode(l) for l in open(sys.argv[2]) if l.strip()]
start = time.monotonic()
for i, c in enumerate(cmds):
    due = start + i / rate
    now = time.monotonic()
    if due > now:
        time.sleep(due - now)
    subprocess.run(["redis-cli", "-u", url, "--no-auth-warning", "--pipe"],
                   input=c, stdout=subprocess.DEVNULL, check=True)
PY
    fi
    while [ "$(sql "SELECT count(*) FROM fights WHERE status IN ('finished','failed','cancelled')")" -lt "$FIGHTS" ]; do
        [ $((SECONDS - t0)) -lt 1800 ] || { echo "timeout: $(sql "SELECT count(*) FROM fights") stored" >&2; break; }
        sleep 0.5
    done
    local cpu1 rpcpu1
    cpu1=$(treecpu "${PIDS[@]:1}") rpcpu1=$(treecpu "${PIDS[0]}")
    # entry id (ms) -> fight id, from the stream itself
    rcli --raw XRANGE cf:fights - + >"$TMP/stream.txt"
    sql "SELECT id, extract(epoch FROM finished_at) * 1000, status FROM fights" >"$TMP/db.txt"
    local stats
    stats=$(python3 - "$TMP/stream.txt" "$TMP/db.txt" "$TMP/ids" "$FIGHTS" "$TMP/rate" <<'PY'
import sys, re
lines = open(sys.argv[1]).read().split("\n")
xadd = {}
i = 0
while i < len(lines):
    m = re.fullmatch(r"(\d+)-\d+", lines[i])
    if m and i + 2 < len(lines) and lines[i + 1] == "id":
        xadd[lines[i + 2]] = int(m.group(1))
        i += 3
    else:
        i += 1
db = {}
statuses = {}
for l in open(sys.argv[2]):
    fid, t, st = l.rstrip("\n").split("|")
    db[fid] = float(t)
    statuses[st] = statuses.get(st, 0) + 1
want = [l.strip() for l in open(sys.argv[3]) if l.strip()]
lost = [f for f in want if f not in db]
lat = sorted(db[f] - xadd[f] for f in want if f in db and f in xadd)
first = min(xadd.values()) if xadd else 0
last = max(db.values()) if db else 0
span = (last - first) / 1000.0
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")
with open(sys.argv[5], "w") as f:
    f.write(f"{len(want) / span if span > 0 else 0:.1f}\n")
with open(sys.argv[5] + ".p99", "w") as f:
    f.write(f"{pct(0.99):.0f}\n")
print(f"{len(db)} stored ({statuses}), lost {len(lost)}, "
      f"{len(want) / span if span > 0 else 0:.1f} fights/s over {span:.1f} s, "
      f"latency p50 {pct(0.50):.0f} ms p99 {pct(0.99):.0f} ms")
PY
)
    local dup_players dup_reports
    dup_players=$(sql "SELECT count(*) FROM (SELECT fight_id FROM fight_players GROUP BY fight_id HAVING count(*) <> 2) x")
    dup_reports=$(sql "SELECT count(*) FROM fight_reports")
    local fight_ms
    fight_ms=$(sql "SELECT round(avg(elapsed_ms)) FROM fights")
    echo "simulators=$nsim concurrency=$CONC rate=${RATE/#0/burst}: $stats; mean fight (in the sandbox) $fight_ms ms; reports $dup_reports, fights with a wrong player count $dup_players"
    if [ "$RATE" = 0 ]; then
        awk -v got="$(cat "$TMP/rate")" -v ref="$REF" 'BEGIN {
            printf "  goal: >= 50 fights/s and >= 6x the reference: %.1f fights/s, %.1fx the reference (%s)\n",
                got, got / ref, (got >= 50 && got >= 6 * ref) ? "met" : "NOT met" }'
    else
        awk -v p99="$(cat "$TMP/rate.p99")" 'BEGIN {
            printf "  goal: p99 latency under 2 s at half the burst rate: %d ms (%s)\n",
                p99, p99 < 2000 ? "met" : "NOT met" }'
    fi
    # each: total, controllers (parents, workers), forkservers, bots
    echo "$cpu0 $cpu1 $rpcpu0 $rpcpu1" | awk -v n="$FIGHTS" '{ f = 1e6 * n
        printf "  CPU per fight during the run: simulators %.2f ms (controllers %.2f, forkservers %.2f, bots %.2f), result processor %.2f ms\n",
            ($5 - $1) / f, ($6 - $2) / f, ($7 - $3) / f, ($8 - $4) / f, ($13 - $9) / f }'
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    PIDS=()
}

# The reference, measured in this run: each fight as two plain Python
# processes (a minimal line-JSON harness, no sandbox, no Redis, no database)
# playing 100 calls each over pipes, two fights at a time, like the two
# workers of a simulator. Goal: the pipeline >= 50 fights/s and >= 6x this.
reference() {
    python3 - "$ROOT/games/tanks/templates/empty.py" <<'PY'
import json, subprocess, sys, threading, time
HARNESS = r"""
import sys, json
r, w = sys.stdin.buffer, sys.stdout.buffer
ns = {}
exec(compile(json.loads(r.readline())['code'], 'bot.py', 'exec'), ns)
inst = ns['Main'](); inst.context = {}
for line in r:
    m = json.loads(line)
    w.write(json.dumps({'ok': getattr(inst, m['m'])(*m['a'])}).encode() + b'\n'); w.flush()
"""
code = open(sys.argv[1]).read()
me = {"x": 0, "y": 0, "health": 100, "head": "R", "moved": False, "targeted": None}
def fight():
    ps = [subprocess.Popen([sys.executable, "-c", HARNESS], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE) for _ in range(2)]
    for p in ps:
        p.stdin.write(json.dumps({"code": code}).encode() + b"\n")
    for tick in range(100):
        for p in ps:
            p.stdin.write(json.dumps({"m": "decide_tick", "a": [tick, me, me]}).encode() + b"\n")
            p.stdin.flush()
            p.stdout.readline()
    for p in ps:
        p.stdin.close(); p.wait()
N = 40
left = [N]
lock = threading.Lock()
def worker():
    while True:
        with lock:
            if left[0] == 0:
                return
            left[0] -= 1
        fight()
t0 = time.monotonic()
ts = [threading.Thread(target=worker) for _ in range(2)]
for t in ts: t.start()
for t in ts: t.join()
print(f"{N / (time.monotonic() - t0):.1f}")
PY
}
REF=$(reference)
echo "pipeline benchmark: $FIGHTS Tanks fights (empty.py vs empty.py), $(nproc) cores"
echo "reference: two plain Python processes over pipes per fight, two fights at a time: $REF fights/s"
for n in $SIMS; do
    if [ "$RATE" = 0 ] && [ "$HALF" = 1 ]; then
        run_one "$n"
        # The latency target is taken at half the burst throughput.
        RATE=$(awk '{ printf "%.1f", $1 / 2 }' "$TMP/rate")
        run_one "$n"
        RATE=0
    else
        run_one "$n"
    fi
done
