// kiosk_flow.mjs — the arcade's kiosk (/arcade/demo) in a real browser
// against a running cf-web with cf-simulator's arcade on (web.e2e_kiosk):
// the random boards with their QR codes when nothing runs, a play shown live
// beside its board, two live plays taking turns, the end of the shown play
// and back to the boards; the kiosk never sending anything (no POST, no
// input, no motion permission); and its memory staying flat over many
// switches (CDP: heap, DOM nodes, event listeners after a forced GC).
//
// The game is tests/web/e2e/games/arcade_e2e/ (the arcade flow's), zipped
// here at run time; four copies of it, so that the random boards can change.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { launch, stepper, collectScriptErrors } from './browser.mjs';

const STEP_TIMEOUT = 15000;
// From a play's start to its first sprite: queueing, a sandbox, Python.
const START_TIMEOUT = 60000;
// The kiosk's hold in this test (?hold=5, the smallest it takes).
const HOLD_S = 5;
// A switch comes every hold (plus at most one poll); this is "broken".
const SWITCH_TIMEOUT = (HOLD_S + 10) * 1000;
// Memory: the figures after MEM_MORE switches more than at the first
// measurement may grow by at most these margins. A leaked display per switch
// (its timer keeps its DOM, its window listeners and its stream alive) adds
// far more in nodes and listeners (see tests/web/e2e/README.md for the
// figures of a broken cleanup); the heap's margin is for a bigger leak.
const MEM_FIRST = 6;
const MEM_MORE = 20;
const MARGIN = { nodes: 150, listeners: 6, heap: 1024 * 1024 };

function zipGame(folder, out) {
  execFileSync('python3', ['-m', 'zipfile', '-c', out, 'game.py', 'images'], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
  return readFileSync(out);
}

export async function runKioskFlow({ baseURL, artifacts, sourceDir, log = console.log }) {
  const suffix = Date.now().toString(36).slice(-5);
  const gameDir = join(sourceDir, 'tests', 'web', 'e2e', 'games', 'arcade_e2e');
  const scratch = mkdtempSync(join(tmpdir(), 'cf-kiosk-e2e-'));
  const zip = zipGame(gameDir, join(scratch, 'robot_coins.zip'));

  const browser = await launch();
  const results = [];
  const scriptErrors = [];
  const state = { games: [] };
  // Everything the kiosk page asked that was not a GET (there must be none),
  // and how many times it asked for the running plays.
  const kioskWrites = [];
  let kioskPolls = 0;

  async function newVisitor(width = 1280, { kiosk = false } = {}) {
    const ctx = await browser.newContext({ baseURL, viewport: { width, height: width === 375 ? 812 : 800 } });
    ctx.setDefaultTimeout(STEP_TIMEOUT);
    if (kiosk) {
      await ctx.addInitScript(() => {
        // The play streams still open (a Set: closed ones leave it, so the
        // test's own bookkeeping does not grow with the switches).
        const Native = window.EventSource;
        const open = new Set();
        window.__openStreams = () => [...open].filter((s) => s.readyState !== 2).map((s) => s.url);
        window.EventSource = class extends Native {
          constructor(...args) { super(...args); open.add(this); }
          close() { open.delete(this); super.close(); }
        };
        // Motion permission asked, sensor and key-up listeners installed:
        // none of it may happen on a kiosk (the play page's controls do both).
        window.__asked = { permission: 0, listeners: [] };
        for (const C of [window.DeviceMotionEvent, window.DeviceOrientationEvent]) {
          if (C) C.requestPermission = () => { window.__asked.permission += 1; return Promise.resolve('denied'); };
        }
        // Only the site's own modules count (playwright's injected script
        // listens to pointerdown and touchstart itself).
        const add = EventTarget.prototype.addEventListener;
        EventTarget.prototype.addEventListener = function (type, ...rest) {
          if (/^(devicemotion|deviceorientation|keyup|pointerdown|touchstart)$/.test(type) && window.__asked.listeners.length < 50) {
            const from = (new Error().stack || '').split('\n').find((l) => l.includes('/js/'));
            if (from) window.__asked.listeners.push(`${type} ${from.trim()}`);
          }
          return add.call(this, type, ...rest);
        };
      });
    }
    const page = await ctx.newPage();
    collectScriptErrors(page, scriptErrors);
    if (kiosk) {
      page.on('request', (r) => {
        if (r.method() !== 'GET' || /\/(input|stop)(\?|$)/.test(new URL(r.url()).pathname)) kioskWrites.push(`${r.method()} ${r.url()}`);
        if (new URL(r.url()).pathname === '/api/arcade/plays/running') kioskPolls += 1;
      });
    }
    return { ctx, page };
  }

  const step = stepper(results, log, async (name) => {
    for (const [who, u] of Object.entries({ kiosk: state.k, owner: state.o, bea: state.b })) {
      if (u && u.page) await u.page.screenshot({ path: join(artifacts, `kiosk-failure-${name.replace(/\W+/g, '_')}-${who}.png`), fullPage: true }).catch(() => {});
    }
  });

  // The page's own session: sign up through the API, then the page knows it.
  async function signUp(page, username) {
    await page.goto('/');
    const status = await page.evaluate(async ({ username, password }) => {
      const s = await (await fetch('/api/session')).json();
      const r = await fetch('/api/signup', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token }, body: JSON.stringify({ username, password }) });
      return r.status;
    }, { username, password: 'kiosk player 1' });
    assert.ok(status === 200 || status === 201, `signed up ${username} (${status})`);
    await page.reload();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
  }

  async function upload(page, title) {
    const r = await page.evaluate(async ({ title, zip64 }) => {
      const s = await (await fetch('/api/session')).json();
      const bytes = Uint8Array.from(atob(zip64), (c) => c.charCodeAt(0));
      const body = new FormData();
      body.append('title', title);
      body.append('authors', 'the kiosk test');
      body.append('description', 'Arrow keys move the robot.');
      body.append('inputs', 'keys');
      body.append('file', new Blob([bytes], { type: 'application/zip' }), 'robot_coins.zip');
      const res = await fetch('/api/arcade/games', { method: 'POST', body, headers: { 'X-CSRF-Token': s.csrf_token } });
      return { status: res.status, body: await res.json() };
    }, { title, zip64: zip.toString('base64') });
    assert.ok(r.status === 200 || r.status === 201, `uploaded ${title}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.id;
  }

  // A play of the first game by this visitor, shown on its own play page
  // (its player's stream keeps it alive); its id once its robot is drawn.
  async function startPlay(u) {
    const id = await u.page.evaluate(async (gameId) => {
      const s = await (await fetch('/api/session')).json();
      const r = await fetch(`/api/arcade/games/${gameId}/plays`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token }, body: '{}' });
      if (!r.ok) throw new Error(`start: ${r.status} ${await r.text()}`);
      return (await r.json()).play.id;
    }, state.games[0]);
    await u.page.goto(`/play/${id}`);
    await u.page.locator('.cf-stage [data-id="hero"]').waitFor({ timeout: START_TIMEOUT });
    return id;
  }

  // Stop, once the play is running in the database (a stop before that is a
  // stop in the queue; see arcade_flow.mjs).
  async function stopPlay(u, id) {
    const status = await u.page.evaluate(async (playId) => {
      const get = async () => (await (await fetch(`/api/plays/${playId}`)).json()).play.status;
      for (let i = 0; i < 100 && (await get()) !== 'running'; i++) await new Promise((ok) => setTimeout(ok, 200));
      const s = await (await fetch('/api/session')).json();
      const r = await fetch(`/api/plays/${playId}/stop`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token }, body: '{}' });
      return r.status;
    }, id);
    assert.ok(status === 200 || status === 202, `stopped ${id} (${status})`);
    await u.page.locator('.play-summary').waitFor({ timeout: 30000 });
  }

  const kioskInfo = (page) => page.evaluate(() => {
    const k = document.querySelector('.kiosk');
    const live = document.querySelector('.kiosk-live');
    const idle = document.querySelector('.kiosk-idle');
    return {
      mode: k && k.dataset.mode,
      switches: k ? Number(k.dataset.switches) : 0,
      play: live ? live.dataset.play : null,
      games: idle ? idle.dataset.games : null,
    };
  });
  const waitSwitches = (page, n, timeout) => page.waitForFunction((want) => Number(document.querySelector('.kiosk')?.dataset.switches) >= want, n, { timeout });
  const waitLive = (page, id, timeout = START_TIMEOUT) => page.locator(`.kiosk-live[data-play="${id}"] .cf-stage [data-id="hero"]`).waitFor({ timeout });

  async function noHorizontalScroll(page, what) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${what}: no horizontal scrolling (overflow ${overflow} px)`);
  }

  // The kiosk at 375 px (the same page, narrowed), then back to 1280.
  async function shotBoth(page, name) {
    await page.screenshot({ path: join(artifacts, `${name}-1280.png`) });
    await noHorizontalScroll(page, `${name} at 1280 px`);
    await page.setViewportSize({ width: 375, height: 812 });
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(artifacts, `${name}-375.png`), fullPage: true });
    await noHorizontalScroll(page, `${name} at 375 px`);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.waitForTimeout(200);
  }

  // Heap, DOM nodes and listeners after a forced garbage collection.
  async function memory(cdp) {
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
    return { heap: m.JSHeapUsedSize, nodes: m.Nodes, listeners: m.JSEventListeners };
  }

  try {
    await step('an owner and four games; a second player', async () => {
      state.o = await newVisitor();
      await signUp(state.o.page, `kio_${suffix}`);
      for (let i = 1; i <= 4; i++) state.games.push(await upload(state.o.page, `Kiosk robot ${i} ${suffix}`));
      state.b = await newVisitor();
      await signUp(state.b.page, `bea_${suffix}`);
    });

    await step('nothing runs: two random boards, their addresses and QR codes, changing every hold', async () => {
      state.k = await newVisitor(1280, { kiosk: true });
      const { page } = state.k;
      await page.goto(`/arcade/demo?hold=${HOLD_S}`);
      await page.getByRole('heading', { name: 'Codefights Arcade', level: 1 }).waitFor();
      assert.equal(await page.locator('.site-header').isVisible(), false, 'no site navigation on the kiosk');
      await page.locator('.kiosk-idle .kiosk-card').nth(1).waitFor();
      assert.equal(await page.locator('.kiosk-idle .kiosk-card').count(), 2, 'two boards');
      for (const card of await page.locator('.kiosk-idle .kiosk-card').all()) {
        const id = Number(await card.getAttribute('data-game'));
        assert.ok(state.games.includes(id), `a board of one of our games (${id})`);
        await card.locator('.scoreboard-title').filter({ hasText: /^Kiosk robot \d / }).waitFor();
        const url = `${baseURL}/arcade/${id}`;
        await card.getByRole('link', { name: url, exact: true }).waitFor();
        const qr = card.locator('img.kiosk-qr');
        assert.equal(await qr.getAttribute('src'), `/api/qr?text=${encodeURIComponent(url)}`);
        assert.equal(await qr.getAttribute('alt'), `QR code: ${url}`);
      }
      await page.waitForFunction(() => [...document.querySelectorAll('.kiosk-idle img.kiosk-qr')].every((i) => i.complete && i.naturalWidth > 0));
      // The QR code is an SVG the server made (image/svg+xml).
      const qrType = await page.evaluate(async () => (await fetch(document.querySelector('img.kiosk-qr').src)).headers.get('Content-Type'));
      assert.match(qrType || '', /^image\/svg\+xml/);
      await shotBoth(page, 'kiosk-idle');
      // Every hold a new pair (random: a few turns until it differs).
      const first = await kioskInfo(page);
      let now = first;
      for (let turn = 1; turn <= 6 && now.games === first.games; turn++) {
        await waitSwitches(page, first.switches + turn, SWITCH_TIMEOUT);
        await page.locator('.kiosk-idle .kiosk-card').first().waitFor();
        now = await kioskInfo(page);
        assert.equal(now.mode, 'idle');
      }
      assert.notEqual(now.games, first.games, `the boards changed (${first.games} -> ${now.games})`);
      await page.waitForFunction(() => [...document.querySelectorAll('.kiosk-idle img.kiosk-qr')].every((i) => i.complete && i.naturalWidth > 0));
    });

    await step('a play starts: the kiosk shows it live, silent, beside its board', async () => {
      const { page } = state.k;
      state.playA = await startPlay(state.o);
      await waitLive(page, state.playA);
      const live = page.locator(`.kiosk-live[data-play="${state.playA}"]`);
      await live.locator('.kiosk-live-who').filter({ hasText: `played by kio_${suffix}` }).waitFor();
      await live.locator(`.scoreboard[data-game="${state.games[0]}"]`).waitFor();
      await live.locator('.scoreboard-title').filter({ hasText: `Kiosk robot 1 ${suffix}` }).waitFor();
      await live.locator('.cf-arcade.cf-arcade-watch').waitFor();
      assert.equal(await page.locator('.cf-pad').count(), 0, 'no on-screen pad');
      assert.equal(await live.locator('.cf-stage [data-id="coin"]').getAttribute('role'), null, 'sprites are not buttons');
      assert.equal(await page.locator('.cf-sound').isVisible(), false, 'no sound switch');
      // The player plays; the kiosk follows live.
      for (let i = 0; i < 3; i++) await state.o.page.keyboard.press('ArrowRight');
      await live.locator('.cf-stage [data-id="label"]').getByText('Score: 3').waitFor();
      await live.locator('.kiosk-score-value').filter({ hasText: /^3$/ }).waitFor();
      // Keys pressed on the kiosk go nowhere.
      await page.keyboard.press('ArrowLeft');
      await page.mouse.click(300, 400);
      await page.waitForTimeout(500);
      await state.o.page.locator('.cf-stage [data-id="label"]').getByText('Score: 3').waitFor();
      await shotBoth(page, 'kiosk-live');
    });

    await step('a second play: after the hold the kiosk shows it, then the two take turns', async () => {
      const { page } = state.k;
      state.playB = await startPlay(state.b);
      for (let i = 0; i < 2; i++) await state.b.page.keyboard.press('ArrowUp');
      await waitLive(page, state.playB, START_TIMEOUT);
      const atB = await kioskInfo(page);
      await page.locator(`.kiosk-live[data-play="${state.playB}"] .kiosk-live-who`).filter({ hasText: `played by bea_${suffix}` }).waitFor();
      // Its turn lasts the hold, then A again, then B.
      await waitLive(page, state.playA, SWITCH_TIMEOUT);
      const backAtA = await kioskInfo(page);
      assert.equal(backAtA.switches, atB.switches + 1, 'straight from B to A');
      await waitLive(page, state.playB, SWITCH_TIMEOUT);
      assert.equal(await page.locator('.kiosk-live').count(), 1, 'one play at a time');
      assert.ok((await page.evaluate(() => window.__openStreams().filter((u) => u.includes('/api/plays/')))).length <= 1, 'one play stream open');
    });

    await step('the kiosk sent nothing: only GETs, no input, no stop, no motion permission', async () => {
      const { page } = state.k;
      assert.deepEqual(kioskWrites, []);
      const asked = await page.evaluate(() => window.__asked);
      assert.equal(asked.permission, 0, 'never asked for motion permission');
      assert.deepEqual(asked.listeners, [], 'no motion, key-up, pointer or touch listeners');
    });

    await step(`memory stays flat over ${MEM_MORE} switches (CDP: heap, nodes, listeners)`, async () => {
      const { page, ctx } = state.k;
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Performance.enable');
      const start = (await kioskInfo(page)).switches;
      await waitSwitches(page, start + MEM_FIRST, (MEM_FIRST + 1) * SWITCH_TIMEOUT);
      const before = await memory(cdp);
      const s1 = (await kioskInfo(page)).switches;
      log(`memory after ${s1} switches: ${JSON.stringify(before)}`);
      await waitSwitches(page, s1 + MEM_MORE, (MEM_MORE + 1) * SWITCH_TIMEOUT);
      // The same kind of view as at the first measurement, its play drawn.
      await page.locator('.kiosk-live .cf-stage [data-id="hero"]').waitFor();
      const after = await memory(cdp);
      const s2 = (await kioskInfo(page)).switches;
      log(`memory after ${s2} switches: ${JSON.stringify(after)}`);
      state.memory = { before: { switches: s1, ...before }, after: { switches: s2, ...after } };
      writeFileSync(join(artifacts, 'kiosk-memory.json'), JSON.stringify(state.memory, null, 2));
      assert.ok(after.nodes <= before.nodes + MARGIN.nodes, `DOM nodes ${before.nodes} -> ${after.nodes}`);
      assert.ok(after.listeners <= before.listeners + MARGIN.listeners, `event listeners ${before.listeners} -> ${after.listeners}`);
      assert.ok(after.heap <= before.heap + MARGIN.heap, `JS heap ${before.heap} -> ${after.heap}`);
      assert.ok((await page.evaluate(() => window.__openStreams().filter((u) => u.includes('/api/plays/')))).length <= 1, 'one play stream open');
      await cdp.detach();
    });

    await step('the shown play ends: its end, then the other play; then back to the boards', async () => {
      const { page } = state.k;
      // A long hold from here: the kiosk stays on the newest play (B).
      await page.goto('/arcade/demo?hold=60');
      await waitLive(page, state.playB);
      await stopPlay(state.b, state.playB);
      const end = page.locator(`.kiosk-live[data-play="${state.playB}"] .kiosk-end`);
      await end.filter({ hasText: 'Stopped' }).waitFor();
      await end.filter({ hasText: 'Score 2' }).waitFor();
      await page.screenshot({ path: join(artifacts, 'kiosk-end-1280.png') });
      // Then A, with the board that now has B's player and score.
      await waitLive(page, state.playA, SWITCH_TIMEOUT);
      const row = page.locator('.kiosk-live .scoreboard-compact-list li').filter({ hasText: `bea_${suffix}` });
      await row.locator('.score').filter({ hasText: /^best score 2$/ }).waitFor();
      await stopPlay(state.o, state.playA);
      await page.locator(`.kiosk-live[data-play="${state.playA}"] .kiosk-end`).filter({ hasText: 'Stopped' }).waitFor();
      await page.locator('.kiosk-idle .kiosk-card').nth(1).waitFor({ timeout: SWITCH_TIMEOUT });
      assert.equal(await page.locator('.kiosk-live').count(), 0, 'no live play left');
      assert.deepEqual(await page.evaluate(() => window.__openStreams().filter((u) => u.includes('/api/plays/'))), [], 'no play stream open');
      assert.deepEqual(kioskWrites, [], 'still nothing sent');
    });

    await step('the boards now show the plays: the played game\'s board has both players\' best scores', async () => {
      const { page } = state.k;
      await page.goto(`/arcade/demo?hold=${HOLD_S}`);
      const played = String(state.games[0]);
      // Random pairs: wait (a few holds at most) for one with the played game.
      let info = null;
      for (let turn = 0; turn < 12; turn++) {
        await page.locator('.kiosk-idle .kiosk-card').first().waitFor({ timeout: SWITCH_TIMEOUT });
        info = await kioskInfo(page);
        if (info.games && info.games.split(',').includes(played)) break;
        await waitSwitches(page, info.switches + 1, SWITCH_TIMEOUT);
      }
      assert.ok(info.games.split(',').includes(played), `the played game came up (${info.games})`);
      const board = page.locator(`.kiosk-card[data-game="${played}"] .scoreboard`);
      const player = (name) => board.locator('.scoreboard-compact-list li').filter({ hasText: name });
      await player(`kio_${suffix}`).locator('.score').filter({ hasText: /^best score 3$/ }).waitFor();
      await player(`kio_${suffix}`).locator('.plays').filter({ hasText: /^1 play$/ }).waitFor();
      await player(`bea_${suffix}`).locator('.score').filter({ hasText: /^best score 2$/ }).waitFor();
      await board.locator('.scoreboard-facts').filter({ hasText: /^2 plays · best 3$/ }).waitFor();
      assert.equal(await board.locator('a').count(), 0, 'the board itself has no links (the address below it does)');
      await page.waitForFunction(() => [...document.querySelectorAll('.kiosk-idle img.kiosk-qr')].every((i) => i.complete && i.naturalWidth > 0));
      await page.screenshot({ path: join(artifacts, 'kiosk-idle-after-1280.png') });
      assert.deepEqual(kioskWrites, [], 'still nothing sent');
    });

    await step('leaving the kiosk through a link stops it: the site again, no more polls', async () => {
      const { page } = state.k;
      const played = String(state.games[0]);
      await page.locator(`.kiosk-card[data-game="${played}"]`).getByRole('link', { name: `${baseURL}/arcade/${played}`, exact: true }).click();
      await page.waitForURL(`**/arcade/${played}`);
      await page.getByRole('heading', { name: `Kiosk robot 1 ${suffix}`, level: 1 }).waitFor();
      await page.locator('.site-header').waitFor();
      assert.equal(await page.evaluate(() => document.body.classList.contains('bare')), false);
      const polls = kioskPolls;
      await page.waitForTimeout(7000); // two polls' worth
      assert.equal(kioskPolls, polls, 'no poll after leaving');
      assert.deepEqual(await page.evaluate(() => window.__openStreams().filter((u) => u.includes('/api/plays/'))), []);
    });

    await step('no script errors in any page', async () => {
      assert.deepEqual(scriptErrors, []);
    });
  } finally {
    await browser.close().catch(() => {});
    rmSync(scratch, { recursive: true, force: true });
  }
  writeFileSync(join(artifacts, 'results.json'), JSON.stringify(results.map((r) => ({ name: r.name, ok: r.ok, skipped: !!r.skipped, error: r.error ? String(r.error.message || r.error) : undefined })), null, 2));
  return results;
}
