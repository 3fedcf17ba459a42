import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../db/knex.token';

/** What a summary can be grouped and filtered by, and the SQL of each. */
export const DIMENSIONS = {
  authority: { select: ['a.code as authority', 'a.name as authority_name'], group: ['a.code', 'a.name'] },
  kind: { select: ['a.kind'], group: ['a.kind'] },
  region: { select: ['a.region'], group: ['a.region'] },
  nation: { select: ['a.nation'], group: ['a.nation'] },
  sector: { select: ['r.sector', 'sd.label as sector_label'], group: ['r.sector', 'sd.label'] },
  theme: { select: ['t.code as theme', 't.name as theme_name'], group: ['t.code', 't.name'] },
  measure: { select: ['m.code as measure', 'm.name as measure_name', 'm.unit'], group: ['m.code', 'm.name', 'm.unit'] },
  category: { select: ['m.category'], group: ['m.category'] },
  quarter: { select: [`to_char(r.quarter, 'YYYY-"Q"Q') as quarter`], group: ['r.quarter'] },
  year: { select: ['extract(year from r.quarter)::int as year'], group: ['extract(year from r.quarter)'] },
  fy: {
    select: [`${'fy_start'} as fy`],
    group: ['fy_start'],
  },
} as const;
export type Dimension = keyof typeof DIMENSIONS;
export const DIMENSION_NAMES = Object.keys(DIMENSIONS) as Dimension[];

/** FY2025-26 runs from April 2025 to March 2026: the label of the financial year holding a quarter. */
const FY_LABEL = `'FY' || (extract(year from r.quarter)::int - case when extract(month from r.quarter) < 4 then 1 else 0 end)::text
  || '-' || lpad(((extract(year from r.quarter)::int - case when extract(month from r.quarter) < 4 then 1 else 0 end + 1) % 100)::text, 2, '0')`;

export interface SummaryFilter {
  frameworkId: number;
  /** Include other frameworks' measures that the crosswalk maps onto this framework's. */
  crosswalk?: boolean;
  authorities?: string[];
  kinds?: string[];
  regions?: string[];
  nations?: string[];
  sectors?: string[];
  themes?: string[];
  measures?: string[];
  categories?: string[];
  /** First day of the first quarter, and the last day of the period asked for (quarters are by their first day). */
  fromQuarter?: string;
  toDate?: string;
}

export interface SummaryDbRow {
  [dimension: string]: unknown;
  quantity: string | null;
  value_gbp: string | null;
  returns: number | string;
  contract_returns: number | string;
  demo_returns: number | string;
  unvalued_returns: number | string;
  authorities: number | string;
  population: string | null;
  contract_value_gbp: string | null;
}

export interface ExplainDbRow {
  [dimension: string]: unknown;
  measure_id: number;
  year: number;
  quantity: string;
  value_gbp: string | null;
  returns: number | string;
}

/** The SQL of the measures summary: everything reads measure_rollups and contract_rollups, never the raw outcomes. */
@Injectable()
export class MeasuresRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  private where(f: SummaryFilter, bind: unknown[]): string {
    const clauses = ['m.framework_id = ?'];
    bind.push(f.frameworkId);
    const any = (column: string, values: string[] | undefined) => {
      if (!values?.length) return;
      clauses.push(`${column} = any(?::text[])`);
      bind.push(values);
    };
    any('a.code', f.authorities);
    any('a.kind', f.kinds);
    any('a.region', f.regions);
    any('a.nation', f.nations);
    any('r.sector', f.sectors);
    any('t.code', f.themes);
    any('m.code', f.measures);
    any('m.category', f.categories);
    if (f.fromQuarter) {
      clauses.push('r.quarter >= ?::date');
      bind.push(f.fromQuarter);
    }
    if (f.toDate) {
      clauses.push('r.quarter <= ?::date');
      bind.push(f.toDate);
    }
    return clauses.join(' and ');
  }

  /**
   * The rollup cells on a basis, with `value` their £; with the crosswalk, also the cells of other frameworks'
   * measures that count as one of this framework's: quantity x the crosswalk factor, valued as this framework's measure.
   */
  private static source(basis: string, crosswalk: boolean, bind: unknown[], frameworkId: number): string {
    const own = `select r.authority_id, r.sector, r.measure_id, r.quarter, r.quantity, r.${basis}_gbp as value,
        r.outcome_count, r.contract_count, r.demo_count from measure_rollups r`;
    if (!crosswalk) return `(${own}) r`;
    bind.push(frameworkId);
    return `(${own}
      union all
      select r.authority_id, r.sector, cw.to_measure_id, r.quarter, r.quantity * cw.factor,
        r.quantity * cw.factor * f.${basis}_per_unit, r.outcome_count, r.contract_count, r.demo_count
      from measure_rollups r join measures ms on ms.id = r.measure_id
      join measure_crosswalk cw on cw.from_framework_id = ms.framework_id and cw.from_measure_code = ms.code
      join measures mt on mt.id = cw.to_measure_id and mt.framework_id = ?
      left join valuation_factors f on f.measure_id = cw.to_measure_id and f.year = extract(year from r.quarter)) r`;
  }

  private static readonly JOINS = `
    join authorities a on a.id = r.authority_id
    join measures m on m.id = r.measure_id
    join themes t on t.id = m.theme_id
    left join cpv_divisions sd on sd.code = r.sector`;

  private static dims(groupBy: Dimension[]) {
    const select = groupBy.flatMap((d) => DIMENSIONS[d].select as readonly string[]);
    const group = groupBy.flatMap((d) => DIMENSIONS[d].group as readonly string[]);
    const withFy = (s: string) => s.replace(/fy_start/g, `(${FY_LABEL})`);
    return { select: select.map(withFy), group: group.map(withFy) };
  }

  /**
   * One row per group. £ is the sum of the rollup's £ on the basis (times a per-measure factor when another base year is
   * asked for); population and contract value are summed once per authority (and authority and sector) in the group.
   */
  async summary(
    groupBy: Dimension[],
    filter: SummaryFilter,
    basis: 'nominal' | 'real' | 'net' | 'pv',
    rebase: { measureIds: number[]; factors: string[] } | null,
  ): Promise<SummaryDbRow[]> {
    const bind: unknown[] = [];
    const { select, group } = MeasuresRepository.dims(groupBy);
    const money = `r.value${rebase ? ' * rb.factor' : ''}`;
    const source = MeasuresRepository.source(basis, filter.crosswalk ?? false, bind, filter.frameworkId);
    const rebaseJoin = rebase ? 'join unnest(?::int[], ?::numeric[]) as rb(measure_id, factor) on rb.measure_id = r.measure_id' : '';
    if (rebase) bind.push(rebase.measureIds, rebase.factors);
    const where = this.where(filter, bind);
    const keys = group.length > 0 ? group.map((_, i) => `k${i}`) : [];
    const keyCols = group.map((g, i) => `${g} as k${i}`);
    const sql = `
      with cells as (
        select ${[...keyCols, ...select].join(', ')}${select.length ? ',' : ''}
          r.authority_id as cell_authority_id, r.sector as cell_sector,
          sum(r.quantity) as quantity, sum(${money}) as value_gbp, sum(r.outcome_count) as returns,
          sum(r.contract_count) as contract_returns, sum(r.demo_count) as demo_returns,
          sum(case when r.value is null then r.outcome_count else 0 end) as unvalued_returns
        from ${source} ${MeasuresRepository.JOINS} ${rebaseJoin}
        where ${where}
        group by ${[...group, 'r.authority_id', 'r.sector'].join(', ')}
      ),
      per_authority as (
        select distinct ${[...keys, 'cell_authority_id'].join(', ')} from cells
      ),
      population as (
        select ${keys.length ? `${keys.map((k) => `p.${k}`).join(', ')}, ` : ''}sum(a.population) as population,
          count(*) as authorities
        from per_authority p join authorities a on a.id = p.cell_authority_id
        ${keys.length ? `group by ${keys.map((k) => `p.${k}`).join(', ')}` : ''}
      ),
      contract_value as (
        select authority_id, sector, sum(awarded_value_gbp) as value_gbp from contract_rollups
        where (authority_id, coalesce(sector, '')) in (select cell_authority_id, coalesce(cell_sector, '') from cells)
        group by authority_id, sector
      ),
      totals as (
        select ${[...keys.map((k) => `c.${k}`), ...select.map((s) => `c.${alias(s)}`)].join(', ')}${keys.length ? ',' : ''}
          sum(c.quantity) as quantity, sum(c.value_gbp) as value_gbp, sum(c.returns) as returns,
          sum(c.contract_returns) as contract_returns, sum(c.demo_returns) as demo_returns,
          sum(c.unvalued_returns) as unvalued_returns, sum(cv.value_gbp) as contract_value_gbp
        from cells c
        left join contract_value cv on cv.authority_id = c.cell_authority_id and cv.sector is not distinct from c.cell_sector
        ${keys.length ? `group by ${[...keys.map((k) => `c.${k}`), ...select.map((s) => `c.${alias(s)}`)].join(', ')}` : ''}
      )
      select t.*, p.population, p.authorities
      from totals t
      ${keys.length ? `join population p on ${keys.map((k) => `p.${k} is not distinct from t.${k}`).join(' and ')}` : 'cross join population p'}
      order by ${keys.length ? keys.map((k) => `t.${k}`).join(', ') : '1'}`;
    const { rows } = await this.knex.raw(sql, bind as Knex.RawBinding[]);
    return rows as SummaryDbRow[];
  }

  /** The same groups broken down by measure and year: what "explain" shows. */
  async explain(
    groupBy: Dimension[],
    filter: SummaryFilter,
    basis: 'nominal' | 'real' | 'net' | 'pv',
  ): Promise<ExplainDbRow[]> {
    const bind: unknown[] = [];
    const { group } = MeasuresRepository.dims(groupBy);
    const source = MeasuresRepository.source(basis, filter.crosswalk ?? false, bind, filter.frameworkId);
    const where = this.where(filter, bind);
    const keyCols = group.map((g, i) => `${g} as k${i}`);
    const sql = `
      select ${[...keyCols, 'r.measure_id', 'extract(year from r.quarter)::int as year'].join(', ')},
        sum(r.quantity) as quantity, sum(r.value) as value_gbp, sum(r.outcome_count) as returns
      from ${source} ${MeasuresRepository.JOINS}
      where ${where}
      group by ${[...group, 'r.measure_id', 'extract(year from r.quarter)'].join(', ')}
      order by ${[...group, 'r.measure_id', 'extract(year from r.quarter)'].join(', ')}`;
    const { rows } = await this.knex.raw(sql, bind as Knex.RawBinding[]);
    return rows as ExplainDbRow[];
  }
}

/** The output name of a select expression (`a.code as authority` -> authority, `a.kind` -> kind). */
function alias(expr: string): string {
  const m = / as (\w+)$/.exec(expr);
  return m ? m[1] : expr.split('.').pop()!;
}
