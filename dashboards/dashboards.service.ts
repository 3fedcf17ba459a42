import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../metrics/platform/errors';
import type { ReadScope } from '../metrics/reference/read-filter/read-filter';
import { BOARDS, type Board, type Subject, type Tile } from './board';
import { DASHBOARDS, findDashboard, type ChartEntry, type ChartFormat, type DashboardEntry } from './catalogue';
import type { BuiltChart, DashboardQuery } from './chart';
import { formatNumber } from './format';
import { toCsv } from './render/csv';
import { renderSvg } from './render/svg';

/** The £ basis of every chart when the query names none (the filter bar's default). */
export const DEFAULT_BASIS = 'net';

/** A dashboard described for its page and for `GET /api/v1/dashboards/{name}`: the catalogue entry, its subject, tiles. */
export interface DashboardView {
  dashboard: DashboardEntry;
  subject?: Subject;
  tiles: Tile[];
  options: Record<string, { value: string; label: string }[]>;
}

/** A chart in one of its forms. */
export interface ChartFile {
  contentType: string;
  body: string;
}

/**
 * The dashboards: the catalogue's entries filled by their boards. Every chart is built by its board from the metrics
 * read services (the same filter as the API); its spec, SVG and CSV are three forms of the same rows.
 */
@Injectable()
export class DashboardsService {
  private readonly boards = new Map<string, Board>();

  constructor(@Inject(BOARDS) boards: Board[]) {
    for (const b of boards) this.boards.set(b.name, b);
    for (const d of DASHBOARDS) {
      const board = this.boards.get(d.name);
      if (!board) throw new Error(`dashboard ${d.name} has no board`);
      for (const c of d.charts) if (!board.charts[c.name]) throw new Error(`chart ${d.name}/${c.name} has no builder`);
    }
  }

  list(): readonly DashboardEntry[] {
    return DASHBOARDS;
  }

  entry(name: string): DashboardEntry {
    const d = findDashboard(name);
    if (!d) throw new DomainError('not_found', `No dashboard ${name}`, { dashboard: name, dashboards: DASHBOARDS.map((x) => x.name) });
    return d;
  }

  /** The dashboard a query is for: one about a subject needs it named (400 otherwise). */
  private entryFor(name: string, query: DashboardQuery): DashboardEntry {
    const dashboard = this.entry(name);
    if (dashboard.subject && !query[dashboard.subject]) {
      throw new DomainError('invalid_parameter', `${dashboard.subject} is required: the dashboard is about one ${dashboard.subject}`, { field: dashboard.subject });
    }
    return dashboard;
  }

  /** The page's figures: subject (404 when the query names none that exists), tiles formatted en-GB, select choices. */
  async view(name: string, query: DashboardQuery): Promise<DashboardView> {
    const dashboard = this.entryFor(name, query);
    const board = this.boards.get(name)!;
    const subject = dashboard.subject ? await board.subject!(query) : undefined;
    const [tiles, options] = await Promise.all([board.tiles ? board.tiles(query) : [], board.options ? board.options(query) : {}]);
    for (const t of tiles) t.display = await formatNumber(t.value, t.format);
    return { dashboard, subject, tiles, options };
  }

  chartEntry(name: string, chart: string): ChartEntry {
    const dashboard = this.entry(name);
    const entry = dashboard.charts.find((c) => c.name === chart);
    if (!entry) throw new DomainError('not_found', `No chart ${chart} on the ${name} dashboard`, { chart, charts: dashboard.charts.map((c) => c.name) });
    return entry;
  }

  /** One chart built for the query (only the parameters it follows reach its builder). */
  async chart(name: string, chart: string, query: DashboardQuery, scope: ReadScope): Promise<BuiltChart> {
    const dashboard = this.entryFor(name, query);
    const entry = this.chartEntry(name, chart);
    const follows = new Set<string>([...entry.filters, ...(entry.options ?? []), ...(dashboard.subject ? [dashboard.subject] : [])]);
    const own: DashboardQuery = {};
    for (const [k, v] of Object.entries(query)) if (follows.has(k)) own[k as keyof DashboardQuery] = v;
    // one default £ basis for every chart of a page (the summary's own default is real, the indicators' net)
    if (follows.has('basis') && (own.basis === undefined || own.basis === '')) own.basis = DEFAULT_BASIS;
    return this.boards.get(name)!.charts[chart]({ dashboard, chart: entry, query: own, scope });
  }

  /** A chart as a file: its Vega-Lite spec, its SVG (the one renderer), or its rows as CSV. */
  async file(name: string, chart: string, format: ChartFormat, query: DashboardQuery, scope: ReadScope): Promise<ChartFile> {
    const built = await this.chart(name, chart, query, scope);
    if (format === 'vl.json') return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(built.spec) };
    if (format === 'svg') return { contentType: 'image/svg+xml; charset=utf-8', body: await renderSvg(built.spec) };
    return { contentType: 'text/csv; charset=utf-8', body: toCsv(built.columns, built.rows) };
  }
}
