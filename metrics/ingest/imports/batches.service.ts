import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { DomainError } from '../../platform/errors';
import { page } from '../../platform/paging';
import { OcdsImportService } from '../ocds/ocds-import.service';
import { ImportsRepository, type BatchRecord, type RejectionRecord } from './imports.repository';
import { ImportsService, type ImportSender, type Progress } from './imports.service';

/** An upload as it arrives: the body streamed (CSV, Arrow, OCDS) or parsed (JSON, with its raw bytes' hash). */
export interface UploadInput {
  kind: string;
  mode?: string;
  contentType?: string;
  fileName?: string;
  idempotencyKey?: string;
  stream: Readable;
  body?: unknown;
  raw?: { sha256: string; bytes: number };
}

/** Who looks at batches: the key asking, and whether it sees every batch (else only those it sent). */
export interface BatchViewer {
  keyId: number | null;
  seesAll: boolean;
}

export interface BatchView extends BatchRecord {
  progress?: { phase: string; rows_received: number; bytes_received: number };
  links: { self: string; rejections: string };
}

/** A batch as it is shown: with links, and its progress while it runs in this process. */
const view = (b: BatchRecord, p?: Progress): BatchView => ({
  ...b,
  ...(p ? { progress: { phase: p.phase, rows_received: p.rows_received, bytes_received: p.bytes_received } } : {}),
  links: { self: `/api/v1/imports/${b.id}`, rejections: `/api/v1/imports/${b.id}/rejections` },
});

/** Import batches as their senders see them: an upload's answer, who may see which batch, its rejections. */
@Injectable()
export class BatchesService {
  constructor(
    private readonly runner: ImportsService,
    private readonly batches: ImportsRepository,
    private readonly ocds: OcdsImportService,
  ) {}

  /** Contracts, commitments, outcome returns, payments returns, needs or pledges: CSV or Arrow streamed, JSON parsed. */
  async upload(sender: ImportSender, input: UploadInput) {
    const isJson = (input.contentType ?? '').toLowerCase().startsWith('application/json');
    const { batch, replayed } = await this.runner.run({
      kind: input.kind,
      mode: input.mode,
      contentType: input.contentType,
      fileName: input.fileName ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
      stream: isJson ? undefined : input.stream,
      body: isJson ? input.body : undefined,
      bodySha256: input.raw?.sha256,
      bodyBytes: input.raw?.bytes,
      sender,
    });
    return this.answer(batch, replayed, 'rows');
  }

  /** An OCDS package, release or record: streamed, never parsed whole. */
  async uploadOcds(sender: ImportSender, input: Omit<UploadInput, 'kind' | 'body' | 'raw'>) {
    const { batch, replayed } = await this.ocds.run({
      stream: input.stream,
      mode: input.mode,
      contentType: input.contentType ?? null,
      fileName: input.fileName ?? null,
      idempotencyKey: input.idempotencyKey ?? null,
      sender,
    });
    return this.answer(batch, replayed, 'releases');
  }

  /** A finished batch as the upload's answer: 422 with its first rejections when strict mode rejected it. */
  private async answer(batch: BatchRecord, replayed: boolean, what: 'rows' | 'releases') {
    if (batch.status === 'rejected') {
      const first = await this.batches.rejections(batch.id, 100, 0);
      throw new DomainError(
        'unprocessable',
        `Batch ${batch.id} was rejected: ${batch.rows_rejected} of ${batch.rows_total} ${what} have problems, and in strict mode nothing is written. Fix them and send the file again, or send it with mode=partial to keep the good ${what}.`,
        { batch: view(batch), rejections: first.rows, rejections_total: first.total },
      );
    }
    return { replayed, batch: view(batch) };
  }

  private mayView(viewer: BatchViewer, batch: BatchRecord): boolean {
    return viewer.seesAll || batch.api_key_id === viewer.keyId;
  }

  private async visible(viewer: BatchViewer, id: number): Promise<BatchRecord> {
    const batch = await this.batches.findBatch(id);
    if (!batch || !this.mayView(viewer, batch)) throw new DomainError('not_found', `No import batch ${id}`, { id });
    return batch;
  }

  async get(viewer: BatchViewer, id: number): Promise<BatchView> {
    const progress = this.runner.progress(id);
    if (progress) {
      // running here: answered from memory, as the import may hold the only database connection
      if (!this.mayView(viewer, progress.batch)) throw new DomainError('not_found', `No import batch ${id}`);
      return view(progress.batch, progress);
    }
    return view(await this.visible(viewer, id));
  }

  async list(viewer: BatchViewer, filter: { kind?: string; status?: string; limit: number; offset: number }) {
    if (filter.status === 'running' && this.runner.runningOnlyHere) {
      // answered from memory: the running import holds the embedded database's one connection
      const running = this.runner
        .runningHere()
        .filter((p) => (!filter.kind || p.batch.kind === filter.kind) && this.mayView(viewer, p.batch))
        .map((p) => view(p.batch, p));
      return page(running.slice(filter.offset, filter.offset + filter.limit), running.length, filter);
    }
    const { rows, total } = await this.batches.listBatches({ ...filter, apiKeyId: viewer.seesAll ? undefined : (viewer.keyId ?? undefined) });
    return page(
      rows.map((b) => view(b, this.runner.progress(b.id))),
      total,
      filter,
    );
  }

  async rejections(viewer: BatchViewer, id: number, limit: number, offset: number) {
    await this.visible(viewer, id);
    const { rows, total } = await this.batches.rejections(id, limit, offset);
    return page(rows, total, { limit, offset });
  }

  /** Every rejection as CSV; an OCDS batch's also name the release and the severity (error or warning). */
  async rejectionsCsv(viewer: BatchViewer, id: number): Promise<string> {
    const batch = await this.visible(viewer, id);
    const { rows } = await this.batches.rejections(id, 1_000_000, 0);
    const columns: Array<keyof RejectionRecord> =
      batch.kind === 'ocds' ? ['row_number', 'release_id', 'severity', 'field', 'code', 'message', 'value'] : ['row_number', 'field', 'code', 'message', 'value'];
    return [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
  }
}

/** A cell of the rejections CSV: quoted when it must be, and no formula injection when opened in a spreadsheet. */
function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
