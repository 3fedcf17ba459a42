import { DEFAULT_REPORTS_OPTIONS, type ReportsOptions } from '../../reports/options';
import bytes from 'bytes';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { validateCronExpression } from 'cron';
import { resolve } from 'node:path';
import { parseRatingThresholds, type RatingThresholds } from '../../metrics/derive/valuation/delivery';
import type { Database } from '../../metrics/platform/database';
import type { MetricsOptions } from '../../metrics/platform/options';

/** Supplier-level data (commitments, returns, evidence, row-level quality flags): keyed (the default) or open to all. */
export const SUPPLIER_DATA_MODES = ['keyed', 'open'] as const;
export type SupplierDataMode = (typeof SUPPLIER_DATA_MODES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** Rates: a count per second, minute or hour. */
const RATE_PATTERN = /^(off|\d+\s*\/\s*(s|sec|second|m|min|minute|h|hour))$/i;

/** The environment variables the service reads (documented in the README's configuration table). */
class Environment {
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number from 0 to 65535' })
  @Min(0, { message: 'must be a whole number from 0 to 65535' })
  @Max(65535, { message: 'must be a whole number from 0 to 65535' })
  PORT: number = 3000;

  @IsString()
  @MinLength(1, { message: 'must be a host name or address to listen on' })
  HOST: string = '0.0.0.0';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// or postgresql:// connection URL' })
  DATABASE_URL?: string;

  @IsString()
  @MinLength(1, { message: 'must be a folder path' })
  DATA_DIR: string = '.data';

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  @Matches(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, { message: 'must be a size such as 512kb, 10mb or 1gb' })
  BODY_LIMIT: string = '10mb';

  @Matches(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, { message: 'must be a size such as 500mb or 2gb' })
  IMPORT_LIMIT: string = '1gb';

  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  DEMO_DATA: boolean = true;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number from 1 to 100' })
  @Min(1, { message: 'must be a whole number from 1 to 100' })
  @Max(100, { message: 'must be a whole number from 1 to 100' })
  DB_POOL_MAX: number = 10;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds from 0 to 600000' })
  @Min(0, { message: 'must be a whole number of milliseconds from 0 to 600000' })
  @Max(600000, { message: 'must be a whole number of milliseconds from 0 to 600000' })
  SHUTDOWN_TIMEOUT_MS: number = 10000;

  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  MIGRATE_ON_START: boolean = true;

  @Transform(toBool)
  @IsBoolean({ message: 'must be true or false' })
  SEED_ON_START: boolean = true;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: "must be the http(s) URL of a publisher's OCDS release-package API" })
  HARVEST_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/, { message: 'must be an ISO 8601 date or date-time' })
  HARVEST_FROM?: string;

  @IsString()
  @Matches(/^(off|(\S+\s+){4,5}\S+)$/, { message: 'must be a cron expression (5 or 6 fields) or off' })
  HARVEST_CRON: string = '17 * * * *';

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number from 0 to 20' })
  @Min(0, { message: 'must be a whole number from 0 to 20' })
  @Max(20, { message: 'must be a whole number from 0 to 20' })
  HARVEST_RETRIES: number = 5;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds from 0 to 600000' })
  @Min(0, { message: 'must be a whole number of milliseconds from 0 to 600000' })
  @Max(600000, { message: 'must be a whole number of milliseconds from 0 to 600000' })
  HARVEST_RETRY_BASE_MS: number = 1000;

  @IsString()
  DELIVERY_RATING_THRESHOLDS: string = '0.95,0.80,0.50';

  @IsString()
  @Matches(/^(off|(\S+\s+){4,5}\S+)$/, { message: 'must be a cron expression (5 or 6 fields) or off' })
  DELIVERY_REBUILD_CRON: string = '41 * * * *';

  @IsString()
  @Matches(/^(off|(\S+\s+){4,5}\S+)$/, { message: 'must be a cron expression (5 or 6 fields) or off' })
  QUALITY_OUTLIER_CRON: string = '* * * * *';

  @IsString()
  @Matches(/^(off|(\S+\s+){4,5}\S+)$/, { message: 'must be a cron expression (5 or 6 fields) or off' })
  BATCH_CHECK_CRON: string = '*/30 * * * * *';

  @IsString()
  @Matches(/^(off|(\S+\s+){4,5}\S+)$/, { message: 'must be a cron expression (5 or 6 fields) or off' })
  EXCHANGE_MATCHING_CRON: string = '17 2 * * *';

  @IsIn(SUPPLIER_DATA_MODES, { message: `must be one of ${SUPPLIER_DATA_MODES.join(', ')}` })
  SUPPLIER_DATA: SupplierDataMode = 'keyed';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^\S{32,}$/, { message: 'must be at least 32 characters without spaces (e.g. openssl rand -hex 32)' })
  SESSION_SECRET?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  SESSION_HOURS: number = 8;

  @IsOptional()
  @IsString()
  @MinLength(1)
  CHROMIUM_PATH?: string;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number from 1 to 16' })
  @Min(1, { message: 'must be a whole number from 1 to 16' })
  @Max(16, { message: 'must be a whole number from 1 to 16' })
  REPORTS_CONCURRENCY: number = 2;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds from 1000 to 3600000' })
  @Min(1000, { message: 'must be a whole number of milliseconds from 1000 to 3600000' })
  @Max(3600000, { message: 'must be a whole number of milliseconds from 1000 to 3600000' })
  REPORTS_TIMEOUT_MS: number = 120000;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number from 1 to 10' })
  @Min(1, { message: 'must be a whole number from 1 to 10' })
  @Max(10, { message: 'must be a whole number from 1 to 10' })
  REPORTS_ATTEMPTS: number = 3;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of milliseconds from 0 to 3600000' })
  @Min(0, { message: 'must be a whole number of milliseconds from 0 to 3600000' })
  @Max(3600000, { message: 'must be a whole number of milliseconds from 0 to 3600000' })
  REPORTS_RETRY_BASE_MS: number = 30000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^(\*|https?:\/\/[^\s,]+(\s*,\s*https?:\/\/[^\s,]+)*)$/, { message: 'must be * or a comma-separated list of http(s) origins' })
  CORS_ORIGINS?: string;

  @Matches(RATE_PATTERN, { message: 'must be a rate such as 60/min, 10/s or 1000/hour, or off' })
  RATE_LIMIT_WRITES: string = '120/min';

  @Matches(RATE_PATTERN, { message: 'must be a rate such as 60/min, 10/s or 1000/hour, or off' })
  RATE_LIMIT_READS: string = '6000/min';

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number from 0 to 100000' })
  @Min(0, { message: 'must be a whole number from 0 to 100000' })
  @Max(100000, { message: 'must be a whole number from 0 to 100000' })
  READ_CACHE_ENTRIES: number = 2000;
}


/** A rate limit: `limit` requests per `ttlMs` milliseconds, per caller (API key, else address); null: off. */
export interface RateLimit {
  limit: number;
  ttlMs: number;
}

export function parseRate(value: string): RateLimit | null {
  const match = /^(\d+)\s*\/\s*(\w+)$/.exec(value.trim());
  if (!match) return null;
  const unit = match[2].toLowerCase();
  const ttlMs = unit.startsWith('s') ? 1000 : unit.startsWith('m') ? 60_000 : 3_600_000;
  return { limit: Number(match[1]), ttlMs };
}

export interface AppConfig {
  port: number;
  host: string;
  /** Unset: the embedded database in dataDir. */
  databaseUrl?: string;
  /** Absolute path of the embedded database's folder. */
  dataDir: string;
  logLevel: LogLevel;
  /** Largest accepted JSON request body, in bytes. */
  bodyLimitBytes: number;
  /** Largest CSV or Arrow import, in bytes (streamed, never held whole). */
  importLimitBytes: number;
  /** Load the demo dataset into an empty database at start. */
  demoData: boolean;
  dbPoolMax: number;
  shutdownTimeoutMs: number;
  migrateOnStart: boolean;
  seedOnStart: boolean;
  harvest: {
    /** A publisher's OCDS release-package API, harvested as the source `default` (unset: only sources added by the API). */
    url?: string;
    /** Where the first harvest of `url` starts (its updatedFrom). */
    from?: string;
    /** When harvests run; `off` runs them only on demand. */
    cron: string;
    retries: number;
    retryBaseMs: number;
  };
  delivery: {
    /** Lowest delivery ratio of Good, Approaching target and Requires improvement (Procurement Act 2023 s.71). */
    thresholds: RatingThresholds;
    /** When to check whether the quarter rolled over (or the thresholds changed) and rebuild; `off`: never by schedule. */
    rebuildCron: string;
  };
  quality: {
    /** When to recompute the outlier flags of measures changed by import batches in the background; `off`: never. */
    outlierCron: string;
  };
  /** When to fail import batches whose owner (process or database connection) is gone; `off`: only at start. */
  batchCheckCron: string;
  /** When the exchange's matching runs by itself; `off`: only when asked (POST /api/v1/exchange/matching/run). */
  exchangeMatchingCron: string;
  reports: {
    /** Chromium's path; unset: Debian's (/usr/bin/chromium). */
    chromiumPath?: string;
    /** Reports printed at once by an instance; more wait in the queue (report_runs). */
    concurrency: number;
    /** The longest one print may take. */
    timeoutMs: number;
    /** Attempts of a run before it fails for good, and the wait before the first retry (doubled at each). */
    attempts: number;
    retryBaseMs: number;
  };
  access: {
    /** Supplier-level data: `keyed` (an analyst, admin, or submitter-for-that-authority key) or `open` to everyone. */
    supplierData: SupplierDataMode;
    /** Signs the dashboards' session cookies; unset: a random secret per process (sessions end at a restart). */
    sessionSecret?: string;
    sessionHours: number;
  };
  http: {
    /** Origins allowed to call the API from a browser; unset: CORS off (no Access-Control headers). */
    corsOrigins?: string[] | '*';
    /** Requests per caller on write routes and on expensive reads (exports, uploads); null: no limit. */
    rateLimitWrites: RateLimit | null;
    rateLimitReads: RateLimit | null;
    /** Read answers kept per data version (0: no cache; ETags are still sent). */
    readCacheEntries: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: Array<{ variable: string; message: string; value: unknown }>) {
    super(
      `Invalid configuration:\n${problems
        .map((p) => `  ${p.variable}=${JSON.stringify(p.value)} ${p.message}`)
        .join('\n')}`,
    );
  }
}

const KNOWN = Object.keys(new Environment()).concat('DATABASE_URL', 'HARVEST_URL', 'HARVEST_FROM', 'CORS_ORIGINS');

/** Reads and validates the configuration once, at boot. Nothing else in the service reads process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw = Object.fromEntries(KNOWN.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
  const parsed = plainToInstance(Environment, raw);
  const errors = validateSync(parsed, { forbidUnknownValues: true });
  const problems = errors.map((e) => ({
    variable: e.property,
    message: Object.values(e.constraints ?? {})[0] ?? 'is invalid',
    value: raw[e.property],
  }));
  for (const variable of ['HARVEST_CRON', 'DELIVERY_REBUILD_CRON', 'QUALITY_OUTLIER_CRON', 'BATCH_CHECK_CRON', 'EXCHANGE_MATCHING_CRON'] as const) {
    if (problems.some((p) => p.variable === variable) || parsed[variable].trim() === 'off') continue;
    const cron = validateCronExpression(parsed[variable].trim());
    if (!cron.valid) problems.push({ variable, message: `is not a valid cron expression: ${cron.error?.message ?? 'invalid'}`, value: raw[variable] });
  }
  const thresholds = parseRatingThresholds(parsed.DELIVERY_RATING_THRESHOLDS ?? '');
  if (typeof thresholds === 'string' && !problems.some((p) => p.variable === 'DELIVERY_RATING_THRESHOLDS')) {
    problems.push({ variable: 'DELIVERY_RATING_THRESHOLDS', message: thresholds, value: raw.DELIVERY_RATING_THRESHOLDS });
  }
  if (problems.length > 0 || typeof thresholds === 'string') throw new ConfigError(problems);
  return {
    port: parsed.PORT,
    host: parsed.HOST,
    databaseUrl: parsed.DATABASE_URL,
    dataDir: resolve(parsed.DATA_DIR),
    logLevel: parsed.LOG_LEVEL,
    bodyLimitBytes: bytes.parse(parsed.BODY_LIMIT.replace(/\s+/g, '')) ?? 0,
    importLimitBytes: bytes.parse(parsed.IMPORT_LIMIT.replace(/\s+/g, '')) ?? 0,
    demoData: parsed.DEMO_DATA,
    dbPoolMax: parsed.DB_POOL_MAX,
    shutdownTimeoutMs: parsed.SHUTDOWN_TIMEOUT_MS,
    migrateOnStart: parsed.MIGRATE_ON_START,
    seedOnStart: parsed.SEED_ON_START,
    harvest: {
      url: parsed.HARVEST_URL,
      from: parsed.HARVEST_FROM,
      cron: parsed.HARVEST_CRON.trim(),
      retries: parsed.HARVEST_RETRIES,
      retryBaseMs: parsed.HARVEST_RETRY_BASE_MS,
    },
    delivery: { thresholds, rebuildCron: parsed.DELIVERY_REBUILD_CRON.trim() },
    quality: { outlierCron: parsed.QUALITY_OUTLIER_CRON.trim() },
    batchCheckCron: parsed.BATCH_CHECK_CRON.trim(),
    exchangeMatchingCron: parsed.EXCHANGE_MATCHING_CRON.trim(),
    reports: { chromiumPath: parsed.CHROMIUM_PATH, concurrency: parsed.REPORTS_CONCURRENCY, timeoutMs: parsed.REPORTS_TIMEOUT_MS, attempts: parsed.REPORTS_ATTEMPTS, retryBaseMs: parsed.REPORTS_RETRY_BASE_MS },
    access: { supplierData: parsed.SUPPLIER_DATA, sessionSecret: parsed.SESSION_SECRET, sessionHours: parsed.SESSION_HOURS },
    http: {
      corsOrigins:
        parsed.CORS_ORIGINS === undefined
          ? undefined
          : parsed.CORS_ORIGINS.trim() === '*'
            ? '*'
            : parsed.CORS_ORIGINS.split(',').map((o) => o.trim().replace(/\/+$/, '')),
      rateLimitWrites: parseRate(parsed.RATE_LIMIT_WRITES),
      rateLimitReads: parseRate(parsed.RATE_LIMIT_READS),
      readCacheEntries: parsed.READ_CACHE_ENTRIES,
    },
  };
}

/**
 * The options of the measurement core from the configuration: for the service, and for the CLI (a one-off command
 * holds the database briefly, with a small pool, and loads no demo).
 */
export function metricsOptions(
  config: AppConfig,
  run: { holder: MetricsOptions['database']['holder']; poolMax?: number; existing?: Database; demoOnEmpty?: boolean },
): MetricsOptions {
  return {
    database: { databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: run.poolMax ?? config.dbPoolMax, holder: run.holder, existing: run.existing },
    prepare: { migrate: config.migrateOnStart, seed: config.seedOnStart },
    importLimitBytes: config.importLimitBytes,
    harvest: { retries: config.harvest.retries, retryBaseMs: config.harvest.retryBaseMs, url: config.harvest.url, from: config.harvest.from },
    delivery: { thresholds: config.delivery.thresholds },
    demoOnEmpty: run.demoOnEmpty ?? false,
  };
}

/** The reports' options from the configuration: the service takes runs from the queue and runs the schedules; the CLI prints one report itself. */
export function reportsOptions(config: AppConfig, run: { worker: boolean }): ReportsOptions {
  return {
    ...DEFAULT_REPORTS_OPTIONS,
    concurrency: config.reports.concurrency,
    chromiumPath: config.reports.chromiumPath,
    renderTimeoutMs: config.reports.timeoutMs,
    attempts: config.reports.attempts,
    retryBaseMs: config.reports.retryBaseMs,
    worker: run.worker,
  };
}
