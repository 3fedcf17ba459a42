import { AuthorityBoard, MAX_CONTRACTS, PEER_METHOD_LABELS, TREND_INDICATORS } from '../../dashboards/boards/authority.board';
import type { BuiltChart, DashboardQuery } from '../../dashboards/chart';
import { DashboardsService } from '../../dashboards/dashboards.service';
import { peerIndicator } from '../../dashboards/peer-indicators';
import { renderSvg } from '../../dashboards/render/svg';
import { CATEGORY_LABELS, HIGHLIGHT, type Category } from '../../dashboards/theme';
import { BenchmarksService } from '../../metrics/read/benchmarks/benchmarks.service';
import { ContractsService } from '../../metrics/read/contracts/contracts.service';
import { IndicatorsService } from '../../metrics/read/indicators/indicators.service';
import { MeasuresService } from '../../metrics/read/measures/measures.service';
import { PeersService, PEER_METHODS } from '../../metrics/read/peers/peers.service';
import { EVERYTHING } from '../../metrics/reference/read-filter/read-filter';
import { COMPUTED_SERIES, NOTICE_FIGURES, OFFICIAL_SERIES } from '../../dashboards/procurement-act';
import { RATING_LABELS, RATINGS } from '../../dashboards/theme';
import { importNotices } from '../support/notices-fixtures';
import { startTestApp, type TestApp } from '../support/test-app';
import { expectWellFormedChart, vegaLiteErrors } from '../support/vega-schema';

/**
 * The authority dashboard on the demo data `npm start` loads (Trafford, E08000009, always has contracts): each chart a
 * valid Vega-Lite spec with its rows inline, each figure the metrics services' own for the same query (the benchmark's
 * value, quartiles and median; the indicators by period; the summary by theme; each contract's delivery rating), the
 * authority's supplier-level rows only within the caller's scope, and each chart drawn as SVG.
 */

const TRAFFORD = 'E08000009';
const MANCHESTER = 'E08000003';
const EDINBURGH = 'S12000036';
const CHARTS = ['peer-strip', 'trend', 'themes', 'contracts', 'official-ratings', 'payment-times'] as const;
const QUERIES: Record<string, DashboardQuery> = {
  default: { authority: TRAFFORD },
  'peers=same_region': { authority: TRAFFORD, peers: 'same_region' },
  'a period with nothing': { authority: TRAFFORD, from: '1995', to: '1995' },
};

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) / 2;
  return s.length === 0 ? null : s[Math.floor(h)] + (h - Math.floor(h)) * ((s[Math.ceil(h)] ?? s[Math.floor(h)]) - s[Math.floor(h)]);
};

describe('the authority dashboard: an authority against its peers, valid Vega-Lite from the metrics services', () => {
  let t: TestApp;
  let dashboards: DashboardsService;
  let board: AuthorityBoard;
  let benchmarks: BenchmarksService;
  let indicators: IndicatorsService;
  let peers: PeersService;
  const built = new Map<string, BuiltChart>();
  const chart = async (name: string, query: DashboardQuery) => {
    const k = `${name} ${JSON.stringify(query)}`;
    if (!built.has(k)) built.set(k, await dashboards.chart('authority', name, query, EVERYTHING));
    return built.get(k)!;
  };

  beforeAll(async () => {
    t = await startTestApp({ DEMO_DATA: 'true' });
    // the demo's Procurement Act contracts come with notices; and Trafford's of the fixtures, imported through OCDS
    await importNotices(t.app);
    dashboards = t.app.get(DashboardsService);
    board = t.app.get(AuthorityBoard);
    benchmarks = t.app.get(BenchmarksService);
    indicators = t.app.get(IndicatorsService);
    peers = t.app.get(PeersService);
  }, 300_000);
  afterAll(() => t?.close());

  describe.each(Object.entries(QUERIES))('for %s', (_, query) => {
    it.each(CHARTS)('%s: a valid spec, its rows inline and as columns, or the sentence saying there are none', async (name) => {
      const b = await chart(name, query);
      const title = b.spec.title as { text: string; subtitle: string };
      expect(title.subtitle).toContain('Trafford');
      expectWellFormedChart(b, query.from === '1995');
    });

    if (query.from === '1995') return;

    it("peer strip: the authority's value, quartiles and median are the benchmark's; a dot for every peer with a value", async () => {
      const b = await chart('peer-strip', query);
      const method = (query.peers as string | undefined) ?? 'nearest';
      const bench = await benchmarks.benchmark(TRAFFORD, { peers: { method: method as never } });
      const own = b.rows.filter((r) => r.is_authority);
      expect(own.length).toBeGreaterThan(3);
      for (const r of own) {
        const i = bench.indicators.find((x) => x.indicator === r.indicator)!;
        expect(i).toBeDefined();
        expect(r.value).toBe(i.value);
        expect(r.peer_median).toBe(i.peer_median);
        expect(r.peer_lower_quartile).toBe(i.peer_lower_quartile);
        expect(r.peer_upper_quartile).toBe(i.peer_upper_quartile);
        expect(r.percentile_rank).toBe(i.percentile_rank);
        expect(b.rows.filter((x) => !x.is_authority && x.indicator === r.indicator)).toHaveLength(i.n_peers);
        // which way is good, in words, on every row
        expect(String(r.row_label)).toMatch(/higher is better|lower is better|neither way is better/);
      }
      // the peers' dots are the members of the peer group
      const members = new Set(bench.peer_group.members.map((m) => m.code));
      for (const r of b.rows.filter((x) => !x.is_authority)) expect(members.has(String(r.code))).toBe(true);
      expect((b.spec.title as { subtitle: string }).subtitle).toContain(PEER_METHOD_LABELS[method as keyof typeof PEER_METHOD_LABELS]);
      // shares on one % axis, other scales each their own panel with an independent x; the authority highlighted
      const spec = b.spec as Record<string, any>;
      expect(spec.resolve.scale.x).toBe('independent');
      const panels = spec.vconcat as Array<Record<string, any>>;
      expect(panels[0].layer[0].encoding.x.axis.format).toBe('.1%');
      const shown = new Set(b.rows.map((r) => r.indicator));
      expect(panels).toHaveLength(1 + [...shown].filter((i) => peerIndicator(String(i)).scale !== 'share').length);
      expect(JSON.stringify(panels[0].layer[2].encoding.color)).toContain(HIGHLIGHT);
      expect(panels[0].layer[2].encoding.shape.scale.range).toEqual(['diamond', 'circle']);
      expect(panels[0].layer[3].mark.fontWeight).toBe('bold');
      expect(panels[0].layer.map((l: any) => l.mark.type)).toEqual(['bar', 'tick', 'point', 'text']);
    });

    it("trend: the authority's values by quarter are the indicators', the median is the peers' median of each quarter", async () => {
      const b = await chart('trend', query);
      const method = ((query.peers as string | undefined) ?? 'nearest') as never;
      const set = await peers.peers(TRAFFORD, { method });
      const codes = [TRAFFORD, ...set.peers.map((p) => p.code)];
      const rows = (await indicators.implementation({ authority: codes, group_by: ['authority', 'period'] })).rows.filter((r) => r.period !== null);
      const medianLabel = `Peer median (${set.count} peers)`;
      for (const ind of TREND_INDICATORS) {
        const own = b.rows.filter((r) => r.indicator === ind && r.series !== medianLabel);
        const expectedOwn = rows.filter((r) => r.authority === TRAFFORD && r[ind] !== null);
        expect(own.map((r) => [r.period, r.value])).toEqual(expectedOwn.map((r) => [r.period, num(r[ind])]));
        for (const m of b.rows.filter((r) => r.indicator === ind && r.series === medianLabel)) {
          const peerValues = rows.filter((r) => r.authority !== TRAFFORD && r.period === m.period && r[ind] !== null).map((r) => num(r[ind])!);
          expect(m.value).toBeCloseTo(median(peerValues)!, 10);
          expect(m.n_peers).toBe(peerValues.length);
        }
      }
      expect(b.rows.some((r) => r.series === medianLabel)).toBe(true);
      // the median dashed, the authority highlighted, one y axis (no dual axes)
      const enc = (b.spec as Record<string, any>).encoding;
      expect(enc.strokeDash.scale.range[1]).toEqual([6, 4]);
      expect(enc.color.scale.range[0]).toBe(HIGHLIGHT);
      expect(JSON.stringify(b.spec)).not.toContain('"resolve"');
    });

    it("themes: the authority's £ by theme and category, as the summary gives them, each category its colour", async () => {
      const b = await chart('themes', query);
      const summary = await t.app.get(MeasuresService).summary({ authority: TRAFFORD, group_by: ['theme', 'category'], basis: 'net' });
      const expected = summary.rows.filter((r) => r.value_gbp !== null);
      expect(b.rows).toHaveLength(expected.length);
      for (const r of expected) {
        const x = b.rows.find((y) => y.theme === r.theme && y.category === CATEGORY_LABELS[r.category as Category])!;
        expect(x.value_gbp).toBe(r.value_gbp);
      }
      const vs = b.rows.map((r) => r.value_gbp as number);
      expect([...vs].sort((x, y) => y - x)).toEqual(vs);
      expect(JSON.stringify(b.spec)).toContain('#12436D');
    });
  });

  it("official ratings: Trafford's ratings official and from returns, its KPI publication and notices due, as the indicators give them", async () => {
    const b = await chart('official-ratings', { authority: TRAFFORD });
    const r = (await indicators.implementation({ authority: TRAFFORD })).rows[0];
    expect(num(r.officially_rated_contracts)).toBeGreaterThan(0);
    const official = b.rows.filter((x) => x.series === OFFICIAL_SERIES);
    const computed = b.rows.filter((x) => x.series === COMPUTED_SERIES);
    RATINGS.forEach((rating, i) => {
      expect(official[i].item).toBe(`${RATING_LABELS[rating]} (official)`);
      expect([official[i].count, official[i].of]).toEqual([num(r[`official_rating_${rating}`]), num(r.officially_rated_contracts)]);
      expect([computed[i].count, computed[i].of]).toEqual([num(r[`rating_${rating}`]), num(r.contracts_with_commitments)]);
    });
    const notices = b.rows.slice(2 * RATINGS.length);
    NOTICE_FIGURES.forEach((f, i) => expect([notices[i].item, notices[i].count, notices[i].of]).toEqual([f.item, num(r[f.count]), num(r[f.of])]));
    expect(notices[0].share).toBe(num(r.kpi_published_share));
    expect((b.spec.title as { text: string }).text).toMatch(/^Trafford: /);
    // Edinburgh published no notice (the Act does not cover Scotland's devolved procurement): said in words
    const edinburgh = await chart('official-ratings', { authority: EDINBURGH });
    expect(edinburgh.rows).toEqual([]);
    expect(JSON.stringify(edinburgh.spec.data)).toContain('City of Edinburgh has published no contract details or performance notices (UK7, UK9) for contracts awarded in any period yet.');
  });

  it("payment times: Trafford's reports period by period, as the indicators give them, beside its peers' median", async () => {
    const b = await chart('payment-times', { authority: TRAFFORD });
    const set = await peers.peers(TRAFFORD, { method: 'nearest' });
    const rows = (await indicators.implementation({ authority: [TRAFFORD, ...set.peers.map((p) => p.code)], group_by: ['authority', 'period'] })).rows.filter(
      (r) => r.period !== null && (num(r.payment_reports) ?? 0) > 0,
    );
    const own = b.rows.filter((x) => x.series === 'Trafford');
    const expectedOwn = rows.filter((r) => r.authority === TRAFFORD);
    expect(expectedOwn.length).toBeGreaterThan(1);
    expect(own.map((x) => [x.period, x.average_days_to_pay, x.paid_within_30_days_share, x.not_paid_when_due_share, x.payment_reports])).toEqual(
      expectedOwn.map((r) => [r.period, num(r.average_days_to_pay), num(r.paid_within_30_days_share), num(r.not_paid_when_due_share), num(r.payment_reports)]),
    );
    const medians = b.rows.filter((x) => x.series !== 'Trafford');
    expect(medians.length).toBeGreaterThan(0);
    for (const m of medians) {
      const values = rows.filter((r) => r.authority !== TRAFFORD && r.period === m.period);
      expect(m.average_days_to_pay).toBeCloseTo(median(values.map((r) => num(r.average_days_to_pay)!))!, 10);
      expect(m.paid_within_30_days_share).toBeCloseTo(median(values.map((r) => num(r.paid_within_30_days_share)!))!, 10);
      expect(m.n_peers).toBe(values.length);
    }
    const last = own[own.length - 1];
    expect((b.spec.title as { text: string }).text).toContain(`in its latest report (period ending in ${last.period})`);
    // a quarter in which no reporting period ends: said in words
    const none = await chart('payment-times', { authority: TRAFFORD, from: '2025-Q4', to: '2025-Q4' });
    expect(none.rows).toEqual([]);
    expect(JSON.stringify(none.spec.data)).toContain('No payments compliance reports published for Trafford Metropolitan Borough Council in 2025-Q4 to 2025-Q4 yet');
  });

  it("contracts: each contract's rating is its delivery's rating; supplier-level, so only within the caller's scope", async () => {
    const b = await chart('contracts', { authority: TRAFFORD });
    const contracts = t.app.get(ContractsService);
    expect(b.rows.length).toBeGreaterThan(0);
    expect(b.rows.length).toBeLessThanOrEqual(MAX_CONTRACTS);
    for (const r of b.rows.slice(0, 5)) {
      const d = await contracts.delivery(String(r.contract), false);
      expect(r.rating).toBe(d.delivery.rating_label);
      expect(d.contract.authority_code).toBe(TRAFFORD);
    }
    const listed = await contracts.list({ authority: TRAFFORD, limit: 500, offset: 0 });
    const references = new Set(listed.data.map((c: { reference: string }) => c.reference));
    for (const r of b.rows) expect(references.has(String(r.contract))).toBe(true);
    // a caller reading Trafford reads it; one reading Manchester only is refused (403), never given an empty chart
    const own = await dashboards.chart('authority', 'contracts', { authority: TRAFFORD }, { authorities: [TRAFFORD] });
    expect(own.rows).toEqual(b.rows);
    await expect(dashboards.chart('authority', 'contracts', { authority: TRAFFORD }, { authorities: [MANCHESTER] })).rejects.toMatchObject({
      code: 'authority_not_allowed',
    });
  });

  it('subject: the authority with its facts and links; an unknown code is not_found on the page and on every chart', async () => {
    const subject = await board.subject({ authority: TRAFFORD });
    expect(subject.code).toBe(TRAFFORD);
    expect(subject.name).toMatch(/Trafford/);
    expect(subject.facts).toEqual(
      expect.arrayContaining([
        { label: 'Region', value: 'North West' },
        { label: 'Nation', value: 'England' },
      ]),
    );
    expect(subject.links!.map((l) => l.href)).toContain(`/api/v1/contracts?authority=${TRAFFORD}`);
    await expect(board.subject({ authority: 'E99999999' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(dashboards.view('authority', { authority: 'E99999999' })).rejects.toMatchObject({ code: 'not_found' });
    for (const name of CHARTS) {
      await expect(dashboards.chart('authority', name, { authority: 'E99999999' }, EVERYTHING)).rejects.toMatchObject({ code: 'not_found' });
    }
    await expect(dashboards.chart('authority', 'peer-strip', { authority: TRAFFORD, peers: 'closest' }, EVERYTHING)).rejects.toMatchObject({
      code: 'invalid_parameter',
    });
  });

  it("tiles: the benchmark's values, each naming its endpoint and field; options: the peer methods and the named groups", async () => {
    const view = await dashboards.view('authority', { authority: TRAFFORD });
    const bench = await benchmarks.benchmark(TRAFFORD, { peers: { method: 'nearest' } });
    expect(view.tiles.length).toBeGreaterThan(2);
    for (const tile of view.tiles) {
      expect(tile.value).toBe(bench.indicators.find((i) => i.indicator === tile.name)?.value ?? null);
      expect(tile.note).toContain(`GET /api/v1/benchmarks/${TRAFFORD}`);
      expect(tile.note).toContain(tile.name);
      expect(tile.display).toBeDefined();
    }
    expect(view.options.peers.map((o) => o.value)).toEqual([...PEER_METHODS]);
    expect(view.options.peers.find((o) => o.value === 'nearest')!.label).toBe('Nearest neighbours');
    expect(Array.isArray(view.options.group)).toBe(true);
  });

  it('a body that is not a council is compared with its kind and subtype by default (nearest neighbours are for councils)', async () => {
    const b = await chart('peer-strip', { authority: 'GB-GOR-D10' });
    expect(vegaLiteErrors(b.spec)).toEqual([]);
    expect((b.spec.title as { subtitle: string }).subtitle).toContain(PEER_METHOD_LABELS.same_subtype);
  });

  it.each(CHARTS)('%s is drawn as SVG by the one renderer, with its marks', async (name) => {
    const b = await chart(name, { authority: TRAFFORD });
    const svg = await renderSvg(b.spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain((b.spec.title as { text: string }).text.replace(/&/g, '&amp;').slice(0, 20));
    expect(svg).toMatch(/class="mark-(rect|symbol|line|text)/);
    if (name === 'peer-strip') expect(svg).toMatch(/class="mark-symbol/);
    if (name === 'trend') expect(svg).toMatch(/class="mark-line/);
  });
});
