// ladder_flow.mjs — the ladder's pages (issue 18, `--flow ladder`,
// web.e2e_ladder) at 1280 and 375 px: a game's leaderboard in order with
// its ranks and provisional mark, reached from the navigation and the
// game's page; a bot's row opening its rating history as a chart (a point
// per rating, the values in a table) and its recent ladder fights, marked
// "Ladder fight" and linking to their fight page; the owner's bot page
// with the rank, and its toggle (Leave the ladder, Enter the ladder: PATCH
// /api/bots/{id}); no sideways scrolling anywhere. The ladder's rows, ratings
// and fights are seeded by SQL as the result processor and the scheduler
// write them.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { launch, stepper, collectScriptErrors } from './browser.mjs';
import { psql } from './stack.mjs';

const STEP_TIMEOUT = 20000;

export async function runLadderFlow({ baseURL, artifacts, stack, log = console.log }) {
  mkdirSync(artifacts, { recursive: true });
  assert.ok(stack, 'the ladder flow needs its own stack (not --url): it seeds the ladder by SQL');
  const suffix = Date.now().toString(36).slice(-5);
  const owner = { name: `lad_${suffix}`, password: 'ladder horse 5' };
  const rival = { name: `riv_${suffix}`, password: 'ladder horse 6' };
  const browser = await launch();
  const results = [];
  const errors = [];
  const state = {};
  const step = stepper(results, log, async (name) => {
    if (state.page) await state.page.screenshot({ path: join(artifacts, `failure-${name.replace(/\W+/g, '_')}.png`), fullPage: true }).catch(() => {});
  });
  const db = (sql, ...vars) => psql(stack.databaseUrl, sql, ...vars);
  const noSideways = async (page, what) => {
    const { sw, w } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, w: window.innerWidth }));
    assert.ok(sw <= w, `${what}: no sideways scrolling (scrollWidth ${sw}, window ${w})`);
  };
  const shot = (page, name) => page.screenshot({ path: join(artifacts, name), fullPage: true });

  // A signed-up user; the browser context ctx is logged in as them when given.
  async function account(user, ctx) {
    const req = ctx.request;
    const s = await (await req.get('/api/session')).json();
    const r = await req.post('/api/signup', { data: { username: user.name, password: user.password }, headers: { 'X-CSRF-Token': s.csrf_token } });
    assert.equal(r.status(), 201, await r.text());
    user.id = (await r.json()).user.id;
  }

  async function newPage(width, loggedIn) {
    const ctx = await browser.newContext({ baseURL, viewport: { width, height: width === 375 ? 812 : 900 }, storageState: loggedIn ? state.storage : undefined });
    ctx.setDefaultTimeout(STEP_TIMEOUT);
    const page = await ctx.newPage();
    collectScriptErrors(page, errors, `${width}px `);
    state.page = page;
    return { ctx, page };
  }

  const bot = (user, name) => {
    // Entered (bots.ladder), its version checked ok as the sandbox would have.
    const id = db("INSERT INTO bots (owner_id, game, name, ladder) VALUES (:'v1', 'tanks', :'v2', true) RETURNING id", user.id, name);
    const version = db(`INSERT INTO bot_versions (bot_id, version, code, size, check_id, check_status, checked_at)
                          VALUES (:'v1', 1, 'pass', 4, gen_random_uuid(), 'ok', now()) RETURNING id`, id);
    return { id: Number(id), version, name };
  };
  const enter = (b, mu, sigma, games) => db(
    "INSERT INTO ladder_entries (bot_version_id, bot_id, game, status, mu, sigma, games, activated_at) VALUES (:'v1', :'v2', 'tanks', 'active', :'v3', :'v4', :'v5', now())",
    b.version, b.id, mu, sigma, games);
  const fight = (players, minutesAgo) => {
    const id = randomUUID();
    db(`INSERT INTO fights (id, game, status, ladder, created_at, finished_at)
          VALUES (:'v1', 'tanks', 'finished', true, now() - :'v2'::int * interval '1 minute', now() - :'v2'::int * interval '1 minute' + interval '20 seconds')`, id, minutesAgo);
    players.forEach(([b, u, rank], slot) => db(
      "INSERT INTO fight_players (fight_id, slot, user_id, bot_version_id, name, result, rank) VALUES (:'v1', :'v2', :'v3', :'v4', :'v5', :'v6', :'v7')",
      id, slot, u.id, b.version, `${u.name}/${b.name}`, rank === 1 ? 'win' : 'loss', rank));
    return id;
  };
  const rate = (fightId, b, rank, mu, sigma, minutesAgo) => db(
    `INSERT INTO ladder_ratings (fight_id, bot_version_id, rank, mu_before, sigma_before, mu, sigma, rated_at)
     VALUES (:'v1', :'v2', :'v3', 25, 8.333, :'v4', :'v5', now() - :'v6'::int * interval '1 minute')`, fightId, b.version, rank, mu, sigma, minutesAgo);

  // Alpha's four ratings, climbing: 25 - 3 * sigma as sigma shrinks.
  const HISTORY = [[29, 7, 40], [30, 5, 30], [31, 4, 20], [32, 3, 10]];

  try {
    await step('seed: two owners, three bots on the Tanks ladder, Alpha with four rated ladder fights', async () => {
      const ctx = await browser.newContext({ baseURL });
      await account(owner, ctx);
      state.storage = await ctx.storageState();
      await ctx.close();
      const other = await browser.newContext({ baseURL });
      await account(rival, other);
      await other.close();
      state.alpha = bot(owner, 'Alpha');
      state.beta = bot(rival, 'Beta');
      state.gamma = bot(rival, 'Gamma');
      enter(state.alpha, 30.5, 2.5, 14); // 23, not provisional (sigma 2.5 is not above 2.5)
      enter(state.beta, 27, 2, 30); // 21
      enter(state.gamma, 25, 6, 3); // 7, provisional (sigma above 2.5)
      state.fights = HISTORY.map(([mu, sigma, ago], i) => {
        const id = fight([[state.alpha, owner, i === 1 ? 2 : 1], [state.beta, rival, i === 1 ? 1 : 2]], ago);
        rate(id, state.alpha, i === 1 ? 2 : 1, mu, sigma, ago);
        return id;
      });
    });

    for (const width of [1280, 375]) {
      await step(`${width}: the navigation and the game's page lead to the Tanks ladder`, async () => {
        const { page } = await newPage(width, false);
        await page.goto('/game/tanks');
        await page.getByRole('heading', { level: 1 }).waitFor();
        await page.locator('.page-head').getByRole('link', { name: 'Ladder' }).click();
        await page.waitForURL(/\/ladder\/tanks$/);
        await page.getByRole('heading', { name: 'Tanks ladder', level: 1 }).waitFor();
        assert.equal(await page.locator('#nav-main a[href="/ladder"]').count(), 1, 'the navigation has the ladder');
        await page.goto('/ladder');
        await page.getByRole('link', { name: 'Tanks ladder' }).click();
        await page.waitForURL(/\/ladder\/tanks$/);
        await noSideways(page, `${width} ladder page`);
      });

      await step(`${width}: the leaderboard in order, ranks, versions, ratings, games, the provisional mark`, async () => {
        const { page } = state;
        const rows = page.locator('table.ladder-table tbody tr:not(.ladder-detail)');
        await rows.first().waitFor();
        assert.equal(await rows.count(), 3);
        const cells = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.innerText.trim())));
        assert.deepEqual(cells.map((c) => c[0]), ['1', '2', '3']);
        assert.match(cells[0][1], /^Alpha/);
        assert.match(cells[1][1], /^Beta/);
        assert.match(cells[2][1], /^Gamma/);
        assert.deepEqual(cells.map((c) => c[2]), [owner.name, rival.name, rival.name]);
        assert.deepEqual(cells.map((c) => c[3]), ['v1', 'v1', 'v1']);
        assert.deepEqual(cells.map((c) => c[4]), ['23.00', '21.00', '7.00']);
        assert.deepEqual(cells.map((c) => c[5]), ['14', '30', '3']);
        assert.equal(await rows.nth(2).locator('.chip-provisional').count(), 1, 'Gamma is provisional');
        assert.equal(await rows.nth(0).locator('.chip-provisional').count(), 0);
        // A bot's history is shut until asked for: it takes no room.
        const shut = await page.locator('table.ladder-table tr.ladder-detail').evaluateAll((trs) => trs.map((tr) => tr.getBoundingClientRect().height));
        assert.deepEqual(shut, [0, 0, 0], 'closed histories are not drawn');
        await noSideways(page, `${width} leaderboard`);
        await shot(page, `ladder-${width}.png`);
      });

      await step(`${width}: a row opens the bot's rating history (a chart of its ratings) and its ladder fights`, async () => {
        const { page } = state;
        const open = page.getByRole('button', { name: /^Alpha/ });
        assert.equal(await open.getAttribute('aria-expanded'), 'false');
        await open.click();
        assert.equal(await open.getAttribute('aria-expanded'), 'true');
        const detail = page.locator(`#${await open.getAttribute('aria-controls')}`);
        const chart = detail.locator('svg.chart');
        await chart.waitFor();
        assert.equal(await chart.getAttribute('role'), 'img');
        assert.equal(await detail.getByRole('img', { name: 'Rating history of Alpha' }).count(), 1, 'the chart is named');
        assert.equal(await chart.locator('circle.chart-point').count(), HISTORY.length, 'a point per rating');
        // Higher ratings are drawn higher: the points climb.
        const ys = await chart.locator('circle.chart-point').evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('cy'))));
        for (let i = 1; i < ys.length; i++) assert.ok(ys[i] < ys[i - 1], `the line climbs: ${ys.join(', ')}`);
        const box = await chart.boundingBox();
        assert.ok(box.width > 200 && box.height > 100, `the chart has room (${box.width}x${box.height})`);
        // The values, for screen readers and anyone, in a table.
        await detail.locator('details.chart-details summary').click();
        const values = await detail.locator('table.chart-values tbody tr').evaluateAll((trs) => trs.map((tr) => tr.lastElementChild.innerText));
        assert.deepEqual(values, HISTORY.map(([mu, sigma]) => (mu - 3 * sigma).toFixed(2)));
        // Its ladder fights, newest first, marked, linking to the fight page.
        const fights = detail.locator('table.list.stack-sm:not(.chart-values) tbody tr');
        assert.equal(await fights.count(), HISTORY.length);
        assert.equal(await fights.first().locator('.chip-ladder').innerText(), 'Ladder fight');
        assert.equal(await fights.first().getByRole('link').first().getAttribute('href'), `/fights/${state.fights[3]}`);
        await noSideways(page, `${width} history open`);
        await shot(page, `ladder-history-${width}.png`);
        await fights.first().getByRole('link').first().click();
        await page.waitForURL(new RegExp(`/fights/${state.fights[3]}$`));
        await page.locator('.page-head .chip-ladder').filter({ hasText: 'Ladder fight' }).waitFor();
        await noSideways(page, `${width} ladder fight page`);
        await page.context().close();
      });

      await step(`${width}: the owner's bot page shows the rank, the rating, the history and the toggle`, async () => {
        const { page } = await newPage(width, true);
        await page.goto(`/bots/${state.alpha.id}`);
        const card = page.locator('.ladder-card');
        await card.locator('.ladder-status').filter({ hasText: 'rank 1 of 3' }).waitFor();
        assert.match(await card.locator('.ladder-status').innerText(), /rating 23\.00 · 14 games/);
        await card.getByRole('button', { name: 'Leave the ladder' }).waitFor();
        await card.locator('svg.chart circle.chart-point').nth(HISTORY.length - 1).waitFor();
        assert.equal(await card.locator('svg.chart circle.chart-point').count(), HISTORY.length);
        await noSideways(page, `${width} bot page`);
        await shot(page, `bot-ladder-${width}.png`);
        await page.context().close();
      });
    }

    await step("1280: the owner takes the bot out of the ladder and enters it again (PATCH /api/bots/{id})", async () => {
      const { page } = await newPage(1280, true);
      await page.goto(`/bots/${state.alpha.id}`);
      const card = page.locator('.ladder-card');
      await card.locator('.ladder-status').filter({ hasText: 'rank 1 of 3' }).waitFor();
      await card.getByRole('button', { name: 'Leave the ladder' }).click();
      await card.locator('.ladder-status').filter({ hasText: 'Not on the ladder (it left)' }).waitFor();
      await card.getByRole('button', { name: 'Enter the ladder' }).waitFor();
      assert.equal(db("SELECT status FROM ladder_entries WHERE bot_version_id = :'v1'", state.alpha.version), 'left');
      // Its history stays on its page; the leaderboard no longer has it.
      assert.equal(await card.locator('svg.chart circle.chart-point').count(), HISTORY.length);
      const board = await (await page.request.get('/api/games/tanks/ladder')).json();
      assert.deepEqual(board.entries.map((e) => e.bot), ['Beta', 'Gamma']);
      await card.getByRole('button', { name: 'Enter the ladder' }).click();
      // Its checked version comes back with its rating and games.
      await card.locator('.ladder-status').filter({ hasText: 'rank 1 of 3' }).waitFor();
      assert.match(await card.locator('.ladder-status').innerText(), /rating 23\.00 · 14 games/);
      await card.getByRole('button', { name: 'Leave the ladder' }).waitFor();
      await noSideways(page, '1280 bot page after the toggle');
      await page.context().close();
    });

    await step('375: the bot page of a new version waiting for its check, and of a refused one', async () => {
      // Echo: version 1 plays, version 2 waits (its check sent: cf-web does
      // not send it again); Delta: its only version refused.
      state.echo = bot(owner, 'Echo');
      const v2 = db(`INSERT INTO bot_versions (bot_id, version, code, size, check_id, check_status, check_sent_at)
                       VALUES (:'v1', 2, 'pass', 4, gen_random_uuid(), 'checking', now()) RETURNING id`, state.echo.id);
      enter(state.echo, 20, 3, 6); // 11: third of four
      db("INSERT INTO ladder_entries (bot_version_id, bot_id, game, status) VALUES (:'v1', :'v2', 'tanks', 'pending')", v2, state.echo.id);
      state.delta = bot(owner, 'Delta');
      db(`INSERT INTO ladder_entries (bot_version_id, bot_id, game, status, reason, ended_at)
            VALUES (:'v1', :'v2', 'tanks', 'refused', 'line 1: no class Main', now())`, state.delta.version, state.delta.id);
      const { page } = await newPage(375, true);
      await page.goto(`/bots/${state.echo.id}`);
      const card = page.locator('.ladder-card');
      // Drawn from the bot object first, then with the leaderboard's count.
      await card.locator('.ladder-status').filter({ hasText: 'Waiting for the check' }).filter({ hasText: 'rank 3 of 4' }).waitFor();
      const echo = await card.locator('.ladder-status').innerText();
      assert.match(echo, /rank 3 of 4/, echo);
      assert.match(echo, /provisional/, echo);
      assert.match(echo, /Version 1 plays · rating 11\.00 · 6 games/, echo);
      assert.match(echo, /version 2 enters once its check in the sandbox passes/, echo);
      await noSideways(page, '375 bot page, a version pending');
      await page.goto(`/bots/${state.delta.id}`);
      await card.locator('.ladder-status').filter({ hasText: 'Refused' }).waitFor();
      const delta = await card.locator('.ladder-status').innerText();
      assert.match(delta, /version 1 failed its check/, delta);
      assert.match(delta, /line 1: no class Main/, delta);
      assert.doesNotMatch(delta, /rank/, delta);
      await noSideways(page, '375 bot page, refused');
      await shot(page, 'bot-refused-375.png');
      await page.context().close();
    });

    await step('no script errors', async () => {
      assert.deepEqual(errors, [], 'no script errors');
    });
  } finally {
    await browser.close().catch(() => {});
  }
  return results;
}
