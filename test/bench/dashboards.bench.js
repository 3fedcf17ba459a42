#!/usr/bin/env node
/**
 * Dashboards benchmark (on PostgreSQL, issue 12): what a chart and a page cost beside the API call under them.
 *
 * A database of SIZE outcome rows (1M by default: the demo dataset loaded through the import path, as bench:load and
 * bench:measures make it; REUSE_DB=1 measures bench:load's kept svm_bench_load_<SIZE>) is served by the built service.
 *
 *   1. Server (READ_CACHE_ENTRIES=0: every request computes its answer). For every chart of every dashboard of the
 *      catalogue (dashboards/catalogue.ts), at the URL its page draws it from (the page's data-spec, so with the page's
 *      default query; the authority page of AUTHORITY, the contract page of that authority's contract with the most
 *      outcome rows among those with commitments), N requests (after WARMUP) of `.vl.json` and of `.svg`, and of one
 *      representative call of the metrics API the chart's builder reads (dashboards/boards/*.board.ts; named in the
 *      table's notes), interleaved so that the three share the same moments of the machine: p50/p95 in ms, the ratio
 *      spec p50 / api p50, and whether spec p95 is under 50 ms (the aim). Supplier-data charts and their API calls are
 *      sent an admin key (Authorization: Bearer), public ones none. The page HTML (the shell with its tiles) likewise.
 *   2. Chromium (headless, puppeteer-core; the service with its read cache on, the default): for each page, a service
 *      started for it alone, a new browser context signed in with the admin key (POST /dashboards/sign-in, so that the
 *      supplier-data charts draw rather than ask to sign in), the time from navigation start to `.dashboard[data-state=
 *      drawn]` (dashboards.js sets it when every chart has drawn, or shown its error or lock) on the first visit (cold:
 *      service cache, browser cache and context all empty) and on reloads in the same context (warm: median of
 *      WARM_RUNS). Beside them the page's underlying API calls: their sum and max of p50, uncached (phase 1: what a cold
 *      page's server has to compute) and cached (asked of the same service after the page's runs), and the page's time
 *      as a ratio of the max (the calls run in parallel in a page: the max is what the page could not beat). Aim: warm
 *      under 1 s.
 *
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/postgres npm run bench:dashboards
 *   SIZE=1000000  REQUESTS=20  WARMUP=2  WARM_RUNS=5  AUTHORITY=E08000009
 *   KEEP_DB=1 keeps a database it loaded (svm_bench_load_<SIZE>); REUSE_DB=1 measures a kept one (migrated first).
 *   A database of that name that exists is never dropped or reloaded without REUSE_DB=1: the bench stops instead.
 *
 * The figures are of service, PostgreSQL, the bench and Chromium sharing the machine's cores; nothing here asserts a
 * time: the aims are printed beside the figures measured in the same run.
 */
const { spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { cpus, tmpdir, totalmem } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { Client } = require('pg');
const { ROOT, adminKey, startService, stopService } = require('./bench-support');

const BASE = process.env.DATABASE_URL;
if (!BASE) {
  console.log('bench:dashboards runs on PostgreSQL: skipped, as DATABASE_URL is not set (e.g. postgres://root@127.0.0.1:5432/postgres)');
  process.exit(0);
}
const SIZE = Number(process.env.SIZE || 1000000);
const REQUESTS = Number(process.env.REQUESTS || 20);
const WARMUP = Number(process.env.WARMUP ?? 2);
const WARM_RUNS = Number(process.env.WARM_RUNS || 5);
const AUTHORITY = process.env.AUTHORITY || 'E08000009';
const KEEP = process.env.KEEP_DB === '1';
const REUSE = process.env.REUSE_DB === '1';
const NAME = `svm_bench_load_${SIZE}`;
const SPEC_AIM_MS = 50;
const PAGE_AIM_MS = 1000;
// where the service finds Chromium and the flags it launches it with (the build's copy: the bench builds first)
const { CHROMIUM_FLAGS, chromiumPath } = require(join(ROOT, 'dist/reports/render/chromium.js'));

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

/** The authority of the authority page (AUTHORITY when it has data, else the council with most contracts) and its contract. */
async function subjects() {
  const hasData = await query(URL_, `select 1 from authorities a where a.code = $1 and exists (select 1 from measure_rollups r where r.authority_id = a.id)`, [AUTHORITY]);
  let authority = AUTHORITY;
  if (hasData.rowCount === 0) {
    const { rows } = await query(URL_, `select a.code from authorities a join contracts c on c.authority_id = a.id where a.kind = 'local_authority'
      group by a.code order by count(*) desc, a.code limit 1`);
    console.log(`(${AUTHORITY} has no data here: the authority page is of ${rows[0].code})`);
    authority = rows[0].code;
  }
  const { rows } = await query(URL_, `
    select c.reference, c.id, (select count(*) from commitments m where m.contract_id = c.id and m.is_latest)::int as commitments,
           (select count(*) from outcomes o where o.contract_id = c.id and o.is_latest)::int as outcomes
    from contracts c join authorities a on a.id = c.authority_id
    where a.code = $1 and exists (select 1 from commitments m where m.contract_id = c.id and m.is_latest)
    order by outcomes desc, c.id limit 1`, [authority]);
  if (rows.length === 0) throw new Error(`no contract of ${authority} has commitments`);
  return { authority, contract: rows[0] };
}

/** Timed GET: ms from the request to the last byte of the body, the status and the body. */
async function timed(url, headers) {
  const t0 = performance.now();
  const res = await fetch(url, { headers, redirect: 'manual' });
  const body = await res.arrayBuffer();
  return { ms: performance.now() - t0, status: res.status, bytes: body.byteLength, body };
}

const HTML_ENTITIES = { '&amp;': '&', '&#x3D;': '=', '&#x27;': "'", '&quot;': '"', '&lt;': '<', '&gt;': '>', '&#x60;': '`', '&#39;': "'", '&#61;': '=' };
const unescapeHtml = (s) => s.replace(/&(?:amp|quot|lt|gt|#x3D|#x27|#x60|#39|#61);/g, (m) => HTML_ENTITIES[m]);

/** The charts a page draws: name and spec URL, as its HTML gives them (data-chart, data-spec). */
function chartsOfPage(html) {
  const out = [];
  for (const m of html.matchAll(/<section class="chart"[^>]*>/g)) {
    const tag = m[0];
    const name = /data-chart="([^"]*)"/.exec(tag)?.[1];
    const spec = /data-spec="([^"]*)"/.exec(tag)?.[1];
    if (name && spec) out.push({ name, spec: unescapeHtml(spec) });
  }
  return out;
}

const pick = (q, names, extra = {}) => {
  const p = new URLSearchParams();
  for (const n of names) for (const v of q.getAll(n)) p.append(n, v);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
};
const IND = ['from', 'to', 'kind', 'region', 'nation', 'department', 'sector', 'basis'];
const SUM = ['from', 'to', 'kind', 'region', 'nation', 'sector', 'theme', 'basis'];
const QUAL = ['from', 'to', 'kind', 'region', 'nation', 'sector'];
const I = '/api/v1/indicators/implementation';
const S = '/api/v1/measures/summary';

/**
 * The metrics API call under each chart (what its builder in dashboards/boards reads), with the chart's query. `near`:
 * the builder reads a service method no route serves as such; the call named is the nearest route (listed in the notes).
 */
function underlyingApi(dashboard, chart, q, ctx) {
  const a = encodeURIComponent(ctx.authority);
  const calls = {
    national: {
      'committed-vs-delivered': { path: I + pick(q, IND, { group_by: 'period', period_type: 'quarter' }) },
      ratings: { path: I + pick(q, IND) },
      'by-kind': { path: I + pick(q, IND, { group_by: 'kind' }) },
      'by-department': { path: I + pick(q, IND, { group_by: 'department' }) },
      'hex-map': { path: I + pick(q, IND, { group_by: 'authority' }) },
      'league-table': { path: I + pick(q, IND, { group_by: 'authority' }) },
      'official-ratings': { path: I + pick(q, IND), note: '(+ GET /api/v1/indicators/ratings-agreement when contracts are officially rated)' },
      'payment-times': { path: I + pick(q, ['from', 'to', 'kind', 'region', 'nation', 'department'], { group_by: 'authority' }), note: '(+ the same without group_by)' },
    },
    authority: {
      'peer-strip': { path: `/api/v1/benchmarks/${a}` + pick(q, ['from', 'to'], { peers: q.get('peers') || ctx.peerMethod }) },
      trend: {
        path: I + pick(q, ['from', 'to', 'basis'], { authority: [ctx.authority, ...ctx.peerCodes].join(','), group_by: 'authority,period', period_type: 'quarter' }),
        note: `(+ GET /api/v1/authorities/${ctx.authority}/peers?method=${ctx.peerMethod} first)`,
      },
      themes: { path: S + pick(q, ['from', 'to', 'basis'], { authority: ctx.authority, group_by: 'theme,category' }) },
      contracts: { path: `/api/v1/contracts?authority=${a}`, near: 'ContractsService.deliveryOfAuthority has no route of its own' },
      'official-ratings': { path: I + pick(q, ['from', 'to'], { authority: ctx.authority }) },
      'payment-times': {
        path: I + pick(q, ['from', 'to'], { authority: [ctx.authority, ...ctx.peerCodes].join(','), group_by: 'authority,period', period_type: 'quarter' }),
        note: `(+ GET /api/v1/authorities/${ctx.authority}/peers?method=${ctx.peerMethod} first)`,
      },
    },
    sectors: {
      'sector-theme': { path: S + pick(q, SUM, { group_by: 'sector,theme' }) },
      'sme-vcse-sector': { path: I + pick(q, IND, { group_by: 'sector' }) },
      'sme-vcse-region': { path: I + pick(q, IND, { group_by: 'region' }) },
      'top-suppliers': { path: null, near: 'SuppliersService.top has no route: no API figure' },
    },
    quality: {
      compliance: { path: I + pick(q, QUAL, { group_by: 'period', period_type: 'quarter' }) },
      'missing-returns': { path: '/api/v1/quality' + pick(q, QUAL, { check: 'missing_return' }), near: 'the chart reads QualityService.countsByQuarter; the route lists the rows (a page) with counts per check' },
      flags: { path: '/api/v1/quality' + pick(q, QUAL, { check: 'outlier,duplicate_evidence,outside_contract' }), near: 'as missing-returns' },
      batches: { path: '/api/v1/imports?limit=50' },
    },
    contract: {
      commitments: { path: `/api/v1/contracts/${encodeURIComponent(ctx.contract.reference)}/delivery` },
      returns: { path: `/api/v1/contracts/${encodeURIComponent(ctx.contract.reference)}/delivery` },
      evidence: { path: `/api/v1/contracts/${encodeURIComponent(ctx.contract.reference)}/delivery` },
    },
  };
  return calls[dashboard]?.[chart] ?? { path: null, near: 'no call known for this chart' };
}

const percentile = (values, p) => {
  if (values.length === 0) return NaN;
  const s = [...values].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const median = (values) => {
  const s = [...values].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const ms = (v) => (v === undefined || v === null || Number.isNaN(v) ? '-' : v < 10 ? v.toFixed(1) : v.toFixed(0));
const kb = (b) => (b / 1024).toFixed(b < 10240 ? 1 : 0);
const ratio = (x, y) => (x && y ? `x${(x / y).toFixed(1)}` : '-');

/** The pages of the catalogue, each with its path. */
function pages(dashboards, ctx) {
  return dashboards.map((d) => ({
    dashboard: d,
    path:
      d.subject === 'authority'
        ? `/dashboards/authority/${encodeURIComponent(ctx.authority)}`
        : d.subject === 'contract'
          ? `/dashboards/contract/${encodeURIComponent(ctx.contract.reference)}`
          : `/dashboards/${d.name}`,
  }));
}

/** Every chart of every page: its spec/svg/api URLs, the headers it is asked with, and what it is checked against. */
async function chartPlan(service, dashboards, ctx, key) {
  const plan = [];
  for (const page of pages(dashboards, ctx)) {
    const res = await timed(service.url + page.path);
    if (res.status !== 200) throw new Error(`${page.path}: ${res.status} ${Buffer.from(res.body).toString('utf8').slice(0, 300)}`);
    const found = new Map(chartsOfPage(Buffer.from(res.body).toString('utf8')).map((c) => [c.name, c.spec]));
    for (const chart of page.dashboard.charts) {
      let spec = found.get(chart.name);
      if (!spec) {
        console.log(`  (${page.path} has no section for ${chart.name}: asked with the subject only)`);
        const subject = page.dashboard.subject ? `?${page.dashboard.subject}=${encodeURIComponent(page.dashboard.subject === 'authority' ? ctx.authority : ctx.contract.reference)}` : '';
        spec = `/api/v1/dashboards/${page.dashboard.name}/charts/${chart.name}.vl.json${subject}`;
      }
      const u = new URL(spec, service.url);
      const api = underlyingApi(page.dashboard.name, chart.name, u.searchParams, ctx);
      const headers = chart.access === 'supplier-data' ? { authorization: `Bearer ${key}` } : {};
      plan.push({
        dashboard: page.dashboard.name,
        page: page.path,
        chart: chart.name,
        access: chart.access,
        headers,
        spec: u.pathname + u.search,
        svg: u.pathname.replace(/\.vl\.json$/, '.svg') + u.search,
        api: api.path,
        near: api.near,
        note: api.note,
      });
    }
  }
  return plan;
}

/** N timed rounds (after the warm-ups) of each URL of a list, interleaved; the times of each, and any odd status. */
async function measure(service, urls, headers) {
  const times = urls.map(() => []);
  const statuses = urls.map(() => new Set());
  const bytes = urls.map(() => 0);
  for (let round = 0; round < WARMUP + REQUESTS; round += 1) {
    for (let i = 0; i < urls.length; i += 1) {
      if (!urls[i]) continue;
      const r = await timed(service.url + urls[i], headers);
      statuses[i].add(r.status);
      bytes[i] = r.bytes;
      if (round >= WARMUP) times[i].push(r.ms);
    }
  }
  return times.map((t, i) => ({ p50: percentile(t, 50), p95: percentile(t, 95), statuses: [...statuses[i]], bytes: bytes[i] }));
}

async function serverPhase(env, dashboards, ctx, key, dir) {
  const service = await startService({ ...env, READ_CACHE_ENTRIES: '0' }, { logFile: join(dir, 'server.log') });
  try {
    const peers = await peerSet(service, ctx.authority);
    Object.assign(ctx, peers);
    const plan = await chartPlan(service, dashboards, ctx, key);
    console.log(
      `\n1. server: every chart at its page's URL, READ_CACHE_ENTRIES=0 (each request computes), ${REQUESTS} requests each after ${WARMUP} warm-ups, spec/svg/api interleaved`,
    );
    console.log(`   authority page: ${ctx.authority} (peers: ${ctx.peerMethod}, ${ctx.peerCodes.length}); contract page: ${ctx.contract.reference} (${ctx.contract.commitments} commitments, ${ctx.contract.outcomes} latest outcomes)`);
    const header =
      `${'dashboard'.padEnd(10)}${'chart'.padEnd(24)}${'access'.padEnd(8)}` +
      `${'spec p50'.padStart(9)}${'p95'.padStart(7)}${'svg p50'.padStart(9)}${'p95'.padStart(7)}${'api p50'.padStart(9)}${'p95'.padStart(7)}` +
      `${'spec/api'.padStart(10)}${'svg/api'.padStart(9)}${'spec kB'.padStart(9)}${'svg kB'.padStart(8)}${'api kB'.padStart(8)}   spec p95 < ${SPEC_AIM_MS} ms`;
    console.log(`\n${header}\n${'-'.repeat(header.length)}`);
    const notes = [];
    for (const c of plan) {
      const [spec, svg, api] = await measure(service, [c.spec, c.svg, c.api], c.headers);
      Object.assign(c, { specT: spec, svgT: svg, apiT: c.api ? api : null });
      const odd = [['spec', spec], ['svg', svg], ['api', api]].filter(([, t]) => t.statuses.length && t.statuses.some((s) => s !== 200)).map(([n, t]) => `${n} ${t.statuses.join('/')}`);
      const mark = c.near ? (c.api ? '~' : '') : '';
      console.log(
        `${c.dashboard.padEnd(10)}${c.chart.padEnd(24)}${(c.access === 'public' ? 'public' : 'supplier').padEnd(8)}` +
          `${ms(spec.p50).padStart(9)}${ms(spec.p95).padStart(7)}${ms(svg.p50).padStart(9)}${ms(svg.p95).padStart(7)}` +
          `${(mark + ms(c.apiT?.p50)).padStart(9)}${ms(c.apiT?.p95).padStart(7)}` +
          `${ratio(spec.p50, c.apiT?.p50).padStart(10)}${ratio(svg.p50, c.apiT?.p50).padStart(9)}` +
          `${kb(spec.bytes).padStart(9)}${kb(svg.bytes).padStart(8)}${(c.api ? kb(api.bytes) : '-').padStart(8)}   ${spec.p95 < SPEC_AIM_MS ? 'yes' : 'NO'}` +
          (odd.length ? `   (status ${odd.join(', ')})` : ''),
      );
      notes.push({ c, mark });
    }
    const within = plan.filter((c) => c.specT.p95 < SPEC_AIM_MS).length;
    console.log(`\naim: every spec p95 < ${SPEC_AIM_MS} ms: ${within} of ${plan.length} charts -> ${within === plan.length ? 'met' : 'not met'}`);
    const missing = plan.filter((c) => c.specT.p95 >= SPEC_AIM_MS).map((c) => `${c.dashboard}/${c.chart} ${ms(c.specT.p95)} ms`);
    if (missing.length) console.log(`  over: ${missing.join(', ')}`);

    console.log('\nthe API call under each chart (~: the nearest route; the builder reads a method no route serves as such):');
    for (const { c, mark } of notes) {
      console.log(`  ${`${c.dashboard}/${c.chart}`.padEnd(34)}${mark ? `${mark} ` : ''}${c.api ? `GET ${c.api}` : '-'}${c.note ? ` ${c.note}` : ''}${c.near ? `   [${c.near}]` : ''}`);
    }
    console.log(`  (the spec URLs are the pages' own data-spec, e.g. ${plan[0].spec})`);

    // the pages' HTML (the shell: subject, tiles, filter choices), computed
    console.log(`\npage HTML on the server (READ_CACHE_ENTRIES=0), ${REQUESTS} requests after ${WARMUP} warm-ups:`);
    const htmlTimes = {};
    for (const page of pages(dashboards, ctx)) {
      const [t] = await measure(service, [page.path], {});
      htmlTimes[page.dashboard.name] = t;
      console.log(`  ${page.path.padEnd(48)} p50 ${ms(t.p50).padStart(6)} ms   p95 ${ms(t.p95).padStart(6)} ms${t.statuses.some((s) => s !== 200) ? `   (status ${t.statuses.join('/')})` : ''}`);
    }
    return { plan, htmlTimes };
  } finally {
    await stopService(service);
  }
}

/** The authority's default peer group on its page: nearest neighbours for a council, else the same kind and subtype. */
async function peerSet(service, authority) {
  for (const method of ['nearest', 'same_subtype']) {
    const r = await timed(`${service.url}/api/v1/authorities/${encodeURIComponent(authority)}/peers?method=${method}`);
    if (r.status === 200) {
      const body = JSON.parse(Buffer.from(r.body).toString('utf8'));
      return { peerMethod: method, peerCodes: (body.peers ?? []).map((p) => p.code) };
    }
  }
  throw new Error(`no peer group for ${authority}`);
}

/** Chromium, as test/support/browser.ts launches it (the project's flags, a profile of its own). */
async function launchChromium() {
  const executablePath = chromiumPath(process.env.CHROMIUM_PATH || process.env.PUPPETEER_EXECUTABLE_PATH || undefined);
  if (!executablePath) return null;
  const puppeteer = require('puppeteer-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'svm-bench-chromium-'));
  const browser = await puppeteer.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS, userDataDir, defaultViewport: { width: 1280, height: 900 } });
  return {
    browser,
    close: async () => {
      try {
        await browser.close();
      } finally {
        rmSync(userDataDir, { recursive: true, force: true });
      }
    },
  };
}

/* global document, window, MutationObserver -- the two functions below run in the page (puppeteer sends their source) */

/** Records, in the page, the moment (ms since navigation start) the dashboard is marked drawn. */
function markDrawn() {
  const check = () => {
    const d = document.querySelector('.dashboard');
    if (d && d.getAttribute('data-state') === 'drawn' && window.__drawnAt === undefined) window.__drawnAt = performance.now();
  };
  new MutationObserver(check).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-state'] });
}

/** Waits for the dashboard to be drawn: its time since navigation start, and what each chart ended as. */
async function drawnTime(page) {
  await page.waitForFunction(() => window.__drawnAt !== undefined, { timeout: 180_000, polling: 50 });
  return page.evaluate(() => {
    const states = {};
    for (const s of document.querySelectorAll('section.chart')) states[s.getAttribute('data-state')] = (states[s.getAttribute('data-state')] ?? 0) + 1;
    return { ms: window.__drawnAt, states };
  });
}

/** The session cookie of a browser signed in with `key` (POST /dashboards/sign-in). */
async function signIn(service, key) {
  const res = await fetch(`${service.url}/dashboards/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key, next: '/dashboards' }).toString(),
    redirect: 'manual',
  });
  const cookies = res.headers.getSetCookie();
  if (res.status !== 303 || cookies.length === 0) throw new Error(`sign-in answered ${res.status} without a cookie`);
  const [pair] = cookies[0].split(';');
  const eq = pair.indexOf('=');
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1) };
}

async function browserPhase(env, dashboards, ctx, key, plan, dir) {
  const chromium = await launchChromium();
  if (!chromium) {
    console.log('\n2. Chromium: skipped, no Chromium found (PUPPETEER_EXECUTABLE_PATH, /usr/bin/chromium, /usr/bin/chromium-browser)');
    return;
  }
  const results = [];
  try {
    console.log(
      `\n2. Chromium ${await chromium.browser.version()} (headless, 1280x900): navigation start to .dashboard[data-state=drawn]; the service with its read cache on (the default),` +
        `\n   started afresh for each page; cold: the first visit, in a new browser context signed in with an admin key; warm: reloads in that context, median of ${WARM_RUNS}.` +
        `\n   api: the page's underlying API calls (one per chart, as in 1), sum and max of their p50; uncached from 1, cached asked of the same service after the page's runs.`,
    );
    for (const page of pages(dashboards, ctx)) {
      const charts = plan.filter((c) => c.dashboard === page.dashboard.name);
      const service = await startService(env, { logFile: join(dir, `browser-${page.dashboard.name}.log`) });
      const context = await chromium.browser.createBrowserContext();
      try {
        const cookie = await signIn(service, key);
        const tab = await context.newPage();
        await tab.setCookie({ name: cookie.name, value: cookie.value, url: service.url });
        await tab.evaluateOnNewDocument(markDrawn);
        await tab.goto(service.url + page.path, { waitUntil: 'domcontentloaded' });
        const cold = await drawnTime(tab);
        const warm = [];
        let states = cold.states;
        for (let i = 0; i < WARM_RUNS; i += 1) {
          await tab.reload({ waitUntil: 'domcontentloaded' });
          const w = await drawnTime(tab);
          warm.push(w.ms);
          states = w.states;
        }
        // the page's API calls, of the same service, now with its cache (asked as in 1: a key for supplier-data only,
        // whose routes are never cached)
        const withApi = charts.filter((c) => c.api);
        const cachedByUrl = new Map();
        for (const c of withApi) {
          if (!cachedByUrl.has(c.api)) cachedByUrl.set(c.api, (await measure(service, [c.api], c.headers))[0].p50);
        }
        const uncached = withApi.map((c) => c.apiT.p50);
        const cached = withApi.map((c) => cachedByUrl.get(c.api));
        results.push({
          path: page.path,
          charts: charts.length,
          withApi: withApi.length,
          cold: cold.ms,
          coldStates: cold.states,
          warm: median(warm),
          warmMax: Math.max(...warm),
          states,
          apiSum: uncached.reduce((a, b) => a + b, 0),
          apiMax: Math.max(...uncached),
          cachedSum: cached.reduce((a, b) => a + b, 0),
          cachedMax: Math.max(...cached),
        });
        await tab.close();
      } finally {
        await context.close();
        await stopService(service);
      }
    }
  } finally {
    await chromium.close();
  }
  const header =
    `${'page'.padEnd(48)}${'cold ms'.padStart(8)}${'api sum'.padStart(9)}${'max'.padStart(6)}${'cold/max'.padStart(10)}` +
    `${'warm ms'.padStart(9)}${'(slowest)'.padStart(10)}${'cached sum'.padStart(12)}${'max'.padStart(6)}${'warm/max'.padStart(10)}   warm < 1 s`;
  console.log(`\n${header}\n${'-'.repeat(header.length)}`);
  for (const r of results) {
    console.log(
      `${r.path.padEnd(48)}${ms(r.cold).padStart(8)}${ms(r.apiSum).padStart(9)}${ms(r.apiMax).padStart(6)}${ratio(r.cold, r.apiMax).padStart(10)}` +
        `${ms(r.warm).padStart(9)}${`(${ms(r.warmMax)})`.padStart(10)}${ms(r.cachedSum).padStart(12)}${ms(r.cachedMax).padStart(6)}${ratio(r.warm, r.cachedMax).padStart(10)}   ${r.warm < PAGE_AIM_MS ? 'yes' : 'NO'}`,
    );
  }
  console.log('\ncharts as drawn (cold | warm), and API calls counted:');
  for (const r of results) {
    const s = (st) => Object.entries(st).map(([k, v]) => `${v} ${k}`).join(', ');
    console.log(`  ${r.path.padEnd(48)}${s(r.coldStates)} | ${s(r.states)}   (${r.withApi} of ${r.charts} charts with an API call)`);
  }
  const within = results.filter((r) => r.warm < PAGE_AIM_MS).length;
  console.log(`\naim: every page complete under ${PAGE_AIM_MS} ms warm: ${within} of ${results.length} pages -> ${within === results.length ? 'met' : 'not met'}`);
}

(async () => {
  const env = {
    DATABASE_URL: URL_,
    QUALITY_OUTLIER_CRON: 'off',
    DELIVERY_REBUILD_CRON: 'off',
    BATCH_CHECK_CRON: 'off',
    RATE_LIMIT_READS: 'off',
    RATE_LIMIT_WRITES: 'off',
  };
  const pgVersion = (await query(BASE, 'show server_version')).rows[0].server_version;
  const cpu = cpus();
  console.log(`bench:dashboards, ${SIZE.toLocaleString('en-GB')} outcomes on PostgreSQL ${pgVersion} (${new URL(BASE).host})`);
  console.log(`machine: ${cpu.length} cpus (${cpu[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 1024 ** 3)} GB, node ${process.version}, ${process.platform}/${process.arch}`);
  const created = await prepareDatabase(env);
  const dir = mkdtempSync(join(tmpdir(), 'svm-dashboards-'));
  try {
    const key = adminKey(env);
    if (!key || !/\S{16,}/.test(key)) throw new Error(`no admin key: ${key}`);
    const { DASHBOARDS } = require(join(ROOT, 'dist/dashboards/catalogue.js'));
    const ctx = await subjects();
    const { plan } = await serverPhase(env, DASHBOARDS, ctx, key, dir);
    await browserPhase(env, DASHBOARDS, ctx, key, plan, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (created && !KEEP) await query(BASE, `drop database if exists ${NAME} with (force)`);
  }
})().then(
  // bench-support's stopService removes the exit listeners that stop its log readers' timers: exit rather than wait
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
