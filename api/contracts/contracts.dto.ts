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

export class ContractDetailDto extends ContractSummaryDto {
  @ApiProperty({ type: [ContractLineDto] }) commitments!: ContractLineDto[];
  @ApiProperty({ type: [ContractLineDto] }) outcomes!: ContractLineDto[];
}
