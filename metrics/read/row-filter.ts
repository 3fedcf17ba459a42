import type { Knex } from 'knex';
import type { FilterField, ResolvedFilter } from '../reference/read-filter/read-filter';

/** The filters the row-level reads take (the exports and the quality listing): the one read filter but departments and categories. */
export const ROW_FILTERS: readonly FilterField[] = ['authority', 'kind', 'region', 'nation', 'sector', 'theme', 'measure', 'framework', 'from', 'to'];

/** What a row-level read's filter applies to: contracts `c`, authorities `a`, measures `m` (outcomes and commitments). */
export interface FilterTarget {
  /** The date column compared with from/to (the period's end; a contract's award date) */
  date: string;
  /** Measures are filtered on `m`; for contracts, through their latest commitments and outcomes */
  measureOn: 'm' | 'contract';
}

/**
 * Applies a resolved read filter to a query joining contracts `c` and authorities `a` (and measures `m`). The same SQL
 * serves the exports and the quality listing, so both select the same rows.
 */
export function applyRowFilter(q: Knex.QueryBuilder, f: ResolvedFilter, target: FilterTarget, knex: Knex): Knex.QueryBuilder {
  if (f.authorityIds) q.whereIn('c.authority_id', f.authorityIds);
  if (f.kinds) q.whereIn('a.kind', f.kinds);
  if (f.regions) q.whereIn('a.region', f.regions);
  if (f.nations) q.whereIn('a.nation', f.nations);
  if (f.sectors) q.whereIn('c.sector', f.sectors);
  const measureFilter = (m: Knex.QueryBuilder, alias: string) => {
    if (f.measureIds) m.whereIn(`${alias}.id`, f.measureIds);
    if (f.themeIds) m.whereIn(`${alias}.theme_id`, f.themeIds);
    if (f.frameworkIds) m.whereIn(`${alias}.framework_id`, f.frameworkIds);
  };
  if (f.measureIds || f.themeIds || f.frameworkIds) {
    if (target.measureOn === 'm') measureFilter(q, 'm');
    else {
      const ids = knex('measures as fm').select('fm.id');
      measureFilter(ids, 'fm');
      q.where((w) =>
        w
          .whereExists(knex('commitments as fk').whereRaw('fk.contract_id = c.id and fk.is_latest').whereIn('fk.measure_id', ids.clone()))
          .orWhereExists(knex('outcomes as fo').whereRaw('fo.contract_id = c.id and fo.is_latest').whereIn('fo.measure_id', ids.clone())),
      );
    }
  }
  if (f.fromDate) q.where(target.date, '>=', f.fromDate);
  if (f.toDate) q.where(target.date, '<=', f.toDate);
  return q;
}
