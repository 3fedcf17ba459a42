import type { BuiltChart, ChartContext, DashboardQuery } from './chart';
import type { FormatName } from './theme';

/** A headline figure of a dashboard: its value, how it is formatted, and where it comes from. */
export interface Tile {
  name: string;
  label: string;
  /** The figure as the API gives it (null: no data). */
  value: number | null;
  format: FormatName;
  /** The figure as the page prints it (en-GB), or a dash for no data. */
  display?: string;
  /** What it counts, and from which endpoint and field (so a reader can check it). */
  note: string;
}

/** The thing a subject dashboard is about (an authority, a contract), shown in its heading. */
export interface Subject {
  code: string;
  name: string;
  /** Lines under the heading (kind, region; buyer, supplier, value, dates). */
  facts: { label: string; value: string }[];
  /** Links to related pages. */
  links?: { label: string; href: string }[];
  /** Whether it is demo data (a contract of the demo dataset): the page then says so. */
  demo?: boolean;
}

/** The builders of one dashboard of the catalogue (dashboards/catalogue.ts): its subject, tiles and charts. */
export interface Board {
  readonly name: string;
  /** The subject named by the query (404 when it names nothing); only for subject dashboards. */
  subject?(query: DashboardQuery): Promise<Subject>;
  tiles?(query: DashboardQuery): Promise<Tile[]>;
  /** A builder per chart of the catalogue entry; each reads the metrics services, never SQL of its own. */
  readonly charts: Readonly<Record<string, (ctx: ChartContext) => Promise<BuiltChart>>>;
  /** Choices of the page's own selects (e.g. the indicators the map can show). */
  options?(query: DashboardQuery): Promise<Record<string, { value: string; label: string }[]>>;
}

export const BOARDS = Symbol('dashboard boards');
