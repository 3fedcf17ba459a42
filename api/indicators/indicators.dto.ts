import { ApiProperty, ApiPropertyOptional, IntersectionType, PickType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { INDICATOR_BASES, INDICATOR_DIMENSIONS, PERIOD_TYPES } from '../../metrics/read/indicators/indicators.repository';
import { INDICATOR_FILTERS, type ImplementationQuery } from '../../metrics/read/indicators/indicators.service';
import { ReadFilterDto } from '../http/read-filter.dto';

const list = (description: string) =>
  ApiPropertyOptional({ description: `${description}; several as a comma-separated list or repeated`, type: String });

/** The grouping, periods and basis of the implementation indicators; with their filters, ImplementationQueryDto. */
class ImplementationOptions {
  @list(`Group rows by any of ${INDICATOR_DIMENSIONS.join(', ')} (department: the parent department of a central body; period: see period_type)`)
  @IsOptional()
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  group_by?: string | string[];

  @ApiPropertyOptional({ enum: PERIOD_TYPES, default: 'quarter', description: 'Periods of group_by=period: calendar quarter, calendar year, or UK financial year (April-March)' })
  @IsOptional()
  @IsIn(PERIOD_TYPES as unknown as string[], { message: `period_type must be one of ${PERIOD_TYPES.join(', ')}` })
  period_type?: string;

  @ApiPropertyOptional({ enum: INDICATOR_BASES, default: 'net', description: 'Basis of every £: nominal, real (base-year prices) or net (of deadweight, displacement, attribution)' })
  @IsOptional()
  @IsIn(INDICATOR_BASES as unknown as string[], { message: `basis must be one of ${INDICATOR_BASES.join(', ')}` })
  basis?: string;
}

/** The groupings and filters of the implementation indicators (also taken by their export). */
export class ImplementationQueryDto extends IntersectionType(PickType(ReadFilterDto, INDICATOR_FILTERS), ImplementationOptions) implements ImplementationQuery {}

class RatingThresholdsDto {
  @ApiProperty({ example: '0.95' }) good!: string;
  @ApiProperty({ example: '0.8' }) approaching_target!: string;
  @ApiProperty({ example: '0.5' }) requires_improvement!: string;
}

class FrameworkRefDto {
  @ApiProperty({ example: 'svm-open' }) code!: string;
  @ApiProperty() version!: string;
  @ApiProperty({ example: 2024 }) base_price_year!: number;
}

export class ImplementationResultDto {
  @ApiProperty({ example: '2026-09-30', description: 'End of the quarter the delivery figures are as of (the last closed calendar quarter)' }) as_of!: string;
  @ApiProperty({ type: RatingThresholdsDto }) rating_thresholds!: RatingThresholdsDto;
  @ApiProperty({ type: FrameworkRefDto }) framework!: FrameworkRefDto;
  @ApiProperty({ enum: INDICATOR_BASES }) basis!: string;
  @ApiProperty({ example: 'GBP' }) currency!: string;
  @ApiProperty({ enum: PERIOD_TYPES }) period_type!: string;
  @ApiProperty({ type: [String], enum: INDICATOR_DIMENSIONS }) group_by!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true }) filters!: Record<string, unknown>;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }], nullable: true } },
    description:
      'One flat row per group: the group columns, counts, £ (rounded to pence), and each ratio (0..1 to 6 places; mean_weighting_pct in %) with <name>_numerator and <name>_denominator',
  })
  rows!: Array<Record<string, string | number | null>>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'What each figure means' }) definitions!: Record<string, string>;
}
