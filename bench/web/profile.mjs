// bench/web/profile.mjs — what each page of bench/web/run.mjs costs
// PostgreSQL: its statements, how many each request runs (round trips),
// and their mean planning and execution time, from pg_stat_statements.
// Requests go one at a time, so the figures are the statements' own.
//
// Needs a stack held by run.mjs (CF_BENCH_HOLD=FILE) and, on its
// PostgreSQL, pg_stat_statements preloaded (shared_preload_libraries,
// pg_stat_statements.track_planning = on) and created in the bench's
// database by a superuser, who also lets cf-web's role read and reset it:
//   CREATE EXTENSION pg_stat_statements;
//   GRANT pg_read_all_stats TO codefights;
//   GRANT EXECUTE ON FUNCTION pg_stat_statements_reset TO codefights;
// Then: node bench/web/profile.mjs FILE [requests per page] [name regex]
import { readFileSync } from 'node:fs';
import { psql } from '../../tests/web/api/stack.mjs';

const [file, nArg, filter] = process.argv.slice(2);
if (!file) throw new Error('usage: profile.mjs HOLD_FILE [requests] [regex]');
const held = JSON.parse(readFileSync(file, 'utf8'));
const n = Number(nArg || 200);
const only = filter ? new RegExp(filter) : null;
const db = held.databaseUrl;

for (const [name, path, headers] of held.pages) {
  if (only && !only.test(name) && !only.test(path)) continue;
  const h = Object.fromEntries(headers.map((x) => x.split(': ')));
  await fetch(held.baseURL + path, { headers: h }); // prepares what it prepares
  psql(db, 'SELECT pg_stat_statements_reset()');
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const r = await fetch(held.baseURL + path, { headers: h });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${name}: ${r.status}`);
  }
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  const rows = psql(db, `
    SELECT calls, round((total_plan_time / GREATEST(calls, 1))::numeric * 1000), plans,
           round((total_exec_time / GREATEST(calls, 1))::numeric * 1000), rows / GREATEST(calls, 1),
           regexp_replace(left(query, 110), '\\s+', ' ', 'g')
    FROM pg_stat_statements
    WHERE query NOT LIKE '%pg_stat_statements%' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY total_exec_time + total_plan_time DESC`).split('\n').filter(Boolean).map((l) => l.split('|'));
  const perReq = rows.reduce((a, r) => a + Number(r[0]), 0) / n;
  const dbUs = rows.reduce((a, r) => a + Number(r[0]) * (Number(r[1]) + Number(r[3])), 0) / n;
  console.log(`\n== ${name}  ${path.slice(0, 60)}\n   ${us.toFixed(0)} us a request alone, ${perReq.toFixed(2)} statements a request, ${dbUs.toFixed(0)} us of planning and execution in PostgreSQL`);
  for (const [calls, plan, plans, exec, nrows, q] of rows) {
    if (Number(calls) < n / 10) continue;
    console.log(`   ${(Number(calls) / n).toFixed(2).padStart(5)}x plan ${String(plan).padStart(5)} us (${String(plans).padStart(4)} plans) exec ${String(exec).padStart(6)} us  rows ${String(nrows).padStart(3)}  ${q}`);
  }
}
