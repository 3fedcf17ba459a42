import type { Column, Row, VlSpec } from '../dashboards/chart';
import type { FormatName } from '../dashboards/theme';
import type { ReadScope } from '../metrics/reference/read-filter/read-filter';
import type { ReportName, ReportParams, ReportPeriod } from './catalogue';

/** A chart of a report: built by a dashboard's board (the same spec as the dashboard's), printed as inline SVG. */
export interface ChartModel {
  /** The dashboard and chart it was built by (`national/hex-map`): the same figure as the dashboard's. */
  source: string;
  title: string;
  /** What it shows, for a reader who cannot see it (the figure's text alternative). */
  description: string;
  spec: VlSpec;
  columns: Column[];
  rows: Row[];
}

export interface TableColumn {
  field: string;
  /** The heading, with its unit: `Delivered (£, net)`. */
  title: string;
  format?: FormatName;
}

/** A table of a report: its caption, headings with units, rows; a sentence for when it has none. */
export interface TableModel {
  caption: string;
  columns: TableColumn[];
  rows: Row[];
  empty: string;
  note?: string;
}

/** A headline figure: the same value the API gives, and where it comes from. */
export interface FigureModel {
  label: string;
  value: number | null;
  format: FormatName;
  /** The endpoint and field it equals. */
  source: string;
}

/** What a reader needs to check a report: the data it was made from. */
export interface Snapshot {
  /** The data version the figures were read at, and when the data last changed (ISO). */
  data_version: number;
  as_of: string | null;
  /** The last import batch whose rows are included. */
  last_batch: { id: number; kind: string; finished_at: string } | null;
  template_version: string;
}

/** The methodology appendix: how every figure was made and where its inputs come from. */
export interface Methodology {
  frameworks: { code: string; version: string; name: string; licence: string | null; price_year: number | null }[];
  base_price_year: number | null;
  deflator: string;
  proxy_sources: string[];
  rating_thresholds: { rating: string; from: number }[];
  notes: string[];
}

/**
 * The view model of a report run: everything its template prints, and nothing else (its JSON is the run's
 * `data.json`, served as it was rendered: a reader can check every figure against it). The same data gives the same
 * bytes: no clock time is in it (the print date is the run's, outside it).
 */
export interface ReportModel {
  report: ReportName;
  title: string;
  /** The subject and period in words (`Wigan, 2025-Q4`). */
  subtitle: string;
  params: ReportParams;
  period: ReportPeriod;
  /** Whether any of it is demo data: then every page says so. */
  demo: boolean;
  /** Whether supplier-level sections (a contract's delivery, suppliers) are in it: not in a published report. */
  supplier_data: boolean;
  snapshot: Snapshot;
  methodology: Methodology;
  figures: FigureModel[];
  charts: Record<string, ChartModel>;
  tables: Record<string, TableModel>;
  /** The report's own content (sentences, lists) for its template. */
  content: Record<string, unknown>;
}

/** What a builder is given: the checked parameters, and the caller's reach into supplier-level data (null: none). */
export interface BuildContext {
  params: ReportParams;
  period: ReportPeriod;
  /** The authorities whose supplier-level rows the report may hold; null: no supplier-level section (a published report). */
  supplierScope: ReadScope | null;
}

/** The part of a report model a type's builder makes; the common parts (snapshot, methodology) are added around it. */
export type BuiltReport = Pick<ReportModel, 'subtitle' | 'figures' | 'charts' | 'tables' | 'content' | 'demo'>;

/** The view-model builder of one report type (a Nest provider in its folder), reading the metrics services only. */
export interface ReportBuilder {
  readonly name: ReportName;
  build(ctx: BuildContext): Promise<BuiltReport>;
  /** Refuses, cheaply and before a run is queued, parameters naming what does not exist (a 400 naming the field). */
  check?(params: ReportParams): Promise<void>;
}

export const REPORT_BUILDERS = Symbol('report builders');
