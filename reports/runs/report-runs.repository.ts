import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../metrics/platform/tokens';

/** A run of a report as the API shows it (the PDF and data.json bytes are read apart). */
export interface ReportRun {
  id: number;
  schedule_id: number | null;
  report: string;
  params: Record<string, string>;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  published: boolean;
  include_supplier_data: boolean;
  supplier_scope: string[] | null;
  title: string | null;
  requested_by_key_id: number | null;
  requested_at: Date;
  due_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  attempts: number;
  max_attempts: number;
  not_before: Date;
  error: string | null;
  page_count: number | null;
  pdf_bytes: number | null;
  pdf_sha256: string | null;
  data_sha256: string | null;
  template_version: string | null;
  timings: Record<string, number> | null;
}

export const RUN_COLUMNS = [
  'id', 'schedule_id', 'report', 'params', 'status', 'published', 'include_supplier_data', 'supplier_scope', 'title',
  'requested_by_key_id', 'requested_at', 'due_at', 'started_at', 'finished_at', 'attempts', 'max_attempts', 'not_before',
  'error', 'page_count', 'pdf_bytes', 'pdf_sha256', 'data_sha256', 'template_version', 'timings',
];

export interface NewRun {
  report: string;
  params: Record<string, string>;
  published: boolean;
  include_supplier_data: boolean;
  supplier_scope: string[] | null;
  requested_by_key_id: number | null;
  max_attempts: number;
  title: string;
}

export interface FinishedRun {
  pdf: Buffer;
  pdf_sha256: string;
  data_json: Buffer;
  data_sha256: string;
  page_count: number;
  template_version: string;
  timings: Record<string, number>;
}

/** The data a report is made from, in a line: when the data last changed and the last import batch committed. */
export interface SnapshotFacts {
  as_of: string | null;
  last_batch: { id: number; kind: string; finished_at: string } | null;
}

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : typeof v === 'string' ? new Date(v).toISOString() : null);

/**
 * Report runs (the queue and its record) and the snapshot facts a report prints. A run is claimed with
 * `for update skip locked`: two workers, on one instance or two, never take the same run.
 */
@Injectable()
export class ReportRunsRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  async snapshot(): Promise<SnapshotFacts> {
    const [version] = await this.knex('data_version').select('changed_at');
    const batch = await this.knex('import_batches')
      .where({ status: 'committed' })
      .orderBy('id', 'desc')
      .first('id', 'kind', this.knex.raw('coalesce(finished_at, created_at) as finished_at'));
    return {
      as_of: iso(version?.changed_at),
      last_batch: batch ? { id: Number(batch.id), kind: String(batch.kind), finished_at: iso(batch.finished_at)! } : null,
    };
  }

  async insert(run: NewRun): Promise<ReportRun> {
    const [row] = await this.knex('report_runs')
      .insert({ ...run, params: JSON.stringify(run.params), supplier_scope: run.supplier_scope })
      .returning(RUN_COLUMNS);
    return normal(row);
  }

  async find(id: number): Promise<ReportRun | undefined> {
    const row = await this.knex('report_runs').where({ id }).first(RUN_COLUMNS);
    return row ? normal(row) : undefined;
  }

  async list(filter: { published?: boolean; status?: string; report?: string; requestedBy?: number; limit: number; offset: number }): Promise<{ runs: ReportRun[]; total: number }> {
    const q = this.knex('report_runs');
    if (filter.published !== undefined) q.where({ published: filter.published });
    if (filter.status) q.where({ status: filter.status });
    if (filter.report) q.where({ report: filter.report });
    if (filter.requestedBy !== undefined) q.where({ requested_by_key_id: filter.requestedBy });
    const [{ n }] = await q.clone().count<{ n: string }[]>({ n: '*' });
    const rows = await q.orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).select(RUN_COLUMNS);
    return { runs: rows.map(normal), total: Number(n) };
  }

  /** The published reports, newest first (the /reports page and its feed). */
  async published(limit: number): Promise<ReportRun[]> {
    const rows = await this.knex('report_runs').where({ published: true, status: 'succeeded' }).orderBy('finished_at', 'desc').orderBy('id', 'desc').limit(limit).select(RUN_COLUMNS);
    return rows.map(normal);
  }

  async file(id: number, which: 'pdf' | 'data_json'): Promise<Buffer | undefined> {
    const row = await this.knex('report_runs').where({ id, status: 'succeeded' }).first(which);
    return row ? Buffer.from(row[which] as Uint8Array) : undefined;
  }

  /** Takes the oldest queued run that is due (none: undefined), marking it running for this worker. */
  async claim(worker: string): Promise<ReportRun | undefined> {
    const { rows } = await this.knex.raw(
      `update report_runs set status = 'running', started_at = now(), heartbeat_at = now(), attempts = attempts + 1, worker = ?
        where id = (select id from report_runs where status = 'queued' and not_before <= now() order by not_before, id limit 1 for update skip locked)
        returning ${RUN_COLUMNS.join(', ')}`,
      [worker],
    );
    return rows[0] ? normal(rows[0]) : undefined;
  }

  /** Takes this queued run, if no worker has (undefined: another has it). */
  async claimById(id: number, worker: string): Promise<ReportRun | undefined> {
    const { rows } = await this.knex.raw(
      `update report_runs set status = 'running', started_at = now(), heartbeat_at = now(), attempts = attempts + 1, worker = ?
        where id = (select id from report_runs where id = ? and status = 'queued' for update skip locked)
        returning ${RUN_COLUMNS.join(', ')}`,
      [worker, id],
    );
    return rows[0] ? normal(rows[0]) : undefined;
  }

  async heartbeat(id: number, worker: string): Promise<void> {
    await this.knex('report_runs').where({ id, worker, status: 'running' }).update({ heartbeat_at: this.knex.fn.now() });
  }

  async succeed(id: number, worker: string, done: FinishedRun): Promise<boolean> {
    const n = await this.knex('report_runs')
      .where({ id, worker, status: 'running' })
      .update({
        status: 'succeeded', finished_at: this.knex.fn.now(), error: null, pdf: done.pdf, pdf_sha256: done.pdf_sha256, pdf_bytes: done.pdf.length,
        data_json: done.data_json, data_sha256: done.data_sha256, page_count: done.page_count, template_version: done.template_version,
        timings: JSON.stringify(done.timings),
      });
    return n === 1;
  }

  /** A failed attempt: back in the queue after `retryInMs`, or failed for good when it was the last. */
  async fail(id: number, worker: string, error: string, retryInMs: number | null): Promise<void> {
    const q = this.knex('report_runs').where({ id, worker, status: 'running' });
    if (retryInMs === null) await q.update({ status: 'failed', finished_at: this.knex.fn.now(), error });
    else await q.update({ status: 'queued', error, not_before: this.knex.raw(`now() + (? || ' milliseconds')::interval`, [String(retryInMs)]) });
  }

  /** Runs left `running` by a process that stopped (no heartbeat for `staleMs`): failed with the reason. */
  async failStale(staleMs: number): Promise<number[]> {
    const { rows } = await this.knex.raw(
      `update report_runs set status = 'failed', finished_at = now(),
          error = 'The process rendering it stopped (worker ' || coalesce(worker, 'unknown') || ', last heartbeat ' || coalesce(heartbeat_at::text, 'never') || ')'
        where status = 'running' and coalesce(heartbeat_at, started_at, requested_at) < now() - (? || ' milliseconds')::interval
        returning id`,
      [String(staleMs)],
    );
    return (rows as { id: string }[]).map((r) => Number(r.id));
  }

  /** The next time a queued run becomes due (to sleep until then), or null. */
  async nextDue(): Promise<Date | null> {
    const row = await this.knex('report_runs').where({ status: 'queued' }).min<{ t: Date | null }>({ t: 'not_before' }).first();
    return row?.t ? new Date(row.t) : null;
  }
}

function normal(row: Record<string, unknown>): ReportRun {
  return {
    ...(row as unknown as ReportRun),
    id: Number(row.id),
    params: (typeof row.params === 'string' ? JSON.parse(row.params) : row.params) as Record<string, string>,
    timings: (typeof row.timings === 'string' ? JSON.parse(row.timings) : row.timings) as Record<string, number> | null,
  };
}
