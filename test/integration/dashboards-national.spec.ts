import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NationalBoard, MAP_INDICATORS, LEAGUE_EACH_END } from '../../dashboards/boards/national.board';
import type { BuiltChart, DashboardQuery } from '../../dashboards/chart';
import { DashboardsService, type DashboardView } from '../../dashboards/dashboards.service';
import { formatNumber } from '../../dashboards/format';
import { renderSvg } from '../../dashboards/render/svg';
import { NO_DATA, RATING_LABELS, RATINGS } from '../../dashboards/theme';
import { projectRoot } from '../../metrics/platform/project-root';
import { IndicatorsService, type IndicatorRow } from '../../metrics/read/indicators/indicators.service';
import { NoticesService } from '../../metrics/read/notices/notices.service';
import { EVERYTHING } from '../../metrics/reference/read-filter/read-filter';
import { COMPUTED_SERIES, NOTICE_FIGURES, OFFICIAL_SERIES } from '../../dashboards/procurement-act';
import { importNotices } from '../support/notices-fixtures';
import { startTestApp } from '../support/test-app';
import { expectWellFormedChart, vegaLiteErrors } from '../support/vega-schema';

/**
 * The national dashboard's charts on the demo data `npm start` loads: each spec valid Vega-Lite with its rows inline,
 * each figure the indicators endpoint's for the same filter, the hex map one hexagon per district of the shipped
 * HexJSON (grey without data, each a link), the league table ranked; each drawn as SVG by the one renderer.
 */

const CHARTS = ['committed-vs-delivered', 'ratings', 'by-kind', 'by-department', 'hex-map', 'league-table', 'official-ratings', 'payment-times'] as const;
const REGION = 'North West'; // Trafford and Manchester: the demo always gives them contracts
const QUERIES: Record<string, DashboardQuery> = {
  'no filter': {},
  [`region ${REGION}`]: { region: REGION },
  'a period with nothing': { from: '1995', to: '1995' },
};
const HEXES = JSON.parse(readFileSync(join(projectRoot(), 'metrics', 'reference', 'data', 'maps', 'uk-local-authority-districts-2023.hexjson'), 'utf8')) as {
  hexes: Record<string, { n: string; region: string }>;
};
const HEX_CODES = Object.keys(HEXES.hexes);

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** The charts of the real application (DashboardsService), with the demo data `npm start` loads. */
interface Source {
  chart(name: string, query: DashboardQuery): Promise<BuiltChart>;
  indicators: IndicatorsService;
  board: NationalBoard;
  notices: NoticesService;
  view(query: DashboardQuery): Promise<DashboardView>;
  close(): Promise<void>;
}

async function start(): Promise<Source> {
  const t = await startTestApp({ DEMO_DATA: 'true' });
  // the demo's Procurement Act contracts come with notices; and Trafford's of the fixtures, imported through OCDS
  await importNotices(t.app);
  const dashboards = t.app.get(DashboardsService);
  return {
    chart: (name, query) => dashboards.chart('national', name, query, EVERYTHING),
    indicators: t.app.get(IndicatorsService),
    board: t.app.get(NationalBoard),
    notices: t.app.get(NoticesService),
    view: (query) => dashboards.view('national', query),
    close: () => t.close(),
  };
}

describe('the national dashboard: its charts, from the indicators, valid Vega-Lite', () => {
  let source: Source;
  let indicators: IndicatorsService;
  const built = new Map<string, BuiltChart>();
  const chart = async (name: string, query: DashboardQuery) => {
    const k = `${name} ${JSON.stringify(query)}`;
    if (!built.has(k)) built.set(k, await source.chart(name, query));
    return built.get(k)!;
  };
  const implementation = (query: DashboardQuery, group_by?: string) =>
    indicators.implementation({ ...(query as Record<string, string>), ...(group_by ? { group_by } : {}) });

  beforeAll(async () => {
    source = await start();
    indicators = source.indicators;
  }, 300_000);
  afterAll(() => source?.close());

  describe.each(Object.entries(QUERIES))('for %s', (_, query) => {
    it.each(CHARTS)('%s: a valid spec, its rows inline and as columns, or the sentence saying there are none', async (name) => {
      const b = await chart(name, query);
      const title = b.spec.title as { text: string; subtitle: string };
      expect(title.subtitle).toMatch(/authorities|region/);
      // nothing in the period; and central departments have no region, so a region leaves none
      expectWellFormedChart(b, query.from === '1995' || (query.region !== undefined && name === 'by-department'));
      if (query.from === '1995' && name === 'official-ratings') expect((b.spec.data as { values: Array<{ message: string }> }).values[0].message).toBe('No contract details or performance notices (UK7, UK9) published for contracts awarded, all authorities, 1995 to 1995, yet.');
      if (query.from === '1995' && name === 'payment-times') expect(JSON.stringify(b.spec.data)).toContain('No payments compliance reports published for all authorities, 1995 to 1995 yet');
    });

    if (query.from === '1995') return;

    it('ratings: a bar per rating, the counts the indicators give, summing to the contracts with commitments', async () => {
      const b = await chart('ratings', query);
      const r = (await implementation(query)).rows[0];
      expect(b.rows.map((x) => x.rating)).toEqual(RATINGS.map((x) => RATING_LABELS[x]));
      RATINGS.forEach((rating, i) => expect(b.rows[i].contracts).toBe(num(r[`rating_${rating}`])));
      const total = b.rows.reduce((s, x) => s + (x.contracts as number), 0);
      expect(total).toBe(num(r.contracts_with_commitments));
      expect(total).toBeGreaterThan(0);
      expect(b.rows.reduce((s, x) => s + (x.share as number), 0)).toBeCloseTo(1, 5);
      // colour and a written label on each bar
      const layers = b.spec.layer as Array<{ mark: { type: string }; encoding?: Record<string, unknown> }>;
      expect(layers.map((l) => l.mark.type)).toEqual(['bar', 'text']);
      expect(JSON.stringify(layers[0].encoding)).toContain('#12436D');
    });

    it("official ratings: each rating official and from returns, KPI publication, notices due and overdue, as the indicators give them", async () => {
      const b = await chart('official-ratings', query);
      const r = (await implementation(query)).rows[0];
      expect(num(r.officially_rated_contracts)).toBeGreaterThan(0);
      const official = b.rows.filter((x) => x.series === OFFICIAL_SERIES);
      const computed = b.rows.filter((x) => x.series === COMPUTED_SERIES);
      expect(official.map((x) => x.item)).toEqual(RATINGS.map((x) => `${RATING_LABELS[x]} (official)`));
      RATINGS.forEach((rating, i) => {
        expect([official[i].count, official[i].of]).toEqual([num(r[`official_rating_${rating}`]), num(r.officially_rated_contracts)]);
        expect([computed[i].count, computed[i].of]).toEqual([num(r[`rating_${rating}`]), num(r.contracts_with_commitments)]);
      });
      // the ratings in the same order as the delivery ratings chart, and in its colours
      const ratings = await chart('ratings', query);
      expect(computed.map((x) => x.count)).toEqual(ratings.rows.map((x) => x.contracts));
      const notices = b.rows.filter((x) => x.series !== OFFICIAL_SERIES && x.series !== COMPUTED_SERIES);
      expect(notices.map((x) => x.item)).toEqual(NOTICE_FIGURES.map((f) => f.item));
      NOTICE_FIGURES.forEach((f, i) => expect([notices[i].count, notices[i].of]).toEqual([num(r[f.count]), num(r[f.of])]));
      expect(notices[0].share).toBe(num(r.kpi_published_share));
      expect(notices[1].share).toBe(num(r.sv_kpi_share));
      expect(JSON.stringify(b.spec.layer)).toContain(JSON.stringify(RATINGS.map((x) => RATING_LABELS[x])).slice(1, -1));
    });

    it('official ratings against the ratings from returns: the cross-table of the ratings agreement, every cell', async () => {
      const b = await chart('ratings-agreement', query);
      const { kind, region, nation, sector, from, to } = query as Record<string, string | undefined>;
      const a = await source.notices.agreement({ kind, region, nation, sector, from, to });
      expect(a.pairs).toBeGreaterThan(0);
      expect(b.rows).toHaveLength(25);
      RATINGS.forEach((o, i) =>
        RATINGS.forEach((c, j) => {
          const cell = b.rows[i * RATINGS.length + j];
          expect([cell.official, cell.computed, cell.pairs]).toEqual([RATING_LABELS[o], RATING_LABELS[c], a.table[o][c]]);
          expect(cell.steps).toBe(o === 'other' || c === 'other' ? null : Math.abs(i - j));
        }),
      );
      const sum = (rows: typeof b.rows) => rows.reduce((n, x) => n + (x.pairs as number), 0);
      expect(sum(b.rows)).toBe(a.pairs);
      expect(sum(b.rows.filter((x) => x.steps === 0))).toBe(a.agree);
      expect(sum(b.rows.filter((x) => (x.steps as number) >= 2))).toBe(a.two_or_more_apart);
      expect((b.spec.title as { text: string }).text).toContain(`of ${a.rated} contract-periods rated both ways`);
      // the diagonal (the two agree) outlined, every cell labelled with its count (colour is not the only cue)
      const layers = b.spec.layer as Array<{ mark: { type: string } }>;
      expect(layers.map((l) => l.mark.type)).toEqual(['rect', 'rect', 'text']);
      expect(JSON.stringify(layers[1])).toContain('datum.steps === 0');
    });

    it('payment times: every authority with reports, its figures the indicators by authority, slowest first; the title the figures over all', async () => {
      const b = await chart('payment-times', query);
      const [total, byAuthority] = await Promise.all([implementation(query), implementation(query, 'authority')]);
      const withReports = byAuthority.rows.filter((r) => (num(r.payment_reports) ?? 0) > 0);
      expect(withReports.length).toBeGreaterThan(1);
      expect(b.rows).toHaveLength(withReports.length);
      for (const x of b.rows) {
        const r = withReports.find((y) => y.authority === x.code)!;
        expect([x.average_days_to_pay, x.paid_within_30_days_share, x.not_paid_when_due_share, x.payment_reports]).toEqual([
          num(r.average_days_to_pay),
          num(r.paid_within_30_days_share),
          num(r.not_paid_when_due_share),
          num(r.payment_reports),
        ]);
      }
      const days = b.rows.map((x) => x.average_days_to_pay as number);
      expect([...days].sort((x, y) => y - x)).toEqual(days);
      expect(b.rows[0].end).toBe('slowest');
      expect(b.rows[b.rows.length - 1].end).toBe('fastest');
      const t = total.rows[0];
      const text = (b.spec.title as { text: string }).text;
      expect(text).toContain(`${await formatNumber(num(t.average_days_to_pay), 'ratio')} days on average`);
      expect(text).toContain(`${await formatNumber(num(t.paid_within_30_days_share), 'pct')} were paid within 30 days`);
    });

    it.each([
      ['by-kind', 'kind'],
      ['by-department', 'department'],
    ] as const)('%s: the four shares of each group as the indicators give them', async (name, dimension) => {
      const b = await chart(name, query);
      const rows = (await implementation(query, dimension)).rows.filter((r) => r[dimension] !== null);
      if (!query.region) expect(b.rows.length).toBeGreaterThan(0);
      const byCode = new Map(rows.map((r) => [String(r[dimension]), r]));
      const fields: Record<string, string> = {
        'Evaluating social value': 'sv_evaluated_share',
        'Weighting it 10% or more': 'sv_weighted_10_share',
        'Delivered of expected to date': 'delivery_ratio',
        'Reporting compliance': 'reporting_compliance',
      };
      for (const x of b.rows) {
        const r = byCode.get(String(x.code)) as IndicatorRow;
        expect(r).toBeDefined();
        expect(x.value).toBe(num(r[fields[String(x.indicator)]]));
      }
      const expected = rows.flatMap((r) => Object.values(fields).filter((f) => r[f] !== null)).length;
      expect(b.rows).toHaveLength(expected);
      // no dual axes: one x, in per cent
      expect(JSON.stringify(b.spec)).not.toContain('"resolve"');
    });

    it('hex map: one row and one hexagon per district of the HexJSON, figures by GSS code, grey and "no data" without one', async () => {
      const b = await chart('hex-map', query);
      const byAuthority = new Map((await implementation(query, 'authority')).rows.map((r) => [String(r.authority), num(r.delivery_ratio)]));
      expect(b.rows.map((r) => r.code)).toEqual(HEX_CODES);
      for (const r of b.rows) {
        expect(r.value).toBe(byAuthority.get(String(r.code)) ?? null);
        expect(r.name).toBe(HEXES.hexes[String(r.code)].n);
      }
      expect(b.columns.map((c) => c.field)).toEqual(['code', 'name', 'region', 'value']);
      const withValue = b.rows.filter((r) => r.value !== null);
      expect(withValue.length).toBeGreaterThan(0);
      expect(b.rows.length - withValue.length).toBeGreaterThan(0);
      if (query.region) expect(new Set(withValue.map((r) => r.region))).toEqual(new Set([REGION]));
      const spec = b.spec as Record<string, any>;
      expect(spec.datasets.hexes).toHaveLength(HEX_CODES.length);
      expect(spec.projection).toEqual({ type: 'identity', reflectY: true });
      expect(spec.mark.type).toBe('geoshape');
      // five bands light to dark and 'No data' in grey, named in the legend (colour is not the only cue)
      expect(spec.encoding.color.scale.domain).toHaveLength(6);
      expect(spec.encoding.color.scale.domain[5]).toBe('No data');
      expect(spec.encoding.color.scale.range[5]).toBe(NO_DATA);
      expect(spec.encoding.href.field).toBe('href');
      expect(JSON.stringify(spec.transform)).toContain("'/dashboards/authority/' + datum.code");
      expect(JSON.stringify(spec.transform)).toContain("'no data'");
      expect(`${spec.title.subtitle} ${spec.description}`).toMatch(/county councils/i);
      expect(spec.description).toContain('uk-upper-tier-local-authorities.hexjson');
    });

    it('league table: authorities with a figure, best first with their ranks, values as the indicators give them', async () => {
      const b = await chart('league-table', query);
      const all = (await implementation(query, 'authority')).rows.filter((r) => r.delivery_ratio !== null);
      const byCode = new Map(all.map((r) => [String(r.authority), num(r.delivery_ratio)]));
      expect(b.rows.length).toBe(all.length > 2 * LEAGUE_EACH_END ? 2 * LEAGUE_EACH_END : all.length);
      const vs = b.rows.map((r) => r.value as number);
      expect([...vs].sort((x, y) => y - x)).toEqual(vs);
      for (const r of b.rows) expect(r.value).toBe(byCode.get(String(r.code)));
      expect(b.rows[0].rank).toBe(1);
      expect(b.rows[0].value).toBe(Math.max(...[...byCode.values()].map((v) => v as number)));
      for (let i = 1; i < b.rows.length; i += 1) {
        const [p, r] = [b.rows[i - 1], b.rows[i]];
        if (r.value === p.value) expect(r.rank).toBe(p.rank);
        else expect(r.rank as number).toBeGreaterThan(p.rank as number);
      }
      if (all.length > 2 * LEAGUE_EACH_END) expect(b.rows[b.rows.length - 1].rank).toBeGreaterThan(2 * LEAGUE_EACH_END);
      expect((b.spec.title as { subtitle: string }).subtitle).toContain('higher is better');
    });
  });

  it('official ratings and payment times say so in words where there are no notices or reports', async () => {
    // the Act does not cover Scotland's devolved procurement: no notice there (the demo's Procurement Act contracts
    // leave it out too); payments reports are by authority, not sector
    const scotland = await chart('official-ratings', { region: 'Scotland' });
    expect(scotland.rows).toEqual([]);
    expect(JSON.stringify(scotland.spec.data)).toContain('No contract details or performance notices (UK7, UK9) published for contracts awarded, region Scotland, all periods, yet.');
    const r = (await implementation({ region: 'Scotland' })).rows[0];
    expect([num(r.officially_rated_contracts), num(r.kpi_published_share_numerator)]).toEqual([0, 0]);
    // a quarter with no reporting period ending in it (they end 31 March and 30 September)
    const none = await chart('payment-times', { from: '2025-Q4', to: '2025-Q4' });
    expect(num((await implementation({ from: '2025-Q4', to: '2025-Q4' })).rows[0]?.payment_reports ?? 0)).toBe(0);
    expect(none.rows).toEqual([]);
    expect(JSON.stringify(none.spec.data)).toContain('No payments compliance reports published for all authorities, 2025-Q4 to 2025-Q4 yet');
    // the sector filter does not reach the payments (they have none): the page says so under the chart
    const bySector = await source.chart('payment-times', { sector: '85' });
    expect(bySector.rows).toEqual((await chart('payment-times', {})).rows);
  });

  it('the map and the league table follow the indicator chosen, and refuse one they do not know', async () => {
    const query = { indicator: 'sv_evaluated_share' };
    const byAuthority = new Map((await implementation({}, 'authority')).rows.map((r) => [String(r.authority), num(r.sv_evaluated_share)]));
    const map = await chart('hex-map', query);
    expect(vegaLiteErrors(map.spec)).toEqual([]);
    for (const r of map.rows) expect(r.value).toBe(byAuthority.get(String(r.code)) ?? null);
    expect(map.columns[3].title).toBe('In-scope contracts evaluating social value (%)');
    const league = await chart('league-table', query);
    for (const r of league.rows) expect(r.value).toBe(byAuthority.get(String(r.code)));
    await expect(source.chart('hex-map', { indicator: 'population' })).rejects.toMatchObject({ code: 'invalid_parameter' });
    await expect(source.chart('league-table', { indicator: 'population' })).rejects.toMatchObject({ code: 'invalid_parameter' });
  });

  it('offers the page a select of the indicators the map can show', async () => {
    const options = await source.board.options();
    expect(options.indicator.map((o) => o.value)).toEqual(MAP_INDICATORS.map((i) => i.name));
    expect(options.indicator[0]).toEqual({ value: 'delivery_ratio', label: MAP_INDICATORS[0].label });
    expect((await source.view({})).options.indicator).toEqual(options.indicator);
  });

  it.each(CHARTS)('%s is drawn as SVG by the one renderer, with its marks', async (name) => {
    const b = await chart(name, {});
    const svg = await renderSvg(b.spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain((b.spec.title as { text: string }).text.replace(/&/g, '&amp;').slice(0, 30));
    expect(svg).toMatch(/class="mark-(rect|symbol|shape|text)/);
    if (name === 'hex-map') {
      // one hexagon per district, each a link to its council's page; the councils without a figure grey
      expect(svg.match(/aria-roledescription="geoshape"/g)).toHaveLength(HEX_CODES.length);
      expect(svg.match(/<a xlink:href="\/dashboards\/authority\/[ENSW]\d{8}"/g)).toHaveLength(HEX_CODES.length);
      const grey = b.rows.filter((r) => r.value === null).length;
      expect(svg.match(new RegExp(`aria-roledescription="geoshape"[^>]*fill="${NO_DATA}"`, 'g'))).toHaveLength(grey);
    }
  });

});
