// viewer_test.mjs — plays a game's replay viewer in headless Chromium.
//
//   node viewer_test.mjs --game tanks --viewer .../web/viewer.js \
//        --report-tool .../cf-game-report --screenshot out.png
//
// The report comes from cf-game-report (a real simulation through the
// scripted arena); the page, the viewer and the report are served on
// 127.0.0.1 on a random port. Checks: the first frame shows, play advances
// frames and pause stops them, step and the scrubber move to the right frame,
// the canvas changes with the frame, the state table follows, and the page
// logs no error. Exit 0 only when everything held.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: opt } = parseArgs({
  options: {
    game: { type: 'string' },
    viewer: { type: 'string' },
    'report-tool': { type: 'string' },
    screenshot: { type: 'string' },
    seed: { type: 'string', default: '7' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
for (const k of ['game', 'viewer', 'report-tool', 'screenshot'])
  if (!opt[k]) { console.error(`viewer_test: --${k} is required`); process.exit(2); }

let failures = 0;
function check(cond, what) {
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
  if (!cond) failures++;
}

const reportText = execFileSync(opt['report-tool'], [opt.game, opt.seed], { encoding: 'utf8' });
const report = JSON.parse(reportText);
check(report.game === opt.game, `report is a ${opt.game} fight`);
const viewerJs = readFileSync(opt.viewer, 'utf8');

const page = `<!doctype html><html><head><meta charset="utf-8"><title>viewer test</title></head>
<body><div id="viewer"></div>
<script type="module">
import { mount } from '/viewer.js';
const report = await (await fetch('/report.json')).json();
// The page's own element beside the board (options.aside), and the ticks
// the cf-frame events name.
const aside = document.createElement('div');
aside.id = 'aside';
aside.textContent = 'the page aside';
window.frameEvents = [];
document.getElementById('viewer').addEventListener('cf-frame', (e) => window.frameEvents.push(e.detail));
window.viewer = mount(document.getElementById('viewer'), report, { aside });
window.viewerReady = true;
</script></body></html>`;

const server = http.createServer((req, res) => {
  const routes = {
    '/': ['text/html; charset=utf-8', page],
    '/viewer.js': ['text/javascript; charset=utf-8', viewerJs],
    '/report.json': ['application/json', reportText],
    '/favicon.ico': ['image/x-icon', ''],
  };
  const r = routes[req.url];
  if (!r) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': r[0], 'cache-control': 'no-store' });
  res.end(r[1]);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: opt.chromium,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const errors = [];
try {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const p = await ctx.newPage();
  p.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  p.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  p.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  await p.goto(url);
  await p.waitForFunction(() => window.viewerReady === true, null, { timeout: 10000 });

  const frameNo = () => p.$eval('#viewer', (e) => Number(e.dataset.frame));
  const canvasData = () => p.$eval('#viewer canvas', (c) => c.toDataURL());
  const tableText = () => p.$eval('#viewer [data-role=state]', (t) => t.textContent);
  const n = await p.evaluate(() => window.viewer.frames());
  check(n >= 12, `viewer has the report's frames (${n})`);
  check(n === (Array.isArray(report.data) ? report.data.length : report.data.frames.length),
    'frame count equals the replay data');
  check(await frameNo() === 0, 'starts on frame 0');
  const blank = await p.$eval('#viewer canvas', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4 * 97) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]}`);
    return seen.size;
  });
  check(blank > 3, `canvas is drawn (${blank} colours sampled)`);
  const img0 = await canvasData();
  const table0 = await tableText();

  await p.click('#viewer [data-action=step]');
  check(await frameNo() === 1, 'step goes to frame 1');
  const tickOf = () => p.evaluate(() => ({ last: window.frameEvents[window.frameEvents.length - 1], attr: document.getElementById('viewer').dataset.tick }));
  let t = await tickOf();
  check(t.last && t.last.frame === 1 && t.last.tick === 0 && t.attr === '0', `frame 1 follows tick 0 (${JSON.stringify(t)})`);
  await p.click('#viewer [data-action=step-back]');
  check(await frameNo() === 0, 'step back returns to frame 0');
  t = await tickOf();
  check(t.last && t.last.frame === 0 && t.last.tick === null && t.attr === undefined, `the set-up follows no tick (${JSON.stringify(t)})`);
  const aside = await p.evaluate(() => {
    const a = document.getElementById('aside');
    const legend = document.querySelector('#viewer [data-role=legend]');
    return { inside: !!a.closest('.cf-viewer'), after: !!(legend.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING) };
  });
  check(aside.inside && aside.after, `options.aside shown in the viewer, after the legend (${JSON.stringify(aside)})`);

  const last = n - 1;
  await p.$eval('#viewer [data-role=scrub]', (s, v) => {
    s.value = String(v);
    s.dispatchEvent(new Event('input', { bubbles: true }));
  }, last);
  check(await frameNo() === last, `scrub to the last frame (${last})`);
  check(await canvasData() !== img0, 'canvas differs between the first and last frames');
  check(await tableText() !== table0, 'state table follows the frame');
  const outcome = await p.$eval('#viewer [data-role=outcome]', (e) => e.textContent);
  check(outcome.length > 0, `outcome shown on the last frame ("${outcome}")`);
  const mid = Math.floor(last / 2);
  await p.$eval('#viewer [data-role=scrub]', (s, v) => {
    s.value = String(v);
    s.dispatchEvent(new Event('input', { bubbles: true }));
  }, mid);
  check(await frameNo() === mid, `scrub back to frame ${mid}`);

  await p.$eval('#viewer [data-role=scrub]', (s) => {
    s.value = '0';
    s.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await p.selectOption('#viewer [data-role=speed]', '2'); // 8 frames a second
  await p.click('#viewer [data-action=play]');
  await p.waitForTimeout(500);
  const f1 = await frameNo();
  await p.waitForTimeout(500);
  const f2 = await frameNo();
  check(f1 > 0 && (f2 > f1 || f2 === last), `play advances frames (${f1} then ${f2})`);
  await p.$eval('#viewer [data-role=scrub]', (s) => {
    s.value = '0';
    s.dispatchEvent(new Event('input', { bubbles: true }));
  });
  check(await p.$eval('#viewer', (e) => e.dataset.playing) === 'false', 'scrubbing pauses');
  await p.click('#viewer [data-action=play]');
  await p.waitForTimeout(300);
  check(await p.$eval('#viewer', (e) => e.dataset.playing) === 'true', 'play button plays');
  await p.click('#viewer [data-action=play]'); // now a pause button
  const f3 = await frameNo();
  await p.waitForTimeout(500);
  check(f3 > 0 && await frameNo() === f3, `pause stops on a frame (${f3})`);

  // Readable at a glance (issue 17): a legend ties each colour to the
  // player's name from the report; Tanks shows each tank's health.
  const names = (report.players || []).map((pl) => pl.name);
  const legend = await p.$$eval('#viewer [data-role=legend] [data-player]', (li) => li.map((x) => x.textContent));
  check(legend.length === names.length && names.every((nm, i) => legend[i].includes(nm)),
    `the legend names every player (${legend.map((t) => t.slice(0, 40)).join(' | ')})`);
  if (opt.game === 'tanks') {
    const meters = await p.$$eval('#viewer [data-role=health]', (m) => m.map((x) => Number(x.getAttribute('aria-valuenow'))));
    check(meters.length === 2 && meters.every((v) => v >= 0 && v <= 100), `a health bar per tank (${meters})`);
    check(!/\[\[|\]\]|null/.test(await tableText()), 'the state says shots in words, not JSON');
  }
  check(/Space/.test(await p.$eval('#viewer [data-role=keys]', (e) => e.textContent)), 'the keys are written beside the viewer');

  // The keyboard: focus the viewer, then Home, →, ←, End, Space.
  await p.focus('#viewer .cf-viewer');
  await p.keyboard.press('Home');
  check(await frameNo() === 0, 'Home goes to the first frame');
  await p.keyboard.press('ArrowRight');
  await p.keyboard.press('ArrowRight');
  check(await frameNo() === 2, '→ steps forward');
  await p.keyboard.press('ArrowLeft');
  check(await frameNo() === 1, '← steps back');
  await p.keyboard.press('End');
  check(await frameNo() === last, 'End goes to the last frame');
  await p.keyboard.press('Home');
  await p.keyboard.press('Space');
  check(await p.$eval('#viewer', (e) => e.dataset.playing) === 'true', 'Space plays');
  await p.keyboard.press('Space');
  check(await p.$eval('#viewer', (e) => e.dataset.playing) === 'false', 'Space pauses');
  const outline = await p.$eval('#viewer .cf-viewer', (e) => getComputedStyle(e).outlineStyle);
  check(outline !== 'none', `the focused viewer shows its focus (outline ${outline})`);
  await p.click('#viewer [data-action=last]');
  check(await frameNo() === last, 'the last-frame button');
  await p.click('#viewer [data-action=first]');
  check(await frameNo() === 0, 'the first-frame button');

  await p.$eval('#viewer [data-role=scrub]', (s, v) => {
    s.value = String(v);
    s.dispatchEvent(new Event('input', { bubbles: true }));
  }, last);
  await p.screenshot({ path: opt.screenshot, fullPage: true });

  // Reports are input: malformed ones show "no replay", never throw.
  const robust = await p.evaluate(async () => {
    const { mount } = await import('/viewer.js');
    const bad = [{}, { data: null }, { data: 'x' }, { data: [[1, 2]] }, { data: { size: 'x', frames: 5 } },
      { data: { size: 10, frames: [] } }, { data: [[[0, 0], [1]]], players: 'x' }, null];
    const shown = [];
    for (const report of bad) {
      const box = document.createElement('div');
      document.body.append(box);
      const v = mount(box, report);
      v.play(); v.step(); v.seek(3); v.setSpeed(2); v.pause();
      shown.push(box.textContent.includes('no replay'));
      v.destroy();
      box.remove();
    }
    return shown;
  });
  check(robust.every(Boolean), `malformed reports show "no replay" (${robust})`);
  console.log(`screenshot: ${opt.screenshot}`);
} finally {
  await browser.close();
  server.close();
}
for (const e of errors) console.log(`FAIL ${e}`);
check(errors.length === 0, 'no console or page errors');
process.exit(failures === 0 ? 0 : 1);
