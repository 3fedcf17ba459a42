import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Readable } from 'node:stream';
import { METRICS_OPTIONS, type MetricsOptions } from '../../platform/options';
import { currentQuarterStart } from '../../platform/periods';
import type { BatchRecord } from '../imports/imports.repository';
import { ImportsService } from '../imports/imports.service';
import { OcdsImportService } from '../ocds/ocds-import.service';
import { contractsPerRegionFor, demoFiles, DOCUMENTED_AUTHORITIES } from './demo-data';
import { demoNoticePackage } from './demo-notices';
import { DemoRepository } from './demo.repository';

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
  payments: BatchRecord;
  /** The Procurement Act contracts' notices (UK7, quarterly updates, UK9), an OCDS package. */
  notices: BatchRecord;
}

/** Contracts per region of the demo loaded into an empty database at first start (about 5,000 outcome rows). */
export const STARTUP_DEMO_CONTRACTS_PER_REGION = 30;

/**
 * The demo dataset: generated over the real authorities in the database and sent through the import path (the same
 * runners the HTTP imports use), as five demo batches (contracts, commitments, outcomes, payments returns, and an OCDS
 * package of Procurement Act contracts with their notices: demo-notices.ts). Loaded once into an empty database at start when configured
 * (DEMO_DATA), and on demand (`npm run demo`).
 */
@Injectable()
export class DemoService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Demo');

  constructor(
    @Inject(METRICS_OPTIONS) private readonly options: MetricsOptions,
    private readonly demo: DemoRepository,
    private readonly imports: ImportsService,
    private readonly ocds: OcdsImportService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.demoOnEmpty || (await this.demo.anyContract())) return;
    const started = Date.now();
    await this.load({ contractsPerRegion: STARTUP_DEMO_CONTRACTS_PER_REGION, onProgress: (msg) => this.logger.log(msg) });
    this.logger.log({ msg: 'demo data loaded (labelled demo; DEMO_DATA=false skips it)', ms: Date.now() - started });
  }

  async load(options: DemoLoadOptions = {}): Promise<DemoLoadResult> {
    const authorities = await this.demo.authorities();
    const regions = new Set(authorities.map((a) => a.region ?? 'Central government')).size;
    const contractsPerRegion = options.contractsPerRegion ?? contractsPerRegionFor(options.outcomes ?? 5000, regions);
    const reportUntil = options.reportUntil ?? currentQuarterStart();
    const files = demoFiles(authorities, {
      seed: options.seed ?? 2026,
      contractsPerRegion,
      reportUntil,
      featured: DOCUMENTED_AUTHORITIES,
    });
    const notices = demoNoticePackage(authorities, {
      seed: options.seed ?? 2026,
      contractsPerRegion,
      reportUntil,
      featured: DOCUMENTED_AUTHORITIES,
      measureNames: await this.demo.measureNames(),
    });
    const say = options.onProgress ?? (() => undefined);
    say(
      `demo data: ${files.counts.contracts} contracts, ${files.counts.commitments} commitments, about ${files.counts.outcomes} outcome rows, ${files.counts.payments} payments returns, ${notices.counts.contracts} Procurement Act contracts in ${notices.counts.releases} OCDS releases`,
    );
    const send = async (kind: 'contracts' | 'commitments' | 'outcomes' | 'payments', lines: () => Generator<string>) => {
      const { batch } = await this.imports.run({
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
      payments: await send('payments', files.payments),
      notices: await this.sendNotices(notices.text, say),
    };
  }

  /** The Procurement Act contracts' OCDS package, through the OCDS import (strict: the demo's own data has no excuse). */
  private async sendNotices(text: () => Generator<string>, say: (message: string) => void): Promise<BatchRecord> {
    const { batch } = await this.ocds.run({
      stream: Readable.from(text()),
      mode: 'strict',
      fileName: 'demo-notices.json',
      contentType: 'application/json',
      sender: { keyId: null, allowed: null },
      isDemo: true,
    });
    say(`demo notices: batch ${batch.id} ${batch.status}, ${batch.rows_inserted} OCDS releases`);
    return batch;
  }
}
