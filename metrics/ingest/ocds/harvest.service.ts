import { Inject, Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Database } from '../../platform/database';
import { DATABASE } from '../../platform/tokens';
import { releaseSessionLock, trySessionLock } from '../../platform/locks';
import { withSession } from '../../platform/session';
import { DomainError } from '../../platform/errors';
import { HarvestRepository, type HarvestSource } from './harvest.repository';
import { OcdsImportService } from './ocds-import.service';

export interface HarvestOptions {
  /** Attempts after the first for a page answered 429 or 5xx, or lost on the way. */
  retries: number;
  /** The first wait before a retry; doubled each time (a Retry-After header, when sent, is used instead). */
  retryBaseMs: number;
  /** Largest page accepted, in bytes. */
  pageLimitBytes: number;
  /** For tests: how to wait. */
  sleep?: (ms: number) => Promise<void>;
}

export const HARVEST_OPTIONS = Symbol('HARVEST_OPTIONS');

export interface HarvestResult {
  source: string;
  status: 'completed' | 'failed' | 'busy';
  pages: number;
  releases: number;
  batches: number[];
  retries: number;
  next_url: string | null;
  error?: string;
}

class TransientError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const MAX_WAIT_MS = 5 * 60_000;
const UPDATED_FROM_OVERLAP_MS = 10 * 60_000;

/** The first page of a harvest: the base URL, asking for what changed since `updated_from` when known. */
export function firstPageUrl(source: Pick<HarvestSource, 'base_url' | 'updated_from'>): string {
  const url = new URL(source.base_url);
  if (source.updated_from) url.searchParams.set('updatedFrom', new Date(source.updated_from).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  return url.toString();
}

/** Seconds or an HTTP date, as a Retry-After header gives them. */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Harvests a publisher's OCDS release-package API (the shape of Find a Tender's `/api/1.0/ocdsReleasePackages`): pages
 * followed through `links.next`, each page imported as a batch (partial mode), the cursor saved after each page so
 * a restart resumes where it stopped. 429 and 5xx answers, and pages lost mid-way, are retried with back-off. One
 * harvest of a source runs at a time: on PostgreSQL across instances (an advisory lock), on the embedded database
 * within the one process that holds it.
 */
@Injectable()
export class HarvestService {
  private readonly logger = new Logger('Harvest');
  private readonly runningHere = new Set<string>();

  constructor(
    private readonly sources: HarvestRepository,
    private readonly importer: OcdsImportService,
    @Inject(DATABASE) private readonly db: Database,
    @Inject(HARVEST_OPTIONS) private readonly options: HarvestOptions,
  ) {}

  private sleep(ms: number) {
    return this.options.sleep ? this.options.sleep(ms) : new Promise<void>((r) => setTimeout(r, ms));
  }

  isRunningHere(name: string): boolean {
    return this.runningHere.has(name);
  }

  /** Harvests every source in turn (the schedule's job). */
  async runAll(): Promise<HarvestResult[]> {
    const results: HarvestResult[] = [];
    for (const source of await this.sources.list()) results.push(await this.run(source.name));
    return results;
  }

  async run(name: string): Promise<HarvestResult> {
    const source = await this.sources.find(name);
    if (!source) throw new DomainError('not_found', `No harvest source ${name}`, { name });
    if (this.runningHere.has(name)) return { source: name, status: 'busy', pages: 0, releases: 0, batches: [], retries: 0, next_url: source.next_url };
    this.runningHere.add(name);
    try {
      if (this.db.driver === 'embedded') return await this.harvest(source);
      // one harvest of a source across every instance: a session-level advisory lock, held on its own connection
      return await withSession(this.db, async (s) => {
        if (!(await trySessionLock(s, 'harvest', name))) {
          return { source: name, status: 'busy' as const, pages: 0, releases: 0, batches: [], retries: 0, next_url: source.next_url };
        }
        try {
          return await this.harvest(source);
        } finally {
          await releaseSessionLock(s, 'harvest', name);
        }
      });
    } finally {
      this.runningHere.delete(name);
    }
  }

  private async harvest(source: HarvestSource): Promise<HarvestResult> {
    const result: HarvestResult = { source: source.name, status: 'completed', pages: 0, releases: 0, batches: [], retries: 0, next_url: null };
    await this.sources.markRunning(source.name);
    const startedAt = Date.now();
    let url: string | null = source.next_url;
    const visited = new Set<string>();
    try {
      url ??= firstPageUrl(source);
      this.logger.log({ msg: `harvest ${source.name} from ${url}`, source: source.name, url });
      while (url) {
        visited.add(url);
        const page = await this.page(url, result);
        result.pages += 1;
        result.releases += page.releases;
        result.batches.push(page.batchId);
        const next: string | null = page.next && page.releases > 0 && !visited.has(page.next) ? page.next : null;
        await this.sources.pageDone(source.name, next, page.releases, page.batchId);
        url = next;
      }
      // next time, what changed since this run began (less an overlap for clocks and late commits): not the newest
      // release date seen, which one mistyped future date would push past everything
      await this.sources.finished(source.name, new Date(startedAt - UPDATED_FROM_OVERLAP_MS).toISOString());
      this.logger.log({ msg: `harvest ${source.name}: ${result.pages} pages, ${result.releases} releases`, ...result });
      return result;
    } catch (err) {
      const message = `${(err as Error).message} (page ${url})`;
      await this.sources.failed(source.name, message);
      this.logger.warn({ msg: `harvest ${source.name} failed: ${message}`, source: source.name });
      return { ...result, status: 'failed', error: message, next_url: url };
    }
  }

  /** Fetches one page and imports it, retrying what is worth retrying. */
  private async page(url: string, result: HarvestResult): Promise<{ releases: number; batchId: number; next: string | null }> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.fetchAndImport(url);
      } catch (err) {
        if (!(err instanceof TransientError) || attempt >= this.options.retries) throw err;
        const wait = Math.min(err.retryAfterMs ?? this.options.retryBaseMs * 2 ** attempt, MAX_WAIT_MS);
        result.retries += 1;
        this.logger.warn({ msg: `harvest page: ${err.message}; retry ${attempt + 1} of ${this.options.retries} in ${wait} ms`, url });
        await this.sleep(wait);
      }
    }
  }

  private async fetchAndImport(url: string) {
    let response: Response;
    // a time limit on the answer's headers only: the body streams into the import at the database's pace
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error('no answer within 120 s')), 120_000);
    try {
      response = await fetch(url, { headers: { accept: 'application/json' }, signal: abort.signal });
    } catch (err) {
      throw new TransientError(`could not reach the publisher: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      throw new TransientError(`the publisher answered ${response.status}`, retryAfter(response.headers.get('retry-after')));
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new Error(`the publisher answered ${response.status} ${response.statusText}`);
    }
    let next: string | null = null;
    const body = Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
    try {
      const { batch } = await this.importer.run(
        {
          stream: body,
          mode: 'partial',
          fileName: url.slice(0, 255),
          contentType: 'application/json',
          sender: { keyId: null, allowed: null },
          onPackage: (meta) => {
            const links = meta.links as Record<string, unknown> | undefined;
            if (links && typeof links.next === 'string' && /^https?:\/\//.test(links.next)) next = links.next;
          },
        },
        this.options.pageLimitBytes,
      );
      return { releases: batch.rows_total, batchId: batch.id, next };
    } catch (err) {
      // a page cut off on the way reads as broken JSON or a socket error: worth another try; the database refusing
      // a value is not, and says so
      if (err instanceof DomainError && err.code !== 'malformed_json') throw err;
      const pgCode = (err as { code?: unknown }).code;
      if (typeof pgCode === 'string' && /^(22|23)/.test(pgCode)) throw new Error(`the page could not be stored: ${(err as Error).message}`);
      throw new TransientError(`the page could not be read whole: ${(err as Error).message}`);
    }
  }
}
