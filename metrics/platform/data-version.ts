import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Client, type ClientConfig } from 'pg';
import type { Database } from './database';
import { DATABASE } from './tokens';

/** The channel the data_version trigger notifies on at each commit that moves the version (the payload: the version). */
export const DATA_VERSION_CHANNEL = 'svm_data_version';

const READ_VERSION = { name: 'svm_data_version', text: 'select version from data_version' };

/**
 * The version of the data every public read shows (migration 20261205000200_data_version): it moves on at the commit
 * of any transaction that wrote to a table those reads use, whatever wrote it and whichever instance did.
 *
 * `current()` is exact: it counts every commit acknowledged before it was called, so an answer cached against an
 * older version is never served after the write that outdated it has been answered, on this instance or another.
 * - PostgreSQL: one read of the row per call, on a connection of its own (not the pool's, which slow reads may hold),
 *   as a prepared statement, shared by every call that arrives while none is under way: a call never takes the
 *   answer of a read sent before it was made, so it waits for at most that one and its own (two round trips of a few
 *   hundred microseconds). A notification would not do: it reaches another instance shortly after the writer's commit,
 *   and a client told of the commit may ask that instance first.
 * - Embedded (PGlite): the only process on its data folder, so every commit is this process's own. The version is
 *   learnt at start and then from the notifications of the trigger, which PGlite hands over while the COMMIT's answer
 *   is read, before the writer's next line runs; no read of the database is needed (the one connection may be held by
 *   a long import).
 */
@Injectable()
export class DataVersionService implements OnApplicationShutdown {
  private readonly logger = new Logger('DataVersion');
  private known = 0;
  private client?: Promise<Client>;
  private running?: Promise<number>;
  private queued?: Promise<number>;
  private embeddedReady?: Promise<number>;
  private stopped = false;

  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** The data version now: every commit acknowledged before this call is counted. Rejects when the database fails. */
  current(): Promise<number> {
    if (this.db.driver === 'embedded') return this.embeddedReady ? this.embeddedNow() : this.startEmbedded();
    if (this.queued) return this.queued; // sent after the read under way, so after this call
    if (!this.running) return this.read();
    this.queued = this.running.then(noop, noop).then(() => {
      this.queued = undefined;
      return this.read();
    });
    return this.queued;
  }

  /** The last version seen (0: none yet), without asking the database. */
  get lastSeen(): number {
    return this.known;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = undefined;
    if (client) await client.then((c) => c.end()).catch(noop);
  }

  private seen(version: number): number {
    if (version > this.known) this.known = version;
    return this.known;
  }

  private read(): Promise<number> {
    const started = (async () => {
      const client = await this.connection();
      try {
        const { rows } = await client.query<{ version: string | number }>(READ_VERSION);
        return this.seen(Number(rows[0].version));
      } catch (err) {
        this.drop(client);
        throw err;
      }
    })();
    this.running = started;
    const clear = () => {
      if (this.running === started) this.running = undefined;
    };
    started.then(clear, clear);
    return started;
  }

  /** The connection of its own (opened on first use, again after it was lost). */
  private connection(): Promise<Client> {
    if (this.stopped) return Promise.reject(new Error('the service is stopping'));
    if (!this.client) {
      const settings = (this.db.knex.client as { connectionSettings: ClientConfig }).connectionSettings;
      const client = new Client(settings);
      client.on('error', (err) => {
        this.logger.warn({ msg: 'data version connection lost', error: err.message });
        this.drop(client);
      });
      client.on('end', () => this.drop(client));
      const connecting = client.connect().then(() => client);
      this.client = connecting;
      connecting.catch(() => {
        if (this.client === connecting) this.client = undefined;
      });
    }
    return this.client;
  }

  private drop(client: Client): void {
    void this.client?.then((c) => {
      if (c === client) this.client = undefined;
    }, noop);
    client.end().catch(noop);
  }

  private startEmbedded(): Promise<number> {
    const pglite = this.db.pglite!;
    pglite.onNotification((channel, payload) => {
      if (channel === DATA_VERSION_CHANNEL) this.seen(Number(payload));
    });
    // through knex, so that LISTEN waits for the one connection and never runs inside another's transaction
    const ready = (async () => {
      await this.db.knex.raw(`listen ${DATA_VERSION_CHANNEL}`);
      const { rows } = await this.db.knex.raw<{ rows: Array<{ version: number }> }>(READ_VERSION.text);
      return this.seen(Number(rows[0].version));
    })();
    this.embeddedReady = ready;
    ready.catch(() => {
      if (this.embeddedReady === ready) this.embeddedReady = undefined;
    });
    return ready;
  }

  private async embeddedNow(): Promise<number> {
    await this.embeddedReady;
    return this.known;
  }
}

const noop = () => undefined;
