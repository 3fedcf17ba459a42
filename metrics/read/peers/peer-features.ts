import type { FeatureSpec, FeatureTransform } from './nearest-neighbours';
import { deprivationQuintile } from '../../reference/authorities/deprivation';

/**
 * The open area indicators nearest neighbours are computed over, and how councils are grouped into comparable tiers.
 * Pure definitions, no I/O.
 */

export const FEATURE_NAMES = ['population', 'area', 'density', 'deprivation', 'rurality'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

export interface FeatureDefinition extends FeatureSpec {
  name: FeatureName;
  transform: FeatureTransform;
  unit: string;
  source: string;
}

export const FEATURES: Readonly<Record<FeatureName, FeatureDefinition>> = {
  population: {
    name: 'population',
    transform: 'log',
    unit: 'people',
    source: 'authorities.population: mid-2020 estimate (ONS, via mySociety uk_local_authorities pop-2020; CC BY 4.0)',
  },
  area: {
    name: 'area',
    transform: 'log',
    unit: 'km2',
    source: 'authorities.area_km2 (mySociety uk_local_authorities area; OS/ONS data, CC BY 4.0)',
  },
  density: {
    name: 'density',
    transform: 'log',
    unit: 'people per km2',
    source: 'derived: population / area_km2',
  },
  deprivation: {
    name: 'deprivation',
    transform: 'none',
    unit: 'IMD quintile: 1 most deprived 20% of councils .. 5 least deprived',
    source: 'mySociety local-authority-similarity, IMD clusters (CC BY 4.0); each nation ranked by its own index',
  },
  rurality: {
    name: 'rurality',
    transform: 'none',
    unit: '1 Urban, 2 Urban with rural areas, 3 Rural, 4 Sparse and rural',
    source: 'mySociety local-authority-similarity, rural-urban clusters (CC BY 4.0)',
  },
};

/**
 * The default features. Area is left out: on the log scale log(density) = log(population) - log(area), so the three
 * carry two dimensions and using all three would weigh size twice; ask for it with `features=`.
 */
export const DEFAULT_FEATURES: readonly FeatureName[] = ['population', 'density', 'deprivation', 'rurality'];

/** mySociety IMD cluster label -> quintile 1..5 ("1st IMD quintile" = most deprived). */
const RURALITY: Record<string, number> = {
  urban: 1,
  'urban with rural areas': 2,
  rural: 3,
  'sparse and rural': 4,
};

/** mySociety rural-urban cluster label -> ordinal 1 (urban) .. 4 (sparse and rural). */
export function ruralityClass(label: string | null | undefined): number | null {
  return RURALITY[(label ?? '').trim().toLowerCase()] ?? null;
}

export interface AreaFacts {
  population: number | null;
  area_km2: number | null;
  imd_label: string | null;
  ruc_label: string | null;
}

/** The raw (untransformed) feature values of a council. */
export function featureValues(a: AreaFacts): Record<FeatureName, number | null> {
  const density = a.population !== null && a.area_km2 !== null && a.area_km2 > 0 ? a.population / a.area_km2 : null;
  return {
    population: a.population,
    area: a.area_km2,
    density,
    deprivation: deprivationQuintile(a.imd_label),
    rurality: ruralityClass(a.ruc_label),
  };
}

/**
 * Comparable tiers of councils (by what they do):
 * - upper: councils with social care and education: counties, unitaries, metropolitan districts, London boroughs,
 *   the City of London, Scottish and Welsh unitary councils;
 * - district: non-metropolitan (shire) districts and Northern Ireland's districts (no education or social care);
 * - strategic: combined authorities and the Greater London Authority.
 */
export type Tier = 'upper' | 'district' | 'strategic';

const TIER_BY_SUBTYPE: Record<string, Tier> = {
  county: 'upper',
  'unitary authority': 'upper',
  'metropolitan district': 'upper',
  'london borough': 'upper',
  'city corporation': 'upper',
  'scottish unitary authority': 'upper',
  'welsh unitary authority': 'upper',
  'non-metropolitan district': 'district',
  'ni district': 'district',
  'combined authority': 'strategic',
  'strategic regional authority': 'strategic',
};

const TIER_BY_GSS_PREFIX: Record<string, Tier> = {
  E06: 'upper',
  E08: 'upper',
  E09: 'upper',
  E10: 'upper',
  S12: 'upper',
  W06: 'upper',
  E07: 'district',
  N09: 'district',
  E47: 'strategic',
  E61: 'strategic',
};

/** The tier of an authority, by subtype, else by its GSS code; null for anything but a council. */
export function tierOf(a: { kind: string; subtype: string | null; code: string }): Tier | null {
  if (a.kind !== 'local_authority') return null;
  return TIER_BY_SUBTYPE[(a.subtype ?? '').toLowerCase()] ?? TIER_BY_GSS_PREFIX[a.code.slice(0, 3).toUpperCase()] ?? null;
}
