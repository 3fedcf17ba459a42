import type { DashboardQuery } from '../../dashboards/chart';
import { DashboardsService } from '../../dashboards/dashboards.service';
import { formatNumber } from '../../dashboards/format';
import { peerIndicator } from '../../dashboards/peer-indicators';
import { DomainError } from '../../metrics/platform/errors';
import { BenchmarksService } from '../../metrics/read/benchmarks/benchmarks.service';
import { ContractsService } from '../../metrics/read/contracts/contracts.service';
import { IndicatorsService } from '../../metrics/read/indicators/indicators.service';
import { EVERYTHING } from '../../metrics/reference/read-filter/read-filter';
import type { ReportModel } from '../../reports/report';
import { ReportsService } from '../../reports/reports.service';
import { AuthorityReport } from '../../reports/types/authority/authority.report';
import { http } from '../support/http';
import { expectFiguresFromApi } from '../support/report-figures';
import { importNotices } from '../support/notices-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The authority report's view model on the demo data `npm start` loads (Trafford, E08000009, always has contracts;
 * the Department for Work and Pensions, GB-GOR-D10, is a body nearest neighbours are not computed for): every
 * headline figure is the API's field for the same parameters (fetched from the endpoint its `source` names), every
 * chart the authority dashboard's for the same query; each contract with its supplier only in a key holder's copy
 * (read within the key's scope); an unknown authority refused naming the field; the same data, the same bytes; a
 * period with no data renders in sentences.
 */

const TRAFFORD = 'E08000009';
const MANCHESTER = 'E08000003';
const EDINBURGH = 'S12000036';
const DWP = 'GB-GOR-D10';
const PERIOD = '2025';
const PREVIOUS = '2024';

describe("the authority report: its figures are the API's, its charts the authority dashboard's", () => {
  let t: TestApp;
  let reports: ReportsService;
  let dashboards: DashboardsService;
  let benchmarks: BenchmarksService;
  let publicCopy: ReportModel;
  let keyedCopy: ReportModel;

  beforeAll(async () => {
    t = await startTestApp({ DEMO_DATA: 'true' });
    // Trafford's Procurement Act notices of the fixtures, contracts awarded in 2025, beside the demo's own
    await importNotices(t.app);
    reports = t.app.get(ReportsService);
    dashboards = t.app.get(DashboardsService);
    benchmarks = t.app.get(BenchmarksService);
    [publicCopy, keyedCopy] = await Promise.all([
      reports.model('authority', { period: PERIOD, authority: TRAFFORD }, null),
      reports.model('authority', { period: PERIOD, authority: TRAFFORD }, { authorities: [TRAFFORD] }),
    ]);
  }, 120_000);
  afterAll(() => t?.close());

  it('refuses an unknown authority, naming the field (check, the model and the preview over HTTP)', async () => {
    const builder = t.app.get(AuthorityReport);
    await expect(builder.check({ period: PERIOD, authority: 'E99999999' })).rejects.toMatchObject({ code: 'invalid_parameter', details: { field: 'authority', value: 'E99999999' } });
    await expect(reports.check('authority', { period: PERIOD, authority: 'nope' })).rejects.toBeInstanceOf(DomainError);
    await expect(builder.check({ period: PERIOD, authority: TRAFFORD })).resolves.toBeUndefined();
    await expect(reports.model('authority', { period: PERIOD, authority: 'E99999999' }, null)).rejects.toMatchObject({ code: 'invalid_parameter', details: { field: 'authority' } });
    const res = await http(`${t.url}/reports/authority/preview?period=${PERIOD}&authority=E99999999`);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('authority');
  });

  it('names the authority and period, is demo data', () => {
    expect(publicCopy.subtitle).toBe(`Trafford, ${PERIOD}`);
    expect(publicCopy.demo).toBe(true);
    expect(String(publicCopy.content.lede)).toContain('Trafford');
  });

  it('every headline figure equals the API field its source names (indicators and benchmarks), for the same parameters', async () => {
    expect(publicCopy.figures[0].source).toBe(`GET /api/v1/indicators/implementation?authority=${TRAFFORD}&from=${PERIOD}&to=${PERIOD}&basis=net: rows[0].in_scope_contracts`);
    for (const f of publicCopy.figures.slice(1)) expect(f.source).toMatch(new RegExp(`^GET /api/v1/benchmarks/${TRAFFORD}\\?peers=nearest&from=${PERIOD}&to=${PERIOD}: indicators\\[\\w+\\]\\.value$`));
    expect(publicCopy.figures.filter((f) => f.value !== null).length).toBeGreaterThan(2);
    await expectFiguresFromApi(t.url, publicCopy.figures);
  });

  it("every chart is the authority dashboard's for the same query; the peers are the dashboard's default", async () => {
    const q: DashboardQuery = { authority: TRAFFORD, peers: 'nearest', from: PERIOD, to: PERIOD, basis: 'net' };
    for (const [key, query] of [
      ['peer-strip', q],
      ['trend', { ...q, from: '2024-Q1' }],
      ['themes', q],
      ['official-ratings', { authority: TRAFFORD, from: PERIOD, to: PERIOD }],
      ['payment-times', { authority: TRAFFORD, peers: 'nearest', from: '2024-Q1', to: PERIOD }],
    ] as const) {
      const built = await dashboards.chart('authority', key, query, EVERYTHING);
      expect(publicCopy.charts[key].source).toBe(`authority/${key}`);
      expect(publicCopy.charts[key].rows).toEqual(built.rows);
      expect(publicCopy.charts[key].spec).toEqual(built.spec);
    }
    // the dashboard without a peers option: the same peer strip (nearest neighbours, its default for a council)
    const byDefault = await dashboards.chart('authority', 'peer-strip', { authority: TRAFFORD, from: PERIOD, to: PERIOD }, EVERYTHING);
    expect(publicCopy.charts['peer-strip'].rows).toEqual(byDefault.rows);
  });

  it('where it stands and what changed are the benchmarks of the period and the one before', async () => {
    const [now, before] = await Promise.all([
      benchmarks.benchmark(TRAFFORD, { peers: { method: 'nearest' }, from: PERIOD, to: PERIOD }),
      benchmarks.benchmark(TRAFFORD, { peers: { method: 'nearest' }, from: PREVIOUS, to: PREVIOUS }),
    ]);
    const evaluated = publicCopy.tables.standing.rows.find((r) => r.indicator === 'Contracts evaluating social value')!;
    const b = now.indicators.find((x) => x.indicator === 'sv_evaluated_share')!;
    expect([evaluated.value, evaluated.peer_median, evaluated.peer_lower_quartile, evaluated.percentile_rank, evaluated.n_peers]).toEqual([b.value, b.peer_median, b.peer_lower_quartile, b.percentile_rank, b.n_peers]);
    const changes = publicCopy.tables.changes;
    expect(changes.columns.map((c) => c.title)).toContain(`${PREVIOUS} (%)`);
    for (const r of changes.rows) {
      const name = now.indicators.find((x) => r.indicator === peerIndicator(x.indicator).label)!.indicator;
      const p = before.indicators.find((x) => x.indicator === name);
      expect(r.previous).toBe(p?.value ?? null);
      expect(r.peer_median_previous).toBe(p?.peer_median ?? null);
    }
    expect(publicCopy.tables.peers.rows.map((r) => r.code)).toEqual(now.peer_group.members.map((m) => m.code));
  });

  it('the public copy has the rating counts but no contract or supplier; the key holder\'s copy has them, read within its scope', async () => {
    const indicators = t.app.get(IndicatorsService);
    const own = (await indicators.implementation({ authority: TRAFFORD, from: PERIOD, to: PERIOD })).rows[0];
    const counts = publicCopy.tables.ratings.rows.map((r) => r.contracts);
    expect(counts).toEqual(['good', 'approaching_target', 'requires_improvement', 'inadequate', 'other'].map((k) => own[`rating_${k}`]));

    expect(publicCopy.supplier_data).toBe(false);
    expect(publicCopy.charts.contracts).toBeUndefined();
    expect(publicCopy.tables.contracts).toBeUndefined();
    expect(String(publicCopy.content.withheld)).toMatch(/key holder/);
    const publicHtml = await reports.preview('authority', { period: PERIOD, authority: TRAFFORD }, null);
    expect(publicHtml).not.toContain('DEMO-E08000009');
    expect(publicHtml).toContain('not in this published copy');

    expect(keyedCopy.supplier_data).toBe(true);
    const contracts = await t.app.get(ContractsService).deliveryOfAuthority({ authority: TRAFFORD, from: PERIOD, to: PERIOD }, { authorities: [TRAFFORD] });
    expect(contracts.rows.length).toBeGreaterThan(0);
    const chart = await dashboards.chart('authority', 'contracts', { authority: TRAFFORD, from: PERIOD, to: PERIOD }, { authorities: [TRAFFORD] });
    expect(keyedCopy.charts.contracts.rows).toEqual(chart.rows);
    expect(keyedCopy.tables.contracts.rows.map((r) => r.contract).sort()).toEqual(contracts.rows.map((c) => c.reference).sort());
    expect(keyedCopy.content.withheld).toBeNull();
    const keyedHtml = await reports.preview('authority', { period: PERIOD, authority: TRAFFORD }, { authorities: [TRAFFORD] });
    expect(keyedHtml).toContain(String(contracts.rows[0].reference));
    expect(keyedHtml).toContain('Each contract (key holders');

    // a key that reads another authority's supplier-level data: no contract, and a sentence saying why
    const other = await reports.model('authority', { period: PERIOD, authority: TRAFFORD }, { authorities: [MANCHESTER] });
    expect(other.charts.contracts).toBeUndefined();
    expect(String(other.content.withheld)).toContain(MANCHESTER);
  });

  it("official ratings and payment times: Trafford's figures the indicators', in sentences and tables, printed", async () => {
    const indicators = t.app.get(IndicatorsService);
    const r = (await indicators.implementation({ authority: TRAFFORD, from: PERIOD, to: PERIOD })).rows[0];
    expect(r.officially_rated_contracts).toBeGreaterThan(0);
    const official = publicCopy.tables['official-ratings'];
    const find = (item: string) => official.rows.find((x) => x.item === item)!;
    for (const k of ['good', 'approaching_target', 'requires_improvement', 'inadequate', 'other']) {
      const label = { good: 'Good', approaching_target: 'Approaching target', requires_improvement: 'Requires improvement', inadequate: 'Inadequate', other: 'Other' }[k];
      expect(find(`${label} (official)`).count).toBe(r[`official_rating_${k}`]);
      expect(find(`${label} (from returns)`).count).toBe(r[`rating_${k}`]);
    }
    expect(find('Performance notice overdue').count).toBe(r.performance_notice_overdue);
    const byPeriod = (await indicators.implementation({ authority: TRAFFORD, from: '2024-Q1', to: PERIOD, group_by: 'period' })).rows.filter((x) => (x.payment_reports as number) > 0);
    const own = publicCopy.tables['payment-times'].rows.filter((x) => x.series === 'Trafford');
    expect(byPeriod.length).toBeGreaterThan(0);
    expect(own.map((x) => [x.period, x.average_days_to_pay, x.paid_within_30_days_share])).toEqual(byPeriod.map((x) => [x.period, x.average_days_to_pay, x.paid_within_30_days_share]));
    expect(String(publicCopy.content.notices)).toContain(`${r.kpi_published_share_numerator} of Trafford's ${r.kpi_contracts} contracts over £5m awarded in 2025 published KPIs`);
    const html = await reports.preview('authority', { period: PERIOD, authority: TRAFFORD }, null);
    expect(html).toContain('>Procurement Act notices and payment times</h2>');
    expect(html).toContain('>Payment times</h3>');
    // Edinburgh published no notice (the Act does not cover Scotland's devolved procurement): a sentence, no chart
    const edinburgh = await reports.model('authority', { period: PERIOD, authority: EDINBURGH }, null);
    expect(edinburgh.tables['official-ratings'].rows).toEqual([]);
    expect(String(edinburgh.content.notices)).toBe('City of Edinburgh has published no contract details or performance notices (UK7, UK9) for contracts awarded in 2025 to 2025 yet.');
    const mhtml = await reports.preview('authority', { period: PERIOD, authority: EDINBURGH }, null);
    expect(mhtml).toContain(String(edinburgh.content.notices));
    expect(mhtml).not.toContain('id="chart-official-ratings"');
  });

  it('the same data gives byte-identical data.json', async () => {
    const again = await reports.model('authority', { period: PERIOD, authority: TRAFFORD }, { authorities: [TRAFFORD] });
    expect(JSON.stringify(again)).toBe(JSON.stringify(keyedCopy));
  });

  it('the HTML renders every section, chart and table, and prints each headline figure as the text it shows', async () => {
    const html = await reports.preview('authority', { period: PERIOD, authority: TRAFFORD }, null);
    for (const title of ['Summary', 'Against its peers', 'Trend and what changed', 'Mix of themes', 'Contracts and their delivery ratings', 'Methodology and data sources']) {
      expect(html).toContain(`>${title}</h2>`);
    }
    for (const key of Object.keys(publicCopy.charts)) expect(html).toContain(`id="chart-${key}"`);
    for (const f of publicCopy.figures) expect(html).toContain(`<span class="value">${await formatNumber(f.value, f.format)}</span>`);
  });

  it('a body that is not a council is compared with the same kind and subtype', async () => {
    const m = await reports.model('authority', { period: PERIOD, authority: DWP }, null);
    expect(m.figures[1].source).toContain('peers=same_subtype');
    await expectFiguresFromApi(t.url, m.figures);
    expect(m.tables.peers.rows.length).toBeGreaterThan(0);
  });

  it('a period with no data renders, in sentences', async () => {
    const empty = await reports.model('authority', { period: '1995', authority: TRAFFORD }, { authorities: [TRAFFORD] });
    expect(empty.figures.slice(1).every((f) => f.value === null)).toBe(true);
    await expectFiguresFromApi(t.url, empty.figures);
    expect(String(empty.content.lede)).toMatch(/awarded no contracts in 1995/);
    expect(empty.charts.contracts.rows).toEqual([]);
    const html = await reports.preview('authority', { period: '1995', authority: TRAFFORD }, { authorities: [TRAFFORD] });
    expect(html).toContain(empty.tables.themes.empty);
    expect(html).toContain(String(empty.content.changed));
  });
});

