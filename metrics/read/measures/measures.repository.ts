import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { periodLabelSql } from '../../platform/periods';
import { KNEX } from '../../platform/tokens';
import type { ResolvedFilter } from '../../reference/read-filter/read-filter';

/**
 * The levels of the measure rollups a summary can read, finest first. Each holds the same sums; a read takes the
 * coarsest one that has every dimension it groups or filters by.
 */
export const LEVELS = {
  cells: { table: 'measure_rollups', authority: true, sector: true, quarter: true, keys: ['authority_id', 'sector', 'quarter'] },
  area: { table: 'measure_rollups_area', authority: false, sector: true, quarter: true, keys: ['nation', 'region', 'kind', 'sector', 'quarter'] },
  authority_year: { table: 'measure_rollups_authority_year', authority: true, sector: false, quarter: false, keys: ['authority_id', 'year'] },
} as const;
export type Level = keyof typeof LEVELS;

/** FY2025-26 runs from April 2025 to March 2026: the label of the financial year holding a quarter. */
const FY_LABEL = periodLabelSql('r.quarter', 'fy');

/** What a summary can be grouped by: the columns it shows and the SQL of each, on a level (`A`: where authority attributes are). */
function dimensionSql(level: Level): Record<string, { select: string[]; group: string[] }> {
  const A = level === 'area' ? 'r' : 'a';
  const year = level === 'authority_year' ? 'r.year' : 'extract(year from r.quarter)';
  return {
    // grouped by primary keys (faster than by text); the labels depend on them
    authority: { select: ['a.code as authority', 'a.name as authority_name'], group: ['a.id'] },
    kind: { select: [`${A}.kind as kind`], group: [`${A}.kind`] },
    region: { select: [`${A}.region as region`], group: [`${A}.region`] },
    nation: { select: [`${A}.nation as nation`], group: [`${A}.nation`] },
    sector: { select: ['r.sector as sector', 'sd.label as sector_label'], group: ['r.sector', 'sd.label'] },
    theme: { select: ['t.code as theme', 't.name as theme_name'], group: ['t.id'] },
    measure: { select: ['m.code as measure', 'm.name as measure_name', 'm.unit as unit'], group: ['m.id'] },
    category: { select: ['m.category as category'], group: ['m.category'] },
    quarter: { select: [`${periodLabelSql('r.quarter', 'quarter')} as quarter`], group: ['r.quarter'] },
    year: { select: [`${year}::int as year`], group: [year] },
    fy: { select: [`${FY_LABEL} as fy`], group: [FY_LABEL] },
  };
}

export const DIMENSION_NAMES = ['authority', 'kind', 'region', 'nation', 'sector', 'theme', 'measure', 'category', 'quarter', 'year', 'fy'] as const;
export type Dimension = (typeof DIMENSION_NAMES)[number];

/** The output columns of a dimension, in order (e.g. authority -> authority, authority_name). */
export function dimensionColumns(d: Dimension): string[] {
  return dimensionSql('cells')[d].select.map((e) => / as (\w+)$/.exec(e)![1]);
}

/** Dimensions that describe the authority (its area), and those the contract rollups have. */
export const AREA_DIMENSIONS: Dimension[] = ['authority', 'kind', 'region', 'nation'];

/** The read filter of a summary, within one framework version (and through the crosswalk, when asked). */
export interface SummaryFilter extends ResolvedFilter {
  frameworkId: number;
  /** Include other frameworks' measures that the crosswalk maps onto this framework's. */
  crosswalk?: boolean;
  /** First day of the first quarter, and the last day of the period asked for (quarters are by their first day). */
  fromQuarter?: string;
  toDate?: string;
}

export interface SummaryDbRow {
  [column: string]: unknown;
  quantity: string | null;
  value_gbp: string | null;
  returns: number | string;
  contract_returns: number | string;
  demo_returns: number | string;
  unvalued_returns: number | string;
}

export interface ExplainDbRow {
  [column: string]: unknown;
  measure_id: number;
  year: number;
  quantity: string;
  value_gbp: string | null;
  returns: number | string;
}

export interface DenominatorRow {
  [column: string]: unknown;
  value: string | null;
}

type Basis = 'nominal' | 'real' | 'net' | 'pv';

/** The SQL of the measures summary: everything reads the rollups (one of their levels), never the raw outcomes. */
@Injectable()
export class MeasuresRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  /** The coarsest level that has what a summary groups and filters by. */
  static levelFor(groupBy: Dimension[], f: SummaryFilter): Level {
    const authority = groupBy.includes('authority') || !!f.authorityIds?.length;
    const sector = groupBy.includes('sector') || !!f.sectors?.length;
    const quarter =
      groupBy.includes('quarter') || groupBy.includes('fy') || (!!f.fromQuarter && !f.fromQuarter.endsWith('-01-01')) || (!!f.toDate && !f.toDate.endsWith('-12-31'));
    if (!authority) return 'area';
    if (!sector && !quarter) return 'authority_year';
    return 'cells';
  }

  /**
   * The rows of a level on a basis, with `value` their £; with the crosswalk, also the rows of other frameworks'
   * measures that count as one of this framework's: quantity x the crosswalk factor, valued as this framework's measure.
   */
  private static source(level: Level, basis: Basis, crosswalk: boolean, bind: unknown[], frameworkId: number): string {
    const { table, keys } = LEVELS[level];
    const cols = keys.map((k) => `r.${k}`).join(', ');
    const own = `select ${cols}, r.measure_id, r.quantity, r.${basis}_gbp as value, r.outcome_count, r.contract_count, r.demo_count from ${table} r`;
    if (!crosswalk) return `(${own}) r`;
    bind.push(frameworkId);
    const year = level === 'authority_year' ? 'r.year' : 'extract(year from r.quarter)';
    return `(${own}
      union all
      select ${cols}, cw.to_measure_id, r.quantity * cw.factor, r.quantity * cw.factor * f.${basis}_per_unit,
        r.outcome_count, r.contract_count, r.demo_count
      from ${table} r join measures ms on ms.id = r.measure_id
      join measure_crosswalk cw on cw.from_framework_id = ms.framework_id and cw.from_measure_code = ms.code
      join measures mt on mt.id = cw.to_measure_id and mt.framework_id = ?
      left join valuation_factors f on f.measure_id = cw.to_measure_id and f.year = ${year}) r`;
  }

  private static joins(level: Level): string {
    return [
      LEVELS[level].authority ? 'join authorities a on a.id = r.authority_id' : '',
      'join measures m on m.id = r.measure_id',
      'join themes t on t.id = m.theme_id',
      LEVELS[level].sector ? 'left join cpv_divisions sd on sd.code = r.sector' : '',
    ].join('\n');
  }

  private static where(level: Level, f: SummaryFilter, bind: unknown[]): string {
    const A = level === 'area' ? 'r' : 'a';
    const clauses = ['m.framework_id = ?'];
    bind.push(f.frameworkId);
    const any = (column: string, values: readonly unknown[] | undefined, type = 'text') => {
      if (!values?.length) return;
      clauses.push(`${column} = any(?::${type}[])`);
      bind.push(values);
    };
    any('a.id', f.authorityIds, 'int');
    any(`${A}.kind`, f.kinds);
    any(`${A}.region`, f.regions);
    any(`${A}.nation`, f.nations);
    any('r.sector', f.sectors);
    any('t.id', f.themeIds, 'int');
    any('m.id', f.measureIds, 'int');
    any('m.category', f.categories);
    if (level === 'authority_year') {
      if (f.fromQuarter) {
        clauses.push('r.year >= ?');
        bind.push(Number(f.fromQuarter.slice(0, 4)));
      }
      if (f.toDate) {
        clauses.push('r.year <= ?');
        bind.push(Number(f.toDate.slice(0, 4)));
      }
    } else {
      if (f.fromQuarter) {
        clauses.push('r.quarter >= ?::date');
        bind.push(f.fromQuarter);
      }
      if (f.toDate) {
        clauses.push('r.quarter <= ?::date');
        bind.push(f.toDate);
      }
    }
    return clauses.join(' and ');
  }

  private static dims(level: Level, groupBy: Dimension[]) {
    const sql = dimensionSql(level);
    return {
      select: groupBy.flatMap((d) => sql[d].select),
      group: groupBy.flatMap((d) => sql[d].group),
      order: groupBy.map((d) => dimensionColumns(d)[0]),
    };
  }

  /**
   * One row per group: quantities, £ on the basis (times a per-measure factor when another base year is asked for)
   * and counts. Group keys come back as `k0, k1, ...` beside the shown columns.
   */
  async summary(
    groupBy: Dimension[],
    filter: SummaryFilter,
    basis: Basis,
    rebase: { measureIds: number[]; factors: string[] } | null,
  ): Promise<{ level: Level; rows: SummaryDbRow[] }> {
    const level = MeasuresRepository.levelFor(groupBy, filter);
    const bind: unknown[] = [];
    const { select, group, order } = MeasuresRepository.dims(level, groupBy);
    const source = MeasuresRepository.source(level, basis, filter.crosswalk ?? false, bind, filter.frameworkId);
    const rebaseJoin = rebase ? 'join unnest(?::int[], ?::numeric[]) as rb(measure_id, factor) on rb.measure_id = r.measure_id' : '';
    if (rebase) bind.push(rebase.measureIds, rebase.factors);
    const where = MeasuresRepository.where(level, filter, bind);
    const sql = `
      select ${[...group.map((g, i) => `${g} as k${i}`), ...select].join(', ')}${group.length ? ',' : ''}
        sum(r.quantity) as quantity, sum(r.value${rebase ? ' * rb.factor' : ''}) as value_gbp, sum(r.outcome_count) as returns,
        sum(r.contract_count) as contract_returns, sum(r.demo_count) as demo_returns,
        sum(case when r.value is null then r.outcome_count else 0 end) as unvalued_returns
      from ${source}
      ${MeasuresRepository.joins(level)}
      ${rebaseJoin}
      where ${where}
      ${group.length ? `group by ${group.join(', ')} order by ${order.join(', ')}` : ''}`;
    const { rows } = await this.knex.raw(sql, bind as Knex.RawBinding[]);
    return { level, rows: rows as SummaryDbRow[] };
  }

  /** The same groups broken down by measure and year: what "explain" shows. */
  async explain(groupBy: Dimension[], filter: SummaryFilter, basis: Basis): Promise<ExplainDbRow[]> {
    const level = MeasuresRepository.levelFor(groupBy, filter);
    const bind: unknown[] = [];
    const { group } = MeasuresRepository.dims(level, groupBy);
    const source = MeasuresRepository.source(level, basis, filter.crosswalk ?? false, bind, filter.frameworkId);
    const where = MeasuresRepository.where(level, filter, bind);
    const year = level === 'authority_year' ? 'r.year' : 'extract(year from r.quarter)';
    const keys = [...group, 'r.measure_id', year];
    const sql = `
      select ${[...group.map((g, i) => `${g} as k${i}`), 'r.measure_id', `${year}::int as year`].join(', ')},
        sum(r.quantity) as quantity, sum(r.value) as value_gbp, sum(r.outcome_count) as returns
      from ${source}
      ${MeasuresRepository.joins(level)}
      where ${where}
      group by ${keys.join(', ')} order by ${keys.join(', ')}`;
    const { rows } = await this.knex.raw(sql, bind as Knex.RawBinding[]);
    return rows as ExplainDbRow[];
  }

  /** Code, name and unit of measures, by id. */
  measureLabels(ids: number[]): Promise<Array<{ id: number; code: string; name: string; unit: string }>> {
    return this.knex('measures').whereIn('id', ids).select('id', 'code', 'name', 'unit');
  }

  private static areaWhere(f: SummaryFilter, bind: unknown[], alias = 'a'): string {
    const clauses = ['true'];
    const any = (column: string, values: readonly unknown[] | undefined, type = 'text') => {
      if (!values?.length) return;
      clauses.push(`${alias}.${column} = any(?::${type}[])`);
      bind.push(values);
    };
    any('id', f.authorityIds, 'int');
    any('kind', f.kinds);
    any('region', f.regions);
    any('nation', f.nations);
    return clauses.join(' and ');
  }

  /**
   * Residents of the authorities matching the filters, by the area dimensions grouped by. An authority whose area
   * another matching authority lies within (a county and its districts, a combined authority and its members) is
   * counted through them, so no one is counted twice; when grouped by authority each counts its own residents.
   */
  async population(groupBy: Dimension[], filter: SummaryFilter): Promise<DenominatorRow[]> {
    const dims = groupBy.filter((d) => AREA_DIMENSIONS.includes(d));
    const sql = dimensionSql('cells');
    const select = dims.flatMap((d) => sql[d].select);
    const group = dims.flatMap((d) => sql[d].group);
    const bind: unknown[] = [];
    const where = MeasuresRepository.areaWhere(filter, bind);
    const inner = dims.includes('authority')
      ? ''
      : `and not exists (select 1 from authorities c where (c.parent_id = a.id or c.combined_authority_id = a.id) and c.population is not null
           and ${MeasuresRepository.areaWhere(filter, bind, 'c')})`;
    const { rows } = await this.knex.raw(
      `select ${[...select, 'sum(a.population) as value'].join(', ')}
       from authorities a where a.population is not null and ${where} ${inner}
       ${group.length ? `group by ${group.join(', ')}` : ''}`,
      bind as Knex.RawBinding[],
    );
    return rows as DenominatorRow[];
  }

  /** Awarded value of the contracts of the authorities and sectors matching the filters, by the area and sector dimensions grouped by. */
  async contractValue(groupBy: Dimension[], filter: SummaryFilter): Promise<DenominatorRow[]> {
    const dims = groupBy.filter((d) => AREA_DIMENSIONS.includes(d) || d === 'sector');
    const sql = dimensionSql('cells');
    const select = dims.flatMap((d) => sql[d].select);
    const group = dims.flatMap((d) => sql[d].group);
    const bind: unknown[] = [];
    let where = MeasuresRepository.areaWhere(filter, bind);
    if (filter.sectors?.length) {
      where += ' and r.sector = any(?::text[])';
      bind.push(filter.sectors);
    }
    const { rows } = await this.knex.raw(
      `select ${[...select, 'sum(r.awarded_value_gbp) as value'].join(', ')}
       from contract_rollups r join authorities a on a.id = r.authority_id left join cpv_divisions sd on sd.code = r.sector
       where ${where}
       ${group.length ? `group by ${group.join(', ')}` : ''}`,
      bind as Knex.RawBinding[],
    );
    return rows as DenominatorRow[];
  }

  /**
   * How many contracts and authorities (buyers) the summary's returns come from: the contracts with a latest outcome
   * return counted in the summary for the same filter (its period's end in the period, by quarter; one framework
   * version, and through the crosswalk when asked for), read from the outcomes themselves (the rollups keep counts
   * per cell only, and a contract counts in several cells).
   */
  async coverage(filter: SummaryFilter): Promise<{ contracts: number; authorities: number }> {
    const k = this.knex;
    const measures = filter.crosswalk
      ? k.raw(
          `(select m.id, m.id as counts_as from measures m where m.framework_id = ?
            union all
            select ms.id, cw.to_measure_id from measures ms
            join measure_crosswalk cw on cw.from_framework_id = ms.framework_id and cw.from_measure_code = ms.code
            join measures mt on mt.id = cw.to_measure_id and mt.framework_id = ?) as mm`,
          [filter.frameworkId, filter.frameworkId],
        )
      : k.raw('(select m.id, m.id as counts_as from measures m where m.framework_id = ?) as mm', [filter.frameworkId]);
    const q = k
      .from('outcomes as o')
      .join(measures, 'mm.id', 'o.measure_id')
      .join('measures as m', 'm.id', 'mm.counts_as')
      .join('contracts as c', 'c.id', 'o.contract_id')
      .join('authorities as a', 'a.id', 'c.authority_id')
      .where('o.is_latest', true);
    const quarter = "date_trunc('quarter', o.period_end)::date";
    if (filter.authorityIds?.length) q.whereIn('a.id', filter.authorityIds);
    if (filter.kinds?.length) q.whereIn('a.kind', filter.kinds);
    if (filter.regions?.length) q.whereIn('a.region', filter.regions);
    if (filter.nations?.length) q.whereIn('a.nation', filter.nations);
    if (filter.sectors?.length) q.whereIn('c.sector', filter.sectors);
    if (filter.themeIds?.length) q.whereIn('m.theme_id', filter.themeIds);
    if (filter.measureIds?.length) q.whereIn('m.id', filter.measureIds);
    if (filter.categories?.length) q.whereIn('m.category', filter.categories);
    if (filter.fromQuarter) q.whereRaw(`${quarter} >= ?::date`, [filter.fromQuarter]);
    if (filter.toDate) q.whereRaw(`${quarter} <= ?::date`, [filter.toDate]);
    const [row] = await q.select(k.raw('count(distinct o.contract_id)::int as contracts'), k.raw('count(distinct c.authority_id)::int as authorities'));
    return { contracts: Number(row?.contracts ?? 0), authorities: Number(row?.authorities ?? 0) };
  }
}
