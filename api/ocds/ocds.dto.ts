import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';

/** The query of an OCDS upload: as every upload's, but partial by default (OCDS is published by others). */
export class OcdsUploadQuery {
  @ApiPropertyOptional({
    enum: ['strict', 'partial'],
    default: 'partial',
    description: 'partial (default): the good releases are committed and the rejected ones reported, so one bad or conflicting release (a duplicate id) does not lose a package published by others; strict: any rejected release rejects the whole batch',
  })
  @IsOptional()
  @IsIn(['strict', 'partial'])
  mode?: string;

  @ApiPropertyOptional({ description: 'Name of the file sent, kept with the batch' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  file_name?: string;
}

export class MetricMappingDto {
  @ApiProperty({ enum: ['id', 'title'], description: "what of the OCDS metric to match: its id, or its title (case and surrounding blanks ignored)" })
  @IsIn(['id', 'title'])
  match_on!: 'id' | 'title';

  @ApiProperty({ example: 'local-jobs', description: 'the metric id or title to match' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  match_value!: string;

  @ApiProperty({ example: 'svm-open', description: 'framework code of the measure' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  framework!: string;

  @ApiProperty({ example: 'SVM-EMP-LOCAL-FTE', description: 'measure code' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  measure!: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string | null;
}

export class MetricMappingsDto {
  @ApiProperty({ type: [MetricMappingDto] })
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => MetricMappingDto)
  mappings!: MetricMappingDto[];
}

export class HarvestSourceInput {
  @ApiProperty({ example: 'https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages?limit=100', description: "the publisher's release-package API" })
  @IsString()
  @Matches(/^https?:\/\/\S+$/, { message: 'base_url must be an http(s) URL' })
  @MaxLength(2000)
  base_url!: string;

  @ApiPropertyOptional({ example: '2025-01-01T00:00:00Z', description: 'harvest releases changed since (updatedFrom); a new value starts the harvest over from it' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'updated_from must be an ISO 8601 date or date-time' })
  updated_from?: string;
}

export class HarvestRunQuery {
  @ApiPropertyOptional({ description: 'wait for the harvest to finish and answer with its result (default: answer 202 at once)', default: false })
  @IsOptional()
  @IsIn(['true', 'false'])
  wait?: string;
}
