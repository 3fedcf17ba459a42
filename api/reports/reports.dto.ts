import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { REPORT_NAMES } from '../../reports/catalogue';

export class RequestRunDto {
  @ApiProperty({ enum: REPORT_NAMES, description: 'The report: national, authority or evidence (GET /api/v1/reports lists them with their parameters)' })
  @IsString()
  @MaxLength(64)
  report!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { period: '2025-Q4', authority: 'E08000009' },
    description: "The report's parameters: period (2025-Q4, 2025, 2025-11, FY2025-26; default the last closed quarter), and those the report takes (authority, basis, theme, region, sector, kind)",
  })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Publish the report at /reports with a permanent link (admin keys only). A published report holds no supplier-level section.' })
  @IsOptional()
  @IsBoolean()
  publish?: boolean;
}

export class RunsQueryDto {
  @ApiPropertyOptional({ enum: ['queued', 'running', 'succeeded', 'failed'] })
  @IsOptional()
  @IsIn(['queued', 'running', 'succeeded', 'failed'])
  status?: string;

  @ApiPropertyOptional({ enum: REPORT_NAMES })
  @IsOptional()
  @IsIn(REPORT_NAMES)
  report?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

/** The parameters of a report preview (the same as a run's). */
export class PreviewQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(40) period?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(40) authority?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(20) basis?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) theme?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) region?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) sector?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) kind?: string;
}
