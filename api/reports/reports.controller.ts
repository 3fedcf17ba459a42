import { Body, Controller, Get, HttpCode, Inject, Param, ParseIntPipe, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { REPORTS } from '../../reports/catalogue';
import type { ReportRun } from '../../reports/runs/report-runs.repository';
import { ReportRunsRepository } from '../../reports/runs/report-runs.repository';
import { ReportRunsService } from '../../reports/runs/report-runs.service';
import { DomainError } from '../../metrics/platform/errors';
import type { ReadScope } from '../../metrics/reference/read-filter/read-filter';
import { Public, Roles, SupplierData } from '../auth/access.decorator';
import { decideAccess } from '../auth/api-key.guard';
import type { Principal } from '../auth/principal';
import { CurrentPrincipal, CurrentScope } from '../auth/principal.decorator';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { ApiErrors } from '../http/api-errors.decorator';
import { NoReadCache, Rendered } from '../http/read-cache.interceptor';
import { RequestRunDto, RunsQueryDto } from './reports.dto';

/** A run as the API shows it: its record and the links to its files (never the bytes). */
export function runView(run: ReportRun) {
  const done = run.status === 'succeeded';
  return {
    ...run,
    links: {
      self: `/api/v1/reports/runs/${run.id}`,
      pdf: done ? `/api/v1/reports/runs/${run.id}/pdf` : null,
      data: done ? `/api/v1/reports/runs/${run.id}/data.json` : null,
      page: run.published && done ? `/reports#run-${run.id}` : null,
    },
  };
}

/**
 * The reports over HTTP: what reports there are, runs requested on demand (202, then polled), and each run's PDF and
 * data.json. A published run is public (it holds aggregates and notice fields only); any other run is read under the
 * supplier-data rule, by the same decision as every route (an analyst or admin key, or the submitter key that asked).
 */
@ApiTags('reports')
@Controller('api/v1/reports')
export class ReportsController {
  constructor(
    private readonly runs: ReportRunsService,
    private readonly repository: ReportRunsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'The reports: name, title, who it is for, the parameters each takes' })
  list() {
    return { data: REPORTS };
  }

  @Post('runs')
  @Roles('admin', 'analyst', 'submitter')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Request a report: answers 202 with the run (queued); poll GET /api/v1/reports/runs/{id} until it has succeeded or failed',
    description:
      'Any key may request a report; its supplier-level sections (an authority\'s contracts and their ratings) hold what that key may read. `publish: true` (admin keys only) makes a public report, listed at /reports, without supplier-level sections.',
  })
  @ApiAcceptedResponse({ description: 'The run, queued' })
  @ApiErrors(400, 401, 403, 404)
  async request(@Body() body: RequestRunDto, @CurrentPrincipal() principal: Principal | undefined, @CurrentScope() scope: ReadScope) {
    if (body.publish && principal?.role !== 'admin') {
      throw new DomainError('role_not_allowed', 'Only an admin key may publish a report (publish: true).', { field: 'publish', role: principal?.role ?? null });
    }
    const run = await this.runs.request(body.report, body.params ?? {}, { keyId: principal?.keyId ?? null, scope }, { publish: body.publish === true });
    return runView(run);
  }

  @Get('runs')
  @SupplierData()
  @NoReadCache()
  @ApiOperation({ summary: 'Report runs, newest first (a submitter key sees the runs it asked for)' })
  @ApiErrors(400, 401, 403)
  async runsList(@Query() query: RunsQueryDto, @CurrentPrincipal() principal: Principal | undefined) {
    const limit = query.limit ?? 50;
    const offset = query.offset ?? 0;
    const requestedBy = principal?.role === 'submitter' ? principal.keyId : undefined;
    const { runs, total } = await this.repository.list({ status: query.status, report: query.report, requestedBy, limit, offset });
    return { data: runs.map(runView), total, limit, offset };
  }

  @Get('published')
  @Public()
  @NoReadCache()
  @ApiOperation({ summary: 'The published reports, newest first (the /reports page and its Atom feed, as JSON)' })
  async published() {
    return { data: (await this.repository.published(200)).map(runView) };
  }

  @Get('runs/:id')
  @Public()
  @NoReadCache()
  @ApiOperation({ summary: 'One run: status, attempts, timings, pages, bytes, SHA-256 of its PDF and of its data.json, the error of a failed one' })
  @ApiErrors(401, 403, 404)
  async run(@Param('id', ParseIntPipe) id: number, @CurrentPrincipal() principal: Principal | undefined) {
    return runView(await this.readable(id, principal));
  }

  @Get('runs/:id/pdf')
  @Public()
  @NoReadCache()
  @ApiProduces('application/pdf')
  @ApiOperation({ summary: 'The PDF of a run that succeeded (a published one: its permanent link)' })
  @ApiErrors(401, 403, 404, 409)
  async pdf(@Param('id', ParseIntPipe) id: number, @CurrentPrincipal() principal: Principal | undefined, @Res({ passthrough: true }) response: Response) {
    const run = await this.finished(id, principal);
    const bytes = (await this.repository.file(id, 'pdf'))!;
    response.setHeader('Content-Disposition', `inline; filename="${run.report}-${run.params.period ?? ''}-run-${run.id}.pdf"`);
    response.setHeader('ETag', `"${run.pdf_sha256}"`);
    if (run.published) response.setHeader('Cache-Control', 'public, max-age=86400, immutable');
    return new Rendered('application/pdf', bytes);
  }

  @Get('runs/:id/data.json')
  @Public()
  @NoReadCache()
  @ApiOperation({ summary: "The view model a run's PDF was rendered from: exactly the bytes whose SHA-256 the PDF prints" })
  @ApiErrors(401, 403, 404, 409)
  async data(@Param('id', ParseIntPipe) id: number, @CurrentPrincipal() principal: Principal | undefined, @Res({ passthrough: true }) response: Response) {
    const run = await this.finished(id, principal);
    const bytes = (await this.repository.file(id, 'data_json'))!;
    response.setHeader('ETag', `"${run.data_sha256}"`);
    return new Rendered('application/json; charset=utf-8', bytes);
  }

  /** A run the caller may read: published, or under the supplier-data rule (a submitter: the runs it asked for). */
  private async readable(id: number, principal: Principal | undefined): Promise<ReportRun> {
    const run = await this.runs.get(id);
    if (run.published) return run;
    decideAccess({ audience: 'supplier-data' }, principal, this.config.access.supplierData);
    if (principal?.role === 'submitter' && run.requested_by_key_id !== principal.keyId) throw new DomainError('not_found', `No report run ${id}`, { run: id });
    return run;
  }

  private async finished(id: number, principal: Principal | undefined): Promise<ReportRun> {
    const run = await this.readable(id, principal);
    if (run.status !== 'succeeded') {
      throw new DomainError('conflict', `Report run ${id} is ${run.status}${run.error ? `: ${run.error}` : ''}; its files exist once it has succeeded`, { run: id, status: run.status });
    }
    return run;
  }
}
