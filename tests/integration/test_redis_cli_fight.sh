#!/usr/bin/env bash
# A Tanks fight injected with redis-cli exactly as docs/streams.md shows
# lands in PostgreSQL, finished, with its players and its report.
. "$(dirname "$0")/lib.sh"
it_setup_db
it_setup_redis

start_simulator sim1; sim=$LAST_PID
start_processor rp1; rp=$LAST_PID

# The first sh block of "Inject a fight" in docs/streams.md, run verbatim
# from the repository's root; it leaves the fight id in $ID.
python3 - "$CF_SOURCE_DIR/docs/streams.md" >"$IT_DIR/inject.sh" <<'PY'
import re, sys
doc = open(sys.argv[1]).read()
section = doc.split("## Inject a fight", 1)[1]
print(re.search(r"```sh\n(.*?)```", section, re.S).group(1))
PY
[ -s "$IT_DIR/inject.sh" ] || fail "no example in docs/streams.md"
echo 'echo "$ID"' >>"$IT_DIR/inject.sh"
id=$(cd "$CF_SOURCE_DIR" && CF_REDIS_URL=$REDIS_URL bash -e "$IT_DIR/inject.sh" | tail -1)
[ ${#id} = 36 ] || fail "the documented example did not give a fight id: $id"
wait_for 60 "fight $id final in PostgreSQL" status_is "$id" finished

[ "$(sql "SELECT count(*) FROM fights WHERE id = '$id'")" = 1 ] || fail "fight row count"
[ "$(sql "SELECT host_id IS NULL AND game = 'tanks' AND seed = 7 AND finished_at IS NOT NULL
          AND ticks > 0 FROM fights WHERE id = '$id'")" = t ] || fail "fight columns"
[ "$(sql "SELECT count(*) FROM fight_players WHERE fight_id = '$id'")" = 2 ] || fail "players"
[ "$(sql "SELECT string_agg(name || ':' || verdict, ',' ORDER BY slot)
          FROM fight_players WHERE fight_id = '$id'")" = "random_move_direct_fire.py:ok,empty.py:ok" ] \
    || fail "player verdicts: $(sql "SELECT name, result, verdict, detail FROM fight_players WHERE fight_id = '$id'")"
[ "$(sql "SELECT count(*) FROM fight_players WHERE fight_id = '$id'
          AND result IN ('win', 'loss', 'draw') AND cpu_ms IS NOT NULL")" = 2 ] || fail "player results"
[ "$(sql "SELECT report->>'fight_id' = '$id' AND replay IS NOT NULL
          FROM fight_reports WHERE fight_id = '$id'")" = t ] || fail "report row"
# Acknowledged on both sides; progress published.
wait_for 10 "fights acked" pending_is cf:fights simulators 0
wait_for 10 "results acked" pending_is cf:results result-processors 0
rcli XRANGE cf:progress - + | grep -cx finished >/dev/null || fail "no finished progress entry"
alive "$sim" || fail "simulator died"
alive "$rp" || fail "result processor died"
# The README's example too (section "Streams: send a fight by hand"), run
# as written except its `. .run/env` line: this test's URLs are set instead.
python3 - "$CF_SOURCE_DIR/README.md" >"$IT_DIR/readme.sh" <<'PY'
import re, sys
doc = open(sys.argv[1]).read()
section = doc.split("send a fight by hand", 1)[1]
block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
print("\n".join(l for l in block.split("\n") if not l.startswith(". ")))
PY
grep -c "XADD cf:fights" "$IT_DIR/readme.sh" >/dev/null || fail "no XADD in the README's example"
(cd "$CF_SOURCE_DIR" && CF_REDIS_URL=$REDIS_URL CF_DATABASE_URL=$DB_URL bash -e "$IT_DIR/readme.sh") \
    >"$IT_DIR/readme.out" 2>&1 || { cat "$IT_DIR/readme.out" >&2; fail "the README's example failed"; }
rid=$(rcli XREVRANGE cf:fights + - COUNT 1 | sed -n '/^id$/{n;p;q}')
[ ${#rid} = 36 ] && [ "$rid" != "$id" ] || fail "the README's fight is not on cf:fights"
wait_for 60 "README fight $rid finished in PostgreSQL" status_is "$rid" finished
[ "$(sql "SELECT count(*) FROM fight_reports WHERE fight_id = '$rid'")" = 1 ] || fail "README report"

# Clean shutdown on SIGTERM, exit status 0 (and no sanitizer report).
kill -TERM "$sim" "$rp"
wait_for 30 "cf-simulator stopped" dead "$sim"
wait_for 30 "cf-result-processor stopped" dead "$rp"
wait "$sim" || fail "cf-simulator exited with status $?"
wait "$rp" || fail "cf-result-processor exited with status $?"
echo "ok: fight $id stored"
