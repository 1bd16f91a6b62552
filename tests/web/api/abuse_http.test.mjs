// abuse_http.test.mjs — the attacks of issue 15 on cf-web's connections,
// each reproduced against the real service on loopback, bounded in count and
// time: the descriptor limit, live streams hoarded and one that would never
// end. cf-web runs with small limits (env) so the counts stay small. A
// second client address is 127.0.0.2 (all of 127/8 is local). (The request
// deadline, connection caps and refusing a body from its headers are not
// built yet: issue 15 stays open for them.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startWeb, Client } from './stack.mjs';

const bins = { web: process.env.CF_WEB_BIN, migrate: process.env.CF_MIGRATE_BIN, source: process.env.CF_SOURCE_DIR };
for (const [k, v] of Object.entries(bins)) if (!v) throw new Error(`set CF_${k.toUpperCase()}_BIN / CF_SOURCE_DIR`);

const LIMITS = {
  CF_WEB_LIVE_MAX_PER_IP: '3',
  CF_WEB_LIVE_MAX_PER_USER: '3',
  CF_WEB_LIVE_MAX_SECONDS: '3',
};
let stack;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const uniq = () => randomBytes(4).toString('hex');
const port = () => Number(new URL(stack.baseURL).port);

before(async () => { stack = await startWeb({ ...bins, env: LIMITS }); });
after(async () => {
  if (!stack) return;
  await stack.stop();
  assert.doesNotMatch(stack.log, /AddressSanitizer|LeakSanitizer|runtime error:/, stack.log.slice(-4000));
  assert.equal(stack.exitCode, 0, stack.log.slice(-2000));
});

// A raw connection: what it received, and when the server closed it.
function raw(p, { localAddress } = {}) {
  const s = connect({ host: '127.0.0.1', port: p, localAddress });
  const c = { sock: s, text: '', closedAt: null, openedAt: Date.now() };
  s.setEncoding('latin1');
  s.on('data', (d) => { c.text += d; });
  s.on('error', () => {});
  s.on('close', () => { c.closedAt = Date.now(); });
  c.ready = new Promise((r) => s.once('connect', r));
  return c;
}

async function until(fn, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return true;
    await sleep(25);
  }
  return fn();
}

// GET path from another address, timed.
function getFrom(localAddress, path, headers = {}) {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: port(), path, localAddress, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body, ms: Date.now() - t0 }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function signup() {
  const c = new Client(stack.baseURL);
  const r = await c.post('/api/signup', { username: `ab_${uniq()}`, password: 'password-123' });
  assert.equal(r.status, 201, r.text);
  return c;
}

// An SSE stream from address (fetch cannot choose one: node's http can).
function stream(path, { localAddress, cookie } = {}) {
  return new Promise((resolve, reject) => {
    const headers = cookie ? { Cookie: cookie } : {};
    const req = http.get({ host: '127.0.0.1', port: port(), path, localAddress, headers, agent: false }, (res) => {
      const s = { status: res.statusCode, text: '', endedAt: null, close: () => req.destroy() };
      res.setEncoding('utf8');
      res.on('data', (d) => { s.text += d; });
      res.on('end', () => { s.endedAt = Date.now(); });
      res.on('error', () => {});
      resolve(s);
    });
    req.on('error', reject);
  });
}

test('live streams: an address or account over its cap gets 429, others still get streams; a stream ends at its lifetime', async () => {
  const owner = await signup();
  const b = (await owner.post('/api/bots', { name: `b ${uniq()}`, game: 'tanks', code: 'class Main:\n    pass\n' })).body;
  const f = (await owner.post('/api/fights', { game: 'tanks', bot_id: b.id, public: true })).body;
  assert.ok(f.id, JSON.stringify(f));
  const path = `/api/fights/${f.id}/events`;

  const mine = [];
  for (let i = 0; i < 3; i++) mine.push(await stream(path));
  assert.deepEqual(mine.map((s) => s.status), [200, 200, 200]);
  const over = await stream(path);
  await until(() => over.endedAt !== null, 1000);
  assert.equal(over.status, 429, over.text);
  assert.match(over.text, /"error":"too many live streams/);
  const other = await stream(path, { localAddress: '127.0.0.2' });
  assert.equal(other.status, 200, 'another address still gets a stream');

  // An account's streams are counted by account.
  const u = [];
  for (let i = 0; i < 3; i++) u.push(await stream('/api/events', { cookie: owner.cookie, localAddress: '127.0.0.3' }));
  assert.deepEqual(u.map((s) => s.status), [200, 200, 200]);
  const uOver = await stream('/api/events', { cookie: owner.cookie, localAddress: '127.0.0.4' });
  assert.equal(uOver.status, 429);

  // web.live_max_seconds = 3: every stream ends with a "reconnect" event.
  assert.ok(await until(() => other.endedAt !== null, 5000), 'the stream outlived web.live_max_seconds');
  assert.match(other.text, /event: reconnect\ndata: \{"reason":"max_lifetime"\}/);
  for (const s of [...mine, ...u, other]) s.close();
});

test('at the descriptor limit: accept backs off, logs a bounded number of lines, /healthz answers after', async () => {
  // A cf-web of its own, a low RLIMIT_NOFILE set after start.
  const lim = await startWeb(bins);
  try {
    const p = Number(new URL(lim.baseURL).port);
    execFileSync('prlimit', [`--pid=${lim.proc.pid}`, '--nofile=128:128']);
    const logBefore = lim.log.length;
    const socks = [];
    for (let i = 0; i < 160; i++) socks.push(raw(p));
    await Promise.all(socks.map((s) => s.ready.catch(() => {})));
    await sleep(3000);
    const lines = lim.log.slice(logBefore).split('\n').filter((l) => /accept/i.test(l)).length;
    for (const s of socks) s.sock.destroy();
    await sleep(300);
    const t0 = Date.now();
    const r = await fetch(`${lim.baseURL}/healthz`, { signal: AbortSignal.timeout(3000) });
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 < 2000, `/healthz took ${Date.now() - t0} ms after the flood`);
    assert.ok(lines >= 1 && lines <= 5, `${lines} log lines about accept in 3 s`);
  } finally {
    await lim.stop();
  }
});
