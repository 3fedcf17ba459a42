import { Logger } from '@nestjs/common';
import { createApp } from './app';
import { ConfigError, loadConfig, type AppConfig } from './config/config';
import { checkDataDir, DataDirBusyError, DataDirError } from '../metrics/platform/data-dir-lock';

/** Starts the service: validated config, database migrated and seeded, HTTP listening, graceful stop on signals. */
async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee the configuration table in README.md.\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }

  const started = Date.now();
  // the embedded database's folder checked first: a folder it cannot write to, or a full disk, is said in one message
  if (!config.databaseUrl) checkDataDir(config.dataDir);
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://localhost:${port}`;
  const logger = new Logger('Main');
  logger.log({
    msg: `Social value monitor listening on ${url}: dashboards ${url}/dashboards, reports ${url}/reports, the exchange ${url}/exchange (API docs ${url}/docs, health ${url}/health)`,
    url,
    dashboards: `${url}/dashboards`,
    reports: `${url}/reports`,
    exchange: `${url}/exchange`,
    database: config.databaseUrl ? 'postgres' : 'embedded',
    startup_ms: Date.now() - started,
  });

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log({ msg: `${signal}: finishing in-flight requests, then closing the database`, signal });
    const force = setTimeout(() => {
      logger.error({ msg: `shutdown took longer than ${config.shutdownTimeoutMs} ms; exiting` });
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    await app.close();
    logger.log({ msg: 'stopped' });
    process.exit(0);
  };
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));
}

main().catch((err: unknown) => {
  if (err instanceof DataDirError) {
    process.stderr.write(
      `${err.message}\nGive DATA_DIR a folder this process can write to on a disk with room (or set DATABASE_URL); nothing was started.\n`,
    );
    process.exit(73); // EX_CANTCREAT: restarting will not help until the folder is fixed
  }
  if (err instanceof DataDirBusyError) {
    process.stderr.write(
      `${err.message}\nStop that process first, or give this one its own DATA_DIR (or DATABASE_URL).\n`,
    );
  } else {
    process.stderr.write(`Start-up failed: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
});
