import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Knex } from 'knex';
import { CronTasks } from './cron-task';
import { DataVersionService } from './data-version';
import { openDatabase, type Database } from './database';
import { HealthService } from './health';
import { METRICS_OPTIONS, type MetricsOptions } from './options';
import { DATABASE, KNEX } from './tokens';

/**
 * The database (opened once, closed last on shutdown, after the HTTP server has let in-flight requests finish), the
 * options every wing reads, health, the scheduler of jobs, and the version of the data (for the read cache). Global:
 * every wing of metrics/ injects these.
 */
@Global()
@Module({})
export class PlatformModule implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(
    @Inject(DATABASE) private readonly database: Database,
    @Inject(METRICS_OPTIONS) private readonly options: MetricsOptions,
  ) {}

  static forRoot(options: MetricsOptions): DynamicModule {
    return {
      module: PlatformModule,
      providers: [
        { provide: METRICS_OPTIONS, useValue: options },
        { provide: DATABASE, useFactory: () => options.database.existing ?? openDatabase(options.database) },
        { provide: KNEX, inject: [DATABASE], useFactory: (db: Database): Knex => db.knex },
        HealthService,
        CronTasks,
        DataVersionService,
      ],
      exports: [METRICS_OPTIONS, DATABASE, KNEX, HealthService, CronTasks, DataVersionService],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.options.database.existing) return; // the caller's to close
    await this.database.close();
    this.logger.log('database closed');
  }
}
