import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/** Scheduled PDF reports and each run of one (status, timings, error, the PDF and its SHA-256). */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `create table report_schedules (
      id integer generated always as identity primary key,
      name text not null unique check (length(btrim(name)) > 0),
      report text not null check (report ~ '^[a-z][a-z0-9-]*$'),
      params jsonb not null default '{}'::jsonb check (jsonb_typeof(params) = 'object'),
      cron text not null check (length(btrim(cron)) > 0),
      timezone text not null default 'Europe/London',
      enabled boolean not null default true,
      created_by_key_id integer references api_keys (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      last_run_at timestamptz
    )`,
    `create table report_runs (
      id bigint generated always as identity primary key,
      schedule_id integer references report_schedules (id) on delete set null,
      report text not null check (report ~ '^[a-z][a-z0-9-]*$'),
      params jsonb not null default '{}'::jsonb check (jsonb_typeof(params) = 'object'),
      status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed')),
      requested_by_key_id integer references api_keys (id) on delete set null,
      requested_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      error text,
      pdf bytea,
      pdf_sha256 char(64) check (pdf_sha256 ~ '^[0-9a-f]{64}$'),
      pdf_bytes integer check (pdf_bytes >= 0),
      page_count integer check (page_count >= 0),
      check (status <> 'succeeded' or (pdf is not null and pdf_sha256 is not null))
    )`,
    `create index report_runs_schedule_idx on report_runs (schedule_id, requested_at desc)`,
    `create index report_runs_status_idx on report_runs (status) where status in ('queued', 'running')`,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, ['drop table report_runs', 'drop table report_schedules']);
}
