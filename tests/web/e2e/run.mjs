#!/usr/bin/env node
// run.mjs — the browser end-to-end tests (ctest label "web").
//
//   node run.mjs --web BIN --simulator BIN --result-processor BIN --migrate BIN
//                --source DIR --artifacts DIR [--flow NAME: site (default), arcade, community, kiosk, console, editor, replay, output, ladder]
//   node run.mjs --url http://127.0.0.1:8080 --source DIR --artifacts DIR   (an existing stack)
//
// Starts a private stack (stack.mjs) from CF_REDIS_URL / CF_DATABASE_URL,
// drives chromium through the flow (flow.mjs: the site, web.e2e_browser;
// arcade_flow.mjs: the arcade, web.e2e_arcade; community_flow.mjs: its
// ratings, scoreboards and pages, web.e2e_community; kiosk_flow.mjs: its
// kiosk, web.e2e_kiosk; console_flow.mjs: the operator console, web.e2e_console;
// editor_flow.mjs: the bot page's code editor and test run, web.e2e_editor;
// output_flow.mjs: what bots print, beside the replay, web.e2e_output;
// ladder_flow.mjs: the ladder's leaderboard, histories and bot card, web.e2e_ladder;
// the arcade's three and the console with cf-simulator's arcade workers on), writes screenshots and service logs under --artifacts, stops
// what it started, and prints "N passed, N failed".
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startStack } from './stack.mjs';
import { runFlow } from './flow.mjs';
import { runArcadeFlow } from './arcade_flow.mjs';
import { runCommunityFlow } from './community_flow.mjs';
import { runKioskFlow } from './kiosk_flow.mjs';
import { runConsoleFlow } from './console_flow.mjs';
import { runEditorFlow } from './editor_flow.mjs';
import { runReplayFlow } from './replay_flow.mjs';
import { runOutputFlow } from './output_flow.mjs';
import { runLadderFlow } from './ladder_flow.mjs';

const { values: opt } = parseArgs({
  options: {
    web: { type: 'string' }, simulator: { type: 'string' }, 'result-processor': { type: 'string' },
    migrate: { type: 'string' }, source: { type: 'string' }, artifacts: { type: 'string' }, url: { type: 'string' },
    fight: { type: 'string' }, // cf-fight, for the replay flow's local replays
    'finish-timeout': { type: 'string', default: '180' },
    flow: { type: 'string', default: 'site' },
  },
});
// The flows, one line each: `env`, the stack's extra environment (the arcade
// flows need arcade workers: two plays at once); `run(common, stack)`, the
// flow, with common = { baseURL, artifacts, sourceDir } (stack: null with --url).
const ARCADE = { CF_ARCADE_SLOTS: '2' };
const FLOWS = {
  site: { env: {}, run: (common, stack) => runFlow({ ...common, finishTimeoutMs: Number(opt['finish-timeout']) * 1000, resetToken: stack ? (user) => lastResetToken(join(opt.artifacts, 'cf-web.log'), user) : null }) },
  arcade: { env: ARCADE, run: runArcadeFlow },
  community: { env: ARCADE, run: runCommunityFlow },
  kiosk: { env: ARCADE, run: runKioskFlow },
  console: { env: ARCADE, run: (common, stack) => runConsoleFlow({ ...common, stack, webBin: opt.web }) },
  editor: { env: {}, run: runEditorFlow },
  replay: { env: {}, run: (common, stack) => runReplayFlow({ ...common, stack, fightBin: opt.fight }) },
  output: { env: {}, run: runOutputFlow },
  // The scheduler off: the ladder is what the flow seeds.
  ladder: { env: { CF_LADDER_INTERVAL_MS: '0' }, run: (common, stack) => runLadderFlow({ ...common, stack }) },
};

// cf-web writes "password reset requested for user NAME: URL/reset?token=T" at warn level.
async function lastResetToken(logFile, user) {
  for (let i = 0; i < 50; i++) {
    const lines = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes(`user ${user}:`) && l.includes('/reset?token='));
    if (lines.length) return /\/reset\?token=([^\s()]+)/.exec(lines[lines.length - 1])[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

async function main() {
  if (!opt.source || !opt.artifacts) throw new Error('--source and --artifacts are required');
  if (!Object.hasOwn(FLOWS, opt.flow)) throw new Error(`--flow: ${Object.keys(FLOWS).join(', ')}, not ${opt.flow}`);
  mkdirSync(opt.artifacts, { recursive: true });
  // Each run's screenshots and logs replace the previous run's (only our own kinds of files).
  for (const f of readdirSync(opt.artifacts)) {
    if (/\.(png|log)$|^results\.json$/.test(f)) rmSync(join(opt.artifacts, f), { force: true });
  }
  let stack = null;
  let baseURL = opt.url;
  const stopOnSignal = async () => { if (stack) await stack.stop(); process.exit(130); };
  process.on('SIGINT', stopOnSignal);
  process.on('SIGTERM', stopOnSignal);
  try {
    if (!baseURL) {
      stack = await startStack({
        bins: { web: opt.web, simulator: opt.simulator, resultProcessor: opt['result-processor'], migrate: opt.migrate },
        sourceDir: opt.source, logDir: opt.artifacts, env: FLOWS[opt.flow].env,
      });
      baseURL = stack.baseURL;
      console.log(`stack up at ${baseURL}`);
    }
    const results = await FLOWS[opt.flow].run({ baseURL, artifacts: opt.artifacts, sourceDir: opt.source }, stack);
    if (stack) {
      // Every service must stop cleanly: a crash, a sanitizer report or a hang is a failure.
      const ended = await stack.stop();
      stack = null;
      const bad = ended.filter((e) => e.early || e.killed || e.code !== 0);
      for (const e of bad) console.log(`service ${e.name}: ${e.early ? 'died during the test' : e.killed ? 'did not stop on SIGTERM' : `exit ${e.code ?? e.signal}`} (see its log)`);
      results.push({ name: 'services stop cleanly', ok: bad.length === 0 });
      console.log(`${bad.length === 0 ? 'PASS' : 'FAIL'} services stop cleanly`);
    }
    const passed = results.filter((r) => r.ok).length;
    const failed = results.length - passed;
    console.log(`artifacts: ${opt.artifacts}`);
    console.log(`${passed} passed, ${failed} failed`);
    return failed === 0 && passed > 0 ? 0 : 1;
  } finally {
    if (stack) await stack.stop();
  }
}

main().then((code) => process.exit(code), (err) => {
  console.error(`e2e: ${err && err.stack ? err.stack : err}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
