// admin_work.test.mjs — the operator console's work on the whole real stack:
// cf-web, cf-simulator (root: the real sandbox; one fight worker, two arcade
// workers), cf-result-processor, PostgreSQL and Redis. Running fights and
// plays with their worker, stopping them (< 1 s), recent work, the dead
// letters of cf:fights and cf:plays (listed, requeued fixed, discarded),
// health from the heartbeats (a service that dies shows down), and every
// write in operator_actions.
//   node --test tests/web/api/admin_work.test.mjs   (CF_WEB_BIN, CF_MIGRATE_BIN,
//   CF_RESULT_PROCESSOR_BIN, CF_SIMULATOR_BIN, CF_SOURCE_DIR, CF_DATABASE_URL,
//   CF_REDIS_URL; see CMakeLists.txt)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startWeb, Client, psql, redis, redisRaw, stopStack, assertError, binsFromEnv, signUp, sleep, uniq } from './stack.mjs';

const bins = binsFromEnv('web', 'migrate', 'resultProcessor', 'simulator', 'source');

const KEYS = readFileSync(join(bins.source, 'tests', 'integration', 'games', 'keys.py'), 'utf8');
const EMPTY = readFileSync(join(bins.source, 'games', 'tanks', 'templates', 'empty.py'), 'utf8');
// A bot that takes its time: 170 ms a tick (the call limit is 200 ms), so a
// fight of Tanks' 100 ticks runs for 17 s unless stopped.
const SLOW = `import time\n${EMPTY}\n\nclass Main(Main):\n    def decide_tick(self, *a):\n        time.sleep(0.17)\n        return D_NOTHING\n`;
const SIM = 'sim-admin-test';

let stack;
let op; // an operator
let someone; // a user
let anon;
let gameId; // keys.py

before(async () => {
  stack = await startWeb({
    ...bins,
    simulatorEnv: { CF_SIMULATOR_CONSUMER: SIM, CF_ARCADE_IDLE_S: '60', CF_SIMULATOR_CANCEL_POLL_MS: '100' },
  });
  op = await user('op');
  psql(stack.databaseUrl, "UPDATE users SET role = 'operator' WHERE id = :'v1'", op.id);
  someone = await user('someone');
  anon = new Client(stack.baseURL);
  gameId = Number(psql(stack.databaseUrl,
    `WITH g AS (INSERT INTO arcade_games (owner_id, title) VALUES (:'v1', 'Keys') RETURNING id)
     INSERT INTO arcade_game_versions (game_id, version, code, size)
     SELECT id, 1, :'v2', octet_length(:'v2') FROM g RETURNING game_id`, someone.id, KEYS).split('\n')[0]);
});

after(() => stopStack(stack));

const user = (prefix) => signUp(stack, prefix);


async function until(what, fn, ms = 20000, every = 100) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}\nsim:\n${stack.simLog.slice(-3000)}\nrp:\n${stack.rpLog.slice(-1500)}`);
    await sleep(every);
  }
}

const actions = (action) => psql(stack.databaseUrl,
  "SELECT target FROM operator_actions WHERE operator_id = :'v1' AND action = :'v2' ORDER BY id", op.id, action)
  .split('\n').filter(Boolean);

// Is the entry of the job still held by a simulator (pending in its group)?
function pendingHas(stream, entryId) {
  return redisRaw(stack.redisUrl, 'XPENDING', stream, 'simulators', '-', '+', '100').includes(entryId);
}

const ROUTES = [
  ['GET', '/api/admin/work'],
  ['POST', `/api/admin/fights/${randomUUID()}/stop`],
  ['POST', `/api/admin/plays/${randomUUID()}/stop`],
  ['GET', '/api/admin/recent'],
  ['GET', '/api/admin/dead-letters'],
  ['POST', '/api/admin/dead-letters/fights/1-1/requeue'],
  ['DELETE', '/api/admin/dead-letters/fights/1-1'],
  ['GET', '/api/admin/health'],
];

test('every route: 401 logged out, 403 without the role, and CSRF on writes', async () => {
  for (const [method, path] of ROUTES) {
    assertError(await anon.req(method, path), 401);
    assertError(await someone.req(method, path), 403, /operator/);
    if (method !== 'GET') assertError(await op.req(method, path, undefined, { csrf: false }), 403, /CSRF/);
  }
});

test('health: web, the simulator and the result processor up, with groups, slots and layers', async () => {
  const h = await until('three services up', async () => {
    const r = await op.get('/api/admin/health');
    assert.equal(r.status, 200, r.text);
    const up = (k) => r.body.services.find((s) => s.kind === k && s.up);
    return up('web') && up('simulator') && up('result-processor') && r.body;
  });
  const sim = h.services.find((s) => s.kind === 'simulator');
  assert.equal(sim.name, SIM);
  assert.equal(sim.slots, 1);
  assert.equal(sim.arcade_slots, 2);
  assert.equal(typeof sim.slots_busy, 'number');
  assert.ok(Array.isArray(sim.layers) && sim.layers.length >= 8, JSON.stringify(sim.layers));
  const seccomp = sim.layers.find((l) => l.layer === 'seccomp');
  assert.ok(seccomp && seccomp.active === true, JSON.stringify(sim.layers));
  const web = h.services.find((s) => s.kind === 'web');
  assert.match(web.name, /:\d+$/);
  assert.equal(typeof web.pid, 'number');
  assert.ok(web.age_ms < 6000);
  assert.ok(Array.isArray(web.last_errors));
  const fights = h.groups.find((g) => g.stream === 'cf:fights' && g.group === 'simulators');
  assert.ok(fights, JSON.stringify(h.groups));
  assert.equal(typeof fights.pending, 'number');
  assert.ok('lag' in fights);
  assert.ok(fights.consumers.some((c) => c.name === SIM));
  assert.ok(h.groups.find((g) => g.stream === 'cf:results' && g.group === 'result-processors'));
  assert.ok(h.streams.find((s) => s.stream === 'cf:fights:dead'));
  // The heartbeat is a hash with an expiry, as docs/streams.md says.
  const ttl = Number(redisRaw(stack.redisUrl, 'PTTL', `cf:service:simulator:${SIM}`).trim());
  assert.ok(ttl > 20000 && ttl <= 30000, `PTTL ${ttl}`);
});

test('a running fight and a running play: listed with their worker and age, stopped in < 1 s', async () => {
  // The fight: my slow bot against the house bot, 1000 ticks.
  const b = await op.post('/api/bots', { name: `slow ${uniq()}`, game: 'tanks', code: SLOW });
  assert.equal(b.status, 201, b.text);
  const f = await op.post('/api/fights/play-now', { bot_id: b.body.id });
  assert.equal(f.status, 201, f.text);
  const fightId = f.body.id;
  // The play: keys.py waits for keys; the arcade's idle limit is a minute.
  const p = await someone.post(`/api/arcade/games/${gameId}/plays`, {});
  assert.equal(p.status, 201, p.text);
  const playId = p.body.play.id;

  const work = await until('both running with a worker and a tick', async () => {
    const r = await op.get('/api/admin/work');
    assert.equal(r.status, 200, r.text);
    const fi = r.body.fights.find((x) => x.id === fightId);
    const pl = r.body.plays.find((x) => x.id === playId);
    return fi && pl && fi.status === 'running' && fi.worker === SIM && fi.tick > 0 &&
      pl.status === 'running' && pl.worker === SIM && r.body;
  });
  const fi = work.fights.find((x) => x.id === fightId);
  assert.equal(fi.game, 'tanks');
  assert.equal(fi.host, op.username);
  assert.ok(fi.age_ms > 0 && fi.age_ms < 60000, JSON.stringify(fi));
  assert.match(fi.entry_id, /^\d+-\d+$/);
  const pl = work.plays.find((x) => x.id === playId);
  assert.deepEqual(pl.game, { id: gameId, title: 'Keys' });
  assert.equal(pl.player, someone.username);
  assert.ok(pl.age_ms >= 0 && pl.duration_ms >= 0, JSON.stringify(pl));

  // The health shows the slots in use.
  await until('slots busy in the heartbeat', async () => {
    const h = await op.get('/api/admin/health');
    const sim = h.body.services.find((s) => s.kind === 'simulator');
    return sim && sim.slots_busy === 1 && sim.arcade_busy >= 1;
  });

  // The recent work is kept a second, but a stop made here shows at once.
  const recentStatus = async () =>
    (await op.get('/api/admin/recent?kind=fight')).body.items.find((x) => x.id === fightId)?.status;
  assert.equal(await recentStatus(), 'running');

  // Stop the fight: cancelled at once, its worker free within a second.
  let t0 = Date.now();
  const sf = await op.post(`/api/admin/fights/${fightId}/stop`);
  assert.equal(sf.status, 200, sf.text);
  assert.deepEqual(sf.body, { kind: 'fight', id: fightId, stopped: true });
  assert.equal((await op.get(`/api/fights/${fightId}`)).body.state, 'cancelled');
  assert.equal(await recentStatus(), 'cancelled');
  await until('the fight released by its worker', () => !pendingHas('cf:fights', fi.entry_id), 5000, 20);
  const fightMs = Date.now() - t0;
  assert.ok(fightMs < 1000, `the fight ended in ${fightMs} ms`);
  assertError(await op.post(`/api/admin/fights/${fightId}/stop`), 409, /cancelled/);

  // Stop the play: its worker free within a second, the play stopped.
  t0 = Date.now();
  const sp = await op.post(`/api/admin/plays/${playId}/stop`);
  assert.equal(sp.status, 200, sp.text);
  await until('the play released by its worker', () => !pendingHas('cf:plays', pl.entry_id), 5000, 20);
  const playMs = Date.now() - t0;
  assert.ok(playMs < 1000, `the play ended in ${playMs} ms`);
  await until('the play stored as stopped', () =>
    psql(stack.databaseUrl, "SELECT status FROM plays WHERE id = :'v1'", playId) === 'stopped', 10000);
  assertError(await op.post(`/api/admin/plays/${playId}/stop`), 409, /over/);

  const after = await op.get('/api/admin/work');
  assert.ok(!after.body.fights.some((x) => x.id === fightId));
  assert.ok(!after.body.plays.some((x) => x.id === playId));
  assert.deepEqual(actions('fight.stop'), [fightId]);
  assert.deepEqual(actions('play.stop'), [playId]);
  // The owner's own cancel still works as before (the shared path).
  const f2 = await op.post('/api/fights/play-now', { bot_id: b.body.id });
  assert.equal(f2.status, 201, f2.text);
  assert.equal((await op.post(`/api/fights/${f2.body.id}/cancel`)).status, 200);
  assert.deepEqual(actions('fight.stop'), [fightId], 'the host cancel is not an operator action');
});

test('stop: unknown or malformed ids are a JSON 404', async () => {
  assertError(await op.post(`/api/admin/fights/${randomUUID()}/stop`), 404);
  assertError(await op.post('/api/admin/fights/not-a-uuid/stop'), 404);
  assertError(await op.post(`/api/admin/plays/${randomUUID()}/stop`), 404);
  assertError(await op.post('/api/admin/plays/%00%ff/stop'), 400);
});

// ---- dead letters ----

function deadIds(stream) {
  return redisRaw(stack.redisUrl, 'XRANGE', stream, '-', '+').split('\n').filter((l) => /^\d+-\d+$/.test(l));
}

async function deadEntry(stream, pred) {
  return until(`a dead letter on ${stream}`, async () => {
    const r = await op.get(`/api/admin/dead-letters?stream=${stream}`);
    assert.equal(r.status, 200, r.text);
    return r.body.items.find(pred);
  });
}

const twoBots = () => JSON.stringify([{ name: 'a.py', code: EMPTY }, { name: 'b.py', code: EMPTY }]);

test('dead fights: listed with the reason, requeued fixed and simulated, requeued bad, discarded', async () => {
  // A broken players field: dead, with its reason, and a failed row.
  const id = randomUUID();
  redis(stack.redisUrl, 'XADD', 'cf:fights', '*', 'id', id, 'game', 'tanks', 'players', '[not json', 'settings', '{"max_ticks": 3}');
  const dead = await deadEntry('fights', (e) => e.fields.id === id);
  assert.equal(dead.stream, 'fights');
  assert.match(dead.reason, /players/);
  assert.equal(dead.source, 'cf:fights');
  assert.equal(dead.fields.players, '[not json');
  assert.match(dead.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  await until('the failed row', () => psql(stack.databaseUrl, "SELECT status FROM fights WHERE id = :'v1'", id) === 'failed');

  // The simulator's warning shows in its heartbeat's last errors.
  await until('the warning in last_errors', async () => {
    const h = await op.get('/api/admin/health');
    const sim = h.body.services.find((s) => s.kind === 'simulator');
    return sim && sim.last_errors.some((l) => l.includes('cf:fights:dead') && l.includes('players'));
  }, 10000, 250);

  // Still bad: refused with the reason, and still dead.
  const bad = await op.post(`/api/admin/dead-letters/fights/${dead.entry_id}/requeue`, { fields: { players: '[]' } });
  assertError(bad, 422, /players/);
  assert.ok(deadIds('cf:fights:dead').includes(dead.entry_id));
  assertError(await op.post(`/api/admin/dead-letters/fights/${dead.entry_id}/requeue`, { fields: { evil: 'x' } }), 400, /evil/);
  assertError(await op.post(`/api/admin/dead-letters/fights/${dead.entry_id}/requeue`, { fields: { players: 7 } }), 400, /players/);
  assertError(await op.post(`/api/admin/dead-letters/fights/${dead.entry_id}/requeue`, { fields: [] }), 400);

  // Fixed: requeued, the row reopened, simulated and stored.
  const rq = await op.post(`/api/admin/dead-letters/fights/${dead.entry_id}/requeue`, { fields: { players: twoBots() } });
  assert.equal(rq.status, 200, rq.text);
  assert.equal(rq.body.id, id);
  assert.match(rq.body.requeued_as, /^\d+-\d+$/);
  assert.ok(!deadIds('cf:fights:dead').includes(dead.entry_id), 'deleted from the dead stream');
  await until('the requeued fight finished', () =>
    psql(stack.databaseUrl, "SELECT status FROM fights WHERE id = :'v1'", id) === 'finished', 30000, 200);
  assertError(await op.post(`/api/admin/dead-letters/fights/${dead.entry_id}/requeue`), 404);

  // Requeued still bad for the simulator only (an unknown game): dead again, with its reason.
  const id2 = randomUUID();
  redis(stack.redisUrl, 'XADD', 'cf:fights', '*', 'id', id2, 'game', 'tanks', 'players', '{}');
  const d2 = await deadEntry('fights', (e) => e.fields.id === id2);
  const rq2 = await op.post(`/api/admin/dead-letters/fights/${d2.entry_id}/requeue`, { fields: { players: twoBots(), game: 'no_such_game' } });
  assert.equal(rq2.status, 200, rq2.text);
  const again = await deadEntry('fights', (e) => e.entry === rq2.body.requeued_as);
  assert.match(again.reason, /game/);

  // Discarded: gone, and recorded with its reason.
  const del = await op.req('DELETE', `/api/admin/dead-letters/fights/${again.entry_id}`);
  assert.equal(del.status, 200, del.text);
  assert.ok(!deadIds('cf:fights:dead').includes(again.entry_id));
  assertError(await op.req('DELETE', `/api/admin/dead-letters/fights/${again.entry_id}`), 404);

  assert.deepEqual(actions('dead_letter.requeue'), [`fights/${dead.entry_id}`, `fights/${d2.entry_id}`]);
  assert.deepEqual(actions('dead_letter.discard'), [`fights/${again.entry_id}`]);
  const detail = JSON.parse(psql(stack.databaseUrl,
    "SELECT detail FROM operator_actions WHERE action = 'dead_letter.discard' AND target = :'v1'", `fights/${again.entry_id}`));
  assert.match(detail.reason, /game/);
});

test('dead plays: listed, requeued fixed and played, and hostile paths', async () => {
  const id = randomUUID();
  redis(stack.redisUrl, 'XADD', 'cf:plays', '*', 'id', id, 'title', 'nothing to run');
  const dead = await deadEntry('plays', (e) => e.fields.id === id);
  assert.match(dead.reason, /code|bundle/);
  assert.equal(dead.source, 'cf:plays');
  await until('the failed play row', () => psql(stack.databaseUrl, "SELECT status FROM plays WHERE id = :'v1'", id) === 'failed');
  assertError(await op.post(`/api/admin/dead-letters/plays/${dead.entry_id}/requeue`, 'not json', { headers: { 'Content-Type': 'application/json' } }), 400);
  assertError(await op.post(`/api/admin/dead-letters/plays/${dead.entry_id}/requeue`, { fields: { code: KEYS, seconds: 'soon' } }), 422, /seconds/);
  const rq = await op.post(`/api/admin/dead-letters/plays/${dead.entry_id}/requeue`, { fields: { code: KEYS, seconds: '2' } });
  assert.equal(rq.status, 200, rq.text);
  await until('the requeued play ran', () =>
    ['stopped', 'finished'].includes(psql(stack.databaseUrl, "SELECT status FROM plays WHERE id = :'v1'", id)), 30000, 200);
  assert.ok(actions('dead_letter.requeue').includes(`plays/${dead.entry_id}`));

  // Hostile: unknown streams and malformed entry ids are 404, bad queries 400.
  assertError(await op.post('/api/admin/dead-letters/results/1-1/requeue'), 404);
  assertError(await op.post('/api/admin/dead-letters/fights/1-1-1/requeue'), 404);
  assertError(await op.post('/api/admin/dead-letters/fights/%2B/requeue'), 404);
  assertError(await op.req('DELETE', '/api/admin/dead-letters/plays/-'), 404);
  assertError(await op.req('DELETE', `/api/admin/dead-letters/plays/${'9'.repeat(30)}-1`), 404);
  assertError(await op.get('/api/admin/dead-letters?stream=results'), 400);
  // A dead entry with bytes that are not UTF-8 and many fields lists as JSON.
  redis(stack.redisUrl, 'XADD', 'cf:plays:dead', '*', 'reason', 'by hand \xff', 'x'.repeat(100), 'y'.repeat(10000));
  const all = await op.get('/api/admin/dead-letters');
  assert.equal(all.status, 200, all.text);
  const odd = all.body.items.find((e) => e.reason && e.reason.startsWith('by hand'));
  assert.ok(odd && odd.truncated.length === 1, JSON.stringify(odd).slice(0, 300));
});

test('recent: newest first, filters, failed first with the reason', async () => {
  const all = await op.get('/api/admin/recent');
  assert.equal(all.status, 200, all.text);
  assert.ok(all.body.items.length >= 4);
  const times = all.body.items.map((i) => i.created_at);
  assert.deepEqual([...times].sort().reverse(), times);
  const fights = await op.get('/api/admin/recent?kind=fight');
  assert.ok(fights.body.items.length > 0 && fights.body.items.every((i) => i.kind === 'fight' && Array.isArray(i.verdicts)));
  const plays = await op.get('/api/admin/recent?kind=play');
  assert.ok(plays.body.items.length > 0 && plays.body.items.every((i) => i.kind === 'play' && typeof i.game === 'object'));
  const cancelled = await op.get('/api/admin/recent?status=cancelled');
  assert.ok(cancelled.body.items.length >= 1 && cancelled.body.items.every((i) => i.status === 'cancelled'));
  const ff = await op.get('/api/admin/recent?failed_first=true');
  assert.equal(ff.body.items[0].status, 'failed', JSON.stringify(ff.body.items[0]));
  assert.notEqual(all.body.items[0].status === 'failed' && all.body.items[1].status === 'failed', true);
  assert.ok(ff.body.items[0].reason.length > 0);
  const one = await op.get('/api/admin/recent?limit=1');
  assert.equal(one.body.items.length, 1);
  assertError(await op.get('/api/admin/recent?kind=bots'), 400, /kind/);
  assertError(await op.get('/api/admin/recent?status=%27;drop'), 400, /status/);
  assertError(await op.get('/api/admin/recent?failed_first=maybe'), 400);
  assertError(await op.get('/api/admin/recent?limit=101'), 400);
  assertError(await op.get('/api/admin/recent?limit=0'), 400);
});

test('a service that dies shows down once its heartbeat is stale', async () => {
  const rp = spawn(bins.resultProcessor, [], {
    env: {
      PATH: process.env.PATH,
      CF_DATABASE_URL: stack.databaseUrl,
      CF_REDIS_URL: stack.redisUrl,
      CF_RESULT_PROCESSOR_USER: 'nobody',
      CF_RESULT_PROCESSOR_CONSUMER: 'rp-doomed',
      ASAN_OPTIONS: 'detect_leaks=0',
    },
    stdio: 'ignore',
  });
  try {
    const find = async () => (await op.get('/api/admin/health')).body.services.find((s) => s.name === 'rp-doomed');
    await until('rp-doomed up', async () => { const s = await find(); return s && s.up; });
    rp.kill('SIGKILL');
    const down = await until('rp-doomed down', async () => { const s = await find(); return s && !s.up && s; }, 15000, 250);
    assert.ok(down.age_ms > 6000, JSON.stringify(down));
    assert.equal(down.state, 'running', 'it never said it stopped');
  } finally {
    if (rp.exitCode === null) rp.kill('SIGKILL');
  }
});
