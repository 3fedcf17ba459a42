import type { INestApplicationContext } from '@nestjs/common';
import { MetricsModule } from '../../metrics/metrics.module';
import type { Database } from '../../metrics/platform/database';
import type { MetricsOptions } from '../../metrics/platform/options';

/** The options of the measurement core over a test's database (its `existing` one: the test closes it). */
export function testMetricsOptions(db: Database, options: Partial<MetricsOptions> = {}): MetricsOptions {
  return {
    database: { dataDir: '', existing: db },
    prepare: { migrate: false, seed: false },
    importLimitBytes: 1024 * 1024 * 1024,
    harvest: { retries: 0, retryBaseMs: 0 },
    delivery: { thresholds: { good: '0.95', approaching_target: '0.8', requires_improvement: '0.5' } },
    demoOnEmpty: false,
    ...options,
  };
}

/** The measurement core's graph (no HTTP) over a test's database, as the service and the CLI build it. */
export function metricsContext(db: Database, options: Partial<MetricsOptions> = {}): Promise<INestApplicationContext> {
  return MetricsModule.open(testMetricsOptions(db, options), false);
}
