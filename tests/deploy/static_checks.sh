#!/usr/bin/env bash
# tests/deploy/static_checks.sh — checks of the deployment files that need
# no Docker engine: the compose files validate, the AppArmor profile parses,
# every deployment script parses. Run from anywhere; exits non-zero on the
# first failure with the reason.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"   # compose resolves the simulator's seccomp profile from here

fail() { echo "deploy.static: FAIL: $*" >&2; exit 1; }
ok() { echo "deploy.static: ok: $*"; }

need() {
    command -v "$1" >/dev/null && return 0
    [ "$(id -u)" = 0 ] || fail "$1 missing (apt-get install $2)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; } ||
        fail "cannot install $2"
}
need docker-compose docker-compose
need apparmor_parser apparmor

# Compose: the development stack, then with the production override (its
# required variables set to sample values).
docker-compose -f compose.yaml config -q || fail "compose.yaml does not validate"
ok "compose.yaml validates"
out=$(docker-compose -f compose.yaml config)
grep -q 'seccomp=' <<<"$out" || grep -q 'seccomp:' <<<"$out" || fail "simulator lost its seccomp profile"
services=$(docker-compose -f compose.yaml config --services)
for svc in redis postgres migrate web simulator result_processor nginx; do
    grep -qx "$svc" <<<"$services" || fail "service $svc missing"
done
ok "every service present"
# The simulator's capability set is a contract (docs/operations.md): exactly these.
caps=$(awk '
    /^  simulator:/ { in_sim = 1; next }
    /^  [a-z_]+:/ { in_sim = 0 }
    in_sim && /^    cap_add:/ { in_caps = 1; next }
    in_sim && in_caps && /^    - / { print $2; next }
    { in_caps = 0 }' <<<"$out" | sort | tr '\n' ' ')
[ "$caps" = "KILL SETGID SETUID SYS_ADMIN " ] || fail "simulator cap_add is '$caps'"
grep -A2 '^    cap_drop:' <<<"$out" | grep -q -- '- ALL' ||
    fail "simulator does not drop ALL capabilities first"
if grep -q 'privileged: true' <<<"$out"; then
    fail "a service is privileged"
fi
ok "simulator capabilities: $caps(all others dropped)"
# The simulator never holds database credentials.
sim_env=$(awk '/^  simulator:/ {s=1; next} /^  [a-z_]+:/ {s=0} s' <<<"$out")
! grep -q DATABASE <<<"$sim_env" || fail "simulator has database settings"
ok "simulator has no database credentials"

CF_DB_PASSWORD=sample-db CF_REDIS_PASSWORD=sampleredis CF_DOMAIN=fights.example.org \
    docker-compose -f compose.yaml -f compose.prod.yaml config -q ||
    fail "compose.yaml + compose.prod.yaml do not validate"
if env -u CF_DB_PASSWORD CF_REDIS_PASSWORD=x CF_DOMAIN=x \
        docker-compose -f compose.yaml -f compose.prod.yaml config -q 2>/dev/null; then
    fail "compose.prod.yaml accepts a missing CF_DB_PASSWORD"
fi
ok "compose.prod.yaml validates and requires its secrets"

python3 -m json.tool docker/simulator/seccomp.json >/dev/null || fail "seccomp.json is not JSON"
ok "seccomp profile is JSON"

apparmor_parser -Q -K apparmor/codefights-coderunner || fail "apparmor_parser refuses the profile"
ok "apparmor profile parses"

for f in docker/base/*.sh docker/*/entrypoint.sh tests/deploy/*.sh; do
    case $(head -n 1 "$f") in
        *bash*) bash -n "$f" ;;
        *) sh -n "$f" ;;
    esac || fail "$f does not parse"
done
ok "scripts parse"
grep -q 'config/production.conf.example' docs/operations.md || fail "docs/operations.md does not cover the production config"
echo "deploy.static: all passed"
