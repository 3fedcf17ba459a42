import { Inject, Injectable } from '@nestjs/common';
import type { Database } from './database';
import { DomainError } from './errors';
import { migrator } from './migrator';
import { DATABASE } from './tokens';

const CHECK_TIMEOUT_MS = 3000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export interface Health {
  status: 'ok';
  database: { driver: string; reachable: true; latency_ms: number };
  migrations: { current: true; applied: number; latest: string | null };
}

/** The service is healthy when its database answers and every migration it ships has been applied. */
@Injectable()
export class HealthService {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async check(): Promise<Health> {
    const started = Date.now();
    try {
      await withTimeout(this.db.knex.raw('select 1'), CHECK_TIMEOUT_MS);
    } catch (err) {
      throw new DomainError('database_unavailable', 'The database does not answer.', {
        database: { driver: this.db.driver, reachable: false, error: (err as Error).message },
      });
    }
    const latency = Date.now() - started;
    const status = await withTimeout(migrator.status(this.db.knex), CHECK_TIMEOUT_MS);
    if (status.pending.length > 0) {
      throw new DomainError('database_unavailable', 'The database schema is behind: migrations are pending.', {
        database: { driver: this.db.driver, reachable: true },
        migrations: { current: false, applied: status.completed.length, pending: status.pending },
      });
    }
    return {
      status: 'ok',
      database: { driver: this.db.driver, reachable: true, latency_ms: latency },
      migrations: { current: true, applied: status.completed.length, latest: status.completed.at(-1) ?? null },
    };
  }
}
