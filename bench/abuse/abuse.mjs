// bench/abuse/abuse.mjs — the attacks of issue 15, run by bench/abuse/run.mjs
// in a child process of their own (so their sockets and timers never delay
// the ordinary users' clock in the parent). The parent sends one message
// {cmd: 'start', cfg} and later {cmd: 'stop'}; the child answers
// {type: 'stats', stats} and exits. Every attack comes from its own
// loopback addresses (127.0.2.x and up; all of 127/8 is local on Linux), so
// a per-address limit on an attacker is never a limit on the ordinary users
// (127.0.0.1). Everything is bounded: sockets and streams by count, the
// spray by rate and by concurrency, the sleepers by the server's own caps.
//
//   slowloris  cfg.slowloris sockets over cfg.slowlorisIps addresses, each
//              sending a request head one byte every cfg.trickleMs and never
//              finishing it; a socket the server closes is reopened 1 s
//              later (so at most cfg.slowloris connects a second).
//   sse        cfg.sseAnon anonymous streams of a public fight over
//              cfg.sseIps addresses, and cfg.sseUser streams of
//              /api/events from one account; a refused or ended stream is
//              retried after 2 s (what EventSource does after `retry`).
//   spray      wrong passwords over the ordinary users' names and random
//              ones, cfg.sprayRate attempts a second at most, cfg.sprayConc
//              at once, from cfg.sprayIps addresses in turn.
//   sleepers   each sleeper account queues play-now fights of a bot that
//              sleeps 180 ms per call, as fast as the server lets it
//              (on 429, again after 1 s).
import http from 'node:http';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let running = false;
let cfg;
const now = () => performance.now();
const count = (h, k) => { h[k] = (h[k] || 0) + 1; };
const median = (a) => {
  if (!a.length) return null;
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor((s.length - 1) / 2)];
};
// addr(3, i): the i-th address of attack 3, 127.0.3.1 and on.
const addr = (block, i) => `127.0.${block}.${1 + i}`;

// ---- held-count sampling: the mean and peak of what each attack holds ----
const samples = { slowloris: [], sseAnon: [], sseUser: [] };
const held = { slowloris: 0, sseAnon: 0, sseUser: 0 };
function sampleLoop() {
  const t = setInterval(() => {
    for (const k of Object.keys(samples)) samples[k].push(held[k]);
  }, 500);
  return () => clearInterval(t);
}
const heldStats = (k) => {
  const a = samples[k];
  return { mean: a.length ? a.reduce((x, y) => x + y, 0) / a.length : 0, peak: a.length ? Math.max(...a) : 0 };
};

// ---- slowloris ----
const slow = { opened: 0, connected: 0, connectErrors: {}, closedWithResponse: {}, closedSilently: 0,
  heldAtStop: 0, bytesSent: 0 };
const lifetimes = { silent: [] }; // connect to the server's close, ms, by the status it answered
const slowSockets = new Set();
const HEAD = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\n';
const TRICKLE = 'X-a: b\r\n';

function openSlow(i) {
  if (!running) return;
  slow.opened++;
  const s = connect({ host: '127.0.0.1', port: cfg.port, localAddress: addr(2, i % cfg.slowlorisIps) });
  const c = { sock: s, text: '', connectedAt: null, timer: null, pos: 0, counted: false, done: false };
  slowSockets.add(c);
  s.setEncoding('latin1');
  const connectTimer = setTimeout(() => { if (c.connectedAt === null) s.destroy(Object.assign(new Error('connect timeout'), { code: 'CONNECT_TIMEOUT' })); }, 5000);
  s.on('connect', () => {
    clearTimeout(connectTimer);
    c.connectedAt = now();
    slow.connected++;
    held.slowloris++;
    c.counted = true;
    s.write(HEAD);
    slow.bytesSent += HEAD.length;
    c.timer = setInterval(() => {
      if (s.destroyed || !s.writable) return;
      s.write(TRICKLE[c.pos++ % TRICKLE.length]);
      slow.bytesSent++;
    }, cfg.trickleMs);
  });
  s.on('data', (d) => { c.text += d; });
  s.on('error', (e) => {
    if (c.connectedAt === null) count(slow.connectErrors, e.code || e.message);
  });
  s.on('close', () => {
    clearTimeout(connectTimer);
    clearInterval(c.timer);
    slowSockets.delete(c);
    if (c.counted) held.slowloris--;
    if (c.done) return; // closed by us at stop
    if (c.connectedAt !== null) {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(c.text);
      if (m) count(slow.closedWithResponse, m[1]);
      else slow.closedSilently++;
      (lifetimes[m ? m[1] : 'silent'] ||= []).push(now() - c.connectedAt);
    }
    // The attacker keeps its count up: a closed socket is replaced.
    setTimeout(() => openSlow(i), 1000);
  });
}

async function startSlowloris() {
  // Opened 50 at a time, as fast as the server accepts them.
  for (let i = 0; i < cfg.slowloris && running; i++) {
    openSlow(i);
    if (i % 50 === 49) await sleep(20);
  }
}

function stopSlowloris() {
  for (const c of slowSockets) {
    if (c.connectedAt !== null && !/^HTTP/.test(c.text)) slow.heldAtStop++;
    c.done = true;
    clearInterval(c.timer);
    c.sock.destroy();
  }
}

// ---- live streams hoarded ----
const sse = {
  anon: { attempts: 0, statuses: {}, errors: {}, endedByServer: 0, reconnectEvents: 0, heldAtStop: 0 },
  user: { attempts: 0, statuses: {}, errors: {}, endedByServer: 0, reconnectEvents: 0, heldAtStop: 0 },
};
const sseReqs = new Set();

function hoard(kind, localAddress, path, cookie) {
  if (!running) return;
  const st = sse[kind];
  const heldKey = kind === 'anon' ? 'sseAnon' : 'sseUser';
  st.attempts++;
  const headers = { Accept: 'text/event-stream' };
  if (cookie) headers.Cookie = cookie;
  let retried = false; // one retry per request, whether it errs, ends or both
  const again = () => {
    if (retried || !running) return;
    retried = true;
    setTimeout(() => hoard(kind, localAddress, path, cookie), 2000);
  };
  const req = http.get({ host: '127.0.0.1', port: cfg.port, path, localAddress, headers, agent: false }, (res) => {
    req.setTimeout(0); // a stream is quiet for 15 s between pings: only the answer is timed
    count(st.statuses, res.statusCode);
    const ok = res.statusCode === 200;
    const entry = { req, ok, stopped: false };
    sseReqs.add(entry);
    if (ok) held[heldKey]++;
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d) => { if (text.length < 4096) text += d; });
    res.on('error', () => {});
    res.on('close', () => {
      sseReqs.delete(entry);
      if (ok) held[heldKey]--;
      if (entry.stopped) return;
      if (ok) {
        st.endedByServer++;
        if (/event: reconnect/.test(text)) st.reconnectEvents++;
      }
      again();
    });
  });
  req.setTimeout(10000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
  req.on('error', (e) => {
    count(st.errors, e.code || e.message);
    again();
  });
}

async function startSse() {
  const anonPath = `/api/fights/${cfg.fightId}/events`;
  for (let i = 0; i < cfg.sseAnon && running; i++) {
    hoard('anon', addr(3, i % cfg.sseIps), anonPath, null);
    if (i % 25 === 24) await sleep(20);
  }
  for (let i = 0; i < cfg.sseUser && running; i++) {
    hoard('user', addr(4, 0), '/api/events', cfg.hoarderCookie);
    if (i % 25 === 24) await sleep(20);
  }
}

function stopSse() {
  for (const e of sseReqs) {
    if (e.ok) (e.req.path.startsWith('/api/events') ? sse.user : sse.anon).heldAtStop++;
    e.stopped = true;
    e.req.destroy();
  }
}

// ---- login spraying ----
const spray = { attempts: 0, statuses: {}, errors: {}, latencyMs: [] };

function postLogin(localAddress, username, password) {
  const body = JSON.stringify({ username, password });
  return new Promise((resolve) => {
    const t0 = now();
    const req = http.request({
      host: '127.0.0.1', port: cfg.port, path: '/api/login', method: 'POST', localAddress, agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'X-CSRF-Token': 'x' },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: now() - t0 }));
      res.on('error', () => resolve({ error: 'response error' }));
    });
    req.setTimeout(30000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e) => resolve({ error: e.code || e.message }));
    req.end(body);
  });
}

async function startSpray() {
  const names = [...cfg.sprayNames];
  for (let i = 0; i < 200; i++) names.push(`nobody_${randomBytes(4).toString('hex')}`);
  let next = 0;
  const t0 = now();
  const worker = async () => {
    while (running) {
      const i = next++;
      // At most cfg.sprayRate attempts a second, however fast the answers.
      const due = t0 + (i * 1000) / cfg.sprayRate;
      if (due > now()) await sleep(due - now());
      if (!running) break;
      spray.attempts++;
      const r = await postLogin(addr(5, i % cfg.sprayIps), names[i % names.length], `guess-${randomBytes(3).toString('hex')}`);
      if (r.error) count(spray.errors, r.error);
      else {
        count(spray.statuses, r.status);
        spray.latencyMs.push(r.ms);
      }
    }
  };
  await Promise.all(Array.from({ length: cfg.sprayConc }, worker));
}

// ---- sleepy fights ----
const sleepers = { created: 0, statuses: {}, errors: {}, fights: [] };

async function api(sleeper, method, path, body) {
  const headers = { Cookie: sleeper.cookie };
  if (method !== 'GET') { headers['X-CSRF-Token'] = sleeper.csrf; headers['Content-Type'] = 'application/json'; }
  const res = await fetch(cfg.baseURL + path, { method, headers, body: body ? JSON.stringify(body) : undefined, signal: AbortSignal.timeout(10000) });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: json };
}

async function sleeperLoop(sleeper) {
  while (running) {
    try {
      const r = await api(sleeper, 'POST', '/api/fights/play-now', { bot_id: sleeper.botId });
      count(sleepers.statuses, r.status);
      if (r.status === 201) {
        sleepers.created++;
        sleepers.fights.push({ sleeper, id: r.body.id });
        continue;
      }
    } catch (e) {
      count(sleepers.errors, e.name === 'TimeoutError' ? 'timeout' : e.message);
    }
    await sleep(1000);
  }
}

async function sleeperStates() {
  const states = {};
  for (const f of sleepers.fights) {
    try {
      const r = await api(f.sleeper, 'GET', `/api/fights/${f.id}`);
      count(states, r.body?.state || `HTTP ${r.status}`);
      const p = r.body?.players?.[0];
      if (p?.verdict) count(states, `host verdict ${p.verdict}`);
    } catch { count(states, 'unknown'); }
  }
  return states;
}

// ---- the protocol ----
const tasks = [];
let stopSampling = () => {};
process.on('message', async (m) => {
  if (m.cmd === 'start') {
    cfg = m.cfg;
    running = true;
    stopSampling = sampleLoop();
    if (cfg.slowloris > 0) tasks.push(startSlowloris());
    if (cfg.sseAnon > 0 || cfg.sseUser > 0) tasks.push(startSse());
    if (cfg.sprayRate > 0 && cfg.sprayConc > 0) tasks.push(startSpray());
    for (const s of cfg.sleepers) tasks.push(sleeperLoop(s));
    process.send({ type: 'started' });
  } else if (m.cmd === 'stop') {
    running = false;
    stopSampling();
    stopSlowloris();
    stopSse();
    await Promise.race([Promise.all(tasks), sleep(35000)]);
    const cpu = process.cpuUsage();
    const stats = {
      cpuS: (cpu.user + cpu.system) / 1e6,
      slowloris: { ...slow, medianLifetimeMs: Object.fromEntries(Object.entries(lifetimes).map(([k, v]) => [k, median(v)])),
        held: heldStats('slowloris'), asked: cfg.slowloris, ips: cfg.slowlorisIps },
      sse: { anon: { ...sse.anon, held: heldStats('sseAnon'), asked: cfg.sseAnon, ips: cfg.sseIps },
        user: { ...sse.user, held: heldStats('sseUser'), asked: cfg.sseUser } },
      spray: { ...spray, latencyMs: undefined, medianMs: median(spray.latencyMs), rate: cfg.sprayRate,
        conc: cfg.sprayConc, ips: cfg.sprayIps },
      sleepers: { created: sleepers.created, statuses: sleepers.statuses, errors: sleepers.errors,
        accounts: cfg.sleepers.length, states: await sleeperStates() },
    };
    process.send({ type: 'stats', stats }, () => process.exit(0));
  }
});
