import { ratingSteps } from '../metrics/derive/valuation/delivery';
import type { IndicatorRow } from '../metrics/read/indicators/indicators.service';
import { buildChart, fmt, type BuiltChart, type Column, type Row } from './chart';
import { formatNumber } from './format';
import { PALETTE, RATING_COLOURS, RATING_LABELS, RATINGS, SEQUENTIAL } from './theme';

/**
 * The Procurement Act 2023's own figures as panels, the same on the national and the authority dashboards and in
 * their reports (pure: each takes rows of GET /api/v1/indicators/implementation and words for the place and period):
 * the buyers' official ratings (UK9) beside the ratings computed from returns, with KPI publication (UK7) and the
 * performance notices due and overdue; and payment times (payments compliance reports, s.69).
 */

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
/** c / n rounded to 6 places (as the indicators round a share); none when n is 0. */
const share = (c: number, n: number): number | null => (n > 0 ? Math.round((c / n) * 1e6) / 1e6 : null);

/** The two series of the ratings rows (the official one solid, the computed one an outline) and the notices' rows. */
export const OFFICIAL_SERIES = 'Official rating (UK9 notices)';
export const COMPUTED_SERIES = 'Computed from returns';
export const NOTICES_SERIES = 'Contract details and performance notices (UK7, UK9)';
/** The colour key of the KPI and notice rows: none of the ratings' colours. */
const NOTICES_KEY = 'KPIs and notices';

/** The figures of the official ratings panel beyond the ratings, in the panel's order: the row's words and fields. */
export const NOTICE_FIGURES = [
  { item: 'KPIs published (contracts over £5m)', count: 'kpi_published_share_numerator', of: 'kpi_published_share_denominator' },
  { item: 'Social value KPIs (of KPIs published)', count: 'sv_kpi_share_numerator', of: 'sv_kpi_share_denominator' },
  { item: 'Performance notice due this quarter', count: 'performance_notice_due', of: 'kpi_published_share_numerator' },
  { item: 'Performance notice overdue', count: 'performance_notice_overdue', of: 'kpi_published_share_numerator' },
] as const;

export const OFFICIAL_RATINGS_COLUMNS: Column[] = [
  { field: 'item', title: 'Figure' },
  { field: 'series', title: 'Source' },
  { field: 'count', title: 'Count (number)', format: 'int' },
  { field: 'of', title: 'Out of (number)', format: 'int' },
  { field: 'share', title: 'Share (%)', format: 'pct' },
];

/** Whether any notice of the Act concerns the contracts of a row: a rating, a KPI published, a failure. */
export function hasNotices(r: IndicatorRow): boolean {
  return (num(r.officially_rated_contracts) ?? 0) > 0 || (num(r.kpi_published_share_numerator) ?? 0) > 0 || (num(r.performance_failures) ?? 0) > 0;
}

/**
 * The rows of the official ratings panel from one row of the indicators: each rating official then from returns (its
 * count, the contracts rated that way, the share), then KPI publication and the performance notices due and overdue
 * (their share: of the contracts over £5m that published KPIs). None when no notice concerns these contracts.
 */
export function officialRatingsRows(r: IndicatorRow): Row[] {
  if (!hasNotices(r)) return [];
  const rated = num(r.officially_rated_contracts) ?? 0;
  const computed = num(r.contracts_with_commitments) ?? 0;
  const rows: Row[] = [];
  for (const rating of RATINGS) {
    const label = RATING_LABELS[rating];
    const official = num(r[`official_rating_${rating}`]) ?? 0;
    const fromReturns = num(r[`rating_${rating}`]) ?? 0;
    rows.push({ part: 'rating', item: `${label} (official)`, key: label, series: OFFICIAL_SERIES, count: official, of: rated, share: share(official, rated) });
    rows.push({ part: 'rating', item: `${label} (from returns)`, key: label, series: COMPUTED_SERIES, count: fromReturns, of: computed, share: share(fromReturns, computed) });
  }
  for (const f of NOTICE_FIGURES) {
    const count = num(r[f.count]) ?? 0;
    const of = num(r[f.of]) ?? 0;
    // the KPI shares are the indicators' own; due and overdue a share of the contracts that published KPIs
    const s = f.count === 'kpi_published_share_numerator' ? num(r.kpi_published_share) : f.count === 'sv_kpi_share_numerator' ? num(r.sv_kpi_share) : share(count, of);
    rows.push({ part: f.count.startsWith('performance') ? 'notices' : 'kpis', item: f.item, key: NOTICES_KEY, series: NOTICES_SERIES, count, of, share: s });
  }
  return rows;
}

/** The ratings agreement (GET /api/v1/indicators/ratings-agreement) as the panel names it. */
export interface AgreementWords {
  rated: number;
  agree: number;
  two_or_more_apart: number;
  agreement_share: number | null;
  not_computable: number;
}

export interface OfficialRatingsWords {
  /** Who, for the title: "" (national) or "Trafford: ". */
  who: string;
  /** The place and period of the contracts, for the subtitle ("all authorities, 2025-Q1 to 2025-Q4"). */
  where: string;
  /** The sentence said instead of a chart when no notice concerns these contracts. */
  empty: string;
  asOf: string;
  /** The agreement of the two ratings for the same filter, when it can be asked (the national panel). */
  agreement?: AgreementWords | null;
}

/** The official ratings panel: the buyers' ratings beside those from returns, KPI publication, notices due and overdue. */
export async function officialRatingsChart(r: IndicatorRow, w: OfficialRatingsWords): Promise<BuiltChart> {
  const rows = officialRatingsRows(r);
  const rated = num(r.officially_rated_contracts) ?? 0;
  const computed = num(r.contracts_with_commitments) ?? 0;
  const pct = (v: number | null) => formatNumber(v, 'pct');
  const int = (v: number | null) => formatNumber(v, 'int');
  const goodOfficial = share(num(r.official_rating_good) ?? 0, rated);
  const goodComputed = share(num(r.rating_good) ?? 0, computed);
  const kpis = `${await int(num(r.kpi_published_share_numerator) ?? 0)} of ${await int(num(r.kpi_contracts) ?? 0)} contracts over £5m published KPIs`;
  const title =
    rows.length === 0
      ? `${w.who}no contract details or performance notices published yet`
      : rated > 0
      ? `${w.who}${await pct(goodOfficial)} of the ${await int(rated)} officially rated contracts are Good by their buyer's rating` +
        (computed > 0 ? `, ${await pct(goodComputed)} of ${await int(computed)} from returns` : '')
      : `${w.who}no contract has an official rating yet; ${kpis}`;
  const a = w.agreement;
  const agreement =
    a && a.rated > 0
      ? ` Where a contract and period are rated both ways (${await int(a.rated)}, the period assessed ending in the filter's period), the two ratings agree on ${await pct(a.agreement_share)}; ${await int(a.two_or_more_apart)} are two steps or more apart (GET /api/v1/indicators/ratings-agreement).`
      : '';
  const described = await Promise.all(rows.map(async (x) => `${x.item}: ${await int(x.count as number)} of ${await int(x.of as number)}${x.share === null ? '' : ` (${await pct(x.share as number)})`}`));
  const label = `datum.of > 0 ? format(datum.count, '${fmt('int')}') + ' of ' + format(datum.of, '${fmt('int')}') + (isValid(datum.share) ? ' (' + format(datum.share, '${fmt('pct')}') + ')' : '') : (datum.part === 'rating' ? 'none rated yet' : 'none')`;
  const keys = [...RATINGS.map((x) => RATING_LABELS[x]), NOTICES_KEY];
  // room after the longest bar for its label ("12 of 20 (60.0%)"); the axis ticks stop at 100%
  const longest = Math.max(0, ...rows.map((x) => (x.share as number | null) ?? 0));
  const domainMax = Math.round((Math.max(0.5, longest) + 0.4) * 100) / 100;
  const colours = { domain: keys, range: [...RATINGS.map((x) => RATING_COLOURS[x]), PALETTE.lightPurple] };
  return buildChart({
    title: title.charAt(0).toUpperCase() + title.slice(1),
    subtitle:
      `Contracts by their buyer's rating in contract performance notices (UK9; solid) beside their delivery rating from returns (outline), on the s.71 scale, as of ${w.asOf}; ` +
      `KPI publication (UK7) and performance notices due and overdue, of contracts over £5m awarded since 24 February 2025; ${w.where}.${agreement}`,
    description:
      `Horizontal bars of shares, one per figure, each labelled with its count, what it is out of and the share: each official rating (solid bar) followed by the same rating from returns (outlined bar), in the same colours; then KPI publication and performance notices due and overdue. ${described.join('; ')}.` +
      ` Performance failures published: ${await int(num(r.performance_failures) ?? 0)}.${agreement}`,
    columns: OFFICIAL_RATINGS_COLUMNS,
    rows,
    empty: w.empty,
    spec: {
      height: { step: 22 },
      transform: [
        { calculate: label, as: 'label' },
        { calculate: 'isValid(datum.share) ? datum.share : 0', as: 'bar' },
      ],
      encoding: {
        // Vega's estimate of text widths without a canvas (the SVGs of the reports) is generous: room for the longest label
        y: { field: 'item', type: 'nominal', title: null, sort: null, axis: { labelLimit: 360 } },
        x: { field: 'bar', type: 'quantitative', title: 'Share (%)', scale: { domain: [0, domainMax] }, axis: { format: fmt('pctAxis'), values: [0, 0.25, 0.5, 0.75, 1].filter((v) => v <= domainMax) } },
        tooltip: [
          { field: 'item', title: 'Figure' },
          { field: 'series', title: 'Source' },
          { field: 'count', type: 'quantitative', title: 'Number', format: fmt('int') },
          { field: 'of', type: 'quantitative', title: 'Out of', format: fmt('int') },
          { field: 'share', type: 'quantitative', title: 'Share', format: fmt('pct') },
        ],
      },
      layer: [
        {
          mark: { type: 'bar', strokeWidth: 2, height: { band: 0.8 } },
          encoding: {
            color: { field: 'key', type: 'nominal', scale: colours, legend: null },
            stroke: { field: 'key', type: 'nominal', scale: colours, legend: null },
            // the ratings from returns an outline (the row's label says so too: colour is not the only cue)
            fillOpacity: { condition: { test: `datum.series === ${JSON.stringify(COMPUTED_SERIES)}`, value: 0.12 }, value: 1 },
          },
        },
        { mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4 }, encoding: { text: { field: 'label', type: 'nominal' } } },
      ],
    },
  });
}

/* ----- the agreement of the two ratings ----- */

/** GET /api/v1/indicators/ratings-agreement as the cross-table chart reads it. */
export interface AgreementTable extends AgreementWords {
  pairs: number;
  table: Record<string, Record<string, number>>;
}

/** The short form of each rating, for a chart's narrow cells on a phone (its tooltip and table view say it whole). */
const SHORT_RATING: Record<string, string> = { Good: 'Good', 'Approaching target': 'Appr.', 'Requires improvement': 'Req. impr.', Inadequate: 'Inad.', Other: 'Other' };
/** A Vega expression: the rating label `value` (an expression) in its short form where the chart is under 420 px wide, else `whole`. */
export function narrowRating(value: string, whole: string): string {
  const short = Object.entries(SHORT_RATING).map(([w, s]) => `${value} === ${JSON.stringify(w)} ? ${JSON.stringify(s)}`);
  return `width < 420 ? (${short.join(' : ')} : ${value}) : ${whole}`;
}
/** A column's label in the cross-table: the rating on two lines, or its short form on a phone. */
const AGREEMENT_COLUMN_LABEL = narrowRating('datum.label', "split(datum.label, ' ')");

export const AGREEMENT_COLUMNS: Column[] = [
  { field: 'official', title: 'Official rating (UK9)' },
  { field: 'computed', title: 'Rating from returns' },
  { field: 'pairs', title: 'Contract-periods (number)', format: 'int' },
  { field: 'steps', title: 'Steps apart (number)', format: 'int' },
];

/**
 * The cells of the cross-table, official rating by rating from returns, every one of the 25 (none when nothing is
 * rated both ways): the contract-periods in it, and how many steps apart the two ratings are (none where one is Other,
 * which is off the scale).
 */
export function agreementRows(a: AgreementTable): Row[] {
  if (a.pairs === 0) return [];
  const rows: Row[] = [];
  for (const official of RATINGS) {
    for (const computed of RATINGS) {
      rows.push({ official: RATING_LABELS[official], computed: RATING_LABELS[computed], pairs: a.table[official]?.[computed] ?? 0, steps: ratingSteps(official, computed) });
    }
  }
  return rows;
}

/**
 * The agreement of the buyers' official ratings (UK9) with the ratings computed from returns for the same contract and
 * period, as a cross-table: each cell the contract-periods rated that way by each, darker for more, the diagonal (the
 * two agree) outlined; the cells two steps or more apart are the list of GET /api/v1/indicators/ratings-agreement/contracts.
 */
export async function agreementChart(a: AgreementTable, w: { where: string; empty: string }): Promise<BuiltChart> {
  const rows = agreementRows(a);
  const pct = (v: number | null) => formatNumber(v, 'pct');
  const int = (v: number | null) => formatNumber(v, 'int');
  const labels = RATINGS.map((r) => RATING_LABELS[r]);
  const title =
    a.rated > 0
      ? `The buyers' ratings agree with the returns' for ${await pct(a.agreement_share)} of ${await int(a.rated)} contract-periods rated both ways`
      : 'No contract-period is rated both ways on the scale yet';
  const apart = `${await int(a.two_or_more_apart)} two steps or more apart`;
  const computable = a.not_computable > 0 ? `; ${await int(a.not_computable)} rated by a notice have no commitments, so no rating from returns` : '';
  const cells = rows.filter((x) => (x.pairs as number) > 0);
  const described = await Promise.all(cells.map(async (x) => `official ${x.official}, from returns ${x.computed}: ${await int(x.pairs as number)}`));
  const most = Math.max(1, ...rows.map((x) => x.pairs as number));
  return buildChart({
    title,
    subtitle:
      `Contract-periods by the buyer's rating in its contract performance notice (UK9, rows) and the contract's delivery rating from returns as of the ` +
      `period's last day (columns), the diagonal outlined where they agree; ${apart}${computable}; ${w.where}.`,
    description: `A five by five grid of cells, official rating down, rating from returns across, each cell labelled with its count and shaded darker for more. ${described.join('; ')}.`,
    columns: AGREEMENT_COLUMNS,
    rows,
    empty: w.empty,
    spec: {
      // the page's width (a phone's too): the columns share it, each label on two lines ("Approaching" / "target")
      height: { step: 40 },
      encoding: {
        // on a phone the columns are narrow: the ratings' short forms across (the rows, the tooltip and the table say them whole)
        x: { field: 'computed', type: 'nominal', sort: labels, title: 'Rating from returns', axis: { orient: 'top', labelAngle: 0, labelExpr: AGREEMENT_COLUMN_LABEL, labelLimit: 120, labelOverlap: false, labelPadding: 16 } },
        y: { field: 'official', type: 'nominal', sort: labels, title: 'Official rating (UK9)', axis: { labelExpr: "split(datum.label, ' ')", labelLimit: 160 } },
        tooltip: [
          { field: 'official', title: 'Official rating' },
          { field: 'computed', title: 'From returns' },
          { field: 'pairs', type: 'quantitative', title: 'Contract-periods', format: fmt('int') },
          { field: 'steps', type: 'quantitative', title: 'Steps apart' },
        ],
      },
      layer: [
        {
          mark: { type: 'rect', stroke: '#ffffff', strokeWidth: 1 },
          encoding: {
            color: {
              field: 'pairs',
              type: 'quantitative',
              scale: { range: ['#ffffff', ...SEQUENTIAL], domainMin: 0 },
              legend: { title: 'Contract-periods', format: fmt('int'), orient: 'bottom', direction: 'horizontal', gradientLength: 160 },
            },
          },
        },
        // the diagonal, where the two ratings agree, outlined over the cells (drawn after them, so no cell covers it)
        { transform: [{ filter: 'datum.steps === 0' }], mark: { type: 'rect', fillOpacity: 0, stroke: PALETTE.orange, strokeWidth: 3 } },
        {
          mark: { type: 'text', baseline: 'middle' },
          encoding: {
            text: { field: 'pairs', type: 'quantitative', format: fmt('int') },
            color: { condition: { test: `datum.pairs > ${most / 2}`, value: '#ffffff' }, value: '#0b0c0c' },
          },
        },
      ],
    },
  });
}

/* ----- payment times ----- */

export const PAYMENT_WORDS =
  'payments compliance reports (Procurement Act 2023 s.69: six-month periods ending 31 March and 30 September, each counted in the quarter its period ends)';

/** The sentence of a payment times panel without reports: for `whose` ("all authorities, 2025-Q4"; "Trafford in any period"). */
export function noPaymentReports(whose: string): string {
  return `No payments compliance reports published for ${whose} yet (each covers six months ending 31 March or 30 September, and counts in the quarter it ends).`;
}

/** One authority's payment times, as the indicators give them by authority. */
export function paymentRow(r: IndicatorRow): Row {
  return {
    code: String(r.authority),
    name: String(r.authority_name ?? r.authority),
    average_days_to_pay: num(r.average_days_to_pay),
    paid_within_30_days_share: num(r.paid_within_30_days_share),
    not_paid_when_due_share: num(r.not_paid_when_due_share),
    payment_reports: num(r.payment_reports) ?? 0,
  };
}

/** How many authorities the national payment times name at each end (the slowest and the fastest). */
export const PAYMENT_NAMED = 1;

/**
 * Payment times by authority (the national panel): one point per authority with reports, average days to pay
 * against the share paid within 30 days, the slowest and fastest named; the title the figures over every report.
 * Rows: slowest first.
 */
export async function paymentsByAuthorityChart(total: IndicatorRow, byAuthority: IndicatorRow[], w: { where: string; empty: string }): Promise<BuiltChart> {
  const list = byAuthority
    .filter((r) => r.authority !== null && (num(r.payment_reports) ?? 0) > 0 && num(r.average_days_to_pay) !== null)
    .map(paymentRow)
    .sort((a, b) => (b.average_days_to_pay as number) - (a.average_days_to_pay as number) || String(a.name).localeCompare(String(b.name), 'en-GB') || String(a.code).localeCompare(String(b.code)));
  const named = Math.min(PAYMENT_NAMED, Math.floor(list.length / 2));
  const rows: Row[] = list.map((x, i) => ({ ...x, end: i < named ? 'slowest' : i >= list.length - named ? 'fastest' : null }));
  const days = (v: unknown) => formatNumber(num(v), 'ratio');
  const pct = (v: unknown) => formatNumber(num(v), 'pct');
  const reports = num(total.payment_reports) ?? 0;
  const slowest = rows[0];
  const fastest = rows[rows.length - 1];
  const ends =
    rows.length >= 2
      ? ` Slowest ${slowest.name} (${await days(slowest.average_days_to_pay)} days), fastest ${fastest.name} (${await days(fastest.average_days_to_pay)} days).`
      : '';
  return buildChart({
    title: `Invoices took ${await days(total.average_days_to_pay)} days on average to pay; ${await pct(total.paid_within_30_days_share)} were paid within 30 days`,
    subtitle: `Average days to pay an invoice (lower is better) against the share paid within 30 days (higher is better), each authority's mean over its ${PAYMENT_WORDS}; ${await formatNumber(reports, 'int')} reports of ${rows.length} authorities; ${w.where}.${ends}`,
    description:
      `Scatter plot, one point per authority with payments compliance reports: average days to pay across, share of invoices paid within 30 days up; faster payers to the left and higher. ` +
      `Over all ${reports} reports: ${await days(total.average_days_to_pay)} days on average, ${await pct(total.paid_within_30_days_share)} paid within 30 days, ${await pct(total.not_paid_when_due_share)} not paid when due.${ends} ` +
      `The slowest and the fastest are named; each point links to the authority's dashboard, and the table view lists every authority.`,
    columns: [
      { field: 'code', title: 'Code' },
      { field: 'name', title: 'Authority', link: { prefix: '/dashboards/authority/', field: 'code' } },
      { field: 'average_days_to_pay', title: 'Average days to pay (number of days)', format: 'ratio' },
      { field: 'paid_within_30_days_share', title: 'Paid within 30 days (%)', format: 'pct' },
      { field: 'not_paid_when_due_share', title: 'Not paid when due (%)', format: 'pct' },
      { field: 'payment_reports', title: 'Reports (number)', format: 'int' },
    ],
    rows,
    empty: w.empty,
    spec: {
      height: 300,
      transform: [{ calculate: "'/dashboards/authority/' + datum.code", as: 'href' }],
      encoding: {
        x: { field: 'average_days_to_pay', type: 'quantitative', title: 'Average days to pay (lower is better)', scale: { zero: false, nice: true } },
        y: { field: 'paid_within_30_days_share', type: 'quantitative', title: 'Paid within 30 days (higher is better)', scale: { zero: false, domainMax: 1 }, axis: { format: fmt('pctAxis') } },
      },
      layer: [
        {
          mark: { type: 'point', filled: true, size: 70, opacity: 0.85, color: PALETTE.darkBlue, stroke: '#ffffff', strokeWidth: 0.5 },
          encoding: {
            href: { field: 'href', type: 'nominal' },
            tooltip: [
              { field: 'name', title: 'Authority' },
              { field: 'average_days_to_pay', type: 'quantitative', title: 'Average days to pay', format: fmt('ratio') },
              { field: 'paid_within_30_days_share', type: 'quantitative', title: 'Paid within 30 days', format: fmt('pct') },
              { field: 'not_paid_when_due_share', type: 'quantitative', title: 'Not paid when due', format: fmt('pct') },
              { field: 'payment_reports', type: 'quantitative', title: 'Reports', format: fmt('int') },
            ],
          },
        },
        // the slowest named to the left of their points, the fastest to the right: labels stay inside the chart
        { transform: [{ filter: "datum.end === 'slowest'" }], mark: { type: 'text', align: 'right', dx: -7, baseline: 'middle', fontSize: 11 }, encoding: { text: { field: 'name', type: 'nominal' } } },
        { transform: [{ filter: "datum.end === 'fastest'" }], mark: { type: 'text', align: 'left', dx: 7, baseline: 'middle', fontSize: 11 }, encoding: { text: { field: 'name', type: 'nominal' } } },
      ],
    },
  });
}
