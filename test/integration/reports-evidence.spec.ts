import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatNumber } from '../../dashboards/format';
import { DashboardsService } from '../../dashboards/dashboards.service';
import { ExchangeFiguresService } from '../../metrics/read/exchange/exchange-figures.service';
import { IndicatorsService } from '../../metrics/read/indicators/indicators.service';
import { EVERYTHING } from '../../metrics/reference/read-filter/read-filter';
import { MeasuresService } from '../../metrics/read/measures/measures.service';
import { SuppliersService } from '../../metrics/read/suppliers/suppliers.service';
import type { ReportModel } from '../../reports/report';
import { ReportsService } from '../../reports/reports.service';
import { EVIDENCE_EXCHANGE_FIGURES, EvidenceReport } from '../../reports/types/evidence/evidence.report';
import type { ExchangeSection } from '../../reports/types/national/exchange.section';
import { compileWarnings } from '../../dashboards/render/svg';
import { startTestApp, type TestApp } from '../support/test-app';
import { expectWellFormedChart } from '../support/vega-schema';

/**
 * The evidence report on the demo data `npm start` loads: its headline figures are the measures summary's and the
 * implementation indicators' for the same period and filters (and the API's, at the address each figure names), the
 * category split adds up to the total, supplier-level sections only in a key holder's copy (within its scope), unknown
 * filters refused naming the field, the same data giving the same data.json bytes, and a filter with nothing rendering
 * as sentences.
 */

const PERIOD = '2025';
const REGION = 'North West';
const TRAFFORD = 'E08000009';
const FILTERED = { period: PERIOD, region: REGION, theme: 'T2' };
const BASES = ['nominal', 'real', 'net'] as const;
/** The demo's exchange is spread over the year to the day it loads: the calendar year of half a year ago holds much of it. */
const EXCHANGE_PERIOD = String(new Date(Date.now() - 180 * 86_400_000).getUTCFullYear());

type ExchangeContent = ExchangeSection['content'] & { figures: ReportModel['figures']; scope: string | null };

/** A figure's `source`: the API call and the field of its answer. */
function parseSource(source: string): { path: string; field: string } {
  const m = /^GET (\S+): (\S+)$/.exec(source);
  if (!m) throw new Error(`not an API call and field: ${source}`);
  return { path: m[1], field: m[2] };
}

function pick(body: unknown, field: string): unknown {
  return field.split(/\.|\[(\d+)\]/).filter(Boolean).reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], body);
}

describe('the evidence report: outcomes by theme and category, SME and VCSE share, the split, the largest deliveries', () => {
  let t: TestApp;
  let reports: ReportsService;
  let measures: MeasuresService;
  const models = new Map<string, ReportModel>();
  const model = async (params: Record<string, string>, scope: { authorities: string[] | null } | null) => {
    const key = JSON.stringify([params, scope]);
    if (!models.has(key)) models.set(key, await reports.model('evidence', params, scope));
    return models.get(key)!;
  };

  beforeAll(async () => {
    t = await startTestApp({ DEMO_DATA: 'true' });
    reports = t.app.get(ReportsService);
    measures = t.app.get(MeasuresService);
  }, 300_000);
  afterAll(() => t?.close());

  describe.each<[string, Record<string, string>]>([
    ['no filter', { period: PERIOD }],
    [`${REGION}, theme T2`, FILTERED],
  ])('%s', (_, params) => {
    const filters = { from: PERIOD, to: PERIOD, ...(params.region ? { region: params.region, theme: params.theme } : {}) };

    it('£ nominal, real and net and the returns are the measures summary\'s for the same period and filters', async () => {
      const m = await model(params, null);
      for (const basis of BASES) {
        const summary = await measures.summary({ ...filters, basis });
        const figure = m.figures.find((f) => f.source.includes(`basis=${basis}:`) && f.source.endsWith('totals.value_gbp'))!;
        expect(figure.value).toBe(summary.totals.value_gbp);
        expect(figure.value).toBeGreaterThan(0);
      }
      const returns = m.figures.find((f) => f.source.endsWith('totals.returns'))!;
      expect(returns.value).toBe((await measures.summary({ ...filters, basis: 'net' })).totals.returns);
      const implementation = await t.app.get(IndicatorsService).implementation({ from: PERIOD, to: PERIOD, region: params.region, basis: 'net' });
      expect(m.figures.find((f) => f.source.endsWith('sme_value_share'))!.value).toBe(implementation.rows[0].sme_value_share);
      expect(m.figures.find((f) => f.source.endsWith('vcse_value_share'))!.value).toBe(implementation.rows[0].vcse_value_share);
    });

    it('every headline figure is what the API answers at the address and field its source names', async () => {
      const m = await model(params, null);
      expect(m.figures).toHaveLength(6);
      for (const f of m.figures) {
        const { path, field } = parseSource(f.source);
        const res = await fetch(`${t.url}${path}`);
        expect(res.status).toBe(200);
        expect(pick(await res.json(), field)).toBe(f.value);
      }
    });

    it('the category split adds up to the total on each basis, and the theme table ends with the totals', async () => {
      const m = await model(params, null);
      const rows = m.tables.categories.rows.filter((r) => r.category !== null);
      const all = m.tables.categories.rows.find((r) => r.category === null)!;
      expect(rows.map((r) => r.category)).toEqual(['local_economic', 'social', 'environmental']);
      for (const basis of BASES) {
        const total = m.figures.find((f) => f.source.includes(`basis=${basis}:`))!.value!;
        expect(all[`${basis}_gbp`]).toBe(total);
        const sum = rows.reduce((s, r) => s + ((r[`${basis}_gbp`] as number | null) ?? 0), 0);
        // each row is rounded to pence: the sum is within a penny a row of the total
        expect(Math.abs(sum - total)).toBeLessThanOrEqual(0.01 * rows.length);
      }
      expect(rows.reduce((s, r) => s + ((r.share as number | null) ?? 0), 0)).toBeCloseTo(1, 4);
      const themes = m.tables.themes.rows;
      expect(themes[themes.length - 1]).toMatchObject({ theme: null, net_gbp: all.net_gbp, real_gbp: all.real_gbp, nominal_gbp: all.nominal_gbp });
      expect(Object.keys(m.charts)).toEqual(['themes', 'sector-theme', 'categories', 'sme-vcse', 'exchange-by-theme']);
      expect(m.charts.categories.rows.map((r) => r.value_gbp)).toEqual(rows.filter((r) => r.net_gbp !== null).map((r) => r.net_gbp));
    });
  });

  it.each([
    ['with figures', { period: PERIOD }, false],
    ['with nothing', { period: '1995', sector: '80' }, true],
  ])('its own charts (themes, categories) are well-formed Vega-Lite that compiles cleanly, %s', async (_, params, empty) => {
    const m = await model(params, null);
    for (const key of ['themes', 'categories']) {
      const c = m.charts[key];
      expect(c.source).toMatch(/^GET \/api\/v1\/measures\/summary\?.*group_by=/);
      expectWellFormedChart({ spec: c.spec, rows: c.rows, columns: c.columns }, empty);
      expect(await compileWarnings(c.spec)).toEqual([]);
    }
  });

  it('says its filters and period in words, and that the figures are demo data', async () => {
    const m = await model(FILTERED, null);
    expect(m.subtitle).toBe('All public bodies in North West and theme Tackling economic inequality: 2025 (1 January 2025 to 31 December 2025)');
    expect(m.demo).toBe(true);
    expect(String(m.content.lede)).toMatch(/^In 2025 .* North West .* returned [\d,]+ outcomes worth £[\d,]+ of social value/);
    // the measures of the theme asked for, and no other
    expect(Object.keys(m.tables).filter((k) => k.startsWith('measures-'))).toEqual(['measures-T2']);
  });

  it('no supplier-level section in a copy without a scope: the sentence saying where they are instead', async () => {
    const m = await model({ period: PERIOD }, null);
    expect(m.supplier_data).toBe(false);
    expect(m.tables.contracts).toBeUndefined();
    expect(m.tables.suppliers).toBeUndefined();
    expect(m.charts['top-suppliers']).toBeUndefined();
    expect(m.content.supplier).toBeNull();
    const top = await t.app.get(SuppliersService).top({ from: PERIOD, to: PERIOD, limit: 3 });
    const json = JSON.stringify(m);
    for (const s of top.rows) expect(json).not.toContain(s.supplier);
    const html = await reports.preview('evidence', { period: PERIOD }, null);
    expect(html).toContain("in the key holders&#x27; copy of this report");
  });

  it('a key holder\'s copy: the contracts and the top suppliers, read within its scope', async () => {
    const all = await model({ period: PERIOD }, { authorities: null });
    expect(all.supplier_data).toBe(true);
    expect(all.tables.contracts.rows.length).toBeGreaterThan(0);
    expect(all.tables.suppliers.rows.length).toBeGreaterThan(0);
    expect(all.charts['top-suppliers'].source).toBe('sectors/top-suppliers');
    const values = all.tables.contracts.rows.map((r) => r.value_gbp as number);
    expect(values).toEqual([...values].sort((a, b) => b - a));

    const scoped = await model({ period: PERIOD }, { authorities: [TRAFFORD] });
    for (const r of scoped.tables.contracts.rows) expect(r.buyer_code).toBe(TRAFFORD);
    expect(scoped.tables.suppliers.rows.length).toBeLessThan(all.tables.suppliers.rows.length);
    // the public figures are the same whatever the scope
    expect(scoped.figures).toEqual(all.figures);
  });

  it('the contracts\' £ are the summary\'s: over every contract they add up to its total', async () => {
    const query = { from: PERIOD, to: PERIOD, region: REGION, theme: 'T3', basis: 'net', limit: 100 };
    const contracts = await t.app.get(SuppliersService).largestContracts(query);
    const summary = await measures.summary({ from: PERIOD, to: PERIOD, region: REGION, theme: 'T3', basis: 'net' });
    expect(contracts.rows.length).toBeGreaterThan(0);
    expect(contracts.rows.length).toBeLessThan(100);
    const sum = contracts.rows.reduce((s, r) => s + r.value_gbp, 0);
    expect(Math.abs(sum - summary.totals.value_gbp!)).toBeLessThanOrEqual(0.01 * contracts.rows.length);
    expect(contracts.rows.reduce((s, r) => s + r.returns, 0)).toBe(summary.totals.returns - summary.totals.unvalued_returns);
  });

  it.each([
    ['theme', { theme: 'T99' }],
    ['region', { region: 'Atlantis' }],
    ['sector', { sector: '07' }],
    ['sector', { sector: 'health' }],
    ['kind', { kind: 'parish' }],
  ])('check refuses an unknown %s with a 400 naming it', async (field, bad) => {
    const builder = t.app.get(EvidenceReport);
    await expect(builder.check({ period: PERIOD, ...bad })).rejects.toMatchObject({ code: 'invalid_parameter', details: [expect.objectContaining({ field })] });
    await expect(reports.model('evidence', { period: PERIOD, ...bad }, null)).rejects.toMatchObject({ code: 'invalid_parameter' });
  });

  it('check lets known filters through', async () => {
    await expect(t.app.get(EvidenceReport).check({ period: PERIOD, theme: 'T3', region: 'north west', sector: '45', kind: 'local_authority' })).resolves.toBeUndefined();
  });

  describe('what reached community organisations (the exchange)', () => {
    it("its figures and tables are ExchangeFiguresService's for the period, region and theme; the API's at the tile each names", async () => {
      const service = t.app.get(ExchangeFiguresService);
      const all = { from: EXCHANGE_PERIOD, to: EXCHANGE_PERIOD, basis: 'net' };
      // the region and theme with the most confirmed deliveries in the period, so that the filtered copy has figures too
      const [regions, themes] = await Promise.all([service.byGroup(all, 'region'), service.byGroup(all, 'theme')]);
      const busiest = <R extends { confirmed_count: number }>(rows: R[]) => [...rows].sort((a, b) => b.confirmed_count - a.confirmed_count)[0];
      const region = busiest(regions.rows).label!;
      const theme = busiest(themes.rows).key!;
      const copies: Array<Record<string, string>> = [{ period: EXCHANGE_PERIOD }, { period: EXCHANGE_PERIOD, region }, { period: EXCHANGE_PERIOD, theme }];
      for (const params of copies) {
        const query = { ...all, region: params.region, theme: params.theme };
        const m = await model(params, null);
        const content = m.content.exchange as ExchangeContent;
        const [headline, byRegion, byTheme] = await Promise.all([service.headline(query), service.byGroup(query, 'region'), service.byGroup(query, 'theme')]);
        const h = headline.rows[0];
        expect(h.confirmed_count).toBeGreaterThan(0);
        expect(content.has_data).toBe(true);
        expect(content.figures.map((f) => f.value)).toEqual(EVIDENCE_EXCHANGE_FIGURES.map((name) => h[name]));
        for (const f of content.figures) {
          const { path, field } = parseSource(f.source);
          expect(path).toContain('/api/v1/dashboards/exchange?');
          const res = await fetch(`${t.url}${path}`);
          expect(res.status).toBe(200);
          expect(pick(await res.json(), field)).toBe(f.value);
        }
        // needs met and unmet: needs first matched, deliveries confirmed, open needs now
        expect(m.tables['exchange-needs'].rows.map((r) => [r.number, r.gbp])).toEqual([
          [h.needs_matched, null],
          [h.confirmed_count, h.confirmed_gbp],
          [h.open_needs, h.unmet_gbp],
        ]);
        // confirmed deliveries' value by theme and by region, with what is unmet
        const row = (r: { confirmed_count: number; confirmed_gbp: number | null; open_needs: number; unmet_gbp: number | null }) => [r.confirmed_count, r.confirmed_gbp, r.open_needs, r.unmet_gbp];
        expect(m.tables['exchange-themes'].rows.map((r) => [r.theme, ...row(r as never)])).toEqual(byTheme.rows.map((r) => [r.key, ...row(r)]));
        expect(m.tables['exchange-regions'].rows.map((r) => [r.region, ...row(r as never)])).toEqual(byRegion.rows.map((r) => [r.label ?? 'No region', ...row(r)]));
        const shares = m.tables['exchange-themes'].rows.reduce((s, r) => s + ((r.confirmed_share as number | null) ?? 0), 0);
        if (h.confirmed_gbp) expect(shares).toBeCloseTo(1, 4);
        const chart = await t.app.get(DashboardsService).chart('exchange', 'by-theme', query, EVERYTHING);
        expect(m.charts['exchange-by-theme'].rows).toEqual(chart.rows);
        expect(content.lede).toContain(h.conversion === null ? 'no conversion to give' : `${await formatNumber(h.conversion, 'pct')} of the £ pledged`);
      }
    });

    it("the same figures as the national report's for the same filter: one figure, one source", async () => {
      const evidence = (await model({ period: EXCHANGE_PERIOD }, null)).content.exchange as ExchangeContent;
      const national = (await reports.model('national', { period: EXCHANGE_PERIOD }, null)).content.exchange as ExchangeContent;
      const shared = evidence.figures.filter((f) => national.figures.some((n) => n.source === f.source));
      expect(shared.length).toBeGreaterThanOrEqual(5);
      for (const f of shared) expect(national.figures.find((n) => n.source === f.source)).toEqual(f);
      expect(evidence.definitions).toEqual(national.definitions);
      expect(evidence.api).toBe(national.api);
    });

    it('prints the section; a period with nothing gives its sentence and says which filters the exchange does not follow', async () => {
      const html = await reports.preview('evidence', { period: EXCHANGE_PERIOD }, null);
      const m = await model({ period: EXCHANGE_PERIOD }, null);
      const content = m.content.exchange as ExchangeContent;
      expect(html).toContain('>What reached community organisations</h2>');
      expect(html).toContain('id="chart-exchange-by-theme"');
      for (const f of content.figures) expect(html).toContain(`<span class="value">${await formatNumber(f.value, f.format)}</span>`);
      expect(html).toContain(m.tables['exchange-regions'].caption);

      const params = { period: '1995', sector: '80' };
      const empty = (await reports.model('evidence', params, null)).content.exchange as ExchangeContent;
      expect(empty.has_data).toBe(false);
      expect(empty.empty).toMatch(/^Nothing was pledged, matched, delivered or confirmed on the exchange in 1995 \(1 January 1995 to 31 December 1995\)\./);
      expect(empty.scope).toMatch(/not its sector:/);
      const emptyHtml = await reports.preview('evidence', params, null);
      expect(emptyHtml).toContain('>What reached community organisations</h2>');
      expect(emptyHtml).toContain(empty.empty);
      expect(emptyHtml).not.toContain('id="chart-exchange-by-theme"');
    });
  });

  it('the same data gives the same data.json bytes', async () => {
    for (const scope of [null, { authorities: null }]) {
      const a = JSON.stringify(await reports.model('evidence', FILTERED, scope));
      const b = JSON.stringify(await reports.model('evidence', FILTERED, scope));
      expect(b).toBe(a);
    }
  });

  it('the HTML prints every headline figure as text', async () => {
    const m = await model({ period: PERIOD }, null);
    const html = await reports.preview('evidence', { period: PERIOD }, null);
    for (const f of m.figures) expect(html).toContain(await formatNumber(f.value, f.format));
    expect(html).toContain(String(m.content.lede).replace(/'/g, '&#x27;'));
  });

  it('a filter with nothing renders: sentences where the figures would be', async () => {
    const params = { period: '1995', sector: '80' };
    const m = await reports.model('evidence', params, { authorities: null });
    expect(m.figures.filter((f) => f.format !== 'int').every((f) => f.value === null)).toBe(true);
    expect(m.tables.themes.rows).toEqual([]);
    expect(m.tables.contracts.rows).toEqual([]);
    const html = await reports.preview('evidence', params, { authorities: null });
    expect(html).toContain('No outcome returns ending in 1995 (1 January 1995 to 31 December 1995) match these filters');
    expect(html).toContain(m.tables.themes.empty);
    expect(html).toContain(m.tables.contracts.empty);
  });

  it('prints: the PDF\'s text has the headline figures (pdftotext)', async () => {
    const made = await reports.produce('evidence', FILTERED, null, { printedAt: '2026-12-06T10:00:00Z', dataUrl: null });
    expect(made.pages).toBeGreaterThanOrEqual(6);
    expect(made.pages).toBeLessThanOrEqual(12);
    const dir = mkdtempSync(join(tmpdir(), 'evidence-'));
    try {
      writeFileSync(join(dir, 'r.pdf'), made.pdf);
      const text = execFileSync('pdftotext', ['-layout', join(dir, 'r.pdf'), '-'], { encoding: 'utf8' });
      for (const f of made.model.figures) expect(text).toContain(await formatNumber(f.value, f.format));
      expect(text).toContain('Which measures count toward each theme');
      expect(text).toContain('What reached community organisations');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
