// arcade_community.test.mjs — the arcade's community (docs/arcade.md,
// "Community") through the real cf-web, cf-migrate and cf-result-processor:
// the game's figures, every order of the list, the scoreboard, most played,
// the rating rule (5 seconds, own game, eligibility), the score that never
// lowers, the counters against a recount, running plays, who keeps a play
// alive, and QR codes.
//
// Plays are started through the API as signed-in users and anonymous
// visitors and then finished as the simulator would: a `started` entry on
// cf:progress and the end object on cf:results (docs/streams.md), which
// the real result processor stores, so the schema's triggers run on the
// path plays take. Only where the path does not matter (the list's order,
// most played) are plays and ratings put in with psql.
//   node --test tests/web/api/arcade_community.test.mjs   (CF_WEB_BIN,
//   CF_MIGRATE_BIN, CF_RESULT_PROCESSOR_BIN, CF_SOURCE_DIR, CF_DATABASE_URL,
//   CF_REDIS_URL; see CMakeLists.txt)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWeb, Client, psql, redis, SANITIZER, assertError, binsFromEnv, signUp, sleep, uniq } from './stack.mjs';

const bins = binsFromEnv('web', 'migrate', 'resultProcessor', 'source');

const CODE = 'print("hello")\n';
const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

let stack;

before(async () => {
  stack = await startWeb({ ...bins });
});

after(async () => {
  if (!stack) return;
  await stack.stop();
  assert.doesNotMatch(stack.log, SANITIZER, stack.log.slice(-4000));
  assert.doesNotMatch(stack.rpLog, SANITIZER, stack.rpLog.slice(-4000));
  assert.equal(stack.exitCode, 0, stack.log.slice(-2000));
});

// ---- helpers ----

const sql = (q) => psql(stack.databaseUrl, q);

const user = (prefix = 'com') => signUp(stack, prefix);

const anon = () => new Client(stack.baseURL);

async function newGame(c, title = `Game ${uniq()}`) {
  const fd = new FormData();
  fd.append('title', title);
  fd.append('file', new Blob([CODE]), 'game.py');
  const r = await c.post('/api/arcade/games', fd);
  assert.equal(r.status, 201, r.text);
  return r.body;
}


async function waitFor(what, f, ms = 15000) {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms\n${stack.rpLog.slice(-2000)}`);
    await sleep(50);
  }
}

const statusOf = (id) => sql(`SELECT status FROM plays WHERE id = '${id}'`);

async function startPlay(c, gameId) {
  const r = await c.post(`/api/arcade/games/${gameId}/plays`, {});
  assert.equal(r.status, 201, r.text);
  return r.body.play.id;
}

// The simulator's part: the play runs (cf:progress)...
async function running(id) {
  redis(stack.redisUrl, 'XADD', 'cf:progress', '*', 'id', id, 'kind', 'play', 'state', 'started', 'tick', '0');
  await waitFor(`play ${id} running`, () => statusOf(id) === 'running');
}

// ... and ends (cf:results), stored by the result processor.
function sendEnd(id, { status = 'finished', score = null, elapsed = 6000, verdict = 'ok' } = {}) {
  const end = {
    type: 'end', status, verdict, detail: '', score, cpu_ms: 10, peak_memory_kb: 1000, log: '', elapsed_ms: elapsed,
  };
  redis(stack.redisUrl, 'XADD', 'cf:results', '*', 'kind', 'play', 'id', id, 'status', status, 'report', JSON.stringify(end));
}

async function endPlay(id, opts = {}) {
  sendEnd(id, opts);
  const status = opts.status || 'finished';
  await waitFor(`play ${id} ${status}`, () => statusOf(id) === status);
}

// A whole play of c's: started through the API, run and ended.
async function play(c, gameId, opts = {}) {
  const id = await startPlay(c, gameId);
  await running(id);
  await endPlay(id, opts);
  return id;
}

// A play put straight into the database, already over (the list's order
// and most played only need the counters).
function rowPlay(gameId, { player = null, status = 'finished', score = null, elapsed = 1000 } = {}) {
  sql(`INSERT INTO plays (id, game_id, player_id, status, verdict, score, elapsed_ms, finished_at)
       VALUES (gen_random_uuid(), ${gameId}, ${player ?? 'NULL'}, '${status}', 'ok', ${score ?? 'NULL'}, ${elapsed}, now())`);
}

// The counters against a recount of the plays, both ways; '0' when equal.
function countersOff() {
  const games = sql(`WITH recount AS (
      SELECT g.id AS game_id, count(p.id) AS plays, count(p.score) AS scored, COALESCE(sum(p.elapsed_ms), 0) AS total,
             max(p.elapsed_ms) AS longest, max(p.score) AS best
      FROM arcade_games g LEFT JOIN plays p ON p.game_id = g.id AND p.status IN ('finished', 'stopped', 'failed')
      GROUP BY g.id),
    kept AS (SELECT game_id, plays, scored_plays, total_ms, longest_ms, best_score FROM arcade_game_stats)
    SELECT count(*) FROM ((SELECT * FROM recount EXCEPT SELECT * FROM kept) UNION ALL (SELECT * FROM kept EXCEPT SELECT * FROM recount)) d`);
  const players = sql(`WITH recount AS (
      SELECT game_id, player_id, count(*) AS plays, COALESCE(sum(elapsed_ms), 0) AS total, max(score) AS best
      FROM plays WHERE player_id IS NOT NULL AND game_id IS NOT NULL AND status IN ('finished', 'stopped', 'failed')
      GROUP BY game_id, player_id),
    kept AS (SELECT game_id, player_id, plays, total_ms, best_score FROM arcade_player_stats)
    SELECT count(*) FROM ((SELECT * FROM recount EXCEPT SELECT * FROM kept) UNION ALL (SELECT * FROM kept EXCEPT SELECT * FROM recount)) d`);
  const ratings = sql(`SELECT count(*) FROM arcade_game_stats s WHERE (s.ratings, s.stars_sum) <>
      (SELECT count(*), COALESCE(sum(stars), 0) FROM arcade_ratings a WHERE a.game_id = s.game_id)`);
  return [games, players, ratings];
}

const rate = (c, gameId, body) => c.req('PUT', `/api/arcade/games/${gameId}/rating`, body);
const unrate = (c, gameId, opts) => c.req('DELETE', `/api/arcade/games/${gameId}/rating`, undefined, opts);

// ---- the game's figures and the counters ----

test('a game\'s figures: plays over, minutes, longest, best score, reports_score; the counters equal a recount', async () => {
  const owner = await user('own');
  const b = await user('pb');
  const c = await user('pc');
  const v = anon();
  const g = await newGame(owner);
  const fresh = (await v.get(`/api/arcade/games/${g.id}`)).body;
  assert.deepEqual(
    [fresh.plays, fresh.total_ms, fresh.longest_ms, fresh.best_score, fresh.reports_score, fresh.rating.average, fresh.rating.count],
    [0, 0, null, null, null, null, 0],
  );
  await play(b, g.id, { score: 10, elapsed: 6000 });
  await play(b, g.id, { status: 'stopped', score: null, elapsed: 2000 });
  await play(c, g.id, { status: 'failed', verdict: 'crashed', elapsed: 1000 });
  const anonPlay = await play(v, g.id, { score: 50, elapsed: 7000 });
  // A second copy of a result (a crash between commit and ack) counts nothing.
  sendEnd(anonPlay, { score: 50, elapsed: 7000 });
  await waitFor('the copy ignored', () => stack.rpLog.includes(`play ${anonPlay} is already final`));
  // A play not over yet does not count.
  const open = await startPlay(c, g.id);
  await running(open);
  const seen = (await v.get(`/api/arcade/games/${g.id}`)).body;
  assert.deepEqual(
    [seen.plays, seen.total_ms, seen.longest_ms, seen.best_score, seen.reports_score],
    [4, 16000, 7000, 50, true],
  );
  // The list shows the same figures.
  const listed = (await v.get(`/api/arcade/games?q=${encodeURIComponent(g.title)}`)).body.games;
  assert.deepEqual(listed.map((x) => [x.id, x.plays, x.total_ms, x.longest_ms, x.best_score]), [[g.id, 4, 16000, 7000, 50]]);
  await endPlay(open, { status: 'stopped', elapsed: 500 });
  assert.equal((await v.get(`/api/arcade/games/${g.id}`)).body.plays, 5);
  // A game whose plays ended without a score: reports_score false.
  const quiet = await newGame(owner);
  await play(b, quiet.id, { score: null, elapsed: 3000 });
  const q = (await v.get(`/api/arcade/games/${quiet.id}`)).body;
  assert.deepEqual([q.plays, q.reports_score, q.best_score, q.longest_ms], [1, false, null, 3000]);
  // Per player: B's two plays, C's failed one; the anonymous one nowhere.
  assert.equal(sql(`SELECT plays || '/' || total_ms || '/' || best_score FROM arcade_player_stats
                    WHERE game_id = ${g.id} AND player_id = ${b.id}`), '2/8000/10');
  assert.equal(sql(`SELECT plays || '/' || total_ms || '/' || COALESCE(best_score::text, '-') FROM arcade_player_stats
                    WHERE game_id = ${g.id} AND player_id = ${c.id}`), '2/1500/-');
  assert.equal(sql(`SELECT count(*) FROM arcade_player_stats WHERE game_id = ${g.id}`), '2');
  assert.deepEqual(countersOff(), ['0', '0', '0']);
});

test('the score never goes down: the schema refuses it; a raise moves the counters', async () => {
  const owner = await user('own');
  const p = await user('pl');
  const g = await newGame(owner);
  const id = await play(p, g.id, { score: 20, elapsed: 6000 });
  assert.throws(() => sql(`UPDATE plays SET score = 19 WHERE id = '${id}'`), /cannot go down/);
  assert.throws(() => sql(`UPDATE plays SET score = NULL WHERE id = '${id}'`), /cannot go down/);
  assert.equal(sql(`SELECT score FROM plays WHERE id = '${id}'`), '20');
  // A later copy of its end with a lower score changes nothing either.
  sendEnd(id, { score: 1, elapsed: 6000 });
  await waitFor('the copy ignored', () => stack.rpLog.includes(`play ${id} is already final`));
  assert.equal(sql(`SELECT score FROM plays WHERE id = '${id}'`), '20');
  // A raise of a final play's score: the counters follow, counted once.
  sql(`UPDATE plays SET score = 25 WHERE id = '${id}'`);
  const seen = (await p.get(`/api/arcade/games/${g.id}`)).body;
  assert.deepEqual([seen.plays, seen.best_score], [1, 25]);
  assert.equal(sql(`SELECT best_score FROM arcade_player_stats WHERE game_id = ${g.id} AND player_id = ${p.id}`), '25');
  assert.deepEqual(countersOff(), ['0', '0', '0']);
});

// ---- the list's orders ----

test('cards: by average rating (unrated last), then plays, then oldest first; newest; random; search and pages; hidden games', async () => {
  const owner = await user('own');
  const raters = [await user('r1'), await user('r2'), await user('r3')];
  const tok = uniq();
  const g = [];
  for (let i = 0; i < 7; i++) {
    g.push(await newGame(owner, `Card ${tok} ${i}`));
    await sleep(5); // distinct created_at
  }
  const ratings = (game, stars) => stars.forEach((s, i) =>
    sql(`INSERT INTO arcade_ratings (game_id, player_id, stars) VALUES (${game.id}, ${raters[i].id}, ${s})`));
  const plays = (game, n) => { for (let i = 0; i < n; i++) rowPlay(game.id); };
  // g0 unrated, 0 plays        g1 unrated, 3 plays      g2 4.5, 1 play
  // g3 4.5, 2 plays            g4 2.0                   g5 unrated, 3 plays (after g1)
  // g6 4.5, 1 play (after g2)
  plays(g[1], 3);
  ratings(g[2], [4, 5]); plays(g[2], 1);
  ratings(g[3], [5, 4]); plays(g[3], 2);
  ratings(g[4], [2]);
  plays(g[5], 3);
  ratings(g[6], [5, 4]); plays(g[6], 1);
  const order = [g[3], g[2], g[6], g[4], g[1], g[5], g[0]].map((x) => x.id);
  const v = anon();
  const ids = async (query, c = v) => {
    const r = await c.get(`/api/arcade/games?q=${tok}&${query}`);
    assert.equal(r.status, 200, r.text);
    return r.body;
  };
  assert.deepEqual((await ids('')).games.map((x) => x.id), order);
  assert.deepEqual((await ids('order=rating')).games.map((x) => x.id), order);
  const top = (await ids('')).games[0];
  assert.deepEqual([top.rating, top.plays], [{ average: 4.5, count: 2 }, 2]);
  assert.deepEqual((await ids('')).games[3].rating, { average: 2, count: 1 });
  assert.deepEqual((await ids('')).games[6].rating, { average: null, count: 0 });
  // pages: the same order, cut in threes
  const pages = [];
  for (let p = 1; p <= 3; p++) {
    const body = await ids(`per_page=3&page=${p}`);
    assert.deepEqual([body.page, body.per_page, body.total, body.has_more], [p, 3, 7, p < 3]);
    pages.push(...body.games.map((x) => x.id));
  }
  assert.deepEqual(pages, order);
  // newest first
  assert.deepEqual((await ids('order=newest')).games.map((x) => x.id), g.map((x) => x.id).reverse());
  // random: per_page distinct games of the search, the page ignored
  const all = new Set(order);
  for (let i = 0; i < 5; i++) {
    const body = await ids(`order=random&per_page=3&page=${i + 1}`);
    const got = body.games.map((x) => x.id);
    assert.equal(got.length, 3);
    assert.equal(new Set(got).size, 3);
    assert.ok(got.every((id) => all.has(id)), `${got}`);
    assert.equal(body.page, 1);
  }
  assert.deepEqual((await ids('order=random')).games.map((x) => x.id).sort(), [...order].sort());
  assertError(await v.get('/api/arcade/games?order=best'), 400, /order/);
  // A hidden game: never listed nor counted for others, in any order; its owner sees it.
  assert.equal((await owner.patch(`/api/arcade/games/${g[3].id}`, { hidden: true })).status, 200);
  const others = order.filter((id) => id !== g[3].id);
  assert.deepEqual((await ids('')).games.map((x) => x.id), others);
  assert.equal((await ids('')).total, 6);
  for (let i = 0; i < 3; i++) assert.ok(!(await ids('order=random')).games.some((x) => x.id === g[3].id));
  assert.deepEqual((await ids('order=newest')).games.length, 6);
  assert.deepEqual((await ids('', raters[0])).games.map((x) => x.id), others);
  assert.deepEqual((await ids('', owner)).games.map((x) => x.id), order);
  assert.deepEqual((await ids('mine=true', owner)).games.map((x) => x.id), order);
});

// ---- the scoreboard ----

test('scoreboard: signed-in players by best score (ties: first to reach it), nulls last, anonymous excluded; my plays; compact', async () => {
  const owner = await user('own');
  const [p1, p2, p3, p4] = [await user('sa'), await user('sb'), await user('sc'), await user('sd')];
  const v = anon();
  const g = await newGame(owner);
  const p1first = await play(p1, g.id, { score: 30, elapsed: 6000 });
  await play(p2, g.id, { score: 30, elapsed: 2000 });
  const p1second = await play(p1, g.id, { score: 10, elapsed: 4000 });
  await play(p3, g.id, { status: 'failed', verdict: 'crashed', elapsed: 1000 });
  await play(p4, g.id, { score: 50, elapsed: 9000 });
  await play(v, g.id, { score: 100, elapsed: 1000 });
  const board = await v.get(`/api/arcade/games/${g.id}/scoreboard`);
  assert.equal(board.status, 200, board.text);
  assert.deepEqual(board.body.players, [
    { rank: 1, player: p4.username, best_score: 50, plays: 1, total_ms: 9000 },
    { rank: 2, player: p1.username, best_score: 30, plays: 2, total_ms: 10000 },
    { rank: 3, player: p2.username, best_score: 30, plays: 1, total_ms: 2000 },
    { rank: 4, player: p3.username, best_score: null, plays: 1, total_ms: 1000 },
  ]);
  // the one-game form of the game, with its rating; no "my plays" for a visitor
  assert.equal(board.body.game.id, g.id);
  assert.equal(board.body.game.best_score, 100);
  assert.equal(board.body.game.plays, 6);
  assert.ok(Array.isArray(board.body.game.versions));
  assert.equal(board.body.game.rating.why_not, 'sign in to rate games');
  assert.equal('my_plays' in board.body, false);
  // signed in: my plays, newest first
  const mine = (await p1.get(`/api/arcade/games/${g.id}/scoreboard`)).body;
  assert.deepEqual(mine.my_plays.map((x) => [x.id, x.status, x.score, x.elapsed_ms]),
    [[p1second, 'finished', 10, 4000], [p1first, 'finished', 30, 6000]]);
  assert.match(mine.my_plays[0].created_at, isoTime);
  assert.match(mine.my_plays[0].finished_at, isoTime);
  assert.deepEqual((await owner.get(`/api/arcade/games/${g.id}/scoreboard`)).body.my_plays, []);
  // compact: the card form, 5 players at most by default, never my plays
  const compact = (await p1.get(`/api/arcade/games/${g.id}/scoreboard?compact=true`)).body;
  assert.equal('my_plays' in compact, false);
  assert.equal('versions' in compact.game, false);
  assert.deepEqual(compact.game.rating, { average: null, count: 0 });
  assert.deepEqual(compact.players, board.body.players);
  assert.deepEqual((await v.get(`/api/arcade/games/${g.id}/scoreboard?compact=1&limit=2`)).body.players.map((x) => x.rank), [1, 2]);
  assert.equal((await v.get(`/api/arcade/games/${g.id}/scoreboard?limit=1`)).body.players[0].player, p4.username);
  // refusals
  assertError(await v.get(`/api/arcade/games/${g.id}/scoreboard?limit=0`), 400, /limit/);
  assertError(await v.get(`/api/arcade/games/${g.id}/scoreboard?limit=101`), 400, /limit/);
  assertError(await v.get(`/api/arcade/games/${g.id}/scoreboard?compact=maybe`), 400, /compact/);
  assertError(await v.get('/api/arcade/games/987654321/scoreboard'), 404, /no such game/);
  assertError(await v.get('/api/arcade/games/x/scoreboard'), 404, /no such game/);
  // a hidden game's board is its owner's
  assert.equal((await owner.patch(`/api/arcade/games/${g.id}`, { hidden: true })).status, 200);
  assertError(await v.get(`/api/arcade/games/${g.id}/scoreboard`), 404);
  assertError(await p1.get(`/api/arcade/games/${g.id}/scoreboard?compact=true`), 404);
  assert.equal((await owner.get(`/api/arcade/games/${g.id}/scoreboard`)).status, 200);
});

// ---- most played ----

test('most played: by total time, then plays; its fields; hidden games and games never played left out', async () => {
  const owner = await user('own');
  const v = anon();
  // Far more time than any other test's games, so these lead the list.
  const m1 = await newGame(owner);
  const m2 = await newGame(owner);
  const m3 = await newGame(owner);
  const hidden = await newGame(owner);
  const never = await newGame(owner);
  rowPlay(m1.id, { elapsed: 3e9, score: 7 });
  rowPlay(m2.id, { elapsed: 1e9, score: 2 });
  rowPlay(m2.id, { elapsed: 2e9 });
  rowPlay(m3.id, { elapsed: 2e9, status: 'failed' });
  rowPlay(hidden.id, { elapsed: 9e9 });
  assert.equal((await owner.patch(`/api/arcade/games/${hidden.id}`, { hidden: true })).status, 200);
  const r = await v.get('/api/arcade/most-played?per_page=3');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.games, [
    { id: m2.id, title: m2.title, preview_url: null, plays: 2, total_ms: 3e9, best_score: 2, longest_ms: 2e9 },
    { id: m1.id, title: m1.title, preview_url: null, plays: 1, total_ms: 3e9, best_score: 7, longest_ms: 3e9 },
    { id: m3.id, title: m3.title, preview_url: null, plays: 1, total_ms: 2e9, best_score: null, longest_ms: 2e9 },
  ]);
  assert.deepEqual([r.body.page, r.body.per_page, r.body.has_more], [1, 3, true]);
  const all = [];
  for (let p = 1; ; p++) {
    const body = (await v.get(`/api/arcade/most-played?per_page=50&page=${p}`)).body;
    all.push(...body.games);
    if (!body.has_more) break;
  }
  assert.ok(!all.some((x) => x.id === hidden.id || x.id === never.id));
  assert.ok(all.every((x) => x.plays > 0));
  for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].total_ms >= all[i].total_ms);
  // its owner sees the hidden one
  assert.equal((await owner.get('/api/arcade/most-played?per_page=1')).body.games[0].id, hidden.id);
  assertError(await v.get('/api/arcade/most-played?per_page=51'), 400, /per_page/);
  assertError(await v.get('/api/arcade/most-played?page=0'), 400, /page/);
});

// ---- ratings ----

test('ratings: signed in, played to the end for more than 5 s, not one\'s own game; one per player, changed, deleted', async () => {
  const owner = await user('own');
  const r = await user('rr');
  const s = await user('rs');
  const v = anon();
  const g = await newGame(owner);
  const path = `/api/arcade/games/${g.id}`;
  // anonymous: 401 (with a CSRF token), 403 without
  await v.refresh();
  assertError(await rate(v, g.id, { stars: 4 }), 401, /sign in to rate games/);
  assertError(await unrate(v, g.id), 401, /sign in/);
  assertError(await r.req('PUT', `${path}/rating`, { stars: 4 }, { csrf: false }), 403, /CSRF/);
  // no play yet
  assertError(await rate(r, g.id, { stars: 4 }), 403, /play it to the end for more than 5 seconds first/);
  assert.deepEqual((await r.get(path)).body.rating,
    { average: null, count: 0, mine: null, can_rate: false, why_not: 'play it to the end for more than 5 seconds first' });
  // exactly 5000 ms is not enough
  const five = await play(r, g.id, { elapsed: 5000, score: 1 });
  assertError(await rate(r, g.id, { stars: 4 }), 403, /more than 5 seconds/);
  const fivePlay = (await r.get(`/api/plays/${five}`)).body.play;
  assert.deepEqual([fivePlay.can_rate, fivePlay.rating_mine], [false, null]);
  // a failed play is not played to the end
  await play(r, g.id, { status: 'failed', verdict: 'timeout', elapsed: 60000 });
  assertError(await rate(r, g.id, { stars: 4 }), 403, /more than 5 seconds/);
  // 5001 ms is
  const ok = await play(r, g.id, { elapsed: 5001, score: 2 });
  const okPlay = (await r.get(`/api/plays/${ok}`)).body;
  assert.deepEqual([okPlay.play.can_rate, okPlay.play.rating_mine], [true, null]);
  assert.deepEqual((await r.get(path)).body.rating,
    { average: null, count: 0, mine: null, can_rate: true, why_not: null });
  // nobody else's view of that play offers a rating
  assert.deepEqual([(await s.get(`/api/plays/${ok}`)).body.play.can_rate, (await v.get(`/api/plays/${ok}`)).body.play.can_rate], [false, false]);
  // stars: a whole number from 1 to 5
  for (const bad of [{ stars: 0 }, { stars: 6 }, { stars: 2.5 }, { stars: '5' }, {}, { stars: null }, { stars: true }, { stars: [5] }]) {
    assertError(await rate(r, g.id, bad), 400, /stars/);
  }
  assertError(await r.req('PUT', `${path}/rating`, 'not json', { headers: { 'Content-Type': 'application/json' } }), 400);
  assert.equal(sql(`SELECT count(*) FROM arcade_ratings WHERE game_id = ${g.id}`), '0');
  // rate, another player too (a stopped play counts), change, delete
  let res = await rate(r, g.id, { stars: 4 });
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body, { rating: { average: 4, count: 1, mine: 4, can_rate: true, why_not: null } });
  await play(s, g.id, { status: 'stopped', elapsed: 6000 });
  res = await rate(s, g.id, { stars: 5 });
  assert.deepEqual(res.body.rating, { average: 4.5, count: 2, mine: 5, can_rate: true, why_not: null });
  res = await rate(r, g.id, { stars: 2 });
  assert.deepEqual(res.body.rating, { average: 3.5, count: 2, mine: 2, can_rate: true, why_not: null });
  assert.equal(sql(`SELECT count(*) FROM arcade_ratings WHERE game_id = ${g.id}`), '2');
  assert.equal(sql(`SELECT stars FROM arcade_ratings WHERE game_id = ${g.id} AND player_id = ${r.id}`), '2');
  assert.deepEqual((await v.get(path)).body.rating,
    { average: 3.5, count: 2, mine: null, can_rate: false, why_not: 'sign in to rate games' });
  assert.equal((await r.get(path)).body.rating.mine, 2);
  assert.equal((await r.get(`/api/plays/${ok}`)).body.play.rating_mine, 2);
  assert.equal((await s.get(`/api/plays/${ok}`)).body.play.rating_mine, null);
  // the owner may not rate their own game, even played to the end
  await play(owner, g.id, { elapsed: 9000 });
  assertError(await rate(owner, g.id, { stars: 5 }), 403, /you cannot rate your own game/);
  assert.equal((await owner.get(path)).body.rating.why_not, 'you cannot rate your own game');
  // delete: gone, the average follows; again is no error
  res = await unrate(r, g.id);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.rating, { average: 5, count: 1, mine: null, can_rate: true, why_not: null });
  assert.equal((await unrate(r, g.id)).status, 200);
  assertError(await unrate(r, g.id, { csrf: false }), 403, /CSRF/);
  // no such game, or hidden from the caller: 404
  assertError(await rate(r, 987654321, { stars: 3 }), 404, /no such game/);
  assertError(await rate(r, 'x', { stars: 3 }), 404);
  assertError(await unrate(r, 987654321), 404);
  assert.equal((await owner.patch(path, { hidden: true })).status, 200);
  assertError(await rate(s, g.id, { stars: 3 }), 404);
  assertError(await unrate(s, g.id), 404);
  assert.deepEqual(countersOff(), ['0', '0', '0']);
  // deleting the game deletes its ratings, plays and counters
  assert.equal((await owner.req('DELETE', path)).status, 204);
  for (const t of ['arcade_ratings', 'plays', 'arcade_game_stats', 'arcade_player_stats']) {
    assert.equal(sql(`SELECT count(*) FROM ${t} WHERE game_id = ${g.id}`), '0', t);
  }
  assert.deepEqual(countersOff(), ['0', '0', '0']);
});

test('a rating goes in only with its eligibility, even when asked for concurrently', async () => {
  const owner = await user('own');
  const g = await newGame(owner);
  const raters = [await user('ca'), await user('cb')];
  await play(raters[0], g.id, { elapsed: 7000 });
  // 20 PUTs at once from an eligible and an ineligible player
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => rate(raters[i % 2], g.id, { stars: 1 + (i % 5) })));
  assert.ok(answers.filter((a, i) => i % 2 === 0).every((a) => a.status === 200));
  assert.ok(answers.filter((a, i) => i % 2 === 1).every((a) => a.status === 403));
  assert.equal(sql(`SELECT count(*) FROM arcade_ratings WHERE game_id = ${g.id}`), '1');
  assert.equal(sql(`SELECT ratings || '/' || stars_sum FROM arcade_game_stats WHERE game_id = ${g.id}`),
    `1/${sql(`SELECT stars FROM arcade_ratings WHERE game_id = ${g.id}`)}`);
});

// ---- running plays ----

test('running plays: of visible games, newest started first; public', async () => {
  const owner = await user('own');
  const a = await user('ra');
  const v = anon();
  const g = await newGame(owner);
  const h = await newGame(owner);
  assert.equal((await owner.patch(`/api/arcade/games/${h.id}`, { hidden: true })).status, 200);
  const first = await startPlay(a, g.id);
  await running(first);
  await sleep(20);
  const second = await startPlay(v, g.id);
  await running(second);
  const queued = await startPlay(owner, g.id); // not running: not shown
  const secret = await startPlay(owner, h.id); // stops the queued one; a hidden game
  await running(secret);
  const mineOf = (body) => body.plays.filter((p) => [first, second, queued, secret].includes(p.id));
  const r = await v.get('/api/arcade/plays/running?limit=50');
  assert.equal(r.status, 200, r.text);
  const shown = mineOf(r.body);
  assert.deepEqual(shown.map((p) => [p.id, p.game, p.player]), [
    [second, { id: g.id, title: g.title }, null],
    [first, { id: g.id, title: g.title }, a.username],
  ]);
  assert.match(shown[0].started_at, isoTime);
  // the hidden game's play is its owner's to see
  assert.ok(mineOf((await owner.get('/api/arcade/plays/running?limit=50')).body).some((p) => p.id === secret));
  assert.ok(!mineOf((await a.get('/api/arcade/plays/running?limit=50')).body).some((p) => p.id === secret));
  assert.equal((await v.get('/api/arcade/plays/running?limit=1')).body.plays.length, 1);
  assertError(await v.get('/api/arcade/plays/running?limit=51'), 400, /limit/);
  assertError(await v.get('/api/arcade/plays/running?limit=0'), 400, /limit/);
  // once over, gone
  await endPlay(first, { elapsed: 100 });
  assert.ok(!mineOf((await v.get('/api/arcade/plays/running?limit=50')).body).some((p) => p.id === first));
  await endPlay(second, { elapsed: 100 });
  await endPlay(secret, { elapsed: 100 });
});

// ---- who keeps a play alive ----

async function openStream(c, playId) {
  const ctl = new AbortController();
  const headers = c.cookies() ? { Cookie: c.cookies() } : {};
  const res = await fetch(`${stack.baseURL}/api/plays/${playId}/events`, { headers, signal: ctl.signal });
  assert.equal(res.status, 200);
  const reader = res.body.getReader();
  await reader.read(); // the first event: the stream is set up
  return () => { ctl.abort(); };
}

test('only the play\'s own player keeps it alive: a watcher never sets the seen key', async () => {
  const owner = await user('own');
  const player = await user('pl');
  const watcher = await user('wa');
  const g = await newGame(owner);
  for (const who of [player, anon()]) {
    const id = await startPlay(who, g.id);
    await running(id);
    const seenKey = `cf:play:${id}:seen`;
    const closers = [await openStream(watcher, id), await openStream(anon(), id)];
    await sleep(1000);
    assert.equal(redis(stack.redisUrl, 'EXISTS', seenKey), '(integer) 0', 'watchers set the seen key');
    closers.push(await openStream(who, id));
    await waitFor('the seen key', () => redis(stack.redisUrl, 'EXISTS', seenKey) === '(integer) 1', 5000);
    const ttl = Number(redis(stack.redisUrl, 'TTL', seenKey).replace(/\D/g, ''));
    assert.ok(ttl > 0 && ttl <= 30, `ttl ${ttl}`);
    closers.forEach((close) => close());
    await endPlay(id, { elapsed: 100 });
  }
});

// ---- QR codes ----

test('qr: an SVG of the text; 400 for no text, empty or over 512 bytes', async () => {
  const v = anon();
  const url = `${stack.baseURL}/arcade/demo`;
  const r = await v.get(`/api/qr?text=${encodeURIComponent(url)}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-type'), 'image/svg+xml');
  assert.match(r.text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 (\d+) \1"/);
  assert.match(r.text, /<path fill="#000" d="(M\d+ \d+h\d+v1h-\d+z)+"\/><\/svg>\n$/);
  assert.doesNotMatch(r.text, /script|on\w+=/i);
  // the same text, the same picture; another text, another one
  assert.equal((await v.get(`/api/qr?text=${encodeURIComponent(url)}`)).text, r.text);
  assert.notEqual((await v.get('/api/qr?text=other')).text, r.text);
  const big = await v.get(`/api/qr?text=${'a'.repeat(512)}`);
  assert.equal(big.status, 200);
  const size = (t) => Number(/viewBox="0 0 (\d+)/.exec(t)[1]);
  assert.ok(size(big.text) > size(r.text));
  assertError(await v.get(`/api/qr?text=${'a'.repeat(513)}`), 400, /1 to 512 bytes/);
  assertError(await v.get(`/api/qr?text=${'é'.repeat(257)}`), 400, /512 bytes/);
  assertError(await v.get('/api/qr?text='), 400, /text/);
  assertError(await v.get('/api/qr'), 400, /text/);
});
