import type Decimal from 'decimal.js';
import { Dec } from './valuation';

/**
 * Commitment vs delivery, in exact decimal arithmetic. Pure: the SQL of the delivery refresher
 * (metrics/derive/delivery/delivery.refresher.ts) applies the very same rules, and a test compares the two.
 *
 *   elapsed days    of a period [start, end] as of a date: clamp(as_of - start + 1, 0, end - start + 1) (days counted
 *                   inclusively, so a period that ended counts whole, one running pro-rata, one not started 0)
 *   expected        of a commitment: target x elapsed days / days of its period, rounded to 6 decimal places (the scale
 *                   quantities are stored at). A commitment covering the whole contract (its period is the contract's
 *                   term) is thereby pro-rata by elapsed contract time; per-period commitments count whole once their
 *                   period has ended, pro-rata while it runs, 0 before it starts.
 *   delivered       of an outcome (a return): quantity x elapsed days of its period / days of its period, rounded to 6
 *                   places (a return whose period ended counts whole); summed over the latest returns.
 *   ratio           delivered / expected; null when nothing is expected yet.
 *   rating          on the Procurement Act 2023 s.71 scale, compared exactly (delivered >= threshold x expected, no
 *                   division): Good >= good, Approaching target >= approaching, Requires improvement >= requires,
 *                   else Inadequate; Other when there is no commitment or nothing is expected yet.
 */

/** Quantities are stored as numeric(24, 6): expected and delivered figures are rounded to the same scale (half up). */
export const QUANTITY_SCALE = 6;

export const RATINGS = ['good', 'approaching_target', 'requires_improvement', 'inadequate', 'other'] as const;
export type Rating = (typeof RATINGS)[number];

/** The words of the Procurement Act 2023 s.71 (Contract Performance Notices). */
export const RATING_LABELS: Readonly<Record<Rating, string>> = {
  good: 'Good',
  approaching_target: 'Approaching target',
  requires_improvement: 'Requires improvement',
  inadequate: 'Inadequate',
  other: 'Other',
};

/** Lowest delivery ratio of each rating, as exact decimals (text). */
export interface RatingThresholds {
  good: string;
  approaching_target: string;
  requires_improvement: string;
}

export const DEFAULT_RATING_THRESHOLDS: Readonly<RatingThresholds> = { good: '0.95', approaching_target: '0.8', requires_improvement: '0.5' };

/**
 * `0.95,0.80,0.50` into thresholds: three decimals in (0, 10], strictly descending (Good, Approaching target, Requires
 * improvement). Returns the problem as text when the list is not valid.
 */
export function parseRatingThresholds(text: string): RatingThresholds | string {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 3) return 'must be three numbers separated by commas (Good, Approaching target, Requires improvement), e.g. 0.95,0.80,0.50';
  if (parts.some((p) => !/^\d+(\.\d+)?$|^\.\d+$/.test(p))) return 'must be three decimal numbers, e.g. 0.95,0.80,0.50';
  const values = parts.map((p) => new Dec(p));
  if (values.some((v) => v.lte(0) || v.gt(10))) return 'each threshold must be greater than 0 and at most 10';
  if (!(values[0].gt(values[1]) && values[1].gt(values[2]))) return 'thresholds must be strictly descending (Good > Approaching target > Requires improvement)';
  const [good, approaching_target, requires_improvement] = values.map((v) => v.toFixed());
  return { good, approaching_target, requires_improvement };
}

const DAY_MS = 86_400_000;
const dayNumber = (isoDate: string): number => {
  const ms = Date.parse(`${isoDate.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${isoDate}`);
  return Math.round(ms / DAY_MS);
};

/** An inclusive period of calendar dates, as 'YYYY-MM-DD'. */
export interface Period {
  start: string;
  end: string;
}

/** Days of a period, counting both ends. */
export function periodDays(p: Period): number {
  return dayNumber(p.end) - dayNumber(p.start) + 1;
}

/** Days of a period elapsed by the end of `asOf`: 0 before it starts, all of them once it has ended. */
export function elapsedDays(p: Period, asOf: string): number {
  return Math.min(Math.max(dayNumber(asOf) - dayNumber(p.start) + 1, 0), periodDays(p));
}

/** Days a period shares with a window (both inclusive). */
export function overlapDays(p: Period, window: Period): number {
  const start = Math.max(dayNumber(p.start), dayNumber(window.start));
  const end = Math.min(dayNumber(p.end), dayNumber(window.end));
  return Math.max(end - start + 1, 0);
}

const round = (d: Dec): Dec => d.toDecimalPlaces(QUANTITY_SCALE, Dec.ROUND_HALF_UP);

/**
 * A quantity of a period counted to the end of `asOf`, pro-rata by days: quantity x elapsed days / days, to 6 places.
 * What a commitment should have delivered by then (expected to date), and what a return counts as delivered.
 */
export function expectedToDate(quantity: Decimal.Value, period: Period, asOf: string): Dec {
  return round(new Dec(quantity).times(elapsedDays(period, asOf)).div(periodDays(period)));
}
export const deliveredToDate = expectedToDate;

/**
 * The part of a return that falls in a window (a commitment's period up to the as-of date), pro-rata by days:
 * quantity x days shared / days of the return, to 6 places.
 */
export function deliveredInWindow(quantity: Decimal.Value, period: Period, window: Period): Dec {
  if (window.end < window.start) return new Dec(0);
  return round(new Dec(quantity).times(overlapDays(period, window)).div(periodDays(period)));
}

/** delivered / expected, or null when nothing is expected (yet). */
export function deliveryRatio(delivered: Decimal.Value, expected: Decimal.Value): Dec | null {
  const e = new Dec(expected);
  return e.isZero() ? null : new Dec(delivered).div(e);
}

/** The s.71 rating of a delivery against what was expected. `committed: false` (no commitment at all) is Other. */
export function deliveryRating(delivered: Decimal.Value, expected: Decimal.Value, thresholds: RatingThresholds, committed = true): Rating {
  const e = new Dec(expected);
  if (!committed || e.isZero()) return 'other';
  const d = new Dec(delivered);
  if (d.gte(e.times(thresholds.good))) return 'good';
  if (d.gte(e.times(thresholds.approaching_target))) return 'approaching_target';
  if (d.gte(e.times(thresholds.requires_improvement))) return 'requires_improvement';
  return 'inadequate';
}

const SEVERITY: Readonly<Record<Rating, number>> = { inadequate: 1, requires_improvement: 2, approaching_target: 3, good: 4, other: 5 };

/**
 * A contract's overall rating: the worst rating of its measures that have something expected (Other ones are left
 * out); Other when none has.
 */
export function overallRating(ratings: readonly Rating[]): Rating {
  return ratings.reduce<Rating>((worst, r) => (SEVERITY[r] < SEVERITY[worst] ? r : worst), 'other');
}

export interface CommitmentLine {
  measure: string;
  /** The measure's framework and version: a code names a measure only within one framework version. */
  framework?: string;
  framework_version?: string;
  period_start: string;
  period_end: string;
  target_canonical: string;
}

export interface OutcomeLine {
  measure: string;
  framework?: string;
  framework_version?: string;
  period_start: string;
  period_end: string;
  quantity_canonical: string;
}

export interface MeasureDelivery {
  measure: string;
  commitments: number;
  committed: string;
  expected: string;
  delivered: string;
  ratio: string | null;
  rating: Rating;
}

/**
 * Commitment vs delivery of one contract and measure as of a date, by the rules above (the figures the refresher
 * stores): expected = sum of each commitment's expected; delivered = sum of each latest return's delivered to date.
 */
export function measureDelivery(
  measure: string,
  commitments: readonly CommitmentLine[],
  outcomes: readonly OutcomeLine[],
  asOf: string,
  thresholds: RatingThresholds,
): MeasureDelivery {
  const committed = commitments.reduce((s, c) => s.plus(c.target_canonical), new Dec(0));
  const expected = commitments.reduce((s, c) => s.plus(expectedToDate(c.target_canonical, { start: c.period_start, end: c.period_end }, asOf)), new Dec(0));
  const delivered = outcomes.reduce((s, o) => s.plus(deliveredToDate(o.quantity_canonical, { start: o.period_start, end: o.period_end }, asOf)), new Dec(0));
  const ratio = deliveryRatio(delivered, expected);
  return {
    measure,
    commitments: commitments.length,
    committed: committed.toFixed(),
    expected: expected.toFixed(),
    delivered: delivered.toFixed(),
    ratio: ratio ? ratio.toDecimalPlaces(QUANTITY_SCALE, Dec.ROUND_HALF_UP).toFixed() : null,
    rating: deliveryRating(delivered, expected, thresholds, commitments.length > 0),
  };
}

/** Steps between two ratings on the scale Inadequate (1) to Good (4); null when either is Other (off the scale). */
export function ratingSteps(a: Rating, b: Rating): number | null {
  if (a === 'other' || b === 'other') return null;
  return Math.abs(SEVERITY[a] - SEVERITY[b]);
}

/** One contract and period rated both ways: by the buyer's own notice (UK9) and from the returns. */
export interface RatingPair {
  official: Rating;
  computed: Rating;
}

/**
 * Agreement of the official ratings with the computed ones: a cross-table (official rating -> computed rating ->
 * count, every cell present), how many pairs agree exactly, how many lie two steps or more apart, and the share that
 * agree (of the pairs where neither is Other; null when there are none).
 */
export function ratingAgreement(pairs: readonly RatingPair[]) {
  const table = Object.fromEntries(RATINGS.map((o) => [o, Object.fromEntries(RATINGS.map((c) => [c, 0]))])) as Record<Rating, Record<Rating, number>>;
  let rated = 0;
  let agree = 0;
  let apart = 0;
  for (const p of pairs) {
    table[p.official][p.computed] += 1;
    const steps = ratingSteps(p.official, p.computed);
    if (steps === null) continue;
    rated += 1;
    if (steps === 0) agree += 1;
    if (steps >= 2) apart += 1;
  }
  return { table, pairs: pairs.length, rated, agree, two_or_more_apart: apart, agreement_share: rated ? Math.round((agree / rated) * 1e6) / 1e6 : null };
}
