import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../../metrics/platform/errors';
import type { ReadScope } from '../../metrics/reference/read-filter/read-filter';
import { parseReportParams } from '../catalogue';
import { REPORTS_OPTIONS, type ReportsOptions } from '../options';
import { ReportsService } from '../reports.service';
import { ReportRunsRepository, type ReportRun } from './report-runs.repository';

/** Who asks for a run: a key (its id, and the authorities whose supplier-level rows it reads: null, every one). */
export interface Requester {
  keyId: number | null;
  scope: ReadScope;
}

/** The wait before retrying a run that failed its `attempt`-th time: the base, doubled at each attempt. */
export function retryDelay(attempt: number, baseMs: number): number {
  return baseMs * 2 ** Math.max(0, attempt - 1);
}

/**
 * The report queue: runs are rows of report_runs (queued, running, succeeded, failed). Any instance with a worker
 * takes due runs (claimed with `for update skip locked`), up to `concurrency` at once; a failed attempt goes back to
 * the queue with back-off and, at the last attempt, fails with its reason. A run whose process died (no heartbeat) is
 * failed at start and by each look at the queue.
 */
@Injectable()
export class ReportRunsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Reports');
  readonly worker = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private active = 0;
  private timer?: NodeJS.Timeout;
  private stopping = false;
  private readonly running = new Set<Promise<void>>();
  private looking?: Promise<void>;
  private again = false;

  constructor(
    private readonly runs: ReportRunsRepository,
    private readonly reports: ReportsService,
    @Inject(REPORTS_OPTIONS) private readonly options: ReportsOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.worker) return;
    const failed = await this.runs.failStale(this.options.staleMs);
    if (failed.length) this.logger.warn({ msg: 'report runs left running by a stopped process failed', runs: failed });
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.looking;
    await Promise.all([...this.running]);
  }

  /**
   * Queues a run of a report for a requester: its parameters checked first (400 naming the field). A published run is
   * made for the public: no supplier-level section, whoever asks.
   */
  async request(report: string, raw: Record<string, unknown>, by: Requester, options: { publish: boolean; kick?: boolean }): Promise<ReportRun> {
    const { entry, params } = parseReportParams(report, raw);
    // the builder's reads check that the authority, theme, region and sector exist: a model now refuses bad ones (400/404)
    await this.reports.check(entry.name, params);
    const run = await this.runs.insert({
      report: entry.name,
      params: params as unknown as Record<string, string>,
      published: options.publish,
      include_supplier_data: !options.publish,
      supplier_scope: options.publish ? null : by.scope.authorities,
      requested_by_key_id: by.keyId,
      max_attempts: this.options.attempts,
      title: entry.title,
    });
    if (options.kick !== false) this.kick();
    return run;
  }

  /**
   * Requests a run and prints it in this process, now (the CLI, here or through the running service): one attempt, no
   * queue wait. Resolves with the run as it ended and, when it succeeded, its PDF.
   */
  async printNow(report: string, raw: Record<string, unknown>, options: { publish: boolean }): Promise<{ run: ReportRun; pdf: Buffer | null }> {
    const queued = await this.request(report, raw, { keyId: null, scope: { authorities: null } }, { ...options, kick: false });
    const run = await this.runs.claimById(queued.id, this.worker);
    if (run) await this.execute(run, { retry: false });
    else for (let i = 0; i < 6000 && ['queued', 'running'].includes((await this.get(queued.id)).status); i++) await new Promise((r) => setTimeout(r, 100));
    const ended = await this.get(queued.id);
    return { run: ended, pdf: ended.status === 'succeeded' ? ((await this.runs.file(ended.id, 'pdf')) ?? null) : null };
  }

  async get(id: number): Promise<ReportRun> {
    const run = await this.runs.find(id);
    if (!run) throw new DomainError('not_found', `No report run ${id}`, { run: id });
    return run;
  }

  /** Looks at the queue now (after a run is queued here or by a schedule). */
  kick(): void {
    if (!this.options.worker || this.stopping) return;
    if (this.looking) {
      this.again = true;
      return;
    }
    this.looking = this.look().finally(() => {
      this.looking = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async look(): Promise<void> {
    clearTimeout(this.timer);
    try {
      await this.runs.failStale(this.options.staleMs);
      while (!this.stopping && this.active < this.options.concurrency) {
        const run = await this.runs.claim(this.worker);
        if (!run) break;
        this.active++;
        const p = this.execute(run).finally(() => {
          this.active--;
          this.running.delete(p);
          this.kick();
        });
        this.running.add(p);
      }
    } catch (err) {
      this.logger.error({ msg: 'the report queue could not be read', err });
    }
    if (this.stopping) return;
    const next = await this.runs.nextDue().catch(() => null);
    const wait = next ? Math.min(this.options.pollMs, Math.max(50, next.getTime() - Date.now())) : this.options.pollMs;
    this.timer = setTimeout(() => this.kick(), wait);
    this.timer.unref();
  }

  private async execute(run: ReportRun, how: { retry: boolean } = { retry: true }): Promise<void> {
    const beat = setInterval(() => void this.runs.heartbeat(run.id, this.worker).catch(() => undefined), Math.max(1000, this.options.staleMs / 4));
    beat.unref();
    const started = Date.now();
    try {
      const scope = run.include_supplier_data ? { authorities: run.supplier_scope } : null;
      const made = await this.reports.produce(run.report, run.params, scope, {
        printedAt: new Date().toISOString(),
        dataUrl: `/api/v1/reports/runs/${run.id}/data.json`,
      });
      await this.runs.succeed(run.id, this.worker, {
        pdf: made.pdf,
        pdf_sha256: made.pdfSha256,
        data_json: made.dataJson,
        data_sha256: made.dataSha256,
        page_count: made.pages,
        template_version: made.model.snapshot.template_version,
        timings: { ...made.timings, total_ms: Date.now() - started },
      });
      this.logger.log({ msg: 'report printed', run: run.id, report: run.report, pages: made.pages, bytes: made.pdf.length, ms: Date.now() - started });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      // a bad parameter fails at once: trying again gives the same answer
      const last = !how.retry || run.attempts >= run.max_attempts || (err instanceof DomainError && err.code !== 'database_unavailable');
      const retryIn = last ? null : retryDelay(run.attempts, this.options.retryBaseMs);
      await this.runs.fail(run.id, this.worker, `Attempt ${run.attempts} of ${run.max_attempts}: ${reason}`, retryIn).catch((e: Error) =>
        this.logger.error({ msg: 'a report run could not be marked failed', run: run.id, err: e }),
      );
      this.logger.warn({ msg: last ? 'report run failed' : 'report run failed; retrying', run: run.id, attempt: run.attempts, retry_in_ms: retryIn, reason });
    } finally {
      clearInterval(beat);
    }
  }
}
