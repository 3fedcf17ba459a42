import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Readable } from 'node:stream';
import { METRICS_OPTIONS, type MetricsOptions } from '../../platform/options';
import { addDays, currentQuarterStart } from '../../platform/periods';
import type { BatchRecord } from '../imports/imports.repository';
import { ImportsService } from '../imports/imports.service';
import { ExchangeService, SERVICE_ACTOR, todayIso } from '../exchange/exchange.service';
import { OcdsImportService } from '../ocds/ocds-import.service';
import { contractsPerRegionFor, demoFiles, DOCUMENTED_AUTHORITIES } from './demo-data';
import { DEMO_EXCHANGE_KINDS, demoExchange } from './demo-exchange';
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
  /** The exchange: organisations, needs and pledges over the demo contracts, a matching run, and matches moved on. */
  exchange: DemoExchangeResult;
}

export interface DemoExchangeResult {
  organisations: number;
  needs: number;
  pledges: number;
  proposals: number;
  /** Matches by the status the demo left them in. */
  matches: Record<string, number>;
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
    private readonly exchange: ExchangeService,
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
      exchange: await this.loadExchange(options.seed ?? 2026, say),
    };
  }

  /**
   * The demo exchange, through the exchange's own service (as the service itself, every row flagged demo): needs and
   * pledges posted, one matching run, and its proposals moved on, some to confirmed deliveries (each imported as an
   * outcome return of its contract); then spread over the past year.
   */
  private async loadExchange(seed: number, say: (message: string) => void): Promise<DemoExchangeResult> {
    const today = todayIso();
    const commitments = await this.demo.exchangeCommitments([...new Set(DEMO_EXCHANGE_KINDS.map((k) => k.measure))]);
    const plan = demoExchange(commitments, { seed, today, featured: DOCUMENTED_AUTHORITIES });
    for (const o of plan.organisations) await this.exchange.saveOrganisation(SERVICE_ACTOR, o, true);
    // needs and pledges in bulk, through their imports (one batch each)
    for (const [kind, rows] of [['needs', plan.needs], ['pledges', plan.pledges]] as const) {
      const { batch } = await this.imports.run({ kind, mode: 'strict', contentType: 'application/json', fileName: `demo-${kind}.json`, body: rows, sender: { keyId: null, allowed: null }, isDemo: true });
      if (batch.status !== 'committed') throw new Error(`demo ${kind}: batch ${batch.id} ${batch.status}`);
    }
    const run = await this.exchange.runMatching('demo');
    const proposals = await this.demo.proposalsOfRun(run.run_id);
    const matches: Record<string, number> = {};
    const days: Array<{ id: number; days_ago: number }> = [];
    const usedDays = new Set<string>();
    const toConfirm: number[] = [];
    for (const m of proposals) {
      const fate = plan.fate();
      let status: string = 'proposed';
      if (fate.to === 'declined') {
        await this.exchange.move(SERVICE_ACTOR, m.id, { to: 'declined', on_behalf_of: 'community', note: 'demo' });
        status = 'declined';
      } else if (fate.to !== 'proposed') {
        await this.exchange.move(SERVICE_ACTOR, m.id, { to: 'accepted' });
        status = 'accepted';
        // delivered halfway between acceptance and today, within the contract, one delivery a day per contract and measure
        let day = addDays(today, -Math.floor(fate.daysAgo / 2));
        if (m.end_date !== null && day > m.end_date) day = m.end_date;
        while (usedDays.has(`${m.contract}|${m.measure_id}|${day}`)) day = addDays(day, -1);
        // after its acceptance (a contract that ended before then delivers nothing more)
        const inContract = (m.start_date === null || day >= m.start_date) && day >= addDays(today, -fate.daysAgo) && day <= today;
        if (fate.to !== 'accepted' && inContract) {
          usedDays.add(`${m.contract}|${m.measure_id}|${day}`);
          await this.exchange.move(SERVICE_ACTOR, m.id, { to: 'delivered', delivered_on: day });
          status = 'delivered';
          if (fate.to === 'confirmed') {
            toConfirm.push(m.id);
            status = 'confirmed';
          }
        }
      }
      matches[status] = (matches[status] ?? 0) + 1;
      days.push({ id: m.id, days_ago: fate.daysAgo });
    }
    // confirmed together: their deliveries become outcomes in one import batch
    await this.exchange.confirmAll(SERVICE_ACTOR, toConfirm, 'demo');
    await this.demo.backdateExchange(days);
    say(
      `demo exchange: ${plan.organisations.length} organisations, ${plan.needs.length} needs, ${plan.pledges.length} pledges, ${proposals.length} matches proposed (${Object.entries(matches)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')})`,
    );
    return { organisations: plan.organisations.length, needs: plan.needs.length, pledges: plan.pledges.length, proposals: proposals.length, matches };
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
