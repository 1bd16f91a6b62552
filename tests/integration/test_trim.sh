#!/usr/bin/env bash
# cf:fights is trimmed (XTRIM MINID ~) only below what every group has
# delivered and acknowledged: handled entries go, an entry still pending
# (here, for a consumer that died) and the entries after it stay.
. "$(dirname "$0")/lib.sh"
it_setup_redis

rcli XGROUP CREATE cf:fights simulators 0 MKSTREAM >/dev/null
# 500 entries that are handled at once (dead-lettered: no players)...
for i in $(seq 500); do echo "XADD cf:fights * id $(new_uuid) game tanks"; done | rcli >/dev/null
# ...then one left pending by a consumer that died, and one more after it.
keep=$(rcli XADD cf:fights '*' id "$(new_uuid)" game tanks)
rcli XREADGROUP GROUP simulators ghost COUNT 1000 STREAMS cf:fights '>' >/dev/null
rcli XACK cf:fights simulators $(rcli XRANGE cf:fights - "($keep" | grep -E '^[0-9]+-[0-9]+$') >/dev/null
after=$(rcli XADD cf:fights '*' id "$(new_uuid)" game tanks)
[ "$(rcli XLEN cf:fights)" = 502 ] || fail "set-up"

# A long reclaim time: the ghost's entry stays pending during the test.
RECLAIM_MS=600000 start_simulator sim1 CF_SIMULATOR_TRIM_EVERY_MS=300; sim=$LAST_PID
handled() { rcli XRANGE cf:fights:dead - + | grep -c "^$after\$" >/dev/null; }
wait_for 30 "last entry handled" handled
trimmed() { [ "$(rcli XLEN cf:fights)" -lt 200 ]; }
wait_for 10 "cf:fights trimmed" trimmed
[ "$(rcli XRANGE cf:fights "$keep" "$keep" | head -1)" = "$keep" ] || fail "a pending entry was trimmed"
[ "$(rcli XRANGE cf:fights "$after" "$after" | head -1)" = "$after" ] || fail "an entry after the pending one was trimmed"
alive "$sim" || fail "simulator died"
echo "ok: cf:fights trimmed to $(rcli XLEN cf:fights) entries, pending kept"
