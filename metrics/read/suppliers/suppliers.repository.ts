import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../platform/tokens';
import type { ResolvedFilter } from '../../reference/read-filter/read-filter';
import { applyRowFilter } from '../row-filter';

export type SupplierBasis = 'nominal' | 'real' | 'net';

export interface SupplierDbRow {
  supplier_id: number;
  name: string;
  scheme: string | null;
  identifier: string | null;
  scale: string | null;
  vcse: boolean | null;
  contracts: number;
  expected_gbp: string | null;
  delivered_gbp: string | null;
  rating_good: number;
  rating_approaching_target: number;
  rating_requires_improvement: number;
  rating_inadequate: number;
  rating_other: number;
}

const RATINGS = ['good', 'approaching_target', 'requires_improvement', 'inadequate', 'other'] as const;

/**
 * £ expected and delivered to date by lead supplier, read from the stored delivery figures (delivery_measures: each
 * contract x measure with a commitment, its £ at the measure's factor for the as-of year; delivery_contracts: each
 * contract's overall rating), through the one read filter (contracts `c`, authorities `a`, measures `m`; the period is
 * the contract's award date, as the contract-based indicators count it).
 */
@Injectable()
export class SuppliersRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  async top(filter: ResolvedFilter, frameworkId: number, basis: SupplierBasis, limit: number): Promise<SupplierDbRow[]> {
    const k = this.knex;
    const q = k('delivery_measures as dm')
      .join('contracts as c', 'c.id', 'dm.contract_id')
      .join('authorities as a', 'a.id', 'c.authority_id')
      .join('suppliers as s', 's.id', 'c.supplier_id')
      .join('measures as m', 'm.id', 'dm.measure_id')
      .join('delivery_contracts as dc', 'dc.contract_id', 'dm.contract_id')
      .where('dm.framework_id', frameworkId);
    // the framework is the one version £ are summed in (the filter's framework ids name every version of its code)
    applyRowFilter(q, { ...filter, frameworkIds: undefined }, { date: 'c.award_date', measureOn: 'm' }, k);
    if (filter.categories) q.whereIn('m.category', filter.categories);
    const rows = await q
      .groupBy('s.id', 's.name', 's.scheme', 's.identifier', 's.scale', 's.vcse')
      .select([
        's.id as supplier_id',
        's.name',
        's.scheme',
        's.identifier',
        's.scale',
        's.vcse',
        k.raw('count(distinct c.id)::int as contracts'),
        k.raw(`sum(dm.expected_${basis}_gbp) as expected_gbp`),
        k.raw(`sum(dm.delivered_${basis}_gbp) as delivered_gbp`),
        ...RATINGS.map((r) => k.raw(`count(distinct c.id) filter (where dc.rating = ?)::int as rating_${r}`, [r])),
      ])
      .havingRaw(`sum(dm.delivered_${basis}_gbp) is not null`)
      .orderByRaw(`sum(dm.delivered_${basis}_gbp) desc, s.name, s.id`)
      .limit(limit);
    return rows.map((r: SupplierDbRow) => ({
      ...r,
      supplier_id: Number(r.supplier_id),
      expected_gbp: r.expected_gbp === null ? null : String(r.expected_gbp),
      delivered_gbp: r.delivered_gbp === null ? null : String(r.delivered_gbp),
    }));
  }
}
