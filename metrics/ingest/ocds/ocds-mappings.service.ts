import { Inject, Injectable } from '@nestjs/common';
import { DerivedDataService } from '../../derive/derived-data.service';
import type { Database } from '../../platform/database';
import { DomainError } from '../../platform/errors';
import { transaction, withSession } from '../../platform/session';
import { DATABASE } from '../../platform/tokens';
import { OcdsRepository, type MetricMapping } from './ocds.repository';

/** How OCDS metrics map to measures: the list, and replacing it (applied at once to the observations already held). */
@Injectable()
export class OcdsMappingsService {
  constructor(
    private readonly ocds: OcdsRepository,
    @Inject(DATABASE) private readonly db: Database,
    private readonly derived: DerivedDataService,
  ) {}

  list() {
    return this.ocds.listMappings();
  }

  /**
   * Replaces every mapping, and turns the observations they now map into commitments and outcomes where none are held
   * for that contract, measure and period; in one transaction with the derived data.
   */
  async replace(list: MetricMapping[]) {
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
        await this.derived.refresh(s);
        return result;
      }),
    );
    return { mappings: rows.length, applied };
  }
}
