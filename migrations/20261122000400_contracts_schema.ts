import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * Suppliers, contracts, commitments and delivered outcomes, and the import batches they arrive in.
 * Commitments and outcomes keep every revision: a correction adds a row and clears is_latest on the one it replaces.
 */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `create table import_batches (
      id bigint generated always as identity primary key,
      kind text not null check (kind in ('contracts', 'commitments', 'outcomes', 'ocds', 'framework')),
      status text not null default 'received'
        check (status in ('received', 'running', 'committed', 'rejected', 'failed')),
      mode text not null default 'strict' check (mode in ('strict', 'partial')),
      api_key_id integer references api_keys (id) on delete set null,
      file_name text,
      content_type text,
      sha256 char(64) check (sha256 ~ '^[0-9a-f]{64}$'),
      byte_count bigint check (byte_count >= 0),
      idempotency_key text check (length(idempotency_key) between 1 and 255),
      rows_total integer not null default 0 check (rows_total >= 0),
      rows_inserted integer not null default 0 check (rows_inserted >= 0),
      rows_updated integer not null default 0 check (rows_updated >= 0),
      rows_unchanged integer not null default 0 check (rows_unchanged >= 0),
      rows_rejected integer not null default 0 check (rows_rejected >= 0),
      is_demo boolean not null default false,
      error text,
      backend_pid integer,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      heartbeat_at timestamptz,
      finished_at timestamptz,
      check (finished_at is null or started_at is null or finished_at >= started_at)
    )`,
    `create unique index import_batches_idempotency_idx on import_batches (api_key_id, kind, idempotency_key)
      where idempotency_key is not null`,
    `create index import_batches_created_idx on import_batches (created_at desc)`,
    `create table import_rejections (
      id bigint generated always as identity primary key,
      batch_id bigint not null references import_batches (id) on delete cascade,
      row_number integer check (row_number >= 0),
      field text,
      code text not null check (code ~ '^[a-z][a-z0-9_]*$'),
      message text not null,
      value text
    )`,
    `create index import_rejections_batch_idx on import_rejections (batch_id, row_number)`,
    `create table suppliers (
      id bigint generated always as identity primary key,
      scheme text check (scheme ~ '^[A-Z]{2}-[A-Z0-9-]+$'),
      identifier text check (length(identifier) > 0),
      name text not null check (length(btrim(name)) > 0),
      name_normalised text not null check (length(name_normalised) > 0),
      scale text check (scale in ('sme', 'large')),
      vcse boolean,
      is_demo boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((scheme is null) = (identifier is null)),
      unique (scheme, identifier)
    )`,
    `create index suppliers_name_idx on suppliers (name_normalised)`,
    `create table contracts (
      id bigint generated always as identity primary key,
      reference text not null unique check (length(btrim(reference)) > 0),
      ocid text,
      authority_id integer not null references authorities (id),
      supplier_id bigint references suppliers (id),
      title text not null check (length(btrim(title)) > 0),
      description text,
      stage text not null check (stage in ('pipeline', 'awarded', 'cancelled')),
      cpv_code8 char(8) references cpv_codes (code8),
      sector char(2) references cpv_divisions (code),
      value_gbp numeric(20, 2) check (value_gbp >= 0),
      value_amount numeric(20, 2) check (value_amount >= 0),
      currency char(3) check (currency ~ '^[A-Z]{3}$'),
      award_date date,
      start_date date,
      end_date date,
      is_services boolean,
      above_threshold boolean,
      in_scope boolean,
      sv_evaluated boolean,
      sv_weighting_pct numeric(5, 2) check (sv_weighting_pct between 0 and 100),
      framework_id integer references frameworks (id),
      batch_id bigint references import_batches (id) on delete set null,
      is_demo boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (end_date is null or start_date is null or end_date >= start_date),
      check (cpv_code8 is null or sector = left(cpv_code8, 2)),
      check (stage <> 'awarded' or supplier_id is not null)
    )`,
    `create index contracts_authority_idx on contracts (authority_id)`,
    `create index contracts_supplier_idx on contracts (supplier_id)`,
    `create index contracts_sector_idx on contracts (sector)`,
    `create table commitments (
      id bigint generated always as identity primary key,
      contract_id bigint not null references contracts (id) on delete cascade,
      measure_id integer not null references measures (id),
      period_start date not null,
      period_end date not null,
      target_quantity numeric(24, 6) not null check (target_quantity >= 0),
      unit text not null check (length(btrim(unit)) > 0),
      target_canonical numeric(24, 6) not null check (target_canonical >= 0),
      revision integer not null default 1 check (revision >= 1),
      is_latest boolean not null default true,
      batch_id bigint references import_batches (id) on delete set null,
      is_demo boolean not null default false,
      created_at timestamptz not null default now(),
      check (period_end >= period_start),
      unique (contract_id, measure_id, period_start, period_end, revision)
    )`,
    `create unique index commitments_latest_idx on commitments (contract_id, measure_id, period_start, period_end)
      where is_latest`,
    `create table outcomes (
      id bigint generated always as identity primary key,
      contract_id bigint not null references contracts (id) on delete cascade,
      measure_id integer not null references measures (id),
      period_start date not null,
      period_end date not null,
      quantity numeric(24, 6) not null check (quantity >= 0),
      unit text not null check (length(btrim(unit)) > 0),
      quantity_canonical numeric(24, 6) not null check (quantity_canonical >= 0),
      evidence_ref text,
      revision integer not null default 1 check (revision >= 1),
      is_latest boolean not null default true,
      batch_id bigint references import_batches (id) on delete set null,
      is_demo boolean not null default false,
      created_at timestamptz not null default now(),
      check (period_end >= period_start),
      unique (contract_id, measure_id, period_start, period_end, revision)
    )`,
    `create unique index outcomes_latest_idx on outcomes (contract_id, measure_id, period_start, period_end)
      where is_latest`,
    `create index outcomes_measure_period_idx on outcomes (measure_id, period_start) where is_latest`,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    'drop table outcomes',
    'drop table commitments',
    'drop table contracts',
    'drop table suppliers',
    'drop table import_rejections',
    'drop table import_batches',
  ]);
}
