import { Injectable } from '@nestjs/common';
import type { IndicatorsFilter, IndicatorsSource } from '../benchmarks/indicators-source';
import { describeFilter, invalidParameter, parseReadFilter, quarterBounds, toList, type FilterField, type ReadFilter, type ReadFilterQuery } from '../../reference/read-filter/read-filter';
import { ReadFilterRepository } from '../../reference/read-filter/read-filter.repository';
import {
  deliveredInWindow,
  deliveryRatio,
  deliveryRating,
  expectedToDate,
  measureDelivery,
  overallRating,
  QUANTITY_SCALE,
  RATING_LABELS,
  RATINGS,
  type CommitmentLine,
  type OutcomeLine,
  type Rating,
  type RatingThresholds,
} from '../../derive/valuation/delivery';
import { Dec } from '../../derive/valuation/valuation';
import type { DeliveryState } from '../../derive/delivery/delivery.refresher';
import { DerivedDataService } from '../../derive/derived-data.service';
import { ExchangeFiguresService, type ExchangeIndicatorRow } from '../exchange/exchange-figures.service';
import {
  DIMENSION_COLUMNS,
  INDICATOR_BASES,
  INDICATOR_COLUMNS,
  INDICATOR_DIMENSIONS,
  IndicatorsRepository,
  PERIOD_TYPES,
  type DbRow,
  type IndicatorBasis,
  type IndicatorDimension,
  type IndicatorFilter,
  type IndicatorSource,
  type PeriodType,
} from './indicators.repository';

/** An implementation indicators request as the API and the exports receive it (lists as arrays or comma-separated). */
export interface ImplementationQuery extends ReadFilterQuery {
  group_by?: string | string[];
  period_type?: string;
  basis?: string;
}

export type IndicatorValue = string | number | null;
export type IndicatorRow = Record<string, IndicatorValue>;

export interface ImplementationResult {
  /** The end of the quarter the delivery figures (expected to date, ratings, reporting compliance) are as of. */
  as_of: string;
  rating_thresholds: RatingThresholds;
  framework: { code: string; version: string; base_price_year: number };
  basis: IndicatorBasis;
  currency: 'GBP';
  period_type: PeriodType;
  group_by: IndicatorDimension[];
  filters: Record<string, unknown>;
  rows: IndicatorRow[];
  definitions: Record<string, string>;
}

/** The filters the indicators take (themes, measures and categories: not in the contract rollups). */
export const INDICATOR_FILTERS: readonly FilterField[] = ['authority', 'kind', 'region', 'nation', 'department', 'sector', 'framework', 'from', 'to'];

/** Ratios: numerator / denominator, each in the row as <name>_numerator and <name>_denominator. */
const RATIOS = {
  sv_evaluated_share: ['in-scope contracts with social value evaluated', 'in-scope contracts (services above threshold, in scope of the Act)'],
  sv_evaluated_value_share: ['value (£) of those contracts', 'value (£) of in-scope contracts'],
  sv_weighted_10_share: ['in-scope contracts with a social value weighting of at least 10%', 'in-scope contracts'],
  sv_weighted_10_value_share: ['value (£) of those contracts', 'value (£) of in-scope contracts'],
  mean_weighting_pct: ['sum of the social value weightings (%) of in-scope contracts that state one', 'those contracts'],
  commitment_intensity: [
    '£ committed (commitments x the measure\'s factor for the as-of year, on the basis) of contracts with commitments and a known value',
    'value (£) of those contracts',
  ],
  delivery_ratio: ['£ delivered to date against commitments (same factors)', '£ expected to date'],
  reporting_compliance: ['active contracts with commitments that sent a return for the as-of quarter', 'active contracts with commitments'],
  sme_value_share: ['value (£) of awarded contracts whose lead supplier is an SME', 'value (£) of awarded contracts whose lead supplier\'s size or VCSE status is known'],
  vcse_value_share: ['value (£) of awarded contracts whose lead supplier is a VCSE', 'value (£) of awarded contracts whose lead supplier\'s size or VCSE status is known'],
  local_economic_share: ['£ of local-economic social value delivered', '£ of social value delivered'],
  social_share: ['£ of social value in the social category', '£ of social value delivered'],
  environmental_share: ['£ of environmental social value delivered', '£ of social value delivered'],
  kpi_published_share: ['contracts over £5m awarded under the Procurement Act 2023 whose contract details notice (UK7) published KPIs', 'contracts over £5m awarded since 24 February 2025'],
  sv_kpi_share: ['published KPIs that map to a catalogue measure (social value KPIs)', 'published KPIs'],
  average_days_to_pay: ['sum of the average days to pay of the payments compliance reports', 'payments compliance reports'],
  paid_within_30_days_share: ['sum of the shares (%) of invoices paid within 30 days', '100 x payments compliance reports'],
  not_paid_when_due_share: ['sum of the shares (%) of invoices not paid when due', '100 x payments compliance reports'],
} as const;

export const INDICATOR_DEFINITIONS: Record<string, string> = {
  period:
    'contract-based indicators (coverage, weighting, commitment intensity, delivery, rating, compliance, SME and VCSE shares) count a contract in the quarter of its award date (contracts without one only when no period is asked for); the split of social value counts an outcome in the quarter its period ends',
  as_of:
    'delivery figures are as of the end of the last closed calendar quarter (stable within a quarter; recomputed when the quarter rolls over)',
  contracts: 'contracts (any stage)',
  awarded_contracts: 'awarded contracts',
  awarded_value_gbp: 'value (£) of awarded contracts',
  in_scope_contracts: 'contracts in scope of the Act (services above the threshold)',
  sv_evaluated_share: 'share of in-scope contracts (by count) whose award evaluated social value',
  sv_evaluated_value_share: 'the same by contract value',
  sv_weighted_10_share: 'share of in-scope contracts (by count) with a social value weighting of at least 10% (PPN 06/20, PPN 002 minimum)',
  sv_weighted_10_value_share: 'the same by contract value',
  mean_weighting_pct: 'mean social value weighting (%) of in-scope contracts that state one',
  commitment_intensity: '£ of social value committed per £ of contract value, over contracts with commitments and a known value',
  delivery_ratio:
    '£ delivered to date / £ expected to date over every commitment (expected: pro-rata by elapsed days of the commitment\'s period; delivered: the latest returns, pro-rata by elapsed days of their periods); quantities valued at the measure\'s factor for the as-of year, so record-only measures are left out',
  contracts_with_commitments: 'contracts with at least one commitment (the population of the rating distribution)',
  rating: `contracts by overall delivery rating on the Procurement Act 2023 s.71 scale (${RATINGS.map((r) => RATING_LABELS[r]).join(' / ')}): the worst rating of the contract's measures with something expected; Other when nothing is expected yet`,
  reporting_compliance:
    'share of active contracts with commitments (awarded, started by the end of the as-of quarter, not ended before it began) that sent a return whose period overlaps that quarter',
  sme_value_share: 'share of contract value (awarded contracts whose lead supplier\'s size or VCSE status is known) with an SME lead supplier',
  vcse_value_share: 'share of that value with a VCSE lead supplier',
  sv_gbp: '£ of social value delivered (measure rollups, latest returns, on the basis; one framework version)',
  local_economic_share: 'share of that £ from local-economic measures',
  social_share: 'share of that £ from social measures',
  environmental_share: 'share of that £ from environmental measures',
  kpi_contracts:
    'contracts over £5m awarded since the Procurement Act 2023 came into force (24 February 2025): s.52 requires KPIs, published in the contract details notice (UK7) with the three most material, or the reason there are none',
  kpi_published_share: 'share of those contracts whose notices published at least one KPI (contracts[].agreedMetrics)',
  sv_kpi_share: 'share of published KPIs that are social value KPIs: mapped to a catalogue measure (the OCDS metric mappings, else a measure code or name)',
  performance_notice_due:
    'contracts over £5m with KPIs, in force and not terminated, whose 12 months since award or since the last contract performance notice (UK9) run out within the as-of quarter: a notice is due (s.71)',
  performance_notice_overdue: 'the same contracts whose 12 months ran out before the as-of quarter began, with no notice since: overdue',
  officially_rated_contracts: 'contracts rated by at least one contract performance notice (UK9)',
  official_rating:
    "contracts by the buyer's own rating (UK9): the worst of its KPIs' latest ratings for the latest period assessed (a later notice for the same KPI and period supersedes the earlier); measureClassification met, slightlyBelow, below, significantlyBelow, other read as Good, Approaching target, Requires improvement, Inadequate, Other (our reading of the UK extension, which names the codes, not the ratings)",
  performance_failures: 'performance failures published (penalties, partial terminations)',
  payment_reports: 'payments compliance reports (s.69, regulation 38: six-month periods ending 31 March and 30 September), counted in the quarter their period ends',
  average_days_to_pay: 'mean of the reports\' average days to pay an invoice (each report counts once: the notices give no invoice counts)',
  paid_within_30_days_share: 'mean of the reports\' shares of invoices paid within 30 days (1-30 days), 0..1',
  not_paid_when_due_share: 'mean of the reports\' shares of invoices not paid when due, 0..1',
  sv_net_gbp_per_contract_gbp: '(benchmarks) net £ of social value / value of awarded contracts',
  sv_net_gbp_per_head: '(benchmarks) net £ of social value / population',
  exchange:
    'the exchange (docs/exchange.md), in all or by authority, region or nation, for the same place and period as its dashboard (null when grouped or filtered by kind, department, sector, period or framework, which it has not): exchange_pledged_gbp pledges posted in the period, valued at the measure\'s £ per unit of its latest proxy value on the basis; exchange_confirmed_gbp deliveries confirmed in the period; exchange_conversion confirmed £ / pledged £; exchange_most_deprived_share confirmed £ to needs in councils of the most deprived IMD quintile / confirmed £; exchange_open_needs and exchange_unmet_gbp open needs now and what is left of them, valued. A pledge counts in each authority of its places (and once in each region and nation of them); a match in its need\'s authority',
  numerator_denominator: 'every ratio comes with <name>_numerator and <name>_denominator; shares are 0..1 (6 decimal places), £ rounded to pence for display',
};

const invalid = (field: string, message: string, value?: unknown) => invalidParameter(field, `${field} ${message}`, value);

const dec = (v: unknown) => new Dec(v === null || v === undefined ? 0 : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
/**
 * The fields of a row after its labels: each with the source that gives it and what it is without data (a ratio none,
 * its numerator and denominator and every other figure 0).
 */
const ROW_FIELDS = INDICATOR_COLUMNS.flatMap((c): Array<[string, IndicatorSource, number | null]> =>
  c.kind === 'ratio'
    ? [[c.name, c.source, null], [`${c.name}_numerator`, c.source, 0], [`${c.name}_denominator`, c.source, 0]]
    : [[c.name, c.source, 0]],
);
/** A group's row of each source (a source without a row for the group is absent). */
type GroupSources = Partial<Record<IndicatorSource, DbRow>>;
const TWO_MILLION = new Dec(2_000_000);
/** n / d rounded half up (away from 0) to 6 places, exactly (as the SQL of the indicators does); none when d is 0. */
const ratio = (n: Dec, d: Dec): number | null => {
  if (d.isZero()) return null;
  const q = n.abs().times(TWO_MILLION).plus(d.abs()).divToInt(d.abs().times(2));
  return (n.isNeg() !== d.isNeg() ? -1 : 1) * Number(q.toFixed()) / 1e6;
};


/**
 * The monitoring view of the Act: coverage, weighting, commitment and delivery, reporting compliance, SME and VCSE
 * shares, and the split of social value, by any grouping of authority, place, department and period, read from the
 * rollups. Also each authority's indicators for the benchmarks, and commitment vs delivery of one contract.
 */
@Injectable()
export class IndicatorsService implements IndicatorsSource {
  constructor(
    private readonly repo: IndicatorsRepository,
    private readonly filters: ReadFilterRepository,
    private readonly derived: DerivedDataService,
    private readonly exchange: ExchangeFiguresService,
  ) {}

  async implementation(query: ImplementationQuery): Promise<ImplementationResult> {
    const groupBy = (toList(query.group_by, 'group_by') ?? []) as IndicatorDimension[];
    for (const g of groupBy) {
      if (!INDICATOR_DIMENSIONS.includes(g)) throw invalid('group_by', `must be among ${INDICATOR_DIMENSIONS.join(', ')} (got ${g})`, g);
    }
    if (new Set(groupBy).size !== groupBy.length) throw invalid('group_by', 'names a dimension twice', query.group_by);
    const periodType = (query.period_type ?? 'quarter') as PeriodType;
    if (!PERIOD_TYPES.includes(periodType)) throw invalid('period_type', `must be one of ${PERIOD_TYPES.join(', ')}`, query.period_type);
    const basis = (query.basis ?? 'net') as IndicatorBasis;
    if (!INDICATOR_BASES.includes(basis)) throw invalid('basis', `must be one of ${INDICATOR_BASES.join(', ')}`, query.basis);
    const parsed = parseReadFilter(query, INDICATOR_FILTERS);
    const framework = await this.filters.framework(parsed.framework);
    const resolved = await this.filters.resolve(parsed);
    const filter: IndicatorFilter = { ...resolved, ...quarterBounds(resolved) };
    const state = await this.derived.deliveryState();

    const groups = await this.figures(groupBy, periodType, filter, framework.id, basis, state.as_of ?? state.target);
    const rows = [...groups.values()].map(({ labels, values }) => this.row(values, labels));
    await this.withExchange(rows, groupBy, parsed, query, basis);
    rows.sort((a, b) => {
      for (const g of groupBy) {
        for (const c of DIMENSION_COLUMNS[g].slice(0, 1)) {
          const x = a[c] === null ? '\uffff' : String(a[c]);
          const y = b[c] === null ? '\uffff' : String(b[c]);
          if (x !== y) return x < y ? -1 : 1;
        }
      }
      return 0;
    });
    return {
      as_of: state.as_of ?? state.target,
      rating_thresholds: state.thresholds,
      framework: { code: framework.code, version: framework.version, base_price_year: framework.base_price_year },
      basis,
      currency: 'GBP',
      period_type: periodType,
      group_by: groupBy,
      filters: describeFilter(parsed),
      rows,
      definitions: INDICATOR_DEFINITIONS,
    };
  }

  /**
   * Each authority's indicators as plain numbers (shares 0..1, £ ratios; null without data), on the net basis of the
   * default framework, for the benchmarks: the indicators of `implementation` by authority, plus
   * sv_net_gbp_per_contract_gbp and sv_net_gbp_per_head.
   */
  async byAuthority(filter: IndicatorsFilter): Promise<Map<string, Record<string, number | null>>> {
    const f: IndicatorFilter = { authorityIds: filter.authorityIds, ...quarterBounds(parseReadFilter(filter, ['from', 'to'])) };
    if (filter.authorityIds && filter.authorityIds.length === 0) return new Map();
    const framework = await this.filters.framework(undefined);
    const state = await this.derived.deliveryState();
    const groups = await this.figures(['authority'], 'quarter', f, framework.id, 'net', state.as_of ?? state.target);
    const populations = await this.repo.populations([...groups.values()].map((g) => String(g.labels.authority)));
    const out = new Map<string, Record<string, number | null>>();
    for (const { labels, values: figures } of groups.values()) {
      const row = this.row(figures);
      const values: Record<string, number | null> = {};
      for (const name of Object.keys(RATIOS)) values[name] = row[name] as number | null;
      const population = populations.get(String(labels.authority)) ?? null;
      const svNet = dec(figures.social?.exact_sv_net_gbp); // no social value rows yet: nothing delivered
      values.sv_net_gbp_per_contract_gbp = ratio(svNet, dec(figures.contracts?.exact_awarded_value_gbp));
      values.sv_net_gbp_per_head = population ? ratio(svNet, new Dec(population)) : null;
      out.set(String(labels.authority), values);
    }
    return out;
  }

  /**
   * Commitment vs delivery of one contract as of the stored as-of date: each latest commitment with its expected to
   * date, what was delivered within its period to date, ratio and rating; each measure (the figures the indicators
   * count); and the contract's overall rating (the worst of its measures with something expected). `at`: as of that
   * date instead (the end of a period a performance notice assessed); `known`: the stored state, when the caller
   * rates many contracts in one read.
   */
  async contractDelivery(
    commitments: ReadonlyArray<CommitmentLine & { id: number; is_latest: boolean }>,
    outcomes: ReadonlyArray<OutcomeLine & { is_latest: boolean }>,
    at?: string,
    known?: DeliveryState,
  ) {
    const state = known ?? (await this.derived.deliveryState());
    const asOf = at ?? state.as_of ?? state.target;
    const thresholds = state.thresholds;
    const latest = outcomes.filter((o) => o.is_latest);
    // a measure is its code within its framework version (the same code in two versions is two measures)
    const keyOf = (l: { measure: string; framework?: string; framework_version?: string }) => `${l.framework ?? ''}@${l.framework_version ?? ''}:${l.measure}`;
    const perCommitment = new Map<number, { expected_to_date: string; delivered_to_date: string; ratio: string | null; rating: Rating }>();
    for (const c of commitments) {
      if (!c.is_latest) continue;
      const expected = expectedToDate(c.target_canonical, { start: c.period_start, end: c.period_end }, asOf);
      const window = { start: c.period_start, end: c.period_end < asOf ? c.period_end : asOf };
      const delivered = latest
        .filter((o) => keyOf(o) === keyOf(c))
        .reduce((s, o) => s.plus(deliveredInWindow(o.quantity_canonical, { start: o.period_start, end: o.period_end }, window)), new Dec(0));
      const r = deliveryRatio(delivered, expected);
      perCommitment.set(c.id, {
        expected_to_date: expected.toFixed(),
        delivered_to_date: delivered.toFixed(),
        ratio: r ? r.toDecimalPlaces(QUANTITY_SCALE, Dec.ROUND_HALF_UP).toFixed() : null,
        rating: deliveryRating(delivered, expected, thresholds),
      });
    }
    const keys = new Map(commitments.filter((c) => c.is_latest).map((c) => [keyOf(c), c]));
    const measures = [...keys.keys()].sort().map((k) => ({
      framework: keys.get(k)!.framework ?? null,
      framework_version: keys.get(k)!.framework_version ?? null,
      ...measureDelivery(
        keys.get(k)!.measure,
        commitments.filter((c) => c.is_latest && keyOf(c) === k),
        latest.filter((o) => keyOf(o) === k),
        asOf,
        thresholds,
      ),
    }));
    const rating = overallRating(measures.map((m) => m.rating));
    return {
      perCommitment,
      delivery: {
        as_of: asOf,
        rating,
        rating_label: RATING_LABELS[rating],
        thresholds,
        method:
          'expected to date: each commitment pro-rata by elapsed days of its period (whole once ended, 0 before it starts); delivered: latest returns pro-rata by elapsed days of their periods; ratio delivered / expected; rating Good >= good x expected, Approaching target >= approaching_target x, Requires improvement >= requires_improvement x, else Inadequate, Other with nothing expected yet; the contract: the worst rating of its measures with something expected',
        measures: measures.map((m) => ({ ...m, rating_label: RATING_LABELS[m.rating] })),
      },
    };
  }

  /**
   * The exchange's figures beside the others (EXCHANGE_COLUMNS), from ExchangeFiguresService, the source of its
   * dashboard and reports, for the same place and period: in all, or by authority, region or nation (a group the
   * exchange has figures for and the contracts none gets a row of its own). Not by kind, department, sector or period,
   * nor under a filter of those or of a framework: the exchange's figures have no such dimension, so they are null.
   */
  private async withExchange(rows: IndicatorRow[], groupBy: IndicatorDimension[], parsed: ReadFilter, query: ImplementationQuery, basis: IndicatorBasis): Promise<void> {
    const group = groupBy.length === 0 ? 'total' : groupBy.length === 1 ? groupBy[0] : null;
    const followed = group === 'total' || group === 'authority' || group === 'region' || group === 'nation';
    if (!followed || parsed.kinds || parsed.departments || parsed.sectors || parsed.framework) {
      for (const row of rows) for (const c of EXCHANGE_COLUMNS) row[c] = null;
      return;
    }
    const figures = await this.exchange.forIndicators({ authority: query.authority, region: query.region, nation: query.nation, from: query.from, to: query.to, basis }, group);
    const labelOf = (r: IndicatorRow): string | null => (group === 'total' ? null : (r[group] as string | null));
    const byKey = new Map(rows.map((r) => [labelOf(r), r]));
    for (const f of figures) {
      let row = byKey.get(f.key);
      if (!row) {
        const labels: IndicatorRow = group === 'total' ? {} : group === 'authority' ? { authority: f.key, authority_name: f.label } : { [group]: f.key };
        row = this.row({}, labels);
        rows.push(row);
        byKey.set(f.key, row);
      }
      Object.assign(row, exchangeColumns(f));
    }
    for (const row of rows) if (!('exchange_pledged_gbp' in row)) Object.assign(row, exchangeColumns(undefined));
  }

  /** The four sources of each group (each has at most one row per group), merged by the group's key. */
  private async figures(groupBy: IndicatorDimension[], periodType: PeriodType, filter: IndicatorFilter, frameworkId: number, basis: IndicatorBasis, asOf: string) {
    const sources = await this.repo.sources(groupBy, periodType, filter, frameworkId, basis, asOf);
    const labelColumns = groupBy.flatMap((g) => DIMENSION_COLUMNS[g]);
    const keys = labelColumns.map((_, i) => `g${i}`);
    const groups = new Map<string, { labels: IndicatorRow; values: GroupSources }>();
    for (const [source, rows] of Object.entries(sources) as Array<[IndicatorSource, DbRow[]]>) {
      for (const r of rows) {
        const key = keys.map((k) => (r[k] === null ? '\u0000' : String(r[k]))).join('\u0001');
        let group = groups.get(key);
        if (!group) {
          const labels: IndicatorRow = {};
          labelColumns.forEach((c, i) => (labels[c] = r[keys[i]] === null ? null : String(r[keys[i]])));
          group = { labels, values: {} };
          groups.set(key, group);
        }
        group.values[source] = r;
      }
    }
    return groups;
  }

  /**
   * The indicators of one group, flat after its labels: each ratio with its numerator and denominator (computed
   * exactly by the SQL; a source without a row for the group counts 0 and gives no ratio).
   */
  private row(values: GroupSources, labels: IndicatorRow = {}): IndicatorRow {
    const row: IndicatorRow = { ...labels };
    for (const [name, source, missing] of ROW_FIELDS) row[name] = num(values[source]?.[name]) ?? missing;
    return row;
  }
}

/** The exchange's columns of the implementation indicators (docs/exchange.md). */
export const EXCHANGE_COLUMNS = [
  'exchange_pledged_gbp',
  'exchange_confirmed_gbp',
  'exchange_conversion',
  'exchange_conversion_numerator',
  'exchange_conversion_denominator',
  'exchange_most_deprived_share',
  'exchange_most_deprived_share_numerator',
  'exchange_most_deprived_share_denominator',
  'exchange_open_needs',
  'exchange_unmet_gbp',
] as const;

/** One group's exchange columns: £ to pence, the ratios exactly as the other indicators' (6 places, half up). */
function exchangeColumns(f: ExchangeIndicatorRow | undefined): IndicatorRow {
  const pledged = dec(f?.pledged_gbp);
  const confirmed = dec(f?.confirmed_gbp);
  const deprived = dec(f?.most_deprived_gbp);
  const gbp = (d: Dec) => Number(d.toDecimalPlaces(2).toFixed());
  return {
    exchange_pledged_gbp: gbp(pledged),
    exchange_confirmed_gbp: gbp(confirmed),
    exchange_conversion: ratio(confirmed, pledged),
    exchange_conversion_numerator: gbp(confirmed),
    exchange_conversion_denominator: gbp(pledged),
    exchange_most_deprived_share: ratio(deprived, confirmed),
    exchange_most_deprived_share_numerator: gbp(deprived),
    exchange_most_deprived_share_denominator: gbp(confirmed),
    exchange_open_needs: f?.open_needs ?? 0,
    exchange_unmet_gbp: gbp(dec(f?.unmet_gbp)),
  };
}
