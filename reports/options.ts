/** How the reports run (from the configuration: api/config/config.ts). */
export interface ReportsOptions {
  /** Reports printed at once by this instance (each in a browser context of its own); more wait in the queue. */
  concurrency: number;
  /** The longest one print may take (ms). */
  renderTimeoutMs: number;
  /** Attempts of a run before it fails for good. */
  attempts: number;
  /** The wait before the first retry (ms); it doubles at each attempt. */
  retryBaseMs: number;
  /** How often an idle worker looks at the queue for runs another instance queued (ms). */
  pollMs: number;
  /** A running run whose heartbeat is older than this is failed: the process printing it stopped (ms). */
  staleMs: number;
  /** Chromium's path (CHROMIUM_PATH); unset: Debian's. */
  chromiumPath?: string;
  /** Whether this process takes runs from the queue and registers the schedules (the service: yes; the CLI: no). */
  worker: boolean;
}

export const REPORTS_OPTIONS = Symbol('REPORTS_OPTIONS');

export const DEFAULT_REPORTS_OPTIONS: ReportsOptions = {
  concurrency: 2,
  renderTimeoutMs: 120_000,
  attempts: 3,
  retryBaseMs: 30_000,
  pollMs: 5_000,
  staleMs: 60_000,
  worker: true,
};
