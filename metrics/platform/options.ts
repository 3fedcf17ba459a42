import type { DatabaseOptions, Database } from './database';

/**
 * What the measurement core is configured with. The edge (api/) reads and validates the environment once and passes
 * these in; nothing in metrics/ reads process.env.
 */
export interface MetricsOptions {
  /** The database to open, or `existing`: one the caller opened and keeps (tests), not closed by the module. */
  database: DatabaseOptions & { existing?: Database };
  /** At start: migrate to the latest, load the reference data when its files changed (and recover interrupted batches). */
  prepare: { migrate: boolean; seed: boolean };
  /** Largest CSV, Arrow or OCDS body an import reads (bytes). */
  importLimitBytes: number;
  /** OCDS harvests: retries of a page and the first wait; a source from the environment registered at start. */
  harvest: { retries: number; retryBaseMs: number; url?: string; from?: string };
  /** Rating thresholds of delivery against commitment (the lowest ratio rated Good, Approaching, Requires improvement). */
  delivery: { thresholds: { good: string; approaching_target: string; requires_improvement: string } };
  /** Load the demo dataset into an empty database once started. */
  demoOnEmpty: boolean;
}

export const METRICS_OPTIONS = Symbol('METRICS_OPTIONS');
