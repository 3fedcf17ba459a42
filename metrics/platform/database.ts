import { Logger } from '@nestjs/common';
import { PGlite } from '@electric-sql/pglite';
import ClientPgLite from 'knex-pglite';
import knexFactory, { type Knex } from 'knex';
import { join } from 'node:path';
import { types as pgTypes } from 'pg';
import { DataDirLock, dataDirProblem, type LockInfo } from './data-dir-lock';
import { TYPE_PARSERS } from './db-types';

export type DatabaseDriver = 'postgres' | 'embedded';

export interface DatabaseOptions {
  /** A PostgreSQL server; when absent, the embedded database in `dataDir` is used. */
  databaseUrl?: string;
  /** Folder of the embedded database (and its lock file). */
  dataDir: string;
  /** Largest pool against a server (the embedded database has exactly one connection). */
  poolMax?: number;
  /** Who opens an embedded data folder, written into its lock for other processes to read. */
  holder?: Omit<LockInfo, 'pid' | 'startedAt'>;
  /** Start the embedded database from a dump of a data folder (a migrated template in tests). */
  loadDataDir?: Blob;
  /** Keep the embedded database in memory (tests): no folder, no lock. */
  inMemory?: boolean;
}

export interface Database {
  readonly knex: Knex;
  readonly driver: DatabaseDriver;
  /** Where the data lives, for logs: the server without its password, or the folder. */
  readonly location: string;
  /** The underlying PGlite instance, for the embedded driver (to dump it, in tests). */
  readonly pglite?: PGlite;
  close(): Promise<void>;
}

const pgTypeParsers = {
  getTypeParser: (oid: number, format?: string) =>
    TYPE_PARSERS[oid] ?? pgTypes.getTypeParser(oid, format as 'text'),
};

/** The embedded database's own folder inside DATA_DIR (the lock and the admin socket sit beside it). */
export function pgDataPath(dataDir: string): string {
  return join(dataDir, 'pgdata');
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

/** Socket errors that mean the connection to the database is gone (or never came), whatever was being sent on it. */
const SOCKET_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'];

/** What the drivers say when the connection is lost, refused or the server shuts down (pg, knex, PGlite). */
const CONNECTION_MESSAGES =
  /Knex: Timeout acquiring a connection|Unable to acquire a connection|Connection terminated|Client has encountered a connection error|not queryable|terminating connection due to administrator command|the database system is (shutting down|starting up|in recovery mode)|server closed the connection unexpectedly|PGlite is closed/i;

/**
 * The database, not the request, is at fault: a socket error, an SQLSTATE of class 08 (connection exception) or 57P0x
 * (the server shutting down or terminating the backend), or the drivers' words for it. The cause of a wrapped error
 * and the errors of an AggregateError (a refused connection to each address of a host) are looked at too.
 */
export function isConnectionFailure(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (SOCKET_CODES.includes(code) || code.startsWith('08') || /^57P0[1-4]$/.test(code)) return true;
  if (typeof e.message === 'string' && CONNECTION_MESSAGES.test(e.message)) return true;
  if (isConnectionFailure(e.cause, depth + 1)) return true;
  return Array.isArray(e.errors) && e.errors.some((inner) => isConnectionFailure(inner, depth + 1));
}

/** What knex has to say (a connection lost, refused) in the service's log lines, not as bare text on stdout. */
const knexLogger = new Logger('Database');
const knexLog = {
  warn: (message: unknown) => knexLogger.warn({ msg: String(message) }),
  error: (message: unknown) => knexLogger.error({ msg: String(message) }),
  deprecate: (method: string, alternative: string) => knexLogger.warn({ msg: `knex: ${method} is deprecated, use ${alternative}` }),
  debug: () => undefined,
};

/** Opens the database the configuration names: the pg driver for a server URL, else PGlite in a data folder. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const knex = knexFactory({
      client: 'pg',
      connection: { connectionString: options.databaseUrl, types: pgTypeParsers, connectionTimeoutMillis: 5000 } as Knex.PgConnectionConfig,
      pool: { min: 0, max: options.poolMax ?? 10 },
      acquireConnectionTimeout: 5000,
      log: knexLog,
    });
    return { knex, driver: 'postgres', location: redactUrl(options.databaseUrl), close: () => knex.destroy() };
  }

  const lock = options.inMemory ? undefined : DataDirLock.acquire(options.dataDir, options.holder ?? { holder: 'cli' });
  try {
    const pglite = new PGlite(options.inMemory ? 'memory://' : pgDataPath(options.dataDir), {
      parsers: TYPE_PARSERS,
      loadDataDir: options.loadDataDir,
    });
    await pglite.waitReady;
    const knex = knexFactory({ client: ClientPgLite, connection: { pglite } as never });
    let closed = false;
    return {
      knex,
      driver: 'embedded',
      location: options.inMemory ? 'memory' : pgDataPath(options.dataDir),
      pglite,
      close: async () => {
        if (closed) return;
        closed = true;
        try {
          await knex.destroy();
          if (!pglite.closed) await pglite.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (err) {
    lock?.release();
    // the disk filling up (or the folder turning read-only) while PGlite writes its files
    throw (options.inMemory ? undefined : dataDirProblem(options.dataDir, err)) ?? err;
  }
}
