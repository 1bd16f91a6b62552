// ladder_entry.test.mjs — entering a bot on its game's ladder and leaving
// it (issue 18, docs/ladder.md "Entries"), on the whole real stack: cf-web
// answers PATCH /api/bots/{id} {"ladder": ...}, cf-simulator (root: the real
// sandbox) runs each version's check, cf-result-processor stores it and
// makes the pending entry active or refused. The bot object's "ladder"
// says where the bot stands.
//   node --test tests/web/api/ladder_entry.test.mjs   (CF_WEB_BIN, CF_MIGRATE_BIN,
//   CF_RESULT_PROCESSOR_BIN, CF_SIMULATOR_BIN, CF_SOURCE_DIR, CF_DATABASE_URL,
//   CF_REDIS_URL; see CMakeLists.txt)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWeb, psql, stopStack, binsFromEnv, signUp, sleep, uniq, assertError } from './stack.mjs';

const bins = binsFromEnv('web', 'migrate', 'resultProcessor', 'simulator', 'source');
const GOOD = readFileSync(join(bins.source, 'games', 'tanks', 'templates', 'random_move_direct_fire.py'), 'utf8');
const BAD = 'class Main:\n    def decide_tick(self, tick, me, enemy):\n        x = 1\n        raise ValueError("no plan")\n';
const SIGMA0 = 25 / 3;

let stack;

before(async () => {
  stack = await startWeb({ ...bins, rpEnv: { CF_RESULT_PROCESSOR_RECONCILE_EVERY_MS: '500' } });
});

after(() => stopStack(stack));

const sql = (q, ...p) => psql(stack.databaseUrl, q, ...p);

async function upload(c, code, game = 'tanks') {
  const r = await c.post('/api/bots', { name: `bot ${uniq()}`, game, code });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.ladder, null, 'a new bot never entered');
  return r.body;
}

// The bot once cond(bot) holds, within ms.
async function until(c, botId, cond, what, ms = 10000) {
  const t0 = Date.now();
  for (;;) {
    const r = await c.get(`/api/bots/${botId}`);
    assert.equal(r.status, 200, r.text);
    if (cond(r.body)) return r.body;
    if (Date.now() - t0 > ms) {
      throw new Error(`${what}: not within ${ms} ms: ${JSON.stringify(r.body.ladder)}\nrp:\n${stack.rpLog.slice(-2000)}`);
    }
    await sleep(100);
  }
}
const checked = (c, botId, version) =>
  until(c, botId, (b) => b.versions.find((v) => v.version === version).check.status !== 'checking', `version ${version} checked`);

const enter = (c, botId, on = true) => c.patch(`/api/bots/${botId}`, { ladder: on });

function assertInitial(l) {
  assert.equal(l.mu, 25);
  assert.ok(Math.abs(l.sigma - SIGMA0) < 1e-9, String(l.sigma));
  assert.ok(Math.abs(l.rating) < 1e-9, String(l.rating));
  assert.equal(l.games, 0);
  assert.equal(l.provisional, true);
}

const entries = (botId) => sql(
  `SELECT string_agg(v.version || ':' || e.status, ',' ORDER BY v.version) FROM ladder_entries e
   JOIN bot_versions v ON v.id = e.bot_version_id WHERE e.bot_id = :'v1'`, botId);

test('a checked bot enters active at the initial rating; entering again changes nothing; leaving', async () => {
  const c = await signUp(stack, 'lad');
  const bot = await upload(c, GOOD);
  assert.equal((await checked(c, bot.id, 1)).versions[0].check.status, 'ok');
  const r = await enter(c, bot.id);
  assert.equal(r.status, 200, r.text);
  const l = r.body.ladder;
  assert.deepEqual(Object.keys(l).sort(), ['active_version', 'entered', 'games', 'mu', 'provisional', 'rank',
    'rating', 'reason', 'sigma', 'status', 'version'].sort());
  assert.equal(l.entered, true);
  assert.equal(l.status, 'active');
  assert.equal(l.version, 1);
  assert.equal(l.active_version, 1);
  assert.equal(l.reason, null);
  assert.ok(Number.isInteger(l.rank) && l.rank >= 1, String(l.rank));
  assertInitial(l);
  const again = await enter(c, bot.id);
  assert.equal(again.status, 200, again.text);
  assert.deepEqual(again.body.ladder, l);
  assert.equal(entries(bot.id), '1:active');
  assert.equal(sql("SELECT ladder FROM bots WHERE id = :'v1'", bot.id), 't');
  // the lists carry it too
  const list = await c.get('/api/bots');
  assert.deepEqual(list.body.bots.find((b) => b.id === bot.id).ladder, l);

  const off = await enter(c, bot.id, false);
  assert.equal(off.status, 200, off.text);
  assert.equal(off.body.ladder.entered, false);
  assert.equal(off.body.ladder.status, 'left');
  assert.equal(off.body.ladder.rank, null);
  assert.equal(off.body.ladder.active_version, null);
  assert.equal(entries(bot.id), '1:left');
  assert.equal(sql("SELECT ended_at IS NOT NULL FROM ladder_entries WHERE bot_id = :'v1'", bot.id), 't');
  // the same version back: its entry resumes, its rating kept
  sql("UPDATE ladder_entries SET mu = 30, sigma = 2, games = 12 WHERE bot_id = :'v1'", bot.id);
  const back = await enter(c, bot.id);
  assert.equal(back.status, 200, back.text);
  assert.equal(back.body.ladder.status, 'active');
  assert.equal(back.body.ladder.games, 12);
  assert.equal(back.body.ladder.rating, 24);
  assert.equal(back.body.ladder.provisional, false);
  assert.equal(entries(bot.id), '1:active');
});

test('a bot entered while its check runs is pending, then active', async () => {
  const c = await signUp(stack, 'lad');
  const bot = await upload(c, GOOD);
  const r = await enter(c, bot.id);
  assert.equal(r.status, 200, r.text);
  // the check may be over already under no load; usually it is not
  assert.ok(['pending', 'active'].includes(r.body.ladder.status), r.text);
  const b = await until(c, bot.id, (x) => x.ladder.status === 'active', 'pending -> active');
  assert.equal(b.ladder.version, 1);
  assertInitial(b.ladder);
  assert.equal(sql("SELECT activated_at IS NOT NULL AND ended_at IS NULL FROM ladder_entries WHERE bot_id = :'v1'", bot.id), 't');
});

test('a version that failed its check cannot enter: 422 with its message', async () => {
  const c = await signUp(stack, 'lad');
  const bot = await upload(c, BAD);
  const chk = (await checked(c, bot.id, 1)).versions[0].check;
  assert.equal(chk.status, 'failed');
  const r = await enter(c, bot.id);
  assertError(r, 422, /failed its check/);
  assert.ok(r.body.error.includes(chk.message), `${r.body.error} / ${chk.message}`);
  assert.equal(sql("SELECT ladder FROM bots WHERE id = :'v1'", bot.id), 'f');
  assert.equal((await c.get(`/api/bots/${bot.id}`)).body.ladder, null);
});

test('a version never checked (uploaded before checks) is checked on entering, pending until then', async () => {
  const c = await signUp(stack, 'lad');
  const bot = await upload(c, GOOD);
  await checked(c, bot.id, 1);
  sql(`UPDATE bot_versions SET check_status = NULL, check_id = NULL, check_message = NULL,
       check_sent_at = NULL, checked_at = NULL WHERE bot_id = :'v1'`, bot.id);
  const r = await enter(c, bot.id);
  assert.equal(r.status, 200, r.text);
  assert.ok(['pending', 'active'].includes(r.body.ladder.status), r.text);
  const b = await until(c, bot.id, (x) => x.ladder.status === 'active', 'checked, then active');
  assert.equal(b.versions[0].check.status, 'ok');
});

test('a new version of an entered bot is pending beside the active one, then replaces it', async () => {
  const c = await signUp(stack, 'lad');
  const bot = await upload(c, GOOD);
  await checked(c, bot.id, 1);
  assert.equal((await enter(c, bot.id)).status, 200);
  sql("UPDATE ladder_entries SET mu = 31, sigma = 3, games = 4 WHERE bot_id = :'v1'", bot.id);
  const v2 = await c.post(`/api/bots/${bot.id}/versions`, { code: `${GOOD}\n# v2\n` });
  assert.equal(v2.status, 201, v2.text);
  // either still pending (the old version's rating shown), or active already
  const l = v2.body.ladder;
  assert.equal(l.version, 2);
  if (l.status === 'pending') {
    assert.equal(l.active_version, 1);
    assert.equal(l.mu, 31);
    assert.equal(l.games, 4);
    assert.ok(Number.isInteger(l.rank));
  }
  const b = await until(c, bot.id, (x) => x.ladder.status === 'active', 'v2 active');
  assert.equal(b.ladder.version, 2);
  assert.equal(b.ladder.active_version, 2);
  assertInitial(b.ladder);
  assert.equal(entries(bot.id), '1:replaced,2:active');
  assert.equal(sql("SELECT mu || ' ' || games FROM ladder_entries e JOIN bot_versions v ON v.id = e.bot_version_id WHERE v.bot_id = :'v1' AND v.version = 1", bot.id), '31 4');
});

test('a new version that fails its check is refused with the reason; the active one stays', async () => {
  const c = await signUp(stack, 'lad');
  const bot = await upload(c, GOOD);
  await checked(c, bot.id, 1);
  assert.equal((await enter(c, bot.id)).status, 200);
  const v2 = await c.post(`/api/bots/${bot.id}/versions`, { code: BAD });
  assert.equal(v2.status, 201, v2.text);
  const b = await until(c, bot.id, (x) => x.ladder.status === 'refused', 'v2 refused');
  assert.equal(b.ladder.version, 2);
  assert.match(b.ladder.reason, /^ValueError: no plan \(line 4\) at tick 0$/);
  assert.equal(b.ladder.reason, b.versions[0].check.message);
  assert.equal(b.ladder.entered, true);
  assert.equal(b.ladder.active_version, 1);
  assert.ok(Number.isInteger(b.ladder.rank));
  assert.equal(entries(bot.id), '1:active,2:refused');
  // entering again names the failed check
  assertError(await enter(c, bot.id), 422, /ValueError: no plan/);
  assert.equal(entries(bot.id), '1:active,2:refused');
});

test('uploads in a row: the newest waits, the older pending one is replaced', async () => {
  const c = await signUp(stack, 'lad');
  const bot = await upload(c, GOOD);
  await checked(c, bot.id, 1);
  assert.equal((await enter(c, bot.id)).status, 200);
  for (const i of [2, 3]) assert.equal((await c.post(`/api/bots/${bot.id}/versions`, { code: `${GOOD}\n# ${i}\n` })).status, 201);
  await until(c, bot.id, (x) => x.ladder.status === 'active' && x.ladder.version === 3, 'v3 active');
  assert.equal(entries(bot.id), '1:replaced,2:replaced,3:active');
});

test('a check the reconciler gives up refuses the pending entry', async () => {
  const c = await signUp(stack, 'lad');
  const bot = await upload(c, GOOD);
  await checked(c, bot.id, 1);
  // As if its check were lost for good: checking, under an id no result
  // will come for, sent too often already.
  sql(`UPDATE bot_versions SET check_status = 'checking', check_message = NULL, check_id = gen_random_uuid(),
       check_sent_at = now(), check_attempts = 99 WHERE bot_id = :'v1'`, bot.id);
  const r = await enter(c, bot.id);
  assert.equal(r.body.ladder.status, 'pending', r.text);
  sql("UPDATE bot_versions SET check_sent_at = now() - interval '1 hour' WHERE bot_id = :'v1'", bot.id);
  const b = await until(c, bot.id, (x) => x.ladder.status === 'refused', 'refused by the reconciler');
  assert.match(b.ladder.reason, /the check did not finish \(sent 99 times\): given up/);
  assert.equal(b.ladder.rank, null);
});

test('rank: among the game\'s active entries by mu - 3 sigma', async () => {
  const c = await signUp(stack, 'lad');
  const top = await upload(c, GOOD);
  const next = await upload(c, GOOD);
  await checked(c, top.id, 1);
  await checked(c, next.id, 1);
  assert.equal((await enter(c, top.id)).status, 200);
  assert.equal((await enter(c, next.id)).status, 200);
  sql("UPDATE ladder_entries SET mu = 1000, sigma = 1 WHERE bot_id = :'v1'", top.id);
  sql("UPDATE ladder_entries SET mu = 999, sigma = 1 WHERE bot_id = :'v1'", next.id);
  assert.equal((await c.get(`/api/bots/${top.id}`)).body.ladder.rank, 1);
  assert.equal((await c.get(`/api/bots/${next.id}`)).body.ladder.rank, 2);
  sql("UPDATE ladder_entries SET mu = 1000 WHERE bot_id = :'v1'", next.id);
  assert.equal((await c.get(`/api/bots/${next.id}`)).body.ladder.rank, 1, 'ties share a rank');
});

test('a name and the ladder in one PATCH; a hidden game refuses entering with 409', async () => {
  const c = await signUp(stack, 'lad');
  const bot = await upload(c, GOOD);
  await checked(c, bot.id, 1);
  const name = `renamed ${uniq()}`;
  const r = await c.patch(`/api/bots/${bot.id}`, { name, ladder: true });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.name, name);
  assert.equal(r.body.ladder.status, 'active');
  // a name taken: nothing changes, the ladder neither
  const other = await upload(c, GOOD);
  assertError(await c.patch(`/api/bots/${other.id}`, { name, ladder: true }), 409, /already have a bot named/);
  assert.equal(sql("SELECT ladder FROM bots WHERE id = :'v1'", other.id), 'f');

  sql("INSERT INTO hidden_games (game) VALUES ('tanks')");
  try {
    assertError(await enter(c, other.id), 409, /not offered/);
    assert.equal(sql("SELECT ladder FROM bots WHERE id = :'v1'", other.id), 'f');
    assert.equal(entries(other.id), '');
    // leaving is always allowed
    assert.equal((await enter(c, bot.id, false)).body.ladder.status, 'left');
  } finally {
    sql("DELETE FROM hidden_games WHERE game = 'tanks'");
  }
});

test('only the owner; bad bodies are 400', async () => {
  const c = await signUp(stack, 'lad');
  const bot = await upload(c, GOOD);
  const stranger = await signUp(stack, 'lad');
  assertError(await enter(stranger, bot.id), 404, /no such bot/);
  assertError(await enter(stranger, bot.id, false), 404, /no such bot/);
  assertError(await enter(c, '99999999'), 404, /no such bot/);
  for (const body of [{ ladder: 'yes' }, { ladder: 1 }, { ladder: null }, { ladder: [true] }, {}, { name: 7, ladder: true }]) {
    assertError(await c.patch(`/api/bots/${bot.id}`, body), 400, /./);
  }
  assertError(await c.patch(`/api/bots/${bot.id}`, '{"ladder": tru', { headers: { 'Content-Type': 'application/json' } }), 400, /JSON/);
  assert.equal(sql("SELECT ladder FROM bots WHERE id = :'v1'", bot.id), 'f');
  assert.equal(entries(bot.id), '');
});
