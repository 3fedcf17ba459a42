import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../platform/tokens';
import { DomainError } from '../platform/errors';
import { invalidParameter, periodRange, toList } from './query-params';

/**
 * The filters of the row-level exports and of the quality listing: as the client sends them (codes), resolved to ids,
 * and applied as SQL, in one place both use (so both select the same rows).
 */

/** The filters as the client sends them (codes). */
export interface RowFilterQuery {
  /** authority codes: repeated, or comma-separated */
  authority?: string | string[];
  kind?: string;
  region?: string;
  nation?: string;
  sector?: string;
  measure?: string;
  theme?: string;
  /** `code` or `code@version` */
  framework?: string;
  /** A period label: 2025, 2025-Q1, 2025-04, FY2025-26 (its first day is the bound) */
  from?: string;
  /** A period label (its last day is the bound) */
  to?: string;
}

/** The same filters resolved to ids and dates (unknown codes refused with 404 before any row is read). */
export interface RowFilter {
  authorityIds?: number[];
  kind?: string;
  region?: string;
  nation?: string;
  sector?: string;
  measureIds?: number[];
  themeIds?: number[];
  frameworkIds?: number[];
  /** first day of `from` (inclusive) */
  fromDate?: string;
  /** last day of `to` (inclusive) */
  toDate?: string;
}

/**
 * from/to into inclusive dates (the first day of `from`, the last day of `to`), with the period forms of the measures
 * summary: 2025, 2025-Q1, 2025-04, FY2025-26. 400 naming the parameter when a label is not a period or the range is empty.
 */
export function periodFilter(from?: string, to?: string): { fromDate?: string; toDate?: string } {
  const fromDate = from ? periodRange(from, 'from').start : undefined;
  const toDate = to ? periodRange(to, 'to').end : undefined;
  if (fromDate && toDate && fromDate > toDate) {
    throw invalidParameter('from', `from (${from}) is after to (${to})`, from);
  }
  return { fromDate, toDate };
}

/** Table aliases a row filter applies to: contracts `c`, authorities `a`, measures `m` (outcomes and commitments). */
export interface FilterTarget {
  /** The date column compared with from/to (the period's end; a contract's award date) */
  date: string;
  /** Measures are filtered on `m`; for contracts, through their latest commitments and outcomes */
  measureOn: 'm' | 'contract';
}

/**
 * Applies a resolved row filter to a query joining contracts `c` and authorities `a` (and measures `m`).
 * The same SQL serves the exports and the quality listing, so both select the same rows.
 */
export function applyRowFilter(q: Knex.QueryBuilder, f: RowFilter, target: FilterTarget, knex: Knex): Knex.QueryBuilder {
  if (f.authorityIds) q.whereIn('c.authority_id', f.authorityIds);
  if (f.kind) q.where('a.kind', f.kind);
  if (f.region) q.whereRaw('lower(a.region) = lower(?)', [f.region]);
  if (f.nation) q.whereRaw('lower(a.nation) = lower(?)', [f.nation]);
  if (f.sector) q.where('c.sector', f.sector);
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

/** Filter codes into ids. */
@Injectable()
export class RowFilterRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  /** Codes into ids: an unknown authority, sector, framework, theme or measure is a 404 naming it. */
  async resolve(query: RowFilterQuery): Promise<RowFilter> {
    const knex = this.knex;
    const filter: RowFilter = { ...periodFilter(query.from, query.to) };
    const notFound = (field: string, value: string) => new DomainError('not_found', `No ${field} ${value}`, { field, value });
    const authorities = toList(query.authority) ?? [];
    if (authorities.length > 0) {
      const codes = [...new Set(authorities)];
      const rows: Array<{ id: number; code: string }> = await knex('authorities').whereIn('code', codes).select('id', 'code');
      const missing = codes.find((c) => !rows.some((r) => r.code === c));
      if (missing) throw notFound('authority', missing);
      filter.authorityIds = rows.map((r) => r.id);
    }
    if (query.kind) filter.kind = query.kind;
    if (query.region) filter.region = query.region;
    if (query.nation) filter.nation = query.nation;
    if (query.sector) {
      if (!(await knex('cpv_divisions').where('code', query.sector).first())) throw notFound('sector', query.sector);
      filter.sector = query.sector;
    }
    if (query.framework) {
      const [code, version] = query.framework.split('@');
      const q = knex('frameworks').where('code', code);
      if (version) q.where('version', version);
      const ids: number[] = (await q.select('id')).map((r: { id: number }) => r.id);
      if (ids.length === 0) throw notFound('framework', query.framework);
      filter.frameworkIds = ids;
    }
    if (query.theme) {
      const q = knex('themes').where('code', query.theme);
      if (filter.frameworkIds) q.whereIn('framework_id', filter.frameworkIds);
      const ids: number[] = (await q.select('id')).map((r: { id: number }) => r.id);
      if (ids.length === 0) throw notFound('theme', query.theme);
      filter.themeIds = ids;
    }
    if (query.measure) {
      const q = knex('measures').where('code', query.measure);
      if (filter.frameworkIds) q.whereIn('framework_id', filter.frameworkIds);
      const ids: number[] = (await q.select('id')).map((r: { id: number }) => r.id);
      if (ids.length === 0) throw notFound('measure', query.measure);
      filter.measureIds = ids;
    }
    return filter;
  }
}
