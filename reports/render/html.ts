import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { formatter, gbpShort } from '../../dashboards/format';
import { renderSvg } from '../../dashboards/render/svg';
import { FORMATS, type FormatName } from '../../dashboards/theme';
import { projectRoot } from '../../metrics/platform/project-root';
import { REPORT_NAMES, type ReportName } from '../catalogue';
import type { ChartModel, ReportModel, TableModel } from '../report';

const ROOT = join(projectRoot(), 'reports');
const SHARED = join(ROOT, 'render', 'templates');
/** Where the contents page goes in the rendered HTML, filled once the headings (and their pages) are known. */
const CONTENTS_MARK = '<!--svm:contents-->';

/** The width charts are drawn at for an A4 page (its text width at 96 dpi, less a margin). */
export const PRINT_CHART_WIDTH = 640;

/** A heading of the rendered report: its anchor, text and depth (0: a section, 1: a subsection). */
export interface Heading {
  id: string;
  title: string;
  level: number;
}

/** What a render adds to the model: nothing of it is in `data.json`. */
export interface RenderExtras {
  /** When the report was printed (ISO); the preview says "preview". */
  printedAt: string | null;
  /** SHA-256 of the run's data.json (null in a preview, which has no run). */
  dataSha256: string | null;
  /** Where data.json is served (a run's), printed with its hash. */
  dataUrl: string | null;
  /** The page of each heading (by id), once printed; absent: the contents show none. */
  pages?: ReadonlyMap<string, number>;
}

export interface RenderedHtml {
  html: string;
  headings: Heading[];
}

interface RenderState {
  headings: Heading[];
  svgs: Map<string, string>;
  model: ReportModel;
  formats: Record<FormatName, (n: number) => string>;
}

const esc = Handlebars.escapeExpression;

/** A string for a CSS `content: "..."` inside a <style> element: quotes, backslashes, line breaks and `<` escaped. */
export function cssString(text: string): string {
  return `"${text.replace(/[\\"<>\n\r]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `)}"`;
}

/**
 * The HTML of the reports: one Handlebars environment (the shared partials in reports/render/templates, each type's
 * template and styles in reports/types/<name>/), every value escaped. Charts are the dashboards' specs drawn by the
 * one SVG renderer; tables and figures are formatted with the dashboards' en-GB formats.
 */
export class ReportHtml {
  private readonly hb = Handlebars.create();
  private readonly templates = new Map<ReportName, HandlebarsTemplateDelegate>();
  private readonly styles = new Map<ReportName, string>();
  /** Per report: a hash of its template, its styles and the shared partials (the run records it). */
  readonly versions = new Map<ReportName, string>();

  constructor() {
    const shared = createHash('sha256');
    for (const file of readdirSync(SHARED).sort()) {
      const source = readFileSync(join(SHARED, file), 'utf8');
      shared.update(file).update(source);
      if (file.endsWith('.hbs')) this.hb.registerPartial(basename(file, '.hbs'), source);
    }
    const sharedCss = readFileSync(join(SHARED, 'report.css'), 'utf8');
    for (const name of REPORT_NAMES) {
      const dir = join(ROOT, 'types', name);
      const template = readFileSync(join(dir, `${name}.hbs`), 'utf8');
      const css = readFileSync(join(dir, `${name}.css`), 'utf8');
      this.templates.set(name, this.hb.compile(template, { strict: false, noEscape: false }));
      this.styles.set(name, `${sharedCss}\n${css}`);
      const hash = createHash('sha256').update(shared.copy().digest('hex')).update(template).update(css).digest('hex');
      this.versions.set(name, `${name}-${hash.slice(0, 12)}`);
    }
    this.registerHelpers();
  }

  version(name: ReportName): string {
    return this.versions.get(name)!;
  }

  private registerHelpers(): void {
    const state = (options: Handlebars.HelperOptions) => options.data.state as RenderState;
    this.hb.registerHelper('section', function (this: unknown, title: string, options: Handlebars.HelperOptions) {
      const s = state(options);
      const level = typeof options.hash.level === 'number' ? options.hash.level : 0;
      const id = `s${s.headings.length + 1}`;
      s.headings.push({ id, title, level });
      const tag = level === 0 ? 'h2' : 'h3';
      const cls = level === 0 ? 'section' : 'subsection';
      const breakBefore = options.hash.newPage ? ' new-page' : '';
      return new Handlebars.SafeString(
        `<section class="${cls}${breakBefore}" aria-labelledby="${id}"><${tag} id="${id}">${esc(title)}</${tag}>${options.fn(this)}</section>`,
      );
    });
    this.hb.registerHelper('chart', (key: string, options: Handlebars.HelperOptions) => {
      const s = state(options);
      const chart = s.model.charts[key];
      if (!chart) throw new Error(`the template names a chart ${key} the view model lacks`);
      return new Handlebars.SafeString(chartHtml(key, chart, s.svgs.get(key) ?? ''));
    });
    this.hb.registerHelper('table', (key: string, options: Handlebars.HelperOptions) => {
      const s = state(options);
      const table = s.model.tables[key];
      if (!table) throw new Error(`the template names a table ${key} the view model lacks`);
      return new Handlebars.SafeString(tableHtml(table, s.formats));
    });
    this.hb.registerHelper('fmt', (value: unknown, format: FormatName, options: Handlebars.HelperOptions) =>
      typeof value === 'number' && Number.isFinite(value) ? state(options).formats[format](value) : '–',
    );
    this.hb.registerHelper('css', (text: string) => new Handlebars.SafeString(cssString(String(text ?? ''))));
    this.hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.hb.registerHelper('join', (list: unknown, sep: unknown) => (Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ', ') : ''));
    this.hb.registerHelper('date', (iso: unknown) => (typeof iso === 'string' && iso ? longDate(iso) : '–'));
    this.hb.registerHelper('contents', () => new Handlebars.SafeString(CONTENTS_MARK));
  }

  /** The report as one self-contained HTML document (styles and SVG inline; no script, no request). */
  async render(model: ReportModel, extras: RenderExtras): Promise<RenderedHtml> {
    const svgs = new Map<string, string>();
    // the figure's caption states the title and subtitle once (and is text in the tagged PDF): the SVG is drawn without them
    for (const [key, chart] of Object.entries(model.charts)) svgs.set(key, await renderSvg({ ...chart.spec, title: undefined }, PRINT_CHART_WIDTH));
    const formats = {} as Record<FormatName, (n: number) => string>;
    for (const name of Object.keys(FORMATS) as FormatName[]) {
      formats[name] = name === 'gbpShort' ? gbpShort : await formatter(name);
    }
    const state: RenderState = { headings: [], svgs, model, formats };
    const body = this.templates.get(model.report)!({ ...model, extras }, { data: { state } });
    const page = this.hb.partials.layout as HandlebarsTemplateDelegate | string;
    const layout = typeof page === 'string' ? this.hb.compile(page) : page;
    let html = layout({ ...model, extras, paramList: paramList(model), footerText: footerText(model, extras), body: new Handlebars.SafeString(body), styles: new Handlebars.SafeString(this.styles.get(model.report)!) }, { data: { state } });
    html = html.replace(CONTENTS_MARK, contentsHtml(state.headings, extras.pages));
    return { html, headings: state.headings };
  }
}

const PARAM_LABELS: Record<string, string> = { authority: 'Authority', basis: '£ basis', theme: 'Theme', region: 'Region', sector: 'Sector (CPV division)', kind: 'Kind of authority' };

/** The parameters other than the period, as the cover lists them. */
function paramList(model: ReportModel): { label: string; value: string }[] {
  return Object.entries(model.params)
    .filter(([k, v]) => k !== 'period' && v !== undefined && v !== '')
    .map(([k, v]) => ({ label: PARAM_LABELS[k] ?? k, value: String(v) }));
}

/** The running footer's left part: the data the report was made from, and the start of its data.json's hash. */
function footerText(model: ReportModel, extras: RenderExtras): string {
  const asOf = model.snapshot.as_of ? `Data as of ${longDate(model.snapshot.as_of)}` : 'No data imported';
  return extras.dataSha256 ? `${asOf} · data.json SHA-256 ${extras.dataSha256.slice(0, 12)}…` : `${asOf} · preview`;
}

function longDate(iso: string): string {
  const d = new Date(iso.length === 10 ? `${iso}T12:00:00Z` : iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
}

function contentsHtml(headings: Heading[], pages: ReadonlyMap<string, number> | undefined): string {
  const items = headings
    .filter((h) => h.level <= 1)
    .map(
      (h) =>
        `<li class="toc-${h.level}"><a href="#${h.id}"><span class="toc-title">${esc(h.title)}</span><span class="toc-page">${pages?.get(h.id) ?? ''}</span></a></li>`,
    );
  return `<nav class="contents" aria-labelledby="contents-heading"><h2 id="contents-heading">Contents</h2><ol>${items.join('')}</ol></nav>`;
}

/** The spec's subtitle (the measure, place and period), as one line. */
function subtitleOf(chart: ChartModel): string {
  const title = chart.spec.title as { subtitle?: string | string[] } | string | undefined;
  const sub = typeof title === 'object' && title ? title.subtitle : undefined;
  return Array.isArray(sub) ? sub.join(' ') : (sub ?? '');
}

function chartHtml(key: string, chart: ChartModel, svg: string): string {
  // a dashboard's chart (`sectors/sector-theme`), or a report's own chart named by the API call its rows are (`GET /api/v1/...`)
  const source = /^[a-z-]+\/[a-z0-9-]+$/.test(chart.source)
    ? `the ${esc(chart.source.split('/')[0])} dashboard's chart ${esc(chart.source.split('/')[1])}`
    : esc(chart.source);
  return (
    `<figure class="chart" id="chart-${esc(key)}">` +
    `<figcaption>${esc(chart.title)}${subtitleOf(chart) ? `<span class="chart-subtitle">${esc(subtitleOf(chart))}</span>` : ''}</figcaption>` +
    `<div class="chart-svg" role="img" aria-label="${esc(chart.description)}">${svg}</div>` +
    `<p class="chart-source">Source: ${source} (${chart.rows.length} rows in data.json)</p>` +
    `</figure>`
  );
}

function tableHtml(table: TableModel, formats: Record<FormatName, (n: number) => string>): string {
  const cell = (value: unknown, format: FormatName | undefined) => {
    if (value === null || value === undefined || value === '') return '–';
    if (typeof value === 'number') return esc(format ? formats[format](value) : String(value));
    return esc(String(value));
  };
  const head = table.columns.map((c) => `<th scope="col"${c.format ? ' class="num"' : ''}>${esc(c.title)}</th>`).join('');
  const rows = table.rows.length
    ? table.rows
        .map((r) => `<tr>${table.columns.map((c, i) => (i === 0 ? `<th scope="row">${cell(r[c.field], c.format)}</th>` : `<td${c.format ? ' class="num"' : ''}>${cell(r[c.field], c.format)}</td>`)).join('')}</tr>`)
        .join('')
    : `<tr><td colspan="${table.columns.length}" class="empty">${esc(table.empty)}</td></tr>`;
  const note = table.note ? `<p class="table-note">${esc(table.note)}</p>` : '';
  return `<div class="table-wrap"><table><caption>${esc(table.caption)}</caption><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>${note}</div>`;
}
