/**
 * What benchmarks need from the indicators: each authority's indicator values over a period. Implemented by
 * IndicatorsService.byAuthority (metrics/read/indicators/indicators.service.ts): shares 0..1 and £ ratios, null where an
 * authority has no data for an indicator. Injected by this token so benchmarks depend on the shape, not the class.
 */
export interface IndicatorsFilter {
  /** First period, as the read filter takes it (2025, 2025-Q1, 2025-04, FY2025-26). */
  from?: string;
  /** Last period, the same forms. */
  to?: string;
  authorityIds?: number[];
}

export interface IndicatorsSource {
  /** Keyed by authority code: indicator name -> value. */
  byAuthority(filter: IndicatorsFilter): Promise<Map<string, Record<string, number | null>>>;
}

export const INDICATORS_SOURCE = Symbol('INDICATORS_SOURCE');
