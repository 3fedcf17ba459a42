import { rmSync } from 'node:fs';
import { openDatabase } from '../../metrics/platform/database';
import { embeddedTemplatePath, serverUrl, templateDb } from './test-env';

export default async function globalTeardown(): Promise<void> {
  rmSync(embeddedTemplatePath(), { force: true });
  if (!serverUrl) return;
  const admin = await openDatabase({ databaseUrl: serverUrl, dataDir: '' });
  try {
    await admin.knex.raw(`drop database if exists ${templateDb()} with (force)`);
  } finally {
    await admin.close();
  }
}
