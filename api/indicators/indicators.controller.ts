import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IndicatorsService } from '../../metrics/read/indicators/indicators.service';
import { ApiErrors } from '../http/api-errors.decorator';
import { AgreementContractsDto, AgreementContractsQueryDto, AgreementQueryDto, AgreementResultDto, ImplementationQueryDto, ImplementationResultDto } from './indicators.dto';
import { Public, SupplierData } from '../auth/access.decorator';
import { CurrentScope } from '../auth/principal.decorator';
import { NoticesService } from '../../metrics/read/notices/notices.service';
import type { ReadScope } from '../../metrics/reference/read-filter/read-filter';

@ApiTags('indicators')
@Controller('api/v1/indicators')
export class IndicatorsController {
  constructor(
    private readonly indicators: IndicatorsService,
    private readonly notices: NoticesService,
  ) {}

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

  @Get('ratings-agreement')
  @Public()
  @ApiOperation({
    summary: "The buyer's official ratings (contract performance notices, UK9) beside the ratings computed from the returns",
    description:
      'A cross-table of official (rows) by computed (columns) rating over every contract and period a notice rated, in the filter (the period\'s end in from..to): how many agree and how many lie two steps or more apart. The computed rating is the contract\'s delivery rating as of the last day of the period assessed. Aggregate figures, so public; the contracts themselves are at /ratings-agreement/contracts.',
  })
  @ApiOkResponse({ type: AgreementResultDto })
  @ApiErrors(400, 404)
  agreement(@Query() query: AgreementQueryDto) {
    return this.notices.agreement(query);
  }

  @Get('ratings-agreement/contracts')
  @SupplierData()
  @ApiOperation({
    summary: 'The contracts whose official rating and rating from returns differ by two steps or more',
    description:
      "Supplier-level data (a contract's computed rating comes from its supplier's returns): an analyst or admin key, or a submitter key for the authority, unless SUPPLIER_DATA=open. Largest differences first; all=true lists every pair.",
  })
  @ApiOkResponse({ type: AgreementContractsDto })
  @ApiErrors(400, 401, 403, 404)
  agreementContracts(@Query() query: AgreementContractsQueryDto, @CurrentScope() scope: ReadScope) {
    return this.notices.agreementContracts(query, scope);
  }
}
