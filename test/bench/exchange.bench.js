#!/usr/bin/env node
/**
 * Exchange matching benchmark (no database): the optimal plan (`planMatches`, two HiGHS linear programs per kind and
 * measure over the aggregated network) for 10,000 open pledges and 50,000 open needs over the real authorities (their
 * regions, IMD quintiles and geographic neighbours from metrics/reference/data), beside the first-come greedy baseline
 * on the same instance. Demand is about 1.5x supply in every measure, so which needs are met is a real choice.
 *
 * Prints the time of planMatches (median of RUNS, HiGHS loaded beforehand; its first load apart), the process's peak
 * RSS and the heap it grew by, the proposals, met against asked per measure, the greedy plan's met and time, the ratio,
 * and the aim: planMatches under 10 s.
 *
 *   npm run bench:exchange
 *   PLEDGES=20000 NEEDS=100000 RUNS=3 SEED=7 npm run bench:exchange
 */
const { existsSync, readFileSync } = require('node:fs');
const { cpus, totalmem } = require('node:os');
const { join } = require('node:path');
const { parse } = require('csv-parse/sync');
const { ROOT, peakRssMb } = require('./bench-support');

const PLEDGES = Number(process.env.PLEDGES || 10000);
const NEEDS = Number(process.env.NEEDS || 50000);
const RUNS = Number(process.env.RUNS || 3);
const SEED = Number(process.env.SEED || 20261207);
const AIM_MS = 10000;

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
const MEASURES = [
  { measureId: 1, kind: 'volunteer_hours', size: [4, 120], decimals: 1 },
  { measureId: 2, kind: 'skilled_hours', size: [2, 80], decimals: 2 },
  { measureId: 3, kind: 'skilled_hours', size: [5, 200], decimals: 0 },
  { measureId: 4, kind: 'equipment', size: [1, 30], decimals: 0 },
  { measureId: 5, kind: 'cash', size: [100, 5000], decimals: 2 },
  { measureId: 6, kind: 'cash', size: [500, 25000], decimals: 2 },
  { measureId: 7, kind: 'placement_weeks', size: [1, 12], decimals: 0 },
  { measureId: 8, kind: 'venue_hours', size: [2, 40], decimals: 1 },
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
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
