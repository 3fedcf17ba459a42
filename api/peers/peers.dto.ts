import { ApiProperty, ApiPropertyOptional, IntersectionType, PickType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { FEATURE_NAMES, type FeatureName } from '../../metrics/read/peers/peer-features';
import { DEFAULT_K, MAX_K, PEER_METHODS, PEER_SCOPES, type PeerMethod, type PeerQuery, type PeerScope } from '../../metrics/read/peers/peers.service';
import { toList } from '../../metrics/reference/read-filter/read-filter';
import { CLUSTER_SCHEMES, type ClusterScheme } from '../../metrics/reference/reference-files';
import { ReadFilterDto } from '../http/read-filter.dto';

/** `a,b` or repeated into a list, as every list parameter is read. */
const commaList = ({ value }: { value: unknown }) => (typeof value === 'string' || Array.isArray(value) ? (toList(value as string | string[], 'features') ?? []) : value);

/** How the peers are chosen, besides the method (shared by the peers and the benchmarks routes). */
class PeerOptions {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_K, default: DEFAULT_K, description: 'nearest: how many neighbours' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_K)
  k?: number;

  @ApiPropertyOptional({
    type: String,
    example: 'population,density,deprivation,rurality',
    description: `nearest: comma-separated features out of ${FEATURE_NAMES.join(', ')} (default population, density, deprivation, rurality)`,
  })
  @IsOptional()
  @Transform(commaList)
  @IsArray()
  @ArrayMaxSize(FEATURE_NAMES.length)
  @IsIn(FEATURE_NAMES, { each: true, message: `features must be among ${FEATURE_NAMES.join(', ')}` })
  features?: FeatureName[];

  @ApiPropertyOptional({ enum: PEER_SCOPES, default: 'uk', description: "nearest: candidates from the whole UK, or the authority's nation" })
  @IsOptional()
  @IsIn(PEER_SCOPES)
  scope?: PeerScope;

  @ApiPropertyOptional({ enum: CLUSTER_SCHEMES, default: 'composite', description: 'cluster: which mySociety clustering' })
  @IsOptional()
  @IsIn(CLUSTER_SCHEMES)
  scheme?: ClusterScheme;

  @ApiPropertyOptional({ example: 'gm-councils', description: 'group: the name of a peer group' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  group?: string;
}

export class PeersQuery extends PeerOptions {
  @ApiPropertyOptional({ enum: PEER_METHODS, default: 'nearest' })
  @IsOptional()
  @IsIn(PEER_METHODS)
  method?: PeerMethod;
}

class BenchmarkOptions extends PeerOptions {
  @ApiPropertyOptional({ enum: PEER_METHODS, default: 'nearest', description: 'how the peer group is chosen' })
  @IsOptional()
  @IsIn(PEER_METHODS)
  peers?: PeerMethod;
}

/** The benchmarks: how the peers are chosen, and the period from the one read filter. */
export class BenchmarkQueryDto extends IntersectionType(BenchmarkOptions, PickType(ReadFilterDto, ['from', 'to'] as const)) {}

export function peerQuery(method: PeerMethod | undefined, o: PeerOptions): PeerQuery {
  return { method: method ?? 'nearest', k: o.k, features: o.features, scope: o.scope, scheme: o.scheme, group: o.group };
}

export class PeerGroupInput {
  @ApiPropertyOptional({ nullable: true, example: 'Greater Manchester councils' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string | null;

  @ApiProperty({ type: [String], example: ['E08000001', 'E08000002'], description: 'authority codes (any case)' })
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  members!: string[];
}

class PeerFeatureDto {
  @ApiProperty({ enum: FEATURE_NAMES }) name!: string;
  @ApiProperty({ enum: ['log', 'none'], description: 'log: natural log before z-scoring' }) transform!: string;
  @ApiProperty() unit!: string;
  @ApiProperty() source!: string;
  @ApiProperty({ description: 'candidates with a value' }) n!: number;
  @ApiProperty({ nullable: true, description: 'mean of the transformed values over the candidates' }) mean!: number | null;
  @ApiProperty({ nullable: true, description: 'sample standard deviation of the transformed values' }) sd!: number | null;
  @ApiProperty({ description: 'false when the feature cannot tell candidates apart (sd 0)' }) used!: boolean;
}

class PeerDto {
  @ApiProperty({ example: 'E08000007' }) code!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true }) short_name!: string | null;
  @ApiProperty() kind!: string;
  @ApiProperty({ nullable: true }) subtype!: string | null;
  @ApiProperty({ nullable: true }) nation!: string | null;
  @ApiProperty({ nullable: true }) region!: string | null;
  @ApiPropertyOptional({ description: 'nearest: standardised Euclidean distance' }) distance?: number;
  @ApiPropertyOptional({ description: 'nearest: distance / the largest distance between two candidates (0..1)' }) distance_scaled?: number;
  @ApiPropertyOptional({ description: 'nearest: features both authorities have' }) features_shared?: number;
  @ApiPropertyOptional({ description: 'nearest: raw feature values (population, area km2, density per km2, deprivation quintile, rurality class)' })
  features?: Record<string, number | null>;
}

export class PeerSetDto {
  @ApiProperty({ description: 'the authority, with its tier and (nearest) its features' }) authority!: Record<string, unknown>;
  @ApiProperty({ enum: PEER_METHODS }) method!: string;
  @ApiProperty() description!: string;
  @ApiPropertyOptional() k?: number;
  @ApiPropertyOptional({ enum: CLUSTER_SCHEMES }) scheme?: string;
  @ApiPropertyOptional({ description: 'cluster: { scheme, label, description }' }) cluster?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'group: { name, description }' }) group?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'nearest: { tier, scope, nation, count }' }) candidates?: Record<string, unknown>;
  @ApiPropertyOptional({ type: [PeerFeatureDto] }) features?: PeerFeatureDto[];
  @ApiProperty() count!: number;
  @ApiProperty({ type: [PeerDto] }) peers!: PeerDto[];
}

class IndicatorBenchmarkDto {
  @ApiProperty({ example: 'sv_weighted_10_share' }) indicator!: string;
  @ApiProperty({ nullable: true }) value!: number | null;
  @ApiProperty({ nullable: true }) peer_median!: number | null;
  @ApiProperty({ nullable: true }) peer_lower_quartile!: number | null;
  @ApiProperty({ nullable: true }) peer_upper_quartile!: number | null;
  @ApiProperty({ nullable: true, description: '0..100: 100 x (peers below + half the peers equal) / n_peers' }) percentile_rank!: number | null;
  @ApiProperty({ nullable: true, description: 'value - peer_median' }) gap_to_median!: number | null;
  @ApiProperty({ description: 'peers with a value' }) n_peers!: number;
}

export class BenchmarkDto {
  @ApiProperty() authority!: Record<string, unknown>;
  @ApiProperty({ description: '{ from, to } quarters' }) period!: Record<string, unknown>;
  @ApiProperty({ description: 'the peer set (as /authorities/{code}/peers) with its members' }) peer_group!: Record<string, unknown>;
  @ApiProperty({ description: 'how each statistic is defined' }) definitions!: Record<string, string>;
  @ApiProperty({ type: [IndicatorBenchmarkDto] }) indicators!: IndicatorBenchmarkDto[];
}
