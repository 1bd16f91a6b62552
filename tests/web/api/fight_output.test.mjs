// fight_output.test.mjs — what a bot printed, by tick (issue 17), on the
// whole real stack: cf-simulator runs the fights in the sandbox and tags
// each line with its tick, cf-result-processor stores it beside the players,
// and GET /api/fights/{id}/output gives each bot's owner their own bots'
// lines only (403 for other users and operators, 401 logged out, 404 for a
// fight the caller may not see). A cf:results entry injected with a bad
// output is stored without it, with a line in the result processor's log.
//   node --test tests/web/api/fight_output.test.mjs  (CF_WEB_BIN, CF_MIGRATE_BIN,
//   CF_RESULT_PROCESSOR_BIN, CF_SIMULATOR_BIN, CF_SOURCE_DIR, CF_DATABASE_URL, CF_REDIS_URL)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startWeb, Client, psql, redis, stopStack, binsFromEnv, signUp, assertError, sleep } from './stack.mjs';

const bins = binsFromEnv('web', 'migrate', 'resultProcessor', 'simulator', 'source');
const printer = (who, at) => 'import sys\n\nclass Main:\n    def decide_tick(self, tick, me, enemy):\n' +
  `        if tick == ${at}:\n            print("${who} tick %d" % tick)\n` +
  `        if tick == ${at + 2}:\n            print("${who} on stderr", file=sys.stderr)\n` +
  '        return "N"\n';

let stack;
let op;
let anon;

before(async () => {
  stack = await startWeb({ ...bins, simulatorEnv: { CF_SIMULATOR_CONSUMER: 'sim-output-test' } });
  op = await signUp(stack, 'op');
  psql(stack.databaseUrl, "UPDATE users SET role = 'operator' WHERE id = :'v1'", op.id);
  anon = new Client(stack.baseURL);
});

after(() => stopStack(stack));

async function until(what, fn, ms = 60000) {
  for (let t = 0; t < ms; t += 200) {
    if (await fn()) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function created(r) {
  assert.equal(r.status, 201, `${r.status} ${r.text}`);
  return r.body;
}

async function finished(c, id) {
  await until(`fight ${id} to finish`, async () => (await c.get(`/api/fights/${id}`)).body.state === 'finished');
}

test("two users' bots: each owner reads their own bot's lines at their ticks, nobody else", async () => {
  const host = await signUp(stack, 'host');
  const guest = await signUp(stack, 'guest');
  const outsider = await signUp(stack, 'out');
  const hb = created(await host.post('/api/bots', { name: 'Loud', game: 'tanks', code: printer('H', 3) }));
  const gb = created(await guest.post('/api/bots', { name: 'Also loud', game: 'tanks', code: printer('G', 4) }));
  const fight = created(await host.post('/api/fights', { game: 'tanks', bot_id: hb.id, public: false, invite: [guest.username] }));
  // Not run yet: the owner's slot with nothing in it.
  const early = await host.get(`/api/fights/${fight.id}/output`);
  assert.equal(early.status, 200, early.text);
  assert.deepEqual(early.body, { fight_id: fight.id, players: [{ slot: 0, output: [] }] });

  const inv = (await guest.get('/api/invitations')).body.invitations.find((i) => i.fight_id === fight.id);
  assert.equal((await guest.post(`/api/invitations/${inv.id}/accept`, { bot_id: gb.id })).status, 200);
  await finished(host, fight.id);

  const mine = await host.get(`/api/fights/${fight.id}/output`);
  assert.equal(mine.status, 200, mine.text);
  assert.match(mine.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(mine.body, { fight_id: fight.id, players: [{ slot: 0, output: [[3, 'H tick 3\n'], [5, 'H on stderr\n']] }] });
  const theirs = await guest.get(`/api/fights/${fight.id}/output`);
  assert.equal(theirs.status, 200, theirs.text);
  assert.deepEqual(theirs.body, { fight_id: fight.id, players: [{ slot: 1, output: [[4, 'G tick 4\n'], [6, 'G on stderr\n']] }] });

  // A private fight: not there for those who may not see it.
  assertError(await outsider.get(`/api/fights/${fight.id}/output`), 404);
  assertError(await op.get(`/api/fights/${fight.id}/output`), 404);
  assertError(await anon.get(`/api/fights/${fight.id}/output`), 401);

  // The report's contract and the Fight object are as they were.
  assert.equal(psql(stack.databaseUrl, "SELECT bool_or(p ? 'output') FROM fight_reports, jsonb_array_elements(report->'players') p WHERE fight_id = :'v1'", fight.id), 'f');
  assert.equal(psql(stack.databaseUrl, "SELECT report ? 'output' FROM fight_reports WHERE fight_id = :'v1'", fight.id), 'f');
  const f = (await host.get(`/api/fights/${fight.id}`)).body;
  assert.equal(f.players[0].log, 'H tick 3\nH on stderr\n', "the log as it always was");
  assert.ok(f.players.every((p) => !('output' in p)));
});

test('a public fight: other users and operators get 403, logged out 401, bad ids 404', async () => {
  const owner = await signUp(stack, 'owner');
  const other = await signUp(stack, 'other');
  const b = created(await owner.post('/api/bots', { name: 'Talker', game: 'tanks', code: printer('T', 1) }));
  const fight = created(await owner.post('/api/fights/play-now', { bot_id: b.id, public: true }));
  await finished(owner, fight.id);
  const mine = await owner.get(`/api/fights/${fight.id}/output`);
  assert.equal(mine.status, 200, mine.text);
  assert.deepEqual(mine.body.players, [{ slot: 0, output: [[1, 'T tick 1\n'], [3, 'T on stderr\n']] }]);
  assert.equal(psql(stack.databaseUrl, "SELECT output::text FROM fight_players WHERE fight_id = :'v1' AND slot = 0", fight.id),
    '[[1, "T tick 1\\n"], [3, "T on stderr\\n"]]');

  assertError(await other.get(`/api/fights/${fight.id}/output`), 403, /owner/);
  assertError(await op.get(`/api/fights/${fight.id}/output`), 403, /owner/);
  assertError(await anon.get(`/api/fights/${fight.id}/output`), 401);
  assertError(await owner.get(`/api/fights/${randomUUID()}/output`), 404);
  assertError(await owner.get('/api/fights/not-a-uuid/output'), 404);
  assertError(await owner.get(`/api/fights/${fight.id}%27/output`), 404);
});

// A report of one player for an injected result.
const report = (id) => JSON.stringify({
  fight_id: id, game: 'tanks', seed: 7, status: 'finished',
  players: [{ name: 'a.py', result: 'win', rank: 1, score: null, verdict: 'ok', detail: '', cpu_ms: 12, peak_memory_kb: 9120, log: 'hi\n' }],
  result: ['W'], explanation: '', ticks: 3, data: [], elapsed_ms: 14,
});

test('cf:results by hand: a good output is stored, a bad one dropped with a log line', async () => {
  const good = randomUUID();
  redis(stack.redisUrl, 'XADD', 'cf:results', '*', 'id', good, 'status', 'finished', 'report', report(good),
    'output', JSON.stringify({ 0: [[0, 'hi\n']] }));
  const bad = randomUUID();
  redis(stack.redisUrl, 'XADD', 'cf:results', '*', 'id', bad, 'status', 'finished', 'report', report(bad),
    'output', JSON.stringify({ 0: [[2, 'b'], [1, 'a']] }));
  for (const id of [good, bad])
    await until(`fight ${id} stored`, () => psql(stack.databaseUrl, "SELECT status FROM fights WHERE id = :'v1'", id) === 'finished');
  assert.equal(psql(stack.databaseUrl, "SELECT output::text FROM fight_players WHERE fight_id = :'v1'", good), '[[0, "hi\\n"]]');
  assert.equal(psql(stack.databaseUrl, "SELECT coalesce(output::text, 'NULL') || ' ' || log FROM fight_players WHERE fight_id = :'v1'", bad), 'NULL hi', 'stored without the output, the rest as sent');
  const line = new RegExp(`fight ${bad}: field 'output': slot 0: output ticks must be strictly increasing: stored without it`);
  await until('the log line', () => line.test(stack.rpLog), 10000);
});
