// arcade_games.test.mjs — the arcade's games in cf-web against the real
// service and PostgreSQL: upload (.py and .zip, the preview from the form
// or from the zip), every bundle rule and form refusal through the API,
// the list (mine, q, hidden, pages), one game with its versions, PATCH,
// new versions, DELETE, and who may do what.
//   node --test tests/web/api/arcade_games.test.mjs   (with CF_WEB_BIN,
//   CF_MIGRATE_BIN, CF_SOURCE_DIR, CF_DATABASE_URL and CF_REDIS_URL set;
//   see CMakeLists.txt)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWeb, Client, psql, assertError, binsFromEnv, signUp, uniq } from './stack.mjs';
import { zip } from './zip.mjs';

const bins = binsFromEnv('web', 'migrate', 'source');

// Small limits for this run, so that the too-large cases stay small; bot
// uploads (2 x web.max_upload + 64 KiB) take more than game uploads here,
// so that a game upload over its own bound meets the router's check, not
// evhttp's.
const MAX_CODE = 65536;
const MAX_BUNDLE = 1048576;
const PREVIEW_MAX = 2097152;
const GAME_BODY_MAX = MAX_BUNDLE + PREVIEW_MAX + 65536;
const MAX_UPLOAD = 2097152;
const BODY_MAX = 2 * MAX_UPLOAD + 65536; // the largest body any route takes

let stack;
const CODE = 'from smartphone_connector import Connector\nprint("hello")\n';

// A 1x1 PNG, and the first bytes of the other formats (cf-web reads the
// signature and the header after it).
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a3b3a6e60000000049454e44ae426082', 'hex');
const GIF = Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;', 'latin1');
const JPEG = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x1a, 0, 0, 0]), Buffer.from('WEBPVP8L'), Buffer.alloc(14, 0)]);
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');

before(async () => {
  stack = await startWeb({
    ...bins,
    env: {
      CF_ARCADE_MAX_CODE_BYTES: String(MAX_CODE),
      CF_ARCADE_MAX_BUNDLE_BYTES: String(MAX_BUNDLE),
      CF_WEB_MAX_UPLOAD: String(MAX_UPLOAD),
    },
  });
});
after(async () => {
  if (!stack) return;
  await stack.stop();
  assert.doesNotMatch(stack.log, /AddressSanitizer|LeakSanitizer|runtime error:/, stack.log.slice(-4000));
  assert.equal(stack.exitCode, 0, stack.log.slice(-2000));
});

const user = (prefix = 'arc') => signUp(stack, prefix);


// The form of an upload: text fields, inputs (an array: one field each;
// a string: one field), file and preview as {name, data[, type]}.
function form(fields) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (k === 'inputs' && Array.isArray(v)) for (const i of v) fd.append('inputs', i);
    else if (v && typeof v === 'object' && 'data' in v) fd.append(k, new Blob([v.data], { type: v.type || 'application/octet-stream' }), v.name);
    else fd.append(k, v);
  }
  return fd;
}

const py = (data = CODE, name = 'game.py') => ({ name, data });
const bundle = (entries, name = 'game.zip') => ({ name, data: zip(entries) });

async function upload(c, fields) {
  return c.post('/api/arcade/games', form({ title: `Game ${uniq()}`, file: py(), ...fields }));
}

async function created(c, fields) {
  const r = await upload(c, fields);
  assert.equal(r.status, 201, r.text);
  return r.body;
}

const del = (c, path, opts) => c.req('DELETE', path, undefined, opts);
const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

test('a .py game: the game object, its detail, its preview from the form', async () => {
  const a = await user();
  const anon = new Client(stack.baseURL);
  const title = `Snake ${uniq()}`;
  // The preview's name and type say text: its bytes say PNG, which counts.
  const g = await created(a, {
    title, authors: 'Ada & Bob', description: 'Eat the apples.\nDo not bite yourself.\tReally.',
    inputs: ['touch', 'keys', 'touch'], file: py(), preview: { name: 'notes.txt', data: PNG, type: 'text/plain' },
  });
  assert.equal(typeof g.id, 'number');
  assert.deepEqual(
    { ...g, id: 0, created_at: '', updated_at: '', versions: null },
    {
      id: 0, title, authors: 'Ada & Bob', description: 'Eat the apples.\nDo not bite yourself.\tReally.',
      inputs: ['keys', 'touch'], owner: a.username, hidden: false, hidden_by_operator: false, version: 1, kind: 'file',
      size: Buffer.byteLength(CODE), preview_url: `/api/arcade/games/${g.id}/preview?v=1`, plays: 0,
      total_ms: 0, longest_ms: null, best_score: null, reports_score: null,
      rating: { average: null, count: 0, mine: null, can_rate: false, why_not: 'you cannot rate your own game' },
      created_at: '', updated_at: '', mine: true, versions: null,
    },
  );
  assert.match(g.created_at, isoTime);
  assert.match(g.updated_at, isoTime);
  assert.deepEqual(g.versions, [{ version: 1, kind: 'file', size: Buffer.byteLength(CODE), created_at: g.created_at }]);
  assert.equal(psql(stack.databaseUrl, `SELECT code FROM arcade_game_versions WHERE game_id = ${g.id}`), CODE.trim());
  // Anyone sees it, and its picture.
  const seen = await anon.get(`/api/arcade/games/${g.id}`);
  assert.equal(seen.status, 200);
  assert.equal(seen.body.mine, false);
  assert.equal(seen.body.title, title);
  const pic = await anon.get(g.preview_url, { raw: true });
  assert.equal(pic.status, 200);
  assert.equal(pic.headers.get('content-type'), 'image/png');
  assert.equal(pic.headers.get('cache-control'), 'public, max-age=300');
  assert.equal(pic.headers.get('x-content-type-options'), 'nosniff');
  assert.deepEqual(Buffer.from(await pic.res.arrayBuffer()), PNG);
  // Inputs as one comma-separated field; no preview: none.
  const h = await created(a, { inputs: ' gyro,acceleration ,, ', preview: undefined });
  assert.deepEqual(h.inputs, ['acceleration', 'gyro']);
  assert.equal(h.preview_url, null);
  assertError(await anon.get(`/api/arcade/games/${h.id}/preview`), 404, /no preview/);
  // A browser's empty file input is no preview; no inputs is [].
  const e = await created(a, { preview: { name: '', data: '' } });
  assert.equal(e.preview_url, null);
  assert.deepEqual(e.inputs, []);
  assert.equal(e.authors, '');
  assert.equal(e.description, '');
});

test('a .zip game: the bundle stored as it is, the preview from the zip or the form', async () => {
  const a = await user();
  const entries = [
    { name: 'snake/', dir: true },
    { name: 'snake/main.py', data: CODE },
    { name: 'snake/preview.gif', data: GIF },
    { name: 'snake/assets/apple.png', data: PNG },
    { name: '__MACOSX/snake/._main.py', data: 'junk' },
  ];
  const file = bundle(entries, 'Snake.ZIP');
  const g = await created(a, { file });
  assert.equal(g.kind, 'bundle');
  assert.equal(g.size, file.data.length);
  assert.equal(g.preview_url, `/api/arcade/games/${g.id}/preview?v=1`);
  assert.deepEqual(g.versions.map((v) => [v.version, v.kind, v.size]), [[1, 'bundle', file.data.length]]);
  assert.equal(psql(stack.databaseUrl, `SELECT encode(bundle, 'hex') FROM arcade_game_versions WHERE game_id = ${g.id}`), file.data.toString('hex'));
  const pic = await new Client(stack.baseURL).get(g.preview_url, { raw: true });
  assert.equal(pic.headers.get('content-type'), 'image/gif');
  assert.deepEqual(Buffer.from(await pic.res.arrayBuffer()), GIF);
  // The form's preview wins over the zip's.
  const f = await created(a, { file: bundle([{ name: 'game.py', data: CODE }, { name: 'preview.png', data: PNG }]), preview: { name: 'p.jpg', data: JPEG } });
  const fpic = await a.get(f.preview_url, { raw: true });
  assert.equal(fpic.headers.get('content-type'), 'image/jpeg');
  // A zip's preview must be an image: an SVG or text named preview is none.
  const n = await created(a, { file: bundle([{ name: 'game.py', data: CODE }, { name: 'preview.svg', data: SVG }, { name: 'preview.png', data: 'not a picture' }]) });
  assert.equal(n.preview_url, null);
  // A WebP at the top, beside a folder with the entry point in it.
  const w = await created(a, { file: bundle([{ name: 'pong/game.py', data: CODE }, { name: 'preview.webp', data: WEBP }]) });
  assert.equal((await a.get(w.preview_url, { raw: true })).headers.get('content-type'), 'image/webp');
});

test('every rule of a bundle, refused through the API with its reason', async () => {
  const a = await user();
  const ok = { name: 'game.py', data: CODE };
  const zeros = (n) => Buffer.alloc(n);
  const cases = [
    ['not a zip', { name: 'game.zip', data: 'PK but not really' }, /not a zip archive/],
    ['1001 entries', bundle([ok, ...Array.from({ length: 1000 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' }))]), /more than 1000 entries \(1001\)/],
    ['a file over 16 MiB', bundle([ok, { name: 'big.bin', data: zeros(16 * 1048576 + 1) }]), /entry 'big\.bin' is larger than 16777216 bytes uncompressed/],
    ['over 64 MiB in all', bundle([ok, ...[1, 2, 3, 4, 5].map((i) => ({ name: `d${i}`, data: zeros(13 * 1048576) }))]), /unpacks to more than 67108864 bytes/],
    ['a name not UTF-8', bundle([ok, { name: Buffer.from('caf\xe9.txt', 'latin1'), data: 'x' }]), /the name of entry 2 is not valid UTF-8/],
    ['an absolute path', bundle([ok, { name: '/etc/passwd', data: 'x' }]), /entry '\/etc\/passwd' is an absolute path/],
    ['a drive letter', bundle([ok, { name: 'C:\\autoexec.bat', data: 'x' }]), /entry 'C:\/autoexec\.bat' is an absolute path/],
    ['..', bundle([ok, { name: '../x', data: 'x' }]), /entry '\.\.\/x' leaves the game's folder/],
    ['.. with backslashes', bundle([ok, { name: 'a\\..\\..\\x', data: 'x' }]), /entry 'a\/\.\.\/\.\.\/x' leaves the game's folder/],
    ['a symbolic link', bundle([ok, { name: 'etc', data: '/etc', mode: 0o120777 }]), /entry 'etc' is a symbolic link/],
    ['a device', bundle([ok, { name: 'tty', data: '', mode: 0o020666 }]), /entry 'tty' is a device or special file/],
    ['a fifo', bundle([ok, { name: 'pipe', data: '', mode: 0o010644 }]), /entry 'pipe' is a device or special file/],
    ['an entry twice', bundle([ok, { name: 'a.txt', data: '1' }, { name: './a.txt', data: '2' }]), /entry 'a\.txt' is in the zip twice/],
    ['an encrypted entry', bundle([{ name: 'game.py', data: CODE, encrypted: true }]), /entry 'game\.py' is encrypted/],
    ['no entry point', bundle([{ name: 'readme.md', data: 'x' }, { name: 'a/x.py', data: CODE }, { name: 'b/y.py', data: CODE }]), /the zip has no game\.py and no single \.py file at the top level/],
    ['several scripts', bundle([{ name: 'one.py', data: CODE }, { name: 'two.py', data: CODE }]), /several \.py files at the top level and none is game\.py/],
    ['several scripts in the folder', bundle([{ name: 'g/one.py', data: CODE }, { name: 'g/two.py', data: CODE }]), /several \.py files in folder 'g' and none is game\.py/],
  ];
  for (const [what, file, re] of cases) {
    const r = await upload(a, { file });
    assert.equal(r.status, 400, `${what}: ${r.status} ${r.text}`);
    assert.match(r.body.error, re, what);
  }
  // The same rules for a new version; nothing was stored.
  const g = await created(a, {});
  assertError(await a.post(`/api/arcade/games/${g.id}/versions`, form({ file: cases[7][1] })), 400, /leaves the game's folder/);
  const mine = await a.get('/api/arcade/games?mine=1');
  assert.deepEqual(mine.body.games.map((x) => x.id), [g.id]);
  assert.equal(mine.body.games[0].version, 1);
});

test('refusals of the form: fields, files, previews, sizes, login, CSRF', async () => {
  const a = await user();
  const post = (fields) => upload(a, fields);
  // the text fields
  assertError(await a.post('/api/arcade/games', form({ file: py() })), 400, /field 'title' is required/);
  assertError(await post({ title: '' }), 400, /field 'title' must not be empty/);
  assertError(await post({ title: '   ' }), 400, /field 'title' must not be empty/);
  assertError(await post({ title: 'x'.repeat(101) }), 400, /field 'title' is too long: at most 100 characters/);
  assert.equal((await post({ title: 'é'.repeat(100) })).status, 201);
  assertError(await post({ title: 'two\nlines' }), 400, /field 'title' must not contain control characters/);
  assertError(await post({ title: 'a\u0085b' }), 400, /control characters/);
  assertError(await post({ authors: 'x'.repeat(201) }), 400, /field 'authors' is too long: at most 200/);
  assertError(await post({ authors: 'tab\there' }), 400, /field 'authors' must not contain control characters/);
  assertError(await post({ description: 'x'.repeat(4001) }), 400, /field 'description' is too long: at most 4000/);
  assertError(await post({ description: 'bell\x07' }), 400, /field 'description' must not contain control characters but tabs and line breaks/);
  assertError(await post({ inputs: ['keys', 'mouse'] }), 400, /unknown input 'mouse'/);
  assertError(await post({ inputs: 'keys,joystick' }), 400, /unknown input 'joystick'/);
  assertError(await post({ name: 'x' }), 400, /unknown field 'name'/);
  const twice = form({ title: 'One', file: py() });
  twice.append('title', 'Two');
  assertError(await a.post('/api/arcade/games', twice), 400, /field 'title' is given twice/);
  // the file
  assertError(await a.post('/api/arcade/games', form({ title: 'No file' })), 400, /field 'file' is required/);
  assertError(await post({ file: py(CODE, 'game.txt') }), 400, /must be a \.py file or a \.zip bundle/);
  assertError(await post({ file: py(CODE, 'game') }), 400, /must be a \.py file or a \.zip bundle/);
  assertError(await post({ file: py('') }), 400, /the game's file is empty/);
  assertError(await post({ file: py('print(1)\0') }), 400, /UTF-8 text without NUL/);
  assertError(await post({ file: py(Buffer.from([0x70, 0xff, 0x0a])) }), 400, /UTF-8/);
  assert.equal((await post({ file: py('#'.repeat(MAX_CODE)) })).status, 201);
  assertError(await post({ file: py('#'.repeat(MAX_CODE + 1)) }), 413, new RegExp(`one-file game is larger than ${MAX_CODE} bytes`));
  assertError(await post({ file: { name: 'big.zip', data: Buffer.alloc(MAX_BUNDLE + 1) } }), 413, new RegExp(`bundle is larger than ${MAX_BUNDLE} bytes`));
  // the preview
  assertError(await post({ preview: { name: 'p.png', data: 'not an image', type: 'image/png' } }), 400, /PNG, JPEG, GIF or WebP/);
  assertError(await post({ preview: { name: 'p.svg', data: SVG, type: 'image/svg+xml' } }), 400, /PNG, JPEG, GIF or WebP/);
  assertError(await post({ preview: { name: 'p.png', data: PNG.subarray(0, 10) } }), 400, /PNG, JPEG, GIF or WebP/);
  const bigPng = Buffer.concat([PNG, Buffer.alloc(PREVIEW_MAX + 1 - PNG.length)]);
  assertError(await post({ preview: { name: 'p.png', data: bigPng } }), 413, /preview is larger than 2097152 bytes/);
  assert.equal((await post({ preview: { name: 'p.png', data: bigPng.subarray(0, PREVIEW_MAX) } })).status, 201);
  // the body: over the route's bound, and over the largest any route takes
  // (a bot upload's): both answered from the route's own limit
  const tooLarge = new RegExp(`larger than ${GAME_BODY_MAX} bytes: a one-file game is limited to ${MAX_CODE} bytes, a bundle to ${MAX_BUNDLE} bytes and a preview to ${PREVIEW_MAX} bytes`);
  const huge = form({ title: 'Huge', file: py('#'.repeat(GAME_BODY_MAX)) });
  assertError(await a.post('/api/arcade/games', huge), 413, tooLarge);
  assert.ok(BODY_MAX > GAME_BODY_MAX);
  const huger = form({ title: 'Huger', file: py('#'.repeat(BODY_MAX)) });
  assertError(await a.post('/api/arcade/games', huger), 413, tooLarge);
  // not a form
  assertError(await a.post('/api/arcade/games', { title: 'JSON', file: CODE }), 415, /multipart\/form-data/);
  assertError(await a.post('/api/arcade/games', '--XX\r\nbroken', { headers: { 'Content-Type': 'multipart/form-data; boundary=XX' } }), 400, /malformed multipart/);
  // login and CSRF
  const anon = new Client(stack.baseURL);
  assertError(await anon.post('/api/arcade/games', form({ title: 'Anon', file: py() })), 401, /login required/);
  assertError(await a.post('/api/arcade/games', form({ title: 'No CSRF', file: py() }), { csrf: false }), 403, /CSRF/);
  // every refusal stored nothing: three games were taken
  const mine = await a.get('/api/arcade/games?mine=1');
  assert.equal(mine.body.games.length, 3);
});

test('the list (order=updated): latest update first, mine, q, hidden games, pages', async () => {
  const a = await user('lista');
  const b = await user('listb');
  const anon = new Client(stack.baseURL);
  const tok = uniq();
  const g1 = await created(a, { title: `Alpha ${tok}`, authors: 'Xavier' });
  const g2 = await created(a, { title: `Beta ${tok}` });
  const g3 = await created(b, { title: 'Gamma', authors: `Team ${tok.toUpperCase()}` });
  const ids = async (c, query) => {
    const r = await c.get(`/api/arcade/games?order=updated&${query}`);
    assert.equal(r.status, 200, r.text);
    return r.body.games.map((x) => x.id);
  };
  // q: title or authors, any case
  assert.deepEqual(await ids(anon, `q=${tok}`), [g3.id, g2.id, g1.id]);
  assert.deepEqual(await ids(anon, `q=${encodeURIComponent(`ALPHA ${tok}`)}`), [g1.id]);
  assert.deepEqual(await ids(a, `q=xavier`), [g1.id]);
  assertError(await anon.get(`/api/arcade/games?q=${'q'.repeat(401)}`), 400, /'q'/);
  assertError(await anon.get('/api/arcade/games?q=%ff'), 400, /'q'/);
  // the game object in a list is the same as alone, without versions
  const listed = (await anon.get(`/api/arcade/games?q=${tok}`)).body.games.find((x) => x.id === g1.id);
  const { versions, mine, ...alone } = (await anon.get(`/api/arcade/games/${g1.id}`)).body;
  // one game adds the caller's side of its rating
  assert.deepEqual(alone.rating, { average: null, count: 0, mine: null, can_rate: false, why_not: 'sign in to rate games' });
  alone.rating = { average: null, count: 0 };
  assert.deepEqual(listed, alone);
  // written by two writers (the list as text, the game as a tree): the
  // same keys in the same order too, which deepEqual does not look at
  assert.deepEqual(Object.keys(listed), Object.keys(alone));
  assert.deepEqual(Object.keys(listed.rating), Object.keys(alone.rating));
  assert.equal(versions.length, 1);
  assert.equal(mine, false);
  // mine
  assertError(await anon.get('/api/arcade/games?mine=1'), 401);
  assertError(await a.get('/api/arcade/games?mine=yes'), 400, /'mine' must be 1 or true/);
  assert.deepEqual(await ids(a, 'mine=true'), await ids(a, 'mine=1'));
  assert.deepEqual(await ids(a, 'mine=1'), [g2.id, g1.id]);
  assert.deepEqual(await ids(b, 'mine=1'), [g3.id]);
  // an update moves a game up
  assert.equal((await a.patch(`/api/arcade/games/${g1.id}`, { authors: 'Xavier, Yves' })).status, 200);
  assert.deepEqual(await ids(anon, `q=${tok}`), [g1.id, g3.id, g2.id]);
  // hidden: its owner's alone, in the list, the game and its picture
  const h = await a.patch(`/api/arcade/games/${g2.id}`, { hidden: true });
  assert.equal(h.status, 200);
  assert.equal(h.body.hidden, true);
  assert.deepEqual(await ids(anon, `q=${tok}`), [g1.id, g3.id]);
  assert.deepEqual(await ids(b, `q=${tok}`), [g1.id, g3.id]);
  assert.deepEqual(await ids(a, `q=${tok}`), [g2.id, g1.id, g3.id]);
  assert.deepEqual(await ids(a, 'mine=1'), [g2.id, g1.id]);
  assertError(await anon.get(`/api/arcade/games/${g2.id}`), 404, /no such game/);
  assertError(await b.get(`/api/arcade/games/${g2.id}`), 404, /no such game/);
  assert.equal((await a.get(`/api/arcade/games/${g2.id}`)).body.hidden, true);
  const withPic = await created(a, { title: `Hidden pic ${tok}`, preview: { name: 'p.png', data: PNG } });
  assert.equal((await a.patch(`/api/arcade/games/${withPic.id}`, { hidden: true })).status, 200);
  assertError(await b.get(withPic.preview_url), 404);
  assertError(await anon.get(withPic.preview_url), 404);
  const ownPic = await a.get(withPic.preview_url, { raw: true });
  assert.equal(ownPic.status, 200);
  assert.equal(ownPic.headers.get('cache-control'), 'private, max-age=300');
  // pages
  const p1 = (await anon.get(`/api/arcade/games?order=updated&q=${tok}&per_page=1`)).body;
  assert.deepEqual([p1.games.map((x) => x.id), p1.page, p1.per_page, p1.total, p1.total_exact, p1.has_more], [[g1.id], 1, 1, 2, true, true]);
  const p2 = (await anon.get(`/api/arcade/games?order=updated&q=${tok}&per_page=1&page=2`)).body;
  assert.deepEqual([p2.games.map((x) => x.id), p2.has_more], [[g3.id], false]);
  assert.deepEqual((await anon.get(`/api/arcade/games?q=${tok}&page=3&per_page=1`)).body.games, []);
  assert.equal((await anon.get('/api/arcade/games')).body.per_page, 50);
  assertError(await anon.get('/api/arcade/games?per_page=51'), 400, /per_page/);
  assertError(await anon.get('/api/arcade/games?page=0'), 400, /page/);
});

test('PATCH: the owner changes what is given; others get 404', async () => {
  const a = await user();
  const b = await user();
  const g = await created(a, { title: 'Before', authors: 'Me', description: 'Old', inputs: ['keys'] });
  const path = `/api/arcade/games/${g.id}`;
  const p = await a.patch(path, { title: 'After', description: 'New\nlines', inputs: ['gyro', 'touch'] });
  assert.equal(p.status, 200, p.text);
  assert.deepEqual([p.body.title, p.body.authors, p.body.description, p.body.inputs, p.body.hidden, p.body.version],
    ['After', 'Me', 'New\nlines', ['touch', 'gyro'], false, 1]);
  assert.equal(p.body.created_at, g.created_at);
  assert.deepEqual((await a.patch(path, { inputs: [], authors: '' })).body.inputs, []);
  assert.equal((await a.patch(path, { hidden: true })).body.hidden, true);
  assert.equal((await a.patch(path, { hidden: false, title: null })).body.title, 'After');
  // refusals
  assertError(await a.patch(path, {}), 400, /at least one/);
  assertError(await a.patch(path, { owner: 'b' }), 400, /unknown field 'owner'/);
  assertError(await a.patch(path, { title: '' }), 400, /must not be empty/);
  assertError(await a.patch(path, { title: 'x'.repeat(101) }), 400, /at most 100/);
  assertError(await a.patch(path, { title: 5 }), 400, /'title' must be a string/);
  assertError(await a.patch(path, { title: 'bad\u0007' }), 400, /control/);
  assertError(await a.patch(path, { inputs: 'keys' }), 400, /'inputs' must be an array/);
  assertError(await a.patch(path, { inputs: ['keys', 'mouse'] }), 400, /unknown input 'mouse'/);
  assertError(await a.patch(path, { inputs: [1] }), 400, /array of strings/);
  assertError(await a.patch(path, { hidden: 'yes' }), 400, /'hidden' must be a boolean/);
  // others, anonymous, no CSRF
  assertError(await b.patch(path, { title: 'Mine now' }), 404, /no such game/);
  assertError(await new Client(stack.baseURL).patch(path, { title: 'x' }), 401);
  assertError(await a.patch(path, { title: 'x' }, { csrf: false }), 403, /CSRF/);
  assertError(await a.patch('/api/arcade/games/987654321', { title: 'x' }), 404);
  assertError(await a.patch('/api/arcade/games/abc', { title: 'x' }), 404);
  assert.equal((await a.get(path)).body.title, 'After');
});

test('new versions: consecutive, kinds, the preview kept or replaced; others get 404', async () => {
  const a = await user();
  const b = await user();
  const g = await created(a, { preview: { name: 'p.png', data: PNG } });
  const versions = `/api/arcade/games/${g.id}/versions`;
  const zipFile = bundle([{ name: 'game.py', data: CODE }, { name: 'lib.py', data: '' }]);
  // without a preview: the last one stays
  const v2 = await a.post(versions, form({ file: zipFile }));
  assert.equal(v2.status, 201, v2.text);
  assert.deepEqual([v2.body.version, v2.body.kind, v2.body.size, v2.body.preview_url],
    [2, 'bundle', zipFile.data.length, `/api/arcade/games/${g.id}/preview?v=2`]);
  assert.deepEqual(v2.body.versions.map((v) => [v.version, v.kind]), [[2, 'bundle'], [1, 'file']]);
  assert.ok(v2.body.updated_at >= g.updated_at);
  const kept = await a.get(v2.body.preview_url, { raw: true });
  assert.deepEqual(Buffer.from(await kept.res.arrayBuffer()), PNG);
  // with one: it replaces it
  const v3 = await a.post(versions, form({ file: py(), preview: { name: 'x', data: GIF } }));
  assert.equal(v3.body.version, 3);
  assert.equal((await a.get(v3.body.preview_url, { raw: true })).headers.get('content-type'), 'image/gif');
  // uploads at once get consecutive numbers
  const many = await Promise.all([1, 2, 3, 4].map(() => a.post(versions, form({ file: py() }))));
  assert.deepEqual(many.map((r) => r.status), [201, 201, 201, 201]);
  assert.deepEqual(many.map((r) => r.body.version).sort(), [4, 5, 6, 7]);
  assert.deepEqual((await a.get(`/api/arcade/games/${g.id}`)).body.versions.map((v) => v.version), [7, 6, 5, 4, 3, 2, 1]);
  // the form of a version has a file and a preview, nothing else
  assertError(await a.post(versions, form({ title: 'x', file: py() })), 400, /unknown field 'title'/);
  assertError(await a.post(versions, form({ preview: { name: 'p.png', data: PNG } })), 400, /field 'file' is required/);
  // others, anonymous, no CSRF, no such game
  assertError(await b.post(versions, form({ file: py() })), 404, /no such game/);
  assertError(await new Client(stack.baseURL).post(versions, form({ file: py() })), 401);
  assertError(await a.post(versions, form({ file: py() }), { csrf: false }), 403, /CSRF/);
  assertError(await a.post('/api/arcade/games/987654321/versions', form({ file: py() })), 404);
  assertError(await a.post('/api/arcade/games/0/versions', form({ file: py() })), 404);
  assert.equal((await a.get(`/api/arcade/games/${g.id}`)).body.version, 7);
});

test('plays over and the best score; DELETE: the owner only, the plays go with the game', async () => {
  const a = await user();
  const b = await user();
  const g = await created(a, {});
  const db = stack.databaseUrl;
  psql(db, `INSERT INTO plays (id, game_id, status, verdict, score) VALUES
    (gen_random_uuid(), ${g.id}, 'finished', 'ok', 5),
    (gen_random_uuid(), ${g.id}, 'finished', 'ok', 12.5),
    (gen_random_uuid(), ${g.id}, 'queued', NULL, NULL)`);
  const seen = (await b.get(`/api/arcade/games/${g.id}`)).body;
  // a play counts once it is over: the queued one does not yet
  assert.deepEqual([seen.plays, seen.best_score], [2, 12.5]);
  const path = `/api/arcade/games/${g.id}`;
  assertError(await del(b, path), 404, /no such game/);
  assertError(await del(new Client(stack.baseURL), path), 401);
  assertError(await del(a, path, { csrf: false }), 403, /CSRF/);
  assertError(await del(a, '/api/arcade/games/987654321'), 404);
  assert.equal((await a.get(path)).status, 200);
  const gone = await del(a, path);
  assert.equal(gone.status, 204);
  assertError(await a.get(path), 404);
  assertError(await del(a, path), 404);
  assert.equal(psql(db, `SELECT count(*) FROM plays WHERE game_id = ${g.id}`), '0');
  assert.equal(psql(db, `SELECT count(*) FROM arcade_game_versions WHERE game_id = ${g.id}`), '0');
  assert.ok(!(await a.get('/api/arcade/games?mine=1')).body.games.some((x) => x.id === g.id));
});

test("the list's rows are kept, and show a change of the game, its counters or its versions at once, whoever makes it", async () => {
  // cf-web keeps a game's row of the list under the versions (xmin) of its
  // arcade_games and arcade_game_stats rows (web/arcade_game.c); a new
  // version of its files moves the game's (web/migrations/0113).
  const a = await user();
  const g = await created(a, {});
  const db = stack.databaseUrl;
  const listed = async () => (await a.get('/api/arcade/games?mine=1&order=updated')).body.games.find((x) => x.id === g.id);
  const first = await listed();
  assert.deepEqual([first.version, first.plays, first.description], [1, 0, g.description]);
  assert.deepEqual(await listed(), first); // now from the row cache
  // its counters: a play over, by hand (0006's trigger counts it)
  psql(db, `INSERT INTO plays (id, game_id, status, verdict, score) VALUES (gen_random_uuid(), ${g.id}, 'finished', 'ok', 7)`);
  let row = await listed();
  assert.deepEqual([row.plays, row.best_score], [1, 7]);
  // the game's own row
  psql(db, `UPDATE arcade_games SET description = 'changed by hand' WHERE id = ${g.id}`);
  assert.equal((await listed()).description, 'changed by hand');
  // a version by hand, and a version changed by hand
  const version = () => psql(db, `SELECT xmin FROM arcade_games WHERE id = ${g.id}`);
  const v0 = version();
  psql(db, `INSERT INTO arcade_game_versions (game_id, version, code, size) VALUES (${g.id}, 2, 'print(2)', 8)`);
  assert.notEqual(version(), v0);
  row = await listed();
  assert.deepEqual([row.version, row.size, row.kind], [2, 8, 'file']);
  psql(db, `UPDATE arcade_game_versions SET size = 9 WHERE game_id = ${g.id} AND version = 2`);
  assert.equal((await listed()).size, 9);
  psql(db, `DELETE FROM arcade_game_versions WHERE game_id = ${g.id} AND version = 2`);
  row = await listed();
  assert.deepEqual([row.version, row.size], [first.version, first.size]);
});

test('a game whose owner is gone stays, with no owner', async () => {
  const a = await user();
  const g = await created(a, {});
  psql(stack.databaseUrl, `DELETE FROM users WHERE username = :'v1'`, a.username);
  const seen = await new Client(stack.baseURL).get(`/api/arcade/games/${g.id}`);
  assert.equal(seen.status, 200);
  assert.equal(seen.body.owner, null);
  assert.equal(seen.body.mine, false);
});
