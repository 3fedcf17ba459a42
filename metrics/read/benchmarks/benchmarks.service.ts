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

/** One member's value of one indicator (the authority's or a peer's), as the benchmark's statistics were computed from. */
export interface PeerValue {
  indicator: string;
  code: string;
  name: string;
  /** The authority the benchmark is of (true), or one of its peers. */
  own: boolean;
  value: number | null;
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
    return (await this.compute(code, query)).result;
  }

  /**
   * The benchmark with the values it was computed from: each indicator's value for the authority and for every peer
   * (null where a member has no data), rounded as the benchmark's values are (6 decimals). For charts that draw the
   * peers one by one (the dashboards' peer strip).
   */
  async benchmarkWithValues(code: string, query: BenchmarkQuery): Promise<{ result: BenchmarkResult; values: PeerValue[] }> {
    const { result, values, set } = await this.compute(code, query);
    const members = [{ code: set.authority.code, name: set.authority.name, own: true }, ...set.peers.map((p) => ({ code: p.code, name: p.name, own: false }))];
    const out: PeerValue[] = [];
    for (const { indicator } of result.indicators) {
      for (const m of members) {
        const v = values.get(m.code)?.[indicator];
        out.push({ indicator, ...m, value: v === null || v === undefined || !Number.isFinite(v) ? null : round(v, 6) });
      }
    }
    return { result, values: out };
  }

  private async compute(code: string, query: BenchmarkQuery) {
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
    const result: BenchmarkResult = {
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
    return { result, values, set };
  }
}
