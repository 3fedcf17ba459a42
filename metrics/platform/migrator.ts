import type { Knex } from 'knex';
import { migrationSource } from '../../migrations';

const config: Knex.MigratorConfig = { migrationSource, tableName: 'knex_migrations' };

export interface MigrationStatus {
  completed: string[];
  pending: string[];
}

/** Knex migrations, from the one list in migrations/index.ts, on either driver. */
export const migrator = {
  async latest(knex: Knex): Promise<string[]> {
    const [, applied] = (await knex.migrate.latest(config)) as [number, string[]];
    return applied;
  },
  /** Rolls back the last batch, or every migration with `all`. */
  async down(knex: Knex, all = false): Promise<string[]> {
    const [, reverted] = (await knex.migrate.rollback(config, all)) as [number, string[]];
    return reverted;
  },
  async status(knex: Knex): Promise<MigrationStatus> {
    const [completed, pending] = (await knex.migrate.list(config)) as [Array<{ name: string }>, string[]];
    return { completed: completed.map((m) => m.name), pending };
  },
};
