import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MeasuresService } from '../../metrics/read/measures/measures.service';
import { ApiErrors } from '../http/api-errors.decorator';
import { SummaryQueryDto, SummaryResponseDto } from './measures.dto';
import { Public } from '../auth/access.decorator';

@ApiTags('measures')
@Controller('api/v1/measures')
export class MeasuresController {
  constructor(private readonly measures: MeasuresService) {}

  @Get('summary')
  @Public()
  @ApiOperation({
    summary: 'Social value by authority, place, sector, theme, measure and period',
    description:
      'Read from the rollups. £ on one basis and base year, within one framework version; quantities only within one measure. Per £ of contract value and per head. explain=true adds the proxy values, adjustments, deflators and row counts behind each figure.',
  })
  @ApiOkResponse({ type: SummaryResponseDto })
  @ApiErrors(400, 404)
  summary(@Query() query: SummaryQueryDto) {
    return this.measures.summary(query);
  }
}
