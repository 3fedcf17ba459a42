import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { DomainError } from '../../platform/errors';
import { KNEX } from '../../platform/tokens';
import { CatalogueRepository, type FrameworkSummary } from '../catalogue/catalogue.repository';
import { unknownValue, type ReadFilter, type ResolvedFilter } from './read-filter';

/**
 * Looks a parsed read filter up in the reference data, before any row is read: every code must name something (404
 * naming the first that does not), regions are given as the data spells them, themes and measures are those of the
 * framework named (of any framework otherwise).
 */
@Injectable()
export class ReadFilterRepository {
  constructor(
    @Inject(KNEX) private readonly knex: Knex,
    private readonly catalogue: CatalogueRepository,
  ) {}

  /**
   * The one framework version a £ figure is read in: the version named, else the latest version of the code named,
   * else the default framework; 404 when there is none.
   */
  async framework(named: ReadFilter['framework']): Promise<FrameworkSummary> {
    const found = named ? await this.catalogue.find(named.code, named.version) : await this.catalogue.findDefault();
    if (found) return found;
    if (named) throw unknownValue('framework', 'framework', named.spec);
    throw new DomainError('not_found', 'No default framework is loaded', { framework: null });
  }

  async resolve(f: ReadFilter): Promise<ResolvedFilter> {
    const out: ResolvedFilter = { kinds: f.kinds, nations: f.nations, categories: f.categories, fromDate: f.fromDate, toDate: f.toDate };
    if (f.authorities) out.authorityIds = await this.ids('authorities', 'code', f.authorities, 'authority', 'authority');
    if (f.departments) {
      out.departmentIds = await this.ids('authorities', 'code', f.departments, 'department', 'central government department', (q) =>
        q.where('kind', 'central_department'),
      );
    }
    if (f.sectors) await this.known('cpv_divisions', 'code', f.sectors, 'sector', 'sector');
    out.sectors = f.sectors;
    if (f.regions) out.regions = await this.regions(f.regions);
    if (f.framework) {
      const q = this.knex('frameworks').where('code', f.framework.code);
      if (f.framework.version) q.where('version', f.framework.version);
      const ids = (await q.select('id')).map((r: { id: number }) => r.id);
      if (ids.length === 0) throw unknownValue('framework', 'framework', f.framework.spec);
      out.frameworkIds = ids;
    }
    const inFrameworks = (q: Knex.QueryBuilder) => (out.frameworkIds ? q.whereIn('framework_id', out.frameworkIds) : q);
    if (f.themes) out.themeIds = await this.ids('themes', 'code', f.themes, 'theme', 'theme', inFrameworks);
    if (f.measures) out.measureIds = await this.ids('measures', 'code', f.measures, 'measure', 'measure', inFrameworks);
    return out;
  }

  /**
   * The ids of the rows whose `column` is one of `values` (a value may name several: a measure code in several
   * framework versions); 404 for the first value that names none.
   */
  private async ids(
    table: string,
    column: string,
    values: string[],
    field: string,
    what: string,
    scope: (q: Knex.QueryBuilder) => Knex.QueryBuilder = (q) => q,
  ): Promise<number[]> {
    const rows: Array<{ id: number; key: string }> = await scope(this.knex(table).whereIn(column, values)).select('id', `${column} as key`);
    const missing = values.find((v) => !rows.some((r) => r.key === v));
    if (missing !== undefined) throw unknownValue(field, what, missing);
    return rows.map((r) => Number(r.id));
  }

  /** 404 for the first value that is no `column` of `table`. */
  private async known(table: string, column: string, values: string[], field: string, what: string): Promise<void> {
    const rows: Array<{ key: string }> = await this.knex(table).whereIn(column, values).select(`${column} as key`);
    const missing = values.find((v) => !rows.some((r) => r.key === v));
    if (missing !== undefined) throw unknownValue(field, what, missing);
  }

  /** Regions as the authorities spell them (a client may write north west for North West). */
  private async regions(values: string[]): Promise<string[]> {
    const rows: Array<{ region: string }> = await this.knex('authorities')
      .distinct('region')
      .whereNotNull('region')
      .whereRaw('lower(region) = any(?::text[])', [values.map((v) => v.toLowerCase())]);
    const missing = values.find((v) => !rows.some((r) => r.region.toLowerCase() === v.toLowerCase()));
    if (missing !== undefined) throw unknownValue('region', 'region', missing);
    return rows.map((r) => r.region);
  }
}
