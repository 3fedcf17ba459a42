#!/usr/bin/env node
/**
 * Measures benchmark (on PostgreSQL). For each size (1M and 10M outcome rows by default), a fresh database gets the
 * demo dataset of that size through the demo generator and the import path (`npm run demo -- --outcomes N`), then the
 * built service answers, over HTTP, a mix of
 *   - measures summaries (national, by authority, by region x year, by sector x quarter, one authority by measure,
 *     with explain), read from the rollups;
 *   - implementation indicators (national, by authority kind, by region) and peer benchmarks of authorities;
 * and prints p50/p95 latency of each endpoint, beside the same summary aggregations computed straight from the raw
 * outcome table in the same run (what the rollups buy), and the time the rollup refresh takes inside the transaction
 * of a 10,000-row correction batch (from the batch's phase timings), as a share of the batch.
 *
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/postgres npm run bench:measures
 *   SIZES=1000000 REQUESTS=300 npm run bench:measures         (one size; requests per endpoint)
 *   KEEP_DB=1 keeps each size's database; REUSE_DB=1 measures a kept one again instead of loading it (migrated first,
 *   so a database loaded by an earlier version of the service is measured on the same data)
 */
const { spawnSync } = require('node:child_process');
const { writeFileSync, mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Client } = require('pg');
const { ROOT, adminKey, startService, stopService, upload } = require('./bench-support');

const BASE = process.env.DATABASE_URL;
if (!BASE) {
  console.log('bench:measures runs on PostgreSQL: skipped, as DATABASE_URL is not set (e.g. postgres://root@127.0.0.1:5432/postgres)');
  process.exit(0);
}
const SIZES = (process.env.SIZES || '1000000,10000000').split(',').map(Number);
const REQUESTS = Number(process.env.REQUESTS || 200);
const KEEP = process.env.KEEP_DB === '1';
const REUSE = process.env.REUSE_DB === '1';

const dbUrl = (name) => {
  const u = new URL(BASE);
  u.pathname = `/${name}`;
  return u.toString();
};

/** Runs one statement on a database of the server (BASE: the server's own). */
async function onServerDb(url, sql) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}
const onServer = (sql) => onServerDb(BASE, sql);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const fmt = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

async function timeGet(url) {
  const t0 = process.hrtime.bigint();
  const res = await fetch(url);
  const body = await res.text();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status !== 200) throw new Error(`${res.status} ${url}: ${body.slice(0, 300)}`);
  return ms;
}

/** Latency of each endpoint over REQUESTS requests, its paths taken in turn (after one warm-up round). */
async function latencies(service, endpoints) {
  const out = [];
  for (const [name, paths] of endpoints) {
    for (const p of paths) await timeGet(service.url + p);
    const times = [];
    for (let i = 0; i < REQUESTS; i += 1) times.push(await timeGet(service.url + paths[i % paths.length]));
    times.sort((a, b) => a - b);
    out.push({ name, p50: percentile(times, 50), p95: percentile(times, 95), max: times[times.length - 1] });
  }
  return out;
}

/** The same aggregations from the raw outcomes (latest revisions valued by the same factors), median of 3 runs. */
const RAW = {
  'summary national (by category)': `
    select m.category, sum(o.quantity_canonical * f.real_per_unit) from outcomes o
    join contracts c on c.id = o.contract_id join measures m on m.id = o.measure_id
    left join valuation_factors f on f.measure_id = o.measure_id and f.year = extract(year from o.period_end)
    where o.is_latest group by 1`,
  'summary by authority': `
    select a.code, sum(o.quantity_canonical * f.real_per_unit), count(*) from outcomes o
    join contracts c on c.id = o.contract_id join authorities a on a.id = c.authority_id
    left join valuation_factors f on f.measure_id = o.measure_id and f.year = extract(year from o.period_end)
    where o.is_latest group by 1`,
  'summary by region x year': `
    select a.region, extract(year from o.period_end), sum(o.quantity_canonical * f.real_per_unit) from outcomes o
    join contracts c on c.id = o.contract_id join authorities a on a.id = c.authority_id
    left join valuation_factors f on f.measure_id = o.measure_id and f.year = extract(year from o.period_end)
    where o.is_latest group by 1, 2`,
};
const ROLLUP_PATHS = {
  'summary national (by category)': '/api/v1/measures/summary?group_by=category',
  'summary by authority': '/api/v1/measures/summary?group_by=authority',
  'summary by region x year': '/api/v1/measures/summary?group_by=region,year',
};

async function rawTimes(url) {
  const c = new Client({ connectionString: url });
  await c.connect();
  const out = {};
  try {
    for (const [name, sql] of Object.entries(RAW)) {
      const times = [];
      for (let i = 0; i < 3; i += 1) {
        const t0 = process.hrtime.bigint();
        await c.query(sql);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      out[name] = times.sort((a, b) => a - b)[1];
    }
  } finally {
    await c.end();
  }
  return out;
}

/** A 10,000-row correction batch (each outcome +1 in its unit) of outcomes spread over the data; the batch's phases. */
async function refreshAfterBatch(service, url, key) {
  const c = new Client({ connectionString: url });
  await c.connect();
  let rows;
  try {
    ({ rows } = await c.query(`
      select c.reference, m.code, o.period_start::text as ps, o.period_end::text as pe, (o.quantity + 1)::text as q, o.unit
      from outcomes o join contracts c on c.id = o.contract_id join measures m on m.id = o.measure_id
      where o.is_latest and o.id % 97 = 0 order by o.id limit 10000`));
  } finally {
    await c.end();
  }
  const dir = mkdtempSync(join(tmpdir(), 'svm-bench-'));
  const file = join(dir, 'corrections.csv');
  writeFileSync(file, ['contract,measure,period_start,period_end,quantity,unit', ...rows.map((r) => [r.reference, r.code, r.ps, r.pe, r.q, r.unit].join(','))].join('\n'));
  const t0 = Date.now();
  const answer = await upload(`${service.url}/api/v1/imports/outcomes`, file, key, 'text/csv');
  const total = Date.now() - t0;
  rmSync(dir, { recursive: true, force: true });
  const logged = await service.batchLog(answer.batch.id);
  const phases = logged.phases_ms ?? {};
  return { rows: rows.length, status: answer.batch.status, updated: answer.batch.rows_updated, total, refresh: phases.rollups - phases.merged, phases, steps: logged.rollups?.steps };
}

async function benchSize(size) {
  const name = `svm_bench_measures_${size}`;
  const url = dbUrl(name);
  // the outlier job off: it would recompute every measure after the demo load while latencies are measured
  const env = { DATABASE_URL: url, LOG_LEVEL: 'info', QUALITY_OUTLIER_CRON: 'off' };
  const reuse = REUSE && (await onServer(`select 1 from pg_database where datname = '${name}'`)).rowCount > 0;
  console.log(`\n== ${size.toLocaleString('en-GB')} outcome rows (database ${name}${reuse ? ', reused' : ''}) ==`);
  if (!reuse) {
    await onServer(`drop database if exists ${name} with (force)`);
    await onServer(`create database ${name}`);
    const t0 = Date.now();
    const demo = spawnSync(process.execPath, [join(ROOT, 'dist/api/cli/cli.js'), 'demo', '--outcomes', String(size), '--seed', '2026'], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn', IMPORT_LIMIT: '8gb' }, // 10M outcome rows are about 1.1 GB of CSV
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (demo.status !== 0) throw new Error(`demo load failed: ${demo.stderr}`);
    console.log(`loaded through the import path in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } else {
    // a database another version of the service loaded: brought to this version's schema and derived data first
    const migrate = spawnSync(process.execPath, [join(ROOT, 'dist/api/cli/cli.js'), 'migrate'], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, encoding: 'utf8' });
    if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);
  }
  const counts = (await onServerDb(url, `select (select count(*) from outcomes) as outcomes, (select count(*) from contracts) as contracts,
      (select count(*) from measure_rollups) as cells, (select count(*) from contract_rollups) as groups`)).rows[0];
  console.log(`${Number(counts.outcomes).toLocaleString('en-GB')} outcomes, ${Number(counts.contracts).toLocaleString('en-GB')} contracts -> ${Number(counts.cells).toLocaleString('en-GB')} measure rollup cells, ${Number(counts.groups).toLocaleString('en-GB')} contract rollup rows`);
  await onServerDb(url, 'vacuum analyze');

  let service;
  try {
    service = await startService(env);
    const key = adminKey(env);
    const authorities = (await onServerDb(url, `select a.code from authorities a where exists (select 1 from measure_rollups r where r.authority_id = a.id)
        and a.kind = 'local_authority' order by a.code limit 20`)).rows.map((r) => r.code);
    const endpoints = [
      ['measures/summary', [
        ...Object.values(ROLLUP_PATHS),
        '/api/v1/measures/summary?group_by=sector,quarter&basis=net',
        ...authorities.slice(0, 5).map((a) => `/api/v1/measures/summary?group_by=measure,year&authority=${a}&explain=true`),
      ]],
      ['indicators/implementation', [
        '/api/v1/indicators/implementation',
        '/api/v1/indicators/implementation?group_by=kind',
        '/api/v1/indicators/implementation?group_by=region',
        '/api/v1/indicators/implementation?group_by=authority',
      ]],
      ['benchmarks/{code}', authorities.map((a) => `/api/v1/benchmarks/${a}`)],
    ];
    const available = [];
    for (const [n, paths] of endpoints) {
      const res = await fetch(service.url + paths[0]);
      if (res.status === 200) available.push([n, paths]);
      else console.log(`${n}: not measured (${res.status})`);
    }
    const lat = await latencies(service, available);
    console.log(`\nlatency over HTTP, ${REQUESTS} requests each (aim: p95 < 50 ms at 10M)`);
    console.log('endpoint                        p50 ms    p95 ms    max ms');
    for (const l of lat) console.log(`${l.name.padEnd(30)}${fmt(l.p50).padStart(8)}${fmt(l.p95).padStart(10)}${fmt(l.max).padStart(10)}`);

    const raw = await rawTimes(url);
    console.log('\nsame aggregation: rollups over HTTP (p50) vs straight from the raw outcome table (SQL only, median of 3)');
    for (const [n, p] of Object.entries(ROLLUP_PATHS)) {
      const times = [];
      for (let i = 0; i < 21; i += 1) times.push(await timeGet(service.url + p));
      const p50 = times.sort((a, b) => a - b)[10];
      console.log(`${n.padEnd(34)} rollups ${fmt(p50).padStart(7)} ms   raw ${fmt(raw[n]).padStart(9)} ms   raw/rollups x${(raw[n] / p50).toFixed(0)}`);
    }

    const r = await refreshAfterBatch(service, url, key);
    console.log(`\na ${r.rows.toLocaleString('en-GB')}-row correction batch (${r.status}, ${r.updated} revised): ${r.total} ms end to end; rollup refresh inside its transaction ${r.refresh} ms (${((r.refresh / r.total) * 100).toFixed(0)}% of the batch; aim < 1 s)`);
    console.log(`  phases (ms since start): ${JSON.stringify(r.phases)}; refresh steps (ms): ${JSON.stringify(r.steps)}`);
  } finally {
    await stopService(service);
    if (!KEEP) await onServer(`drop database if exists ${name} with (force)`);
  }
}

(async () => {
  const cores = require('node:os').cpus().length;
  console.log(`bench:measures on ${new URL(BASE).host}, ${cores} cores, sizes ${SIZES.join(', ')}`);
  for (const size of SIZES) await benchSize(size);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
