import { Inject, Injectable } from '@nestjs/common';
import { parseReadFilter } from '../../reference/read-filter/read-filter';
import { PeersService, type PeerQuery, type PeerSet } from '../peers/peers.service';
import { INDICATORS_SOURCE, type IndicatorsSource } from './indicators-source';
import { benchmark, type IndicatorBenchmark } from './statistics';

export interface BenchmarkQuery {
  peers: PeerQuery;
  /** First period: 2025, 2025-Q1, 2025-04 or FY2025-26. */
  from?: string;
  /** Last period, the same forms. */
  to?: string;
}

export interface BenchmarkResult {
  authority: PeerSet['authority'];
  period: { from: string | null; to: string | null };
  peer_group: Omit<PeerSet, 'authority' | 'peers'> & { members: Array<{ code: string; name: string; distance?: number }> };
  definitions: Record<string, string>;
  indicators: Array<{ indicator: string } & IndicatorBenchmark>;
}

const DEFINITIONS = {
  quartiles: 'Peer quartiles and median by linear interpolation between order statistics (type 7, as R and d3.quantile), over the peers with a value; the authority is not among its peers',
  percentile_rank: '100 x (peers with a lower value + half the peers with an equal value) / peers with a value; 0..100, higher = a higher value than the peers',
  gap_to_median: "the authority's value - the peer median, in the indicator's unit",
  n_peers: 'peers with a value for the indicator',
};

/** Round for display: 6 decimals for values (shares 0..1 and £ ratios), 2 for percentile ranks. */
const round = (x: number | null, places: number) => (x === null ? null : Math.round(x * 10 ** places) / 10 ** places);

/** An authority's indicators against a peer group's. */
@Injectable()
export class BenchmarksService {
  constructor(
    private readonly peers: PeersService,
    @Inject(INDICATORS_SOURCE) private readonly indicators: IndicatorsSource,
  ) {}

  async benchmark(code: string, query: BenchmarkQuery): Promise<BenchmarkResult> {
    // the period as every read takes it; a bad one is a 400 before any work
    parseReadFilter(query, ['from', 'to']);
    const { authorityId, peerIds, set } = await this.peers.resolve(code, query.peers);
    const values = await this.indicators.byAuthority({ from: query.from, to: query.to, authorityIds: [authorityId, ...peerIds] });
    const own = values.get(set.authority.code) ?? {};
    const names: string[] = [];
    const seen = new Set<string>();
    for (const row of [own, ...set.peers.map((p) => values.get(p.code) ?? {})]) {
      for (const name of Object.keys(row)) {
        if (!seen.has(name)) {
          seen.add(name);
          names.push(name);
        }
      }
    }
    const { authority, peers, ...group } = set;
    return {
      authority,
      period: { from: query.from ?? null, to: query.to ?? null },
      peer_group: { ...group, members: peers.map((p) => ({ code: p.code, name: p.name, ...(p.distance !== undefined ? { distance: p.distance } : {}) })) },
      definitions: DEFINITIONS,
      indicators: names.map((indicator) => {
        const b = benchmark(
          own[indicator],
          peers.map((p) => values.get(p.code)?.[indicator]),
        );
        return {
          indicator,
          value: round(b.value, 6),
          peer_median: round(b.peer_median, 6),
          peer_lower_quartile: round(b.peer_lower_quartile, 6),
          peer_upper_quartile: round(b.peer_upper_quartile, 6),
          percentile_rank: round(b.percentile_rank, 2),
          gap_to_median: round(b.gap_to_median, 6),
          n_peers: b.n_peers,
        };
      }),
    };
  }
}
