import { ApiPropertyOptional } from '@nestjs/swagger';
import { FRAMEWORK_SPEC } from '../../metrics/read/query-params';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { AUTHORITY_KINDS } from '../../metrics/reference/authorities/authority-kinds';
import type { RowFilterQuery } from '../../metrics/read/row-filter';

const PERIOD = 'a year 2025, a quarter 2025-Q1, a month 2025-04 or a financial year FY2025-26';

/** The filters of the row-level exports (and of the quality listing). */
export class RowFilterDto implements RowFilterQuery {
  @ApiPropertyOptional({ description: 'Authority code (GSS, GB-GOR-...); several repeated or comma-separated', type: String })
  @IsOptional()
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  authority?: string | string[];

  @ApiPropertyOptional({ enum: AUTHORITY_KINDS, description: 'Authority kind' }) @IsOptional() @IsIn(AUTHORITY_KINDS) kind?: string;
  @ApiPropertyOptional({ description: 'Region, e.g. North West' }) @IsOptional() @IsString() @MaxLength(100) region?: string;
  @ApiPropertyOptional({ description: 'Nation: England, Scotland, Wales, Northern Ireland' }) @IsOptional() @IsString() @MaxLength(100) nation?: string;
  @ApiPropertyOptional({ description: 'Sector: CPV division, e.g. 85' })
  @IsOptional()
  @Matches(/^\d{2}$/, { message: 'sector must be two digits (a CPV division)' })
  sector?: string;
  @ApiPropertyOptional({ description: 'Measure code, e.g. SVM-EMP-LOCAL-FTE' }) @IsOptional() @IsString() @MaxLength(100) measure?: string;
  @ApiPropertyOptional({ description: 'Theme code of the framework, e.g. T2' }) @IsOptional() @IsString() @MaxLength(100) theme?: string;
  @ApiPropertyOptional({ description: 'Framework code or code@version' })
  @IsOptional()
  @Matches(FRAMEWORK_SPEC, { message: 'framework must be a code or code@version' })
  framework?: string;
  @ApiPropertyOptional({ description: `First period (${PERIOD}): outcomes and commitments by their period end, contracts by award date` })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  from?: string;
  @ApiPropertyOptional({ description: 'Last period, same forms as from' }) @IsOptional() @IsString() @MaxLength(20) to?: string;
}
