import { Injectable } from '@nestjs/common';
import type { BuiltChart, DashboardQuery, Row } from '../../../dashboards/chart';
import { DashboardsService } from '../../../dashboards/dashboards.service';
import { KIND_GROUP_LABELS } from '../../../dashboards/describe';
import { formatter, gbpShort } from '../../../dashboards/format';
import type { FormatName } from '../../../dashboards/theme';
import { parsePeriodParameter, PERIOD_YEARS } from '../../../metrics/platform/periods';
import { ExchangeFiguresService } from '../../../metrics/read/exchange/exchange-figures.service';
import { IndicatorsService, type ImplementationResult, type IndicatorRow } from '../../../metrics/read/indicators/indicators.service';
import type { ReadScope } from '../../../metrics/reference/read-filter/read-filter';
import type { ReportPeriod } from '../../catalogue';
import type { BuildContext, BuiltReport, ChartModel, FigureModel, ReportBuilder, TableModel } from '../../report';
import { exchangeSection, type ExchangeFigureName } from './exchange.section';

/** Public charts read every authority's aggregates (the scope only narrows supplier-level rows). */
const PUBLIC: ReadScope = { authorities: null };
/** How many quarters the trends cover, up to the report's period. */
export const TREND_QUARTERS = 8;
/** Where the national report says it covers. */
export const UK_WORDS = 'England, Wales, Scotland and Northern Ireland';

export const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

/* ----- periods: the previous period and the trend window (pure) ----- */

const pad = (n: number) => String(n).padStart(2, '0');

/** The calendar quarter holding a date, as a label (2025-Q4). */
export function quarterOf(date: string): string {
  return `${date.slice(0, 4)}-Q${Math.ceil(Number(date.slice(5, 7)) / 3)}`;
}

/** A quarter label `n` quarters after (negative: before) another. */
export function addQuarters(label: string, n: number): string {
  const [y, q] = [Number(label.slice(0, 4)), Number(label.slice(6))];
  const i = y * 4 + (q - 1) + n;
  return `${Math.floor(i / 4)}-Q${(i % 4) + 1}`;
}

/** The period before a report's period, of the same kind (the quarter, year, month or financial year before); null before 1990. */
export function previousPeriod(label: string): string | null {
  let prev: string | null = null;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})-Q([1-4])$/.exec(label))) prev = addQuarters(label, -1);
  else if ((m = /^(\d{4})$/.exec(label))) prev = String(Number(m[1]) - 1);
  else if ((m = /^(\d{4})-(\d{2})$/.exec(label))) {
    const i = Number(m[1]) * 12 + Number(m[2]) - 2;
    prev = `${Math.floor(i / 12)}-${pad((i % 12) + 1)}`;
  } else if ((m = /^FY(\d{4})-(\d{2})$/.exec(label))) {
    const y = Number(m[1]) - 1;
    prev = `FY${y}-${pad((y + 1) % 100)}`;
  }
  return prev !== null && parsePeriodParameter(prev) && Number(prev.replace(/^FY/, '').slice(0, 4)) >= PERIOD_YEARS.from ? prev : null;
}

/** The trend window: the `quarters` calendar quarters up to the one the period ends in, first and last. */
export function trendWindow(period: ReportPeriod, quarters = TREND_QUARTERS): { from: string; to: string; quarters: string[] } {
  const last = quarterOf(period.end);
  const list = Array.from({ length: quarters }, (_, i) => addQuarters(last, i - quarters + 1));
  return { from: list[0], to: last, quarters: list };
}

/* ----- formatting, as the reports print (the dashboards' en-GB formats) ----- */

export type Formats = Record<FormatName, (n: number | null) => string>;

/** The formats of the reports as plain functions (no data: an en dash). */
export async function loadFormats(): Promise<Formats> {
  const out = {} as Formats;
  for (const name of ['gbp', 'gbpShort', 'pct', 'pctAxis', 'int', 'ratio', 'num'] as FormatName[]) {
    const f = name === 'gbpShort' ? gbpShort : await formatter(name);
    out[name] = (n) => (n === null || !Number.isFinite(n) ? '–' : f(n));
  }
  return out;
}

/** A difference of two shares in percentage points, to one decimal (null when either is missing). */
export function pointsChange(now: number | null, before: number | null): number | null {
  return now === null || before === null ? null : Math.round((now - before) * 1000) / 10;
}

/** "up 3.2 percentage points", "down 0.4 percentage points", "unchanged". */
export function pointsWords(points: number | null, f: Formats): string {
  if (points === null) return '';
  if (points === 0) return 'unchanged';
  return `${points > 0 ? 'up' : 'down'} ${f.num(Math.abs(points))} percentage point${Math.abs(points) === 1 ? '' : 's'}`;
}

/** A query string in a fixed order: what a reader types to get the same figure from the API. */
export function queryString(q: Record<string, string | undefined>): string {
  return Object.entries(q)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(v!).replace(/%2C/g, ',')}`)
    .join('&');
}

/** A dashboard's chart as a report's: the same spec and rows, its message as the caption. */
export function chartModel(source: string, built: BuiltChart): ChartModel {
  const title = built.spec.title as { text: string } | undefined;
  return { source, title: title?.text ?? '', description: String(built.spec.description ?? ''), spec: built.spec, columns: built.columns, rows: built.rows };
}

/** A list in words: "a, b and c". */
export function listWords(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** 30 September 2026: an ISO date in words (no clock, no locale data). */
export function dayWords(iso: string): string {
  return `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
}

/** A dashboard's chart's rows as a report's table: its columns, and its sentence for no rows. */
export function chartTable(built: BuiltChart, caption: string, rows: Row[] = built.rows, note?: string): TableModel {
  const meta = built.spec.usermeta as { empty?: string } | undefined;
  return { caption, columns: built.columns.map(({ field, title, format }) => ({ field, title, ...(format ? { format } : {}) })), rows, empty: meta?.empty ?? 'No rows.', ...(note ? { note } : {}) };
}

/** The exchange's headline figures the national report prints (ExchangeFiguresService's, as the exchange dashboard's tiles). */
export const NATIONAL_EXCHANGE_FIGURES: readonly ExchangeFigureName[] = ['pledged_gbp', 'confirmed_gbp', 'conversion', 'median_days_to_match', 'most_deprived_share', 'unmet_gbp'];

/** How many authorities the national report lists at each end of the payment times (the slowest, the fastest). */
export const PAYMENT_TABLE_EACH_END = 10;

/* ----- the national report ----- */

/** The rows of an implementation result grouped by kind, in the dashboards' order of kinds, with their words. */
function kindRows(result: ImplementationResult): Array<{ label: string; row: IndicatorRow }> {
  const order = Object.keys(KIND_GROUP_LABELS);
  return result.rows
    .filter((r) => r.kind !== null)
    .map((r) => ({ kind: String(r.kind), label: KIND_GROUP_LABELS[String(r.kind)] ?? String(r.kind), row: r }))
    .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || (a.kind < b.kind ? -1 : 1));
}

/** The shares the indicator tables list, in the dashboards' order, with their words (all 0..1). */
export const SHARE_INDICATORS: ReadonlyArray<{ name: string; label: string }> = [
  { name: 'sv_evaluated_share', label: 'In-scope contracts evaluating social value' },
  { name: 'sv_evaluated_value_share', label: 'In-scope contract value evaluating social value' },
  { name: 'sv_weighted_10_share', label: 'In-scope contracts weighting social value 10% or more' },
  { name: 'sv_weighted_10_value_share', label: 'In-scope contract value weighting social value 10% or more' },
  { name: 'commitment_intensity', label: '£ committed per £ of contract value' },
  { name: 'delivery_ratio', label: '£ delivered of £ expected to date' },
  { name: 'reporting_compliance', label: 'Active contracts that sent their return' },
  { name: 'sme_value_share', label: 'Contract value to SMEs' },
  { name: 'vcse_value_share', label: 'Contract value to VCSEs' },
  { name: 'local_economic_share', label: 'Social value delivered that is local economic' },
  { name: 'social_share', label: 'Social value delivered that is social' },
  { name: 'environmental_share', label: 'Social value delivered that is environmental' },
];

/** The columns of the trend and region tables: the key indicators. */
const KEY_COLUMNS = [
  { field: 'in_scope_contracts', title: 'In-scope contracts (number)', format: 'int' },
  { field: 'sv_evaluated_share', title: 'Evaluating social value (%)', format: 'pct' },
  { field: 'sv_weighted_10_share', title: 'Weighting it 10% or more (%)', format: 'pct' },
  { field: 'delivery_ratio', title: 'Delivered of expected to date (%)', format: 'pct' },
  { field: 'reporting_compliance', title: 'Reporting compliance (%)', format: 'pct' },
  { field: 'sme_value_share', title: 'Value to SMEs (%)', format: 'pct' },
  { field: 'vcse_value_share', title: 'Value to VCSEs (%)', format: 'pct' },
] as const;

const keyRow = (r: IndicatorRow | undefined): Row => Object.fromEntries(KEY_COLUMNS.map((c) => [c.field, num(r?.[c.field])]));

/**
 * The national report, for a monitoring unit: the implementation indicators for the period and their trend over the
 * eight quarters up to it, by kind of authority, department and region, the map of councils, the league table's ends,
 * delivery against commitment and reporting compliance. Every figure is a field of GET /api/v1/indicators/implementation
 * for the same period and basis; every chart is the national (or quality) dashboard's for the same query. The exchange's
 * section is ExchangeFiguresService's for the period (exchange.section.ts, shared with the evidence report), its charts
 * the exchange dashboard's.
 */
@Injectable()
export class NationalReport implements ReportBuilder {
  readonly name = 'national' as const;

  constructor(
    private readonly indicators: IndicatorsService,
    private readonly dashboards: DashboardsService,
    private readonly exchange: ExchangeFiguresService,
  ) {}

  async build(ctx: BuildContext): Promise<BuiltReport> {
    const { period, params } = ctx;
    const P = period.label;
    const basis = params.basis ?? 'net';
    const prev = previousPeriod(P);
    const window = trendWindow(period);
    const q: DashboardQuery = { from: P, to: P, basis };
    const trendQ: DashboardQuery = { from: window.from, to: P, basis };
    const chart = (dashboard: string, name: string, query: DashboardQuery) => this.dashboards.chart(dashboard, name, query, PUBLIC);

    const [cur, before, trend, regions, kinds, everything, byKind, byDepartment, hexMap, league, ratings, committed, compliance, official, agreement, payments, funnel, unmetMap] = await Promise.all([
      this.indicators.implementation({ from: P, to: P, basis }),
      prev ? this.indicators.implementation({ from: prev, to: prev, basis }) : Promise.resolve(null),
      this.indicators.implementation({ from: window.from, to: P, group_by: 'period', period_type: 'quarter', basis }),
      this.indicators.implementation({ from: P, to: P, group_by: 'region', basis }),
      this.indicators.implementation({ from: P, to: P, group_by: 'kind', basis }),
      this.indicators.implementation({}),
      chart('national', 'by-kind', q),
      chart('national', 'by-department', q),
      chart('national', 'hex-map', q),
      chart('national', 'league-table', q),
      chart('national', 'ratings', q),
      chart('national', 'committed-vs-delivered', trendQ),
      chart('quality', 'compliance', { from: window.from, to: P }),
      chart('national', 'official-ratings', q),
      chart('national', 'ratings-agreement', q),
      chart('national', 'payment-times', q),
      chart('exchange', 'funnel', q),
      chart('exchange', 'unmet-map', q),
    ]);
    const f = await loadFormats();
    const exchange = await exchangeSection(this.exchange, { from: P, to: P, basis }, { period: P, where: '' }, f);
    const r: IndicatorRow = cur.rows[0] ?? {};
    const pr: IndicatorRow | null = before ? (before.rows[0] ?? {}) : null;
    const url = `GET /api/v1/indicators/implementation?${queryString({ from: P, to: P, basis })}`;
    const src = (field: string) => `${url}: rows[0].${field}`;

    const figures: FigureModel[] = [
      { label: 'Contracts in scope of the Act awarded', value: num(r.in_scope_contracts), format: 'int', source: src('in_scope_contracts') },
      { label: 'In-scope contracts evaluating social value', value: num(r.sv_evaluated_share), format: 'pct', source: src('sv_evaluated_share') },
      { label: 'In-scope contracts weighting it 10% or more', value: num(r.sv_weighted_10_share), format: 'pct', source: src('sv_weighted_10_share') },
      { label: `£ committed (${basis})`, value: num(r.commitment_intensity_numerator), format: 'gbpShort', source: src('commitment_intensity_numerator') },
      { label: `£ delivered to date (${basis})`, value: num(r.delivery_ratio_numerator), format: 'gbpShort', source: src('delivery_ratio_numerator') },
      { label: '£ delivered of £ expected to date', value: num(r.delivery_ratio), format: 'pct', source: src('delivery_ratio') },
      { label: 'Reporting compliance', value: num(r.reporting_compliance), format: 'pct', source: src('reporting_compliance') },
      { label: 'Contract value to SMEs', value: num(r.sme_value_share), format: 'pct', source: src('sme_value_share') },
      { label: 'Contract value to VCSEs', value: num(r.vcse_value_share), format: 'pct', source: src('vcse_value_share') },
    ];

    const tables: Record<string, TableModel> = {
      indicators: this.indicatorTable(P, prev, r, pr, basis),
      trend: this.trendTable(trend, window.quarters, P),
      regions: this.regionTable(regions, P),
      'delivery-by-kind': this.deliveryByKind(kinds, P),
      'compliance-by-kind': this.complianceByKind(kinds, P),
      'official-ratings': chartTable(official, `Official ratings beside the ratings from returns, KPI publication and performance notices, contracts awarded in ${P}`),
      'ratings-agreement': chartTable(agreement, `Contract-periods by official rating and rating from returns, periods assessed ending in ${P}`),
      'payment-times': this.paymentTable(payments, P),
      'exchange-funnel': this.funnelTable(funnel, P, exchange.content.basis),
      'exchange-regions': exchange.tables.regions,
    };
    const charts: Record<string, ChartModel> = {
      'by-kind': chartModel('national/by-kind', byKind),
      'by-department': chartModel('national/by-department', byDepartment),
      'hex-map': chartModel('national/hex-map', hexMap),
      'league-table': chartModel('national/league-table', league),
      ratings: chartModel('national/ratings', ratings),
      'committed-vs-delivered': chartModel('national/committed-vs-delivered', committed),
      compliance: chartModel('quality/compliance', compliance),
      'official-ratings': chartModel('national/official-ratings', official),
      'ratings-agreement': chartModel('national/ratings-agreement', agreement),
      'payment-times': chartModel('national/payment-times', payments),
      'exchange-funnel': chartModel('exchange/funnel', funnel),
      'exchange-unmet-map': chartModel('exchange/unmet-map', unmetMap),
    };
    const content = this.content({ P, prev, basis, window, cur, r, pr, f, url, trend: tables.trend, regions: tables.regions, league, ratings: ratings.rows, byKind, byDepartment, official, agreement, payments });
    content.exchange = { ...exchange.content, figures: NATIONAL_EXCHANGE_FIGURES.map((name) => exchange.figures[name]) };
    return {
      subtitle: `${UK_WORDS}, ${P}`,
      demo: everything.rows.some((x) => (num(x.demo_contracts) ?? 0) > 0),
      figures,
      charts,
      tables,
      content,
    };
  }

  /** The exchange's funnel for the period: the dashboard chart's rows, its headings with their units. */
  private funnelTable(funnel: BuiltChart, P: string, basis: string): TableModel {
    return {
      ...chartTable(funnel, `The exchange's funnel: pledges posted and matches moved in ${P}`),
      columns: [
        { field: 'stage', title: 'Stage' },
        { field: 'count', title: 'Pledges or matches (number)', format: 'int' },
        { field: 'gbp', title: `£ (${basis})`, format: 'gbp' },
        { field: 'share_of_pledged', title: 'Share of £ pledged (%)', format: 'pct' },
      ],
    };
  }

  /** Payment times by authority: the slowest and the fastest (every authority when few), slowest first. */
  private paymentTable(payments: BuiltChart, P: string): TableModel {
    const all = payments.rows;
    const cut = all.length > 2 * PAYMENT_TABLE_EACH_END;
    const rows = cut ? [...all.slice(0, PAYMENT_TABLE_EACH_END), ...all.slice(-PAYMENT_TABLE_EACH_END)] : all;
    return chartTable(
      payments,
      cut ? `The ${PAYMENT_TABLE_EACH_END} slowest and ${PAYMENT_TABLE_EACH_END} fastest payers of ${all.length} authorities with payments reports, periods ending in ${P}` : `Payment times by authority, periods ending in ${P}, slowest first`,
      rows,
      cut ? 'The chart draws every authority; GET /api/v1/indicators/implementation?group_by=authority lists them all.' : undefined,
    );
  }

  /** Every share of the period against the period before, with the change in percentage points. */
  private indicatorTable(P: string, prev: string | null, r: IndicatorRow, pr: IndicatorRow | null, basis: string): TableModel {
    const rows: Row[] = SHARE_INDICATORS.map((i) => {
      const now = num(r[i.name]);
      const then = pr ? num(pr[i.name]) : null;
      return { indicator: i.name === 'commitment_intensity' || i.name === 'delivery_ratio' ? `${i.label} (${basis})` : i.label, value: now, previous: then, change: pointsChange(now, then) };
    }).filter((x) => x.value !== null || x.previous !== null);
    return {
      caption: `The implementation indicators for ${P}${prev ? `, against ${prev}` : ''}`,
      columns: [
        { field: 'indicator', title: 'Indicator' },
        { field: 'value', title: `${P} (%)`, format: 'pct' },
        ...(prev ? [{ field: 'previous', title: `${prev} (%)`, format: 'pct' as const }, { field: 'change', title: 'Change (percentage points)', format: 'num' as const }] : []),
      ],
      rows,
      empty: `No indicator has a figure for ${P}${prev ? ` or ${prev}` : ''}: no contracts in scope of the Act were awarded and no social value was delivered in these periods.`,
      note: 'Contract-based indicators count contracts awarded in the period; the split of social value counts outcomes whose period ends in it. Delivery and reporting compliance are as of the end of the last closed quarter.',
    };
  }

  /** Delivery against commitment by kind of authority: £ committed, expected and delivered to date, the ratio, Good ratings. */
  private deliveryByKind(kinds: ImplementationResult, P: string): TableModel {
    const rows: Row[] = kindRows(kinds)
      .filter(({ row }) => (num(row.contracts_with_commitments) ?? 0) > 0)
      .map(({ label, row }) => ({
        kind: label,
        contracts_with_commitments: num(row.contracts_with_commitments),
        committed_gbp: num(row.commitment_intensity_numerator),
        expected_gbp: num(row.delivery_ratio_denominator),
        delivered_gbp: num(row.delivery_ratio_numerator),
        delivery_ratio: num(row.delivery_ratio),
        rating_good: num(row.rating_good),
      }));
    return {
      caption: `Delivery against commitment by kind of authority, contracts awarded in ${P} (${kinds.basis} basis, as of ${dayWords(kinds.as_of)})`,
      columns: [
        { field: 'kind', title: 'Kind of authority' },
        { field: 'contracts_with_commitments', title: 'Contracts with commitments (number)', format: 'int' },
        { field: 'committed_gbp', title: `Committed (£, ${kinds.basis})`, format: 'gbp' },
        { field: 'expected_gbp', title: `Expected to date (£, ${kinds.basis})`, format: 'gbp' },
        { field: 'delivered_gbp', title: `Delivered to date (£, ${kinds.basis})`, format: 'gbp' },
        { field: 'delivery_ratio', title: 'Delivered of expected (%)', format: 'pct' },
        { field: 'rating_good', title: 'Rated Good (number)', format: 'int' },
      ],
      rows,
      empty: `No contract awarded in ${P} carries social value commitments.`,
    };
  }

  /** Reporting compliance by kind of authority: active contracts with commitments, those that sent a return, the share. */
  private complianceByKind(kinds: ImplementationResult, P: string): TableModel {
    const rows: Row[] = kindRows(kinds)
      .filter(({ row }) => (num(row.reporting_compliance_denominator) ?? 0) > 0)
      .map(({ label, row }) => ({
        kind: label,
        active: num(row.reporting_compliance_denominator),
        returned: num(row.reporting_compliance_numerator),
        missing: (num(row.reporting_compliance_denominator) ?? 0) - (num(row.reporting_compliance_numerator) ?? 0),
        reporting_compliance: num(row.reporting_compliance),
      }));
    return {
      caption: `Reporting compliance by kind of authority, contracts awarded in ${P} (returns for the quarter to ${dayWords(kinds.as_of)})`,
      columns: [
        { field: 'kind', title: 'Kind of authority' },
        { field: 'active', title: 'Active with commitments (number)', format: 'int' },
        { field: 'returned', title: 'Sent a return (number)', format: 'int' },
        { field: 'missing', title: 'No return (number)', format: 'int' },
        { field: 'reporting_compliance', title: 'Reporting compliance (%)', format: 'pct' },
      ],
      rows,
      empty: `No contract awarded in ${P} was active with commitments in the quarter to ${dayWords(kinds.as_of)}.`,
    };
  }

  /** The key indicators by quarter of award over the trend window (every quarter listed, a dash where none). */
  private trendTable(trend: ImplementationResult, quarters: string[], P: string): TableModel {
    const byQuarter = new Map(trend.rows.filter((x) => x.period !== null).map((x) => [String(x.period), x]));
    const rows: Row[] = quarters.map((quarter) => ({ quarter, ...keyRow(byQuarter.get(quarter)) }));
    return {
      caption: `The key indicators by quarter of contract award, ${quarters[0]} to ${quarters[quarters.length - 1]}`,
      columns: [{ field: 'quarter', title: 'Quarter of award' }, ...KEY_COLUMNS.map((c) => ({ ...c }))],
      rows: rows.some((x) => KEY_COLUMNS.some((c) => x[c.field] !== null && x[c.field] !== 0)) ? rows : [],
      empty: `No contracts were awarded in the ${quarters.length} quarters up to ${P}.`,
      note: `Delivery (${trend.basis} basis) and reporting compliance are as of ${dayWords(trend.as_of)}, for the contracts awarded in each quarter.`,
    };
  }

  /** The key indicators by region and nation (the authority's region; bodies without one last). */
  private regionTable(regions: ImplementationResult, P: string): TableModel {
    const rows: Row[] = regions.rows
      .filter((x) => (num(x.contracts) ?? 0) > 0)
      .map((x) => ({ region: x.region === null ? 'No region (national bodies)' : String(x.region), ...keyRow(x) }));
    return {
      caption: `The key indicators by region and nation, contracts awarded in ${P}`,
      columns: [{ field: 'region', title: 'Region or nation' }, ...KEY_COLUMNS.map((c) => ({ ...c }))],
      rows,
      empty: `No contracts were awarded in ${P} in any region.`,
    };
  }

  private content(a: {
    P: string;
    prev: string | null;
    basis: string;
    window: { from: string; to: string; quarters: string[] };
    cur: ImplementationResult;
    r: IndicatorRow;
    pr: IndicatorRow | null;
    f: Formats;
    url: string;
    trend: TableModel;
    regions: TableModel;
    league: BuiltChart;
    ratings: Row[];
    byKind: BuiltChart;
    byDepartment: BuiltChart;
    official: BuiltChart;
    agreement: BuiltChart;
    payments: BuiltChart;
  }): Record<string, unknown> {
    const { P, prev, f, r, pr } = a;
    const v = (name: string) => num(r[name]);
    const pv = (name: string) => (pr ? num(pr[name]) : null);
    const change = (name: string) => {
      const words = pointsWords(pointsChange(v(name), pv(name)), f);
      return words && prev ? ` (${words} on ${prev})` : '';
    };
    const inScope = v('in_scope_contracts') ?? 0;
    const awarded = v('awarded_contracts') ?? 0;
    const svGbp = v('sv_gbp') ?? 0;
    const asOf = dayWords(a.cur.as_of);

    // the lede: the main message in words, from the figures
    const lede: string[] = [];
    if (awarded === 0 && svGbp === 0) {
      lede.push(`No contracts were awarded and no social value was reported delivered in ${P}: this report has no figures for the period, and says so section by section.`);
    } else if (awarded === 0) {
      lede.push(
        `No contracts were awarded in ${P}, so the contract-based indicators have no figures for it; ${f.gbpShort(svGbp)} of social value (${a.basis} basis) was reported delivered in outcomes ending in the period.`,
      );
    } else {
      if (inScope > 0) {
        lede.push(
          `Of the ${f.int(inScope)} contracts in scope of the Act awarded in ${P}, ${f.pct(v('sv_evaluated_share'))} evaluated social value${change('sv_evaluated_share')} and ${f.pct(v('sv_weighted_10_share'))} weighted it 10% or more${change('sv_weighted_10_share')}.`,
        );
      } else {
        lede.push(`${f.int(awarded)} contracts were awarded in ${P}, none of them in scope of the Act (services above the threshold).`);
      }
      const ratio = v('delivery_ratio');
      if (ratio !== null) {
        const t = a.cur.rating_thresholds;
        const verdict = ratio >= Number(t.good) ? 'at or above' : 'below';
        lede.push(
          `Their suppliers have delivered ${f.pct(ratio)} of the social value expected of them to date (${f.gbpShort(v('delivery_ratio_numerator'))} of ${f.gbpShort(v('delivery_ratio_denominator'))}, ${a.basis} basis, as of ${asOf}), ${verdict} the ${f.pct(Number(t.good))} a Good rating asks for.`,
        );
      } else if ((v('contracts_with_commitments') ?? 0) === 0) {
        lede.push('None of them carries a social value commitment yet, so there is nothing to measure delivery against.');
      }
      const compliance = v('reporting_compliance');
      if (compliance !== null) {
        lede.push(`${f.pct(compliance)} of those active with commitments sent their return for the quarter to ${asOf}${change('reporting_compliance')}.`);
      }
    }

    // the trend in words: the first and last quarter with a figure for evaluating social value
    const withShare = a.trend.rows.filter((x) => x.sv_evaluated_share !== null);
    const firstQ = withShare[0];
    const lastQ = withShare[withShare.length - 1];
    let trendText: string;
    if (a.trend.rows.length === 0) trendText = `No contracts were awarded in the ${a.window.quarters.length} quarters up to ${P}, so there is no trend to show.`;
    else if (withShare.length < 2) trendText = `Only one of the ${a.window.quarters.length} quarters up to ${P} has contracts in scope of the Act, so there is no trend to speak of yet.`;
    else {
      const d = pointsChange(num(lastQ.sv_evaluated_share), num(firstQ.sv_evaluated_share));
      const total = a.trend.rows.reduce((s, x) => s + ((x.in_scope_contracts as number | null) ?? 0), 0);
      trendText =
        `Across the ${a.window.quarters.length} quarters from ${a.window.from} to ${a.window.to}, ${f.int(total)} contracts in scope of the Act were awarded. ` +
        `The share evaluating social value went from ${f.pct(num(firstQ.sv_evaluated_share))} (${firstQ.quarter}) to ${f.pct(num(lastQ.sv_evaluated_share))} (${lastQ.quarter})${d === null || d === 0 ? '' : `, ${pointsWords(d, f)}`}. ` +
        'Few contracts are awarded in a quarter, so a quarter\'s shares move a lot: read the run of quarters, not one.';
    }

    // regions: highest and lowest delivery
    const withDelivery = a.regions.rows.filter((x) => x.delivery_ratio !== null && x.region !== 'No region (national bodies)').sort((x, y) => (y.delivery_ratio as number) - (x.delivery_ratio as number) || String(x.region).localeCompare(String(y.region), 'en-GB'));
    const regionText =
      withDelivery.length >= 2
        ? `Delivery against commitments ranges from ${f.pct(withDelivery[0].delivery_ratio as number)} in ${withDelivery[0].region} to ${f.pct(withDelivery[withDelivery.length - 1].delivery_ratio as number)} in ${withDelivery[withDelivery.length - 1].region}, among the ${withDelivery.length} regions and nations with a figure.`
        : a.regions.rows.length === 0
          ? `No region or nation has contracts awarded in ${P}.`
          : `Too few regions have a delivery figure for ${P} to compare them.`;

    // leaders and laggards: the ends of the league table
    const ranked = a.league.rows;
    const top = ranked.slice(0, 3).map((x) => `${x.name} (${f.pct(x.value as number)})`);
    const bottom = ranked.slice(-3).map((x) => `${x.name} (${f.pct(x.value as number)})`);
    const leagueText =
      ranked.length === 0
        ? `No authority has a delivery figure for contracts awarded in ${P}.`
        : ranked.length <= 6
          ? `Only ${ranked.length} authorities have a delivery figure for contracts awarded in ${P}: ${listWords(ranked.map((x) => `${x.name} (${f.pct(x.value as number)})`))}.`
          : `Leading on delivery against expected to date: ${listWords(top)}. Trailing: ${listWords(bottom)}. A high figure on few contracts is as much luck as practice: the number of contracts behind each is in the indicators endpoint (group_by=authority).`;

    // delivery against commitment: the ratings
    const total = num(r.contracts_with_commitments) ?? 0;
    const rated = a.ratings.filter((x) => (x.contracts as number) > 0).map((x) => `${x.rating} ${f.int(x.contracts as number)}`);
    const deliveryText =
      total === 0
        ? `No contract awarded in ${P} has social value commitments, so none is rated.`
        : `${total === 1 ? `One contract awarded in ${P} carries` : `${f.int(total)} contracts awarded in ${P} carry`} social value commitments; by their overall delivery rating as of ${asOf}: ${listWords(rated)}. They committed ${f.gbpShort(v('commitment_intensity_numerator'))} (${a.basis} basis), ${f.pct(v('commitment_intensity'))} of their contract value.`;

    const qualityText =
      v('reporting_compliance') === null
        ? `No contract awarded in ${P} was active with commitments in the quarter to ${asOf}, so reporting compliance has no figure for it.`
        : `${f.int(v('reporting_compliance_numerator'))} of the ${f.int(v('reporting_compliance_denominator'))} contracts awarded in ${P} that were active with commitments sent a return for the quarter to ${asOf} (${f.pct(v('reporting_compliance'))}). The chart shows the same for contracts awarded in each of the ${a.window.quarters.length} quarters to ${P}.`;

    // the Procurement Act's own figures beside the panels' messages (or the panels' sentences when there is nothing)
    const empty = (b: BuiltChart) => String((b.spec.usermeta as { empty?: string }).empty ?? '');
    const notices =
      a.official.rows.length === 0
        ? empty(a.official)
        : `${f.int(v('kpi_published_share_numerator'))} of the ${f.int(v('kpi_contracts'))} contracts over £5m awarded in ${P} published KPIs in their contract details notices (UK7), ${f.pct(v('sv_kpi_share'))} of those KPIs social value KPIs. As of ${asOf}, ${f.int(v('performance_notice_due'))} of them ${v('performance_notice_due') === 1 ? 'has' : 'have'} a performance notice (UK9) due this quarter and ${f.int(v('performance_notice_overdue'))} one overdue; ${f.int(v('officially_rated_contracts'))} ${v('officially_rated_contracts') === 1 ? 'is' : 'are'} rated by their buyer, and ${f.int(v('performance_failures'))} performance failures were published.`;
    const paymentsText =
      a.payments.rows.length === 0
        ? empty(a.payments)
        : `${f.int(v('payment_reports'))} payments compliance reports of ${f.int(a.payments.rows.length)} authorities cover periods ending in ${P}: invoices took ${f.ratio(v('average_days_to_pay'))} days on average to pay, ${f.pct(v('paid_within_30_days_share'))} were paid within 30 days and ${f.pct(v('not_paid_when_due_share'))} were not paid when due (each report counts once).`;

    return {
      lede: lede.join(' '),
      notices,
      payments: paymentsText,
      has_notices: a.official.rows.length > 0,
      // the cross-table's message (its title) or its sentence saying nothing is rated both ways
      agreement: a.agreement.rows.length === 0 ? empty(a.agreement) : `${String((a.agreement.spec.title as { text: string }).text)}.`,
      has_agreement: a.agreement.rows.length > 0,
      has_payments: a.payments.rows.length > 0,
      period: P,
      previous: prev,
      basis: a.basis,
      as_of: a.cur.as_of,
      window: a.window,
      api: a.url,
      trend: trendText,
      regions: regionText,
      league: leagueText,
      delivery: deliveryText,
      quality: qualityText,
      mean_weighting:
        v('mean_weighting_pct') === null ? null : `In-scope contracts that state a social value weighting give it ${f.num(Math.round((v('mean_weighting_pct') as number) * 10) / 10)}% of the award criteria on average.`,
    };
  }
}

