import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../metrics/platform/database';
import { projectRoot } from '../../metrics/platform/project-root';
import { metricsContext } from './metrics-context';
import { databaseUrl, embeddedTemplatePath, serverUrl, templateDb } from './test-env';

/**
 * Runs once before all test files: compiles the service if a source changed (the process tests start it as
 * `node dist/api/main.js`, as the README does) and builds the migrated, seeded template every test database is a copy of.
 */
export default async function globalSetup(): Promise<void> {
  const root = projectRoot(__dirname);
  // as npm start does: tsc only when a source changed since the last build (api/cli/ensure-ready.cjs says how it knows).
  // SVM_TEST_NO_BUILD=1 skips it when only in-process tests run (the service-process tests need a current dist/)
  if (!process.env.SVM_TEST_NO_BUILD) execFileSync(process.execPath, [join(root, 'api', 'cli', 'ensure-ready.cjs'), '--build-only'], {
    cwd: root,
    stdio: 'inherit',
  });

  if (serverUrl) {
    const admin = await openDatabase({ databaseUrl: serverUrl, dataDir: '' });
    try {
      await admin.knex.raw(`drop database if exists ${templateDb()} with (force)`);
      await admin.knex.raw(`create database ${templateDb()}`);
    } finally {
      await admin.close();
    }
    const template = await openDatabase({ databaseUrl: databaseUrl(serverUrl, templateDb()), dataDir: '' });
    try {
      await (await metricsContext(template, { prepare: { migrate: true, seed: true } })).close();
    } finally {
      await template.close();
    }
    return;
  }

  const template = await openDatabase({ dataDir: '', inMemory: true });
  try {
    await (await metricsContext(template, { prepare: { migrate: true, seed: true } })).close();
    const dump = await template.pglite!.dumpDataDir('none');
    writeFileSync(embeddedTemplatePath(), Buffer.from(await dump.arrayBuffer()));
  } finally {
    await template.close();
  }
}
