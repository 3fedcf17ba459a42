import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * OCDS compiled releases (issue 14): a contracting process's releases compiled into one release by the standard's
 * merge rules, and the contract derived from it, so that a later release's award is added to the earlier ones
 * (merged by id) instead of replacing the contract's value.
 * - ocds_releases.body: each release as it was published (null for releases imported before bodies were kept), so a
 *   release arriving late can be compiled with the ones before and after it.
 * - ocds_compiled: the compiled release of each process, how many releases it holds, the newest release's date (a
 *   newer release is merged into it; an older one recompiles from the bodies), whether every release held for the
 *   process was compiled (`complete`: false when some were imported before bodies were kept), and the pairs of awards
 *   that look like one award published twice (both kept, as the standard says; flagged once, by the batch that
 *   brought the pair).
 * The table gets the data-version trigger: the contract reads may show what it holds.
 */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `alter table ocds_releases add column body jsonb check (body is null or jsonb_typeof(body) = 'object')`,
    `create table ocds_compiled (
      ocid text primary key check (length(btrim(ocid)) > 0),
      contract_id bigint not null references contracts (id) on delete cascade,
      compiled jsonb not null check (jsonb_typeof(compiled) = 'object'),
      release_count integer not null check (release_count > 0),
      release_date timestamptz not null,
      complete boolean not null,
      award_corrections jsonb not null default '[]' check (jsonb_typeof(award_corrections) = 'array'),
      batch_id bigint references import_batches (id) on delete set null,
      updated_at timestamptz not null default now()
    )`,
    `create index ocds_compiled_contract_idx on ocds_compiled (contract_id)`,
    `create trigger ocds_compiled_data_version after insert or update or delete or truncate on ocds_compiled
      for each statement execute function data_version_mark()`,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, ['drop table ocds_compiled', 'alter table ocds_releases drop column body']);
}
