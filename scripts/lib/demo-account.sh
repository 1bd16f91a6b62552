#!/usr/bin/env bash
# demo-account.sh URL — creates the demo account through the public API.
# An account that already exists (409) is fine: scripts/up runs this every time.
set -euo pipefail
url=$1
jar=$(mktemp)
trap 'rm -f "$jar"' EXIT
csrf=$(curl -fsS -c "$jar" -b "$jar" "$url/api/session" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
code=$(curl -sS -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
    -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
    -d '{"username":"demo","password":"demo-password"}' "$url/api/signup")
case "$code" in
    201) echo "demo account created" ;;
    409) echo "demo account exists" ;;
    *) echo "sign-up answered HTTP $code" >&2; exit 1 ;;
esac
