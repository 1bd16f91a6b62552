#!/usr/bin/env bash
# The reconciler: fights stuck in `queued` in PostgreSQL whose stream entry
# was lost are re-queued from the web's outbox payload (and then run), or
# marked failed with the reason when no payload was stored. Plays are never
# re-queued: a lost one (never sent, its entry gone, running past every
# limit) ends as failed, and one still waiting in the queue is left alone.
. "$(dirname "$0")/lib.sh"
it_setup_db
it_setup_redis
sql "INSERT INTO games (name, title, min_players, max_players, conclusion)
     VALUES ('tanks', 'Tanks', 2, 2, 'victory_draw')" >/dev/null

lost=$(new_uuid)
nocode=$(new_uuid)
players=$(players_json "$IT_BOTS/shooter.py" "$IT_BOTS/idle.py")
# As cf-web leaves them: queued an hour ago, the entry never reached (or
# vanished from) cf:fights. Only the first has its outbox payload.
sql "INSERT INTO fights (id, game, status, seed, queued_at, attempts, settings)
     VALUES ('$lost', 'tanks', 'queued', NULL, now() - interval '1 hour', 1, '{\"max_ticks\": 10}'),
            ('$nocode', 'tanks', 'queued', 3, now() - interval '1 hour', 1, '{}')" >/dev/null
psql "$DB_URL" -qAtX -v ON_ERROR_STOP=1 -v id="$lost" -v players="$players" >/dev/null <<'SQL'
INSERT INTO outbox (fight_id, payload, sent_at)
VALUES (:'id', jsonb_build_object('id', :'id', 'game', 'tanks', 'players', :'players',
                                  'settings', '{"max_ticks": 10}', 'seed', NULL), now());
SQL

# Plays as cf-web leaves them. No arcade worker runs here (arcade.slots 0),
# so the waiting one stays in the queue.
unsent=$(new_uuid) gone=$(new_uuid) waiting=$(new_uuid) ran=$(new_uuid) runs=$(new_uuid)
entry=$(rcli XADD cf:plays '*' id "$waiting" title waiting code 'print(1)')
sql "INSERT INTO plays (id, status, entry_id, created_at, started_at) VALUES
     ('$unsent', 'queued', NULL, now() - interval '2 minutes', NULL),
     ('$gone', 'queued', '1-0', now() - interval '1 hour', NULL),
     ('$waiting', 'queued', '$entry', now() - interval '1 hour', NULL),
     ('$ran', 'running', '2-0', now() - interval '3 hours', now() - interval '3 hours'),
     ('$runs', 'running', '3-0', now() - interval '1 minute', now() - interval '1 minute')" >/dev/null

start_simulator sim1 CF_ARCADE_SLOTS=0; sim=$LAST_PID
start_processor rp1 CF_RESULT_PROCESSOR_RECONCILE_EVERY_MS=500 CF_RESULT_PROCESSOR_STUCK_AFTER_S=30 \
    CF_ARCADE_WALL_S=3600; rp=$LAST_PID

wait_for 60 "lost fight re-queued and finished" status_is "$lost" finished
wait_for 10 "fight without code failed" status_is "$nocode" failed
[ "$(sql "SELECT attempts FROM fights WHERE id = '$lost'")" = 2 ] || fail "attempts not counted"
sql "SELECT explanation FROM fights WHERE id = '$nocode'" | grep -c "code is not stored" >/dev/null \
    || fail "no reason for the failed fight"
[ "$(sql "SELECT count(*) FROM fight_players WHERE fight_id = '$lost'")" = 2 ] || fail "players"
grep -q "re-queued (attempt 2)" "$IT_DIR/rp-rp1.log" || fail "no re-queue logged"
play_is() { [ "$(sql "SELECT status || ': ' || detail FROM plays WHERE id = '$1'")" = "$2" ]; }
wait_for 10 "unsent play failed" play_is "$unsent" "failed: lost: it never reached the arcade"
wait_for 10 "play whose entry is gone failed" play_is "$gone" \
    "failed: lost: its entry left cf:plays unplayed"
wait_for 10 "play running past every limit failed" play_is "$ran" \
    "failed: lost: it ran past every limit without an end"
sleep 1.5 # three more reconciler rounds
play_is "$waiting" "queued: " || fail "a play waiting in the queue was touched"
play_is "$runs" "running: " || fail "a running play was touched"
alive "$rp" || fail "result processor died"
echo "ok: stuck fights re-queued or failed, lost plays failed"
