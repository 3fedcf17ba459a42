import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../api/app';
import { loadConfig } from '../../api/config/config';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestApp {
  app: NestExpressApplication;
  url: string;
  database: TestDatabase;
  close(): Promise<void>;
}

/** The real application over HTTP on a random port, on a test database of its own. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  // rate limits and the periodic batch check off unless a test sets them (hardening.spec.ts, faults.spec.ts do): suites
  // send many writes from one key, and a check running against a harvest's batch row can hold up app.close()
  const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', DATA_DIR: '/nonexistent', DEMO_DATA: 'false', HARVEST_CRON: 'off', DELIVERY_REBUILD_CRON: 'off', QUALITY_OUTLIER_CRON: 'off', BATCH_CHECK_CRON: 'off', EXCHANGE_MATCHING_CRON: 'off', RATE_LIMIT_WRITES: 'off', RATE_LIMIT_READS: 'off', ...env });
  let app: NestExpressApplication;
  try {
    app = await createApp(config, { database: database.db });
    await app.listen(0, '127.0.0.1');
  } catch (err) {
    // a service that cannot start leaves no database behind (Jest would not exit)
    await database.dispose();
    throw err;
  }
  const address = app.getHttpServer().address() as { port: number };
  let closed = false;
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    database,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      await database.dispose();
    },
  };
}
