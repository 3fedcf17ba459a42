import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Server } from 'node:net';
import type { Database } from '../../metrics/platform/database';
import { DATABASE } from '../../metrics/platform/tokens';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { AdminCommands } from './admin-commands';
import { adminSocketPath, closeAdminSocket, listenAdminSocket } from './admin-socket';

/** On the embedded database, answers the CLI's commands while the service holds the data folder. */
@Injectable()
export class AdminSocketService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AdminSocket');
  private server?: Server;
  private readonly path: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(DATABASE) private readonly db: Database,
    private readonly commands: AdminCommands,
  ) {
    this.path = adminSocketPath(config.dataDir);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.db.driver !== 'embedded' || this.db.location === 'memory') return;
    this.server = await listenAdminSocket(this.path, async (request) => {
      this.logger.log({ msg: `admin command ${request.command}`, command: request.command });
      return this.commands.run(request);
    });
  }

  async onModuleDestroy(): Promise<void> {
    if (this.server) await closeAdminSocket(this.server, this.path);
  }
}
