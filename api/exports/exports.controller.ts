import { applyDecorators, Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, SupplierData } from '../auth/access.decorator';
import { CurrentScope } from '../auth/principal.decorator';
import type { ReadScope } from '../../metrics/reference/read-filter/read-filter';
import { ApiErrors } from '../http/api-errors.decorator';
import { ExpensiveRead } from '../http/rate-limit';
import { ImplementationQueryDto } from '../indicators/indicators.dto';
import { SummaryQueryDto } from '../measures/measures.dto';
import { RowFilterDto } from './exports.dto';
import { ExportsApiService } from './exports.service';

const FORMATS = `\`.csv\` (RFC 4180, header row, CRLF; text cells starting with = + - @ tab or CR get a leading apostrophe against
formula injection, numbers never), \`.json\` (one array, streamed), \`.ndjson\` (an object per line) or \`.arrow\` (an Arrow IPC
stream, application/vnd.apache.arrow.stream: codes as Dictionary<Utf8, Int32>, quantities and £ as Float64, dates as
DateDay, flags as Bool, ids as Int64; a record batch per 10,000 rows). Streamed: a transfer cut short (the connection
closed before the end) is an incomplete file.`;

const ROW_FORMAT = { name: 'format', enum: ['csv', 'json', 'ndjson', 'arrow', 'arrows'] };
const PRODUCES = ['text/csv', 'application/json', 'application/x-ndjson', 'application/vnd.apache.arrow.stream'];
const ROW_DESCRIPTION = `The latest revision of each row, filtered by authority (several, comma-separated or repeated), kind, region, nation (case-insensitive), sector, measure, theme, framework (code or code@version; measure and theme codes are looked up in it) and from/to. ${FORMATS}`;

const SUPPLIER_DATA = `Supplier-level data: needs an analyst or admin key, or a submitter key (which reads the authorities it writes for; another authority asked for is a 403), unless SUPPLIER_DATA=open.`;

/** What every row-level export route declares: its access rule, formats and errors. */
const RowExport = (access: 'public' | 'supplier-data', summary: string, more?: string) =>
  applyDecorators(
    access === 'public' ? Public() : SupplierData(),
    ExpensiveRead(),
    ApiOperation({ summary, description: [access === 'public' ? 'Public: the fields contract notices publish.' : SUPPLIER_DATA, ROW_DESCRIPTION, more].filter(Boolean).join(' ') }),
    ApiParam(ROW_FORMAT),
    ApiProduces(...PRODUCES),
    ApiResponse({ status: 200, description: 'The file, streamed' }),
    ApiErrors(...(access === 'public' ? [400, 404] : [400, 401, 403, 404])),
  );

@ApiTags('exports')
@Controller('api/v1/exports')
export class ExportsController {
  constructor(private readonly exports: ExportsApiService) {}

  @Get('outcomes.:format')
  @RowExport('supplier-data', 'Outcome returns: authority, measure and framework, sector, period, quantity (as sent and canonical), evidence, batch, demo flag, quality flags')
  outcomes(@Param('format') format: string, @Query() query: RowFilterDto, @CurrentScope() scope: ReadScope, @Res() res: Response) {
    return this.exports.rows('outcomes', format, query, scope, res);
  }

  @Get('commitments.:format')
  @RowExport('supplier-data', 'Commitments: what suppliers promised, per contract, measure and period')
  commitments(@Param('format') format: string, @Query() query: RowFilterDto, @CurrentScope() scope: ReadScope, @Res() res: Response) {
    return this.exports.rows('commitments', format, query, scope, res);
  }

  @Get('contracts.:format')
  @RowExport(
    'public',
    'Contracts with buyer, lead supplier (scheme, id, name, scale, VCSE) and their flags (in scope, social value evaluated, weighting)',
    'from/to select by award date; measure, theme and framework select contracts with a latest commitment or outcome in them.',
  )
  contracts(@Param('format') format: string, @Query() query: RowFilterDto, @Res() res: Response) {
    return this.exports.rows('contracts', format, query, { authorities: null }, res);
  }

  @Get('summary.:format')
  @Public()
  @ExpensiveRead()
  @ApiOperation({ summary: 'The measures summary as a file: the rows GET /api/v1/measures/summary gives for the same query (public)', description: FORMATS })
  @ApiParam(ROW_FORMAT)
  @ApiProduces(...PRODUCES)
  @ApiResponse({ status: 200, description: 'The file' })
  @ApiErrors(400, 404)
  summary(@Param('format') format: string, @Query() query: SummaryQueryDto, @Res() res: Response) {
    return this.exports.summary(format, query, res);
  }

  @Get('indicators.:format')
  @Public()
  @ExpensiveRead()
  @ApiOperation({
    summary: 'The implementation indicators as a file: the rows GET /api/v1/indicators/implementation gives for the same query (public)',
    description: FORMATS,
  })
  @ApiParam(ROW_FORMAT)
  @ApiProduces(...PRODUCES)
  @ApiResponse({ status: 200, description: 'The file' })
  @ApiErrors(400, 404)
  indicators(@Param('format') format: string, @Query() query: ImplementationQueryDto, @Res() res: Response) {
    return this.exports.indicators(format, query, res);
  }
}
