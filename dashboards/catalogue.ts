/**
 * What dashboards there are and what charts each draws, as data: names, one-line purposes, which filters of the
 * filter bar apply, and who may read each chart under the one access rule (api/auth: `public` aggregates and contract
 * notice fields; `supplier-data` for what suppliers send). The pages, the API and the access check read this list;
 * the builders (dashboards/boards/) fill each chart with data.
 */

export type ChartAccess = 'public' | 'supplier-data';

/** Controls of the filter bar, as query parameters (the read filter's names, plus the basis of £ figures). */
export const FILTER_CONTROLS = ['from', 'to', 'kind', 'region', 'nation', 'department', 'sector', 'theme', 'basis'] as const;
export type FilterControl = (typeof FILTER_CONTROLS)[number];

export interface ChartEntry {
  name: string;
  /** What the chart shows, for the index and the page's contents (the chart's own title states its message). */
  label: string;
  access: ChartAccess;
  /** Filter bar controls this chart follows; a set control it does not follow is named under the chart. */
  filters: readonly FilterControl[];
  /** Extra query parameters the chart reads (e.g. `indicator` for the map, `peers` for peer charts). */
  options?: readonly string[];
}

export interface DashboardEntry {
  name: string;
  title: string;
  purpose: string;
  /** A dashboard about one thing: its query parameter (and the page path segment) naming it. */
  subject?: 'authority' | 'contract';
  /** The filter bar of the page. */
  filters: readonly FilterControl[];
  /** Extra query parameters the page offers (selects of its own). */
  options: readonly string[];
  charts: readonly ChartEntry[];
}

const INDICATOR_FILTERS: readonly FilterControl[] = ['from', 'to', 'kind', 'region', 'nation', 'department', 'sector', 'basis'];
const SUMMARY_FILTERS: readonly FilterControl[] = ['from', 'to', 'kind', 'region', 'nation', 'sector', 'theme', 'basis'];
/** Payments compliance reports are an authority's, not a contract's: they have no sector (and no £ basis). */
const PAYMENT_FILTERS: readonly FilterControl[] = ['from', 'to', 'kind', 'region', 'nation', 'department'];
/** The ratings agreement counts contract-periods by the buyer (no department) and the period assessed (no £ basis). */
const AGREEMENT_FILTERS: readonly FilterControl[] = ['from', 'to', 'kind', 'region', 'nation', 'sector'];
/** The exchange: a need's place (a pledge's: any of its places), the measure's theme, the quarter of each post or move. */
const EXCHANGE_FILTERS: readonly FilterControl[] = ['from', 'to', 'region', 'nation', 'theme', 'basis'];
/** Unmet need is now: open needs, whatever the period. */
const EXCHANGE_NOW_FILTERS: readonly FilterControl[] = ['region', 'nation', 'theme', 'basis'];

export const DASHBOARDS: readonly DashboardEntry[] = [
  {
    name: 'national',
    title: 'National implementation',
    purpose: 'How the Social Value Act is implemented across the UK, by kind of authority, department and region.',
    filters: FILTER_CONTROLS,
    options: ['indicator'],
    charts: [
      { name: 'committed-vs-delivered', label: 'Committed and delivered by quarter', access: 'public', filters: INDICATOR_FILTERS },
      { name: 'ratings', label: 'Delivery rating of contracts', access: 'public', filters: INDICATOR_FILTERS },
      { name: 'by-kind', label: 'Indicators by kind of authority', access: 'public', filters: INDICATOR_FILTERS },
      { name: 'by-department', label: 'Indicators by department', access: 'public', filters: INDICATOR_FILTERS },
      { name: 'hex-map', label: 'Map of councils', access: 'public', filters: INDICATOR_FILTERS, options: ['indicator'] },
      { name: 'league-table', label: 'League table of authorities', access: 'public', filters: INDICATOR_FILTERS, options: ['indicator'] },
      { name: 'official-ratings', label: 'Official ratings (Procurement Act notices)', access: 'public', filters: INDICATOR_FILTERS },
      { name: 'ratings-agreement', label: 'Official ratings against the ratings from returns', access: 'public', filters: AGREEMENT_FILTERS },
      { name: 'payment-times', label: 'Payment times', access: 'public', filters: PAYMENT_FILTERS },
    ],
  },
  {
    name: 'authority',
    title: 'Authority against its peers',
    purpose: 'How one council or public body compares with its peer group on each indicator, and what its contracts deliver.',
    subject: 'authority',
    filters: ['from', 'to', 'basis'],
    options: ['peers', 'group'],
    charts: [
      { name: 'peer-strip', label: 'Each indicator against the peer group', access: 'public', filters: ['from', 'to', 'basis'], options: ['peers', 'group'] },
      { name: 'trend', label: 'Trend against the peer median', access: 'public', filters: ['from', 'to', 'basis'], options: ['peers', 'group'] },
      { name: 'themes', label: 'Mix of themes', access: 'public', filters: ['from', 'to', 'basis'] },
      { name: 'official-ratings', label: 'Official ratings (Procurement Act notices)', access: 'public', filters: ['from', 'to'] },
      { name: 'payment-times', label: 'Payment times', access: 'public', filters: ['from', 'to'], options: ['peers', 'group'] },
      { name: 'contracts', label: 'Contracts and their delivery ratings', access: 'supplier-data', filters: ['from', 'to'] },
    ],
  },
  {
    name: 'sectors',
    title: 'Sectors and suppliers',
    purpose: 'Which sectors and suppliers deliver social value, and how much contract value goes to SMEs and VCSEs.',
    filters: SUMMARY_FILTERS,
    options: [],
    charts: [
      { name: 'sector-theme', label: 'Social value delivered by sector and theme', access: 'public', filters: SUMMARY_FILTERS },
      { name: 'sme-vcse-sector', label: 'SME and VCSE share of contract value by sector', access: 'public', filters: INDICATOR_FILTERS },
      { name: 'sme-vcse-region', label: 'SME and VCSE share of contract value by region', access: 'public', filters: INDICATOR_FILTERS },
      { name: 'top-suppliers', label: 'Top suppliers by social value delivered', access: 'supplier-data', filters: SUMMARY_FILTERS },
    ],
  },
  {
    name: 'quality',
    title: 'Data quality',
    purpose: 'How complete and trustworthy the returns are: reporting compliance, missing returns, flags and import batches.',
    filters: ['from', 'to', 'kind', 'region', 'nation', 'sector'],
    options: [],
    charts: [
      { name: 'compliance', label: 'Reporting compliance over time', access: 'public', filters: ['from', 'to', 'kind', 'region', 'nation', 'sector'] },
      { name: 'missing-returns', label: 'Missing returns', access: 'supplier-data', filters: ['from', 'to', 'kind', 'region', 'nation', 'sector'] },
      { name: 'flags', label: 'Flagged outliers and double claims', access: 'supplier-data', filters: ['from', 'to', 'kind', 'region', 'nation', 'sector'] },
      { name: 'batches', label: 'Import batches and their rejection rates', access: 'supplier-data', filters: [] },
    ],
  },
  {
    name: 'exchange',
    title: 'Social value exchange',
    purpose: "What suppliers pledge against their contracts' commitments, how much is matched to community organisations' needs, delivered and confirmed, and where need is still unmet.",
    filters: EXCHANGE_FILTERS,
    options: [],
    charts: [
      { name: 'funnel', label: 'Pledged, matched, delivered and confirmed', access: 'public', filters: EXCHANGE_FILTERS },
      { name: 'by-quarter', label: 'The funnel by quarter', access: 'public', filters: EXCHANGE_FILTERS },
      { name: 'unmet-map', label: 'Unmet need by council (map)', access: 'public', filters: EXCHANGE_NOW_FILTERS },
      { name: 'by-theme', label: 'By theme', access: 'public', filters: EXCHANGE_FILTERS },
      { name: 'by-region', label: 'By region', access: 'public', filters: EXCHANGE_FILTERS },
    ],
  },
  {
    name: 'contract',
    title: 'Contract',
    purpose: 'What one contract promised and what it delivered: commitments, returns and their evidence.',
    subject: 'contract',
    filters: [],
    options: [],
    charts: [
      { name: 'commitments', label: 'Each commitment: expected to date and delivered', access: 'supplier-data', filters: [] },
      { name: 'returns', label: 'Returns over time', access: 'supplier-data', filters: [] },
      { name: 'evidence', label: 'Evidence references', access: 'supplier-data', filters: [] },
      { name: 'official-ratings', label: "The buyer's ratings (contract performance notices)", access: 'supplier-data', filters: [] },
    ],
  },
];

export function findDashboard(name: string): DashboardEntry | undefined {
  return DASHBOARDS.find((d) => d.name === name);
}

export function findChart(dashboard: string, chart: string): ChartEntry | undefined {
  return findDashboard(dashboard)?.charts.find((c) => c.name === chart);
}

/** A chart file name: `<chart>.vl.json`, `<chart>.svg` or `<chart>.csv`. */
export const CHART_FORMATS = ['vl.json', 'svg', 'csv'] as const;
export type ChartFormat = (typeof CHART_FORMATS)[number];
export function parseChartFile(file: string): { chart: string; format: ChartFormat } | undefined {
  const m = /^([a-z0-9-]{1,64})\.(vl\.json|svg|csv)$/.exec(file);
  return m ? { chart: m[1], format: m[2] as ChartFormat } : undefined;
}
