import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ApiErrors } from '../http/api-errors.decorator';
import { PageInfo, PageQuery } from '../http/paging.dto';
import { SectorsService } from '../../metrics/reference/sectors/sectors.service';
import { Public } from '../auth/access.decorator';

class SectorDto {
  @ApiProperty({ example: '85', description: 'CPV division (2 digits)' }) code!: string;
  @ApiProperty({ example: '85000000-9' }) cpv_code!: string;
  @ApiProperty({ example: 'Health and social work services' }) label!: string;
}

class SectorListDto {
  @ApiProperty({ type: [SectorDto] }) data!: SectorDto[];
}

class CpvDto {
  @ApiProperty({ example: '85311000-2' }) code!: string;
  @ApiProperty({ example: '85311000' }) code8!: string;
  @ApiProperty({ example: '85' }) division!: string;
  @ApiProperty({ enum: ['division', 'group', 'class', 'category', 'subcategory'] }) level!: string;
  @ApiProperty({ nullable: true }) parent_code!: string | null;
  @ApiProperty() label!: string;
}

class CpvDetailDto extends CpvDto {
  @ApiProperty({ type: [CpvDto], description: 'Parent, grandparent ... up to the division' }) ancestors!: CpvDto[];
}

class CpvPageDto {
  @ApiProperty({ type: [CpvDto] }) data!: CpvDto[];
  @ApiProperty() page!: PageInfo;
}

class CpvQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Text in the label, or the start of a code' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ example: '85' })
  @IsOptional()
  @Matches(/^\d{2}$/, { message: 'division must be two digits' })
  division?: string;

  @ApiPropertyOptional({ enum: ['division', 'group', 'class', 'category', 'subcategory'] })
  @IsOptional()
  @IsIn(['division', 'group', 'class', 'category', 'subcategory'])
  level?: string;
}

/** Sectors are CPV 2008 divisions; the full CPV list is there to look codes up. */
@ApiTags('sectors')
@Controller('api/v1')
export class SectorsController {
  constructor(private readonly sectors: SectorsService) {}

  @Get('sectors')
  @Public()
  @ApiOperation({ summary: 'The sector list: the 45 CPV 2008 divisions' })
  @ApiOkResponse({ type: SectorListDto })
  listSectors() {
    return this.sectors.listSectors();
  }

  @Get('cpv')
  @Public()
  @ApiOperation({ summary: 'Search the CPV 2008 code list' })
  @ApiOkResponse({ type: CpvPageDto })
  @ApiErrors(400)
  listCpv(@Query() query: CpvQuery) {
    return this.sectors.listCpv(query);
  }

  @Get('cpv/:code')
  @Public()
  @ApiOperation({ summary: 'One CPV code (with or without its check digit) and its ancestors' })
  @ApiOkResponse({ type: CpvDetailDto })
  @ApiErrors(400, 404)
  getCpv(@Param('code') code: string) {
    return this.sectors.getCpv(code);
  }
}
