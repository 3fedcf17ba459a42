import type { Knex } from 'knex';
import { seedReferenceData, type SeedResult } from '../reference/reference-seeder';
import { migrator } from './migrator';

export interface PrepareResult {
  migrated: string[];
  seeded: SeedResult[];
}

/** What start-up (and the CLI on a database nobody has started yet) does: migrate to the latest, load reference data. */
export async function prepareDatabase(
  knex: Knex,
  options: { migrate: boolean; seed: boolean } = { migrate: true, seed: true },
): Promise<PrepareResult> {
  const migrated = options.migrate ? await migrator.latest(knex) : [];
  const seeded = options.seed ? await seedReferenceData(knex) : [];
  return { migrated, seeded };
}
