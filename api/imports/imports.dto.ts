import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IMPORT_KINDS } from '../../metrics/ingest/imports/import-rows';
import { PageInfo } from '../http/paging.dto';

class BatchProgressDto {
  @ApiProperty({ enum: ['receiving', 'checking', 'merging'] }) phase!: string;
  @ApiProperty() rows_received!: number;
  @ApiProperty() bytes_received!: number;
}

class BatchLinksDto {
  @ApiProperty({ example: '/api/v1/imports/42' }) self!: string;
  @ApiProperty({ example: '/api/v1/imports/42/rejections' }) rejections!: string;
}

export class BatchDto {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: [...IMPORT_KINDS, 'ocds'] }) kind!: string;
  @ApiProperty({ enum: ['running', 'committed', 'rejected', 'failed'] }) status!: string;
  @ApiProperty({ enum: ['strict', 'partial'] }) mode!: string;
  @ApiProperty({ nullable: true, description: 'The API key that sent it (null: the demo loader)' }) api_key_id!: number | null;
  @ApiProperty({ nullable: true }) file_name!: string | null;
  @ApiProperty({ nullable: true }) content_type!: string | null;
  @ApiProperty({ nullable: true, description: 'SHA-256 of the bytes sent' }) sha256!: string | null;
  @ApiProperty({ nullable: true }) byte_count!: number | null;
  @ApiProperty({ nullable: true }) idempotency_key!: string | null;
  @ApiProperty() rows_total!: number;
  @ApiProperty({ description: 'New keys written' }) rows_inserted!: number;
  @ApiProperty({ description: 'Corrections: new revisions of keys already held' }) rows_updated!: number;
  @ApiProperty({ description: 'Rows identical to what was held: nothing written' }) rows_unchanged!: number;
  @ApiProperty() rows_rejected!: number;
  @ApiProperty() is_demo!: boolean;
  @ApiProperty({ nullable: true, description: 'Why a failed batch failed' }) error!: string | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true, description: 'OCDS: the document kind, releases read, imported, already imported and rejected; buyers matched by identifier, by name, or created (and the match rate); contracts, suppliers, metric observations, values not in GBP' })
  summary!: Record<string, unknown> | null;
  @ApiProperty() created_at!: Date;
  @ApiProperty({ nullable: true }) started_at!: Date | null;
  @ApiProperty({ nullable: true }) finished_at!: Date | null;
  @ApiPropertyOptional({ type: BatchProgressDto, description: 'While the batch runs in this instance' }) progress?: BatchProgressDto;
  @ApiProperty({ type: BatchLinksDto }) links!: BatchLinksDto;
}

export class ImportResultDto {
  @ApiProperty({ description: 'An Idempotency-Key seen before: this is the earlier batch, and nothing was done now' })
  replayed!: boolean;
  @ApiProperty({ type: BatchDto }) batch!: BatchDto;
}

export class BatchPageDto {
  @ApiProperty({ type: [BatchDto] }) data!: BatchDto[];
  @ApiProperty() page!: PageInfo;
}

export class RejectionDto {
  @ApiProperty({ nullable: true, description: 'CSV: counting the header as row 1; JSON and Arrow: from 1' }) row_number!: number | null;
  @ApiPropertyOptional({ nullable: true, description: 'OCDS: the release named' }) release_id?: string | null;
  @ApiPropertyOptional({ enum: ['error', 'warning'], description: 'error: the row or release was rejected; warning (OCDS): something in it could not be used, the rest was kept' }) severity?: string;
  @ApiProperty({ nullable: true, example: 'quantity', description: 'The column; for OCDS, the JSON path' }) field!: string | null;
  @ApiProperty({ example: 'negative' }) code!: string;
  @ApiProperty({ example: 'quantity must not be negative' }) message!: string;
  @ApiProperty({ nullable: true, example: '-1' }) value!: string | null;
}

export class RejectionPageDto {
  @ApiProperty({ type: [RejectionDto] }) data!: RejectionDto[];
  @ApiProperty() page!: PageInfo;
}
