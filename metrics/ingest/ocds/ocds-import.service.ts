import { Inject, Injectable, Logger } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import type { Database } from '../../platform/database';
import { DerivedDataService } from '../../derive/derived-data.service';
import { METRICS_OPTIONS, type MetricsOptions } from '../../platform/options';
import { DATABASE } from '../../platform/tokens';
import { transaction, withSession, type Session } from '../../platform/session';
import { DomainError } from '../../platform/errors';
import { ImportsRepository, type BatchRecord } from '../imports/imports.repository';
import { ImportsService, type ImportSender, type Progress } from '../imports/imports.service';
import { meterUpload, type ByteMeter } from '../imports/row-sources';
import { BuyerMatcher } from './buyer-matcher';
import { OcdsBatch } from './ocds-batch';
import { ocdsFiles, type FileImport } from './ocds-files';
import { readOcds, type SourceRelease } from './ocds-source';
import { OcdsRepository } from './ocds.repository';


export interface OcdsImportRequest {
  stream: Readable;
  /** Partial unless strict is asked for: OCDS is published by others, one bad release must not lose a package. */
  mode?: string;
  fileName?: string | null;
  contentType?: string | null;
  idempotencyKey?: string | null;
  sender: ImportSender;
  isDemo?: boolean;
  /** Receives the package's metadata once read (a harvester takes `links.next` from it). */
  onPackage?: (meta: Record<string, unknown>) => void;
}

/**
 * The mode of an OCDS import when none is asked for: partial. OCDS data is published by others, and one conflicting
 * or malformed release (a duplicate id, a string amount) must not make a whole package fail; strict on request.
 * Returns (CSV, JSON, Arrow) stay strict by default: their sender can fix the file.
 */
export const OCDS_DEFAULT_MODE = 'partial';

/** Releases mapped and written per round trip: bounds memory whatever the size of the package. */
const CHUNK = 1000;
/** The savepoint a rejected batch's data is rolled back to (its report is kept). */
const DATA_SAVEPOINT = 'ocds_data';

/**
 * Imports an OCDS release package, record package, release or record as one batch: releases stream in, are mapped
 * (contract, buyer, suppliers, metrics), and are written a chunk at a time inside the batch's one transaction. A
 * release already imported is skipped; a newer release for the same ocid updates its contract. In partial mode (the
 * default for OCDS) the good releases are committed; in strict mode any rejected release rolls the batch back (its
 * report kept).
 */
@Injectable()
export class OcdsImportService {
  private readonly logger = new Logger('OcdsImport');
  private cpvCodes?: Promise<Set<string>>;

  constructor(
    private readonly ocds: OcdsRepository,
    private readonly batches: ImportsRepository,
    private readonly runner: ImportsService,
    @Inject(DATABASE) private readonly db: Database,
    @Inject(METRICS_OPTIONS) private readonly options: MetricsOptions,
    private readonly derived: DerivedDataService,
  ) {}

  async run(req: OcdsImportRequest, limitBytes = this.options.importLimitBytes): Promise<{ batch: BatchRecord; replayed: boolean }> {
    // from the first moment: a body that fails while the batch is being created must not go unheard
    const meter = meterUpload(req.stream, limitBytes);
    let streamError: Error | undefined;
    meter.on('error', (err) => (streamError ??= err));
    const type = (req.contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json' && type !== 'application/octet-stream') {
      req.stream.resume();
      throw new DomainError('unsupported_media_type', 'Send OCDS as application/json', { content_type: req.contentType ?? null });
    }
    const opened = await this.runner.openBatch({ ...req, mode: req.mode ?? OCDS_DEFAULT_MODE, kind: 'ocds', contentType: type });
    if ('replayed' in opened) return { batch: opened.replayed, replayed: true };
    const { mode, progress } = opened;
    const batch = progress.batch;
    const started = Date.now();
    try {
      if (streamError) throw streamError;
      const status = await withSession(this.db, async (s) => {
        await this.batches.markStarted(s, batch.id);
        return transaction(s, () => this.importAll(s, batch.id, mode, req, meter, progress));
      });
      const done = (await this.batches.findBatch(batch.id))!;
      this.logger.log({ msg: `import ${batch.id} ocds: ${status}`, batch: batch.id, status, releases: done.rows_total, rejected: done.rows_rejected, ms: Date.now() - started });
      return { batch: done, replayed: false };
    } catch (err) {
      throw await this.runner.failedBatch(batch, err, req.stream);
    } finally {
      this.runner.closeBatch(batch.id);
    }
  }

  /** Imports OCDS files from disk, one batch each (every .json under a folder); a file that fails is reported and the next goes on. */
  async importFiles(paths: string[], options: { mode?: string; sender: ImportSender }): Promise<FileImport[]> {
    const results: FileImport[] = [];
    for (const file of paths.flatMap(ocdsFiles)) {
      try {
        const { batch } = await this.run({ stream: createReadStream(file), mode: options.mode, fileName: basename(file), contentType: 'application/json', sender: options.sender });
        results.push({ file, batch });
      } catch (err) {
        const code = err instanceof DomainError ? err.code : 'failed';
        results.push({ file, error: { code, message: (err as Error).message } });
      }
    }
    return results;
  }

  /** The batch's work, in its transaction: the document read chunk by chunk through OcdsBatch, then finished. */
  private async importAll(
    s: Session,
    batchId: number,
    mode: string,
    req: OcdsImportRequest,
    meter: ByteMeter,
    progress: Progress,
  ): Promise<'committed' | 'rejected'> {
    await this.batches.tuneTransaction(s);
    const keys = await this.ocds.authorityKeys(s);
    // reference data: loaded once, not for every harvested page (and again after a failed load)
    this.cpvCodes ??= this.ocds.cpvCodes(s).catch((err: Error) => {
      this.cpvCodes = undefined;
      throw err;
    });
    const batch = new OcdsBatch(s, this.ocds, batchId, req.sender, req.isDemo ?? false, new BuyerMatcher(keys.identifiers, keys.names), await this.cpvCodes);
    await this.ocds.savepoint(s, DATA_SAVEPOINT);

    const seen = () => {
      progress.rows_received = batch.summary.releases.read;
      progress.bytes_received = meter.bytes;
    };
    let chunk: SourceRelease[] = [];
    if (meter.errored) throw meter.errored;
    const input = req.stream.pipe(meter); // only now: the body waits while the batch's reference data loads
    // One chunk is written while the next is read: the database works on one while this process parses the other
    // (one write at a time on the session, so at most two chunks in memory).
    let writing: Promise<void> | null = null;
    const written = async () => {
      const w = writing;
      writing = null;
      if (w) await w;
    };
    try {
      for await (const item of readOcds(input, (k) => (batch.summary.document = k), req.onPackage)) {
        chunk.push(item);
        batch.summary.releases.read += 1;
        if (chunk.length >= CHUNK) {
          await written();
          writing = batch.write(chunk);
          writing.catch(() => undefined); // awaited at the next chunk or below; not an unhandled rejection meanwhile
          chunk = [];
          seen();
        }
      }
      await written();
    } catch (err) {
      await written().catch(() => undefined); // the session is free again before the transaction is rolled back
      throw err;
    }
    await batch.write(chunk);
    seen();
    progress.phase = 'merging';

    const status = await batch.finish(mode, DATA_SAVEPOINT);
    await this.derived.refresh(s);
    const { releases } = batch.summary;
    await this.batches.finishBatch(
      s,
      batchId,
      status,
      { rows_total: releases.read, rows_inserted: releases.imported, rows_updated: 0, rows_unchanged: releases.already_imported, rows_rejected: releases.rejected },
      { sha256: meter.sha256(), bytes: meter.bytes },
    );
    return status;
  }
}
