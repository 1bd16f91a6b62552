// stack.mjs — the whole Codefights stack for one browser test run, private
// to it: a scratch PostgreSQL database (created, migrated, dropped), an empty
// Redis database number of its own (so other suites' simulators and result
// processors sharing the same Redis never take our fights), and cf-web,
// cf-simulator and cf-result-processor on a random port. Everything started
// here is stopped by stop(), by pid.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { psql } from '../api/stack.mjs';

// One psql for every web test (variables v1.. as :'v1', the SQL on stdin,
// the output trimmed): the flows seed and read their scratch database with it.
export { psql };

function freePort() {
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The same server, another database name.
function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

// redis://host:port[/db][?params] -> the same server with database `db`.
function withRedisDb(url, db) {
  const u = new URL(url);
  u.pathname = `/${db}`;
  u.searchParams.delete('db');
  return u.toString();
}

// An empty database number: a cheap way to get private streams on a shared Redis.
function pickRedisDb(url) {
  const order = [...Array(15).keys()].map((i) => i + 1).sort(() => Math.random() - 0.5);
  for (const db of order) {
    const candidate = withRedisDb(url, db);
    const size = execFileSync('redis-cli', ['-u', candidate, 'DBSIZE'], { encoding: 'utf8' }).trim();
    if (size !== '0') continue;
    // Claim it at once: a suite looking for an empty database now sees a key,
    // and of two claims racing for the same number only one SET NX wins.
    const claim = execFileSync('redis-cli', ['-u', candidate, 'SET', 'cf:test:owner', `web-e2e-${process.pid}`, 'NX'], { encoding: 'utf8' }).trim();
    if (claim === 'OK') return candidate;
  }
  throw new Error('no empty Redis database number (1-15) left');
}

// env: more settings for the services (e.g. CF_ARCADE_SLOTS), over the defaults below.
export async function startStack({ bins, sourceDir, logDir, env: extraEnv = {}, log = console.log }) {
  const redisBase = process.env.CF_REDIS_URL;
  const pgBase = process.env.CF_DATABASE_URL;
  if (!redisBase || !pgBase) throw new Error('CF_REDIS_URL and CF_DATABASE_URL must be set (scripts/stack start, then . $CF_RUN_DIR/env)');
  for (const [name, path] of Object.entries(bins)) {
    if (!path || !existsSync(path)) throw new Error(`${name} not found at ${path}`);
  }
  if (process.getuid && process.getuid() !== 0) throw new Error('the browser test runs cf-simulator, which needs root');

  const procs = [];
  const dbName = `cf_e2e_${process.pid}_${randomBytes(3).toString('hex')}`;
  let dbCreated = false;
  // stop() returns how each service ended: a clean stop on SIGTERM is exit 0.
  const stack = { procs, dbName, stop: () => stopAll() };

  async function stopAll() {
    const ended = [];
    for (const p of procs.slice().reverse()) {
      p.early = p.exitCode !== null || p.signalCode !== null; // died before we asked
      if (!p.early) p.kill('SIGTERM');
    }
    for (const p of procs) {
      for (let i = 0; i < 150 && p.exitCode === null && p.signalCode === null; i++) await sleep(100);
      if (p.exitCode === null && p.signalCode === null) {
        p.kill('SIGKILL');
        for (let i = 0; i < 20 && p.signalCode === null; i++) await sleep(100);
        p.killed9 = true;
      }
      ended.push({ name: p.name, code: p.exitCode, signal: p.signalCode, early: p.early, killed: !!p.killed9 });
    }
    procs.length = 0;
    if (stack.redisUrl) {
      try { execFileSync('redis-cli', ['-u', stack.redisUrl, 'FLUSHDB'], { stdio: 'ignore' }); } catch { /* best effort */ }
    }
    if (dbCreated) {
      try { psql(pgBase, `DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`); dbCreated = false; } catch (e) { log(`could not drop ${dbName}: ${e.message}`); }
    }
    return ended;
  }

  try {
    psql(pgBase, `CREATE DATABASE "${dbName}"`);
    dbCreated = true;
    const databaseUrl = withDatabase(pgBase, dbName);
    const redisUrl = pickRedisDb(redisBase);
    stack.redisUrl = redisUrl;
    stack.databaseUrl = databaseUrl;
    log(`scratch database ${dbName}, redis ${redisUrl.replace(/\/\/[^@]*@/, '//')}`);

    execFileSync(bins.migrate, ['--database-url', databaseUrl], { stdio: ['ignore', 'pipe', 'pipe'] });

    const port = await freePort();
    const baseURL = `http://127.0.0.1:${port}`;
    const env = {
      PATH: process.env.PATH || '/usr/sbin:/usr/bin:/sbin:/bin',
      CF_REDIS_URL: redisUrl,
      CF_DATABASE_URL: databaseUrl,
      CF_LOG_LEVEL: 'info',
      CF_WEB_LISTEN: `127.0.0.1:${port}`,
      CF_WEB_STATIC_DIR: join(sourceDir, 'web', 'static'),
      CF_WEB_GAMES_DIR: join(sourceDir, 'games'),
      CF_WEB_PUBLIC_URL: baseURL,
      CF_SIMULATOR_CONCURRENCY: '2',
      // One arcade worker unless a flow asks for more (the site's flow plays
      // no game; fifteen idle sandboxes would only load the machine).
      CF_ARCADE_SLOTS: '1',
      CF_RESULT_PROCESSOR_USER: 'nobody',
      // Running fights get this long to end on SIGTERM (default 10 s).
      CF_SIMULATOR_SHUTDOWN_GRACE_MS: '2000',
      ...extraEnv,
    };
    // Sanitizer settings of a CF_SANITIZE build (scripts/test sets them) reach the services.
    for (const k of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']) if (process.env[k]) env[k] = process.env[k];
    const start = (name, bin) => {
      const fd = openSync(join(logDir, `${name}.log`), 'a');
      const p = spawn(bin, [], { env, stdio: ['ignore', fd, fd], cwd: sourceDir });
      closeSync(fd);
      p.name = name;
      procs.push(p);
      return p;
    };
    start('cf-result-processor', bins.resultProcessor);
    start('cf-simulator', bins.simulator);
    const web = start('cf-web', bins.web);

    // Ready when /healthz answers; a service dying at start is an error with its log.
    for (let i = 0; ; i++) {
      for (const p of procs) {
        if (p.exitCode !== null || p.signalCode !== null) {
          const tail = readFileSync(join(logDir, `${p.name}.log`), 'utf8').split('\n').slice(-15).join('\n');
          throw new Error(`${p.name} exited at start (${p.exitCode ?? p.signalCode}):\n${tail}`);
        }
      }
      try {
        const r = await fetch(`${baseURL}/healthz`);
        if (r.ok) break;
      } catch { /* not listening yet */ }
      if (i > 150) throw new Error(`cf-web did not answer /healthz within 30 s (pid ${web.pid})`);
      await sleep(200);
    }
    stack.baseURL = baseURL;
    // The services' environment, for a command-line step against the same
    // database and Redis (the console flow's `cf-web --grant-operator`).
    stack.env = env;
    return stack;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
