import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PGlite } from '@electric-sql/pglite';
import type { Knex } from 'knex';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from './database';

/**
 * One database connection held for a unit of work that needs more than knex gives: bulk COPY into a staging table
 * and a transaction spanning it. SQL here uses $1, $2 placeholders (both drivers' own). Values come back through the
 * same type parsers as knex's (metrics/platform/db-types.ts).
 */
export interface Session {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** COPY CSV text (chunks of whole lines, no header) into `table (columns)`. */
  copyCsv(table: string, columns: readonly string[], chunks: AsyncIterable<string>): Promise<void>;
}

/** How much CSV text PGlite takes per COPY from its in-memory /dev/blob. */
const PGLITE_COPY_CHUNK = 8 * 1024 * 1024;

function pgSession(client: Client): Session {
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
    async copyCsv(table, columns, chunks) {
      const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin with (format csv)`));
      await pipeline(Readable.from(chunks), stream as unknown as Writable);
    },
  };
}

function pgliteSession(pglite: PGlite): Session {
  const copy = (table: string, columns: readonly string[], text: string) =>
    pglite.query(`copy ${table} (${columns.join(', ')}) from '/dev/blob' with (format csv)`, [], {
      blob: new Blob([text]),
    });
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      return (await pglite.query<T>(sql, params)).rows;
    },
    async copyCsv(table, columns, chunks) {
      let buffer = '';
      for await (const chunk of chunks) {
        buffer += chunk;
        if (buffer.length >= PGLITE_COPY_CHUNK) {
          await copy(table, columns, buffer);
          buffer = '';
        }
      }
      if (buffer.length > 0) await copy(table, columns, buffer);
    },
  };
}

/** Runs `fn` on a connection of its own from the pool (on PGlite: the one connection), released afterwards. */
export async function withSession<T>(db: Database, fn: (session: Session) => Promise<T>): Promise<T> {
  const client = (db.knex.client as { acquireConnection(): Promise<unknown> }).acquireConnection();
  const connection = await client;
  const release = () => (db.knex.client as { releaseConnection(c: unknown): Promise<void> }).releaseConnection(connection);
  try {
    return await fn(db.driver === 'embedded' ? pgliteSession(connection as PGlite) : pgSession(connection as Client));
  } finally {
    await release();
  }
}

/** `fn` inside one transaction on a session: committed when it returns, rolled back when it throws. */
export async function transaction<T>(session: Session, fn: () => Promise<T>): Promise<T> {
  await session.query('begin');
  try {
    const result = await fn();
    await session.query('commit');
    return result;
  } catch (err) {
    await session.query('rollback').catch(() => undefined); // the connection itself may be gone
    throw err;
  }
}

/**
 * A session over a knex connection or transaction (the seeder and the catalogue work through knex): the same $1
 * placeholders, rewritten into knex's bindings. No COPY.
 */
export function knexSession(knex: Knex): Session {
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      const bindings: unknown[] = [];
      const text = sql.replace(/\?/g, '\\?').replace(/\$(\d+)/g, (_, n: string) => {
        bindings.push(params[Number(n) - 1]);
        return '?';
      });
      return (await knex.raw(text, bindings as Knex.RawBinding[])).rows as T[];
    },
    async copyCsv() {
      throw new Error('COPY needs a session of its own (withSession)');
    },
  };
}
