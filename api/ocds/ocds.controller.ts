import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { senderOf, type Principal } from '../auth/principal';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Roles } from '../auth/access.decorator';
import { TakesBody } from '../http/body';
import { ApiErrors } from '../http/api-errors.decorator';
import { ImportResultDto } from '../imports/imports.dto';
import { BatchesService } from '../../metrics/ingest/imports/batches.service';
import { HarvestSourcesService } from '../../metrics/ingest/ocds/harvest-sources.service';
import { OcdsMappingsService } from '../../metrics/ingest/ocds/ocds-mappings.service';
import { HarvestRunQuery, HarvestSourceInput, MetricMappingsDto, OcdsUploadQuery } from './ocds.dto';

const HARVEST_NAME = { name: 'name', description: 'the source name (lower case, digits, - and _)', example: 'find-a-tender' };

@ApiTags('ocds')
@ApiBearerAuth()
@Controller('api/v1')
export class OcdsController {
  constructor(
    private readonly batches: BatchesService,
    private readonly mappingsService: OcdsMappingsService,
    private readonly sourcesService: HarvestSourcesService,
  ) {}

  @Post('imports/ocds')
  @TakesBody('streamed')
  @Roles('admin', 'submitter')
  @ApiOperation({
    summary: 'Import an OCDS 1.1 release package, record package, release or record (a batch)',
    description:
      'The body is streamed: a package of any size is read release by release. Buyers are matched to authorities by identifier, then by name; an unmatched buyer becomes an authority of kind `other` (listed in the batch summary). Suppliers come from the awards and parties. `agreedMetrics` become commitments and `implementation.metrics` outcomes, through the metric mappings. A release already imported (same ocid and id) is skipped; a newer release for an ocid updates its contract. The batch `summary` gives the buyer-matching rate and lists the unmatched buyers with the authorities nearest their names (`buyers.unmatched`: add a name with `POST /authorities/{code}/names` and the next import matches it). Partial mode is the default (OCDS is published by others: one bad or conflicting release does not lose the package); `mode=strict` rejects the batch if any release is rejected. `/imports/{id}/rejections` lists each rejected release (severity error) and what could not be used (severity warning) by release id and JSON path.',
  })
  @ApiConsumes('application/json')
  @ApiBody({ description: 'An OCDS document', schema: { type: 'string', format: 'binary' } })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Makes a retried upload safe: the same key returns the first batch' })
  @ApiResponse({ status: 201, type: ImportResultDto, description: 'Committed (partial mode, the default: with the rejected releases counted)' })
  @ApiResponse({ status: 200, type: ImportResultDto, description: 'An Idempotency-Key seen before: the earlier batch' })
  @ApiErrors(400, 401, 403, 413)
  @ApiResponse({ status: 415, description: 'Not JSON' })
  @ApiResponse({ status: 422, description: 'Not OCDS; or mode=strict and rejected releases: nothing written, details list them' })
  async upload(
    @CurrentPrincipal() principal: Principal,
    @Query() query: OcdsUploadQuery,
    @Headers('content-type') contentType: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const result = await this.batches.uploadOcds(senderOf(principal), {
      mode: query.mode,
      contentType,
      fileName: query.file_name,
      idempotencyKey,
      stream: req,
    });
    res.status(result.replayed ? 200 : 201);
    return result;
  }

  @Get('ocds/metric-mappings')
  @Roles('admin', 'submitter', 'analyst')
  @ApiOperation({ summary: 'How OCDS metrics map to measures', description: 'Besides these, a metric whose id is a measure code of the default framework, or whose title is its name, maps to it.' })
  @ApiOkResponse({ type: MetricMappingsDto })
  @ApiErrors(401, 403)
  async mappings() {
    return { mappings: await this.mappingsService.list() };
  }

  @Put('ocds/metric-mappings')
  @Roles('admin')
  @ApiOperation({
    summary: 'Replace the metric mappings, and apply them to the observations held where nothing is recorded yet',
    description: 'Observations imported before a mapping existed are kept: replacing the mappings turns the newly mapped ones into commitments and outcomes, for each contract, measure and period that holds none yet.',
  })
  @ApiErrors(400, 401, 403)
  @ApiResponse({ status: 422, description: 'A mapping names a measure that does not exist' })
  replaceMappings(@Body() body: MetricMappingsDto) {
    return this.mappingsService.replace(body.mappings);
  }

  @Get('ocds/harvest-sources')
  @Roles('admin', 'analyst')
  @ApiOperation({ summary: "The publishers' APIs harvested, and where each harvest stands" })
  @ApiErrors(401, 403)
  async sources() {
    return { data: await this.sourcesService.list() };
  }

  @Put('ocds/harvest-sources/:name')
  @Roles('admin')
  @ApiOperation({ summary: 'Add a harvest source, or change its URL or start date' })
  @ApiParam(HARVEST_NAME)
  @ApiErrors(400, 401, 403)
  putSource(@Param('name') name: string, @Body() body: HarvestSourceInput) {
    return this.sourcesService.put(name, body);
  }

  @Delete('ocds/harvest-sources/:name')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a harvest source (what it imported stays)' })
  @ApiParam(HARVEST_NAME)
  @ApiErrors(401, 403, 404)
  async deleteSource(@Param('name') name: string) {
    await this.sourcesService.remove(name);
  }

  @Post('ocds/harvest-sources/:name/run')
  @Roles('admin')
  @ApiOperation({ summary: 'Harvest a source now (from its cursor)', description: 'Answers 202 at once, the harvest going on in the background (follow it on GET harvest-sources); with wait=true, answers when it ends, with its result.' })
  @ApiParam(HARVEST_NAME)
  @ApiResponse({ status: 202, description: 'Started' })
  @ApiResponse({ status: 200, description: 'wait=true: the result (status completed, failed, or busy when another harvest of it runs)' })
  @ApiErrors(401, 403, 404)
  async run(@Param('name') name: string, @Query() query: HarvestRunQuery, @Res({ passthrough: true }) res: Response) {
    if (query.wait === 'true') {
      res.status(200);
      return this.sourcesService.run(name);
    }
    res.status(202);
    return this.sourcesService.start(name);
  }
}
