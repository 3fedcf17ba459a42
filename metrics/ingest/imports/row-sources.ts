import { RecordBatchReader, DataType } from 'apache-arrow';
import { parse } from 'csv-parse';
import { createHash } from 'node:crypto';
import { finished, pipeline, Transform, type Readable } from 'node:stream';
import { DomainError } from '../../platform/errors';
import { IMPORT_COLUMNS, takesPeriodLabel, type ImportKind } from './import-rows';

export const CONTENT_TYPES = {
  csv: 'text/csv',
  json: 'application/json',
  arrow: 'application/vnd.apache.arrow.stream',
} as const;
export type ImportFormat = keyof typeof CONTENT_TYPES;

export interface SourceRow {
  /** CSV: the line's record number counting the header as row 1 (as a spreadsheet shows it); JSON and Arrow: 1-based. */
  row: number;
  record: Record<string, unknown>;
}

export function formatOf(contentType: string | undefined): ImportFormat {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'text/csv' || type === 'application/csv') return 'csv';
  if (type === 'application/json') return 'json';
  if (type === 'application/vnd.apache.arrow.stream') return 'arrow';
  throw new DomainError('unsupported_media_type', `Send an import as ${Object.values(CONTENT_TYPES).join(', ')}`, {
    content_type: contentType ?? null,
  });
}

/** Counts and hashes the bytes of an upload as they pass, and stops it past the limit (413). */
export class ByteMeter extends Transform {
  bytes = 0;
  private readonly hash = createHash('sha256');

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void) {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      done(new DomainError('payload_too_large', `The upload is larger than the import limit of ${this.limit} bytes.`, { limit: this.limit }));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  sha256(): string {
    return this.hash.digest('hex');
  }
}

/**
 * A meter over an upload, listening to it from the first moment: the upload failing or the client going away (even
 * before this is called, while the guards ran and the batch was created) destroys the meter, so whatever reads it
 * stops instead of waiting for bytes that will never come; and an error nobody listens to yet does not end the process
 * (the reader's pipeline still receives it).
 */
export function meterUpload(stream: Readable, limit: number): ByteMeter {
  const meter = new ByteMeter(limit);
  meter.on('error', () => undefined);
  finished(stream, (err) => {
    if (!err) return;
    const gone = (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET';
    meter.destroy(gone ? new DomainError('invalid_parameter', 'The upload was cut short: the client went away before sending all of it') : err);
  });
  return meter;
}

/** Refuses bytes that are not UTF-8, naming where the file goes wrong. */
class Utf8Check extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private offset = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null, data?: string) => void) {
    try {
      const text = this.decoder.decode(chunk, { stream: true });
      this.offset += chunk.length;
      done(null, text);
    } catch {
      done(new DomainError('invalid_parameter', `The file is not UTF-8 text (invalid bytes within the first ${this.offset + chunk.length} bytes); save it as UTF-8 CSV.`));
    }
  }
}

function checkHeader(kind: ImportKind, header: string[]): string[] {
  const names = header.map((h) => String(h ?? '').trim().toLowerCase()); // an Arrow field may have no name (null)
  const known = new Set(IMPORT_COLUMNS[kind].map((f) => f.name));
  const unknown = names.filter((n) => !known.has(n));
  const missing = IMPORT_COLUMNS[kind].filter((f) => f.required && !names.includes(f.name)).map((f) => f.name);
  // a kind that takes a period label needs it or both dates; the others name what they require among their columns
  const hasPeriod = !takesPeriodLabel(kind) || names.includes('period') || (names.includes('period_start') && names.includes('period_end'));
  if (unknown.length > 0 || missing.length > 0 || !hasPeriod) {
    throw new DomainError('invalid_parameter', 'The header row does not match the column contract of this import', {
      row: 1,
      unknown_columns: unknown,
      missing_columns: hasPeriod ? missing : [...missing, 'period (or period_start and period_end)'],
      columns: IMPORT_COLUMNS[kind].map((f) => f.name),
    });
  }
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new DomainError('invalid_parameter', `The header row names ${dup} twice`, { row: 1 });
  return names;
}

/** Records of a CSV upload, streamed: never held whole in memory. */
export async function* csvRows(kind: ImportKind, input: Readable): AsyncGenerator<SourceRow> {
  const parser = parse({
    bom: true,
    columns: (header: string[]) => checkHeader(kind, header),
    skip_empty_lines: true,
    relax_column_count: false,
  });
  // pipeline: an error anywhere (the byte limit, bad UTF-8, the client going away) destroys the whole chain, and the
  // loop below sees it
  pipeline(input, new Utf8Check(), parser, () => undefined);
  let row = 1;
  let seen = false;
  try {
    for await (const record of parser) {
      row += 1;
      seen = true;
      yield { row, record };
    }
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw new DomainError('invalid_parameter', `The CSV cannot be read after row ${row}: ${(err as Error).message}`, { row: row + 1 });
  }
  if (!seen) throw new DomainError('invalid_parameter', 'The file has no data rows (an empty file, or a header only)');
}

/** Rows of a JSON upload: an array of objects (read whole, up to BODY_LIMIT; use CSV or Arrow for big returns). */
export async function* jsonRows(kind: ImportKind, body: unknown): AsyncGenerator<SourceRow> {
  if (!Array.isArray(body)) throw new DomainError('invalid_parameter', 'A JSON import is an array of row objects');
  if (body.length === 0) throw new DomainError('invalid_parameter', 'The array has no rows');
  const known = new Set(IMPORT_COLUMNS[kind].map((f) => f.name));
  for (let i = 0; i < body.length; i += 1) {
    const record = body[i];
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new DomainError('invalid_parameter', `Row ${i + 1} is not an object`, { row: i + 1 });
    }
    const unknown = Object.keys(record).filter((k) => !known.has(k));
    if (unknown.length > 0) {
      throw new DomainError('invalid_parameter', `Row ${i + 1} has fields outside the column contract: ${unknown.join(', ')}`, {
        row: i + 1,
        unknown_columns: unknown,
        columns: [...known],
      });
    }
    yield { row: i + 1, record: record as Record<string, unknown> };
  }
}

/** Rows of an Arrow IPC stream, batch by batch; date and timestamp columns come through as dates. */
export async function* arrowRows(kind: ImportKind, input: Readable): AsyncGenerator<SourceRow> {
  let reader: RecordBatchReader;
  try {
    // through an async iterator, so that an error of the upload (the byte limit, an abort) rejects the read
    reader = await RecordBatchReader.from((async function* () {
      for await (const chunk of input) yield chunk as Uint8Array;
    })());
    await reader.open();
  } catch (err) {
    throw new DomainError('invalid_parameter', `The body is not an Arrow IPC stream: ${(err as Error).message}`);
  }
  if (!reader.schema) throw new DomainError('invalid_parameter', 'The body is not an Arrow IPC stream: no schema message at its start');
  const fields = reader.schema.fields;
  checkHeader(kind, fields.map((f) => f.name));
  const dates = new Set(fields.filter((f) => DataType.isDate(f.type) || DataType.isTimestamp(f.type)).map((f) => f.name));
  let row = 0;
  try {
    for await (const batch of reader) {
      const columns = fields.map((f) => ({ name: f.name.trim().toLowerCase(), vector: batch.getChild(f.name)!, date: dates.has(f.name) }));
      for (let i = 0; i < batch.numRows; i += 1) {
        row += 1;
        const record: Record<string, unknown> = {};
        for (const c of columns) {
          const v = c.vector.get(i);
          record[c.name] = c.date && v !== null && v !== undefined ? new Date(typeof v === 'bigint' ? Number(v) : (v as number)) : v;
        }
        yield { row, record };
      }
    }
  } catch (err) {
    throw new DomainError('invalid_parameter', `The Arrow stream cannot be read after row ${row}: ${(err as Error).message}`, { row });
  }
  if (row === 0) throw new DomainError('invalid_parameter', 'The Arrow stream has no rows');
}
