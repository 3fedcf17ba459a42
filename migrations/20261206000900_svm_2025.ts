import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * The government's Social Value Models as frameworks (PPN 06/20's 2020 model, PPN 002's 2025 model): a framework may
 * record the published document it follows (title, version or edition as printed, publication date) and the contracts
 * it applies to by award date, from `awarded_from` (inclusive) to before `awarded_before` (contracts let before
 * 1 October 2025 stay on the 2020 model). All null for every other framework.
 */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `alter table frameworks
      add column document_title text check (length(btrim(document_title)) > 0),
      add column document_version text check (length(btrim(document_version)) > 0),
      add column document_date date,
      add column awarded_from date,
      add column awarded_before date,
      add check ((document_title is null) = (document_version is null) and (document_title is null) = (document_date is null)),
      add check (awarded_from is null or awarded_before is null or awarded_from < awarded_before)`,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `alter table frameworks
      drop column document_title,
      drop column document_version,
      drop column document_date,
      drop column awarded_from,
      drop column awarded_before`,
  ]);
}
