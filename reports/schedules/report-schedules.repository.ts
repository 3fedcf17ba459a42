import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { DomainError } from '../../metrics/platform/errors';
import { waitForLock } from '../../metrics/platform/locks';
import { knexSession } from '../../metrics/platform/session';
import { KNEX } from '../../metrics/platform/tokens';

/** A report schedule as stored (report_schedules). */
export interface ReportSchedule {
  id: number;
  name: string;
  report: string;
  params: Record<string, string>;
  cron: string;
  timezone: string;
  enabled: boolean;
  published: boolean;
  created_by_key_id: number | null;
  created_at: Date;
  updated_at: Date;
  /** When the schedule last queued a run, and the due time (occurrence) of the latest run queued for it. */
  last_run_at: Date | null;
  last_due_at: Date | null;
}

/** What a schedule is made of (the rest is kept by the database). */
export interface ScheduleFields {
  name: string;
  report: string;
  params: Record<string, string>;
  cron: string;
  timezone: string;
  enabled: boolean;
  published: boolean;
}

/** A run a schedule queues for one due time. */
export interface ScheduledRun {
  report: string;
  params: Record<string, string>;
  published: boolean;
  include_supplier_data: boolean;
  requested_by_key_id: number | null;
  max_attempts: number;
  title: string;
}

/** A recent run of a schedule, in short. */
export interface ScheduleRunLine {
  id: number;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  due_at: Date | null;
  requested_at: Date;
  finished_at: Date | null;
  published: boolean;
  error: string | null;
}

/** What became of a tick: a run queued, one there already (another instance queued it), or none (and why). */
export type TickOutcome =
  | { outcome: 'queued'; run: number }
  | { outcome: 'exists' }
  | { outcome: 'skipped'; reason: 'deleted' | 'disabled' | 'changed' };

const COLUMNS = ['id', 'name', 'report', 'params', 'cron', 'timezone', 'enabled', 'published', 'created_by_key_id', 'created_at', 'updated_at', 'last_run_at', 'last_due_at'];

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));

function normal(row: Record<string, unknown>): ReportSchedule {
  return {
    id: Number(row.id),
    name: String(row.name),
    report: String(row.report),
    params: (typeof row.params === 'string' ? JSON.parse(row.params) : (row.params ?? {})) as Record<string, string>,
    cron: String(row.cron),
    timezone: String(row.timezone),
    enabled: Boolean(row.enabled),
    published: Boolean(row.published),
    created_by_key_id: row.created_by_key_id === null || row.created_by_key_id === undefined ? null : Number(row.created_by_key_id),
    created_at: date(row.created_at)!,
    updated_at: date(row.updated_at)!,
    last_run_at: date(row.last_run_at),
    last_due_at: date(row.last_due_at),
  };
}

function nameTaken(err: unknown, name: string): never {
  if ((err as { code?: string }).code === '23505') {
    throw new DomainError('conflict', `A report schedule named ${JSON.stringify(name)} exists already`, { field: 'name', value: name });
  }
  throw err;
}

/**
 * Report schedules (report_schedules) and the queueing of a tick: in one transaction, under the schedule's advisory
 * lock, the run for its due time is inserted unless there is one (the unique key on schedule and due time makes a
 * second impossible), and the schedule's last due time moves on.
 */
@Injectable()
export class ReportSchedulesRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  async list(filter: { enabled?: boolean } = {}): Promise<ReportSchedule[]> {
    const q = this.knex('report_schedules');
    if (filter.enabled !== undefined) q.where({ enabled: filter.enabled });
    return (await q.orderBy('id').select(COLUMNS)).map(normal);
  }

  async find(id: number): Promise<ReportSchedule | undefined> {
    const row = await this.knex('report_schedules').where({ id }).first(COLUMNS);
    return row ? normal(row) : undefined;
  }

  async insert(fields: ScheduleFields, createdBy: number | null): Promise<ReportSchedule> {
    try {
      const [row] = await this.knex('report_schedules')
        .insert({ ...fields, params: JSON.stringify(fields.params), created_by_key_id: createdBy })
        .returning(COLUMNS);
      return normal(row);
    } catch (err) {
      return nameTaken(err, fields.name);
    }
  }

  async update(id: number, fields: ScheduleFields): Promise<ReportSchedule | undefined> {
    try {
      const [row] = await this.knex('report_schedules')
        .where({ id })
        .update({ ...fields, params: JSON.stringify(fields.params), updated_at: this.knex.fn.now() })
        .returning(COLUMNS);
      return row ? normal(row) : undefined;
    } catch (err) {
      return nameTaken(err, fields.name);
    }
  }

  /** Deletes the schedule (its runs stay, their schedule_id set null by the foreign key): whether there was one. */
  async delete(id: number): Promise<boolean> {
    return (await this.knex('report_schedules').where({ id }).delete().returning('id')).length > 0;
  }

  /** The schedule's latest runs, newest due time first. */
  async recentRuns(scheduleId: number, limit: number): Promise<ScheduleRunLine[]> {
    const rows = await this.knex('report_runs')
      .where({ schedule_id: scheduleId })
      .orderByRaw('due_at desc nulls last, id desc')
      .limit(limit)
      .select('id', 'status', 'due_at', 'requested_at', 'finished_at', 'published', 'error');
    return rows.map((r: Record<string, unknown>) => ({
      id: Number(r.id),
      status: r.status as ScheduleRunLine['status'],
      due_at: date(r.due_at),
      requested_at: date(r.requested_at)!,
      finished_at: date(r.finished_at),
      published: Boolean(r.published),
      error: (r.error as string | null) ?? null,
    }));
  }

  /**
   * Queues the run of schedule `id` for `due`, once whoever asks: under the schedule's advisory lock (waited for, to
   * the end of the transaction), `decide` is given the schedule as it is now (its row locked; undefined: deleted) and says which run
   * to queue, or why none; the insert does nothing when the (schedule, due time) run exists; the schedule's
   * last_due_at moves on to `due` (never back) and last_run_at is set when this call queued the run.
   */
  async queueTick(id: number, due: Date, decide: (schedule: ReportSchedule | undefined) => ScheduledRun | { skip: 'deleted' | 'disabled' | 'changed' }): Promise<TickOutcome> {
    return this.knex.transaction(async (trx) => {
      await waitForLock(knexSession(trx), 'reportSchedule', String(id));
      // the row locked too: a change or deletion committed before this read is seen; one after it waits for this tick
      const row = await trx('report_schedules').where({ id }).forUpdate().first(COLUMNS);
      const decided = decide(row ? normal(row) : undefined);
      if ('skip' in decided) return { outcome: 'skipped', reason: decided.skip } as const;
      const { rows } = await trx.raw(
        `insert into report_runs (schedule_id, due_at, report, params, published, include_supplier_data, supplier_scope, requested_by_key_id, max_attempts, title)
          values (?, ?::timestamptz, ?, ?::jsonb, ?, ?, null, ?, ?, ?)
          on conflict (schedule_id, due_at) where due_at is not null do nothing
          returning id`,
        [id, due.toISOString(), decided.report, JSON.stringify(decided.params), decided.published, decided.include_supplier_data, decided.requested_by_key_id, decided.max_attempts, decided.title],
      );
      const run = rows[0] ? Number(rows[0].id) : null;
      await trx.raw(
        `update report_schedules set last_due_at = greatest(last_due_at, ?::timestamptz), last_run_at = case when ? then now() else last_run_at end where id = ?`,
        [due.toISOString(), run !== null, id],
      );
      return run !== null ? ({ outcome: 'queued', run } as const) : ({ outcome: 'exists' } as const);
    });
  }
}
