import { ApiProperty, ApiPropertyOptional, IntersectionType, PickType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { INDICATOR_BASES, INDICATOR_DIMENSIONS, PERIOD_TYPES } from '../../metrics/read/indicators/indicators.repository';
import { INDICATOR_FILTERS, type ImplementationQuery } from '../../metrics/read/indicators/indicators.service';
import { ReadFilterDto } from '../http/read-filter.dto';
import { AGREEMENT_FILTERS, type AgreementQuery } from '../../metrics/read/notices/notices.service';
import { RATINGS } from '../../metrics/derive/valuation/delivery';

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

/** The filters of the ratings agreement: the buyer, the sector and the period assessed (its end in from..to). */
export class AgreementQueryDto extends PickType(ReadFilterDto, AGREEMENT_FILTERS) implements AgreementQuery {}

export class AgreementContractsQueryDto extends AgreementQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'false', description: 'Every pair, not only those two steps or more apart' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'all must be true or false' })
  all?: string;
}

class RatingRefDto {
  @ApiProperty({ enum: RATINGS }) rating!: string;
  @ApiProperty({ example: 'Approaching target' }) label!: string;
}

export class AgreementResultDto {
  @ApiProperty({ type: 'object', additionalProperties: true }) filters!: Record<string, unknown>;
  @ApiProperty({ type: [RatingRefDto], description: 'The ratings in the order of the table (s.71 words)' }) ratings!: RatingRefDto[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: { type: 'integer' } },
    description: 'official rating -> computed rating -> number of contract-periods (every cell present)',
    example: { good: { good: 3, approaching_target: 1, requires_improvement: 0, inadequate: 0, other: 0 } },
  })
  table!: Record<string, Record<string, number>>;
  @ApiProperty({ description: 'Contract-periods rated both ways' }) pairs!: number;
  @ApiProperty({ description: 'Of those, where neither rating is Other' }) rated!: number;
  @ApiProperty({ description: 'Of those, the same rating' }) agree!: number;
  @ApiProperty({ description: 'Of those, two steps or more apart (e.g. Good and Requires improvement)' }) two_or_more_apart!: number;
  @ApiProperty({ nullable: true, example: 0.75, description: 'agree / rated, 0..1 (6 places)' }) agreement_share!: number | null;
  @ApiProperty({ description: 'Contract-periods rated by a notice whose contract has no commitments: no computed rating' }) not_computable!: number;
  @ApiProperty() method!: string;
}

class AgreementPairDto {
  @ApiProperty() contract_id!: number;
  @ApiProperty() reference!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ example: 'E08000009' }) authority!: string;
  @ApiProperty() authority_name!: string;
  @ApiProperty({ example: '2025-04-01' }) period_start!: string;
  @ApiProperty({ example: '2026-03-31' }) period_end!: string;
  @ApiProperty({ enum: RATINGS, description: "The buyer's rating (UK9): the worst of its KPIs' latest ratings for the period" }) official!: string;
  @ApiProperty({ enum: RATINGS, description: 'From the returns: commitment vs delivery as of the last day of the period' }) computed!: string;
  @ApiProperty({ nullable: true, description: 'Steps apart on Inadequate..Good (null when either is Other)' }) steps!: number | null;
}

export class AgreementContractsDto {
  @ApiProperty({ type: 'object', additionalProperties: true }) filters!: Record<string, unknown>;
  @ApiProperty({ type: [AgreementPairDto] }) data!: AgreementPairDto[];
  @ApiProperty() method!: string;
}
