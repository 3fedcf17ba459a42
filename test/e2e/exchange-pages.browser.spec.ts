import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { describeWithBrowser, launchBrowser, type LaunchedBrowser } from '../support/browser';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The exchange's pages in a real Chromium, on the demo data (its needs, pledges and matches in every state): the board
 * of open needs, a need, a pledge and the exchange dashboard draw with no console error, no failed request and nothing
 * outside the service, at a desktop's and a phone's width (nothing wider than a phone); the filter form is reached and
 * sent with the keyboard alone; an unknown need is a 404 page and a malformed id a 400 page. Full-page screenshots go
 * to SVM_SCREENSHOTS (default test-output/screenshots/) for a person to look at.
 */

declare const document: any;
declare const window: any;

const ROOT = join(__dirname, '..', '..');
const SCREENSHOTS = process.env.SVM_SCREENSHOTS || join(ROOT, 'test-output', 'screenshots');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

function watch(page: Page, origin: string): string[] {
  const problems: string[] = [];
  const where = () => page.url().replace(origin, '');
  page.on('console', (m) => m.type() === 'error' && problems.push(`${where()}: console error: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`${where()}: script error: ${e instanceof Error ? e.message : String(e)}`));
  page.on('requestfailed', (r) => problems.push(`${where()}: request failed: ${r.url()}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`${where()}: ${r.status()} ${r.url()}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol !== 'data:' && u.protocol !== 'blob:' && u.origin !== origin) problems.push(`${where()}: request outside the service: ${r.url()}`);
  });
  return problems;
}

describeWithBrowser('the exchange pages in a browser (demo data, Chromium)', () => {
  let t: TestApp;
  let launched: LaunchedBrowser;
  let browser: Browser;
  let paths: Array<{ name: string; path: string; charts: boolean }>;

  beforeAll(async () => {
    [t, launched] = await Promise.all([startTestApp({ DEMO_DATA: 'true' }), launchBrowser()]);
    browser = launched.browser;
    const k = t.database.db.knex;
    // a need with matches in several states, and a pledge with a confirmed match
    const need = (await k.raw(`select need_id from exchange_matches group by need_id order by count(distinct status) desc, need_id limit 1`)).rows[0].need_id;
    const pledge = (await k.raw(`select pledge_id from exchange_matches where status = 'confirmed' order by pledge_id limit 1`)).rows[0].pledge_id;
    paths = [
      { name: 'exchange', path: '/exchange', charts: true },
      { name: 'exchange-filtered', path: '/exchange?region=North+West&resource_kind=volunteer_hours', charts: true },
      { name: 'exchange-need', path: `/exchange/needs/${need}`, charts: false },
      { name: 'exchange-pledge', path: `/exchange/pledges/${pledge}`, charts: false },
      { name: 'exchange-dashboard', path: '/dashboards/exchange', charts: true },
    ];
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await launched?.close();
    await t?.close();
  });

  async function open(path: string, viewport: { width: number; height: number }) {
    const page = await browser.newPage();
    await page.setViewport(viewport);
    const problems = watch(page, t.url);
    const response = await page.goto(t.url + path, { waitUntil: 'load' });
    return { page, problems, response };
  }

  it.each([
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const)('draws every page cleanly at a %s width, nothing wider than the screen', async (label, viewport) => {
    const wrong: string[] = [];
    for (const def of paths) {
      const { page, problems, response } = await open(def.path, viewport);
      try {
        if (![200, 304].includes(response?.status() ?? 0)) wrong.push(`${def.name}: status ${response?.status()}`);
        if (def.charts) {
          await page.waitForSelector('.dashboard[data-state="drawn"]', { timeout: 45_000 });
          const states: string[] = await page.$$eval('section.chart', (s: any[]) => s.map((x) => `${x.getAttribute('data-chart')}:${x.getAttribute('data-state')}`));
          for (const s of states) if (!s.endsWith(':drawn')) wrong.push(`${def.name}: chart ${s}`);
          const marks: number = await page.$$eval('section.chart .chart__body svg g.role-mark', (g: any[]) => g.length);
          if (marks === 0) wrong.push(`${def.name}: no marks drawn`);
        }
        const h1: string = await page.$eval('h1', (el: any) => el.textContent.trim());
        if (!h1) wrong.push(`${def.name}: no h1`);
        const width: number = await page.evaluate(() => document.documentElement.scrollWidth);
        if (width > viewport.width + 1) {
          const wide: string[] = await page.evaluate(() =>
            Array.from(document.querySelectorAll('body *'))
              .filter((el: any) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.table-wrap'))
              .slice(-5)
              .map((el: any) => `${el.tagName.toLowerCase()}.${el.getAttribute('class') ?? ''}`),
          );
          wrong.push(`${def.name}: scrollWidth ${width} at ${viewport.width}px: ${wide.join(', ')}`);
        }
        await page.bringToFront();
        await page.screenshot({ path: join(SCREENSHOTS, `${def.name}-${label}.png`) as `${string}.png`, fullPage: true });
        // and in screens of 1,200 px, for a person to read (a tall page shrinks to nothing as one image)
        const height: number = await page.evaluate(() => document.documentElement.scrollHeight);
        for (let y = 0, i = 1; y < height && i <= 8; y += 1200, i += 1) {
          await page.screenshot({ path: join(SCREENSHOTS, `${def.name}-${label}-${i}.png`) as `${string}.png`, clip: { x: 0, y, width: viewport.width, height: Math.min(1200, height - y) }, captureBeyondViewport: true });
        }
      } finally {
        await page.close();
      }
      wrong.push(...problems);
    }
    expect(wrong).toEqual([]);
  }, 180_000);

  it('lists open needs, each with what is asked and left, and links to its page and to the dashboard', async () => {
    const { page, problems } = await open('/exchange', DESKTOP);
    try {
      const needs = await page.$$eval('li.need', (li: any[]) =>
        li.map((x) => ({ href: x.querySelector('.need__title a').getAttribute('href'), text: x.textContent })),
      );
      expect(needs.length).toBeGreaterThan(5);
      for (const n of needs) {
        expect(n.href).toMatch(/^\/exchange\/needs\/\d+$/);
        expect(n.text).toMatch(/Asked/);
        expect(n.text).toMatch(/Left/);
        expect(n.text).toMatch(/Needed by/);
      }
      expect(await page.$('a[href="/dashboards/exchange"]')).not.toBeNull();
    } finally {
      await page.close();
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('reaches the filter form with the keyboard, chooses with the arrow keys and sends it with Enter', async () => {
    const { page, problems } = await open('/exchange', DESKTOP);
    try {
      const seen: string[] = [];
      for (let i = 0; i < 40 && !seen.includes('BUTTON'); i += 1) {
        await page.keyboard.press('Tab');
        seen.push(await page.evaluate(() => (document.activeElement.id ? `${document.activeElement.tagName}#${document.activeElement.id}` : document.activeElement.tagName)));
      }
      const order = ['SELECT#x-authority', 'SELECT#x-region', 'SELECT#x-theme', 'SELECT#x-resource_kind', 'BUTTON'].map((s) => seen.indexOf(s));
      expect(order.every((i) => i >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      // the focus is seen: an outline or a shadow on the focused select
      await page.focus('#x-resource_kind');
      const ring = await page.$eval('#x-resource_kind', (el: any) => {
        const s = window.getComputedStyle(el);
        return `${s.outlineStyle} ${s.boxShadow}`;
      });
      expect(ring).not.toBe('none none');
      await page.keyboard.press('ArrowDown'); // the first kind
      await page.focus('form#exchange-filters button[type="submit"]');
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
      expect(new URL(page.url()).searchParams.get('resource_kind')).toBe('volunteer_hours');
      expect(await page.$eval('#x-resource_kind', (el: any) => el.value)).toBe('volunteer_hours');
      const kinds: string[] = await page.$$eval('li.need .need__facts', (d: any[]) => d.map((x) => x.textContent));
      for (const k of kinds) expect(k).toContain('Volunteer hours');
    } finally {
      await page.close();
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('answers an unknown need with a 404 page and a malformed id with a 400 page', async () => {
    for (const [path, status, heading] of [
      ['/exchange/needs/987654321', 404, 'Page not found'],
      ['/exchange/pledges/abc', 400, 'There is a problem with the address'],
      ['/exchange?resource_kind=money', 400, 'There is a problem with the address'],
    ] as const) {
      const page = await browser.newPage();
      try {
        const response = await page.goto(t.url + path, { waitUntil: 'load' });
        expect([path, response?.status(), response?.headers()['content-type']]).toEqual([path, status, expect.stringMatching(/^text\/html/)]);
        expect(await page.$eval('h1', (el: any) => el.textContent.trim())).toBe(heading);
      } finally {
        await page.close();
      }
    }
  }, 60_000);
});
