// api.test.mjs — cf-web's JSON API against the real service, PostgreSQL and
// Redis: every endpoint, its input errors and its authorisation.
//   node --test tests/web/api/api.test.mjs   (with CF_WEB_BIN, CF_MIGRATE_BIN,
//   CF_RESULT_PROCESSOR_BIN, CF_SOURCE_DIR, CF_DATABASE_URL and CF_REDIS_URL
//   set; see CMakeLists.txt)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWeb, Client, psql, redis, redisRaw, assertError, binsFromEnv, signUp, sleep, uniq } from './stack.mjs';

const bins = binsFromEnv('web', 'migrate', 'source');

let stack;
const BOT = 'class Main:\n    def __init__(self):\n        pass\n';

// The result processor writes a fight's running state (the pipeline's one
// writer of it): the live status tests see the database learn it. No
// simulator runs the fights, so none ends: the fair queue (one fight of a
// host in cf:fights at a time, web.max_fights_in_stream) is opened wide for
// the tests that read each queued fight's entry (web.abuse_fair tests it).
before(async () => {
  stack = await startWeb({
    ...bins,
    resultProcessor: process.env.CF_RESULT_PROCESSOR_BIN,
    env: { CF_WEB_MAX_FIGHTS_IN_STREAM: '1000', CF_WEB_MAX_QUEUED_FIGHTS: '1000' },
  });
});
after(async () => {
  if (!stack) return;
  await stack.stop();
  // A clean stop on SIGTERM, and (sanitizer builds) no leak or memory error.
  assert.doesNotMatch(stack.log, /AddressSanitizer|LeakSanitizer|runtime error:/, stack.log.slice(-4000));
  assert.equal(stack.exitCode, 0, stack.log.slice(-2000));
});

const user = (prefix = 'u') => signUp(stack, prefix);

async function bot(c, game = 'tanks', name = `bot ${uniq()}`, code = BOT) {
  const r = await c.post('/api/bots', { name, game, code });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}


// Reads every cf:fights entry of the private Redis database as objects.
function fightEntries() {
  const out = redisRaw(stack.redisUrl, 'XRANGE', 'cf:fights', '-', '+').split('\n');
  const entries = [];
  let cur = null;
  for (let i = 0; i < out.length; i++) {
    const line = out[i];
    if (/^\d+-\d+$/.test(line)) { cur = {}; entries.push(cur); continue; }
    if (cur && line !== '' && i + 1 < out.length) { cur[line] = out[++i]; }
  }
  return entries;
}

async function waitFor(fn, what, ms = 5000) {
  for (let t = 0; t < ms; t += 100) {
    const v = await fn();
    if (v) return v;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('health, security headers, metrics', async () => {
  const c = new Client(stack.baseURL);
  const h = await c.get('/healthz');
  assert.equal(h.status, 200);
  assert.deepEqual(h.body, { status: 'ok', database: 'ok', redis: 'ok' });
  assert.match(h.headers.get('content-security-policy'), /default-src 'self'/);
  assert.match(h.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  assert.equal(h.headers.get('x-content-type-options'), 'nosniff');
  assert.ok(h.headers.get('referrer-policy'));
  // Only the arcade's compact scoreboard may be framed by other sites.
  const board = await c.get('/arcade/12/board');
  assert.equal(board.status, 200);
  assert.match(board.headers.get('content-security-policy'), /frame-ancestors \*/);
  assert.equal(board.headers.get('x-frame-options'), null);
  for (const page of ['/arcade/12', '/arcade/12/board/x', '/arcade/x/board', '/arcade//board']) {
    const other = await c.get(page);
    assert.match(other.headers.get('content-security-policy'), /frame-ancestors 'none'/, page);
    assert.equal(other.headers.get('x-frame-options'), 'DENY', page);
  }
  const m = await c.get('/metrics');
  assert.equal(m.status, 200);
  assert.match(m.text, /cf_web_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
  assert.match(m.text, /cf_web_request_duration_seconds_bucket\{route="\/healthz",le="\+Inf"\}/);
  assert.match(m.text, /cf_web_fights\{state="finished"\} \d+/);
  assert.match(m.text, /cf_web_outbox_pending \d+/);
  const nf = await c.get('/api/nope');
  assertError(nf, 404);
  const na = await c.req('DELETE', '/api/games');
  assertError(na, 405);
});

test('sign-up: validation, case-insensitive uniqueness, CSRF', async () => {
  const c = new Client(stack.baseURL);
  const s = await c.refresh();
  assert.equal(s.user, null);
  assert.ok(s.csrf_token.length >= 16);
  const name = `Alice_${uniq()}`;
  assertError(await c.post('/api/signup', { username: name, password: 'password-123' }, { csrf: false }), 403, /CSRF/);
  assertError(await c.post('/api/signup', { username: 'a b', password: 'password-123' }), 400, /username/);
  assertError(await c.post('/api/signup', { username: 'ab', password: 'password-123' }), 400);
  assertError(await c.post('/api/signup', { username: 'élodie', password: 'password-123' }), 400);
  assertError(await c.post('/api/signup', { username: name, password: 'short' }), 400, /password/);
  assertError(await c.post('/api/signup', { username: name }), 400, /password/);
  assertError(await c.post('/api/signup', { username: 42, password: 'password-123' }), 400, /string/);
  assertError(await c.post('/api/signup', '{not json', { headers: { 'Content-Type': 'application/json' } }), 400, /JSON/);
  assertError(await c.post('/api/signup', '[1]', { headers: { 'Content-Type': 'application/json' } }), 400, /object/);
  assertError(await c.post('/api/signup', 'username=x', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415);
  assertError(await c.post('/api/signup', JSON.stringify({ username: name, password: 'x'.repeat(70000) }),
    { headers: { 'Content-Type': 'application/json' } }), 413);
  const ok = await c.post('/api/signup', { username: name, password: 'password-123' });
  assert.equal(ok.status, 201);
  assert.equal(ok.body.user.username, name);
  assert.equal(typeof ok.body.user.id, 'number');
  const cookie = ok.headers.get('set-cookie');
  assert.match(cookie, /cf_session=[0-9a-f]{64}/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);
  const other = new Client(stack.baseURL);
  assertError(await other.post('/api/signup', { username: name.toLowerCase(), password: 'password-123' }), 409, /not available/);
  // the session works and its CSRF token is enforced
  const me = await c.get('/api/session');
  assert.equal(me.body.user.username, name);
  assert.equal(me.body.csrf_token, ok.body.csrf_token);
  assertError(await c.patch('/api/account', { about: 'x' }, { headers: { 'X-CSRF-Token': 'f'.repeat(64) }, csrf: false }), 403, /CSRF/);
  assertError(await c.patch('/api/account', { about: 'x' }, { csrf: false }), 403, /CSRF/);
});

test('log-in, no enumeration, rate limit, log-out', async () => {
  const a = await user('login');
  const c = new Client(stack.baseURL);
  const wrong = await c.post('/api/login', { username: a.username, password: 'wrong-password' });
  const unknown = await c.post('/api/login', { username: `nobody_${uniq()}`, password: 'wrong-password' });
  assertError(wrong, 401);
  assertError(unknown, 401);
  assert.equal(wrong.body.error, unknown.body.error);
  assertError(await c.post('/api/login', { username: a.username }), 400);
  // login by username, any case
  const ok = await c.post('/api/login', { username: a.username.toUpperCase(), password: 'password-123' });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.user.username, a.username);
  assert.equal((await c.get('/api/account')).status, 200);
  // logging in again replaces the session: the old cookie is dead
  const oldCookie = c.cookie;
  assert.equal((await c.post('/api/login', { username: a.username, password: 'password-123' })).status, 200);
  assert.notEqual(c.cookie, oldCookie);
  const stale = new Client(stack.baseURL);
  stale.cookie = oldCookie;
  assertError(await stale.get('/api/account'), 401);
  // rate limit: 5 failures for one username
  const v = await user('victim');
  const d = new Client(stack.baseURL);
  for (let i = 0; i < 5; i++) assertError(await d.post('/api/login', { username: v.username, password: 'bad-password' }), 401);
  const limited = await d.post('/api/login', { username: v.username, password: 'password-123' });
  assertError(limited, 429);
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  // log-out ends the session
  const lo = await c.post('/api/logout');
  assert.equal(lo.status, 204);
  assertError(await c.get('/api/account'), 401, /login/);
  assertError(await c.post('/api/logout'), 401);
});

test('account settings and password change', async () => {
  const a = await user('acct');
  const g = await a.get('/api/account');
  assert.equal(g.status, 200);
  assert.equal(g.body.username, a.username);
  assert.equal(g.body.about, '');
  assert.equal(g.body.fights_public_default, true);
  const p = await a.patch('/api/account', { about: 'I write tanks', fights_public_default: false });
  assert.equal(p.status, 200);
  assert.equal(p.body.about, 'I write tanks');
  assert.equal(p.body.fights_public_default, false);
  assertError(await a.patch('/api/account', { about: 5 }), 400);
  assertError(await a.patch('/api/account', { fights_public_default: 'yes' }), 400);
  assertError(await a.patch('/api/account', { admin: true }), 400, /unknown/);
  assertError(await a.patch('/api/account', { about: 'x'.repeat(501) }), 400);
  assertError(await new Client(stack.baseURL).get('/api/account'), 401);
  // a second session is ended by the change; the current one stays
  const second = new Client(stack.baseURL);
  assert.equal((await second.post('/api/login', { username: a.username, password: 'password-123' })).status, 200);
  assertError(await a.post('/api/account/password', { current_password: 'nope-nope', new_password: 'new-password-1' }), 400, /current/);
  assertError(await a.post('/api/account/password', { current_password: 'password-123', new_password: 'short' }), 400);
  assertError(await a.post('/api/account/password', { new_password: 'new-password-1' }), 400);
  assert.equal((await a.post('/api/account/password', { current_password: 'password-123', new_password: 'new-password-1' })).status, 204);
  assertError(await second.get('/api/account'), 401);
  assert.equal((await a.get('/api/account')).status, 200);
  const c = new Client(stack.baseURL);
  assertError(await c.post('/api/login', { username: a.username, password: 'password-123' }), 401);
  assert.equal((await c.post('/api/login', { username: a.username, password: 'new-password-1' })).status, 200);
});

test('password reset without e-mail: link in the log, one use', async () => {
  const a = await user('reset');
  const c = new Client(stack.baseURL);
  const unknown = await c.post('/api/password-reset', { username: `ghost_${uniq()}` });
  const known = await c.post('/api/password-reset', { username: a.username });
  assert.equal(unknown.status, 202);
  assert.equal(known.status, 202);
  assert.deepEqual(unknown.body, known.body);
  assertError(await c.post('/api/password-reset', {}), 400);
  const token = await waitFor(() => {
    const m = new RegExp(`reset requested for user ${a.username}: \\S+/reset\\?token=([0-9a-f]{64})`).exec(stack.log);
    return m && m[1];
  }, 'the reset link in the log');
  assertError(await c.post('/api/password-reset/confirm', { token: 'f'.repeat(64), new_password: 'reset-password-1' }), 400, /invalid or expired/);
  assertError(await c.post('/api/password-reset/confirm', { token, new_password: 'short' }), 400);
  assert.equal((await c.post('/api/password-reset/confirm', { token, new_password: 'reset-password-1' })).status, 204);
  assertError(await c.post('/api/password-reset/confirm', { token, new_password: 'reset-password-2' }), 400, /invalid or expired/);
  assertError(await a.get('/api/account'), 401); // sessions ended
  assert.equal((await c.post('/api/login', { username: a.username, password: 'reset-password-1' })).status, 200);
});

test('games: list, detail, templates', async () => {
  const c = new Client(stack.baseURL);
  const l = await c.get('/api/games');
  assert.equal(l.status, 200);
  const tanks = l.body.games.find((g) => g.name === 'tanks');
  assert.ok(tanks);
  assert.equal(tanks.min_players, 2);
  assert.equal(tanks.conclusion, 'victory_draw');
  const d = await c.get('/api/games/tanks');
  assert.equal(d.status, 200);
  assert.ok(d.body.docs.length > 0);
  assert.ok(Array.isArray(d.body.settings));
  assert.ok(d.body.templates.length > 0);
  assert.equal(d.body.viewer, '/games/tanks/web/viewer.js');
  const t = await c.get(d.body.templates[0].url);
  assert.equal(t.status, 200);
  assert.match(t.headers.get('content-type'), /text\/x-python/);
  assert.match(t.headers.get('content-disposition'), /attachment/);
  assert.match(t.text, /class Main/);
  assertError(await c.get('/api/games/nope'), 404);
  assertError(await c.get('/api/games/tanks/templates/nope.py'), 404);
  assertError(await c.get('/api/games/tanks/templates/..%2f..%2fdocs.md'), 404);
  // the games table was filled from the registry at start
  assert.match(psql(stack.databaseUrl, "SELECT count(*) FROM games WHERE name = 'tanks' AND active"), /^1$/);
  assert.ok(Number(psql(stack.databaseUrl, "SELECT count(*) FROM game_templates WHERE game = 'tanks'")) > 0);
});

test('bots: upload (JSON and multipart), versions, rename, download, privacy', async () => {
  const a = await user('bots');
  const b = await user('snoop');
  assertError(await new Client(stack.baseURL).get('/api/bots'), 401);
  const created = await bot(a, 'tanks', 'First Bot');
  assert.equal(created.name, 'First Bot');
  assert.equal(created.game, 'tanks');
  assert.equal(created.latest_version, 1);
  assert.equal(created.versions.length, 1);
  assert.equal(created.versions[0].size, BOT.length);
  assertError(await a.post('/api/bots', { name: 'first bot', game: 'tanks', code: BOT }), 409);
  assertError(await a.post('/api/bots', { name: 'x', game: 'chess', code: BOT }), 400, /game/);
  assertError(await a.post('/api/bots', { name: 'bad/name', game: 'tanks', code: BOT }), 400, /name/);
  assertError(await a.post('/api/bots', { name: 'x', game: 'tanks' }), 400, /code/);
  assertError(await a.post('/api/bots', { name: 'x', game: 'tanks', code: 7 }), 400, /code/);
  assertError(await a.post('/api/bots', { name: 'x', game: 'tanks', code: '' }), 400, /empty/);
  assertError(await a.post('/api/bots', { game: 'tanks', code: BOT }), 400, /name/);
  // a too large bot: 413 with a clear message
  const big = '#'.repeat(1024 * 1024 + 1);
  const r413 = await a.post('/api/bots', { name: 'big', game: 'tanks', code: big });
  assertError(r413, 413, /1048576 bytes/);
  // multipart file upload
  const fd = new FormData();
  fd.append('name', 'Uploaded');
  fd.append('game', 'tanks');
  fd.append('file', new Blob([BOT + '# file\n']), 'bot.py');
  const up = await a.post('/api/bots', fd);
  assert.equal(up.status, 201, up.text);
  assert.equal(up.body.versions[0].size, BOT.length + 7);
  const fdBig = new FormData();
  fdBig.append('file', new Blob([big]), 'big.py');
  assertError(await a.post(`/api/bots/${up.body.id}/versions`, fdBig), 413);
  const badMp = await a.post(`/api/bots/${up.body.id}/versions`, '--x\r\nbroken', { headers: { 'Content-Type': 'multipart/form-data; boundary=x' } });
  assertError(badMp, 400, /multipart/);
  // versions
  const v2 = await a.post(`/api/bots/${created.id}/versions`, { code: BOT + '# v2\n' });
  assert.equal(v2.status, 201);
  assert.equal(v2.body.latest_version, 2);
  assert.deepEqual(v2.body.versions.map((v) => v.version), [2, 1]);
  const fd2 = new FormData();
  fd2.append('file', new Blob([BOT + '# v3\n']), 'v3.py');
  const v3 = await a.post(`/api/bots/${created.id}/versions`, fd2);
  assert.equal(v3.status, 201);
  assert.equal(v3.body.latest_version, 3);
  // download own code, any version
  const code = await a.get(`/api/bots/${created.id}/code`);
  assert.equal(code.status, 200);
  assert.equal(code.text, BOT + '# v3\n');
  assert.match(code.headers.get('content-disposition'), /attachment; filename="First_Bot.py"/);
  assert.equal((await a.get(`/api/bots/${created.id}/code?version=1`)).text, BOT);
  assertError(await a.get(`/api/bots/${created.id}/code?version=9`), 404);
  assertError(await a.get(`/api/bots/${created.id}/code?version=x`), 400);
  // rename
  const rn = await a.patch(`/api/bots/${created.id}`, { name: 'Renamed' });
  assert.equal(rn.status, 200);
  assert.equal(rn.body.name, 'Renamed');
  assertError(await a.patch(`/api/bots/${created.id}`, { name: 'Uploaded' }), 409);
  assertError(await a.patch(`/api/bots/${created.id}`, { name: '' }), 400);
  assertError(await a.patch(`/api/bots/${created.id}`, {}), 400);
  // list
  const list = await a.get('/api/bots');
  assert.equal(list.body.bots.length, 2);
  assert.equal((await a.get('/api/bots?game=light_cycles')).body.bots.length, 0);
  assertError(await a.get('/api/bots?game=chess'), 400);
  const own = await a.get(`/api/bots/${created.id}`);
  assert.equal(own.status, 200);
  assert.equal(own.body.name, 'Renamed');
  assert.deepEqual(own.body.versions.map((v) => v.version), [3, 2, 1]);
  // anonymous writes are refused before anything happens
  const anon = new Client(stack.baseURL);
  assertError(await anon.post('/api/bots', { name: 'x', game: 'tanks', code: BOT }), 401);
  assertError(await anon.post(`/api/bots/${created.id}/versions`, { code: BOT }), 401);
  assertError(await anon.get(`/api/bots/${created.id}/code`), 401);
  assertError(await anon.post('/api/fights', { game: 'tanks', bot_id: created.id }), 401);
  assertError(await anon.post('/api/fights/play-now', { bot_id: created.id }), 401);
  assertError(await anon.post('/api/invitations/1/accept', { bot_id: created.id }), 401);
  // others never see it
  assertError(await b.get(`/api/bots/${created.id}`), 404);
  assertError(await b.get(`/api/bots/${created.id}/code`), 404);
  assertError(await b.patch(`/api/bots/${created.id}`, { name: 'mine' }), 404);
  assertError(await b.post(`/api/bots/${created.id}/versions`, { code: BOT }), 404);
  assert.equal((await b.get('/api/bots')).body.bots.length, 0);
  assertError(await a.get('/api/bots/999999999'), 404);
  assertError(await a.get('/api/bots/abc'), 404);
  assertError(await a.get('/api/bots/0'), 404);
});

test('users search for invitations', async () => {
  const a = await user('search');
  const tag = uniq();
  const b = new Client(stack.baseURL);
  assert.equal((await b.post('/api/signup', { username: `Zed_${tag}`, password: 'password-123' })).status, 201);
  const r = await a.get(`/api/users?q=zed_${tag}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.users, [{ username: `Zed_${tag}` }]);
  assert.equal((await a.get(`/api/users?q=${a.username}`)).body.users.length, 0); // not yourself
  assertError(await a.get('/api/users'), 400);
  assertError(await a.get('/api/users?q=%25'), 400);
  assertError(await new Client(stack.baseURL).get('/api/users?q=a'), 401);
});

test('fights: host, invite, accept, automatic start, outbox to cf:fights', async () => {
  const host = await user('host');
  const guest = await user('guest');
  const outsider = await user('out');
  const hb = await bot(host, 'tanks', 'Host Bot', BOT + '# host\n');
  const gb = await bot(guest, 'tanks', 'Guest Bot', BOT + '# guest\n');
  const ob = await bot(outsider, 'tanks');
  const lcb = await bot(host, 'light_cycles');

  assertError(await host.post('/api/fights', { game: 'tanks', bot_id: lcb.id }), 400, /light_cycles/);
  assertError(await host.post('/api/fights', { game: 'tanks', bot_id: ob.id }), 404, /bot/);
  assertError(await host.post('/api/fights', { game: 'tanks', bot_id: 'x' }), 400);
  assertError(await host.post('/api/fights', { game: 'tanks' }), 400, /bot_id/);
  assertError(await host.post('/api/fights', { game: 'golf', bot_id: hb.id }), 400);
  assertError(await host.post('/api/fights', { game: 'tanks', bot_id: hb.id, settings: { nope: 1 } }), 400, /settings/);
  assertError(await host.post('/api/fights', { game: 'tanks', bot_id: hb.id, settings: [] }), 400);
  assertError(await host.post('/api/fights', { game: 'tanks', bot_id: hb.id, invite: [`ghost_${uniq()}`] }), 400, /no such user/);
  assertError(await host.post('/api/fights', { game: 'tanks', bot_id: hb.id, invite: [host.username] }), 400, /yourself/);
  assertError(await host.post('/api/fights', { game: 'tanks', bot_id: hb.id, invite: [guest.username, outsider.username] }), 400, /too many/);
  assertError(await host.post('/api/fights', { game: 'tanks', bot_id: hb.id, public: 'yes' }), 400);

  const f = await host.post('/api/fights', { game: 'tanks', bot_id: hb.id, public: false, invite: [guest.username] });
  assert.equal(f.status, 201, f.text);
  const fight = f.body;
  assert.equal(fight.state, 'open');
  assert.equal(fight.public, false);
  assert.equal(fight.host, host.username);
  assert.equal(fight.players.length, 1);
  assert.equal(fight.players[0].bot_id, hb.id);
  assert.equal(fight.invitations.length, 1);
  assert.equal(fight.invitations[0].state, 'pending');
  assert.equal(fight.me.is_host, true);
  assert.equal(fight.me.can_start, false); // one player of two
  assertError(await host.post(`/api/fights/${fight.id}/start`), 409, /bounds/);

  // private: the outsider and anonymous see nothing
  assertError(await outsider.get(`/api/fights/${fight.id}`), 404);
  assertError(await new Client(stack.baseURL).get(`/api/fights/${fight.id}`), 404);
  assertError(await outsider.post(`/api/fights/${fight.id}/start`), 404);
  assertError(await outsider.post(`/api/fights/${fight.id}/invitations`, { username: outsider.username }), 404);
  assertError(await outsider.get(`/api/fights/${fight.id}/replay`), 404);
  // the invitee sees the fight and the invitation
  const gv = await guest.get(`/api/fights/${fight.id}`);
  assert.equal(gv.status, 200);
  assert.equal(gv.body.players[0].bot_id, null); // not their bot
  assert.equal(gv.body.me.is_host, false);
  assertError(await guest.post(`/api/fights/${fight.id}/start`), 403);
  assertError(await guest.post(`/api/fights/${fight.id}/cancel`), 403);
  const inv = (await guest.get('/api/invitations')).body.invitations.find((i) => i.fight_id === fight.id);
  assert.ok(inv);
  assert.equal(inv.state, 'pending');
  assert.equal(inv.host, host.username);
  assert.equal(gv.body.me.invitation_id, inv.id);
  // nobody else may answer it
  assertError(await outsider.post(`/api/invitations/${inv.id}/accept`, { bot_id: ob.id }), 404);
  assertError(await outsider.post(`/api/invitations/${inv.id}/decline`), 404);
  assertError(await host.post(`/api/invitations/${inv.id}/accept`, { bot_id: hb.id }), 403);
  assertError(await guest.post(`/api/invitations/${inv.id}/accept`, { bot_id: ob.id }), 404); // not their bot
  assertError(await guest.post(`/api/invitations/${inv.id}/accept`, {}), 400);
  assertError(await guest.post('/api/invitations/99999999/accept', { bot_id: gb.id }), 404);
  assertError(await guest.post('/api/invitations/abc/decline'), 404);

  // accepting the last invitation with enough players starts the fight
  const acc = await guest.post(`/api/invitations/${inv.id}/accept`, { bot_id: gb.id });
  assert.equal(acc.status, 200, acc.text);
  assert.equal(acc.body.state, 'accepted');
  assert.equal(acc.body.bot, 'Guest Bot');
  assert.equal(acc.body.fight_state, 'queued');
  const q = await host.get(`/api/fights/${fight.id}`);
  assert.equal(q.body.state, 'queued');
  assert.equal(q.body.players.length, 2);
  assert.equal(typeof q.body.seed, 'number');
  assertError(await guest.post(`/api/invitations/${inv.id}/decline`), 409);

  // the outbox relay put it on cf:fights with the contract's fields
  const entry = await waitFor(() => fightEntries().find((e) => e.id === fight.id), 'the cf:fights entry');
  assert.equal(entry.game, 'tanks');
  const players = JSON.parse(entry.players);
  assert.deepEqual(players.map((p) => p.name), [`${host.username}/Host Bot`, `${guest.username}/Guest Bot`]);
  assert.deepEqual(players.map((p) => p.code), [BOT + '# host\n', BOT + '# guest\n']);
  assert.equal(typeof JSON.parse(entry.settings), 'object');
  assert.equal(Number(entry.seed), q.body.seed);
  assert.equal(psql(stack.databaseUrl, `SELECT count(*) FROM outbox WHERE fight_id = '${fight.id}' AND sent_at IS NOT NULL`), '1');

  // the host stops it: cancel key for the simulator, state cancelled
  const stop = await host.post(`/api/fights/${fight.id}/cancel`);
  assert.equal(stop.status, 200);
  assert.equal(stop.body.state, 'cancelled');
  assert.equal(redis(stack.redisUrl, 'GET', `cf:cancel:${fight.id}`), '"1"');
  assertError(await host.post(`/api/fights/${fight.id}/cancel`), 409);
});

test('fights: decline, withdraw, automatic cancel, host start, invite endpoint', async () => {
  const host = await user('lchost');
  const [p1, p2, p3] = [await user('lc1'), await user('lc2'), await user('lc3')];
  const hb = await bot(host, 'light_cycles');
  const b1 = await bot(p1, 'light_cycles');
  const b2 = await bot(p2, 'light_cycles');

  // tanks needs 2: the only invitee declines -> cancelled by itself
  const tb = await bot(host, 'tanks');
  const t = (await host.post('/api/fights', { game: 'tanks', bot_id: tb.id, invite: [p1.username] })).body;
  const ti = (await p1.get('/api/invitations')).body.invitations.find((i) => i.fight_id === t.id);
  const dec = await p1.post(`/api/invitations/${ti.id}/decline`);
  assert.equal(dec.status, 200);
  assert.equal(dec.body.state, 'declined');
  assert.equal(dec.body.fight_state, 'cancelled');
  assertError(await p1.post(`/api/invitations/${ti.id}/accept`, { bot_id: b1.id }), 409);

  // light cycles (2-6): invite via the endpoint, one withdraws, the host starts
  const f = (await host.post('/api/fights', { game: 'light_cycles', bot_id: hb.id, invite: [p1.username] })).body;
  const i2 = await host.post(`/api/fights/${f.id}/invitations`, { username: p2.username.toUpperCase() });
  assert.equal(i2.status, 201, i2.text);
  assert.equal(i2.body.username, p2.username);
  assert.equal((await host.post(`/api/fights/${f.id}/invitations`, { username: p3.username })).status, 201);
  assertError(await host.post(`/api/fights/${f.id}/invitations`, { username: p2.username }), 409, /already/);
  assertError(await host.post(`/api/fights/${f.id}/invitations`, { username: `ghost_${uniq()}` }), 404);
  assertError(await host.post(`/api/fights/${f.id}/invitations`, { username: host.username }), 400);
  assertError(await host.post(`/api/fights/${f.id}/invitations`, {}), 400);
  assertError(await p1.post(`/api/fights/${f.id}/invitations`, { username: p3.username }), 403);
  const invs = (await host.get(`/api/fights/${f.id}`)).body.invitations;
  const inv1 = invs.find((i) => i.username === p1.username);
  const inv2 = invs.find((i) => i.username === p2.username);
  const inv3 = invs.find((i) => i.username === p3.username);
  assert.equal((await p1.post(`/api/invitations/${inv1.id}/accept`, { bot_id: b1.id })).body.fight_state, 'open');
  assert.equal((await p2.post(`/api/invitations/${inv2.id}/accept`, { bot_id: b2.id })).body.fight_state, 'open');
  const w = await p2.post(`/api/invitations/${inv2.id}/withdraw`);
  assert.equal(w.body.state, 'withdrawn');
  assertError(await p2.post(`/api/invitations/${inv2.id}/withdraw`), 409);
  // the host takes back p3's pending invitation: all answered, 2 players -> starts
  const hw = await host.post(`/api/invitations/${inv3.id}/withdraw`);
  assert.equal(hw.status, 200);
  assert.equal(hw.body.fight_state, 'queued');
  const started = (await host.get(`/api/fights/${f.id}`)).body;
  assert.equal(started.players.length, 2);
  assertError(await host.post(`/api/fights/${f.id}/start`), 409);
  assertError(await host.post(`/api/fights/${f.id}/invitations`, { username: p3.username }), 409);

  // host start while an invitation is still pending
  const g = (await host.post('/api/fights', { game: 'light_cycles', bot_id: hb.id, invite: [p1.username, p2.username] })).body;
  const gi = (await host.get(`/api/fights/${g.id}`)).body.invitations.find((i) => i.username === p1.username);
  await p1.post(`/api/invitations/${gi.id}/accept`, { bot_id: b1.id });
  const ready = (await host.get(`/api/fights/${g.id}`)).body;
  assert.equal(ready.me.can_start, true);
  const st = await host.post(`/api/fights/${g.id}/start`);
  assert.equal(st.status, 200);
  assert.equal(st.body.state, 'queued');
  assert.equal(st.body.invitations.find((i) => i.username === p2.username).state, 'withdrawn');
  await waitFor(() => fightEntries().find((e) => e.id === g.id), 'the started fight on cf:fights');

  // host cancels an open fight
  const h = (await host.post('/api/fights', { game: 'light_cycles', bot_id: hb.id })).body;
  const c = await host.post(`/api/fights/${h.id}/cancel`);
  assert.equal(c.body.state, 'cancelled');
  assertError(await host.post(`/api/fights/${h.id}/start`), 409);
  assertError(await host.post('/api/fights/not-a-uuid/start'), 404);
  assertError(await host.post('/api/fights/00000000-0000-4000-8000-000000000000/cancel'), 404);
});

test('play now against a house bot', async () => {
  const a = await user('play');
  const b = await bot(a, 'tanks', 'Solo');
  const other = await user('other');
  const ob = await bot(other, 'tanks');
  assertError(await a.post('/api/fights/play-now', { bot_id: ob.id }), 404);
  assertError(await a.post('/api/fights/play-now', {}), 400);
  assertError(await a.post('/api/fights/play-now', { bot_id: b.id, template: 'nope.py' }), 404);
  const r = await a.post('/api/fights/play-now', { bot_id: b.id });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.state, 'queued');
  assert.equal(r.body.public, false);
  assert.equal(r.body.players.length, 2);
  assert.equal(r.body.players[1].house, true);
  assert.equal(r.body.players[1].username, 'house');
  const entry = await waitFor(() => fightEntries().find((e) => e.id === r.body.id), 'the play-now entry');
  const players = JSON.parse(entry.players);
  assert.equal(players.length, 2);
  assert.equal(players[0].code, BOT);
  assert.match(players[1].name, /^house\//);
  assert.match(players[1].code, /class Main/);
  assertError(await other.get(`/api/fights/${r.body.id}`), 404);

  // Against one's own bot (the bot page's test run): it takes the house bot's seat.
  const b2 = await bot(a, 'tanks', 'Sparring');
  const lc = await bot(a, 'light_cycles', 'Cycle');
  assertError(await a.post('/api/fights/play-now', { bot_id: b.id, opponent_bot_id: ob.id }), 404);
  assertError(await a.post('/api/fights/play-now', { bot_id: b.id, opponent_bot_id: lc.id }), 400);
  assertError(await a.post('/api/fights/play-now', { bot_id: b.id, opponent_bot_id: 'x' }), 400);
  const own = await a.post('/api/fights/play-now', { bot_id: b.id, opponent_bot_id: b2.id });
  assert.equal(own.status, 201, own.text);
  assert.equal(own.body.state, 'queued');
  assert.deepEqual(own.body.players.map((p) => [p.username, p.bot, !!p.house]),
    [[a.username, 'Solo', false], [a.username, 'Sparring', false]]);
  const ownEntry = await waitFor(() => fightEntries().find((e) => e.id === own.body.id), 'the own-bot play-now entry');
  assert.deepEqual(JSON.parse(ownEntry.players).map((p) => p.code), [BOT, BOT]);
  // The same bot against itself.
  const self = await a.post('/api/fights/play-now', { bot_id: b.id, opponent_bot_id: b.id });
  assert.equal(self.status, 201, self.text);
  assert.equal(self.body.players.length, 2);
  assertError(await other.get(`/api/fights/${own.body.id}`), 404);
});

test('fight page: results, verdicts, own log only, replay, list, dashboard, SSE', async () => {
  const a = await user('pa');
  const b = await user('pb');
  const ab = await bot(a, 'tanks', 'Alpha');
  const bb = await bot(b, 'tanks', 'Beta');
  const f = (await a.post('/api/fights', { game: 'tanks', bot_id: ab.id, public: true, invite: [b.username] })).body;
  const inv = (await b.get('/api/invitations')).body.invitations.find((i) => i.fight_id === f.id);

  // live status from the start: open, then queued, then simulating with ticks, then finished
  const anon = new Client(stack.baseURL);
  const ctrl = new AbortController();
  const sse = await fetch(`${stack.baseURL}/api/fights/${f.id}/events`, { signal: ctrl.signal });
  assert.equal(sse.status, 200);
  assert.match(sse.headers.get('content-type'), /text\/event-stream/);
  const reader = sse.body.getReader();
  let buf = '';
  const events = [];
  const pump = (async () => {
    const dec = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += dec.decode(value);
      let k;
      while ((k = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, k);
        buf = buf.slice(k + 2);
        const ev = /^event: (.*)$/m.exec(block);
        const data = /^data: (.*)$/m.exec(block);
        if (ev && data) events.push({ event: ev[1], data: JSON.parse(data[1]) });
      }
    }
  })().catch(() => {});
  await waitFor(() => events.find((e) => e.data.state === 'open'), 'SSE open');
  await b.post(`/api/invitations/${inv.id}/accept`, { bot_id: bb.id });
  await waitFor(() => events.find((e) => e.data.state === 'queued'), 'SSE queued');
  // a list's row of a fight going on is kept with the state it shows
  const listed = async () => (await a.get('/api/fights?mine=1')).body.fights.find((x) => x.id === f.id).state;
  assert.equal(await listed(), 'queued');
  redis(stack.redisUrl, 'XADD', 'cf:progress', '*', 'id', f.id, 'state', 'started', 'tick', '0');
  redis(stack.redisUrl, 'XADD', 'cf:progress', '*', 'id', f.id, 'state', 'tick', 'tick', '7');
  await waitFor(() => events.find((e) => e.data.state === 'simulating' && e.data.tick === 7), 'SSE simulating tick 7');
  assert.equal((await anon.get(`/api/fights/${f.id}`)).body.state, 'simulating');
  assert.equal(await listed(), 'simulating');
  // the database learns it too (metrics, filters, the reconciler)
  await waitFor(() => psql(stack.databaseUrl, `SELECT status FROM fights WHERE id = '${f.id}'`) === 'running', 'status running');
  assert.ok((await anon.get(`/api/fights?state=simulating&user=${a.username}`)).body.fights.some((x) => x.id === f.id));
  assert.match((await anon.get('/metrics')).text, /cf_web_fights\{state="simulating"\} [1-9]/);

  // the result processor's part, by hand: results, verdicts, logs, replay
  const db = stack.databaseUrl;
  assertError(await anon.get(`/api/fights/${f.id}/replay`), 409);
  psql(db, `UPDATE fights SET status = 'finished', started_at = now(), finished_at = now(), result = '["W","L"]', explanation = 'Beta ran out of memory', ticks = 12, seed = 9007199254740991 WHERE id = '${f.id}';
    UPDATE fight_players SET result = 'win', verdict = 'ok', log = 'alpha log', cpu_ms = 5, peak_memory_kb = 900,
      errors = '{"raised": 3, "invalid": 1, "first": {"tick": 2, "kind": "raised", "message": "ValueError: alpha secret"}}' WHERE fight_id = '${f.id}' AND slot = 0;
    UPDATE fight_players SET result = 'loss', verdict = 'memory', detail = 'over 64 MiB', log = 'beta secret log' WHERE fight_id = '${f.id}' AND slot = 1;
    INSERT INTO fight_reports (fight_id, report, replay) VALUES ('${f.id}', '{"status":"finished"}', '[{"t":1},{"t":2}]');`);
  await waitFor(() => events.find((e) => e.data.state === 'finished'), 'SSE finished');
  await pump; // the server closes the stream after a final state
  ctrl.abort();

  const pa = (await a.get(`/api/fights/${f.id}`)).body;
  assert.equal(pa.state, 'finished');
  assert.deepEqual(pa.result, ['W', 'L']);
  assert.equal(pa.explanation, 'Beta ran out of memory');
  assert.equal(pa.has_replay, true);
  assert.equal(pa.seed, 9007199254740991); // 2^53 - 1, exact
  assert.equal(pa.players[0].result, 'win');
  assert.equal(pa.players[1].verdict, 'memory');
  assert.equal(pa.players[1].verdict_text, 'memory limit exceeded');
  assert.equal(pa.players[0].log, 'alpha log');
  assert.equal(pa.players[1].log, undefined); // not a's bot
  // The calls that did nothing: counts and the first one's tick for all,
  // its message (the bot's own words) for the bot's author only.
  assert.deepEqual(pa.players[0].errors, { raised: 3, invalid: 1, first: { tick: 2, kind: 'raised', message: 'ValueError: alpha secret' } });
  assert.equal(pa.players[1].errors, null);
  const pb = (await b.get(`/api/fights/${f.id}`)).body;
  assert.equal(pb.players[1].log, 'beta secret log');
  assert.equal(pb.players[0].log, undefined);
  assert.deepEqual(pb.players[0].errors, { raised: 3, invalid: 1, first: { tick: 2, kind: 'raised' } });
  const pn = await anon.get(`/api/fights/${f.id}`);
  assert.equal(pn.status, 200);
  assert.ok(pn.body.players.every((p) => p.log === undefined && p.bot_id === null));
  assert.equal(pn.body.players[0].errors.raised, 3);
  assert.ok(!pn.text.includes('secret'));
  const rp = await anon.get(`/api/fights/${f.id}/replay`);
  assert.equal(rp.status, 200);
  assert.deepEqual(rp.body.data, [{ t: 1 }, { t: 2 }]);
  assert.equal(rp.body.players.length, 2);
  assert.equal(rp.body.ticks, 12);
  assertError(await anon.get('/api/fights/00000000-0000-4000-8000-000000000000'), 404);
  assertError(await anon.get('/api/fights/nope'), 404);
  assertError(await anon.get('/api/fights/00000000-0000-4000-8000-000000000000/events'), 404);

  // public list: filters and pagination
  const l = await anon.get(`/api/fights?user=${a.username}`);
  assert.equal(l.status, 200);
  assert.equal(l.body.total, 1);
  assert.equal(l.body.fights[0].id, f.id);
  assert.deepEqual(l.body.fights[0].players.map((p) => p.bot), ['Alpha', 'Beta']);
  assert.equal((await anon.get(`/api/fights?user=${a.username}&state=open`)).body.total, 0);
  assert.deepEqual([l.body.total_exact, l.body.has_more], [true, false]);
  const past = (await anon.get(`/api/fights?user=${a.username}&page=3`)).body;
  assert.deepEqual([past.fights.length, past.total, past.page, past.has_more], [0, 1, 3, false]);
  assert.equal((await anon.get('/api/fights?user=nobody_at_all_here')).body.total, 0);
  assert.equal((await anon.get(`/api/fights?user=${a.username}&state=finished&game=tanks`)).body.fights.length, 1);
  const p1 = await anon.get('/api/fights?per_page=1&page=1');
  assert.equal(p1.body.fights.length, 1);
  assert.ok(p1.body.total >= 1);
  assertError(await anon.get('/api/fights?state=bogus'), 400);
  assertError(await anon.get('/api/fights?page=0'), 400);
  assertError(await anon.get('/api/fights?per_page=1000'), 400);
  assertError(await anon.get('/api/fights?game=chess'), 400);
  assertError(await anon.get('/api/fights?user=a%20b'), 400);
  assertError(await anon.get('/api/fights?mine=1'), 401);
  // private fights stay out of the public list
  const priv = (await a.post('/api/fights', { game: 'tanks', bot_id: ab.id, public: false })).body;
  assert.ok(!(await anon.get('/api/fights?per_page=100')).body.fights.some((x) => x.id === priv.id));
  assert.ok((await a.get('/api/fights?mine=1')).body.fights.some((x) => x.id === priv.id));

  // dashboard and the user's event stream
  const d = await b.get('/api/dashboard');
  assert.equal(d.status, 200);
  assert.equal(d.body.user.username, b.username);
  assert.ok(d.body.fights.some((x) => x.id === f.id));
  assert.deepEqual(d.body.bots.map((x) => x.name), ['Beta']);
  assert.ok(Array.isArray(d.body.invitations));
  assertError(await anon.get('/api/dashboard'), 401);
  assertError(await anon.get('/api/events'), 401);
  const c2 = new AbortController();
  const us = await fetch(`${stack.baseURL}/api/events`, { headers: { Cookie: b.cookie }, signal: c2.signal });
  assert.equal(us.status, 200);
  const r2 = us.body.getReader();
  let text = '';
  const newFight = (await a.post('/api/fights', { game: 'tanks', bot_id: ab.id, invite: [b.username] })).body;
  const dec = new TextDecoder();
  await waitFor(async () => {
    const { value } = await r2.read();
    text += dec.decode(value);
    return text.includes('event: invitation') && text.includes(newFight.id);
  }, 'an invitation event');
  c2.abort();
});

test("a fight's explanation in the game's words (Tanks' X)", async () => {
  const a = await user('ex');
  const ab = await bot(a, 'tanks', 'Ex');
  const f = (await a.post('/api/fights', { game: 'tanks', bot_id: ab.id, public: true })).body;
  const db = stack.databaseUrl;
  psql(db, `UPDATE fights SET status = 'finished', finished_at = now(), result = '["D"]', explanation = 'X', ticks = 500 WHERE id = '${f.id}'`);
  assert.equal((await a.get(`/api/fights/${f.id}`)).body.explanation, 'Tick limit exceeded.');
  // anything the game has no words for is shown as written
  psql(db, `UPDATE fights SET explanation = 'Xylophone' WHERE id = '${f.id}'`);
  assert.equal((await a.get(`/api/fights/${f.id}`)).body.explanation, 'Xylophone');
});

test('static files, SPA fallback, viewers, no traversal', async () => {
  const c = new Client(stack.baseURL);
  const root = await c.get('/');
  assert.equal(root.status, 200);
  assert.match(root.headers.get('content-type'), /text\/html/);
  const spa = await c.get('/fights/00000000-0000-4000-8000-000000000000');
  assert.equal(spa.status, 200);
  assert.equal(spa.text, root.text);
  assert.equal((await c.get('/no-such-file.js')).status, 404);
  const viewer = await c.get('/games/tanks/web/viewer.js');
  assert.equal(viewer.status, 200);
  assert.match(viewer.headers.get('content-type'), /javascript/);
  assert.equal((await c.get('/games/tanks/web/nope.js')).status, 404);
  assert.equal((await c.get('/games/../web/web.h')).status, 404);
  assert.equal((await c.get('/games/tanks/web/..%2f..%2f..%2fweb%2fweb.h')).status, 404);
  assert.equal((await c.get('/%2e%2e/web/web.h')).status, 404);
  assert.equal((await c.get('/..%2fweb%2fweb.h')).status, 404);
  assert.equal((await c.get('/games/tanks/tanks.c')).status, 404);
  assertError(await c.post('/index.html', {}), 405);
});

test('outbox: a fight started while Redis is down reaches cf:fights when it is back', async () => {
  const { spawn } = await import('node:child_process');
  const { createServer } = await import('node:net');
  const port = await new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const url = `redis://127.0.0.1:${port}`;
  const startRedis = async () => {
    const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitFor(() => { try { return redis(url, 'PING') === 'PONG'; } catch { return false; } }, 'redis-server');
    return p;
  };
  let rs = await startRedis();
  // no games folder on disk either: viewers come from the compiled copy
  const own = await startWeb({ ...bins, env: { CF_REDIS_URL: url, CF_WEB_GAMES_DIR: '/nonexistent' } });
  try {
    const a = new Client(own.baseURL);
    const viewer = await a.get('/games/tanks/web/viewer.js');
    assert.equal(viewer.status, 200);
    assert.match(viewer.headers.get('content-type'), /javascript/);
    assert.equal((await a.post('/api/signup', { username: `hiccup_${uniq()}`, password: 'password-123' })).status, 201);
    const b = (await a.post('/api/bots', { name: 'H', game: 'tanks', code: BOT })).body;
    rs.kill('SIGKILL');
    await new Promise((r) => rs.once('exit', r));
    const f = await a.post('/api/fights/play-now', { bot_id: b.id });
    assert.equal(f.status, 201, f.text); // recorded although Redis is away
    assert.equal(f.body.state, 'queued');
    await sleep(1500);
    assert.equal(psql(own.databaseUrl, `SELECT count(*) FROM outbox WHERE fight_id = '${f.body.id}' AND sent_at IS NULL`), '1');
    assert.match((await a.get('/metrics')).text, /cf_web_outbox_pending 1/);
    rs = await startRedis();
    await waitFor(() => redisRaw(url, 'XRANGE', 'cf:fights', '-', '+').includes(f.body.id), 'the fight on cf:fights after Redis came back', 15000);
    assert.equal(psql(own.databaseUrl, `SELECT count(*) FROM outbox WHERE fight_id = '${f.body.id}' AND sent_at IS NOT NULL`), '1');
  } finally {
    await own.stop();
    rs.kill('SIGKILL');
  }
  assert.doesNotMatch(own.log, /AddressSanitizer|LeakSanitizer|runtime error:/, own.log.slice(-4000));
  assert.equal(own.exitCode, 0);
});

test('account default visibility applies to new fights', async () => {
  const a = await user('vis');
  const b = await bot(a, 'light_cycles');
  assert.equal((await a.post('/api/fights', { game: 'light_cycles', bot_id: b.id })).body.public, true);
  await a.patch('/api/account', { fights_public_default: false });
  assert.equal((await a.post('/api/fights', { game: 'light_cycles', bot_id: b.id })).body.public, false);
  assert.equal((await a.post('/api/fights', { game: 'light_cycles', bot_id: b.id, public: true })).body.public, true);
});

test('concurrent answers start a fight exactly once', async () => {
  const host = await user('race');
  const guests = [await user('r1'), await user('r2'), await user('r3'), await user('r4')];
  const hb = await bot(host, 'light_cycles');
  const gbots = [];
  for (const g of guests) gbots.push(await bot(g, 'light_cycles'));
  const f = (await host.post('/api/fights', { game: 'light_cycles', bot_id: hb.id, invite: guests.map((g) => g.username) })).body;
  const invs = (await host.get(`/api/fights/${f.id}`)).body.invitations;
  const answers = await Promise.all(guests.map((g, i) => {
    const inv = invs.find((x) => x.username === g.username);
    return i === 3 ? g.post(`/api/invitations/${inv.id}/decline`) : g.post(`/api/invitations/${inv.id}/accept`, { bot_id: gbots[i].id });
  }));
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200]);
  const done = (await host.get(`/api/fights/${f.id}`)).body;
  assert.equal(done.state, 'queued');
  assert.equal(done.players.length, 4);
  assert.deepEqual(done.players.map((p) => p.slot), [0, 1, 2, 3]);
  assert.equal(psql(stack.databaseUrl, `SELECT count(*) FROM outbox WHERE fight_id = '${f.id}'`), '1');
  await waitFor(() => fightEntries().filter((e) => e.id === f.id).length === 1, 'one cf:fights entry');
});

test('database connections cut under cf-web: the next requests still succeed', async () => {
  const a = await user('cut');
  const b = await bot(a, 'tanks');
  const f = (await a.post('/api/fights', { game: 'tanks', bot_id: b.id })).body;
  assert.equal((await a.get(`/api/fights/${f.id}`)).status, 200); // statements prepared
  psql(stack.databaseUrl, 'SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  for (let round = 0; round < 2; round++) {
    // parallel requests open several connections: every worker thread meets its dead one
    const rs = await Promise.all([...Array(8)].map(() => a.get(`/api/fights/${f.id}`)));
    for (const r of rs) {
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.me.is_host, true);
    }
  }
  assert.equal((await a.post('/api/fights', { game: 'tanks', bot_id: b.id })).status, 201);
});

test('every path and method of docs/openapi.yaml is routed', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const yaml = readFileSync(join(bins.source, 'docs', 'openapi.yaml'), 'utf8');
  const ops = [];
  let path = null;
  for (const line of yaml.split('\n')) {
    let m = /^ {2}(\/\S*):\s*$/.exec(line);
    if (m) { path = m[1]; continue; }
    if (/^\S/.test(line)) path = null;
    m = /^ {4}(get|post|patch|put|delete):\s*$/.exec(line);
    if (m && path) ops.push([m[1].toUpperCase(), path]);
  }
  assert.ok(ops.length >= 30, `only ${ops.length} operations found`);
  const c = await user('routes');
  for (const [method, p] of ops) {
    if (p.endsWith('/events')) continue; // streams stay open; tested above
    const concrete = p.replace('{fight_id}', '00000000-0000-4000-8000-000000000000').replace(/\{[a-z_]+\}/g, '1');
    const r = await c.req(method, concrete, method === 'GET' ? undefined : {});
    assert.notEqual(r.status, 405, `${method} ${p}`);
    assert.ok(!(r.body && r.body.error === 'no such endpoint'), `${method} ${p} is not routed`);
  }
});

test('fight settings: defaults completed, user keys checked against the game', async () => {
  const a = await user('set');
  const b = await bot(a, 'light_cycles');
  const spec = (await a.get('/api/games/light_cycles')).body.settings;
  const size = spec.find((s) => s.key === 'size');
  assert.ok(size && size.user);
  const f = await a.post('/api/fights', { game: 'light_cycles', bot_id: b.id, settings: { size: size.min } });
  assert.equal(f.status, 201, f.text);
  assert.equal(f.body.settings.size, size.min);
  for (const s of spec) assert.equal(typeof f.body.settings[s.key], 'number'); // defaults filled in
  assertError(await a.post('/api/fights', { game: 'light_cycles', bot_id: b.id, settings: { size: size.max + 1 } }), 400, /size/);
  assertError(await a.post('/api/fights', { game: 'light_cycles', bot_id: b.id, settings: { size: 'big' } }), 400, /size/);
  const tb = await bot(a, 'tanks');
  const locked = (await a.get('/api/games/tanks')).body.settings.find((s) => !s.user);
  if (locked) assertError(await a.post('/api/fights', { game: 'tanks', bot_id: tb.id, settings: { [locked.key]: locked.default } }), 400);
});

test('fights list: bounded total, has_more, user filter, mine through invitations', async () => {
  const a = await user('many');
  const b = await user('inv');
  const db = stack.databaseUrl;
  // 1,100 public fights of a's, newest last, straight into the database
  psql(db, `WITH f AS (INSERT INTO fights (id, game, host_id, status, visibility, created_at, finished_at)
      SELECT gen_random_uuid(), 'tanks', ${a.id}, 'finished', 'public', now() - (1100 - g) * interval '1 second', now()
      FROM generate_series(1, 1100) g RETURNING id, host_id)
    INSERT INTO fight_players (fight_id, slot, user_id, name) SELECT id, 0, host_id, 'x/y' FROM f`);
  const anon = new Client(stack.baseURL);
  const p1 = (await anon.get(`/api/fights?user=${a.username}`)).body;
  assert.equal(p1.fights.length, 20);
  // counted ten pages past the page's first fight: a lower bound, and more pages
  assert.deepEqual([p1.total, p1.total_exact, p1.has_more], [200, false, true]);
  const p2 = (await anon.get(`/api/fights?user=${a.username}&page=2`)).body;
  assert.ok(p2.fights[0].created_at <= p1.fights[19].created_at);
  assert.ok(!p2.fights.some((x) => p1.fights.some((y) => y.id === x.id)));
  const last = (await anon.get(`/api/fights?user=${a.username}&page=55`)).body;
  assert.deepEqual([last.fights.length, last.total, last.total_exact, last.has_more], [20, 1100, true, false]);
  const before = (await anon.get(`/api/fights?user=${a.username}&page=54`)).body;
  assert.deepEqual([before.total, before.total_exact, before.has_more], [1100, true, true]);
  const mineA = (await a.get('/api/fights?mine=1&per_page=100')).body;
  assert.deepEqual([mineA.fights.length, mineA.total, mineA.has_more], [100, 1000, true]);
  // a private fight b is only invited to (neither host nor player) is among b's own
  const ab = await bot(a, 'tanks', 'Many');
  const priv = (await a.post('/api/fights', { game: 'tanks', bot_id: ab.id, public: false, invite: [b.username] })).body;
  const mineB = (await b.get('/api/fights?mine=1')).body;
  assert.deepEqual(mineB.fights.map((x) => x.id), [priv.id]);
  assert.deepEqual([mineB.total, mineB.total_exact, mineB.has_more], [1, true, false]);
  assert.ok(!(await anon.get(`/api/fights?user=${a.username}`)).body.fights.some((x) => x.id === priv.id));
  assert.ok((await a.get('/api/fights?mine=1&per_page=1')).body.fights[0].id === priv.id);
});

test('fights list: a page past the tenth shows a fight going on as it is now, never a kept row', async () => {
  // Pages past the tenth read only their fights' ids (fight_list.c): a
  // fight that has not ended must still come fresh, whatever the row cache
  // holds for fights that have.
  const a = await user('deep');
  const ab = await bot(a, 'tanks', 'Deep');
  const open = (await a.post('/api/fights', { game: 'tanks', bot_id: ab.id })).body;
  psql(stack.databaseUrl, `WITH f AS (INSERT INTO fights (id, game, host_id, status, visibility, created_at, finished_at)
      SELECT gen_random_uuid(), 'tanks', ${a.id}, 'finished', 'public', now() + g * interval '1 second', now()
      FROM generate_series(1, 10) g RETURNING id, host_id)
    INSERT INTO fight_players (fight_id, slot, user_id, name) SELECT id, 0, host_id, 'x/y' FROM f`);
  const eleventh = async () => (await a.get('/api/fights?mine=1&per_page=1&page=11')).body;
  let page = await eleventh();
  assert.deepEqual([page.fights.map((x) => x.id), page.fights[0].state], [[open.id], 'open']);
  assert.equal((await eleventh()).fights[0].state, 'open');
  psql(stack.databaseUrl, `UPDATE fights SET status = 'finished', finished_at = now() WHERE id = '${open.id}'`);
  page = await eleventh();
  assert.equal(page.fights[0].state, 'finished');
  assert.deepEqual(await eleventh(), page); // now from the row cache, the same
});

test('dashboard: its fights are the first page of mine, a fight going on as it is now', async () => {
  // Rows come from the row cache: a fight that has ended under its id, one
  // going on under the version of its row, which a change of the fight or
  // of a player of it moves (web/migrations/0112); which have ended the
  // page learns from fight_members (fight_ended, web/migrations/0111), not
  // from each fight.
  const a = await user('dash');
  const ab = await bot(a, 'tanks', 'Dash');
  const open = (await a.post('/api/fights', { game: 'tanks', bot_id: ab.id })).body;
  psql(stack.databaseUrl, `WITH f AS (INSERT INTO fights (id, game, host_id, status, visibility, created_at, finished_at)
      SELECT gen_random_uuid(), 'tanks', ${a.id}, 'finished', 'public', now() - g * interval '1 second', now()
      FROM generate_series(1, 25) g RETURNING id, host_id)
    INSERT INTO fight_players (fight_id, slot, user_id, name) SELECT id, 0, host_id, 'x/y' FROM f`);
  const dashboard = async () => (await a.get('/api/dashboard')).body.fights;
  const mine = async () => (await a.get('/api/fights?mine=1&per_page=20')).body.fights;
  let d = await dashboard();
  assert.equal(d.length, 20);
  assert.deepEqual([d[0].id, d[0].state], [open.id, 'open']);
  assert.deepEqual(d, await mine());
  assert.deepEqual(await dashboard(), d); // now from the row cache
  // a player joins, changes and leaves by hand, the fight itself changes:
  // each shows at once (0112's trigger gives the fight a new version)
  const version = () => psql(stack.databaseUrl, `SELECT xmin FROM fights WHERE id = '${open.id}'`);
  const v0 = version();
  psql(stack.databaseUrl, `INSERT INTO fight_players (fight_id, slot, name) VALUES ('${open.id}', 1, 'house/Sparring')`);
  assert.notEqual(version(), v0);
  const sparring = { username: 'house', bot: 'Sparring', result: null };
  assert.deepEqual((await dashboard())[0].players, [{ username: a.username, bot: 'Dash', result: null }, sparring]);
  psql(stack.databaseUrl, `UPDATE fight_players SET name = 'house/Sparred' WHERE fight_id = '${open.id}' AND slot = 1`);
  assert.deepEqual((await dashboard())[0].players[1], { ...sparring, bot: 'Sparred' });
  psql(stack.databaseUrl, `DELETE FROM fight_players WHERE fight_id = '${open.id}' AND slot = 1`);
  assert.deepEqual(await dashboard(), d);
  psql(stack.databaseUrl, `UPDATE fights SET visibility = 'private' WHERE id = '${open.id}'`);
  assert.equal((await dashboard())[0].public, false);
  psql(stack.databaseUrl, `UPDATE fights SET visibility = 'public' WHERE id = '${open.id}'`);
  assert.deepEqual(await dashboard(), d);
  // a fight that has ended is kept under its id: its players' rows (the
  // result processor writes them after the status) leave its version be
  const endedFight = d[1].id;
  const endedVersion = psql(stack.databaseUrl, `SELECT xmin FROM fights WHERE id = '${endedFight}'`);
  psql(stack.databaseUrl, `UPDATE fight_players SET result = 'win' WHERE fight_id = '${endedFight}'`);
  assert.equal(psql(stack.databaseUrl, `SELECT xmin FROM fights WHERE id = '${endedFight}'`), endedVersion);
  psql(stack.databaseUrl, `UPDATE fight_players SET result = NULL WHERE fight_id = '${endedFight}'`);
  const ended = () => psql(stack.databaseUrl, `SELECT fight_ended, count(*) FROM fight_members
      WHERE user_id = ${a.id} GROUP BY 1 ORDER BY 1`).split('\n');
  // made ended (the 25 inserted finished) or not (the open one)
  assert.deepEqual(ended(), ['f|1', 't|25']);
  psql(stack.databaseUrl, `UPDATE fights SET status = 'finished', finished_at = now() WHERE id = '${open.id}'`);
  assert.deepEqual(ended(), ['t|26']); // the trigger of 0111
  d = await dashboard();
  assert.deepEqual([d[0].id, d[0].state], [open.id, 'finished']);
  assert.deepEqual(d, await mine());
  // reopened by hand: the page reads it fresh again, not its kept row
  psql(stack.databaseUrl, `UPDATE fights SET status = 'queued', finished_at = NULL WHERE id = '${open.id}'`);
  assert.deepEqual(ended(), ['f|1', 't|25']);
  d = await dashboard();
  assert.deepEqual([d[0].id, d[0].state, d[0].finished_at], [open.id, 'queued', null]);
  assert.deepEqual(d, await mine());
});

test("invitations: a row read fresh or from the row cache follows a rename, and a change of the invitation or its fight, at once", async () => {
  const host = await user('ivhost');
  const guest = await user('ivguest');
  const hb = await bot(host, 'tanks');
  const gb = await bot(guest, 'tanks', 'Before Rename');
  const fight = (await host.post('/api/fights', { game: 'tanks', bot_id: hb.id, invite: [guest.username] })).body;
  const inv = (await guest.get('/api/invitations')).body.invitations.find((i) => i.fight_id === fight.id);
  const acc = await guest.post(`/api/invitations/${inv.id}/accept`, { bot_id: gb.id });
  assert.equal(acc.status, 200, acc.text);
  // and one still open, pending: listed first
  const open = (await host.post('/api/fights', { game: 'tanks', bot_id: hb.id, invite: [guest.username] })).body;
  const ended = () => psql(stack.databaseUrl, `SELECT fight_ended FROM invitations WHERE id = ${inv.id}`);
  assert.equal(ended(), 'f');
  psql(stack.databaseUrl, `UPDATE fights SET status = 'finished', finished_at = now() WHERE id = '${fight.id}'`);
  assert.equal(ended(), 't'); // the trigger of web/migrations/0109, now 0111's fight_ended_copies
  const fresh = (await guest.get('/api/invitations')).body.invitations;
  const cached = (await guest.get('/api/invitations')).body.invitations;
  assert.deepEqual(cached, fresh);
  assert.deepEqual(fresh.map((i) => [i.fight_id, i.state]), [[open.id, 'pending'], [fight.id, 'accepted']]);
  assert.deepEqual(fresh[1], { ...acc.body, fight_state: 'finished' });
  assert.equal((await guest.patch(`/api/bots/${gb.id}`, { name: 'After Rename' })).status, 200);
  const renamed = (await guest.get('/api/invitations')).body.invitations;
  assert.equal(renamed[1].bot, 'After Rename');
  assert.deepEqual(renamed[0], fresh[0]);
  // a pending one is kept too, under the versions of its row and its
  // fight's: a change of either by hand shows at once, in the list and on
  // the dashboard
  const pending = async () => (await guest.get('/api/dashboard')).body.invitations;
  assert.deepEqual(await pending(), [renamed[0]]);
  assert.deepEqual(await pending(), [renamed[0]]);
  psql(stack.databaseUrl, `UPDATE fights SET status = 'queued' WHERE id = '${open.id}'`);
  const queued = { ...renamed[0], fight_state: 'queued' };
  assert.deepEqual(await pending(), [queued]);
  assert.deepEqual((await guest.get('/api/invitations')).body.invitations[0], queued);
  psql(stack.databaseUrl, `UPDATE invitations SET bot_version_id = (SELECT max(id) FROM bot_versions WHERE bot_id = ${gb.id}) WHERE id = ${renamed[0].id}`);
  assert.deepEqual(await pending(), [{ ...queued, bot: 'After Rename' }]);
  assert.deepEqual((await guest.get('/api/invitations')).body.invitations[0], { ...queued, bot: 'After Rename' });
  psql(stack.databaseUrl, `UPDATE invitations SET status = 'declined' WHERE id = ${renamed[0].id}`);
  assert.deepEqual(await pending(), []);
  assert.equal((await guest.get('/api/invitations')).body.invitations.find((i) => i.id === renamed[0].id).state, 'declined');
});

test('a body over its route\'s limit: 413 as JSON naming that limit, never libevent\'s HTML page', async () => {
  const c = new Client(stack.baseURL);
  await c.refresh();
  // cf-web reads the request line first and makes the route's limit
  // evhttp's for the request: a game upload takes arcade.max_bundle_bytes
  // (16 MiB) + a preview (2 MiB) + 64 KiB, a JSON route 64 KiB, a path of
  // no route as much as a JSON one.
  const max = 16777216 + 2097152 + 65536;
  for (const [path, size, limit] of [['/api/arcade/games', max + 1, max], ['/api/signup', max + 1048576, 65536], ['/api/no/such/route', 65537, 65536]]) {
    const r = await c.post(path, 'x'.repeat(size), { headers: { 'Content-Type': 'application/json' } });
    assertError(r, 413, new RegExp(`larger than ${limit} bytes`));
    assert.doesNotMatch(r.text, /<HTML>/i);
  }
  // at the bound the route's own check answers (a game upload takes it all)
  const a = await user('big');
  assertError(await a.post('/api/arcade/games', 'x'.repeat(max), { headers: { 'Content-Type': 'multipart/form-data; boundary=XX' } }), 400, /multipart/);
  // under it, the other routes' own bounds: a bot upload's, a JSON body's
  const botMax = 2 * 1048576 + 65536;
  assertError(await a.post('/api/bots', 'x'.repeat(botMax), { headers: { 'Content-Type': 'application/json' } }), 400, /JSON/);
  assertError(await a.post('/api/bots', 'x'.repeat(botMax + 1), { headers: { 'Content-Type': 'application/json' } }), 413, /bot code is limited to 1048576 bytes/);
  assertError(await a.post('/api/signup', 'x'.repeat(3 * 1048576), { headers: { 'Content-Type': 'application/json' } }), 413, /larger than 65536 bytes/);
  // the server is fine afterwards, on new connections
  assert.equal((await c.get('/healthz')).status, 200);
});

test("a session's last_seen_at follows its use, written at most once a minute", async () => {
  const a = await user('seen');
  const db = stack.databaseUrl;
  const seen = () => psql(db, `SELECT extract(epoch FROM last_seen_at)::bigint FROM sessions WHERE user_id = ${a.id}`);
  psql(db, `UPDATE sessions SET last_seen_at = now() - interval '2 hours' WHERE user_id = ${a.id}`);
  const old = Number(seen());
  assert.equal((await a.get('/api/session')).body.user.username, a.username);
  const now = Number(seen());
  assert.ok(now - old >= 7000, `${old} -> ${now}`);
  // within the minute: no new write (set it 30 s back and see it stay)
  psql(db, `UPDATE sessions SET last_seen_at = now() - interval '30 seconds' WHERE user_id = ${a.id}`);
  const recent = seen();
  await a.get('/api/session');
  assert.equal(seen(), recent);
});
