#!/usr/bin/env node
/**
 * kill -9 during large imports, on PostgreSQL: the built service (dist/api/main.js) is started on a database of its
 * own, outcome returns of KILL9_ROWS rows (100,000 by default) are sent one after another, and each time the service
 * is killed (SIGKILL) at a random moment of the import (parse and COPY, checks, merge, rollup refresh, or after it
 * committed), the phase it was in logged from GET /api/v1/imports?status=running and the backend's statement, then
 * started again at once. After each restart: no batch is left received or running (the start-up check fails the
 * batches of the killed process and ends the backends it left), the batch is committed or failed, a retry with the
 * same Idempotency-Key imports a failed one, and every derived table equals a rebuild from the raw rows.
 *
 *   DATABASE_URL=postgres://root@127.0.0.1:5432/postgres node test/trust/kill9.js     (KILL9_IMPORTS=20, KILL9_ROWS=100000)
 *
 * Run `node api/cli/ensure-ready.cjs --build-only` first when the sources changed. Prints its figures as JSON last.
 */
const { Client } = require('pg');
const { adminKey, startService } = require('../bench/bench-support');
const { contractsCsv, outcomesCsv, upload, openBatches, derivedDiffersFromRebuild, cli } = require('./kill9-support');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** What the backend of the running batch is doing, as a phase of the import. */
function phaseOf(progressPhase, query) {
  const q = (query || '').toLowerCase();
  if (/^\s*copy /.test(q)) return 'parse+COPY';
  if (/rollups|change_|delivery|quality|valuation|pg_advisory|derived_state/.test(q)) return 'refresh';
  if (/import_merge|import_held|insert into outcomes|update outcomes/.test(q)) return 'merge';
  if (/import_stage|import_resolved|import_frameworks|import_measures|import_rejections/.test(q)) return 'checks';
  return { receiving: 'parse+COPY', checking: 'checks', merging: 'merge' }[progressPhase] || 'other';
}

/**
 * Runs the kills; resolves with the figures. `databaseUrl`: a migrated database to use (else one is created on
 * DATABASE_URL's server and dropped afterwards).
 */
async function run({ imports = 20, rows = 100_000, databaseUrl, log = (line) => process.stderr.write(`${line}\n`), seed = Date.now() } = {}) {
  let random = seed % 2147483647 || 1;
  const rand = () => ((random = (random * 48271) % 2147483647) / 2147483647);
  let dbName;
  let url = databaseUrl;
  if (!url) {
    const base = process.env.DATABASE_URL;
    dbName = `svm_kill9_${process.pid}`;
    const admin = new Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const u = new URL(base);
    u.pathname = `/${dbName}`;
    url = u.toString();
  }
  const env = { DATABASE_URL: url, IMPORT_LIMIT: '2gb', BATCH_CHECK_CRON: '*/2 * * * * *', DELIVERY_REBUILD_CRON: 'off', QUALITY_OUTLIER_CRON: 'off' };
  const direct = new Client({ connectionString: url });
  let service;
  const figures = { seed, imports, rows, kills: 0, phases: {}, statuses: {}, retried: 0, restart_ms: [], open_cleared_ms: [], derived_checks: 0, derived_differ: [], open_left: 0, import_ms: [] };
  try {
    service = await startService(env);
    await direct.connect();
    const key = adminKey(env);
    const contracts = Math.ceil(rows / 100);
    const made = await upload(`${service.url}/api/v1/imports/contracts`, key, contractsCsv('K', 0, contracts));
    if (made.status !== 201) throw new Error(`contracts: ${made.status} ${JSON.stringify(made.body).slice(0, 300)}`);
    // one import undisturbed: how long one takes, for the random moments
    const first = await upload(`${service.url}/api/v1/imports/outcomes`, key, outcomesCsv('K', 0, contracts, 0));
    if (first.status !== 201) throw new Error(`first import: ${first.status}`);
    const span = first.ms;
    log(`kill9: ${rows} rows an import, ${Math.round(span)} ms undisturbed; seed ${seed}`);

    for (let i = 1; i <= imports; i += 1) {
      const body = outcomesCsv('K', 0, contracts, i);
      const idem = `kill9-${seed}-${i}`;
      const delay = Math.round(rand() * span * 1.1);
      const answer = upload(`${service.url}/api/v1/imports/outcomes`, key, body, { headers: { 'idempotency-key': idem } }).catch((e) => ({ status: 0, error: e.message }));
      let phase = 'before the batch';
      let progress;
      const until = Date.now() + delay;
      while (Date.now() < until) {
        const res = await fetch(`${service.url}/api/v1/imports?status=running&kind=outcomes`, { headers: { authorization: `Bearer ${key}` } }).catch(() => undefined);
        const b = res && res.ok ? (await res.json()).data[0] : undefined;
        if (b) progress = b.progress;
        await sleep(20);
      }
      const { rows: act } = await direct.query(
        `select b.id, b.status, a.query from import_batches b left join pg_stat_activity a on a.pid = b.backend_pid
         where b.idempotency_key = $1 order by b.id desc limit 1`,
        [idem],
      );
      if (act[0]?.status === 'running') phase = phaseOf(progress?.phase, act[0].query);
      else if (act[0]) phase = `after it ended (${act[0].status})`;
      const killedAt = Date.now();
      service.child.removeAllListeners('exit');
      service.child.kill('SIGKILL');
      await new Promise((r) => service.child.once('exit', r));
      figures.kills += 1;
      figures.phases[phase] = (figures.phases[phase] || 0) + 1;
      await answer;
      service = await startService(env); // at once: the killed process's backend may still be running
      const restarted = Date.now() - killedAt;
      let open = await openBatches(direct);
      while (open.length > 0 && Date.now() - killedAt < 120_000) {
        await sleep(50);
        open = await openBatches(direct);
      }
      const cleared = Date.now() - killedAt;
      figures.open_left += open.length;
      figures.restart_ms.push(restarted);
      figures.open_cleared_ms.push(cleared);
      const { rows: [batch] } = await direct.query(`select id, status, error from import_batches where idempotency_key = $1 order by id desc limit 1`, [idem]);
      const status = batch ? batch.status : 'none';
      figures.statuses[status] = (figures.statuses[status] || 0) + 1;
      if (status !== 'committed') {
        // the same key runs the import again
        const retry = await upload(`${service.url}/api/v1/imports/outcomes`, key, body, { headers: { 'idempotency-key': idem } });
        if (retry.status !== 201 || retry.body.batch.status !== 'committed') throw new Error(`retry ${idem}: ${retry.status} ${JSON.stringify(retry.body).slice(0, 300)}`);
        figures.retried += 1;
        figures.import_ms.push(Math.round(retry.ms));
      }
      const differ = await derivedDiffersFromRebuild(direct, async () => {
        const r = await cli(['rollups', 'rebuild'], env);
        if (r.status !== 0) throw new Error(`rollups rebuild: ${r.out}`);
      });
      figures.derived_checks += 1;
      if (Object.keys(differ).length > 0) figures.derived_differ.push({ import: i, differ });
      log(`kill9 ${i}/${imports}: killed after ${delay} ms in ${phase}; batch ${batch?.id} ${status}${batch?.error ? ` (${batch.error.slice(0, 80)})` : ''}; listening again after ${restarted} ms, no open batch after ${cleared} ms; derived ${Object.keys(differ).length === 0 ? 'equal to a rebuild' : `DIFFERS ${JSON.stringify(differ)}`}`);
    }
    const stats = (xs) => (xs.length ? { min: Math.min(...xs), median: [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)], max: Math.max(...xs) } : {});
    return { ...figures, restart_ms: stats(figures.restart_ms), open_cleared_ms: stats(figures.open_cleared_ms), import_ms: stats(figures.import_ms), undisturbed_ms: Math.round(span) };
  } finally {
    if (service && service.child.exitCode === null) {
      service.child.removeAllListeners('exit');
      service.child.kill('SIGTERM');
      await new Promise((r) => service.child.once('exit', r));
    }
    await direct.end().catch(() => undefined);
    if (dbName) {
      const admin = new Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
  }
}

module.exports = { run, phaseOf };

if (require.main === module) {
  if (!process.env.DATABASE_URL) {
    console.log('kill9 runs on PostgreSQL: skipped, as DATABASE_URL is not set (e.g. postgres://root@127.0.0.1:5432/postgres)');
    process.exit(0);
  }
  run({ imports: Number(process.env.KILL9_IMPORTS || 20), rows: Number(process.env.KILL9_ROWS || 100_000), seed: Number(process.env.KILL9_SEED || Date.now()) })
    .then((figures) => {
      console.log(JSON.stringify(figures, null, 2));
      const ok = figures.open_left === 0 && figures.derived_differ.length === 0;
      process.exit(ok ? 0 : 1);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
