import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUTHORITY_KINDS, NATIONS } from '../../metrics/reference/authorities/authority-kinds';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PageInfo, PageQuery } from '../http/paging.dto';

export class AuthorityQuery extends PageQuery {
  @ApiPropertyOptional({ enum: AUTHORITY_KINDS })
  @IsOptional()
  @IsIn(AUTHORITY_KINDS)
  kind?: string;

  @ApiPropertyOptional({ description: 'e.g. "Metropolitan district", "London borough", "Ministerial department"' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  subtype?: string;

  @ApiPropertyOptional({ enum: NATIONS })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  nation?: string;

  @ApiPropertyOptional({ description: 'e.g. "North West", "London"' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  region?: string;

  @ApiPropertyOptional({ description: 'Free text over names, short names, codes and alternative names' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  q?: string;
}

export class AuthorityRefDto {
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
}

export class AuthoritySummaryDto {
  @ApiProperty({ example: 'E08000009', description: 'GSS code for councils, GB-GOR-<id> for central government' })
  code!: string;
  @ApiProperty({ example: 'Trafford Metropolitan Borough Council' }) name!: string;
  @ApiProperty({ nullable: true, example: 'Trafford' }) short_name!: string | null;
  @ApiProperty({ enum: AUTHORITY_KINDS }) kind!: string;
  @ApiProperty({ nullable: true, example: 'Metropolitan district' }) subtype!: string | null;
  @ApiProperty({ nullable: true, example: 'England' }) nation!: string | null;
  @ApiProperty({ nullable: true, example: 'North West' }) region!: string | null;
  @ApiProperty({ nullable: true, example: 237579, description: 'Population (mid-2020 estimate)' })
  population!: number | null;
  @ApiProperty({ nullable: true, example: '106.000', description: 'Area in km², as a decimal string' })
  area_km2!: string | null;
  @ApiProperty({ type: AuthorityRefDto, nullable: true, description: 'The county of a district' })
  parent!: AuthorityRefDto | null;
  @ApiProperty({ type: AuthorityRefDto, nullable: true }) combined_authority!: AuthorityRefDto | null;
}

export class AuthorityPageDto {
  @ApiProperty({ type: [AuthoritySummaryDto] }) data!: AuthoritySummaryDto[];
  @ApiProperty() page!: PageInfo;
}

class AuthorityNameDto {
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'official, short, alternative, predecessor or user' }) source!: string;
}

class AuthorityIdentifierDto {
  @ApiProperty({ example: 'GB-GSS' }) scheme!: string;
  @ApiProperty({ example: 'E08000009' }) identifier!: string;
  @ApiProperty({ description: 'false for codes of predecessor councils or renamed departments' }) is_current!: boolean;
}

export class AuthorityDetailDto extends AuthoritySummaryDto {
  @ApiProperty({ nullable: true }) latitude!: string | null;
  @ApiProperty({ nullable: true }) longitude!: string | null;
  @ApiProperty({ nullable: true }) govuk_slug!: string | null;
  @ApiProperty({ description: 'The reference dataset the authority came from' }) source!: string;
  @ApiProperty({ type: [AuthorityNameDto] }) alternative_names!: AuthorityNameDto[];
  @ApiProperty({ type: [AuthorityIdentifierDto] }) identifiers!: AuthorityIdentifierDto[];
}

export class AddAuthorityNameDto {
  @ApiProperty({ example: 'Trafford MBC', description: 'A name the authority appears under in contract data' })
  @IsString()
  @MinLength(2)
  @MaxLength(300)
  name!: string;
}
