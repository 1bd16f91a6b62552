#!/usr/bin/env bash
# tests/deploy/capabilities.sh — the simulator container's capability set is
# exactly what the sandbox needs: with compose.yaml's set a fight runs with
# every layer but AppArmor active, and without any one of the five (or with
# Docker's default seccomp profile instead of docker/simulator/seccomp.json)
# the real sandbox breaks. Runs cf-fight from the simulator image.
#
#   removed            what breaks (checked here)
#   SYS_ADMIN          refuses to start (cgroups read-only, no namespaces)
#   SYS_PTRACE         refuses to start (PTRACE_SEIZE of a bot: EPERM)
#   SETUID / SETGID    every bot crashes (the uid drop fails)
#   KILL               a bot (another uid) cannot be killed: a fight with a
#                      looping bot takes seconds longer
#   seccomp (default)  Docker's profile refuses pivot_root: no forkserver
#
# Same skip rule as compose_e2e.sh: CF_SKIP_DOCKER=1 (never under CI=true).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

say() { printf '[deploy_caps %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
fail() { say "FAIL: $*"; exit 1; }

if [ -n "${CF_SKIP_DOCKER:-}" ] && [ "${CF_SKIP_DOCKER}" != 0 ]; then
    [ "${CI:-}" != true ] || fail "CF_SKIP_DOCKER is set under CI: never skipped in CI"
    say "skipped: CF_SKIP_DOCKER=$CF_SKIP_DOCKER"
    exit 77
fi
[ "$(id -u)" = 0 ] || fail "must run as root"

export CF_DOCKER_LOG_DIR=${CF_DOCKER_LOG_DIR:-/var/log/codefights}
mkdir -p "$CF_DOCKER_LOG_DIR"
# The lock of compose_e2e.sh: one deploy test at a time, images included.
exec 8>"$CF_DOCKER_LOG_DIR/deploy-e2e.lock"
flock 8
docker/base/build.sh simulator 8>&- || fail "image build failed"

work=$(mktemp -d /tmp/cf-deploy-caps.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cat >"$work/loop.py" <<'EOF'
class Main:
    def decide_tick(self, tick, me, enemy):
        while True:
            pass
EOF
cat >"$work/wait.py" <<'EOF'
class Main:
    def decide_tick(self, tick, me, enemy):
        return "N"
EOF
chmod 644 "$work"/*.py

ALL=(SYS_ADMIN SYS_PTRACE SETUID SETGID KILL)
SECCOMP=(--security-opt no-new-privileges:true --security-opt seccomp=docker/simulator/seccomp.json)

# fight NAME BOT [docker options...]: runs cf-fight BOT vs wait.py; sets
# rc, took (seconds), report (JSON or empty), err (stderr).
fight() {
    local bot=$1 t0
    shift
    t0=$(date +%s%N)
    rc=0
    report=$(timeout 300 docker run --rm --network none -v "$work:/bots:ro" "$@" \
        "codefights/simulator:${CF_IMAGE_TAG:-latest}" \
        cf-fight --game tanks --seed 3 --json "/bots/$bot" /bots/wait.py 2>"$work/err") || rc=$?
    took=$(( ($(date +%s%N) - t0) / 1000000 ))
    err=$(cat "$work/err")
}
caps_without() {
    local c
    for c in "${ALL[@]}"; do [ "$c" = "$1" ] || printf -- '--cap-add\n%s\n' "$c"; done
}
verdicts() { python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["status"], *[p["verdict"] for p in r["players"]])' "$1" 2>/dev/null || echo "no-report"; }

mapfile -t full < <(caps_without none)

# The full set: every layer but AppArmor (absent on this kernel) active.
fight wait.py --cap-drop ALL "${full[@]}" "${SECCOMP[@]}"
[ $rc = 0 ] || fail "with the full set cf-fight failed (rc $rc): $err"
[ "$(verdicts "$report")" = "finished ok ok" ] || fail "with the full set: $(verdicts "$report")"
for layer in namespaces mounts cgroup rlimits landlock seccomp ptrace; do
    grep -q "^$layer: active" <<<"$err" || fail "with the full set, layer $layer is not active: $(grep "^$layer:" <<<"$err")"
done
say "SYS_ADMIN SYS_PTRACE SETUID SETGID KILL + seccomp.json: fight ok, layers active"

fight loop.py --cap-drop ALL "${full[@]}" "${SECCOMP[@]}"
[ $rc = 0 ] && [ "$(verdicts "$report")" = "finished cpu_time ok" ] ||
    fail "looping bot with the full set: rc $rc, $(verdicts "$report")"
with_kill_ms=$took
say "looping bot: cpu_time verdict in $with_kill_ms ms"

mapfile -t set < <(caps_without SYS_ADMIN)
fight wait.py --cap-drop ALL "${set[@]}" "${SECCOMP[@]}"
[ $rc != 0 ] || fail "without SYS_ADMIN cf-fight still runs fights: $(verdicts "$report")"
say "without SYS_ADMIN: refuses ($(grep 'cf-fight:' <<<"$err" | head -n 1))"

# Without SYS_PTRACE the controller's PTRACE_SEIZE fails whenever the bot
# has already dropped to its uid (a race it usually loses one time in a
# few): up to 40 fights in one container, the first failure is the proof.
mapfile -t set < <(caps_without SYS_PTRACE)
rc=0
docker run --rm --network none -v "$work:/bots:ro" --cap-drop ALL "${set[@]}" "${SECCOMP[@]}" \
    "codefights/simulator:${CF_IMAGE_TAG:-latest}" sh -c '
        for i in $(seq 1 40); do
            cf-fight --game tanks --seed "$i" /bots/wait.py /bots/wait.py >/dev/null 2>/tmp/err ||
                { grep "cf-fight:" /tmp/err >&2; echo "failed at fight $i" >&2; exit 1; }
        done' 2>"$work/err" || rc=$?
[ $rc != 0 ] || fail "without SYS_PTRACE 40 fights in a row ran: SYS_PTRACE looks unneeded"
grep -q 'ptrace' "$work/err" || fail "without SYS_PTRACE cf-fight failed for another reason: $(cat "$work/err")"
say "without SYS_PTRACE: $(tr '\n' ' ' <"$work/err")"
for cap in SETUID SETGID; do
    mapfile -t set < <(caps_without "$cap")
    fight wait.py --cap-drop ALL "${set[@]}" "${SECCOMP[@]}"
    v=$(verdicts "$report")
    [ "$v" != "finished ok ok" ] || fail "without $cap bots still run: $v"
    say "without $cap: bots cannot start ($v)"
done
mapfile -t set < <(caps_without KILL)
fight loop.py --cap-drop ALL "${set[@]}" "${SECCOMP[@]}"
[ $((took - with_kill_ms)) -ge 4000 ] ||
    fail "without KILL the looping bot's fight took $took ms (with: $with_kill_ms ms): KILL looks unneeded"
say "without KILL: the looping bot's fight takes $took ms instead of $with_kill_ms ms (bots cannot be killed)"

fight wait.py --cap-drop ALL "${full[@]}" --security-opt no-new-privileges:true
[ $rc != 0 ] || fail "Docker's default seccomp profile no longer blocks the sandbox: seccomp.json may go"
say "Docker's default seccomp profile: refuses ($(grep 'cf-fight:' <<<"$err" | head -n 1))"
say "PASS: the five capabilities are each needed and together sufficient"
