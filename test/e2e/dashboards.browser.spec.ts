import { parse } from 'csv-parse/sync';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import { formatter } from '../../dashboards/format';
import type { FormatName } from '../../dashboards/theme';
import { describeWithBrowser, launchBrowser, type LaunchedBrowser } from '../support/browser';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The dashboards in a real Chromium, on the demo data: every page draws every chart with no console error, no failed
 * request and no request outside the service; supplier-level charts are locked for an anonymous visitor and drawn after
 * signing in through the form; the hex map has one hexagon per district; a filter redraws in place, is kept in the URL
 * and undone by the back button; each table view lists the numbers of its chart's CSV; tiles match the indicators
 * endpoint; an unknown authority is a 404 page; a contract title is text, never markup; the filters and table views are
 * reachable with the keyboard; nothing overflows a phone's width. Full-page screenshots go to test-output/screenshots/
 * (or SVM_SCREENSHOTS) for a person to look at.
 */

// the browser's globals, inside page.evaluate() callbacks only (they run in the page, not in Node)
declare const document: any;
declare const location: any;
declare const window: any;

const ROOT = join(__dirname, '..', '..');
const SCREENSHOTS = process.env.SVM_SCREENSHOTS || join(ROOT, 'test-output', 'screenshots');
const HEXJSON = join(ROOT, 'metrics', 'reference', 'data', 'maps', 'uk-local-authority-districts-2023.hexjson');
const TRAFFORD = 'E08000009';
const XSS_TITLE = '<script>alert(1)</script> Window cleaning';
const XSS_REFERENCE = 'BROWSER-XSS-0001';

interface PageDef {
  name: string;
  path: string;
  /** A dashboard page (charts, `.dashboard`), rather than the index or the search page. */
  dashboard: boolean;
}

/** Collects what must not happen on a page: console errors, script errors, failed or refused requests, other origins, dialogs. */
function watch(page: Page, origin: string): string[] {
  const problems: string[] = [];
  const where = () => page.url().replace(origin, '');
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = m.location()?.url ?? '';
    problems.push(`${where()}: console error: ${m.text()} ${url}`);
  });
  page.on('pageerror', (e) => problems.push(`${where()}: script error: ${e instanceof Error ? e.message : String(e)}`));
  page.on('requestfailed', (r) => problems.push(`${where()}: request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    // a locked chart is not even asked for (the page asks /dashboards/session first): no answer >= 400 at all
    if (r.status() < 400) return;
    problems.push(`${where()}: ${r.status()} ${r.url()}`);
  });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol === 'data:' || u.protocol === 'blob:') return; // not a request to anyone
    if (u.origin !== origin) problems.push(`${where()}: request outside the service: ${r.url()}`);
  });
  page.on('dialog', (d) => {
    problems.push(`${where()}: a dialog opened: ${d.type()} ${d.message()}`);
    void d.dismiss();
  });
  return problems;
}

/** A CSV file (RFC 4180) as rows of cells, read by csv-parse (the imports' parser), strictly: every row as wide as the header. */
function parseCsv(text: string): string[][] {
  return parse(text, { record_delimiter: '\r\n' }) as string[][];
}

/** Runs fn over the items, at most n at a time. */
async function inParallel<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

interface ChartState {
  name: string;
  access: string;
  state: string | null;
  marks: number;
  message: string | null;
  spec: string;
  csv: string;
  table: { headers: string[]; rows: string[][] } | null;
  tableMessage: string | null;
}

/** Each chart of the page as drawn: its state, its marks, its table view, its CSV link. */
async function charts(page: Page): Promise<ChartState[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('section.chart')).map((s: any) => {
      const table = s.querySelector('.chart__table table');
      return {
        name: s.getAttribute('data-chart'),
        access: s.getAttribute('data-access'),
        state: s.getAttribute('data-state'),
        // mark items of the drawing (axes, legends and titles are role-axis/role-legend/role-title groups) that are
        // seen: a box of their own inside the drawing's (a chart drawn 0 px wide has marks, but none to see)
        marks: (() => {
          const svg = s.querySelector('.chart__body svg');
          if (!svg) return 0;
          const box = svg.getBoundingClientRect();
          const items: any[] = Array.from(s.querySelectorAll('.chart__body svg g.role-mark path, .chart__body svg g.role-mark rect, .chart__body svg g.role-mark circle, .chart__body svg g.role-mark text'));
          return items.filter((e) => {
            const b = e.getBoundingClientRect();
            return (b.width > 0 || b.height > 0) && b.right > box.left && b.left < box.right && b.bottom > box.top && b.top < box.bottom;
          }).length;
        })(),
        message: s.querySelector('.chart__body .chart__message')?.textContent ?? null,
        spec: s.getAttribute('data-spec'),
        csv: s.querySelector('.dl-csv').getAttribute('href'),
        table: table
          ? {
              headers: Array.from(table.querySelectorAll('thead th')).map((th: any) => th.textContent),
              rows: Array.from(table.querySelectorAll('tbody tr')).map((tr: any) => Array.from(tr.querySelectorAll('td')).map((td: any) => td.textContent)),
            }
          : null,
        tableMessage: table ? null : (s.querySelector('.chart__table .table-wrap')?.textContent ?? null),
      };
    }),
  );
}

async function waitDrawn(page: Page): Promise<void> {
  await page.waitForSelector('.dashboard[data-state="drawn"]', { timeout: 45_000 });
}

async function tile(page: Page, name: string): Promise<string> {
  return page.$eval(`li.tile[data-tile="${name}"] .tile__value`, (el: any) => el.textContent.trim());
}

describeWithBrowser('the dashboards in a browser (demo data, Chromium)', () => {
  let t: TestApp;
  let launched: LaunchedBrowser;
  let browser: Browser;
  let anonymous: BrowserContext;
  let signedIn: BrowserContext;
  let cookie = '';
  let origin = '';
  let pages: PageDef[] = [];
  let analyst = '';
  let pct: (n: number) => string;
  let int: (n: number) => string;
  let printedFolder = false;

  // one at a time, the page in front: Chromium paints no frame for a background tab, and its screenshot waits for one
  let shooting: Promise<unknown> = Promise.resolve();
  async function screenshot(page: Page, file: string): Promise<void> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const shot = shooting.then(async () => {
      await page.bringToFront();
      await page.screenshot({ path: join(SCREENSHOTS, file) as `${string}.png`, fullPage: true });
    });
    shooting = shot.catch(() => undefined);
    await shot;
    if (!printedFolder) {
      printedFolder = true;
      console.log(`dashboards.browser.spec: screenshots in ${SCREENSHOTS}`);
    }
  }

  async function open(context: BrowserContext, path: string, isAnonymous: boolean, viewport = { width: 1280, height: 900 }) {
    const page = await context.newPage();
    await page.setViewport(viewport);
    const problems = watch(page, origin);
    const response = await page.goto(origin + path, { waitUntil: 'load' });
    return { page, problems, response };
  }

  beforeAll(async () => {
    const started = await Promise.all([startTestApp({ DEMO_DATA: 'true' }), launchBrowser()]);
    [t, launched] = started;
    browser = launched.browser;
    origin = t.url;
    pct = await formatter('pct');
    int = await formatter('int');
    analyst = await createKey(t.database.db, 'analyst');
    const admin = await createKey(t.database.db, 'admin');

    // a demo contract of Trafford with commitments (so its charts have rows)
    const list = await http(`${t.url}/api/v1/contracts?authority=${TRAFFORD}&limit=20`);
    expect(list.status).toBe(200);
    const ids: string[] = list.body.data.map((c: { id: string | number }) => String(c.id));
    expect(ids.length).toBeGreaterThan(0);
    let contract = ids[0];
    for (const id of ids) {
      const d = await http(`${t.url}/api/v1/contracts/${id}/delivery`, { key: analyst });
      if (d.status === 200 && (d.body.commitments?.length ?? 0) > 0) {
        contract = id;
        break;
      }
    }

    // a contract whose title is markup, imported as CSV
    const header = readFileSync(join(__dirname, '..', 'fixtures', 'imports', 'contracts.csv'), 'utf8').split('\n')[0].trim();
    const line = [XSS_REFERENCE, TRAFFORD, XSS_TITLE, '', '', 'Example Windows Ltd', 'sme', 'false', '90911300-9', '25000', '2024-04-01', '2024-05-01', '2025-04-30', 'awarded', 'true', 'false', 'true', 'true', '10'].join(',');
    const imported = await http(`${t.url}/api/v1/imports/contracts`, { key: admin, headers: { 'content-type': 'text/csv' }, body: `${header}\n${line}\n` });
    expect([imported.status, imported.body]).toEqual([201, expect.anything()]);

    pages = [
      { name: 'index', path: '/dashboards', dashboard: false },
      { name: 'national', path: '/dashboards/national', dashboard: true },
      { name: 'sectors', path: '/dashboards/sectors', dashboard: true },
      { name: 'quality', path: '/dashboards/quality', dashboard: true },
      { name: 'authority', path: `/dashboards/authority/${TRAFFORD}`, dashboard: true },
      { name: 'contract', path: `/dashboards/contract/${contract}`, dashboard: true },
      { name: 'search', path: '/dashboards/authority?q=Trafford', dashboard: false },
    ];

    anonymous = await browser.createBrowserContext();
    signedIn = await browser.createBrowserContext();
    // sign in through the form, as a person would
    const { page, problems } = await open(signedIn, '/dashboards/sign-in?next=/dashboards/quality', false);
    await page.type('#key', analyst);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form.sign-in button[type="submit"]')]);
    expect(new URL(page.url()).pathname).toBe('/dashboards/quality');
    const cookies = await signedIn.cookies();
    expect(cookies.length).toBeGreaterThan(0);
    const session = cookies.find((c) => c.httpOnly);
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(cookies.map((c) => c.value).join(' ')).not.toContain(analyst); // the cookie names the key, never holds it
    cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    await page.waitForFunction(() => document.getElementById('session')?.textContent.includes('Signed in'), { timeout: 10_000 });
    await waitDrawn(page);
    await page.close();
    expect(problems).toEqual([]);
  }, 180_000);

  afterAll(async () => {
    await launched?.close();
    await t?.close();
  });

  /** Table rows compared with their CSV, over the suite (so that the comparison cannot pass by comparing nothing). */
  let comparedRows = 0;

  /** Every chart of a drawn page: drawn (or locked), with marks, and its table view the same rows as its CSV. */
  async function checkCharts(page: Page, def: PageDef, isAnonymous: boolean): Promise<string[]> {
    const wrong: string[] = [];
    for (const c of await charts(page)) {
      const at = `${def.name}/${c.name}${isAnonymous ? ' (anonymous)' : ''}`;
      const expected = isAnonymous && c.access === 'supplier-data' ? 'locked' : 'drawn';
      if (c.state !== expected) {
        wrong.push(`${at}: data-state ${c.state}, expected ${expected} (${c.message ?? ''})`);
        continue;
      }
      if (expected === 'locked') continue;
      if (c.marks === 0) wrong.push(`${at}: no marks in the drawing`);
      // the table view against the CSV, fetched with the same cookie
      const headers: Record<string, string> = isAnonymous ? {} : { cookie };
      const [csv, spec] = await Promise.all([http<string>(origin + c.csv, { headers }), http(origin + c.spec, { headers })]);
      if (csv.status !== 200 || spec.status !== 200) {
        wrong.push(`${at}: CSV ${csv.status}, spec ${spec.status}`);
        continue;
      }
      const [head, ...lines] = parseCsv(typeof csv.body === 'string' ? csv.body : String(csv.body ?? ''));
      const columns: { field: string; title: string; format?: FormatName }[] = spec.body.usermeta.columns;
      if (!c.table) {
        if (lines.length > 0) wrong.push(`${at}: no table (${c.tableMessage}) but the CSV has ${lines.length} rows`);
        continue;
      }
      if (JSON.stringify(c.table.headers) !== JSON.stringify(head)) wrong.push(`${at}: table headings ${JSON.stringify(c.table.headers)} but CSV ${JSON.stringify(head)}`);
      if (c.table.rows.length !== lines.length) {
        wrong.push(`${at}: table has ${c.table.rows.length} rows, the CSV ${lines.length}`);
        continue;
      }
      comparedRows += lines.length;
      const formats = await Promise.all(columns.map((col) => (col.format ? formatter(col.format) : undefined)));
      for (let i = 0; i < lines.length && wrong.length < 20; i += 1) {
        for (let j = 0; j < columns.length; j += 1) {
          const shown = c.table.rows[i][j];
          const cell = lines[i][j] ?? '';
          const f = formats[j];
          let want: string;
          if (cell === '') want = '–';
          else if (f && /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(cell)) want = f(Number(cell));
          else if (/^'[=+\-@\t\r]/.test(cell) && shown === cell.slice(1)) want = shown; // the CSV's formula guard
          else if (/^-?\d+(\.\d+)?$/.test(cell) && Number(shown) === Number(cell)) want = shown;
          else want = cell;
          if (shown !== want) wrong.push(`${at}: row ${i + 1} "${columns[j].title}" shows ${JSON.stringify(shown)}, the CSV ${JSON.stringify(cell)} (expected ${JSON.stringify(want)})`);
        }
      }
    }
    return wrong;
  }

  it('draws every page for an anonymous visitor (supplier-level charts locked) and after signing in, cleanly', async () => {
    const runs = pages.flatMap((def) => [
      { def, isAnonymous: true },
      { def, isAnonymous: false },
    ]);
    const results = await inParallel(runs, 4, async ({ def, isAnonymous }) => {
      const { page, problems, response } = await open(isAnonymous ? anonymous : signedIn, def.path, isAnonymous);
      const wrong: string[] = [];
      try {
        // 304: the page again, revalidated by its ETag (the sign-in went to the quality page)
        if (![200, 304].includes(response?.status() ?? 0)) wrong.push(`${def.name}: status ${response?.status()}`);
        const h1 = await page.$eval('h1', (el: any) => el.textContent.trim()).catch(() => '');
        if (!h1) wrong.push(`${def.name}: no h1`);
        if (def.dashboard) {
          await waitDrawn(page);
          wrong.push(...(await checkCharts(page, def, isAnonymous)));
        } else if (def.name === 'search') {
          const links = await page.$$eval('ul.results a', (as: any[]) => as.map((a) => a.getAttribute('href')));
          if (!links.includes(`/dashboards/authority/${TRAFFORD}`)) wrong.push(`search: no link to Trafford in ${JSON.stringify(links)}`);
        } else {
          const links = await page.$$eval('.cards a', (as: any[]) => as.length);
          if (links < 4) wrong.push(`index: ${links} dashboard links`);
        }
        // the session line has loaded too (its fetch is part of the page)
        await page.waitForFunction(() => !document.getElementById('session') || document.getElementById('session').textContent.trim() !== '', { timeout: 10_000 });
        await screenshot(page, `${def.name}${isAnonymous ? '-anonymous' : ''}.png`);
      } finally {
        await page.close();
      }
      return [...wrong, ...problems];
    });
    expect(results.flat()).toEqual([]);
    expect(comparedRows).toBeGreaterThan(500);
  }, 120_000);

  it('draws one hexagon per district of the hex map', async () => {
    const hexes = Object.keys((JSON.parse(readFileSync(HEXJSON, 'utf8')) as { hexes: Record<string, unknown> }).hexes).length;
    const { page, problems } = await open(anonymous, '/dashboards/national', true);
    try {
      await waitDrawn(page);
      const drawn = await page.evaluate(() => {
        const svg = document.querySelector('#chart-hex-map .chart__body svg');
        const groups = Array.from(svg.querySelectorAll('g.role-mark')).map((g: any) => g.getAttribute('class'));
        const paths = Array.from(svg.querySelectorAll('g.mark-shape.role-mark path'));
        return { groups, shapes: paths.length, labelled: paths.filter((p: any) => p.getAttribute('aria-label')).length };
      });
      expect(drawn.groups).toEqual([expect.stringContaining('mark-shape')]); // a geoshape is drawn as Vega's shape mark
      expect(drawn.shapes).toBe(hexes);
      expect(drawn.labelled).toBe(hexes);
      // each hexagon goes to its council's page (Vega follows the href on a click; the paths are not <a> elements)
      const trafford = await page.$('#chart-hex-map g.mark-shape path[aria-label^="Trafford ("]');
      expect(trafford).not.toBeNull();
      await trafford!.scrollIntoView();
      const box = await trafford!.boundingBox();
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.mouse.click(box!.x + box!.width / 2, box!.y + box!.height / 2)]);
      expect(new URL(page.url()).pathname).toBe(`/dashboards/authority/${TRAFFORD}`);
      await waitDrawn(page);
    } finally {
      await page.close();
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('keeps a filter in the URL, redraws with its data and tiles, and the back button restores the view', async () => {
    const implementation = async (query: string) => (await http(`${origin}/api/v1/indicators/implementation${query}`)).body.rows[0];
    const { page, problems } = await open(anonymous, '/dashboards/national', true);
    try {
      await waitDrawn(page);
      const all = await implementation('');
      const before = { share: await tile(page, 'sv_evaluated_share'), contracts: await tile(page, 'in_scope_contracts'), charts: await charts(page) };
      expect(before.share).toBe(pct(Number(all.sv_evaluated_share)));
      expect(before.contracts).toBe(int(Number(all.in_scope_contracts)));

      const regions: string[] = await page.$$eval('#f-region option', (os: any[]) => os.map((o) => o.value).filter(Boolean));
      expect(regions.length).toBeGreaterThan(1);
      const region = regions.includes('North West') ? 'North West' : regions[0];
      const inRegion = await implementation(`?region=${encodeURIComponent(region)}`);
      const want = { share: pct(Number(inRegion.sv_evaluated_share)), contracts: int(Number(inRegion.in_scope_contracts)) };
      expect(want.contracts).not.toBe(before.contracts);

      await page.select('#f-region', region);
      expect(await page.evaluate(() => location.search)).toContain(`region=${encodeURIComponent(region).replace(/%20/g, '+')}`);
      await waitDrawn(page);
      await page.waitForFunction((w: string) => document.querySelector('li.tile[data-tile="in_scope_contracts"] .tile__value').textContent.trim() === w, { timeout: 10_000 }, want.contracts).catch(() => undefined);
      const after = { share: await tile(page, 'sv_evaluated_share'), contracts: await tile(page, 'in_scope_contracts'), charts: await charts(page) };
      expect(after.share).toBe(want.share);
      expect(after.contracts).toBe(want.contracts);
      for (const c of after.charts) {
        expect([c.name, c.state]).toEqual([c.name, 'drawn']);
        expect([c.name, c.spec]).toEqual([c.name, expect.stringContaining('region=')]);
      }
      // the charts' data changed with the region
      const tables = (cs: ChartState[]) => JSON.stringify(cs.map((c) => c.table));
      expect(tables(after.charts)).not.toBe(tables(before.charts));
      expect(await checkCharts(page, { name: 'national?region', path: '', dashboard: true }, true)).toEqual([]);

      await page.goBack();
      await page.waitForFunction(() => !location.search.includes('region='), { timeout: 10_000 });
      await waitDrawn(page);
      await page.waitForFunction((w: string) => document.querySelector('li.tile[data-tile="in_scope_contracts"] .tile__value').textContent.trim() === w, { timeout: 10_000 }, before.contracts).catch(() => undefined);
      expect(await page.$eval('#f-region', (s: any) => s.value)).toBe('');
      expect(await tile(page, 'in_scope_contracts')).toBe(before.contracts);
      expect(await tile(page, 'sv_evaluated_share')).toBe(before.share);
      const restored = await charts(page);
      expect(tables(restored)).toBe(tables(before.charts));
      for (const c of restored) expect([c.name, c.spec.includes('region=')]).toEqual([c.name, false]);
    } finally {
      await page.close();
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('answers an unknown authority with a 404 page', async () => {
    const { page, response } = await open(anonymous, '/dashboards/authority/E99999999', true);
    try {
      expect(response?.status()).toBe(404);
      expect(response?.headers()['content-type']).toMatch(/^text\/html/);
      expect(await page.$eval('h1', (el: any) => el.textContent.trim())).toBe('Page not found');
    } finally {
      await page.close();
    }
  });

  it('shows a contract title that is markup as text', async () => {
    const { page, problems } = await open(signedIn, `/dashboards/contract/${XSS_REFERENCE}`, false);
    try {
      await waitDrawn(page);
      const h1 = await page.$eval('h1', (el: any) => el.textContent);
      expect(h1).toContain('<script>alert(1)</script>');
      expect(await page.evaluate(() => document.querySelectorAll('main script').length)).toBe(0);
      const states = (await charts(page)).map((c) => [c.name, c.state]);
      for (const [name, state] of states) expect([name, state]).toEqual([name, 'drawn']);
      await screenshot(page, 'contract-markup-title.png');
    } finally {
      await page.close();
    }
    expect(problems).toEqual([]); // a dialog (alert) would be listed here
  }, 60_000);

  it('reaches the filters and each table view with the keyboard', async () => {
    const { page, problems } = await open(anonymous, '/dashboards/quality', true);
    try {
      await waitDrawn(page);
      const summaries: number = await page.$$eval('section.chart summary', (s: any[]) => s.length);
      const seen: string[] = [];
      for (let i = 0; i < 120 && seen.filter((s) => s.startsWith('SUMMARY')).length < summaries; i += 1) {
        await page.keyboard.press('Tab');
        seen.push(
          await page.evaluate(() => {
            const el = document.activeElement;
            const section = el.closest('section.chart');
            return `${el.tagName}${el.id ? `#${el.id}` : ''}${section ? ` in ${section.getAttribute('data-chart')}` : ''}`;
          }),
        );
      }
      expect(seen).toEqual(expect.arrayContaining(['SELECT#f-region', 'SELECT#f-kind']));
      expect(seen.filter((s) => s.startsWith('SUMMARY')).length).toBe(summaries);
      // a summary opens its table with the keyboard
      const first = seen.findIndex((s) => s.startsWith('SUMMARY'));
      expect(first).toBeGreaterThan(seen.indexOf('SELECT#f-region'));
    } finally {
      await page.close();
    }
    expect(problems).toEqual([]);

    // on the national page the first table view is reached too (in tab order before the charts' own links)
    const national = await open(anonymous, '/dashboards/national', true);
    try {
      await waitDrawn(national.page);
      let reached = '';
      for (let i = 0; i < 80 && !reached.startsWith('SUMMARY'); i += 1) {
        await national.page.keyboard.press('Tab');
        reached = await national.page.evaluate(() => document.activeElement.tagName);
      }
      expect(reached).toBe('SUMMARY');
      await national.page.keyboard.press('Enter');
      expect(await national.page.evaluate(() => document.activeElement.closest('details').open)).toBe(true);
    } finally {
      await national.page.close();
    }
    expect(national.problems).toEqual([]);
  }, 60_000);

  it("fits a phone: no horizontal overflow at 390 px, and every chart's marks keep room beside their labels", async () => {
    const results = await inParallel(pages, 3, async (def) => {
      const { page, problems } = await open(signedIn, def.path, false, { width: 390, height: 844 });
      try {
        if (def.dashboard) await waitDrawn(page);
        const width: number = await page.evaluate(() => document.documentElement.scrollWidth);
        const wide: string[] = await page.evaluate(() =>
          Array.from(document.querySelectorAll('main *'))
            .filter((el: any) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.table-wrap'))
            .slice(0, 5)
            .map((el: any) => `${el.tagName.toLowerCase()}.${String(el.getAttribute('class') ?? '').replace(/ /g, '.')} (${Math.round(el.getBoundingClientRect().right)}px)`),
        );
        // every chart's marks get room: labels must not take the width (a heat map squeezed to a sliver is unreadable)
        const squeezed: string[] = await page.evaluate(() =>
          Array.from(document.querySelectorAll('section.chart[data-state="drawn"]')).flatMap((s: any) => {
            const body = s.querySelector('.chart__body');
            const marks = Array.from(s.querySelectorAll('.chart__body svg g.role-mark rect, .chart__body svg g.role-mark path, .chart__body svg g.role-mark circle'))
              .map((e: any) => e.getBoundingClientRect())
              .filter((b: any) => b.width > 0 || b.height > 0);
            if (marks.length === 0) return [];
            const span = Math.max(...marks.map((b: any) => b.right)) - Math.min(...marks.map((b: any) => b.left));
            return span < body.clientWidth * 0.3 ? [`${s.getAttribute('data-chart')}: marks span ${Math.round(span)} of ${body.clientWidth} px`] : [];
          }),
        );
        await screenshot(page, `${def.name}-phone.png`);
        return [...(width > 391 ? [`${def.name}: scrollWidth ${width} at 390 px: ${wide.join(', ')}`] : []), ...squeezed.map((q) => `${def.name} at 390 px: ${q}`), ...problems];
      } finally {
        await page.close();
      }
    });
    expect(results.flat()).toEqual([]);
  }, 90_000);
});
