import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import { isConnectionFailure, type Database } from '../../platform/database';
import { DerivedDataService, type RefreshResult } from '../../derive/derived-data.service';
import { DomainError } from '../../platform/errors';
import { METRICS_OPTIONS, type MetricsOptions } from '../../platform/options';
import { transaction, withSession } from '../../platform/session';
import { DATABASE } from '../../platform/tokens';
import { checkRow, IMPORT_KINDS, stageLine, type ImportKind } from './import-rows';
import { HEARTBEAT_MS, orphanReason, processAlive } from './batch-check';
import {
  BatchNoLongerOpenError,
  ImportsRepository,
  STAGE_TABLE,
  stageColumns,
  type BatchCounts,
  type BatchOwner,
  type BatchRecord,
} from './imports.repository';
import { arrowRows, csvRows, formatOf, jsonRows, meterUpload, type ByteMeter, type SourceRow } from './row-sources';

export interface ImportSender {
  /** The API key that sent it (null for the demo loader). */
  keyId: number | null;
  /** Authority codes the sender may write for; null for every authority (admin). */
  allowed: string[] | null;
}

/** What opening a batch needs of any import. */
export interface BatchRequest {
  kind: string;
  mode?: string;
  contentType?: string | null;
  fileName?: string | null;
  idempotencyKey?: string | null;
  sender: ImportSender;
  isDemo?: boolean;
  /** The body, drained when the batch is a replay. */
  stream?: Readable;
}

export interface ImportRequest {
  kind: string;
  /** The batch's kind when it is not the rows' (exchange: a confirmed delivery's outcome return, rows of outcomes). */
  batchKind?: 'exchange';
  mode?: string;
  contentType?: string;
  fileName?: string | null;
  idempotencyKey?: string | null;
  /** CSV and Arrow: the request stream. */
  stream?: Readable;
  /** JSON: the parsed body, and the SHA-256 and length of its raw bytes. */
  body?: unknown;
  bodySha256?: string;
  bodyBytes?: number;
  sender: ImportSender;
  isDemo?: boolean;
}

/** What a check of open batches did. */
export interface BatchCheck {
  /** Batches failed: their owner was gone. */
  failed: number[];
  /** Database backends a gone process left, ended. */
  backends_ended: number;
  /** Batches this process could not mark failed when their connection was lost, marked now. */
  marked_late: number[];
}

export interface ImportOutcome {
  batch: BatchRecord;
  /** The Idempotency-Key was seen before: this is the batch it created then, and nothing was done now. */
  replayed: boolean;
}

export interface Progress {
  batch: BatchRecord;
  phase: 'receiving' | 'checking' | 'merging';
  rows_received: number;
  bytes_received: number;
}

const PROGRESS_EVERY = 10_000;
/** The first and the longest wait before marking again a batch that could not be marked failed. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;
const LOST = 'interrupted: the database connection was lost during the import; nothing of it was kept';

/**
 * Imports of contracts, commitments, outcome returns, payments compliance returns, and the exchange's needs and
 * pledges. Each upload is a batch: rows stream through row-local checks into a staging table (COPY), are checked
 * against the database set-based, and merged in one transaction, so a batch is committed whole (strict), with all
 * its good rows (partial), or not at all.
 */
@Injectable()
export class ImportsService implements OnApplicationShutdown {
  private readonly logger = new Logger('Imports');
  /** Batches running in this process: their progress, readable without the database (which the import holds). */
  private readonly running = new Map<number, Progress>();
  /** This process as the owner of the batches it opens: the check of open batches tells when it is gone. */
  readonly owner: BatchOwner = { instance: randomUUID(), host: hostname(), pid: process.pid };
  /** Batches being opened now (created, not yet in `running`). */
  private opening = 0;
  /** Batches whose connection was lost and which could not be marked failed then: marked when the database is back. */
  private readonly unmarked = new Map<number, string>();
  private retryTimer?: NodeJS.Timeout;
  private retryDelayMs = RETRY_FIRST_MS;
  private heartbeatTimer?: NodeJS.Timeout;

  constructor(
    private readonly imports: ImportsRepository,
    @Inject(DATABASE) private readonly db: Database,
    @Inject(METRICS_OPTIONS) private readonly options: MetricsOptions,
    /** Refreshed at the end of every batch, inside its transaction. */
    private readonly derived: DerivedDataService,
  ) {}

  /**
   * What every import does before it reads its body (the rows here, OCDS releases in the OCDS runner): checks the mode
   * and the Idempotency-Key, answers with the earlier batch when the key was seen (draining the body), else opens a
   * batch whose progress shows while it runs in this process (until `closeBatch`). A failed batch is no answer: its
   * key runs the import again (as a new batch); so does the key of a batch still open whose owner is gone (failed now).
   */
  async openBatch(req: BatchRequest): Promise<{ replayed: BatchRecord } | { mode: 'strict' | 'partial'; progress: Progress }> {
    const mode = req.mode ?? 'strict';
    if (mode !== 'strict' && mode !== 'partial') {
      throw new DomainError('invalid_parameter', 'mode must be strict or partial', { field: 'mode', value: mode });
    }
    if (req.idempotencyKey !== undefined && req.idempotencyKey !== null && !/^[\x21-\x7e]{1,255}$/.test(req.idempotencyKey)) {
      throw new DomainError('invalid_parameter', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
    }
    if (req.idempotencyKey) {
      const earlier = await this.earlierBatch(req.sender.keyId, req.kind, req.idempotencyKey);
      if (earlier) {
        req.stream?.resume(); // drain what was sent: the earlier batch is the answer
        return { replayed: earlier };
      }
    }
    this.opening += 1;
    try {
      let batch: BatchRecord;
      try {
        batch = await this.imports.createBatch(
          {
            kind: req.kind,
            mode,
            apiKeyId: req.sender.keyId,
            fileName: req.fileName ?? null,
            contentType: req.contentType ?? null,
            idempotencyKey: req.idempotencyKey ?? null,
            isDemo: req.isDemo ?? false,
          },
          this.owner,
        );
      } catch (err) {
        // the same key sent twice at once: the other request opened the batch first, and it is the answer
        const again = req.idempotencyKey && (err as { code?: string }).code === '23505' ? await this.earlierBatch(req.sender.keyId, req.kind, req.idempotencyKey) : undefined;
        if (!again) throw err;
        req.stream?.resume();
        return { replayed: again };
      }
      const progress: Progress = { batch, phase: 'receiving', rows_received: 0, bytes_received: 0 };
      this.running.set(batch.id, progress);
      this.startHeartbeat();
      return { mode, progress };
    } finally {
      this.opening -= 1;
    }
  }

  /** The batch an Idempotency-Key names, unless it failed (or its owner is gone: it is failed now): then none. */
  private async earlierBatch(keyId: number | null, kind: string, key: string): Promise<BatchRecord | undefined> {
    const earlier = await this.imports.findByIdempotencyKey(keyId, kind, key);
    if (!earlier || earlier.status === 'failed') return undefined;
    if ((earlier.status === 'running' || earlier.status === 'received') && !this.running.has(earlier.id)) {
      const { failed } = await this.checkOpenBatches([earlier.id]);
      if (failed.includes(earlier.id)) return undefined;
    }
    return earlier;
  }

  /**
   * A batch whose work failed (its transaction rolled back): the body drained, the batch marked failed with the
   * reason, and the error to throw, naming the batch (a value the database refused is a 400; a lost connection a 503).
   * When the database cannot be reached to mark it, the batch is remembered and marked as soon as it is back.
   */
  async failedBatch(batch: BatchRecord, err: unknown, stream?: Readable): Promise<unknown> {
    stream?.unpipe();
    stream?.resume();
    const lost = isConnectionFailure(err);
    const reason = lost ? `${LOST}: ${(err as Error).message}` : (err as Error).message;
    if (!(err instanceof BatchNoLongerOpenError)) {
      await this.imports.failBatch(batch.id, reason).catch((e: Error) => {
        this.logger.warn({ msg: `could not mark batch ${batch.id} failed; trying again until the database answers`, batch: batch.id, err: e.message });
        this.unmarked.set(batch.id, reason);
        this.scheduleRetry();
      });
    }
    if (err instanceof DomainError) {
      return new DomainError(err.code, err.message, { ...(typeof err.details === 'object' && err.details ? err.details : {}), batch_id: batch.id });
    }
    if (lost || err instanceof BatchNoLongerOpenError) {
      return new DomainError(
        'database_unavailable',
        `The database connection was lost during import batch ${batch.id}; nothing of it was kept. Send it again when the database is back (the same Idempotency-Key runs it again).`,
        { batch_id: batch.id },
      );
    }
    if ((err as { code?: string }).code && /^(22|23)/.test((err as { code: string }).code)) {
      return new DomainError('invalid_parameter', `A value could not be stored: ${(err as Error).message}`, { batch_id: batch.id });
    }
    return err;
  }

  /**
   * Fails the open batches (received or running) whose owner is gone, and ends the database backends that gone
   * processes left (see orphanReason); first marks the batches this process could not mark when their connection was
   * lost. Run at start, by the periodic check (BATCH_CHECK_CRON) and for a batch an Idempotency-Key names. On the
   * embedded database it waits for a moment when no import runs (an import holds the only connection).
   */
  async checkOpenBatches(ids?: number[]): Promise<BatchCheck> {
    const result: BatchCheck = { failed: [], backends_ended: 0, marked_late: [] };
    const embedded = this.db.driver === 'embedded';
    if (!ids && embedded && (this.running.size > 0 || this.opening > 0)) return result;
    result.marked_late = await this.markUnmarked();
    const open = await this.imports.openBatches(embedded, ids);
    const context = {
      owner: this.owner,
      embedded,
      runningHere: new Set(this.running.keys()),
      opening: ids ? false : this.opening > 0, // a batch asked for by id exists already: it is not one being opened
      alive: processAlive,
    };
    const byReason = new Map<string, number[]>();
    const gone: number[] = [];
    for (const b of open) {
      const reason = orphanReason(b, context);
      if (!reason) continue;
      byReason.set(reason, [...(byReason.get(reason) ?? []), b.id]);
      if (b.owner_instance !== this.owner.instance) gone.push(b.id); // this process's own backends are its pool's
    }
    if (!embedded && gone.length > 0) result.backends_ended = await this.imports.terminateBackends(gone);
    for (const [reason, batchIds] of byReason) result.failed.push(...(await this.imports.failOrphaned(batchIds, reason)));
    if (result.failed.length > 0) {
      this.logger.warn({ msg: `failed ${result.failed.length} import batch(es) whose owner is gone`, batches: result.failed, backends_ended: result.backends_ended });
    }
    return result;
  }

  /** Marks the batches remembered as unmarked; the ones marked (or found no longer open). */
  private async markUnmarked(): Promise<number[]> {
    const marked: number[] = [];
    for (const [id, reason] of [...this.unmarked]) {
      await this.imports.failBatch(id, reason);
      this.unmarked.delete(id);
      marked.push(id);
    }
    if (marked.length > 0) this.logger.log({ msg: `marked ${marked.length} import batch(es) failed now that the database answers`, batches: marked });
    return marked;
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.unmarked.size === 0) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.markUnmarked()
        .then(() => (this.retryDelayMs = RETRY_FIRST_MS))
        .catch(() => (this.retryDelayMs = Math.min(this.retryDelayMs * 2, RETRY_MAX_MS)))
        .finally(() => this.scheduleRetry());
    }, this.retryDelayMs);
    this.retryTimer.unref();
  }

  /** On a server, the batches running here write a heartbeat: a process that stops writing it is taken for gone. */
  private startHeartbeat(): void {
    if (this.heartbeatTimer || this.db.driver === 'embedded') return;
    this.heartbeatTimer = setInterval(() => {
      const ids = [...this.running.keys()];
      if (ids.length === 0) {
        clearInterval(this.heartbeatTimer);
        this.heartbeatTimer = undefined;
        return;
      }
      this.imports.heartbeat(ids).catch(() => undefined); // the database may be away: the next beat tries again
    }, HEARTBEAT_MS);
    this.heartbeatTimer.unref();
  }

  onApplicationShutdown(): void {
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeatTimer);
  }

  /** The batch no longer runs here. */
  closeBatch(batchId: number): void {
    this.running.delete(batchId);
  }

  progress(batchId: number): Progress | undefined {
    return this.running.get(batchId);
  }

  /** The batches running in this process now. */
  runningHere(): Progress[] {
    return [...this.running.values()];
  }

  /** On the embedded database a running import holds the only connection: running batches are known from memory. */
  get runningOnlyHere(): boolean {
    return this.db.driver === 'embedded';
  }

  async run(req: ImportRequest): Promise<ImportOutcome> {
    if (!IMPORT_KINDS.includes(req.kind as ImportKind)) {
      throw new DomainError('not_found', `No import of ${req.kind}: imports are ${IMPORT_KINDS.join(', ')}`);
    }
    const kind = req.kind as ImportKind;
    const format = formatOf(req.contentType);
    const opened = await this.openBatch({ ...req, kind: req.batchKind ?? kind });
    if ('replayed' in opened) return { batch: opened.replayed, replayed: true };
    const { mode, progress } = opened;
    const batch = progress.batch;
    const started = Date.now();
    const timings: Record<string, number> = {};
    let refresh: RefreshResult | undefined;
    let meter: ByteMeter | undefined;
    try {
      let rows: AsyncIterable<SourceRow>;
      if (format === 'json') {
        rows = jsonRows(kind, req.body);
      } else {
        if (!req.stream) throw new DomainError('invalid_parameter', 'The request has no body');
        meter = meterUpload(req.stream, this.options.importLimitBytes);
        const metered = req.stream.pipe(meter);
        rows = format === 'csv' ? csvRows(kind, metered) : arrowRows(kind, metered);
      }
      const result = await withSession(this.db, async (s) => {
        await this.imports.markStarted(s, batch.id); // outside the transaction: visible to a later recovery
        return transaction(s, async () => {
          await this.imports.tuneTransaction(s);
          await this.imports.createStage(s, kind);
          const columns = stageColumns(kind);
          let total = 0;
          async function* lines(): AsyncGenerator<string> {
            let chunk = '';
            for await (const { row, record } of rows) {
              total += 1;
              chunk += stageLine(columns, row, checkRow(kind, record));
              if (total % PROGRESS_EVERY === 0) {
                progress.rows_received = total;
                progress.bytes_received = meter?.bytes ?? 0;
                yield chunk;
                chunk = '';
              }
            }
            if (chunk) yield chunk;
            progress.rows_received = total;
          }
          await s.copyCsv(STAGE_TABLE, columns, lines());
          timings.staged = Date.now() - started;
          progress.phase = 'checking';
          const checked = await this.imports.check(s, kind, batch.id, req.sender.allowed);
          timings.checked = Date.now() - started;
          const counts: BatchCounts = { rows_total: total, rows_inserted: 0, rows_updated: 0, rows_unchanged: 0, rows_rejected: checked.rejected };
          let status: 'committed' | 'rejected' = 'committed';
          if (checked.rejected > 0 && mode === 'strict') {
            status = 'rejected';
          } else {
            progress.phase = 'merging';
            Object.assign(counts, await this.imports.merge(s, kind, batch.id, req.isDemo ?? false));
          }
          timings.merged = Date.now() - started;
          refresh = await this.derived.refresh(s);
          timings.rollups = Date.now() - started;
          const file = meter
            ? { sha256: meter.sha256(), bytes: meter.bytes }
            : { sha256: req.bodySha256 ?? createHash('sha256').update(JSON.stringify(req.body)).digest('hex'), bytes: req.bodyBytes ?? 0 };
          await this.imports.finishBatch(s, batch.id, status, counts, file);
          return status;
        });
      });
      const done = (await this.imports.findBatch(batch.id))!;
      this.logger.log({
        msg: `import ${batch.id} ${kind}: ${result}`,
        batch: batch.id,
        kind,
        status: result,
        rows: done.rows_total,
        rejected: done.rows_rejected,
        ms: Date.now() - started,
        phases_ms: timings,
        rollups: refresh,
      });
      return { batch: done, replayed: false };
    } catch (err) {
      throw await this.failedBatch(batch, err, req.stream);
    } finally {
      this.closeBatch(batch.id);
    }
  }
}
