// admin_users.test.mjs — the operator console's users, games and action log
// (docs/operations.md, "The operator console") against the real cf-web:
// who may call every /api/admin/ route of docs/openapi.yaml, deactivation
// (sessions refused, the open live stream closed, log-in refused, open
// fights and invitations left), the last operator, the command line,
// hidden games and the record of every action.
//   node --test tests/web/api/admin_users.test.mjs   (CF_WEB_BIN,
//   CF_MIGRATE_BIN, CF_SOURCE_DIR, CF_DATABASE_URL, CF_REDIS_URL)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startWeb, Client, psql, assertError, binsFromEnv, signUp, sleep, uniq } from './stack.mjs';

const bins = binsFromEnv('web', 'migrate', 'source');

let stack;
let op; // the operator most tests act as
const BOT = 'class Main:\n    def __init__(self):\n        pass\n';
const GAME = 'def main(io):\n    io.display({"t": 1})\n';

before(async () => {
  stack = await startWeb(bins);
  op = await user('op');
  const r = cli('--grant-operator', op.username);
  assert.equal(r.status, 0, r.stderr);
});
after(async () => {
  if (!stack) return;
  await stack.stop();
  assert.doesNotMatch(stack.log, /AddressSanitizer|LeakSanitizer|runtime error:/, stack.log.slice(-4000));
  assert.equal(stack.exitCode, 0, stack.log.slice(-2000));
});

// cf-web's command line on the test's database.
function cli(...args) {
  const env = {
    PATH: process.env.PATH,
    CF_DATABASE_URL: stack.databaseUrl,
    CF_REDIS_URL: stack.redisUrl,
    ASAN_OPTIONS: process.env.ASAN_OPTIONS || 'detect_leaks=1',
  };
  return spawnSync(bins.web, args, { env, encoding: 'utf8' });
}

const user = (prefix = 'u') => signUp(stack, prefix);

async function login(username, password = 'password-123') {
  const c = new Client(stack.baseURL);
  const r = await c.post('/api/login', { username, password });
  c.username = username;
  return { c, r };
}

async function bot(c, game = 'tanks') {
  const r = await c.post('/api/bots', { name: `bot ${uniq()}`, game, code: BOT });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}


async function waitFor(fn, what, ms = 5000) {
  for (let t = 0; t < ms; t += 100) {
    const v = await fn();
    if (v) return v;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// An open event stream read as it comes: .closedAt is set when the server
// ends it.
async function openStream(c, path) {
  const ctl = new AbortController();
  const res = await fetch(`${stack.baseURL}${path}`, { headers: { Cookie: c.cookie }, signal: ctl.signal });
  assert.equal(res.status, 200, path);
  const s = { text: '', closedAt: null, abort: () => ctl.abort() };
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  s.done = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        s.text += dec.decode(value);
      }
      s.closedAt = Date.now();
    } catch { /* aborted by the test */ }
  })();
  // The stream's first bytes ("retry: ..."): it is open.
  await waitFor(() => s.text.length > 0, `${path} opening`);
  return s;
}

async function adminUser(name) {
  const r = await op.get(`/api/admin/users?q=${name}`);
  assert.equal(r.status, 200, r.text);
  return r.body.items.find((u) => u.username === name);
}

async function actions() {
  const r = await op.get('/api/admin/actions?per_page=100');
  assert.equal(r.status, 200, r.text);
  return r.body.items;
}

// ---- every /api/admin/ route of docs/openapi.yaml: who may call it ----

function adminRoutes() {
  const lines = readFileSync(join(bins.source, 'docs', 'openapi.yaml'), 'utf8').split('\n');
  const routes = [];
  let path = null;
  let inPaths = false;
  for (const line of lines) {
    if (/^paths:/.test(line)) { inPaths = true; continue; }
    if (/^\S/.test(line)) { inPaths = false; continue; }
    if (!inPaths) continue;
    let m;
    if ((m = /^ {2}(\/\S*):\s*$/.exec(line))) { path = m[1]; continue; }
    if ((m = /^ {4}(get|post|put|patch|delete):\s*$/.exec(line)) && path.startsWith('/api/admin/')) {
      routes.push({ method: m[1].toUpperCase(), path });
    }
  }
  return routes;
}

test('every /api/admin/ route: 401 anonymous, 403 a user, 403 a write without CSRF, served to an operator', async () => {
  const routes = adminRoutes();
  // USERS' routes at least; WORK's join the sweep when documented.
  for (const p of ['/api/admin/users', '/api/admin/users/{user_id}/deactivate', '/api/admin/users/{user_id}/reactivate',
    '/api/admin/users/{user_id}/operator', '/api/admin/games', '/api/admin/games/builtin/{name}/hide',
    '/api/admin/games/builtin/{name}/show', '/api/admin/games/arcade/{game_id}/hide',
    '/api/admin/games/arcade/{game_id}/show', '/api/admin/actions']) {
    assert.ok(routes.some((r) => r.path === p), `${p} is documented`);
  }
  const anon = new Client(stack.baseURL);
  const plain = await user('plain');
  const target = await user('target');
  // Parameters that exist where they can, harmless where they act.
  const fill = (path) => path.replace(/\{([^}]+)\}/g, (_, name) => {
    if (/user/.test(name)) return String(target.id);
    if (name === 'name') return 'no_such_game';
    if (name === 'stream') return 'fights';
    if (/entry/.test(name)) return '0-1';
    if (/fight|play/.test(name)) return '00000000-0000-4000-8000-000000000000';
    return '999999';
  });
  for (const r of routes) {
    const url = fill(r.path);
    const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : /\/operator$/.test(url) ? { operator: false } : {};
    const what = `${r.method} ${r.path}`;
    assertError(await anon.req(r.method, url, body), 401, /login/);
    assertError(await plain.req(r.method, url, body), 403, /operator/);
    if (r.method !== 'GET') assertError(await op.req(r.method, url, body, { csrf: false }), 403, /CSRF/);
    const ok = await op.req(r.method, url, body);
    assert.ok(ok.status !== 401 && ok.status !== 403 && ok.status < 500, `${what}: ${ok.status} ${ok.text}`);
    assert.match(ok.headers.get('content-type') || '', /^application\/json/, what);
  }
  // The target was deactivated by the sweep: bring them back.
  assert.equal((await op.post(`/api/admin/users/${target.id}/reactivate`)).status, 200);
});

// ---- the session and the users list ----

test('the session says who is an operator; the users list, its search and paging', async () => {
  assert.equal((await op.get('/api/session')).body.user.operator, true);
  const u = await user('listed');
  assert.equal((await u.get('/api/session')).body.user.operator, false);
  const relog = await login(op.username);
  assert.equal(relog.r.status, 200);
  assert.equal(relog.r.body.user.operator, true);

  const one = await adminUser(u.username);
  assert.ok(one, 'found by search');
  assert.deepEqual(Object.keys(one).sort(),
    ['active', 'bots', 'created_at', 'deactivated_at', 'fights', 'id', 'last_seen_at', 'role', 'username']);
  assert.equal(one.id, u.id);
  assert.equal(one.role, 'user');
  assert.equal(one.active, true);
  assert.equal(one.deactivated_at, null);
  assert.equal(one.bots, 0);
  await bot(u);
  assert.equal((await adminUser(u.username)).bots, 1);
  // any case, any part of the name
  const part = u.username.slice(3).toUpperCase();
  assert.ok((await op.get(`/api/admin/users?q=${part}`)).body.items.some((x) => x.id === u.id));
  const page = await op.get('/api/admin/users?per_page=1&page=2');
  assert.equal(page.status, 200);
  assert.equal(page.body.items.length, 1);
  assert.equal(page.body.page, 2);
  assert.equal(page.body.per_page, 1);
  assert.ok(page.body.total >= 3);
  assertError(await op.get('/api/admin/users?per_page=0'), 400);
  assertError(await op.get(`/api/admin/users?q=${'x'.repeat(33)}`), 400);
  assertError(await op.post('/api/admin/users/999999999/deactivate'), 404);
  assertError(await op.post('/api/admin/users/abc/deactivate'), 404);
  assertError(await op.post(`/api/admin/users/${u.id}/operator`, { operator: 'yes' }), 400);
  assertError(await op.post(`/api/admin/users/${u.id}/operator`, {}), 400);
});

// ---- deactivation ----

test('deactivation: the open live stream closes at once, the session is refused, log-in refused, fights and invitations left; reactivation', async () => {
  const victim = await user('victim');
  const other = await user('other');
  const host = await user('host');
  const vb = await bot(victim);
  const hb = await bot(host);
  const vlb = await bot(victim, 'light_cycles');
  const hlb = await bot(host, 'light_cycles');

  // the victim hosts an open fight; is invited to another (pending); has
  // accepted a third, where someone else still may come
  const own = (await victim.post('/api/fights', { game: 'tanks', bot_id: vb.id, invite: [other.username] })).body;
  assert.equal(own.state, 'open');
  const invited = (await host.post('/api/fights', { game: 'tanks', bot_id: hb.id, invite: [victim.username] })).body;
  const joined = (await host.post('/api/fights', { game: 'light_cycles', bot_id: hlb.id, invite: [victim.username, other.username] })).body;
  assert.equal(joined.state, 'open');
  const invs = (await victim.get('/api/invitations')).body.invitations;
  const toJoined = invs.find((i) => i.fight_id === joined.id);
  assert.equal((await victim.post(`/api/invitations/${toJoined.id}/accept`, { bot_id: vlb.id })).status, 200);

  const stream = await openStream(victim, '/api/events');
  const bystander = await openStream(other, '/api/events');

  const t0 = Date.now();
  const d = await op.post(`/api/admin/users/${victim.id}/deactivate`);
  assert.equal(d.status, 200, d.text);
  assert.equal(d.body.id, victim.id);
  assert.equal(d.body.active, false);
  assert.ok(d.body.deactivated_at);
  await waitFor(() => stream.closedAt !== null, 'the deactivated user\'s stream to close', 2500);
  assert.ok(stream.closedAt - t0 < 2500, `closed after ${stream.closedAt - t0} ms`);
  // someone else's stream stays open
  await sleep(700);
  assert.equal(bystander.closedAt, null, 'another user\'s stream is not closed');
  bystander.abort();

  // the session is refused, and so is a new log-in, after the right password only
  assertError(await victim.get('/api/account'), 401);
  assert.equal((await victim.get('/api/session')).body.user, null);
  assertError((await login(victim.username)).r, 403, /this account is deactivated/);
  assertError((await login(victim.username, 'wrong-password')).r, 401, /invalid/);
  assert.equal(psql(stack.databaseUrl, 'SELECT count(*) FROM sessions WHERE user_id = :\'v1\'', victim.id), '0');

  // their open fight cancelled, their invitations declined or withdrawn
  assert.equal((await other.get(`/api/fights/${own.id}`)).body.state, 'cancelled');
  const inv = (await host.get(`/api/fights/${invited.id}`)).body;
  assert.equal(inv.invitations.find((i) => i.username === victim.username).state, 'declined');
  assert.equal(inv.state, 'cancelled'); // tanks needs two: nobody else can come
  const j = (await host.get(`/api/fights/${joined.id}`)).body;
  assert.equal(j.state, 'open'); // the other invitee may still come
  assert.equal(j.invitations.find((i) => i.username === victim.username).state, 'withdrawn');

  // listed as deactivated; deactivating again changes nothing
  const listed = await adminUser(victim.username);
  assert.equal(listed.active, false);
  assert.equal((await op.post(`/api/admin/users/${victim.id}/deactivate`)).status, 200);

  // reactivation: they may log in again (their fights stay as they ended)
  const re = await op.post(`/api/admin/users/${victim.id}/reactivate`);
  assert.equal(re.status, 200, re.text);
  assert.equal(re.body.active, true);
  assert.equal(re.body.deactivated_at, null);
  const back = await login(victim.username);
  assert.equal(back.r.status, 200, back.r.text);
  assert.equal((await back.c.get('/api/account')).status, 200);

  const log = await actions();
  const deact = log.find((a) => a.action === 'user.deactivate' && a.target === `user/${victim.username}`);
  assert.ok(deact, 'the deactivation is recorded');
  assert.equal(deact.operator, op.username);
  assert.equal(deact.detail.user_id, victim.id);
  assert.equal(deact.detail.fights_cancelled, 1);
  assert.equal(deact.detail.invitations_left, 2);
  assert.ok(log.some((a) => a.action === 'user.reactivate' && a.target === `user/${victim.username}`));
  // newest first
  assert.ok(log.findIndex((a) => a.action === 'user.reactivate' && a.target === `user/${victim.username}`) <
    log.indexOf(deact));
});

test('log-out and a password change end the streams of the sessions they end', async () => {
  const u = await user('streams');
  const s1 = await openStream(u, '/api/events');
  assert.equal((await u.post('/api/logout')).status, 204);
  await waitFor(() => s1.closedAt !== null, 'the logged-out session\'s stream to close', 2500);

  const a = (await login(u.username)).c;
  const b = (await login(u.username)).c;
  const sa = await openStream(a, '/api/events');
  const sb = await openStream(b, '/api/events');
  assert.equal((await a.post('/api/account/password', { current_password: 'password-123', new_password: 'password-456' })).status, 204);
  await waitFor(() => sb.closedAt !== null, 'the other session\'s stream to close', 2500);
  await sleep(700);
  assert.equal(sa.closedAt, null, 'the session that changed the password keeps its stream');
  sa.abort();
});

test('a password reset ends the streams of every session of the account', async () => {
  const u = await user('reset');
  const s = await openStream(u, '/api/events');
  const anon = new Client(stack.baseURL);
  assert.equal((await anon.post('/api/password-reset', { username: u.username })).status, 202);
  const link = new RegExp(`password reset requested for user ${u.username}: \\S*token=([0-9a-f]+)`);
  const token = await waitFor(() => (link.exec(stack.log) || [])[1], 'the reset link in the log', 3000);
  assert.equal((await anon.post('/api/password-reset/confirm', { token, new_password: 'password-789' })).status, 204);
  await waitFor(() => s.closedAt !== null, 'the reset account\'s stream to close', 2500);
});

// ---- the operator role and the last operator ----

test('grant and revoke the operator role; never the last active operator, not even racing', async () => {
  const u = await user('promoted');
  assertError(await u.get('/api/admin/users'), 403);
  const g = await op.post(`/api/admin/users/${u.id}/operator`, { operator: true });
  assert.equal(g.status, 200, g.text);
  assert.equal(g.body.role, 'operator');
  assert.equal((await u.get('/api/admin/users')).status, 200); // at once, same session
  assert.equal((await u.get('/api/session')).body.user.operator, true);
  const rv = await op.post(`/api/admin/users/${u.id}/operator`, { operator: false });
  assert.equal(rv.status, 200);
  assert.equal(rv.body.role, 'user');
  assertError(await u.get('/api/admin/users'), 403);
  const log = await actions();
  assert.ok(log.some((a) => a.action === 'user.grant_operator' && a.target === `user/${u.username}`));
  assert.ok(log.some((a) => a.action === 'user.revoke_operator' && a.target === `user/${u.username}`));

  // op alone: leave only op as an active operator
  psql(stack.databaseUrl, "UPDATE users SET role = 'user' WHERE role = 'operator' AND id <> :'v1'", op.id);
  assertError(await op.post(`/api/admin/users/${op.id}/operator`, { operator: false }), 409, /last active operator/);
  assertError(await op.post(`/api/admin/users/${op.id}/deactivate`), 409, /last active operator/);
  assert.equal((await op.get('/api/account')).status, 200);
  // the schema itself refuses, whoever asks
  assert.throws(() => psql(stack.databaseUrl, "UPDATE users SET deactivated_at = now() WHERE id = :'v1'", op.id),
    /last active operator/);
  assert.throws(() => psql(stack.databaseUrl, "DELETE FROM users WHERE id = :'v1'", op.id), /last active operator/);

  // two operators demoting each other at once: at most one succeeds
  for (let round = 0; round < 3; round++) {
    const other = await user('rival');
    assert.equal((await op.post(`/api/admin/users/${other.id}/operator`, { operator: true })).status, 200);
    const [a, b] = await Promise.all([
      op.post(`/api/admin/users/${other.id}/operator`, { operator: false }),
      other.post(`/api/admin/users/${op.id}/operator`, { operator: false }),
    ]);
    const ok = [a, b].filter((r) => r.status === 200).length;
    assert.equal(ok, 1, `round ${round}: ${a.status} ${a.text} / ${b.status} ${b.text}`);
    for (const r of [a, b]) if (r.status !== 200) assert.ok([403, 409].includes(r.status), `${r.status} ${r.text}`);
    assert.equal(psql(stack.databaseUrl, "SELECT count(*) FROM users WHERE role = 'operator' AND deactivated_at IS NULL"), '1');
    if (b.status === 200) {
      // the rival won: hand the role back to op the way a newcomer would
      const back = cli('--grant-operator', op.username);
      assert.equal(back.status, 0, back.stderr);
      assert.equal((await other.post(`/api/admin/users/${other.id}/operator`, { operator: false })).status, 200);
    }
  }
  assert.equal((await op.get('/api/admin/users')).status, 200);
});

test('cf-web --grant-operator / --revoke-operator', async () => {
  const u = await user('cli');
  let r = cli('--grant-operator', u.username.toUpperCase());
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`${u.username} is an operator now`));
  assert.equal((await u.get('/api/admin/users')).status, 200);
  r = cli('--grant-operator', u.username);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /already/);
  r = cli('--revoke-operator', u.username);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /no operator now/);
  assertError(await u.get('/api/admin/users'), 403);
  r = cli('--grant-operator', `ghost_${uniq()}`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no user named/);
  // op is the only active operator (the test before left it so)
  r = cli('--revoke-operator', op.username);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /last active operator/);
  assert.equal((await op.get('/api/admin/users')).status, 200);
  r = cli('--grant-operator');
  assert.equal(r.status, 2);
  const log = await actions();
  assert.ok(log.some((a) => a.action === 'user.grant_operator' && a.operator === '(command line)' && a.target === `user/${u.username}`));
});

// ---- the console's counts ----

// Every user's "fights" and every built-in game's, as the console shows
// them, against a recount of the rows they stand for.
async function assertCountsAreRecounts() {
  const users = (await op.get('/api/admin/users?per_page=100')).body.items;
  assert.ok(users.length > 3);
  for (const u of users) {
    const n = psql(stack.databaseUrl,
      'SELECT count(DISTINCT fight_id) FROM fight_players WHERE user_id = :\'v1\'', u.id);
    assert.equal(u.fights, Number(n), `${u.username}'s fights`);
  }
  for (const g of (await op.get('/api/admin/games')).body.items.filter((x) => x.kind === 'builtin')) {
    const n = psql(stack.databaseUrl, 'SELECT count(*) FROM fights WHERE game = :\'v1\'', g.id);
    assert.equal(g.fights, Number(n), `${g.id}'s fights`);
  }
}

test("the console's counts (web 0110's triggers) are the recount through fights made, played, left and deleted", async () => {
  const a = await user('count');
  const b = await user('count');
  const ab = await bot(a, 'tanks');
  const bb = await bot(b, 'tanks');
  const f = (await a.post('/api/fights', { game: 'tanks', bot_id: ab.id, invite: [b.username] })).body;
  await assertCountsAreRecounts(); // b invited only: not played in
  const inv = (await b.get('/api/invitations')).body.invitations.find((i) => i.fight_id === f.id);
  assert.equal((await b.post(`/api/invitations/${inv.id}/accept`, { bot_id: bb.id })).status, 200);
  await assertCountsAreRecounts();
  // by hand: a player moved to another user, then the fight deleted
  psql(stack.databaseUrl, "UPDATE fight_players SET user_id = :'v1' WHERE fight_id = :'v2' AND user_id = :'v3'",
    op.id, f.id, b.id);
  await assertCountsAreRecounts();
  psql(stack.databaseUrl, "DELETE FROM fights WHERE id = :'v1'", f.id);
  await assertCountsAreRecounts();
});

// ---- games ----

test('a hidden built-in game: not listed for others, no new fights or play-now, its fights stay; shown again', async () => {
  const u = await user('player');
  const b = await bot(u, 'light_cycles');
  const before = (await u.post('/api/fights', { game: 'light_cycles', bot_id: b.id })).body;
  const list = (await op.get('/api/admin/games')).body.items;
  const lc = list.find((g) => g.kind === 'builtin' && g.id === 'light_cycles');
  assert.deepEqual({ ...lc, fights: undefined }, { kind: 'builtin', id: 'light_cycles', title: lc.title, hidden: false, fights: undefined });
  assert.ok(lc.fights >= 1);

  const h = await op.post('/api/admin/games/builtin/light_cycles/hide');
  assert.equal(h.status, 200, h.text);
  assert.equal(h.body.hidden, true);
  assert.equal(h.body.id, 'light_cycles');
  assert.ok(!(await u.get('/api/games')).body.games.some((g) => g.name === 'light_cycles'));
  assert.ok(!(await new Client(stack.baseURL).get('/api/games')).body.games.some((g) => g.name === 'light_cycles'));
  const opView = (await op.get('/api/games')).body.games.find((g) => g.name === 'light_cycles');
  assert.equal(opView.hidden, true);
  assertError(await u.post('/api/fights', { game: 'light_cycles', bot_id: b.id }), 409, /this game is not offered/);
  assertError(await u.post('/api/fights/play-now', { bot_id: b.id }), 409, /this game is not offered/);
  // history stays
  assert.equal((await u.get(`/api/fights/${before.id}`)).status, 200);
  assert.equal((await u.get('/api/games/light_cycles')).status, 200);
  assert.ok((await u.get('/api/games')).body.games.some((g) => g.name === 'tanks'));
  assertError(await op.post('/api/admin/games/builtin/no_such_game/hide'), 404);

  const s = await op.post('/api/admin/games/builtin/light_cycles/show');
  assert.equal(s.status, 200);
  assert.equal(s.body.hidden, false);
  assert.ok((await u.get('/api/games')).body.games.some((g) => g.name === 'light_cycles'));
  assert.equal((await u.post('/api/fights', { game: 'light_cycles', bot_id: b.id })).status, 201);
  const log = await actions();
  assert.ok(log.some((a) => a.action === 'game.hide' && a.target === 'builtin/light_cycles'));
  assert.ok(log.some((a) => a.action === 'game.show' && a.target === 'builtin/light_cycles'));
});

test('an arcade game hidden by an operator: not listed, not playable by anyone, its owner sees it marked and cannot unhide it', async () => {
  const owner = await user('author');
  const player = await user('gamer');
  const fd = new FormData();
  fd.append('title', `Hidden ${uniq()}`);
  fd.append('file', new Blob([GAME]), 'game.py');
  const c = await owner.post('/api/arcade/games', fd);
  assert.equal(c.status, 201, c.text);
  const id = c.body.id;
  assert.ok((await player.get('/api/arcade/games?per_page=50&order=newest')).body.games.some((g) => g.id === id), 'listed before');
  const first = await player.post(`/api/arcade/games/${id}/plays`, {});
  assert.ok(first.status === 201 || first.status === 200, `playable before: ${first.status} ${first.text}`);

  const h = await op.post(`/api/admin/games/arcade/${id}/hide`);
  assert.equal(h.status, 200, h.text);
  assert.deepEqual({ kind: h.body.kind, id: h.body.id, hidden: h.body.hidden, owner: h.body.owner },
    { kind: 'arcade', id, hidden: true, owner: owner.username });
  assert.ok((await op.get('/api/admin/games')).body.items.some((g) => g.kind === 'arcade' && g.id === id && g.hidden));

  const anon = new Client(stack.baseURL);
  for (const who of [player, anon]) {
    assert.ok(!(await who.get('/api/arcade/games?per_page=50&order=newest')).body.games.some((g) => g.id === id));
    assertError(await who.get(`/api/arcade/games/${id}`), 404);
  }
  assertError(await player.post(`/api/arcade/games/${id}/plays`, {}), 409, /this game is not offered/);
  assertError(await owner.post(`/api/arcade/games/${id}/plays`, {}), 409, /this game is not offered/);
  // the owner sees it, marked, and cannot undo it
  const mine = await owner.get(`/api/arcade/games/${id}`);
  assert.equal(mine.status, 200);
  assert.equal(mine.body.hidden_by_operator, true);
  assert.equal(mine.body.hidden, false);
  assert.ok((await owner.get('/api/arcade/games?mine=true')).body.games.some((g) => g.id === id && g.hidden_by_operator));
  await owner.patch(`/api/arcade/games/${id}`, { hidden: false });
  assertError(await player.post(`/api/arcade/games/${id}/plays`, {}), 409);
  // its plays stay
  assert.equal((await player.get(`/api/plays/${first.body.play.id}`)).status, 200);

  const s = await op.post(`/api/admin/games/arcade/${id}/show`);
  assert.equal(s.status, 200);
  assert.equal(s.body.hidden, false);
  assert.equal((await player.get(`/api/arcade/games/${id}`)).body.hidden_by_operator, false);
  const again = await player.post(`/api/arcade/games/${id}/plays`, {});
  assert.ok(again.status === 201 || again.status === 200, `playable again: ${again.status} ${again.text}`);
  assertError(await op.post('/api/admin/games/arcade/999999999/hide'), 404);
  assertError(await op.post('/api/admin/games/arcade/x/hide'), 404);
  const log = await actions();
  assert.ok(log.some((a) => a.action === 'game.hide' && a.target === `arcade/${id}`));
  assert.ok(log.some((a) => a.action === 'game.show' && a.target === `arcade/${id}`));
});

test('the action log: newest first, paged', async () => {
  const r = await op.get('/api/admin/actions?per_page=2');
  assert.equal(r.status, 200);
  assert.equal(r.body.items.length, 2);
  assert.ok(r.body.total >= 2);
  const [a, b] = r.body.items;
  assert.deepEqual(Object.keys(a).sort(), ['action', 'at', 'detail', 'id', 'operator', 'target']);
  assert.ok(a.at >= b.at);
  assert.ok(a.id > b.id);
  assertError(await op.get('/api/admin/actions?page=0'), 400);
});
