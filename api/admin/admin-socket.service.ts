import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Server } from 'node:net';
import type { Database } from '../../metrics/platform/database';
import { CatalogueService } from '../../metrics/reference/catalogue/catalogue.service';
import { ImportsService } from '../../metrics/ingest/imports/imports.service';
import { HarvestService } from '../../metrics/ingest/ocds/harvest.service';
import { OcdsImportService } from '../../metrics/ingest/ocds/ocds-import.service';
import { ApiKeysService } from '../auth/api-keys.service';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { DATABASE } from '../database/database.module';
import { runAdminCommand } from './admin-commands';
import { adminSocketPath, closeAdminSocket, listenAdminSocket } from './admin-socket';

/** On the embedded database, answers the CLI's commands while the service holds the data folder. */
@Injectable()
export class AdminSocketService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AdminSocket');
  private server?: Server;
  private readonly path: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE) private readonly db: Database,
    private readonly keys: ApiKeysService,
    private readonly catalogue: CatalogueService,
    private readonly imports: ImportsService,
    private readonly ocds: OcdsImportService,
    private readonly harvest: HarvestService,
  ) {
    this.path = adminSocketPath(config.dataDir);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.db.driver !== 'embedded' || this.db.location === 'memory') return;
    this.server = await listenAdminSocket(this.path, async (request) => {
      this.logger.log({ msg: `admin command ${request.command}`, command: request.command });
      return runAdminCommand(
        {
          keys: this.keys,
          catalogue: this.catalogue,
          imports: this.imports,
          ocds: this.ocds,
          harvest: this.harvest,
          importLimitBytes: this.config.importLimitBytes,
          knex: this.db.knex,
        },
        request,
      );
    });
  }

  async onModuleDestroy(): Promise<void> {
    if (this.server) await closeAdminSocket(this.server, this.path);
  }
}
