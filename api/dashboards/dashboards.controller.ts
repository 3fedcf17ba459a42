import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { findChart, parseChartFile, type ChartAccess } from '../../dashboards/catalogue';
import { DashboardsService } from '../../dashboards/dashboards.service';
import { DomainError } from '../../metrics/platform/errors';
import type { ReadScope } from '../../metrics/reference/read-filter/read-filter';
import { AccessByItem, Public, type AccessRule } from '../auth/access.decorator';
import { CurrentScope } from '../auth/principal.decorator';
import { ApiErrors } from '../http/api-errors.decorator';
import { Rendered } from '../http/read-cache.interceptor';
import { DashboardQueryDto } from './dashboards.dto';

const RULES: Record<ChartAccess, AccessRule> = { public: { audience: 'public' }, 'supplier-data': { audience: 'supplier-data' } };

/** The access rule of the chart a path names: the catalogue's (an unknown chart: public, and then a 404). */
export function chartRule(params: Record<string, string>): AccessRule {
  const file = parseChartFile(params.file ?? '');
  return RULES[(file && findChart(params.name ?? '', file.chart)?.access) || 'public'];
}

@ApiTags('dashboards')
@Controller('api/v1/dashboards')
export class DashboardsController {
  constructor(private readonly dashboards: DashboardsService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'The dashboards: name, title, purpose, filters, and each chart with who may read it' })
  list() {
    return { data: this.dashboards.list() };
  }

  @Get(':name')
  @Public()
  @ApiOperation({ summary: "A dashboard for a query: its subject, headline figures (tiles, each naming the endpoint and field it comes from) and the choices of its own selects" })
  @ApiErrors(400, 404)
  view(@Param('name') name: string, @Query() query: DashboardQueryDto) {
    return this.dashboards.view(name, { ...query });
  }

  @Get(':name/charts/:file')
  @AccessByItem(chartRule)
  @ApiOperation({
    summary: 'One chart: `<chart>.vl.json` (its Vega-Lite spec, data inline), `<chart>.svg` (drawn on the server) or `<chart>.csv` (its rows)',
    description:
      'The same filters as the page. Charts of aggregates are public; charts of supplier-level data (a contract\'s commitments and returns, missing returns, flags, batches, suppliers) follow the supplier-data rule: an analyst or admin key, or a submitter key for its authorities, sent as a header or as the session cookie of a signed-in browser.',
  })
  @ApiProduces('application/json', 'image/svg+xml', 'text/csv')
  @ApiErrors(400, 401, 403, 404)
  async chart(@Param('name') name: string, @Param('file') file: string, @Query() query: DashboardQueryDto, @CurrentScope() scope: ReadScope) {
    const parsed = parseChartFile(file);
    if (!parsed) throw new DomainError('not_found', `No chart file ${file}: ask for <chart>.vl.json, <chart>.svg or <chart>.csv`, { file });
    const out = await this.dashboards.file(name, parsed.chart, parsed.format, { ...query }, scope);
    return new Rendered(out.contentType, out.body);
  }
}
