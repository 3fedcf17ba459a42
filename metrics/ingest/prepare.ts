import type { Knex } from 'knex';
import { seedReferenceData, type SeedResult } from './reference/reference-seeder';
import { RollupsService } from '../derive/rollups/rollups.service';
import { migrator } from '../platform/migrator';
import { knexSession } from '../platform/session';

export interface PrepareResult {
  migrated: string[];
  seeded: SeedResult[];
  /** Measures whose £ per unit changed (proxy values or deflators loaded), their rollups revalued. */
  revalued: number[];
  /** The rollups were built from the data already held (the migration that adds them ran now). */
  rollupsRebuilt: boolean;
}

/** The migration that created the rollups: a database that had data before it gets them built once. */
const ROLLUPS_MIGRATION = '20261122000700_rollups_schema';

/**
 * What start-up (and the CLI on a database nobody has started yet) does: migrate to the latest, load reference data,
 * keep the valuation factors equal to the catalogue and price series they come from.
 */
export async function prepareDatabase(
  knex: Knex,
  options: { migrate: boolean; seed: boolean } = { migrate: true, seed: true },
): Promise<PrepareResult> {
  const migrated = options.migrate ? await migrator.latest(knex) : [];
  const seeded = options.seed ? await seedReferenceData(knex) : [];
  let revalued: number[] = [];
  let rollupsRebuilt = false;
  if (migrated.includes(ROLLUPS_MIGRATION)) {
    await knex.transaction((trx) => new RollupsService().rebuild(knexSession(trx)));
    rollupsRebuilt = true;
  } else {
    const loaded = (test: (name: string) => boolean) => seeded.some((s) => s.loaded && test(s.dataset));
    const prices = loaded((name) => name === 'gdp-deflators' || name.startsWith('framework:'));
    const places = loaded((name) => name === 'local-authorities' || name === 'central-government');
    if (prices || places) {
      revalued = await knex.transaction(async (trx) => {
        const rollups = new RollupsService();
        // a revaluation rebuilds the coarser levels itself; otherwise an authority's region or kind may have moved
        const changed = prices ? await rollups.refreshFactors(knexSession(trx)) : [];
        if (places && changed.length === 0) await rollups.rebuildLevels(knexSession(trx));
        return changed;
      });
    }
  }
  return { migrated, seeded, revalued, rollupsRebuilt };
}
