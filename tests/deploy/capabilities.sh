#!/usr/bin/env bash
# tests/deploy/capabilities.sh — the simulator container's capability set is
# exactly what the sandbox needs: with compose.yaml's four a fight runs with
# every layer but AppArmor active, and without any one of them (or with
# Docker's default seccomp profile instead of docker/simulator/seccomp.json)
# the real sandbox breaks, the same way every time. Runs cf-fight from the
# simulator image.
#
#   removed            what breaks (checked here, deterministically)
#   SYS_ADMIN          refuses to start (cgroups read-only, no namespaces)
#   SETUID / SETGID    every bot crashes (the uid drop fails)
#   KILL               every fight fails: a bot runs under another uid, and
#                      the controller cannot kill it at the fight's end
#   seccomp (default)  Docker's profile refuses pivot_root: no forkserver
#   SYS_PTRACE         is not in the set: the controller attaches before the
#                      bot drops its uid, so ten fights in a row all finish
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

ALL=(SYS_ADMIN SETUID SETGID KILL)
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
say "SYS_ADMIN SETUID SETGID KILL + seccomp.json: fight ok, layers active"

fight loop.py --cap-drop ALL "${full[@]}" "${SECCOMP[@]}"
[ $rc = 0 ] && [ "$(verdicts "$report")" = "finished cpu_time ok" ] ||
    fail "looping bot with the full set: rc $rc, $(verdicts "$report")"
say "looping bot: cpu_time verdict in $took ms"

mapfile -t set < <(caps_without SYS_ADMIN)
fight wait.py --cap-drop ALL "${set[@]}" "${SECCOMP[@]}"
[ $rc != 0 ] || fail "without SYS_ADMIN cf-fight still runs fights: $(verdicts "$report")"
say "without SYS_ADMIN: refuses ($(grep 'cf-fight:' <<<"$err" | head -n 1))"

# No SYS_PTRACE in the set: attaching happens before the uid drop, so it
# never depends on the order the processes run in. Ten fights in one
# container, every one must finish.
rc=0
docker run --rm --network none -v "$work:/bots:ro" --cap-drop ALL "${full[@]}" "${SECCOMP[@]}" \
    "codefights/simulator:${CF_IMAGE_TAG:-latest}" sh -c '
        for i in $(seq 1 10); do
            cf-fight --game tanks --seed "$i" /bots/wait.py /bots/wait.py >/dev/null 2>/tmp/err ||
                { grep "cf-fight:" /tmp/err >&2; echo "failed at fight $i" >&2; exit 1; }
        done' 2>"$work/err" || rc=$?
[ $rc = 0 ] || fail "without SYS_PTRACE a fight failed: $(cat "$work/err")"
say "without SYS_PTRACE: ten fights in a row finished"
for cap in SETUID SETGID; do
    mapfile -t set < <(caps_without "$cap")
    fight wait.py --cap-drop ALL "${set[@]}" "${SECCOMP[@]}"
    v=$(verdicts "$report")
    [ "$v" != "finished ok ok" ] || fail "without $cap bots still run: $v"
    say "without $cap: bots cannot start ($v)"
done
mapfile -t set < <(caps_without KILL)
fight wait.py --cap-drop ALL "${set[@]}" "${SECCOMP[@]}"
[ $rc != 0 ] || fail "without KILL cf-fight still ran a fight: $(verdicts "$report")"
grep -q 'CAP_KILL' <<<"$err" || fail "without KILL cf-fight failed for another reason: $err"
say "without KILL: $(grep 'cf-fight:' <<<"$err" | head -n 1)"

fight wait.py --cap-drop ALL "${full[@]}" --security-opt no-new-privileges:true
[ $rc != 0 ] || fail "Docker's default seccomp profile no longer blocks the sandbox: seccomp.json may go"
say "Docker's default seccomp profile: refuses ($(grep 'cf-fight:' <<<"$err" | head -n 1))"
say "PASS: the four capabilities are each needed and together sufficient; SYS_PTRACE is not"
