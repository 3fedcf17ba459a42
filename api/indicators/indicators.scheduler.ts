import { Inject, Injectable, Logger, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { IndicatorsService } from '../../metrics/read/indicators/indicators.service';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';

export const DELIVERY_REBUILD_JOB = 'delivery-rebuild';

/**
 * On DELIVERY_REBUILD_CRON (Europe/London; `off`: never), and once at start, rebuilds the stored delivery figures when
 * the quarter rolled over or the rating thresholds changed (IndicatorsService.rebuildIfStale: an advisory lock makes
 * one instance do it). The check at start runs in the background and is awaited on shutdown.
 */
@Injectable()
export class IndicatorsScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Indicators');
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly indicators: IndicatorsService,
    private readonly registry: SchedulerRegistry,
  ) {}

  private check(): void {
    this.running = this.running
      .then(() => this.indicators.rebuildIfStale())
      .catch((err: Error) => this.logger.error({ msg: 'delivery rebuild failed', err }));
  }

  onApplicationBootstrap(): void {
    if (this.config.delivery.rebuildCron === 'off') return;
    const job = CronJob.from({ cronTime: this.config.delivery.rebuildCron, timeZone: 'Europe/London', onTick: () => this.check() });
    this.registry.addCronJob(DELIVERY_REBUILD_JOB, job);
    job.start();
    this.check();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.running;
  }
}
