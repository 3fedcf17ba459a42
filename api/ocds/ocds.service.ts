import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Database } from '../../metrics/platform/database';
import { DATABASE } from '../../metrics/platform/tokens';
import { transaction, withSession } from '../../metrics/platform/session';
import { RollupsService } from '../../metrics/derive/rollups/rollups.service';
import { DomainError } from '../../metrics/platform/errors';
import { HarvestRepository, type HarvestSource } from '../../metrics/ingest/ocds/harvest.repository';
import { HarvestService } from '../../metrics/ingest/ocds/harvest.service';
import { OcdsRepository, type MetricMapping } from '../../metrics/ingest/ocds/ocds.repository';

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Metric mappings and harvest sources, as the API manages them. */
@Injectable()
export class OcdsApiService {
  private readonly logger = new Logger('Ocds');

  constructor(
    private readonly ocds: OcdsRepository,
    private readonly sourcesRepo: HarvestRepository,
    private readonly harvest: HarvestService,
    @Inject(DATABASE) private readonly db: Database,
    private readonly rollups: RollupsService,
  ) {}

  mappings() {
    return this.ocds.listMappings();
  }

  async replaceMappings(list: MetricMapping[]) {
    const seen = new Set<string>();
    list.forEach((m, index) => {
      const key = `${m.match_on}:${m.match_value.trim().toLowerCase()}`;
      if (seen.has(key)) throw new DomainError('invalid_parameter', `mappings[${index}] repeats ${m.match_on} "${m.match_value}"`, { index });
      seen.add(key);
    });
    const { rows, problems } = await this.ocds.resolveMappings(list);
    if (problems.length > 0) {
      throw new DomainError('unprocessable', `${problems.length} mapping(s) name no measure`, {
        problems: problems.map((p) => ({ ...p, field: `mappings[${p.index}].${p.field}` })),
      });
    }
    const applied = await withSession(this.db, (s) =>
      transaction(s, async () => {
        await this.ocds.replaceMappings(s, rows);
        const result = await this.ocds.applyObservations(s, { batchId: null, reportTo: null, isDemo: false, insertOnly: true });
        await this.rollups.refresh(s);
        return result;
      }),
    );
    return { mappings: rows.length, applied };
  }

  private view(s: HarvestSource) {
    return { ...s, running_here: this.harvest.isRunningHere(s.name) };
  }

  async sources() {
    return (await this.sourcesRepo.list()).map((s) => this.view(s));
  }

  async putSource(name: string, body: { base_url: string; updated_from?: string }) {
    if (!NAME.test(name)) throw new DomainError('invalid_parameter', 'a source name is 1 to 63 lower-case letters, digits, - and _', { field: 'name', value: name });
    try {
      new URL(body.base_url);
    } catch {
      throw new DomainError('invalid_parameter', 'base_url is not a valid URL', { field: 'base_url', value: body.base_url });
    }
    return this.view(await this.sourcesRepo.upsert(name, body.base_url, body.updated_from ?? null, { keepProgress: false }));
  }

  async deleteSource(name: string) {
    if (this.harvest.isRunningHere(name)) throw new DomainError('conflict', `The harvest of ${name} is running`);
    if (!(await this.sourcesRepo.remove(name))) throw new DomainError('not_found', `No harvest source ${name}`);
  }

  runNow(name: string) {
    return this.harvest.run(name);
  }

  /** Starts a harvest in the background; its progress shows on the source. */
  async start(name: string) {
    const source = await this.sourcesRepo.find(name);
    if (!source) throw new DomainError('not_found', `No harvest source ${name}`, { name });
    if (this.harvest.isRunningHere(name)) return { status: 'busy', source: this.view(source) };
    this.harvest.run(name).catch((err: Error) => this.logger.error({ msg: `harvest ${name} failed`, err }));
    return { status: 'started', source: { ...source, running_here: true } };
  }
}
