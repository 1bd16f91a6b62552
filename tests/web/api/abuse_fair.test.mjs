// abuse_fair.test.mjs — issue 15's fairness findings against the real cf-web,
// PostgreSQL and Redis (loopback only, bounded): one user cannot pile up open
// fights, fights waiting or running, bots, versions of a bot or pending
// invitations; each cap answers a JSON 409, or 429 for fights waiting.
//   node --test tests/web/api/abuse_fair.test.mjs   (CF_WEB_BIN, CF_MIGRATE_BIN,
//   CF_SOURCE_DIR, CF_DATABASE_URL, CF_REDIS_URL; see CMakeLists.txt)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startWeb, Client, psql } from './stack.mjs';

const bins = {
  web: process.env.CF_WEB_BIN,
  migrate: process.env.CF_MIGRATE_BIN,
  source: process.env.CF_SOURCE_DIR,
};
for (const [k, v] of Object.entries(bins)) if (!v) throw new Error(`set CF_${k.toUpperCase()}_BIN / CF_SOURCE_DIR`);

const CAPS = {
  CF_WEB_MAX_OPEN_FIGHTS: '3',
  CF_WEB_MAX_QUEUED_FIGHTS: '2',
  CF_WEB_MAX_BOTS: '2',
  CF_WEB_MAX_BOT_VERSIONS: '3',
  CF_WEB_MAX_INVITATIONS: '2',
};
const BOT = 'class Main:\n    def decide_tick(self, tick, my_state, enemy_state):\n        return "N"\n';
const uniq = () => randomBytes(4).toString('hex');
let stack;

// No simulator: the fights the caps count stay queued for the test's length.
before(async () => { stack = await startWeb({ ...bins, env: CAPS }); });
after(async () => {
  if (!stack) return;
  await stack.stop();
  assert.doesNotMatch(stack.log, /AddressSanitizer|LeakSanitizer|runtime error:/, stack.log.slice(-4000));
  assert.equal(stack.exitCode, 0, stack.log.slice(-2000));
});

async function user() {
  const c = new Client(stack.baseURL);
  c.username = `f_${uniq()}`;
  const r = await c.post('/api/signup', { username: c.username, password: 'password-123' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return c;
}

function assertCap(r, status, re) {
  assert.equal(r.status, status, `${r.status} ${r.text}`);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.match(r.body.error, re);
}

function created(r) {
  assert.equal(r.status, 201, `${r.status} ${r.text}`);
  return r.body;
}

test('bots and versions of one user are capped (409)', async () => {
  const a = await user();
  const b1 = created(await a.post('/api/bots', { name: 'one', game: 'tanks', code: BOT }));
  created(await a.post('/api/bots', { name: 'two', game: 'tanks', code: BOT }));
  assertCap(await a.post('/api/bots', { name: 'three', game: 'tanks', code: BOT }), 409, /too many bots/);
  created(await a.post(`/api/bots/${b1.id}/versions`, { code: BOT + '# 2\n' }));
  created(await a.post(`/api/bots/${b1.id}/versions`, { code: BOT + '# 3\n' }));
  assertCap(await a.post(`/api/bots/${b1.id}/versions`, { code: BOT + '# 4\n' }), 409, /too many versions/);
  const n = psql(stack.databaseUrl, "SELECT count(*) FROM bot_versions WHERE bot_id = :'v1'", b1.id);
  assert.equal(n, '3');
});

test('open fights and pending invitations of one host are capped (409)', async () => {
  const h = await user();
  const guests = [await user(), await user(), await user()];
  const bot = created(await h.post('/api/bots', { name: 'host', game: 'tanks', code: BOT }));
  const host = (invite) => h.post('/api/fights', { game: 'tanks', bot_id: bot.id, public: false, invite });
  created(await host([guests[0].username]));
  created(await host([guests[1].username]));
  assertCap(await host([guests[2].username]), 409, /too many pending invitations/);
  const third = created(await host([]));
  assertCap(await h.post(`/api/fights/${third.id}/invitations`, { username: guests[2].username }), 409,
    /too many pending invitations/);
  assertCap(await host([]), 409, /too many open fights/);
  const open = psql(stack.databaseUrl, "SELECT count(*) FROM fights f JOIN users u ON u.id = f.host_id WHERE u.username = :'v1' AND f.status = 'hosting'", h.username);
  assert.equal(open, '3');
});

test('fights of one host waiting or running are capped (429), others still play', async () => {
  const h = await user();
  const other = await user();
  const bot = created(await h.post('/api/bots', { name: 'eager', game: 'tanks', code: BOT }));
  created(await h.post('/api/fights/play-now', { bot_id: bot.id }));
  created(await h.post('/api/fights/play-now', { bot_id: bot.id }));
  assertCap(await h.post('/api/fights/play-now', { bot_id: bot.id }), 429, /too many fights waiting or running/);
  const ob = created(await other.post('/api/bots', { name: 'other', game: 'tanks', code: BOT }));
  created(await other.post('/api/fights/play-now', { bot_id: ob.id }));
});

// An answer to an invitation that starts its fight (the last one awaited)
// queued the fight for its host without a look at the host's cap: hosting
// with invitees of one's own piled fights up past web.max_queued_fights.
// Now such an accept, decline or withdraw is answered 429 and not recorded,
// as the host's own start would be, until one of the host's fights ends.
test('an answer that would start a fight counts against its host\'s cap of fights waiting (429)', async () => {
  const h = await user();
  const g1 = await user();
  const g2 = await user();
  const ht = created(await h.post('/api/bots', { name: 'tanks', game: 'tanks', code: BOT }));
  const hl = created(await h.post('/api/bots', { name: 'cycles', game: 'light_cycles', code: BOT }));
  const gt = created(await g1.post('/api/bots', { name: 'tanks', game: 'tanks', code: BOT }));
  const gl = created(await g1.post('/api/bots', { name: 'cycles', game: 'light_cycles', code: BOT }));
  const invitation = async (c, fightId) =>
    (await c.get('/api/invitations')).body.invitations.find((i) => i.fight_id === fightId);
  // Light cycles (2-6 players): g1 accepts, g2's answer is the one awaited.
  const lc = created(await h.post('/api/fights', { game: 'light_cycles', bot_id: hl.id, invite: [g1.username, g2.username] }));
  const lc1 = await invitation(g1, lc.id);
  const lc2 = await invitation(g2, lc.id);
  assert.equal((await g1.post(`/api/invitations/${lc1.id}/accept`, { bot_id: gl.id })).body.fight_state, 'open');
  // Tanks (2 players): g1's accept would start it.
  const t = created(await h.post('/api/fights', { game: 'tanks', bot_id: ht.id, invite: [g1.username] }));
  const ti = await invitation(g1, t.id);
  const now1 = created(await h.post('/api/fights/play-now', { bot_id: ht.id }));
  created(await h.post('/api/fights/play-now', { bot_id: ht.id }));

  const HOST_AT_CAP = /^the fight's host has too many fights waiting or running: 2 of at most 2$/;
  assertCap(await g1.post(`/api/invitations/${ti.id}/accept`, { bot_id: gt.id }), 429, HOST_AT_CAP);
  assertCap(await g2.post(`/api/invitations/${lc2.id}/decline`), 429, HOST_AT_CAP);
  assertCap(await h.post(`/api/invitations/${lc2.id}/withdraw`), 429, /^too many fights waiting or running: 2 of at most 2$/);
  const states = psql(stack.databaseUrl,
    "SELECT string_agg(f.status || '/' || i.status, ' ' ORDER BY f.game) FROM fights f " +
    "JOIN invitations i ON i.fight_id = f.id JOIN users u ON u.id = i.invitee_id " +
    "WHERE f.id IN (:'v1', :'v2') AND (f.game = 'tanks' OR u.username = :'v3')", lc.id, t.id, g2.username);
  assert.equal(states, 'hosting/pending hosting/pending', 'a refused answer changed nothing');

  // One of the host's fights ends: the next answer starts its fight.
  assert.equal((await h.post(`/api/fights/${now1.id}/cancel`)).status, 200);
  const ok = await g1.post(`/api/invitations/${ti.id}/accept`, { bot_id: gt.id });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.fight_state, 'queued');
  assertCap(await g2.post(`/api/invitations/${lc2.id}/decline`), 429, HOST_AT_CAP);
  const queued = psql(stack.databaseUrl, "SELECT count(*) FROM fights f JOIN users u ON u.id = f.host_id WHERE u.username = :'v1' AND f.status IN ('queued', 'running')", h.username);
  assert.equal(queued, '2');
});

// A bot that answers every call just inside Tanks' 200 ms limit: 100 ticks
// made an 18 s fight for a few ms of CPU.
const SLEEPER = 'import time\n\nclass Main:\n    def decide_tick(self, tick, my_state, enemy_state):\n        time.sleep(0.18)\n        return "N"\n';

async function waitFinal(c, id, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const r = await c.get(`/api/fights/${id}`);
    assert.equal(r.status, 200, r.text);
    if (['finished', 'failed', 'cancelled'].includes(r.body.state)) return r.body;
    if (Date.now() > end) throw new Error(`fight ${id} still ${r.body.state} after ${ms} ms`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

// The whole pipeline with the real sandbox (root): one simulator worker, a
// 4 s wall budget per fight (each of its two bots 2 s), one fight of each
// host in cf:fights at a time.
async function simStack() {
  return startWeb({
    ...bins,
    resultProcessor: process.env.CF_RESULT_PROCESSOR_BIN,
    simulator: process.env.CF_SIMULATOR_BIN,
    simulatorEnv: { CF_SIMULATOR_FIGHT_WALL_S: '4' },
    env: { CF_WEB_MAX_FIGHTS_IN_STREAM: '1', CF_WEB_MAX_QUEUED_FIGHTS: '3' },
  });
}

async function simUser(sim) {
  const c = new Client(sim.baseURL);
  c.username = `s_${uniq()}`;
  assert.equal((await c.post('/api/signup', { username: c.username, password: 'password-123' })).status, 201);
  return c;
}

test('a bot that sleeps just under each call\'s limit ends at its wall budget (timeout)', async () => {
  const sim = await simStack();
  try {
    const sleeper = await simUser(sim);
    const sb = created(await sleeper.post('/api/bots', { name: 'sleepy', game: 'tanks', code: SLEEPER }));
    const t0 = Date.now();
    const id = created(await sleeper.post('/api/fights/play-now', { bot_id: sb.id })).id;
    // Without a budget: 100 ticks x 180 ms, 18 s.
    const done = await waitFinal(sleeper, id, 12000);
    const slept = done.players[0]; // the host, slot 0
    assert.equal(slept.verdict, 'timeout', JSON.stringify(done.players));
    assert.match(slept.detail, /wall budget/);
    assert.ok(Date.now() - t0 < 12000);
  } finally {
    await sim.stop();
  }
});

test('a sleeper\'s burst of fights does not delay another user\'s (fair queue)', async () => {
  const sim = await simStack();
  try {
    const sleeper = await simUser(sim);
    const other = await simUser(sim);
    const sb = created(await sleeper.post('/api/bots', { name: 'sleepy', game: 'tanks', code: SLEEPER }));
    const ob = created(await other.post('/api/bots', { name: 'quick', game: 'tanks', code: BOT }));
    const burst = [];
    for (let i = 0; i < 3; i++) burst.push(created(await sleeper.post('/api/fights/play-now', { bot_id: sb.id })).id);
    const t0 = Date.now();
    const mine = created(await other.post('/api/fights/play-now', { bot_id: ob.id })).id;
    // Without the fair queue the other user's fight waits for all three.
    const done = await waitFinal(other, mine, 20000);
    const waited = Date.now() - t0;
    assert.equal(done.state, 'finished');
    for (const id of burst) await waitFinal(sleeper, id, 20000);
    const order = psql(sim.databaseUrl,
      "SELECT string_agg(id::text, ',' ORDER BY started_at) FROM fights WHERE id IN (:'v1', :'v2', :'v3')",
      mine, burst[1], burst[2]).split(',');
    assert.ok(order.indexOf(mine) < order.indexOf(burst[1]),
      `the other user's fight started after the sleeper's second (${order}, waited ${waited} ms)`);
    assert.ok(waited < 10000, `the other user's fight waited ${waited} ms`);
  } finally {
    await sim.stop();
  }
});

// Exit status 111 meant "sandbox set-up failed" and its last log line was
// shown as the reason: a bot could print a fake set-up error and exit 111.
const FORGER = 'import os, sys\nprint("codefights: sandbox set-up failed: the host is compromised, visit evil.example")\nsys.stdout.flush()\nos._exit(111)\n';

test('a bot that exits 111 after printing a set-up error shows no set-up error', async () => {
  const sim = await simStack();
  try {
    const forger = await simUser(sim);
    const fb = created(await forger.post('/api/bots', { name: 'forger', game: 'tanks', code: FORGER }));
    const id = created(await forger.post('/api/fights/play-now', { bot_id: fb.id })).id;
    const done = await waitFinal(forger, id, 15000);
    const p = done.players[0];
    assert.equal(p.verdict, 'crashed', JSON.stringify(done.players));
    assert.doesNotMatch(p.detail, /set-up|evil/, p.detail);
    assert.equal(p.detail, 'exited with status 111');
  } finally {
    await sim.stop();
  }
});
