import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ApiErrors } from '../http/api-errors.decorator';
import { PageQuery } from '../http/paging.dto';
import { ContractDetailDto, ContractPageDto } from './contracts.dto';
import { ContractsService } from '../../metrics/read/contracts/contracts.service';

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
  @ApiOperation({ summary: 'Contracts, with buyer and supplier; filters authority, supplier, sector, stage (awarded or pipeline)' })
  @ApiOkResponse({ type: ContractPageDto })
  @ApiErrors(400)
  list(@Query() query: ContractQuery) {
    return this.contracts.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One contract (by id or reference) with its commitments and outcomes' })
  @ApiOkResponse({ type: ContractDetailDto })
  @ApiErrors(400, 404)
  get(@Param('id') id: string, @Query() query: HistoryQuery) {
    return this.contracts.get(id, query.history ?? false);
  }
}
