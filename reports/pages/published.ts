import Handlebars from 'handlebars';
import { findReport } from '../catalogue';
import type { ReportRun } from '../runs/report-runs.repository';

/** A published run as the /reports page lists it: title, period, parameters, pages, SHA-256, permanent links. */
export interface PublishedView {
  id: number;
  anchor: string;
  title: string;
  report: string;
  period: string;
  params: { name: string; value: string }[];
  pages: number | null;
  bytes: number | null;
  kb: string;
  pdf_sha256: string | null;
  data_sha256: string | null;
  published_at: string;
  published_label: string;
  pdf: string;
  data: string;
}

export function publishedView(run: ReportRun): PublishedView {
  const finished = run.finished_at ? new Date(run.finished_at) : new Date(run.requested_at);
  return {
    id: run.id,
    anchor: `run-${run.id}`,
    title: run.title ?? findReport(run.report)?.title ?? run.report,
    report: run.report,
    period: run.params.period ?? '',
    params: Object.entries(run.params)
      .filter(([k]) => k !== 'period')
      .map(([name, value]) => ({ name, value })),
    pages: run.page_count,
    bytes: run.pdf_bytes,
    kb: run.pdf_bytes === null ? '' : `${Math.round(run.pdf_bytes / 1024).toLocaleString('en-GB')} KB`,
    pdf_sha256: run.pdf_sha256,
    data_sha256: run.data_sha256,
    published_at: finished.toISOString(),
    published_label: finished.toLocaleString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' }),
    pdf: `/api/v1/reports/runs/${run.id}/pdf`,
    data: `/api/v1/reports/runs/${run.id}/data.json`,
  };
}

const esc = Handlebars.escapeExpression;

/**
 * The published reports as an Atom feed (RFC 4287), newest first: an umbrella body subscribes to its evidence
 * reports. Links are absolute (the service's address as the request reached it), each entry's id a tag URI that never changes.
 */
export function atomFeed(runs: ReportRun[], base: string): string {
  const views = runs.map(publishedView);
  const updated = views[0]?.published_at ?? new Date(0).toISOString();
  const entries = views.map(
    (v) => `  <entry>
    <id>tag:social-value-monitor,2026:report-run-${v.id}</id>
    <title>${esc(`${v.title}: ${v.period}${v.params.length ? ` (${v.params.map((p) => `${p.name} ${p.value}`).join(', ')})` : ''}`)}</title>
    <updated>${v.published_at}</updated>
    <link rel="alternate" type="application/pdf" href="${esc(base + v.pdf)}"/>
    <link rel="related" type="application/json" href="${esc(base + v.data)}"/>
    <summary>${esc(`${v.pages ?? '?'} pages, ${v.kb}. PDF SHA-256 ${v.pdf_sha256}; data.json SHA-256 ${v.data_sha256}.`)}</summary>
  </entry>`,
  );
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>tag:social-value-monitor,2026:published-reports</id>
  <title>Social value monitor: published reports</title>
  <updated>${updated}</updated>
  <author><name>Social value monitor</name></author>
  <link rel="self" type="application/atom+xml" href="${esc(base)}/reports/feed.atom"/>
  <link rel="alternate" type="text/html" href="${esc(base)}/reports"/>
${entries.join('\n')}
</feed>
`;
}
