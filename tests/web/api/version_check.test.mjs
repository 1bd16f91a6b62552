// version_check.test.mjs — every uploaded version is checked in the sandbox
// (issue 17), on the whole real stack: cf-web sends the check (a short
// validation fight of the version against itself) on cf:fights,
// cf-simulator (root: the real sandbox) runs it, cf-result-processor
// stores its outcome on the version. The upload still succeeds; the
// version shows checking, then ok or failed with a message naming the
// line; a failed version still fights; no check is a fight anywhere.
//   node --test tests/web/api/version_check.test.mjs   (CF_WEB_BIN, CF_MIGRATE_BIN,
//   CF_RESULT_PROCESSOR_BIN, CF_SIMULATOR_BIN, CF_SOURCE_DIR, CF_DATABASE_URL,
//   CF_REDIS_URL; see CMakeLists.txt)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWeb, psql, stopStack, binsFromEnv, signUp, sleep, uniq } from './stack.mjs';

const bins = binsFromEnv('web', 'migrate', 'resultProcessor', 'simulator', 'source');
const GOOD = readFileSync(join(bins.source, 'games', 'tanks', 'templates', 'random_move_direct_fire.py'), 'utf8');

let stack;

before(async () => {
  stack = await startWeb({
    ...bins,
    rpEnv: { CF_RESULT_PROCESSOR_RECONCILE_EVERY_MS: '500' },
  });
});

after(() => stopStack(stack));

// The version's check once it is known (not "checking"), within ms.
async function checked(c, botId, version, ms = 8000) {
  const t0 = Date.now();
  for (;;) {
    const r = await c.get(`/api/bots/${botId}`);
    assert.equal(r.status, 200, r.text);
    const v = r.body.versions.find((x) => x.version === version);
    assert.ok(v, `version ${version} exists`);
    assert.ok(v.check && typeof v.check === 'object', JSON.stringify(v));
    if (v.check.status !== 'checking') return v.check;
    if (Date.now() - t0 > ms) {
      throw new Error(`version ${version} still checking after ${ms} ms\nsim:\n${stack.simLog.slice(-2000)}\nrp:\n${stack.rpLog.slice(-2000)}`);
    }
    await sleep(100);
  }
}

async function upload(c, code, name = `bot ${uniq()}`) {
  const r = await c.post('/api/bots', { name, game: 'tanks', code });
  assert.equal(r.status, 201, r.text);
  // Checking, unless the sandbox was faster than the answer: a check that
  // fails at import can be stored before the upload's answer is read.
  assert.match(r.body.versions[0].check.status, /^(checking|ok|failed)$/);
  return r.body;
}

// Plays the bot against the house bot; the fight finishes.
async function fights(c, botId) {
  const r = await c.post('/api/fights/play-now', { bot_id: botId });
  assert.equal(r.status, 201, r.text);
  for (let i = 0; i < 200; i++) {
    const f = await c.get(`/api/fights/${r.body.id}`);
    if (f.body.state === 'finished') return f.body;
    assert.notEqual(f.body.state, 'failed', f.text);
    await sleep(100);
  }
  throw new Error('the fight did not finish');
}

const CASES = [
  ['a good bot', GOOD, 'ok', null],
  ['a syntax error', 'class Main:\n    def decide_tick(self, tick, me, enemy):\n        return (\n\n\nx = 1 +\n', 'failed',
    /^SyntaxError: .* \(line \d+\)$/],
  ['a syntax error on line 3', 'import random\n\nclass Main(:\n    pass\n', 'failed', /^SyntaxError: .*\(line 3\)$/],
  ['no class Main', 'import random\n\nclass Bot:\n    def decide_tick(self, *a):\n        return "N"\n', 'failed', /no class Main/],
  ['Main without decide_tick', 'class Main:\n    def decide(self, *a):\n        return "N"\n', 'failed',
    /Main has no decide_tick/],
  ['an import that fails', 'import numpy\n\nclass Main:\n    def decide_tick(self, *a):\n        return "N"\n', 'failed',
    /^ModuleNotFoundError: No module named 'numpy' \(line 1\)$/],
  ['an error raised at import', 'X = 1\nY = {}["missing"]\n\nclass Main:\n    def decide_tick(self, *a):\n        return "N"\n', 'failed',
    /^KeyError: 'missing' \(line 2\)$/],
  ['a call that raises', 'class Main:\n    def decide_tick(self, tick, me, enemy):\n        x = 1\n        raise ValueError("no plan")\n', 'failed',
    /^ValueError: no plan \(line 4\) at tick 0$/],
  ['a forbidden call at import', 'import subprocess\nsubprocess.run(["ls"])\n\nclass Main:\n    def decide_tick(self, *a):\n        return "N"\n', 'failed',
    /forbids: forbidden system call/],
];

for (const [what, code, status, message] of CASES) {
  test(`check at upload: ${what} -> ${status}`, async () => {
    const c = await signUp(stack, 'chk');
    const t0 = Date.now();
    const bot = await upload(c, code);
    const check = await checked(c, bot.id, 1);
    assert.ok(Date.now() - t0 < 8000);
    assert.equal(check.status, status, JSON.stringify(check));
    if (message === null) assert.equal(check.message, null);
    else assert.match(check.message, message);
  });
}

test('a failed version is kept and still fights; a new version is checked on its own', async () => {
  const c = await signUp(stack, 'chk');
  const bot = await upload(c, 'class Main:\n    def decide_tick(self, *a):\n        return (\n');
  assert.equal((await checked(c, bot.id, 1)).status, 'failed');
  const f = await fights(c, bot.id);
  assert.equal(f.players.length, 2);
  assert.equal(f.players.find((p) => p.username === c.username).verdict, 'crashed');
  const r = await c.post(`/api/bots/${bot.id}/versions`, { code: GOOD });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.versions[0].version, 2);
  assert.match(r.body.versions[0].check.status, /^(checking|ok)$/);
  assert.equal((await checked(c, bot.id, 2)).status, 'ok');
  assert.equal((await checked(c, bot.id, 1)).status, 'failed');
});

test('checks are no fights: not listed, not counted', async () => {
  const c = await signUp(stack, 'chk');
  const bot = await upload(c, GOOD);
  await checked(c, bot.id, 1);
  assert.equal(psql(stack.databaseUrl, "SELECT count(*) FROM fights WHERE host_id = :'v1'", c.id), '0');
  const mine = await c.get('/api/fights?mine=1');
  assert.equal(mine.status, 200);
  assert.deepEqual(mine.body.fights, []);
});

test('one check of a user in cf:fights at a time; a burst is checked in order', async () => {
  const c = await signUp(stack, 'chk');
  const bot = await upload(c, GOOD);
  for (let i = 0; i < 4; i++) {
    const r = await c.post(`/api/bots/${bot.id}/versions`, { code: `${GOOD}\n# ${i}\n` });
    assert.equal(r.status, 201, r.text);
  }
  const inFlight = () => Number(psql(stack.databaseUrl,
    `SELECT count(*) FROM bot_versions WHERE bot_id = :'v1' AND check_status = 'checking'
     AND check_sent_at IS NOT NULL`, bot.id));
  for (let t = 0; t < 100; t++) {
    assert.ok(inFlight() <= 1);
    const left = Number(psql(stack.databaseUrl,
      "SELECT count(*) FROM bot_versions WHERE bot_id = :'v1' AND check_status = 'checking'", bot.id));
    if (left === 0) break;
    await sleep(100);
  }
  for (let v = 1; v <= 5; v++) assert.equal((await checked(c, bot.id, v, 1000)).status, 'ok');
});

test('a check lost after it was sent is sent again by the reconciler', async () => {
  const c = await signUp(stack, 'chk');
  const bot = await upload(c, GOOD);
  await checked(c, bot.id, 1);
  // As if its entry had been lost: checking, sent long ago, under an id no
  // result will come for.
  psql(stack.databaseUrl,
    `UPDATE bot_versions SET check_status = 'checking', check_message = NULL,
     check_id = gen_random_uuid(), check_sent_at = now() - interval '1 hour'
     WHERE bot_id = :'v1'`, bot.id);
  assert.equal((await checked(c, bot.id, 1, 10000)).status, 'ok');
  assert.equal(psql(stack.databaseUrl, "SELECT check_attempts FROM bot_versions WHERE bot_id = :'v1'", bot.id), '2');
});
