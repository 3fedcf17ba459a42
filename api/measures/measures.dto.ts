import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FRAMEWORK_SPEC } from '../../metrics/read/query-params';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { DIMENSION_NAMES } from '../../metrics/read/measures/measures.repository';
import type { SummaryQuery } from '../../metrics/read/measures/measures.service';
import { BASES } from '../../metrics/derive/valuation/valuation';

const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);
const list = (description: string) =>
  ApiPropertyOptional({ description: `${description}; several as a comma-separated list or repeated`, type: String });

/** The filters and groupings of the measures summary (also taken by its export). */
export class SummaryQueryDto implements SummaryQuery {
  @list(`Group rows by any of ${DIMENSION_NAMES.join(', ')} (fy: UK financial year April-March)`)
  @IsOptional()
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  group_by?: string | string[];

  @list('Authority code (GSS, GB-GOR-...)') @IsOptional() @IsString({ each: true }) @MaxLength(2000, { each: true }) authority?: string | string[];
  @list('Authority kind, e.g. local_authority') @IsOptional() @IsString({ each: true }) @MaxLength(500, { each: true }) kind?: string | string[];
  @list('Region, e.g. North West') @IsOptional() @IsString({ each: true }) @MaxLength(500, { each: true }) region?: string | string[];
  @list('Nation: England, Scotland, Wales, Northern Ireland') @IsOptional() @IsString({ each: true }) @MaxLength(200, { each: true }) nation?: string | string[];
  @list('Sector: CPV division, e.g. 85') @IsOptional() @IsString({ each: true }) @MaxLength(500, { each: true }) sector?: string | string[];
  @list('Theme code of the framework, e.g. T2') @IsOptional() @IsString({ each: true }) @MaxLength(500, { each: true }) theme?: string | string[];
  @list('Measure code, e.g. SVM-EMP-LOCAL-FTE') @IsOptional() @IsString({ each: true }) @MaxLength(2000, { each: true }) measure?: string | string[];
  @list('Category: local_economic, social, environmental') @IsOptional() @IsString({ each: true }) @MaxLength(200, { each: true }) category?: string | string[];

  @ApiPropertyOptional({ description: 'First period: 2025, 2025-Q1, 2025-04 or FY2025-26 (by the quarter of the period end)' })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  from?: string;

  @ApiPropertyOptional({ description: 'Last period, same forms as from' }) @IsOptional() @IsString() @MaxLength(20) to?: string;

  @ApiPropertyOptional({ description: 'Framework code or code@version; default: the default framework. £ totals are within one framework version' })
  @IsOptional()
  @IsString()
  @Matches(FRAMEWORK_SPEC, { message: 'framework must be a code or code@version' })
  framework?: string;

  @ApiPropertyOptional({ enum: BASES, default: 'real', description: 'nominal, real (base-year prices), net (of deadweight, displacement, attribution) or pv (present value)' })
  @IsOptional()
  @IsIn(BASES as string[])
  basis?: string;

  @ApiPropertyOptional({ description: "Base price year of real, net and pv values; default: the framework's" })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1990)
  @Max(2100)
  base_year?: number;

  @ApiPropertyOptional({
    description: "Also count outcomes recorded against other frameworks' measures that the crosswalk maps onto this framework's (quantity x the crosswalk factor, valued as this framework's measure)",
  })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  crosswalk?: boolean;

  @ApiPropertyOptional({ description: 'Add to each row the proxy values, adjustments, deflators and row counts behind its figure' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  explain?: boolean;
}

class SummaryFrameworkDto {
  @ApiProperty() code!: string;
  @ApiProperty() version!: string;
  @ApiProperty({ description: 'Base price year of its real, net and pv figures' }) base_price_year!: number;
}

class SummaryTotalsDto {
  @ApiProperty({ nullable: true, type: Number }) value_gbp!: number | null;
  @ApiProperty() returns!: number;
  @ApiProperty() contract_returns!: number;
  @ApiProperty() unvalued_returns!: number;
}

export class SummaryResponseDto {
  @ApiProperty({ type: SummaryFrameworkDto }) framework!: SummaryFrameworkDto;
  @ApiProperty({ enum: BASES }) basis!: string;
  @ApiProperty() base_year!: number;
  @ApiProperty({ example: 'hmt-gdp-deflator-cy' }) price_series!: string;
  @ApiProperty({ example: 'GBP' }) currency!: string;
  @ApiProperty({ type: [String], enum: DIMENSION_NAMES }) group_by!: string[];
  @ApiProperty() crosswalk!: boolean;
  @ApiProperty({ description: 'The filters applied' }) filters!: Record<string, unknown>;
  @ApiProperty({ description: 'Whether quantities are shown (only within one measure)' }) quantity_shown!: boolean;
  @ApiProperty({ enum: ['cells', 'area', 'authority_year'], description: 'The rollup level read' }) level!: string;
  @ApiProperty({
    description:
      'One object per group: the group labels (authority, authority_name, kind, region, nation, sector, sector_label, theme, theme_name, measure, measure_name, unit, category, quarter, year, fy as grouped), quantity, value_gbp, returns, contract_returns, unvalued_returns, demo_returns, population, contract_value_gbp, value_per_contract_gbp, value_per_head_gbp, and with explain=true an explain array',
    type: 'array',
    items: { type: 'object' },
  })
  rows!: Array<Record<string, unknown>>;
  @ApiProperty({ type: SummaryTotalsDto }) totals!: SummaryTotalsDto;
  @ApiProperty({ description: 'What each column means' }) definitions!: Record<string, string>;
}
