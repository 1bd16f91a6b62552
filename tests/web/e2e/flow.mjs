// flow.mjs — the browser end-to-end flow against a running cf-web.
// Every step is a named check; the first failing step stops the flow (the
// later ones depend on it) and the rest count as failed, so the summary
// line never claims more than what ran.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { launch, stepper, collectScriptErrors } from './browser.mjs';

const STEP_TIMEOUT = 15000;

// resetToken(username) returns the token of the last reset link cf-web logged
// for that user (the operator's view), or null when the log is not ours.
export async function runFlow({ baseURL, artifacts, sourceDir, finishTimeoutMs = 120000, log = console.log, resetToken = null }) {
  mkdirSync(artifacts, { recursive: true });
  const suffix = Date.now().toString(36).slice(-5);
  const A = { name: `alice_${suffix}`, password: 'correct horse 1' };
  const B = { name: `bob_${suffix}`, password: 'battery staple 2' };
  const C = { name: `carol_${suffix}`, password: 'tr0ub4dor &3' };
  const tanksDir = join(sourceDir, 'games', 'tanks', 'templates');
  const template = readdirSync(tanksDir).filter((f) => f.endsWith('.py')).sort()
    .find((f) => /fire|move|random/.test(f)) || readdirSync(tanksDir).find((f) => f.endsWith('.py'));
  assert.ok(template, `no Tanks template in ${tanksDir}`);
  const botCode = readFileSync(join(tanksDir, template), 'utf8');
  const lcTemplate = readdirSync(join(sourceDir, 'games', 'light_cycles', 'templates')).filter((f) => f.endsWith('.py') && !/empty/.test(f)).sort()[0];
  assert.ok(lcTemplate, 'no Light Cycles template');

  const browser = await launch();
  const results = [];
  const consoleErrors = [];
  const state = {};

  async function newUser() {
    const ctx = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
    ctx.setDefaultTimeout(STEP_TIMEOUT);
    const page = await ctx.newPage();
    // Requests still waiting for an answer, reported when a step fails.
    page.pending = new Map();
    page.on('request', (r) => page.pending.set(r, Date.now()));
    page.on('requestfinished', (r) => page.pending.delete(r));
    page.on('requestfailed', (r) => page.pending.delete(r));
    collectScriptErrors(page, consoleErrors);
    return { ctx, page };
  }

  const step = stepper(results, log, async (name) => {
    for (const u of [state.a, state.b, state.c]) {
      if (u && u.page && u.page.pending) {
        for (const [r, t] of u.page.pending) {
          if (!/\/events$/.test(r.url())) log(`  unanswered after ${Date.now() - t} ms: ${r.method()} ${r.url()}`);
        }
      }
      if (u && u.page) await u.page.screenshot({ path: join(artifacts, `failure-${name.replace(/\W+/g, '_')}-${results.length}-${u === state.a ? 'a' : u === state.b ? 'b' : 'c'}.png`), fullPage: true }).catch(() => {});
    }
  });

  async function signup(page, user) {
    await page.goto('/signup');
    await page.getByLabel('Username').fill(user.name);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByLabel('Repeat password').fill(user.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/bots/new');
    // The URL changes first, the page renders after: wait for the new page itself.
    await page.getByRole('heading', { name: 'Upload a bot', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
  }

  async function waitState(page, wanted, timeout) {
    // The status line is updated from Server-Sent Events, not by reloading.
    await page.locator('.status-line').filter({ hasText: new RegExp(wanted.join('|')) }).waitFor({ timeout });
  }

  try {
    await step('home page renders with games', async () => {
      const { page } = state.a = await newUser();
      await page.goto('/');
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.getByRole('link', { name: 'Tanks' }).first().waitFor();
    });

    await step('sign up three users', async () => {
      await signup(state.a.page, A);
      state.b = await newUser();
      await signup(state.b.page, B);
      state.c = await newUser();
      await signup(state.c.page, C);
    });

    await step('game page shows docs, templates and settings', async () => {
      const { page } = state.a;
      await page.goto('/game/tanks');
      await page.getByRole('heading', { name: 'Tanks', level: 1 }).waitFor();
      await page.getByRole('heading', { name: 'For bot authors' }).waitFor();
      const doc = await page.locator('.doc').innerText();
      assert.ok(doc.length > 50, 'docs rendered');
      await page.getByRole('heading', { name: 'Starter templates' }).waitFor();
      const dl = page.locator('a[download]').first();
      assert.match(await dl.getAttribute('href'), /^\/api\/games\/tanks\/templates\//);
    });

    await step('upload a bot by pasting code (alice)', async () => {
      const { page } = state.a;
      await page.goto('/bots/new?game=tanks');
      await page.getByLabel('Name').fill('Pasted tank');
      await page.getByLabel('Or paste the code').fill(botCode);
      await page.getByRole('button', { name: 'Upload bot' }).click();
      await page.waitForURL(/\/bots\/\d+$/);
      await page.getByRole('heading', { name: 'Pasted tank', level: 1 }).waitFor();
      await page.getByText('Version 1', { exact: true }).waitFor();
      // Its check in the sandbox: the chip turns from checking to ok, no reload.
      await page.locator('li').filter({ hasText: 'Version 1' }).getByText('check ok').waitFor({ timeout: 15000 });
    });

    await step('oversize upload shows the size-limit error', async () => {
      const { page } = state.a;
      await page.goto('/bots/new?game=tanks');
      await page.getByLabel('Name').fill('Too big');
      const big = Buffer.alloc(1024 * 1024 + 4096, 'x');
      await page.getByLabel('Python file').setInputFiles({ name: 'big.py', mimeType: 'text/x-python', buffer: big });
      await page.getByRole('button', { name: 'Upload bot' }).click();
      const alert = page.locator('.form-error[role="alert"]');
      await alert.filter({ hasText: /too large|larger than/i }).waitFor();
      assert.ok(page.url().endsWith('/bots/new?game=tanks'), 'stayed on the form');
    });

    await step('upload a bot as a file (bob, carol)', async () => {
      for (const [u, name] of [[state.b, 'File tank'], [state.c, 'Carol tank']]) {
        const { page } = u;
        await page.goto('/bots/new?game=tanks');
        await page.getByLabel('Name').fill(name);
        await page.getByLabel('Python file').setInputFiles({ name: 'tank.py', mimeType: 'text/x-python', buffer: Buffer.from(botCode) });
        await page.getByRole('button', { name: 'Upload bot' }).click();
        await page.waitForURL(/\/bots\/\d+$/);
        await page.getByRole('heading', { name, level: 1 }).waitFor();
      }
    });

    await step('download own code', async () => {
      const { page } = state.b;
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Download/ }).first().click()]);
      const path = await dl.path();
      assert.equal(readFileSync(path, 'utf8'), botCode);
    });

    await step('new version and rename (carol)', async () => {
      const { page } = state.c;
      // Carol's page is her bot's page since the upload.
      await page.getByRole('heading', { name: 'Carol tank', level: 1 }).waitFor();
      await page.locator('#ver-code').fill(`${botCode}\n# version 2\n`);
      await page.getByRole('button', { name: 'Upload new version' }).click();
      await page.getByText('Version 2', { exact: true }).waitFor();
      await page.locator('li').filter({ hasText: 'Version 2' }).getByText('latest').waitFor();
      await page.getByRole('textbox', { name: 'Name' }).fill('Carol tank two');
      await page.getByRole('button', { name: 'Rename' }).click();
      await page.getByRole('heading', { name: 'Carol tank two', level: 1 }).waitFor();
      await page.reload();
      await page.getByRole('heading', { name: 'Carol tank two', level: 1 }).waitFor();
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download version 1' }).click()]);
      assert.equal(readFileSync(await dl.path(), 'utf8'), botCode, 'version 1 is still there as it was');
    });

    await step('alice hosts a Tanks fight and invites bob', async () => {
      // Bob watches his dashboard meanwhile: the invitation must reach it live.
      await state.b.page.goto('/dashboard');
      await state.b.page.getByRole('heading', { name: 'Invitations waiting' }).waitFor();
      await state.b.page.evaluate(() => { window.__noReload = true; });
      const { page } = state.a;
      await page.goto('/fights/new?game=tanks');
      await page.getByLabel('Your bot').waitFor();
      const search = page.getByLabel('Invite players by username');
      await search.fill(B.name.slice(0, 7));
      await page.getByRole('list', { name: 'Matching users' }).getByRole('button', { name: B.name }).click();
      await page.getByRole('list', { name: 'Invited players' }).getByText(B.name).waitFor();
      await page.getByRole('button', { name: 'Host fight' }).click();
      await page.waitForURL(/\/fights\/[0-9a-f-]{36}$/);
      state.fightURL = new URL(page.url()).pathname;
      await waitState(page, ['Open'], STEP_TIMEOUT);
      await page.locator('li').filter({ hasText: B.name }).getByText('pending').waitFor();
    });

    await step('bob sees the invitation and accepts with his bot', async () => {
      const { page } = state.b;
      await page.getByText(`${A.name} invited you`).waitFor({ timeout: 20000 });
      await page.getByRole('link', { name: 'Invitations 1 waiting' }).waitFor();
      assert.equal(await page.evaluate(() => window.__noReload), true, 'the dashboard updated without reload');
      await page.goto('/invitations');
      const item = page.locator('li').filter({ hasText: `${A.name} invited you` });
      await item.getByLabel('Fight with').waitFor();
      await item.getByRole('button', { name: /^Accept/ }).click();
      await page.waitForURL(`**${state.fightURL}`);
    });

    await step('the fight starts and finishes live on the host page, without reload', async () => {
      const { page } = state.a;
      // Alice's page has stayed open since she hosted: no reload, only live events.
      await page.evaluate(() => { window.__noReload = true; });
      // Tanks takes two players: bob's answer was the last one, so it starts by itself.
      await waitState(page, ['Queued', 'Simulating', 'Finished'], 20000);
      await waitState(page, ['Finished', 'Failed'], finishTimeoutMs);
      assert.equal(await page.evaluate(() => window.__noReload), true, 'page was not reloaded');
      const line = await page.locator('.status-line').innerText();
      assert.match(line, /Finished/, `fight state: ${line}`);
    });

    await step('results, verdicts and own log only', async () => {
      const { page } = state.a;
      const rows = page.locator('table.players tbody tr');
      assert.equal(await rows.count(), 2);
      const text = await page.locator('table.players').innerText();
      assert.match(text, /Win|Loss|Draw/);
      assert.match(text, /OK|limit|crash|timeout|illegal|protocol|killed/i);
      // Alice's log section shows her bot only, never Bob's.
      const logs = page.locator('details');
      assert.equal(await logs.count(), 1, 'one log: my own bot');
      assert.match(await logs.first().locator('summary').innerText(), new RegExp(A.name));
    });

    await step('the replay plays on the fight page', async () => {
      const { page } = state.a;
      const canvas = page.locator('.viewer canvas').first();
      await canvas.waitFor({ timeout: 20000 });
      const snap = () => canvas.evaluate((c) => c.toDataURL());
      const first = await snap();
      let changed = false;
      for (let i = 0; i < 20 && !changed; i++) {
        await page.waitForTimeout(250);
        changed = (await snap()) !== first;
      }
      assert.ok(changed, 'the replay canvas changes while it plays');
    });

    await step('screenshots of the fight page at 375 px and 1280 px', async () => {
      const { page } = state.a;
      await page.waitForFunction(() => !document.querySelector('.toast'), null, { timeout: 8000 });
      for (const width of [1280, 375]) {
        await page.setViewportSize({ width, height: width === 375 ? 812 : 900 });
        if (width === 375) {
          // The menu folds behind a button on phones; it opens, and Escape closes it.
          const nav = page.getByRole('navigation', { name: 'Main' });
          assert.equal(await nav.getByRole('link', { name: 'Dashboard' }).isVisible(), false);
          await page.getByRole('button', { name: 'Menu' }).click();
          await nav.getByRole('link', { name: 'Dashboard' }).waitFor();
          await page.keyboard.press('Escape');
          await nav.getByRole('link', { name: 'Dashboard' }).waitFor({ state: 'hidden' });
          assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-controls')), 'site-nav', 'focus back on the menu button');
          await page.evaluate(() => document.activeElement.blur());
        }
        await page.waitForTimeout(300);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `no horizontal scrolling at ${width} px (overflow ${overflow})`);
        await page.screenshot({ path: join(artifacts, `fight-${width}.png`), fullPage: true });
      }
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    await step('light cycles: alice hosts, invites two, bob accepts on the fight page, alice starts it', async () => {
      const lcCode = readFileSync(join(sourceDir, 'games', 'light_cycles', 'templates', lcTemplate), 'utf8');
      for (const u of [state.a, state.b]) {
        const { page } = u;
        await page.goto('/bots/new?game=light_cycles');
        await page.getByLabel('Name').fill('Cycle');
        if (u === state.b) {
          // Bob starts from the game's starter template, one click.
          await page.getByRole('button', { name: 'Paste the starter template' }).click();
          await page.waitForFunction(() => document.querySelector('textarea').value.includes('class Main'));
        } else {
          await page.getByLabel('Or paste the code').fill(lcCode);
        }
        await page.getByRole('button', { name: 'Upload bot' }).click();
        await page.waitForURL(/\/bots\/\d+$/);
      }
      const a = state.a.page;
      await a.goto('/fights/new?game=light_cycles');
      await a.getByLabel('Your bot').waitFor();
      // The settings form comes from the game's settings spec and checks ranges.
      const ticks = a.getByLabel('Maximum number of ticks');
      await ticks.fill('999999');
      await a.getByRole('button', { name: 'Host fight' }).click();
      await a.locator('.form-error[role="alert"]').filter({ hasText: /Maximum number of ticks must be/ }).waitFor();
      assert.equal(await ticks.getAttribute('aria-invalid'), 'true');
      await ticks.fill('60');
      const search = a.getByLabel('Invite players by username');
      // Bob by typing his whole name and Enter; Carol by keyboard from the suggestions.
      await search.fill(B.name);
      await search.press('Enter');
      await a.getByRole('list', { name: 'Invited players' }).getByText(B.name).waitFor();
      await search.fill(C.name.slice(0, 8));
      await a.getByRole('list', { name: 'Matching users' }).getByRole('button', { name: C.name }).waitFor();
      await search.press('ArrowDown');
      await a.keyboard.press('Enter');
      await a.getByRole('list', { name: 'Invited players' }).getByText(C.name).waitFor();
      await a.getByRole('button', { name: 'Host fight' }).click();
      await a.waitForURL(/\/fights\/[0-9a-f-]{36}$/);
      state.lcURL = new URL(a.url()).pathname;
      await waitState(a, ['Open'], STEP_TIMEOUT);

      const b = state.b.page;
      await b.goto(state.lcURL);
      await b.getByRole('heading', { name: `${A.name} invited you` }).waitFor();
      await b.getByLabel('Fight with').selectOption({ label: 'Cycle (v1)' });
      // The open fight is polled; an unchanged fight must not re-render under the user's hands.
      const chosen = await b.getByLabel('Fight with').elementHandle();
      await b.waitForTimeout(4500);
      assert.equal(await chosen.evaluate((el) => el.isConnected), true, 'the bot choice survived the poll');
      await b.getByRole('button', { name: 'Accept' }).click();
      await b.getByText('You accepted with').waitFor();

      // Carol has not answered, so the fight waits for the host.
      await a.locator('li').filter({ hasText: B.name }).getByText('accepted').waitFor({ timeout: 20000 });
      await a.getByText(/^2 of 2.6 players ready\./).waitFor();
      await a.getByRole('button', { name: 'Start fight' }).click();
      await waitState(a, ['Queued', 'Simulating', 'Finished'], STEP_TIMEOUT);
      await waitState(a, ['Finished', 'Failed'], finishTimeoutMs);
      assert.match(await a.locator('.status-line').innerText(), /Finished/);
      assert.equal(await a.locator('table.players tbody tr').count(), 2);
      await a.locator('.fight-settings').filter({ hasText: '= 60' }).waitFor();
      await a.locator('.viewer canvas').first().waitFor({ timeout: 20000 });
    });

    await step('an invitee declines; the fight that cannot fill is cancelled, live', async () => {
      const a = state.a.page;
      await a.goto('/fights/new?game=tanks');
      await a.getByLabel('Your bot').waitFor();
      await a.getByLabel('Invite players by username').fill(C.name);
      await a.getByLabel('Invite players by username').press('Enter');
      await a.getByRole('button', { name: 'Host fight' }).click();
      await a.waitForURL(/\/fights\/[0-9a-f-]{36}$/);
      const url = new URL(a.url()).pathname;
      await waitState(a, ['Open'], STEP_TIMEOUT);
      const c = state.c.page;
      await c.goto('/invitations');
      const item = c.locator('li').filter({ hasText: `${A.name} invited you` });
      await item.getByRole('button', { name: /^Decline/ }).click();
      await item.waitFor({ state: 'detached' });
      await c.reload();
      await c.getByRole('heading', { name: 'Earlier' }).waitFor();
      await c.locator(`a[href="${url}"]`).first().waitFor();
      await waitState(a, ['Cancelled'], 20000);
    });

    await step('play now against a house bot (bob)', async () => {
      const { page } = state.b;
      await page.goto('/game/tanks');
      await page.getByRole('button', { name: 'Play now vs house bot' }).click();
      await page.waitForURL(/\/fights\/[0-9a-f-]{36}$/);
      await waitState(page, ['Finished', 'Failed'], finishTimeoutMs);
      assert.match(await page.locator('.status-line').innerText(), /Finished/);
      await page.locator('table.players').getByText('House bot').waitFor();
      await page.locator('details summary').filter({ hasText: B.name }).waitFor();
      state.playNowURL = new URL(page.url()).pathname;
      await page.setViewportSize({ width: 375, height: 812 });
      await page.waitForFunction(() => !document.querySelector('.toast'), null, { timeout: 8000 });
      await page.screenshot({ path: join(artifacts, 'play-now-375.png'), fullPage: true });
    });

    await step('live progress, then stop a running fight (carol)', async () => {
      const { page } = state.c;
      // A bot that idles slowly on every tick against the idle house bot: nobody
      // gets hurt, so the fight runs its 100 ticks, long enough to watch and stop.
      const slow = 'import time\n\n\nclass Main:\n    def decide_tick(self, tick, my_state, enemy_state):\n        time.sleep(0.08)\n        return "N"\n';
      await page.goto('/bots/new?game=tanks');
      await page.getByLabel('Name').fill('Slow tank');
      await page.getByLabel('Or paste the code').fill(slow);
      await page.getByRole('button', { name: 'Upload bot' }).click();
      await page.waitForURL(/\/bots\/\d+$/);
      // The do-nothing house bot never ends the fight early.
      await page.getByLabel('House bot').selectOption('empty.py');
      await page.getByRole('button', { name: 'Play now vs house bot' }).click();
      await page.waitForURL(/\/fights\/[0-9a-f-]{36}$/);
      await page.locator('.status-line').filter({ hasText: /Simulating Running: tick \d+/ }).waitFor({ timeout: 30000 });
      const value = await page.locator('progress').evaluate((p) => (p.hasAttribute('value') ? p.value : null));
      assert.ok(value !== null, 'the progress bar shows how far the fight is');
      // Keyboard: focus stays on Stop while ticks keep updating the status, and Enter stops.
      const stop = page.getByRole('button', { name: 'Stop fight' });
      await stop.focus();
      const tickBefore = await page.locator('.status-line').innerText();
      await page.waitForFunction((t) => document.querySelector('.status-line').innerText !== t, tickBefore, { timeout: 10000 });
      assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'stop-fight', 'focus survived the live updates');
      page.once('dialog', (d) => d.accept());
      await page.keyboard.press('Enter');
      await waitState(page, ['Cancelled'], 30000);
      assert.equal(await page.getByRole('button', { name: 'Stop fight' }).count(), 0);
    });

    await step('a crashing bot gets a verdict in words and its own log (carol)', async () => {
      const { page } = state.c;
      await page.goto('/bots/new?game=tanks');
      await page.getByLabel('Name').fill('Broken tank');
      // Its stderr carries markup: the page must show it as text, never run it.
      await page.getByLabel('Or paste the code').fill('import sys\nprint(\'<img src=x onerror="window.__xss=1">\', file=sys.stderr)\nraise RuntimeError("boom at import")\n');
      await page.getByRole('button', { name: 'Upload bot' }).click();
      await page.waitForURL(/\/bots\/\d+$/);
      // The upload's check says so at once, with the line, without a reload;
      // the version is kept and still fights.
      const v1 = page.locator('li').filter({ hasText: 'Version 1' });
      await v1.getByText('check failed').waitFor({ timeout: 15000 });
      await v1.locator('.check-message').filter({ hasText: 'RuntimeError: boom at import (line 3)' }).waitFor();
      await page.getByRole('button', { name: 'Play now vs house bot' }).click();
      await page.waitForURL(/\/fights\/[0-9a-f-]{36}$/);
      await waitState(page, ['Finished', 'Failed'], finishTimeoutMs);
      const row = page.locator('table.players tbody tr').filter({ hasText: C.name });
      const verdict = await row.locator('td[data-label="Verdict"]').innerText();
      assert.match(verdict, /crash/i, `verdict shown: ${verdict}`);
      assert.ok(verdict.length > 'Crashed'.length + 3, `the verdict comes with words: ${verdict}`);
      await page.locator('pre.log').filter({ hasText: 'boom at import' }).waitFor();
      assert.match(await page.locator('pre.log').innerText(), /<img src=x onerror=/);
      assert.equal(await page.evaluate(() => window.__xss), undefined, 'markup in a log is never run');
      assert.equal(await page.locator('pre.log img').count(), 0);
    });

    await step('private fights stay private; public ones are open to visitors', async () => {
      // Carol was not part of Bob's private play-now fight.
      await state.c.page.goto(state.playNowURL);
      await state.c.page.getByRole('heading', { name: 'Not found', level: 1 }).waitFor();
      // A visitor without an account sees the public Tanks fight, without anyone's log.
      const ctx = await browser.newContext({ baseURL });
      ctx.setDefaultTimeout(STEP_TIMEOUT);
      const page = await ctx.newPage();
      page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
      await page.goto(state.fightURL);
      await page.locator('.status-line').filter({ hasText: 'Finished' }).waitFor();
      assert.equal(await page.locator('table.players tbody tr').count(), 2);
      assert.equal(await page.locator('details').count(), 0, 'no bot log for visitors');
      await page.getByRole('link', { name: 'Log in' }).first().waitFor();
      await ctx.close();
    });

    await step('dashboard lists my fights and bots', async () => {
      const { page } = state.b;
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto('/dashboard');
      await page.getByRole('heading', { name: 'My fights' }).waitFor();
      assert.ok(await page.locator('[data-fight]').count() >= 2, 'two fights on the dashboard');
      await page.getByRole('link', { name: 'File tank' }).waitFor();
      // A fight started elsewhere (another tab) shows up and reaches Finished by itself.
      await page.evaluate(() => { window.__noReload = true; });
      const before = await page.locator('[data-fight]').count();
      const started = await page.evaluate(async () => {
        const s = await (await fetch('/api/session')).json();
        const bots = await (await fetch('/api/bots?game=tanks')).json();
        const r = await fetch('/api/fights/play-now', {
          method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token },
          body: JSON.stringify({ bot_id: bots.bots[0].id }),
        });
        return (await r.json()).id;
      });
      const row = page.locator(`[data-fight="${started}"]`);
      await row.locator('.state-cell').getByText('Finished').waitFor({ timeout: finishTimeoutMs });
      assert.ok(await page.locator('[data-fight]').count() > before);
      assert.equal(await page.evaluate(() => window.__noReload), true, 'the dashboard updated without reload');
      await page.waitForFunction(() => !document.querySelector('.toast'), null, { timeout: 8000 });
      await page.screenshot({ path: join(artifacts, 'dashboard-1280.png'), fullPage: true });
    });

    await step('public fights list with filters and pages', async () => {
      const { page } = state.c;
      await page.goto(`/fights?game=tanks&state=finished&user=${A.name}`);
      await page.locator(`a[href="${state.fightURL}"]`).waitFor();
      // The filter form drives the URL; one fight a page makes the pager show.
      await page.goto('/fights?per_page=1');
      await page.getByLabel('Game').selectOption('light_cycles');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/game=light_cycles/);
      await page.locator(`a[href="${state.lcURL}"]`).waitFor();
      await page.goto(`/fights?user=${A.name}&per_page=1`);
      const pager = page.getByRole('navigation', { name: 'Pages' });
      await pager.getByText(/Page 1 of [2-9]/).waitFor();
      const first = await page.locator('[data-fight]').getAttribute('data-fight');
      await pager.getByRole('link', { name: /Older/ }).click();
      await pager.getByText(/Page 2 of/).waitFor();
      assert.notEqual(await page.locator('[data-fight]').getAttribute('data-fight'), first, 'page 2 shows another fight');
    });

    await step('account settings and password change (alice)', async () => {
      const { page } = state.a;
      await page.goto('/account');
      await page.getByLabel('About you').fill('I write tanks.');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByText('Settings saved.').waitFor();
      await page.getByLabel('Current password').fill('wrong password');
      await page.getByLabel('New password', { exact: true }).fill('new secret 42');
      await page.getByLabel('Repeat new password').fill('new secret 42');
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.locator('.form-error').filter({ hasText: /current password is wrong/i }).waitFor();
      await page.getByLabel('Current password').fill(A.password);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('Password changed.').waitFor();
      A.password = 'new secret 42';
      await page.reload();
      assert.equal(await page.getByLabel('About you').inputValue(), 'I write tanks.');
    });

    if (resetToken) {
      await step('password reset with the operator\'s token (carol)', async () => {
        const ctx = await browser.newContext({ baseURL });
        ctx.setDefaultTimeout(STEP_TIMEOUT);
        const page = await ctx.newPage();
        page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
        await page.goto('/login');
        await page.getByRole('link', { name: 'Reset it' }).click();
        await page.getByLabel('Username').fill(C.name);
        await page.getByRole('button', { name: 'Request a reset' }).click();
        await page.getByText(/operator of this site has your one-time reset link/).waitFor();
        const token = await resetToken(C.name);
        assert.ok(token, 'the reset link is in cf-web\'s log');
        await page.goto(`/reset?token=${encodeURIComponent(token)}`);
        await page.getByLabel('New password', { exact: true }).fill('carol resets 7');
        await page.getByLabel('Repeat new password').fill('carol resets 7');
        await page.getByRole('button', { name: 'Set new password' }).click();
        await page.getByText('Your password is set.').waitFor();
        await page.getByRole('link', { name: 'Log in with it' }).click();
        await page.getByLabel('Username').fill(C.name);
        await page.getByLabel('Password').fill('carol resets 7');
        await page.getByRole('button', { name: 'Log in' }).click();
        await page.waitForURL('**/dashboard');
        await ctx.close();
      });
    }

    await step('log out, then log in with the keyboard only', async () => {
      const { page } = state.a;
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('link', { name: 'Log in' }).first().waitFor();
      await page.goto('/login');
      await page.locator('h1').waitFor();
      // Tab from the top of the page until the username field has focus.
      await page.locator('body').evaluate((b) => b.focus());
      let found = false;
      for (let i = 0; i < 30 && !found; i++) {
        await page.keyboard.press('Tab');
        found = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('autocomplete') === 'username');
      }
      assert.ok(found, 'the username field is reachable with Tab');
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert.notEqual(outline, 'none', 'the focused field shows a focus ring');
      await page.keyboard.type(A.name);
      await page.keyboard.press('Tab');
      await page.keyboard.type(A.password);
      await page.keyboard.press('Enter');
      await page.waitForURL('**/dashboard');
      await page.getByRole('heading', { name: `Hello, ${A.name}` }).waitFor();
    });

    await step('accessibility basics on every page (labels, names, alt, one h1, lang)', async () => {
      const { page } = state.a; // logged in again after the keyboard login
      const pages = ['/', '/dashboard', '/game', '/game/tanks', '/bots', '/bots/new', '/fights', '/fights/new',
        state.fightURL, '/invitations', '/account', '/nowhere'];
      const problems = [];
      for (const path of pages) {
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
          for (const el of document.querySelectorAll('button, a[href]')) {
            if (!name(el) && !el.querySelector('img[alt]:not([alt=""])')) out.push(`nameless ${el.tagName.toLowerCase()} ${el.outerHTML.slice(0, 60)}`);
          }
          for (const el of document.querySelectorAll('img')) if (!el.hasAttribute('alt')) out.push(`img without alt ${el.src}`);
          const h1 = document.querySelectorAll('h1').length;
          if (h1 !== 1) out.push(`${h1} h1 elements`);
          if (!document.documentElement.lang) out.push('no lang on html');
          if (!document.title) out.push('empty title');
          return out;
        });
        for (const f of found) problems.push(`${path}: ${f}`);
      }
      assert.deepEqual(problems, []);
    });

    await step('no script errors in any page', async () => {
      assert.deepEqual(consoleErrors, []);
    });
  } finally {
    await browser.close().catch(() => {});
  }
  writeFileSync(join(artifacts, 'results.json'), JSON.stringify(results.map((r) => ({ name: r.name, ok: r.ok, skipped: !!r.skipped, error: r.error ? String(r.error.message || r.error) : undefined })), null, 2));
  return results;
}
