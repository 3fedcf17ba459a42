import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ApiErrors } from '../http/api-errors.decorator';
import { PageQuery } from '../http/paging.dto';
import { ContractDeliveryPageDto, ContractDetailDto, ContractPageDto } from './contracts.dto';
import { ContractsService } from '../../metrics/read/contracts/contracts.service';
import { Public, SupplierData } from '../auth/access.decorator';
import { CurrentScope } from '../auth/principal.decorator';
import type { ReadScope } from '../../metrics/reference/read-filter/read-filter';

const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

class ContractQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Authority code, e.g. E08000009' }) @IsOptional() @IsString() @MaxLength(64) authority?: string;
  @ApiPropertyOptional({ description: 'Supplier as scheme:identifier (GB-COH:01234567), or part of its name' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  supplier?: string;
  @ApiPropertyOptional({ description: 'CPV division, e.g. 85' }) @IsOptional() @Matches(/^\d{2}$/, { message: 'sector must be two digits' }) sector?: string;
  @ApiPropertyOptional({ enum: ['awarded', 'pipeline', 'cancelled'] }) @IsOptional() @IsIn(['awarded', 'pipeline', 'cancelled']) stage?: string;
  @ApiPropertyOptional({ description: 'true: demo data only; false: real data only' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  demo?: boolean;
}

class HistoryQuery {
  @ApiPropertyOptional({ description: 'Every revision of each commitment and outcome, not only the latest' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  history?: boolean;
}

@ApiTags('contracts')
@Controller('api/v1/contracts')
export class ContractsController {
  constructor(private readonly contracts: ContractsService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Contracts, with buyer and supplier; filters authority, supplier, sector, stage (awarded or pipeline)' })
  @ApiOkResponse({ type: ContractPageDto })
  @ApiErrors(400)
  list(@Query() query: ContractQuery) {
    return this.contracts.list(query);
  }

  @Get(':id')
  @Public()
  @ApiOperation({ summary: 'One contract (by id or reference) as its notices publish it: buyer, suppliers, OCDS releases' })
  @ApiOkResponse({ type: ContractDetailDto })
  @ApiErrors(400, 404)
  get(@Param('id') id: string) {
    return this.contracts.get(id);
  }

  @Get(':id/delivery')
  @SupplierData()
  @ApiOperation({
    summary: 'What the suppliers of a contract sent: its commitments and outcome returns, and delivery against commitment',
    description:
      'Supplier-level data: needs an analyst or admin key, or a submitter key for the contract\'s authority, unless SUPPLIER_DATA=open. Latest revisions, or every revision with history=true; each latest commitment with what was expected and delivered to date (the end of the last closed quarter), its ratio and Procurement Act 2023 s.71 rating.',
  })
  @ApiOkResponse({ type: ContractDeliveryPageDto })
  @ApiErrors(400, 401, 403, 404)
  delivery(@Param('id') id: string, @Query() query: HistoryQuery, @CurrentScope() scope: ReadScope) {
    return this.contracts.delivery(id, query.history ?? false, scope);
  }
}
