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
 *
 *   npm run bench:ocds                                   (RELEASES=5000 for a quicker run)
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/postgres npm run bench:ocds
 */
const { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { ROOT, adminKey, peakRssMb, startService, stopService, upload } = require('./bench-support');
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
  let dbName;
  let admin;
  try {
    await writePackage(path);
    const size = statSync(path).size;
    console.log(`${N.toLocaleString('en-GB')} releases, ${(size / 1e6).toFixed(0)} MB package; database: ${BASE ? 'PostgreSQL' : 'embedded (PGlite)'}`);
    const env = {};
    if (BASE) {
      const { Client } = require('pg');
      admin = new Client({ connectionString: BASE });
      await admin.connect();
      dbName = `svm_bench_ocds_${process.pid}`;
      await admin.query(`create database ${dbName}`);
      const url = new URL(BASE);
      url.pathname = `/${dbName}`;
      env.DATABASE_URL = url.toString();
    } else {
      env.DATA_DIR = join(dir, 'data');
    }
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
  } finally {
    await stopService(service);
    if (admin) {
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
