import { PGlite } from '@electric-sql/pglite';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { constants, gunzipSync, gzip } from 'node:zlib';
import { DataDirBusyError, DataDirLock } from './data-dir-lock';
import { openDatabase, pgDataPath, type Database } from './database';
import { DomainError } from './errors';
import { withSession } from './session';

/**
 * Backup and restore of the embedded database (docs/backup.md). A backup is PGlite's own dump of the data folder: a
 * gzipped tarball of `DATA_DIR/pgdata`, every table with it (data, derived rollups, API keys as hashes), which PGlite
 * loads as it is. It is taken on the one connection, between two transactions (a running import finishes first, the
 * next one waits), so it holds what had committed and nothing else. A restore unpacks it into a folder beside
 * `pgdata`, opens it to check it, and only then puts it in place. On a PostgreSQL server, pg_dump and pg_restore do
 * this job (`serverBackupCommands`).
 */

/** What a backup (or a data folder) holds, read from its tables; null where the table is not there yet. */
export interface BackupContents {
  /** Migrations applied, and the latest of them. */
  migrations: number;
  latest_migration: string | null;
  /** Committed import batches: how many, the last one and when it committed (the data's version). */
  batches: { committed: number; last_id: number | null; last_committed_at: string | null };
  contracts: number | null;
  /** Outcome rows, every revision. */
  outcomes: number | null;
  /** API keys (their hashes: a key itself is never stored). */
  api_keys: number | null;
}

export interface BackupResult {
  file: string;
  bytes: number;
  ms: number;
  /** How long the database was held for the copy: what a request arriving meanwhile waited at most. */
  held_ms: number;
  contents: BackupContents;
}

export interface RestoreResult {
  file: string;
  /** The folder now holding the restored database. */
  data: string;
  /** Where the database it replaced was moved (with --force), for the operator to delete once satisfied. */
  replaced: string | null;
  bytes: number;
  ms: number;
  /** PostgreSQL major version of the data folder (PGlite's). */
  pg_version: string;
  contents: BackupContents;
}

const gzipAsync = promisify(gzip);

type Query = <T>(sql: string) => Promise<T[]>;

async function describeContents(query: Query): Promise<BackupContents> {
  const [present] = await query<Record<string, boolean>>(
    `select to_regclass('knex_migrations') is not null as migrations, to_regclass('import_batches') is not null as batches,
       to_regclass('contracts') is not null as contracts, to_regclass('outcomes') is not null as outcomes,
       to_regclass('api_keys') is not null as api_keys`,
  );
  const count = async (table: string) =>
    present[table] ? (await query<{ n: number }>(`select count(*)::int as n from ${table}`))[0].n : null;
  const [migrations] = present.migrations
    ? await query<{ n: number; latest: string | null }>(
        `select count(*)::int as n, (select name from knex_migrations order by id desc limit 1) as latest from knex_migrations`,
      )
    : [{ n: 0, latest: null }];
  const [batches] = present.batches
    ? await query<{ committed: number; last_id: number | null; last_at: string | null }>(
        `select count(*)::int as committed, max(id)::int as last_id, to_char(max(finished_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as last_at
         from import_batches where status = 'committed'`,
      )
    : [{ committed: 0, last_id: null, last_at: null }];
  return {
    migrations: migrations.n,
    latest_migration: migrations.latest,
    batches: { committed: batches.committed, last_id: batches.last_id, last_committed_at: batches.last_at },
    contracts: await count('contracts'),
    outcomes: await count('outcomes'),
    api_keys: await count('api_keys'),
  };
}

/** Writes `bytes` to `file` whole or not at all: a temporary file beside it, flushed, then renamed over it. */
async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new DomainError('not_found', `Cannot write the backup: the folder ${dir} does not exist.`);
  }
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new DomainError('invalid_parameter', `Cannot write the backup: ${file} is a folder; name a file, e.g. ${join(file, 'svm-backup.tar.gz')}.`);
  }
  const partial = `${file}.partial-${process.pid}`;
  try {
    const handle = await open(partial, 'w', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    if (err instanceof DomainError) throw err;
    throw new DomainError('unprocessable', `Cannot write the backup to ${file}: ${(err as Error).message}`);
  }
}

/**
 * Backs up the open embedded database to `file` (a .tar.gz). Runs while the service serves: the dump waits for the
 * transaction in progress to end and holds the one connection while PGlite copies the files (requests wait meanwhile:
 * `held_ms`, about a second for the demo data), then gives it back and compresses.
 */
export async function backupEmbedded(db: Database, file: string): Promise<BackupResult> {
  if (db.driver !== 'embedded' || !db.pglite) {
    throw new DomainError('invalid_parameter', 'The database is a PostgreSQL server: back it up with pg_dump (see docs/backup.md).');
  }
  if (db.location === 'memory') throw new DomainError('invalid_parameter', 'An in-memory database has no data folder to back up.');
  const path = resolve(file);
  const pglite = db.pglite;
  const started = Date.now();
  let held = 0;
  const { contents, dump } = await withSession(db, async (s) => {
    const from = Date.now();
    const described = await describeContents((sql) => s.query(sql));
    await s.query('checkpoint'); // the files complete in themselves: the restored copy starts without replaying WAL
    const tar = await pglite.dumpDataDir('none');
    held = Date.now() - from;
    return { contents: described, dump: tar };
  });
  // compressed after the connection is given back (on the thread pool): requests wait for the copy, not for gzip.
  // The fastest level: a sixth of the folder's size, about twice as fast as the default for 15% more bytes
  const bytes = await gzipAsync(new Uint8Array(await dump.arrayBuffer()), { level: constants.Z_BEST_SPEED });
  await writeAtomically(path, bytes);
  return { file: path, bytes: bytes.byteLength, ms: Date.now() - started, held_ms: held, contents };
}

function holdsDatabase(dataDir: string): boolean {
  return existsSync(join(pgDataPath(dataDir), 'PG_VERSION'));
}

/** Backs up the data folder with no service running: opens it here (holding its lock), dumps it, closes it. */
export async function backupDataDir(dataDir: string, file: string): Promise<BackupResult> {
  if (!holdsDatabase(dataDir)) {
    throw new DomainError('not_found', `There is no embedded database in ${dataDir} (no ${join(pgDataPath(dataDir), 'PG_VERSION')}): nothing to back up.`);
  }
  const db = await openDatabase({ dataDir, holder: { holder: 'cli' } });
  try {
    return await backupEmbedded(db, file);
  } finally {
    await db.close();
  }
}

interface ArchiveCheck {
  tar: Uint8Array;
  pgVersion: string;
}

const octal = (bytes: Uint8Array) => parseInt(Buffer.from(bytes).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);

/**
 * Reads a backup file far enough to say whether it is one: gzip (or a plain tar) that unpacks whole, tar headers
 * whose checksums hold up to the end, and a PG_VERSION at the top of the data folder. What it cannot see (a page
 * damaged inside a table file) PostgreSQL finds when the restore opens it.
 */
function checkArchive(file: string, bytes: Uint8Array): ArchiveCheck {
  const corrupt = (why: string) => new DomainError('unprocessable', `${file} is not a usable backup: ${why}.`);
  let tar = bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      tar = gunzipSync(bytes);
    } catch (err) {
      throw corrupt(`its gzip stream is damaged or cut short (${(err as Error).message})`);
    }
  }
  let offset = 0;
  let pgVersion: string | undefined;
  let entries = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break; // the end-of-archive blocks
    const expected = octal(header.subarray(148, 156));
    let sum = 0;
    for (let i = 0; i < 512; i += 1) sum += i >= 148 && i < 156 ? 0x20 : header[i];
    if (sum !== expected) {
      throw corrupt(entries === 0 ? 'it is neither a gzipped tarball nor a tar file (npm run backup writes a .tar.gz)' : `a tar header at byte ${offset} is damaged`);
    }
    const name = Buffer.from(header.subarray(0, 100)).toString('utf8').replace(/\0.*$/s, '');
    const prefix = Buffer.from(header.subarray(345, 500)).toString('utf8').replace(/\0.*$/s, '');
    const path = prefix ? `${prefix}/${name}` : name;
    const size = octal(header.subarray(124, 136));
    if (offset + 512 + size > tar.length) throw corrupt(`it is cut short inside ${path}`);
    if (/^(\.?\/)?([^/]+\/)?PG_VERSION$/.test(path)) {
      pgVersion = Buffer.from(tar.subarray(offset + 512, offset + 512 + size)).toString('utf8').trim();
    }
    entries += 1;
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  if (entries === 0) throw corrupt('it is empty');
  if (!pgVersion) throw corrupt('it holds no PostgreSQL data folder (no PG_VERSION)');
  return { tar, pgVersion };
}

const isNonEmptyFolder = (path: string) => existsSync(path) && readdirSync(path).length > 0;

/**
 * Restores a backup into `dataDir`. Refuses while anything holds the folder (the service: stop it first), and refuses
 * to replace a database already there unless `force` (which moves it aside, not away). The backup is unpacked and
 * opened in a folder beside `pgdata` first, so a damaged file leaves the folder as it was.
 */
export async function restoreEmbedded(file: string, dataDir: string, options: { force: boolean }): Promise<RestoreResult> {
  const path = resolve(file);
  const started = Date.now();
  let bytes: Uint8Array;
  try {
    if (statSync(path).isDirectory()) throw new DomainError('invalid_parameter', `${path} is a folder: name the backup file.`);
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof DomainError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw code === 'ENOENT'
      ? new DomainError('not_found', `No backup file at ${path}.`)
      : new DomainError('unprocessable', `Cannot read ${path}: ${(err as Error).message}`);
  }
  const archive = checkArchive(path, bytes);

  let lock: DataDirLock;
  try {
    lock = DataDirLock.acquire(dataDir, { holder: 'cli' });
  } catch (err) {
    if (err instanceof DataDirBusyError) {
      const who = err.info.holder === 'service' ? 'the service' : 'another command';
      throw new DomainError('conflict', `${dataDir} is in use by ${who} (pid ${err.info.pid}): stop it, then restore. A restore never replaces the database under a running service.`);
    }
    throw err;
  }
  try {
    const target = pgDataPath(dataDir);
    if (isNonEmptyFolder(target) && !options.force) {
      throw new DomainError(
        'conflict',
        `${dataDir} already holds a database (${target}). Restore into an empty DATA_DIR, or pass --force to replace it (the current one is moved aside, not deleted).`,
      );
    }
    const staging = join(dataDir, `pgdata.restoring-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true });
    let contents: BackupContents;
    try {
      const pglite = new PGlite(staging, { loadDataDir: new Blob([archive.tar]) });
      try {
        await pglite.waitReady;
        contents = await describeContents(async (sql) => (await pglite.query(sql)).rows as never[]);
      } finally {
        if (!pglite.closed) await pglite.close().catch(() => undefined);
      }
    } catch (err) {
      rmSync(staging, { recursive: true, force: true });
      throw new DomainError('unprocessable', `${path} could not be opened as a database: ${(err as Error).message}`);
    }
    let replaced: string | null = null;
    if (existsSync(target)) {
      if (isNonEmptyFolder(target)) {
        replaced = `${target}.replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        renameSync(target, replaced);
      } else {
        rmSync(target, { recursive: true, force: true });
      }
    }
    renameSync(staging, target);
    return { file: path, data: target, replaced, bytes: bytes.byteLength, ms: Date.now() - started, pg_version: archive.pgVersion, contents };
  } finally {
    lock.release();
  }
}

/**
 * The commands that back up and restore a PostgreSQL server (printed by the CLI; docs/backup.md explains them). Both
 * name the database by "$DATABASE_URL", as the service does, so no password is printed: the backup runs with
 * DATABASE_URL naming the live database, the restore with DATABASE_URL naming a new, empty one.
 */
export function serverBackupCommands(file: string): { backup: string; restore: string } {
  const quoted = /^[\w./-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
  return {
    backup: `pg_dump --format=custom --file=${quoted} "$DATABASE_URL"`,
    restore: `pg_restore --exit-on-error --no-owner --dbname="$DATABASE_URL" ${quoted}`,
  };
}
