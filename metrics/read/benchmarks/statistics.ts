/**
 * Benchmark statistics of one indicator over a peer group (pure, no I/O).
 *
 * - Quantiles by linear interpolation between order statistics (Hyndman & Fan type 7, R's default, as d3.quantile):
 *   with the n values sorted x[0] <= ... <= x[n-1], h = (n - 1) p, q = x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]).
 * - Percentile rank of the authority's value v among the peers' values (0..100): the share of peers with a lower value
 *   plus half the share with an equal one, 100 x (below + equal / 2) / n. The authority is never among its peers.
 * - Gap to the median: v - median (in the indicator's own unit: a share 0..1, or £ per £).
 */

/** Type-7 quantile of values sorted ascending; null when there are none. */
export function quantileSorted(sorted: readonly number[], p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  if (p <= 0 || n === 1) return sorted[0];
  if (p >= 1) return sorted[n - 1];
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}

/** 100 x (peers below + half the peers equal) / peers; null with no peers. */
export function percentileRank(value: number, peers: readonly number[]): number | null {
  if (peers.length === 0) return null;
  let below = 0;
  let equal = 0;
  for (const p of peers) {
    if (p < value) below++;
    else if (p === value) equal++;
  }
  return (100 * (below + equal / 2)) / peers.length;
}

export interface IndicatorBenchmark {
  value: number | null;
  peer_median: number | null;
  peer_lower_quartile: number | null;
  peer_upper_quartile: number | null;
  /** null when the authority has no value or no peer has one. */
  percentile_rank: number | null;
  gap_to_median: number | null;
  /** Peers with a value. */
  n_peers: number;
}

/** The benchmark of one indicator: the authority's value against its peers' values (nulls and NaN left out). */
export function benchmark(value: number | null | undefined, peerValues: ReadonlyArray<number | null | undefined>): IndicatorBenchmark {
  const own = value === null || value === undefined || !Number.isFinite(value) ? null : value;
  const sorted = peerValues.filter((v): v is number => v !== null && v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  const median = quantileSorted(sorted, 0.5);
  return {
    value: own,
    peer_median: median,
    peer_lower_quartile: quantileSorted(sorted, 0.25),
    peer_upper_quartile: quantileSorted(sorted, 0.75),
    percentile_rank: own === null ? null : percentileRank(own, sorted),
    gap_to_median: own === null || median === null ? null : own - median,
    n_peers: sorted.length,
  };
}
