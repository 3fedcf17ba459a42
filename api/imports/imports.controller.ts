import { Body, Controller, Get, Headers, Param, ParseIntPipe, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOperation,
  ApiOkResponse,
  ApiParam,
  ApiPropertyOptional,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { Response } from 'express';
import { IMPORT_COLUMNS, IMPORT_KINDS } from '../../metrics/ingest/imports/import-rows';
import { CONTENT_TYPES } from '../../metrics/ingest/imports/row-sources';
import { BatchesService } from '../../metrics/ingest/imports/batches.service';
import { senderOf, viewerOf, type Principal } from '../auth/principal';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { Roles } from '../auth/access.decorator';
import { ApiErrors } from '../http/api-errors.decorator';
import { TakesBody, type RequestWithRawBody } from '../http/body';
import { PageQuery } from '../http/paging.dto';
import { BatchDto, BatchPageDto, ImportResultDto, RejectionPageDto } from './imports.dto';

/** The query of every upload of rows (contracts, commitments, outcomes, payments, needs, pledges; OCDS uploads have theirs, partial by default). */
export class UploadQuery {
  @ApiPropertyOptional({ enum: ['strict', 'partial'], default: 'strict', description: 'strict (default): any bad row rejects the whole batch; partial: the good rows are committed, the bad ones reported' })
  @IsOptional()
  @IsIn(['strict', 'partial'])
  mode?: string;

  @ApiPropertyOptional({ description: 'Name of the file sent, kept with the batch' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  file_name?: string;
}

const BATCH_KINDS = [...IMPORT_KINDS, 'ocds'];

class BatchQuery extends PageQuery {
  @ApiPropertyOptional({ enum: BATCH_KINDS }) @IsOptional() @IsIn(BATCH_KINDS) kind?: string;
  @ApiPropertyOptional({ enum: ['running', 'committed', 'rejected', 'failed'] })
  @IsOptional()
  @IsIn(['received', 'running', 'committed', 'rejected', 'failed'])
  status?: string;
}

class RejectionsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' }) @IsOptional() @IsIn(['json', 'csv']) format?: string;
}

const columnsDoc = IMPORT_KINDS.map(
  (k) => `**${k}**: ${IMPORT_COLUMNS[k].map((f) => `\`${f.name}\`${f.required ? ' (required)' : ''}`).join(', ')}`,
).join('\n\n');

@ApiTags('imports')
@ApiBearerAuth()
@Controller('api/v1/imports')
export class ImportsController {
  constructor(private readonly imports: BatchesService) {}

  @Post(':kind')
  @TakesBody('rows')
  @Roles('admin', 'submitter')
  @ApiOperation({
    summary: 'Import contracts, commitments, outcome returns, payments compliance returns, or the exchange’s needs and pledges (a batch)',
    description: `Body: CSV with a header row, a JSON array of row objects, or an Arrow IPC stream. Columns:\n\n${columnsDoc}\n\nRe-sending the same rows changes nothing (counted unchanged); a changed quantity for an existing contract, measure and period is a correction (a new revision; the old one kept). **payments**: the payments compliance notice (Procurement Act 2023 s.69, regulation 38), one row per authority and six-month reporting period (1 April to 30 September, 1 October to 31 March); the three bands add up to 100 (within 0.5); figures are stored to 2 places; a row for an authority and period already held replaces it. **needs** and **pledges**: the exchange’s, in bulk (the same fields as POST /api/v1/exchange/needs and /pledges); a need is keyed by its organisation and reference, a pledge by its contract’s supplier and reference: sent again, identical, it is left; changed, it is updated, unless accepted matches hold some of it (rejected: already_matched); a pledge beyond what its contract commits is accepted. With an Idempotency-Key seen before from the same key, the earlier batch is returned and nothing is done.`,
  })
  @ApiParam({ name: 'kind', enum: IMPORT_KINDS })
  @ApiConsumes(...Object.values(CONTENT_TYPES))
  @ApiBody({ description: 'The rows', schema: { type: 'string', format: 'binary' } })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Makes a retried upload safe: the same key returns the first batch' })
  @ApiResponse({ status: 201, type: ImportResultDto, description: 'Committed (partial mode: with the rejected rows counted)' })
  @ApiResponse({ status: 200, type: ImportResultDto, description: 'An Idempotency-Key seen before: the earlier batch' })
  @ApiErrors(400, 401, 403, 404, 409, 413)
  @ApiResponse({ status: 415, description: 'Not CSV, JSON or Arrow' })
  @ApiResponse({ status: 422, description: 'Strict mode and rows with problems: nothing written; details list them by row and field' })
  async upload(
    @CurrentPrincipal() principal: Principal,
    @Param('kind') kind: string,
    @Query() query: UploadQuery,
    @Headers('content-type') contentType: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() req: RequestWithRawBody,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const result = await this.imports.upload(senderOf(principal), {
      kind,
      mode: query.mode,
      contentType,
      fileName: query.file_name,
      idempotencyKey,
      stream: req,
      body,
      raw: req.rawBody,
    });
    res.status(result.replayed ? 200 : 201);
    return result;
  }

  @Get()
  @Roles('admin', 'submitter', 'analyst')
  @ApiOperation({ summary: 'Recent import batches (a submitter sees its own)' })
  @ApiOkResponse({ type: BatchPageDto })
  @ApiErrors(400, 401, 403)
  list(@CurrentPrincipal() principal: Principal, @Query() query: BatchQuery) {
    return this.imports.list(viewerOf(principal), query);
  }

  @Get(':id')
  @Roles('admin', 'submitter', 'analyst')
  @ApiOperation({ summary: 'One batch: status, counts, and progress while it runs' })
  @ApiOkResponse({ type: BatchDto })
  @ApiErrors(401, 403, 404)
  get(@CurrentPrincipal() principal: Principal, @Param('id', ParseIntPipe) id: number) {
    return this.imports.get(viewerOf(principal), id);
  }

  @Get(':id/rejections')
  @Roles('admin', 'submitter', 'analyst')
  @ApiOperation({ summary: 'The rejected rows of a batch, with row number, field, code and message (JSON pages, or all as CSV)' })
  @ApiOkResponse({ type: RejectionPageDto, description: 'JSON; with format=csv, text/csv of every rejection' })
  @ApiErrors(401, 403, 404)
  async rejections(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseIntPipe) id: number,
    @Query() query: RejectionsQuery,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (query.format === 'csv') {
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', `attachment; filename="batch-${id}-rejections.csv"`);
      return this.imports.rejectionsCsv(viewerOf(principal), id);
    }
    return this.imports.rejections(viewerOf(principal), id, query.limit, query.offset);
  }
}
