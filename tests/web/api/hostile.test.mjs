// hostile.test.mjs — every route of docs/openapi.yaml under hostile input,
// logged out and logged in (with a valid CSRF token): malformed JSON, wrong
// types for every field, empty and over-limit bodies, wrong Content-Type,
// broken multipart, hostile path ids, query strings and headers. Whatever
// comes in, cf-web answers (never a dropped connection), never 5xx, errors
// are JSON {"error": string}, it stays healthy after each route's batch and
// (sanitizer builds) its log has no ASan/UBSan report.
//   node --test tests/web/api/hostile.test.mjs   (same environment as
//   api.test.mjs; see CMakeLists.txt)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { startWeb, Client, psql, SANITIZER, binsFromEnv } from './stack.mjs';

const bins = binsFromEnv('web', 'migrate', 'source');

const JSON_MAX = 64 * 1024; // WEB_JSON_BODY_MAX
const MAX_UPLOAD = 4096; // web.max_upload for this run: keeps the big bodies small
const BIG_MAX = 2 * MAX_UPLOAD + JSON_MAX; // a bot upload's bound
const ARCADE_MAX = 4096; // arcade.max_code_bytes and max_bundle_bytes for this run
const GAME_MAX = ARCADE_MAX + 2 * 1048576 + JSON_MAX; // web_game_body_max(): a file, a preview, the form

let stack;
let port;

// ---- routes, crudely from docs/openapi.yaml ----
function readRoutes() {
  const lines = readFileSync(join(bins.source, 'docs', 'openapi.yaml'), 'utf8').split('\n');
  const routes = [];
  let path = null;
  let cur = null;
  let inPaths = false;
  let propsIndent = -1;
  let inBody = false;
  for (const line of lines) {
    if (/^paths:/.test(line)) { inPaths = true; continue; }
    if (/^\S/.test(line)) { inPaths = false; continue; }
    if (!inPaths) continue;
    let m;
    if ((m = /^ {2}(\/\S*):\s*$/.exec(line))) { path = m[1]; cur = null; continue; }
    if ((m = /^ {4}(get|post|put|patch|delete):\s*$/.exec(line))) {
      cur = { method: m[1].toUpperCase(), path, fields: {}, query: [], body: false, multipart: false };
      routes.push(cur);
      inBody = false; propsIndent = -1;
      continue;
    }
    if (!cur) continue;
    if ((m = /- \{name: (\w+), in: query/.exec(line))) { cur.query.push(m[1]); continue; }
    if (/^ {6}requestBody:/.test(line)) { inBody = true; cur.body = true; continue; }
    if (/^ {6}responses:/.test(line)) { inBody = false; propsIndent = -1; continue; }
    if (!inBody) continue;
    if (/multipart\/form-data:/.test(line)) { cur.multipart = true; propsIndent = -1; continue; }
    if ((m = /^( *)properties:\s*$/.exec(line))) { propsIndent = m[1].length; continue; }
    if (propsIndent >= 0 && !cur.multipart && (m = /^( *)(\w+):(.*)$/.exec(line))) {
      if (m[1].length === propsIndent + 2) {
        const t = /type: (\w+)/.exec(m[3]);
        cur.fields[m[2]] = t ? t[1] : null;
      } else if (m[1].length <= propsIndent) {
        propsIndent = -1;
      }
    }
  }
  return routes;
}

// ---- a raw HTTP/1.1 client: any bytes out, and a dropped connection seen ----
function rawRequest(bytes, { timeout = 5000, stream = false } = {}) {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const chunks = [];
    let done = false;
    const finish = (err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const buf = Buffer.concat(chunks);
      const head = buf.indexOf('\r\n\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, 20).toString('latin1'));
      if (!m || head < 0) {
        reject(new Error(`no answer (${err ? err.message : 'connection closed'}; got ${buf.length} bytes)`));
        return;
      }
      const headers = buf.subarray(0, head).toString('latin1');
      let body = buf.subarray(head + 4);
      if (/\r\ntransfer-encoding: *chunked/i.test(headers)) body = dechunk(body);
      resolve({ status: Number(m[1]), headers, text: body.toString('utf8') });
    };
    const timer = setTimeout(() => {
      // An event stream (200, open) is an answer; anything else is a hang.
      if (stream && chunks.length > 0) finish(null);
      else finish(new Error('timed out'));
    }, timeout);
    sock.on('data', (d) => { chunks.push(d); if (stream && Buffer.concat(chunks).indexOf('\r\n\r\n') >= 0) finish(null); });
    sock.on('end', () => finish(null));
    sock.on('error', (e) => {
      // A reset after the whole answer arrived is still an answer.
      finish(e);
    });
    sock.on('connect', () => {
      // Big bodies: write in pieces, the server may answer (413) and close first.
      sock.write(bytes, () => {});
    });
  });
}

function dechunk(b) {
  const out = [];
  let i = 0;
  while (i < b.length) {
    const eol = b.indexOf('\r\n', i);
    if (eol < 0) break;
    const n = parseInt(b.subarray(i, eol).toString('latin1'), 16);
    if (!(n > 0)) break;
    out.push(b.subarray(eol + 2, eol + 2 + n));
    i = eol + 2 + n + 2;
  }
  return Buffer.concat(out);
}

// One request: target is the raw request-target (already escaped as wanted).
async function send(method, target, { body, ctype, headers = {}, session = null, stream = false } = {}) {
  const h = { Host: `127.0.0.1:${port}`, Connection: 'close', ...headers };
  if (session) {
    if (session.cookie) h.Cookie = session.cookie;
    if (session.csrf && method !== 'GET') h['X-CSRF-Token'] = session.csrf;
  }
  const payload = body === undefined ? null : (Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
  if (ctype) h['Content-Type'] = ctype;
  if (payload !== null || method === 'POST' || method === 'PATCH') h['Content-Length'] = String(payload ? payload.length : 0);
  let head = `${method} ${target} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(h)) head += `${k}: ${v}\r\n`;
  const bytes = Buffer.concat([Buffer.from(head + '\r\n', 'latin1'), payload || Buffer.alloc(0)]);
  try {
    return await rawRequest(bytes, { stream });
  } catch (e) {
    throw new Error(`${method} ${target.slice(0, 80)} (${Object.keys(headers).join(',')}; ${ctype}; body ${payload ? payload.length : "-"} bytes ${payload ? JSON.stringify(payload.subarray(0, 80).toString("latin1")) : ""}): ${e.message}`);
  }
}

// The answer must be an answer, not 5xx, and an error must be JSON.
function check(r, what, { strict = false } = {}) {
  assert.ok(r.status < 500, `${what}: ${r.status} ${r.text.slice(0, 300)}`);
  if (strict) assert.ok(r.status >= 400, `${what}: expected 4xx, got ${r.status} ${r.text.slice(0, 300)}`);
  if (r.status >= 400) {
    assert.match(r.headers, /\r\ncontent-type: application\/json/i, `${what}: ${r.status} not JSON:\n${r.headers}`);
    let j;
    try { j = JSON.parse(r.text); } catch { assert.fail(`${what}: ${r.status} body is not JSON: ${r.text.slice(0, 300)}`); }
    assert.equal(typeof j.error, 'string', `${what}: no "error" string: ${r.text.slice(0, 300)}`);
  }
}

async function healthy(what) {
  assert.equal(stack.proc.exitCode, null, `cf-web died after ${what}:\n${stack.log.slice(-4000)}`);
  const h = await send('GET', '/healthz');
  assert.equal(h.status, 200, `${what}: /healthz ${h.status} ${h.text}`);
  assert.doesNotMatch(stack.log, SANITIZER, `${what}:\n${stack.log.slice(-4000)}`);
}

// ---- the hostile material ----
const UUID = '00000000-0000-4000-8000-000000000000';
// A plausible, well-formed value of each path parameter (unknown ids: 404).
const PARAM_OK = { game: 'tanks', file: 'main.py', bot_id: '987654321', fight_id: UUID, invitation_id: UUID, game_id: '987654321' };
const HOSTILE_IDS = [
  'not-a-uuid', 'x'.repeat(5000), '%00', 'a%00b', '..', '..%2F..%2Fetc%2Fpasswd', '%2e%2e',
  '%ff%fe', '%ed%a0%80', '-1', '0', '99999999999999999999999999', '1e400', 'NaN', '%25', '%',
  '%zz', UUID.toUpperCase(), UUID + 'x', ' ', '%20', '%0d%0aX-Injected:%201',
];

const MALFORMED = [
  ['truncated', '{"a": "b'],
  ['truncated object', '{"username": "x", '],
  ['trailing garbage', '{"a": 1} xyz'],
  ['two objects', '{}{}'],
  ['deep arrays (under the limit)', '['.repeat(60000)],
  ['deep objects', '{"a":'.repeat(10000)],
  ['deep arrays 100000', '['.repeat(100000)],
  ['huge number', '{"a": 1e400, "bot_id": 1e400, "page": 1e400}'],
  ['negative zero', '{"a": -0, "bot_id": -0}'],
  ['NaN text', '{"a": NaN}'],
  ['Infinity text', '{"a": Infinity}'],
  ['NUL escape', '{"username": "a\\u0000b", "password": "p\\u0000assword-123", "name": "\\u0000", "code": "x\\u0000y", "game": "tanks\\u0000"}'],
  ['lone surrogate', '{"username": "\\ud800", "password": "\\udfff\\ud800xxxxxxxx", "name": "\\ud800", "code": "\\ud800", "game": "\\ud800"}'],
  ['bad escape', '{"a": "\\x41"}'],
  ['raw control chars', '{"a": "\x01\x02\x1f"}'],
  ['just a string', '"hello"'],
  ['just null', 'null'],
  ['just a number', '12345678901234567890123'],
  ['array', '[1,2,3]'],
  ['whitespace only', '   \r\n\t  '],
  ['duplicate keys', '{"username": "a", "username": 1, "password": [], "password": "x"}'],
];
const INVALID_UTF8 = [
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // {"a":"\xff\xfe"}
  Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]), // overlong /
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // CESU surrogate
  Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe2, 0x82, 0x22, 0x7d]), // cut sequence
  Buffer.from([0x7b, 0x00, 0x7d]), // raw NUL
];
const WRONG = { array: [], object: {}, null: null, number: 1, bool: true, string: 'x', big: 1e308, neg: -1, nested: [[[{}]]] };
const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object'
  : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v === 'boolean' ? 'boolean' : 'string');

function target(route, params = {}) {
  return route.path.replace(/\{(\w+)\}/g, (_, k) => (k in params ? params[k] : PARAM_OK[k] ?? 'x'));
}

// ---- the sweep of one route for one session ----
async function sweep(route, session, label) {
  const { method } = route;
  const base = target(route);
  const isStream = /\/events$/.test(route.path);
  const writes = method !== 'GET';
  const tag = (s) => `${label} ${method} ${route.path}: ${s}`;
  const jsonCt = 'application/json';

  // Hostile path ids (each parameter in turn): 4xx, JSON.
  for (const k of (route.path.match(/\{(\w+)\}/g) || []).map((s) => s.slice(1, -1))) {
    for (const id of HOSTILE_IDS) {
      const r = await send(method, target(route, { [k]: id }), { body: writes ? '{}' : undefined, ctype: writes ? jsonCt : undefined, session, stream: isStream });
      check(r, tag(`path ${k}=${id.slice(0, 40)}`), { strict: true });
    }
  }
  // Non-UTF-8 and NUL bytes in an API path: 4xx (outside /api/ a
  // path that names no file is the single-page app's, 200).
  for (const t of !base.startsWith('/api/') ? [] : [`${base}%ff`, `${base}%00`, `${base}/%2e%2e/%2e%2e`, `${base}/../../etc/passwd`]) {
    const r = await send(method, t, { body: writes ? '{}' : undefined, ctype: writes ? jsonCt : undefined, session, stream: isStream });
    check(r, tag(`path ${t.slice(0, 60)}`), { strict: true });
  }

  // Query strings: repeated, overlong, non-UTF-8, NUL, broken escapes.
  const names = [...new Set([...route.query, 'page', 'per_page', 'q', 'state', 'game', 'user', 'mine', 'after'])];
  const queries = [
    names.map((n) => `${n}=1&${n}=2&${n}=`).join('&'),
    names.map((n) => `${n}=${'y'.repeat(4000)}`).join('&'),
    names.map((n) => `${n}=%ff%fe%ed%a0%80`).join('&'),
    names.map((n) => `${n}=a%00b`).join('&'),
    names.map((n) => `${n}=%zz%`).join('&'),
    names.map((n) => `${n}=-1`).join('&'),
    names.map((n) => `${n}=99999999999999999999999`).join('&'),
    names.map((n) => `${n}=1e400`).join('&'),
    names.map((n) => `${n}=NaN`).join('&'),
    names.map((n) => `${n}`).join('&'),
    '&&&==&=&',
    `${'k'.repeat(20000)}=v`,
  ];
  for (const q of queries) {
    const r = await send(method, `${base}?${q}`, { body: writes ? '{}' : undefined, ctype: writes ? jsonCt : undefined, session, stream: isStream });
    check(r, tag(`query ${q.slice(0, 60)}`));
  }

  // Overlong and hostile headers: an answer, never 5xx.
  for (const headers of [
    { 'X-Long': 'h'.repeat(60 * 1024) },
    { 'X-Long': 'h'.repeat(70 * 1024) },
    { Cookie: `cf_session=${'a'.repeat(20000)}` },
    { Cookie: 'cf_session=%00%ff; cf_session=' },
    { 'X-CSRF-Token': 'c'.repeat(10000) },
    { 'Content-Type': 'application/json; charset=' + 'z'.repeat(8000) },
    { 'Last-Event-ID': '9'.repeat(200) },
  ]) {
    const s = headers.Cookie ? null : session;
    const r = await send(method, base, { body: writes ? '{}' : undefined, ctype: writes && !headers['Content-Type'] ? jsonCt : undefined, headers, session: s, stream: isStream });
    check(r, tag(`headers ${Object.keys(headers)[0]}`));
  }

  // Methods evhttp refuses or cannot parse: its own pages, as JSON 4xx.
  for (const m of ['TRACE', 'FOO', 'G\x01T', 'PATCH' + 'H'.repeat(5000)]) {
    const r = await send(m, base, { session });
    check(r, tag(`method ${m.slice(0, 12)}`), { strict: true });
  }

  if (!writes) return;
  // Bodies: only where the route reads one does a hostile body have to be
  // refused; elsewhere (logout, start, cancel, ...) it is ignored.
  const strict = route.body;
  const bodyReq = (body, ctype, what) => send(method, base, { body, ctype, session })
    .then((r) => check(r, tag(what), { strict }));

  for (const [what, text] of MALFORMED) await bodyReq(text, jsonCt, `malformed: ${what}`);
  // An empty object is well-formed (a PATCH of nothing may be fine), and a
  // leading BOM may be ignored (RFC 8259, 8.1).
  for (const b of ['{}', '\ufeff{}'])
    await send(method, base, { body: b, ctype: jsonCt, session }).then((r) => check(r, tag(`well-formed ${JSON.stringify(b)}`)));
  for (const [i, bytes] of INVALID_UTF8.entries()) await bodyReq(bytes, jsonCt, `invalid UTF-8 #${i}`);
  await bodyReq('', jsonCt, 'empty body');
  await bodyReq(undefined, undefined, 'no body, no Content-Type');
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'application/xml', '', 'multipart/form-data', '*/*'])
    await bodyReq('{"username":"x","password":"y"}', ct || undefined, `Content-Type ${ct || '(none)'}`);

  // Broken multipart (refused by every route, the bot uploads included).
  const parts = [
    ['multipart/form-data; boundary=XX', '--YY\r\nContent-Disposition: form-data; name="file"\r\n\r\ncode\r\n--YY--\r\n'],
    ['multipart/form-data; boundary=XX', '--XX\r\nContent-Disposition: form-data; name="file"\r\n\r\ncode'],
    ['multipart/form-data; boundary=XX', '--XX\r\nContent-Disposition: form-data; name="file"\r\ncode\r\n--XX--'],
    ['multipart/form-data; boundary=XX', '--XX'],
    ['multipart/form-data; boundary=XX', '--XX\r\n\r\n\r\n--XX--'],
    ['multipart/form-data; boundary=', '----\r\n'],
    ['multipart/form-data; boundary="XX', '--XX\r\nContent-Disposition: form-data; name="file"\r\n\r\nx\r\n--XX--'],
    ['multipart/form-data; boundary=' + 'B'.repeat(200), '--' + 'B'.repeat(200) + '\r\n'],
    ['multipart/form-data; boundary=XX', '--XX\r\nContent-Disposition: form-data; name="' + 'n'.repeat(500) + '"; filename="' + 'f'.repeat(5000) + '"\r\n\r\nx\r\n--XX--'],
    ['multipart/form-data; boundary=XX', '--XX\r\nContent-Disposition: form-data; name="name\r\n\r\nx\r\n--XX--'],
    ['multipart/form-data; boundary=XX', '--XX\r\nContent-Disposition: form-data; name="file"\r\n\r\n\xff\xfe\x00\r\n--XX\r\nContent-Disposition: form-data; name="name"\r\n\r\n\x00\r\n--XX\r\nContent-Disposition: form-data; name="game"\r\n\r\n' + 'g'.repeat(300) + '\r\n--XX--'],
    ['multipart/form-data; boundary=XX', Array.from({ length: 20 }, () => '--XX\r\nContent-Disposition: form-data; name="file"\r\n\r\nx\r\n').join('') + '--XX--'],
    ['multipart/form-data; boundary=XX', ''],
  ];
  for (const [i, [ct, b]] of parts.entries())
    await bodyReq(Buffer.from(b, 'latin1'), ct, `multipart #${i}`);

  // Wrong types for every field (and right types with nonsense values).
  const fields = Object.keys(route.fields);
  const baseBody = {};
  for (const f of fields) baseBody[f] = route.fields[f] === 'integer' || route.fields[f] === 'number' ? 1 : route.fields[f] === 'boolean' ? false : 'x';
  for (const f of fields) {
    for (const [kind, v] of Object.entries(WRONG)) {
      const declared = route.fields[f];
      const t = typeOf(v);
      // null is cf-web's "absent": an optional field may take it.
      const wrongType = declared && t !== 'null' && !(t === declared || (declared === 'number' && t === 'integer'));
      const r = await send(method, base, { body: JSON.stringify({ ...baseBody, [f]: v }), ctype: jsonCt, session });
      // A declared type given the wrong one is always a 4xx; the rest
      // (right type, nonsense value) only must not be a 5xx.
      check(r, tag(`field ${f} as ${kind}`), { strict: strict && wrongType });
    }
  }
  // Every field at once as each wrong type, and an object of the wrong types.
  for (const [kind, v] of Object.entries(WRONG)) {
    const b = {};
    for (const f of fields) b[f] = v;
    await send(method, base, { body: JSON.stringify(b), ctype: jsonCt, session }).then((r) => check(r, tag(`all fields ${kind}`)));
  }

  // A body of exactly the limit, and one byte more.
  const limit = !route.multipart ? JSON_MAX : route.path.startsWith('/api/arcade/') ? GAME_MAX : BIG_MAX;
  const fill = (n) => {
    const pre = '{"pad":"';
    return pre + 'p'.repeat(n - pre.length - 2) + '"}';
  };
  const at = await send(method, base, { body: fill(limit), ctype: jsonCt, session });
  check(at, tag(`body of ${limit} bytes`), { strict });
  assert.notEqual(at.status, 413, tag(`a body of exactly the limit (${limit}) is not too large`));
  const over = await send(method, base, { body: fill(limit + 1), ctype: jsonCt, session });
  check(over, tag(`body of ${limit + 1} bytes`), { strict: true });
  if (route.body) assert.equal(over.status, 413, tag(`body of ${limit + 1} bytes`));
}

// ---- the test ----
const routes = readRoutes();

before(async () => {
  stack = await startWeb({
    ...bins,
    env: { CF_WEB_MAX_UPLOAD: String(MAX_UPLOAD), CF_ARCADE_MAX_CODE_BYTES: String(ARCADE_MAX), CF_ARCADE_MAX_BUNDLE_BYTES: String(ARCADE_MAX) },
  });
  port = Number(new URL(stack.baseURL).port);
});
after(async () => {
  if (!stack) return;
  await stack.stop();
  assert.doesNotMatch(stack.log, SANITIZER, stack.log.slice(-4000));
  assert.equal(stack.exitCode, 0, stack.log.slice(-2000));
});

test('the route list covers the API', () => {
  // A parse that found nothing would make the sweep pass vacuously.
  assert.ok(routes.length >= 30, `only ${routes.length} routes parsed`);
  const signup = routes.find((r) => r.method === 'POST' && r.path === '/api/signup');
  assert.deepEqual(Object.keys(signup.fields).sort(), ['password', 'username']);
  assert.ok(routes.find((r) => r.method === 'POST' && r.path === '/api/bots').multipart);
  assert.ok(routes.find((r) => r.method === 'POST' && r.path === '/api/arcade/games').multipart);
  assert.deepEqual(Object.keys(routes.find((r) => r.method === 'PATCH' && r.path === '/api/arcade/games/{game_id}').fields).sort(),
    ['authors', 'description', 'hidden', 'inputs', 'title']);
  assert.ok(routes.some((r) => r.path.includes('{fight_id}')));
});

test('every route, logged out and logged in, answers hostile input with a JSON 4xx', async () => {
  const t0 = Date.now();
  // The logged-in user, through the ordinary client, then its cookie and CSRF token.
  const c = new Client(stack.baseURL);
  const username = `fz_${randomBytes(4).toString('hex')}`;
  const password = 'password-123';
  const su = await c.post('/api/signup', { username, password });
  assert.equal(su.status, 201, su.text);
  await c.refresh();
  const anon = new Client(stack.baseURL);
  await anon.refresh();
  const sessions = [
    ['logged out', { cookie: anon.cookie, csrf: anon.csrf }],
    ['logged in', { cookie: c.cookie, csrf: c.csrf }],
  ];
  for (const [label, session] of sessions) {
    for (const route of routes) {
      await sweep(route, session, label);
      await healthy(`${label} ${route.method} ${route.path}`);
      if (label === 'logged in') {
        // Still logged in (logout ignores its body and ends the session: log in again).
        const s = await c.get('/api/session');
        if (!s.body || !s.body.user) {
          const l = await c.post('/api/login', { username, password });
          assert.equal(l.status, 200, l.text);
          await c.refresh();
          session.cookie = c.cookie;
          session.csrf = c.csrf;
        }
      }
    }
  }
  // The account is intact: nothing hostile changed its password or name.
  const fresh = new Client(stack.baseURL);
  const l = await fresh.post('/api/login', { username, password });
  assert.equal(l.status, 200, l.text);
  assert.equal(l.body.user.username, username);
  assert.ok(Date.now() - t0 < 120000, `sweep took ${Date.now() - t0} ms`);
});

test('the console\'s routes, as an operator, answer hostile input with a JSON 4xx', async () => {
  const admin = routes.filter((r) => r.path.startsWith('/api/admin/'));
  assert.ok(admin.length >= 10, `only ${admin.length} /api/admin/ routes in docs/openapi.yaml`);
  // The only operator (the role granted as cf-web --grant-operator does): it
  // can neither deactivate nor demote itself, so its session lives throughout.
  const op = new Client(stack.baseURL);
  const username = `op_${randomBytes(4).toString('hex')}`;
  const su = await op.post('/api/signup', { username, password: 'password-123' });
  assert.equal(su.status, 201, su.text);
  psql(stack.databaseUrl, "UPDATE users SET role = 'operator' WHERE username = :'v1'", username);
  await op.refresh();
  const session = { cookie: op.cookie, csrf: op.csrf };
  for (const route of admin) {
    await sweep(route, session, 'operator');
    await healthy(`operator ${route.method} ${route.path}`);
  }
  const s = await op.get('/api/session');
  assert.equal(s.body.user && s.body.user.operator, true, 'the operator lost its session or role');
});
