import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/** The normalised evidence reference (trimmed, lower case; none when blank), as the refresher reads it. */
const KEY = `case when btrim(evidence_ref) <> '' then lower(btrim(evidence_ref)) end`;

/**
 * Data quality flags on outcome returns (metrics/quality):
 * - quality_flags: one row per flagged latest outcome and check (outlier, duplicate_evidence, outside_contract), with
 *   the detail that explains it. duplicate_evidence and outside_contract are kept current by a rollup refresher in
 *   the transaction of each import batch; outliers depend on a measure's whole distribution, so a batch only marks
 *   its measures in quality_dirty_measures and they are recomputed in the background (or before the next read of the
 *   flags, whichever comes first).
 * - quality_outlier_stats: the median and MAD of value per £ of contract value of each measure's latest outcomes.
 * - quality_dirty_outcomes: each latest outcome row a statement wrote (sign 1: as it is now) or retired, changed or
 *   deleted (sign -1: as it was), with what the checks read (contract, measure, period, normalised evidence
 *   reference), in the order written (seq); recorded by statement-level triggers with transition tables, so every path
 *   that writes outcomes is covered and the refresh reads the changes rather than the outcomes of their contracts.
 *   Summed by contract and reference, the signs give how many more latest outcomes of a contract hold a reference.
 * - quality_dirty_contracts: contracts whose dates, value or reference changed (their outcomes are re-checked).
 * - quality_dirty_measures: measures whose outliers are to be recomputed.
 * - an index on the normalised evidence reference of latest outcomes, with the contract (the duplicate check counts
 *   the contracts holding a reference), and statistics on that expression.
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
      detail jsonb not null default '{}',
      check ((flag = 'duplicate_evidence') = (evidence_key is not null))
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
    `create table quality_dirty_outcomes (
      seq bigint generated always as identity,
      outcome_id bigint not null,
      sign smallint not null check (sign in (-1, 1)),
      contract_id bigint not null,
      measure_id integer not null,
      period_start date not null,
      period_end date not null,
      evidence_key text
    )`,
    `create table quality_dirty_contracts (contract_id bigint not null)`,
    `create index outcomes_evidence_key_idx on outcomes (lower(btrim(evidence_ref)), contract_id) where is_latest and evidence_ref is not null`,
    // the planner ignores the statistics of a partial index's expression: without these it guesses thousands of
    // outcomes per reference, and a lookup of a few thousand references crosses the JIT threshold (0.2 s to compile)
    `create statistics outcomes_evidence_key_stats on (lower(btrim(evidence_ref))) from outcomes`,
    // the rows as they were go first, so that within a statement the row as it is now comes last in seq
    `create function quality_mark_outcomes() returns trigger language plpgsql as $$
     begin
       if tg_op in ('DELETE', 'UPDATE') then
         insert into quality_dirty_outcomes (outcome_id, sign, contract_id, measure_id, period_start, period_end, evidence_key)
           select id, -1, contract_id, measure_id, period_start, period_end, ${KEY} from quality_old where is_latest;
       end if;
       if tg_op in ('INSERT', 'UPDATE') then
         insert into quality_dirty_outcomes (outcome_id, sign, contract_id, measure_id, period_start, period_end, evidence_key)
           select id, 1, contract_id, measure_id, period_start, period_end, ${KEY} from quality_new where is_latest;
       end if;
       return null;
     end $$`,
    `create function quality_mark_contracts() returns trigger language plpgsql as $$
     begin
       insert into quality_dirty_contracts (contract_id)
         select n.id from quality_old o join quality_new n on n.id = o.id
         where o.start_date is distinct from n.start_date or o.end_date is distinct from n.end_date
           or o.value_gbp is distinct from n.value_gbp or o.reference <> n.reference;
       return null;
     end $$`,
    `create trigger outcomes_quality_ins after insert on outcomes referencing new table as quality_new
      for each statement execute function quality_mark_outcomes()`,
    `create trigger outcomes_quality_upd after update on outcomes referencing old table as quality_old new table as quality_new
      for each statement execute function quality_mark_outcomes()`,
    `create trigger outcomes_quality_del after delete on outcomes referencing old table as quality_old
      for each statement execute function quality_mark_outcomes()`,
    `create trigger contracts_quality_upd after update on contracts referencing old table as quality_old new table as quality_new
      for each statement execute function quality_mark_contracts()`,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    'drop trigger contracts_quality_upd on contracts',
    'drop trigger outcomes_quality_del on outcomes',
    'drop trigger outcomes_quality_upd on outcomes',
    'drop trigger outcomes_quality_ins on outcomes',
    'drop function quality_mark_contracts()',
    'drop function quality_mark_outcomes()',
    'drop statistics outcomes_evidence_key_stats',
    'drop index outcomes_evidence_key_idx',
    'drop table quality_dirty_contracts',
    'drop table quality_dirty_outcomes',
    'drop table quality_dirty_measures',
    'drop table quality_outlier_stats',
    'drop table quality_flags',
  ]);
}
