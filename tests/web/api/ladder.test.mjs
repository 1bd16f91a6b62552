// ladder.test.mjs — the ladder's scheduler (issue 18) on the whole real
// stack: three Tanks bots of clearly different strength (one that hits,
// one that moves at random, one that does nothing), owned by three test
// users, entered into the ladder; two more cf-web processes run the
// scheduler (every 100 ms, one ladder fight in flight), each killed with
// SIGKILL mid-run and started again; cf-simulator (root: the real sandbox)
// runs the fights, cf-result-processor stores and rates them.
//
// It checks: nothing is scheduled while the scheduler is off (the API's
// own process runs with ladder.interval_ms 0) or while a user's fight
// waits; never more than one ladder fight queued or running, consecutive
// ones at least the interval apart (one scheduler at a time); ladder fights
// are ordinary public fights with a replay; once each bot has 10 games,
// every ladder fight finished, none lost, none rated twice (each entry's
// games are its ladder_ratings rows, all games twice the fights), and the
// ladder's order by mu - 3 sigma is hitter > random > idle.
//
// Entering is PATCH /api/bots/{id} {"ladder": true}; the rating is the
// result processor's: without it no game is ever counted and the test
// fails saying so.
//   node --test tests/web/api/ladder.test.mjs   (CF_WEB_BIN, CF_MIGRATE_BIN,
//   CF_RESULT_PROCESSOR_BIN, CF_SIMULATOR_BIN, CF_SOURCE_DIR, CF_DATABASE_URL,
//   CF_REDIS_URL; see CMakeLists.txt)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  startWeb, psql, stopStack, binsFromEnv, signUp, sleep, Client, SANITIZER,
} from './stack.mjs';

const bins = binsFromEnv('web', 'migrate', 'resultProcessor', 'simulator', 'source');
const here = join(bins.source, 'tests', 'web', 'api');
const templates = join(bins.source, 'games', 'tanks', 'templates');
const BOTS = {
  hitter: readFileSync(join(here, 'bots', 'ladder_hitter.py'), 'utf8'),
  random: readFileSync(join(templates, 'random_move_direct_fire.py'), 'utf8'),
  idle: readFileSync(join(templates, 'empty.py'), 'utf8'),
};
const INTERVAL_MS = 100;
const GAMES = 10;

let stack;
const schedulers = {}; // name -> another cf-web process running the scheduler
const logs = []; // every scheduler process's log, killed ones included
const bots = {}; // name -> { client, id, version }

before(async () => {
  stack = await startWeb({
    ...bins,
    // the API's process schedules nothing: the scheduler is off there
    env: { CF_LADDER_INTERVAL_MS: '0' },
    simulatorEnv: { CF_ARCADE_SLOTS: '0' },
  });
});

after(async () => {
  for (const s of Object.values(schedulers)) await s.stop();
  for (const log of logs) assert.doesNotMatch(log.text, SANITIZER, log.text.slice(-4000));
  await stopStack(stack);
});

// Another cf-web on the test's database and Redis, its scheduler on.
async function startScheduler(name) {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    CF_DATABASE_URL: stack.databaseUrl,
    CF_REDIS_URL: stack.redisUrl,
    CF_WEB_LISTEN: `127.0.0.1:${port}`,
    CF_WEB_STATIC_DIR: join(bins.source, 'web', 'static'),
    CF_WEB_GAMES_DIR: join(bins.source, 'games'),
    CF_LADDER_INTERVAL_MS: String(INTERVAL_MS),
    CF_LADDER_MAX_IN_FLIGHT: '1',
    ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1',
  };
  const log = { name, text: '' };
  logs.push(log);
  const proc = spawn(bins.web, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', (d) => { log.text += d; });
  proc.stderr.on('data', (d) => { log.text += d; });
  const s = { proc, log };
  s.kill9 = async () => {
    proc.kill('SIGKILL');
    for (let i = 0; i < 100 && proc.exitCode === null && proc.signalCode === null; i++) await sleep(50);
  };
  s.stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    for (let i = 0; i < 100 && proc.exitCode === null; i++) await sleep(100);
    if (proc.exitCode === null) proc.kill('SIGKILL');
    assert.equal(proc.exitCode, 0, log.text.slice(-2000));
  };
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`cf-web exited at start:\n${log.text}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch { /* not yet */ }
    if (i > 100) throw new Error(`cf-web did not answer:\n${log.text}`);
    await sleep(200);
  }
  schedulers[name] = s;
  return s;
}

const ladderFights = () => Number(psql(stack.databaseUrl, 'SELECT count(*) FROM fights WHERE ladder'));
const inFlight = () => Number(psql(stack.databaseUrl,
  "SELECT count(*) FROM fights WHERE ladder AND status IN ('queued', 'running')"));

function entries() {
  const rows = psql(stack.databaseUrl,
    "SELECT e.bot_id, e.games, e.mu - 3 * e.sigma, e.status FROM ladder_entries e ORDER BY e.bot_id");
  return rows ? rows.split('\n').map((l) => {
    const [botId, games, rating, status] = l.split('|');
    return { botId, games: Number(games), rating: Number(rating), status };
  }) : [];
}

async function checkedOk(c, botId) {
  for (let i = 0; i < 300; i++) {
    const r = await c.get(`/api/bots/${botId}`);
    const v = r.body.versions[0];
    if (v.check.status === 'ok') return v;
    assert.equal(v.check.status, 'checking', JSON.stringify(v.check));
    await sleep(100);
  }
  throw new Error(`bot ${botId}'s version was not checked\n${stack.simLog.slice(-2000)}`);
}

// Enters the bot through the API; its checked version is active at once.
async function enter(bot) {
  const r = await bot.client.patch(`/api/bots/${bot.id}`, { ladder: true });
  assert.equal(r.status, 200, r.text);
  for (let i = 0; i < 200; i++) {
    const e = entries().find((x) => x.botId === String(bot.id));
    if (e && e.status === 'active') return;
    await sleep(100);
  }
  throw new Error(`bot ${bot.id} entered but never active: ${JSON.stringify(entries())}`);
}

test('three Tanks bots of different strength, each checked and entered', async () => {
  for (const name of Object.keys(BOTS)) {
    const client = await signUp(stack, `ladder_${name}`);
    const r = await client.post('/api/bots', { name, game: 'tanks', code: BOTS[name] });
    assert.equal(r.status, 201, r.text);
    bots[name] = { client, id: r.body.id };
    await checkedOk(client, r.body.id);
  }
  for (const bot of Object.values(bots)) await enter(bot);
  const active = entries().filter((e) => e.status === 'active');
  assert.equal(active.length, 3, JSON.stringify(entries()));
});

test('ladder.interval_ms 0: the scheduler is off', async () => {
  await sleep(10 * INTERVAL_MS + 500);
  assert.equal(ladderFights(), 0);
  assert.match(stack.log, /ladder scheduler off/);
});

test('users first: no ladder fight while a user\'s fight waits', async () => {
  // a user's fight queued (it never reaches a simulator: no outbox row)
  const waiting = psql(stack.databaseUrl,
    "INSERT INTO fights (id, game, host_id, status, queued_at) "
    + "VALUES (gen_random_uuid(), 'tanks', :'v1', 'queued', now()) RETURNING id",
    String(bots.idle.client.id));
  await startScheduler('a');
  await startScheduler('b');
  await sleep(15 * INTERVAL_MS + 1000);
  assert.equal(ladderFights(), 0, 'a ladder fight was made while a user\'s fight waited');
  psql(stack.databaseUrl, "DELETE FROM fights WHERE id = :'v1'", waiting);
  for (let i = 0; i < 100 && ladderFights() === 0; i++) await sleep(100);
  assert.ok(ladderFights() > 0, `no ladder fight made\n${logs.map((l) => l.text.slice(-1500)).join('\n')}`);
});

test('until each has 10 games: one scheduler at a time, each killed and restarted', async () => {
  const t0 = Date.now();
  let maxInFlight = 0;
  let killedA = false;
  let killedB = false;
  let firstFinishedAt = null;
  for (;;) {
    maxInFlight = Math.max(maxInFlight, inFlight());
    assert.ok(maxInFlight <= 1, 'two ladder fights in flight at once: two schedulers acted');
    const finished = Number(psql(stack.databaseUrl,
      "SELECT count(*) FROM fights WHERE ladder AND status = 'finished'"));
    const es = entries();
    // each process is killed once, however fast the games come
    if (es.every((e) => e.games >= GAMES) && killedA && killedB) break;
    if (finished > 0 && firstFinishedAt === null) firstFinishedAt = Date.now();
    if (firstFinishedAt !== null && Date.now() - firstFinishedAt > 30000 && es.every((e) => e.games === 0)) {
      assert.fail('ladder fights finish but none is rated: the rating of ladder fights in '
        + 'cf-result-processor (issue 18, fights.ladder -> ladder_entries, ladder_ratings) is needed');
    }
    // kill -9 each scheduler process mid-run, then start it again
    if (!killedA && finished >= 4) {
      killedA = true;
      await schedulers.a.kill9();
      await sleep(500);
      await startScheduler('a');
    }
    if (!killedB && finished >= 9) {
      killedB = true;
      await schedulers.b.kill9();
      await sleep(500);
      await startScheduler('b');
    }
    const failed = psql(stack.databaseUrl,
      "SELECT id || ' ' || status || ' ' || explanation FROM fights WHERE ladder AND status IN ('failed', 'cancelled')");
    assert.equal(failed, '', `a ladder fight did not finish\n${stack.simLog.slice(-2000)}`);
    if (Date.now() - t0 > 420000) {
      assert.fail(`not ${GAMES} games each within 7 minutes: ${JSON.stringify(es)}, `
        + `${finished} ladder fights finished\nrp:\n${stack.rpLog.slice(-2000)}`);
    }
    await sleep(100);
  }
  for (const s of Object.values(schedulers)) await s.stop();
  // what was in flight when they stopped ends too
  for (let i = 0; i < 600 && inFlight() > 0; i++) await sleep(100);
  assert.equal(inFlight(), 0);
});

test('no fight lost, none rated twice', (t) => {
  const db = stack.databaseUrl;
  assert.equal(psql(db, "SELECT count(*) FROM fights WHERE ladder AND status <> 'finished'"), '0');
  const fights = Number(psql(db, 'SELECT count(*) FROM fights WHERE ladder'));
  // every ladder fight: two players, each an entered version, rated once
  assert.equal(psql(db,
    'SELECT count(*) FROM fights f WHERE f.ladder AND ((SELECT count(*) FROM fight_players p '
    + 'WHERE p.fight_id = f.id AND p.bot_version_id IN (SELECT bot_version_id FROM ladder_entries)) <> 2 '
    + 'OR (SELECT count(*) FROM ladder_ratings r WHERE r.fight_id = f.id) <> 2)'), '0');
  // each entry's games are its ratings; all games are twice the fights
  assert.equal(psql(db,
    'SELECT count(*) FROM ladder_entries e WHERE e.games <> '
    + '(SELECT count(*) FROM ladder_ratings r WHERE r.bot_version_id = e.bot_version_id)'), '0');
  assert.equal(Number(psql(db, 'SELECT sum(games) FROM ladder_entries')), 2 * fights);
  const made = ['a', 'b'].map((n) => logs.filter((l) => l.name === n)
    .reduce((k, l) => k + (l.text.match(/ladder: fight /g) || []).length, 0));
  t.diagnostic(`${fights} ladder fights, made by process a: ${made[0]}, b: ${made[1]} (four processes in turn)`);
  // one at a time: consecutive ladder fights at least the interval apart
  const gaps = psql(db,
    'SELECT count(*) FROM (SELECT created_at - lag(created_at) OVER (ORDER BY created_at) AS gap '
    + "FROM fights WHERE ladder) g WHERE gap < :'v1'::int * interval '1 ms'", String(INTERVAL_MS));
  assert.equal(gaps, '0');
  // never the same pairing twice in a row for a bot (three bots: always another)
  const seq = psql(db,
    "SELECT string_agg(p.bot_version_id::text, ',' ORDER BY p.slot) FROM fights f "
    + 'JOIN fight_players p ON p.fight_id = f.id WHERE f.ladder GROUP BY f.id, f.created_at ORDER BY f.created_at')
    .split('\n').map((l) => l.split(',').sort().join(','));
  const last = {};
  for (const pair of seq) {
    for (const v of pair.split(',')) {
      assert.notEqual(last[v], pair, `version ${v} met the same opponent twice in a row`);
      last[v] = pair;
    }
  }
});

test('ladder fights are ordinary public fights with a replay', async () => {
  const id = psql(stack.databaseUrl, 'SELECT id FROM fights WHERE ladder ORDER BY created_at LIMIT 1');
  const anon = new Client(stack.baseURL);
  const f = await anon.get(`/api/fights/${id}`);
  assert.equal(f.status, 200, f.text);
  assert.equal(f.body.state, 'finished');
  assert.equal(f.body.public, true);
  assert.equal(f.body.players.length, 2);
  const replay = await anon.get(`/api/fights/${id}/replay`);
  assert.equal(replay.status, 200, replay.text);
});

test('the ladder\'s order: hitter > random > idle', () => {
  const rating = (name) => entries().find((e) => e.botId === String(bots[name].id));
  const [h, r, i] = ['hitter', 'random', 'idle'].map(rating);
  for (const e of [h, r, i]) assert.ok(e.games >= GAMES, JSON.stringify(e));
  assert.ok(h.rating > r.rating, `hitter ${h.rating} <= random ${r.rating}`);
  assert.ok(r.rating > i.rating, `random ${r.rating} <= idle ${i.rating}`);
});
