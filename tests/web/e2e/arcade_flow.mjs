// arcade_flow.mjs — the arcade in a real browser against a running cf-web
// (with cf-simulator's arcade on): upload a game, find it, play it with the
// keyboard, the mouse, a prompt and the on-screen pad, watch it, stop it,
// and the owner's edits. Every step is a named check; the first failing step
// stops the flow (the later ones depend on it) and the rest count as failed.
//
// The game is tests/web/e2e/games/arcade_e2e/ (game.py and images/*.png),
// zipped here at run time, as an author would upload it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { launch, stepper, collectScriptErrors } from './browser.mjs';

const STEP_TIMEOUT = 15000;
// From Play to the first sprite: queueing, a sandbox, Python starting. Not a
// performance check: only how long to wait before calling it broken.
const START_TIMEOUT = 60000;
const MiB = 1024 * 1024;

// The game folder as a .zip (game.py and images/ at the top).
function zipGame(folder, out) {
  execFileSync('python3', ['-m', 'zipfile', '-c', out, 'game.py', 'images'], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
  return readFileSync(out);
}

export async function runArcadeFlow({ baseURL, artifacts, sourceDir, log = console.log }) {
  const suffix = Date.now().toString(36).slice(-5);
  const A = { name: `ada_${suffix}`, password: 'arcade player 1' };
  const TITLE = `Robot coins ${suffix}`;
  const gameDir = join(sourceDir, 'tests', 'web', 'e2e', 'games', 'arcade_e2e');
  const scratch = mkdtempSync(join(tmpdir(), 'cf-arcade-e2e-'));
  const zip = zipGame(gameDir, join(scratch, 'robot_coins.zip'));
  const previewPng = readFileSync(join(gameDir, 'images', 'hero.png'));

  const browser = await launch();
  const results = [];
  const scriptErrors = [];
  const state = {};

  async function newVisitor(width = 1280) {
    const ctx = await browser.newContext({ baseURL, viewport: { width, height: width === 375 ? 812 : 900 } });
    ctx.setDefaultTimeout(STEP_TIMEOUT);
    // Every EventSource a page opens, to check that leaving a play closes its stream.
    await ctx.addInitScript(() => {
      const Native = window.EventSource;
      window.__streams = [];
      window.EventSource = class extends Native {
        constructor(...args) { super(...args); window.__streams.push(this); }
      };
    });
    const page = await ctx.newPage();
    collectScriptErrors(page, scriptErrors);
    return { ctx, page };
  }

  const step = stepper(results, log, async (name) => {
    for (const [who, u] of Object.entries({ a: state.a, v: state.v, w1: state.w1, w2: state.w2 })) {
      if (u && u.page) await u.page.screenshot({ path: join(artifacts, `arcade-failure-${name.replace(/\W+/g, '_')}-${who}.png`), fullPage: true }).catch(() => {});
    }
  });

  const openPlayStreams = (page) => page.evaluate(() => window.__streams
    .filter((s) => s.url.includes('/api/plays/') && s.readyState !== 2).map((s) => s.url));

  async function noHorizontalScroll(page, what) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${what}: no horizontal scrolling (overflow ${overflow} px)`);
  }

  // The play page once its game draws: the hero sprite with its PNG loaded.
  async function waitForGame(page) {
    await page.waitForURL(/\/play\/[0-9a-f-]{36}$/);
    await page.locator('.play-state').filter({ hasText: /Waiting|Running/ }).waitFor();
    const hero = page.locator('.cf-stage [data-id="hero"]');
    await hero.waitFor({ timeout: START_TIMEOUT });
    await page.waitForFunction(() => {
      const img = document.querySelector('.cf-stage [data-id="hero"] img.cf-sprite-img');
      return img && img.complete && img.naturalWidth === 16 && img.src.startsWith('data:image/png');
    }, null, { timeout: STEP_TIMEOUT });
    await page.locator('.play-state').filter({ hasText: 'Running' }).waitFor();
    return hero;
  }

  const box = async (loc) => {
    const b = await loc.boundingBox();
    assert.ok(b, 'the sprite is laid out');
    return b;
  };
  // The hero's place in the playground (screen pixels from its corner).
  const heroInStage = (page) => page.evaluate(() => {
    const a = document.querySelector('.cf-stage [data-id="hero"]').getBoundingClientRect();
    const s = document.querySelector('.cf-stage').getBoundingClientRect();
    return { x: a.x - s.x, y: a.y - s.y };
  });
  const score = async (page) => Number((await page.locator('.play-score-value').innerText()).replace(/[^\d.-]/g, ''));

  async function waitScoreAtLeast(page, n) {
    await page.waitForFunction((want) => {
      const v = Number((document.querySelector('.play-score-value')?.textContent || '').replace(/[^\d.-]/g, ''));
      return v >= want;
    }, n);
  }

  // The summary after Stop: status stopped in words, the score, the log.
  async function stopAndSummary(page) {
    // cf-result-processor marks the play running in the database a moment
    // after the game's first message (the page knows it from the stream at
    // once). A Stop before that is taken as a stop in the queue: the play is
    // recorded as "stopped before it started", without its score (cf-web's
    // plays_stop). Wait for the database, as a person always does.
    const id = new URL(page.url()).pathname.split('/').pop();
    const stored = () => page.evaluate(async (playId) => (await (await fetch(`/api/plays/${playId}`)).json()).play.status, id);
    for (let i = 0; i < 100 && (await stored()) !== 'running'; i++) await page.waitForTimeout(200);
    assert.equal(await stored(), 'running', 'the play is running in the database');
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    const summary = page.locator('.play-summary');
    await summary.getByRole('heading', { name: 'Game over' }).waitFor({ timeout: 30000 });
    await summary.locator('.play-end-status').filter({ hasText: 'Stopped' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Stop', exact: true }).count(), 0, 'no Stop button after the end');
    return summary;
  }

  try {
    await step('sign up; the arcade is in the navigation', async () => {
      const { page } = state.a = await newVisitor();
      await page.goto('/signup');
      await page.getByLabel('Username').fill(A.name);
      await page.getByLabel('Password', { exact: true }).fill(A.password);
      await page.getByLabel('Repeat password').fill(A.password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Arcade' }).click();
      await page.waitForURL('**/arcade');
      await page.getByRole('heading', { name: 'Arcade', level: 1 }).waitFor();
      assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Arcade' }).getAttribute('aria-current'), 'page');
      await page.getByRole('link', { name: 'Upload a game' }).click();
      await page.getByRole('heading', { name: 'Upload a game', level: 1 }).waitFor();
    });

    await step('upload form: a game file over 16 MiB is refused before it is sent', async () => {
      const { page } = state.a;
      let sent = false;
      const watch = (r) => { if (r.url().endsWith('/api/arcade/games') && r.method() === 'POST') sent = true; };
      page.on('request', watch);
      await page.getByLabel('Title').fill(TITLE);
      await page.getByLabel('Game file (.py or .zip)').setInputFiles({ name: 'huge.zip', mimeType: 'application/zip', buffer: Buffer.alloc(16 * MiB + 1) });
      await page.getByRole('button', { name: 'Upload game' }).click();
      await page.locator('.form-error[role="alert"]').filter({ hasText: /^Too large: the game file is 16\.0 MiB \(16,777,217 bytes\)\. Make it smaller \(the limit is 16 MiB for a \.zip\)\.$/ }).waitFor();
      assert.equal(await page.getByLabel('Game file (.py or .zip)').getAttribute('aria-invalid'), 'true');
      assert.equal(sent, false, 'nothing was sent');
      page.off('request', watch);
      assert.match(page.url(), /\/arcade\/new$/);
    });

    await step('upload form: the server\'s own message on a bad file (400)', async () => {
      const { page } = state.a;
      await page.getByLabel('Game file (.py or .zip)').setInputFiles({ name: 'broken.zip', mimeType: 'application/zip', buffer: Buffer.from('this is not a zip archive\n') });
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/arcade/games') && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Upload game' }).click(),
      ]);
      assert.equal(res.status(), 400, `a broken zip is refused (got ${res.status()})`);
      const said = (await res.json()).error;
      assert.ok(typeof said === 'string' && said.length > 3, 'the server says why');
      const alert = page.locator('.form-error[role="alert"]');
      await alert.filter({ hasText: said.replace(/\.$/, '').slice(1) }).waitFor();
      assert.match(page.url(), /\/arcade\/new$/);
    });

    await step('upload the game (a .zip with images) with a preview', async () => {
      const { page } = state.a;
      await page.getByLabel('Title').fill(TITLE);
      await page.getByLabel('Authors').fill('Ada & the e2e test');
      // Markup in a description is text, never HTML.
      await page.getByLabel('Description').fill('Move the robot with the arrow keys.\n\nClick the coin: <b>ten</b> points.');
      await page.getByLabel('Keyboard').check();
      await page.getByLabel('Touch').check();
      await page.getByLabel('Game file (.py or .zip)').setInputFiles({ name: 'robot_coins.zip', mimeType: 'application/zip', buffer: zip });
      await page.getByLabel('Preview image (optional)').setInputFiles({ name: 'preview.png', mimeType: 'image/png', buffer: previewPng });
      await page.getByRole('button', { name: 'Upload game' }).click();
      await page.waitForURL(/\/arcade\/\d+$/);
      state.gameURL = new URL(page.url()).pathname;
      state.gameId = Number(state.gameURL.split('/').pop());
      await page.getByRole('heading', { name: TITLE, level: 1 }).waitFor();
      await page.getByText('by Ada & the e2e test').waitFor();
      await page.locator('.arcade-description').getByText('Click the coin: <b>ten</b> points.').waitFor();
      assert.equal(await page.locator('.arcade-description b').count(), 0, 'no markup from the description');
      await page.locator('.arcade-versions').getByText('Version 1').waitFor();
      await page.locator('.arcade-versions').getByText('bundle (.zip)').waitFor();
      await page.getByText('Nobody has played it yet.').waitFor();
      // Only the owner gets the owner's tools.
      await page.getByRole('heading', { name: 'Upload a new version' }).waitFor();
    });

    await step('the game is on /arcade: preview, badges, search', async () => {
      const { page } = state.a;
      await page.goto('/arcade');
      const card = page.locator(`.arcade-card[data-game="${state.gameId}"]`);
      await card.getByRole('link', { name: TITLE }).waitFor();
      await page.waitForFunction((id) => {
        const img = document.querySelector(`.arcade-card[data-game="${id}"] img.preview`);
        return img && img.complete && img.naturalWidth === 16 && /\/api\/arcade\/games\/\d+\/preview/.test(img.src);
      }, state.gameId);
      assert.equal(await card.locator('img.preview').getAttribute('alt'), `Preview of ${TITLE}`);
      await card.locator('.badges').getByText('Keyboard').waitFor();
      await card.locator('.badges').getByText('Touch').waitFor();
      assert.equal(await card.locator('.badges').getByText('Tilt').count(), 0);
      await card.getByText(/0 plays/).waitFor();
      // Search, in place: focus stays in the box, the address follows.
      const search = page.getByRole('searchbox', { name: 'Search games' });
      await search.fill(`nothing like this ${suffix}`);
      await search.press('Enter');
      await page.getByText(/No game matches/).waitFor();
      assert.match(page.url(), /\?q=nothing/);
      assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.type), 'search');
      await search.fill(suffix);
      await search.press('Enter');
      await card.waitFor();
      await page.screenshot({ path: join(artifacts, 'arcade-1280.png'), fullPage: true });
      await noHorizontalScroll(page, '/arcade at 1280 px');
    });

    await step('play at 1280 px: image sprites, arrow keys, a click, a prompt, the score', async () => {
      const { page } = state.a;
      await page.locator(`.arcade-card[data-game="${state.gameId}"]`).getByRole('button', { name: `Play ${TITLE}` }).click();
      const hero = await waitForGame(page);
      state.playURL = new URL(page.url()).pathname;
      await page.getByText('You are playing.').waitFor();
      assert.equal(await page.locator('.cf-arcade-watch').count(), 0, 'the player\'s display is interactive');
      await page.locator('.cf-stage [data-id="label"]').getByText('Score: 0').waitFor();
      // Arrow keys: the robot moves right, then up, one point a step.
      const start = await box(hero);
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
      await waitScoreAtLeast(page, 3);
      await page.locator('.cf-stage [data-id="label"]').getByText('Score: 3').waitFor();
      await page.waitForFunction((x) => document.querySelector('.cf-stage [data-id="hero"]').getBoundingClientRect().x > x + 1, start.x);
      const right = await box(hero);
      assert.ok(right.x > start.x, `the robot moved right (${start.x} -> ${right.x})`);
      await page.keyboard.press('ArrowUp');
      await waitScoreAtLeast(page, 4);
      await page.waitForFunction((y) => document.querySelector('.cf-stage [data-id="hero"]').getBoundingClientRect().y < y - 1, right.y);
      // The coin is a button: a click asks the player's name in a dialog.
      const coin = page.locator('.cf-stage [data-id="coin"]');
      assert.equal(await coin.getAttribute('role'), 'button');
      await page.waitForFunction(() => {
        const img = document.querySelector('.cf-stage [data-id="coin"] img.cf-sprite-img');
        return img && img.complete && img.naturalWidth === 12;
      });
      await coin.click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      const answer = dialog.getByLabel('What is your name?');
      await answer.waitFor();
      assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.tagName), 'INPUT', 'focus in the answer field');
      await answer.fill('Grace');
      await dialog.getByRole('button', { name: 'Send' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.locator('.cf-stage [data-id="label"]').getByText('Grace: 14').waitFor();
      await waitScoreAtLeast(page, 14);
      assert.equal(await score(page), 14);
      await page.locator('.cf-arcade-notes').getByText('Well done, Grace!').waitFor();
      state.heroAfter = await heroInStage(page);
      await page.waitForFunction(() => !document.querySelector('.toast'), null, { timeout: 8000 });
      await noHorizontalScroll(page, 'the play page at 1280 px');
      await page.screenshot({ path: join(artifacts, 'play-1280.png'), fullPage: true });
    });

    await step('a reload (a late viewer) shows the current screen at once, answered prompts stay answered', async () => {
      const { page } = state.a;
      await page.reload();
      const hero = page.locator('.cf-stage [data-id="hero"]');
      await hero.waitFor();
      await page.locator('.cf-stage [data-id="label"]').getByText('Grace: 14').waitFor();
      // Where it was before the reload, in the playground.
      await page.waitForFunction(({ x, y }) => {
        const el = document.querySelector('.cf-stage [data-id="hero"]');
        if (!el) return false;
        const a = el.getBoundingClientRect();
        const s = el.closest('.cf-stage').getBoundingClientRect();
        return Math.abs(a.x - s.x - x) < 2 && Math.abs(a.y - s.y - y) < 2;
      }, state.heroAfter);
      await page.locator('.play-state').filter({ hasText: 'Running' }).waitFor();
      // A prompt answered just before a reload stays answered: the server's
      // screen may still hold it (a snapshot of up to half a second ago) and
      // its stream goes on from there, the prompt included.
      await page.locator('.cf-stage [data-id="coin"]').click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('What is your name?').fill('Ada');
      const delivered = page.waitForResponse((r) => r.url().endsWith('/input') && /input_response/.test(r.request().postData() || ''));
      await dialog.getByRole('button', { name: 'Send' }).click();
      assert.equal((await delivered).status(), 204);
      await page.reload();
      // The label's change comes after the prompt, in the screen or the stream.
      await page.locator('.cf-stage [data-id="label"]').getByText('Ada: 24').waitFor();
      assert.equal(await page.getByRole('dialog').count(), 0, 'the answered prompt is not asked again');
      // Still the player's: keys still count.
      await page.keyboard.press('ArrowLeft');
      await page.locator('.cf-stage [data-id="label"]').getByText('Score: 25').waitFor();
    });

    await step('a burst of input goes in batches of at most 64 events, none lost', async () => {
      const { page } = state.a;
      const batches = [];
      const watch = (r) => {
        if (r.method() === 'POST' && r.url().endsWith('/input')) batches.push(JSON.parse(r.postData()).events.length);
      };
      page.on('request', watch);
      // 150 key presses in one go (one task): the first leaves at once, the
      // others wait for it and leave together.
      await page.evaluate(() => {
        for (let i = 0; i < 150; i++) {
          for (const type of ['keydown', 'keyup']) {
            document.dispatchEvent(new KeyboardEvent(type, { key: 'ArrowDown', code: 'ArrowDown', bubbles: true }));
          }
        }
      });
      await page.locator('.cf-stage [data-id="label"]').getByText('Score: 175').waitFor();
      page.off('request', watch);
      assert.equal(batches.reduce((a, b) => a + b, 0), 150, `every event sent once (${batches.join(', ')})`);
      assert.ok(batches.every((n) => n >= 1 && n <= 64), `at most 64 a request (${batches.join(', ')})`);
      assert.ok(batches.length <= 10, `coalesced into a few requests (${batches.join(', ')})`);
    });

    await step('Stop ends the play with a summary (stopped, score, own log as text)', async () => {
      const { page } = state.a;
      const summary = await stopAndSummary(page);
      assert.equal(await summary.locator('.play-end-score').innerText(), '175');
      await summary.locator('.play-end-duration').waitFor();
      const logBox = summary.locator('pre.log');
      await logBox.filter({ hasText: 'coin taken by Grace' }).waitFor();
      assert.match(await logBox.innerText(), /<img src=x onerror=/);
      assert.equal(await page.evaluate(() => window.__xss), undefined, 'markup in the log never runs');
      assert.equal(await summary.locator('img').count(), 0);
      assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.textContent), 'Game over', 'focus on the summary');
      await summary.getByRole('button', { name: 'Play again' }).waitFor();
      await summary.getByRole('link', { name: 'Back to the game' }).click();
      await page.waitForURL(`**${state.gameURL}`);
      // Leaving the play page closed its stream and removed the display.
      assert.equal(await page.locator('.cf-arcade').count(), 0);
      // The play is on the game's scoreboard once cf-result-processor has
      // stored its end, which may come a moment after the stream's end: the
      // page shows what is stored when it loads, so look again a few times.
      const row = page.locator('table.arcade-scores tbody tr').filter({ hasText: A.name });
      for (let i = 0; i < 20 && !(await row.locator('td.score').getByText('175', { exact: true }).count()); i++) {
        await page.waitForTimeout(500);
        await page.reload();
        await page.getByRole('heading', { name: 'Scoreboard' }).waitFor();
      }
      const stored = await page.evaluate(async (id) => (await (await fetch(`/api/plays/${id}`)).json()).play, state.playURL.split('/').pop());
      assert.equal(await row.locator('td.score').getByText('175', { exact: true }).count(), 1,
        `the play is on the scoreboard (stored: ${stored.status}, "${stored.detail}", score ${stored.score})`);
    });

    await step('play at 375 px with the on-screen pad', async () => {
      const { page } = state.a;
      await page.setViewportSize({ width: 375, height: 812 });
      await noHorizontalScroll(page, 'the game page at 375 px');
      await page.screenshot({ path: join(artifacts, 'game-375.png'), fullPage: true });
      await page.locator('.arcade-game .page-head').getByRole('button', { name: `Play ${TITLE}` }).click();
      const hero = await waitForGame(page);
      const before = await box(hero);
      const pad = page.getByRole('group', { name: 'Game controls' });
      await pad.getByRole('button', { name: 'Right' }).click();
      await pad.getByRole('button', { name: 'Right' }).click();
      await waitScoreAtLeast(page, 2);
      await page.waitForFunction((x) => document.querySelector('.cf-stage [data-id="hero"]').getBoundingClientRect().x > x + 1, before.x);
      await noHorizontalScroll(page, 'the play page at 375 px');
      await page.waitForFunction(() => !document.querySelector('.toast'), null, { timeout: 8000 });
      await page.screenshot({ path: join(artifacts, 'play-375.png'), fullPage: true });
      await stopAndSummary(page);
      await noHorizontalScroll(page, 'the summary at 375 px');
      await page.goto('/arcade');
      await page.locator(`.arcade-card[data-game="${state.gameId}"]`).waitFor();
      await noHorizontalScroll(page, '/arcade at 375 px');
      await page.screenshot({ path: join(artifacts, 'arcade-375.png'), fullPage: true });
      await page.goto('/arcade/new');
      await page.getByRole('heading', { name: 'Upload a game' }).waitFor();
      await noHorizontalScroll(page, '/arcade/new at 375 px');
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    await step('an anonymous visitor plays; a second play of theirs stops the first', async () => {
      const { page } = state.v = await newVisitor();
      await page.goto('/arcade');
      await page.getByRole('link', { name: 'Log in' }).first().waitFor();
      assert.equal(await page.getByRole('link', { name: 'Upload a game' }).count(), 0, 'visitors cannot upload');
      await page.locator(`.arcade-card[data-game="${state.gameId}"]`).getByRole('button', { name: `Play ${TITLE}` }).click();
      await waitForGame(page);
      const first = new URL(page.url()).pathname.split('/').pop();
      await page.keyboard.press('ArrowDown');
      await page.locator('.cf-stage [data-id="label"]').getByText('Score: 1').waitFor();
      // Leaving through a link (no reload) closes the stream and the display.
      await page.getByRole('link', { name: 'About this game' }).click();
      await page.waitForURL(`**${state.gameURL}`);
      await page.getByRole('heading', { name: TITLE, level: 1 }).waitFor();
      assert.equal(await page.locator('.cf-arcade').count(), 0, 'the display is gone');
      assert.deepEqual(await openPlayStreams(page), [], 'no play stream left open');
      // The same visitor starts again from the game's page.
      await page.locator('.arcade-game .page-head').getByRole('button', { name: `Play ${TITLE}` }).click();
      await waitForGame(page);
      const second = new URL(page.url()).pathname.split('/').pop();
      assert.notEqual(second, first);
      state.visitorPlayURL = `/play/${second}`;
      const firstStatus = await page.evaluate(async (id) => {
        for (let i = 0; i < 100; i++) {
          const r = await (await fetch(`/api/plays/${id}`)).json();
          if (r.play.status !== 'running' && r.play.status !== 'queued') return r.play.status;
          await new Promise((ok) => setTimeout(ok, 200));
        }
        return 'still running';
      }, first);
      assert.equal(firstStatus, 'stopped', 'the first play was stopped by the second');
      await page.goto(`/play/${first}`);
      await page.locator('.play-summary .play-end-status').filter({ hasText: 'Stopped' }).waitFor();
    });

    await step('with both arcade places taken, a third play waits in the queue, then runs', async () => {
      // The visitor's play runs (one place of two); a second visitor takes the other.
      const w1 = state.w1 = await newVisitor();
      await w1.page.goto(state.gameURL);
      await w1.page.locator('.arcade-game .page-head').getByRole('button', { name: `Play ${TITLE}` }).click();
      await waitForGame(w1.page);
      const w2 = state.w2 = await newVisitor();
      await w2.page.goto(state.gameURL);
      await w2.page.locator('.arcade-game .page-head').getByRole('button', { name: `Play ${TITLE}` }).click();
      await w2.page.waitForURL(/\/play\/[0-9a-f-]{36}$/);
      await w2.page.locator('.play-state').filter({ hasText: 'Waiting — position 1 in the queue' }).waitFor();
      assert.equal(await w2.page.locator('.play-screen').isVisible(), false, 'no empty playground while waiting');
      await w2.page.getByRole('button', { name: 'Stop', exact: true }).waitFor();
      // A place frees: the waiting play starts by itself, on the same page.
      await stopAndSummary(w1.page);
      await waitForGame(w2.page);
      await stopAndSummary(w2.page);
      await w1.ctx.close();
      await w2.ctx.close();
    });

    await step('someone else\'s play is watched, not played', async () => {
      const { page } = state.a;
      await page.goto(state.visitorPlayURL);
      await page.locator('.cf-stage [data-id="hero"]').waitFor({ timeout: START_TIMEOUT });
      await page.getByText('You are watching this play.').waitFor();
      await page.locator('.cf-arcade.cf-arcade-watch').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Stop', exact: true }).count(), 0, 'no Stop for a watcher');
      assert.equal(await page.getByRole('group', { name: 'Game controls' }).count(), 0, 'no pad for a watcher');
      assert.equal(await page.locator('.cf-stage [data-id="coin"]').getAttribute('role'), null, 'sprites are not buttons for a watcher');
      // The visitor (back on their play's page) plays on; the watcher sees it live.
      await state.v.page.goto(state.visitorPlayURL);
      await state.v.page.locator('.cf-stage [data-id="hero"]').waitFor();
      await state.v.page.getByRole('button', { name: 'Stop', exact: true }).waitFor();
      await state.v.page.keyboard.press('ArrowRight');
      await page.locator('.cf-stage [data-id="label"]').getByText('Score: 1').waitFor();
      await stopAndSummary(state.v.page);
      await page.locator('.play-summary .play-end-status').filter({ hasText: 'Stopped' }).waitFor({ timeout: 30000 });
      assert.equal(await page.locator('.play-summary pre.log').count(), 0, 'no log for a watcher');
    });

    await step('the owner edits the game, uploads a new version, and deletes it', async () => {
      const { page } = state.a;
      await page.goto(state.gameURL);
      const edit = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'Edit' }) });
      await edit.getByLabel('Title').fill(`${TITLE} II`);
      await edit.getByLabel('Tilt').check();
      await edit.getByRole('button', { name: 'Save changes' }).click();
      await edit.getByText('Saved.').waitFor();
      await page.getByRole('heading', { name: `${TITLE} II`, level: 1 }).waitFor();
      await page.locator('.arcade-game .badges').getByText('Tilt').waitFor();
      const upload = page.locator('.card').filter({ has: page.getByRole('heading', { name: 'Upload a new version' }) });
      await upload.getByLabel('Game file (.py or .zip)').setInputFiles({ name: 'robot_coins.zip', mimeType: 'application/zip', buffer: zip });
      await upload.getByRole('button', { name: 'Upload new version' }).click();
      await page.locator('.arcade-versions li').filter({ hasText: 'Version 2' }).getByText('current').waitFor();
      await page.locator('.arcade-versions').getByText('Version 1').waitFor();
      await page.reload();
      await page.getByRole('heading', { name: `${TITLE} II`, level: 1 }).waitFor();
      // A visitor cannot change it.
      await state.v.page.goto(state.gameURL);
      await state.v.page.getByRole('heading', { name: `${TITLE} II`, level: 1 }).waitFor();
      assert.equal(await state.v.page.getByRole('heading', { name: 'Edit' }).count(), 0);
      assert.equal(await state.v.page.getByRole('button', { name: 'Delete game' }).count(), 0);
      // Delete asks first (a modal dialog saying what goes with it); "Cancel" keeps it.
      await page.getByRole('button', { name: 'Delete game' }).click();
      const confirm = page.getByRole('alertdialog');
      await confirm.getByText('rating', { exact: false }).first().waitFor();
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await confirm.waitFor({ state: 'detached' });
      await page.getByRole('heading', { name: `${TITLE} II`, level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Delete game' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Delete game' }).click();
      await page.waitForURL(/\/arcade\/mine$/);
      await page.getByText('You have not uploaded a game yet.').waitFor();
      await page.goto(state.gameURL);
      await page.getByRole('heading', { name: 'Not found', level: 1 }).waitFor();
    });

    await step('accessibility basics on the arcade pages (labels, names, alt, one h1)', async () => {
      const { page } = state.a;
      // A game to look at again (the first one is gone).
      await page.goto('/arcade/new');
      await page.getByLabel('Title').fill(`A11y ${suffix}`);
      await page.getByLabel('Game file (.py or .zip)').setInputFiles({ name: 'robot_coins.zip', mimeType: 'application/zip', buffer: zip });
      await page.getByRole('button', { name: 'Upload game' }).click();
      await page.waitForURL(/\/arcade\/\d+$/);
      const gameURL = new URL(page.url()).pathname;
      await page.locator('.arcade-game .page-head').getByRole('button', { name: /^Play / }).click();
      await waitForGame(page);
      const playURL = new URL(page.url()).pathname;
      const problems = [];
      for (const path of ['/arcade', '/arcade/mine', '/arcade/new', gameURL, playURL]) {
        await page.goto(path);
        await page.locator('main h1').first().waitFor();
        await page.waitForTimeout(300);
        const found = await page.evaluate(() => {
          const out = [];
          const name = (el) => (el.getAttribute('aria-label') || el.textContent || el.getAttribute('title') || '').trim();
          for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
            const labelled = (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) || el.closest('label') ||
              el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
            if (!labelled) out.push(`unlabelled ${el.tagName.toLowerCase()}[name=${el.name}]`);
          }
          for (const el of document.querySelectorAll('button, a[href], [role="button"]')) {
            if (!name(el) && !el.querySelector('img[alt]:not([alt=""])')) out.push(`nameless ${el.tagName.toLowerCase()} ${el.outerHTML.slice(0, 60)}`);
          }
          for (const el of document.querySelectorAll('img')) if (!el.hasAttribute('alt')) out.push(`img without alt ${el.src.slice(0, 40)}`);
          const h1 = document.querySelectorAll('h1').length;
          if (h1 !== 1) out.push(`${h1} h1 elements`);
          if (!document.title) out.push('empty title');
          return out;
        });
        for (const f of found) problems.push(`${path}: ${f}`);
      }
      assert.deepEqual(problems, []);
      await page.goto(playURL);
      await stopAndSummary(page);
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
