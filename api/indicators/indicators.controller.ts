import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IndicatorsService } from '../../metrics/read/indicators/indicators.service';
import { ApiErrors } from '../http/api-errors.decorator';
import { ImplementationQueryDto, ImplementationResultDto } from './indicators.dto';
import { Public } from '../auth/access.decorator';

@ApiTags('indicators')
@Controller('api/v1/indicators')
export class IndicatorsController {
  constructor(private readonly indicators: IndicatorsService) {}

  @Get('implementation')
  @Public()
  @ApiOperation({
    summary: 'How the Social Value Act is implemented: coverage, weighting, commitment and delivery, reporting, SME and VCSE shares',
    description:
      'By any of authority, kind, region, nation, department, sector and period (quarter, year or financial year). Contract-based indicators count a contract in its award quarter; the split of social value counts outcomes in the quarter their period ends. Delivery figures are as of the end of the last closed quarter (as_of). Every ratio comes with its numerator and denominator. Read from the rollups.',
  })
  @ApiOkResponse({ type: ImplementationResultDto })
  @ApiErrors(400, 404)
  implementation(@Query() query: ImplementationQueryDto) {
    return this.indicators.implementation(query);
  }
}
