import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RATINGS } from '../../metrics/derive/valuation/delivery';
import { PageInfo } from '../http/paging.dto';

export class ContractSummaryDto {
  @ApiProperty() id!: number;
  @ApiProperty({ example: 'ocds-b5fd17-0001' }) reference!: string;
  @ApiProperty({ nullable: true }) ocid!: string | null;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: ['awarded', 'pipeline', 'cancelled'] }) stage!: string;
  @ApiProperty({ example: 'E08000009' }) authority_code!: string;
  @ApiProperty() authority_name!: string;
  @ApiProperty({ nullable: true }) supplier_id!: number | null;
  @ApiProperty({ nullable: true }) supplier_name!: string | null;
  @ApiProperty({ nullable: true, example: 'GB-COH' }) supplier_scheme!: string | null;
  @ApiProperty({ nullable: true }) supplier_identifier!: string | null;
  @ApiProperty({ nullable: true, enum: ['sme', 'large'] }) supplier_scale!: string | null;
  @ApiProperty({ nullable: true }) supplier_vcse!: boolean | null;
  @ApiProperty({ nullable: true, example: '85312000' }) cpv_code8!: string | null;
  @ApiProperty({ nullable: true, example: '85', description: 'CPV division' }) sector!: string | null;
  @ApiProperty({ nullable: true, example: '1250000.00', description: 'Exact decimal as text' }) value_gbp!: string | null;
  @ApiProperty({ nullable: true, example: '2024-02-15' }) award_date!: string | null;
  @ApiProperty({ nullable: true }) start_date!: string | null;
  @ApiProperty({ nullable: true }) end_date!: string | null;
  @ApiProperty({ nullable: true }) in_scope!: boolean | null;
  @ApiProperty({ nullable: true }) sv_evaluated!: boolean | null;
  @ApiProperty({ nullable: true, example: '10.00' }) sv_weighting_pct!: string | null;
  @ApiProperty() is_demo!: boolean;
}

export class ContractPageDto {
  @ApiProperty({ type: [ContractSummaryDto] }) data!: ContractSummaryDto[];
  @ApiProperty() page!: PageInfo;
}

class ContractLineDto {
  @ApiProperty() id!: number;
  @ApiProperty({ example: 'svm-open' }) framework!: string;
  @ApiProperty() framework_version!: string;
  @ApiProperty({ example: 'SVM-EMP-LOCAL-FTE' }) measure!: string;
  @ApiProperty() measure_name!: string;
  @ApiProperty({ example: '2024-04-01' }) period_start!: string;
  @ApiProperty({ example: '2024-06-30' }) period_end!: string;
  @ApiProperty({ description: 'As reported (outcomes: quantity; commitments: target_quantity)' }) quantity?: string;
  @ApiProperty({ description: 'In the measure\'s unit (outcomes: quantity_canonical; commitments: target_canonical)' }) quantity_canonical?: string;
  @ApiProperty() unit!: string;
  @ApiProperty() canonical_unit!: string;
  @ApiProperty() revision!: number;
  @ApiProperty() is_latest!: boolean;
  @ApiProperty({ nullable: true }) batch_id!: number | null;
  @ApiPropertyOptional({ nullable: true, example: '225872.689938', description: 'Commitments (latest revision): what should have been delivered by the as-of date, pro-rata by elapsed days of the period' })
  expected_to_date?: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Commitments: what the latest returns delivered within the period up to the as-of date (a return pro-rata by its days inside)' })
  delivered_to_date?: string | null;
  @ApiPropertyOptional({ nullable: true, example: '0.846689', description: 'Commitments: delivered / expected (null when nothing is expected yet)' })
  delivery_ratio?: string | null;
  @ApiPropertyOptional({ nullable: true, enum: RATINGS, description: 'Commitments: Procurement Act 2023 s.71 rating' })
  rating?: string | null;
}

class MeasureDeliveryDto {
  @ApiProperty({ example: 'SVM-SPEND-LOCAL' }) measure!: string;
  @ApiProperty() commitments!: number;
  @ApiProperty({ description: 'Sum of the latest commitments, canonical unit' }) committed!: string;
  @ApiProperty({ description: 'Expected to date: sum of each commitment pro-rata by elapsed days of its period' }) expected!: string;
  @ApiProperty({ description: 'Delivered to date: the latest returns, each pro-rata by elapsed days of its period' }) delivered!: string;
  @ApiProperty({ nullable: true }) ratio!: string | null;
  @ApiProperty({ enum: RATINGS }) rating!: string;
  @ApiProperty({ example: 'Approaching target' }) rating_label!: string;
}

class ContractDeliveryDto {
  @ApiProperty({ example: '2026-09-30', description: 'End of the last closed quarter (the stored figures\' as-of date)' }) as_of!: string;
  @ApiProperty({ enum: RATINGS, description: 'The worst rating of the measures with something expected; other when none has' }) rating!: string;
  @ApiProperty({ example: 'Good' }) rating_label!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { good: '0.95', approaching_target: '0.8', requires_improvement: '0.5' } })
  thresholds!: Record<string, string>;
  @ApiProperty() method!: string;
  @ApiProperty({ type: [MeasureDeliveryDto] }) measures!: MeasureDeliveryDto[];
}

class ContractSupplierDto {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, example: 'GB-COH' }) scheme!: string | null;
  @ApiProperty({ nullable: true, example: '01234567' }) identifier!: string | null;
  @ApiProperty({ nullable: true, enum: ['sme', 'large'] }) scale!: string | null;
  @ApiProperty({ nullable: true }) vcse!: boolean | null;
}

class ContractReleaseDto {
  @ApiProperty() release_id!: string;
  @ApiProperty() release_date!: Date;
  @ApiProperty({ type: [String], example: ['award'] }) tags!: string[];
  @ApiProperty({ nullable: true }) batch_id!: number | null;
}

class ContractKpiDto {
  @ApiProperty({ example: 'kpi-1', description: 'contracts[].agreedMetrics[].id' }) metric_id!: string;
  @ApiProperty({ nullable: true }) title!: string | null;
  @ApiProperty({ nullable: true }) description!: string | null;
  @ApiProperty() release_id!: string;
  @ApiProperty() release_date!: Date;
}

class ContractRatingDto {
  @ApiProperty({ example: 'kpi-1' }) metric_id!: string;
  @ApiProperty() observation_id!: string;
  @ApiProperty({ example: '2025-04-01' }) period_start!: string;
  @ApiProperty({ example: '2026-03-31' }) period_end!: string;
  @ApiProperty({ enum: ['met', 'slightlyBelow', 'below', 'significantlyBelow', 'other'], description: 'measureClassification.id as published' }) classification!: string;
  @ApiProperty({ enum: RATINGS, description: 'The s.71 rating it stands for' }) rating!: string;
  @ApiProperty({ nullable: true }) notes!: string | null;
  @ApiProperty({ nullable: true, description: 'The supplier rated' }) supplier!: string | null;
  @ApiProperty() release_id!: string;
  @ApiProperty() release_date!: Date;
  @ApiProperty({ description: 'A later notice rated the same KPI and period: this one is kept, not counted' }) superseded!: boolean;
}

class PerformanceFailureDto {
  @ApiProperty({ nullable: true }) requirement!: string | null;
  @ApiProperty({ nullable: true }) description!: string | null;
  @ApiProperty({ nullable: true }) decision_date!: string | null;
  @ApiProperty({ nullable: true }) penalty_date!: string | null;
  @ApiProperty({ nullable: true }) penalty_type!: string | null;
  @ApiProperty({ nullable: true, example: '25000.00' }) penalty_value_gbp!: string | null;
  @ApiProperty({ nullable: true }) partial_termination!: string | null;
  @ApiProperty() release_id!: string;
}

class ContractEventDto {
  @ApiProperty({ enum: ['change', 'termination', 'cancellation'], description: 'UK10 contract change, UK11 termination, UK12 cancellation' }) kind!: string;
  @ApiProperty({ nullable: true }) event_date!: string | null;
  @ApiProperty({ nullable: true }) description!: string | null;
  @ApiProperty({ nullable: true }) rationale!: string | null;
  @ApiProperty() release_id!: string;
}

/** What the Procurement Act 2023's notices published about a contract. */
class ContractNoticesDto {
  @ApiProperty({ type: [ContractKpiDto], description: 'KPIs of the contract details notice (UK7)' }) kpis!: ContractKpiDto[];
  @ApiProperty({ nullable: true, description: 'Why the contract has no KPIs (noAgreedMetricsRationale), when it has none' }) kpi_rationale!: string | null;
  @ApiProperty({ type: [ContractRatingDto], description: 'Every rating of the contract performance notices (UK9), newest period first' }) ratings!: ContractRatingDto[];
  @ApiProperty({ type: [PerformanceFailureDto] }) performance_failures!: PerformanceFailureDto[];
  @ApiProperty({ type: [ContractEventDto] }) events!: ContractEventDto[];
}

export class ContractDetailDto extends ContractSummaryDto {
  @ApiProperty({ nullable: true }) description!: string | null;
  @ApiProperty({ nullable: true, description: 'The value in its own currency (value_gbp is null when that is not GBP)' }) value_amount!: string | null;
  @ApiProperty({ nullable: true, example: 'GBP' }) currency!: string | null;
  @ApiProperty({ nullable: true, example: 'services' }) procurement_category!: string | null;
  @ApiProperty({ nullable: true, type: [String], description: 'OCDS sustainability goals', example: ['social.disadvantagedEmploymentOpportunities'] }) sv_goals!: string[] | null;
  @ApiProperty({ nullable: true, description: 'Date of the newest OCDS release merged in' }) release_date!: Date | null;
  @ApiProperty({ type: [ContractSupplierDto], description: 'Every supplier of the contract, the lead first' }) suppliers!: ContractSupplierDto[];
  @ApiProperty({ type: [ContractReleaseDto], description: 'The OCDS releases it was built from' }) releases!: ContractReleaseDto[];
  @ApiProperty({ type: ContractNoticesDto, description: "What the Procurement Act 2023's notices published about it" }) notices!: ContractNoticesDto;
}

class ContractRefDto {
  @ApiProperty() id!: number;
  @ApiProperty() reference!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ example: 'E08000009' }) authority_code!: string;
}

/** GET /contracts/{id}/delivery: supplier-level data. */
export class ContractDeliveryPageDto {
  @ApiProperty({ type: ContractRefDto }) contract!: ContractRefDto;
  @ApiProperty({ type: [ContractLineDto] }) commitments!: ContractLineDto[];
  @ApiProperty({ type: [ContractLineDto] }) outcomes!: ContractLineDto[];
  @ApiProperty({ enum: RATINGS, description: 'Overall delivery rating (delivery.rating)' }) delivery_rating!: string;
  @ApiProperty({ type: ContractDeliveryDto, description: 'Commitment vs delivery as of the end of the last closed quarter' }) delivery!: ContractDeliveryDto;
}
