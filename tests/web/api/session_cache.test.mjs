// session_cache.test.mjs — cf-web's session cache (web/session_cache.c)
// never outlives what ends a session: every way a session ends (log-out,
// password change, password reset, deactivation) refuses the old cookie
// on the very next request, in the process that ended it and, through
// cf:web:revocations, in another cf-web process on the same database and
// Redis; a role change shows at once; a process whose revocation reader
// cannot read (Redis unreachable, or silent) stops using its cache; and
// what no revocation reports (a session deleted by hand) lasts at most
// web.session_cache_ms.
//
// Each check first warms the cache (two reads), and the second process
// keeps its copies a minute (CF_WEB_SESSION_CACHE_MS), so a refusal there
// can only come from the revocation or the lease, not from the copy
// running out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import {
  freePort,
  startWeb, Client, psql, binsFromEnv, signUp, sleep, SANITIZER,
} from './stack.mjs';

const bins = binsFromEnv('web', 'migrate', 'source');
const CACHE_MS = 1500; // the first process's copies
let stack;
let second; // another cf-web on the same database and Redis
let quiet; // a third, whose Redis goes through a proxy the tests cut

before(async () => {
  stack = await startWeb({ ...bins, env: { CF_WEB_SESSION_CACHE_MS: String(CACHE_MS) } });
  second = await startAnother(stack.redisUrl);
});

after(async () => {
  for (const p of [quiet, second]) if (p) await p.stop();
  if (quiet) quiet.proxy.close();
  if (!stack) return;
  await stack.stop();
  for (const log of [stack.log, second ? second.log : '', quiet ? quiet.log : ''])
    assert.doesNotMatch(log, SANITIZER, log.slice(-4000));
  assert.equal(stack.exitCode, 0, stack.log.slice(-2000));
});

// Another cf-web process on the test's database, with redisUrl, caching
// sessions a minute.
async function startAnother(redisUrl) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH,
    CF_DATABASE_URL: stack.databaseUrl,
    CF_REDIS_URL: redisUrl,
    CF_WEB_LISTEN: `127.0.0.1:${port}`,
    CF_WEB_STATIC_DIR: join(bins.source, 'web', 'static'),
    CF_WEB_GAMES_DIR: join(bins.source, 'games'),
    CF_WEB_SESSION_CACHE_MS: '60000',
    ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1',
  };
  const p = { base, log: '', proc: spawn(bins.web, [], { env, stdio: ['ignore', 'pipe', 'pipe'] }) };
  p.proc.stdout.on('data', (d) => { p.log += d; });
  p.proc.stderr.on('data', (d) => { p.log += d; });
  p.stop = async () => {
    if (p.proc.exitCode !== null) return;
    p.proc.kill('SIGTERM');
    for (let i = 0; i < 100 && p.proc.exitCode === null; i++) await sleep(100);
    if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
  };
  for (let i = 0; ; i++) {
    if (p.proc.exitCode !== null) throw new Error(`cf-web exited at start:\n${p.log}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch { /* not yet */ }
    if (i > 100) throw new Error(`cf-web did not answer:\n${p.log}`);
    await sleep(200);
  }
  // Its revocation reader reads from its start; the cache serves once it
  // has (within the reader's first XREAD, a second).
  await sleep(1500);
  return p;
}

// The same session (cookie) on another process.
function onProcess(c, base) {
  const o = new Client(base);
  o.cookie = c.cookie;
  return o;
}

const status = async (c, path = '/api/account') => (await c.get(path)).status;

// Reads twice, so that the session is in that process's cache.
async function warm(c) {
  assert.equal(await status(c), 200);
  assert.equal(await status(c), 200);
}

test('a cached session serves reads; one deleted by hand lasts at most web.session_cache_ms', async () => {
  const a = await signUp(stack, 'sc');
  await warm(a);
  psql(stack.databaseUrl, "DELETE FROM sessions WHERE user_id = :'v1'", a.id);
  // no revocation says so: the copy serves reads until it runs out...
  assert.equal(await status(a), 200, 'the cached session serves a read');
  // ...but never a change: those ask PostgreSQL
  assert.equal((await a.patch('/api/account', { about: 'x' })).status, 401);
  await sleep(CACHE_MS + 200);
  assert.equal(await status(a), 401, 'the copy outlived web.session_cache_ms');
});

test('log-out: the old cookie is refused at once, here and in another process', async () => {
  const a = await signUp(stack, 'sc');
  const there = onProcess(a, second.base);
  await warm(a);
  await warm(there);
  const stolen = new Client(stack.baseURL);
  stolen.cookie = a.cookie;
  assert.equal((await a.post('/api/logout')).status, 204);
  assert.equal(await status(stolen), 401, 'this process served a logged-out session');
  await refusedSoon(there, 'the other process');
});

test('a password change ends the other sessions at once, everywhere; the changing one stays', async () => {
  const a = await signUp(stack, 'sc');
  const other = new Client(stack.baseURL);
  assert.equal((await other.post('/api/login', { username: a.username, password: 'password-123' })).status, 200);
  const otherThere = onProcess(other, second.base);
  await warm(a);
  await warm(other);
  await warm(otherThere);
  const r = await a.post('/api/account/password', { current_password: 'password-123', new_password: 'password-456' });
  assert.equal(r.status, 204, r.text);
  assert.equal(await status(other), 401);
  assert.equal(await status(a), 200, 'the session that changed the password stays');
  await refusedSoon(otherThere, 'the other process');
});

test('a password reset ends every session at once, everywhere', async () => {
  const a = await signUp(stack, 'sc');
  const there = onProcess(a, second.base);
  await warm(a);
  await warm(there);
  const anon = new Client(stack.baseURL);
  assert.equal((await anon.post('/api/password-reset', { username: a.username })).status, 202);
  const link = new RegExp(`password reset requested for user ${a.username}: \\S*token=([0-9a-f]{64})`);
  let token;
  for (let i = 0; i < 50 && !token; i++) {
    token = (link.exec(stack.log) || [])[1];
    if (!token) await sleep(100);
  }
  assert.ok(token, 'the reset link in the log');
  assert.equal((await anon.post('/api/password-reset/confirm', { token, new_password: 'password-789' })).status, 204);
  assert.equal(await status(a), 401);
  await refusedSoon(there, 'the other process');
});

test('deactivation ends the sessions at once, everywhere; a role change shows at once', async () => {
  const op = await signUp(stack, 'scop');
  psql(stack.databaseUrl, "UPDATE users SET role = 'operator' WHERE id = :'v1'", op.id);
  const victim = await signUp(stack, 'sc');
  const there = onProcess(victim, second.base);
  await warm(victim);
  await warm(there);
  // the role, granted through the API, shows in the session at once
  assert.equal((await victim.get('/api/session')).body.user.operator, false);
  assert.equal((await there.get('/api/session')).body.user.operator, false);
  assert.equal((await op.post(`/api/admin/users/${victim.id}/operator`, { operator: true })).status, 200);
  assert.equal((await victim.get('/api/session')).body.user.operator, true);
  await until(async () => (await there.get('/api/session')).body.user.operator === true, 'the role in the other process');
  assert.equal((await op.post(`/api/admin/users/${victim.id}/operator`, { operator: false })).status, 200);
  assert.equal((await victim.get('/api/session')).body.user.operator, false);
  // and cf-web --grant-operator, from its own process
  const cli = spawnSync(bins.web, ['--grant-operator', victim.username], {
    env: { PATH: process.env.PATH, CF_DATABASE_URL: stack.databaseUrl, CF_REDIS_URL: stack.redisUrl, ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1' },
    encoding: 'utf8',
  });
  assert.equal(cli.status, 0, cli.stderr);
  await until(async () => (await victim.get('/api/session')).body.user.operator === true, 'the role granted by the command line');
  assert.equal((await op.post(`/api/admin/users/${victim.id}/operator`, { operator: false })).status, 200);
  await warm(victim);
  await warm(there);
  assert.equal((await op.post(`/api/admin/users/${victim.id}/deactivate`)).status, 200);
  assert.equal(await status(victim), 401);
  await refusedSoon(there, 'the other process');
});

test('a process whose revocation reader cannot read stops using its cache', async () => {
  const proxy = await redisProxy(stack.redisUrl);
  quiet = await startAnother(proxy.url);
  quiet.proxy = proxy;
  // cut: the reader's connection breaks (the cache is emptied at once)
  let a = await signUp(stack, 'sc');
  let there = onProcess(a, quiet.base);
  await warm(there);
  proxy.cut();
  assert.equal((await a.post('/api/logout')).status, 204);
  assert.equal(await status(there), 401, 'served a revoked session while its reader was cut off');
  proxy.resume();
  await sleep(2500); // the reader reconnects, a second apart
  // silent: the connection stays, nothing comes (the lease runs out)
  a = await signUp(stack, 'sc');
  there = onProcess(a, quiet.base);
  await warm(there);
  proxy.silence();
  assert.equal((await a.post('/api/logout')).status, 204);
  await sleep(3500);
  assert.equal(await status(there), 401, 'served a revoked session while its reader heard nothing');
  proxy.resume();
});

// Refused within the time a revocation takes to travel (well under a
// second), never served again.
async function refusedSoon(c, what) {
  const t0 = Date.now();
  for (;;) {
    const s = await status(c);
    if (s === 401) break;
    assert.equal(s, 200);
    assert.ok(Date.now() - t0 < 1000, `${what} still served the session after ${Date.now() - t0} ms`);
    await sleep(10);
  }
  for (let i = 0; i < 3; i++) assert.equal(await status(c), 401, `${what} served the session again`);
}

async function until(f, what, ms = 1000) {
  const t0 = Date.now();
  while (!(await f())) {
    assert.ok(Date.now() - t0 < ms, `${what}: not within ${ms} ms`);
    await sleep(20);
  }
}

// A TCP proxy to Redis that can cut its connections, hold them silent
// (bytes kept, both ways, until it passes them again) or pass them.
async function redisProxy(redisUrl) {
  const target = new URL(redisUrl);
  const mode = { now: 'pass' };
  const conns = new Set();
  const held = [];
  const server = createServer((client) => {
    if (mode.now === 'cut') { client.destroy(); return; }
    const up = connect(Number(target.port || 6379), target.hostname);
    const pair = { client, up };
    conns.add(pair);
    const end = () => { client.destroy(); up.destroy(); conns.delete(pair); };
    const pass = (to) => (d) => { if (mode.now === 'pass') to.write(d); else held.push([to, d]); };
    client.on('data', pass(up));
    up.on('data', pass(client));
    client.on('error', end);
    up.on('error', end);
    client.on('close', end);
    up.on('close', end);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const u = new URL(redisUrl);
  u.hostname = '127.0.0.1';
  u.port = String(server.address().port);
  return {
    url: u.toString(),
    cut() { mode.now = 'cut'; for (const { client, up } of conns) { client.destroy(); up.destroy(); } conns.clear(); },
    silence() { mode.now = 'silent'; },
    resume() {
      mode.now = 'pass';
      for (const [to, d] of held.splice(0)) if (!to.destroyed) to.write(d);
    },
    close() { for (const { client, up } of conns) { client.destroy(); up.destroy(); } server.close(); },
  };
}
