import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { FRAMEWORK_SPEC, LIST_LIMIT, PERIOD_FORMS, type ReadFilterQuery } from '../../metrics/reference/read-filter/read-filter';

const list = (description: string) =>
  ApiPropertyOptional({ description: `${description}; several comma-separated or repeated (at most ${LIST_LIMIT})`, type: String });

/**
 * The one read filter as query parameters (metrics/reference/read-filter): every read route takes the fields it needs
 * of these (PickType), so a parameter means the same everywhere. Values are checked and looked up by the metrics
 * services (400 for a malformed one, 404 for a code that names nothing); here only their types and lengths.
 */
export class ReadFilterDto implements ReadFilterQuery {
  @list('Authority code (GSS for councils, GB-GOR-... for departments)') @IsOptional() @IsString({ each: true }) @MaxLength(10000, { each: true }) authority?: string | string[];
  @list('Authority kind, e.g. local_authority, central_department') @IsOptional() @IsString({ each: true }) @MaxLength(1000, { each: true }) kind?: string | string[];
  @list('Region, e.g. North West (any case)') @IsOptional() @IsString({ each: true }) @MaxLength(1000, { each: true }) region?: string | string[];
  @list('Nation: England, Scotland, Wales, Northern Ireland (any case)') @IsOptional() @IsString({ each: true }) @MaxLength(1000, { each: true }) nation?: string | string[];
  @list('Central government department code (the department and the bodies under it)') @IsOptional() @IsString({ each: true }) @MaxLength(10000, { each: true }) department?: string | string[];
  @list('Sector: a CPV division, e.g. 85') @IsOptional() @IsString({ each: true }) @MaxLength(1000, { each: true }) sector?: string | string[];
  @list('Theme code of the framework, e.g. T2') @IsOptional() @IsString({ each: true }) @MaxLength(1000, { each: true }) theme?: string | string[];
  @list('Measure code, e.g. SVM-EMP-LOCAL-FTE') @IsOptional() @IsString({ each: true }) @MaxLength(10000, { each: true }) measure?: string | string[];
  @list('Category: local_economic, social, environmental') @IsOptional() @IsString({ each: true }) @MaxLength(1000, { each: true }) category?: string | string[];

  @ApiPropertyOptional({ description: 'Framework code (its latest version for £, every version for rows) or code@version; default: the default framework' })
  @IsOptional()
  @IsString()
  @Matches(FRAMEWORK_SPEC, { message: 'framework must be a code or code@version' })
  framework?: string;

  @ApiPropertyOptional({ description: `First period: ${PERIOD_FORMS} (its first day)` }) @IsOptional() @IsString() @MaxLength(20) from?: string;
  @ApiPropertyOptional({ description: `Last period, the same forms (its last day)` }) @IsOptional() @IsString() @MaxLength(20) to?: string;
}
