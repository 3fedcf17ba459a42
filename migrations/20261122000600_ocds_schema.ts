import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * OCDS: the releases imported (so the same release is never imported twice and a newer one for the same process is
 * known to be newer), every supplier of a contract, the metric observations a release carries (kept whether or not a
 * measure is mapped to them yet, so a mapping added later applies to them), the metric-to-measure mapping, and the state of each harvested
 * publisher API (its cursor survives a restart). Rejections gain the release they name and a severity: a warning
 * reports something the import could not use (an unmapped metric, a buyer created as a new authority) without
 * rejecting the release.
 */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `alter table import_rejections
      add column release_id text,
      add column severity text not null default 'error' check (severity in ('error', 'warning'))`,
    `alter table import_batches add column summary jsonb check (summary is null or jsonb_typeof(summary) = 'object')`,
    `alter table contracts
      add column release_date timestamptz,
      add column ocds_provenance jsonb check (ocds_provenance is null or jsonb_typeof(ocds_provenance) = 'object'),
      add column title_source text check (title_source in ('tender', 'contract', 'award')),
      add column procurement_category text,
      add column sv_goals text[]`,
    `create table contract_suppliers (
      contract_id bigint not null references contracts (id) on delete cascade,
      supplier_id bigint not null references suppliers (id),
      primary key (contract_id, supplier_id)
    )`,
    `create index contract_suppliers_supplier_idx on contract_suppliers (supplier_id)`,
    `create table ocds_releases (
      id bigint generated always as identity primary key,
      ocid text not null check (length(btrim(ocid)) > 0),
      release_id text not null check (length(btrim(release_id)) > 0),
      release_date timestamptz not null,
      tags text[] not null default '{}',
      sha256 char(64) not null check (sha256 ~ '^[0-9a-f]{64}$'),
      contract_id bigint references contracts (id) on delete cascade,
      batch_id bigint references import_batches (id) on delete set null,
      created_at timestamptz not null default now(),
      unique (ocid, release_id)
    )`,
    `create index ocds_releases_contract_idx on ocds_releases (contract_id)`,
    `create table ocds_metric_mappings (
      id integer generated always as identity primary key,
      match_on text not null check (match_on in ('id', 'title')),
      match_value text not null check (length(match_value) > 0),
      measure_id integer not null references measures (id) on delete cascade,
      note text,
      created_at timestamptz not null default now(),
      unique (match_on, match_value)
    )`,
    `create table ocds_observations (
      id bigint generated always as identity primary key,
      contract_id bigint not null references contracts (id) on delete cascade,
      ocid text not null,
      release_id text not null,
      release_date timestamptz not null,
      path text not null,
      kind text not null check (kind in ('target', 'actual')),
      metric_id text,
      metric_title text,
      period_start date not null,
      period_end date not null,
      quantity numeric(24, 6) not null check (quantity >= 0),
      unit text,
      batch_id bigint references import_batches (id) on delete set null,
      check (period_end >= period_start),
      check (metric_id is not null or metric_title is not null)
    )`,
    `create index ocds_observations_contract_idx on ocds_observations (contract_id)`,
    `create index ocds_observations_batch_idx on ocds_observations (batch_id)`,
    `create table harvest_sources (
      name text primary key check (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
      base_url text not null check (base_url ~ '^https{0,1}://'), -- not '?': knex.raw reads it as a binding
      updated_from timestamptz,
      next_url text,
      status text not null default 'idle' check (status in ('idle', 'running', 'failed')),
      pages_fetched integer not null default 0 check (pages_fetched >= 0),
      releases_seen bigint not null default 0 check (releases_seen >= 0),
      last_batch_id bigint references import_batches (id) on delete set null,
      last_started_at timestamptz,
      last_finished_at timestamptz,
      last_error text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    'drop table harvest_sources',
    'drop table ocds_observations',
    'drop table ocds_metric_mappings',
    'drop table ocds_releases',
    'drop table contract_suppliers',
    'alter table contracts drop column sv_goals, drop column procurement_category, drop column title_source, drop column ocds_provenance, drop column release_date',
    'alter table import_rejections drop column severity, drop column release_id',
    'alter table import_batches drop column summary',
  ]);
}
