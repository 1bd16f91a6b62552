// output_flow.mjs — what a bot prints, beside the replay at the tick it
// printed it (issue 17; web.e2e_output), on the real simulator and result
// processor: the bot page's test run at 1280 px (against a house bot) and at
// 375 px (against itself: two lists), the replay stepped to tick 3 with the
// keys shows "tick 3" marked in the Output panel, tick 4 nothing, a late
// tick scrolled into view inside the list; the fight page the same for its
// owner; another user sees the replay of a public fight of that bot and no
// Output panel (the API answers them 403). No sideways scrolling at either
// width.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { launch, stepper, collectScriptErrors } from './browser.mjs';

const STEP_TIMEOUT = 15000;
// Prints at known ticks: "tick 3", a long line without spaces at tick 5,
// and every fourth tick from 20 on (a list longer than its box).
const BOT = [
  'class Main:',
  '    def decide_tick(self, tick, me, enemy):',
  '        if tick == 3:',
  '            print("tick 3")',
  '        elif tick == 5:',
  '            print("z" * 400)',
  '        elif tick >= 20 and tick % 4 == 0:',
  '            print("tick %d" % tick)',
  '        return "N"',
  '',
].join('\n');

export async function runOutputFlow({ baseURL, artifacts, log = console.log }) {
  mkdirSync(artifacts, { recursive: true });
  const suffix = Date.now().toString(36).slice(-5);
  const owner = { name: `out_${suffix}`, password: 'output horse 7' };
  const other = { name: `oth_${suffix}`, password: 'output horse 8' };
  const browser = await launch();
  const results = [];
  const errors = [];
  const state = {};

  async function newPage(width, storage) {
    const ctx = await browser.newContext({ baseURL, viewport: { width, height: width === 375 ? 812 : 900 }, storageState: storage });
    ctx.setDefaultTimeout(STEP_TIMEOUT);
    const page = await ctx.newPage();
    collectScriptErrors(page, errors, `${width}px `);
    return { ctx, page };
  }

  const step = stepper(results, log, async (name) => {
    for (const [k, u] of Object.entries({ wide: state.wide, narrow: state.narrow, stranger: state.stranger })) {
      if (u) await u.page.screenshot({ path: join(artifacts, `failure-${name.replace(/\W+/g, '_')}-${k}.png`), fullPage: true }).catch(() => {});
    }
  });

  const noSideways = async (page, what) => {
    const sw = await page.evaluate(() => document.documentElement.scrollWidth);
    const w = await page.evaluate(() => window.innerWidth);
    assert.ok(sw <= w, `${what}: no horizontal scrolling (scrollWidth ${sw}, window ${w})`);
  };

  async function signUp(u) {
    const { ctx, page } = await newPage(1280);
    await page.goto('/signup');
    await page.getByLabel('Username').fill(u.name);
    await page.getByLabel('Password', { exact: true }).fill(u.password);
    await page.getByLabel('Repeat password').fill(u.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Upload a bot', level: 1 }).waitFor();
    return { ctx, page };
  }

  // Steps the replay in `scope` to the frame after tick t with the keys
  // (Home: the set-up, paused; then one → per tick).
  async function stepTo(page, scope, t) {
    const viewer = scope.locator('.viewer .cf-viewer');
    await viewer.focus();
    await page.keyboard.press('Home');
    await scope.locator('.output-now').filter({ hasText: /^Set-up/ }).waitFor();
    for (let i = 0; i <= t; i++) await page.keyboard.press('ArrowRight');
    assert.equal(await scope.locator('.viewer').getAttribute('data-tick'), String(t), `the replay shows tick ${t}`);
  }

  // The Output panel in scope, stepped through ticks 3, 4 and 40.
  async function checkPanel(page, scope, lists) {
    const panel = scope.locator('.output-panel');
    await panel.getByRole('heading', { name: 'Output' }).waitFor();
    await panel.locator('.output-list').first().waitFor();
    assert.equal(await panel.locator('.output-list').count(), lists, `${lists} list(s): one per bot of mine`);
    await stepTo(page, scope, 3);
    await panel.locator('.output-now').filter({ hasText: 'Tick 3: printed' }).waitFor();
    const current = panel.locator('li.current');
    assert.equal(await current.count(), lists, 'tick 3 marked in each list');
    for (let i = 0; i < lists; i++) {
      assert.equal(await current.nth(i).getAttribute('data-tick'), '3');
      assert.equal(await current.nth(i).getAttribute('aria-current'), 'true');
      assert.equal(await current.nth(i).locator('pre').innerText(), 'tick 3');
    }
    await page.keyboard.press('ArrowRight');
    await panel.locator('.output-now').filter({ hasText: 'Tick 4: nothing printed' }).waitFor();
    assert.equal(await panel.locator('li.current').count(), 0, 'nothing marked at tick 4');
    // The long line of tick 5 wraps inside the panel.
    const long = panel.locator('li[data-tick="5"] pre').first();
    const box = await long.boundingBox();
    const pbox = await panel.boundingBox();
    assert.ok(box.x + box.width <= pbox.x + pbox.width + 1, 'the long line stays inside the panel');
    // A late tick: marked and scrolled into view inside its list.
    await stepTo(page, scope, 40);
    await panel.locator('.output-now').filter({ hasText: 'Tick 40: printed' }).waitFor();
    const li = panel.locator('li.current').first();
    assert.equal(await li.locator('pre').innerText(), 'tick 40');
    const seen = await li.evaluate((el) => {
      const list = el.closest('.output-list');
      const a = el.getBoundingClientRect();
      const b = list.getBoundingClientRect();
      return { inside: a.top >= b.top - 1 && a.bottom <= b.bottom + 1, scrolled: list.scrollTop > 0 };
    });
    assert.ok(seen.scrolled && seen.inside, `tick 40 scrolled into view in its list (${JSON.stringify(seen)})`);
  }

  async function testRun(page, opponent) {
    const card = page.locator('.code-card');
    await card.getByLabel('Opponent').selectOption(opponent);
    await card.getByRole('button', { name: 'Test run' }).click();
    const run = card.locator('.testrun');
    await run.locator('.status-line').filter({ hasText: /Finished|Failed/ }).waitFor({ timeout: 180000 });
    assert.match(await run.locator('.status-line').innerText(), /Finished/);
    await run.locator('.viewer canvas').first().waitFor({ timeout: 20000 });
    return run;
  }

  try {
    await step('sign up and upload a bot that prints at known ticks', async () => {
      const { ctx, page } = await signUp(owner);
      await page.getByLabel('Name').fill('Printer');
      await page.getByLabel('Game').selectOption('tanks');
      await page.getByLabel('Or paste the code').fill(BOT);
      await page.getByRole('button', { name: 'Upload bot' }).click();
      await page.waitForURL(/\/bots\/\d+$/);
      state.botId = Number(/\/bots\/(\d+)$/.exec(page.url())[1]);
      state.storage = await ctx.storageState();
      await ctx.close();
    });

    await step('1280: a test run against a house bot; the replay at tick 3 shows "tick 3" beside it', async () => {
      state.wide = await newPage(1280, state.storage);
      const { page } = state.wide;
      await page.goto(`/bots/${state.botId}`);
      await page.getByRole('textbox', { name: 'Code of Printer' }).waitFor();
      const run = await testRun(page, 'house:empty.py');
      await checkPanel(page, run, 1);
      // Beside the board at this width, not under it.
      const v = await run.locator('.viewer canvas').first().boundingBox();
      const p = await run.locator('.output-panel').boundingBox();
      assert.ok(p.x >= v.x + v.width - 1 && p.y < v.y + v.height, `the panel beside the board (board ${JSON.stringify(v)}, panel ${JSON.stringify(p)})`);
      await noSideways(page, 'bot page at 1280 px');
      await page.screenshot({ path: join(artifacts, 'output-testrun-1280.png'), fullPage: true });
      state.testFight = (await run.getByRole('link', { name: 'open the fight page' }).getAttribute('href')).split('/').pop();
    });

    await step('1280: the fight page shows the same to its owner', async () => {
      const { page } = state.wide;
      await page.goto(`/fights/${state.testFight}`);
      const card = page.locator('.replay-card');
      await card.locator('.viewer canvas').first().waitFor({ timeout: 20000 });
      await checkPanel(page, card, 1);
      const v = await card.locator('.viewer canvas').first().boundingBox();
      const p = await card.locator('.output-panel').boundingBox();
      assert.ok(v.width >= 480, `the board as large as without the panel (${v.width} px)`);
      assert.ok(p.x >= v.x + v.width - 1 && p.y < v.y + v.height, 'the panel beside the board');
      await noSideways(page, 'fight page at 1280 px');
      await page.screenshot({ path: join(artifacts, 'output-fight-1280.png'), fullPage: true });
    });

    await step('375: a test run against itself (two lists), stepped with the keys', async () => {
      state.narrow = await newPage(375, state.storage);
      const { page } = state.narrow;
      await page.goto(`/bots/${state.botId}`);
      await page.getByRole('textbox', { name: 'Code of Printer' }).waitFor();
      const run = await testRun(page, { label: 'Printer (this bot, latest version)' });
      await checkPanel(page, run, 2);
      await noSideways(page, 'bot page at 375 px');
      await page.screenshot({ path: join(artifacts, 'output-testrun-375.png'), fullPage: true });
    });

    await step('a public fight of the bot: its owner sees the output at 375 px, another user none', async () => {
      const { page } = state.narrow;
      // A public play-now fight, through the API as the front end sends it.
      state.publicFight = await page.evaluate(async (botId) => {
        const s = await (await fetch('/api/session')).json();
        const r = await fetch('/api/fights/play-now', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token },
          body: JSON.stringify({ bot_id: botId, template: 'empty.py', public: true }),
        });
        return (await r.json()).id;
      }, state.botId);
      assert.match(state.publicFight || '', /^[0-9a-f-]{36}$/);
      await page.goto(`/fights/${state.publicFight}`);
      const card = page.locator('.replay-card');
      await card.locator('.viewer canvas').first().waitFor({ timeout: 180000 });
      await checkPanel(page, card, 1);
      await noSideways(page, 'fight page at 375 px');
      await page.screenshot({ path: join(artifacts, 'output-fight-375.png'), fullPage: true });

      const { ctx } = await signUp(other);
      const storage = await ctx.storageState();
      await ctx.close();
      for (const width of [375, 1280]) {
        state.stranger = await newPage(width, storage);
        const sp = state.stranger.page;
        await sp.goto(`/fights/${state.publicFight}`);
        await sp.locator('.replay-card .viewer canvas').first().waitFor({ timeout: 20000 });
        await sp.locator('.replay-card .viewer .cf-viewer').focus();
        await sp.keyboard.press('Home');
        for (let i = 0; i < 4; i++) await sp.keyboard.press('ArrowRight');
        assert.equal(await sp.locator('.output-panel').count(), 0, `${width} px: no Output panel for another user`);
        assert.equal(await sp.getByText('tick 3', { exact: true }).count(), 0, `${width} px: nothing the bot printed`);
        const status = await sp.evaluate(async (id) => (await fetch(`/api/fights/${id}/output`)).status, state.publicFight);
        assert.equal(status, 403, 'the API refuses them too');
        await noSideways(sp, `fight page of another user at ${width} px`);
        if (width === 375) await sp.screenshot({ path: join(artifacts, 'output-stranger-375.png'), fullPage: true });
        await state.stranger.ctx.close();
        state.stranger = null;
      }
    });

    await step('no script errors', async () => {
      assert.deepEqual(errors, [], 'no script errors');
    });
  } finally {
    await browser.close().catch(() => {});
  }
  return results;
}
