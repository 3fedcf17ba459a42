import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import { AuthoritiesRepository } from '../metrics/reference/authorities/authorities.repository';
import { CatalogueRepository } from '../metrics/reference/catalogue/catalogue.repository';
import { CatalogueService } from '../metrics/reference/catalogue/catalogue.service';
import { DATABASE } from '../metrics/platform/tokens';
import type { Database } from '../metrics/platform/database';
import { ContractsRepository } from '../metrics/read/contracts/contracts.repository';
import { EXPORTS_PROVIDERS, ExportsController, QualityController } from './exports/exports.providers';
import { INDICATORS_PROVIDERS, IndicatorsController } from './indicators/indicators.providers';
import { ImportsRepository } from '../metrics/ingest/imports/imports.repository';
import { ImportsService } from '../metrics/ingest/imports/imports.service';
import { RollupsService } from '../metrics/derive/rollups/rollups.service';
import { MeasuresRepository } from '../metrics/read/measures/measures.repository';
import { MeasuresService } from '../metrics/read/measures/measures.service';
import { MeasuresController } from './measures/measures.controller';
import { SectorsRepository } from '../metrics/reference/sectors/sectors.repository';
import { HarvestRepository } from '../metrics/ingest/ocds/harvest.repository';
import { HARVEST_OPTIONS, HarvestService, type HarvestOptions } from '../metrics/ingest/ocds/harvest.service';
import { OcdsImportService } from '../metrics/ingest/ocds/ocds-import.service';
import { OcdsRepository } from '../metrics/ingest/ocds/ocds.repository';
import { HarvestScheduler } from './ocds/harvest.scheduler';
import { OcdsController } from './ocds/ocds.controller';
import { OcdsApiService } from './ocds/ocds.service';
import { AdminSocketService } from './admin/admin-socket.service';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeysRepository } from './auth/api-keys.repository';
import { ApiKeysService } from './auth/api-keys.service';
import { AuthoritiesController } from './authorities/authorities.controller';
import { AuthoritiesService } from './authorities/authorities.service';
import type { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule, type DatabaseModuleOptions } from './database/database.module';
import { ShutdownState } from './http/graceful-shutdown';
import { FrameworksController } from './frameworks/frameworks.controller';
import { FrameworksService } from './frameworks/frameworks.service';
import { ContractsController } from './contracts/contracts.controller';
import { DemoService } from './demo/demo.service';
import { ContractsService } from './contracts/contracts.service';
import { ImportsController } from './imports/imports.controller';
import { ImportsApiService } from './imports/imports.service';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { KeysController } from './keys/keys.controller';
import { PeersController } from './peers/peers.controller';
import { PEERS_PROVIDERS } from './peers/peers.providers';
import { SectorsController } from './sectors/sectors.controller';
import { SectorsService } from './sectors/sectors.service';

/** The composition root. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, database: DatabaseModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            autoLogging: { ignore: (req) => req.url === '/health' },
          },
        }),
        DatabaseModule.forRoot(database),
        ScheduleModule.forRoot(),
      ],
      controllers: [
        HealthController,
        AuthoritiesController,
        SectorsController,
        FrameworksController,
        ContractsController,
        OcdsController, // before ImportsController: its POST imports/ocds must win over imports/:kind
        ImportsController,
        KeysController,
        MeasuresController,
        PeersController,
        ExportsController,
        QualityController,
        IndicatorsController,
      ],
      providers: [
        HealthService,
        AuthoritiesRepository,
        AuthoritiesService,
        SectorsRepository,
        SectorsService,
        CatalogueRepository,
        CatalogueService,
        FrameworksService,
        ImportsRepository,
        { provide: RollupsService, useFactory: () => new RollupsService() },
        MeasuresRepository,
        MeasuresService,
        {
          provide: ImportsService,
          inject: [ImportsRepository, DATABASE, RollupsService],
          useFactory: (repo: ImportsRepository, db: Database, rollups: RollupsService) =>
            new ImportsService(repo, db, config.importLimitBytes, rollups),
        },
        ImportsApiService,
        OcdsRepository,
        OcdsImportService,
        HarvestRepository,
        {
          provide: HARVEST_OPTIONS,
          useValue: {
            retries: config.harvest.retries,
            retryBaseMs: config.harvest.retryBaseMs,
            pageLimitBytes: config.importLimitBytes,
          } satisfies HarvestOptions,
        },
        HarvestService,
        OcdsApiService,
        HarvestScheduler,
        ContractsRepository,
        ContractsService,
        DemoService,
        ApiKeysRepository,
        ApiKeysService,
        AdminSocketService,
        ShutdownState,
        ...PEERS_PROVIDERS,
        ...EXPORTS_PROVIDERS,
        ...INDICATORS_PROVIDERS,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
      ],
    };
  }
}
