import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QualityService } from '../../metrics/read/quality/quality.service';
import { ApiErrors } from '../http/api-errors.decorator';
import { QualityQueryDto, QualityReportDto } from './quality.dto';

@ApiTags('quality')
@Controller('api/v1/quality')
export class QualityController {
  constructor(private readonly quality: QualityService) {}

  @Get()
  @ApiOperation({
    summary: 'Data quality: outliers, evidence claimed on two contracts, returns outside contract dates, missing returns',
    description:
      'Flagged outcome rows (latest revisions) with the check and its detail, paged, and counts per check over the filters. check= selects checks. Outliers: modified z-score (0.6745 (x - median) / MAD, |z| > 3.5) of value per £ of contract value within a measure. Missing returns: contract quarters without a return, listed with the same paging and counted in full.',
  })
  @ApiOkResponse({ type: QualityReportDto })
  @ApiErrors(400, 404)
  list(@Query() query: QualityQueryDto) {
    return this.quality.list(query);
  }
}
