import { Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../metrics/platform/project-root';
import { IndicatorsService, type IndicatorRow } from '../../metrics/read/indicators/indicators.service';
import { NoticesService } from '../../metrics/read/notices/notices.service';
import { invalidParameter } from '../../metrics/reference/read-filter/read-filter';
import type { Board, Tile } from '../board';
import { AUTHORITY_LINK, buildChart, filterOf, fmt, single, type BuiltChart, type ChartContext, type Column, type DashboardQuery, type Row } from '../chart';
import { describePlace, KIND_GROUP_LABELS } from '../describe';
import { formatNumber } from '../format';
import { hexCells, hexFeatures, hexMapSpec, type HexCell, type HexFeature, type HexJson } from '../hex';
import { agreementChart, noPaymentReports, officialRatingsChart, paymentsByAuthorityChart } from '../procurement-act';
import { PALETTE, RATING_LABELS, RATINGS, ratingScale, type FormatName } from '../theme';

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

/** A share or ratio of the indicators endpoint the map and the league table can show. */
interface IndicatorChoice {
  name: string;
  /** The select's label, the legend's and the axis's title (with its unit). */
  label: string;
  /** The same in a sentence ("the highest ..."). */
  phrase: string;
  format: FormatName;
  /** Whether a higher value is better (null: neither, e.g. the mix of social value by category). */
  higherIsBetter: boolean | null;
  /** A fixed domain of the map's five equal colour bands (shares 0..1); else the data's, rounded. */
  domain?: [number, number];
  /** £ valued on the basis (net, real or nominal): the subtitle says which. */
  onBasis?: boolean;
}

const SHARE: [number, number] = [0, 1];
export const MAP_INDICATORS: readonly IndicatorChoice[] = [
  { name: 'delivery_ratio', label: '£ delivered of £ expected to date (%)', phrase: 'delivery against expected to date', format: 'pct', higherIsBetter: true, onBasis: true },
  { name: 'sv_evaluated_share', label: 'In-scope contracts evaluating social value (%)', phrase: 'share of in-scope contracts evaluating social value', format: 'pct', higherIsBetter: true, domain: SHARE },
  { name: 'sv_evaluated_value_share', label: 'In-scope contract value evaluating social value (%)', phrase: 'share of in-scope contract value evaluating social value', format: 'pct', higherIsBetter: true, domain: SHARE },
  { name: 'sv_weighted_10_share', label: 'In-scope contracts weighting social value 10% or more (%)', phrase: 'share of in-scope contracts weighting social value 10% or more', format: 'pct', higherIsBetter: true, domain: SHARE },
  { name: 'sv_weighted_10_value_share', label: 'In-scope contract value weighting social value 10% or more (%)', phrase: 'share of in-scope contract value weighting social value 10% or more', format: 'pct', higherIsBetter: true, domain: SHARE },
  { name: 'mean_weighting_pct', label: 'Mean social value weighting of in-scope contracts (percentage points)', phrase: 'mean social value weighting', format: 'num', higherIsBetter: true },
  { name: 'commitment_intensity', label: '£ committed per £ of contract value (%)', phrase: '£ committed per £ of contract value', format: 'pct', higherIsBetter: true, onBasis: true },
  { name: 'reporting_compliance', label: 'Active contracts that sent their return (%)', phrase: 'reporting compliance', format: 'pct', higherIsBetter: true, domain: SHARE },
  { name: 'sme_value_share', label: 'Contract value to SMEs (%)', phrase: 'share of contract value to SMEs', format: 'pct', higherIsBetter: true, domain: SHARE },
  { name: 'vcse_value_share', label: 'Contract value to VCSEs (%)', phrase: 'share of contract value to VCSEs', format: 'pct', higherIsBetter: true, domain: SHARE },
  { name: 'local_economic_share', label: 'Social value delivered that is local economic (%)', phrase: 'local-economic share of social value', format: 'pct', higherIsBetter: null, domain: SHARE, onBasis: true },
  { name: 'social_share', label: 'Social value delivered that is social (%)', phrase: 'social share of social value', format: 'pct', higherIsBetter: null, domain: SHARE, onBasis: true },
  { name: 'environmental_share', label: 'Social value delivered that is environmental (%)', phrase: 'environmental share of social value', format: 'pct', higherIsBetter: null, domain: SHARE, onBasis: true },
];
const DEFAULT_INDICATOR = 'delivery_ratio';

/** The indicator the query chooses (default the delivery ratio); another name is a 400 listing the choices. */
export function chosenIndicator(query: DashboardQuery): IndicatorChoice {
  const name = single(query.indicator) || DEFAULT_INDICATOR;
  const choice = MAP_INDICATORS.find((i) => i.name === name);
  if (!choice) throw invalidParameter('indicator', `indicator must be one of ${MAP_INDICATORS.map((i) => i.name).join(', ')}`, name);
  return choice;
}

const better = (i: IndicatorChoice) => (i.higherIsBetter === null ? 'neither higher nor lower is better in itself' : i.higherIsBetter ? 'higher is better' : 'lower is better');

/** The four shares the charts by kind and by department compare: colour and shape each (colour never the only cue). */
const KEY_INDICATORS = [
  { name: 'sv_evaluated_share', label: 'Evaluating social value', phrase: 'share of in-scope contracts evaluating social value', colour: PALETTE.darkBlue, shape: 'circle' },
  { name: 'sv_weighted_10_share', label: 'Weighting it 10% or more', phrase: 'share of in-scope contracts weighting social value 10% or more', colour: PALETTE.turquoise, shape: 'square' },
  { name: 'delivery_ratio', label: 'Delivered of expected to date', phrase: 'delivery against expected to date', colour: PALETTE.darkPink, shape: 'triangle-up' },
  { name: 'reporting_compliance', label: 'Reporting compliance', phrase: 'reporting compliance', colour: PALETTE.orange, shape: 'diamond' },
] as const;


/** The regions and nations of the hex map's cells (ONS GSS codes) by the names the region filter takes. */
const REGION_NAMES: Record<string, string> = {
  E12000001: 'North East',
  E12000002: 'North West',
  E12000003: 'Yorkshire and The Humber',
  E12000004: 'East Midlands',
  E12000005: 'West Midlands',
  E12000006: 'East of England',
  E12000007: 'London',
  E12000008: 'South East',
  E12000009: 'South West',
  S92000003: 'Scotland',
  W92000004: 'Wales',
  N92000002: 'Northern Ireland',
};

/** The hex map of the UK's local authority districts (Open Innovations, MIT: metrics/reference/data/NOTICE.md). */
export const DISTRICT_HEXJSON = 'uk-local-authority-districts-2023.hexjson';
/** Shipped beside it for a map of the English upper tier (counties, unitaries): not drawn yet. */
export const UPPER_TIER_HEXJSON = 'uk-upper-tier-local-authorities.hexjson';
export const HEX_MAP_DIR = join(projectRoot(), 'metrics', 'reference', 'data', 'maps');

let districtMap: { cells: HexCell[]; features: HexFeature[] } | undefined;
/** The district hex map: read once, its cells and their polygons. */
export function districtHexMap(): { cells: HexCell[]; features: HexFeature[] } {
  if (!districtMap) {
    const hexjson = JSON.parse(readFileSync(join(HEX_MAP_DIR, DISTRICT_HEXJSON), 'utf8')) as HexJson;
    districtMap = { cells: hexCells(hexjson), features: hexFeatures(hexjson) };
  }
  return districtMap;
}

/** Competition ranks (1, 2, 2, 4) of values sorted best first. */
export function ranks(values: readonly number[]): number[] {
  const out: number[] = [];
  values.forEach((v, i) => out.push(i > 0 && values[i - 1] === v ? out[i - 1] : i + 1));
  return out;
}

/** A range from 0 (or below, for negative figures) to above the largest figure, in five equal round steps. */
export function niceRange(values: readonly number[]): [number, number] {
  const lo = Math.min(0, ...values);
  const hi = Math.max(...values);
  const raw = (hi - lo) / 5;
  if (!(raw > 0)) return [lo, lo + 1];
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((x) => x >= raw)!;
  const start = Math.floor(lo / step) * step;
  return [start, start + 5 * step > hi ? start + 5 * step : start + 6 * step];
}

/** The end of a bar chart's value axis: room after the longest bar for the label written beside it. */
export function roomForLabels(values: readonly number[]): number {
  const max = Math.max(0, ...values.filter((v) => Number.isFinite(v)));
  return max > 0 ? Number((max * 1.2).toPrecision(3)) : 1;
}

/** How many authorities the league table draws at each end when there are more than twice as many. */
export const LEAGUE_EACH_END = 25;

/** National implementation: how the Act is implemented across the UK (the indicators endpoint, drawn). */
@Injectable()
export class NationalBoard implements Board {
  readonly name = 'national';

  constructor(
    private readonly indicators: IndicatorsService,
    private readonly notices: NoticesService,
  ) {}

  /** The headline figures: one row of GET /api/v1/indicators/implementation for the same filters. */
  async tiles(query: DashboardQuery): Promise<Tile[]> {
    const { kind, region, nation, department, sector, from, to, basis } = query;
    const result = await this.indicators.implementation({ kind, region, nation, department, sector, from: single(from), to: single(to), basis: single(basis) });
    const r: IndicatorRow = result.rows[0] ?? {};
    const src = (field: string) => `GET /api/v1/indicators/implementation: ${field}`;
    return [
      { name: 'in_scope_contracts', label: 'Contracts in scope of the Act', value: num(r.in_scope_contracts), format: 'int', note: src('in_scope_contracts') },
      { name: 'sv_evaluated_share', label: 'Evaluating social value', value: num(r.sv_evaluated_share), format: 'pct', note: src('sv_evaluated_share') },
      { name: 'sv_weighted_10_share', label: 'Weighting it 10% or more', value: num(r.sv_weighted_10_share), format: 'pct', note: src('sv_weighted_10_share') },
      { name: 'committed_gbp', label: '£ committed', value: num(r.commitment_intensity_numerator), format: 'gbpShort', note: src('commitment_intensity_numerator') },
      { name: 'delivered_gbp', label: '£ delivered to date', value: num(r.delivery_ratio_numerator), format: 'gbpShort', note: src('delivery_ratio_numerator') },
      { name: 'delivery_ratio', label: 'Delivered of expected to date', value: num(r.delivery_ratio), format: 'pct', note: src('delivery_ratio') },
      { name: 'reporting_compliance', label: 'Reporting compliance', value: num(r.reporting_compliance), format: 'pct', note: src('reporting_compliance') },
      { name: 'sme_value_share', label: 'Contract value to SMEs', value: num(r.sme_value_share), format: 'pct', note: src('sme_value_share') },
      { name: 'vcse_value_share', label: 'Contract value to VCSEs', value: num(r.vcse_value_share), format: 'pct', note: src('vcse_value_share') },
    ];
  }

  readonly charts = {
    'committed-vs-delivered': (ctx: ChartContext) => this.committedVsDelivered(ctx),
    ratings: (ctx: ChartContext) => this.ratings(ctx),
    'by-kind': (ctx: ChartContext) => this.byGroup(ctx, 'kind'),
    'by-department': (ctx: ChartContext) => this.byGroup(ctx, 'department'),
    'hex-map': (ctx: ChartContext) => this.hexMap(ctx),
    'league-table': (ctx: ChartContext) => this.leagueTable(ctx),
    'official-ratings': (ctx: ChartContext) => this.officialRatings(ctx),
    'ratings-agreement': (ctx: ChartContext) => this.ratingsAgreement(ctx),
    'payment-times': (ctx: ChartContext) => this.paymentTimes(ctx),
  };

  /** The indicators the map and the league table can show (the page's `indicator` select). */
  async options(): Promise<Record<string, { value: string; label: string }[]>> {
    return { indicator: MAP_INDICATORS.map((i) => ({ value: i.name, label: i.label })) };
  }

  private async committedVsDelivered(ctx: ChartContext) {
    const result = await this.indicators.implementation({ ...filterOf(ctx), group_by: 'period', period_type: 'quarter', basis: single(ctx.query.basis) });
    const rows = result.rows
      .filter((r) => r.period !== null)
      .flatMap((r) => [
        { quarter: String(r.period), measure: 'Committed', gbp: num(r.commitment_intensity_numerator) ?? 0 },
        { quarter: String(r.period), measure: 'Expected to date', gbp: num(r.delivery_ratio_denominator) ?? 0 },
        { quarter: String(r.period), measure: 'Delivered to date', gbp: num(r.delivery_ratio_numerator) ?? 0 },
      ]);
    const committed = rows.filter((x) => x.measure === 'Committed').reduce((s, x) => s + x.gbp, 0);
    const delivered = rows.filter((x) => x.measure === 'Delivered to date').reduce((s, x) => s + x.gbp, 0);
    const expected = rows.filter((x) => x.measure === 'Expected to date').reduce((s, x) => s + x.gbp, 0);
    const share = expected > 0 ? Math.round((delivered / expected) * 100) : null;
    return buildChart({
      title: share === null ? 'Nothing was expected to date yet' : `${share}% of the social value expected to date has been delivered`,
      subtitle: `£ committed, expected and delivered to date (${result.basis} basis) by quarter of contract award, ${describePlace(ctx.query)}; as of ${result.as_of}`,
      description: `Grouped bars by quarter of award: £ committed, £ expected to date and £ delivered to date. In all: ${Math.round(committed).toLocaleString('en-GB')} pounds committed, ${Math.round(delivered).toLocaleString('en-GB')} delivered of ${Math.round(expected).toLocaleString('en-GB')} expected to date.`,
      columns: [
        { field: 'quarter', title: 'Quarter of award' },
        { field: 'measure', title: 'Measure' },
        { field: 'gbp', title: '£', format: 'gbp' },
      ],
      rows,
      empty: 'No contracts were awarded in this period for these filters.',
      spec: {
        height: 260,
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'quarter', type: 'ordinal', title: 'Quarter of contract award', axis: { labelAngle: -45 } },
          xOffset: { field: 'measure', sort: ['Committed', 'Expected to date', 'Delivered to date'] },
          y: { field: 'gbp', type: 'quantitative', title: '£ (pounds)', axis: { format: fmt('gbpShort') } },
          color: {
            field: 'measure',
            type: 'nominal',
            title: null,
            sort: ['Committed', 'Expected to date', 'Delivered to date'],
            scale: { domain: ['Committed', 'Expected to date', 'Delivered to date'], range: [PALETTE.darkBlue, PALETTE.lightPurple, PALETTE.turquoise] },
          },
          tooltip: [
            { field: 'quarter', title: 'Quarter of award' },
            { field: 'measure', title: 'Measure' },
            { field: 'gbp', title: '£', type: 'quantitative', format: fmt('gbp') },
          ],
        },
      },
    });
  }

  /** Contracts with commitments by overall delivery rating: one bar per rating, its count and share written on it. */
  private async ratings(ctx: ChartContext): Promise<BuiltChart> {
    const result = await this.indicators.implementation({ ...filterOf(ctx), basis: single(ctx.query.basis) });
    const r: IndicatorRow = result.rows[0] ?? {};
    const total = num(r.contracts_with_commitments) ?? 0;
    const rows: Row[] =
      total === 0
        ? []
        : RATINGS.map((rating) => {
            const contracts = num(r[`rating_${rating}`]) ?? 0;
            return { rating: RATING_LABELS[rating], contracts, share: Math.round((contracts / total) * 1e6) / 1e6 };
          });
    const good = rows.find((x) => x.rating === RATING_LABELS.good);
    const shareGood = await formatNumber((good?.share as number | undefined) ?? null, 'pct');
    const counts = await Promise.all(rows.map(async (x) => `${x.rating} ${await formatNumber(x.contracts as number, 'int')} (${await formatNumber(x.share as number, 'pct')})`));
    const t = { good: '', approaching_target: '', requires_improvement: '' };
    for (const k of Object.keys(t) as Array<keyof typeof t>) t[k] = await formatNumber(Number(result.rating_thresholds[k]), 'pct');
    return buildChart({
      title: `${shareGood} of the ${await formatNumber(total, 'int')} contracts with commitments are rated Good`,
      subtitle: `Contracts with commitments by overall delivery rating (Procurement Act 2023 s.71 scale: the worst of its measures), ${describePlace(ctx.query)}; as of ${result.as_of}`,
      description: `Horizontal bars, one per delivery rating, each labelled with its number of contracts and share of the ${total} contracts with commitments: ${counts.join('; ')}. Good means at least ${t.good} of the social value expected to date delivered, Approaching target at least ${t.approaching_target}, Requires improvement at least ${t.requires_improvement}, else Inadequate; Other: nothing expected yet.`,
      columns: [
        { field: 'rating', title: 'Delivery rating' },
        { field: 'contracts', title: 'Contracts', format: 'int' },
        { field: 'share', title: 'Share of contracts with commitments', format: 'pct' },
      ],
      rows,
      empty: 'No contracts with commitments for these filters.',
      spec: {
        height: { step: 36 },
        encoding: {
          y: { field: 'rating', type: 'nominal', title: 'Delivery rating', sort: RATINGS.map((x) => RATING_LABELS[x]), axis: { labelLimit: 240 } },
          x: { field: 'contracts', type: 'quantitative', title: 'Contracts with commitments (number)', axis: { format: fmt('int'), tickMinStep: 1 }, scale: { domainMax: roomForLabels(rows.map((x) => x.contracts as number)) } },
          tooltip: [
            { field: 'rating', title: 'Delivery rating' },
            { field: 'contracts', type: 'quantitative', title: 'Contracts', format: fmt('int') },
            { field: 'share', type: 'quantitative', title: 'Share of contracts with commitments', format: fmt('pct') },
          ],
        },
        layer: [
          { mark: { type: 'bar' }, encoding: { color: { field: 'rating', type: 'nominal', title: 'Delivery rating', scale: ratingScale(), legend: null } } },
          {
            transform: [{ calculate: `format(datum.contracts, '${fmt('int')}') + ' (' + format(datum.share, '${fmt('pct')}') + ')'`, as: 'label' }],
            mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4 },
            encoding: { text: { field: 'label', type: 'nominal' } },
          },
        ],
      },
    });
  }

  /**
   * The buyers' official ratings (UK9) beside the delivery ratings from returns, KPI publication (UK7) and the
   * performance notices due and overdue: one row of the indicators for the filter; the agreement of the two ratings
   * beside it (its filter has no department: not asked when one is set).
   */
  private async officialRatings(ctx: ChartContext): Promise<BuiltChart> {
    const filter = filterOf(ctx);
    const result = await this.indicators.implementation({ ...filter, basis: single(ctx.query.basis) });
    const r: IndicatorRow = result.rows[0] ?? {};
    const { kind, region, nation, sector, from, to } = filter;
    const rated = (num(r.officially_rated_contracts) ?? 0) > 0;
    const agreement = rated && filter.department === undefined ? await this.notices.agreement({ kind, region, nation, sector, from: single(from), to: single(to) }) : null;
    const place = describePlace(ctx.query);
    const due = num(r.kpi_contracts) ?? 0;
    return officialRatingsChart(r, {
      who: '',
      where: `contracts awarded, ${place}`,
      asOf: result.as_of,
      agreement,
      empty:
        `No contract details or performance notices (UK7, UK9) published for contracts awarded, ${place}, yet.` +
        (due > 0 ? ` ${await formatNumber(due, 'int')} contracts over £5m awarded since 24 February 2025 should publish KPIs.` : ''),
    });
  }

  /**
   * The agreement of the buyers' official ratings with the ratings from returns, as a cross-table (the same answer as
   * GET /api/v1/indicators/ratings-agreement for the filter: the period is the one the period assessed ends in).
   */
  private async ratingsAgreement(ctx: ChartContext): Promise<BuiltChart> {
    const { kind, region, nation, sector, from, to } = filterOf(ctx);
    const a = await this.notices.agreement({ kind, region, nation, sector, from: single(from), to: single(to) });
    const place = describePlace(ctx.query);
    return agreementChart(a, {
      where: `contract-periods rated, ${place}`,
      empty: `No contract and period is rated both by its buyer (UK9) and from returns, ${place}, yet.`,
    });
  }

  /** Payment times by authority: the payments compliance reports in the filter, over all and by authority. */
  private async paymentTimes(ctx: ChartContext): Promise<BuiltChart> {
    const filter = filterOf(ctx);
    const [total, byAuthority] = await Promise.all([this.indicators.implementation(filter), this.indicators.implementation({ ...filter, group_by: 'authority' })]);
    const place = describePlace(ctx.query);
    return paymentsByAuthorityChart(total.rows[0] ?? {}, byAuthority.rows, { where: place, empty: noPaymentReports(place) });
  }

  /**
   * Four key shares (evaluating social value, weighting it 10% or more, delivered of expected, reporting compliance)
   * for each kind of authority or each central department: a dot plot, each share its colour and shape and its value
   * written beside it, one percent axis.
   */
  private async byGroup(ctx: ChartContext, dimension: 'kind' | 'department'): Promise<BuiltChart> {
    const result = await this.indicators.implementation({ ...filterOf(ctx), group_by: dimension, basis: single(ctx.query.basis) });
    const groups = result.rows
      .filter((r) => r[dimension] !== null)
      .map((r) => ({
        code: String(r[dimension]),
        label: dimension === 'kind' ? (KIND_GROUP_LABELS[String(r.kind)] ?? String(r.kind)) : String(r.department_name ?? r.department),
        row: r,
      }));
    if (dimension === 'kind') {
      const order = Object.keys(KIND_GROUP_LABELS);
      groups.sort((a, b) => order.indexOf(a.code) - order.indexOf(b.code));
    } else {
      groups.sort((a, b) => a.label.localeCompare(b.label, 'en-GB'));
    }
    const rows: Row[] = groups.flatMap((g) =>
      KEY_INDICATORS.map((i) => ({ code: g.code, group: g.label, indicator: i.label, value: num(g.row[i.name]) })).filter((x) => x.value !== null),
    );
    const what = dimension === 'kind' ? 'kind of authority' : 'central department';
    // the message: who leads on the first of the four shares that has figures
    let title = `No ${what} has figures for these filters`;
    for (const i of KEY_INDICATORS) {
      const of = rows.filter((x) => x.indicator === i.label);
      if (of.length === 0) continue;
      const top = of.reduce((a, b) => ((b.value as number) > (a.value as number) ? b : a));
      const tied = of.filter((x) => x.value === top.value).length;
      const v = await formatNumber(top.value as number, 'pct');
      const verb = dimension === 'kind' ? 'have' : 'has';
      const whats = dimension === 'kind' ? 'kinds of authority' : 'departments';
      title =
        of.length === 1
          ? `Only ${top.group} ${verb} figures: ${i.phrase} ${v}`
          : tied > 1
            ? `${tied} ${whats} share the highest ${i.phrase} (${v})`
            : `${top.group} ${verb} the highest ${i.phrase} (${v})`;
      break;
    }
    const sentences = await Promise.all(
      groups.map(async (g) => {
        const parts = await Promise.all(
          KEY_INDICATORS.filter((i) => num(g.row[i.name]) !== null).map(async (i) => `${i.label.toLowerCase()} ${await formatNumber(num(g.row[i.name]), 'pct')}`),
        );
        return parts.length > 0 ? `${g.label}: ${parts.join(', ')}` : `${g.label}: no figures`;
      }),
    );
    const groupColumns: Column[] =
      dimension === 'kind'
        ? [{ field: 'group', title: 'Kind of authority' }]
        : [
            { field: 'code', title: 'Department code' },
            { field: 'group', title: 'Department' },
          ];
    const domain = KEY_INDICATORS.map((i) => i.label);
    return buildChart({
      title,
      subtitle: `Four shares by ${what} (%; delivery: £ delivered of £ expected to date, ${result.basis} basis), higher is better; ${describePlace(ctx.query)}; as of ${result.as_of}`,
      description: `Dot plot: one row per ${what}, four dots each (evaluating social value: circle; weighting it 10% or more: square; delivered of expected to date: triangle; reporting compliance: diamond), with the value written beside each dot. ${sentences.join('. ')}.${dimension === 'department' ? ' Bodies without a central department (councils and others) are not shown.' : ''}`,
      columns: [...groupColumns, { field: 'indicator', title: 'Indicator' }, { field: 'value', title: 'Value', format: 'pct' }],
      rows,
      empty: `No ${what} has any of these figures for these filters.`,
      spec: {
        height: { step: 16 }, // each dot's: four to a group
        encoding: {
          y: { field: 'group', type: 'nominal', title: null, sort: null, axis: { labelLimit: 320 } },
          yOffset: { field: 'indicator', type: 'nominal', sort: domain },
          x: { field: 'value', type: 'quantitative', title: 'Per cent (%)', axis: { format: fmt('pctAxis'), tickCount: 6 }, scale: { zero: true, domainMax: roomForLabels(rows.map((x) => x.value as number)) } },
          tooltip: [
            { field: 'group', title: dimension === 'kind' ? 'Kind of authority' : 'Department' },
            { field: 'indicator', title: 'Indicator' },
            { field: 'value', type: 'quantitative', title: 'Value', format: fmt('pct') },
          ],
        },
        layer: [
          {
            mark: { type: 'point', filled: true, size: 90, opacity: 1 },
            encoding: {
              color: { field: 'indicator', type: 'nominal', title: 'Indicator', scale: { domain, range: KEY_INDICATORS.map((i) => i.colour) }, legend: { labelLimit: 320, columns: 1 } },
              shape: { field: 'indicator', type: 'nominal', title: 'Indicator', scale: { domain, range: KEY_INDICATORS.map((i) => i.shape) } },
            },
          },
          { mark: { type: 'text', align: 'left', baseline: 'middle', dx: 9, fontSize: 11 }, encoding: { text: { field: 'value', type: 'quantitative', format: fmt('pct') } } },
        ],
      },
    });
  }

  /**
   * A hex map of the UK's local authority districts (one hexagon each, north at the top), coloured by the chosen
   * indicator in five bands; councils without a figure grey and "no data"; each hexagon a link to its council's page.
   * Rows: one per hexagon (code, name, region, value).
   */
  private async hexMap(ctx: ChartContext): Promise<BuiltChart> {
    const indicator = chosenIndicator(ctx.query);
    const { cells, features } = districtHexMap();
    const result = await this.indicators.implementation({ ...filterOf(ctx), group_by: 'authority', basis: single(ctx.query.basis) });
    const values = new Map<string, number>();
    for (const r of result.rows) {
      const v = num(r[indicator.name]);
      if (r.authority !== null && v !== null) values.set(String(r.authority), v);
    }
    const onMap = new Set(cells.map((c) => c.code));
    const offMap = [...values.keys()].filter((code) => !onMap.has(code)).length;
    const drawn = cells.map((c) => ({ code: c.code, name: c.name, region: c.region === null ? null : (REGION_NAMES[c.region] ?? c.region), value: values.get(c.code) ?? null }));
    const withValue = drawn.filter((x) => x.value !== null).sort((a, b) => (b.value as number) - (a.value as number) || a.name.localeCompare(b.name, 'en-GB'));
    const rows: Row[] = withValue.length === 0 ? [] : drawn;
    const f = fmt(indicator.format);
    const high = withValue[0];
    const low = withValue[withValue.length - 1];
    const show = (v: number | null) => formatNumber(v, indicator.format);
    const tied = withValue.filter((x) => x.value === high?.value).length;
    /** A highest or lowest figure and who has it (the first and how many more when several share it). */
    const extreme = async (v: number | null) => {
      const who = withValue.filter((x) => x.value === v);
      return who.length === 1 ? `${who[0].name} (${await show(v)})` : `${await show(v)}, shared by ${who.length} councils (${who[0].name} and others)`;
    };
    const title =
      withValue.length === 0
        ? 'No council on the map has figures'
        : withValue.length === 1
          ? `Only ${high.name} has figures: ${indicator.phrase} ${await show(high.value)}`
          : tied > 1
            ? `${tied} councils share the highest ${indicator.phrase} (${await show(high.value)})`
            : `${high.name} has the highest ${indicator.phrase} (${await show(high.value)})`;
    const bands = await this.mapBands(indicator, withValue.map((x) => x.value as number), result.rating_thresholds);
    return buildChart({
      title,
      subtitle: `${indicator.label}${indicator.onBasis ? `, ${result.basis} basis` : ''}, ${better(indicator)}: ${withValue.length} of ${cells.length} district-level councils have figures (grey: no data); ${describePlace(ctx.query)}; as of ${result.as_of}. Each council's own contracts: county councils are not on this map`,
      description:
        `Hex map of the UK's ${cells.length} local authority districts and unitary councils, one hexagon each, roughly where they are (north at the top). ` +
        `Each is shaded by ${indicator.phrase} in five bands from light (low) to dark (high): ${bands.labels.join('; ')}; ${cells.length - withValue.length} have no data and are grey. ` +
        (withValue.length > 0 ? `Highest ${await extreme(high.value)}, lowest ${await extreme(low.value)}. ` : '') +
        `The figures are each council's own contracts: county councils (and combined authorities, central and other bodies) are not on the district map, so their contracts are not drawn` +
        (offMap > 0 ? ` (${offMap} such authorities have a figure)` : '') +
        `; an upper-tier hex map (${UPPER_TIER_HEXJSON}) is shipped with the data for a county map. Each hexagon links to its council's dashboard. The table view lists every council.`,
      columns: [
        { field: 'code', title: 'GSS code' },
        { field: 'name', title: 'Council', link: AUTHORITY_LINK },
        { field: 'region', title: 'Region or nation' },
        { field: 'value', title: indicator.label, format: indicator.format },
      ],
      rows,
      empty: `No council on the map has figures for the ${indicator.phrase} for these filters.`,
      spec: hexMapSpec({
        features,
        href: "'/dashboards/authority/' + datum.code",
        shown: `isValid(datum.value) ? format(datum.value, ${JSON.stringify(f)}) : 'no data'`,
        label: "datum.name + ' (' + datum.region + '): ' + datum.shown",
        bands,
        none: 'No data',
        title: indicator.label,
        tooltip: [
          { field: 'region', type: 'nominal', title: 'Region or nation' },
          { field: 'shown', type: 'nominal', title: indicator.label },
        ],
      }),
    });
  }

  /**
   * The map's five colour bands, light (low) to dark (high), and their labels: the delivery ratio by the rating
   * thresholds (below requires_improvement: Inadequate, ..., from good: Good) and 125%; a share in fifths of 0..100%;
   * anything else in five equal, rounded steps over the figures' range.
   */
  private async mapBands(indicator: IndicatorChoice, values: number[], thresholds: { good: string; approaching_target: string; requires_improvement: string }) {
    const show = (v: number) => formatNumber(v, indicator.format);
    if (indicator.name === 'delivery_ratio') {
      const breaks = [Number(thresholds.requires_improvement), Number(thresholds.approaching_target), Number(thresholds.good), 1.25];
      const l = await Promise.all(breaks.map(show));
      return { breaks, labels: [`Below ${l[0]} (Inadequate)`, `${l[0]} to ${l[1]} (Requires improvement)`, `${l[1]} to ${l[2]} (Approaching target)`, `${l[2]} to ${l[3]} (Good)`, `${l[3]} or more (Good)`] };
    }
    const [lo, hi] = indicator.domain ?? niceRange(values);
    const breaks = [1, 2, 3, 4].map((i) => lo + ((hi - lo) * i) / 5);
    const l = await Promise.all([lo, ...breaks, hi].map(show));
    return { breaks, labels: [0, 1, 2, 3, 4].map((i) => `${l[i]} to ${i === 4 ? '' : 'under '}${l[i + 1]}`) };
  }

  /**
   * Authorities ranked by the chosen indicator, best first: every authority with a figure, or the 25 highest and 25
   * lowest when there are more than 50; the value written on each bar, each bar a link to the authority's page.
   */
  private async leagueTable(ctx: ChartContext): Promise<BuiltChart> {
    const indicator = chosenIndicator(ctx.query);
    const result = await this.indicators.implementation({ ...filterOf(ctx), group_by: 'authority', basis: single(ctx.query.basis) });
    const sign = indicator.higherIsBetter === false ? 1 : -1;
    const ranked = result.rows
      .filter((r) => r.authority !== null && num(r[indicator.name]) !== null)
      .map((r) => ({ code: String(r.authority), name: String(r.authority_name ?? r.authority), value: num(r[indicator.name]) as number }))
      .sort((a, b) => sign * (a.value - b.value) || a.name.localeCompare(b.name, 'en-GB') || (a.code < b.code ? -1 : 1));
    const rank = ranks(ranked.map((x) => x.value));
    const all = ranked.map((x, i) => ({ rank: rank[i], ...x }));
    const cut = all.length > 2 * LEAGUE_EACH_END;
    const rows: Row[] = cut ? [...all.slice(0, LEAGUE_EACH_END), ...all.slice(-LEAGUE_EACH_END)] : all;
    const show = (v: number) => formatNumber(v, indicator.format);
    const first = all[0];
    const last = all[all.length - 1];
    const which = indicator.higherIsBetter === false ? 'lowest' : 'highest';
    const title =
      all.length === 0
        ? 'No authority has figures'
        : all.length === 1
          ? `Only ${first.name} has figures for the ${indicator.phrase}: ${await show(first.value)}`
          : rows.filter((x) => x.rank === 1).length > 1
            ? `${all.filter((x) => x.rank === 1).length} of ${all.length} authorities share first place on ${indicator.phrase} (${await show(first.value)})`
            : `${first.name} ranks first of ${all.length} authorities on ${indicator.phrase} (${await show(first.value)})`;
    const shown = cut
      ? `the ${LEAGUE_EACH_END} first and ${LEAGUE_EACH_END} last of ${all.length} authorities with a figure (a dashed line between them; the indicators endpoint lists all)`
      : `all ${all.length} authorities with a figure`;
    const f = fmt(indicator.format);
    return buildChart({
      title,
      subtitle: `${indicator.label} by authority, ${better(indicator)}; ${shown}; ${describePlace(ctx.query)}; as of ${result.as_of}`,
      description:
        `Horizontal bars, one per authority, ranked from first (${which} ${indicator.phrase}) to last, each labelled with its rank, name and value; ${shown}. ` +
        (all.length > 0 ? `First ${first.name} (${await show(first.value)}), last ${last.name} (${await show(last.value)}). ` : '') +
        `Each bar links to the authority's dashboard.`,
      columns: [
        { field: 'rank', title: 'Rank', format: 'int' },
        { field: 'code', title: 'Code' },
        { field: 'name', title: 'Authority', link: AUTHORITY_LINK },
        { field: 'value', title: indicator.label, format: indicator.format },
      ],
      rows,
      empty: `No authority has figures for the ${indicator.phrase} for these filters.`,
      spec: {
        height: { step: 20 },
        transform: [
          { calculate: "datum.rank + '. ' + datum.name", as: 'label' },
          { calculate: "'/dashboards/authority/' + datum.code", as: 'href' },
        ],
        encoding: {
          y: { field: 'label', type: 'nominal', title: null, sort: null, axis: { labelLimit: 320 } },
          x: { field: 'value', type: 'quantitative', title: indicator.label, axis: { format: f }, scale: { zero: true, domainMax: roomForLabels(rows.map((x) => x.value as number)) } },
          tooltip: [
            { field: 'rank', type: 'quantitative', title: 'Rank' },
            { field: 'name', type: 'nominal', title: 'Authority' },
            { field: 'value', type: 'quantitative', title: indicator.label, format: f },
          ],
        },
        layer: [
          { mark: { type: 'bar', color: PALETTE.darkBlue }, encoding: { href: { field: 'href', type: 'nominal' } } },
          { mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4 }, encoding: { text: { field: 'value', type: 'quantitative', format: f } } },
          // the authorities left out between the first and the last: a dashed line above the first of the last
          ...(cut
            ? [
                {
                  transform: [{ filter: `datum.code === ${JSON.stringify(rows[LEAGUE_EACH_END].code)}` }],
                  mark: { type: 'rule', strokeDash: [6, 4], color: PALETTE.darkGrey, strokeWidth: 2 },
                  encoding: { y: { field: 'label', type: 'nominal', sort: null, bandPosition: 0 }, tooltip: null },
                },
              ]
            : []),
        ],
      },
    });
  }
}
