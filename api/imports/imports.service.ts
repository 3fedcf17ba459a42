import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { DomainError } from '../../metrics/platform/errors';
import { ImportsRepository, type BatchRecord, type RejectionRecord } from '../../metrics/ingest/imports/imports.repository';
import { ImportsService as ImportRunner, type Progress } from '../../metrics/ingest/imports/imports.service';
import { OcdsImportService } from '../../metrics/ingest/ocds/ocds-import.service';
import type { Principal } from '../auth/principal';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { page } from '../http/paging.dto';

export interface UploadInput {
  kind: string;
  mode?: string;
  contentType?: string;
  fileName?: string;
  idempotencyKey?: string;
  stream: Readable;
  body: unknown;
  raw?: { sha256: string; bytes: number };
}

export interface BatchView extends BatchRecord {
  progress?: { phase: string; rows_received: number; bytes_received: number };
  links: { self: string; rejections: string };
}

/** A batch as the API shows it: with links, and its progress while it runs in this process. */
const view = (b: BatchRecord, p?: Progress): BatchView => ({
  ...b,
  ...(p ? { progress: { phase: p.phase, rows_received: p.rows_received, bytes_received: p.bytes_received } } : {}),
  links: { self: `/api/v1/imports/${b.id}`, rejections: `/api/v1/imports/${b.id}/rejections` },
});

/** The HTTP side of imports: who may see which batch, what a finished upload answers. */
@Injectable()
export class ImportsApiService {
  constructor(
    private readonly runner: ImportRunner,
    private readonly batches: ImportsRepository,
    private readonly ocds: OcdsImportService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** An OCDS package, release or record: streamed, never parsed whole. */
  async uploadOcds(principal: Principal, input: Omit<UploadInput, 'kind' | 'body' | 'raw'>) {
    const { batch, replayed } = await this.ocds.run(
      {
        stream: input.stream,
        mode: input.mode,
        contentType: input.contentType ?? null,
        fileName: input.fileName ?? null,
        idempotencyKey: input.idempotencyKey ?? null,
        sender: { keyId: principal.keyId, allowed: principal.role === 'admin' ? null : principal.authorityCodes },
      },
      this.config.importLimitBytes,
    );
    return this.answer(batch, replayed, 'releases');
  }

  async upload(principal: Principal, input: UploadInput) {
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
      sender: { keyId: principal.keyId, allowed: principal.role === 'admin' ? null : principal.authorityCodes },
    });
    return this.answer(batch, replayed, 'rows');
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

  private async visible(principal: Principal, id: number): Promise<BatchRecord> {
    const batch = await this.batches.findBatch(id);
    if (!batch || (principal.role === 'submitter' && batch.api_key_id !== principal.keyId)) {
      throw new DomainError('not_found', `No import batch ${id}`, { id });
    }
    return batch;
  }

  async get(principal: Principal, id: number): Promise<BatchView> {
    const progress = this.runner.progress(id);
    if (progress) {
      // running here: answered from memory, as the import may hold the only database connection
      if (principal.role === 'submitter' && progress.batch.api_key_id !== principal.keyId) throw new DomainError('not_found', `No import batch ${id}`);
      return view(progress.batch, progress);
    }
    return view(await this.visible(principal, id));
  }

  async list(principal: Principal, filter: { kind?: string; status?: string; limit: number; offset: number }) {
    if (filter.status === 'running' && this.runner.runningOnlyHere) {
      // answered from memory: the running import holds the embedded database's one connection
      const running = this.runner
        .runningHere()
        .filter((p) => (!filter.kind || p.batch.kind === filter.kind) && (principal.role !== 'submitter' || p.batch.api_key_id === principal.keyId))
        .map((p) => view(p.batch, p));
      return page(running.slice(filter.offset, filter.offset + filter.limit), running.length, filter);
    }
    const { rows, total } = await this.batches.listBatches({
      ...filter,
      apiKeyId: principal.role === 'submitter' ? principal.keyId : undefined,
    });
    return page(
      rows.map((b) => view(b, this.runner.progress(b.id))),
      total,
      filter,
    );
  }

  async rejections(principal: Principal, id: number, limit: number, offset: number) {
    await this.visible(principal, id);
    const { rows, total } = await this.batches.rejections(id, limit, offset);
    return page(rows, total, { limit, offset });
  }

  /** Every rejection as CSV; an OCDS batch's also name the release and the severity (error or warning). */
  async rejectionsCsv(principal: Principal, id: number): Promise<string> {
    const batch = await this.visible(principal, id);
    const { rows } = await this.batches.rejections(id, 1_000_000, 0);
    const cell = (v: unknown) => {
      if (v === null || v === undefined) return '';
      const s = String(v);
      const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s; // no formula injection when opened in a spreadsheet
      return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
    };
    const columns: Array<keyof RejectionRecord> =
      batch.kind === 'ocds' ? ['row_number', 'release_id', 'severity', 'field', 'code', 'message', 'value'] : ['row_number', 'field', 'code', 'message', 'value'];
    return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
  }
}
