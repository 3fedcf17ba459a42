import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { REPORT_NAMES } from '../../reports/catalogue';

/** A new report schedule. The report, its parameters, the cron expression and the time zone are checked by the service (a 400 naming the field). */
export class CreateScheduleDto {
  @ApiProperty({ example: 'National, quarterly', description: 'A name of its own (unique)' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ enum: REPORT_NAMES, description: 'The report: national, authority or evidence (GET /api/v1/reports lists them with their parameters)' })
  @IsString()
  @MaxLength(64)
  report!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { basis: 'real' },
    description:
      "The report's parameters (authority, basis, theme, region, sector, kind as the report takes them). Without a period, each run reports on the last quarter closed by its due day; with one, always on that period.",
  })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @ApiProperty({
    example: '0 6 1 1,4,7,10 *',
    description: 'When it runs: a cron expression of 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), read in `timezone`',
  })
  @IsString()
  @MaxLength(200)
  cron!: string;

  @ApiPropertyOptional({ example: 'Europe/London', default: 'Europe/London', description: 'The IANA time zone its cron expression is read in' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  timezone?: string;

  @ApiPropertyOptional({ default: true, description: 'Whether it runs' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    default: false,
    description: 'Whether its reports are published at /reports with a permanent link (then they hold no supplier-level section)',
  })
  @IsOptional()
  @IsBoolean()
  published?: boolean;
}

/** A change to a schedule: any of its fields (params, when given, replace the old ones whole). */
export class UpdateScheduleDto extends PartialType(CreateScheduleDto) {}
