#!/usr/bin/env node
/**
 * Import benchmark (on PostgreSQL): a 1M-row outcomes CSV sent through POST /api/v1/imports/outcomes of the running
 * service, beside raw COPYs of the same rows on the same server in the same run:
 *   - the same CSV file into a plain table of its own columns (the ceiling: bytes into a heap, no checks);
 *   - the rows as stored (resolved ids) into a copy of the outcomes table with its indexes and constraints.
 *   - the rows as stored (resolved ids) into the outcomes table itself, all its indexes, checks and foreign keys
 *     (as revision 2, not latest, so that they sit beside the imported ones; rolled back afterwards).
 * Prints rows/s of each, the ratios, and the service's peak RSS (VmHWM).
 *
 *   DATABASE_URL=postgres://... npm run bench:import          (ROWS=200000 for a quicker run)
 */
const { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { pipeline } = require('node:stream/promises');
const { Client } = require('pg');
const { from: copyFrom } = require('pg-copy-streams');
const { adminKey, peakRssMb, startService, stopService, upload } = require('./bench-support');
const ROWS = Number(process.env.ROWS || 1_000_000);
const BASE = process.env.DATABASE_URL;
if (!BASE) {
  console.log('bench:import runs on PostgreSQL: skipped, as DATABASE_URL is not set (e.g. postgres://root@127.0.0.1:5432/postgres)');
  process.exit(0);
}
const MEASURES = ['SVM-EMP-LOCAL-FTE', 'SVM-VOLUNTEER-HOURS', 'SVM-CO2E-AVOIDED', 'SVM-WASTE-DIVERTED', 'SVM-SPEND-LOCAL'];
const UNITS = ['FTE-year', 'hour', 'tCO2e', 'tonne', 'GBP'];
const QUARTERS = 20; // 2021-Q1 .. 2025-Q4
const contracts = Math.ceil(ROWS / (MEASURES.length * QUARTERS));

async function writeFiles(dir) {
  const c = createWriteStream(join(dir, 'contracts.csv'));
  c.write('reference,authority,title,supplier_scheme,supplier_id,supplier_name,supplier_scale,cpv,value_gbp,start_date,end_date\n');
  for (let i = 0; i < contracts; i += 1) {
    c.write(`BENCH-${i},E08000009,Bench contract ${i},GB-COH,B${String(i % 5000).padStart(7, '0')},Bench supplier ${i % 5000},sme,85312000,1000000,2021-01-01,2030-12-31\n`);
  }
  await new Promise((r) => c.end(r));
  const o = createWriteStream(join(dir, 'outcomes.csv'));
  o.write('contract,measure,period,quantity,unit,evidence_ref\n');
  let n = 0;
  for (let i = 0; i < contracts && n < ROWS; i += 1) {
    for (let m = 0; m < MEASURES.length && n < ROWS; m += 1) {
      let chunk = '';
      for (let q = 0; q < QUARTERS && n < ROWS; q += 1, n += 1) {
        chunk += `BENCH-${i},${MEASURES[m]},${2021 + Math.floor(q / 4)}-Q${(q % 4) + 1},${((i * 7 + q * 3 + m) % 997) / 10},${UNITS[m]},BENCH-${i}/${q}/${m}\n`;
      }
      if (!o.write(chunk)) await new Promise((r) => o.once('drain', r));
    }
  }
  await new Promise((r) => o.end(r));
  return n;
}

async function copyInto(client, sql, path) {
  const t = performance.now();
  await pipeline(createReadStream(path), client.query(copyFrom(sql)));
  return performance.now() - t;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'svm-bench-import-'));
  const name = `svm_bench_import_${process.pid}`;
  const admin = new Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  let service;
  try {
    const rows = await writeFiles(dir);
    const size = statSync(join(dir, 'outcomes.csv')).size;
    console.log(`${rows} outcome rows (${(size / 1e6).toFixed(0)} MB CSV) over ${contracts} contracts`);
    service = await startService({ DATABASE_URL: url.toString(), IMPORT_LIMIT: '2gb' });
    const key = adminKey({ DATABASE_URL: url.toString() });
    await upload(`${service.url}/api/v1/imports/contracts`, join(dir, 'contracts.csv'), key, 'text/csv');

    let t = performance.now();
    const result = await upload(`${service.url}/api/v1/imports/outcomes`, join(dir, 'outcomes.csv'), key, 'text/csv');
    const httpMs = performance.now() - t;
    if (result.batch.rows_inserted !== rows) throw new Error(`expected ${rows} rows inserted: ${JSON.stringify(result.batch)}`);
    const rss = peakRssMb(service.child.pid);
    const logged = await service.batchLog(result.batch.id);

    const db = new Client({ connectionString: url.toString() });
    await db.connect();
    await db.query('create table bench_raw (contract text, measure text, period text, quantity numeric, unit text, evidence_ref text)');
    const rawMs = await copyInto(db, 'copy bench_raw from stdin with (format csv, header)', join(dir, 'outcomes.csv'));
    const resolved = join(dir, 'resolved.csv');
    const { to: copyTo } = require('pg-copy-streams');
    const cols = 'contract_id, measure_id, period_start, period_end, quantity, unit, quantity_canonical, evidence_ref, revision, is_latest, batch_id';
    await pipeline(db.query(copyTo(`copy (select ${cols} from outcomes) to stdout with (format csv)`)), createWriteStream(resolved));
    await db.query('create table bench_outcomes (like outcomes including all)');
    const tableMs = await copyInto(db, `copy bench_outcomes (${cols}) from stdin with (format csv)`, resolved);
    const second = join(dir, 'resolved-rev2.csv');
    const cols2 = cols.replace('revision, is_latest', '2, false'); // beside the imported rows, not replacing them
    await pipeline(db.query(copyTo(`copy (select ${cols2} from outcomes) to stdout with (format csv)`)), createWriteStream(second));
    await db.query('begin');
    const sameMs = await copyInto(db, `copy outcomes (${cols}) from stdin with (format csv)`, second);
    await db.query('rollback');
    await db.end();

    const rate = (ms) => Math.round(rows / (ms / 1000));
    console.log(`HTTP import (stream, check, merge):      ${(httpMs / 1000).toFixed(2)} s  ${rate(httpMs).toLocaleString('en-GB')} rows/s`);
    console.log(`raw COPY, same CSV into a plain table:   ${(rawMs / 1000).toFixed(2)} s  ${rate(rawMs).toLocaleString('en-GB')} rows/s   import/raw = ${(rawMs / httpMs).toFixed(2)}`);
    console.log(`raw COPY, stored rows into outcomes' shape (indexes, checks): ${(tableMs / 1000).toFixed(2)} s  ${rate(tableMs).toLocaleString('en-GB')} rows/s   import/raw = ${(tableMs / httpMs).toFixed(2)}`);
    console.log(`raw COPY, stored rows into outcomes itself (indexes, checks, foreign keys): ${(sameMs / 1000).toFixed(2)} s  ${rate(sameMs).toLocaleString('en-GB')} rows/s   import/raw = ${(sameMs / httpMs).toFixed(2)}`);
    const phases = logged.phases_ms ?? {};
    const steps = logged.rollups?.steps ?? {};
    const span = (from, to) => (phases[to] - (phases[from] ?? 0)) / 1000;
    console.log(`the import's phases: staged ${span(null, 'staged').toFixed(1)} s, checked ${span('staged', 'checked').toFixed(1)} s, merged ${span('checked', 'merged').toFixed(1)} s, derived data refreshed ${span('merged', 'rollups').toFixed(1)} s (${Object.entries(steps).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')})`);
    console.log(`import / raw COPY into outcomes itself = ${(sameMs / httpMs).toFixed(2)} (aim: 0.5 or more)`);
    console.log(`service peak RSS (VmHWM): ${rss} MB`);
  } finally {
    await stopService(service);
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
