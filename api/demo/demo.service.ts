import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../metrics/platform/tokens';
import { loadDemoData } from '../../metrics/ingest/demo/demo-loader';
import { ImportsService } from '../../metrics/ingest/imports/imports.service';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';

/** Contracts per region of the demo loaded into an empty database at first start (about 5,000 outcome rows). */
export const STARTUP_DEMO_CONTRACTS_PER_REGION = 30;

/** On an empty database, loads a modest demo dataset so the service is useful at first start (DEMO_DATA=false: not). */
@Injectable()
export class DemoService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Demo');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(KNEX) private readonly knex: Knex,
    private readonly imports: ImportsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.demoData) return;
    const any = await this.knex('contracts').first('id');
    if (any) return;
    const started = Date.now();
    await loadDemoData(this.knex, this.imports, {
      contractsPerRegion: STARTUP_DEMO_CONTRACTS_PER_REGION,
      onProgress: (msg) => this.logger.log(msg),
    });
    this.logger.log({ msg: 'demo data loaded (labelled demo; DEMO_DATA=false skips it)', ms: Date.now() - started });
  }
}
