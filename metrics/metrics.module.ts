import { Module, type DynamicModule, type INestApplicationContext, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DeriveModule } from './derive/derive.module';
import { IngestModule } from './ingest/ingest.module';
import type { MetricsOptions } from './platform/options';
import { PlatformModule } from './platform/platform.module';
import { ReadModule } from './read/read.module';
import { ReferenceModule } from './reference/reference.module';

/**
 * The one door into the measurement core. Its wings, each a module with explicit exports:
 * - platform: the database, options, health, the scheduler of jobs (global);
 * - reference: authorities, sectors, the measures catalogue;
 * - derive: everything derived from the data, behind DerivedDataService (refresh, rebuild, revalue);
 * - ingest: imports, OCDS, harvests, frameworks, the demo, the reference data, the database made ready at start;
 * - read: measures, indicators, peers and benchmarks, quality, exports, contracts.
 * The HTTP application (api/) and the CLI build this same graph; dashboards and reports read its read services.
 */
@Module({})
export class MetricsModule {
  static forRoot(options: MetricsOptions): DynamicModule {
    return {
      module: MetricsModule,
      // global: the HTTP edge, the dashboards and the reports read its services without importing it again
      global: true,
      imports: [PlatformModule.forRoot(options), ReferenceModule, DeriveModule, IngestModule, ReadModule],
      exports: [PlatformModule, ReferenceModule, DeriveModule, IngestModule, ReadModule],
    };
  }

  /**
   * The measurement core without HTTP (the CLI, tests): the database opened and made ready as the service does it.
   * Close it when done (the database closes with it unless the caller passed an `existing` one).
   */
  static open(options: MetricsOptions, logger: LoggerService | LogLevel[] | false = ['error', 'warn']): Promise<INestApplicationContext> {
    return NestFactory.createApplicationContext(MetricsModule.forRoot(options), { logger, abortOnError: false });
  }
}
