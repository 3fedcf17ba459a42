import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { DashboardQuery } from '../../dashboards/chart';
import { PEER_METHODS } from '../../metrics/read/peers/peers.service';
import { ReadFilterDto } from '../http/read-filter.dto';
import { PickType } from '@nestjs/swagger';

/**
 * The query of a dashboard page and of its charts: the filter bar (the one read filter's names, each chart taking
 * those it follows), the £ basis, the page's own options, and the subject of a dashboard about one thing.
 */
export class DashboardQueryDto
  extends PickType(ReadFilterDto, ['kind', 'region', 'nation', 'department', 'sector', 'theme', 'from', 'to'] as const)
  implements DashboardQuery
{
  @ApiPropertyOptional({ enum: ['net', 'real', 'nominal'], description: '£ basis (default net)' })
  @IsOptional()
  @IsIn(['net', 'real', 'nominal'])
  basis?: string;

  @ApiPropertyOptional({ description: 'The indicator the map and league table show (national dashboard), default delivery_ratio' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  indicator?: string;

  @ApiPropertyOptional({ enum: PEER_METHODS, description: 'Peer group method (authority dashboard), default nearest' })
  @IsOptional()
  @IsIn(PEER_METHODS)
  peers?: string;

  @ApiPropertyOptional({ description: 'A named peer group (with peers=group)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  group?: string;

  @ApiPropertyOptional({ description: 'The authority (authority dashboard): its code' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  authority?: string;

  @ApiPropertyOptional({ description: 'The contract (contract dashboard): its id or reference' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  contract?: string;
}

/** A page's query: the dashboard query without its subject (the page path names it). */
export class PageQueryDto extends PickType(DashboardQueryDto, ['kind', 'region', 'nation', 'department', 'sector', 'theme', 'from', 'to', 'basis', 'indicator', 'peers', 'group'] as const) {}

export class SearchQueryDto {
  @ApiPropertyOptional({ description: 'Part of an authority name or code' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export class SignInBodyDto {
  @IsString()
  @MaxLength(200)
  key!: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  next?: string;
}
