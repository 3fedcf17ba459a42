import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DerivedDataService, type RebuildResult } from '../derive/derived-data.service';
import type { Database } from '../platform/database';
import { migrator } from '../platform/migrator';
import { METRICS_OPTIONS, type MetricsOptions } from '../platform/options';
import { knexSession } from '../platform/session';
import { DATABASE } from '../platform/tokens';
import { ImportsService } from './imports/imports.service';
import { ReferenceSeeder, type SeedResult } from './reference-data/reference-seeder';

export interface PrepareResult {
  migrated: string[];
  seeded: SeedResult[];
  /** Measures whose £ per unit changed (proxy values or deflators loaded), everything derived of them revalued. */
  revalued: number[];
  /** The derived data was rebuilt: the schema that keeps it changed, or the rollups were added to data already held. */
  rebuilt: RebuildResult | null;
  /** Import batches a stopped process left running, marked failed (the periodic check does the same while it runs). */
  interrupted: number;
}

/** The migration that created the rollups: a database that had data before it gets them built once. */
const ROLLUPS_MIGRATION = '20261122000700_rollups_schema';

/**
 * What start-up does before anything reads the database (and the CLI, on a database nobody has started yet): migrate
 * to the latest, load the reference data when its files changed, keep everything derived equal to the catalogue, the
 * price series and the places it comes from, and fail the batches a stopped process left running.
 */
@Injectable()
export class DatabasePreparer implements OnModuleInit {
  private readonly logger = new Logger('Database');

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(METRICS_OPTIONS) private readonly options: MetricsOptions,
    private readonly seeder: ReferenceSeeder,
    private readonly derived: DerivedDataService,
    private readonly imports: ImportsService,
  ) {}

  async onModuleInit(): Promise<void> {
    const { migrate, seed } = this.options.prepare;
    if (!migrate && !seed) return;
    const started = Date.now();
    try {
      const result = await this.prepare({ migrate, seed });
      this.logger.log({
        msg: `database ready (${this.db.driver}, ${this.db.location})`,
        interrupted_imports_failed: result.interrupted,
        driver: this.db.driver,
        migrated: result.migrated,
        seeded: result.seeded.filter((s) => s.loaded),
        revalued: result.revalued.length,
        rebuilt: result.rebuilt ?? undefined,
        ms: Date.now() - started,
      });
    } catch (err) {
      if (!this.options.database.existing) await this.db.close(); // nothing else will run: let the folder go
      throw err;
    }
  }

  async prepare(options: { migrate: boolean; seed: boolean }): Promise<PrepareResult> {
    const migrated = options.migrate ? await migrator.latest(this.db.knex) : [];
    const seeded = options.seed ? await this.seeder.seed() : [];
    const loaded = (test: (name: string) => boolean) => seeded.some((s) => s.loaded && test(s.dataset));
    const prices = loaded((name) => name === 'gdp-deflators' || name.startsWith('framework:'));
    const places = loaded((name) => name === 'local-authorities' || name === 'central-government');
    const { rebuilt, revalued } = await this.db.knex.transaction(async (trx) => {
      const s = knexSession(trx);
      const rebuiltNow = migrated.includes(ROLLUPS_MIGRATION) ? await this.derived.rebuild(s) : await this.derived.ensureVersion(s);
      if (rebuiltNow) return { rebuilt: rebuiltNow, revalued: [] as number[] };
      // a revaluation regroups the coarser levels itself; otherwise an authority's region or kind may have moved
      const changed = prices ? await this.derived.revalue(s) : [];
      if (places && changed.length === 0) await this.derived.regroupAreas(s);
      return { rebuilt: null, revalued: changed };
    });
    // batches a dead process left running are failed (and its backends ended); with MIGRATE_ON_START=false the schema
    // may not be there yet (health says so), so recovery waits for a start that migrated or for the periodic check
    const interrupted = options.migrate ? (await this.imports.checkOpenBatches()).failed.length : 0;
    return { migrated, seeded, revalued, rebuilt, interrupted };
  }
}
