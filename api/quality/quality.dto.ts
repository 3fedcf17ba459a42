import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { QualityQuery } from '../../metrics/read/quality/quality.service';
import { QUALITY_CHECKS } from '../../metrics/read/quality/quality.repository';
import { RowFilterDto } from '../exports/exports.dto';
import { PageInfo, PageQuery } from '../http/paging.dto';

class QualityOptions {
  @ApiPropertyOptional({ description: `Checks to run: ${QUALITY_CHECKS.join(', ')}; several repeated or comma-separated (default: all)`, type: String })
  @IsOptional()
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  check?: string | string[];

  @ApiPropertyOptional({ description: 'The day closed quarters are judged on, YYYY-MM-DD (default: today)', example: '2025-05-10' })
  @IsOptional()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: 'as_of must be a date YYYY-MM-DD' })
  as_of?: string;
}

export class QualityQueryDto extends IntersectionType(PageQuery, RowFilterDto, QualityOptions) implements QualityQuery {}

class FlagDto {
  @ApiProperty({ enum: ['outlier', 'duplicate_evidence', 'outside_contract'] }) check!: string;
  @ApiProperty() outcome_id!: number;
  @ApiProperty() contract_reference!: string;
  @ApiProperty() authority_code!: string;
  @ApiProperty() authority_name!: string;
  @ApiProperty({ nullable: true }) sector!: string | null;
  @ApiProperty() framework_code!: string;
  @ApiProperty() framework_version!: string;
  @ApiProperty() measure_code!: string;
  @ApiProperty() period_start!: string;
  @ApiProperty() period_end!: string;
  @ApiProperty({ description: 'Exact decimal as text' }) quantity_canonical!: string;
  @ApiProperty() canonical_unit!: string;
  @ApiProperty({ nullable: true }) evidence_ref!: string | null;
  @ApiProperty({ nullable: true }) contract_value_gbp!: string | null;
  @ApiProperty({ nullable: true }) contract_start!: string | null;
  @ApiProperty({ nullable: true }) contract_end!: string | null;
  @ApiProperty() is_demo!: boolean;
  @ApiProperty({
    description:
      'outlier: value_per_gbp, basis, median, mad, z, n; duplicate_evidence: evidence_key, contract_count, contracts (up to 10 references); outside_contract: period and contract dates',
  })
  detail!: Record<string, unknown>;
}

class MissingReturnDto {
  @ApiProperty() contract_id!: number;
  @ApiProperty() contract_reference!: string;
  @ApiProperty() authority_code!: string;
  @ApiProperty() authority_name!: string;
  @ApiProperty({ nullable: true }) sector!: string | null;
  @ApiProperty() contract_start!: string;
  @ApiProperty({ nullable: true }) contract_end!: string | null;
  @ApiProperty({ example: '2025-Q1' }) quarter!: string;
  @ApiProperty() quarter_start!: string;
  @ApiProperty() quarter_end!: string;
}

class MissingReturnPageDto {
  @ApiProperty({ type: [MissingReturnDto] }) data!: MissingReturnDto[];
  @ApiProperty() page!: PageInfo;
}

export class QualityReportDto {
  @ApiProperty({ type: [String] }) checks!: string[];
  @ApiProperty({ description: 'How each check decides' }) rules!: Record<string, string>;
  @ApiProperty() as_of!: string;
  @ApiProperty({ description: 'Missing returns are looked for in quarters ending on or before this day' }) last_closed_quarter_end!: string;
  @ApiProperty({ description: 'Rows flagged by each check (missing_return: contract quarters), over the filters', example: { outlier: 3, missing_return: 12 } })
  counts!: Record<string, number>;
  @ApiProperty({ type: [FlagDto], description: 'Flagged outcomes (one row per outcome and check), paged' }) data!: FlagDto[];
  @ApiProperty() page!: PageInfo;
  @ApiProperty({ type: MissingReturnPageDto, nullable: true, description: 'Contract quarters without a return, paged with the same limit and offset' })
  missing_returns!: MissingReturnPageDto | null;
  @ApiPropertyOptional({ description: 'Per measure: n, median and MAD of value per £ of contract value, outliers flagged' }) outlier_stats?: unknown[];
}
