#!/usr/bin/env node
/**
 * Start-up benchmark: how long the run command takes to bring /health to 200, on a fresh data folder (cold: initdb,
 * migrations, reference data) and on a restart, side by side with the floor on the same machine: PGlite alone
 * creating a database (initdb) and reopening one. With DATABASE_URL set, also on an empty PostgreSQL database.
 *
 *   npm run bench:startup            (RUNS=5 for more repetitions)
 */
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync, readFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const RUNS = Number(process.env.RUNS || 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rssMb = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

/** Spawns the service and resolves when /health answers 200: elapsed ms, RSS, and a stop function. */
function startService(env) {
  const started = performance.now();
  const { DATABASE_URL: _omit, ...rest } = process.env;
  const child = spawn(process.execPath, [join(ROOT, 'dist/api/main.js')], {
    cwd: ROOT,
    env: { ...rest, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`service exited ${code}: ${out}`)));
    child.stdout.on('data', async (chunk) => {
      out += chunk;
      const match = /"url":"(http:\/\/localhost:\d+)"/.exec(out);
      if (!match || child.ready) return;
      child.ready = true;
      for (;;) {
        const res = await fetch(`${match[1]}/health`).catch(() => undefined);
        if (res?.status === 200) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const ms = performance.now() - started;
      const rss = rssMb(child.pid);
      child.removeAllListeners('exit');
      resolve({
        ms,
        rss,
        stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }),
      });
    });
  });
}

async function pgliteFloor(dir) {
  const { PGlite } = require('@electric-sql/pglite');
  let t = performance.now();
  const a = new PGlite(dir);
  await a.waitReady;
  const initdb = performance.now() - t;
  await a.close();
  t = performance.now();
  const b = new PGlite(dir);
  await b.waitReady;
  const reopen = performance.now() - t;
  await b.close();
  return { initdb, reopen };
}

async function main() {
  const rows = { cold: [], restart: [], initdb: [], reopen: [], rss: [] };
  for (let i = 0; i < RUNS; i += 1) {
    const dir = mkdtempSync(join(tmpdir(), 'svm-bench-'));
    const cold = await startService({ DATA_DIR: dir });
    rows.cold.push(cold.ms);
    rows.rss.push(cold.rss);
    await cold.stop();
    const warm = await startService({ DATA_DIR: dir });
    rows.restart.push(warm.ms);
    await warm.stop();
    rmSync(dir, { recursive: true, force: true });
    const floorDir = mkdtempSync(join(tmpdir(), 'svm-bench-floor-'));
    const floor = await pgliteFloor(floorDir);
    rows.initdb.push(floor.initdb);
    rows.reopen.push(floor.reopen);
    rmSync(floorDir, { recursive: true, force: true });
  }
  const f = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`start-up to /health 200, median of ${RUNS} (node ${process.version})`);
  console.log(`embedded, cold (empty data folder): ${f(median(rows.cold))}   PGlite initdb alone: ${f(median(rows.initdb))}   ratio ${(median(rows.cold) / median(rows.initdb)).toFixed(2)}`);
  console.log(`embedded, restart:                  ${f(median(rows.restart))}   PGlite reopen alone: ${f(median(rows.reopen))}   ratio ${(median(rows.restart) / median(rows.reopen)).toFixed(2)}`);
  console.log(`embedded, service RSS after start:  ${median(rows.rss)} MB`);

  if (process.env.DATABASE_URL) {
    const { Client } = require('pg');
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    const cold = [];
    const warm = [];
    for (let i = 0; i < RUNS; i += 1) {
      const name = `svm_bench_${process.pid}_${i}`;
      await admin.query(`create database ${name}`);
      const url = new URL(process.env.DATABASE_URL);
      url.pathname = `/${name}`;
      const a = await startService({ DATABASE_URL: url.toString() });
      cold.push(a.ms);
      await a.stop();
      const b = await startService({ DATABASE_URL: url.toString() });
      warm.push(b.ms);
      await b.stop();
      await admin.query(`drop database ${name} with (force)`);
    }
    await admin.end();
    console.log(`postgres, cold (empty database):    ${f(median(cold))}`);
    console.log(`postgres, restart:                  ${f(median(warm))}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
