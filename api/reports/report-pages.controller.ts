import { Controller, Get, Inject, Param, Query, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiExcludeController } from '@nestjs/swagger';
import { PagesService } from '../../dashboards/pages/pages.service';
import { findReport, REPORTS } from '../../reports/catalogue';
import { DomainError } from '../../metrics/platform/errors';
import { ReportsService } from '../../reports/reports.service';
import { ReportRunsRepository } from '../../reports/runs/report-runs.repository';
import type { ReadScope } from '../../metrics/reference/read-filter/read-filter';
import type { Principal } from '../auth/principal';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { decideAccess } from '../auth/api-key.guard';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { Public } from '../auth/access.decorator';
import { NoReadCache, Rendered } from '../http/read-cache.interceptor';
import { atomFeed, publishedView } from '../../reports/pages/published';
import { PreviewQueryDto } from './reports.dto';

const HTML = 'text/html; charset=utf-8';

/**
 * The reports as pages: the published reports (each with its permanent PDF link), their Atom feed, and the preview of
 * any report in the browser (the same HTML the PDF prints; supplier-level sections only for a signed-in reader who
 * may read them, as on the dashboards).
 */
@ApiExcludeController()
@Controller('reports')
export class ReportPagesController {
  constructor(
    private readonly pages: PagesService,
    private readonly reports: ReportsService,
    private readonly runs: ReportRunsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  @NoReadCache()
  async index() {
    const published = (await this.runs.published(200)).map(publishedView);
    return new Rendered(HTML, await this.pages.reportsIndex({ published, reports: REPORTS }));
  }

  @Get('feed.atom')
  @Public()
  @NoReadCache()
  async feed(@Req() request: Request) {
    const base = `${request.protocol}://${request.get('host') ?? 'localhost'}`;
    return new Rendered('application/atom+xml; charset=utf-8', atomFeed(await this.runs.published(50), base));
  }

  @Get(':type/preview')
  @Public()
  @NoReadCache()
  async preview(@Param('type') type: string, @Query() query: PreviewQueryDto, @CurrentPrincipal() principal: Principal | undefined) {
    // a signed-in reader of supplier-level data sees those sections (the one decision); anyone else the public report
    let supplierScope: ReadScope | null = null;
    if (principal) {
      try {
        supplierScope = decideAccess({ audience: 'supplier-data' }, principal, this.config.access.supplierData);
      } catch {
        supplierScope = null;
      }
    }
    if (!findReport(type)) throw new DomainError('not_found', `No report ${type}: the reports are ${REPORTS.map((r) => r.name).join(', ')}`, { report: type });
    return new Rendered(HTML, await this.reports.preview(type, { ...query }, supplierScope));
  }
}
