import { Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '../../metrics/platform/errors';
import type { ReadFilterQuery, ReadScope } from '../../metrics/reference/read-filter/read-filter';
import { CONTENT_TYPES, EXPORT_FORMATS, exportWriter, type ExportFormat } from '../../metrics/read/exports/export-writers';
import type { RowDataset } from '../../metrics/read/exports/exports.repository';
import { ExportsService, type PreparedExport } from '../../metrics/read/exports/exports.service';
import type { ImplementationQuery } from '../../metrics/read/indicators/indicators.service';
import type { SummaryQuery } from '../../metrics/read/measures/measures.service';

const EXTENSIONS: Record<string, ExportFormat> = { csv: 'csv', json: 'json', ndjson: 'ndjson', arrow: 'arrow', arrows: 'arrow' };

export function exportFormat(extension: string): ExportFormat {
  // own keys only: `.__proto__` or `.constructor` must not find Object's
  const key = extension.toLowerCase();
  const format = Object.hasOwn(EXTENSIONS, key) ? EXTENSIONS[key] : undefined;
  if (!format) {
    throw new DomainError('not_found', `No export format .${extension}: use .${EXPORT_FORMATS.join(', .')}`, { format: extension });
  }
  return format;
}

/** Waits until the response can take more (or the client went away). */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Streams an export over HTTP: headers once the filters are resolved (bad parameters still get their 400/404 JSON),
 * then each chunk as it is read, honouring back-pressure. A client that goes away stops the reading at the next
 * chunk. A failure once bytes are sent destroys the connection, so the client sees a cut transfer (chunked encoding
 * without its final chunk), never a file that looks complete.
 */
@Injectable()
export class ExportsApiService {
  private readonly logger = new Logger('Exports');

  constructor(private readonly exports: ExportsService) {}

  async rows(dataset: RowDataset, extension: string, query: ReadFilterQuery, scope: ReadScope, res: Response): Promise<void> {
    const format = exportFormat(extension);
    await this.send(dataset, format, await this.exports.rows(dataset, query, scope), res);
  }

  async summary(extension: string, query: SummaryQuery, res: Response): Promise<void> {
    const format = exportFormat(extension);
    await this.send('summary', format, await this.exports.summary(query), res);
  }

  async indicators(extension: string, query: ImplementationQuery, res: Response): Promise<void> {
    const format = exportFormat(extension);
    await this.send('indicators', format, await this.exports.indicators(query), res);
  }

  private async send(name: string, format: ExportFormat, prepared: PreparedExport, res: Response): Promise<void> {
    const writer = exportWriter(format, prepared.columns);
    // the first chunk is read before any header is sent: a database that fails here still gets its JSON error
    const first = await prepared.chunks.next();
    const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    const extension = format === 'arrow' ? 'arrows' : format;
    res.status(200);
    res.setHeader('content-type', CONTENT_TYPES[format]);
    res.setHeader('content-disposition', `attachment; filename="svm-${name}-${day}.${extension}"`);
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-content-type-options', 'nosniff');
    let gone = false;
    res.on('close', () => {
      gone = true;
    });
    const write = async (bytes: Buffer) => {
      if (bytes.length === 0 || gone) return;
      if (!res.write(bytes)) await drained(res);
      // let I/O run between chunks: the embedded database answers, and a socket drains, without the event loop
      // reaching its I/O phase; a client that left (or any other request) must be noticed during a long export
      await new Promise((resolve) => setImmediate(resolve));
    };
    let rows = 0;
    try {
      await write(writer.start());
      if (!first.done) {
        await write(writer.chunk(first.value));
        rows += first.value.length;
      }
      // the client is looked for before each page is read: one that left costs no further query
      while (!gone) {
        const next = await prepared.chunks.next();
        if (next.done) break;
        await write(writer.chunk(next.value));
        rows += next.value.length;
      }
      if (gone) {
        await prepared.chunks.return?.(undefined);
        this.logger.log({ msg: 'export abandoned by the client', dataset: name, format, rows });
        return;
      }
      await write(writer.end());
      res.end();
    } catch (err) {
      this.logger.error({ msg: 'export failed mid-stream', dataset: name, format, rows, err });
      res.destroy(err as Error);
    }
  }
}
