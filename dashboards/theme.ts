/**
 * The one look of every chart: the GOV.UK Analysis Function colour palette (colour-blind safe, in its stated order),
 * the same three colours for the local-economic, social and environmental categories everywhere, the same four for
 * the delivery ratings, and en-GB number formats (d3-format conventions: `$` is £ under EN_GB).
 * https://analysisfunction.civilservice.gov.uk/policy-store/data-visualisation-colours-in-charts/
 */

/** The categorical palette, in the order the guidance says to use it. */
export const PALETTE = {
  darkBlue: '#12436D',
  turquoise: '#28A197',
  darkPink: '#801650',
  orange: '#F46A25',
  darkGrey: '#3D3D3D',
  lightPurple: '#A285D1',
} as const;

/** Sequential blues (light to dark) for maps and heat maps; no data is drawn in NO_DATA. */
export const SEQUENTIAL = ['#D6E4F0', '#9EBFDD', '#5694CA', '#2B6AA6', '#12436D'] as const;
export const NO_DATA = '#BFC1C3';
/** The highlighted item (the chosen authority) and the rest. */
export const HIGHLIGHT = PALETTE.orange;
export const MUTED = '#8E9AA6';

export const CATEGORIES = ['local_economic', 'social', 'environmental'] as const;
export type Category = (typeof CATEGORIES)[number];
export const CATEGORY_LABELS: Record<Category, string> = { local_economic: 'Local economic', social: 'Social', environmental: 'Environmental' };
export const CATEGORY_COLOURS: Record<Category, string> = { local_economic: PALETTE.darkBlue, social: PALETTE.turquoise, environmental: PALETTE.darkPink };

export const RATINGS = ['good', 'approaching_target', 'requires_improvement', 'inadequate', 'other'] as const;
export type Rating = (typeof RATINGS)[number];
export const RATING_LABELS: Record<Rating, string> = {
  good: 'Good',
  approaching_target: 'Approaching target',
  requires_improvement: 'Requires improvement',
  inadequate: 'Inadequate',
  other: 'Other',
};
export const RATING_COLOURS: Record<Rating, string> = {
  good: PALETTE.darkBlue,
  approaching_target: PALETTE.turquoise,
  requires_improvement: PALETTE.orange,
  inadequate: PALETTE.darkPink,
  other: PALETTE.darkGrey,
};

/** A Vega-Lite scale that always gives the categories their colours (labels as the domain). */
export const categoryScale = () => ({
  domain: CATEGORIES.map((c) => CATEGORY_LABELS[c]),
  range: CATEGORIES.map((c) => CATEGORY_COLOURS[c]),
});
export const ratingScale = () => ({ domain: RATINGS.map((r) => RATING_LABELS[r]), range: RATINGS.map((r) => RATING_COLOURS[r]) });

/** en-GB for d3-format (numbers: `$` is £) and d3-time-format (dates), given to Vega in the browser and on the server. */
export const EN_GB_NUMBER = { decimal: '.', thousands: ',', grouping: [3], currency: ['£', ''] };
export const EN_GB_TIME = {
  dateTime: '%a %e %b %X %Y',
  date: '%d/%m/%Y',
  time: '%H:%M:%S',
  periods: ['AM', 'PM'],
  days: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
  shortDays: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'],
  months: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  shortMonths: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
};

/** The number formats a column or axis uses, by name (d3-format specifiers under EN_GB_NUMBER). */
export const FORMATS = {
  /** £ with thousands: £1,234,567 */
  gbp: '$,.0f',
  /** £ in short form for axes: £1.2M */
  gbpShort: '$.3~s',
  /** a share 0..1 as a percentage: 45.2% */
  pct: '.1%',
  /** a percentage axis's ticks: 40% */
  pctAxis: '.0%',
  /** whole numbers with thousands: 12,345 */
  int: ',.0f',
  /** a ratio to two decimals: 0.89 */
  ratio: ',.2f',
  /** any other number */
  num: ',.4~f',
} as const;
export type FormatName = keyof typeof FORMATS;

/** Vega-Lite `config` of every chart: fonts, sizes, the palette as the default category range, accessible defaults. */
export const THEME_CONFIG = {
  font: 'Arial, Helvetica, sans-serif',
  background: '#ffffff',
  padding: 8,
  view: { stroke: null },
  title: { anchor: 'start', fontSize: 16, fontWeight: 'bold', subtitleFontSize: 13, subtitleColor: '#505a5f', color: '#0b0c0c', offset: 12, limit: 0 },
  axis: { labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal', titleColor: '#0b0c0c', labelColor: '#0b0c0c', gridColor: '#e5e5e5', domainColor: '#8e9aa6', tickColor: '#8e9aa6', labelLimit: 180 },
  // legends list their entries one under the other: a row of them would be cut off on a phone
  // quarter labels on a phone: those that would overlap are left out (the tooltip and the table view have them all)
  axisX: { labelOverlap: 'greedy' },
  legend: { labelFontSize: 12, titleFontSize: 12, orient: 'bottom', direction: 'vertical', labelLimit: 200 },
  range: { category: Object.values(PALETTE), ordinal: [...SEQUENTIAL], ramp: [...SEQUENTIAL], heatmap: [...SEQUENTIAL] },
  bar: { color: PALETTE.darkBlue },
  line: { color: PALETTE.darkBlue, strokeWidth: 2.5 },
  point: { color: PALETTE.darkBlue, filled: true, size: 60 },
  rule: { color: PALETTE.darkGrey },
  text: { fontSize: 12, color: '#0b0c0c' },
  numberFormat: FORMATS.num,
  locale: { number: EN_GB_NUMBER, time: EN_GB_TIME },
  aria: true,
} as const;
