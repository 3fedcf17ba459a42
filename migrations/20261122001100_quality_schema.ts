import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * Data quality flags on outcome returns (metrics/quality):
 * - quality_flags: one row per flagged latest outcome and check (outlier, duplicate_evidence, outside_contract), with
 *   the detail that explains it. duplicate_evidence and outside_contract are kept current by a rollup refresher in
 *   the transaction of each import batch; outliers depend on a measure's whole distribution, so a batch only marks
 *   its measures in quality_dirty_measures and they are recomputed before the next read of the flags.
 * - quality_outlier_stats: the median and MAD of value per £ of contract value of each measure's latest outcomes.
 * - an index on the normalised evidence reference of latest outcomes (the duplicate check looks references up).
 */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `create table quality_flags (
      id bigint generated always as identity primary key,
      flag text not null check (flag in ('outlier', 'duplicate_evidence', 'outside_contract')),
      outcome_id bigint not null references outcomes (id) on delete cascade,
      contract_id bigint not null references contracts (id) on delete cascade,
      measure_id integer not null references measures (id) on delete cascade,
      evidence_key text,
      detail jsonb not null default '{}'
    )`,
    `create index quality_flags_outcome_idx on quality_flags (outcome_id)`,
    `create index quality_flags_contract_idx on quality_flags (contract_id)`,
    `create index quality_flags_measure_idx on quality_flags (measure_id, flag)`,
    `create index quality_flags_evidence_idx on quality_flags (evidence_key) where evidence_key is not null`,
    `create table quality_outlier_stats (
      measure_id integer primary key references measures (id) on delete cascade,
      n integer not null check (n >= 0),
      median double precision,
      mad double precision,
      flagged integer not null default 0,
      factors_hash text,
      refreshed_at timestamptz not null default now()
    )`,
    `create table quality_dirty_measures (measure_id integer not null)`,
    `create index outcomes_evidence_key_idx on outcomes (lower(btrim(evidence_ref))) where is_latest and evidence_ref is not null`,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    'drop index outcomes_evidence_key_idx',
    'drop table quality_dirty_measures',
    'drop table quality_outlier_stats',
    'drop table quality_flags',
  ]);
}
