import { Body, Controller, Get, Headers, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { FRAMEWORK_CSV_COLUMNS } from '../../metrics/reference/catalogue/framework-definition';
import { Public, Roles } from '../auth/access.decorator';
import { TakesBody } from '../http/body';
import { ApiErrors } from '../http/api-errors.decorator';
import { FrameworkImportService } from '../../metrics/ingest/frameworks/framework-import.service';
import { CatalogueService } from '../../metrics/reference/catalogue/catalogue.service';

class FrameworkDocumentDto {
  @ApiProperty({ example: 'Procurement Policy Note 002: The Social Value Model' }) title!: string;
  @ApiProperty({ description: 'Its edition or version as printed', example: 'PPN 002 (Action Note 002, February 2025)' }) version!: string;
  @ApiProperty({ description: 'Publication date', example: '2025-02-13' }) date!: string;
}

class AppliesToDto {
  @ApiProperty({ nullable: true, description: 'Contracts awarded on or after this date (null: no lower bound)', example: '2025-10-01' })
  awarded_from!: string | null;
  @ApiProperty({ nullable: true, description: 'Contracts awarded before this date (null: no upper bound)', example: null })
  awarded_before!: string | null;
}

class FrameworkSummaryDto {
  @ApiProperty() id!: number;
  @ApiProperty({ example: 'svm-open' }) code!: string;
  @ApiProperty({ example: '2026.1' }) version!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true }) publisher!: string | null;
  @ApiProperty({ example: 'OGL-UK-3.0' }) licence!: string;
  @ApiProperty() source!: string;
  @ApiProperty({ example: 2024 }) base_price_year!: number;
  @ApiProperty({ description: 'The framework £ totals use unless told otherwise' }) is_default!: boolean;
  @ApiProperty() measure_count!: number;
  @ApiProperty({
    type: FrameworkDocumentDto,
    nullable: true,
    description: "The published document a government model follows (the Social Value Models of PPN 06/20 and PPN 002); null for other frameworks",
  })
  document!: FrameworkDocumentDto | null;
  @ApiProperty({
    type: AppliesToDto,
    nullable: true,
    description: 'The contracts the framework applies to by award date: contracts let before 1 October 2025 stay on the 2020 model (svm-2020), later ones are on the 2025 model (svm-2025); null: any',
  })
  applies_to!: AppliesToDto | null;
  @ApiProperty({ description: 'SHA-256 of the definition as loaded' }) content_sha256!: string;
  @ApiProperty() created_at!: Date;
}

class LoadResultDto {
  @ApiProperty({ enum: ['created', 'unchanged'] }) status!: string;
  @ApiProperty({ type: FrameworkSummaryDto }) framework!: FrameworkSummaryDto;
}

class VersionQuery {
  @ApiPropertyOptional({ description: 'A version; default the most recently loaded one' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  version?: string;
}

const CSV_HEADER_FIELDS = ['code', 'version', 'name', 'licence', 'source', 'base_price_year', 'publisher', 'description'];

@ApiTags('frameworks')
@Controller('api/v1/frameworks')
export class FrameworksController {
  constructor(
    private readonly frameworks: CatalogueService,
    private readonly loader: FrameworkImportService,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Frameworks of measures loaded, every version' })
  @ApiOkResponse({ type: [FrameworkSummaryDto] })
  list() {
    return this.frameworks.list();
  }

  @Get(':code')
  @Public()
  @ApiOperation({
    summary: 'One framework in full (themes, outcomes, measures, units, proxy values, crosswalk), in the JSON form it loads from',
  })
  @ApiErrors(400, 404)
  get(@Param('code') code: string, @Query() query: VersionQuery) {
    return this.frameworks.get(code, query.version);
  }

  @Post()
  @TakesBody('document')
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Load a framework (admin): JSON, or CSV with the framework fields as query parameters',
    description: `CSV columns: ${FRAMEWORK_CSV_COLUMNS.join(', ')}. A version is immutable: the same content again is "unchanged" (200), different content under a loaded version is 409.`,
  })
  @ApiConsumes('application/json', 'text/csv')
  @ApiBody({ description: 'The framework (see README "Loading a framework")', schema: { type: 'object' } })
  @ApiQuery({ name: 'code', required: false, description: 'CSV only, as are the other query parameters' })
  @ApiQuery({ name: 'version', required: false })
  @ApiQuery({ name: 'name', required: false })
  @ApiQuery({ name: 'licence', required: false })
  @ApiQuery({ name: 'source', required: false })
  @ApiQuery({ name: 'base_price_year', required: false })
  @ApiCreatedResponse({ type: LoadResultDto })
  @ApiOkResponse({ type: LoadResultDto, description: 'Already loaded with this exact content' })
  @ApiErrors(400, 401, 403, 409, 413)
  async load(
    @Headers('content-type') contentType: string | undefined,
    @Body() body: unknown,
    @Query() query: Record<string, string>,
    @Res({ passthrough: true }) res: Response,
  ) {
    const header = Object.fromEntries(CSV_HEADER_FIELDS.filter((k) => query[k] !== undefined).map((k) => [k, query[k]]));
    const result = await this.loader.upload(contentType, body, header);
    res.status(result.status === 'created' ? 201 : 200);
    return result;
  }
}
