import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ReadScope } from '../../metrics/reference/read-filter/read-filter';
import { QualityService } from '../../metrics/read/quality/quality.service';
import { ApiErrors } from '../http/api-errors.decorator';
import { ExpensiveRead } from '../http/rate-limit';
import { QualityQueryDto, QualityReportDto } from './quality.dto';
import { SupplierData } from '../auth/access.decorator';
import { CurrentScope } from '../auth/principal.decorator';

@ApiTags('quality')
@Controller('api/v1/quality')
export class QualityController {
  constructor(private readonly quality: QualityService) {}

  @Get()
  @SupplierData()
  @ExpensiveRead()
  @ApiOperation({
    summary: 'Data quality: outliers, evidence claimed on two contracts, returns outside contract dates, missing returns',
    description:
      'Supplier-level data: needs an analyst or admin key, or a submitter key (which reads the authorities it writes for), unless SUPPLIER_DATA=open. Flagged outcome rows (latest revisions) with the check and its detail, paged, and counts per check over the filters. check= selects checks. Outliers: modified z-score (0.6745 (x - median) / MAD, |z| > 3.5) of value per £ of contract value within a measure. Missing returns: contract quarters without a return, listed with the same paging and counted in full.',
  })
  @ApiOkResponse({ type: QualityReportDto })
  @ApiErrors(400, 401, 403, 404)
  list(@Query() query: QualityQueryDto, @CurrentScope() scope: ReadScope) {
    return this.quality.list(query, scope);
  }
}
