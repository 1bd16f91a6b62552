// plays.test.mjs — the arcade's plays through cf-web, end to end on the real
// stack: cf-web, cf-simulator (root: the real sandbox, two arcade workers),
// cf-result-processor, PostgreSQL and Redis. Games are put in the database
// directly (their upload is another suite's): the game of
// tests/integration/games/keys.py counts "up" keys and ends on "q".
//   node --test tests/web/api/plays.test.mjs   (CF_WEB_BIN, CF_MIGRATE_BIN,
//   CF_RESULT_PROCESSOR_BIN, CF_SIMULATOR_BIN, CF_SOURCE_DIR, CF_DATABASE_URL,
//   CF_REDIS_URL; see CMakeLists.txt)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWeb, Client, psql, SANITIZER, stopStack, assertError, binsFromEnv, signUp, sleep, uniq } from './stack.mjs';

const bins = binsFromEnv('web', 'migrate', 'resultProcessor', 'simulator', 'source');

const KEYS = readFileSync(join(bins.source, 'tests', 'integration', 'games', 'keys.py'), 'utf8');

let stack;
let owner; // a user who owns the games
let game; // keys.py, public
let hidden; // keys.py, hidden

before(async () => {
  stack = await startWeb({ ...bins, simulatorEnv: { CF_ARCADE_IDLE_S: '20' } });
  owner = await user('owner');
  game = addGame(owner.id, 'Keys', KEYS, false);
  hidden = addGame(owner.id, 'Hidden keys', KEYS, true);
});

after(() => stopStack(stack));

const user = (prefix) => signUp(stack, prefix);

function addGame(ownerId, title, code, isHidden) {
  return Number(psql(stack.databaseUrl,
    `WITH g AS (INSERT INTO arcade_games (owner_id, title, hidden) VALUES (:'v1', :'v2', :'v3') RETURNING id)
     INSERT INTO arcade_game_versions (game_id, version, code, size)
     SELECT id, 1, :'v4', octet_length(:'v4') FROM g RETURNING game_id`,
    ownerId, title, isHidden ? 'true' : 'false', code).split('\n')[0]);
}


// A Server-Sent Events reader: events as they come, next() waits for one.
class Events {
  constructor(client, playId) {
    this.queue = [];
    this.waiters = [];
    this.closed = false;
    this.ctl = new AbortController();
    const headers = client.cookies() ? { Cookie: client.cookies() } : {};
    this.ready = fetch(`${stack.baseURL}/api/plays/${playId}/events`, { headers, signal: this.ctl.signal })
      .then((res) => { this.status = res.status; this.pump(res.body.getReader()); return res; });
  }

  async pump(reader) {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let at;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          const ev = { event: 'message', data: '' };
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) ev.event = line.slice(7);
            else if (line.startsWith('data: ')) ev.data += line.slice(6);
          }
          if (ev.data === '') continue; // retry: and comments
          ev.json = JSON.parse(ev.data);
          this.push(ev);
        }
      }
    } catch { /* aborted */ }
    this.closed = true;
    this.push(null);
  }

  push(ev) {
    const w = this.waiters.shift();
    if (w) w(ev); else this.queue.push(ev);
  }

  async next(ms = 20000) {
    if (this.queue.length) return this.queue.shift();
    return Promise.race([
      new Promise((r) => this.waiters.push(r)),
      sleep(ms).then(() => { throw new Error(`no event within ${ms} ms`); }),
    ]);
  }

  // Events until one matches; returns it (the skipped ones in this.seen).
  async until(pred, ms = 20000) {
    const t0 = Date.now();
    for (;;) {
      const ev = await this.next(Math.max(1, ms - (Date.now() - t0)));
      if (ev === null) throw new Error('the stream ended first');
      (this.seen ||= []).push(ev);
      if (pred(ev)) return ev;
    }
  }

  close() { this.ctl.abort(); }
}

const isMsg = (type, f = () => true) => (ev) => ev.event === 'msg' && ev.json.type === type && f(ev.json);
const key = (k) => ({ type: 'key', key: k });

async function start(c, gameId = game) {
  const r = await c.post(`/api/arcade/games/${gameId}/plays`, {});
  assert.equal(r.status, 201, r.text);
  return r.body.play;
}

async function getPlay(c, id) {
  const r = await c.get(`/api/plays/${id}`);
  assert.equal(r.status, 200, r.text);
  return r.body.play;
}

async function waitPlay(c, id, pred, what, ms = 20000) {
  for (let t = 0; t < ms; t += 200) {
    const p = await getPlay(c, id);
    if (pred(p)) return p;
    await sleep(200);
  }
  throw new Error(`timed out waiting for play ${id}: ${what}`);
}

test('anyone plays: queued, its display live, keys, the end stored', async () => {
  const anon = new Client(stack.baseURL);
  const r = await anon.post(`/api/arcade/games/${game}/plays`, {});
  assert.equal(r.status, 201, r.text);
  assert.match(r.headers.get('set-cookie'), /cf_visitor=[0-9a-f]{32}; Path=\/; HttpOnly; SameSite=Lax/);
  const play = r.body.play;
  assert.equal(play.mine, true);
  assert.deepEqual(play.game, { id: game, title: 'Keys' });
  assert.equal(play.version, 1);
  assert.ok(['queued', 'running'].includes(play.status), play.status);

  const ev = new Events(anon, play.id);
  const first = await ev.next();
  assert.equal(first.event, 'state');
  await ev.until((e) => e.event === 'screen');
  await ev.until(isMsg('sprite', (m) => m.sprite.id === 'ball'));
  const sent = await anon.post(`/api/plays/${play.id}/input`, { events: [key('up'), key('up')] });
  assert.equal(sent.status, 204, sent.text);
  await ev.until(isMsg('report_score', (m) => m.score === 2));
  assert.equal((await anon.post(`/api/plays/${play.id}/input`, { events: [key('q')] })).status, 204);
  const end = await ev.until((e) => e.event === 'end');
  assert.equal(end.json.type, 'end');
  assert.equal(end.json.status, 'finished');
  assert.equal(end.json.score, 2);
  assert.equal(end.json.log, 'bye after 2 points\n');
  await ev.next().then((e) => assert.equal(e, null, 'the stream closes after the end'));
  assert.ok([first, ...ev.seen].some((e) => e.event === 'state' && e.json.status === 'running'));

  const stored = await waitPlay(anon, play.id, (p) => p.status === 'finished', 'stored');
  assert.equal(stored.score, 2);
  assert.equal(stored.verdict, 'ok');
  assert.equal(stored.log, 'bye after 2 points\n');
  assert.ok(stored.elapsed_ms > 0 && stored.started_at && stored.finished_at);
  // Someone else sees the play, not its log, and cannot steer it.
  const other = new Client(stack.baseURL);
  const seen = await getPlay(other, play.id);
  assert.equal(seen.mine, false);
  assert.equal(seen.log, undefined);
  assertError(await other.post(`/api/plays/${play.id}/input`, { events: [key('up')] }), 404);
  assertError(await anon.post(`/api/plays/${play.id}/input`, { events: [key('up')] }), 409, /over/);
  assertError(await anon.post(`/api/plays/${play.id}/stop`), 409);
});

test('a late viewer gets the screen at once, its player stops the play', async () => {
  const u = await user('player');
  const play = await start(u);
  const ev = new Events(u, play.id);
  await ev.until(isMsg('sprite', (m) => m.sprite.id === 'ball'));
  assert.equal((await u.post(`/api/plays/${play.id}/input`, { events: [key('up')] })).status, 204);
  await ev.until(isMsg('report_score', (m) => m.score === 1));
  await sleep(700); // the simulator writes the screen at most twice a second

  const late = new Events(new Client(stack.baseURL), play.id);
  const state = await late.next();
  assert.deepEqual(state.json, { status: 'running', position: null });
  const screen = await late.next();
  assert.equal(screen.event, 'screen');
  const types = screen.json.messages.map((m) => m.type);
  assert.ok(types.includes('playground_config'), types.join());
  const ball = screen.json.messages.find((m) => m.type === 'sprite' && m.sprite.id === 'ball');
  assert.equal(ball.sprite.pos_y, 1, JSON.stringify(ball));

  // A stranger cannot stop it; its player can, within a second or so.
  assertError(await new Client(stack.baseURL).post(`/api/plays/${play.id}/stop`), 404);
  const stop = await u.post(`/api/plays/${play.id}/stop`);
  assert.equal(stop.status, 202, stop.text);
  const end = await ev.until((e) => e.event === 'end', 5000);
  assert.equal(end.json.status, 'stopped');
  assert.equal(end.json.detail, 'stopped on request');
  const lateEnd = await late.until((e) => e.event === 'end', 5000);
  assert.equal(lateEnd.json.status, 'stopped');
  assert.equal(lateEnd.json.log, '', 'the log is its player\'s');
  await waitPlay(u, play.id, (p) => p.status === 'stopped', 'stored as stopped');
  // A viewer of a play that is over gets its end from the database.
  const after = new Events(u, play.id);
  await after.until((e) => e.event === 'end');
});

test('a play the simulator runs is stopped there, whatever the database still says', async () => {
  // The database learns "running" from the result processor: paused, it
  // keeps saying queued while the play runs. A stop must not end it as
  // "stopped before it started" (its score and log would be lost).
  const c = new Client(stack.baseURL);
  stack.rp.kill('SIGSTOP');
  let stopped;
  try {
    const play = await start(c);
    const ev = new Events(c, play.id);
    await ev.until(isMsg('sprite', (m) => m.sprite.id === 'ball'));
    assert.equal((await c.post(`/api/plays/${play.id}/input`, { events: [key('up')] })).status, 204);
    await ev.until(isMsg('report_score', (m) => m.score === 1));
    assert.equal((await getPlay(c, play.id)).status, 'queued', 'the database does not know yet');
    stopped = await c.post(`/api/plays/${play.id}/stop`);
    assert.equal(stopped.status, 202, stopped.text);
    assert.equal(stopped.body.play.status, 'queued', 'left to its simulator');
    const end = await ev.until((e) => e.event === 'end', 5000);
    assert.equal(end.json.detail, 'stopped on request');
  } finally {
    stack.rp.kill('SIGCONT');
  }
  const stored = await waitPlay(c, stopped.body.play.id, (p) => p.status === 'stopped', 'stored');
  assert.equal(stored.detail, 'stopped on request');
  assert.equal(stored.score, 1);
});

test('input is checked: events, sizes, types', async () => {
  const c = new Client(stack.baseURL);
  const play = await start(c);
  const path = `/api/plays/${play.id}/input`;
  assertError(await c.post(path, {}), 400, /events/);
  assertError(await c.post(path, { events: [] }), 400, /events/);
  assertError(await c.post(path, { events: 'up' }), 400, /events/);
  assertError(await c.post(path, { events: Array.from({ length: 65 }, () => key('up')) }), 400, /events/);
  assertError(await c.post(path, { events: [{ type: 'exec', cmd: 'rm' }] }), 400, /events\[0\]/);
  assertError(await c.post(path, { events: [key('up'), 7] }), 400, /events\[1\]/);
  assertError(await c.post(path, { events: [{ type: 'key', key: 'x'.repeat(9000) }] }), 400, /8192/);
  assertError(await c.post('/api/plays/not-a-uuid/input', { events: [key('up')] }), 404);
  assertError(await c.post('/api/plays/00000000-0000-4000-8000-000000000000/input', { events: [key('up')] }), 404);
  assertError(await c.post(path, { events: [key('up')] }, { csrf: false }), 403, /CSRF/);
  assert.equal((await c.post(`/api/plays/${play.id}/stop`)).status, 202);
});

test('an input flood is cut at the web, and the game goes on', async () => {
  const c = new Client(stack.baseURL);
  const play = await start(c);
  const ev = new Events(c, play.id);
  await ev.until(isMsg('sprite', (m) => m.sprite.id === 'ball'));
  const many = Array.from({ length: 64 }, () => key('up'));
  const answers = await Promise.all(Array.from({ length: 120 }, () => c.post(`/api/plays/${play.id}/input`, { events: many })));
  const codes = new Set(answers.map((a) => a.status));
  assert.ok(answers.some((a) => a.status === 429), [...codes].join());
  assert.ok([...codes].every((s) => s === 204 || s === 429), [...codes].join());
  const limited = answers.find((a) => a.status === 429);
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  await sleep(1100);
  assert.equal((await c.post(`/api/plays/${play.id}/input`, { events: [key('q')] })).status, 204);
  const end = await ev.until((e) => e.event === 'end', 30000);
  assert.equal(end.json.status, 'finished', JSON.stringify(end.json));
  assert.ok(end.json.score > 0);
});

test('one running play per player: a second one stops the first', async () => {
  const u = await user('twice');
  const a = await start(u);
  await waitPlay(u, a.id, (p) => p.status === 'running', 'a running');
  const b = await start(u);
  const stoppedA = await waitPlay(u, a.id, (p) => p.status === 'stopped', 'a stopped', 10000);
  assert.equal(stoppedA.detail, 'stopped on request');
  await waitPlay(u, b.id, (p) => p.status === 'running', 'b running');
  // The same for a visitor, by its cookie.
  const v = new Client(stack.baseURL);
  const va = await start(v);
  const vb = await start(v);
  await waitPlay(v, va.id, (p) => ['stopped'].includes(p.status), 'the visitor\'s first stopped', 10000);
  for (const [c, p] of [[u, b], [v, vb]]) assert.equal((await c.post(`/api/plays/${p.id}/stop`)).status, 202);
});

test('a full arcade queues plays, with their place, and a queued play stops at once', async () => {
  // Two arcade workers: two plays fill them.
  const busy = [];
  for (let i = 0; i < 2; i++) {
    const c = new Client(stack.baseURL);
    const p = await start(c);
    await waitPlay(c, p.id, (x) => x.status === 'running', 'running');
    busy.push([c, p]);
  }
  const third = new Client(stack.baseURL);
  const q = await start(third);
  const ev = new Events(third, q.id);
  const state = await ev.next();
  assert.deepEqual(state.json, { status: 'queued', position: 1 });
  const fourth = new Client(stack.baseURL);
  const q2 = await start(fourth);
  assert.equal((await getPlay(fourth, q2.id)).position, 2);
  // The queued one stops before it starts.
  const stop = await fourth.post(`/api/plays/${q2.id}/stop`);
  assert.equal(stop.status, 202);
  assert.equal(stop.body.play.status, 'stopped');
  assert.equal(stop.body.play.detail, 'stopped before it started');
  // A worker frees: the third one runs.
  assert.equal((await busy[0][0].post(`/api/plays/${busy[0][1].id}/stop`)).status, 202);
  await ev.until((e) => e.event === 'state' && e.json.status === 'running', 15000);
  for (const [c, p] of [busy[1], [third, q]]) assert.equal((await c.post(`/api/plays/${p.id}/stop`)).status, 202);
  await sleep(1500);
  assert.doesNotMatch(stack.simLog, new RegExp(`play ${q2.id} \\(.*\\) started`), 'the stopped queued play never ran');
});

test('hidden games and best scores', async () => {
  const stranger = new Client(stack.baseURL);
  assertError(await stranger.post(`/api/arcade/games/${hidden}/plays`, {}), 404);
  assertError(await stranger.get(`/api/arcade/games/${hidden}/plays`), 404);
  assertError(await stranger.post('/api/arcade/games/999999/plays', {}), 404);
  assertError(await stranger.post('/api/arcade/games/abc/plays', {}), 404);
  // Its owner plays it.
  const p = await start(owner, hidden);
  assert.equal((await owner.post(`/api/plays/${p.id}/stop`)).status, 202);
  // Scores: the first test's 2 and the flood's, best first, anonymous as null.
  const s = await stranger.get(`/api/arcade/games/${game}/plays?limit=50`);
  assert.equal(s.status, 200, s.text);
  assert.ok(s.body.plays.length >= 2);
  for (let i = 1; i < s.body.plays.length; i++) assert.ok(s.body.plays[i - 1].score >= s.body.plays[i].score);
  assert.ok(s.body.plays.some((x) => x.score === 2 && x.player === null && x.status === 'finished'));
  assertError(await stranger.get(`/api/arcade/games/${game}/plays?limit=0`), 400);
});

test('the services are well after it all', async () => {
  await sleep(500);
  assert.equal(stack.proc.exitCode, null);
  assert.equal(stack.sim.exitCode, null, stack.simLog.slice(-3000));
  assert.doesNotMatch(stack.log, SANITIZER);
});
