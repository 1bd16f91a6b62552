// bench/abuse/run.mjs — ordinary users' latency with and without issue 15's
// mixed abuse (never run by ctest; see bench/README.md).
//
// Starts a whole private stack on loopback (tests/web/api/stack.mjs: cf-web,
// cf-result-processor and cf-simulator (root, the real sandbox) on a scratch
// PostgreSQL database and an empty Redis database number), signs up a few
// ordinary users and measures, for a fixed time per phase, what they do:
// pages and lists, logging in, a play-now fight against the house bot until
// its result, a live stream until its first event. Phase 1 runs them alone;
// phase 2 runs them while bench/abuse/abuse.mjs (a child process, other
// loopback addresses) holds slowloris sockets, hoards live streams, sprays
// wrong passwords and queues sleepy fights. Prints p50/p99/count/errors of
// each action in both phases and their ratio, then what each attack got.
//
//   node bench/abuse/run.mjs --build BUILD_DIR [--seconds 25] [...]
//   (or CF_WEB_BIN, CF_MIGRATE_BIN, CF_RESULT_PROCESSOR_BIN,
//   CF_SIMULATOR_BIN, CF_SOURCE_DIR instead of --build), with
//   CF_DATABASE_URL and CF_REDIS_URL set (scripts/stack start), as root.
//   --base-url URL uses a cf-web already running on loopback instead (with
//   its simulator and result processor; it keeps the users and fights made).
//   node bench/abuse/run.mjs --help lists every option.
import { fork } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg, cpus } from 'node:os';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { startWeb, signUp, Client, binsFromEnv, uniq, sleep } from '../../tests/web/api/stack.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const OPTIONS = {
  build: { type: 'string', doc: 'build directory (sets the CF_*_BIN programs and CF_SOURCE_DIR)' },
  'base-url': { type: 'string', doc: 'use this running cf-web (loopback) instead of starting a stack' },
  seconds: { type: 'string', default: '25', doc: 'measured seconds per phase' },
  warmup: { type: 'string', default: '3', doc: 'seconds the abuse runs before phase 2 is measured' },
  users: { type: 'string', default: '4', doc: 'ordinary users, each its own loop' },
  'think-ms': { type: 'string', default: '200', doc: 'pause between one user\'s actions' },
  'fight-timeout': { type: 'string', default: '60', doc: 'seconds an ordinary fight may take to its result' },
  'sim-workers': { type: 'string', default: '2', doc: 'cf-simulator workers (fights at once)' },
  slowloris: { type: 'string', default: '400', doc: 'slowloris sockets' },
  'slowloris-ips': { type: 'string', default: '2', doc: 'addresses they come from (127.0.2.x)' },
  'trickle-ms': { type: 'string', default: '2000', doc: 'one header byte per socket this often' },
  'sse-anon': { type: 'string', default: '200', doc: 'anonymous streams of a public fight' },
  'sse-ips': { type: 'string', default: '4', doc: 'addresses they come from (127.0.3.x)' },
  'sse-user': { type: 'string', default: '50', doc: 'streams of /api/events from one account (127.0.4.1)' },
  'spray-rate': { type: 'string', default: '40', doc: 'wrong log-ins a second at most' },
  'spray-conc': { type: 'string', default: '16', doc: 'wrong log-ins at once at most' },
  'spray-ips': { type: 'string', default: '32', doc: 'addresses they come from in turn (127.0.5.x)' },
  sleepers: { type: 'string', default: '3', doc: 'accounts queuing fights of a bot sleeping 180 ms a call' },
  attacks: { type: 'string', default: 'slowloris,sse,spray,sleepers', doc: 'the attacks of phase 2, comma-separated' },
  set: { type: 'string', multiple: true, doc: 'KEY=VALUE for the services (CF_WEB_* to cf-web, CF_SIMULATOR_* and CF_ARCADE_* to cf-simulator); repeatable' },
  help: { type: 'boolean' },
};
const { values: opt } = parseArgs({
  options: Object.fromEntries(Object.entries(OPTIONS).map(([k, { doc, ...o }]) => [k, o])),
});
if (opt.help) {
  console.log('node bench/abuse/run.mjs [options]\n');
  for (const [k, v] of Object.entries(OPTIONS)) if (v.doc) console.log(`  --${k.padEnd(15)} ${v.doc}${v.default ? ` (${v.default})` : ''}`);
  process.exit(0);
}
const num = (k) => {
  const n = Number(opt[k]);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${k}: not a number: ${opt[k]}`);
  return n;
};
const ATTACKS = new Set(opt.attacks.split(',').map((a) => a.trim()).filter(Boolean));
for (const a of ATTACKS) if (!['slowloris', 'sse', 'spray', 'sleepers'].includes(a)) throw new Error(`--attacks: unknown attack ${a}`);
// An attack left out is one whose count is 0.
const attack = (name, k) => (ATTACKS.has(name) ? num(k) : 0);
const SECONDS = num('seconds');
const THINK = num('think-ms');
const FIGHT_TIMEOUT_MS = num('fight-timeout') * 1000;
const REQ_TIMEOUT_MS = 10000;

const BOT = 'class Main:\n    def decide_tick(self, tick, my_state, enemy_state):\n        return "N"\n';
const SLEEPER = 'import time\n\nclass Main:\n    def decide_tick(self, tick, my_state, enemy_state):\n        time.sleep(0.18)\n        return "N"\n';

// ---- the stack ----
const sets = { web: {}, sim: {} };
for (const kv of opt.set || []) {
  const i = kv.indexOf('=');
  if (i < 1) throw new Error(`--set ${kv}: KEY=VALUE`);
  const [k, v] = [kv.slice(0, i), kv.slice(i + 1)];
  if (k.startsWith('CF_WEB_') || k === 'CF_LOG_LEVEL') sets.web[k] = v;
  if (k.startsWith('CF_SIMULATOR_') || k.startsWith('CF_ARCADE_')) sets.sim[k] = v;
  if (!k.startsWith('CF_WEB_') && !k.startsWith('CF_SIMULATOR_') && !k.startsWith('CF_ARCADE_') && k !== 'CF_LOG_LEVEL') {
    throw new Error(`--set ${k}: only CF_WEB_*, CF_SIMULATOR_*, CF_ARCADE_* or CF_LOG_LEVEL`);
  }
}

let stack = null;
let baseURL = opt['base-url'];
if (!baseURL) {
  if (opt.build) {
    const b = opt.build;
    process.env.CF_WEB_BIN ||= join(b, 'web/cf-web');
    process.env.CF_MIGRATE_BIN ||= join(b, 'db/cf-migrate');
    process.env.CF_RESULT_PROCESSOR_BIN ||= join(b, 'result_processor/cf-result-processor');
    process.env.CF_SIMULATOR_BIN ||= join(b, 'simulator/cf-simulator');
    process.env.CF_SOURCE_DIR ||= join(here, '../..');
  }
  const bins = binsFromEnv('web', 'migrate', 'resultProcessor', 'simulator', 'source');
  stack = await startWeb({
    ...bins,
    simulatorEnv: { CF_SIMULATOR_CONCURRENCY: String(num('sim-workers')), CF_ARCADE_SLOTS: '0', ...sets.sim },
    env: { CF_LOG_LEVEL: 'warn', ...sets.web },
  });
  baseURL = stack.baseURL;
}
const url = new URL(baseURL);
if (!/^127\./.test(url.hostname)) throw new Error(`${baseURL}: loopback only (127.x.x.x)`);
const port = Number(url.port || 80);

// cf-web's CPU time, descriptors and memory, sampled, when it is ours.
function procStats(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    return { cpuS: ticks / 100, rssKb };
  } catch { return null; }
}
function fdCount(pid) { try { return readdirSync(`/proc/${pid}/fd`).length; } catch { return null; } }
function watchWeb() {
  const pid = stack?.proc?.pid;
  if (!pid) return () => null;
  const first = procStats(pid);
  let peakFds = fdCount(pid) || 0;
  let peakRss = first?.rssKb || 0;
  const t = setInterval(() => {
    const s = procStats(pid);
    if (s) peakRss = Math.max(peakRss, s.rssKb);
    peakFds = Math.max(peakFds, fdCount(pid) || 0);
  }, 500);
  return () => {
    clearInterval(t);
    const last = procStats(pid);
    return first && last ? { cpuS: last.cpuS - first.cpuS, peakFds, peakRssMb: peakRss / 1024 } : null;
  };
}

// ---- the ordinary users' actions, timed ----
async function timedFetch(path, { method = 'GET', cookie, csrf, body } = {}) {
  const headers = {};
  if (cookie) headers.Cookie = cookie;
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf || 'x';
  if (body) headers['Content-Type'] = 'application/json';
  const t0 = performance.now();
  const res = await fetch(baseURL + path, { method, headers, body: body && JSON.stringify(body), redirect: 'manual', signal: AbortSignal.timeout(REQ_TIMEOUT_MS) });
  const text = await res.text();
  const ms = performance.now() - t0;
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, ms, headers: res.headers };
}

// A page as a new visitor loads it: a new connection each time.
function newConnectionGet(path) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get({ host: url.hostname, port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.setTimeout(REQ_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', reject);
  });
}

// A live stream, timed to its first event (the fight's status, sent at once).
function firstEvent(path, cookie) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get({ host: url.hostname, port, path, agent: false, headers: { Cookie: cookie, Accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        resolve({ status: res.statusCode, ms: performance.now() - t0 });
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
        if (/(^|\n)event: /.test(text)) {
          resolve({ status: 200, ms: performance.now() - t0 });
          req.destroy();
        }
      });
      res.on('error', () => {});
      res.on('end', () => reject(Object.assign(new Error('ended before an event'), { code: 'ended' })));
    });
    req.setTimeout(REQ_TIMEOUT_MS, () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
    req.on('error', reject);
  });
}

const ACTIONS = [
  'GET / (new connection)',
  'GET /api/fights',
  'GET /api/dashboard',
  'POST /api/login',
  'live stream: first event',
  'play-now: time to result',
];

class Recorder {
  constructor() { this.samples = {}; this.errors = {}; for (const a of ACTIONS) { this.samples[a] = []; this.errors[a] = {}; } }
  ok(action, ms) { this.samples[action].push(ms); }
  err(action, what) { this.errors[action][what] = (this.errors[action][what] || 0) + 1; }
  async run(action, fn, okStatus = 200) {
    try {
      const r = await fn();
      if (r.status === okStatus) this.ok(action, r.ms);
      else this.err(action, `HTTP ${r.status}`);
      return r;
    } catch (e) {
      this.err(action, e.name === 'TimeoutError' ? 'timeout' : e.code || e.message);
      return null;
    }
  }
}

async function pageLoop(u, rec, endAt) {
  while (performance.now() < endAt) {
    await rec.run('GET / (new connection)', () => newConnectionGet('/'));
    await sleep(THINK);
    await rec.run('GET /api/fights', () => timedFetch('/api/fights', { cookie: u.cookie }));
    await sleep(THINK);
    await rec.run('GET /api/dashboard', () => timedFetch('/api/dashboard', { cookie: u.cookie }));
    await sleep(THINK);
    // A log-in from a browser with no session yet (a new session each time).
    await rec.run('POST /api/login', () => timedFetch('/api/login', { method: 'POST', body: { username: u.username, password: 'password-123' } }));
    await sleep(THINK);
    await rec.run('live stream: first event', () => firstEvent(`/api/fights/${openFightId}/events`, u.cookie));
    await sleep(THINK);
  }
}

async function fightLoop(u, rec, endAt) {
  const action = 'play-now: time to result';
  while (performance.now() < endAt) {
    const t0 = performance.now();
    let r;
    try {
      r = await timedFetch('/api/fights/play-now', { method: 'POST', cookie: u.cookie, csrf: u.csrf, body: { bot_id: u.botId } });
    } catch (e) {
      rec.err(action, e.name === 'TimeoutError' ? 'timeout' : e.message);
      await sleep(1000);
      continue;
    }
    if (r.status !== 201) {
      rec.err(action, `HTTP ${r.status}`);
      await sleep(1000);
      continue;
    }
    // The fight's page polled as a browser without a stream would: 100 ms.
    for (;;) {
      if (performance.now() - t0 > FIGHT_TIMEOUT_MS) { rec.err(action, `no result in ${FIGHT_TIMEOUT_MS / 1000} s`); break; }
      let f;
      try { f = await timedFetch(`/api/fights/${r.json.id}`, { cookie: u.cookie }); } catch { f = null; }
      const state = f?.json?.state;
      if (state === 'finished') { rec.ok(action, performance.now() - t0); break; }
      if (state === 'failed' || state === 'cancelled') { rec.err(action, state); break; }
      await sleep(100);
    }
    await sleep(THINK);
  }
}

async function phase(name, users) {
  const rec = new Recorder();
  const watch = watchWeb();
  const load = loadavg()[0];
  const t0 = performance.now();
  const endAt = t0 + SECONDS * 1000;
  // Pages until the end; a fight started before the end is waited for.
  await Promise.all(users.flatMap((u) => [pageLoop(u, rec, endAt), fightLoop(u, rec, endAt)]));
  return { name, rec, web: watch(), load, wallS: (performance.now() - t0) / 1000 };
}

// ---- the report ----
function pct(a, p) {
  if (!a.length) return null;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
}
function fmtMs(ms) {
  if (ms === null || ms === undefined) return '-';
  if (ms >= 10000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}
const ratio = (a, b) => (a && b ? `${(b / a).toFixed(1)}x` : '-');
const hist = (h) => Object.entries(h || {}).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none';
const errCount = (h) => Object.values(h).reduce((x, y) => x + y, 0);

function report(quiet, loud, abuse) {
  const w = 26;
  console.log('');
  console.log(`${'action'.padEnd(w)} | ${'no abuse: p50'.padStart(13)} ${'p99'.padStart(9)} ${'n'.padStart(5)} ${'err'.padStart(4)} | ${'abuse: p50'.padStart(10)} ${'p99'.padStart(9)} ${'n'.padStart(5)} ${'err'.padStart(4)} | ${'p50 x'.padStart(6)} ${'p99 x'.padStart(6)}`);
  console.log('-'.repeat(w + 88));
  for (const a of ACTIONS) {
    const q = quiet.rec.samples[a];
    const l = loud.rec.samples[a];
    console.log(`${a.padEnd(w)} | ${fmtMs(pct(q, 0.5)).padStart(13)} ${fmtMs(pct(q, 0.99)).padStart(9)} ${String(q.length).padStart(5)} ${String(errCount(quiet.rec.errors[a])).padStart(4)} | ` +
      `${fmtMs(pct(l, 0.5)).padStart(10)} ${fmtMs(pct(l, 0.99)).padStart(9)} ${String(l.length).padStart(5)} ${String(errCount(loud.rec.errors[a])).padStart(4)} | ` +
      `${ratio(pct(q, 0.5), pct(l, 0.5)).padStart(6)} ${ratio(pct(q, 0.99), pct(l, 0.99)).padStart(6)}`);
  }
  for (const p of [quiet, loud]) {
    const errs = ACTIONS.filter((a) => errCount(p.rec.errors[a])).map((a) => `${a}: ${hist(p.rec.errors[a])}`);
    if (errs.length) console.log(`errors, ${p.name}: ${errs.join('; ')}`);
  }
  console.log('');
  for (const p of [quiet, loud]) {
    const web = p.web ? `; cf-web ${p.web.cpuS.toFixed(1)} s CPU, at most ${p.web.peakFds} descriptors and ${p.web.peakRssMb.toFixed(0)} MB RSS` : '';
    console.log(`${p.name}: ${p.wallS.toFixed(1)} s (last fights waited for), load average ${p.load.toFixed(2)} at its start${web}`);
  }
  console.log('x: the abuse phase\'s figure over the quiet phase\'s; p99 is the slowest sample when n < 100');
  console.log('');
  console.log(`what the abuse got (its process used ${abuse.cpuS.toFixed(1)} s CPU):`);
  const s = abuse.slowloris;
  if (s.asked) {
    console.log(`  slowloris: ${s.asked} sockets from ${s.ips} addresses, one byte per socket every ${opt['trickle-ms']} ms; ` +
      `${s.opened} connects, ${s.connected} accepted (connect errors: ${hist(s.connectErrors)}); ` +
      `held open ${s.held.mean.toFixed(0)} on average, ${s.held.peak} at most, ${s.heldAtStop} at the end; ` +
      `closed by the server (median time after connecting): ${s.closedSilently} without a response` +
      (s.medianLifetimeMs.silent !== null ? ` (${fmtMs(s.medianLifetimeMs.silent)})` : '') +
      Object.entries(s.closedWithResponse).map(([st, n]) => `, ${n} answered ${st} (${fmtMs(s.medianLifetimeMs[st])})`).join(''));
  }
  for (const [k, v] of Object.entries(abuse.sse)) {
    if (!v.asked) continue;
    const what = k === 'anon' ? `anonymous, a public fight's events from ${v.ips} addresses` : 'one account\'s /api/events';
    console.log(`  live streams, ${what}: ${v.asked} wanted, ${v.attempts} requests (statuses: ${hist(v.statuses)}; errors: ${hist(v.errors)}); ` +
      `held ${v.held.mean.toFixed(0)} on average, ${v.held.peak} at most, ${v.heldAtStop} at the end; ` +
      `ended by the server ${v.endedByServer} (${v.reconnectEvents} with a reconnect event)`);
  }
  const sp = abuse.spray;
  if (sp.rate) {
    console.log(`  login spray: ${sp.rate}/s at most, ${sp.conc} at once, from ${sp.ips} addresses; ${sp.attempts} attempts ` +
      `(statuses: ${hist(sp.statuses)}; errors: ${hist(sp.errors)}); median answer ${fmtMs(sp.medianMs)}`);
  }
  const sl = abuse.sleepers;
  if (sl.accounts) {
    console.log(`  sleepy fights: ${sl.accounts} accounts, ${sl.created} fights queued (play-now statuses: ${hist(sl.statuses)}; ` +
      `errors: ${hist(sl.errors)}); at the end: ${hist(sl.states)}`);
  }
}

// ---- set-up ----
const site = { baseURL };
async function userWithBot(prefix, code) {
  const c = await signUp(site, prefix);
  await c.refresh();
  const b = await c.post('/api/bots', { name: `b_${uniq()}`, game: 'tanks', code });
  if (b.status !== 201) throw new Error(`bot: ${b.status} ${b.text}`);
  return { username: c.username, cookie: c.cookie, csrf: c.csrf, botId: b.body.id, client: c };
}

let openFightId;
let child = null;
try {
  const users = [];
  for (let i = 0; i < num('users'); i++) users.push(await userWithBot('plain', BOT));
  // A public fight left open: its live stream never ends by itself.
  const host = users[0].client;
  const open = await host.post('/api/fights', { game: 'tanks', bot_id: users[0].botId, public: true });
  if (open.status !== 201) throw new Error(`open fight: ${open.status} ${open.text}`);
  openFightId = open.body.id;
  const sleepers = [];
  for (let i = 0; i < attack('sleepers', 'sleepers'); i++) {
    const s = await userWithBot('sleepy', SLEEPER);
    sleepers.push({ cookie: s.cookie, csrf: s.csrf, botId: s.botId });
  }
  const hoarder = await signUp(site, 'hoard');

  // One fight per user first: sandboxes warm, caches filled.
  for (const u of users) {
    const r = await u.client.post('/api/fights/play-now', { bot_id: u.botId });
    if (r.status !== 201) throw new Error(`warm-up fight: ${r.status} ${r.text}`);
    for (let i = 0; i < 300; i++) {
      const st = (await u.client.get(`/api/fights/${r.body.id}`)).body.state;
      if (['finished', 'failed', 'cancelled'].includes(st)) break;
      await sleep(100);
    }
  }

  console.log(`abuse bench: ${baseURL}, ${users.length} ordinary users, ${SECONDS} s per phase, ${cpus().length} cores` +
    (stack ? `, cf-simulator ${num('sim-workers')} workers` : '') + `; phase 2 attacks: ${[...ATTACKS].join(', ')}`);
  const quiet = await phase('no abuse', users);

  child = fork(join(here, 'abuse.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const message = (type) => new Promise((resolve, reject) => {
    const onMsg = (m) => { if (m.type === type) { child.off('message', onMsg); resolve(m); } };
    child.on('message', onMsg);
    child.once('exit', (code) => reject(new Error(`abuse.mjs exited ${code} before '${type}'`)));
  });
  const started = message('started');
  child.send({
    cmd: 'start',
    cfg: {
      baseURL, port, fightId: openFightId, hoarderCookie: hoarder.cookie,
      sprayNames: users.map((u) => u.username),
      slowloris: attack('slowloris', 'slowloris'), slowlorisIps: Math.max(1, num('slowloris-ips')), trickleMs: Math.max(10, num('trickle-ms')),
      sseAnon: attack('sse', 'sse-anon'), sseIps: Math.max(1, num('sse-ips')), sseUser: attack('sse', 'sse-user'),
      sprayRate: attack('spray', 'spray-rate'), sprayConc: num('spray-conc'), sprayIps: Math.max(1, num('spray-ips')),
      sleepers,
    },
  });
  await started;
  await sleep(num('warmup') * 1000);
  const loud = await phase('abuse', users);
  const stats = message('stats');
  child.send({ cmd: 'stop' });
  const abuse = (await stats).stats;
  child = null;
  report(quiet, loud, abuse);
} finally {
  if (child) child.kill('SIGTERM');
  if (stack) await stack.stop();
}
