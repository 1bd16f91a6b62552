// browser.mjs — Debian's chromium driven by playwright-core from the repo's
// root node_modules (`npm ci` at the repo root).
// launch() gives chromium a fresh temporary user-data-dir (playwright creates
// it and removes it on close); each user of a test gets its own context, so
// cookies never mix.
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', '..', '..', 'package.json'));

export const CHROMIUM = process.env.CF_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export async function launch() {
  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch (err) {
    throw new Error(`playwright-core is missing: run \`npm ci\` at the repository root (${err.message})`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60000 });
}

// Collects a page's script errors into errors, each after prefix (whose
// page): uncaught exceptions and console errors; a refused or dropped
// request is the network's business, not a script error.
export function collectScriptErrors(page, errors, prefix = '') {
  page.on('pageerror', (e) => errors.push(`${prefix}pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/EventSource|net::ERR|Failed to load resource/.test(m.text())) errors.push(`${prefix}console: ${m.text()}`);
  });
}

// A flow's steps: each runs while every one before it passed; the first
// failure stops the flow (the later steps depend on it) and the rest count
// as skipped. onFail(name) keeps the evidence of a failure (screenshots).
export function stepper(results, log, onFail) {
  let failed = false;
  return async function step(name, fn) {
    if (failed) { results.push({ name, ok: false, skipped: true }); log(`SKIP ${name}`); return; }
    const t0 = Date.now();
    try {
      await fn();
      results.push({ name, ok: true });
      log(`PASS ${name} (${Date.now() - t0} ms)`);
    } catch (err) {
      failed = true;
      results.push({ name, ok: false, error: err });
      log(`FAIL ${name}: ${err && err.stack ? err.stack : err}`);
      await onFail(name);
    }
  };
}
