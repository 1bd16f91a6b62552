#!/usr/bin/env bash
# A finished ladder fight's result moves its entered versions' ratings in
# the transaction that stores it (result_processor/store_ladder.c), exactly
# once (docs/ladder.md): the values are TrueSkill's two-player closed form,
# computed here independently from each ladder_ratings row's before values;
# a redelivered result, the same result in two processors, a non-ladder
# fight, a failed ladder fight, a fight with one entered version, and a
# refused result in the same batch as a rated one move nothing; a result
# for a replaced version moves that version's row, not its successor's; a
# player without a version (deleted) is left out; a crashed bot is rated
# as the report ranks it. No simulator: the results are written to
# cf:results by hand, as cf-simulator would.
. "$(dirname "$0")/lib.sh"
it_setup_db
it_setup_redis

hash='$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'
sql "INSERT INTO games (name, title, min_players, max_players, conclusion, active)
     VALUES ('tanks', 'Tanks', 2, 2, 'victory_draw', true),
            ('ffa', 'Free for all', 2, 4, 'rank', true) ON CONFLICT (name) DO NOTHING"
u1=$(sql "INSERT INTO users (username, password_hash) VALUES ('u1', '$hash') RETURNING id")
u2=$(sql "INSERT INTO users (username, password_hash) VALUES ('u2', '$hash') RETURNING id")
u3=$(sql "INSERT INTO users (username, password_hash) VALUES ('u3', '$hash') RETURNING id")
bot() { sql "INSERT INTO bots (owner_id, game, name, ladder) VALUES ($1, '$2', '$3', true) RETURNING id"; }
version() {
    sql "INSERT INTO bot_versions (bot_id, version, code, size) VALUES ($1, $2, 'x', 1) RETURNING id"
}
A=$(bot "$u1" tanks a); B=$(bot "$u2" tanks b); C=$(bot "$u3" tanks c)
A1=$(version "$A" 1); A2=$(version "$A" 2); B1=$(version "$B" 1); C1=$(version "$C" 1)
X1=$(version "$C" 2) # never entered
# A1 was replaced by A2; B1 and C1 are active.
sql "INSERT INTO ladder_entries (bot_version_id, bot_id, game, status, activated_at, ended_at)
     VALUES ($A1, $A, 'tanks', 'replaced', now(), now()), ($A2, $A, 'tanks', 'active', now(), NULL),
            ($B1, $B, 'tanks', 'active', now(), NULL), ($C1, $C, 'tanks', 'active', now(), NULL)"

# make_fight ID GAME STATUS LADDER VERSION... (a version "null": deleted)
make_fight() {
    local id=$1 game=$2 status=$3 ladder=$4 slot=0 v; shift 4
    sql "INSERT INTO fights (id, game, status, ladder, queued_at) VALUES ('$id', '$game', '$status', $ladder, now())"
    for v in "$@"; do
        sql "INSERT INTO fight_players (fight_id, slot, bot_version_id, name) VALUES ('$id', $slot, $v, 'p$slot')"
        slot=$((slot + 1))
    done
}
# push_result ID GAME STATUS RESULT:VERDICT... (RESULT win, loss, draw, a rank or
# null; win!, loss!, draw!: without a rank)
push_result() {
    local id=$1 game=$2 status=$3; shift 3
    local report
    report=$(python3 - "$id" "$game" "$status" "$@" <<'PY'
import json, sys
fid, game, status = sys.argv[1:4]
players = []
for i, spec in enumerate(sys.argv[4:]):
    res, verdict = spec.split(":")
    rank = None
    if res.endswith("!"):  # a result without its rank
        res = res[:-1]
    elif res.isdigit():
        res = rank = int(res)
    elif res == "null":
        res = None
    else:
        rank = {"win": 1, "draw": 1, "loss": 2}[res]
    players.append({"name": f"p{i}", "result": res, "rank": rank, "score": None,
                    "verdict": verdict, "detail": "", "cpu_ms": 1, "peak_memory_kb": 1, "log": ""})
print(json.dumps({"fight_id": fid, "game": game, "seed": 7, "status": status, "players": players,
                  "result": None, "explanation": "by hand", "ticks": 3, "data": [],
                  "elapsed_ms": 5}))
PY
)
    rcli XADD cf:results '*' id "$id" status "$status" report "$report" >/dev/null
}
entry() { sql "SELECT round(mu::numeric, 9) || ' ' || round(sigma::numeric, 9) || ' ' || games FROM ladder_entries WHERE bot_version_id = $1"; }
ratings_of() { sql "SELECT count(*) FROM ladder_ratings WHERE fight_id = '$1'"; }
initial="25.000000000 8.333333333 0"

# Phase 1: one processor, one batch: a refused result (a hosting ladder
# fight), a rated one, a non-ladder one, a failed ladder one.
H=$(new_uuid); F1=$(new_uuid); F3=$(new_uuid); F4=$(new_uuid)
make_fight "$H" tanks hosting true "$A2" "$B1"
make_fight "$F1" tanks queued true "$A2" "$B1"
make_fight "$F3" tanks queued false "$A2" "$B1"
make_fight "$F4" tanks running true "$A2" "$B1"
push_result "$H" tanks finished win:ok loss:ok
push_result "$F1" tanks finished win:ok loss:ok
push_result "$F3" tanks finished loss:ok win:ok
push_result "$F4" tanks failed null:ok null:ok
start_processor rp1 CF_RESULT_PROCESSOR_BATCH=16
wait_for 30 "F4 stored" status_is "$F4" failed
wait_for 10 "results acked" pending_is cf:results result-processors 0
grep -q "4 results in one transaction" "$IT_DIR/rp-rp1.log" || fail "phase 1 was not one batch"
[ "$(fight_status "$H")" = hosting ] || fail "the refused fight changed"
[ "$(ratings_of "$H")" = 0 ] || fail "the refused fight was rated"
[ "$(ratings_of "$F1")" = 2 ] || fail "the ladder fight was not rated: $(ratings_of "$F1")"
[ "$(ratings_of "$F3")" = 0 ] || fail "the non-ladder fight was rated"
[ "$(ratings_of "$F4")" = 0 ] || fail "the failed ladder fight was rated"
a2=$(entry "$A2"); b1=$(entry "$B1")
# rate_1vs1 with default ratings (the trueskill package's documented example)
[[ $a2 == "29.39583"*" 7.17147"*" 1" ]] || fail "winner: $a2"
[[ $b1 == "20.60416"*" 7.17147"*" 1" ]] || fail "loser: $b1"
[ "$(entry "$C1")" = "$initial" ] || fail "C1 moved: $(entry "$C1")"

# Phase 2: a second processor; F1's result twice more, F2's (a fight of the
# replaced A1) twice, racing.
start_processor rp2 CF_RESULT_PROCESSOR_BATCH=1
F2=$(new_uuid)
make_fight "$F2" tanks queued true "$A1" "$C1"
push_result "$F1" tanks finished win:ok loss:ok
push_result "$F2" tanks finished loss:ok win:ok
push_result "$F2" tanks finished loss:ok win:ok
push_result "$F1" tanks finished win:ok loss:ok
wait_for 30 "F2 stored" status_is "$F2" finished
wait_for 10 "results acked" pending_is cf:results result-processors 0
[ "$(entry "$A2")" = "$a2" ] || fail "a redelivered result moved A2: $(entry "$A2")"
[ "$(entry "$B1")" = "$b1" ] || fail "a redelivered result moved B1: $(entry "$B1")"
[ "$(ratings_of "$F2")" = 2 ] || fail "F2 rated $(ratings_of "$F2") times"
[[ $(entry "$A1") == "20.60416"*" 1" ]] || fail "the replaced version's row: $(entry "$A1")"
[[ $(entry "$C1") == "29.39583"*" 1" ]] || fail "C1: $(entry "$C1")"
[ "$(sql "SELECT status FROM ladder_entries WHERE bot_version_id = $A1")" = replaced ] \
    || fail "the replaced entry's status changed"

# Phase 3: a free-for-all whose winner's version was deleted (left out) and
# whose last crashed (rated last, as the report ranks it); a fight with one
# entered version (nobody rated).
F5=$(new_uuid); F6=$(new_uuid)
make_fight "$F5" ffa queued true null "$B1" "$C1"
push_result "$F5" ffa finished 1:ok 3:crashed 2:ok
make_fight "$F6" tanks queued true "$B1" "$X1"
push_result "$F6" tanks finished win:ok loss:ok
# a draw whose report gives results but no ranks: ranked by the results
F7=$(new_uuid)
make_fight "$F7" tanks queued true "$A2" "$C1"
push_result "$F7" tanks finished draw!:ok draw!:ok
wait_for 30 "F7 stored" status_is "$F7" finished
wait_for 10 "results acked" pending_is cf:results result-processors 0
[ "$(sql "SELECT string_agg(rank::text, ',' ORDER BY rank) FROM ladder_ratings WHERE fight_id = '$F5'")" = 2,3 ] \
    || fail "F5's ranks: $(sql "SELECT string_agg(rank::text, ',') FROM ladder_ratings WHERE fight_id = '$F5'")"
[ "$(sql "SELECT bot_version_id FROM ladder_ratings WHERE fight_id = '$F5' AND rank = 3")" = "$B1" ] \
    || fail "the crashed bot is not last"
[ "$(ratings_of "$F6")" = 0 ] || fail "a fight with one entered version was rated"
[ "$(sql "SELECT games FROM ladder_entries WHERE bot_version_id = $B1")" = 2 ] || fail "B1's games"
[ "$(sql "SELECT string_agg(rank::text, ',') FROM ladder_ratings WHERE fight_id = '$F7'")" = 2,2 ] \
    || fail "the draw without ranks: $(sql "SELECT string_agg(rank::text, ',') FROM ladder_ratings WHERE fight_id = '$F7'")"

# Every rating is TrueSkill's two-player closed form of its before values
# (defaults: beta 25/6, tau 25/300, draw probability 0.1), and each entry
# ends at its last rating.
sql "SELECT r.fight_id, r.rank, r.mu_before, r.sigma_before, r.mu, r.sigma
     FROM ladder_ratings r ORDER BY r.fight_id, r.rank" >"$IT_DIR/ratings"
python3 - "$IT_DIR/ratings" <<'PY' || fail "a rating is not TrueSkill's"
import math, sys
from statistics import NormalDist
N = NormalDist()
beta, tau = 25 / 6, 25 / 300
eps = N.inv_cdf((0.1 + 1) / 2) * math.sqrt(2) * beta
fights = {}
for line in open(sys.argv[1]):
    f, rank, mu0, s0, mu, s = line.strip().split("|")
    fights.setdefault(f, []).append((int(rank), float(mu0), float(s0), float(mu), float(s)))
assert len(fights) == 4, fights
for f, rows in fights.items():
    assert len(rows) == 2, rows
    (rw, mw, sw, mw1, sw1), (rl, ml, sl, ml1, sl1) = rows
    assert rw <= rl
    sw2, sl2 = sw * sw + tau * tau, sl * sl + tau * tau
    c = math.sqrt(2 * beta * beta + sw2 + sl2)
    t, e = (mw - ml) / c, eps / c
    if rw < rl:
        v = N.pdf(t - e) / N.cdf(t - e)
        w = v * (v + t - e)
    else:  # a draw
        z = N.cdf(e - t) - N.cdf(-e - t)
        v = (N.pdf(-e - t) - N.pdf(e - t)) / z
        w = v * v + ((e - t) * N.pdf(e - t) + (e + t) * N.pdf(e + t)) / z
    want = (mw + sw2 / c * v, math.sqrt(sw2 * (1 - sw2 / c / c * w)),
            ml - sl2 / c * v, math.sqrt(sl2 * (1 - sl2 / c / c * w)))
    got = (mw1, sw1, ml1, sl1)
    for g, x in zip(got, want):
        assert abs(g - x) < 1e-9, (f, got, want)
print("closed form ok")
PY
off=$(sql "SELECT e.bot_version_id, e.mu, e.sigma, l.mu, l.sigma FROM ladder_entries e
     LEFT JOIN LATERAL (SELECT mu, sigma FROM ladder_ratings r WHERE r.bot_version_id = e.bot_version_id
                        ORDER BY rated_at DESC LIMIT 1) l ON true
     WHERE e.games > 0 AND (e.mu IS DISTINCT FROM l.mu OR e.sigma IS DISTINCT FROM l.sigma)")
[ -z "$off" ] || fail "an entry is not at its last rating: $off"
grep -q "fight $H is hosting, never queued" "$IT_DIR/rp-rp1.log" || fail "H was not refused"
echo "PASS"
