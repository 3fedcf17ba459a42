import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Database } from '../../platform/database';
import { DomainError } from '../../platform/errors';
import { METRICS_OPTIONS, type MetricsOptions } from '../../platform/options';
import { DATABASE } from '../../platform/tokens';
import { HarvestRepository, type HarvestSource } from './harvest.repository';
import { HarvestService } from './harvest.service';

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * The publishers' APIs to harvest: where each stands, adding and removing them, harvesting one now. At start, the
 * source named by the configuration (HARVEST_URL) is registered as `default`, and on the embedded database (which
 * this process alone holds) a harvest left running by a stopped process is marked stopped.
 */
@Injectable()
export class HarvestSourcesService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Harvest');

  constructor(
    private readonly sources: HarvestRepository,
    private readonly harvest: HarvestService,
    @Inject(DATABASE) private readonly db: Database,
    @Inject(METRICS_OPTIONS) private readonly options: MetricsOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.db.driver === 'embedded') await this.sources.resetRunning();
    const { url, from } = this.options.harvest;
    if (url) await this.sources.upsert('default', url, from ?? null, { keepProgress: true });
  }

  private view(s: HarvestSource) {
    return { ...s, running_here: this.harvest.isRunningHere(s.name) };
  }

  async list() {
    return (await this.sources.list()).map((s) => this.view(s));
  }

  async put(name: string, body: { base_url: string; updated_from?: string }) {
    if (!NAME.test(name)) throw new DomainError('invalid_parameter', 'a source name is 1 to 63 lower-case letters, digits, - and _', { field: 'name', value: name });
    try {
      new URL(body.base_url);
    } catch {
      throw new DomainError('invalid_parameter', 'base_url is not a valid URL', { field: 'base_url', value: body.base_url });
    }
    return this.view(await this.sources.upsert(name, body.base_url, body.updated_from ?? null, { keepProgress: false }));
  }

  async remove(name: string) {
    if (this.harvest.isRunningHere(name)) throw new DomainError('conflict', `The harvest of ${name} is running`);
    if (!(await this.sources.remove(name))) throw new DomainError('not_found', `No harvest source ${name}`);
  }

  /** Harvests a source now and answers with the result. */
  run(name: string) {
    return this.harvest.run(name);
  }

  /** Starts a harvest in the background; its progress shows on the source. */
  async start(name: string) {
    const source = await this.sources.find(name);
    if (!source) throw new DomainError('not_found', `No harvest source ${name}`, { name });
    if (this.harvest.isRunningHere(name)) return { status: 'busy', source: this.view(source) };
    this.harvest.run(name).catch((err: Error) => this.logger.error({ msg: `harvest ${name} failed`, err }));
    return { status: 'started', source: { ...source, running_here: true } };
  }
}
