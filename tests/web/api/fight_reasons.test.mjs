// fight_reasons.test.mjs — a failed fight's explanation is the pipeline's
// own words ("Bad entry: field 'players': ..."): the API gives it to the
// fight's host and to operators, and a generic sentence to everyone else
// (issue 17). The fight is injected with redis-cli as docs/streams.md shows,
// so the real cf-simulator dead-letters it and the real cf-result-processor
// stores its failed row (no host).
//   node --test tests/web/api/fight_reasons.test.mjs  (CF_WEB_BIN, CF_MIGRATE_BIN,
//   CF_RESULT_PROCESSOR_BIN, CF_SIMULATOR_BIN, CF_SOURCE_DIR, CF_DATABASE_URL, CF_REDIS_URL)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startWeb, Client, psql, redis, stopStack, binsFromEnv, signUp, sleep } from './stack.mjs';

const bins = binsFromEnv('web', 'migrate', 'resultProcessor', 'simulator', 'source');
const GENERIC = 'The fight could not be simulated; its host and the operators see why.';
const BOT = 'class Main:\n    def decide_tick(self, *a):\n        return None\n';

let stack;
let op;
let someone;
let anon;

before(async () => {
  stack = await startWeb({ ...bins, simulatorEnv: { CF_SIMULATOR_CONSUMER: 'sim-reasons-test' } });
  op = await signUp(stack, 'op');
  psql(stack.databaseUrl, "UPDATE users SET role = 'operator' WHERE id = :'v1'", op.id);
  someone = await signUp(stack, 'someone');
  anon = new Client(stack.baseURL);
});

after(() => stopStack(stack));

async function until(what, fn, ms = 30000) {
  for (let t = 0; t < ms; t += 200) {
    if (await fn()) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test("an injected fight that failed: its reason for operators only, a generic sentence for others", async () => {
  const id = randomUUID();
  // The case: a NUL escaped inside a JSON string of players.
  const players = JSON.stringify([{ name: 'a\u0000.py', code: BOT }, { name: 'b.py', code: BOT }]);
  redis(stack.redisUrl, 'XADD', 'cf:fights', '*', 'id', id, 'game', 'tanks', 'players', players);
  await until('the failed row', () => psql(stack.databaseUrl, "SELECT status FROM fights WHERE id = :'v1'", id) === 'failed');
  const stored = psql(stack.databaseUrl, "SELECT explanation FROM fights WHERE id = :'v1'", id);
  assert.match(stored, /players/, 'the stored reason is the pipeline\'s');

  const asOp = await op.get(`/api/fights/${id}`);
  assert.equal(asOp.status, 200, asOp.text);
  assert.equal(asOp.body.state, 'failed');
  assert.equal(asOp.body.host, null, 'an injected fight has no host');
  assert.equal(asOp.body.explanation, stored, 'operators read the reason');

  for (const [who, c] of [['a user', someone], ['a visitor', anon]]) {
    const r = await c.get(`/api/fights/${id}`);
    assert.equal(r.status, 200, `${who}: ${r.text}`);
    assert.equal(r.body.state, 'failed');
    assert.equal(r.body.explanation, GENERIC, `${who} gets the generic sentence`);
    assert.doesNotMatch(r.text, /players'|Bad entry|\\u0000/, `${who} sees nothing of the reason`);
  }
});

test("a hosted fight that failed: its host reads the reason, its other readers the generic sentence", async () => {
  const host = await signUp(stack, 'host');
  const b = await host.post('/api/bots', { name: 'failing', game: 'tanks', code: BOT });
  assert.equal(b.status, 201, b.text);
  const f = await host.post('/api/fights', { game: 'tanks', bot_id: b.body.id, public: true });
  assert.equal(f.status, 201, f.text);
  const reason = 'sandbox: cgroup setup failed on worker sim-3 (EBUSY)';
  psql(stack.databaseUrl, "UPDATE fights SET status = 'failed', finished_at = now(), explanation = :'v2' WHERE id = :'v1'", f.body.id, reason);

  assert.equal((await host.get(`/api/fights/${f.body.id}`)).body.explanation, reason);
  assert.equal((await op.get(`/api/fights/${f.body.id}`)).body.explanation, reason);
  assert.equal((await someone.get(`/api/fights/${f.body.id}`)).body.explanation, GENERIC);
  assert.equal((await anon.get(`/api/fights/${f.body.id}`)).body.explanation, GENERIC);

  // A finished fight's explanation is the game's, for everyone (a user:
  // anonymous answers of an ended fight are cached for a few seconds).
  psql(stack.databaseUrl, "UPDATE fights SET status = 'finished', explanation = 'b.py destroyed at tick 3' WHERE id = :'v1'", f.body.id);
  assert.equal((await someone.get(`/api/fights/${f.body.id}`)).body.explanation, 'b.py destroyed at tick 3');
});
