import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Knex } from 'knex';
import { openDatabase, type Database } from '../../metrics/platform/database';
import { DATABASE, KNEX } from '../../metrics/platform/tokens';
import { prepareDatabase } from '../../metrics/ingest/prepare';
import { ImportsRepository } from '../../metrics/ingest/imports/imports.repository';
import { adminSocketPath } from '../admin/admin-socket';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';

export { DATABASE };

export interface DatabaseModuleOptions {
  /** An already opened database (tests); otherwise the one the configuration names is opened. */
  database?: Database;
}

/**
 * Opens the database once for the application, migrates and seeds it when configured to, and closes it last on
 * shutdown (after the HTTP server has let in-flight requests finish).
 */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(@Inject(DATABASE) private readonly database: Database) {}

  static forRoot(options: DatabaseModuleOptions = {}): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DATABASE,
          inject: [APP_CONFIG],
          useFactory: async (config: AppConfig): Promise<Database> => {
            const logger = new Logger('Database');
            const database =
              options.database ??
              (await openDatabase({
                databaseUrl: config.databaseUrl,
                dataDir: config.dataDir,
                poolMax: config.dbPoolMax,
                holder: { holder: 'service', socket: adminSocketPath(config.dataDir) },
              }));
            try {
              const started = Date.now();
              const result = await prepareDatabase(database.knex, {
                migrate: config.migrateOnStart,
                seed: config.seedOnStart,
              });
              // batches a dead process left running are failed; with MIGRATE_ON_START=false the schema may not be
              // there yet (health says so), so recovery waits for a start that migrated
              const interrupted = config.migrateOnStart
                ? await new ImportsRepository(database.knex).failInterruptedBatches(database.driver === 'embedded')
                : 0;
              logger.log({
                msg: `database ready (${database.driver}, ${database.location})`,
                interrupted_imports_failed: interrupted,
                driver: database.driver,
                migrated: result.migrated,
                seeded: result.seeded.filter((s) => s.loaded),
                ms: Date.now() - started,
              });
            } catch (err) {
              await database.close();
              throw err;
            }
            return database;
          },
        },
        { provide: KNEX, inject: [DATABASE], useFactory: (db: Database): Knex => db.knex },
      ],
      exports: [DATABASE, KNEX],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
    this.logger.log('database closed');
  }
}
