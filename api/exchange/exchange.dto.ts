import { ApiProperty, ApiPropertyOptional, IntersectionType, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Allow, ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { TRANSITIONS } from '../../metrics/ingest/exchange/exchange-rules';
import { MATCH_STATUSES, REACHES, RESOURCE_KINDS } from '../../metrics/reference/exchange-vocabulary';
import { PageQuery } from '../http/paging.dto';
import { ReadFilterDto } from '../http/read-filter.dto';

/** A quantity: a JSON number or decimal text (checked by the service: above 0, at most 6 decimal places). */
const QUANTITY = { type: String, example: '40' };

export class OrganisationInput {
  @ApiProperty({ example: 'GB-CHC-1234567', description: 'Identifier in the org-id scheme: a charity (GB-CHC, GB-SC, GB-NIC), a company (GB-COH), a mutual (GB-MPR)...' })
  @IsString() @MaxLength(80) identifier!: string;
  @ApiProperty({ example: 'Trafford Food Bank' }) @IsString() @MaxLength(200) name!: string;
  @ApiPropertyOptional({ default: true, description: 'A voluntary, community or social enterprise organisation' }) @IsOptional() @IsBoolean() vcse?: boolean;
  @ApiProperty({ type: [String], example: ['E08000009'], description: 'Codes of the authorities it serves' })
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) authorities!: string[];
}

export class NeedInput {
  @ApiPropertyOptional({ example: 'GB-CHC-1234567', description: 'The organisation (a community key: its own, may be left out)' })
  @IsOptional() @IsString() @MaxLength(80) organisation?: string;
  @ApiPropertyOptional({ description: "The organisation's own reference for the need (unique per organisation)" }) @IsOptional() @IsString() @MaxLength(100) reference?: string;
  @ApiProperty({ example: 'Volunteers to sort donations on Saturdays' }) @IsString() @MaxLength(200) title!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4000) description?: string;
  @ApiProperty({ enum: RESOURCE_KINDS }) @IsIn(RESOURCE_KINDS) resource_kind!: string;
  @ApiProperty({ ...QUANTITY, description: 'How much is needed, in unit (a number or decimal text)' }) @Allow() quantity!: number | string;
  @ApiProperty({ example: 'hours', description: "The unit of quantity: the measure's own or one that converts to it" }) @IsString() @MaxLength(40) unit!: string;
  @ApiProperty({ example: 'NT15', description: 'Code of the catalogue measure the need advances' }) @IsString() @MaxLength(64) measure!: string;
  @ApiPropertyOptional({ description: 'Framework of the measure (code or code@version); default: the default framework' }) @IsOptional() @IsString() @MaxLength(100) framework?: string;
  @ApiPropertyOptional({ example: 'E08000009', description: 'Where the need is (an authority code); default: the organisation\'s one authority' })
  @IsOptional() @IsString() @MaxLength(64) authority?: string;
  @ApiPropertyOptional({ example: '2027-03-31', description: 'Needed by (YYYY-MM-DD), not in the past' }) @IsOptional() @IsString() @MaxLength(20) needed_by?: string;
}

export class PledgeInput {
  @ApiProperty({ example: 'DEMO-E08000009-0001', description: 'Reference of the contract the pledge is made against' }) @IsString() @MaxLength(200) contract!: string;
  @ApiPropertyOptional({ description: "The supplier's own reference for the pledge (unique per supplier)" }) @IsOptional() @IsString() @MaxLength(100) reference?: string;
  @ApiPropertyOptional({ example: 'Staff volunteering days' }) @IsOptional() @IsString() @MaxLength(200) title?: string;
  @ApiProperty({ enum: RESOURCE_KINDS }) @IsIn(RESOURCE_KINDS) resource_kind!: string;
  @ApiProperty({ ...QUANTITY, description: 'How much is offered, in unit (a number or decimal text)' }) @Allow() quantity!: number | string;
  @ApiProperty({ example: 'hours' }) @IsString() @MaxLength(40) unit!: string;
  @ApiProperty({ example: 'NT15', description: 'Code of the measure of the contract commitment the pledge is made against' }) @IsString() @MaxLength(64) measure!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) framework?: string;
  @ApiPropertyOptional({ type: [String], example: ['E08000009'], description: "The pledge's places (authority codes); default: the contract's buyer" })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) places?: string[];
  @ApiPropertyOptional({ enum: REACHES, default: 'neighbours', description: 'How far from its places it can serve' }) @IsOptional() @IsIn(REACHES) reach?: string;
  @ApiPropertyOptional({ example: '2026-12-01', description: 'Default: today' }) @IsOptional() @IsString() @MaxLength(20) available_from?: string;
  @ApiPropertyOptional({ example: '2027-11-30', description: 'Default: a year after available_from' }) @IsOptional() @IsString() @MaxLength(20) available_to?: string;
}

export class MoveInput {
  @ApiProperty({ enum: TRANSITIONS, description: 'accepted (each side; both make it accepted), declined, cancelled, delivered (the supplier), confirmed (the community organisation)' })
  @IsIn(TRANSITIONS) to!: string;
  @ApiPropertyOptional({ enum: ['community', 'supplier'], description: "A broker's acceptance: for which side (default both)" })
  @IsOptional() @IsIn(['community', 'supplier']) on_behalf_of?: string;
  @ApiPropertyOptional({ example: '2026-11-28', description: 'delivered: the day of delivery (default today; not in the future)' }) @IsOptional() @IsString() @MaxLength(20) delivered_on?: string;
  @ApiPropertyOptional({ ...QUANTITY, description: 'delivered: the quantity delivered, in the measure\'s unit (default: the quantity matched; not more)' }) @Allow() quantity?: number | string;
  @ApiPropertyOptional({ description: 'A note (no names of people)' }) @IsOptional() @IsString() @MaxLength(1000) note?: string;
}

export class ExchangeListQuery extends IntersectionType(PickType(ReadFilterDto, ['authority', 'region', 'nation', 'theme', 'measure'] as const), PageQuery) {
  @ApiPropertyOptional({ type: String, description: `Resource kind: ${RESOURCE_KINDS.join(', ')}; several comma-separated` })
  @IsOptional() @IsString({ each: true }) @MaxLength(200, { each: true }) resource_kind?: string | string[];
  @ApiPropertyOptional({ enum: ['open', 'all'], default: 'open', description: 'open: with something left, not past its date; all: every one' })
  @IsOptional() @IsString() @MaxLength(10) status?: string;
}

export class MatchListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Matches of this need' }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) need?: number;
  @ApiPropertyOptional({ description: 'Matches of this pledge' }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) pledge?: number;
  @ApiPropertyOptional({ type: String, description: `Status: ${MATCH_STATUSES.join(', ')}; several comma-separated` })
  @IsOptional() @IsString({ each: true }) @MaxLength(200, { each: true }) status?: string | string[];
}

export class WrittenDto {
  @ApiProperty() id!: number;
  @ApiProperty({ description: 'What was accepted but deserves a look (e.g. exceeds_commitment: the pledge is more than the contract commits)' })
  warnings!: Array<{ code: string; field: string; message: string }>;
}
