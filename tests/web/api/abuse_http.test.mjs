// abuse_http.test.mjs — the attacks of issue 15 on cf-web's connections,
// each reproduced against the real service on loopback, bounded in count and
// time: the descriptor limit, live streams hoarded and one that would never
// end, a request trickled a byte at a time (slowloris), connections hoarded
// from one address, bodies held before any check, CONNECT and Expect:
// 100-continue holding the socket. cf-web runs with small limits (env) so
// the counts stay small. A second client address is 127.0.0.2 (all of 127/8
// is local).
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
  CF_WEB_REQUEST_TIMEOUT_S: '2',
  CF_WEB_REQUEST_MAX_S: '5',
  CF_WEB_REQUEST_MIN_RATE: '1000',
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

// The resident memory of a process, in MiB.
function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) / 1024;
}

test('slowloris: a request trickled a byte at a time is answered 408 at its deadline; a slow but steady body is not', async () => {
  // Before: the read timeout restarted on every byte, so a header trickled
  // one byte every 300 ms was held as long as the client liked.
  const c = raw(port());
  await c.ready;
  const head = 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200);
  let i = 0;
  const trickle = setInterval(() => { if (c.closedAt === null && i < head.length) c.sock.write(head[i++]); }, 300);
  try {
    assert.ok(await until(() => c.closedAt !== null, 4500), `still open after ${Date.now() - c.openedAt} ms and ${i} bytes`);
  } finally {
    clearInterval(trickle);
  }
  const held = c.closedAt - c.openedAt;
  assert.ok(held >= 1900 && held < 3500, `closed after ${held} ms (web.request_timeout_s = 2)`);
  assert.match(c.text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.match(c.text, /Content-Type: application\/json/);
  assert.match(c.text, /"error":"the request did not arrive within its deadline \(2 s\)"/);

  // An idle connection: the same deadline from its opening.
  const idle = raw(port());
  await idle.ready;
  assert.ok(await until(() => idle.closedAt !== null, 3500), 'an idle connection outlived the deadline');
  assert.match(idle.text, / 408 /);

  // A body sent steadily (8 KiB every 250 ms, well over 1000 bytes/s) for
  // 3 s: each byte buys time, so it passes the 2 s deadline and is answered.
  const body = JSON.stringify({ username: 'nobody', password: 'x'.repeat(60000) });
  const steady = raw(port());
  await steady.ready;
  steady.sock.write(`POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
  for (let at = 0; at < body.length; at += 5000) {
    steady.sock.write(body.slice(at, at + 5000));
    await sleep(250);
  }
  assert.ok(await until(() => /\r\n\r\n/.test(steady.text), 3000), 'no answer to the steady body');
  assert.doesNotMatch(steady.text, / 408 /);
  assert.match(steady.text, /^HTTP\/1\.1 (400|401|403|429) /);
  steady.sock.destroy();
});

test('connection caps: past web.max_connections_per_ip an address gets 503, others still connect; past web.max_connections everyone does', async () => {
  // Before: 2,000 idle sockets from one address were all accepted.
  const lim = await startWeb({ ...bins, env: { CF_WEB_MAX_CONNECTIONS_PER_IP: '6', CF_WEB_MAX_CONNECTIONS: '10', CF_WEB_THREADS: '2' } });
  const socks = [];
  try {
    const p = Number(new URL(lim.baseURL).port);
    const open = async (localAddress) => { const c = raw(p, { localAddress }); socks.push(c); await c.ready; return c; };
    // Addresses of their own: the harness keeps a connection from 127.0.0.1.
    const mine = [];
    for (let i = 0; i < 8; i++) mine.push(await open('127.0.0.5'));
    await sleep(300);
    const refused = mine.filter((c) => / 503 /.test(c.text));
    assert.equal(refused.length, 2, mine.map((c) => c.text.slice(0, 40)).join(' | '));
    for (const c of refused) {
      assert.ok(c.closedAt !== null, 'a refused connection is closed');
      assert.match(c.text, /"error":"too many connections from this address/);
    }
    // Another address still gets in, up to the total of 10 (6 held above,
    // and the harness's own connection, if it kept one).
    const other = [];
    for (let i = 0; i < 4; i++) other.push(await open('127.0.0.6'));
    await sleep(300);
    const inside = other.filter((c) => c.text === '' && c.closedAt === null).length;
    assert.ok(inside >= 3, `another address got ${inside} of 4 under its cap`);
    for (const c of other.filter((c) => c.text !== '')) assert.match(c.text, /"error":"too many connections: try again later"/);
    const third = await open('127.0.0.7');
    assert.ok(await until(() => third.closedAt !== null, 1000));
    assert.match(third.text, / 503 [^]*"error":"too many connections: try again later"/);
    // Closing frees the places: the count follows the connections.
    for (const c of mine) c.sock.destroy();
    await sleep(300);
    const back = await getFrom('127.0.0.7', '/healthz');
    assert.equal(back.status, 200);
    assert.match(lim.log, /connection refused: 503 too many connections from this address/);
  } finally {
    for (const c of socks) c.sock.destroy();
    await lim.stop();
  }
  assert.doesNotMatch(lim.log, /AddressSanitizer|LeakSanitizer|runtime error:/, lim.log.slice(-4000));
});

test('bodies: a route takes only its own limit, refused from the headers; nothing of a refused body is held', async () => {
  // Before: every route buffered up to the largest body any route takes
  // (19 MiB), before any check: 200 near-complete bodies took 260 MB. A
  // cf-web of its own, without ASan's quarantine (freed memory kept back
  // would count as held).
  const lim = await startWeb({ ...bins, env: { ASAN_OPTIONS: 'detect_leaks=0:quarantine_size_mb=0:thread_local_quarantine_size_kb=0' } });
  const conns = [];
  try {
    const p = Number(new URL(lim.baseURL).port);
    const before = rssMiB(lim.proc.pid);
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 40; i++) {
      const c = raw(p);
      conns.push(c);
      await c.ready;
      c.sock.write(`POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${4 * 1048576}\r\n\r\n`);
      for (let k = 0; k < 16; k++) c.sock.write(chunk); /* 1 MiB of 4, never finished */
    }
    await sleep(1000);
    const grown = rssMiB(lim.proc.pid) - before;
    assert.ok(grown < 16, `cf-web grew ${grown.toFixed(1)} MiB holding 40 MiB of refused bodies`);
  } finally {
    for (const c of conns) c.sock.destroy();
    await lim.stop();
  }

  // Expect: 100-continue with a length over the route's limit: 413 at once,
  // from the headers, and closed (before: held 60 s).
  const e = raw(port());
  await e.ready;
  const t0 = Date.now();
  e.sock.write('POST /api/bots HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\nExpect: 100-continue\r\n\r\n');
  assert.ok(await until(() => e.closedAt !== null, 1500), 'Expect: 100-continue with a huge length held the connection');
  assert.ok(e.closedAt - t0 < 1000);
  assert.match(e.text, /^HTTP\/1\.1 413 Payload Too Large\r\n[^]*"error":"request body is too large: bot code is limited to \d+ bytes"/);
  assert.doesNotMatch(e.text, /100 Continue/);

  // Under the limit, Expect: 100-continue goes on as HTTP says.
  const ok = raw(port());
  await ok.ready;
  ok.sock.write('POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n');
  assert.ok(await until(() => /100 Continue/.test(ok.text), 1500), ok.text);
  ok.sock.destroy();

  // CONNECT: 405 at once and closed (before: held 60 s).
  const cn = raw(port());
  await cn.ready;
  const t1 = Date.now();
  cn.sock.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
  assert.ok(await until(() => cn.closedAt !== null, 1500), 'CONNECT held the connection');
  assert.ok(cn.closedAt - t1 < 1000);
  assert.match(cn.text, /^HTTP\/1\.1 405 Method Not Allowed\r\n[^]*"error":"method not allowed"/);
});
