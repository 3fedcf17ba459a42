import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, Option } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DatabasePreparer } from '../../metrics/ingest/prepare.service';
import type { LoadResult } from '../../metrics/ingest/frameworks/framework-import.service';
import type { BatchRecord } from '../../metrics/ingest/imports/imports.repository';
import type { HarvestResult } from '../../metrics/ingest/ocds/harvest.service';
import type { FileImport } from '../../metrics/ingest/ocds/ocds-files';
import { MetricsModule } from '../../metrics/metrics.module';
import { backupDataDir, restoreEmbedded, serverBackupCommands, type BackupContents, type BackupResult } from '../../metrics/platform/backup';
import { readLock } from '../../metrics/platform/data-dir-lock';
import { openDatabase, type Database } from '../../metrics/platform/database';
import { DomainError } from '../../metrics/platform/errors';
import { migrator } from '../../metrics/platform/migrator';
import type { FrameworkSummary } from '../../metrics/reference/catalogue/catalogue.repository';
import { AdminCommands } from '../admin/admin-commands';
import { sendAdminCommand, type AdminRequest } from '../admin/admin-socket';
import { ACCESS_PROVIDERS } from '../auth/access';
import type { ApiKeyRecord } from '../auth/api-keys.repository';
import type { CreatedKey } from '../auth/api-keys.service';
import type { DemoExchangeResult } from '../../metrics/ingest/demo/demo.service';
import { ROLES } from '../auth/principal';
import { ConfigError, loadConfig, metricsOptions, reportsOptions, type AppConfig } from '../config/config';
import { REPORT_NAMES, REPORT_PARAMS } from '../../reports/catalogue';
import { ReportsModule } from '../../reports/reports.module';
import type { ReportRun } from '../../reports/runs/report-runs.repository';

/** The graph a one-off command runs in: the measurement core (as the service builds it), API keys, the admin commands. */
@Module({})
class CliModule {
  static forRoot(config: AppConfig, prepare: { migrate: boolean; seed: boolean }): DynamicModule {
    const options = metricsOptions(config, { holder: { holder: 'cli' }, poolMax: 2 });
    return {
      module: CliModule,
      // the reports print here when the service is not up (no worker: this process takes no other run)
      imports: [MetricsModule.forRoot({ ...options, prepare }), ReportsModule.forRoot(reportsOptions(config, { worker: false }))],
      providers: [...ACCESS_PROVIDERS, AdminCommands],
    };
  }
}

/** Runs `fn` in the CLI's graph over the configured database; on the embedded one, the data folder's lock is held meanwhile. */
async function inGraph<T>(config: AppConfig, prepare: { migrate: boolean; seed: boolean }, fn: (app: { get<S>(type: new (...args: never[]) => S): S }) => Promise<T>): Promise<T> {
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config, prepare), { logger: ['error'], abortOnError: false });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/** Opens the configured database alone (migrations act on the schema: no graph, nothing prepared first). */
async function withDatabase<T>(config: AppConfig, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: 2 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/**
 * Runs an admin command where the database is: sent to the running service when it holds the embedded data
 * folder, otherwise run here against the database (migrated and seeded first, so a fresh folder works too).
 */
async function admin(config: AppConfig, request: AdminRequest): Promise<unknown> {
  if (!config.databaseUrl) {
    const holder = readLock(config.dataDir);
    if (holder?.holder === 'service' && holder.socket) return sendAdminCommand(holder.socket, request);
  }
  return inGraph(config, { migrate: true, seed: true }, (app) => app.get(AdminCommands).run(request));
}

function serviceHolding(config: AppConfig): string | undefined {
  if (config.databaseUrl) return undefined;
  const holder = readLock(config.dataDir);
  return holder ? `${holder.holder} (pid ${holder.pid})` : undefined;
}

const out = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

function describeKey(k: ApiKeyRecord): string {
  const scope = k.authorities.length > 0 ? ` for ${k.authorities.join(', ')}` : '';
  const state = k.revoked_at ? ` REVOKED ${new Date(k.revoked_at).toISOString()}` : '';
  return `${String(k.id).padStart(4)}  ${k.prefix}  ${k.role.padEnd(9)}${scope}${k.label ? `  "${k.label}"` : ''}${state}`;
}

type Config = () => AppConfig;

function keyCommands(program: Command, config: Config): void {
  const keys = program.command('keys').description('API keys: create, list, revoke');
  keys
    .command('create')
    .description('create an API key and print it once (only its hash is stored)')
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory())
    .option('--authority <code...>', 'authority code(s) a submitter key may write for, e.g. E08000009')
    .option('--organisation <org-id>', 'a community key: the exchange organisation it acts for, e.g. GB-CHC-1234567')
    .option('--supplier <scheme-id>', 'a supplier key: the supplier it acts for, e.g. GB-COH-01234567')
    .option('--label <text>', 'who or what the key is for')
    .option('--json', 'print JSON')
    .action(async (opts: { role: string; authority?: string[]; organisation?: string; supplier?: string; label?: string; json?: boolean }) => {
      const created = (await admin(config(), {
        command: 'keys.create',
        args: { role: opts.role, authorities: opts.authority ?? [], organisation: opts.organisation, supplier: opts.supplier, label: opts.label },
      })) as CreatedKey;
      if (opts.json) return out(JSON.stringify(created, null, 2));
      out(`Created ${created.role} key ${created.prefix} (id ${created.id})${created.authorities.length ? ` for ${created.authorities.join(', ')}` : ''}.`);
      out('The key is shown this once; store it now. Send it as "Authorization: Bearer <key>".');
      out(created.key);
    });
  keys
    .command('list')
    .description('list API keys (never the keys themselves)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const list = (await admin(config(), { command: 'keys.list' })) as ApiKeyRecord[];
      if (opts.json) return out(JSON.stringify(list, null, 2));
      out(list.length === 0 ? 'No API keys yet.' : list.map(describeKey).join('\n'));
    });
  keys
    .command('revoke')
    .description('revoke an API key')
    .argument('<key>', 'the key id or its prefix (svm_xxxxxxxx)')
    .action(async (ref: string) => {
      const revoked = (await admin(config(), { command: 'keys.revoke', args: { ref } })) as ApiKeyRecord;
      out(`Revoked ${revoked.prefix} (id ${revoked.id}).`);
    });
}

function frameworkCommands(program: Command, config: Config): void {
  const frameworks = program.command('frameworks').description('frameworks of measures: load, list');
  frameworks
    .command('load')
    .description('load a framework from a JSON file, or a CSV file with the framework fields as options (see docs/measures.md)')
    .argument('<file>', 'a .json or .csv file')
    .option('--code <code>', 'CSV: framework code')
    .option('--framework-version <version>', 'CSV: framework version')
    .option('--name <name>', 'CSV: framework name')
    .option('--licence <licence>', 'CSV: the licence you hold it under')
    .option('--source <source>', 'CSV: where it comes from')
    .option('--base-price-year <year>', 'CSV: the price year its values are in by default')
    .option('--publisher <publisher>', 'CSV: who publishes it')
    .action(async (file: string, opts: Record<string, string | undefined>) => {
      const format = /\.csv$/i.test(file) ? 'csv' : 'json';
      const text = readFileSync(file, 'utf8');
      let content: unknown = text;
      if (format === 'json') {
        try {
          content = JSON.parse(text);
        } catch (err) {
          throw new DomainError('malformed_json', `${file} is not valid JSON: ${(err as Error).message}`);
        }
      }
      const header = {
        code: opts.code,
        version: opts.frameworkVersion,
        name: opts.name,
        licence: opts.licence,
        source: opts.source,
        base_price_year: opts.basePriceYear,
        publisher: opts.publisher,
      };
      const result = (await admin(config(), { command: 'frameworks.load', args: { format, content, header } })) as LoadResult;
      const f = result.framework;
      out(`${result.status === 'created' ? 'Loaded' : 'Already loaded, unchanged:'} ${f.code} version ${f.version} (${f.measure_count} measures, licence ${f.licence}).`);
    });
  frameworks
    .command('list')
    .description('list the frameworks loaded')
    .action(async () => {
      const list = (await admin(config(), { command: 'frameworks.list' })) as FrameworkSummary[];
      out(list.map((f) => `${f.code}@${f.version}${f.is_default ? ' (default)' : ''}  ${f.measure_count} measures  ${f.name}`).join('\n'));
    });
}

function dataCommands(program: Command, config: Config): void {
  program
    .command('demo')
    .description('generate demo data over the real authorities and load it through the import path (labelled demo)')
    .option('--outcomes <n>', 'about how many outcome rows to generate (default 5000)', (v) => Number(v))
    .option('--contracts-per-region <n>', 'contracts per region instead (the outcomes follow from them)', (v) => Number(v))
    .option('--seed <n>', 'seed of the generator, for the same data again (default 2026)', (v) => Number(v))
    .action(async (opts: { outcomes?: number; contractsPerRegion?: number; seed?: number }) => {
      const started = Date.now();
      const { exchange, ...batches } = (await admin(config(), { command: 'demo.load', args: { ...opts } })) as Record<string, BatchRecord> & { exchange: DemoExchangeResult };
      for (const [kind, b] of Object.entries(batches)) {
        out(`${kind}: batch ${b.id} ${b.status}, ${b.rows_inserted} inserted, ${b.rows_unchanged} unchanged, ${b.rows_rejected} rejected`);
      }
      const moved = Object.entries(exchange.matches).map(([status, n]) => `${n} ${status}`).join(', ');
      out(`exchange: ${exchange.organisations} organisations, ${exchange.needs} needs, ${exchange.pledges} pledges, ${exchange.proposals} matches proposed (${moved})`);
      out(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });

  program
    .command('rollups')
    .description('the derived data every figure is read from: rebuild it from the raw data (each import keeps it current)')
    .argument('<action>', 'rebuild')
    .action(async (action: string) => {
      if (action !== 'rebuild') throw new DomainError('invalid_parameter', `Unknown rollups action ${action}: the action is rebuild`);
      const r = (await admin(config(), { command: 'rollups.rebuild' })) as { cells: number; groups: number; contracts: number; ms: number };
      out(`Rebuilt ${r.cells} measure cells and ${r.groups} contract groups over ${r.contracts} contracts in ${(r.ms / 1000).toFixed(1)} s.`);
    });
}

function reportCommands(program: Command, config: Config): void {
  const reports = program.command('reports').description('PDF reports: print one now (docs/reports.md)');
  reports
    .command('run')
    .description('print a report to a PDF file, through the running service or here (it is recorded as a run either way)')
    .argument('<report>', `the report: ${REPORT_NAMES.join(', ')}`)
    .option('--period <period>', 'a quarter (2025-Q4), a year (2025), a month (2025-11) or a financial year (FY2025-26); default the last closed quarter')
    .option('--authority <code>', 'the authority (authority report)')
    .option('--basis <basis>', '£ basis: net (default), real or nominal')
    .option('--theme <code>', 'evidence report: a theme')
    .option('--region <region>', 'evidence report: a region')
    .option('--sector <division>', 'evidence report: a two-digit CPV division')
    .option('--kind <kind>', 'evidence report: a kind of authority')
    .option('--publish', 'publish it at /reports (no supplier-level sections)')
    .requiredOption('--out <file>', 'the PDF file to write')
    .option('--json', 'print JSON')
    .action(async (report: string, opts: Record<string, string | boolean | undefined>) => {
      const params: Record<string, string> = {};
      for (const p of REPORT_PARAMS) if (typeof opts[p] === 'string') params[p] = opts[p] as string;
      const result = (await admin(config(), { command: 'reports.run', args: { report, params, publish: opts.publish === true } })) as { run: ReportRun; pdf: string | null };
      if (!result.pdf) throw new DomainError('unprocessable', `Report run ${result.run.id} ${result.run.status}: ${result.run.error ?? 'no PDF'}`);
      const file = resolve(String(opts.out));
      writeFileSync(file, Buffer.from(result.pdf, 'base64'));
      if (opts.json) return out(JSON.stringify({ ...result.run, file }, null, 2));
      const r = result.run;
      out(`Printed the ${r.report} report for ${r.params.period} to ${file}: ${r.page_count} pages, ${megabytes(r.pdf_bytes ?? 0)} (run ${r.id}).`);
      out(`data.json SHA-256 ${r.data_sha256}${r.published ? `; published at /reports (run ${r.id})` : ''}`);
    });
}

function ocdsCommands(program: Command, config: Config): void {
  const ocds = program.command('ocds').description('OCDS contract data: import files, harvest publishers');
  ocds
    .command('import')
    .description('import OCDS release packages, record packages, releases or records: files, or every .json file under folders (a batch each)')
    .argument('<path...>', 'files or folders')
    .addOption(new Option('--mode <mode>', 'partial (default): keep the good releases, report the rest; strict: a rejected release rejects its file').choices(['strict', 'partial']).default('partial'))
    .option('--json', 'print JSON')
    .action(async (paths: string[], opts: { mode: string; json?: boolean }) => {
      const started = Date.now();
      // absolute: the service that may run the command has a working directory of its own
      const results = (await admin(config(), { command: 'ocds.import', args: { paths: paths.map((p) => resolve(p)), mode: opts.mode } })) as FileImport[];
      if (opts.json) return out(JSON.stringify(results, null, 2));
      for (const r of results) {
        if (r.error) {
          out(`${r.file}: ${r.error.code}: ${r.error.message}`);
          continue;
        }
        const b = r.batch!;
        const s = (b.summary ?? {}) as { buyers?: { distinct: number; created: number; match_rate: number | null } };
        const buyers = s.buyers ? `; buyers ${s.buyers.distinct}, ${s.buyers.created} new (match rate ${s.buyers.match_rate ?? '-'})` : '';
        out(`${r.file}: batch ${b.id} ${b.status}, ${b.rows_total} releases: ${b.rows_inserted} imported, ${b.rows_unchanged} already held, ${b.rows_rejected} rejected${buyers}`);
      }
      const failed = results.filter((r) => r.error || r.batch?.status !== 'committed').length;
      out(`${results.length} file(s) in ${((Date.now() - started) / 1000).toFixed(1)} s${failed ? `; ${failed} not committed (see GET /api/v1/imports/{id}/rejections)` : ''}`);
      if (failed) process.exitCode = 1;
    });
  ocds
    .command('harvest')
    .description("harvest a publisher's OCDS API now, from its cursor (sources: PUT /api/v1/ocds/harvest-sources/{name}, or HARVEST_URL)")
    .argument('[name]', 'the source (default: every source)')
    .action(async (name?: string) => {
      const results = (await admin(config(), { command: 'ocds.harvest', args: { name } })) as HarvestResult[];
      if (results.length === 0) out('No harvest sources. Add one with PUT /api/v1/ocds/harvest-sources/{name}, or set HARVEST_URL.');
      for (const r of results) {
        out(`${r.source}: ${r.status}, ${r.pages} page(s), ${r.releases} releases, ${r.retries} retries${r.error ? `: ${r.error}` : ''}`);
        if (r.status === 'failed') process.exitCode = 1;
      }
    });
}

function databaseCommands(program: Command, config: Config): void {
  const migrate = program.command('migrate').description('database migrations (default: migrate to the latest)');
  migrate
    .command('latest', { isDefault: true })
    .description('apply every pending migration')
    .action(async () => {
      const busy = serviceHolding(config());
      if (busy) {
        const status = (await admin(config(), { command: 'migrate.status' })) as { pending: string[] };
        return out(`The service ${busy} holds the embedded database and migrated it at start; pending: ${status.pending.length}.`);
      }
      const applied = await withDatabase(config(), (db) => migrator.latest(db.knex));
      out(applied.length ? `Applied ${applied.length} migration(s):\n  ${applied.join('\n  ')}` : 'Already up to date.');
    });
  migrate
    .command('down')
    .description('roll back the last batch of migrations')
    .option('--all', 'roll back every migration')
    .action(async (opts: { all?: boolean }) => {
      const busy = serviceHolding(config());
      if (busy) {
        throw new DomainError('conflict', `The embedded database is in use by ${busy}; rolling back under a running service would break it. Stop it, then run this again.`);
      }
      const reverted = await withDatabase(config(), (db) => migrator.down(db.knex, opts.all ?? false));
      out(reverted.length ? `Rolled back ${reverted.length} migration(s):\n  ${reverted.join('\n  ')}` : 'Nothing to roll back.');
    });
  migrate
    .command('status')
    .description('list applied and pending migrations')
    .action(async () => {
      const status = serviceHolding(config())
        ? ((await admin(config(), { command: 'migrate.status' })) as { completed: string[]; pending: string[] })
        : await withDatabase(config(), (db) => migrator.status(db.knex));
      out(`applied (${status.completed.length}):\n  ${status.completed.join('\n  ') || '-'}`);
      out(`pending (${status.pending.length}):\n  ${status.pending.join('\n  ') || '-'}`);
    });

  program
    .command('seed')
    .description('migrate, then load the reference data (authorities, departments, CPV) if it changed')
    .action(async () => {
      const busy = serviceHolding(config());
      if (busy) return out(`The service ${busy} holds the embedded database and seeded it at start.`);
      const result = await inGraph(config(), { migrate: false, seed: false }, (app) => app.get(DatabasePreparer).prepare({ migrate: true, seed: true }));
      for (const s of result.seeded) out(`${s.dataset}: ${s.loaded ? `loaded ${s.rows} rows` : 'unchanged'}`);
    });
}

/** A backup of a large folder takes a while; the admin socket's usual 30 s would give up on it. */
const BACKUP_TIMEOUT_MS = 60 * 60_000;

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function describeBackup(c: BackupContents): string {
  const last = c.batches.last_id === null ? 'none' : `the last batch ${c.batches.last_id}, committed ${c.batches.last_committed_at}`;
  return [
    `  migrations: ${c.migrations} applied (latest ${c.latest_migration ?? '-'})`,
    `  data version: ${c.batches.committed} committed import batches (${last})`,
    `  ${c.contracts ?? 0} contracts, ${c.outcomes ?? 0} outcome rows, ${c.api_keys ?? 0} API keys (hashes only), and every figure derived from them`,
  ].join('\n');
}

/** On a PostgreSQL server, the CLI says how, rather than running a pg_dump of whatever version is on PATH. */
function serverBackupError(file: string): DomainError {
  const commands = serverBackupCommands(file);
  return new DomainError(
    'invalid_parameter',
    [
      'DATABASE_URL names a PostgreSQL server: back it up with pg_dump (of the server\'s major version or newer), which takes one consistent snapshot while the service runs:',
      `  ${commands.backup}`,
      'Restore it into a new, empty database: create it, set DATABASE_URL to it, run the line below, then start the service (it applies any pending migration):',
      `  ${commands.restore}`,
      'What the dump holds and what can be rebuilt: docs/backup.md.',
    ].join('\n'),
  );
}

/** Sends the backup to the running service; a service still starting (no socket yet) gets a clear word. */
async function backupThroughService(socket: string, pid: number, file: string): Promise<BackupResult> {
  try {
    return (await sendAdminCommand(socket, { command: 'backup.create', args: { file } }, BACKUP_TIMEOUT_MS)) as BackupResult;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') {
      throw new DomainError('conflict', `The service (pid ${pid}) holds the data folder but does not answer on its admin socket yet (still starting?): try again in a moment.`);
    }
    throw err;
  }
}

function backupCommands(program: Command, config: Config): void {
  program
    .command('backup')
    .description('back up the embedded database to one file (.tar.gz), while the service runs or not; on a PostgreSQL server, print the pg_dump command (docs/backup.md)')
    .argument('<file>', 'the file to write, e.g. svm-2026-12-05.tar.gz (replaced whole if it exists)')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const c = config();
      const path = resolve(file); // absolute: the service that may write it has a working directory of its own
      if (c.databaseUrl) throw serverBackupError(file);
      const holder = readLock(c.dataDir);
      if (holder && !(holder.holder === 'service' && holder.socket)) {
        throw new DomainError('conflict', `The embedded database in ${c.dataDir} is in use by another command (pid ${holder.pid}): back up when it has finished.`);
      }
      const result = holder ? await backupThroughService(holder.socket!, holder.pid, path) : await backupDataDir(c.dataDir, path);
      if (opts.json) return out(JSON.stringify({ ...result, through: holder ? 'service' : 'data folder' }, null, 2));
      const how = holder ? `through the running service (pid ${holder.pid})` : 'with the service stopped';
      const held = holder ? ` (requests waited at most ${(result.held_ms / 1000).toFixed(1)} s, while the files were copied)` : '';
      out(`Backed up the embedded database in ${c.dataDir} ${how} to ${result.file}: ${megabytes(result.bytes)} in ${(result.ms / 1000).toFixed(1)} s${held}. It holds:`);
      out(describeBackup(result.contents));
      out(`Restore it with the service stopped: DATA_DIR=<an empty folder> npm run restore -- ${result.file}`);
    });

  program
    .command('restore')
    .description('restore a backup of the embedded database into DATA_DIR (the service stopped); on a PostgreSQL server, print the pg_restore command (docs/backup.md)')
    .argument('<file>', 'a file written by npm run backup')
    .option('--force', 'replace the database DATA_DIR holds (it is moved aside, not deleted)')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { force?: boolean; json?: boolean }) => {
      const c = config();
      if (c.databaseUrl) throw serverBackupError(file);
      const result = await restoreEmbedded(file, c.dataDir, { force: opts.force ?? false });
      if (opts.json) return out(JSON.stringify(result, null, 2));
      out(`Restored ${result.file} (${megabytes(result.bytes)}) into ${result.data} in ${(result.ms / 1000).toFixed(1)} s. It holds:`);
      out(describeBackup(result.contents));
      if (result.replaced) out(`The database it replaced is in ${result.replaced}: delete that folder once the restored one serves.`);
      out('Start the service on it: it applies any migration the backup is behind.');
    });
}

export function buildCli(config: Config): Command {
  const program = new Command('svm')
    .description('Social value monitor: administrative commands (the configuration comes from the same environment variables as the service)')
    .showHelpAfterError();
  keyCommands(program, config);
  frameworkCommands(program, config);
  dataCommands(program, config);
  ocdsCommands(program, config);
  reportCommands(program, config);
  databaseCommands(program, config);
  backupCommands(program, config);
  return program;
}

async function main(argv: string[]): Promise<void> {
  Logger.overrideLogger(['error']); // the CLI prints its own results; the services' info logs are for the service
  let config: AppConfig | undefined;
  const getConfig = () => (config ??= loadConfig());
  try {
    await buildCli(getConfig).parseAsync(argv);
  } catch (err) {
    const message =
      err instanceof DomainError || err instanceof ConfigError || (err as Error).name === 'DataDirBusyError'
        ? (err as Error).message
        : ((err as Error).stack ?? String(err));
    process.stderr.write(`Error: ${message}\n`);
    process.exitCode = err instanceof ConfigError ? 78 : 1;
  }
}

if (require.main === module) {
  // `npm run keys -- list | head` closes the pipe early: stop quietly rather than crash on EPIPE
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  void main(process.argv);
}
