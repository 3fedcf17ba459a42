import type { ReadScope } from '../metrics/reference/read-filter/read-filter';
import type { ChartEntry, DashboardEntry, FilterControl } from './catalogue';
import { FORMATS, THEME_CONFIG, type FormatName } from './theme';

/** A Vega-Lite specification as plain JSON (validated against the Vega-Lite schema by the tests). */
export type VlSpec = Record<string, unknown>;
export type Row = Record<string, string | number | boolean | null>;

/** A column of a chart's data: the CSV header, the table view's heading and its number format. */
export interface Column {
  field: string;
  title: string;
  format?: FormatName;
  /** The table view shows the cell as a link: `prefix` + the row's `field` (a chart's marks that open a page, reachable by keyboard). */
  link?: { prefix: string; field: string };
}

/** A table view link to an authority's dashboard, by its code. */
export const AUTHORITY_LINK = { prefix: '/dashboards/authority/', field: 'code' };


/** A chart with its data: the spec (its data inlined), and the same rows as its CSV and table view read them. */
export interface BuiltChart {
  spec: VlSpec;
  rows: Row[];
  columns: Column[];
}

/** The query of a dashboard page or chart: the filter bar, the page's own options, and its subject. */
export type DashboardQuery = Partial<Record<FilterControl | 'indicator' | 'peers' | 'group' | 'authority' | 'contract', string | string[]>>;

/** What a chart builder is given: which chart, the query (only the parameters the chart follows), the caller's scope. */
export interface ChartContext {
  dashboard: DashboardEntry;
  chart: ChartEntry;
  query: DashboardQuery;
  /** The authorities whose supplier-level rows the caller may read (null: every one); public charts: everything. */
  scope: ReadScope;
}

/** The read-filter fields of the query that a chart follows (filter bar controls other than basis). */
export function filterOf(ctx: ChartContext): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const f of ctx.chart.filters) {
    const v = ctx.query[f];
    if (f !== 'basis' && v !== undefined && v !== '') out[f] = v;
  }
  return out;
}

/** One value of a single-valued query parameter (the last when repeated). */
export function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export interface ChartParts {
  /** The message of the chart (government chart guidance: the title states it). */
  title: string;
  /** The measure, place and period. */
  subtitle: string;
  /** For screen readers: what the chart shows, in a sentence or two. */
  description: string;
  columns: Column[];
  rows: Row[];
  /** Said instead of the chart when there are no rows. */
  empty: string;
  /** The rest of the Vega-Lite spec: mark, encoding, layers, sizes; `data` is added from `rows`. */
  spec: VlSpec;
}

/** The longest line of the sentence an empty chart draws (about 300 px at its size: it fits a phone). */
const EMPTY_LINE_CHARS = 44;

/**
 * The one way a chart spec is assembled: title and subtitle, description, the theme, the rows inlined as its data
 * (never a URL), the columns (for the CSV and the table view) in `usermeta`. No rows: a chart that says so in words.
 */
export function buildChart(parts: ChartParts): BuiltChart {
  const head = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: parts.title, subtitle: parts.subtitle },
    description: parts.description,
    config: THEME_CONFIG,
    usermeta: { columns: parts.columns, empty: parts.empty, formats: FORMATS },
  };
  if (parts.rows.length === 0) {
    // the sentence in short lines: one long line would run off a phone's screen
    const lines = subtitleLines(parts.empty, EMPTY_LINE_CHARS);
    return {
      rows: [],
      columns: parts.columns,
      spec: {
        ...head,
        width: 'container',
        height: Math.max(60, 20 * lines.length + 20),
        data: { values: [{ message: parts.empty }] },
        transform: [{ calculate: JSON.stringify(lines), as: 'lines' }],
        mark: { type: 'text', align: 'left', baseline: 'top', fontSize: 14, lineHeight: 20 },
        encoding: { text: { field: 'lines', type: 'nominal' }, x: { value: 0 }, y: { value: 10 } },
      },
    };
  }
  // a single view fills its container's width, labels and legend included (Vega-Lite's autosize fit-x for a
  // container width); a composite spec (concat, facet) sizes its panels itself: a top-level width is not allowed there
  const encoding = (parts.spec.encoding ?? {}) as Record<string, unknown>;
  const composite = ['vconcat', 'hconcat', 'concat', 'facet', 'repeat'].some((k) => k in parts.spec) || ['row', 'column', 'facet'].some((k) => k in encoding);
  return { rows: parts.rows, columns: parts.columns, spec: { ...head, ...(composite ? {} : { width: 'container' }), ...parts.spec, data: { values: parts.rows } } };
}

/** A subtitle in lines of at most `width` characters (Vega draws each line; one long line would widen the chart). */
export function subtitleLines(text: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** An axis or tooltip number format by name (d3-format, en-GB: `$` is £). */
export function fmt(name: FormatName): string {
  return FORMATS[name];
}
