import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { ImportsService } from '../imports/imports.service';
import type { BatchRecord } from '../imports/imports.repository';
import { contractsPerRegionFor, demoFiles, type DemoAuthority } from './demo-data';

export interface DemoLoadOptions {
  /** Outcome rows wanted (roughly); or contracts per region. */
  outcomes?: number;
  contractsPerRegion?: number;
  seed?: number;
  /** Quarters are reported up to the one that starts on this date (default: the current quarter). */
  reportUntil?: string;
  onProgress?: (message: string) => void;
}

export interface DemoLoadResult {
  contracts: BatchRecord;
  commitments: BatchRecord;
  outcomes: BatchRecord;
}

function currentQuarterStart(now = new Date()): string {
  return new Date(Date.UTC(now.getUTCFullYear(), Math.floor(now.getUTCMonth() / 3) * 3, 1)).toISOString().slice(0, 10);
}

/**
 * Generates the demo dataset over the real authorities in the database and sends it through the import path
 * (the same runner the HTTP imports use), as three demo batches.
 */
export async function loadDemoData(knex: Knex, imports: ImportsService, options: DemoLoadOptions = {}): Promise<DemoLoadResult> {
  const authorities: DemoAuthority[] = await knex('authorities')
    .whereIn('kind', ['local_authority', 'central_department'])
    .whereNot('subtype', 'Combined authority')
    .orderBy('code')
    .select('code', 'region', 'kind');
  const regions = new Set(authorities.map((a) => a.region ?? 'Central government')).size;
  const contractsPerRegion = options.contractsPerRegion ?? contractsPerRegionFor(options.outcomes ?? 5000, regions);
  const files = demoFiles(authorities, {
    seed: options.seed ?? 2026,
    contractsPerRegion,
    reportUntil: options.reportUntil ?? currentQuarterStart(),
  });
  const say = options.onProgress ?? (() => undefined);
  say(`demo data: ${files.counts.contracts} contracts, ${files.counts.commitments} commitments, about ${files.counts.outcomes} outcome rows`);
  const send = async (kind: 'contracts' | 'commitments' | 'outcomes', lines: () => Generator<string>) => {
    const { batch } = await imports.run({
      kind,
      mode: 'strict',
      contentType: 'text/csv',
      fileName: `demo-${kind}.csv`,
      stream: Readable.from(lines()),
      sender: { keyId: null, allowed: null },
      isDemo: true,
    });
    say(`demo ${kind}: batch ${batch.id} ${batch.status}, ${batch.rows_inserted} rows`);
    return batch;
  };
  return {
    contracts: await send('contracts', files.contracts),
    commitments: await send('commitments', files.commitments),
    outcomes: await send('outcomes', files.outcomes),
  };
}
