import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../platform/tokens';
import type { DemoNoticeAuthority } from './demo-notices';

/** What the demo generator reads: whether the database holds contracts yet, and the authorities to spread them over, the
 * measures' names. */
@Injectable()
export class DemoRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  async anyContract(): Promise<boolean> {
    return (await this.knex('contracts').first('id')) !== undefined;
  }

  /** Councils (not combined authorities) and central government departments, by code. */
  authorities(): Promise<DemoNoticeAuthority[]> {
    return this.knex('authorities')
      .whereIn('kind', ['local_authority', 'central_department'])
      .whereNot('subtype', 'Combined authority')
      .orderBy('code')
      .select('code', 'name', 'region', 'kind');
  }

  /** The default framework's measures: code to name (the demo's KPI titles). */
  async measureNames(): Promise<Map<string, string>> {
    const rows: Array<{ code: string; name: string }> = await this.knex('measures as m')
      .join('frameworks as f', 'f.id', 'm.framework_id')
      .where('f.is_default', true)
      .select('m.code', 'm.name');
    return new Map(rows.map((r) => [r.code, r.name]));
  }
}
