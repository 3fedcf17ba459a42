import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../platform/tokens';
import type { DemoAuthority } from './demo-data';

/** What the demo generator reads: whether the database holds contracts yet, and the authorities to spread them over. */
@Injectable()
export class DemoRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  async anyContract(): Promise<boolean> {
    return (await this.knex('contracts').first('id')) !== undefined;
  }

  /** Councils (not combined authorities) and central government departments, by code. */
  authorities(): Promise<DemoAuthority[]> {
    return this.knex('authorities')
      .whereIn('kind', ['local_authority', 'central_department'])
      .whereNot('subtype', 'Combined authority')
      .orderBy('code')
      .select('code', 'region', 'kind');
  }
}
