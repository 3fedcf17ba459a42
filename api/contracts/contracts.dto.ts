import { ApiProperty } from '@nestjs/swagger';
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

export class ContractDetailDto extends ContractSummaryDto {
  @ApiProperty({ nullable: true }) description!: string | null;
  @ApiProperty({ nullable: true, description: 'The value in its own currency (value_gbp is null when that is not GBP)' }) value_amount!: string | null;
  @ApiProperty({ nullable: true, example: 'GBP' }) currency!: string | null;
  @ApiProperty({ nullable: true, example: 'services' }) procurement_category!: string | null;
  @ApiProperty({ nullable: true, type: [String], description: 'OCDS sustainability goals', example: ['social.disadvantagedEmploymentOpportunities'] }) sv_goals!: string[] | null;
  @ApiProperty({ nullable: true, description: 'Date of the newest OCDS release merged in' }) release_date!: Date | null;
  @ApiProperty({ type: [ContractSupplierDto], description: 'Every supplier of the contract, the lead first' }) suppliers!: ContractSupplierDto[];
  @ApiProperty({ type: [ContractReleaseDto], description: 'The OCDS releases it was built from' }) releases!: ContractReleaseDto[];
  @ApiProperty({ type: [ContractLineDto] }) commitments!: ContractLineDto[];
  @ApiProperty({ type: [ContractLineDto] }) outcomes!: ContractLineDto[];
}
