import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { PERIOD_TYPES, periodLabelSql, type PeriodType } from '../../platform/periods';
import { KNEX } from '../../platform/tokens';
import type { ResolvedFilter } from '../../reference/read-filter/read-filter';
import { RATINGS } from '../../derive/valuation/delivery';

export const INDICATOR_DIMENSIONS = ['authority', 'kind', 'region', 'nation', 'department', 'sector', 'period'] as const;
export type IndicatorDimension = (typeof INDICATOR_DIMENSIONS)[number];
export { PERIOD_TYPES, type PeriodType };
export const INDICATOR_BASES = ['nominal', 'real', 'net'] as const;
export type IndicatorBasis = (typeof INDICATOR_BASES)[number];

/** The department of a central body: itself when it is a department, else its parent when that is one. */
const DEPARTMENT_ID = `case when a.kind = 'central_department' then a.id when p.kind = 'central_department' then p.id end`;
const DEPARTMENT = `case when a.kind = 'central_department' then a.code when p.kind = 'central_department' then p.code end`;
const DEPARTMENT_NAME = `case when a.kind = 'central_department' then a.name when p.kind = 'central_department' then p.name end`;

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

/** The columns of a dimension (the period's label of a quarter column `quarter`); `a`: the table with the authority's kind, region and nation. */
function dimension(d: IndicatorDimension, quarter: string, periodType: PeriodType, a = 'a'): string[] {
  switch (d) {
    case 'authority':
      return ['a.code', 'a.name'];
    case 'kind':
      return [`${a}.kind`];
    case 'region':
      return [`${a}.region`];
    case 'nation':
      return [`${a}.nation`];
    case 'department':
      return [DEPARTMENT, DEPARTMENT_NAME];
    case 'sector':
      return ['r.sector::text'];
    case 'period':
      return [periodLabelSql(quarter, periodType)];
  }
}

/** The read filter of the indicators, by quarter: the first day of the first quarter, and the last day of the last period. */
export interface IndicatorFilter extends Pick<ResolvedFilter, 'authorityIds' | 'kinds' | 'regions' | 'nations' | 'departmentIds' | 'sectors'> {
  fromQuarter?: string;
  toDate?: string;
}

export type DbRow = Record<string, string | number | null>;

export type IndicatorSource = 'contracts' | 'delivery' | 'values' | 'social' | 'notices' | 'payments';

/**
 * A column of an indicators row, computed from the sums of one source (their names below): a count, £ (rounded to
 * pence, half up), the exact figure, or a ratio (rounded to 6 places, half up, from the exact sums: none when the
 * denominator is 0) with its numerator and denominator (£ to pence, counts and other figures exact). In row order.
 */
export type IndicatorColumn =
  | { name: string; source: IndicatorSource; kind: 'count' | 'gbp' | 'exact'; of: string }
  | { name: string; source: IndicatorSource; kind: 'ratio'; n: string; d: string; money: boolean };

const SV_TOTAL = '(s.local_economic_gbp + s.social_gbp + s.environmental_gbp)';
const ratioOf = (name: string, source: IndicatorSource, n: string, d: string, money: boolean): IndicatorColumn =>
  ({ name, source, kind: 'ratio', n, d, money });
export const INDICATOR_COLUMNS: readonly IndicatorColumn[] = [
  { name: 'contracts', source: 'contracts', kind: 'count', of: 's.contracts' },
  { name: 'awarded_contracts', source: 'contracts', kind: 'count', of: 's.awarded' },
  { name: 'awarded_value_gbp', source: 'contracts', kind: 'gbp', of: 's.awarded_value_gbp' },
  { name: 'in_scope_contracts', source: 'contracts', kind: 'count', of: 's.in_scope' },
  { name: 'in_scope_value_gbp', source: 'contracts', kind: 'gbp', of: 's.in_scope_value_gbp' },
  { name: 'demo_contracts', source: 'contracts', kind: 'count', of: 's.demo_count' },
  ratioOf('sv_evaluated_share', 'contracts', 's.sv_evaluated', 's.in_scope', false),
  ratioOf('sv_evaluated_value_share', 'contracts', 's.sv_evaluated_value_gbp', 's.in_scope_value_gbp', true),
  ratioOf('sv_weighted_10_share', 'contracts', 's.sv_weighted_10', 's.in_scope', false),
  ratioOf('sv_weighted_10_value_share', 'contracts', 's.sv_weighted_10_value_gbp', 's.in_scope_value_gbp', true),
  ratioOf('mean_weighting_pct', 'contracts', 's.sv_weighting_sum', 's.sv_weighting_count', false),
  ratioOf('commitment_intensity', 'values', 's.committed_gbp', 's.contract_value_gbp', true),
  ratioOf('delivery_ratio', 'values', 's.delivered_gbp', 's.expected_gbp', true),
  { name: 'contracts_with_commitments', source: 'delivery', kind: 'count', of: 's.contracts' },
  ...RATINGS.map((r): IndicatorColumn => ({ name: `rating_${r}`, source: 'delivery', kind: 'count', of: `s.rating_${r}` })),
  ratioOf('reporting_compliance', 'delivery', 's.active_returned', 's.active', false),
  ratioOf('sme_value_share', 'contracts', 's.sme_value_gbp', 's.supplier_known_value_gbp', true),
  ratioOf('vcse_value_share', 'contracts', 's.vcse_value_gbp', 's.supplier_known_value_gbp', true),
  { name: 'sv_gbp', source: 'social', kind: 'gbp', of: SV_TOTAL },
  { name: 'local_economic_gbp', source: 'social', kind: 'gbp', of: 's.local_economic_gbp' },
  { name: 'social_gbp', source: 'social', kind: 'gbp', of: 's.social_gbp' },
  { name: 'environmental_gbp', source: 'social', kind: 'gbp', of: 's.environmental_gbp' },
  ratioOf('local_economic_share', 'social', 's.local_economic_gbp', SV_TOTAL, true),
  ratioOf('social_share', 'social', 's.social_gbp', SV_TOTAL, true),
  ratioOf('environmental_share', 'social', 's.environmental_gbp', SV_TOTAL, true),
  // the Procurement Act 2023's notices: KPIs (UK7), performance ratings (UK9), payments compliance (s.69)
  { name: 'kpi_contracts', source: 'notices', kind: 'count', of: 's.kpi_contracts' },
  ratioOf('kpi_published_share', 'notices', 's.kpi_published', 's.kpi_contracts', false),
  ratioOf('sv_kpi_share', 'notices', 's.sv_kpis', 's.kpis', false),
  { name: 'performance_notice_due', source: 'notices', kind: 'count', of: 's.notice_due' },
  { name: 'performance_notice_overdue', source: 'notices', kind: 'count', of: 's.notice_overdue' },
  { name: 'officially_rated_contracts', source: 'notices', kind: 'count', of: 's.official_rated' },
  ...RATINGS.map((r): IndicatorColumn => ({ name: `official_rating_${r}`, source: 'notices', kind: 'count', of: `s.official_${r}` })),
  { name: 'performance_failures', source: 'notices', kind: 'count', of: 's.failures' },
  { name: 'payment_reports', source: 'payments', kind: 'count', of: 's.payment_reports' },
  ratioOf('average_days_to_pay', 'payments', 's.average_days_sum', 's.payment_reports', false),
  ratioOf('paid_within_30_days_share', 'payments', 's.pct_1_30_sum', '(100 * s.payment_reports)', false),
  ratioOf('not_paid_when_due_share', 'payments', 's.pct_not_paid_sum', '(100 * s.payment_reports)', false),
];

/** The Procurement Act 2023 came into force on 24 February 2025: contracts awarded since are under its notices. */
export const ACT_2023_IN_FORCE = '2025-02-24';
/** s.52: a public contract over £5m needs KPIs (and, s.71, a performance notice at least every 12 months). */
export const KPI_THRESHOLD_GBP = 5_000_000;

/** A KPI counts as a social value KPI when it maps to a catalogue measure, by the rules OCDS metrics are mapped with. */
const SV_KPI = `exists (select 1 from ocds_metric_mappings mm where (mm.match_on = 'id' and mm.match_value = lower(btrim(k.metric_id)))
    or (mm.match_on = 'title' and mm.match_value = lower(btrim(k.title))))
  or exists (select 1 from measures m join frameworks f on f.id = m.framework_id
    where upper(m.code) = upper(btrim(k.metric_id)) or lower(m.name) = lower(btrim(k.title)))`;

/** A rating's severity, worst first, for the worst of a contract's KPIs (Other: off the scale, last). */
const SEVERITY_SQL = (col: string) => `case ${col} when 'inadequate' then 1 when 'requires_improvement' then 2 when 'approaching_target' then 3 when 'good' then 4 else 5 end`;
const RATING_OF_SEVERITY = `(array['inadequate', 'requires_improvement', 'approaching_target', 'good', 'other'])`;

/**
 * Each contract the notices concern (over £5m and awarded since the Act, or rated by a notice) as a row of the
 * notices source: its authority, sector and award quarter; whether KPIs are required and published; its KPIs and
 * social value KPIs; whether a performance notice is due in the as-of quarter (12 months since award or the last
 * notice run out within it) or overdue (they ran out before it began), for a contract in force and not terminated;
 * its official rating (the worst of its KPIs' latest ratings for the latest period assessed); its performance failures.
 * `?` is the as-of date.
 */
const NOTICE_CONTRACTS = `(
  select c.authority_id, c.sector, date_trunc('quarter', c.award_date)::date as award_quarter, x.*,
    (x.kpi_contracts = 1 and x.kpi_published = 1 and x.in_force and x.anniversary > date_trunc('quarter', ?::date) and x.anniversary <= ?::date)::int as notice_due,
    (x.kpi_contracts = 1 and x.kpi_published = 1 and x.in_force and x.anniversary <= date_trunc('quarter', ?::date))::int as notice_overdue
  from contracts c
  cross join lateral (
    select
      (c.stage = 'awarded' and c.value_gbp > ${KPI_THRESHOLD_GBP} and c.award_date >= date '${ACT_2023_IN_FORCE}')::int as kpi_contracts,
      (exists (select 1 from contract_kpis k where k.contract_id = c.id))::int as kpi_published,
      (select count(*) from contract_kpis k where k.contract_id = c.id) as kpis,
      (select count(*) from contract_kpis k where k.contract_id = c.id and (${SV_KPI})) as sv_kpis,
      (select count(*) from performance_failures f where f.contract_id = c.id) as failures,
      (c.award_date is not null and c.award_date <= ?::date and (c.end_date is null or c.end_date >= date_trunc('quarter', ?::date))
        and not exists (select 1 from contract_events e where e.contract_id = c.id and e.kind = 'termination'
          and coalesce(e.event_date, e.release_date::date) <= ?::date)) as in_force,
      (greatest(c.award_date, (select max(p.release_date)::date from contract_performance p where p.contract_id = c.id and p.release_date::date <= ?::date))
        + interval '12 months')::date as anniversary,
      (select ${RATING_OF_SEVERITY}[min(${SEVERITY_SQL('l.rating')})]
       from (select distinct on (p.metric_id, p.period_start, p.period_end) p.rating, p.period_end
             from contract_performance p where p.contract_id = c.id
             order by p.metric_id, p.period_start, p.period_end, p.release_date desc, p.id desc) l
       where l.period_end = (select max(period_end) from contract_performance p where p.contract_id = c.id)) as official
  ) x
  where (c.stage = 'awarded' and c.value_gbp > ${KPI_THRESHOLD_GBP} and c.award_date >= date '${ACT_2023_IN_FORCE}')
    or c.id in (select p.contract_id from contract_performance p)
)`;

/** Each payments compliance report (s.69) as a row of the payments source, in the quarter its period ends. */
const PAYMENT_REPORTS = `(
  select r.authority_id, null::text as sector, date_trunc('quarter', r.period_end)::date as award_quarter,
    r.average_days, r.pct_1_30, r.pct_not_paid_when_due
  from payment_compliance r
)`;

/** Exact sums the benchmarks divide across sources (not in the row). */
export const EXACT_COLUMNS: readonly IndicatorColumn[] = [
  { name: 'exact_awarded_value_gbp', source: 'contracts', kind: 'exact', of: 's.awarded_value_gbp' },
  { name: 'exact_sv_net_gbp', source: 'social', kind: 'exact', of: 's.sv_net_gbp' },
];

/** n / d rounded half up (away from 0) to 6 places, exactly: the integer division of 2 x 10^6 |n| + |d| by 2 |d|. */
function ratioSql(n: string, d: string): string {
  const [x, y] = [`(${n})::numeric`, `(${d})::numeric`];
  return `case when ${y} = 0 then null else round(sign(${x}) * sign(${y}) * div(2000000 * abs(${x}) + abs(${y}), 2 * abs(${y})) * 0.000001, 6) end`;
}

function columnSql(c: IndicatorColumn): string[] {
  if (c.kind === 'ratio') {
    const shown = (e: string) => (c.money ? `round(${e}, 2)` : e);
    return [`${ratioSql(c.n, c.d)} as ${c.name}`, `${shown(c.n)} as ${c.name}_numerator`, `${shown(c.d)} as ${c.name}_denominator`];
  }
  return [`${c.kind === 'gbp' ? `round(${c.of}, 2)` : c.of} as ${c.name}`];
}

/** Each source's rows: the group columns g0, g1, ... and that source's columns of INDICATOR_COLUMNS and EXACT_COLUMNS. */
export type IndicatorSources = Record<IndicatorSource, DbRow[]>;

/** The SQL of the implementation indicators: every query reads a rollup (a few rows per authority and quarter). */
@Injectable()
export class IndicatorsRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

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
  async sources(groupBy: IndicatorDimension[], periodType: PeriodType, filter: IndicatorFilter, frameworkId: number, basis: IndicatorBasis, asOf: string): Promise<IndicatorSources> {
    /**
     * One source's sums by the groups. With a period among them, the rows are first summed by the other groups and
     * the quarter, then by the period's label (a label computed for each group and quarter, not for each row).
     */
    const query = (source: IndicatorSource, table: string, quarter: string, aggregates: Array<[expression: string, name: string]>, extraJoin = '', extraWhere: string[] = [], extraBind: unknown[] = []) => {
      // measure_rollups_area holds the authorities' kind, region and nation itself
      const area = table === 'measure_rollups_area';
      const a = area ? 'r' : 'a';
      const dimensionSql = (d: IndicatorDimension, q: string, t: PeriodType) => dimension(d, q, t, a);
      const bind: unknown[] = [...extraBind];
      const where = [...extraWhere, ...this.where(filter, `r.${quarter}`, bind, a)];
      const from = `from ${table} r
        ${area ? '' : 'join authorities a on a.id = r.authority_id left join authorities p on p.id = a.parent_id'}
        ${extraJoin}
        ${where.length ? `where ${where.join(' and ')}` : ''}`;
      const byNumber = (n: number) => (n ? `group by ${Array.from({ length: n }, (_, i) => i + 1).join(', ')}` : '');
      let sql: string;
      if (groupBy.includes('period')) {
        const others = groupBy.flatMap((d) => (d === 'period' ? [] : dimensionSql(d, '', periodType)));
        const inner = `select ${[...others.map((d, i) => `${d} as k${i}`), `r.${quarter} as q`, ...aggregates.map(([e, n]) => `${e} as ${n}`)].join(', ')}
          ${from} ${byNumber(others.length + 1)}`;
        let k = 0;
        const dims = groupBy.flatMap((d) => (d === 'period' ? [periodLabelSql('x.q', periodType)] : dimensionSql(d, '', periodType).map(() => `x.k${k++}`)));
        sql = `select ${[...dims.map((d, i) => `${d} as g${i}`), ...aggregates.map(([, n]) => `sum(x.${n}) as ${n}`)].join(', ')}
          from (${inner}) x ${byNumber(dims.length)}`;
      } else if (!area && !authorityFilter) {
        // summed by authority (and sector) first, then by the groups of the authorities' attributes
        const keys = ['r.authority_id', ...(groupBy.includes('sector') ? ['r.sector'] : [])];
        const inner = `select ${[...keys, ...aggregates.map(([e, n]) => `${e} as ${n}`)].join(', ')}
          from ${table} r ${extraJoin} ${where.length ? `where ${where.join(' and ')}` : ''} ${byNumber(keys.length)}`;
        const dims = groupBy.flatMap((d) => dimensionSql(d, '', periodType));
        sql = `select ${[...dims.map((d, i) => `${d} as g${i}`), ...aggregates.map(([, n]) => `sum(r.${n}) as ${n}`)].join(', ')}
          from (${inner}) r join authorities a on a.id = r.authority_id left join authorities p on p.id = a.parent_id ${byNumber(dims.length)}`;
      } else {
        const dims = groupBy.flatMap((d) => dimensionSql(d, '', periodType));
        sql = `select ${[...dims.map((d, i) => `${d} as g${i}`), ...aggregates.map(([e, n]) => `${e} as ${n}`)].join(', ')} ${from} ${byNumber(dims.length)}`;
      }
      const width = groupBy.reduce((n, d) => n + DIMENSION_COLUMNS[d].length, 0);
      const columns = [...INDICATOR_COLUMNS, ...EXACT_COLUMNS].filter((c) => c.source === source).flatMap(columnSql);
      const outer = `select ${[...Array.from({ length: width }, (_, i) => `s.g${i}`), ...columns].join(', ')} from (${sql}) s`;
      return this.knex.raw(outer, bind as Knex.RawBinding[]).then((r: { rows: DbRow[] }) => r.rows);
    };
    const authorityFilter = !!(filter.authorityIds?.length || filter.kinds?.length || filter.regions?.length
      || filter.nations?.length || filter.departmentIds?.length);
    // by sector: the sector-level rollups; otherwise their sums over sectors (a few rows per authority and quarter).
    // The split of social value by sector without an authority or department: the measure rollups by area
    const bySector = groupBy.includes('sector') || !!filter.sectors?.length;
    const byArea = bySector && !groupBy.some((d) => d === 'authority' || d === 'department')
      && !filter.authorityIds?.length && !filter.departmentIds?.length;
    const sum = (columns: string[]): Array<[string, string]> => columns.map((c) => [`sum(r.${c})`, c]);
    const social = (category: string): [string, string] => [
      bySector ? `coalesce(sum(r.${basis}_gbp) filter (where m.category = '${category}'), 0)` : `coalesce(sum(r.${category}_${basis}_gbp), 0)`,
      `${category}_gbp`,
    ];
    const net: [string, string] = [
      bySector ? 'coalesce(sum(r.net_gbp), 0)' : 'coalesce(sum(r.local_economic_net_gbp + r.social_net_gbp + r.environmental_net_gbp), 0)',
      'sv_net_gbp',
    ];
    const [contracts, delivery, values, socialRows, notices, payments] = await Promise.all([
      query(
        'contracts',
        bySector ? 'contract_rollups' : 'indicator_contract_rollups',
        'award_quarter',
        sum(['contracts', 'awarded', 'awarded_value_gbp', 'in_scope', 'in_scope_value_gbp', 'sv_evaluated', 'sv_evaluated_value_gbp', 'sv_weighted_10',
          'sv_weighted_10_value_gbp', 'sv_weighting_sum', 'sv_weighting_count', 'supplier_known_value_gbp', 'sme_value_gbp', 'vcse_value_gbp', 'demo_count']),
      ),
      query(
        'delivery',
        bySector ? 'delivery_rollups' : 'delivery_authority_rollups',
        'award_quarter',
        sum(['contracts', 'rating_good', 'rating_approaching_target', 'rating_requires_improvement', 'rating_inadequate', 'rating_other', 'active', 'active_returned']),
      ),
      query(
        'values',
        bySector ? 'delivery_value_rollups' : 'delivery_value_authority_rollups',
        'award_quarter',
        [
          ...sum(['valued_contracts', 'contract_value_gbp']),
          [`sum(r.committed_${basis}_gbp)`, 'committed_gbp'],
          [`sum(r.expected_${basis}_gbp)`, 'expected_gbp'],
          [`sum(r.delivered_${basis}_gbp)`, 'delivered_gbp'],
        ],
        '',
        ['r.framework_id = ?'],
        [frameworkId],
      ),
      query(
        'social',
        bySector ? (byArea ? 'measure_rollups_area' : 'measure_rollups') : 'indicator_social_rollups',
        'quarter',
        [social('local_economic'), social('social'), social('environmental'), net],
        bySector ? 'join measures m on m.id = r.measure_id' : '',
        [bySector ? 'm.framework_id = ?' : 'r.framework_id = ?'],
        [frameworkId],
      ),
      query(
        'notices',
        NOTICE_CONTRACTS,
        'award_quarter',
        [
          ...sum(['kpi_contracts', 'kpi_published', 'kpis', 'sv_kpis', 'notice_due', 'notice_overdue', 'failures']),
          ['count(r.official)', 'official_rated'],
          ...RATINGS.map((g): [string, string] => [`count(*) filter (where r.official = '${g}')`, `official_${g}`]),
        ],
        '',
        [],
        Array.from({ length: 7 }, () => asOf),
      ),
      query('payments', PAYMENT_REPORTS, 'award_quarter', [
        ['count(*)', 'payment_reports'],
        ['sum(r.average_days)', 'average_days_sum'],
        ['sum(r.pct_1_30)', 'pct_1_30_sum'],
        ['sum(r.pct_not_paid_when_due)', 'pct_not_paid_sum'],
      ]),
    ]);
    return { contracts, delivery, values, social: socialRows, notices, payments };
  }

  private where(f: IndicatorFilter, quarter: string, bind: unknown[], a = 'a'): string[] {
    const clauses: string[] = [];
    const any = (column: string, values: readonly unknown[] | undefined, type = 'text') => {
      if (!values?.length) return;
      clauses.push(`${column} = any(?::${type}[])`);
      bind.push(values);
    };
    any('a.id', f.authorityIds, 'int');
    any(`${a}.kind`, f.kinds);
    any(`${a}.region`, f.regions);
    any(`${a}.nation`, f.nations);
    any(`(${DEPARTMENT_ID})`, f.departmentIds, 'int');
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
