import { quantileSorted } from '../metrics/read/benchmarks/statistics';
import type { FormatName } from './theme';

/**
 * What the authority dashboard needs to know about each indicator of a benchmark (pure, no I/O): its words, the scale
 * it is on (shares 0..1 share one % axis; the others each have their own), and whether high or low is good (LG Inform
 * says so on every comparison).
 */
export type IndicatorScale = 'share' | 'percent' | 'gbp_per_gbp' | 'gbp_per_head' | 'number';
export type Better = 'higher' | 'lower' | 'neither';

export interface PeerIndicator {
  name: string;
  label: string;
  scale: IndicatorScale;
  better: Better;
}

const I = (name: string, label: string, scale: IndicatorScale, better: Better): PeerIndicator => ({ name, label, scale, better });

/** In the order the dashboard shows them (coverage of in-scope contracts, weighting, commitment and delivery, suppliers, the mix, £ per). */
export const PEER_INDICATORS: readonly PeerIndicator[] = [
  I('sv_evaluated_share', 'Contracts evaluating social value', 'share', 'higher'),
  I('sv_evaluated_value_share', 'Contract value evaluating social value', 'share', 'higher'),
  I('sv_weighted_10_share', 'Contracts weighting it 10% or more', 'share', 'higher'),
  I('sv_weighted_10_value_share', 'Contract value weighting it 10% or more', 'share', 'higher'),
  I('delivery_ratio', 'Delivered of expected to date', 'share', 'higher'),
  I('reporting_compliance', 'Reporting compliance', 'share', 'higher'),
  I('sme_value_share', 'Contract value to SMEs', 'share', 'higher'),
  I('vcse_value_share', 'Contract value to VCSEs', 'share', 'higher'),
  I('local_economic_share', 'Local economic share of social value', 'share', 'neither'),
  I('social_share', 'Social share of social value', 'share', 'neither'),
  I('environmental_share', 'Environmental share of social value', 'share', 'neither'),
  I('mean_weighting_pct', 'Mean social value weighting', 'percent', 'higher'),
  I('commitment_intensity', '£ committed per £ of contract value', 'gbp_per_gbp', 'higher'),
  I('sv_net_gbp_per_contract_gbp', 'Net social value per £ of contract value', 'gbp_per_gbp', 'higher'),
  I('sv_net_gbp_per_head', 'Net social value per resident', 'gbp_per_head', 'higher'),
];

/** An indicator's description; one the list does not know is a plain number, neither high nor low good. */
export function peerIndicator(name: string): PeerIndicator {
  return PEER_INDICATORS.find((i) => i.name === name) ?? I(name, name.replace(/_/g, ' '), 'number', 'neither');
}

/** The position of an indicator in the dashboard's order (unknown ones last, by name). */
export function indicatorOrder(a: string, b: string): number {
  const pos = (n: string) => {
    const i = PEER_INDICATORS.findIndex((x) => x.name === n);
    return i < 0 ? PEER_INDICATORS.length : i;
  };
  return pos(a) - pos(b) || (a < b ? -1 : a > b ? 1 : 0);
}

export const BETTER_WORDS: Record<Better, string> = {
  higher: 'higher is better',
  lower: 'lower is better',
  neither: 'neither way is better',
};

/** The axis of a scale: its title (with the unit) and number format. */
export const SCALE_AXES: Record<IndicatorScale, { title: string; format: FormatName }> = {
  share: { title: 'Share (%)', format: 'pct' },
  percent: { title: 'Weighting (%)', format: 'num' },
  gbp_per_gbp: { title: '£ per £ of contract value', format: 'ratio' },
  gbp_per_head: { title: '£ per resident', format: 'ratio' },
  number: { title: 'Value', format: 'num' },
};

/**
 * Whether the authority is on the good side of the median: 1 better, -1 worse, 0 level, null when it cannot be said
 * (no value, no median, or neither high nor low is good).
 */
export function sideOfMedian(value: number | null, median: number | null, better: Better): 1 | -1 | 0 | null {
  if (value === null || median === null || better === 'neither') return null;
  if (value === median) return 0;
  const above = value > median;
  return (better === 'higher') === above ? 1 : -1;
}

/**
 * The peers' median of an indicator per period (type 7, as the benchmarks): `values` holds each authority's value by
 * period; the authority itself is left out. Periods in which no peer has a value have none.
 */
export function peerMedianByPeriod(
  values: ReadonlyArray<{ authority: string; period: string; value: number | null }>,
  authority: string,
): Map<string, { median: number | null; n: number }> {
  const byPeriod = new Map<string, number[]>();
  for (const v of values) {
    if (!byPeriod.has(v.period)) byPeriod.set(v.period, []);
    if (v.authority === authority || v.value === null || !Number.isFinite(v.value)) continue;
    byPeriod.get(v.period)!.push(v.value);
  }
  const out = new Map<string, { median: number | null; n: number }>();
  for (const [period, list] of byPeriod) {
    const sorted = [...list].sort((a, b) => a - b);
    out.set(period, { median: quantileSorted(sorted, 0.5), n: sorted.length });
  }
  return out;
}

/** The period part of a query in words, after "awarded" or "outcomes": "in 2025-Q1 to 2025-Q4", "in any period". */
export function periodWords(from: string | undefined, to: string | undefined): string {
  return from && to ? `in ${from} to ${to}` : from ? `from ${from}` : to ? `up to ${to}` : 'in any period';
}
