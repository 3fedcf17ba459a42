import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { periodLabelSql } from '../../platform/periods';
import { KNEX } from '../../platform/tokens';
import type { ResolvedFilter as RowFilter } from '../../reference/read-filter/read-filter';
import { applyRowFilter } from '../row-filter';

export const OUTCOME_CHECKS = ['outlier', 'duplicate_evidence', 'outside_contract'] as const;
export const QUALITY_CHECKS = [...OUTCOME_CHECKS, 'missing_return'] as const;
export type OutcomeCheck = (typeof OUTCOME_CHECKS)[number];
export type QualityCheck = (typeof QUALITY_CHECKS)[number];

/** The SQL of the quality checks: flags kept in quality_flags, missing returns computed on request. */
@Injectable()
export class QualityRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  private flagsBase(filter: RowFilter, checks: readonly OutcomeCheck[]) {
    const q = this.knex('quality_flags as q')
      .join('outcomes as o', 'o.id', 'q.outcome_id')
      .join('contracts as c', 'c.id', 'q.contract_id')
      .join('authorities as a', 'a.id', 'c.authority_id')
      .join('measures as m', 'm.id', 'q.measure_id')
      .whereIn('q.flag', checks as OutcomeCheck[]);
    return applyRowFilter(q, filter, { date: 'o.period_end', measureOn: 'm' }, this.knex);
  }

  async countFlags(filter: RowFilter, checks: readonly OutcomeCheck[]): Promise<Record<string, number>> {
    if (checks.length === 0) return {};
    const rows: Array<{ flag: string; n: number | string }> = await this.flagsBase(filter, checks)
      .groupBy('q.flag')
      .select('q.flag', this.knex.raw('count(*) as n'));
    return Object.fromEntries(checks.map((c) => [c, Number(rows.find((r) => r.flag === c)?.n ?? 0)]));
  }

  /** The flags of countFlags by check and calendar quarter of the flagged return's period end (2025-Q1), oldest first. */
  async countFlagsByQuarter(filter: RowFilter, checks: readonly OutcomeCheck[]): Promise<Array<{ check: OutcomeCheck; quarter: string; n: number }>> {
    if (checks.length === 0) return [];
    const quarter = `date_trunc('quarter', o.period_end::timestamp)`;
    const rows: Array<{ check: OutcomeCheck; quarter: string; n: number | string }> = await this.flagsBase(filter, checks)
      .groupByRaw(`q.flag, ${quarter}`)
      .select('q.flag as check', this.knex.raw(`${periodLabelSql(quarter, 'quarter')} as quarter`), this.knex.raw('count(*) as n'))
      .orderByRaw(`${quarter}, q.flag`);
    return rows.map((r) => ({ check: r.check, quarter: r.quarter, n: Number(r.n) }));
  }

  /** Flagged outcomes (latest revisions), one row per outcome and check, by outcome id. */
  async listFlags(filter: RowFilter, checks: readonly OutcomeCheck[], limit: number, offset: number) {
    if (checks.length === 0) return [];
    return this.flagsBase(filter, checks)
      .join('frameworks as f', 'f.id', 'm.framework_id')
      .select([
        'q.flag as check',
        'q.outcome_id',
        'c.reference as contract_reference',
        'a.code as authority_code',
        'a.name as authority_name',
        'c.sector',
        'f.code as framework_code',
        'f.version as framework_version',
        'm.code as measure_code',
        'o.period_start',
        'o.period_end',
        'o.quantity_canonical',
        'm.unit as canonical_unit',
        'o.evidence_ref',
        'c.value_gbp as contract_value_gbp',
        'c.start_date as contract_start',
        'c.end_date as contract_end',
        'o.is_demo',
        'q.detail',
      ])
      .orderBy([{ column: 'q.outcome_id' }, { column: 'q.flag' }])
      .limit(limit)
      .offset(offset);
  }

  /** The median and MAD of value per £ behind the outlier check, per measure (those the filter selects). */
  async outlierStats(filter: RowFilter) {
    const q = this.knex('quality_outlier_stats as st')
      .join('measures as m', 'm.id', 'st.measure_id')
      .join('frameworks as f', 'f.id', 'm.framework_id')
      .where('st.n', '>', 0)
      .select(['f.code as framework_code', 'f.version as framework_version', 'm.code as measure_code', 'm.valuation', 'st.n', 'st.median', 'st.mad', 'st.flagged', 'st.refreshed_at'])
      .orderBy(['f.code', 'm.code']);
    if (filter.measureIds) q.whereIn('m.id', filter.measureIds);
    if (filter.themeIds) q.whereIn('m.theme_id', filter.themeIds);
    if (filter.frameworkIds) q.whereIn('m.framework_id', filter.frameworkIds);
    return q;
  }

  /**
   * Contract quarters without a return: for each awarded contract with a start date and at least one latest
   * commitment (of the measures filtered, if any), every calendar quarter from the one holding its start to the one
   * holding its end, up to the last quarter closed on `lastClosedEnd`, in which no latest outcome (of those measures)
   * has a period overlapping the quarter. from/to select quarters by their last day.
   */
  private missingBase(filter: RowFilter, lastClosedEnd: string) {
    const knex = this.knex;
    const measureIds = () => {
      const m = knex('measures as mm').select('mm.id');
      if (filter.measureIds) m.whereIn('mm.id', filter.measureIds);
      if (filter.themeIds) m.whereIn('mm.theme_id', filter.themeIds);
      if (filter.frameworkIds) m.whereIn('mm.framework_id', filter.frameworkIds);
      return m;
    };
    const byMeasure = Boolean(filter.measureIds || filter.themeIds || filter.frameworkIds);
    const commitments = knex('commitments as k').whereRaw('k.contract_id = c.id and k.is_latest');
    if (byMeasure) commitments.whereIn('k.measure_id', measureIds());
    const returns = knex('outcomes as o').whereRaw(
      `o.contract_id = cc.id and o.is_latest and o.period_start <= (gs.q + interval '3 months' - interval '1 day')::date and o.period_end >= gs.q::date`,
    );
    if (byMeasure) returns.whereIn('o.measure_id', measureIds());
    const contracts = knex('contracts as c')
      .join('authorities as a', 'a.id', 'c.authority_id')
      .where('c.stage', 'awarded')
      .whereNotNull('c.start_date')
      .where('c.start_date', '<=', lastClosedEnd)
      .whereExists(commitments)
      .select('c.id', 'c.reference', 'c.authority_id', 'c.sector', 'c.start_date', 'c.end_date', 'a.code as authority_code', 'a.name as authority_name');
    applyRowFilter(contracts, { ...filter, measureIds: undefined, themeIds: undefined, frameworkIds: undefined, fromDate: undefined, toDate: undefined }, { date: 'c.start_date', measureOn: 'contract' }, knex);
    const quarters = knex
      .with('cc', contracts)
      .from('cc')
      .joinRaw(
        `cross join lateral generate_series(date_trunc('quarter', cc.start_date), date_trunc('quarter', least(coalesce(cc.end_date, ?::date), ?::date)), interval '3 months') as gs (q)`,
        [lastClosedEnd, lastClosedEnd],
      )
      .whereNotExists(returns);
    if (filter.fromDate) quarters.whereRaw(`(gs.q + interval '3 months' - interval '1 day')::date >= ?`, [filter.fromDate]);
    if (filter.toDate) quarters.whereRaw(`(gs.q + interval '3 months' - interval '1 day')::date <= ?`, [filter.toDate]);
    return quarters;
  }

  async countMissing(filter: RowFilter, lastClosedEnd: string): Promise<number> {
    const [row] = await this.missingBase(filter, lastClosedEnd).count<Array<{ n: number | string }>>({ n: '*' });
    return Number(row.n);
  }

  /** The missing returns of countMissing by quarter (2025-Q1), oldest first. */
  async countMissingByQuarter(filter: RowFilter, lastClosedEnd: string): Promise<Array<{ quarter: string; n: number }>> {
    const rows: Array<{ quarter: string; n: number | string }> = await this.missingBase(filter, lastClosedEnd)
      .groupBy('gs.q')
      .select(this.knex.raw(`${periodLabelSql('gs.q', 'quarter')} as quarter`), this.knex.raw('count(*) as n'))
      .orderBy('gs.q');
    return rows.map((r) => ({ quarter: r.quarter, n: Number(r.n) }));
  }

  async listMissing(filter: RowFilter, lastClosedEnd: string, limit: number, offset: number) {
    return this.missingBase(filter, lastClosedEnd)
      .select([
        'cc.id as contract_id',
        'cc.reference as contract_reference',
        'cc.authority_code',
        'cc.authority_name',
        'cc.sector',
        'cc.start_date as contract_start',
        'cc.end_date as contract_end',
        this.knex.raw(`${periodLabelSql('gs.q', 'quarter')} as quarter`),
        this.knex.raw(`gs.q::date as quarter_start`),
        this.knex.raw(`(gs.q + interval '3 months' - interval '1 day')::date as quarter_end`),
      ])
      .orderBy([{ column: 'cc.id' }, { column: 'gs.q' }])
      .limit(limit)
      .offset(offset);
  }
}
