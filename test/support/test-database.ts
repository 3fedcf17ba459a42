import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { openDatabase, type Database } from '../../metrics/platform/database';
import { databaseUrl, embeddedTemplatePath, serverUrl, templateDb } from './test-env';

export interface TestDatabase {
  db: Database;
  /** The server URL of this test's own database (PostgreSQL runs only). */
  url?: string;
  /** Closes the database (if the app has not already) and drops it. */
  dispose(): Promise<void>;
}

async function onServer<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const admin = await openDatabase({ databaseUrl: serverUrl!, dataDir: '' });
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/**
 * A database of this test's own, on the driver the run is for.
 * `empty: true` gives one with no schema (for migration tests); otherwise it is migrated and seeded.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  if (serverUrl) {
    const name = `svm_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    await onServer((admin) =>
      admin.knex.raw(options.empty ? `create database ${name}` : `create database ${name} template ${templateDb()}`),
    );
    const url = databaseUrl(serverUrl, name);
    const db = await openDatabase({ databaseUrl: url, dataDir: '', poolMax: 5 });
    return {
      db,
      url,
      dispose: async () => {
        await db.close();
        await onServer((admin) => admin.knex.raw(`drop database if exists ${name} with (force)`));
      },
    };
  }
  const loadDataDir = options.empty ? undefined : new Blob([readFileSync(embeddedTemplatePath())]);
  const db = await openDatabase({ dataDir: '', inMemory: true, loadDataDir });
  return { db, dispose: () => db.close() };
}
