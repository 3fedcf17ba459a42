#!/usr/bin/env node
/**
 * Reports benchmark (on PostgreSQL, issue 13): what a PDF report costs, in its steps, beside the API call under its
 * headline figures; and 20 on-demand reports asked for at once.
 *
 * A database of SIZE outcome rows (1M by default: the demo dataset loaded through the import path, as bench:load,
 * bench:measures and bench:dashboards make it; REUSE_DB=1 measures their kept svm_bench_load_<SIZE>) is served by the
 * built service (READ_CACHE_ENTRIES=0: the API calls compute their answers, as a report's builder always does; the
 * reports' own settings at their defaults: REPORTS_CONCURRENCY prints at once, REPORTS_TIMEOUT_MS). Everything goes
 * through the report API only (POST /api/v1/reports/runs with an admin key, answered 202; GET /api/v1/reports/runs/{id}
 * polled every POLL_MS until succeeded or failed), so the figures hold whatever the reports' contents become.
 *
 * The period is the latest closed calendar quarter holding outcomes (PERIOD= to choose another); the authority is
 * AUTHORITY when it has data, else the council with most contracts (as bench:dashboards picks it).
 *
 *   1. For each report (national {period}; authority {period, authority}; evidence {period}), a service started for it
 *      alone: the cold run (the first after the service starts, so Chromium's launch is in its pdf_ms), then WARM_RUNS
 *      runs one after another. For each: the service's own timings of the run (model_ms: the view model read from the
 *      metrics services; html_ms: the HTML with its SVG charts; pdf_ms: Chromium's prints and the outline read, every
 *      pass; passes; the service's total_ms), the total measured here (from the request to the poll that saw it
 *      succeeded), pages and bytes: the cold figures and the p50 of the warm ones. Beside them, in the same service
 *      after the runs, the API call under the report's headline figures (national, authority: GET
 *      /api/v1/indicators/implementation?from=P&to=P[&authority=A]; evidence: GET /api/v1/measures/summary?from=P&to=P
 *      &group_by=theme,category), p50/p95 of REQUESTS after WARMUP, and the ratio model_ms (warm p50) / api p50: what
 *      the view model costs over the one call a reader would check it against. Aim: national under 2 s warm (total).
 *   2. CONCURRENT (20) reports requested at once, of a service just started with a memory probe (bench-support's
 *      memoryProbe every 250 ms): a mix of the three (national over successive quarters and years, authority over the
 *      councils with most contracts, evidence by each theme, region and sector: distinct parameters, nothing shared).
 *      All must complete: every run that failed or was retried is printed with its error. Printed: the wall time from
 *      the first request to the last run done, per-run p50/p95 of the total (queue wait included: at most
 *      REPORTS_CONCURRENCY print at once) and of the service's own total_ms, and the service's peak RSS during the 20
 *      (the probe's highest; VmHWM for the whole life of the process beside it). Chromium's processes are the service's
 *      children, not in its RSS: their peak (RSS summed, and PSS, which counts shared pages once) is printed beside it.
 *      Aim: the service's peak RSS under 1.5 GB.
 *   A run is given one attempt (REPORTS_ATTEMPTS=1 unless set): a failure is printed with its error at once rather
 *   than retried after 30 s and 60 s; the runs it made are of the benchmark alone (never published).
 *
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/postgres npm run bench:reports
 *   SIZE=1000000  WARM_RUNS=5  REQUESTS=20  WARMUP=2  CONCURRENT=20  AUTHORITY=E08000009  PERIOD=2026-Q3  POLL_MS=50
 *   KEEP_DB=1 keeps a database it loaded (svm_bench_load_<SIZE>); REUSE_DB=1 measures a kept one (migrated first).
 *   A database of that name that exists is never dropped or reloaded without REUSE_DB=1: the bench stops instead.
 *   The runs it made are deleted at the end (the database is shared by the benches); KEEP_RUNS=1 keeps them.
 *
 * The figures are of service, Chromium, PostgreSQL and the bench sharing the machine's cores; nothing here asserts a
 * time: the aims are printed beside the figures measured in the same run.
 */
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const { cpus, tmpdir, totalmem } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { Client } = require('pg');
const { ROOT, adminKey, memoryProbe, peakRssMb, startService, stopService } = require('./bench-support');

const BASE = process.env.DATABASE_URL;
if (!BASE) {
  console.log('bench:reports runs on PostgreSQL: skipped, as DATABASE_URL is not set (e.g. postgres://root@127.0.0.1:5432/postgres)');
  process.exit(0);
}
const SIZE = Number(process.env.SIZE || 1000000);
const WARM_RUNS = Number(process.env.WARM_RUNS || 5);
const REQUESTS = Number(process.env.REQUESTS || 20);
const WARMUP = Number(process.env.WARMUP ?? 2);
const CONCURRENT = Number(process.env.CONCURRENT || 20);
const AUTHORITY = process.env.AUTHORITY || 'E08000009';
const PERIOD = process.env.PERIOD;
const POLL_MS = Number(process.env.POLL_MS || 50);
const KEEP = process.env.KEEP_DB === '1';
const REUSE = process.env.REUSE_DB === '1';
const KEEP_RUNS = process.env.KEEP_RUNS === '1';
const NAME = `svm_bench_load_${SIZE}`;
const NATIONAL_AIM_MS = 2000;
const RSS_AIM_MB = 1536;
/** The longest the bench waits for one run (the print timeout is 120 s by default, with retries after 30 s and 60 s). */
const RUN_WAIT_MS = 15 * 60 * 1000;

const dbUrl = (name) => {
  const u = new URL(BASE);
  u.pathname = `/${name}`;
  return u.toString();
};
const URL_ = dbUrl(NAME);

async function query(url, sql, params = []) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql, params);
  } finally {
    await c.end();
  }
}

/** The database of SIZE outcomes: a kept one (REUSE_DB=1, migrated), or loaded through the demo generator. */
async function prepareDatabase(env) {
  const exists = (await query(BASE, 'select 1 from pg_database where datname = $1', [NAME])).rowCount > 0;
  const cli = (args, extra = {}) =>
    spawnSync(process.execPath, [join(ROOT, 'dist/api/cli/cli.js'), ...args], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn', ...extra },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
  if (exists && !REUSE) {
    throw new Error(`a database ${NAME} exists (kept by an earlier bench): run with REUSE_DB=1 to measure it, or drop it yourself to load a new one`);
  }
  let created = false;
  if (!exists) {
    await query(BASE, `create database ${NAME}`);
    created = true;
    const t0 = Date.now();
    const demo = cli(['demo', '--outcomes', String(SIZE), '--seed', '2026'], { IMPORT_LIMIT: '8gb' });
    if (demo.status !== 0) {
      if (!KEEP) await query(BASE, `drop database if exists ${NAME} with (force)`);
      throw new Error(`demo load failed: ${demo.stderr}`);
    }
    console.log(`database ${NAME}: loaded through the import path in ${((Date.now() - t0) / 1000).toFixed(0)} s${KEEP ? ' (kept)' : ''}`);
  } else {
    const migrate = cli(['migrate']);
    if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);
    console.log(`database ${NAME}: reused (migrated)`);
  }
  const { rows } = await query(URL_, `select (select count(*) from outcomes where is_latest) as outcomes, (select count(*) from contracts) as contracts`);
  console.log(`${Number(rows[0].outcomes).toLocaleString('en-GB')} latest outcomes, ${Number(rows[0].contracts).toLocaleString('en-GB')} contracts`);
  await query(URL_, 'vacuum analyze');
  return created;
}

const quarterLabel = (date) => `${date.slice(0, 4)}-Q${Math.ceil(Number(date.slice(5, 7)) / 3)}`;
const addQuarters = (label, n) => {
  const i = Number(label.slice(0, 4)) * 4 + (Number(label.slice(6)) - 1) + n;
  return `${Math.floor(i / 4)}-Q${(i % 4) + 1}`;
};

/**
 * What the reports are asked about: the period (PERIOD, else the latest closed quarter holding outcomes), the
 * authority (AUTHORITY when it has data, else the council with most contracts), and the variety of parameters the
 * concurrent runs draw from (councils by contracts, themes of the default framework, regions and CPV divisions with
 * data, the closed quarters and years with outcomes).
 */
async function subjects() {
  const { rows: p } = await query(URL_, `
    select max(period_end)::text as last, min(period_start)::text as first from outcomes
    where is_latest and period_end < date_trunc('quarter', current_date)`);
  if (!p[0].last) throw new Error('no outcome in a closed quarter: nothing to report on');
  const period = PERIOD || quarterLabel(p[0].last);
  const hasData = await query(URL_, `select 1 from authorities a where a.code = $1 and exists (select 1 from measure_rollups r where r.authority_id = a.id)`, [AUTHORITY]);
  const { rows: councils } = await query(URL_, `select a.code from authorities a join contracts c on c.authority_id = a.id where a.kind = 'local_authority'
    group by a.code order by count(*) desc, a.code limit 40`);
  let authority = AUTHORITY;
  if (hasData.rowCount === 0) {
    console.log(`(${AUTHORITY} has no data here: the authority report is of ${councils[0].code})`);
    authority = councils[0].code;
  }
  const { rows: themes } = await query(URL_, `select t.code from themes t join frameworks f on f.id = t.framework_id where f.is_default order by t.sort_order, t.code`);
  const { rows: regions } = await query(URL_, `select a.region from authorities a where coalesce(a.region, '') <> ''
    and exists (select 1 from contracts c where c.authority_id = a.id) group by a.region order by count(*) desc, a.region`);
  const { rows: sectors } = await query(URL_, `select c.sector from contracts c where c.sector is not null group by 1 order by count(*) desc, 1 limit 10`);
  const firstYear = Number(p[0].first.slice(0, 4));
  return {
    period,
    authority,
    first: p[0].first,
    councils: councils.map((r) => r.code),
    themes: themes.map((r) => r.code),
    regions: regions.map((r) => r.region),
    sectors: sectors.map((r) => r.sector),
    firstYear,
  };
}

const percentile = (values, p) => {
  if (values.length === 0) return NaN;
  const s = [...values].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const ms = (v) => (v === undefined || v === null || Number.isNaN(v) ? '-' : v < 10 ? v.toFixed(1) : v.toFixed(0));
const kb = (b) => (b === undefined || b === null || Number.isNaN(b) ? '-' : (b / 1024).toFixed(b < 10240 ? 1 : 0));
const ratio = (x, y) => (x && y ? `x${(x / y).toFixed(1)}` : '-');
const describe = (r) => `${r.report} ${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' ')}`;

async function api(service, key, method, path, body) {
  const res = await fetch(service.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

/** Asks for a run (202 expected): the run as answered and the moment it was asked. */
async function requestRun(service, key, report, params) {
  const t0 = performance.now();
  const res = await api(service, key, 'POST', '/api/v1/reports/runs', { report, params, publish: false });
  if (res.status !== 202) throw new Error(`POST /api/v1/reports/runs ${report} ${JSON.stringify(params)}: ${res.status} ${res.text.slice(0, 500)}`);
  return { id: res.json.id, report, params, t0 };
}

/** Polls a run until it has succeeded or failed: the run as it ended and the ms from its request to the poll that saw it end. */
async function awaitRun(service, key, asked, everyMs = POLL_MS) {
  const deadline = Date.now() + RUN_WAIT_MS;
  for (;;) {
    const res = await api(service, key, 'GET', `/api/v1/reports/runs/${asked.id}`);
    if (res.status !== 200) throw new Error(`GET /api/v1/reports/runs/${asked.id}: ${res.status} ${res.text.slice(0, 300)}`);
    if (res.json.status === 'succeeded' || res.json.status === 'failed') return { ...asked, run: res.json, total: performance.now() - asked.t0 };
    if (Date.now() > deadline) return { ...asked, run: { ...res.json, error: `still ${res.json.status} after ${RUN_WAIT_MS / 1000} s (${res.json.error ?? 'no error'})` }, total: NaN };
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One run, asked for and waited for. */
async function runOnce(service, key, report, params) {
  return awaitRun(service, key, await requestRun(service, key, report, params));
}

/** N timed GETs (after the warm-ups) of one URL: p50/p95 in ms, and any status other than 200. */
async function measureApi(service, path) {
  const times = [];
  const statuses = new Set();
  for (let i = 0; i < WARMUP + REQUESTS; i += 1) {
    const t0 = performance.now();
    const res = await fetch(service.url + path);
    await res.arrayBuffer();
    statuses.add(res.status);
    if (i >= WARMUP) times.push(performance.now() - t0);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95), statuses: [...statuses] };
}

/** The figures of one run: the service's timings, the bench's total, pages and bytes (NaN where it failed). */
function figures(r) {
  const t = r.run.timings ?? {};
  const ok = r.run.status === 'succeeded';
  return {
    model: ok ? t.model_ms : NaN,
    html: ok ? t.html_ms : NaN,
    pdf: ok ? t.pdf_ms : NaN,
    passes: ok ? t.passes : NaN,
    service: ok ? t.total_ms : NaN,
    total: ok ? r.total : NaN,
    pages: ok ? r.run.page_count : NaN,
    bytes: ok ? r.run.pdf_bytes : NaN,
  };
}

const COLUMNS = [
  ['model ms', 'model', ms],
  ['html ms', 'html', ms],
  ['pdf ms', 'pdf', ms],
  ['passes', 'passes', (v) => (Number.isNaN(v) ? '-' : String(v))],
  ['svc total', 'service', ms],
  ['total ms', 'total', ms],
  ['pages', 'pages', (v) => (Number.isNaN(v) ? '-' : String(v))],
  ['kB', 'bytes', kb],
];

async function singlePhase(env, ctx, key, dir, runIds) {
  const plan = [
    { report: 'national', params: { period: ctx.period }, api: `/api/v1/indicators/implementation?from=${ctx.period}&to=${ctx.period}` },
    {
      report: 'authority',
      params: { period: ctx.period, authority: ctx.authority },
      api: `/api/v1/indicators/implementation?from=${ctx.period}&to=${ctx.period}&authority=${encodeURIComponent(ctx.authority)}`,
    },
    { report: 'evidence', params: { period: ctx.period }, api: `/api/v1/measures/summary?from=${ctx.period}&to=${ctx.period}&group_by=theme,category` },
  ];
  console.log(
    `\n1. each report alone, in a service started for it (READ_CACHE_ENTRIES=0): the cold run (the first after the start, Chromium's launch in its pdf_ms),` +
      `\n   then ${WARM_RUNS} warm runs one after another (p50; the slowest in brackets); model/html/pdf/passes/svc total: the run's timings as the service` +
      `\n   records them; total: request to the poll (every ${POLL_MS} ms) that saw it succeed. api: the call under the headline figures, ${REQUESTS} after ${WARMUP} warm-ups.`,
  );
  const header = `${'report'.padEnd(11)}${'run'.padEnd(13)}${COLUMNS.map(([h]) => h.padStart(10)).join('')}${'api p50'.padStart(10)}${'p95'.padStart(7)}${'model/api'.padStart(11)}`;
  console.log(`\n${header}\n${'-'.repeat(header.length)}`);
  const results = [];
  const failures = [];
  for (const item of plan) {
    const service = await startService({ ...env, READ_CACHE_ENTRIES: '0' }, { logFile: join(dir, `single-${item.report}.log`) });
    try {
      const cold = await runOnce(service, key, item.report, item.params);
      runIds.push(cold.id);
      const warm = [];
      for (let i = 0; i < WARM_RUNS; i += 1) {
        const w = await runOnce(service, key, item.report, item.params);
        runIds.push(w.id);
        warm.push(w);
      }
      const apiT = await measureApi(service, item.api);
      for (const r of [cold, ...warm]) if (r.run.status !== 'succeeded' || r.run.attempts > 1) failures.push(r);
      const c = figures(cold);
      const ws = warm.map(figures);
      const p50 = Object.fromEntries(COLUMNS.map(([, k]) => [k, percentile(ws.map((w) => w[k]).filter((v) => !Number.isNaN(v)), 50)]));
      const slowest = Object.fromEntries(COLUMNS.map(([, k]) => [k, percentile(ws.map((w) => w[k]).filter((v) => !Number.isNaN(v)), 100)]));
      const okWarm = ws.filter((w) => !Number.isNaN(w.total)).length;
      results.push({ ...item, cold: c, warm: p50, okWarm, apiT });
      const cells = (f) => COLUMNS.map(([, k, fmt]) => fmt(f[k]).padStart(10)).join('');
      console.log(`${item.report.padEnd(11)}${'cold'.padEnd(13)}${cells(c)}${ms(apiT.p50).padStart(10)}${ms(apiT.p95).padStart(7)}${ratio(c.model, apiT.p50).padStart(11)}`);
      console.log(
        `${''.padEnd(11)}${`warm p50 (${okWarm})`.padEnd(13)}${cells(p50)}${''.padStart(17)}${ratio(p50.model, apiT.p50).padStart(11)}` +
          (apiT.statuses.some((s) => s !== 200) ? `   (api status ${apiT.statuses.join('/')})` : ''),
      );
      console.log(`${''.padEnd(11)}${'(slowest)'.padEnd(13)}${COLUMNS.map(([, k, fmt]) => `(${fmt(slowest[k])})`.padStart(10)).join('')}`);
    } finally {
      await stopService(service);
    }
  }
  console.log('\nthe runs and the API calls beside them:');
  for (const r of results) console.log(`  ${describe(r).padEnd(48)} GET ${r.api}`);
  printFailures(failures);
  const national = results.find((r) => r.report === 'national');
  console.log(
    `\naim: the national report under ${NATIONAL_AIM_MS / 1000} s warm (total, p50): ` +
      (national.okWarm ? `${ms(national.warm.total)} ms (of ${national.okWarm} runs) -> ${national.warm.total < NATIONAL_AIM_MS ? 'met' : 'not met'}` : 'no warm run succeeded -> not met'),
  );
  return results;
}

/** The runs that failed or needed another attempt, with their errors (runs of one report with one error on one line). */
function printFailures(list) {
  if (list.length === 0) return;
  console.log(`\nruns that failed or were retried (${list.length}):`);
  const groups = new Map();
  for (const r of list) {
    const error = (r.run.error ?? '(no error recorded)').replace(/^Attempt \d+ of \d+: /, '');
    const k = `${r.report}\u0001${r.run.status}\u0001${error}`;
    if (!groups.has(k)) groups.set(k, { report: r.report, status: r.run.status, error, runs: [] });
    groups.get(k).runs.push(r);
  }
  for (const g of groups.values()) {
    const which = g.runs.length === 1 ? `run ${g.runs[0].id} ${describe(g.runs[0])}` : `${g.runs.length} ${g.report} runs (${g.runs.map((r) => r.id).join(', ')}; e.g. ${describe(g.runs[0])})`;
    const attempts = [...new Set(g.runs.map((r) => r.run.attempts))].join('/');
    console.log(`  ${which}: ${g.status} after ${attempts} attempt(s): ${g.error}`);
  }
}

/** The CONCURRENT reports of phase 2: the three in turn, each with the next of its distinct parameter sets. */
function concurrentPlan(ctx) {
  const quarters = [];
  for (let i = 0; i < 12; i += 1) {
    const q = addQuarters(ctx.period, -i);
    if (q.slice(0, 4) >= String(ctx.firstYear)) quarters.push(q);
  }
  const years = [];
  for (let y = Number(ctx.period.slice(0, 4)) - (ctx.period.endsWith('Q4') ? 0 : 1); y >= ctx.firstYear && years.length < 3; y -= 1) years.push(String(y));
  const national = [...quarters.slice(0, 4), ...years, ...quarters.slice(4)].map((period) => ({ period }));
  const authorities = [ctx.authority, ...ctx.councils.filter((c) => c !== ctx.authority)].map((authority) => ({ period: ctx.period, authority }));
  const evidence = [
    { period: ctx.period },
    ...ctx.themes.map((theme) => ({ period: ctx.period, theme })),
    ...ctx.regions.map((region) => ({ period: ctx.period, region })),
    ...ctx.sectors.map((sector) => ({ period: ctx.period, sector })),
  ];
  const pools = { national, authority: authorities, evidence };
  const used = { national: 0, authority: 0, evidence: 0 };
  const out = [];
  for (let i = 0; out.length < CONCURRENT; i += 1) {
    const report = ['national', 'authority', 'evidence'][i % 3];
    const pool = pools[report];
    // past the end of a pool, its parameters again (then shared: said below)
    out.push({ report, params: pool[used[report] % pool.length], repeat: used[report] >= pool.length });
    used[report] += 1;
  }
  return out;
}

/** The process ids under `root` (its children, theirs, ...), read from /proc. */
function descendants(root) {
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone since the listing
    }
  }
  const out = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop();
    for (const [pid, pp] of parent) {
      if (pp !== p) continue;
      out.push(pid);
      todo.push(pid);
    }
  }
  return out;
}

/** RSS and PSS (kB) of a process now, or null when it has gone. */
function memoryOf(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return { rss: Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0), pss: Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0) };
  } catch {
    return null;
  }
}

/** Samples the service's child processes (Chromium) every `everyMs`: the peak of their RSS summed and of their PSS summed. */
function childMemory(pid, everyMs) {
  const peak = { rss: 0, pss: 0, processes: 0 };
  const timer = setInterval(() => {
    let rss = 0;
    let pss = 0;
    let n = 0;
    for (const child of descendants(pid)) {
      const m = memoryOf(child);
      if (!m) continue;
      rss += m.rss;
      pss += m.pss;
      n += 1;
    }
    if (rss > peak.rss) Object.assign(peak, { rss, processes: n });
    peak.pss = Math.max(peak.pss, pss);
  }, everyMs);
  return { stop: () => clearInterval(timer), peak };
}

async function concurrentPhase(env, ctx, key, dir, runIds) {
  const samples = [];
  const service = await startService(
    { ...env, READ_CACHE_ENTRIES: '0' },
    {
      logFile: join(dir, 'concurrent.log'),
      nodeArgs: memoryProbe(250),
      onLine: (l) => {
        if (l.startsWith('{"memory_probe"')) samples.push(JSON.parse(l).memory_probe);
      },
    },
  );
  const pid = service.child.pid;
  const plan = concurrentPlan(ctx);
  const concurrency = process.env.REPORTS_CONCURRENCY || '2 (the default)';
  console.log(`\n2. ${plan.length} reports requested at once of a service just started (READ_CACHE_ENTRIES=0, REPORTS_CONCURRENCY=${concurrency}), polled every 250 ms:`);
  const counts = plan.reduce((m, p) => ({ ...m, [p.report]: (m[p.report] ?? 0) + 1 }), {});
  console.log(`   ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}${plan.some((p) => p.repeat) ? ` (${plan.filter((p) => p.repeat).length} with parameters repeated: not enough distinct ones)` : ''}`);
  for (const p of plan) console.log(`     ${describe(p)}`);
  const children = childMemory(pid, 250);
  try {
    const t0 = performance.now();
    const startedAt = Date.now();
    const asked = await Promise.all(plan.map((p) => requestRun(service, key, p.report, p.params)));
    const requestedMs = performance.now() - t0;
    runIds.push(...asked.map((a) => a.id));
    const ended = await Promise.all(asked.map((a) => awaitRun(service, key, a, 250).catch((err) => ({ ...a, run: { status: 'failed', attempts: 0, error: err.message }, total: NaN }))));
    const wall = performance.now() - t0;
    const endedAt = Date.now();
    await new Promise((r) => setTimeout(r, 600)); // the probe's last sample of the window
    children.stop();
    const window = samples.filter((s) => s.at >= startedAt - 250 && s.at <= endedAt + 500);
    const peakRss = Math.max(...window.map((s) => s.rss)) / 1024 / 1024;
    const peakHeap = Math.max(...window.map((s) => s.heap_used)) / 1024 / 1024;
    const before = samples.filter((s) => s.at < startedAt).at(-1);
    const hwm = peakRssMb(pid);
    const ok = ended.filter((r) => r.run.status === 'succeeded');
    const bad = ended.filter((r) => r.run.status !== 'succeeded' || r.run.attempts > 1);
    const totals = ok.map((r) => r.total);
    const own = ok.map((r) => r.run.timings?.total_ms);
    console.log(`\n   all ${plan.length} asked in ${ms(requestedMs)} ms (each answered 202); ${ok.length} of ${plan.length} succeeded${ok.length === plan.length ? '' : ` (${plan.length - ok.length} did not)`}`);
    console.log(`   wall time, first request to last run done:  ${(wall / 1000).toFixed(1)} s`);
    console.log(`   per run, request to done (queue wait in):   p50 ${(percentile(totals, 50) / 1000).toFixed(1)} s   p95 ${(percentile(totals, 95) / 1000).toFixed(1)} s`);
    console.log(`   per run, the service's total_ms (printing): p50 ${ms(percentile(own, 50))} ms   p95 ${ms(percentile(own, 95))} ms`);
    for (const report of ['national', 'authority', 'evidence']) {
      const mine = ok.filter((r) => r.report === report).map(figures);
      if (mine.length === 0) continue;
      const p = (k) => ms(percentile(mine.map((f) => f[k]), 50));
      console.log(`     ${report.padEnd(10)} p50 of ${String(mine.length).padStart(2)}: model ${p('model')} ms, html ${p('html')} ms, pdf ${p('pdf')} ms, svc total ${p('service')} ms, ${percentile(mine.map((f) => f.pages), 50)} pages, ${kb(percentile(mine.map((f) => f.bytes), 50))} kB`);
    }
    console.log(
      `   service (node) RSS: ${before ? `${Math.round(before.rss / 1024 / 1024)} MB before, ` : ''}peak ${Math.round(peakRss)} MB during the ${plan.length} (probe every 250 ms; ` +
        `live heap peak ${Math.round(peakHeap)} MB); VmHWM of its life ${hwm} MB`,
    );
    console.log(
      `   Chromium (the service's child processes, sampled every 250 ms): peak ${Math.round(children.peak.rss / 1024)} MB RSS summed over ${children.peak.processes} processes, ` +
        `peak ${Math.round(children.peak.pss / 1024)} MB PSS (shared pages once); service + Chromium ≈ ${Math.round(peakRss + children.peak.pss / 1024)} MB`,
    );
    printFailures(bad);
    console.log(`\naim: all ${plan.length} complete without error: ${ok.length === plan.length && bad.length === 0 ? 'met' : `not met (${bad.length} failed or retried)`}`);
    console.log(`aim: the service's RSS under ${(RSS_AIM_MB / 1024).toFixed(1)} GB during the ${plan.length}: peak ${Math.round(peakRss)} MB -> ${peakRss < RSS_AIM_MB ? 'met' : 'not met'}` +
      ` (with Chromium's PSS: ${Math.round(peakRss + children.peak.pss / 1024)} MB -> ${peakRss + children.peak.pss / 1024 < RSS_AIM_MB ? 'under' : 'over'})`);
  } finally {
    children.stop();
    await stopService(service);
  }
}

(async () => {
  const env = {
    DATABASE_URL: URL_,
    QUALITY_OUTLIER_CRON: 'off',
    DELIVERY_REBUILD_CRON: 'off',
    BATCH_CHECK_CRON: 'off',
    RATE_LIMIT_READS: 'off',
    RATE_LIMIT_WRITES: 'off',
    // a failed attempt is a failure here, printed with its error, not retried after 30 s and 60 s (REPORTS_ATTEMPTS=3)
    REPORTS_ATTEMPTS: process.env.REPORTS_ATTEMPTS || '1',
  };
  const pgVersion = (await query(BASE, 'show server_version')).rows[0].server_version;
  const cpu = cpus();
  console.log(`bench:reports, ${SIZE.toLocaleString('en-GB')} outcomes on PostgreSQL ${pgVersion} (${new URL(BASE).host})`);
  console.log(`machine: ${cpu.length} cpus (${cpu[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 1024 ** 3)} GB, node ${process.version}, ${process.platform}/${process.arch}`);
  const created = await prepareDatabase(env);
  const dir = mkdtempSync(join(tmpdir(), 'svm-reports-'));
  const runIds = [];
  try {
    const key = adminKey(env);
    if (!key || !/\S{16,}/.test(key)) throw new Error(`no admin key: ${key}`);
    const ctx = await subjects();
    console.log(`period ${ctx.period}${PERIOD ? ' (PERIOD)' : ' (the latest closed quarter with outcomes)'}; authority ${ctx.authority}; outcomes from ${ctx.first}`);
    await singlePhase(env, ctx, key, dir, runIds);
    await concurrentPhase(env, ctx, key, dir, runIds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (created && !KEEP) await query(BASE, `drop database if exists ${NAME} with (force)`);
    else if (runIds.length && !KEEP_RUNS) await query(URL_, 'delete from report_runs where id = any($1::bigint[])', [runIds]).catch((err) => console.error(`the bench's runs were not deleted: ${err.message}`));
  }
})().then(
  // bench-support's stopService removes the exit listeners that stop its log readers' timers: exit rather than wait
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
