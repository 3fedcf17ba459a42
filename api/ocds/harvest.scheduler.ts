import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import type { Database } from '../../metrics/platform/database';
import { DATABASE } from '../../metrics/platform/tokens';
import { HarvestRepository } from '../../metrics/ingest/ocds/harvest.repository';
import { HarvestService } from '../../metrics/ingest/ocds/harvest.service';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';

export const HARVEST_JOB = 'ocds-harvest';

/**
 * Registers HARVEST_URL as the source `default`, and runs every source's harvest on HARVEST_CRON (Europe/London).
 * A tick that finds a harvest still running skips it; on PostgreSQL, the advisory lock makes one instance harvest.
 */
@Injectable()
export class HarvestScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('Harvest');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE) private readonly db: Database,
    private readonly sources: HarvestRepository,
    private readonly harvest: HarvestService,
    private readonly registry: SchedulerRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.db.driver === 'embedded') await this.sources.resetRunning(); // this process alone holds the database
    if (this.config.harvest.url) {
      await this.sources.upsert('default', this.config.harvest.url, this.config.harvest.from ?? null, { keepProgress: true });
    }
    if (this.config.harvest.cron === 'off') return;
    const job = CronJob.from({
      cronTime: this.config.harvest.cron,
      timeZone: 'Europe/London',
      onTick: () => {
        this.harvest.runAll().catch((err: Error) => this.logger.error({ msg: 'scheduled harvest failed', err }));
      },
    });
    this.registry.addCronJob(HARVEST_JOB, job);
    job.start();
  }
}
