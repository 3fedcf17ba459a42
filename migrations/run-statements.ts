import type { Knex } from 'knex';

/**
 * Runs SQL statements one by one. The embedded driver (PGlite through knex-pglite) sends each query with the extended
 * protocol, which takes a single statement, so a migration is a list of statements rather than one script.
 */
export async function runStatements(knex: Knex, statements: readonly string[]): Promise<void> {
  for (const sql of statements) await knex.raw(sql);
}
