import type { DashboardQuery } from '../../dashboards/chart';
import { DashboardsService } from '../../dashboards/dashboards.service';
import { formatNumber } from '../../dashboards/format';
import { RATINGS } from '../../dashboards/theme';
import { EXCHANGE_STAGES, ExchangeFiguresService } from '../../metrics/read/exchange/exchange-figures.service';
import { IndicatorsService } from '../../metrics/read/indicators/indicators.service';
import { NoticesService } from '../../metrics/read/notices/notices.service';
import { EVERYTHING } from '../../metrics/reference/read-filter/read-filter';
import { reportPeriod } from '../../reports/catalogue';
import type { ReportModel } from '../../reports/report';
import { ReportsService } from '../../reports/reports.service';
import { EXCHANGE_TILES, type ExchangeSection } from '../../reports/types/national/exchange.section';
import { addQuarters, NATIONAL_EXCHANGE_FIGURES, previousPeriod, trendWindow } from '../../reports/types/national/national.report';
import { expectFiguresFromApi } from '../support/report-figures';
import { importNotices } from '../support/notices-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The national report's view model on the demo data `npm start` loads (contracts awarded up to 2025-Q3): every
 * headline figure is the API's field for the same parameters (fetched over HTTP from the endpoint its `source` names),
 * every chart the dashboards' for the same query, the indicator tables the indicators service's; the same data gives
 * the same bytes; the HTML holds the figures as printed; a period with no data renders in sentences.
 */

const PERIOD = '2025-Q3';
const EMPTY = '1995';
/** The demo's exchange is spread over the year to the day it loads: the calendar year of half a year ago holds much of it. */
const EXCHANGE_PERIOD = String(new Date(Date.now() - 180 * 86_400_000).getUTCFullYear());

type ExchangeContent = ExchangeSection['content'] & { figures: ReportModel['figures'] };

describe('the national report: its figures are the API\'s, its charts the dashboards\'', () => {
  let t: TestApp;
  let reports: ReportsService;
  let dashboards: DashboardsService;
  let indicators: IndicatorsService;
  let model: ReportModel;

  beforeAll(async () => {
    t = await startTestApp({ DEMO_DATA: 'true' });
    // Trafford's Procurement Act notices of the fixtures, beside the demo's own: F and G were awarded in 2025-Q3
    await importNotices(t.app);
    reports = t.app.get(ReportsService);
    dashboards = t.app.get(DashboardsService);
    indicators = t.app.get(IndicatorsService);
    model = await reports.model('national', { period: PERIOD }, null);
  }, 120_000);
  afterAll(() => t?.close());

  it('the periods: the one before, and the eight quarters up to the period', () => {
    expect(previousPeriod('2025-Q1')).toBe('2024-Q4');
    expect(previousPeriod('2025')).toBe('2024');
    expect(previousPeriod('2025-01')).toBe('2024-12');
    expect(previousPeriod('FY2025-26')).toBe('FY2024-25');
    expect(previousPeriod('FY1999-00')).toBe('FY1998-99');
    expect(previousPeriod('1990')).toBeNull();
    expect(addQuarters('2025-Q1', -1)).toBe('2024-Q4');
    expect(trendWindow(reportPeriod('2025-Q3', '2026-12-01'))).toMatchObject({ from: '2023-Q4', to: '2025-Q3' });
    expect(trendWindow(reportPeriod('FY2025-26', '2026-12-01'))).toMatchObject({ from: '2024-Q2', to: '2026-Q1' });
  });

  it('names the subject and period, is demo data, holds no supplier-level section', () => {
    expect(model.subtitle).toBe(`England, Wales, Scotland and Northern Ireland, ${PERIOD}`);
    expect(model.demo).toBe(true);
    expect(model.supplier_data).toBe(false);
    expect(String(model.content.lede).length).toBeGreaterThan(50);
  });

  it('every headline figure equals the API field its source names, for the same parameters', async () => {
    expect(model.figures.length).toBeGreaterThanOrEqual(6);
    for (const f of model.figures) expect(f.source).toMatch(/^GET \/api\/v1\/indicators\/implementation\?from=2025-Q3&to=2025-Q3&basis=net: rows\[0\]\.\w+$/);
    expect(model.figures.some((f) => f.value !== null && f.value > 0)).toBe(true);
    await expectFiguresFromApi(t.url, model.figures);
  });

  it('the £ basis reaches the figures and the charts', async () => {
    const real = await reports.model('national', { period: PERIOD, basis: 'real' }, null);
    const delivered = real.figures.find((f) => f.source.endsWith('delivery_ratio_numerator'))!;
    expect(delivered.source).toContain('basis=real');
    await expectFiguresFromApi(t.url, [delivered]);
    const chart = await dashboards.chart('national', 'ratings', { from: PERIOD, to: PERIOD, basis: 'real' }, EVERYTHING);
    expect(real.charts.ratings.rows).toEqual(chart.rows);
  });

  it("every chart is the dashboards' chart for the same query (the period, or the trend window)", async () => {
    const q: DashboardQuery = { from: PERIOD, to: PERIOD, basis: 'net' };
    const window: DashboardQuery = { from: '2023-Q4', to: PERIOD, basis: 'net' };
    const expected: Record<string, [string, string, DashboardQuery]> = {
      'by-kind': ['national', 'by-kind', q],
      'by-department': ['national', 'by-department', q],
      'hex-map': ['national', 'hex-map', q],
      'league-table': ['national', 'league-table', q],
      ratings: ['national', 'ratings', q],
      'committed-vs-delivered': ['national', 'committed-vs-delivered', window],
      compliance: ['quality', 'compliance', { from: '2023-Q4', to: PERIOD }],
      'official-ratings': ['national', 'official-ratings', q],
      'ratings-agreement': ['national', 'ratings-agreement', q],
      'payment-times': ['national', 'payment-times', q],
      'exchange-funnel': ['exchange', 'funnel', q],
      'exchange-unmet-map': ['exchange', 'unmet-map', q],
    };
    expect(Object.keys(model.charts).sort()).toEqual(Object.keys(expected).sort());
    for (const [key, [dashboard, chart, query]] of Object.entries(expected)) {
      const built = await dashboards.chart(dashboard, chart, query, EVERYTHING);
      expect(model.charts[key].source).toBe(`${dashboard}/${chart}`);
      expect(model.charts[key].rows).toEqual(built.rows);
      expect(model.charts[key].spec).toEqual(built.spec);
    }
    expect(model.charts['hex-map'].rows.length).toBeGreaterThan(300);
    expect(model.charts['league-table'].rows.length).toBeGreaterThan(3);
  });

  it('the tables are the indicators for the period, the one before, each quarter and each region', async () => {
    const [cur, prev, byQuarter, byRegion] = await Promise.all([
      indicators.implementation({ from: PERIOD, to: PERIOD, basis: 'net' }),
      indicators.implementation({ from: '2025-Q2', to: '2025-Q2', basis: 'net' }),
      indicators.implementation({ from: '2023-Q4', to: PERIOD, group_by: 'period', basis: 'net' }),
      indicators.implementation({ from: PERIOD, to: PERIOD, group_by: 'region', basis: 'net' }),
    ]);
    const ind = model.tables.indicators;
    expect(ind.columns.map((c) => c.title)).toEqual(['Indicator', '2025-Q3 (%)', '2025-Q2 (%)', 'Change (percentage points)']);
    const delivery = ind.rows.find((r) => String(r.indicator).startsWith('£ delivered of £ expected'))!;
    expect(delivery.value).toBe(cur.rows[0].delivery_ratio);
    expect(delivery.previous).toBe(prev.rows[0].delivery_ratio);
    expect(delivery.change).toBeCloseTo(((cur.rows[0].delivery_ratio as number) - (prev.rows[0].delivery_ratio as number)) * 100, 1);

    const trend = model.tables.trend;
    expect(trend.rows.map((r) => r.quarter)).toEqual(['2023-Q4', '2024-Q1', '2024-Q2', '2024-Q3', '2024-Q4', '2025-Q1', '2025-Q2', '2025-Q3']);
    for (const r of trend.rows) {
      const api = byQuarter.rows.find((x) => x.period === r.quarter)!;
      expect([r.quarter, r.in_scope_contracts, r.sv_evaluated_share, r.delivery_ratio, r.reporting_compliance]).toEqual([
        api.period,
        api.in_scope_contracts,
        api.sv_evaluated_share,
        api.delivery_ratio,
        api.reporting_compliance,
      ]);
    }
    for (const r of model.tables.regions.rows) {
      const api = byRegion.rows.find((x) => (x.region ?? 'No region (national bodies)') === r.region)!;
      expect([r.in_scope_contracts, r.sme_value_share]).toEqual([api.in_scope_contracts, api.sme_value_share]);
    }
    // every table heading with a figure names its unit
    for (const table of Object.values(model.tables)) {
      for (const c of table.columns) if (c.format) expect(c.title).toMatch(/\((%|£|number|percentage points)|£/);
    }
  });

  it("official ratings and payment times: the dashboards' panels, their figures the indicators' for the period, printed", async () => {
    const [cur, byAuthority] = await Promise.all([
      indicators.implementation({ from: PERIOD, to: PERIOD, basis: 'net' }),
      indicators.implementation({ from: PERIOD, to: PERIOD, group_by: 'authority' }),
    ]);
    const r = cur.rows[0];
    const official = model.tables['official-ratings'];
    expect(official.rows).toEqual(model.charts['official-ratings'].rows);
    const find = (item: string) => official.rows.find((x) => x.item === item)!;
    expect([find('Good (official)').count, find('Good (official)').of]).toEqual([r.official_rating_good, r.officially_rated_contracts]);
    expect([find('Good (from returns)').count, find('Good (from returns)').of]).toEqual([r.rating_good, r.contracts_with_commitments]);
    expect([find('KPIs published (contracts over £5m)').count, find('KPIs published (contracts over £5m)').of, find('KPIs published (contracts over £5m)').share]).toEqual([
      r.kpi_published_share_numerator,
      r.kpi_published_share_denominator,
      r.kpi_published_share,
    ]);
    expect(r.kpi_published_share_numerator).toBeGreaterThan(0);
    const payments = model.tables['payment-times'];
    const withReports = byAuthority.rows.filter((x) => (x.payment_reports as number) > 0);
    expect(withReports.length).toBeGreaterThan(0);
    for (const x of payments.rows) {
      const api = withReports.find((y) => y.authority === x.code)!;
      expect([x.average_days_to_pay, x.paid_within_30_days_share, x.payment_reports]).toEqual([api.average_days_to_pay, api.paid_within_30_days_share, api.payment_reports]);
    }
    expect(String(model.content.payments)).toContain(`${await formatNumber(r.average_days_to_pay as number, 'ratio')} days on average`);
    const html = await reports.preview('national', { period: PERIOD }, null);
    expect(html).toContain('>Procurement Act notices and payment times</h2>');
    expect(html).toContain('>Official ratings (Procurement Act notices)</h3>');
    expect(html).toContain(String(model.content.notices).replace(/'/g, '&#x27;'));
    // the cross-table of the two ratings: the agreement API's for the period, cell by cell
    const agreement = await t.app.get(NoticesService).agreement({ from: PERIOD, to: PERIOD });
    const cells = model.tables['ratings-agreement'];
    expect(cells.rows).toEqual(model.charts['ratings-agreement'].rows);
    expect(agreement.pairs).toBeGreaterThan(0);
    expect(cells.rows.map((x) => x.pairs)).toEqual(RATINGS.flatMap((o) => RATINGS.map((c) => agreement.table[o][c])));
    expect(String(model.content.agreement)).toContain(`of ${agreement.rated} contract-periods rated both ways`);
    expect(html).toContain('>Official ratings against the ratings from returns</h3>');
    expect(html).toContain('id="chart-ratings-agreement"');
  });

  it("the exchange: its figures and tables are ExchangeFiguresService's for the period, its charts the exchange dashboard's, printed", async () => {
    const ex = await reports.model('national', { period: EXCHANGE_PERIOD }, null);
    const service = t.app.get(ExchangeFiguresService);
    const query = { from: EXCHANGE_PERIOD, to: EXCHANGE_PERIOD, basis: 'net' };
    const [headline, regions] = await Promise.all([service.headline(query), service.byGroup(query, 'region')]);
    const h = headline.rows[0];
    expect(h.confirmed_count).toBeGreaterThan(0);
    const content = ex.content.exchange as ExchangeContent;
    expect(content.has_data).toBe(true);
    // each figure is the headline's field of its name, and the exchange dashboard's tile its source names (over HTTP)
    expect(content.figures.map((f) => f.value)).toEqual(NATIONAL_EXCHANGE_FIGURES.map((name) => h[name]));
    for (const f of content.figures) {
      const tile = Number(/: tiles\[(\d+)\]\.value$/.exec(f.source)![1]);
      expect(f.value).toBe(h[EXCHANGE_TILES[tile]]);
      expect(f.source).toBe(`GET /api/v1/dashboards/exchange?from=${EXCHANGE_PERIOD}&to=${EXCHANGE_PERIOD}&basis=net: tiles[${tile}].value`);
    }
    expect(content.figures.some((f) => f.value !== null && f.value > 0)).toBe(true);
    await expectFiguresFromApi(t.url, content.figures);
    // the funnel: the headline's stages, counts and £
    const funnel = ex.tables['exchange-funnel'];
    expect(funnel.rows.map((r) => [r.count, r.gbp])).toEqual(EXCHANGE_STAGES.map((s) => [h[`${s}_count`], h[`${s}_gbp`] ?? 0]));
    const built = await dashboards.chart('exchange', 'funnel', query, EVERYTHING);
    expect(ex.charts['exchange-funnel'].rows).toEqual(built.rows);
    expect(ex.charts['exchange-unmet-map'].rows).toEqual((await dashboards.chart('exchange', 'unmet-map', query, EVERYTHING)).rows);
    // unmet need by region: the service's by region, row by row
    expect(ex.tables['exchange-regions'].rows.map((r) => [r.region, r.pledged_gbp, r.confirmed_count, r.confirmed_gbp, r.open_needs, r.unmet_gbp])).toEqual(
      regions.rows.map((r) => [r.label ?? 'No region', r.pledged_gbp, r.confirmed_count, r.confirmed_gbp, r.open_needs, r.unmet_gbp]),
    );
    expect(regions.rows.some((r) => r.open_needs > 0)).toBe(true);
    // the sentences say the same figures
    expect(content.lede).toContain(`${await formatNumber(h.conversion, 'pct')} of the £ pledged`);
    expect(content.lede).toContain(`waited ${await formatNumber(h.median_days_to_match, 'num')} days (the median)`);
    expect(content.lede).toContain(`${await formatNumber(h.most_deprived_share, 'pct')} of the confirmed £`);
    // the method: every term is the service's definition
    expect(content.definitions.map((d) => d.term)).toEqual(['Pledged', 'Matched', 'Delivered', 'Confirmed', '£ value', 'Conversion', 'Days to match', 'Most deprived fifth', 'Unmet need']);
    const html = await reports.preview('national', { period: EXCHANGE_PERIOD }, null);
    expect(html).toContain('>The exchange: pledges to community needs</h2>');
    expect(html).toContain('>Unmet need by region</h3>');
    expect(html).toContain('>How the exchange is counted</h3>');
    for (const id of ['exchange-funnel', 'exchange-unmet-map']) expect(html).toContain(`id="chart-${id}"`);
    for (const f of content.figures) expect(html).toContain(`<span class="value">${await formatNumber(f.value, f.format)}</span>`);
    expect(html).toContain(content.lede.replace(/'/g, '&#x27;'));
    // the £ basis reaches the section
    const real = (await reports.model('national', { period: EXCHANGE_PERIOD, basis: 'real' }, null)).content.exchange as ExchangeContent;
    const realHeadline = (await service.headline({ ...query, basis: 'real' })).rows[0];
    expect(real.figures.map((f) => f.value)).toEqual(NATIONAL_EXCHANGE_FIGURES.map((name) => realHeadline[name]));
    expect(real.figures[0].source).toContain('basis=real');
  });

  it('the same data gives byte-identical data.json', async () => {
    const again = await reports.model('national', { period: PERIOD }, null);
    expect(JSON.stringify(again)).toBe(JSON.stringify(model));
  });

  it('the HTML renders every section, chart and table, and prints each headline figure as the text it shows', async () => {
    const html = await reports.preview('national', { period: PERIOD }, null);
    for (const title of ['Summary', 'Trend over eight quarters', 'Map of councils', 'Leaders and laggards', 'Delivery against commitment', 'Data quality', 'Methodology and data sources']) {
      expect(html).toContain(`>${title}</h2>`);
    }
    // the exchange's charts print when the period has exchange data (the demo's is in the last year: not in 2025-Q3)
    const printed = Object.keys(model.charts).filter((key) => !key.startsWith('exchange-') || (model.content.exchange as ExchangeContent).has_data);
    for (const key of printed) expect(html).toContain(`id="chart-${key}"`);
    expect(html.match(/<svg/g)!.length).toBeGreaterThanOrEqual(printed.length);
    for (const f of model.figures) expect(html).toContain(`<span class="value">${await formatNumber(f.value, f.format)}</span>`);
    expect(html).toContain('Demo data');
  });

  it('a period with no data renders, in sentences', async () => {
    const empty = await reports.model('national', { period: EMPTY }, null);
    expect(empty.figures.find((f) => f.source.endsWith('delivery_ratio'))!.value).toBeNull();
    await expectFiguresFromApi(t.url, empty.figures);
    expect(String(empty.content.lede)).toMatch(/No contracts were awarded/);
    expect(empty.tables.trend.rows).toEqual([]);
    expect(empty.charts['league-table'].rows).toEqual([]);
    const html = await reports.preview('national', { period: EMPTY }, null);
    expect(html).toContain(empty.tables.trend.empty);
    expect(html).toContain(String(empty.content.league));
    // no notices and no payments reports: a sentence each, no empty chart
    expect(empty.charts['official-ratings'].rows).toEqual([]);
    expect(String(empty.content.notices)).toMatch(/^No contract details or performance notices \(UK7, UK9\) published for contracts awarded, all authorities, 1995 to 1995, yet\./);
    expect(String(empty.content.payments)).toMatch(/^No payments compliance reports published for all authorities, 1995 to 1995 yet/);
    expect(html).toContain(String(empty.content.payments));
    expect(html).not.toContain('id="chart-official-ratings"');
    expect(html).not.toContain('id="chart-payment-times"');
    expect(String(empty.content.agreement)).toBe('No contract and period is rated both by its buyer (UK9) and from returns, all authorities, 1995 to 1995, yet.');
    expect(html).not.toContain('id="chart-ratings-agreement"');
    // the exchange: nothing in the period, its sentence (with the needs open now), the method, no chart
    const exchange = empty.content.exchange as ExchangeContent;
    const headline = (await t.app.get(ExchangeFiguresService).headline({ from: EMPTY, to: EMPTY, basis: 'net' })).rows[0];
    expect(EXCHANGE_STAGES.map((s) => headline[`${s}_count`])).toEqual([0, 0, 0, 0]);
    expect(exchange.has_data).toBe(false);
    expect(exchange.empty).toMatch(/^Nothing was pledged, matched, delivered or confirmed on the exchange in 1995\. [\d,]+ needs are open on the exchange as of /);
    expect(html).toContain('>The exchange: pledges to community needs</h2>');
    expect(html).toContain(exchange.empty);
    expect(html).toContain('>How the exchange is counted</h3>');
    expect(html).not.toContain('id="chart-exchange-funnel"');
    expect(html).not.toContain('id="chart-exchange-unmet-map"');
  });
});
