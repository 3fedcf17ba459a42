import { rmSync } from 'node:fs';
import { openDatabase } from '../../metrics/db/database';
import { embeddedTemplatePath, serverUrl, TEMPLATE_DB } from './test-env';

export default async function globalTeardown(): Promise<void> {
  rmSync(embeddedTemplatePath, { force: true });
  if (!serverUrl) return;
  const admin = await openDatabase({ databaseUrl: serverUrl, dataDir: '' });
  try {
    await admin.knex.raw(`drop database if exists ${TEMPLATE_DB} with (force)`);
  } finally {
    await admin.close();
  }
}
