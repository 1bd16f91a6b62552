// ladder_reads.test.mjs — the ladder's public reads (issue 18, docs/ladder.md):
// GET /api/games/{game}/ladder (the order, ranks and ties, keys, paging,
// unknown and hidden games) and GET /api/bots/{bot_id}/ladder (entries,
// history oldest first, the public ladder fights; who sees what), and the
// fights' "ladder" flag. Entries, ratings and fights are seeded by SQL as
// the result processor and the scheduler would write them.
//   node --test tests/web/api/ladder_reads.test.mjs  (CF_WEB_BIN, CF_MIGRATE_BIN,
//   CF_SOURCE_DIR, CF_DATABASE_URL, CF_REDIS_URL)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startWeb, Client, psql, stopStack, binsFromEnv, signUp, assertError } from './stack.mjs';

const bins = binsFromEnv('web', 'migrate', 'source');

let stack;
let alice;
let bob;
let op;
let anon;
const bots = {};

// A bot of owner with one version per entry; returns {id, versions: [id...]}.
function seedBot(owner, name, game, nversions = 1) {
  const id = psql(stack.databaseUrl,
    "INSERT INTO bots (owner_id, game, name) VALUES (:'v1', :'v2', :'v3') RETURNING id", owner.id, game, name);
  const versions = [];
  for (let v = 1; v <= nversions; v++) {
    versions.push(psql(stack.databaseUrl,
      "INSERT INTO bot_versions (bot_id, version, code, size) VALUES (:'v1', :'v2', 'pass', 4) RETURNING id", id, v));
  }
  return { id: Number(id), versions };
}

function seedEntry(bot, versionIndex, game, status, mu, sigma, games, reason = '') {
  const over = status === 'active' || status === 'pending' ? 'NULL' : 'now()';
  psql(stack.databaseUrl,
    `INSERT INTO ladder_entries (bot_version_id, bot_id, game, status, reason, mu, sigma, games, ended_at)
     VALUES (:'v1', :'v2', :'v3', :'v4', NULLIF(:'v5', ''), :'v6', :'v7', :'v8', ${over})`,
    bot.versions[versionIndex], bot.id, game, status, reason, mu, sigma, games);
}

// A finished fight of players [{bot, version, owner, rank}], ladder or not.
function seedFight({ players, ladder = true, visibility = 'public', minutesAgo = 10 }) {
  const id = randomUUID();
  psql(stack.databaseUrl,
    `INSERT INTO fights (id, game, status, visibility, ladder, created_at, finished_at)
     VALUES (:'v1', 'tanks', 'finished', :'v2', :'v3', now() - :'v4'::int * interval '1 minute',
             now() - :'v4'::int * interval '1 minute' + interval '30 seconds')`,
    id, visibility, ladder, minutesAgo);
  players.forEach((p, slot) => psql(stack.databaseUrl,
    `INSERT INTO fight_players (fight_id, slot, user_id, bot_version_id, name, result, rank)
     VALUES (:'v1', :'v2', :'v3', :'v4', :'v5', :'v6', :'v7')`,
    id, slot, p.owner.id, p.bot.versions[p.version], `${p.owner.username}/${p.name}`, p.rank === 1 ? 'win' : 'loss', p.rank));
  return id;
}

function seedRating(fightId, bot, versionIndex, rank, mu, sigma, minutesAgo) {
  psql(stack.databaseUrl,
    `INSERT INTO ladder_ratings (fight_id, bot_version_id, rank, mu_before, sigma_before, mu, sigma, rated_at)
     VALUES (:'v1', :'v2', :'v3', 25, 8.333, :'v4', :'v5', now() - :'v6'::int * interval '1 minute')`,
    fightId, bot.versions[versionIndex], rank, mu, sigma, minutesAgo);
}

before(async () => {
  // The scheduler off: the ladder is what the test seeds, nothing more.
  stack = await startWeb({ ...bins, env: { CF_LADDER_INTERVAL_MS: '0' } });
  alice = await signUp(stack, 'alice');
  bob = await signUp(stack, 'bob');
  op = await signUp(stack, 'op');
  psql(stack.databaseUrl, "UPDATE users SET role = 'operator' WHERE id = :'v1'", op.id);
  anon = new Client(stack.baseURL);

  bots.top = seedBot(alice, 'Top', 'tanks', 2);
  bots.many = seedBot(bob, 'Many', 'tanks');
  bots.few = seedBot(alice, 'Few', 'tanks');
  bots.fresh = seedBot(bob, 'Fresh', 'tanks');
  bots.pending = seedBot(bob, 'Pending', 'tanks');
  bots.refused = seedBot(bob, 'Refused', 'tanks');
  bots.gone = seedBot(alice, 'Gone', 'tanks');
  bots.never = seedBot(alice, 'Never', 'tanks');
  bots.cycles = seedBot(alice, 'Cycler', 'light_cycles');

  seedEntry(bots.top, 0, 'tanks', 'replaced', 27, 3, 12);
  seedEntry(bots.top, 1, 'tanks', 'active', 30, 2, 15); // 24
  seedEntry(bots.many, 0, 'tanks', 'active', 28, 2, 20); // 22, more games
  seedEntry(bots.few, 0, 'tanks', 'active', 28, 2, 5); // 22, fewer games
  seedEntry(bots.fresh, 0, 'tanks', 'active', 25, 25 / 3, 0); // ~0
  seedEntry(bots.pending, 0, 'tanks', 'pending', 25, 25 / 3, 0);
  seedEntry(bots.refused, 0, 'tanks', 'refused', 25, 25 / 3, 0, 'Traceback: secret_strategy() crashed');
  seedEntry(bots.gone, 0, 'tanks', 'left', 26, 4, 8);
  seedEntry(bots.cycles, 0, 'light_cycles', 'active', 26, 3, 9);

  // Top's history: two fights of version 1, one of version 2, and fights
  // that must not be listed (private, not ladder).
  const f1 = seedFight({ players: [{ bot: bots.top, version: 0, owner: alice, name: 'Top', rank: 1 }, { bot: bots.many, version: 0, owner: bob, name: 'Many', rank: 2 }], minutesAgo: 30 });
  const f2 = seedFight({ players: [{ bot: bots.top, version: 0, owner: alice, name: 'Top', rank: 2 }, { bot: bots.few, version: 0, owner: alice, name: 'Few', rank: 1 }], minutesAgo: 20 });
  const f3 = seedFight({ players: [{ bot: bots.top, version: 1, owner: alice, name: 'Top', rank: 1 }, { bot: bots.many, version: 0, owner: bob, name: 'Many', rank: 2 }], minutesAgo: 10 });
  bots.top.fights = [f1, f2, f3];
  bots.top.privateFight = seedFight({ players: [{ bot: bots.top, version: 1, owner: alice, name: 'Top', rank: 1 }, { bot: bots.few, version: 0, owner: alice, name: 'Few', rank: 2 }], visibility: 'private', minutesAgo: 5 });
  bots.top.friendly = seedFight({ players: [{ bot: bots.top, version: 1, owner: alice, name: 'Top', rank: 1 }, { bot: bots.few, version: 0, owner: alice, name: 'Few', rank: 2 }], ladder: false, minutesAgo: 4 });
  seedRating(f1, bots.top, 0, 1, 29, 6, 30);
  seedRating(f2, bots.top, 0, 2, 27, 3, 20);
  seedRating(f3, bots.top, 1, 1, 30, 2, 10);
});

after(() => stopStack(stack));

const BOARD_KEYS = ['bot', 'bot_id', 'games', 'last_fight_at', 'mu', 'owner', 'provisional', 'rank', 'rating', 'sigma', 'version'];

test('the leaderboard: active entries by mu - 3 sigma, ties share a rank, more games first', async () => {
  const r = await anon.get('/api/games/tanks/ladder');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.game, 'tanks');
  assert.deepEqual(r.body.entries.map((e) => [e.rank, e.bot]), [[1, 'Top'], [2, 'Many'], [2, 'Few'], [4, 'Fresh']]);
  for (const e of r.body.entries) assert.deepEqual(Object.keys(e).sort(), BOARD_KEYS, JSON.stringify(e));
  const [top, many, , fresh] = r.body.entries;
  assert.equal(top.bot_id, bots.top.id);
  assert.equal(top.owner, alice.username);
  assert.equal(top.version, 2, 'the active version, not the replaced one');
  assert.equal(top.rating, 24);
  assert.equal(top.games, 15);
  assert.equal(top.provisional, false);
  assert.equal(many.owner, bob.username);
  assert.ok(Math.abs(fresh.rating) < 1e-9, `a new version starts at 0: ${fresh.rating}`);
  assert.equal(fresh.provisional, true);
  assert.equal(r.body.total, 4);
  assert.equal(r.body.total_exact, true);
  assert.equal(r.body.has_more, false);
  assert.equal(r.body.page, 1);
  // A user reads the same board.
  const u = await bob.get('/api/games/tanks/ladder');
  assert.deepEqual(u.body.entries, r.body.entries);
});

test('the leaderboard in pages: ranks carry over, the last page says so, past the end is empty', async () => {
  const p1 = await anon.get('/api/games/tanks/ladder?per_page=3');
  assert.deepEqual(p1.body.entries.map((e) => [e.rank, e.bot]), [[1, 'Top'], [2, 'Many'], [2, 'Few']]);
  assert.equal(p1.body.has_more, true);
  assert.equal(p1.body.per_page, 3);
  const p2 = await anon.get('/api/games/tanks/ladder?per_page=3&page=2');
  assert.deepEqual(p2.body.entries.map((e) => [e.rank, e.bot]), [[4, 'Fresh']]);
  assert.equal(p2.body.has_more, false);
  assert.equal(p2.body.total, 4);
  const p3 = await anon.get('/api/games/tanks/ladder?per_page=2&page=2');
  assert.deepEqual(p3.body.entries.map((e) => [e.rank, e.bot]), [[2, 'Few'], [4, 'Fresh']]);
  const past = await anon.get('/api/games/tanks/ladder?page=5');
  assert.equal(past.status, 200);
  assert.deepEqual(past.body.entries, []);
  assert.equal(past.body.total, 4);
  // Deep pages (planned each time) agree.
  const deep = await anon.get('/api/games/tanks/ladder?per_page=1&page=12');
  assert.equal(deep.status, 200, deep.text);
  assert.deepEqual(deep.body.entries, []);
  assertError(await anon.get('/api/games/tanks/ladder?per_page=0'), 400, /per_page/);
  assertError(await anon.get('/api/games/tanks/ladder?page=x'), 400, /page/);
});

test("a deactivated account's bots leave the board (and its ranks) while it lasts", async () => {
  // Many (bob's) just above Few (alice's): Few's rank in its bot object
  // counts Many only while bob's account is active.
  const manyAt = (mu) => psql(stack.databaseUrl,
    "UPDATE ladder_entries SET mu = :'v2'::float8 WHERE bot_id = :'v1' AND status = 'active'", bots.many.id, mu);
  manyAt(29);
  assert.equal((await alice.get(`/api/bots/${bots.few.id}`)).body.ladder.rank, 3);
  const off = await op.post(`/api/admin/users/${bob.id}/deactivate`, {});
  assert.equal(off.status, 200, off.text);
  assert.equal((await alice.get(`/api/bots/${bots.few.id}`)).body.ladder.rank, 2);
  manyAt(28);
  const r = await alice.get('/api/games/tanks/ladder');
  assert.deepEqual(r.body.entries.map((e) => [e.rank, e.bot]), [[1, 'Top'], [2, 'Few']]);
  assert.equal(r.body.total, 2);
  const top = await alice.get(`/api/bots/${bots.top.id}/ladder`);
  assert.deepEqual([top.body.entries[0].rank, top.body.entries[0].of], [1, 2]);
  const many = await alice.get(`/api/bots/${bots.many.id}/ladder`);
  assert.equal(many.body.entries[0].rank, null, 'not on the board');
  assert.equal((await op.post(`/api/admin/users/${bob.id}/reactivate`, {})).status, 200);
  const back = await alice.get('/api/games/tanks/ladder');
  assert.deepEqual(back.body.entries.map((e) => e.bot), ['Top', 'Many', 'Few', 'Fresh']);
  // Deactivation ended bob's session: in again for the tests after.
  bob.cookie = '';
  bob.csrf = null;
  const login = await bob.post('/api/login', { username: bob.username, password: 'password-123' });
  assert.equal(login.status, 200, login.text);
});

test('an unknown game has no ladder; a hidden one only for operators', async () => {
  assertError(await anon.get('/api/games/chess/ladder'), 404, /no such game/);
  const before = await anon.get('/api/games/light_cycles/ladder');
  assert.deepEqual(before.body.entries.map((e) => e.bot), ['Cycler']);
  const hide = await op.post('/api/admin/games/builtin/light_cycles/hide', {});
  assert.equal(hide.status, 200, hide.text);
  assertError(await anon.get('/api/games/light_cycles/ladder'), 404, /no such game/);
  assertError(await alice.get('/api/games/light_cycles/ladder'), 404, /no such game/);
  const asOp = await op.get('/api/games/light_cycles/ladder');
  assert.equal(asOp.status, 200, asOp.text);
  assert.deepEqual(asOp.body.entries.map((e) => e.bot), ['Cycler']);
  assert.equal((await op.post('/api/admin/games/builtin/light_cycles/show', {})).status, 200);
  assert.equal((await anon.get('/api/games/light_cycles/ladder')).status, 200);
});

test("a bot's ladder page: its entries, its history oldest first, its public ladder fights", async () => {
  const r = await anon.get(`/api/bots/${bots.top.id}/ladder`);
  assert.equal(r.status, 200, r.text);
  const b = r.body;
  assert.equal(b.bot_id, bots.top.id);
  assert.equal(b.bot, 'Top');
  assert.equal(b.owner, alice.username);
  assert.equal(b.game, 'tanks');
  assert.equal(b.mine, false);
  assert.deepEqual(b.entries.map((e) => [e.version, e.status, e.rank, e.of]), [[2, 'active', 1, 4], [1, 'replaced', null, null]]);
  assert.equal(b.entries[0].rating, 24);
  assert.equal(b.entries[0].games, 15);
  assert.equal('reason' in b.entries[0], false, 'the reason is the owner\'s');
  assert.deepEqual(b.history.map((h) => [h.fight_id, h.version, h.rating, h.rank]), [
    [bots.top.fights[0], 1, 29 - 18, 1], [bots.top.fights[1], 1, 27 - 9, 2], [bots.top.fights[2], 2, 24, 1]]);
  for (const h of b.history) assert.deepEqual(Object.keys(h).sort(), ['at', 'fight_id', 'mu', 'rank', 'rating', 'sigma', 'version']);
  // Newest first, public ladder fights only (not the private one, not a friendly).
  assert.deepEqual(b.fights.map((f) => f.id), [...bots.top.fights].reverse());
  for (const f of b.fights) {
    assert.equal(f.ladder, true);
    assert.equal(f.state, 'finished');
    assert.equal(f.players.length, 2);
  }
  assert.deepEqual(b.fights[0].players.map((p) => [p.username, p.bot, p.result]), [[alice.username, 'Top', 'win'], [bob.username, 'Many', 'loss']]);
  // The owner reads the same, marked as theirs.
  const mine = await alice.get(`/api/bots/${bots.top.id}/ladder`);
  assert.equal(mine.body.mine, true);
  assert.equal(mine.body.entries[0].reason, null);
});

test("who may read a bot's ladder page: rated bots to anyone, the rest to their owner only", async () => {
  for (const c of [anon, alice]) {
    assertError(await c.get(`/api/bots/${bots.pending.id}/ladder`), 404, /no such bot/);
    assertError(await c.get(`/api/bots/${bots.refused.id}/ladder`), 404, /no such bot/);
  }
  const refused = await bob.get(`/api/bots/${bots.refused.id}/ladder`);
  assert.equal(refused.status, 200, refused.text);
  assert.deepEqual(refused.body.entries.map((e) => [e.status, e.reason]), [['refused', 'Traceback: secret_strategy() crashed']]);
  // The owner's answer is never kept for others (cache.c).
  assertError(await anon.get(`/api/bots/${bots.refused.id}/ladder`), 404, /no such bot/);
  const pending = await bob.get(`/api/bots/${bots.pending.id}/ladder`);
  assert.deepEqual(pending.body.entries.map((e) => [e.status, e.rank]), [['pending', null]]);
  // Never entered: nothing to anyone else, an empty page to its owner.
  assertError(await anon.get(`/api/bots/${bots.never.id}/ladder`), 404, /no such bot/);
  const never = await alice.get(`/api/bots/${bots.never.id}/ladder`);
  assert.equal(never.status, 200);
  assert.deepEqual([never.body.entries, never.body.history, never.body.fights], [[], [], []]);
  // Left the ladder: still public (its ratings were), without a rank.
  const gone = await anon.get(`/api/bots/${bots.gone.id}/ladder`);
  assert.equal(gone.status, 200, gone.text);
  assert.deepEqual(gone.body.entries.map((e) => [e.status, e.rank, e.rating]), [['left', null, 26 - 12]]);
  assertError(await anon.get('/api/bots/999999/ladder'), 404, /no such bot/);
  assertError(await anon.get('/api/bots/abc/ladder'), 404, /no such bot/);
});

test('fights say whether the ladder made them', async () => {
  const f = await anon.get(`/api/fights/${bots.top.fights[0]}`);
  assert.equal(f.status, 200, f.text);
  assert.equal(f.body.ladder, true);
  const friendly = await anon.get(`/api/fights/${bots.top.friendly}`);
  assert.equal(friendly.body.ladder, false);
  const list = await anon.get('/api/fights?per_page=100');
  const byId = new Map(list.body.fights.map((x) => [x.id, x.ladder]));
  assert.equal(byId.get(bots.top.fights[2]), true);
  assert.equal(byId.get(bots.top.friendly), false);
  // Filtered lists (planned each time) carry it too.
  const filtered = await anon.get('/api/fights?game=tanks&state=finished&per_page=100');
  assert.equal(new Map(filtered.body.fights.map((x) => [x.id, x.ladder])).get(bots.top.fights[1]), true);
});
