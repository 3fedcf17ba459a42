import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * What the Procurement Act 2023's own notices publish, kept beside what returns say:
 * - a contract's KPIs (UK7 contract details notice: `contracts[].agreedMetrics`), or why it has none
 *   (`noAgreedMetricsRationale`);
 * - the buyer's ratings of the supplier's performance against them (UK9 contract performance notice:
 *   `implementation.metrics[].observations[]` with `measureClassification`): every notice is kept, a later one for the
 *   same KPI and period supersedes an earlier one when read (nothing is overwritten);
 * - performance failures (penalties, partial termination) and contract changes, terminations and cancellations
 *   (UK10 to UK12);
 * - the UK7 supplier flags beyond SME and VCSE: supported employment provider, public service mutual;
 * - payments compliance (s.69, regulation 38): each authority's average days to pay and shares paid in 1-30, 31-60
 *   and 61+ days and not paid when due, per six-month period, imported as a return (kind `payments`).
 */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `alter table import_batches drop constraint import_batches_kind_check`,
    `alter table import_batches add constraint import_batches_kind_check
      check (kind in ('contracts', 'commitments', 'outcomes', 'ocds', 'framework', 'payments'))`,
    `alter table contracts add column kpi_rationale text`,
    `alter table suppliers
      add column supported_employment boolean,
      add column public_service_mutual boolean`,
    `create table contract_kpis (
      id bigint generated always as identity primary key,
      contract_id bigint not null references contracts (id) on delete cascade,
      metric_id text not null check (length(metric_id) > 0),
      title text,
      description text,
      release_id text not null,
      release_date timestamptz not null,
      batch_id bigint references import_batches (id) on delete set null,
      unique (contract_id, metric_id)
    )`,
    `create table contract_performance (
      id bigint generated always as identity primary key,
      contract_id bigint not null references contracts (id) on delete cascade,
      metric_id text not null,
      observation_id text not null,
      period_start date not null,
      period_end date not null check (period_end >= period_start),
      classification text not null check (classification in ('met', 'slightlyBelow', 'below', 'significantlyBelow', 'other')),
      rating text not null check (rating in ('good', 'approaching_target', 'requires_improvement', 'inadequate', 'other')),
      notes text,
      supplier_id bigint references suppliers (id) on delete set null,
      release_id text not null,
      release_date timestamptz not null,
      batch_id bigint references import_batches (id) on delete set null,
      unique (contract_id, release_id, metric_id, observation_id)
    )`,
    `create index contract_performance_key_idx on contract_performance (contract_id, metric_id, period_start, period_end, release_date desc)`,
    `create table performance_failures (
      id bigint generated always as identity primary key,
      contract_id bigint not null references contracts (id) on delete cascade,
      failure_key text not null,
      requirement text,
      description text,
      decision_date date,
      penalty_date date,
      penalty_type text,
      penalty_value_gbp numeric(20, 2),
      partial_termination text,
      release_id text not null,
      release_date timestamptz not null,
      batch_id bigint references import_batches (id) on delete set null,
      unique (contract_id, failure_key)
    )`,
    `create table contract_events (
      id bigint generated always as identity primary key,
      contract_id bigint not null references contracts (id) on delete cascade,
      kind text not null check (kind in ('change', 'termination', 'cancellation')),
      event_key text not null,
      event_date date,
      description text,
      rationale text,
      release_id text not null,
      release_date timestamptz not null,
      batch_id bigint references import_batches (id) on delete set null,
      unique (contract_id, kind, event_key)
    )`,
    `create table payment_compliance (
      id bigint generated always as identity primary key,
      authority_id integer not null references authorities (id) on delete cascade,
      period_start date not null,
      period_end date not null check (period_end > period_start),
      average_days numeric(8, 2) not null check (average_days >= 0),
      pct_1_30 numeric(6, 2) not null check (pct_1_30 between 0 and 100),
      pct_31_60 numeric(6, 2) not null check (pct_31_60 between 0 and 100),
      pct_61_plus numeric(6, 2) not null check (pct_61_plus between 0 and 100),
      pct_not_paid_when_due numeric(6, 2) not null check (pct_not_paid_when_due between 0 and 100),
      batch_id bigint references import_batches (id) on delete set null,
      is_demo boolean not null default false,
      updated_at timestamptz not null default now(),
      unique (authority_id, period_start, period_end)
    )`,
    // public reads (the contract's page, the indicators, the agreement) use each: a write moves the data version
    ...['contract_kpis', 'contract_performance', 'performance_failures', 'contract_events', 'payment_compliance'].map(
      (t) => `create trigger ${t}_data_version after insert or update or delete or truncate on ${t}
        for each statement execute function data_version_mark()`,
    ),
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `drop table payment_compliance`,
    `drop table contract_events`,
    `drop table performance_failures`,
    `drop table contract_performance`,
    `drop table contract_kpis`,
    `alter table suppliers drop column supported_employment, drop column public_service_mutual`,
    `alter table contracts drop column kpi_rationale`,
    `alter table import_batches drop constraint import_batches_kind_check`,
    `alter table import_batches add constraint import_batches_kind_check
      check (kind in ('contracts', 'commitments', 'outcomes', 'ocds', 'framework'))`,
  ]);
}
