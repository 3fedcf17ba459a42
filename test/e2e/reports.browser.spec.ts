import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatNumber } from '../../dashboards/format';
import type { FormatName } from '../../dashboards/theme';
import { projectRoot } from '../../metrics/platform/project-root';
import { PrintError, Printer } from '../../reports/render/printer';
import { ReportRunsService } from '../../reports/runs/report-runs.service';
import { describeWithBrowser, launchBrowser, type LaunchedBrowser } from '../support/browser';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Reports end to end on a real Chromium, over HTTP, on the demo data plus a contract whose title is markup: a run
 * requested (202) and polled; its PDF checked with poppler (A4, pages, tagged, title; the text holds the headline
 * figures the API gives, the hostile title as text, and the SHA-256 of the data.json served beside it); published
 * runs listed at /reports and in the Atom feed; unpublished ones only for keys; a failed attempt retried with
 * back-off; Chromium killed in a print failing that run with a clear error and the next run succeeding; a run left
 * running by a dead process failed at start. The first pages of each PDF are written as PNG for a person to look at
 * (test-output/reports, or SVM_REPORTS_OUTPUT).
 */
jest.setTimeout(300_000);
// the browser's globals, inside page.evaluate() callbacks only (they run in the page, not in Node)
declare const document: any;

const OUTPUT = process.env.SVM_REPORTS_OUTPUT || join(projectRoot(), 'test-output', 'reports');
const HOSTILE = '<script>alert("x")</script> Bold & <b>brave</b> care';
const PERIOD = '2025';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function poppler(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

describeWithBrowser('reports on a real Chromium', () => {
  let t: TestApp;
  let admin: string;
  let analyst: string;
  let submitter: string;

  beforeAll(async () => {
    rmSync(OUTPUT, { recursive: true, force: true });
    mkdirSync(OUTPUT, { recursive: true });
    t = await startTestApp({ DEMO_DATA: 'true', REPORTS_RETRY_BASE_MS: '100', REPORTS_ATTEMPTS: '2' });
    admin = await createKey(t.database.db, 'admin');
    analyst = await createKey(t.database.db, 'analyst');
    submitter = await createKey(t.database.db, 'submitter', ['E08000009']);
    // a contract whose title is markup, with a commitment and a delivery (it appears in the authority's contracts)
    const csv = (body: string) => ({ key: admin, headers: { 'content-type': 'text/csv' }, body });
    const c = await http(`${t.url}/api/v1/imports/contracts`, csv(`reference,authority,title,supplier_name,cpv,value_gbp,start_date,end_date,award_date\nHOSTILE-1,E08000009,"${HOSTILE.replace(/"/g, '""')}",Hostile Supplier Ltd,85312000,900000,2025-04-01,2027-12-31,2025-03-10\n`));
    expect(c.status).toBe(201);
    const m = await http(`${t.url}/api/v1/imports/commitments`, csv('contract,measure,target_quantity,unit,period_start,period_end\nHOSTILE-1,SVM-VOLUNTEER-HOURS,1000,hour,2025-04-01,2027-12-31\n'));
    expect(m.status).toBe(201);
    const o = await http(`${t.url}/api/v1/imports/outcomes`, csv('contract,measure,period,quantity,unit,evidence_ref\nHOSTILE-1,SVM-VOLUNTEER-HOURS,2025-Q2,300,hour,H1/2025Q2\n'));
    expect(o.status).toBe(201);
  });

  afterAll(() => t?.close());

  async function requestRun(key: string, report: string, params: Record<string, string>, publish = false) {
    const r = await http(`${t.url}/api/v1/reports/runs`, { key, json: { report, params, publish } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ status: 'queued', report, published: publish });
    return r.body.id as number;
  }

  async function finished(id: number, key?: string) {
    for (let i = 0; i < 1200; i++) {
      const r = await http(`${t.url}/api/v1/reports/runs/${id}`, { key: key ?? admin });
      if (r.body.status === 'succeeded' || r.body.status === 'failed') return r.body;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`run ${id} did not finish`);
  }

  async function files(id: number, key?: string) {
    const headers = key ? { authorization: `Bearer ${key}` } : undefined;
    const pdf = await fetch(`${t.url}/api/v1/reports/runs/${id}/pdf`, { headers });
    const data = await fetch(`${t.url}/api/v1/reports/runs/${id}/data.json`, { headers });
    expect([pdf.status, data.status]).toEqual([200, 200]);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    return { pdf: Buffer.from(await pdf.arrayBuffer()), data: Buffer.from(await data.arrayBuffer()) };
  }

  /** Writes the PDF and PNG images of its first pages; returns pdfinfo's fields and the text. */
  function inspect(name: string, pdf: Buffer) {
    const file = join(OUTPUT, `${name}.pdf`);
    writeFileSync(file, pdf);
    poppler('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '6', file, join(OUTPUT, name)]);
    const info = Object.fromEntries(
      poppler('pdfinfo', [file])
        .split('\n')
        .filter((l) => l.includes(':'))
        .map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    return { info, text: poppler('pdftotext', ['-layout', file, '-']) };
  }

  it('prints a published national report: A4, tagged, titled, its figures and snapshot hash in the text', async () => {
    const id = await requestRun(admin, 'national', { period: PERIOD }, true);
    const run = await finished(id);
    expect(run).toMatchObject({ status: 'succeeded', published: true, include_supplier_data: false });
    const { pdf, data } = await files(id); // published: no key needed
    expect(sha256(pdf)).toBe(run.pdf_sha256);
    expect(sha256(data)).toBe(run.data_sha256);
    const { info, text } = inspect('national', pdf);
    expect(info['Page size']).toMatch(/\(A4\)/);
    expect(Number(info.Pages)).toBe(run.page_count);
    expect(info.Tagged).toBe('yes');
    expect(info.Title).toContain('national implementation report');
    expect(info.Subject).toContain(run.data_sha256);
    const model = JSON.parse(data.toString('utf8'));
    expect(model.supplier_data).toBe(false);
    const flat = text.replace(/\s+/g, '');
    expect(flat).toContain(run.data_sha256); // the snapshot line prints the hash of exactly these bytes
    expect(text).toContain('DEMO DATA');
    expect(text).toMatch(/Page 2 of \d+/);
    expect(text).toContain('Contents');
    expect(text).toContain('Methodology and data sources');
    // the headline figures: each the API's for the same parameters (its source names the call and field), printed as such
    expect(model.figures.length).toBeGreaterThan(0);
    const api = await http(`${t.url}/api/v1/indicators/implementation?from=${PERIOD}&to=${PERIOD}&basis=net`);
    let compared = 0;
    for (const f of model.figures as { label: string; value: number | null; format: FormatName; source: string }[]) {
      const field = /rows\[0\]\.(\w+)$/.exec(f.source)?.[1];
      if (f.source.startsWith(`GET /api/v1/indicators/implementation?from=${PERIOD}&to=${PERIOD}&basis=net:`) && field) {
        expect([f.label, f.value]).toEqual([f.label, api.body.rows[0][field] === null ? null : Number(api.body.rows[0][field])]);
        compared++;
      }
      expect(text).toContain(await formatNumber(f.value, f.format));
    }
    expect(compared).toBeGreaterThan(3);
  });

  it('lists published runs at /reports and in the Atom feed, with permanent links', async () => {
    const page = await fetch(`${t.url}/reports`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toMatch(/\/api\/v1\/reports\/runs\/\d+\/pdf/);
    const feed = await fetch(`${t.url}/reports/feed.atom`);
    expect(feed.headers.get('content-type')).toContain('application/atom+xml');
    const xml = await feed.text();
    expect(xml).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    expect(xml).toMatch(/<link rel="alternate" type="application\/pdf" href="http:\/\/127\.0\.0\.1:\d+\/api\/v1\/reports\/runs\/\d+\/pdf"\/>/);
  });

  it('prints an authority report for a key with its contracts, a hostile title as text; not public', async () => {
    const id = await requestRun(analyst, 'authority', { period: PERIOD, authority: 'E08000009' });
    const run = await finished(id, analyst);
    expect(run).toMatchObject({ status: 'succeeded', published: false, include_supplier_data: true });
    expect((await fetch(`${t.url}/api/v1/reports/runs/${id}/pdf`)).status).toBe(401);
    const { pdf, data } = await files(id, analyst);
    const { text } = inspect('authority', pdf);
    expect(JSON.parse(data.toString('utf8')).supplier_data).toBe(true);
    expect(text.replace(/\s+/g, ' ')).toContain('<script>alert("x")</script> Bold & <b>brave</b> care'.slice(0, 30));
  });

  it('refuses bad requests with the field named', async () => {
    const bad = async (json: unknown, key = admin) => http(`${t.url}/api/v1/reports/runs`, { key, json });
    expect((await bad({ report: 'nope' })).body.error).toMatchObject({ code: 'invalid_parameter', details: { field: 'report' } });
    expect((await bad({ report: 'authority', params: {} })).body.error.details.field).toBe('authority');
    expect((await bad({ report: 'authority', params: { authority: 'E99999999' } })).body.error.details.field).toBe('authority');
    expect((await bad({ report: 'national', params: { period: '2025-Q9' } })).body.error.details.field).toBe('period');
    expect((await bad({ report: 'national', params: { period: '2099' } })).body.error.details.field).toBe('period');
    expect((await bad({ report: 'national', params: { colour: 'red' } })).body.error.details.field).toBe('colour');
    expect((await bad({ report: 'national', publish: true }, analyst)).status).toBe(403);
    expect((await http(`${t.url}/api/v1/reports/runs`, { json: { report: 'national' } })).status).toBe(401);
    expect((await http(`${t.url}/api/v1/reports/runs/99999`, { key: admin })).status).toBe(404);
  });

  it('shows a submitter only the runs it asked for', async () => {
    const mine = await requestRun(submitter, 'authority', { period: PERIOD, authority: 'E08000009' });
    // another key's run, for the submitter's own authority: still not the submitter's to see
    const theirs = await requestRun(analyst, 'authority', { period: PERIOD, authority: 'E08000009' });
    await finished(mine, submitter);
    await finished(theirs, analyst);
    expect((await http(`${t.url}/api/v1/reports/runs/${mine}`, { key: submitter })).status).toBe(200);
    expect((await http(`${t.url}/api/v1/reports/runs/${theirs}`, { key: submitter })).status).toBe(404);
    const list = await http(`${t.url}/api/v1/reports/runs`, { key: submitter });
    expect(list.body.data.map((r: { id: number }) => r.id)).toEqual([mine]);
  });

  // the queue's retries and failures do not depend on the report: these print the authority report, about half the
  // national report's work (the national one is printed and checked above)
  const AUTHORITY = { period: PERIOD, authority: 'E08000009' };

  it('retries a failed attempt with back-off and records why', async () => {
    const printer = t.app.get(Printer);
    const spy = jest.spyOn(printer, 'print').mockRejectedValueOnce(new PrintError('a deliberate failure'));
    try {
      const id = await requestRun(admin, 'authority', AUTHORITY);
      const run = await finished(id);
      expect(run).toMatchObject({ status: 'succeeded', attempts: 2 });
    } finally {
      spy.mockRestore();
    }
    const id = await requestRun(admin, 'authority', AUTHORITY);
    const spy2 = jest.spyOn(printer, 'print').mockRejectedValue(new PrintError('always failing'));
    try {
      const run = await finished(id);
      expect(run.status).toBe('failed');
      expect(run.error).toBe('Attempt 2 of 2: always failing');
    } finally {
      spy2.mockRestore();
    }
  });

  it('fails the run whose Chromium is killed mid-print, with a clear error; the next run succeeds', async () => {
    const printer = t.app.get(Printer);
    const original = printer.print.bind(printer);
    const spy = jest.spyOn(printer, 'print').mockImplementation(async (html, timeout) => {
      const pid = await printer.pid();
      const printing = original(html, timeout);
      if (pid) setTimeout(() => process.kill(pid, 'SIGKILL'), 20);
      return printing;
    });
    let id: number;
    try {
      id = await requestRun(admin, 'authority', AUTHORITY);
      const run = await finished(id);
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/Chromium stopped during the print/);
    } finally {
      spy.mockRestore();
    }
    const next = await finished(await requestRun(admin, 'authority', AUTHORITY));
    expect(next.status).toBe('succeeded');
  });

  describe('previews', () => {
    // one Chromium for the three previews, each in a fresh browser context of its own (as the dashboards' suite does)
    let chromium: LaunchedBrowser;
    beforeAll(async () => {
      chromium = await launchBrowser();
    });
    afterAll(() => chromium?.close());

    it.each(['national', 'authority', 'evidence'])('previews the %s report as an accessible page that asks for nothing', async (report) => {
      const context = await chromium.browser.createBrowserContext();
      try {
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warn') problems.push(`console: ${m.text()}`);
        });
        page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
        const requested: string[] = [];
        page.on('request', (r) => requested.push(r.url()));
        const query = report === 'authority' ? `?period=${PERIOD}&authority=E08000009` : `?period=${PERIOD}`;
        const res = await page.goto(`${t.url}/reports/${report}/preview${query}`, { waitUntil: 'load' });
        expect(res?.status()).toBe(200);
        expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
        expect(problems).toEqual([]);
        expect(requested).toEqual([`${t.url}/reports/${report}/preview${query}`]); // self-contained: nothing else fetched
        const facts = await page.evaluate(() => {
          const headings = [...document.querySelectorAll('h1, h2, h3, h4')].map((h: { tagName: string }) => Number(h.tagName[1]));
          const skips = headings.filter((level: number, i: number) => i > 0 && level > headings[i - 1] + 1).length;
          return {
            lang: document.documentElement.lang,
            h1: document.querySelectorAll('h1').length,
            skips,
            figuresWithoutText: [...document.querySelectorAll('[role="img"]')].filter((f: { getAttribute(n: string): string | null }) => !(f.getAttribute('aria-label') ?? '').trim()).length,
            headerCellsWithoutScope: [...document.querySelectorAll('thead th')].filter((th: { getAttribute(n: string): string | null }) => !th.getAttribute('scope')).length,
            tables: document.querySelectorAll('table').length,
            charts: document.querySelectorAll('figure.chart svg').length,
          };
        });
        expect(facts).toMatchObject({ lang: 'en-GB', h1: 1, skips: 0, figuresWithoutText: 0, headerCellsWithoutScope: 0 });
        expect(facts.charts).toBeGreaterThan(0);
        // on a phone nothing makes the page scroll sideways (wide tables scroll in their own box)
        await page.setViewport({ width: 390, height: 844 });
        const wide = await page.evaluate(() =>
          [...document.querySelectorAll('body *')]
            .filter((e: { getBoundingClientRect(): { right: number } }) => e.getBoundingClientRect().right > 391)
            .slice(0, 5)
            .map((e: { tagName: string; className: unknown }) => `${e.tagName}.${String(e.className)}`),
        );
        expect({ scrollWidth: await page.evaluate(() => document.documentElement.scrollWidth), wide }).toEqual({ scrollWidth: 390, wide: expect.any(Array) });
        await page.screenshot({ path: join(OUTPUT, `${report}-preview-phone.png`), fullPage: false });
      } finally {
        await context.close();
      }
    });
  });

  it('fails at start a run left running by a process that stopped', async () => {
    const [row] = await t.database.db.knex('report_runs')
      .insert({ report: 'national', params: JSON.stringify({ period: PERIOD }), status: 'running', started_at: new Date(Date.now() - 3_600_000), heartbeat_at: new Date(Date.now() - 3_600_000), worker: 'gone:1:dead', attempts: 1 })
      .returning('id');
    await t.app.get(ReportRunsService).onApplicationBootstrap(); // what a start does
    const run = await finished(Number(row.id));
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/The process rendering it stopped \(worker gone:1:dead/);
  });
});
