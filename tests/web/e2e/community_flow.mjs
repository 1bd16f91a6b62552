// community_flow.mjs — the arcade's community in a real browser (ctest
// web.e2e_community, `run.mjs --flow community`): three people, two games
// (tests/web/e2e/games/community/: score_keys.py reports a score, quiet.py
// never does) and a third nobody plays, real plays of more than 5 s through
// the UI, then the cards (stars with a half star, badges, "no score", the
// API's order), the rating widget (refused before an eligible play, taken
// after, changed), the scoreboard and "My plays", the compact board, most
// played, My games with its delete confirmation, a watcher who sends nothing,
// and screenshots of every page at 1280 and 375 px.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { launch, stepper, collectScriptErrors } from './browser.mjs';

const STEP_TIMEOUT = 15000;
// From Play to the first sprite: queueing, a sandbox, Python starting.
const START_TIMEOUT = 60000;
// A play counts for rating after more than 5 s: play a little longer.
const PLAY_MS = 6500;

export async function runCommunityFlow({ baseURL, artifacts, sourceDir, log = console.log }) {
  const suffix = Date.now().toString(36).slice(-5);
  const users = {
    ada: { name: `ada_${suffix}`, password: 'community player a' },
    bob: { name: `bob_${suffix}`, password: 'community player b' },
    cy: { name: `cy_${suffix}`, password: 'community player c' },
  };
  const T = { score: `Keys race ${suffix}`, quiet: `Quiet pond ${suffix}`, spare: `Spare ${suffix}` };
  const gameDir = join(sourceDir, 'tests', 'web', 'e2e', 'games', 'community');
  const code = { score: readFileSync(join(gameDir, 'score_keys.py')), quiet: readFileSync(join(gameDir, 'quiet.py')) };

  const browser = await launch();
  const results = [];
  const scriptErrors = [];
  const who = {};
  const ids = {};
  const shots = [];

  async function newVisitor(name) {
    const ctx = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
    ctx.setDefaultTimeout(STEP_TIMEOUT);
    // A watcher must never ask for the motion sensors: count the asks.
    await ctx.addInitScript(() => {
      window.__motionAsks = 0;
      for (const api of [window.DeviceMotionEvent, window.DeviceOrientationEvent]) {
        if (api && typeof api.requestPermission === 'function') {
          const real = api.requestPermission.bind(api);
          api.requestPermission = (...a) => { window.__motionAsks += 1; return real(...a); };
        }
      }
    });
    const page = await ctx.newPage();
    collectScriptErrors(page, scriptErrors, `${name} `);
    who[name] = { ctx, page };
    return who[name];
  }

  const step = stepper(results, log, async (name) => {
    for (const [n, u] of Object.entries(who)) {
      if (u && u.page && !u.page.isClosed()) await u.page.screenshot({ path: join(artifacts, `community-failure-${name.replace(/\W+/g, '_')}-${n}.png`), fullPage: true }).catch(() => {});
    }
  });

  // The page at 1280 and 375 px, saved; no horizontal scrolling at 375.
  async function shoot(page, name) {
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: width === 375 ? 812 : 900 });
      await page.waitForTimeout(150);
      const sw = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(sw <= width, `${name} at ${width} px: no horizontal scrolling (scrollWidth ${sw})`);
      const path = join(artifacts, `${name}-${width}.png`);
      await page.screenshot({ path, fullPage: true });
      shots.push(path);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  const api = (page, path) => page.evaluate(async (p) => {
    const r = await fetch(p, { headers: { Accept: 'application/json' } });
    return { status: r.status, body: await r.json().catch(() => null) };
  }, path);

  // A write with the session's CSRF token, as the page would send it.
  const apiWrite = (page, method, path, body) => page.evaluate(async ({ method: m, path: p, body: b }) => {
    const s = await (await fetch('/api/session')).json();
    const r = await fetch(p, { method: m, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token }, body: JSON.stringify(b) });
    return { status: r.status, body: await r.json().catch(() => null) };
  }, { method, path, body });

  async function signUp(name) {
    const { page } = await newVisitor(name);
    const u = users[name];
    await page.goto('/signup');
    await page.getByLabel('Username').fill(u.name);
    await page.getByLabel('Password', { exact: true }).fill(u.password);
    await page.getByLabel('Repeat password').fill(u.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
  }

  async function upload(page, title, file, inputs, description) {
    await page.goto('/arcade/new');
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Authors').fill('The community test');
    await page.getByLabel('Description').fill(description);
    for (const i of inputs) await page.getByLabel(i, { exact: true }).check();
    await page.getByLabel('Game file (.py or .zip)').setInputFiles({ name: 'game.py', mimeType: 'text/x-python', buffer: file });
    await page.getByRole('button', { name: 'Upload game' }).click();
    await page.waitForURL(/\/arcade\/\d+$/);
    await page.getByRole('heading', { name: title, level: 1 }).waitFor();
    return Number(new URL(page.url()).pathname.split('/').pop());
  }

  // Play from the game's page: wait for the game's label, then for the
  // database's "running" (a Stop before it counts as never started).
  async function startFromGamePage(page, id) {
    await page.goto(`/arcade/${id}`);
    await page.locator('.arcade-game .page-head').getByRole('button', { name: /^Play / }).click();
    await page.waitForURL(/\/play\/[0-9a-f-]{36}$/);
    await page.locator('.cf-stage [data-id="label"]').waitFor({ timeout: START_TIMEOUT });
    const playId = new URL(page.url()).pathname.split('/').pop();
    for (let i = 0; i < 100 && (await api(page, `/api/plays/${playId}`)).body.play.status !== 'running'; i++) await page.waitForTimeout(200);
    return { playId, started: Date.now() };
  }

  async function stopAfter(page, started) {
    const wait = started + PLAY_MS - Date.now();
    if (wait > 0) await page.waitForTimeout(wait);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    const summary = page.locator('.play-summary');
    await summary.getByRole('heading', { name: 'Game over' }).waitFor({ timeout: 30000 });
    return summary;
  }

  // Click star n of a rating widget and wait for the server's yes.
  async function rate(scope, n) {
    const widget = scope.locator('fieldset.rating-widget');
    // The star a pointer user clicks (the radio's label; the radio itself is visually hidden).
    await widget.locator(`label.rating-star[title="${n} ${n === 1 ? 'star' : 'stars'}"]`).click();
    await widget.locator('.rating-status').filter({ hasText: `Saved: ${n} ${n === 1 ? 'star' : 'stars'}.` }).waitFor();
  }

  // A play's statistics are counted once cf-result-processor stored its end.
  async function waitGame(page, id, test, what) {
    let g;
    for (let i = 0; i < 50; i++) {
      g = (await api(page, `/api/arcade/games/${id}`)).body;
      if (g && test(g)) return g;
      await page.waitForTimeout(200);
    }
    assert.fail(`${what}: ${JSON.stringify(g && { plays: g.plays, rating: g.rating, reports_score: g.reports_score })}`);
  }

  try {
    await step('three people sign up', async () => {
      for (const n of ['ada', 'bob', 'cy']) await signUp(n);
    });

    await step('ada uploads a game with a score, one without, and a spare one', async () => {
      const { page } = who.ada;
      ids.score = await upload(page, T.score, code.score, ['Keyboard'], 'Press the arrow keys: one point each.\n\n<b>Fast</b> fingers win.');
      ids.quiet = await upload(page, T.quiet, code.quiet, ['Touch', 'Tilt'], 'A quiet pond. Nothing to win.');
      ids.spare = await upload(page, T.spare, code.quiet, ['Gyroscope'], 'Nobody plays this one.');
      // Her own game: she may not rate it.
      await page.goto(`/arcade/${ids.score}`);
      await page.locator('.arcade-rating .rating-why-not').filter({ hasText: 'You cannot rate your own game.' }).waitFor();
      assert.equal(await page.locator('.arcade-rating fieldset.rating-widget').count(), 0);
    });

    await step('the rating widget refuses before an eligible play', async () => {
      const { page } = who.bob;
      await page.goto(`/arcade/${ids.score}`);
      await page.getByRole('heading', { name: T.score, level: 1 }).waitFor();
      await page.locator('.arcade-rating .rating-why-not').filter({ hasText: 'Play it to the end for more than 5 seconds first.' }).waitFor();
      assert.equal(await page.getByRole('radiogroup').count() + await page.locator('fieldset.rating-widget').count(), 0, 'no stars to choose');
      const put = await apiWrite(page, 'PUT', `/api/arcade/games/${ids.score}/rating`, { stars: 5 });
      assert.equal(put.status, 403, `the API refuses too (${JSON.stringify(put.body)})`);
      await page.getByText('Nobody has played it yet.').waitFor();
      // A visitor is asked to log in.
      const { page: anon } = await newVisitor('watcher');
      await anon.goto(`/arcade/${ids.score}`);
      await anon.locator('.arcade-rating').getByRole('link', { name: 'Log in' }).waitFor();
    });

    await step('bob plays the score game (> 5 s); a watcher sees it live and sends nothing', async () => {
      const { page } = who.bob;
      const { page: watcher } = who.watcher;
      const { playId, started } = await startFromGamePage(page, ids.score);
      ids.bobPlay = playId;
      // The player shares the watch link.
      await page.getByRole('button', { name: 'Share watch link' }).click();
      const link = await page.getByRole('textbox', { name: 'Watch link' }).inputValue();
      assert.equal(link, `${baseURL}/play/${playId}`);
      const posts = [];
      watcher.on('request', (r) => { if (r.method() !== 'GET') posts.push(`${r.method()} ${new URL(r.url()).pathname}`); });
      await watcher.goto(link);
      await watcher.locator('.play-page .chip-watch').filter({ hasText: 'Watching' }).waitFor();
      await watcher.getByText('You are watching this play.').waitFor();
      await watcher.locator('.cf-arcade.cf-arcade-watch .cf-stage [data-id="label"]').waitFor({ timeout: START_TIMEOUT });
      assert.equal(await watcher.getByRole('button', { name: 'Stop', exact: true }).count(), 0, 'no Stop for a watcher');
      assert.equal(await watcher.getByRole('button', { name: 'Share watch link' }).count(), 0, 'nothing to share for a watcher');
      // The player plays; the watcher's own keys and clicks go nowhere.
      for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
      await page.locator('.cf-stage [data-id="label"]').getByText('Score: 5').waitFor();
      await watcher.locator('.cf-stage [data-id="label"]').getByText('Score: 5').waitFor();
      for (const k of ['ArrowLeft', 'ArrowUp', 'Space', 'a']) await watcher.keyboard.press(k);
      await watcher.locator('.cf-stage').click();
      await watcher.mouse.move(10, 10);
      await watcher.mouse.move(200, 300);
      await watcher.waitForTimeout(500);
      await page.locator('.cf-stage [data-id="label"]').getByText('Score: 5').waitFor();
      await shoot(watcher, 'community-watch');
      const summary = await stopAfter(page, started);
      await watcher.locator('.play-summary').getByRole('heading', { name: 'Game over' }).waitFor({ timeout: 30000 });
      assert.deepEqual(posts, [], 'the watcher sent nothing (no POST /input, no other write)');
      assert.equal(await watcher.evaluate(() => window.__motionAsks), 0, 'the watcher was never asked for the motion sensors');
      assert.equal(await watcher.locator('.play-summary fieldset.rating-widget').count(), 0, 'a watcher is not offered to rate');
      // The player is offered the stars in the summary.
      await summary.locator('fieldset.rating-widget').waitFor({ timeout: 10000 });
      await rate(summary, 4);
      await shoot(page, 'community-play-summary');
    });

    await step('cy plays it for less, then rates it on the game page; bob changes his rating', async () => {
      const { page } = who.cy;
      const { started } = await startFromGamePage(page, ids.score);
      for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowUp');
      await page.locator('.cf-stage [data-id="label"]').getByText('Score: 2').waitFor();
      await stopAfter(page, started);
      await page.locator('.play-summary fieldset.rating-widget').waitFor({ timeout: 10000 });
      await page.locator('.play-summary').getByRole('link', { name: 'Back to the game' }).click();
      await page.getByRole('heading', { name: T.score, level: 1 }).waitFor();
      const widget = page.locator('.arcade-rating fieldset.rating-widget');
      await widget.waitFor();
      assert.equal(await widget.locator('legend').innerText(), 'Your rating');
      await rate(page.locator('.arcade-rating'), 4);
      // Bob: 4 from his summary, now 5, from the keyboard (a radio group).
      const b = who.bob.page;
      await b.goto(`/arcade/${ids.score}`);
      await b.locator('.arcade-rating fieldset.rating-widget').waitFor();
      const radios = b.locator('.arcade-rating input[type="radio"]');
      assert.equal(await radios.count(), 5);
      assert.equal(await b.locator('.arcade-rating input[type="radio"]:checked').getAttribute('value'), '4', 'his stars from the summary');
      await b.locator('.arcade-rating input[type="radio"]:checked').focus();
      await b.keyboard.press('ArrowRight');
      await b.locator('.arcade-rating .rating-status').filter({ hasText: 'Saved: 5 stars.' }).waitFor();
      await waitGame(b, ids.score, (g) => g.rating && g.rating.count === 2 && Math.abs(g.rating.average - 4.5) < 1e-9 && g.rating.mine === 5, 'the average is 4.5 of 2 ratings');
      await b.locator('.arcade-rating .stars-icons[aria-label="4.5 of 5 stars, 2 ratings"]').waitFor();
    });

    await step('bob plays the quiet game (> 5 s, no score) and rates it 3 from its summary', async () => {
      const { page } = who.bob;
      const { started } = await startFromGamePage(page, ids.quiet);
      await page.locator('.cf-stage [data-id="duck"]').waitFor();
      const summary = await stopAfter(page, started);
      await summary.locator('fieldset.rating-widget').waitFor({ timeout: 10000 });
      await rate(summary, 3);
      await waitGame(page, ids.quiet, (g) => g.plays === 1 && g.reports_score === false && g.rating.count === 1, 'the quiet game: one play, no score, one rating');
      await waitGame(page, ids.score, (g) => g.plays === 2, 'the score game: two plays');
    });

    await step('the cards: the API\'s order, stars with a half star, badges, "no score"', async () => {
      const { page } = who.cy;
      await page.goto('/arcade');
      await page.locator(`.arcade-card[data-game="${ids.score}"]`).waitFor();
      const order = (await api(page, '/api/arcade/games?order=rating&per_page=24')).body.games.map((g) => g.id);
      const shown = await page.locator('.arcade-card').evaluateAll((els) => els.map((e) => Number(e.dataset.game)));
      assert.deepEqual(shown, order, 'the cards in the API\'s order');
      const mineOrder = order.filter((id) => [ids.score, ids.quiet, ids.spare].includes(id));
      assert.deepEqual(mineOrder, [ids.score, ids.quiet, ids.spare], 'rated best first, unrated last');
      const s = page.locator(`.arcade-card[data-game="${ids.score}"]`);
      assert.equal(await s.locator('.stars').getAttribute('data-stars'), 'full full full full half');
      assert.equal(await s.locator('.star-half').count(), 1);
      await s.getByRole('img', { name: '4.5 of 5 stars, 2 ratings' }).waitFor();
      await s.locator('.badges').getByText('Keyboard').waitFor();
      assert.equal(await s.getByText('no score', { exact: true }).count(), 0);
      await s.getByText(/^2 plays/).waitFor();
      await s.getByText('Press the arrow keys: one point each.', { exact: false }).waitFor();
      assert.equal(await s.locator('.arcade-card-description b').count(), 0, 'the description is text');
      const q = page.locator(`.arcade-card[data-game="${ids.quiet}"]`);
      await q.getByRole('img', { name: '3 of 5 stars, 1 rating' }).waitFor();
      assert.equal(await q.locator('.stars').getAttribute('data-stars'), 'full full full empty empty');
      await q.locator('.badges').getByText('no score', { exact: true }).waitFor();
      await q.locator('.badges').getByText('Touch').waitFor();
      await q.locator('.badges').getByText('Tilt').waitFor();
      const u = page.locator(`.arcade-card[data-game="${ids.spare}"]`);
      await u.getByRole('img', { name: 'not rated yet' }).waitFor();
      assert.equal(await u.getByText('no score', { exact: true }).count(), 0, 'never played: not "no score"');
      // The arcade's other pages are linked.
      const nav = page.getByRole('navigation', { name: 'Arcade' });
      for (const name of ['Most played', 'Kiosk', 'My games']) await nav.getByRole('link', { name }).waitFor();
      await page.getByRole('link', { name: 'Upload a game' }).waitFor();
      // Search keeps working.
      const search = page.getByRole('searchbox', { name: 'Search games' });
      await search.fill(`Quiet pond ${suffix}`);
      await search.press('Enter');
      await page.waitForFunction((n) => document.querySelectorAll('.arcade-card').length === n, 1);
      await q.waitFor();
      await search.fill('');
      await search.press('Enter');
      await s.waitFor();
      await shoot(page, 'community-arcade');
    });

    await step('the scoreboard lists players by best score; "My plays"', async () => {
      const { page } = who.bob;
      await page.goto(`/arcade/${ids.score}`);
      const rows = page.locator('.arcade-scoreboard table.scoreboard-table tbody tr');
      await rows.first().waitFor();
      const table = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
      assert.equal(table.length, 2, JSON.stringify(table));
      assert.deepEqual(table.map((r) => [r[0], r[1], r[2], r[3]]), [['1', users.bob.name, '5', '1'], ['2', users.cy.name, '2', '1']]);
      assert.ok(table.every((r) => /s$/.test(r[4])), `time played shown (${table.map((r) => r[4])})`);
      const myPlays = page.locator('.arcade-my-plays table.my-plays tbody tr');
      assert.equal(await myPlays.count(), 1);
      await myPlays.first().getByText('Stopped').waitFor();
      await myPlays.first().locator('td.score').getByText('5', { exact: true }).waitFor();
      await page.locator('.arcade-rating .stars-icons[aria-label="4.5 of 5 stars, 2 ratings"]').waitFor();
      await shoot(page, 'community-game');
      // A visitor sees the scoreboard, without "My plays".
      const w = who.watcher.page;
      await w.goto(`/arcade/${ids.score}`);
      await w.locator('.arcade-scoreboard tbody tr').first().waitFor();
      assert.equal(await w.locator('.arcade-my-plays').count(), 0);
    });

    await step('the compact board alone', async () => {
      const { page } = who.watcher;
      await page.goto(`/arcade/${ids.score}/board`);
      const items = page.locator('.scoreboard-compact-list li');
      await items.first().waitFor();
      const list = await items.evaluateAll((lis) => lis.map((li) => [li.querySelector('.player').textContent, li.querySelector('.score').textContent.replace('best score ', '')]));
      assert.deepEqual(list, [[users.bob.name, '5'], [users.cy.name, '2']]);
      assert.equal(await page.locator('.site-header').isVisible(), false, 'no site header when embedded');
      await page.getByRole('img', { name: '4.5 of 5 stars, 2 ratings' }).waitFor();
      assert.equal(await page.locator('main h1').count(), 1);
      await shoot(page, 'community-board');
    });

    await step('most played: the API\'s order (total time)', async () => {
      const { page } = who.watcher;
      await page.goto('/arcade');
      await page.getByRole('navigation', { name: 'Arcade' }).getByRole('link', { name: 'Most played' }).click();
      await page.waitForURL('**/arcade/most-played');
      await page.getByRole('heading', { name: 'Most played', level: 1 }).waitFor();
      await page.locator('table.most-played tbody tr').first().waitFor();
      const order = (await api(page, '/api/arcade/most-played?per_page=25')).body.games;
      const shown = await page.locator('table.most-played tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.game)));
      assert.deepEqual(shown, order.map((g) => g.id));
      for (let i = 1; i < order.length; i++) assert.ok(order[i - 1].total_ms >= order[i].total_ms, 'sorted by total time');
      assert.ok(shown.indexOf(ids.score) < shown.indexOf(ids.quiet), 'two plays of the score game before one of the quiet one');
      assert.equal(shown.includes(ids.spare), false, 'a game never played is not listed');
      const row = page.locator(`table.most-played tr[data-game="${ids.score}"]`);
      assert.equal(await row.locator('td.plays').innerText(), '2');
      assert.equal(await row.locator('td.score').innerText(), '5');
      assert.match(await row.locator('td.longest').innerText(), /^\d+\.\d s$/);
      await shoot(page, 'community-most-played');
    });

    await step('My games: plays, scores, ratings; delete asks first and says what goes', async () => {
      const { page } = who.ada;
      await page.goto('/arcade');
      await page.getByRole('navigation', { name: 'Arcade' }).getByRole('link', { name: 'My games' }).click();
      await page.waitForURL('**/arcade/mine');
      await page.getByRole('heading', { name: 'My games', level: 1 }).waitFor();
      const s = page.locator(`.my-game[data-game="${ids.score}"]`);
      assert.equal(await s.locator('dd.plays').innerText(), '2');
      assert.equal(await s.locator('dd.score').innerText(), '5');
      await s.getByRole('img', { name: '4.5 of 5 stars, 2 ratings' }).waitFor();
      const q = page.locator(`.my-game[data-game="${ids.quiet}"]`);
      assert.equal(await q.locator('dd.score').innerText(), 'no score');
      await page.locator(`.my-game[data-game="${ids.spare}"]`).waitFor();
      // Update: a new version keeps the history.
      const quietCard = q;
      await quietCard.getByText('Update: a new file or preview').click();
      await quietCard.getByLabel('Game file (.py or .zip)').setInputFiles({ name: 'game.py', mimeType: 'text/x-python', buffer: code.quiet });
      await quietCard.getByRole('button', { name: 'Upload new version' }).click();
      await page.locator('.toast').filter({ hasText: 'Version 2 uploaded.' }).waitFor();
      assert.equal(await quietCard.locator('dd.plays').innerText(), '1', 'the plays stay');
      await page.waitForFunction(() => !document.querySelector('.toast'), null, { timeout: 8000 });
      await shoot(page, 'community-mine');
      // Delete the quiet game: the dialog names its plays and ratings; "Cancel" keeps it.
      await quietCard.getByRole('button', { name: `Delete ${T.quiet}` }).click();
      const dialog = page.getByRole('alertdialog');
      await dialog.waitFor();
      await dialog.getByText('1 play with its score and 1 rating go with it.', { exact: false }).waitFor();
      await page.screenshot({ path: join(artifacts, 'community-mine-confirm-1280.png') });
      shots.push(join(artifacts, 'community-mine-confirm-1280.png'));
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
      await quietCard.waitFor();
      assert.equal((await api(page, `/api/arcade/games/${ids.quiet}`)).status, 200, 'still there');
      await quietCard.getByRole('button', { name: `Delete ${T.quiet}` }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Delete game' }).click();
      await quietCard.waitFor({ state: 'detached' });
      assert.equal((await api(page, `/api/arcade/games/${ids.quiet}`)).status, 404, 'gone');
      await page.goto('/arcade/most-played');
      await page.locator('table.most-played tbody tr').first().waitFor();
      assert.equal(await page.locator(`table.most-played tr[data-game="${ids.quiet}"]`).count(), 0, 'its plays went too');
    });

    await step('accessibility basics on the new pages (labels, names, alt, one h1)', async () => {
      const { page } = who.bob;
      const problems = [];
      for (const path of ['/arcade', `/arcade/${ids.score}`, `/arcade/${ids.score}/board`, '/arcade/most-played', '/arcade/mine', `/play/${ids.bobPlay}`]) {
        await page.goto(path);
        await page.locator('main h1').first().waitFor({ state: 'attached' });
        await page.waitForTimeout(200);
        const found = await page.evaluate(() => {
          const out = [];
          const name = (el) => (el.getAttribute('aria-label') || el.textContent || el.getAttribute('title') || '').trim();
          for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
            const labelled = (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) || el.closest('label') ||
              el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
            if (!labelled) out.push(`unlabelled ${el.tagName.toLowerCase()}[name=${el.name}]`);
          }
          for (const el of document.querySelectorAll('button, a[href], [role="button"], [role="img"]')) {
            if (!name(el) && !el.querySelector('img[alt]:not([alt=""])')) out.push(`nameless ${el.tagName.toLowerCase()} ${el.outerHTML.slice(0, 60)}`);
          }
          for (const el of document.querySelectorAll('img')) if (!el.hasAttribute('alt')) out.push(`img without alt ${el.src.slice(0, 40)}`);
          const h1 = document.querySelectorAll('h1').length;
          if (h1 !== 1) out.push(`${h1} h1 elements`);
          return out;
        });
        for (const f of found) problems.push(`${path}: ${f}`);
      }
      assert.deepEqual(problems, []);
    });

    await step('no script errors in any page', async () => {
      assert.deepEqual(scriptErrors, []);
    });
  } finally {
    await browser.close().catch(() => {});
  }
  log(`screenshots: ${shots.length} in ${artifacts}`);
  writeFileSync(join(artifacts, 'results.json'), JSON.stringify(results.map((r) => ({ name: r.name, ok: r.ok, skipped: !!r.skipped, error: r.error ? String(r.error.message || r.error) : undefined })), null, 2));
  return results;
}
