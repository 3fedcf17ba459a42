import { ApiProperty, ApiPropertyOptional, IntersectionType, PickType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { DIMENSION_NAMES } from '../../metrics/read/measures/measures.repository';
import { SUMMARY_FILTERS, type SummaryQuery } from '../../metrics/read/measures/measures.service';
import { ReadFilterDto } from '../http/read-filter.dto';
import { BASES } from '../../metrics/derive/valuation/valuation';

const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);
const list = (description: string) =>
  ApiPropertyOptional({ description: `${description}; several as a comma-separated list or repeated`, type: String });

/** The grouping, basis and options of the measures summary; with its filters, SummaryQueryDto (also taken by its export). */
class SummaryOptions {
  @list(`Group rows by any of ${DIMENSION_NAMES.join(', ')} (fy: UK financial year April-March)`)
  @IsOptional()
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  group_by?: string | string[];

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

export class SummaryQueryDto extends IntersectionType(PickType(ReadFilterDto, SUMMARY_FILTERS), SummaryOptions) implements SummaryQuery {}

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
