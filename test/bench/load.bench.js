#!/usr/bin/env node
/**
 * Load benchmark (on PostgreSQL): the reads behind the pages under a crowd, with the read cache (api/http/read-cache.*)
 * and without it.
 *
 * A database of SIZE outcome rows (1M by default; the demo dataset loaded through the import path, as bench:measures
 * does) is served by the built service, and autocannon sends a mix of measures summaries, implementation indicators and
 * peer benchmarks (several authorities, sectors, groupings and periods, as the pages ask for them):
 *   - at 50 and at 200 connections, without and with If-None-Match (the ETag each URL answered: a revalidating client);
 *   - at 50 connections while a 100,000-row import (a correction batch: each outcome +1 in its unit) runs, measured
 *     from the upload's start to its answer;
 * first against a service with the cache off (READ_CACHE_ENTRIES=0: the baseline), then with the cache on (the
 * default), and prints requests/s, p50/p97.5/p99 latency, errors, statuses other than 200 and 304, the service's memory,
 * and the ratio of the two. SOAK_SECONDS=600 then runs the cached service at 50 connections for that long (with a
 * 1,000-row import each minute, so that the cache turns over) and prints its RSS and live heap (after a full
 * collection) at the start, every minute and at the end.
 *
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/postgres npm run bench:load
 *   DURATION=20 (seconds per run)  SIZE=1000000  IMPORT_ROWS=100000  SOAK_SECONDS=600  ONLY=cached (skip the baseline)
 *   KEEP_DB=1 keeps the database (svm_bench_load_<SIZE>); REUSE_DB=1 uses a kept one (migrated first)
 *
 * Aim (issue 11): at least 1,500 requests/s at 50 connections with p99 under 100 ms, at least 0.8 of that while the
 * import runs, no memory growth over a 10-minute soak. The machine running the bench runs autocannon too: the figures
 * are of service, database and load generator sharing its cores.
 */
const { spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { cpus, tmpdir } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');
const { Client } = require('pg');
const { ROOT, adminKey, memoryProbe, rssMb, startService, stopService, upload } = require('./bench-support');

const BASE = process.env.DATABASE_URL;
if (!BASE) {
  console.log('bench:load runs on PostgreSQL: skipped, as DATABASE_URL is not set (e.g. postgres://root@127.0.0.1:5432/postgres)');
  process.exit(0);
}
const SIZE = Number(process.env.SIZE || 1000000);
const DURATION = Number(process.env.DURATION || 20);
const IMPORT_ROWS = Number(process.env.IMPORT_ROWS || 100000);
const SOAK_SECONDS = Number(process.env.SOAK_SECONDS || 0);
const ONLY = process.env.ONLY; // 'cached' or 'uncached'
const KEEP = process.env.KEEP_DB === '1';
const REUSE = process.env.REUSE_DB === '1';
const NAME = `svm_bench_load_${SIZE}`;

const dbUrl = (name) => {
  const u = new URL(BASE);
  u.pathname = `/${name}`;
  return u.toString();
};
const URL_ = dbUrl(NAME);

async function query(url, sql) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

/** The database of SIZE outcomes: loaded through the demo generator, or the kept one brought to this version. */
async function prepareDatabase(env) {
  const reuse = REUSE && (await query(BASE, `select 1 from pg_database where datname = '${NAME}'`)).rowCount > 0;
  const cli = (args, extra = {}) =>
    spawnSync(process.execPath, [join(ROOT, 'dist/api/cli/cli.js'), ...args], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn', ...extra },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
  if (!reuse) {
    await query(BASE, `drop database if exists ${NAME} with (force)`);
    await query(BASE, `create database ${NAME}`);
    const t0 = Date.now();
    const demo = cli(['demo', '--outcomes', String(SIZE), '--seed', '2026'], { IMPORT_LIMIT: '8gb' });
    if (demo.status !== 0) throw new Error(`demo load failed: ${demo.stderr}`);
    console.log(`database ${NAME}: loaded through the import path in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } else {
    const migrate = cli(['migrate']);
    if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);
    console.log(`database ${NAME}: reused (migrated)`);
  }
  const { rows } = await query(URL_, `select (select count(*) from outcomes where is_latest) as outcomes, (select count(*) from contracts) as contracts`);
  console.log(`${Number(rows[0].outcomes).toLocaleString('en-GB')} latest outcomes, ${Number(rows[0].contracts).toLocaleString('en-GB')} contracts`);
  await query(URL_, 'vacuum analyze');
}

/** The reads behind the pages: summaries, indicators, benchmarks, for several authorities, sectors and periods. */
async function pagePaths() {
  const authorities = (await query(URL_, `select a.code from authorities a where a.kind = 'local_authority'
      and exists (select 1 from measure_rollups r where r.authority_id = a.id) order by a.code limit 24`)).rows.map((r) => r.code);
  const sectors = (await query(URL_, `select sector from contract_rollups where sector is not null group by 1 order by count(*) desc limit 4`)).rows.map((r) => r.sector);
  const pick = (list, n, from = 0) => Array.from({ length: n }, (_, i) => list[(from + i) % list.length]);
  const S = '/api/v1/measures/summary';
  const I = '/api/v1/indicators/implementation';
  return [
    `${S}?group_by=category`,
    `${S}?group_by=authority`,
    `${S}?group_by=region,year`,
    `${S}?group_by=sector,quarter&basis=net`,
    `${S}?group_by=theme&from=2024-Q1&to=2024-Q4`,
    ...pick(authorities, 8).map((a) => `${S}?authority=${a}&group_by=measure,year`),
    ...pick(authorities, 4, 8).map((a) => `${S}?authority=${a}&group_by=category,quarter&from=2023-Q1&to=2024-Q4`),
    ...pick(authorities, 2, 12).map((a) => `${S}?authority=${a}&group_by=measure&explain=true`),
    ...sectors.map((s) => `${S}?sector=${s}&group_by=region`),
    I,
    `${I}?group_by=kind`,
    `${I}?group_by=region`,
    `${I}?group_by=authority`,
    `${I}?from=2024-Q1&to=2024-Q4&group_by=region`,
    ...pick(authorities, 6).map((a) => `${I}?authority=${a}`),
    ...sectors.map((s) => `${I}?sector=${s}&group_by=kind`),
    ...pick(authorities, 12).map((a) => `/api/v1/benchmarks/${a}`),
    ...pick(authorities, 4, 12).map((a) => `/api/v1/benchmarks/${a}?peers=same_region`),
  ];
}

/** Each path asked once: those that answer 200, with their ETag (a path that does not is reported and left out). */
async function probePaths(service, paths) {
  const ok = [];
  for (const path of paths) {
    const res = await fetch(service.url + path);
    await res.arrayBuffer();
    if (res.status === 200) ok.push({ path, etag: res.headers.get('etag') });
    else console.log(`  left out (${res.status}): ${path}`);
  }
  return ok;
}

/** A shuffled list of requests (the same order for both services): each connection goes round it. */
function requestList(paths, conditional) {
  let seed = 2026;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const list = [...paths, ...paths, ...paths].map((p) => ({ method: 'GET', path: p.path, ...(conditional ? { headers: { 'if-none-match': p.etag } } : {}) }));
  for (let i = list.length - 1; i > 0; i -= 1) {
    const j = Math.floor(rand() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

/** One autocannon run; `until` (a promise) ends it early. */
function load(service, requests, connections, seconds, until) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: service.url, connections, duration: seconds, requests, timeout: 30 },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (until) void until.then(() => instance.stop(), () => instance.stop());
  });
}

function summarise(result, pid) {
  const statuses = Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]);
  const other = statuses.filter(([code]) => code !== '200' && code !== '304').reduce((n, [, c]) => n + c, 0);
  return {
    rps: result.requests.total / (result.duration || 1),
    p50: result.latency.p50,
    p975: result.latency.p97_5,
    p99: result.latency.p99,
    max: result.latency.max,
    total: result.requests.total,
    errors: result.errors + result.timeouts,
    other,
    notModified: Object.fromEntries(statuses)['304'] ?? 0,
    seconds: result.duration,
    rss: rssMb(pid),
  };
}

/** A CSV of corrections of `rows` latest outcomes spread over the data (each quantity +1 in its unit). */
async function correctionFile(dir, rows, offset) {
  const { rows: found } = await query(URL_, `
    select c.reference, m.code, o.period_start::text as ps, o.period_end::text as pe, (o.quantity + 1)::text as q, o.unit
    from outcomes o join contracts c on c.id = o.contract_id join measures m on m.id = o.measure_id
    where o.is_latest order by (o.id * 2654435761 + ${offset % 1000003}) % 1000003 limit ${rows}`);
  const file = join(dir, `corrections-${rows}-${offset}.csv`);
  writeFileSync(file, ['contract,measure,period_start,period_end,quantity,unit', ...found.map((r) => [r.reference, r.code, r.ps, r.pe, r.q, r.unit].join(','))].join('\n'));
  return { file, rows: found.length };
}

const ms = (v) => (v < 10 ? v.toFixed(1) : v.toFixed(0));
const line = (name, r) =>
  `${name.padEnd(34)}${Math.round(r.rps).toLocaleString('en-GB').padStart(8)}${ms(r.p50).padStart(8)}${ms(r.p975).padStart(9)}${ms(r.p99).padStart(8)}` +
  `${String(r.errors).padStart(8)}${String(r.other).padStart(7)}${String(r.notModified).padStart(9)}${String(r.rss).padStart(8)}`;
const HEADER = `${'run'.padEnd(34)}${'req/s'.padStart(8)}${'p50 ms'.padStart(8)}${'p97.5'.padStart(9)}${'p99'.padStart(8)}${'errors'.padStart(8)}${'other'.padStart(7)}${'304s'.padStart(9)}${'RSS MB'.padStart(8)}`;

/** Every run against one service (cache on or off). */
async function runAll(label, env, paths, dir, key) {
  const service = await startService(env, { logFile: join(dir, 'service.log') });
  const pid = service.child.pid;
  const out = {};
  try {
    // a first pass: the database's buffers (and the cache, when on) warm, and the ETags of the data as it is now
    const current = await probePaths(service, paths.map((p) => p.path));
    const plain = requestList(current, false);
    const conditional = requestList(current, true);
    console.log(`\n${label}\n${HEADER}`);
    for (const connections of [50, 200]) {
      for (const [name, requests] of [['', plain], [' If-None-Match', conditional]]) {
        const r = summarise(await load(service, requests, connections, DURATION), pid);
        out[`${connections}${name}`] = r;
        console.log(line(`${connections} connections${name}`, r));
      }
    }
    const { file, rows } = await correctionFile(dir, IMPORT_ROWS, Date.now());
    const t0 = Date.now();
    const importing = upload(`${service.url}/api/v1/imports/outcomes`, file, key, 'text/csv');
    const r = summarise(await load(service, plain, 50, 600, importing), pid);
    const answer = await importing;
    out.import = { ...r, importMs: Date.now() - t0, status: answer.batch.status, rows };
    console.log(line(`50 during a ${rows.toLocaleString('en-GB')}-row import`, r) + `   (import ${answer.batch.status} in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return out;
  } finally {
    await stopService(service);
  }
}

/** SOAK_SECONDS at 50 connections against the cached service, a 1,000-row import each minute; memory sampled. */
async function soak(env, paths, dir, key) {
  const samples = [];
  const service = await startService(env, {
    logFile: join(dir, 'soak.log'),
    nodeArgs: memoryProbe(10_000, true),
    onLine: (l) => {
      if (l.startsWith('{"memory_probe"')) samples.push(JSON.parse(l).memory_probe);
    },
  });
  try {
    await probePaths(service, paths.map((p) => p.path));
    const files = [];
    for (let i = 0; i < Math.ceil(SOAK_SECONDS / 60); i += 1) files.push((await correctionFile(dir, 1000, 100 + i * 7919)).file);
    const started = Date.now();
    const firstSample = samples.length;
    let stop = false;
    const imports = (async () => {
      for (let i = 0; !stop && i < files.length; i += 1) {
        await new Promise((r) => setTimeout(r, 60_000));
        if (!stop) await upload(`${service.url}/api/v1/imports/outcomes`, files[i], key, 'text/csv');
      }
    })();
    const result = summarise(await load(service, requestList(paths, false), 50, SOAK_SECONDS), service.child.pid);
    stop = true;
    await imports.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 10_500)); // one more sample, after the load
    const during = samples.slice(firstSample).filter((s) => s.at <= started + SOAK_SECONDS * 1000 + 11_000);
    const mb = (b) => (b / 1024 / 1024).toFixed(1);
    console.log(`\nsoak: ${SOAK_SECONDS} s at 50 connections, cache on, a 1,000-row import each minute`);
    console.log(HEADER);
    console.log(line('soak', result));
    console.log('memory (RSS / live heap after a full collection, MB), each minute:');
    for (const s of during.filter((_, i) => i % 6 === 0 || i === during.length - 1)) {
      console.log(`  ${String(Math.round((s.at - started) / 1000)).padStart(5)} s   RSS ${mb(s.rss).padStart(7)}   heap ${mb(s.heap_used).padStart(6)}   external ${mb(s.external).padStart(6)}   log writes pending ${mb(s.stdout_pending)}`);
    }
    const first = during[0];
    const last = during.at(-1);
    const maxHeap = Math.max(...during.map((s) => s.heap_used));
    console.log(`start -> end: RSS ${mb(first.rss)} -> ${mb(last.rss)} MB, heap ${mb(first.heap_used)} -> ${mb(last.heap_used)} MB (highest ${mb(maxHeap)} MB)`);
  } finally {
    await stopService(service);
  }
}

(async () => {
  console.log(`bench:load on ${new URL(BASE).host}, ${cpus().length} cores, ${SIZE.toLocaleString('en-GB')} outcomes, ${DURATION} s per run`);
  // the outlier job off: it would recompute measures after each import while latencies are measured; no rate limit on
  // reads (they are limited only on expensive reads, which are not among these; off all the same to measure the service)
  const env = { DATABASE_URL: URL_, QUALITY_OUTLIER_CRON: 'off', DELIVERY_REBUILD_CRON: 'off', BATCH_CHECK_CRON: 'off', RATE_LIMIT_READS: 'off', RATE_LIMIT_WRITES: 'off' };
  await prepareDatabase(env);
  const key = adminKey(env);
  const dir = mkdtempSync(join(tmpdir(), 'svm-load-'));
  try {
    const probe = await startService(env, { logFile: join(dir, 'probe.log') });
    let paths;
    try {
      paths = await probePaths(probe, await pagePaths());
    } finally {
      await stopService(probe);
    }
    const n = (re) => paths.filter((p) => re.test(p.path)).length;
    console.log(`the mix: ${paths.length} URLs (${n(/summary/)} summaries, ${n(/indicators/)} indicators, ${n(/benchmarks/)} benchmarks), each connection going round them shuffled`);
    const off = ONLY === 'cached' ? null : await runAll('cache off (READ_CACHE_ENTRIES=0): the baseline', { ...env, READ_CACHE_ENTRIES: '0' }, paths, dir, key);
    const on = ONLY === 'uncached' ? null : await runAll('cache on (READ_CACHE_ENTRIES=2000, the default)', env, paths, dir, key);
    if (on && off) {
      console.log('\ncache on / cache off');
      for (const k of Object.keys(on)) {
        console.log(`  ${(k === 'import' ? '50 during the import' : `${k} connections`).padEnd(32)} req/s x${(on[k].rps / off[k].rps).toFixed(1)}   p99 ${ms(off[k].p99)} -> ${ms(on[k].p99)} ms`);
      }
    }
    if (on) {
      const base = on['50'];
      console.log(`\naim: >= 1,500 req/s at 50 connections with p99 < 100 ms: ${Math.round(base.rps)} req/s, p99 ${ms(base.p99)} ms -> ${base.rps >= 1500 && base.p99 < 100 ? 'met' : 'not met'}`);
      console.log(`aim: during the import >= 0.8 of that: ${(on.import.rps / base.rps).toFixed(2)} -> ${on.import.rps >= 0.8 * base.rps ? 'met' : 'not met'}`);
    }
    if (SOAK_SECONDS > 0) await soak(env, paths, dir, key);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (!KEEP) await query(BASE, `drop database if exists ${NAME} with (force)`);
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
