import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../platform/tokens';
import { quarterBounds, type ResolvedFilter } from '../../reference/read-filter/read-filter';
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

/** A contract by the £ of the outcomes it returned in a period: its notice fields and its largest measure. */
export interface ContractValueDbRow {
  contract_id: number;
  reference: string;
  title: string;
  buyer: string;
  buyer_code: string;
  supplier: string | null;
  scale: string | null;
  vcse: boolean | null;
  value_gbp: string;
  returns: number;
  measures: number;
  top_measure: string;
  top_measure_name: string;
  top_theme_name: string;
  top_value_gbp: string | null;
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

  /**
   * The contracts whose latest outcome returns ending in the period (by quarter, as the measure rollups count them) are
   * worth the most £ on the basis: each return's canonical quantity x its measure's factor for the year of its period's
   * end, the same sum the measures summary reads from the rollups (one framework version, no crosswalk), largest first
   * (ties by contract id), with the measure that gave the most.
   */
  async largestContracts(filter: ResolvedFilter, frameworkId: number, basis: SupplierBasis, limit: number): Promise<ContractValueDbRow[]> {
    const k = this.knex;
    const { fromQuarter, toDate } = quarterBounds(filter);
    const quarter = "date_trunc('quarter', o.period_end)::date";
    const cells = k('outcomes as o')
      .join('contracts as c', 'c.id', 'o.contract_id')
      .join('authorities as a', 'a.id', 'c.authority_id')
      .join('measures as m', 'm.id', 'o.measure_id')
      .leftJoin('valuation_factors as f', (j) => j.on('f.measure_id', 'o.measure_id').andOn(k.raw('f.year = extract(year from o.period_end)::int')))
      .where('o.is_latest', true)
      .where('m.framework_id', frameworkId);
    applyRowFilter(cells, { ...filter, frameworkIds: undefined, fromDate: undefined, toDate: undefined }, { date: 'o.period_end', measureOn: 'm' }, k);
    if (filter.categories) cells.whereIn('m.category', filter.categories);
    if (fromQuarter) cells.whereRaw(`${quarter} >= ?::date`, [fromQuarter]);
    if (toDate) cells.whereRaw(`${quarter} <= ?::date`, [toDate]);
    cells
      .groupBy('o.contract_id', 'o.measure_id')
      .select('o.contract_id', 'o.measure_id', k.raw(`sum(o.quantity_canonical * f.${basis}_per_unit) as value`), k.raw('count(*)::int as returns'));
    const byContract = k
      .from(cells.as('cm'))
      .groupBy('cm.contract_id')
      .select(
        'cm.contract_id',
        k.raw('sum(cm.value) as value_gbp'),
        k.raw('sum(cm.returns)::int as returns'),
        k.raw('count(*)::int as measures'),
        k.raw('(array_agg(cm.measure_id order by cm.value desc nulls last, cm.measure_id))[1] as top_measure_id'),
        k.raw('max(cm.value) as top_value_gbp'),
      )
      .havingRaw('sum(cm.value) is not null')
      .orderByRaw('sum(cm.value) desc, cm.contract_id')
      .limit(limit)
      .as('v');
    const rows = await k
      .from(byContract)
      .join('contracts as c', 'c.id', 'v.contract_id')
      .join('authorities as a', 'a.id', 'c.authority_id')
      .leftJoin('suppliers as s', 's.id', 'c.supplier_id')
      .join('measures as m', 'm.id', 'v.top_measure_id')
      .join('themes as t', 't.id', 'm.theme_id')
      .select([
        'v.contract_id',
        'c.reference',
        'c.title',
        'a.name as buyer',
        'a.code as buyer_code',
        's.name as supplier',
        's.scale',
        's.vcse',
        'v.value_gbp',
        'v.returns',
        'v.measures',
        'm.code as top_measure',
        'm.name as top_measure_name',
        't.name as top_theme_name',
        'v.top_value_gbp',
      ])
      .orderByRaw('v.value_gbp desc, v.contract_id');
    return rows.map((r: ContractValueDbRow) => ({
      ...r,
      contract_id: Number(r.contract_id),
      value_gbp: String(r.value_gbp),
      top_value_gbp: r.top_value_gbp === null ? null : String(r.top_value_gbp),
      returns: Number(r.returns),
      measures: Number(r.measures),
    }));
  }
}
