import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../platform/tokens';

export interface HarvestSource {
  name: string;
  base_url: string;
  updated_from: Date | null;
  next_url: string | null;
  status: 'idle' | 'running' | 'failed';
  pages_fetched: number;
  releases_seen: number;
  last_batch_id: number | null;
  last_started_at: Date | null;
  last_finished_at: Date | null;
  last_error: string | null;
}

const COLUMNS = [
  'name',
  'base_url',
  'updated_from',
  'next_url',
  'status',
  'pages_fetched',
  'releases_seen',
  'last_batch_id',
  'last_started_at',
  'last_finished_at',
  'last_error',
];

/** The publishers' APIs harvested, and where each harvest stands (its cursor survives a restart). */
@Injectable()
export class HarvestRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  list(): Promise<HarvestSource[]> {
    return this.knex('harvest_sources').orderBy('name').select(COLUMNS);
  }

  find(name: string): Promise<HarvestSource | undefined> {
    return this.knex('harvest_sources').where({ name }).first(COLUMNS);
  }

  /**
   * Adds a source, or changes its URL. A new URL starts over (from `updated_from`); the same URL keeps its cursor, and
   * its `updated_from` unless one is given.
   */
  async upsert(name: string, baseUrl: string, updatedFrom: string | null, options: { keepProgress: boolean }): Promise<HarvestSource> {
    const current = await this.find(name);
    if (!current) {
      await this.knex('harvest_sources').insert({ name, base_url: baseUrl, updated_from: updatedFrom });
    } else if (current.base_url !== baseUrl || (updatedFrom !== null && !options.keepProgress)) {
      await this.knex('harvest_sources')
        .where({ name })
        .update({ base_url: baseUrl, updated_from: updatedFrom, next_url: null, status: 'idle', last_error: null, updated_at: this.knex.fn.now() });
    }
    return (await this.find(name))!;
  }

  async remove(name: string): Promise<boolean> {
    return (await this.knex('harvest_sources').where({ name }).delete().returning('name')).length > 0;
  }

  async markRunning(name: string): Promise<void> {
    await this.knex('harvest_sources')
      .where({ name })
      .update({ status: 'running', last_started_at: this.knex.fn.now(), last_error: null, updated_at: this.knex.fn.now() });
  }

  /** After a page is committed: where to go on from, and what it brought. */
  async pageDone(name: string, nextUrl: string | null, releases: number, batchId: number): Promise<void> {
    await this.knex('harvest_sources')
      .where({ name })
      .update({
        next_url: nextUrl,
        pages_fetched: this.knex.raw('pages_fetched + 1'),
        releases_seen: this.knex.raw('releases_seen + ?', [releases]),
        last_batch_id: batchId,
        updated_at: this.knex.fn.now(),
      });
  }

  /** The end of the pages: the next harvest asks for what changed since `updatedFrom`. */
  async finished(name: string, updatedFrom: string | null): Promise<void> {
    await this.knex('harvest_sources')
      .where({ name })
      .update({
        status: 'idle',
        next_url: null,
        ...(updatedFrom ? { updated_from: updatedFrom } : {}),
        last_finished_at: this.knex.fn.now(),
        updated_at: this.knex.fn.now(),
      });
  }

  async failed(name: string, error: string): Promise<void> {
    await this.knex('harvest_sources')
      .where({ name })
      .update({ status: 'failed', last_error: error.slice(0, 2000), last_finished_at: this.knex.fn.now(), updated_at: this.knex.fn.now() });
  }

  /** Sources left `running` by a process that stopped: they resume from their cursor at the next harvest. */
  async resetRunning(): Promise<void> {
    await this.knex('harvest_sources')
      .where({ status: 'running' })
      .update({ status: 'failed', last_error: 'interrupted: the service stopped during the harvest; it resumes from its cursor' });
  }
}
