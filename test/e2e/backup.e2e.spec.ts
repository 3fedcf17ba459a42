import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { http } from '../support/http';
import { runCli, startService, type CliResult, type ServiceProcess } from '../support/service-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { serverUrl } from '../support/test-env';

/**
 * Backup and restore (docs/backup.md), as an operator runs them: the embedded database backed up by the CLI while
 * the service runs (through its admin socket) and while it is stopped, restored into a fresh data folder, and a
 * service started on the copy gives every figure of the summary and the indicators as the original did. On a
 * PostgreSQL server, the pg_dump and pg_restore commands the CLI prints, run as printed, do the same.
 */

/** The reads behind the pages, with a few filters and groupings: every figure must come back the same. */
const READS = [
  '/api/v1/measures/summary',
  '/api/v1/measures/summary?group_by=authority',
  '/api/v1/measures/summary?group_by=measure&group_by=year&basis=nominal',
  '/api/v1/measures/summary?group_by=region&nation=England',
  '/api/v1/measures/summary?group_by=theme&group_by=quarter&kind=local_authority',
  '/api/v1/indicators/implementation',
  '/api/v1/indicators/implementation?group_by=authority',
  '/api/v1/indicators/implementation?group_by=sector&group_by=period&period_type=fy',
  '/api/v1/indicators/implementation?group_by=kind&nation=England',
];

async function answers(url: string): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const path of READS) {
    const res = await http(`${url}${path}`);
    expect([path, res.status]).toEqual([path, 200]);
    result[path] = res.body;
  }
  return result;
}

/** A GET on a connection of its own (no keep-alive), resolving with the status once the body is read. */
const statusOnNewConnection = (url: string) =>
  new Promise<number>((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    }).on('error', reject);
  });

const lastLine = (stdout: string) => stdout.trim().split('\n').at(-1)!;
const json = (r: CliResult) => {
  expect([r.status, r.stderr]).toEqual([0, '']);
  return JSON.parse(r.stdout);
};
const figure = (label: string, value: string) => console.log(`[backup figures] ${label}: ${value}`);

// each step takes 10-30 s on a quiet machine (a service start, a backup, a restore); the margin is for a busy one
jest.setTimeout(120_000);

describe('backup and restore of the embedded database', () => {
  let root: string;
  let original: { DATA_DIR: string };
  let restored: { DATA_DIR: string };
  let file: string;
  let service: ServiceProcess | undefined;
  let copy: ServiceProcess | undefined;
  let before: Record<string, unknown>;
  let adminKey: string;
  let restoredContents: any;
  /** The demo's committed import batches: its five batches, and one per delivery its exchange confirmed. */
  let demoBatches: number;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'svm-backup-')); // here, not in the body: a filtered run still runs the body
    original = { DATA_DIR: join(root, 'original') };
    restored = { DATA_DIR: join(root, 'restored') };
    file = join(root, 'svm-backup.tar.gz');
  });
  afterAll(async () => {
    for (const s of [service, copy]) if (s?.child.exitCode === null) await s.stop('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('backs up through the running service while it keeps answering', async () => {
    service = await startService(original);
    adminKey = lastLine((await runCli(['keys', 'create', '--role', 'admin', '--label', 'ops'], original)).stdout);
    before = await answers(service.url);
    const listed = await http(`${service.url}/api/v1/imports?status=committed&limit=500`, { key: adminKey });
    demoBatches = listed.body.page.total;
    expect(demoBatches).toBeGreaterThan(5);
    // reads go on while the backup runs (ten a second): they wait for the copy at most, and all succeed. Each on a
    // connection of its own: PGlite copies on the service's event loop, and a keep-alive connection idle across a
    // hold longer than the server's keep-alive timeout (5 s) is closed under the next request (docs/backup.md)
    let reading = true;
    const reads = (async () => {
      const times: number[] = [];
      while (reading) {
        const t0 = Date.now();
        expect(await statusOnNewConnection(`${service!.url}${READS[times.length % READS.length]}`)).toBe(200);
        times.push(Date.now() - t0);
        await new Promise((r) => setTimeout(r, 100));
      }
      return times;
    })();
    const started = Date.now();
    const result = await runCli(['backup', file], original);
    reading = false;
    const times = await reads;
    expect(times.length).toBeGreaterThan(0);
    figure('reads during the backup', `${times.length}, the slowest ${Math.max(...times)} ms`);
    expect([result.status, result.stderr]).toEqual([0, '']);
    const size = statSync(file).size;
    expect(result.stdout).toContain(`through the running service (pid ${service.child.pid}) to ${file}: ${(size / 1024 / 1024).toFixed(1)} MB in `);
    expect(result.stdout).toMatch(/requests waited at most [\d.]+ s, while the files were copied/);
    expect(result.stdout).toContain(`data version: ${demoBatches} committed import batches (the last batch ${demoBatches}`);
    expect(result.stdout).toMatch(/\d+ contracts, \d+ outcome rows, 1 API keys \(hashes only\)/);
    expect(readdirSync(root).filter((f) => f.includes('.partial-'))).toEqual([]);
    figure('backup through the running service (demo data)', `${result.stdout.split('\n')[0].replace(/.*: /, '').replace('. It holds:', '')} (CLI ${Date.now() - started} ms)`);
  });

  it('restores into a fresh data folder, and a service on it gives every figure as the original', async () => {
    restoredContents = json(await runCli(['restore', file, '--json'], restored));
    expect(restoredContents).toMatchObject({
      data: join(restored.DATA_DIR, 'pgdata'),
      replaced: null,
      contents: { batches: { committed: demoBatches, last_id: demoBatches }, api_keys: 1, latest_migration: expect.any(String) },
    });
    expect(restoredContents.contents.outcomes).toBeGreaterThan(1000);
    figure('restore into a fresh data folder (demo data)', `${restoredContents.ms} ms`);
    const started = Date.now();
    copy = await startService(restored);
    figure('service start on the restored folder', `${Date.now() - started} ms`);
    expect(await answers(copy.url)).toEqual(before);
    // the API keys came with it (their hashes): the same key works on the copy
    expect((await http(`${copy.url}/api/v1/imports?limit=1`, { key: adminKey })).status).toBe(200);
  });

  it('refuses to restore under a running service, over a database unless --force, and from a missing or damaged file', async () => {
    const running = await runCli(['restore', file], restored);
    expect([running.status, running.stderr]).toEqual([1, expect.stringMatching(/in use by the service \(pid \d+\): stop it, then restore/)]);
    expect(await copy!.stop()).toBe(0);
    const full = await runCli(['restore', file], restored);
    expect([full.status, full.stderr]).toEqual([1, expect.stringContaining('already holds a database')]);
    expect(full.stderr).toContain('--force');

    const fresh = { DATA_DIR: join(root, 'never') };
    const missing = await runCli(['restore', join(root, 'nope.tar.gz')], fresh);
    expect([missing.status, missing.stderr]).toEqual([1, `Error: No backup file at ${join(root, 'nope.tar.gz')}.\n`]);
    const random = join(root, 'random.bin');
    writeFileSync(random, Buffer.alloc(70_000, 7));
    const notBackup = await runCli(['restore', random], fresh);
    expect([notBackup.status, notBackup.stderr]).toEqual([1, expect.stringContaining('is not a usable backup: it is neither a gzipped tarball nor a tar file')]);
    const truncated = join(root, 'truncated.tar.gz');
    writeFileSync(truncated, readFileSync(file).subarray(0, Math.floor(statSync(file).size / 2)));
    const cut = await runCli(['restore', truncated], fresh);
    expect([cut.status, cut.stderr]).toEqual([1, expect.stringContaining('its gzip stream is damaged or cut short')]);
    expect(existsSync(join(fresh.DATA_DIR, 'pgdata'))).toBe(false); // a refused restore leaves nothing behind
  });

  it('backs up with the service stopped, and --force restores over a database, keeping the one it replaced', async () => {
    const offline = join(root, 'offline.tar.gz');
    const taken = json(await runCli(['backup', offline, '--json'], restored));
    expect(taken).toMatchObject({ through: 'data folder', contents: restoredContents.contents });
    figure('backup with the service stopped (demo data)', `${(taken.bytes / 1024 / 1024).toFixed(1)} MB in ${taken.ms} ms`);
    const result = json(await runCli(['restore', offline, '--force', '--json'], restored));
    expect(result.replaced).toMatch(/pgdata\.replaced-/);
    expect(existsSync(join(result.replaced, 'PG_VERSION'))).toBe(true);
    expect(result.contents).toEqual(restoredContents.contents);
  });

  it('a backup taken while an import runs holds the batch whole or not at all', async () => {
    const rows = 5000;
    const csv = `reference,authority,title\n${Array.from({ length: rows }, (_, i) => `BACKUP-${i},E08000009,Imported during a backup`).join('\n')}\n`;
    const importing = http(`${service!.url}/api/v1/imports/contracts`, { key: adminKey, body: csv, headers: { 'content-type': 'text/csv' } });
    for (let i = 0; i < 100; i += 1) {
      if ((await http(`${service!.url}/api/v1/imports?status=running`, { key: adminKey })).body.data?.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // the contents are read in the same hold of the connection as the copy: they describe the file
    const taken = json(await runCli(['backup', join(root, 'during-import.tar.gz'), '--json'], original));
    expect((await importing).status).toBeLessThan(300);
    const { contracts, batches } = taken.contents;
    const was = restoredContents.contents.contracts;
    expect([was, was + rows]).toContain(contracts);
    expect(batches.committed).toBe(contracts === was ? demoBatches : demoBatches + 1); // its rows with the batch marked committed, or neither
    expect(await service!.stop()).toBe(0);
  });
});

const run = promisify(execFile);
/** Runs a command line as an operator would paste it, with DATABASE_URL naming `url`. */
const shell = (line: string, url: string) => run('sh', ['-c', line], { env: { ...process.env, DATABASE_URL: url }, timeout: 60_000 });
const hasTools = async () => {
  try {
    await run('pg_dump', ['--version']);
    await run('pg_restore', ['--version']);
    return true;
  } catch {
    return false;
  }
};

/** The tables every figure is derived from: `rollups rebuild` makes them again from the rest (docs/backup.md). */
const DERIVED_TABLES = [
  'valuation_factors', 'measure_rollups', 'measure_rollups_area', 'measure_rollups_authority_year', 'contract_rollups',
  'indicator_contract_rollups', 'indicator_social_rollups', 'delivery_measures', 'delivery_contracts', 'delivery_rollups',
  'delivery_authority_rollups', 'delivery_value_rollups', 'delivery_value_authority_rollups', 'quality_flags',
  'quality_outlier_stats',
];

(serverUrl ? describe : describe.skip)('backup and restore on PostgreSQL (runs when TEST_DATABASE_URL or DATABASE_URL is set)', () => {
  let root: string;
  let file: string;
  const databases: TestDatabase[] = [];
  const services: ServiceProcess[] = [];
  let tools = false;
  let source: TestDatabase;
  let before: Record<string, unknown>;
  let adminKey: string;
  let printed: { backup: string; restore: string };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'svm-pgdump-')); // here, not in the body: a skipped describe still runs its body
    file = join(root, 'svm.dump');
    tools = await hasTools();
    source = await createTestDatabase({ empty: true });
    databases.push(source);
  });
  afterAll(async () => {
    for (const s of services) if (s.child.exitCode === null) await s.stop('SIGKILL');
    for (const d of databases) await d.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('the CLI prints the pg_dump and pg_restore commands, and writes nothing itself', async () => {
    const env = { DATABASE_URL: source.url! };
    const result = await runCli(['backup', file], env);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL names a PostgreSQL server: back it up with pg_dump');
    expect(result.stderr).not.toContain(new URL(source.url!).host); // the URL stays in the environment
    const lines = result.stderr.split('\n').map((l) => l.trim());
    printed = { backup: lines.find((l) => l.startsWith('pg_dump '))!, restore: lines.find((l) => l.startsWith('pg_restore '))! };
    expect(printed.backup).toBe(`pg_dump --format=custom --file=${file} "$DATABASE_URL"`);
    expect(printed.restore).toBe(`pg_restore --exit-on-error --no-owner --dbname="$DATABASE_URL" ${file}`);
    const restore = await runCli(['restore', file], env);
    expect([restore.status, restore.stderr]).toEqual([1, result.stderr]);
    expect(existsSync(file)).toBe(false);
  });

  it('pg_dump of the running service, pg_restore into a new database: a service on it gives every figure as the original', async () => {
    if (!tools) return console.warn('pg_dump or pg_restore is not on PATH: skipped');
    const service = await startService({ DATABASE_URL: source.url! });
    services.push(service);
    adminKey = lastLine((await runCli(['keys', 'create', '--role', 'admin'], { DATABASE_URL: source.url! })).stdout);
    before = await answers(service.url);
    let started = Date.now();
    await shell(printed.backup, source.url!);
    figure('pg_dump -Fc (demo data)', `${(statSync(file).size / 1024 / 1024).toFixed(1)} MB in ${Date.now() - started} ms`);
    expect(await service.stop()).toBe(0);

    const target = await createTestDatabase({ empty: true });
    databases.push(target);
    started = Date.now();
    await shell(printed.restore, target.url!);
    figure('pg_restore into an empty database (demo data)', `${Date.now() - started} ms`);
    const copy = await startService({ DATABASE_URL: target.url! });
    services.push(copy);
    expect(await answers(copy.url)).toEqual(before);
    expect((await http(`${copy.url}/api/v1/imports?limit=1`, { key: adminKey })).status).toBe(200);
    expect(await copy.stop()).toBe(0);
  });

  it('a dump without the derived tables restores, and rollups rebuild gives every figure back', async () => {
    if (!tools) return;
    const lean = join(root, 'lean.dump');
    const excluded = DERIVED_TABLES.map((t) => `--exclude-table-data=${t}`).join(' ');
    await shell(`pg_dump --format=custom ${excluded} --file=${lean} "$DATABASE_URL"`, source.url!);
    figure('pg_dump -Fc without the derived tables (demo data)', `${(statSync(lean).size / 1024 / 1024).toFixed(1)} MB`);
    const target = await createTestDatabase({ empty: true });
    databases.push(target);
    await shell(printed.restore.replace(file, lean), target.url!);
    const rebuilt = await runCli(['rollups', 'rebuild'], { DATABASE_URL: target.url! });
    expect([rebuilt.status, rebuilt.stderr]).toEqual([0, '']);
    const copy = await startService({ DATABASE_URL: target.url! });
    services.push(copy);
    expect(await answers(copy.url)).toEqual(before);
    expect(await copy.stop()).toBe(0);
  });
});
