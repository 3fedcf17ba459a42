#!/usr/bin/env node
/**
 * OCDS import benchmark: a release package of 50,000 synthetic releases shaped like the samples, sent through
 * POST /api/v1/imports/ocds of the running service (on PostgreSQL when DATABASE_URL is set, else the embedded
 * database in a temporary folder), beside the floors of the same work on the same machine in the same run:
 *   - reading the package alone (stream-json, release by release, as the import does): the parser's ceiling;
 *   - reading and mapping every release (readOcds + mapRelease): the import's CPU work without a database;
 *   - JSON.parse of the whole file in memory (what streaming gives up in speed for bounded memory);
 *   - on PostgreSQL, a raw COPY of the contracts the import wrote into a table of the same shape.
 * The releases: 70% are Sell2Wales tenders (real text, real buyers) under new ocids; 20% are awards to those
 * tenders (suppliers with Companies House numbers, scale, agreed metrics); 10% implementation updates with metrics.
 * Prints releases/s of each, the ratios, and the service's peak RSS (VmHWM).
 * Then a notice-heavy package (NOTICE_RELEASES, a fifth of RELEASES by default), processes of five releases each
 * compiled as they arrive: a contract details notice (UK7: an award, a contract with three agreed KPIs and their
 * targets) and four quarterly contract performance notices (UK9: each KPI rated, measureClassification met,
 * slightlyBelow, below, significantlyBelow or other, for its period, with a performance failure every other quarter
 * and a contract change each quarter), against its own floor: reading, mapping and mapping the notices.
 *
 *   npm run bench:ocds                                   (RELEASES=5000 for a quicker run)
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/postgres npm run bench:ocds
 */
const { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { ROOT, adminKey, benchDatabase, peakRssMb, startService, stopService, upload } = require('./bench-support');
const N = Number(process.env.RELEASES || 50_000);
const BASE = process.env.DATABASE_URL;
const FIXTURES = join(ROOT, 'test', 'fixtures', 'ocds');

const sell2wales = JSON.parse(readFileSync(join(FIXTURES, 'samples', 'uk-sell2wales-release-package.json'), 'utf8')).releases;
const lifecycle = JSON.parse(readFileSync(join(FIXTURES, 'metrics-lifecycle.json'), 'utf8')).releases;
const tenders = sell2wales.map((r) => ({ text: JSON.stringify(r), ocid: r.ocid }));
const award = JSON.stringify(lifecycle[1]);
const implementation = JSON.stringify(lifecycle[2]);
const swap = (text, from, to) => text.split(from).join(to);

/** Writes the package; returns its release count and the share of each kind. */
async function writePackage(path) {
  const out = createWriteStream(path);
  const write = (s) => (out.write(s) ? undefined : new Promise((r) => out.once('drain', r)));
  await write('{"uri":"https://example.org/bench","version":"1.1","publishedDate":"2025-10-01T00:00:00Z","releases":[\n');
  let tenderCount = 0;
  for (let i = 0; i < N; i += 1) {
    const kind = i % 10;
    let text;
    if (kind < 7 || tenderCount === 0) {
      const t = tenders[i % tenders.length];
      text = swap(t.text, t.ocid, `ocds-bench-${i}`);
      tenderCount += 1;
    } else {
      // an award or implementation for a tender written before (every ocid that ends in an earlier tender)
      const target = `ocds-bench-${i - (kind - 6)}`;
      const template = kind < 9 ? award : implementation;
      text = swap(swap(template, 'ocds-svmtest-0001', target), '1234567', String(1_000_000 + (i % 20_000)));
      text = swap(swap(text, `"${target}-award"`, `"${target}-award-${i}"`), `"${target}-implementation"`, `"${target}-implementation-${i}"`);
    }
    await write(i === 0 ? text : `,\n${text}`);
  }
  await write(']}\n');
  await new Promise((r) => out.end(r));
}

const NOTICE_N = Number(process.env.NOTICE_RELEASES || Math.round(N / 5));
const CLASSES = ['met', 'slightlyBelow', 'below', 'significantlyBelow', 'other'];
const KPIS = [
  { id: 'KPI-1', title: 'Local people employed (FTE)', target: 12, unit: 'FTE' },
  { id: 'KPI-2', title: 'Apprenticeship weeks', target: 150, unit: 'weeks' },
  { id: 'KPI-3', title: 'Spend with local SMEs', target: 250000, unit: 'GBP' },
];

/** The notice-heavy package: processes of a UK7 contract details notice and four UK9 performance notices. */
async function writeNoticePackage(path) {
  const out = createWriteStream(path);
  const write = (s) => (out.write(s) ? undefined : new Promise((r) => out.once('drain', r)));
  await write('{"uri":"https://example.org/bench-notices","version":"1.1","publishedDate":"2026-10-01T00:00:00Z","releases":[\n');
  const buyer = { id: 'GB-GSS-E08000009', name: 'Trafford Council' };
  const buyerParty = { ...buyer, identifier: { scheme: 'GB-GSS', id: 'E08000009' }, roles: ['buyer'] };
  for (let i = 0; i < NOTICE_N; i += 1) {
    const g = Math.floor(i / 5);
    const q = i % 5;
    const ocid = `ocds-bench-kpi-${g}`;
    const coh = String(2_000_000 + (g % 20_000)).padStart(8, '0');
    const supplier = { id: `GB-COH-${coh}`, name: `Bench Supplier ${g % 20_000} Ltd` };
    const contractId = `${ocid}-contract-1`;
    const release = { ocid, id: `${ocid}-${q}`, date: new Date(Date.UTC(2025, 3 * q, 5)).toISOString(), buyer, parties: [buyerParty] };
    if (q === 0) {
      Object.assign(release, {
        tag: ['award', 'contract'],
        parties: [buyerParty, { ...supplier, identifier: { scheme: 'GB-COH', id: coh }, roles: ['supplier'], details: { scale: g % 3 ? 'sme' : 'large' } }],
        tender: { id: `${ocid}-tender`, title: `Facilities management ${g}`, mainProcurementCategory: 'services', aboveThreshold: true, classification: { scheme: 'CPV', id: '79993000-1' } },
        awards: [{ id: `${ocid}-award-1`, status: 'active', date: '2025-01-05T00:00:00Z', value: { amount: 6_000_000 + g, currency: 'GBP' }, suppliers: [supplier], contractPeriod: { startDate: '2025-04-01T00:00:00Z', endDate: '2027-03-31T23:59:59Z' } }],
        contracts: [{
          id: contractId, awardID: `${ocid}-award-1`, status: 'active', value: { amount: 6_000_000 + g, currency: 'GBP' },
          period: { startDate: '2025-04-01T00:00:00Z', endDate: '2027-03-31T23:59:59Z' },
          agreedMetrics: KPIS.map((k) => ({
            id: k.id, title: k.title, description: `${k.title}, reported quarterly`,
            observations: [{ id: `${k.id}-target`, measure: k.target, unit: { name: k.unit }, period: { startDate: '2025-04-01T00:00:00Z', endDate: '2027-03-31T23:59:59Z' } }],
          })),
        }],
      });
    } else {
      const start = new Date(Date.UTC(2025, 3 * q, 1));
      const end = new Date(Date.UTC(2025, 3 * q + 3, 0));
      const period = { startDate: start.toISOString().slice(0, 10), endDate: end.toISOString().slice(0, 10) };
      Object.assign(release, {
        tag: ['contractUpdate'],
        contracts: [{
          id: contractId, awardID: `${ocid}-award-1`,
          implementation: {
            metrics: KPIS.map((k, j) => ({
              id: k.id, title: k.title,
              observations: [{ id: `${k.id}-q${q}`, measureClassification: { id: CLASSES[(g + q + j) % CLASSES.length] }, period, notes: `Quarter ${q} assessment` }],
            })),
            performanceFailures: q % 2 === 0 ? [{ id: `${ocid}-failure-${q}`, requirement: 'Response times', description: 'Missed the response time in the quarter', decisionDate: end.toISOString(), penaltyType: 'damages', penaltyValue: { amount: 5000 * q, currency: 'GBP' } }] : [],
          },
          amendments: [{ id: `${ocid}-change-${q}`, date: start.toISOString(), description: `Scope adjusted in quarter ${q}`, rationale: 'Additional sites' }],
        }],
      });
    }
    await write(i === 0 ? JSON.stringify(release) : `,\n${JSON.stringify(release)}`);
  }
  await write(']}\n');
  await new Promise((r) => out.end(r));
}

/** The notice package's floor: reading it, mapping each release and its notices, no database. */
async function noticeFloor(path) {
  const { readOcds } = require(join(ROOT, 'dist/metrics/ingest/ocds/ocds-source.js'));
  const { mapRelease } = require(join(ROOT, 'dist/metrics/ingest/ocds/ocds-map.js'));
  const { mapReleaseNotices } = require(join(ROOT, 'dist/metrics/ingest/ocds/ocds-notices.js'));
  const t = performance.now();
  for await (const item of readOcds(createReadStream(path))) {
    mapRelease(item.release, item.path);
    mapReleaseNotices(item.release, item.path);
  }
  return performance.now() - t;
}

async function floors(path) {
  const { readOcds } = require(join(ROOT, 'dist/metrics/ingest/ocds/ocds-source.js'));
  const { mapRelease } = require(join(ROOT, 'dist/metrics/ingest/ocds/ocds-map.js'));
  let t = performance.now();
  let n = 0;
  for await (const _ of readOcds(createReadStream(path))) n += 1;
  const readMs = performance.now() - t;
  t = performance.now();
  for await (const item of readOcds(createReadStream(path))) mapRelease(item.release, item.path);
  const mapMs = performance.now() - t;
  t = performance.now();
  const parsed = JSON.parse(readFileSync(path, 'utf8'));
  const parseMs = performance.now() - t;
  if (parsed.releases.length !== n) throw new Error('release counts differ');
  return { readMs, mapMs, parseMs };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'svm-bench-ocds-'));
  const path = join(dir, 'package.json');
  let service;
  let database;
  try {
    await writePackage(path);
    const size = statSync(path).size;
    console.log(`${N.toLocaleString('en-GB')} releases, ${(size / 1e6).toFixed(0)} MB package; database: ${BASE ? 'PostgreSQL' : 'embedded (PGlite)'}`);
    database = await benchDatabase(BASE, 'ocds', dir);
    const env = database.env;
    service = await startService({ ...env, IMPORT_LIMIT: '4gb' });
    const key = adminKey(env);

    let t = performance.now();
    const result = await upload(`${service.url}/api/v1/imports/ocds?mode=partial`, path, key, 'application/json');
    const httpMs = performance.now() - t;
    const b = result.batch;
    if (b.rows_inserted !== N) throw new Error(`expected ${N} releases imported: ${JSON.stringify(b)}`);
    const rss = peakRssMb(service.child.pid);
    t = performance.now();
    const again = await upload(`${service.url}/api/v1/imports/ocds`, path, key, 'application/json');
    const againMs = performance.now() - t;
    if (again.batch.rows_unchanged !== N) throw new Error(`expected ${N} unchanged: ${JSON.stringify(again.batch)}`);

    let copyMs;
    if (BASE) {
      const { Client } = require('pg');
      const { from: copyFrom, to: copyTo } = require('pg-copy-streams');
      const { pipeline } = require('node:stream/promises');
      const db = new Client({ connectionString: env.DATABASE_URL });
      await db.connect();
      const csv = join(dir, 'contracts.csv');
      await pipeline(db.query(copyTo('copy (select * from contracts) to stdout with (format csv)')), createWriteStream(csv));
      await db.query('create table bench_contracts (like contracts including all)');
      t = performance.now();
      await pipeline(createReadStream(csv), db.query(copyFrom('copy bench_contracts from stdin with (format csv)')));
      copyMs = performance.now() - t;
      await db.end();
    }
    const f = await floors(path);

    const noticePath = join(dir, 'notices.json');
    await writeNoticePackage(noticePath);
    const noticeSize = statSync(noticePath).size;
    t = performance.now();
    const noticed = await upload(`${service.url}/api/v1/imports/ocds?mode=partial`, noticePath, key, 'application/json');
    const noticeMs = performance.now() - t;
    if (noticed.batch.rows_inserted !== NOTICE_N) throw new Error(`expected ${NOTICE_N} notice releases imported: ${JSON.stringify(noticed.batch)}`);
    const noticeFloorMs = await noticeFloor(noticePath);

    const rate = (ms) => Math.round(N / (ms / 1000)).toLocaleString('en-GB');
    const s = b.summary;
    console.log(`contracts ${s.contracts.inserted.toLocaleString('en-GB')} (awarded ${s.contracts.awarded}, pipeline ${s.contracts.pipeline}), buyers ${s.buyers.distinct} (match rate ${s.buyers.match_rate}), suppliers ${s.suppliers.distinct}, observations ${s.observations.kept}`);
    console.log(`HTTP import (stream, map, match, merge): ${(httpMs / 1000).toFixed(2)} s  ${rate(httpMs)} releases/s  ${(size / 1e6 / (httpMs / 1000)).toFixed(1)} MB/s`);
    console.log(`the same package again (all already held): ${(againMs / 1000).toFixed(2)} s  ${rate(againMs)} releases/s`);
    console.log(`floor: read alone (stream-json):          ${(f.readMs / 1000).toFixed(2)} s  ${rate(f.readMs)} releases/s   import/floor = ${(f.readMs / httpMs).toFixed(2)}`);
    console.log(`floor: read and map, no database:         ${(f.mapMs / 1000).toFixed(2)} s  ${rate(f.mapMs)} releases/s   import/floor = ${(f.mapMs / httpMs).toFixed(2)}`);
    console.log(`JSON.parse of the whole file in memory:   ${(f.parseMs / 1000).toFixed(2)} s  ${rate(f.parseMs)} releases/s`);
    if (copyMs !== undefined) {
      const contracts = s.contracts.inserted;
      console.log(`raw COPY of the ${contracts.toLocaleString('en-GB')} contracts written into their table's shape: ${(copyMs / 1000).toFixed(2)} s  ${Math.round(contracts / (copyMs / 1000)).toLocaleString('en-GB')} rows/s`);
    }
    console.log(`service peak RSS (VmHWM): ${rss} MB (the package is ${(size / 1e6).toFixed(0)} MB)`);
    const ns = noticed.batch.summary;
    const nrate = (ms) => Math.round(NOTICE_N / (ms / 1000)).toLocaleString('en-GB');
    console.log(`notice-heavy package: ${NOTICE_N.toLocaleString('en-GB')} releases, ${(noticeSize / 1e6).toFixed(0)} MB; contracts ${ns.contracts.inserted}, KPIs ${ns.notices.kpis}, ratings ${ns.notices.ratings}, failures ${ns.notices.failures}, changes ${ns.notices.changes}, observations ${ns.observations.kept}`);
    console.log(`HTTP import of the notice-heavy package:  ${(noticeMs / 1000).toFixed(2)} s  ${nrate(noticeMs)} releases/s`);
    console.log(`floor: read, map and map notices:         ${(noticeFloorMs / 1000).toFixed(2)} s  ${nrate(noticeFloorMs)} releases/s   import/floor = ${(noticeFloorMs / noticeMs).toFixed(2)}`);
  } finally {
    await stopService(service);
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
