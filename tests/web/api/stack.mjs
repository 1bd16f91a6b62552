// stack.mjs — a private cf-web for the API tests: a scratch PostgreSQL
// database (created, migrated with cf-migrate, dropped), an empty Redis
// database number of its own (so no simulator elsewhere takes our fights),
// and cf-web on a random port with its log captured (password reset links
// are read from it). No simulator runs unless asked for: the fight tests
// play the pipeline's part by reading cf:fights and writing results into
// PostgreSQL themselves. With resultProcessor, a cf-result-processor runs
// beside cf-web: it is the one writer of a fight's running state (from
// cf:progress). With simulator, a cf-simulator (root: the real sandbox)
// plays the arcade's plays (two arcade workers, no fight worker's work).
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A TCP port free on 127.0.0.1 now, for another process to listen on.
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function psql(url, sql, ...params) {
  // Values go as psql variables (:'v1'), quoted by psql itself.
  const args = [url, '-v', 'ON_ERROR_STOP=1', '-qAt'];
  params.forEach((p, i) => args.push('-v', `v${i + 1}=${p}`));
  return execFileSync('psql', args, { input: sql, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
}

export function redis(url, ...args) {
  return execFileSync('redis-cli', ['-u', url, '--no-raw', ...args], { encoding: 'utf8' }).trim();
}

export function redisRaw(url, ...args) {
  return execFileSync('redis-cli', ['-u', url, '--raw', ...args], { encoding: 'utf8' });
}

function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function pickRedisDb(url) {
  const order = [...Array(15).keys()].map((i) => i + 1).sort(() => Math.random() - 0.5);
  for (const db of order) {
    const u = new URL(url);
    u.pathname = `/${db}`;
    u.searchParams.delete('db');
    const candidate = u.toString();
    if (redis(candidate, 'DBSIZE') !== '(integer) 0') continue;
    // Claimed like the other suites' stacks do: of two tests racing for the
    // same empty number, only one SET NX wins.
    if (redis(candidate, 'SET', 'cf:test:owner', `web-api-${process.pid}`, 'NX') === 'OK') return candidate;
  }
  throw new Error('no empty Redis database number (1-15) left');
}

function spawnResultProcessor(bin, databaseUrl, redisUrl, stack, extra = {}) {
  const env = {
    PATH: process.env.PATH,
    CF_DATABASE_URL: databaseUrl,
    CF_REDIS_URL: redisUrl,
    CF_RESULT_PROCESSOR_USER: 'nobody',
    CF_RESULT_PROCESSOR_CLAIM_EVERY_MS: '200',
    ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1',
    ...extra,
  };
  const p = spawn(bin, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (d) => { stack.rpLog += d.toString(); };
  p.stdout.on('data', collect);
  p.stderr.on('data', collect);
  return p;
}

function spawnSimulator(bin, redisUrl, stack, extra) {
  const env = {
    PATH: process.env.PATH,
    CF_REDIS_URL: redisUrl,
    CF_SIMULATOR_CONCURRENCY: '1',
    CF_ARCADE_SLOTS: '2',
    CF_SIMULATOR_SHUTDOWN_GRACE_MS: '2000',
    ...extra,
  };
  const p = spawn(bin, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (d) => { stack.simLog += d.toString(); };
  p.stdout.on('data', collect);
  p.stderr.on('data', collect);
  return p;
}

async function stopProc(p) {
  if (!p || p.exitCode !== null) return;
  p.kill('SIGTERM');
  for (let i = 0; i < 100 && p.exitCode === null; i++) await sleep(100);
  if (p.exitCode === null) p.kill('SIGKILL');
}

export async function startWeb({ web, migrate, source, resultProcessor, simulator, simulatorEnv = {}, rpEnv = {}, env: extra = {} }) {
  const pgBase = process.env.CF_DATABASE_URL;
  const redisBase = process.env.CF_REDIS_URL;
  if (!pgBase || !redisBase) throw new Error('CF_DATABASE_URL and CF_REDIS_URL must be set');
  const dbName = `cf_webapi_${process.pid}_${randomBytes(3).toString('hex')}`;
  execFileSync('psql', [pgBase, '-qc', `CREATE DATABASE "${dbName}"`], { stdio: 'pipe' });
  const databaseUrl = withDatabase(pgBase, dbName);
  const redisUrl = pickRedisDb(redisBase);
  const stack = { databaseUrl, redisUrl, dbName, log: '', rpLog: '', simLog: '', proc: null, rp: null, sim: null };
  stack.stop = async () => {
    await stopProc(stack.sim);
    await stopProc(stack.rp);
    await stopProc(stack.proc);
    stack.exitCode = stack.proc ? stack.proc.exitCode : null;
    try { redis(redisUrl, 'FLUSHDB'); } catch { /* best effort */ }
    try { execFileSync('psql', [pgBase, '-qc', `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`], { stdio: 'pipe' }); } catch { /* best effort */ }
  };
  try {
    execFileSync(migrate, ['--database-url', databaseUrl], { stdio: 'pipe' });
    const port = await freePort();
    stack.baseURL = `http://127.0.0.1:${port}`;
    const env = {
      PATH: process.env.PATH,
      CF_DATABASE_URL: databaseUrl,
      CF_REDIS_URL: redisUrl,
      CF_WEB_LISTEN: `127.0.0.1:${port}`,
      CF_WEB_STATIC_DIR: join(source, 'web', 'static'),
      CF_WEB_GAMES_DIR: join(source, 'games'),
      CF_WEB_PUBLIC_URL: stack.baseURL,
      ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1',
      ...extra,
    };
    if (resultProcessor) stack.rp = spawnResultProcessor(resultProcessor, databaseUrl, redisUrl, stack, rpEnv);
    if (simulator) stack.sim = spawnSimulator(simulator, redisUrl, stack, simulatorEnv);
    stack.proc = spawn(web, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (d) => { stack.log += d.toString(); };
    stack.proc.stdout.on('data', collect);
    stack.proc.stderr.on('data', collect);
    for (let i = 0; ; i++) {
      if (stack.proc.exitCode !== null) throw new Error(`cf-web exited at start:\n${stack.log}`);
      try {
        const r = await fetch(`${stack.baseURL}/healthz`);
        if (r.ok) break;
      } catch { /* not yet */ }
      if (i > 100) throw new Error(`cf-web did not answer within 20 s:\n${stack.log}`);
      await sleep(200);
    }
    return stack;
  } catch (e) {
    await stack.stop();
    throw e;
  }
}

// A browser-like client: cookie jar (the session and the arcade's visitor
// id) and the CSRF header on every write.
export class Client {
  constructor(base) {
    this.base = base;
    this.cookie = '';
    this.visitor = '';
    this.csrf = null;
  }

  cookies() { return [this.cookie, this.visitor].filter(Boolean).join('; '); }

  async refresh() {
    const r = await this.req('GET', '/api/session');
    this.csrf = r.body.csrf_token;
    return r.body;
  }

  async req(method, path, body, { headers = {}, csrf = true, raw = false } = {}) {
    const h = { ...headers };
    if (this.cookies()) h.Cookie = this.cookies();
    if (csrf && method !== 'GET' && method !== 'HEAD') {
      if (this.csrf === null) await this.refresh();
      h['X-CSRF-Token'] = this.csrf;
    }
    let payload;
    if (body instanceof FormData || typeof body === 'string' || body instanceof Uint8Array) {
      payload = body;
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      if (!h['Content-Type']) h['Content-Type'] = 'application/json';
    }
    const res = await fetch(this.base + path, { method, headers: h, body: payload, redirect: 'manual' });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const m = /cf_session=([^;]*)/.exec(setCookie);
      if (m) this.cookie = m[1] ? `cf_session=${m[1]}` : '';
      const v = /cf_visitor=([^;]*)/.exec(setCookie);
      if (v) this.visitor = v[1] ? `cf_visitor=${v[1]}` : '';
    }
    const text = raw ? null : await res.text();
    let json = null;
    if (text && (res.headers.get('content-type') || '').startsWith('application/json')) json = JSON.parse(text);
    if (json && json.csrf_token) this.csrf = json.csrf_token;
    return { status: res.status, headers: res.headers, body: json, text, res };
  }

  get(path, opts) { return this.req('GET', path, undefined, opts); }
  post(path, body, opts) { return this.req('POST', path, body, opts); }
  patch(path, body, opts) { return this.req('PATCH', path, body, opts); }
}

// ---- what every suite on this stack does alike ----

// What a sanitizer build writes to a log on a leak or a memory error.
// The services' logs into $CF_TEST_LOGS, when set, to read after a run.
export function saveLogs(stack) {
  const dir = process.env.CF_TEST_LOGS;
  if (!dir) return;
  writeFileSync(`${dir}/web.log`, stack.log);
  writeFileSync(`${dir}/rp.log`, stack.rpLog);
  writeFileSync(`${dir}/sim.log`, stack.simLog);
}

export const SANITIZER = /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:/;

// A suite's end on this stack: the services stopped, their logs saved, no
// sanitizer report in cf-web's or the result processor's log, cf-web exited 0.
export async function stopStack(stack) {
  if (!stack) return;
  await stack.stop();
  saveLogs(stack);
  assert.doesNotMatch(stack.log, SANITIZER, stack.log.slice(-4000));
  assert.doesNotMatch(stack.rpLog, SANITIZER, stack.rpLog.slice(-4000));
  assert.equal(stack.exitCode, 0, stack.log.slice(-2000));
}

export const uniq = () => randomBytes(4).toString('hex');
export { sleep };

// The programs a suite needs, from the environment CMakeLists.txt sets;
// names are startWeb's (web, migrate, resultProcessor, simulator, source).
const BIN_ENV = {
  web: 'CF_WEB_BIN',
  migrate: 'CF_MIGRATE_BIN',
  resultProcessor: 'CF_RESULT_PROCESSOR_BIN',
  simulator: 'CF_SIMULATOR_BIN',
  source: 'CF_SOURCE_DIR',
};
export function binsFromEnv(...names) {
  const bins = {};
  for (const k of names) {
    bins[k] = process.env[BIN_ENV[k]];
    if (!bins[k]) throw new Error(`set ${BIN_ENV[k]} (see CMakeLists.txt)`);
  }
  return bins;
}

// A new user, signed up and signed in: a Client with id and username.
export async function signUp(stack, prefix) {
  const c = new Client(stack.baseURL);
  const username = `${prefix}_${uniq()}`;
  const r = await c.post('/api/signup', { username, password: 'password-123' });
  if (r.status !== 201) throw new Error(`sign-up: ${r.status} ${r.text}`);
  c.id = r.body.user.id;
  c.username = r.body.user.username;
  return c;
}

// An error as the API answers one: status, JSON, {error} matching re.
export function assertError(r, status, re) {
  assert.equal(r.status, status, `${r.status} ${r.text}`);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(typeof r.body.error, 'string', r.text);
  if (re) assert.match(r.body.error, re);
}
