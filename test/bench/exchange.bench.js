#!/usr/bin/env node
/**
 * Exchange matching benchmark, in two parts on the same instance in the same run:
 *
 * 1. The pure solve (no database): the optimal plan (`planMatches`, two HiGHS linear programs per kind and measure
 *    over the aggregated network) for 10,000 open pledges and 50,000 open needs over the real authorities (their
 *    regions, IMD quintiles and geographic neighbours from metrics/reference/data), beside the first-come greedy
 *    baseline on the same instance. Demand is about 1.5x supply in every measure, so which needs are met is a real
 *    choice. Prints the time of planMatches (median of RUNS, HiGHS loaded beforehand; its first load apart), the
 *    process's peak RSS and the heap it grew by, the proposals, met against asked per measure, the greedy plan's met
 *    and time, the ratio, and the aim: planMatches under 10 s.
 *
 * 2. The real matching run through the service (SERVICE=0 leaves it out): the built service on the embedded database
 *    in a temporary folder, or on PostgreSQL in a database of its own (svm_bench_exchange_<pid>, dropped at the end)
 *    when DATABASE_URL is set. The same instance is written into it set-based (insert ... select from
 *    jsonb_to_recordset): a supplier and an awarded contract per pledge (the contract's buyer is the pledge's first
 *    place), a community organisation per council, the needs, the pledges and their places, over eight measures of
 *    the default framework (svm-open). Needed-by dates are moved forward by whole days so that none has passed (their
 *    order, all the plan reads of them, is kept). Then POST /api/v1/exchange/matching/run (admin key) is timed
 *    SERVICE_RUNS times (2 by default: the first on an empty exchange, the second expiring the first's proposals and
 *    storing its own, as the nightly run does). For each: the wall time, the service's peak RSS during it (VmHWM,
 *    reset before the run through /proc/<pid>/clear_refs; the sampled VmRSS when that is not allowed), the proposals
 *    and expiries stored, the solve inside the run (the answer's optimal.ms and greedy.ms) and the rest (reading,
 *    expiring, writing), optimal met vs greedy met, and the run's time over the pure planMatches time: the overhead of
 *    the service over the limit on the same machine. Aim: the run under 10 s.
 *
 *   npm run bench:exchange
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/postgres npm run bench:exchange
 *   PLEDGES=20000 NEEDS=100000 RUNS=3 SEED=7 SERVICE_RUNS=1 npm run bench:exchange
 */
const { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { cpus, tmpdir, totalmem } = require('node:os');
const { join } = require('node:path');
const { parse } = require('csv-parse/sync');
const { ROOT, adminKey, benchDatabase, peakRssMb, rssMb, startService, stopService } = require('./bench-support');

const PLEDGES = Number(process.env.PLEDGES || 10000);
const NEEDS = Number(process.env.NEEDS || 50000);
const RUNS = Number(process.env.RUNS || 3);
const SEED = Number(process.env.SEED || 20261207);
const AIM_MS = 10000;
const SERVICE = process.env.SERVICE !== '0';
const SERVICE_RUNS = Number(process.env.SERVICE_RUNS || 2);
const BASE = process.env.DATABASE_URL;

const { planMatches, greedyMatches } = require(join(ROOT, 'dist/metrics/ingest/exchange/matching.js'));

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The current authorities with their region and population, their IMD quintiles, and their neighbours. */
function geography() {
  const data = join(ROOT, 'metrics/reference/data');
  const rows = parse(readFileSync(join(data, 'uk_local_authorities.csv')), { columns: true });
  const current = rows.filter((r) => r['current-authority'] === 'True' && r['gss-code'] && r.region);
  const gssOf = new Map(current.map((r) => [r['local-authority-code'], r['gss-code']]));
  const regionOf = new Map(current.map((r) => [r['gss-code'], r.region]));
  const imdQuintile = new Map();
  for (const r of parse(readFileSync(join(data, 'mysociety_imd_la_labels.csv')), { columns: true })) {
    const gss = gssOf.get(r['local-authority-code']);
    const q = /^(\d)/.exec(r.label);
    if (gss && q) imdQuintile.set(gss, Number(q[1]));
  }
  const local = join(data, 'ons_lad2021_geographic_neighbours.json');
  const neighboursFile = existsSync(local) ? local : join(ROOT, '../shared/data/authorities/peer_groups/ons_lad2021_geographic_neighbours.json');
  const neighboursOf = new Map();
  for (const [code, [boundary, ...nearby]] of Object.entries(JSON.parse(readFileSync(neighboursFile, 'utf8')))) {
    neighboursOf.set(code, [...new Set([...(boundary ?? []), ...nearby.slice(0, 3)])].filter((c) => c !== code));
  }
  const authorities = current.map((r) => ({ code: r['gss-code'], pop: Number(r['pop-2020']) || 50000 }));
  return { geo: { regionOf, neighboursOf, imdQuintile }, authorities, neighboursFile };
}

/** Eight measures over six kinds of resource, each with a typical pledge size (whole units or pence). */
/** `code`: the measure of the default framework (svm-open) each stands for in the service's database. */
const MEASURES = [
  { measureId: 1, kind: 'volunteer_hours', size: [4, 120], decimals: 1, code: 'SVM-VOLUNTEER-HOURS' },
  { measureId: 2, kind: 'skilled_hours', size: [2, 80], decimals: 2, code: 'SVM-EMPLOYABILITY-HOURS' },
  { measureId: 3, kind: 'skilled_hours', size: [5, 200], decimals: 0, code: 'SVM-APPRENTICESHIP-WEEKS' },
  { measureId: 4, kind: 'equipment', size: [1, 30], decimals: 0, code: 'SVM-IN-KIND-VCSE' },
  { measureId: 5, kind: 'cash', size: [100, 5000], decimals: 2, code: 'SVM-DONATIONS-VCSE' },
  { measureId: 6, kind: 'cash', size: [500, 25000], decimals: 2, code: 'SVM-SPEND-VCSE' },
  { measureId: 7, kind: 'placement_weeks', size: [1, 12], decimals: 0, code: 'SVM-TRAINING-WEEKS' },
  { measureId: 8, kind: 'venue_hours', size: [2, 40], decimals: 1, code: 'SVM-SPEND-LOCAL' },
];

function instance({ geo, authorities }) {
  const rnd = mulberry32(SEED);
  // authorities drawn by population, so that cities have more of both
  const cumulative = [];
  let total = 0;
  for (const a of authorities) cumulative.push((total += a.pop));
  const anyAuthority = () => {
    const x = rnd() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return authorities[lo].code;
  };
  const round = (x, decimals) => Math.round(x * 10 ** decimals) / 10 ** decimals;
  const reachOf = () => {
    const x = rnd();
    return x < 0.3 ? 'authority' : x < 0.6 ? 'neighbours' : x < 0.85 ? 'region' : 'national';
  };
  const pledges = [];
  for (let i = 0; i < PLEDGES; i += 1) {
    const m = MEASURES[Math.floor(rnd() * MEASURES.length)];
    const home = anyAuthority();
    const places = [home];
    // a fifth of suppliers pledge for two or three places, often a neighbour of the first
    if (rnd() < 0.2) {
      const near = geo.neighboursOf.get(home) ?? [];
      for (let k = 1 + Math.floor(rnd() * 2); k > 0; k -= 1) places.push(near.length && rnd() < 0.7 ? near[Math.floor(rnd() * near.length)] : anyAuthority());
    }
    const [lo, hi] = m.size;
    pledges.push({ id: i + 1, kind: m.kind, measureId: m.measureId, remaining: round(lo + rnd() * (hi - lo), m.decimals), places: [...new Set(places)], reach: reachOf() });
  }
  // needs: NEEDS / PLEDGES times as many, each 1.5 / that of a pledge on average, so demand is about 1.5x supply
  const needScale = (1.5 * PLEDGES) / NEEDS;
  const needs = [];
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < NEEDS; i += 1) {
    const m = MEASURES[Math.floor(rnd() * MEASURES.length)];
    const [lo, hi] = m.size;
    const day = new Date(start + Math.floor(rnd() * 365) * 86400000).toISOString().slice(0, 10);
    needs.push({
      id: i + 1,
      kind: m.kind,
      measureId: m.measureId,
      remaining: Math.max(10 ** -m.decimals, round((lo + rnd() * (hi - lo)) * needScale * (0.25 + rnd() * 1.5), m.decimals)),
      authority: anyAuthority(),
      neededBy: rnd() < 0.6 ? day : null,
    });
  }
  return { pledges, needs };
}

/** No pledge gives, and no need gets, more than it has remaining; every pair is of the same kind and measure. */
function check(plan, pledges, needs) {
  const left = new Map();
  for (const p of pledges) left.set(`p${p.id}`, Math.round(p.remaining * 1000));
  for (const n of needs) left.set(`n${n.id}`, Math.round(n.remaining * 1000));
  const needById = new Map(needs.map((n) => [n.id, n]));
  const pledgeById = new Map(pledges.map((p) => [p.id, p]));
  let bad = 0;
  for (const pr of plan.proposals) {
    const q = Math.round(pr.quantity * 1000);
    for (const key of [`p${pr.pledgeId}`, `n${pr.needId}`]) {
      left.set(key, left.get(key) - q);
      if (left.get(key) < 0) bad += 1;
    }
    const p = pledgeById.get(pr.pledgeId);
    const n = needById.get(pr.needId);
    if (p.kind !== n.kind || p.measureId !== n.measureId) bad += 1;
  }
  return bad;
}

// ---- the real matching run, through the service ---------------------------------------------------------------

/** The whole instance written set-based: suppliers, contracts, organisations, needs, pledges and their places. */
async function seed(knex, pledges, needs) {
  const today = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  // needed-by dates moved forward by whole days so that none has passed (their order, all the plan reads, is kept)
  const shift = Math.max(0, Math.round((today - Date.UTC(2026, 0, 1)) / 86400000) + 1);
  const later = (d) => (d === null ? null : new Date(Date.parse(`${d}T00:00:00Z`) + shift * 86400000).toISOString().slice(0, 10));
  const codeOf = new Map(MEASURES.map((m) => [m.measureId, m.code]));
  const pledgeRows = pledges.map((p) => ({ i: p.id, kind: p.kind, code: codeOf.get(p.measureId), q: p.remaining, reach: p.reach, home: p.places[0], places: p.places }));
  const needRows = needs.map((n) => ({ i: n.id, kind: n.kind, code: codeOf.get(n.measureId), q: n.remaining, a: n.authority, nb: later(n.neededBy) }));
  const json = (rows) => JSON.stringify(rows);
  const steps = {};
  const step = async (name, sql, bindings = []) => {
    const t = performance.now();
    const r = await knex.raw(sql, bindings);
    steps[name] = Math.round(performance.now() - t);
    return r;
  };
  await knex.transaction(async (trx) => {
    const run = (name, sql, bindings) => {
      const t = performance.now();
      return trx.raw(sql, bindings ?? []).then((r) => {
        steps[name] = Math.round(performance.now() - t);
        return r;
      });
    };
    const measures = await trx.raw(
      `select m.code from measures m join frameworks f on f.id = m.framework_id where f.is_default and m.code = any(string_to_array(?, ','))`,
      [MEASURES.map((m) => m.code).join(',')],
    );
    if (new Set(measures.rows.map((r) => r.code)).size !== new Set(MEASURES.map((m) => m.code)).size) {
      throw new Error(`the default framework lacks a measure of ${MEASURES.map((m) => m.code).join(', ')}`);
    }
    await run('suppliers', `insert into suppliers (scheme, identifier, name, name_normalised)
      select 'GB-BENCH', 'EX' || i, 'Bench supplier ' || i, 'bench supplier ' || i from generate_series(1, ?::int) as i`, [pledges.length]);
    await run('contracts', `insert into contracts (reference, authority_id, supplier_id, title, stage, start_date, end_date)
      select 'BENCH-EX-' || r.i, a.id, s.id, 'Bench contract ' || r.i, 'awarded', current_date - 30, current_date + 700
      from jsonb_to_recordset(?::jsonb) as r(i int, home text)
      join authorities a on a.code = r.home
      join suppliers s on s.scheme = 'GB-BENCH' and s.identifier = 'EX' || r.i
      order by r.i`, [json(pledgeRows.map(({ i, home }) => ({ i, home })))]);
    await run('organisations', `insert into exchange_organisations (identifier, name)
      select 'GB-CHC-BENCH-' || a.code, 'Bench community organisation of ' || a.name from authorities a
      where a.kind = 'local_authority' order by a.code`);
    await run('organisation_authorities', `insert into exchange_organisation_authorities (organisation_id, authority_id)
      select o.id, a.id from authorities a join exchange_organisations o on o.identifier = 'GB-CHC-BENCH-' || a.code`);
    await run('needs', `insert into exchange_needs (organisation_id, reference, title, resource_kind, quantity, unit, measure_id,
        quantity_measure, authority_id, needed_by)
      select o.id, 'N' || r.i, 'Bench need ' || r.i, r.kind, r.q, m.unit, m.id, r.q, a.id, r.nb
      from jsonb_to_recordset(?::jsonb) as r(i int, kind text, code text, q numeric, a text, nb date)
      join authorities a on a.code = r.a
      join exchange_organisations o on o.identifier = 'GB-CHC-BENCH-' || r.a
      join measures m on m.code = r.code and m.framework_id = (select id from frameworks where is_default)
      order by r.i`, [json(needRows)]);
    await run('pledges', `insert into exchange_pledges (supplier_id, contract_id, measure_id, reference, title, resource_kind, quantity,
        unit, quantity_measure, reach, available_from, available_to)
      select c.supplier_id, c.id, m.id, 'P' || r.i, 'Bench pledge ' || r.i, r.kind, r.q, m.unit, r.q, r.reach, current_date, current_date + 365
      from jsonb_to_recordset(?::jsonb) as r(i int, kind text, code text, q numeric, reach text)
      join contracts c on c.reference = 'BENCH-EX-' || r.i
      join measures m on m.code = r.code and m.framework_id = (select id from frameworks where is_default)
      order by r.i`, [json(pledgeRows.map(({ i, kind, code, q, reach }) => ({ i, kind, code, q, reach })))]);
    await run('pledge_places', `insert into exchange_pledge_places (pledge_id, authority_id)
      select p.id, a.id from jsonb_to_recordset(?::jsonb) as r(i int, places text[])
      join contracts c on c.reference = 'BENCH-EX-' || r.i
      join exchange_pledges p on p.supplier_id = c.supplier_id and p.reference = 'P' || r.i
      cross join lateral unnest(r.places) as place(code)
      join authorities a on a.code = place.code`, [json(pledgeRows.map(({ i, places }) => ({ i, places })))]);
    const { rows } = await trx.raw(`select (select count(*) from exchange_pledges)::int as pledges, (select count(*) from exchange_needs)::int as needs,
      (select count(*) from exchange_pledge_places)::int as places`);
    const places = pledges.reduce((s, p) => s + p.places.length, 0);
    if (rows[0].pledges !== pledges.length || rows[0].needs !== needs.length) {
      throw new Error(`seeded ${JSON.stringify(rows[0])}, expected ${pledges.length} pledges and ${needs.length} needs (an authority code unknown to the database?)`);
    }
    // a place drawn from the 2021 neighbours file may be a district that is no longer a council: the database holds
    // only current councils (their neighbours too), so such a place is left out of the pledge's places
    steps.placesLeftOut = places - rows[0].places;
  });
  await step('analyze', 'analyze');
  return steps;
}

/** The most memory the service held since the last reset (VmHWM reset by clear_refs 5), or the sampled VmRSS. */
function peakWatch(pid) {
  let resettable = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    resettable = false;
  }
  let sampled = rssMb(pid);
  const timer = setInterval(() => {
    try {
      sampled = Math.max(sampled, rssMb(pid));
    } catch {
      /* the service has gone: its figures are what was sampled */
    }
  }, 25);
  return () => {
    clearInterval(timer);
    sampled = Math.max(sampled, rssMb(pid));
    return { peak: resettable ? Math.max(peakRssMb(pid), sampled) : sampled, how: resettable ? 'VmHWM, reset before the run' : 'sampled VmRSS every 25 ms' };
  };
}

async function serviceBench(pledges, needs, pure) {
  const dir = mkdtempSync(join(tmpdir(), 'svm-bench-exchange-'));
  const { openDatabase } = require(join(ROOT, 'dist/metrics/platform/database.js'));
  const env = { QUALITY_OUTLIER_CRON: 'off', EXCHANGE_MATCHING_CRON: 'off', BATCH_CHECK_CRON: 'off', DELIVERY_REBUILD_CRON: 'off' };
  let database;
  let service;
  const runs = [];
  try {
    database = await benchDatabase(BASE, 'exchange', dir);
    Object.assign(env, database.env);
    console.log(`\n== the matching run through the service, database: ${BASE ? `PostgreSQL (${database.name})` : 'embedded (PGlite)'} ==`);
    // started once to migrate and load the reference data, stopped while the instance is written (the embedded
    // database has one holder), started again to measure
    let t = performance.now();
    service = await startService(env);
    await stopService(service);
    service = undefined;
    const startMs = performance.now() - t;
    t = performance.now();
    const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR ?? dir });
    let steps;
    try {
      steps = await seed(db.knex, pledges, needs);
    } finally {
      await db.close();
    }
    const seedMs = performance.now() - t;
    const { placesLeftOut, ...timed } = steps;
    console.log(`service first start (migrations, reference data): ${fmt(startMs)} ms; instance written set-based in ${fmt(seedMs)} ms (ms: ${Object.entries(timed).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')})`);
    console.log(`places of pledges left out as no longer councils (2021 districts from the neighbours file): ${placesLeftOut} of ${fmt(pledges.reduce((s, p) => s + p.places.length, 0))}`);

    const logged = [];
    service = await startService(env, { onLine: (line) => line.includes('matching run') && logged.push(line) });
    const key = adminKey(env);
    if (!key) throw new Error('no admin key made');
    const pid = service.child.pid;
    console.log(`service started: RSS ${rssMb(pid)} MB before the runs (peak since start ${peakRssMb(pid)} MB)`);
    for (let i = 0; i < SERVICE_RUNS; i += 1) {
      const stop = peakWatch(pid);
      const before = rssMb(pid);
      t = performance.now();
      const res = await fetch(`${service.url}/api/v1/exchange/matching/run`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
      const body = await res.text();
      const ms = performance.now() - t;
      const mem = stop();
      if (res.status !== 200) throw new Error(`matching run: ${res.status} ${body.slice(0, 500)}`);
      runs.push({ ms, before, ...mem, answer: JSON.parse(body) });
    }
    await stopService(service);
    service = undefined;
    // what the runs stored, read back once the service is stopped (the embedded database has one holder)
    const db2 = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR ?? dir });
    let stored;
    try {
      ({ rows: [stored] } = await db2.knex.raw(`select
        (select count(*) from exchange_matches where status = 'proposed')::int as proposed,
        (select count(*) from exchange_matches where status = 'expired')::int as expired,
        (select count(*) from exchange_transitions)::int as transitions,
        (select count(*) from exchange_runs where finished_at is not null)::int as runs`));
    } finally {
      await db2.close();
    }

    console.log(`\nrun   wall ms   solve ms (optimal + greedy)   rest ms (read, expire, write)   peak RSS MB   pledges x needs   proposals   expired   run / pure planMatches`);
    for (const [i, r] of runs.entries()) {
      const a = r.answer;
      const solve = a.optimal.ms + a.greedy.ms;
      console.log(
        `${String(i + 1).padEnd(6)}${fmt(r.ms).padStart(7)}   ${`${fmt(solve)} (${fmt(a.optimal.ms)} + ${fmt(a.greedy.ms)})`.padStart(27)}   ${fmt(r.ms - solve).padStart(29)}   ` +
          `${String(r.peak).padStart(11)}   ${`${fmt(a.pledges)} x ${fmt(a.needs)}`.padStart(15)}   ${fmt(a.proposals).padStart(9)}   ${fmt(a.expired).padStart(7)}   ${(r.ms / pure.planMs).toFixed(2).padStart(22)}`,
      );
    }
    const last = runs.at(-1);
    const a = last.answer;
    console.log(`peak RSS: ${last.how}; RSS before each run: ${runs.map((r) => r.before).join(', ')} MB`);
    console.log(`stored after ${runs.length} run(s): ${fmt(stored.proposed)} proposed, ${fmt(stored.expired)} expired, ${fmt(stored.transitions)} transitions, ${stored.runs} finished runs`);
    console.log(`optimal met ${fmt(a.optimal.met)} vs greedy met ${fmt(a.greedy.met)}: ratio_to_greedy ${a.ratio_to_greedy} (pure, same instance: ${fmt(pure.plan.met)} vs ${fmt(pure.greedy.met)}, ${(pure.plan.met / pure.greedy.met).toFixed(4)}); optimal proposals ${fmt(a.proposals)} (pure ${fmt(pure.plan.proposals.length)})`);
    for (const line of logged) {
      try {
        const l = JSON.parse(line);
        console.log(`service log: ${l.msg} (pledges ${l.pledges}, needs ${l.needs}, expired ${l.expired}, planMatches ${fmt(l.ms)} ms)`);
      } catch {
        /* not a JSON line */
      }
    }
    for (const [i, r] of runs.entries()) {
      console.log(`aim: the matching run under ${AIM_MS / 1000} s (run ${i + 1}): ${(r.ms / 1000).toFixed(2)} s -> ${r.ms < AIM_MS ? 'PASS' : 'OVER'}; run / pure planMatches ${(r.ms / pure.planMs).toFixed(2)}`);
    }
    if (a.optimal.met < a.greedy.met) process.exitCode = 1;
  } finally {
    await stopService(service);
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => Math.round(x).toLocaleString('en-GB');

async function main() {
  const cpu = cpus();
  console.log(`bench:exchange, ${PLEDGES.toLocaleString('en-GB')} open pledges x ${NEEDS.toLocaleString('en-GB')} open needs, seed ${SEED}`);
  console.log(`machine: ${cpu.length} cpus (${cpu[0]?.model.trim() ?? 'unknown'}), ${Math.round(totalmem() / 1024 ** 3)} GB, node ${process.version}, ${process.platform}/${process.arch}`);
  const g = geography();
  console.log(
    `geography: ${g.authorities.length} current authorities, ${g.geo.imdQuintile.size} with an IMD quintile, ` +
      `${g.authorities.filter((a) => g.geo.neighboursOf.has(a.code)).length} with neighbours (${g.neighboursFile.slice(ROOT.length + 1)})`,
  );
  const { pledges, needs } = instance(g);

  // HiGHS loads once per process: its first load (the WebAssembly compiled) is measured apart
  let t = performance.now();
  await planMatches([], [], g.geo);
  const loadMs = performance.now() - t;

  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const times = [];
  let plan;
  let heapDelta = 0;
  for (let i = 0; i < RUNS; i += 1) {
    t = performance.now();
    plan = await planMatches(pledges, needs, g.geo);
    times.push(performance.now() - t);
    heapDelta = Math.max(heapDelta, process.memoryUsage().heapUsed - heapBefore);
  }
  t = performance.now();
  const greedy = greedyMatches(pledges, needs, g.geo);
  const greedyMs = performance.now() - t;
  const planMs = median(times);

  console.log(`\nHiGHS first load: ${fmt(loadMs)} ms`);
  console.log(`planMatches:   ${fmt(planMs)} ms (median of ${RUNS}: ${times.map(fmt).join(', ')})   ${plan.proposals.length.toLocaleString('en-GB')} proposals`);
  console.log(`greedyMatches: ${fmt(greedyMs)} ms   ${greedy.proposals.length.toLocaleString('en-GB')} proposals`);
  console.log(`peak RSS (VmHWM) ${peakRssMb(process.pid)} MB; heapUsed grew by at most ${(heapDelta / 1024 ** 2).toFixed(0)} MB over the runs`);

  const header = `${'measure'.padEnd(22)}${'asked'.padStart(14)}${'offered'.padStart(14)}${'met (plan)'.padStart(14)}${'met (greedy)'.padStart(14)}${'plan/greedy'.padStart(13)}`;
  console.log(`\n${header}\n${'-'.repeat(header.length)}`);
  const greedyMet = new Map(greedy.byMeasure.map((f) => [`${f.measureId}/${f.kind}`, f.met]));
  for (const f of plan.byMeasure) {
    const gm = greedyMet.get(`${f.measureId}/${f.kind}`) ?? 0;
    console.log(
      `${`${f.measureId} ${f.kind}`.padEnd(22)}${fmt(f.asked).padStart(14)}${fmt(f.offered).padStart(14)}${fmt(f.met).padStart(14)}${fmt(gm).padStart(14)}${(gm ? f.met / gm : 0).toFixed(3).padStart(13)}`,
    );
  }
  console.log(`\nmet vs asked (all measures, each in its own unit): plan ${fmt(plan.met)} of ${fmt(plan.asked)} (${((plan.met / plan.asked) * 100).toFixed(1)}%), greedy ${fmt(greedy.met)} (${((greedy.met / plan.asked) * 100).toFixed(1)}%)`);
  console.log(`ratio optimal/greedy met: ${(plan.met / greedy.met).toFixed(4)}   priority: plan ${fmt(plan.priority)}, greedy ${fmt(greedy.priority)} (ratio ${(plan.priority / greedy.priority).toFixed(4)})`);
  const byRelation = (p) => {
    const sums = {};
    for (const x of p.proposals) sums[x.relation] = (sums[x.relation] ?? 0) + x.quantity;
    return ['same_authority', 'neighbour', 'same_region', 'national'].map((r) => `${r} ${(((sums[r] ?? 0) / p.met) * 100).toFixed(0)}%`).join(', ');
  };
  const toDeprived = (p) => (p.proposals.filter((x) => x.imdQuintile !== null && x.imdQuintile <= 2).reduce((s, x) => s + x.quantity, 0) / p.met) * 100;
  console.log(`share of met by relation: plan ${byRelation(plan)}; greedy ${byRelation(greedy)}`);
  console.log(`share of met in IMD quintiles 1-2: plan ${toDeprived(plan).toFixed(1)}%, greedy ${toDeprived(greedy).toFixed(1)}%`);
  const bad = check(plan, pledges, needs) + check(greedy, pledges, needs);
  console.log(`capacities: ${bad === 0 ? 'never exceeded' : `${bad} EXCEEDED`}`);
  console.log(`\naim: planMatches under ${AIM_MS / 1000} s for ${PLEDGES.toLocaleString('en-GB')} pledges x ${NEEDS.toLocaleString('en-GB')} needs: ${(planMs / 1000).toFixed(2)} s -> ${planMs < AIM_MS ? 'PASS' : 'OVER'}`);
  if (bad > 0 || plan.met < greedy.met) process.exitCode = 1;

  if (SERVICE) await serviceBench(pledges, needs, { planMs, plan, greedy });
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

// for a profiling script: the instance and its seeding
module.exports = { geography, instance, seed };
