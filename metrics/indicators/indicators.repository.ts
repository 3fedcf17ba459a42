import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../db/knex.token';
import { knexSession } from '../db/session';
import { deliveryState, type DeliveryState } from './delivery.refresher';

export const INDICATOR_DIMENSIONS = ['authority', 'kind', 'region', 'nation', 'department', 'sector', 'period'] as const;
export type IndicatorDimension = (typeof INDICATOR_DIMENSIONS)[number];
export const PERIOD_TYPES = ['quarter', 'year', 'fy'] as const;
export type PeriodType = (typeof PERIOD_TYPES)[number];
export const INDICATOR_BASES = ['nominal', 'real', 'net'] as const;
export type IndicatorBasis = (typeof INDICATOR_BASES)[number];

/** The department of a central body: itself when it is a department, else its parent when that is one. */
const DEPARTMENT = `case when a.kind = 'central_department' then a.code when p.kind = 'central_department' then p.code end`;
const DEPARTMENT_NAME = `case when a.kind = 'central_department' then a.name when p.kind = 'central_department' then p.name end`;

/** A period label of a quarter column: 2025-Q1, 2025, or FY2025-26 (April to March). */
function periodLabel(q: string, type: PeriodType): string {
  if (type === 'quarter') return `to_char(${q}, 'YYYY-"Q"Q')`;
  if (type === 'year') return `extract(year from ${q})::int::text`;
  const start = `(extract(year from ${q})::int - case when extract(month from ${q}) < 4 then 1 else 0 end)`;
  return `'FY' || ${start}::text || '-' || lpad(((${start} + 1) % 100)::text, 2, '0')`;
}

/** Columns each dimension adds to a row (label columns after the key). */
export const DIMENSION_COLUMNS: Readonly<Record<IndicatorDimension, readonly string[]>> = {
  authority: ['authority', 'authority_name'],
  kind: ['kind'],
  region: ['region'],
  nation: ['nation'],
  department: ['department', 'department_name'],
  sector: ['sector'],
  period: ['period'],
};

function dimensionSql(d: IndicatorDimension, quarter: string, periodType: PeriodType): string[] {
  switch (d) {
    case 'authority':
      return ['a.code', 'a.name'];
    case 'kind':
      return ['a.kind'];
    case 'region':
      return ['a.region'];
    case 'nation':
      return ['a.nation'];
    case 'department':
      return [DEPARTMENT, DEPARTMENT_NAME];
    case 'sector':
      return ['r.sector::text'];
    case 'period':
      return [periodLabel(quarter, periodType)];
  }
}

export interface IndicatorFilter {
  authorities?: string[];
  authorityIds?: number[];
  kinds?: string[];
  regions?: string[];
  nations?: string[];
  departments?: string[];
  sectors?: string[];
  /** First day of the first quarter, and the last day of the last period (quarters are keyed by their first day). */
  fromQuarter?: string;
  toDate?: string;
}

export type DbRow = Record<string, string | number | null>;

export interface IndicatorSources {
  contracts: DbRow[];
  delivery: DbRow[];
  values: DbRow[];
  social: DbRow[];
}

/** The SQL of the implementation indicators: every query reads a rollup (a few rows per authority and quarter). */
@Injectable()
export class IndicatorsRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  /** The as-of date and rating thresholds of the stored delivery figures. */
  async state(): Promise<DeliveryState> {
    return deliveryState(knexSession(this.knex));
  }

  async frameworkExists(id: number): Promise<boolean> {
    return !!(await this.knex('frameworks').where({ id }).first('id'));
  }

  /** Codes of those that are not authorities, and of those that are not central departments. */
  async unknownCodes(authorities: string[], departments: string[]): Promise<{ authorities: string[]; departments: string[] }> {
    const found = await this.knex('authorities').whereIn('code', [...authorities, ...departments]).select('code', 'kind');
    const known = new Set(found.map((r: { code: string }) => r.code));
    const departmentCodes = new Set(found.filter((r: { kind: string }) => r.kind === 'central_department').map((r: { code: string }) => r.code));
    return { authorities: authorities.filter((c) => !known.has(c)), departments: departments.filter((c) => !departmentCodes.has(c)) };
  }

  /** Population of authorities by code (null where unknown). */
  async populations(codes: string[]): Promise<Map<string, number | null>> {
    if (codes.length === 0) return new Map();
    const rows = await this.knex('authorities').whereIn('code', codes).select('code', 'population');
    return new Map(rows.map((r: { code: string; population: number | null }) => [r.code, r.population]));
  }

  /**
   * One aggregate per source and group: contract_rollups and delivery_rollups (by award quarter),
   * delivery_value_rollups of the framework (by award quarter), measure_rollups of the framework's measures by category
   * (by the quarter of the outcome's period end); without a sector in the request, their sums over sectors by
   * authority and quarter (the indicator_* and delivery_*authority* tables). Group columns are g0, g1, ... in the order
   * of `groupBy`.
   */
  async sources(groupBy: IndicatorDimension[], periodType: PeriodType, filter: IndicatorFilter, frameworkId: number, basis: IndicatorBasis): Promise<IndicatorSources> {
    const query = (table: string, quarter: string, aggregates: string, extraJoin = '', extraWhere: string[] = [], extraBind: unknown[] = []) => {
      const dims = groupBy.flatMap((d) => dimensionSql(d, `r.${quarter}`, periodType));
      const bind: unknown[] = [...extraBind];
      const where = [...extraWhere, ...this.where(filter, `r.${quarter}`, bind)];
      const sql = `select ${[...dims.map((d, i) => `${d} as g${i}`), aggregates].join(', ')}
        from ${table} r
        join authorities a on a.id = r.authority_id
        left join authorities p on p.id = a.parent_id
        ${extraJoin}
        ${where.length ? `where ${where.join(' and ')}` : ''}
        ${dims.length ? `group by ${dims.map((_, i) => i + 1).join(', ')}` : ''}`;
      return this.knex.raw(sql, bind as Knex.RawBinding[]).then((r: { rows: DbRow[] }) => r.rows);
    };
    // by sector: the sector-level rollups; otherwise their sums over sectors (a few rows per authority and quarter)
    const bySector = groupBy.includes('sector') || !!filter.sectors?.length;
    const sum = (columns: string[]) => columns.map((c) => `sum(r.${c}) as ${c}`).join(', ');
    const social = (category: string) =>
      bySector ? `coalesce(sum(r.${basis}_gbp) filter (where m.category = '${category}'), 0)` : `coalesce(sum(r.${category}_${basis}_gbp), 0)`;
    const net = bySector
      ? 'coalesce(sum(r.net_gbp), 0)'
      : `coalesce(sum(r.local_economic_net_gbp + r.social_net_gbp + r.environmental_net_gbp), 0)`;
    const [contracts, delivery, values, socialRows] = await Promise.all([
      query(
        bySector ? 'contract_rollups' : 'indicator_contract_rollups',
        'award_quarter',
        sum(['contracts', 'awarded', 'awarded_value_gbp', 'in_scope', 'in_scope_value_gbp', 'sv_evaluated', 'sv_evaluated_value_gbp', 'sv_weighted_10',
          'sv_weighted_10_value_gbp', 'sv_weighting_sum', 'sv_weighting_count', 'supplier_known_value_gbp', 'sme_value_gbp', 'vcse_value_gbp', 'demo_count']),
      ),
      query(
        bySector ? 'delivery_rollups' : 'delivery_authority_rollups',
        'award_quarter',
        sum(['contracts', 'rating_good', 'rating_approaching_target', 'rating_requires_improvement', 'rating_inadequate', 'rating_other', 'active', 'active_returned']),
      ),
      query(
        bySector ? 'delivery_value_rollups' : 'delivery_value_authority_rollups',
        'award_quarter',
        `sum(r.valued_contracts) as valued_contracts, sum(r.contract_value_gbp) as contract_value_gbp,
         sum(r.committed_${basis}_gbp) as committed_gbp, sum(r.expected_${basis}_gbp) as expected_gbp, sum(r.delivered_${basis}_gbp) as delivered_gbp`,
        '',
        ['r.framework_id = ?'],
        [frameworkId],
      ),
      query(
        bySector ? 'measure_rollups' : 'indicator_social_rollups',
        'quarter',
        `${social('local_economic')} as local_economic_gbp, ${social('social')} as social_gbp,
         ${social('environmental')} as environmental_gbp, ${net} as sv_net_gbp`,
        bySector ? 'join measures m on m.id = r.measure_id' : '',
        [bySector ? 'm.framework_id = ?' : 'r.framework_id = ?'],
        [frameworkId],
      ),
    ]);
    return { contracts, delivery, values, social: socialRows };
  }

  private where(f: IndicatorFilter, quarter: string, bind: unknown[]): string[] {
    const clauses: string[] = [];
    const any = (column: string, values: readonly unknown[] | undefined, type = 'text') => {
      if (!values?.length) return;
      clauses.push(`${column} = any(?::${type}[])`);
      bind.push(values);
    };
    any('a.code', f.authorities);
    any('a.id', f.authorityIds, 'int');
    any('a.kind', f.kinds);
    any('a.region', f.regions);
    any('a.nation', f.nations);
    any(`(${DEPARTMENT})`, f.departments);
    any('r.sector::text', f.sectors);
    if (f.fromQuarter) {
      clauses.push(`${quarter} >= ?::date`);
      bind.push(f.fromQuarter);
    }
    if (f.toDate) {
      clauses.push(`${quarter} <= ?::date`);
      bind.push(f.toDate);
    }
    return clauses;
  }
}
