/**
 * The outlier rule (Iglewicz and Hoaglin, 1993): the modified z-score of a value x among values with median M and
 * median absolute deviation MAD = median(|x_i - M|) is z = 0.6745 (x - M) / MAD; |z| > 3.5 marks an outlier.
 * 0.6745 is the 0.75 quantile of the standard normal, so that MAD / 0.6745 estimates the standard deviation of
 * normal data. A MAD of 0 (more than half the values equal) gives no z-score: nothing is flagged.
 *
 * The database applies the same rule in SQL (metrics/derive/quality/quality.refresher.ts); these functions state it and are
 * what the worked examples test.
 */
export const MODIFIED_Z_FACTOR = 0.6745;
export const OUTLIER_THRESHOLD = 3.5;

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function medianAbsoluteDeviation(values: readonly number[]): { median: number; mad: number } | null {
  const m = median(values);
  if (m === null) return null;
  return { median: m, mad: median(values.map((v) => Math.abs(v - m)))! };
}

/** The modified z-score of `x`, or null when the MAD is 0. */
export function modifiedZ(x: number, m: number, mad: number): number | null {
  return mad === 0 ? null : (MODIFIED_Z_FACTOR * (x - m)) / mad;
}

export function isOutlier(x: number, m: number, mad: number): boolean {
  const z = modifiedZ(x, m, mad);
  return z !== null && Math.abs(z) > OUTLIER_THRESHOLD;
}
