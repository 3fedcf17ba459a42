import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DerivedDataService } from '../../metrics/derive/derived-data.service';
import { ExchangeService } from '../../metrics/ingest/exchange/exchange.service';
import { ImportsService } from '../../metrics/ingest/imports/imports.service';
import { HarvestService } from '../../metrics/ingest/ocds/harvest.service';
import { CronTasks } from '../../metrics/platform/cron-task';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';

/**
 * Every job the service runs on a schedule (Europe/London; `off` in the configuration: never by schedule), in one
 * place, through the one scheduler (metrics/platform/cron-task.ts):
 * - delivery-rebuild (DELIVERY_REBUILD_CRON, and once at start): the delivery figures rebuilt when the quarter rolled
 *   over or the rating thresholds changed (one instance does it: an advisory lock);
 * - quality-outliers (QUALITY_OUTLIER_CRON): the outlier flags of measures import batches changed, recomputed off the
 *   request path so that readers normally find nothing to do (a tick while another instance or a reader is at it skips);
 * - ocds-harvest (HARVEST_CRON): every harvest source, from its cursor (one harvest of a source at a time, across
 *   instances). Not awaited when the service stops: a harvest resumes from the page it had not finished;
 * - batch-check (BATCH_CHECK_CRON, every 30 s by default; at start the database preparer does it): import batches
 *   whose owner is gone (a process that stopped, or that lost its connection and could not mark them) are failed, and
 *   the database backends a killed process left are ended. Any instance may do it: failing a batch is one guarded
 *   update, so two instances at it fail it once;
 * - exchange-matching (EXCHANGE_MATCHING_CRON, 02:17 by default): the exchange's matching run over open pledges and
 *   needs (one run at a time, across instances: an advisory lock).
 */
@Injectable()
export class ScheduledJobs implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly cron: CronTasks,
    private readonly derived: DerivedDataService,
    private readonly harvest: HarvestService,
    private readonly imports: ImportsService,
    private readonly exchange: ExchangeService,
  ) {}

  onApplicationBootstrap(): void {
    this.cron.schedule({
      name: 'delivery-rebuild',
      cron: this.config.delivery.rebuildCron,
      atStart: true,
      run: () => this.derived.ensureDeliveryCurrent(),
    });
    this.cron.schedule({
      name: 'quality-outliers',
      cron: this.config.quality.outlierCron,
      run: () => this.derived.ensureOutliersCurrent({ wait: false }),
      report: (measures) => (measures.length > 0 ? { msg: 'outliers recomputed', measures: measures.length } : undefined),
    });
    this.cron.schedule({
      name: 'batch-check',
      cron: this.config.batchCheckCron,
      run: () => this.imports.checkOpenBatches(),
      report: (r) =>
        r.failed.length + r.marked_late.length > 0 ? { msg: 'import batches whose owner is gone failed', failed: r.failed, marked_late: r.marked_late, backends_ended: r.backends_ended } : undefined,
    });
    this.cron.schedule({
      name: 'exchange-matching',
      cron: this.config.exchangeMatchingCron,
      run: () => this.exchange.runMatching('schedule'),
      report: (r) => ({ msg: 'exchange matching run', run: r.run_id, proposals: r.proposals, expired: r.expired }),
    });
    this.cron.schedule({ name: 'ocds-harvest', cron: this.config.harvest.cron, awaitOnShutdown: false, run: () => this.harvest.runAll() });
  }
}
