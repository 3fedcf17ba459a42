import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataVersionService } from '../metrics/platform/data-version';
import type { ReadScope } from '../metrics/reference/read-filter/read-filter';
import { parseReportParams, reportPeriod, type ReportName, type ReportParams } from './catalogue';
import { MethodologyService } from './methodology';
import { REPORT_BUILDERS, type ReportBuilder, type ReportModel } from './report';
import { ReportHtml, type RenderExtras } from './render/html';
import { readPdf, withMetadata } from './render/pdf';
import { Printer } from './render/printer';
import { ReportRunsRepository } from './runs/report-runs.repository';

/** A report made: its view model (as data.json bytes and their SHA-256), its HTML, its PDF, and how long each took. */
export interface ProducedReport {
  model: ReportModel;
  dataJson: Buffer;
  dataSha256: string;
  pdf: Buffer;
  pdfSha256: string;
  pages: number;
  timings: { model_ms: number; html_ms: number; pdf_ms: number; passes: number };
}

/** Prints at most this many times to settle the contents page's numbers (they settle at the second print in practice). */
const MAX_PASSES = 3;

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Makes reports: a type's builder reads the metrics services into a view model (its bytes are the run's data.json),
 * the one HTML renderer turns it into a self-contained document, the printer prints it. The contents page's numbers are
 * the printed ones: the document is printed, its outline read back (the page of every heading), and printed again
 * with them until they hold.
 */
@Injectable()
export class ReportsService {
  private readonly builders = new Map<ReportName, ReportBuilder>();

  constructor(
    @Inject(REPORT_BUILDERS) builders: ReportBuilder[],
    private readonly html: ReportHtml,
    private readonly printer: Printer,
    private readonly methodology: MethodologyService,
    private readonly dataVersion: DataVersionService,
    private readonly runs: ReportRunsRepository,
  ) {
    for (const b of builders) this.builders.set(b.name, b);
  }

  /**
   * The view model of a report for its (unchecked) parameters: a 404/400 naming the report or field when they are wrong.
   * `supplierScope` null: no supplier-level section (what the public may read).
   */
  async model(name: string, raw: Record<string, unknown>, supplierScope: ReadScope | null): Promise<ReportModel> {
    const { entry, params } = parseReportParams(name, raw);
    const period = reportPeriod(params.period);
    const builder = this.builders.get(entry.name)!;
    await builder.check?.(params);
    const version = await this.dataVersion.current();
    const [built, methodology, snapshot] = await Promise.all([
      builder.build({ params, period, supplierScope }),
      this.methodology.describe(),
      this.runs.snapshot(),
    ]);
    return {
      report: entry.name,
      title: entry.title,
      subtitle: built.subtitle,
      params,
      period,
      demo: built.demo,
      supplier_data: supplierScope !== null,
      snapshot: { data_version: version, as_of: snapshot.as_of, last_batch: snapshot.last_batch, template_version: this.html.version(entry.name) },
      methodology,
      figures: built.figures,
      charts: built.charts,
      tables: built.tables,
      content: built.content,
    };
  }

  /** Refuses (400/404 naming the field) parameters a report cannot be made for: an unknown authority, theme, region... */
  async check(name: ReportName, params: ReportParams): Promise<void> {
    await this.builders.get(name)!.check?.(params);
  }

  /** The report as HTML for the browser (`/reports/{type}/preview`): the same document the PDF prints, with no run. */
  async preview(name: string, raw: Record<string, unknown>, supplierScope: ReadScope | null): Promise<string> {
    const model = await this.model(name, raw, supplierScope);
    return (await this.html.render(model, { printedAt: null, dataSha256: null, dataUrl: null })).html;
  }

  /** Makes the report's data.json, HTML and PDF (the contents page numbered from the printed copy). */
  async produce(name: string, raw: Record<string, unknown>, supplierScope: ReadScope | null, extras: { printedAt: string; dataUrl: string | null }): Promise<ProducedReport> {
    const t0 = Date.now();
    const model = await this.model(name, raw, supplierScope);
    const dataJson = Buffer.from(JSON.stringify(model), 'utf8');
    const dataSha256 = sha256(dataJson);
    const t1 = Date.now();
    const render: RenderExtras = { printedAt: extras.printedAt, dataSha256, dataUrl: extras.dataUrl };
    let htmlMs = 0;
    let pdfMs = 0;
    let pages: ReadonlyMap<string, number> | undefined;
    let printed: Uint8Array | undefined;
    let count = 0;
    let passes = 0;
    for (; passes < MAX_PASSES; ) {
      const h0 = Date.now();
      const { html, headings } = await this.html.render(model, { ...render, pages });
      const p0 = Date.now();
      htmlMs += p0 - h0;
      printed = await this.printer.print(html);
      passes++;
      const facts = await readPdf(printed);
      pdfMs += Date.now() - p0;
      count = facts.pages;
      const found = pagesOf(headings, facts.bookmarks);
      if (pages && sameMap(pages, found)) break;
      pages = found;
    }
    const pdf = Buffer.from(
      await withMetadata(printed!, {
        title: `${model.title}: ${model.subtitle}`,
        subject: `${model.title} for ${model.period.label}${model.demo ? ' (demo data)' : ''}. data.json SHA-256 ${dataSha256}`,
        keywords: ['social value', model.report, model.period.label, `data.json sha256 ${dataSha256}`],
        author: 'Social value monitor',
      }),
    );
    return {
      model,
      dataJson,
      dataSha256,
      pdf,
      pdfSha256: sha256(pdf),
      pages: count,
      timings: { model_ms: t1 - t0, html_ms: htmlMs, pdf_ms: pdfMs, passes },
    };
  }
}

/** The page of each heading: its bookmark, matched in document order by title (a chart's own titles are skipped). */
export function pagesOf(headings: { id: string; title: string }[], bookmarks: { title: string; page: number }[]): Map<string, number> {
  const out = new Map<string, number>();
  let at = 0;
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
  for (const h of headings) {
    const i = bookmarks.findIndex((b, j) => j >= at && norm(b.title) === norm(h.title));
    if (i < 0) continue;
    out.set(h.id, bookmarks[i].page);
    at = i + 1;
  }
  return out;
}

function sameMap(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}
