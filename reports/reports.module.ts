import { Module, type DynamicModule } from '@nestjs/common';
import { DashboardsModule } from '../dashboards/dashboards.module';
import { MethodologyService } from './methodology';
import { REPORTS_OPTIONS, type ReportsOptions } from './options';
import { REPORT_BUILDERS } from './report';
import { ReportsService } from './reports.service';
import { ReportHtml } from './render/html';
import { Printer } from './render/printer';
import { ReportRunsRepository } from './runs/report-runs.repository';
import { ReportRunsService } from './runs/report-runs.service';
import { SCHEDULE_PROVIDERS, SCHEDULE_EXPORTS } from './schedules/schedules.providers';
import { REPORT_BUILDER_CLASSES } from './types';

/**
 * The reports: a view-model builder per report type (reading the metrics services, global, and the dashboards' chart
 * builders), the one HTML renderer, the printer (one Chromium), the run queue and its worker, the schedules.
 */
@Module({})
export class ReportsModule {
  static forRoot(options: ReportsOptions): DynamicModule {
    return {
      module: ReportsModule,
      imports: [DashboardsModule],
      providers: [
        { provide: REPORTS_OPTIONS, useValue: options },
        ...REPORT_BUILDER_CLASSES,
        { provide: REPORT_BUILDERS, useFactory: (...builders: unknown[]) => builders, inject: REPORT_BUILDER_CLASSES },
        { provide: ReportHtml, useFactory: () => new ReportHtml() },
        Printer,
        MethodologyService,
        ReportsService,
        ReportRunsRepository,
        ReportRunsService,
        ...SCHEDULE_PROVIDERS,
      ],
      exports: [ReportsService, ReportRunsService, ReportRunsRepository, Printer, ...SCHEDULE_EXPORTS],
    };
  }
}
