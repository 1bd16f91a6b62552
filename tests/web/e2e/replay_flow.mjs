// replay_flow.mjs — issue 17's replays and bot page, in the browser at 1280
// and 375 px (`--flow replay`, web.e2e_replay): the replay viewers readable
// (a legend naming the players, health bars, the state in words, a board
// wider than 320 px) and driven from the keyboard; the bot page (no
// sideways scrolling, the play-now box following a rename and a new
// version, notifications that cover no control and can be dismissed, a
// memory verdict in the docs' units); fights injected with redis-cli shown
// as system fights and a failed one's reason kept from the public; the
// fight's Download JSON; the local replay page (/replay) opening what the
// real cf-fight --replay and --json wrote, and a downloaded fight.
import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { launch, stepper, collectScriptErrors } from './browser.mjs';
import { psql } from './stack.mjs';

const STEP_TIMEOUT = 20000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function runReplayFlow({ baseURL, artifacts, sourceDir, stack, fightBin, log = console.log }) {
  mkdirSync(artifacts, { recursive: true });
  assert.ok(stack, 'the replay flow needs its own stack (not --url): it injects fights with redis-cli');
  assert.ok(fightBin, '--fight (cf-fight) is required');
  const suffix = Date.now().toString(36).slice(-5);
  const A = { name: `rita_${suffix}`, password: 'correct horse 1' };
  const tanks = join(sourceDir, 'games', 'tanks', 'templates');
  const fireCode = readFileSync(join(tanks, 'random_move_direct_fire.py'), 'utf8');
  const emptyCode = readFileSync(join(tanks, 'empty.py'), 'utf8');
  const hogCode = readFileSync(join(sourceDir, 'tests', 'sandbox', 'bots', 'v_memory.py'), 'utf8');
  const work = join(tmpdir(), `cf-replay-flow-${process.pid}`);
  mkdirSync(work, { recursive: true });

  const browser = await launch();
  const results = [];
  const errors = [];
  const state = {};
  const step = stepper(results, log, async (name) => {
    if (state.page) await state.page.screenshot({ path: join(artifacts, `failure-${name.replace(/\W+/g, '_')}.png`), fullPage: true }).catch(() => {});
  });

  const until = async (what, fn, ms = 60000) => {
    for (let t = 0; t < ms; t += 250) { if (await fn()) return; await sleep(250); }
    throw new Error(`timed out waiting for ${what}`);
  };
  // Nothing wider than the window.
  const noSideways = async (page, what) => {
    const { sw, w } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, w: window.innerWidth }));
    assert.ok(sw <= w, `${what}: no sideways scrolling (scrollWidth ${sw}, window ${w})`);
  };
  const shot = (page, name) => page.screenshot({ path: join(artifacts, name), fullPage: true });
  const frameNo = (page) => page.$eval('.viewer', (e) => Number(e.dataset.frame));

  // The viewer on a page: a legend naming each player, health bars (Tanks),
  // no JSON in the state, a board wider than the old 320 px where there is
  // room, and the keys: Home, →, →, ←, End, Space.
  async function checkViewer(page, { names, width, game = 'tanks', focusShot = '' }) {
    const viewer = page.locator('.viewer .cf-viewer');
    await viewer.waitFor();
    const legend = await page.$$eval('.viewer [data-role=legend] [data-player]', (li) => li.map((x) => x.innerText));
    assert.equal(legend.length, names.length, `a legend entry per player (${legend.join(' | ')})`);
    names.forEach((n, i) => assert.ok(legend[i].includes(n), `legend ${i + 1} names ${n} (${legend[i]})`));
    for (const li of await page.locator('.viewer [data-role=legend] [data-player]').all()) assert.ok(await li.isVisible(), 'the legend is visible');
    if (game === 'tanks') {
      const meters = page.locator('.viewer [data-role=health]');
      assert.equal(await meters.count(), 2, 'a health bar per tank');
      assert.ok(await meters.first().isVisible(), 'health bars visible');
      const text = await page.locator('.viewer [data-role=state]').innerText();
      assert.doesNotMatch(text, /\[\[|\]\]|null/, `the state in words, not JSON (${text})`);
    }
    const board = await page.locator('.viewer canvas').boundingBox();
    if (width >= 1280) assert.ok(board.width >= 480, `the board is large at ${width} px (${board.width} px)`);
    else assert.ok(board.width >= width - 80, `the board fills the phone's width (${board.width} px)`);
    assert.match(await page.locator('.viewer [data-role=keys]').innerText(), /Space.*Home/);
    // The keys, once the viewer has the focus (Tab from the page's last control before it would do too).
    await page.evaluate(() => { const v = document.querySelector('.viewer [data-action=play]'); if (v && document.querySelector('.viewer').dataset.playing === 'true') v.click(); });
    // Reach it as a keyboard user would: Tab into it from the control before it.
    await viewer.focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    assert.ok(await viewer.evaluate((e) => document.activeElement === e), 'Tab reaches the viewer');
    const outline = await viewer.evaluate((e) => getComputedStyle(e).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused viewer shows its focus');
    if (focusShot) await page.locator('.viewer').screenshot({ path: join(artifacts, focusShot) });
    const n = await page.evaluate(() => Number(document.querySelector('.viewer input[data-role=scrub]').max));
    assert.ok(n >= 2, `a replay of several frames (${n + 1})`);
    await page.keyboard.press('Home');
    assert.equal(await frameNo(page), 0, 'Home: the first frame');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await frameNo(page), 2, '→ twice: frame 2');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await frameNo(page), 1, '←: frame 1');
    await page.keyboard.press('End');
    assert.equal(await frameNo(page), n, 'End: the last frame');
    await page.keyboard.press('Home');
    await page.keyboard.press('Space');
    assert.equal(await page.$eval('.viewer', (e) => e.dataset.playing), 'true', 'Space plays');
    await page.keyboard.press('Space');
    assert.equal(await page.$eval('.viewer', (e) => e.dataset.playing), 'false', 'Space pauses');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await noSideways(page, `the viewer at ${width} px`);
  }

  async function user(width = 1280) {
    const ctx = await browser.newContext({ baseURL, viewport: { width, height: 900 }, acceptDownloads: true });
    ctx.setDefaultTimeout(STEP_TIMEOUT);
    const page = await ctx.newPage();
    collectScriptErrors(page, errors, `${width}: `);
    return { ctx, page };
  }

  try {
    await step('sign up and upload a Tanks bot', async () => {
      const { page, ctx } = state.a = await user(1280);
      state.page = page;
      await page.goto('/signup');
      await page.getByLabel('Username').fill(A.name);
      await page.getByLabel('Password', { exact: true }).fill(A.password);
      await page.getByLabel('Repeat password').fill(A.password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL('**/bots/new');
      await page.getByRole('heading', { name: 'Upload a bot', level: 1 }).waitFor();
      await page.getByLabel('Name').fill('Rita fire');
      await page.getByLabel('Or paste the code').fill(fireCode);
      await page.getByRole('button', { name: 'Upload bot' }).click();
      await page.waitForURL(/\/bots\/\d+$/);
      await page.getByRole('heading', { name: 'Rita fire', level: 1 }).waitFor();
      state.botUrl = new URL(page.url()).pathname;
      state.cookies = await ctx.cookies();
    });

    await step('bot page at 375 px: no sideways scrolling', async () => {
      const { page, ctx } = state.phone = await user(375);
      await ctx.addCookies(state.cookies);
      state.page = page;
      await page.goto(state.botUrl);
      await page.getByRole('heading', { name: 'Rita fire', level: 1 }).waitFor();
      await page.locator('#playnow-bot').waitFor();
      await noSideways(page, 'the bot page at 375 px');
      await shot(page, 'bot-375.png');
    });

    await step('the play-now box follows a rename and a new version, without a reload', async () => {
      const { page } = state.a;
      state.page = page;
      const option = () => page.locator('#playnow-bot option').first().innerText();
      assert.equal(await option(), 'Rita fire (v1)');
      await page.locator('#playnow-opponent').selectOption('empty.py');
      await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Rita blaster');
      await page.getByRole('button', { name: 'Rename' }).click();
      await page.getByText('Renamed.').waitFor();
      assert.equal(await option(), 'Rita blaster (v1)', 'the new name in the play-now box');
      await page.getByLabel('Or paste the code').fill(`${fireCode}\n# v2\n`);
      await page.getByRole('button', { name: 'Upload new version' }).click();
      await page.getByText('Version 2', { exact: true }).waitFor();
      assert.equal(await option(), 'Rita blaster (v2)', 'the new version in the play-now box');
      assert.equal(await page.locator('#playnow-opponent').inputValue(), 'empty.py', 'the house bot chosen stays chosen');
      await page.locator('#playnow-opponent').selectOption('random_move_direct_fire.py');
    });

    await step('a notification covers no control and can be dismissed (1280 and 375 px)', async () => {
      for (const u of [state.a, state.phone]) {
        const { page } = u;
        state.page = page;
        if (u === state.phone) {
          await page.reload();
          await page.getByLabel('Or paste the code').fill(`${fireCode}\n# v3\n`);
          await page.getByRole('button', { name: 'Upload new version' }).click();
        } else {
          await page.getByLabel('Or paste the code').fill(`${fireCode}\n# v3 ${Date.now()}\n`);
          await page.getByRole('button', { name: 'Upload new version' }).click();
        }
        const t = page.locator('.toast').last();
        await t.waitFor();
        // Every control on the screen stays reachable: the point at its
        // middle is the control itself, never the notification.
        const covered = await page.evaluate(() => {
          const toasts = [...document.querySelectorAll('.toast')];
          const out = [];
          for (const c of document.querySelectorAll('main a, main button, main input, main select, main textarea, header a, header button')) {
            const r = c.getBoundingClientRect();
            if (!r.width || !r.height || r.bottom < 0 || r.top > innerHeight || r.right < 0 || r.left > innerWidth) continue;
            for (const tt of toasts) {
              const q = tt.getBoundingClientRect();
              if (r.left < q.right && q.left < r.right && r.top < q.bottom && q.top < r.bottom) out.push(c.textContent.trim().slice(0, 30) || c.getAttribute('name') || c.tagName);
            }
            const e = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            if (e && e.closest('.toast')) out.push(c.textContent.trim().slice(0, 30) || c.tagName);
          }
          return out;
        });
        assert.deepEqual(covered, [], `controls under a notification: ${covered.join(', ')}`);
        await noSideways(page, 'the page with a notification');
        await shot(page, `toast-${u === state.a ? 1280 : 375}.png`);
        const mine = await t.elementHandle();
        await t.getByRole('button', { name: 'Dismiss notification' }).click();
        await page.waitForFunction((e) => !e.isConnected, mine, { timeout: 2000 });
      }
    });

    await step('play now: a fight against the house bot, its replay readable and driven by keys (1280 px)', async () => {
      const { page } = state.a;
      state.page = page;
      await page.goto(state.botUrl);
      await page.getByRole('button', { name: /Play now/ }).click();
      await page.waitForURL(/\/fights\/[0-9a-f-]{36}$/);
      // Nothing to download before the fight ends.
      await page.locator('.status-line .chip').waitFor();
      const early = await page.evaluate(() => ({ state: document.querySelector('.status-line .chip').textContent, shown: !!document.querySelector('#download-json').offsetParent }));
      if (!/Finished/.test(early.state)) assert.equal(early.shown, false, `no Download JSON while ${early.state}`);
      log(`  before the end (${early.state}): Download JSON ${early.shown ? 'shown' : 'hidden'}`);
      state.fightUrl = new URL(page.url()).pathname;
      state.fightId = state.fightUrl.split('/').pop();
      await page.locator('.status-line').filter({ hasText: /Finished/ }).waitFor({ timeout: 120000 });
      await checkViewer(page, { names: [`${A.name} · Rita blaster`, 'House bot'], width: 1280, focusShot: 'viewer-focused-1280.png' });
      await shot(page, 'fight-viewer-1280.png');
    });

    await step('the same replay at 375 px', async () => {
      const { page } = state.phone;
      state.page = page;
      await page.goto(state.fightUrl);
      await checkViewer(page, { names: [`${A.name} · Rita blaster`, 'House bot'], width: 375, focusShot: 'viewer-focused-375.png' });
      await shot(page, 'fight-viewer-375.png');
    });

    await step('Download JSON: the fight and its replay', async () => {
      const { page } = state.a;
      state.page = page;
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSON' }).click()]);
      assert.equal(dl.suggestedFilename(), `fight-${state.fightId}.json`);
      state.downloaded = join(work, dl.suggestedFilename());
      await dl.saveAs(state.downloaded);
      const j = JSON.parse(readFileSync(state.downloaded, 'utf8'));
      assert.equal(j.format, 'codefights-fight');
      assert.equal(j.fight.id, state.fightId);
      assert.equal(j.fight.state, 'finished');
      assert.equal(j.replay.fight_id, state.fightId);
      assert.ok(Array.isArray(j.replay.data) && j.replay.data.length > 1, 'the replay data');
    });

    await step('a memory verdict in the units of the docs (bytes), not "68360 KB"', async () => {
      const { page } = state.a;
      state.page = page;
      await page.goto('/bots/new?game=tanks');
      await page.getByLabel('Name').fill('Rita hog');
      await page.getByLabel('Or paste the code').fill(hogCode);
      await page.getByRole('button', { name: 'Upload bot' }).click();
      await page.waitForURL(/\/bots\/\d+$/);
      await page.getByRole('heading', { name: 'Rita hog', level: 1 }).waitFor();
      await page.getByRole('button', { name: /Play now/ }).click();
      await page.waitForURL(/\/fights\/[0-9a-f-]{36}$/);
      await page.locator('.status-line').filter({ hasText: /Finished|failed/i }).waitFor({ timeout: 120000 });
      const row = page.locator('table.players tbody tr').first();
      const verdict = await row.innerText();
      assert.match(verdict, /memory limit/i, verdict);
      assert.match(verdict, /70,000,640 bytes/, `the limit in bytes, as games/tanks/docs.md gives it (${verdict})`);
      assert.doesNotMatch(verdict, /\bKB\b/, verdict);
      await shot(page, 'memory-verdict-1280.png');
    });

    await step('fights injected with redis-cli: labelled system fights, a failed one\'s reason kept from the public', async () => {
      const ok = randomUUID();
      const bad = randomUUID();
      const players = JSON.stringify([{ name: 'fire.py', code: fireCode }, { name: 'idle.py', code: emptyCode }]);
      execFileSync('redis-cli', ['-u', stack.redisUrl, 'XADD', 'cf:fights', '*', 'id', ok, 'game', 'tanks', 'players', players, 'seed', '7']);
      execFileSync('redis-cli', ['-u', stack.redisUrl, 'XADD', 'cf:fights', '*', 'id', bad, 'game', 'tanks', 'players',
        JSON.stringify([{ name: 'a\u0000.py', code: emptyCode }, { name: 'b.py', code: emptyCode }])]);
      await until('both injected fights stored', () =>
        psql(stack.databaseUrl, `SELECT count(*) FROM fights WHERE id IN ('${ok}', '${bad}') AND status IN ('finished', 'failed')`) === '2', 120000);
      state.systemOk = ok;
      const anon = await user(1280);
      state.anon = anon;
      const { page } = anon;
      state.page = page;
      await page.goto('/fights');
      for (const id of [ok, bad]) {
        const row = page.locator(`tr[data-fight="${id}"]`);
        await row.waitFor();
        const text = await row.innerText();
        assert.doesNotMatch(text, /null/, `no "null" in the list (${text})`);
        assert.match(text, /System fight/, text);
      }
      assert.match(await page.locator(`tr[data-fight="${ok}"]`).innerText(), /fire\.py/, 'the entry\'s player names');
      await noSideways(page, 'the fights list');
      await shot(page, 'system-fights-1280.png');
      await page.goto(`/fights/${bad}`);
      await page.locator('.status-line').filter({ hasText: /Failed/i }).waitFor();
      const body = await page.locator('main').innerText();
      assert.doesNotMatch(body, /null/, 'no "Hosted by null"');
      assert.match(body, /System fight/);
      assert.doesNotMatch(body, /Bad entry|players'|\\u0000/, `no internal reason in public (${body.slice(0, 400)})`);
      assert.match(body, /its host and the operators see why/);
      await shot(page, 'system-fight-failed-1280.png');
      await page.goto(`/fights/${ok}`);
      await page.locator('.status-line').filter({ hasText: /Finished/ }).waitFor();
      assert.doesNotMatch(await page.locator('main').innerText(), /null/);
      await checkViewer(page, { names: ['fire.py', 'idle.py'], width: 1280 });
    });

    await step('/replay opens the real cf-fight --replay file, its --json report and a downloaded fight (1280 px)', async () => {
      // The real cf-fight, with its sandbox (this test runs as root).
      const replayFile = join(work, 'tanks-replay.json');
      const report = execFileSync(fightBin, ['--game', 'tanks', '--seed', '7', '--json', '--replay', replayFile,
        join(tanks, 'random_move_direct_fire.py'), join(tanks, 'empty.py')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const reportFile = join(work, 'tanks-report.json');
      writeFileSync(reportFile, report);
      const lcDir = join(sourceDir, 'games', 'light_cycles', 'templates');
      const lcFile = join(work, 'lc-replay.json');
      execFileSync(fightBin, ['--game', 'light_cycles', '--seed', '3', '--replay', lcFile,
        join(lcDir, 'greedy.py'), join(lcDir, 'greedy.py'), join(lcDir, 'empty.py')], { stdio: ['ignore', 'pipe', 'pipe'] });
      state.replayFile = replayFile;
      const { page } = state.anon;
      state.page = page;
      const sent = [];
      page.on('request', (r) => { if (r.method() !== 'GET') sent.push(`${r.method()} ${r.url()}`); });
      await page.goto('/');
      await page.getByRole('link', { name: 'Open a replay file' }).click();
      await page.getByRole('heading', { name: 'Open a replay file', level: 1 }).waitFor();
      // The bare replay: the game from its shape, the players by number.
      await page.getByLabel('Replay file (.json)').setInputFiles(replayFile);
      await page.getByText(/tanks-replay\.json: a cf-fight replay/).waitFor();
      await checkViewer(page, { names: ['Player 1', 'Player 2'], width: 1280 });
      const frames = await page.evaluate(() => Number(document.querySelector('.viewer input[data-role=scrub]').max) + 1);
      assert.equal(frames, JSON.parse(readFileSync(replayFile, 'utf8')).length, 'every frame of the file');
      await shot(page, 'replay-file-1280.png');
      // The report: the players' names.
      await page.getByLabel('Replay file (.json)').setInputFiles(reportFile);
      await page.getByText(/tanks-report\.json: a cf-fight report/).waitFor();
      await checkViewer(page, { names: ['random_move_direct_fire.py', 'empty.py'], width: 1280 });
      // Light cycles, from its shape.
      await page.getByLabel('Replay file (.json)').setInputFiles(lcFile);
      await page.getByText(/lc-replay\.json: a cf-fight replay \(--replay\), Light/i).waitFor();
      await checkViewer(page, { names: ['Player 1', 'Player 2', 'Player 3'], width: 1280, game: 'light_cycles' });
      // A fight downloaded from its page.
      await page.getByLabel('Replay file (.json)').setInputFiles(state.downloaded);
      await page.getByText(/a fight downloaded from this site/).waitFor();
      await checkViewer(page, { names: [`${A.name} · Rita blaster`, 'House bot'], width: 1280 });
      // Not JSON: said so.
      await page.getByLabel('Replay file (.json)').setInputFiles({ name: 'x.json', mimeType: 'application/json', buffer: Buffer.from('nope') });
      await page.locator('.form-error').filter({ hasText: /not JSON/ }).waitFor();
      assert.deepEqual(sent, [], 'nothing is sent: the file stays in the browser');
    });

    await step('/replay at 375 px', async () => {
      const { page } = state.phone;
      state.page = page;
      await page.goto('/replay');
      await page.getByLabel('Replay file (.json)').setInputFiles(state.replayFile);
      await checkViewer(page, { names: ['Player 1', 'Player 2'], width: 375 });
      await shot(page, 'replay-file-375.png');
    });

    await step('no script errors', async () => {
      assert.deepEqual(errors, []);
    });
  } finally {
    await browser.close();
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}
