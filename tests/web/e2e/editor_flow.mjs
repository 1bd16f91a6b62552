// editor_flow.mjs — the bot page's code editor (web.e2e_editor): one's own
// bot's code highlighted as Python, edited, saved as a new version, and a
// test run against a house bot on the real simulator and result processor,
// its result and replay shown in place; at 1280 px against a house bot, at
// 375 px against one's own bot (itself).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { launch, stepper, collectScriptErrors } from './browser.mjs';

const STEP_TIMEOUT = 15000;

export async function runEditorFlow({ baseURL, artifacts, sourceDir, log = console.log }) {
  mkdirSync(artifacts, { recursive: true });
  const suffix = Date.now().toString(36).slice(-5);
  const user = { name: `ed_${suffix}`, password: 'editor horse 7' };
  const botCode = readFileSync(join(sourceDir, 'games', 'tanks', 'templates', 'random_move_direct_fire.py'), 'utf8');
  const browser = await launch();
  const results = [];
  const errors = [];
  const offSite = [];
  const state = {};

  async function newPage(width) {
    // The phone is in dark mode: the editor's other colours.
    const ctx = await browser.newContext({ baseURL, viewport: { width, height: width === 375 ? 812 : 900 }, storageState: state.storage, colorScheme: width === 375 ? 'dark' : 'light' });
    ctx.setDefaultTimeout(STEP_TIMEOUT);
    const page = await ctx.newPage();
    collectScriptErrors(page, errors, `${width}px `);
    // Nothing is fetched from anywhere but the site (no CDN).
    page.on('request', (r) => { if (!r.url().startsWith(baseURL) && !/^(data|blob):/.test(r.url())) offSite.push(r.url()); });
    return { ctx, page };
  }

  const step = stepper(results, log, async (name) => {
    for (const [k, u] of Object.entries({ wide: state.wide, narrow: state.narrow })) {
      if (u) await u.page.screenshot({ path: join(artifacts, `failure-${name.replace(/\W+/g, '_')}-${k}.png`), fullPage: true }).catch(() => {});
    }
  });

  const noSideways = async (page, what) => {
    const sw = await page.evaluate(() => document.documentElement.scrollWidth);
    const w = await page.evaluate(() => window.innerWidth);
    assert.ok(sw <= w, `${what}: no horizontal scrolling (scrollWidth ${sw}, window ${w})`);
  };

  // Highlighted: `class` and `def` are keywords, coloured unlike plain text.
  async function highlighted(page) {
    const colours = await page.evaluate(() => {
      const spans = [...document.querySelectorAll('.cm-line span')];
      const kw = spans.find((s) => s.textContent === 'def' || s.textContent === 'class');
      const plain = getComputedStyle(document.querySelector('.cm-content')).color;
      return { kw: kw ? getComputedStyle(kw).color : null, plain, spans: spans.length };
    });
    assert.ok(colours.kw, `a keyword span (${colours.spans} spans)`);
    assert.notEqual(colours.kw, colours.plain, 'keywords have their own colour');
  }

  // The code the server keeps for a version.
  const versionCode = (page, v) => page.evaluate(async ([id, ver]) => (await fetch(`/api/bots/${id}/code?version=${ver}`)).text(), [state.botId, v]);

  // Types a line at the end of the code: a module-level comment (Ctrl+End,
  // a new line, the indentation CodeMirror gave it removed).
  async function appendLine(page, text) {
    const content = page.locator('.cm-content');
    await content.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Shift+Home'); // select the auto-indent, if any
    await page.keyboard.type(text);
  }

  // A test run against the house bot, to its result and replay in place.
  // opponent: 'house' (the Tanks starter that moves and fires) or 'self'
  // (this bot: one's own bot as the opponent).
  async function testRun(page, version, opponent) {
    const card = page.locator('.code-card');
    if (opponent === 'house') await card.getByLabel('Opponent').selectOption('house:random_move_direct_fire.py');
    else await card.getByLabel('Opponent').selectOption({ label: 'Edited tank (this bot, latest version)' });
    await card.getByRole('button', { name: 'Test run' }).click();
    const run = card.locator('.testrun');
    await run.getByRole('heading', { name: /Test run/ }).waitFor();
    await run.locator('.status-line').filter({ hasText: /Finished|Failed/ }).waitFor({ timeout: 180000 });
    // The stream tells the end before the result is stored: the result
    // shows once it is, and the state line keeps the end meanwhile.
    await run.locator('.testrun-players').waitFor({ timeout: 60000 });
    const line = await run.locator('.status-line').innerText();
    assert.match(line, /Finished/, `the test run finished: ${line}`);
    const players = run.locator('.testrun-players li');
    assert.equal(await players.count(), 2, 'two players: mine and the house bot');
    const text = await run.locator('.testrun-players').innerText();
    const mine = new RegExp(`${user.name} · Edited tank v${version}`, 'g');
    if (opponent === 'house') {
      assert.match(text, /House bot · random_move_direct_fire\.py/);
      assert.equal((text.match(mine) || []).length, 1, `my bot at version ${version}: ${text}`);
    } else {
      assert.doesNotMatch(text, /House bot/);
      assert.equal((text.match(mine) || []).length, 2, `my bot at version ${version} on both sides: ${text}`);
    }
    assert.match(text, /Win|Loss|Draw/);
    assert.match(text, /OK/);
    const canvas = run.locator('.viewer canvas').first();
    await canvas.waitFor({ timeout: 20000 });
    const snap = () => canvas.evaluate((c) => c.toDataURL());
    const first = await snap();
    let changed = false;
    for (let i = 0; i < 20 && !changed; i++) {
      await page.waitForTimeout(250);
      changed = (await snap()) !== first;
    }
    assert.ok(changed, 'the replay plays in place');
    assert.ok(/\/bots\/\d+$/.test(page.url()), 'still on the bot page');
    // The fight's own page is one link away.
    assert.match(await run.getByRole('link', { name: 'open the fight page' }).getAttribute('href'), /^\/fights\/[0-9a-f-]{36}$/);
  }

  try {
    await step('sign up and upload a Tanks bot', async () => {
      const ctx = await browser.newContext({ baseURL, viewport: { width: 1280, height: 900 } });
      ctx.setDefaultTimeout(STEP_TIMEOUT);
      const page = await ctx.newPage();
      collectScriptErrors(page, errors, 'signup ');
      await page.goto('/signup');
      await page.getByLabel('Username').fill(user.name);
      await page.getByLabel('Password', { exact: true }).fill(user.password);
      await page.getByLabel('Repeat password').fill(user.password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('heading', { name: 'Upload a bot', level: 1 }).waitFor();
      await page.getByLabel('Name').fill('Edited tank');
      await page.getByLabel('Game').selectOption('tanks');
      await page.getByLabel('Or paste the code').fill(botCode);
      await page.getByRole('button', { name: 'Upload bot' }).click();
      await page.waitForURL(/\/bots\/\d+$/);
      state.botId = Number(/\/bots\/(\d+)$/.exec(page.url())[1]);
      state.storage = await ctx.storageState();
      await ctx.close();
    });

    await step('1280: the bot page shows its code, highlighted as Python', async () => {
      state.wide = await newPage(1280);
      const { page } = state.wide;
      await page.goto(`/bots/${state.botId}`);
      await page.getByRole('heading', { name: 'Code', level: 2 }).waitFor();
      const editor = page.getByRole('textbox', { name: 'Code of Edited tank' });
      await editor.waitFor();
      assert.equal(await editor.getAttribute('contenteditable'), 'true');
      // The accessible description is the keyboard hint.
      const hintId = await editor.getAttribute('aria-describedby');
      assert.match(await page.locator(`#${hintId}`).innerText(), /Escape, then Tab/);
      await page.getByText('Version 1, the latest.').waitFor();
      assert.equal(await page.getByLabel('Show version').inputValue(), '1');
      // The code is there: its first line, and the whole text.
      const shown = await page.evaluate(() => [...document.querySelectorAll('.cm-line')].map((l) => l.textContent).join('\n'));
      assert.equal(shown.trimEnd(), botCode.trimEnd(), 'the editor holds version 1');
      await highlighted(page);
      // Served here, from the committed bundle.
      const r = await page.request.get('/vendor/codemirror/codemirror.js');
      assert.equal(r.status(), 200);
      assert.match(r.headers()['content-type'], /javascript/);
      assert.match(r.headers()['content-security-policy'] || '', /default-src 'self'/);
    });

    await step('1280: Tab indents, Escape then Tab moves on (no keyboard trap)', async () => {
      const { page } = state.wide;
      const content = page.locator('.cm-content');
      await content.click();
      await page.keyboard.press('Control+End');
      const before = await page.evaluate(() => document.querySelector('.cm-content').textContent.length);
      await page.keyboard.press('Tab');
      const after = await page.evaluate(() => document.querySelector('.cm-content').textContent.length);
      assert.ok(after > before, 'Tab indented');
      assert.ok(await page.evaluate(() => !!document.activeElement.closest('.cm-editor')), 'focus still in the editor');
      await page.getByText('Changed since version 1: not saved yet.').waitFor();
      await page.keyboard.press('Control+z');
      await page.getByText('Version 1, the latest.').waitFor();
      await page.keyboard.press('Escape');
      await page.keyboard.press('Tab');
      const where = await page.evaluate(() => ({ inEditor: !!document.activeElement.closest('.cm-editor'), text: document.activeElement.textContent }));
      assert.equal(where.inEditor, false, 'Escape, Tab left the editor');
      assert.equal(where.text, 'Save as new version', 'to the next control');
    });

    await step('1280: an edit saved as a new version (version 2, the typed code)', async () => {
      const { page } = state.wide;
      await appendLine(page, '# edited in the browser at 1280 px');
      await page.getByText('Changed since version 1: not saved yet.').waitFor();
      await page.getByRole('button', { name: 'Save as new version' }).click();
      await page.getByText('Version 2, the latest.').waitFor();
      assert.equal(await page.getByLabel('Show version').inputValue(), '2');
      await page.locator('li').filter({ hasText: 'Version 2' }).getByText('latest').waitFor();
      const saved = await versionCode(page, 2);
      assert.ok(saved.startsWith(botCode.trimEnd()), 'version 2 begins with version 1');
      assert.equal(saved.slice(botCode.trimEnd().length).trim(), '# edited in the browser at 1280 px', 'and adds what was typed');
      assert.equal(await versionCode(page, 1), botCode, 'version 1 kept');
      // The play-now card beside it names the new version too.
      await page.locator('#playnow-bot option', { hasText: 'Edited tank (v2)' }).waitFor({ state: 'attached' });
      // An older version loads into the editor on demand.
      await page.getByLabel('Show version').selectOption('1');
      await page.getByText('Version 1.', { exact: true }).waitFor();
      await page.getByLabel('Show version').selectOption('2');
      await page.getByText('Version 2, the latest.').waitFor();
    });

    await step('1280: test run against the house bot, result and replay in place', async () => {
      const { page } = state.wide;
      await testRun(page, 2, 'house');
      await page.waitForFunction(() => !document.querySelector('.toast'), null, { timeout: 8000 });
      await noSideways(page, 'bot page at 1280 px');
      await page.screenshot({ path: join(artifacts, 'editor-1280.png'), fullPage: true });
    });

    await step('375, dark: edit, test run against itself with unsaved changes (saved first as version 3), result and replay; Ctrl+S saves', async () => {
      state.narrow = await newPage(375);
      const { page } = state.narrow;
      await page.goto(`/bots/${state.botId}`);
      await page.getByRole('textbox', { name: 'Code of Edited tank' }).waitFor();
      await page.getByText('Version 2, the latest.').waitFor();
      await noSideways(page, 'bot page at 375 px');
      await highlighted(page);
      await appendLine(page, '# and at 375 px');
      await page.getByText('Changed since version 2: not saved yet.').waitFor();
      await testRun(page, 3, 'self');
      await page.getByText('Version 3, the latest.').waitFor();
      const saved = await versionCode(page, 3);
      assert.match(saved, /# edited in the browser at 1280 px\n# and at 375 px\n?$/, 'version 3 is what the editor held');
      // Ctrl+S in the editor saves too (not the browser's "save page").
      await appendLine(page, '# saved with Ctrl+S');
      await page.keyboard.press('Control+s');
      await page.getByText('Version 4, the latest.').waitFor();
      assert.match(await versionCode(page, 4), /# and at 375 px\n# saved with Ctrl\+S\n?$/);
      await page.waitForFunction(() => !document.querySelector('.toast'), null, { timeout: 8000 });
      await noSideways(page, 'bot page at 375 px with a test run');
      await page.screenshot({ path: join(artifacts, 'editor-375.png'), fullPage: true });
      await page.locator('.code-card').screenshot({ path: join(artifacts, 'editor-card-375.png') });
    });

    await step('nothing from another site, no script errors', async () => {
      assert.deepEqual(offSite, [], 'every request went to the site');
      assert.deepEqual(errors, [], 'no script errors');
    });
  } finally {
    await browser.close().catch(() => {});
  }
  return results;
}
