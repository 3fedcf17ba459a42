/**
 * Nearest neighbours of councils by standardised Euclidean distance over open area indicators (pure, no I/O).
 *
 * Method, step by step:
 * 1. Each feature's raw value is transformed: skewed size measures (population, area, density) by the natural log
 *    (a value <= 0 has no log and counts as missing); ordinal ones (deprivation quintile, rural-urban class) as they are.
 * 2. Each transformed feature is z-scored across the candidate set: z = (x - mean) / sd, with the mean and the sample
 *    standard deviation (n - 1) over the candidates that have the feature. A feature with sd 0 (or fewer than two
 *    values) cannot tell candidates apart and is left out.
 * 3. The distance between two councils is Euclidean over the features both have, scaled up to the full number of
 *    features (R's `dist()` rule for missing values): d = sqrt(F / S x sum over shared features (z_a - z_b)^2), F the
 *    features in use, S the ones both have. A pair sharing no feature has no distance (never a neighbour).
 * 4. Distances are also given rescaled to 0..1 (as CIPFA publishes them): d / the largest distance between any two
 *    candidates.
 * 5. The k nearest (smallest d; ties by code) are the peers; the council itself is not its own peer.
 */

export type FeatureTransform = 'log' | 'none';

export interface FeatureSpec {
  name: string;
  transform: FeatureTransform;
}

export interface CandidateValues {
  code: string;
  /** Raw values by feature name; null or absent: missing. */
  values: Readonly<Record<string, number | null | undefined>>;
}

export interface FeatureStats {
  name: string;
  transform: FeatureTransform;
  /** Candidates with a value. */
  n: number;
  /** Of the transformed values. */
  mean: number | null;
  sd: number | null;
  /** false when the feature cannot tell candidates apart (sd 0 or n < 2) and is left out of distances. */
  used: boolean;
}

export interface StandardisedSet {
  features: FeatureStats[];
  /** z-scores by code, in the order of `features` (null: missing or feature unused). */
  z: Map<string, Array<number | null>>;
  /** The number of features in use (F). */
  used: number;
  /** The largest distance between two candidates (0 when fewer than two). */
  maxDistance: number;
}

export function transformValue(value: number | null | undefined, transform: FeatureTransform): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  if (transform === 'log') return value > 0 ? Math.log(value) : null;
  return value;
}

/** Mean and sample standard deviation (n - 1); null when fewer than two values (no sd). */
export function meanAndSd(values: readonly number[]): { mean: number | null; sd: number | null } {
  const n = values.length;
  if (n === 0) return { mean: null, sd: null };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { mean, sd: null };
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { mean, sd: Math.sqrt(variance) };
}

/** Distance between two z-score vectors over the features both have, scaled to all `used` features (step 3). */
export function distance(
  a: ReadonlyArray<number | null>,
  b: ReadonlyArray<number | null>,
  used: number,
): { distance: number; shared: number } | null {
  let sum = 0;
  let shared = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === null || y === null) continue;
    sum += (x - y) ** 2;
    shared++;
  }
  if (shared === 0) return null;
  return { distance: Math.sqrt((sum * used) / shared), shared };
}

/** Steps 1, 2 and the rescaling constant of step 4 over a candidate set. */
export function standardise(candidates: readonly CandidateValues[], specs: readonly FeatureSpec[]): StandardisedSet {
  const transformed = candidates.map((c) => specs.map((f) => transformValue(c.values[f.name], f.transform)));
  const features: FeatureStats[] = specs.map((f, i) => {
    const present = transformed.map((t) => t[i]).filter((v): v is number => v !== null);
    const { mean, sd } = meanAndSd(present);
    return { name: f.name, transform: f.transform, n: present.length, mean, sd, used: sd !== null && sd > 0 };
  });
  const z = new Map<string, Array<number | null>>();
  candidates.forEach((c, ci) => {
    z.set(
      c.code,
      features.map((f, i) => {
        const v = transformed[ci][i];
        return v === null || !f.used ? null : (v - f.mean!) / f.sd!;
      }),
    );
  });
  const used = features.filter((f) => f.used).length;
  const vectors = [...z.values()];
  let maxDistance = 0;
  for (let i = 0; i < vectors.length; i++) {
    for (let j = i + 1; j < vectors.length; j++) {
      const d = distance(vectors[i], vectors[j], used);
      if (d && d.distance > maxDistance) maxDistance = d.distance;
    }
  }
  return { features, z, used, maxDistance };
}

export interface Neighbour {
  code: string;
  distance: number;
  /** distance / the largest distance between two candidates: 0..1. */
  distance_scaled: number;
  /** Features both had (S). */
  features_shared: number;
}

/** Step 5: the k candidates nearest to `code` (not itself), nearest first; [] when `code` is not a candidate. */
export function nearest(set: StandardisedSet, code: string, k: number): Neighbour[] {
  const own = set.z.get(code);
  if (!own) return [];
  const found: Neighbour[] = [];
  for (const [other, vector] of set.z) {
    if (other === code) continue;
    const d = distance(own, vector, set.used);
    if (!d) continue;
    found.push({
      code: other,
      distance: d.distance,
      distance_scaled: set.maxDistance > 0 ? d.distance / set.maxDistance : 0,
      features_shared: d.shared,
    });
  }
  found.sort((x, y) => x.distance - y.distance || (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));
  return found.slice(0, k);
}
