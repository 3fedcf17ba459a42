import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { QualityService } from '../../metrics/read/quality/quality.service';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';

export const QUALITY_OUTLIERS_JOB = 'quality-outliers';

/**
 * On QUALITY_OUTLIER_CRON (`off`: never), recomputes the outlier flags of the measures import batches changed since
 * the last recompute (QualityService.refreshStaleOutliers), so that a reader of /quality or of the outcomes export
 * normally finds nothing to recompute. A tick with nothing changed costs two small queries; a tick while another
 * instance (or a reader) recomputes skips (the advisory lock of the recompute). Not run at start: readers still
 * recompute what is stale before reading, so the job only takes that wait off them. Awaited on shutdown.
 */
@Injectable()
export class QualityScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Quality');
  private running: Promise<unknown> = Promise.resolve();
  private busy = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly quality: QualityService,
    private readonly registry: SchedulerRegistry,
  ) {}

  /** One tick: skipped while the previous one still runs. */
  private tick(): void {
    if (this.busy) return;
    this.busy = true;
    const started = Date.now();
    this.running = this.quality
      .refreshStaleOutliers()
      .then((measures) => {
        if (measures.length > 0) this.logger.log({ msg: 'outliers recomputed', measures: measures.length, ms: Date.now() - started });
      })
      .catch((err: Error) => this.logger.error({ msg: 'outlier recompute failed', err }))
      .finally(() => (this.busy = false));
  }

  onApplicationBootstrap(): void {
    if (this.config.quality.outlierCron === 'off') return;
    const job = CronJob.from({ cronTime: this.config.quality.outlierCron, timeZone: 'Europe/London', onTick: () => this.tick() });
    this.registry.addCronJob(QUALITY_OUTLIERS_JOB, job);
    job.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.running;
  }
}
