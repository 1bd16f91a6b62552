// bench/web/run.mjs — wrk against cf-web's two hottest read paths: the
// fights list (anonymous, logged in, filtered by user, mine) and a finished
// fight's API page (anonymous, and logged in), 50 connections each.
// Starts its own cf-web on a scratch database (tests/web/api/stack.mjs),
// seeds 200 finished public fights played through the API and
// CF_BENCH_FIGHTS (default 100,000) more straight into the database, all
// bench_b's, then prints requests/s and p99.
//   CF_WEB_BIN=... CF_MIGRATE_BIN=... CF_SOURCE_DIR=... node bench/web/run.mjs [seconds]
import { execFileSync } from 'node:child_process';
import { startWeb, Client, psql } from '../../tests/web/api/stack.mjs';

const seconds = Number(process.argv[2] || 10);
const bins = { web: process.env.CF_WEB_BIN, migrate: process.env.CF_MIGRATE_BIN, source: process.env.CF_SOURCE_DIR };
for (const [k, v] of Object.entries(bins)) if (!v) throw new Error(`missing ${k}: set CF_WEB_BIN, CF_MIGRATE_BIN, CF_SOURCE_DIR`);

const stack = await startWeb({ ...bins, env: { CF_LOG_LEVEL: 'warn' } });
try {
  const a = new Client(stack.baseURL);
  const b = new Client(stack.baseURL);
  await a.post('/api/signup', { username: 'bench_a', password: 'password-123' });
  await b.post('/api/signup', { username: 'bench_b', password: 'password-123' });
  const code = 'class Main:\n    pass\n';
  const ab = (await a.post('/api/bots', { name: 'A', game: 'tanks', code })).body;
  const bb = (await b.post('/api/bots', { name: 'B', game: 'tanks', code })).body;
  let last;
  for (let i = 0; i < 200; i++) {
    const f = (await a.post('/api/fights', { game: 'tanks', bot_id: ab.id, invite: ['bench_b'] })).body;
    const inv = (await b.get('/api/invitations')).body.invitations.find((x) => x.fight_id === f.id);
    await b.post(`/api/invitations/${inv.id}/accept`, { bot_id: bb.id });
    last = f.id;
  }
  // The result processor's part, in bulk: every fight finished with a report.
  psql(stack.databaseUrl, `
    UPDATE fights SET status = 'finished', started_at = now(), finished_at = now(),
      result = '["W","L"]', explanation = 'a won', ticks = 100;
    UPDATE fight_players SET result = CASE slot WHEN 0 THEN 'win' ELSE 'loss' END,
      verdict = 'ok', cpu_ms = 12, peak_memory_kb = 9000, log = repeat('log line\n', 50);
    INSERT INTO fight_reports (fight_id, report, replay)
      SELECT id, '{"status":"finished"}', (SELECT jsonb_agg(jsonb_build_object('tick', g)) FROM generate_series(1, 100) g) FROM fights;`);
  // A realistic list: CF_BENCH_FIGHTS more finished public fights (default
  // 100,000; the list's query must not depend on how many there are).
  const extra = Number(process.env.CF_BENCH_FIGHTS ?? 100000);
  psql(stack.databaseUrl, `
    WITH f AS (INSERT INTO fights (id, game, host_id, status, visibility, created_at, finished_at)
      SELECT gen_random_uuid(), 'tanks', u.id, 'finished', 'public',
        now() - interval '1 day' - g * interval '1 second', now() - interval '1 day'
      FROM generate_series(1, ${extra}) g, users u WHERE u.username = 'bench_b' RETURNING id, host_id)
    INSERT INTO fight_players (fight_id, slot, user_id, name) SELECT id, 0, host_id, 'bench_b/B' FROM f;
    ANALYZE fights; ANALYZE fight_players;`);
  // Anonymous readers may be served from the short-lived cache; a logged-in
  // reader always costs the database (session, fight, players, invitations),
  // and so does every list request of a logged-in reader.
  const targets = [
    ['public fights list', '/api/fights', []],
    ['list, logged in', '/api/fights', ['-H', `Cookie: ${a.cookie}`]],
    ['list ?user=, logged in', '/api/fights?user=bench_b', ['-H', `Cookie: ${a.cookie}`]],
    ['list ?mine=1', '/api/fights?mine=1', ['-H', `Cookie: ${b.cookie}`]],
    ['finished fight page', `/api/fights/${last}`, []],
    ['fight page, logged in', `/api/fights/${last}`, ['-H', `Cookie: ${a.cookie}`]],
  ];
  console.log(`cf-web bench: ${200 + extra} fights, ${seconds}s per target, 50 connections, 2 wrk threads`);
  for (const [name, path, extra] of targets) {
    const out = execFileSync('wrk', ['-t2', '-c50', `-d${seconds}s`, '--latency', ...extra, stack.baseURL + path], { encoding: 'utf8' });
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
    const p99 = /^\s+99%\s+(\S+)/m.exec(out)?.[1];
    const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] || '0';
    console.log(`${name.padEnd(24)} ${path.padEnd(52)} ${Number(rps).toFixed(0).padStart(7)} req/s  p99 ${p99}  non-2xx ${errors}`);
  }
} finally {
  await stack.stop();
}
