import { ConfigError, loadConfig } from '../../api/config/config';

describe('loadConfig', () => {
  it('has sensible defaults: port 3000, embedded database in .data/', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      logLevel: 'info',
      bodyLimitBytes: 10 * 1024 * 1024,
      dbPoolMax: 10,
      migrateOnStart: true,
      seedOnStart: true,
    });
    expect(config.dataDir).toBe(`${process.cwd()}/.data`);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/svm',
      DATA_DIR: '/var/lib/svm',
      LOG_LEVEL: 'debug',
      BODY_LIMIT: '512kb',
      DB_POOL_MAX: '20',
      SHUTDOWN_TIMEOUT_MS: '5000',
      MIGRATE_ON_START: 'false',
      SEED_ON_START: 'no',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://u:p@db:5432/svm',
      dataDir: '/var/lib/svm',
      logLevel: 'debug',
      bodyLimitBytes: 512 * 1024,
      dbPoolMax: 20,
      shutdownTimeoutMs: 5000,
      migrateOnStart: false,
      seedOnStart: false,
    });
  });

  it('reads the harvest settings, and refuses a bad cron expression or URL', () => {
    expect(loadConfig({}).harvest).toEqual({ url: undefined, from: undefined, cron: '17 * * * *', retries: 5, retryBaseMs: 1000 });
    expect(
      loadConfig({
        HARVEST_URL: 'https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages',
        HARVEST_FROM: '2025-01-01T00:00:00Z',
        HARVEST_CRON: 'off',
        HARVEST_RETRIES: '2',
        HARVEST_RETRY_BASE_MS: '250',
      }).harvest,
    ).toEqual({
      url: 'https://www.find-tender.service.gov.uk/api/1.0/ocdsReleasePackages',
      from: '2025-01-01T00:00:00Z',
      cron: 'off',
      retries: 2,
      retryBaseMs: 250,
    });
    expect(() => loadConfig({ HARVEST_CRON: '61 * * * *' })).toThrow(/HARVEST_CRON="61 \* \* \* \*" is not a valid cron expression/);
    expect(() => loadConfig({ HARVEST_CRON: 'hourly' })).toThrow(/HARVEST_CRON="hourly" must be a cron expression/);
    expect(() => loadConfig({ HARVEST_URL: 'ftp://x' })).toThrow(/HARVEST_URL="ftp:\/\/x" must be the http\(s\) URL/);
    expect(() => loadConfig({ HARVEST_FROM: 'yesterday' })).toThrow(/HARVEST_FROM="yesterday" must be an ISO 8601 date/);
  });

  it('reads the delivery rating thresholds (descending, in (0, 10]) and the rebuild schedule', () => {
    expect(loadConfig({}).delivery).toEqual({
      thresholds: { good: '0.95', approaching_target: '0.8', requires_improvement: '0.5' },
      rebuildCron: '41 * * * *',
    });
    expect(loadConfig({ DELIVERY_RATING_THRESHOLDS: '1,0.9, 0.6', DELIVERY_REBUILD_CRON: 'off' }).delivery).toEqual({
      thresholds: { good: '1', approaching_target: '0.9', requires_improvement: '0.6' },
      rebuildCron: 'off',
    });
    expect(() => loadConfig({ DELIVERY_RATING_THRESHOLDS: '0.5,0.8,0.95' })).toThrow(
      /DELIVERY_RATING_THRESHOLDS="0.5,0.8,0.95" thresholds must be strictly descending/,
    );
    expect(() => loadConfig({ DELIVERY_RATING_THRESHOLDS: '0.95,0.8' })).toThrow(/DELIVERY_RATING_THRESHOLDS="0.95,0.8" must be three numbers/);
    expect(() => loadConfig({ DELIVERY_RATING_THRESHOLDS: '12,0.8,0.5' })).toThrow(/at most 10/);
    expect(() => loadConfig({ DELIVERY_RATING_THRESHOLDS: '0.95,0.8,0' })).toThrow(/greater than 0/);
    expect(() => loadConfig({ DELIVERY_RATING_THRESHOLDS: '95%,80%,50%' })).toThrow(/must be three decimal numbers/);
    expect(() => loadConfig({ DELIVERY_REBUILD_CRON: '99 * * * *' })).toThrow(/DELIVERY_REBUILD_CRON="99 \* \* \* \*" is not a valid cron/);
  });

  it('treats an empty DATABASE_URL as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });

  it('stops with a message naming each bad variable and its value', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', BODY_LIMIT: 'huge', MIGRATE_ON_START: 'maybe' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('PORT="abc" must be a whole number from 0 to 65535');
    expect(message).toContain('DATABASE_URL="mysql://x" must be a postgres:// or postgresql:// connection URL');
    expect(message).toContain('LOG_LEVEL="loud" must be one of');
    expect(message).toContain('BODY_LIMIT="huge"');
    expect(message).toContain('MIGRATE_ON_START="maybe" must be true or false');
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
      'BODY_LIMIT',
      'DATABASE_URL',
      'LOG_LEVEL',
      'MIGRATE_ON_START',
      'PORT',
    ]);
  });

  it('refuses out-of-range numbers', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT="70000"/);
    expect(() => loadConfig({ DB_POOL_MAX: '0' })).toThrow(/DB_POOL_MAX="0"/);
    expect(() => loadConfig({ PORT: '3.5' })).toThrow(/PORT="3.5"/);
  });
});
