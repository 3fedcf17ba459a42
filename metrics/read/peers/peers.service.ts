import { Injectable } from '@nestjs/common';
import { DomainError } from '../../platform/errors';
import type { ClusterScheme } from '../../reference/reference-files';
import { nearest, standardise, type StandardisedSet } from './nearest-neighbours';
import { DEFAULT_FEATURES, FEATURES, featureValues, tierOf, type FeatureName, type Tier } from './peer-features';
import { PeersRepository, type ClusterLabel, type CouncilFacts, type PeerAuthority } from './peers.repository';

export const PEER_METHODS = ['same_subtype', 'same_region', 'nearest', 'cluster', 'group'] as const;
export type PeerMethod = (typeof PEER_METHODS)[number];
export const PEER_SCOPES = ['uk', 'nation'] as const;
export type PeerScope = (typeof PEER_SCOPES)[number];
export const DEFAULT_K = 15;
export const MAX_K = 100;

export interface PeerQuery {
  method: PeerMethod;
  /** nearest: how many (1..100, default 15). */
  k?: number;
  /** nearest: the features (default DEFAULT_FEATURES). */
  features?: FeatureName[];
  /** nearest: candidates from the whole UK (default) or the authority's nation. */
  scope?: PeerScope;
  /** cluster: the scheme (default composite). */
  scheme?: ClusterScheme;
  /** group: the user-defined group's name. */
  group?: string;
}

export type AuthorityOut = Omit<PeerAuthority, 'id'>;

export interface PeerOut extends AuthorityOut {
  distance?: number;
  distance_scaled?: number;
  features_shared?: number;
  features?: Record<FeatureName, number | null>;
}

export interface PeerSet {
  authority: AuthorityOut & { tier: Tier | null; features?: Record<FeatureName, number | null> };
  method: PeerMethod;
  description: string;
  k?: number;
  scheme?: ClusterScheme;
  cluster?: ClusterLabel;
  group?: { name: string; description: string | null };
  candidates?: { tier: Tier; scope: PeerScope; nation: string | null; count: number };
  features?: Array<{
    name: FeatureName;
    transform: string;
    unit: string;
    source: string;
    n: number;
    mean: number | null;
    sd: number | null;
    used: boolean;
  }>;
  count: number;
  peers: PeerOut[];
}

/** A peer set with the ids behind it (for benchmarks). */
export interface ResolvedPeers {
  authorityId: number;
  peerIds: number[];
  set: PeerSet;
}

const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;

function out(a: PeerAuthority): AuthorityOut {
  return { code: a.code, name: a.name, short_name: a.short_name, kind: a.kind, subtype: a.subtype, nation: a.nation, region: a.region };
}

function displayFeatures(f: Record<FeatureName, number | null>): Record<FeatureName, number | null> {
  return { ...f, density: f.density === null ? null : round(f.density, 1) };
}

/** Cached per process: the councils' facts and the standardised sets built from them, for one reference version. */
interface FeatureCache {
  version: string;
  councils: Array<CouncilFacts & { tier: Tier | null; values: Record<FeatureName, number | null> }>;
  byCode: Map<string, CouncilFacts & { tier: Tier | null; values: Record<FeatureName, number | null> }>;
  sets: Map<string, StandardisedSet>;
}

/**
 * Peer groups of an authority, by one of five methods (same subtype, same region and tier, nearest neighbours over
 * open area indicators, a mySociety similarity cluster, a group defined by an administrator).
 */
@Injectable()
export class PeersService {
  private cache: FeatureCache | undefined;

  constructor(private readonly repo: PeersRepository) {}

  async peers(code: string, query: PeerQuery): Promise<PeerSet> {
    return (await this.resolve(code, query)).set;
  }

  async resolve(code: string, query: PeerQuery): Promise<ResolvedPeers> {
    const authority = await this.repo.findAuthority(code);
    if (!authority) throw new DomainError('not_found', `No authority with code ${code}`, { code });
    const tier = tierOf(authority);
    const base = { ...out(authority), tier };
    const members = (list: PeerAuthority[]) => list.filter((p) => p.id !== authority.id);
    const resolved = (set: Omit<PeerSet, 'count' | 'authority'>, peers: PeerAuthority[]): ResolvedPeers => ({
      authorityId: authority.id,
      peerIds: peers.map((p) => p.id),
      set: { authority: base, ...set, count: set.peers.length },
    });

    switch (query.method) {
      case 'same_subtype': {
        const peers = members(await this.repo.sameSubtype(authority.kind, authority.subtype));
        return resolved(
          { method: 'same_subtype', description: `Authorities of kind ${authority.kind} and subtype ${authority.subtype ?? '(none)'}`, peers: peers.map(out) },
          peers,
        );
      }
      case 'same_region': {
        if (!authority.region) {
          throw new DomainError('unprocessable', `${authority.code} has no region`, { code: authority.code, method: 'same_region' });
        }
        const all = members(await this.repo.sameRegion(authority.kind, authority.region));
        // councils: the same tier only (districts with districts, upper-tier with upper-tier)
        const peers = tier === null ? all : all.filter((p) => tierOf(p) === tier);
        return resolved(
          {
            method: 'same_region',
            description: `Authorities of kind ${authority.kind} in ${authority.region}${tier ? `, of the ${tier} tier` : ''}`,
            peers: peers.map(out),
          },
          peers,
        );
      }
      case 'cluster': {
        const scheme = query.scheme ?? 'composite';
        const cluster = await this.repo.clusterOf(authority.id, scheme);
        if (!cluster) {
          throw new DomainError('unprocessable', `${authority.code} is in no ${scheme} cluster (mySociety clusters cover 394 councils)`, {
            code: authority.code,
            scheme,
          });
        }
        const peers = members(await this.repo.clusterMembers(scheme, cluster.label));
        return resolved(
          {
            method: 'cluster',
            description: `Councils in the same mySociety local-authority-similarity cluster (${scheme})`,
            scheme,
            cluster,
            peers: peers.map(out),
          },
          peers,
        );
      }
      case 'group': {
        if (!query.group) throw new DomainError('invalid_parameter', 'method=group needs group=<name>', [{ field: 'group', message: 'group is required with method=group' }]);
        const group = await this.repo.findGroup(query.group);
        if (!group) throw new DomainError('not_found', `No peer group named ${query.group}`, { group: query.group });
        const peers = members(await this.repo.authoritiesByCode(group.members.map((m) => m.code)));
        return resolved(
          {
            method: 'group',
            description: 'A group defined by an administrator (the authority itself left out)',
            group: { name: group.name, description: group.description },
            peers: peers.map(out),
          },
          peers,
        );
      }
      case 'nearest':
        return this.nearest(authority, tier, query);
    }
  }

  private async nearest(authority: PeerAuthority, tier: Tier | null, query: PeerQuery): Promise<ResolvedPeers> {
    if (tier === null) {
      throw new DomainError('unprocessable', `Nearest neighbours are computed for councils only; ${authority.code} is ${authority.kind}`, {
        code: authority.code,
        method: 'nearest',
      });
    }
    const k = query.k ?? DEFAULT_K;
    if (!Number.isInteger(k) || k < 1 || k > MAX_K) {
      throw new DomainError('invalid_parameter', `k must be an integer from 1 to ${MAX_K}`, [{ field: 'k', message: `k must be an integer from 1 to ${MAX_K}` }]);
    }
    const featureNames = [...new Set(query.features && query.features.length > 0 ? query.features : DEFAULT_FEATURES)];
    const scope = query.scope ?? 'uk';
    const cache = await this.features();
    const self = cache.byCode.get(authority.code);
    if (!self) throw new DomainError('unprocessable', `${authority.code} has no area facts loaded`, { code: authority.code });
    const nation = scope === 'nation' ? authority.nation : null;
    const key = `${tier}|${nation ?? '*'}|${featureNames.join(',')}`;
    let set = cache.sets.get(key);
    const candidates = cache.councils.filter((c) => c.tier === tier && (nation === null || c.nation === nation));
    if (!set) {
      set = standardise(
        candidates.map((c) => ({ code: c.code, values: c.values })),
        featureNames.map((f) => FEATURES[f]),
      );
      cache.sets.set(key, set);
    }
    const found = nearest(set, authority.code, k);
    const peers = found.map((n) => {
      const c = cache.byCode.get(n.code)!;
      return {
        facts: c,
        out: {
          ...out(c),
          distance: round(n.distance, 4),
          distance_scaled: round(n.distance_scaled, 4),
          features_shared: n.features_shared,
          features: displayFeatures(c.values),
        } satisfies PeerOut,
      };
    });
    return {
      authorityId: authority.id,
      peerIds: peers.map((p) => p.facts.id),
      set: {
        authority: { ...out(authority), tier, features: displayFeatures(self.values) },
        method: 'nearest',
        description:
          'Standardised Euclidean distance: each feature (population, area and density on the natural log scale) z-scored across the candidates (sample sd), distance over the features both councils have, scaled up to all features (sqrt(F/S x sum of squared z differences)); distance_scaled = distance / the largest distance between two candidates',
        k,
        candidates: { tier, scope, nation, count: candidates.length },
        features: set.features.map((f) => ({
          name: f.name as FeatureName,
          transform: f.transform,
          unit: FEATURES[f.name as FeatureName].unit,
          source: FEATURES[f.name as FeatureName].source,
          n: f.n,
          mean: f.mean === null ? null : round(f.mean, 4),
          sd: f.sd === null ? null : round(f.sd, 4),
          used: f.used,
        })),
        count: peers.length,
        peers: peers.map((p) => p.out),
      },
    };
  }

  /** The councils' feature values, cached until the reference data changes (one small query checks). */
  private async features(): Promise<FeatureCache> {
    const version = await this.repo.referenceVersion();
    if (this.cache?.version === version) return this.cache;
    const councils = (await this.repo.councilFacts()).map((c) => ({ ...c, tier: tierOf(c), values: featureValues(c) }));
    this.cache = { version, councils, byCode: new Map(councils.map((c) => [c.code, c])), sets: new Map() };
    return this.cache;
  }
}
