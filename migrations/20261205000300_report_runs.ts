import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * What the reports need beyond the first schema (20261122000500_reports_schema):
 * - a schedule says whether its reports are published publicly, and the last due time it ran for (catch-up at start
 *   runs a missed tick once, not once per missed tick);
 * - a run of a schedule carries the due time it is for, unique per schedule: two instances at the same tick cannot
 *   both insert it (the advisory lock around the insert only orders them; the key makes a duplicate impossible);
 * - a run keeps the view model it was rendered from (`data_json`, the exact bytes served at
 *   /api/v1/reports/runs/{id}/data.json) with its SHA-256, the template version, its timings, whether it is public,
 *   the authorities its supplier-level sections were read for, and its attempts: a failed attempt goes back to the
 *   queue with a time before which it is not retried, then fails for good with its reason;
 * - a running run's heartbeat: a run whose process died stops beating and is failed (at start and by the batch check).
 */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `alter table report_schedules
      add column published boolean not null default false,
      add column last_due_at timestamptz`,
    `alter table report_runs
      add column due_at timestamptz,
      add column published boolean not null default false,
      add column supplier_scope text[],
      add column include_supplier_data boolean not null default false,
      add column attempts integer not null default 0 check (attempts >= 0),
      add column max_attempts integer not null default 3 check (max_attempts >= 1),
      add column not_before timestamptz not null default now(),
      add column heartbeat_at timestamptz,
      add column worker text,
      add column title text,
      add column template_version text,
      add column data_json bytea,
      add column data_sha256 char(64) check (data_sha256 ~ '^[0-9a-f]{64}$'),
      add column timings jsonb,
      add check ((schedule_id is null) = (due_at is null) or schedule_id is null),
      add check (status <> 'succeeded' or (data_json is not null and data_sha256 is not null))`,
    `create unique index report_runs_schedule_due_key on report_runs (schedule_id, due_at) where due_at is not null`,
    `create index report_runs_published_idx on report_runs (finished_at desc) where published and status = 'succeeded'`,
    `drop index report_runs_status_idx`,
    `create index report_runs_queue_idx on report_runs (not_before, id) where status in ('queued', 'running')`,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `drop index report_runs_queue_idx`,
    `create index report_runs_status_idx on report_runs (status) where status in ('queued', 'running')`,
    `drop index report_runs_published_idx`,
    `drop index report_runs_schedule_due_key`,
    `alter table report_runs
      drop column due_at, drop column published, drop column supplier_scope, drop column include_supplier_data,
      drop column attempts, drop column max_attempts, drop column not_before, drop column heartbeat_at, drop column worker,
      drop column title, drop column template_version, drop column data_json, drop column data_sha256, drop column timings`,
    `alter table report_schedules drop column published, drop column last_due_at`,
  ]);
}
