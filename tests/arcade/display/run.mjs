#!/usr/bin/env node
// run.mjs — browser test of the arcade display (web/static/js/arcade/).
//
//   node tests/arcade/display/run.mjs [--artifacts DIR]
//
// Serves web/static plus fixture.html/fixture.js from a tiny HTTP server on
// 127.0.0.1 (with the site's CSP, plus media-src blob: for sounds), drives
// Debian's chromium through playwright-core (`npm ci` at the repository
// root), and feeds the display the messages a smartphone_connector game
// sends. Every request that is not to that server is aborted and fails the
// run. Screenshots go to --artifacts (default: $CF_ARTIFACTS or a folder in
// the system's temp dir). Exit code 0 when every scenario passed.
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import assert from 'node:assert/strict';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..', '..');
const STATIC = join(ROOT, 'web', 'static');
const CHROMIUM = process.env.CF_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const CSP = "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; object-src 'none'; "
  + "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
const OVERALL_TIMEOUT_MS = 120000;
const STEP_TIMEOUT_MS = 15000;

const argv = process.argv.slice(2);
const artifactsArg = argv.indexOf('--artifacts');
const ARTIFACTS = artifactsArg >= 0 ? argv[artifactsArg + 1] : process.env.CF_ARTIFACTS || join(tmpdir(), 'cf-arcade-display');

// --- test data -----------------------------------------------------------------

function crc32(buf) {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k += 1) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

// A w×h PNG of one colour, as base64.
function pngBase64(w, h, [r, g, b]) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => [r, g, b]).flat())]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
  return png.toString('base64');
}

// 0.3 s of a quiet 440 Hz tone, 8 kHz mono 8-bit WAV, as base64.
function wavBase64() {
  const rate = 8000;
  const samples = Buffer.from(Array.from({ length: rate * 0.3 }, (_, i) => 128 + Math.round(20 * Math.sin((2 * Math.PI * 440 * i) / rate))));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0); header.writeUInt32LE(36 + samples.length, 4); header.write('WAVE', 8);
  header.write('fmt ', 12); header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20); header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24); header.writeUInt32LE(rate, 28); header.writeUInt16LE(1, 32); header.writeUInt16LE(8, 34);
  header.write('data', 36); header.writeUInt32LE(samples.length, 40);
  return Buffer.concat([header, samples]).toString('base64');
}

const RED_PNG = pngBase64(2, 2, [220, 30, 30]);
const BLUE_PNG = pngBase64(4, 3, [40, 90, 200]);
const TRIANGLE_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><polygon points="0,10 10,10 5,0" fill="orange" stroke="black" stroke-width="0.5"/></svg>';
const BEEP_WAV = wavBase64();

// --- the server ----------------------------------------------------------------

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png' };

function startServer() {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file;
    if (path === '/' || path === '/fixture.html') file = join(HERE, 'fixture.html');
    else if (path === '/fixture.js') file = join(HERE, 'fixture.js');
    else file = normalize(join(STATIC, path));
    if (!file.startsWith(STATIC + sep) && !file.startsWith(HERE + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] || 'application/octet-stream', 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// --- helpers -------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function open(browser, baseURL, contextOptions = {}, { noGesture = false } = {}) {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 }, ...contextOptions });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  // Playwright's evaluate() counts as a user gesture; this page pretends to
  // have had none, as a kiosk that nobody touched yet.
  if (noGesture) {
    await context.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, 'userActivation', { get: () => ({ hasBeenActive: false, isActive: false }) });
    });
  }
  const offsite = [];
  // No network: everything that is not our server is aborted and recorded.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin === baseURL) return route.continue();
    offsite.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  page.offsite = offsite;
  page.errors = [];
  page.warnings = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(`console: ${m.text()}`);
    if (m.type() === 'warning') page.warnings.push(m.text());
  });
  await page.goto('/fixture.html');
  await page.waitForFunction(() => window.fixtureReady === true);
  return { context, page };
}

const mount = (page, opts = {}) => page.evaluate((o) => window.mountPg(o), opts);
const feed = (page, msg) => page.evaluate((m) => window.feed(m), msg);
const feedAll = (page, msgs) => page.evaluate((m) => window.feedAll(m), msgs);
const frames = (page) => page.evaluate(() => window.nextFrames());
const events = (page) => page.evaluate(() => window.events);

async function rect(page, selector) {
  const r = await page.locator(selector).first().evaluate((el) => {
    const b = el.getBoundingClientRect();
    return { left: b.left, right: b.right, top: b.top, bottom: b.bottom, width: b.width, height: b.height };
  });
  return r;
}

function near(actual, expected, what, tolerance = 1.01) {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual.toFixed(2)} is not ${expected.toFixed(2)} (±${tolerance})`);
}

// Waits until an event has all the fields of `match` (no eval: the page has
// the site's CSP).
async function waitForEvent(page, match, timeout = 10000) {
  await page.waitForFunction((m) => window.events.some((e) => Object.entries(m).every(([k, v]) => e[k] === v)),
    match, { timeout, polling: 50 });
}

const SQUARE = { width: 100, height: 100, shift_x: 0, shift_y: 0 };

// --- scenarios -----------------------------------------------------------------

const scenarios = [];
const scenario = (name, fn, where = 'desktop') => scenarios.push({ name, fn, where });

scenario('config + sprites: scaled positions, origin bottom-left, y up, shift', async (page) => {
  await mount(page);
  await feed(page, { type: 'playground_config', config: { width: 200, height: 100, shift_x: 0, shift_y: 0, color: 'white' } });
  await feed(page, { type: 'sprites', sprites: [
    { id: 'a', pos_x: 0, pos_y: 0, width: 20, height: 10, color: 'red' },
    { id: 'b', pos_x: 150, pos_y: 80, width: 10, height: 10, color: 'blue' },
    { id: 'c', form: 'round', pos_x: 100, pos_y: 50, width: 10, height: 10, color: 'green' },
  ] });
  await frames(page);
  const stage = await rect(page, '.cf-stage');
  near(stage.width / stage.height, 2, 'aspect ratio 200:100', 0.01);
  const s = stage.width / 200;
  const a = await rect(page, '.cf-sprite[data-id="a"]');
  near(a.left, stage.left, 'a.left at the left edge');
  near(a.bottom, stage.bottom, 'a.bottom at the bottom edge');
  near(a.width, 20 * s, 'a.width scaled');
  near(a.height, 10 * s, 'a.height scaled');
  const b = await rect(page, '.cf-sprite[data-id="b"]');
  near(b.left, stage.left + 150 * s, 'b.left at x=150');
  near(b.bottom, stage.bottom - 80 * s, 'b.bottom at y=80 (y grows upwards)');
  near(b.top, stage.bottom - 90 * s, 'b.top at y=90');
  const c = await rect(page, '.cf-sprite[data-id="c"]');
  near((c.left + c.right) / 2, stage.left + stage.width / 2, 'round sprite centred on its position (x)');
  near((c.top + c.bottom) / 2, stage.top + stage.height / 2, 'round sprite centred on its position (y)');
  const radius = await page.locator('.cf-sprite[data-id="c"]').evaluate((el) => getComputedStyle(el).borderTopLeftRadius);
  assert.equal(radius, '50%', 'round sprites are round');
  const bg = await page.locator('.cf-stage').evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(bg, 'rgb(255, 255, 255)', 'background colour from the config');
  // origin in the middle: shift_x = -100, shift_y = -50
  await feed(page, { type: 'playground_config', config: { shift_x: -100, shift_y: -50 } });
  await frames(page);
  const a2 = await rect(page, '.cf-sprite[data-id="a"]');
  near(a2.left, stage.left + stage.width / 2, 'shifted: (0,0) is the centre (x)');
  near(a2.bottom, stage.top + stage.height / 2, 'shifted: (0,0) is the centre (y)');
});

scenario('a sprite crossing the right border: one border_overlap, sprite_out, sprite_removed ~2 s later', async (page) => {
  await mount(page);
  await feed(page, { type: 'playground_config', config: SQUARE });
  await feed(page, { type: 'sprite', sprite: { id: 'mover', pos_x: 80, pos_y: 45, width: 10, height: 10, color: 'orange', direction: [1, 0], speed: 2 } });
  await waitForEvent(page, { type: 'sprite_removed', id: 'mover' }, 12000);
  const { list, times } = await page.evaluate(() => ({ list: window.events, times: window.eventTimes }));
  const mine = list.map((e, i) => ({ ...e, at: times[i] })).filter((e) => e.id === 'mover');
  const borders = mine.filter((e) => e.type === 'border_overlap');
  assert.equal(borders.length, 1, `exactly one border_overlap, got ${JSON.stringify(borders)}`);
  assert.equal(borders[0].border, 'right');
  assert.equal(borders[0].collision_detection, false);
  assert.ok(borders[0].x > 90 && borders[0].x < 100, `border_overlap x while sticking out: ${borders[0].x}`);
  const out = mine.filter((e) => e.type === 'sprite_out');
  const removed = mine.filter((e) => e.type === 'sprite_removed');
  assert.equal(out.length, 1, 'one sprite_out');
  assert.equal(removed.length, 1, 'one sprite_removed');
  const order = mine.map((e) => e.type).filter((t) => ['border_overlap', 'sprite_out', 'sprite_removed'].includes(t));
  assert.deepEqual(order, ['border_overlap', 'sprite_out', 'sprite_removed']);
  const gap = removed[0].at - out[0].at;
  assert.ok(gap >= 1800 && gap < 6000, `sprite_removed ${gap.toFixed(0)} ms after sprite_out (expected ~2 s)`);
  assert.equal(await page.locator('.cf-sprite[data-id="mover"]').count(), 0, 'removed from the page');
});

scenario('two sprites with collision detection: sprite_collision in, then out, once per pair', async (page) => {
  await mount(page);
  await feed(page, { type: 'playground_config', config: SQUARE });
  await feed(page, { type: 'sprites', sprites: [
    { id: 'a', pos_x: 10, pos_y: 45, width: 10, height: 10, color: 'red', collision_detection: true, direction: [1, 0], speed: 2 },
    { id: 'b', pos_x: 35, pos_y: 45, width: 10, height: 10, color: 'blue', collision_detection: true },
  ] });
  await waitForEvent(page, { type: 'sprite_collision', overlap: 'out' }, 10000);
  await sleep(200);
  const hits = (await events(page)).filter((e) => e.type === 'sprite_collision');
  assert.deepEqual(hits.map((e) => e.overlap), ['in', 'out'], `collisions: ${JSON.stringify(hits)}`);
  for (const hit of hits) {
    assert.deepEqual(hit.sprites.map((s) => s.id).sort(), ['a', 'b']);
    assert.ok(hit.sprites.every((s) => s.collision_detection === true && typeof s.pos_x === 'number' && typeof s.pos_y === 'number'));
    assert.equal(typeof hit.time_stamp, 'number');
  }
  const inA = hits[0].sprites.find((s) => s.id === 'a');
  assert.ok(inA.pos_x > 24 && inA.pos_x < 27, `a touches b when a.right passes 35: pos_x ${inA.pos_x}`);
});

scenario('click on a clickable sprite: sprite_clicked with its id (mouse and keyboard)', async (page) => {
  await mount(page);
  await feed(page, { type: 'playground_config', config: SQUARE });
  await feed(page, { type: 'sprites', sprites: [
    { id: 'go', pos_x: 30, pos_y: 30, width: 20, height: 10, color: 'gold', text: 'Go', clickable: true },
    { id: 'plain', pos_x: 70, pos_y: 70, width: 10, height: 10, color: 'grey' },
  ] });
  await frames(page);
  await page.locator('.cf-sprite[data-id="plain"]').click();
  await page.locator('.cf-sprite[data-id="go"]').click();
  let list = await events(page);
  assert.equal(list.length, 1, `only the clickable sprite reports: ${JSON.stringify(list)}`);
  assert.deepEqual(list[0], { type: 'sprite_clicked', id: 'go', text: 'Go', x: 30, y: 30 });
  const go = page.getByRole('button', { name: 'Go' });
  await go.focus();
  await page.keyboard.press('Enter');
  await sleep(50);
  list = await events(page);
  assert.deepEqual(list.map((e) => e.type), ['sprite_clicked', 'sprite_clicked'], `Enter on the focused sprite clicks it, and is not a game key: ${JSON.stringify(list)}`);
});

scenario('keyboard: key events on key-up, arrows do not scroll, fields keep their keys', async (page) => {
  await mount(page);
  await feed(page, { type: 'playground_config', config: SQUARE });
  await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, 0); });
  const kb = page.keyboard;
  await kb.down('ArrowLeft');
  assert.equal((await events(page)).length, 0, 'nothing on key-down');
  await kb.up('ArrowLeft');
  for (const key of ['ArrowDown', 'ArrowDown', 'Space', 'a', 'Digit1', 'F2', 'ArrowUp', 'ArrowRight']) await kb.press(key);
  await sleep(50);
  const keys = (await events(page)).map((e) => { assert.equal(e.type, 'key'); return e.key; });
  assert.deepEqual(keys, ['left', 'down', 'down', 'home', 'a', '1', 'F1', 'F2', 'up', 'right']);
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'arrow keys and Space did not scroll the page');
  await page.locator('#outside').click();
  await page.keyboard.type('hi');
  await kb.press('ArrowLeft');
  await sleep(50);
  assert.equal((await events(page)).length, keys.length, 'typing in a field sends no game keys');
  assert.equal(await page.locator('#outside').inputValue(), 'hi');
  // Scrolled out of view, the page is the reader's again.
  await page.evaluate(() => { document.activeElement.blur(); window.scrollTo(0, document.body.scrollHeight); });
  const scrolled = await page.evaluate(() => window.scrollY);
  await kb.press('a');
  await kb.press('ArrowUp');
  await page.waitForFunction((y) => window.scrollY < y, scrolled, { timeout: 3000 });
  assert.equal((await events(page)).length, keys.length, 'no game keys while the playground is off screen');
  await page.evaluate(() => window.scrollTo(0, 0));
});

scenario('on-screen pad: the same key events, thumb-sized buttons', async (page) => {
  await mount(page);
  for (const key of ['up', 'left', 'home', 'right', 'down', 'F3']) await page.locator(`.cf-pad-btn[data-key="${key}"]`).click();
  assert.deepEqual(await events(page), ['up', 'left', 'home', 'right', 'down', 'F3'].map((key) => ({ type: 'key', key })));
  const up = await rect(page, '.cf-pad-btn[data-key="up"]');
  assert.ok(up.width >= 44 && up.height >= 44, `pad buttons are at least 44 px: ${up.width}×${up.height}`);
  assert.equal(await page.getByRole('button', { name: 'Left' }).count(), 1, 'pad buttons have accessible names');
});

scenario('input_prompt: a modal dialog, focus in the field, Enter sends, Escape cancels; select and number', async (page) => {
  await mount(page);
  await feed(page, { type: 'input_prompt', question: 'Your name?', input_type: 'text', time_stamp: 1234.5 });
  const dialog = page.getByRole('dialog', { name: 'Your name?' });
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id === document.querySelector('.cf-arcade-dialog input').id), true, 'the field has focus');
  await page.keyboard.type('Ada');
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'detached' });
  let list = await events(page);
  assert.equal(list.length, 1, `typing into the prompt sent no key events: ${JSON.stringify(list)}`);
  assert.equal(list[0].type, 'input_response');
  assert.equal(list[0].time_stamp, 1234.5, 'answers carry the prompt time_stamp');
  assert.equal(list[0].response, 'Ada');
  assert.equal(typeof list[0].displayed_at, 'number');

  // two at once: one after the other
  await feedAll(page, [
    { type: 'input_prompt', question: 'Colour?', input_type: 'select', options: ['red', 'green', 'blue'], time_stamp: 2 },
    { type: 'input_prompt', question: 'How many?', input_type: 'number', time_stamp: 3 },
  ]);
  await page.getByRole('combobox', { name: 'Colour?' }).selectOption('green');
  assert.equal(await page.getByRole('dialog').count(), 1, 'one dialog at a time');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('spinbutton', { name: 'How many?' }).fill('42');
  await page.keyboard.press('Enter');
  await feed(page, { type: 'input_prompt', question: 'Skip me?', time_stamp: 4 });
  await page.getByRole('dialog', { name: 'Skip me?' }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog', { name: 'Skip me?' }).waitFor({ state: 'detached' });
  list = (await events(page)).slice(1);
  assert.deepEqual(list.map((e) => [e.time_stamp, e.response]), [[2, 'green'], [3, '42'], [4, undefined]]);
  assert.ok(!('response' in list[2]), 'a cancelled prompt has no response field');
});

scenario('alert: a modal alertdialog; OK sends alert_confirm with the time_stamp', async (page) => {
  await mount(page);
  await feed(page, { type: 'notification', message: 'Watch out!', alert: true, time_stamp: 77 });
  const alert = page.getByRole('alertdialog', { name: 'Watch out!' });
  await alert.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'OK', 'OK has focus');
  await page.getByRole('button', { name: 'OK' }).click();
  await alert.waitFor({ state: 'detached' });
  const list = await events(page);
  assert.equal(list.length, 1);
  assert.equal(list[0].type, 'alert_confirm');
  assert.equal(list[0].time_stamp, 77);
  assert.equal(typeof list[0].displayed_at, 'number');
});

scenario('notifications: shown, gone after their time; without a time they stay until dismissed', async (page) => {
  await mount(page);
  const t0 = Date.now();
  await feed(page, { type: 'notification', message: 'Hello there', time: 1000, notification_type: 'success', time_stamp: t0 / 1000 });
  await feed(page, { type: 'notification', message: 'Sticky note', time: -1000 });
  const hello = page.locator('.cf-note', { hasText: 'Hello there' });
  await hello.waitFor();
  assert.ok(await hello.evaluate((el) => el.classList.contains('cf-note-success')));
  await hello.waitFor({ state: 'detached', timeout: 8000 });
  const shown = Date.now() - t0;
  assert.ok(shown >= 900, `shown for ${shown} ms, expected about 1000`);
  const sticky = page.locator('.cf-note', { hasText: 'Sticky note' });
  assert.equal(await sticky.count(), 1, 'the one without a time is still there');
  await sticky.getByRole('button', { name: 'Dismiss notification' }).click();
  assert.equal(await sticky.count(), 0);
  assert.equal((await events(page)).length, 0, 'notifications send nothing');
});

scenario('lines: drawn at scaled positions, updated, removed; lines batch', async (page) => {
  await mount(page);
  await feed(page, { type: 'playground_config', config: SQUARE });
  await feed(page, { type: 'line', line: { id: 'l1', x1: 0, y1: 0, x2: 50, y2: 50, color: 'red', line_width: 1 } });
  await frames(page);
  const stage = await rect(page, '.cf-stage');
  const s = stage.width / 100;
  const l1 = await rect(page, 'svg.cf-line[data-id="l1"]');
  near(l1.left, stage.left, 'line box left');
  near(l1.bottom, stage.bottom, 'line box bottom');
  near(l1.width, 50 * s, 'line box width');
  const seg = await page.locator('svg.cf-line[data-id="l1"] line').evaluate((el) => ({
    x1: +el.getAttribute('x1'), y1: +el.getAttribute('y1'), x2: +el.getAttribute('x2'), y2: +el.getAttribute('y2'), stroke: getComputedStyle(el).stroke,
  }));
  near(seg.x1, 0, 'starts left');
  near(seg.y1, 50 * s, 'starts at the bottom (SVG y grows down)');
  near(seg.y2, 0, 'ends at the top');
  assert.equal(seg.stroke, 'rgb(255, 0, 0)');
  await feed(page, { type: 'line', line: { id: 'l1', x2: 100 } });
  await frames(page);
  near((await rect(page, 'svg.cf-line[data-id="l1"]')).width, 100 * s, 'updated line width');
  await feed(page, { type: 'lines', lines: [1, 2, 3].map((i) => ({ id: `h${i}`, x1: 0, y1: i * 10, x2: 100, y2: i * 10, color: 'blue' })) });
  await frames(page);
  assert.equal(await page.locator('svg.cf-line').count(), 4);
  await feed(page, { type: 'remove_line', id: 'l1' });
  await frames(page);
  assert.equal(await page.locator('svg.cf-line[data-id="l1"]').count(), 0, 'removed');
  assert.equal(await page.locator('svg.cf-line').count(), 3);
});

scenario('clean_playground keeps the configuration, clear_playground restores the defaults', async (page) => {
  await mount(page);
  await feed(page, { type: 'playground_config', config: { width: 200, height: 100, shift_x: 0, shift_y: 0, color: 'white' } });
  await feed(page, { type: 'sprite', sprite: { id: 's', pos_x: 10, pos_y: 10, color: 'red' } });
  await feed(page, { type: 'line', line: { id: 'l', x1: 0, y1: 0, x2: 10, y2: 10 } });
  await frames(page);
  assert.equal(await page.locator('.cf-sprite, svg.cf-line').count(), 2);
  await feed(page, { type: 'clean_playground' });
  await frames(page);
  assert.equal(await page.locator('.cf-sprite, svg.cf-line').count(), 0, 'clean removes sprites and lines');
  let stage = await rect(page, '.cf-stage');
  near(stage.width / stage.height, 2, 'clean keeps the size', 0.01);
  assert.equal(await page.locator('.cf-stage').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(255, 255, 255)');
  await feed(page, { type: 'sprite', sprite: { id: 's2', pos_x: 10, pos_y: 10, color: 'red' } });
  await feed(page, { type: 'clear_playground' });
  await feed(page, { type: 'sprite', sprite: { id: 'centre', pos_x: 0, pos_y: 0, width: 10, height: 10, color: 'black' } });
  await frames(page);
  assert.equal(await page.locator('.cf-sprite').count(), 1, 'clear removes sprites');
  stage = await rect(page, '.cf-stage');
  near(stage.width / stage.height, 1, 'clear: back to 100×100', 0.01);
  assert.equal(await page.locator('.cf-stage').evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(211, 211, 211)', 'clear: back to lightgrey');
  const c = await rect(page, '.cf-sprite[data-id="centre"]');
  near(c.left, stage.left + stage.width / 2, 'clear: origin back in the middle (x)');
  near(c.bottom, stage.top + stage.height / 2, 'clear: origin back in the middle (y)');
});

scenario('reset(): a fresh display for the next game, without answering anything', async (page) => {
  await mount(page);
  await feedAll(page, [
    { type: 'playground_config', config: { width: 200, height: 100, color: 'white' } },
    { type: 'sprite', sprite: { id: 's', pos_x: 0, pos_y: 0, direction: [1, 0], speed: 1 } },
    { type: 'line', line: { id: 'l', x1: 0, y1: 0, x2: 10, y2: 10 } },
    { type: 'notification', message: 'old news' },
    { type: 'grid', grid: [[1, 2]] },
    { type: 'input_prompt', question: 'Old question?', time_stamp: 5 },
  ]);
  await page.getByRole('dialog', { name: 'Old question?' }).waitFor();
  await page.evaluate(() => window.resetPg());
  await frames(page);
  assert.equal(await page.locator('.cf-sprite, svg.cf-line, .cf-note, dialog').count(), 0, 'nothing left');
  assert.equal(await page.locator('.cf-stage').isVisible(), true, 'back to the playground');
  const stage = await rect(page, '.cf-stage');
  near(stage.width / stage.height, 1, 'default size', 0.01);
  await sleep(100);
  assert.deepEqual(await events(page), [], 'reset answers no prompt');
});

scenario('images: data: URL, plain base64, raw SVG, background; a remote URL is never loaded', async (page) => {
  await mount(page);
  await feed(page, { type: 'playground_config', config: { ...SQUARE, image: 'sky', images: [
    { name: 'red', image: `data:image/png;base64,${RED_PNG}`, type: 'png' },
    { name: 'sky', image: BLUE_PNG, type: 'png' },
    { name: 'tri', image: TRIANGLE_SVG, type: 'svg' },
    { name: 'guess', image: RED_PNG },
    { name: 'remote', image: 'http://198.51.100.7/evil.png', type: 'png' },
    { name: 'script', image: 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', type: 'png' },
  ] } });
  await feed(page, { type: 'sprites', sprites: [
    { id: 'i1', image: 'red', pos_x: 10, pos_y: 10, width: 20, height: 20 },
    { id: 'i2', image: 'tri', pos_x: 40, pos_y: 10, width: 20, height: 20 },
    { id: 'i3', image: 'remote', pos_x: 70, pos_y: 10, width: 20, height: 20, color: 'pink' },
    { id: 'i4', image: 'guess', pos_x: 10, pos_y: 60, width: 20, height: 20 },
    { id: 'i5', image: 'script', pos_x: 40, pos_y: 60, width: 20, height: 20 },
    { id: 'i6', image: `data:image/png;base64,${RED_PNG}`, pos_x: 70, pos_y: 60, width: 20, height: 20 },
  ] });
  await frames(page);
  const info = await page.evaluate(async () => {
    const out = {};
    for (const el of document.querySelectorAll('.cf-sprite')) {
      const img = el.querySelector('img');
      if (img) await img.decode().catch(() => {});
      out[el.dataset.id] = img ? { src: img.getAttribute('src').slice(0, 26), w: img.naturalWidth } : null;
    }
    const bg = document.querySelector('.cf-stage-bg');
    await bg.decode().catch(() => {});
    out.background = { hidden: bg.hidden, src: bg.getAttribute('src').slice(0, 22), w: bg.naturalWidth };
    return out;
  });
  assert.deepEqual(info.i1, { src: 'data:image/png;base64,iVBO', w: 2 }, 'data: URL image');
  assert.ok(info.i2 && info.i2.src.startsWith('data:image/svg+xml') && info.i2.w > 0, `raw SVG image: ${JSON.stringify(info.i2)}`);
  assert.equal(info.i3, null, 'a remote URL gives no image');
  assert.deepEqual(info.i4, { src: 'data:image/png;base64,iVBO', w: 2 }, 'base64 without type: PNG recognised');
  assert.equal(info.i5, null, 'a data: URL that is not an image is refused');
  assert.equal(info.i6 && info.i6.w, 2, 'a sprite may name a data:image/ URL directly');
  assert.deepEqual(info.background, { hidden: false, src: 'data:image/png;base64,', w: 4 }, 'background image');
  await sleep(100);
  assert.deepEqual(page.offsite, [], 'no request left localhost');
  assert.ok(page.warnings.some((w) => /remote URLs are never loaded/.test(w)), 'the refused URL is logged');
});

scenario('silent watcher: moving, colliding, clicking, keys and prompts send nothing', async (page) => {
  await mount(page, { interactive: false });
  assert.equal(await page.locator('.cf-pad').count(), 0, 'no pad for watchers');
  await feed(page, { type: 'playground_config', config: SQUARE });
  await feed(page, { type: 'sprites', sprites: [
    { id: 'a', pos_x: 60, pos_y: 45, width: 10, height: 10, color: 'red', collision_detection: true, direction: [1, 0], speed: 5 },
    { id: 'b', pos_x: 75, pos_y: 45, width: 10, height: 10, color: 'blue', collision_detection: true },
    { id: 'c', pos_x: 10, pos_y: 10, width: 20, height: 20, color: 'gold', clickable: true, text: 'Tap' },
    { id: 'd', pos_x: 10, pos_y: 60, width: 5, height: 5, color: 'green', movements: { movements: [{ movement: 'absolute', to: [20, 70], time: 0.2 }] } },
  ] });
  await feed(page, { type: 'input_prompt', question: 'Player, your move?', time_stamp: 9 });
  await frames(page);
  await page.locator('.cf-sprite[data-id="c"]').click();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('x');
  const waiting = page.locator('.cf-waiting-item', { hasText: 'Player, your move?' });
  await waiting.waitFor();
  assert.equal(await page.locator('dialog').count(), 0, 'no dialog for watchers');
  assert.equal(await page.locator('.cf-arcade input, .cf-arcade select').count(), 0, 'nothing to type into');
  await page.waitForFunction(() => !document.querySelector('.cf-sprite[data-id="a"]'), null, { timeout: 8000 });
  assert.deepEqual(await events(page), [], 'a watcher sends no events at all');
  await feed(page, { type: 'input_response', time_stamp: 9, response: 'left' });
  await waiting.waitFor({ state: 'detached' });
});

scenario('auto_movement_pos: absolute then relative movement report their exact end positions', async (page) => {
  await mount(page);
  await feed(page, { type: 'playground_config', config: SQUARE });
  await feed(page, { type: 'sprite', sprite: { id: 'm', pos_x: 10, pos_y: 10, width: 4, height: 4, color: 'purple', movements: { movements: [
    { movement: 'absolute', to: [30, 40], time: 0.4 },
    { movement: 'relative', direction: [1, 0], speed: 2, distance: 10 },
  ] } } });
  await waitForEvent(page, { type: 'auto_movement_pos', movement_id: 's-2-0r' }, 8000);
  const pos = (await events(page)).filter((e) => e.type === 'auto_movement_pos');
  assert.deepEqual(pos, [
    { type: 'auto_movement_pos', id: 'm', movement_id: 's-1', x: 10, y: 10 },
    { type: 'auto_movement_pos', id: 'm', movement_id: 's-1-0r', x: 30, y: 40 },
    { type: 'auto_movement_pos', id: 'm', movement_id: 's-2-0r', x: 40, y: 40 },
  ]);
  await frames(page);
  const stage = await rect(page, '.cf-stage');
  const m = await rect(page, '.cf-sprite[data-id="m"]');
  near(m.left, stage.left + 0.4 * stage.width, 'the sprite stays at x=40');
});

scenario('grid and colour panel: shown on their messages, touches send pointer events', async (page) => {
  await mount(page);
  await feed(page, { type: 'grid', grid: [['red', 'green'], ['blue', 9]], base_color: 'black', enumerate: true });
  await frames(page);
  assert.equal(await page.locator('.cf-stage').isVisible(), false, 'playground hidden');
  assert.equal(await page.locator('.cf-cell').count(), 4);
  assert.equal(await page.locator('.cf-cell').nth(3).evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(0, 0, 0)', '9 = full base colour');
  assert.equal(await page.locator('.cf-cell').nth(2).textContent(), '3', 'enumerated');
  await page.locator('.cf-cell').nth(2).click();
  let list = await events(page);
  assert.equal(list.length, 1);
  assert.deepEqual({ ...list[0], displayed_at: 0 }, { type: 'pointer', context: 'grid', row: 1, column: 0, number: 3, color: 'blue', displayed_at: 0 });
  await feed(page, { type: 'grid_update', row: 2, column: 2, color: 'yellow' });
  assert.equal(await page.locator('.cf-cell').count(), 9, 'the grid grows to 3×3');
  await feed(page, { type: 'color', color: 'orange' });
  assert.equal(await page.locator('.cf-panel').isVisible(), true);
  const panel = await rect(page, '.cf-panel');
  await page.mouse.click(panel.left + 10, panel.top + 20);
  list = await events(page);
  const p = list[1];
  assert.equal(p.context, 'color');
  assert.equal(p.color, 'orange');
  near(p.x, 10, 'x in the panel');
  near(p.y, 20, 'y in the panel');
  near(p.width, panel.width, 'panel width');
  await feed(page, { type: 'sprite', sprite: { id: 'back', pos_x: 0, pos_y: 0 } });
  assert.equal(await page.locator('.cf-stage').isVisible(), true, 'a sprite brings the playground back');
});

scenario('report_score and malformed messages: onScore called; bad messages skipped, logged once', async (page) => {
  await mount(page);
  await feed(page, { type: 'report_score', score: 42 });
  assert.deepEqual(await page.evaluate(() => window.scores), [42]);
  const before = page.warnings.length;
  const errorsBefore = page.errors.length;
  await page.evaluate(() => {
    const bad = [null, 'x', 7, [], {}, { type: 5 }, { type: 'sprite' }, { type: 'sprite', sprite: { pos_x: 1 } },
      { type: 'sprite', sprite: { id: 'z', pos_x: 'abc', width: NaN, color: 42, anchor: 'no', movements: { movements: 'no' } } },
      { type: 'sprites', sprites: 'nope' }, { type: 'sprites', sprites: [null, { id: 'ok' }] }, { type: 'playground_config' },
      { type: 'playground_config', config: { width: -5, height: 'x', images: [{}, { name: 'n', image: '%%%' }], audio_tracks: [5] } },
      { type: 'line', line: {} }, { type: 'lines', lines: [{ id: 'l', x1: 'a' }] }, { type: 'constructor' }, { type: '__proto__' },
      { type: 'toString' }, { type: 'made_up' }, { type: 'start_audio', name: 'nope' }, { type: 'stop_audio' },
      { type: 'grid_update', row: 1e9, color: 'red' }, { type: 'grid', grid: 5 }, { type: 'remove_sprite' },
      { type: 'input_prompt' }, { type: 'notification' }, { type: 'cancel_user_input' }];
    for (let i = 0; i < 3; i += 1) for (const m of bad) window.feed(m);
    window.feedAll('not a list');
  });
  await frames(page);
  assert.deepEqual(page.errors.slice(errorsBefore), [], 'no exceptions');
  const warnings = page.warnings.length - before;
  assert.ok(warnings > 0 && warnings < 20, `each kind of problem logged once (${warnings} warnings)`);
  assert.equal(await page.locator('.cf-sprite[data-id="z"]').count(), 1, 'bad fields fall back to defaults');
  assert.equal(await page.locator('.cf-sprite[data-id="ok"]').count(), 1, 'the good item of a list is kept');
  // the empty prompt above opened a dialog: answer it to leave a clean page
  await page.keyboard.press('Escape');
});

scenario('sound: off until the "sound on" switch; looping music starts then; stop_audio stops it', async (page) => {
  await mount(page);
  await feed(page, { type: 'playground_config', config: { audio_tracks: [{ name: 'beep', audio: BEEP_WAV, type: 'wav' }] } });
  const button = page.locator('.cf-sound');
  await button.waitFor();
  assert.equal(await button.textContent(), 'Sound: off', 'no user gesture yet: sound is off');
  await feed(page, { type: 'start_audio', name: 'beep', repeat: true, volume: 0.5, id: 'music' });
  await feed(page, { type: 'start_audio', name: 'beep' });
  assert.equal((await page.evaluate(() => window.audioLog)).filter((e) => e.op === 'play').length, 0, 'nothing plays before the gesture');
  await button.click();
  assert.equal(await button.getAttribute('aria-pressed'), 'true');
  const plays = (await page.evaluate(() => window.audioLog)).filter((e) => e.op === 'play');
  assert.equal(plays.length, 1, `only the looping sound starts: ${JSON.stringify(plays)}`);
  assert.ok(plays[0].src.startsWith('blob:') && plays[0].loop === true && plays[0].volume === 0.5, JSON.stringify(plays[0]));
  await page.waitForFunction(() => window.soundsPlaying() === 1, null, { timeout: 5000 });
  await feed(page, { type: 'stop_audio', name: 'beep', id: 'music' });
  assert.equal(await page.evaluate(() => window.soundsPlaying()), 0, 'stopped');
}, 'no-gesture');

scenario('destroy(): no events, timers, frames, listeners, observers or object URLs left; DOM empty', async (page) => {
  await page.evaluate(() => window.destroyPg && document.querySelector('.cf-arcade') && window.destroyPg());
  await frames(page);
  const baseline = await page.evaluate(() => window.live());
  for (let round = 0; round < 15; round += 1) {
    await mount(page);
    await feed(page, { type: 'playground_config', config: { ...SQUARE, images: [{ name: 'r', image: RED_PNG, type: 'png' }], audio_tracks: [{ name: 'beep', audio: BEEP_WAV, type: 'wav' }] } });
    await feed(page, { type: 'sprites', sprites: [
      { id: 'a', pos_x: 10, pos_y: 45, width: 10, height: 10, collision_detection: true, direction: [1, 0], speed: 3, image: 'r' },
      { id: 'b', pos_x: 40, pos_y: 45, width: 10, height: 10, collision_detection: true, clickable: true, text: 'b' },
    ] });
    await feed(page, { type: 'line', line: { id: 'l', x1: 0, y1: 0, x2: 10, y2: 10 } });
    await feed(page, { type: 'notification', message: 'bye', time: 60000 });
    await feed(page, { type: 'input_prompt', question: 'Still there?', time_stamp: round });
    await feed(page, { type: 'start_audio', name: 'beep', repeat: true });
    await feed(page, { type: 'grid', grid: [[1, 2], [3, 4]] });
    await frames(page);
    await page.evaluate(() => window.destroyPg());
  }
  await frames(page);
  const after = await page.evaluate(() => window.live());
  assert.deepEqual(after, baseline, `everything released: before ${JSON.stringify(baseline)}, after ${JSON.stringify(after)}`);
  assert.equal(await page.evaluate(() => document.getElementById('host').childNodes.length), 0, 'the container is empty');
  assert.equal(await page.locator('dialog').count(), 0, 'no dialog left');
  assert.equal(await page.evaluate(() => window.soundsPlaying()), 0, 'no sound left');
  const count = (await events(page)).length;
  await page.keyboard.press('ArrowLeft');
  await page.mouse.click(300, 300);
  await sleep(600);
  assert.equal((await events(page)).length, count, 'no events after destroy');
});

// --- screenshots (looked at by a person, checked for size here) -----------------

const SCENE = [
  { type: 'playground_config', config: { width: 160, height: 100, shift_x: 0, shift_y: 0, color: 'aliceblue', images: [{ name: 'tri', image: TRIANGLE_SVG, type: 'svg' }] } },
  { type: 'lines', lines: [20, 40, 60, 80].map((y) => ({ id: `g${y}`, x1: 0, y1: y, x2: 160, y2: y, color: 'lightsteelblue', line_width: 0.3 })) },
  { type: 'line', line: { id: 'diag', x1: 5, y1: 5, x2: 60, y2: 35, color: 'crimson', line_width: 1 } },
  { type: 'sprites', sprites: [
    { id: 'score', text: 'Score: 3', pos_x: 2, pos_y: 92, width: 30, height: 6 },
    { id: 'player', form: 'round', pos_x: 30, pos_y: 50, width: 12, height: 12, color: 'rebeccapurple', border_color: 'black', border_width: 0.6 },
    { id: 'go', pos_x: 120, pos_y: 50, width: 24, height: 12, color: 'gold', text: 'Go', clickable: true, rotate: 15, anchor: [0.5, 0.5], border_color: 'darkgoldenrod', border_width: 0.5, font_size: 6 },
    { id: 'tri', image: 'tri', pos_x: 70, pos_y: 10, width: 16, height: 16 },
    { id: 'wall', pos_x: 100, pos_y: 0, width: 6, height: 30, color: 'seagreen' },
    { id: 'ball', form: 'round', pos_x: 90, pos_y: 80, width: 6, height: 6, color: 'tomato', direction: [0, 0], speed: 0 },
  ] },
  { type: 'notification', message: 'Level 2!', notification_type: 'success', time: 60000 },
  { type: 'notification', message: 'Press ▲ to jump', time: 60000 },
];

async function screenshots(browser, baseURL) {
  await mkdir(ARTIFACTS, { recursive: true });
  const shots = [];
  const shoot = async (name, options, prepare) => {
    const { context, page } = await open(browser, baseURL, options);
    await mount(page);
    await feedAll(page, SCENE);
    if (prepare) await prepare(page);
    await frames(page);
    await sleep(150);
    const path = join(ARTIFACTS, name);
    await page.screenshot({ path });
    const stage = await rect(page, '.cf-stage').catch(() => null);
    shots.push({ path, stage });
    assert.deepEqual(page.errors, [], `${name}: no page errors`);
    await context.close();
  };
  await shoot('arcade-1280.png', { viewport: { width: 1280, height: 900 } });
  await shoot('arcade-375.png', { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await shoot('arcade-375-dark.png', { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, colorScheme: 'dark' });
  await shoot('arcade-375-prompt.png', { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true }, (page) => feed(page, { type: 'input_prompt', question: 'What is your name?', time_stamp: 1 }));
  await shoot('arcade-1280-grid.png', { viewport: { width: 1280, height: 900 } }, (page) => feed(page, { type: 'grid', grid: ['9  9 9999', '9  9 9   ', '9999 999 ', '9  9 9   ', '9  9 9999'], base_color: 'teal', enumerate: false }));
  return shots;
}

// --- motion sensors (touch device) ----------------------------------------------

scenario('motion switch (touch device): acceleration and gyro events while on, none when off', async (page) => {
  await mount(page);
  const motion = page.getByRole('button', { name: 'Motion: off' });
  await motion.click();
  await page.getByRole('button', { name: 'Motion: on' }).waitFor();
  // Chromium answers a new listener with an empty reading (skipped): let it pass.
  await sleep(150);
  await page.evaluate(() => window.dispatchEvent(new DeviceOrientationEvent('deviceorientation', { alpha: null, beta: null, gamma: null })));
  await page.evaluate(() => window.dispatchEvent(new DeviceMotionEvent('devicemotion', { accelerationIncludingGravity: { x: 1, y: 2, z: 9.5 }, interval: 16 })));
  await page.evaluate(() => window.dispatchEvent(new DeviceOrientationEvent('deviceorientation', { alpha: 10, beta: 20, gamma: 30, absolute: false })));
  let list = await events(page);
  assert.deepEqual(list, [
    { type: 'acceleration', x: 1, y: 2, z: 9.5, interval: 16 },
    { type: 'gyro', alpha: 10, beta: 20, gamma: 30, absolute: false },
  ], `sensor events (an empty reading is not sent): ${JSON.stringify(list)}`);
  await page.getByRole('button', { name: 'Motion: on' }).click();
  await page.getByRole('button', { name: 'Motion: off' }).waitFor();
  const count = (await events(page)).length;
  await sleep(60);
  await page.evaluate(() => window.dispatchEvent(new DeviceMotionEvent('devicemotion', { accelerationIncludingGravity: { x: 1, y: 2, z: 3 }, interval: 16 })));
  await page.evaluate(() => window.dispatchEvent(new DeviceOrientationEvent('deviceorientation', { alpha: 1, beta: 2, gamma: 3, absolute: false })));
  list = await events(page);
  assert.equal(list.length, count, `nothing while off: ${JSON.stringify(list.slice(count))}`);
  const pad = await rect(page, '.cf-pad-btn[data-key="left"]');
  assert.ok(pad.right <= 375, 'the pad fits a 375 px screen');
}, 'phone');

// --- runner --------------------------------------------------------------------

async function main() {
  let chromium;
  try {
    const require = createRequire(join(ROOT, 'package.json'));
    ({ chromium } = require('playwright-core'));
  } catch (err) {
    throw new Error(`playwright-core is missing: run \`npm ci\` at the repository root (${err.message})`);
  }
  const server = await startServer();
  const baseURL = `http://127.0.0.1:${server.address().port}`;
  // launch() gives chromium a new, empty --user-data-dir of its own and
  // deletes it on close.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60000 });
  const results = [];
  const pages = {};
  const pageFor = async (where) => {
    if (where === 'no-gesture') return open(browser, baseURL, {}, { noGesture: true });
    if (!pages[where]) {
      const options = where === 'phone' ? { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true } : {};
      pages[where] = await open(browser, baseURL, options);
    }
    return pages[where];
  };
  try {
    for (const { name, fn, where } of scenarios) {
      const t0 = Date.now();
      const { context, page } = await pageFor(where);
      const errorsBefore = page.errors.length;
      try {
        await fn(page);
        assert.deepEqual(page.errors.slice(errorsBefore), [], 'no page errors');
        results.push({ name, ok: true });
        console.log(`PASS ${name} (${Date.now() - t0} ms)`);
      } catch (err) {
        results.push({ name, ok: false });
        console.log(`FAIL ${name}\n  ${String(err && err.stack ? err.stack : err).split('\n').slice(0, 6).join('\n  ')}`);
        await mkdir(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: join(ARTIFACTS, `failure-${results.length}.png`) }).catch(() => {});
      }
      if (where === 'no-gesture') await context.close();
    }
    try {
      const shots = await screenshots(browser, baseURL);
      for (const shot of shots) console.log(`SHOT ${shot.path}${shot.stage ? ` (playground ${Math.round(shot.stage.width)}×${Math.round(shot.stage.height)} px)` : ''}`);
      results.push({ name: 'screenshots', ok: true });
    } catch (err) {
      results.push({ name: 'screenshots', ok: false });
      console.log(`FAIL screenshots\n  ${err && err.stack ? err.stack : err}`);
    }
  } finally {
    await browser.close().catch(() => {});
    server.close();
  }
  const failed = results.filter((r) => !r.ok);
  console.log(`\n${results.length - failed.length}/${results.length} passed; artifacts in ${ARTIFACTS}`);
  if (failed.length) {
    console.log(`failed: ${failed.map((r) => r.name).join('; ')}`);
    process.exitCode = 1;
  }
}

const watchdog = setTimeout(() => {
  console.error(`FAIL: the test did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`);
  process.exit(2);
}, OVERALL_TIMEOUT_MS);
watchdog.unref();

main().catch((err) => {
  console.error(`FAIL: ${err && err.stack ? err.stack : err}`);
  process.exitCode = 1;
});
