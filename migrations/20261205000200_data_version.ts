import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * One version of everything the public reads show, for the read cache (api/http/read-cache.interceptor.ts): it moves
 * on when, and only when, a transaction that wrote to a table those reads use commits.
 *
 * - data_version: one row, its version (1, 2, 3...) and when it last moved.
 * - A statement-level trigger on each watched table (DATA_VERSION_TABLES: the reference data, the catalogue, contracts,
 *   commitments, outcomes, suppliers, OCDS releases, every rollup and delivery table, quality flags, peer groups)
 *   marks the transaction, once, with a row in data_version_marks; a constraint trigger on that row, deferred to the
 *   commit, moves the version and tells the other instances (pg_notify 'svm_data_version', the new version as
 *   payload). Whatever writes (an import, OCDS, a framework load or revaluation, the quarter's delivery rebuild, a
 *   peer group, the demo, the reference seed, a hand-written statement), the version moves in the same transaction as
 *   the data: a reader that sees the new version sees the new data, and a rolled-back write moves nothing.
 * - Why deferred to the commit: updating the one row at the first write would hold its lock from there (an import's
 *   merge) to the commit, making concurrent imports queue from their merge instead of their refresh, and a writer
 *   holding the derivedData lock wait for one that holds the row and waits for that lock. Marked at the first write and
 *   moved at the commit, the row is locked only while a transaction commits.
 * - Not a sequence: nextval is not transactional (a rolled-back write would move it, and a version could be seen
 *   before the data it stands for is).
 *
 * A table added later that a public read uses gets the same trigger in its own migration
 * (`create trigger <table>_data_version after insert or update or delete or truncate on <table> for each statement
 * execute function data_version_mark()`); test/e2e/read-cache.e2e.spec.ts fails on a table that is neither watched
 * nor listed there as read by no public route.
 */

export const DATA_VERSION_TABLES = [
  // reference data and the catalogue
  'authorities', 'authority_names', 'authority_identifiers', 'authority_clusters', 'cpv_codes', 'cpv_divisions',
  'reference_datasets', 'frameworks', 'themes', 'policy_outcomes', 'measures', 'measure_crosswalk', 'proxy_values',
  'unit_conversions', 'deflators', 'valuation_factors', 'ocds_metric_mappings',
  // the data
  'contracts', 'suppliers', 'contract_suppliers', 'commitments', 'outcomes', 'ocds_releases', 'ocds_observations',
  // derived
  'derived_state', 'measure_rollups', 'measure_rollups_authority_year', 'measure_rollups_area', 'contract_rollups',
  'indicator_contract_rollups', 'indicator_social_rollups', 'delivery_state', 'delivery_contracts', 'delivery_measures',
  'delivery_rollups', 'delivery_authority_rollups', 'delivery_value_rollups', 'delivery_value_authority_rollups',
  'quality_flags', 'quality_outlier_stats',
  // peer groups
  'peer_groups', 'peer_group_members',
] as const;

export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `create table data_version (
      id boolean primary key default true check (id),
      version bigint not null default 1,
      changed_at timestamptz not null default now()
    )`,
    `insert into data_version default values`,
    `create table data_version_marks (id bigint generated always as identity primary key)`,
    // once per transaction (the setting is local to it, and undone with a rolled-back savepoint, as the mark is)
    `create function data_version_mark() returns trigger language plpgsql as $$
     begin
       if current_setting('svm.data_version_marked', true) is distinct from 'on' then
         perform set_config('svm.data_version_marked', 'on', true);
         insert into data_version_marks default values;
       end if;
       return null;
     end $$`,
    `create function data_version_bump() returns trigger language plpgsql as $$
     declare
       v bigint;
     begin
       delete from data_version_marks where id = new.id;
       update data_version set version = version + 1, changed_at = now() returning version into v;
       perform pg_notify('svm_data_version', v::text);
       return null;
     end $$`,
    `create constraint trigger data_version_bump after insert on data_version_marks
      deferrable initially deferred for each row execute function data_version_bump()`,
    ...DATA_VERSION_TABLES.map(
      (table) =>
        `create trigger ${table}_data_version after insert or update or delete or truncate on ${table}
          for each statement execute function data_version_mark()`,
    ),
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    ...DATA_VERSION_TABLES.map((table) => `drop trigger ${table}_data_version on ${table}`),
    'drop table data_version_marks, data_version',
    'drop function data_version_mark(), data_version_bump()',
  ]);
}
