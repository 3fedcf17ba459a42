import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, DiscoveryModule } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import { MetricsModule } from '../metrics/metrics.module';
import type { Database } from '../metrics/platform/database';
import { AdminCommands } from './admin/admin-commands';
import { adminSocketPath } from './admin/admin-socket';
import { AdminSocketService } from './admin/admin-socket.service';
import { ACCESS_PROVIDERS } from './auth/access';
import { AccessAudit } from './auth/access-audit';
import { ApiKeyGuard } from './auth/api-key.guard';
import { AuthoritiesController } from './authorities/authorities.controller';
import { metricsOptions, reportsOptions, type AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { ContractsController } from './contracts/contracts.controller';
import { ExportsApiService } from './exports/exports.service';
import { ExchangeController } from './exchange/exchange.controller';
import { ExchangePagesController } from './exchange/exchange-pages.controller';
import { ExportsController } from './exports/exports.controller';
import { FrameworksController } from './frameworks/frameworks.controller';
import { HealthController } from './health/health.controller';
import { BodyInterceptor } from './http/body.interceptor';
import { ShutdownState } from './http/graceful-shutdown';
import { RateLimitGuard, rateLimits } from './http/rate-limit';
import { ReadCacheModule } from './http/read-cache.module';
import { ImportsController } from './imports/imports.controller';
import { IndicatorsController } from './indicators/indicators.controller';
import { KeysController } from './keys/keys.controller';
import { MeasuresController } from './measures/measures.controller';
import { OcdsController } from './ocds/ocds.controller';
import { PeersController } from './peers/peers.controller';
import { QualityController } from './quality/quality.controller';
import { ScheduledJobs } from './schedule/scheduled-jobs';
import { SectorsController } from './sectors/sectors.controller';
import { DashboardsModule } from '../dashboards/dashboards.module';
import { ReportsModule } from '../reports/reports.module';
import { ReportsController } from './reports/reports.controller';
import { ReportPagesController } from './reports/report-pages.controller';
import { ReportSchedulesController } from './reports/report-schedules.controller';
import { SessionsService } from './auth/sessions';
import { DashboardsController } from './dashboards/dashboards.controller';
import { PagesController } from './dashboards/pages.controller';

export interface AppModuleOptions {
  /** An already opened database (tests), kept open by the application; otherwise the one the configuration names. */
  database?: Database;
}

/**
 * The composition root of the HTTP service: configuration, logging, the measurement core (MetricsModule, its one
 * door), the scheduler, and the HTTP edge: controllers, the API key guard, the admin socket, the scheduled jobs.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
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
        MetricsModule.forRoot(
          metricsOptions(config, {
            holder: { holder: 'service', socket: adminSocketPath(config.dataDir) },
            existing: options.database,
            demoOnEmpty: config.demoData,
          }),
        ),
        ScheduleModule.forRoot(),
        DiscoveryModule,
        ThrottlerModule.forRoot({ throttlers: rateLimits(config), setHeaders: false }),
        ReadCacheModule,
        DashboardsModule,
        ReportsModule.forRoot(reportsOptions(config, { worker: true })),
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
        ExchangeController,
        ExportsController,
        QualityController,
        IndicatorsController,
        DashboardsController,
        PagesController,
        ExchangePagesController,
        ReportsController,
        ReportSchedulesController,
        ReportPagesController,
      ],
      providers: [
        ...ACCESS_PROVIDERS,
        SessionsService,
        // guards in this order: the key and the access rule, then the rate limits (per key once it is known)
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_INTERCEPTOR, useClass: BodyInterceptor },
        AccessAudit,
        ExportsApiService,
        ShutdownState,
        AdminCommands,
        AdminSocketService,
        ScheduledJobs,
      ],
    };
  }
}
