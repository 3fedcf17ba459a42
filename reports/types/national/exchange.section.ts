import type { Row } from '../../../dashboards/chart';
import {
  EXCHANGE_DEFINITIONS,
  EXCHANGE_STAGES,
  ExchangeFiguresService,
  type ExchangeHeadline,
  type GroupRow,
} from '../../../metrics/read/exchange/exchange-figures.service';
import type { FigureModel, TableModel } from '../../report';
import type { FormatName } from '../../../dashboards/theme';

/** The report's number formats (national.report.ts loads them). */
type Formats = Record<FormatName, (n: number | null) => string>;

/**
 * The exchange's section of the reports (the national report's "The exchange: pledges to community needs", the evidence
 * report's "What reached community organisations"): one builder, so that the same filter gives the same figures in
 * both, each read once from ExchangeFiguresService (the exchange dashboard's source) and named by the dashboard's tile
 * that gives it over HTTP.
 */

/** What the section is for: a period (a report period's label, as from and to), optionally a region and a theme, a £ basis. */
export interface ExchangeSectionQuery {
  from: string;
  to: string;
  region?: string;
  theme?: string;
  basis: string;
}

/** The headline figures the section can print, in the exchange dashboard's order of tiles (GET /api/v1/dashboards/exchange: tiles[i]). */
export const EXCHANGE_TILES = ['pledged_gbp', 'confirmed_gbp', 'conversion', 'median_days_to_match', 'most_deprived_share', 'open_needs', 'unmet_gbp'] as const;
export type ExchangeFigureName = (typeof EXCHANGE_TILES)[number];

/** The method's terms, in the order the reports define them (their text is ExchangeFiguresService's EXCHANGE_DEFINITIONS). */
const TERMS: ReadonlyArray<[string, string]> = [
  ['pledged', 'Pledged'],
  ['matched', 'Matched'],
  ['delivered', 'Delivered'],
  ['confirmed', 'Confirmed'],
  ['value_gbp', '£ value'],
  ['conversion', 'Conversion'],
  ['median_days_to_match', 'Days to match'],
  ['most_deprived_share', 'Most deprived fifth'],
  ['unmet_gbp', 'Unmet need'],
];

export interface ExchangeSection {
  /** The headline for the period and filters, as ExchangeFiguresService.headline answers it. */
  headline: ExchangeHeadline;
  /** Each headline figure, named by the dashboard tile that gives the same value. */
  figures: Record<ExchangeFigureName, FigureModel>;
  tables: { regions: TableModel; themes: TableModel; needs: TableModel };
  /** The section's own sentences and terms (the reports' `content.exchange`). */
  content: {
    /** Anything pledged, matched, delivered or confirmed in the period (else the section is its empty sentence). */
    has_data: boolean;
    lede: string;
    empty: string;
    basis: string;
    as_of: string | null;
    api: string;
    definitions: { term: string; text: string }[];
  };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const dayWords = (iso: string) => `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;

/** The exchange dashboard's address for the query: its tiles are the headline figures. */
export function exchangeApi(q: ExchangeSectionQuery): string {
  const params = Object.entries({ from: q.from, to: q.to, region: q.region, theme: q.theme, basis: q.basis })
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(v!).replace(/%2C/g, ',')}`)
    .join('&');
  return `GET /api/v1/dashboards/exchange?${params}`;
}

/** A share a / b to six significant digits (null when b is nothing). */
const share = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : Number((a / b).toPrecision(6)));

/**
 * The section for a query: the headline, by region and by theme, from ExchangeFiguresService (three reads), and the
 * sentences. `where` is the filters in words ("", or " for North West, theme ..."); `period` the period in words.
 */
export async function exchangeSection(service: ExchangeFiguresService, q: ExchangeSectionQuery, words: { period: string; where: string }, f: Formats): Promise<ExchangeSection> {
  const query = { from: q.from, to: q.to, region: q.region, theme: q.theme, basis: q.basis };
  const [headline, regions, themes] = await Promise.all([service.headline(query), service.byGroup(query, 'region'), service.byGroup(query, 'theme')]);
  const h = headline.rows[0];
  const basis = headline.basis;
  const api = exchangeApi({ ...q, basis });
  const figure = (name: ExchangeFigureName, label: string, format: FigureModel['format']): FigureModel => ({
    label,
    value: h[name],
    format,
    source: `${api}: tiles[${EXCHANGE_TILES.indexOf(name)}].value`,
  });
  const figures: Record<ExchangeFigureName, FigureModel> = {
    pledged_gbp: figure('pledged_gbp', `£ pledged (${basis})`, 'gbpShort'),
    confirmed_gbp: figure('confirmed_gbp', `£ delivered and confirmed (${basis})`, 'gbpShort'),
    conversion: figure('conversion', 'Confirmed of pledged (£)', 'pct'),
    median_days_to_match: figure('median_days_to_match', 'Median days from a need to its first match', 'num'),
    most_deprived_share: figure('most_deprived_share', 'Confirmed £ reaching the most deprived fifth of councils', 'pct'),
    open_needs: figure('open_needs', 'Open needs now', 'int'),
    unmet_gbp: figure('unmet_gbp', `£ of need still unmet now (${basis})`, 'gbpShort'),
  };
  const hasData = EXCHANGE_STAGES.some((s) => h[`${s}_count`] > 0);
  const asOf = headline.as_of;
  const now = asOf ? `as of ${dayWords(asOf)}` : 'now';
  const money = (v: number | null) => (v === null ? '£0' : f.gbpShort(v));
  const plural = (n: number, one: string, many: string) => `${f.int(n)} ${n === 1 ? one : many}`;

  // the section's message, from the figures
  const lede: string[] = [];
  if (hasData) {
    lede.push(
      `In ${words.period}${words.where}, suppliers pledged ${money(h.pledged_gbp)} (${plural(h.pledged_count, 'pledge', 'pledges')}, ${basis} basis) against their contracts' commitments; ` +
        `${money(h.matched_gbp)} was matched to community organisations' needs (${plural(h.matched_count, 'match', 'matches')}), ${money(h.delivered_gbp)} delivered and ` +
        `${money(h.confirmed_gbp)} confirmed by the organisations (${plural(h.confirmed_count, 'delivery', 'deliveries')})` +
        (h.conversion === null ? ': nothing pledged in the period is valued in £, so there is no conversion to give.' : `: ${f.pct(h.conversion)} of the £ pledged.`),
    );
    lede.push(
      h.median_days_to_match === null
        ? 'No need found its first accepted match in the period.'
        : `The ${plural(h.needs_matched, 'need', 'needs')} first matched in the period waited ${f.num(h.median_days_to_match)} days (the median) from being posted to the first acceptance.`,
    );
    if (h.most_deprived_share !== null) lede.push(`${f.pct(h.most_deprived_share)} of the confirmed £ went to needs in councils of the most deprived fifth (IMD).`);
    if (h.unvalued > 0) lede.push(`${plural(h.unvalued, 'pledge or match is', 'pledges or matches are')} of measures without a £ value: counted, not in the £.`);
  }
  const open =
    h.open_needs > 0
      ? `${plural(h.open_needs, 'need is', 'needs are')} open on the exchange ${now}, with ${money(h.unmet_gbp)} of need still unmet (${basis} basis).`
      : `No need is open on the exchange ${now}.`;
  lede.push(open);
  const empty = `Nothing was pledged, matched, delivered or confirmed on the exchange in ${words.period}${words.where}. ${open}`;

  const groupRow = (r: GroupRow) => ({
    confirmed_count: r.confirmed_count,
    confirmed_gbp: r.confirmed_gbp,
    confirmed_share: share(r.confirmed_gbp, h.confirmed_gbp),
    open_needs: r.open_needs,
    unmet_gbp: r.unmet_gbp,
  });
  const groupColumns = (prefix: TableModel['columns']): TableModel['columns'] => [
    ...prefix,
    { field: 'confirmed_count', title: 'Deliveries confirmed (number)', format: 'int' },
    { field: 'confirmed_gbp', title: `Confirmed (£, ${basis})`, format: 'gbp' },
    { field: 'confirmed_share', title: 'Share of confirmed £ (%)', format: 'pct' },
    { field: 'open_needs', title: 'Open needs now (number)', format: 'int' },
    { field: 'unmet_gbp', title: `Unmet now (£, ${basis})`, format: 'gbp' },
  ];
  const regionRows: Row[] = regions.rows.map((r) => ({ region: r.label ?? 'No region', pledged_gbp: r.pledged_gbp, ...groupRow(r) }));
  const themeRows: Row[] = themes.rows.map((r) => ({ theme: r.key, theme_name: r.label ?? 'No theme', ...groupRow(r) }));
  const tables = {
    regions: {
      caption: `Confirmed deliveries and unmet need by region and nation: deliveries confirmed in ${words.period}, open needs ${now}`,
      columns: groupColumns([
        { field: 'region', title: 'Region or nation' },
        { field: 'pledged_gbp', title: `Pledged (£, ${basis})`, format: 'gbp' },
      ]),
      rows: regionRows,
      empty: `No region or nation has pledges, matches or open needs on the exchange${words.where}.`,
      note: "A match is in its need's region; a pledge in each region of its places, so the pledged £ of the regions can add up to more than the total. A dash: nothing valued in £.",
    },
    themes: {
      caption: `Confirmed deliveries and unmet need by theme (the measure's): deliveries confirmed in ${words.period}, open needs ${now}`,
      columns: groupColumns([{ field: 'theme_name', title: 'Theme' }]),
      rows: themeRows,
      empty: `No theme has pledges, matches or open needs on the exchange${words.where}.`,
      note: 'A dash: nothing valued in £ (a measure without a proxy value is counted, not valued).',
    },
    needs: {
      caption: `Needs met and unmet: matched and confirmed in ${words.period}, open ${now}`,
      columns: [
        { field: 'what', title: 'Need' },
        { field: 'number', title: 'Needs or deliveries (number)', format: 'int' },
        { field: 'gbp', title: `£ (${basis})`, format: 'gbp' },
      ],
      rows: hasData || h.open_needs > 0
        ? [
            { what: 'Found a first accepted match in the period (needs)', number: h.needs_matched, gbp: null },
            { what: 'Met: deliveries confirmed by the community organisation in the period', number: h.confirmed_count, gbp: h.confirmed_gbp },
            { what: 'Unmet: open needs, what is left of them', number: h.open_needs, gbp: h.unmet_gbp },
          ]
        : [],
      empty: `No need was matched, met or is open on the exchange${words.where}.`,
    },
  } satisfies ExchangeSection['tables'];
  return {
    headline: h,
    figures,
    tables,
    content: {
      has_data: hasData,
      lede: lede.join(' '),
      empty,
      basis,
      as_of: asOf,
      api,
      definitions: TERMS.map(([key, term]) => ({ term, text: `${EXCHANGE_DEFINITIONS[key].charAt(0).toUpperCase()}${EXCHANGE_DEFINITIONS[key].slice(1)}.` })),
    },
  };
}

