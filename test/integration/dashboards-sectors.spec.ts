import { SectorsBoard, TOP_SUPPLIERS } from '../../dashboards/boards/sectors.board';
import type { BuiltChart, DashboardQuery } from '../../dashboards/chart';
import { DashboardsService } from '../../dashboards/dashboards.service';
import { renderSvg } from '../../dashboards/render/svg';
import { SEQUENTIAL } from '../../dashboards/theme';
import { IndicatorsService } from '../../metrics/read/indicators/indicators.service';
import { MeasuresService } from '../../metrics/read/measures/measures.service';
import { SuppliersService } from '../../metrics/read/suppliers/suppliers.service';
import { EVERYTHING } from '../../metrics/reference/read-filter/read-filter';
import { startTestApp, type TestApp } from '../support/test-app';
import { expectWellFormedChart, vegaLiteErrors } from '../support/vega-schema';

/**
 * The sectors dashboard on the demo data `npm start` loads: each chart a valid Vega-Lite spec with its rows inline,
 * each figure the metrics services' own for the same filter (the summary by sector and theme, the SME and VCSE shares of
 * the indicators), and the top suppliers summed from the stored delivery figures, sorted, within the caller's scope.
 */

const CHARTS = ['sector-theme', 'sme-vcse-sector', 'sme-vcse-region', 'top-suppliers'] as const;
const TRAFFORD = 'E08000009';
const MANCHESTER = 'E08000003';
const REGION = 'North West';
const QUERIES: Record<string, DashboardQuery> = {
  'no filter': {},
  [`region ${REGION}`]: { region: REGION },
  'a period with nothing': { from: '1995', to: '1995' },
};

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

describe('the sectors dashboard: sectors and suppliers, valid Vega-Lite from the metrics services', () => {
  let t: TestApp;
  let dashboards: DashboardsService;
  let suppliers: SuppliersService;
  let indicators: IndicatorsService;
  const built = new Map<string, BuiltChart>();
  const chart = async (name: string, query: DashboardQuery) => {
    const k = `${name} ${JSON.stringify(query)}`;
    if (!built.has(k)) built.set(k, await dashboards.chart('sectors', name, query, EVERYTHING));
    return built.get(k)!;
  };

  beforeAll(async () => {
    t = await startTestApp({ DEMO_DATA: 'true' });
    dashboards = t.app.get(DashboardsService);
    suppliers = t.app.get(SuppliersService);
    indicators = t.app.get(IndicatorsService);
  }, 300_000);
  afterAll(() => t?.close());

  describe.each(Object.entries(QUERIES))('for %s', (_, query) => {
    it.each(CHARTS)('%s: a valid spec, its rows inline and as columns, or the sentence saying there are none', async (name) => {
      const b = await chart(name, query);
      const title = b.spec.title as { text: string; subtitle: string };
      expect(title.subtitle).toMatch(query.region ? /region North West/ : /all authorities/);
      expectWellFormedChart(b, query.from === '1995');
    });

    if (query.from === '1995') return;

    it('sector x theme: a cell per sector and theme with £, as the summary gives them; sequential colour and the £ in each cell', async () => {
      const b = await chart('sector-theme', query);
      const summary = await t.app.get(MeasuresService).summary({ ...(query as Record<string, string>), group_by: ['sector', 'theme'], basis: 'net' });
      const expected = summary.rows.filter((r) => r.value_gbp !== null);
      expect(b.rows).toHaveLength(expected.length);
      for (const r of expected) {
        const cell = b.rows.find((x) => x.sector === r.sector && x.theme === r.theme)!;
        expect(cell.value_gbp).toBe(r.value_gbp);
        expect(String(cell.sector_label)).toContain(String(r.sector_label));
      }
      const spec = b.spec as Record<string, any>;
      expect(spec.layer.map((l: any) => l.mark.type)).toEqual(['rect', 'text']);
      expect(spec.layer[0].encoding.color.scale.range).toEqual([...SEQUENTIAL]);
      expect(spec.layer[1].encoding.text.field).toBe('value_gbp');
    });

    it.each([
      ['sme-vcse-sector', 'sector'],
      ['sme-vcse-region', 'region'],
    ] as const)('%s: the SME and VCSE shares of each group as the indicators give them, on one % axis', async (name, key) => {
      const b = await chart(name, query);
      const rows = (await indicators.implementation({ ...(query as Record<string, string>), group_by: key })).rows.filter(
        (r) => (num(r.sme_value_share_denominator) ?? 0) > 0,
      );
      expect(b.rows).toHaveLength(2 * rows.length);
      for (const r of rows) {
        const mine = b.rows.filter((x) => x[key] === r[key]);
        expect(mine.find((x) => x.supplier_type === 'SME')!.share).toBe(num(r.sme_value_share));
        expect(mine.find((x) => x.supplier_type === 'VCSE')!.share).toBe(num(r.vcse_value_share));
      }
      if (key === 'region' && query.region) expect(new Set(b.rows.map((r) => r.region))).toEqual(new Set([REGION]));
      const spec = b.spec as Record<string, any>;
      // colour and shape: two cues; one x axis in per cent, no dual axes
      expect(spec.layer[1].encoding.shape.scale.range).toEqual(['circle', 'square']);
      expect(spec.layer[1].encoding.x.axis.format).toBe('.0%');
      expect(JSON.stringify(spec)).not.toContain('"resolve"');
    });

    it('top suppliers: sorted by £ delivered, at most 20, each with its rating, as the suppliers read gives them', async () => {
      const b = await chart('top-suppliers', query);
      const top = await suppliers.top({ ...(query as Record<string, string>) });
      expect(b.rows.map((r) => [r.supplier, r.delivered_gbp, r.rating])).toEqual(top.rows.map((s) => [s.supplier, s.delivered_gbp, s.delivery_rating_label]));
      expect(b.rows.length).toBeLessThanOrEqual(TOP_SUPPLIERS);
      const vs = b.rows.map((r) => r.delivered_gbp as number);
      expect([...vs].sort((x, y) => y - x)).toEqual(vs);
      expect(b.rows.map((r) => r.rank)).toEqual(b.rows.map((_, i) => i + 1));
      for (const r of b.rows) expect(String(r.rating_text)).toContain(String(r.rating));
    });
  });

  it("top suppliers: the delivered £ of a supplier is the sum of its contracts' delivery; a scope of one authority reads only its suppliers", async () => {
    const scoped = await dashboards.chart('sectors', 'top-suppliers', {}, { authorities: [TRAFFORD] });
    expect(vegaLiteErrors(scoped.spec)).toEqual([]);
    expect(scoped.rows.length).toBeGreaterThan(0);
    expect((scoped.spec.title as { subtitle: string }).subtitle).toContain(`authorities this key reads: ${TRAFFORD}`);
    // every supplier shown has a contract of Trafford's, and its £ are those of Trafford's contracts only
    const trafford = await suppliers.top({ authority: TRAFFORD });
    expect(scoped.rows.map((r) => [r.supplier, r.delivered_gbp])).toEqual(trafford.rows.map((s) => [s.supplier, s.delivered_gbp]));
    const db = t.database.db.knex;
    const own = await db('delivery_measures as dm')
      .join('contracts as c', 'c.id', 'dm.contract_id')
      .join('authorities as a', 'a.id', 'c.authority_id')
      .join('suppliers as s', 's.id', 'c.supplier_id')
      .join('frameworks as f', 'f.id', 'dm.framework_id')
      .where({ 'a.code': TRAFFORD, 'f.is_default': true })
      .groupBy('s.name')
      .select('s.name', db.raw('round(sum(dm.delivered_net_gbp), 2)::text as delivered'));
    const expected = new Map(own.map((r: { name: string; delivered: string }) => [r.name, Number(r.delivered)]));
    for (const r of scoped.rows) expect(r.delivered_gbp).toBe(expected.get(String(r.supplier)));
    // another authority asked for outside the scope: refused, never an empty chart
    await expect(dashboards.chart('sectors', 'top-suppliers', {}, { authorities: [MANCHESTER] })).resolves.toBeDefined();
    await expect(suppliers.top({ authority: TRAFFORD }, { authorities: [MANCHESTER] })).rejects.toMatchObject({ code: 'authority_not_allowed' });
    await expect(suppliers.top({ basis: 'pv' })).rejects.toMatchObject({ code: 'invalid_parameter' });
  });

  it('tiles: the SME and VCSE shares of the indicators, naming the endpoint and field', async () => {
    const tiles = await t.app.get(SectorsBoard).tiles({});
    const r = (await indicators.implementation({})).rows[0];
    for (const tile of tiles) {
      expect(tile.value).toBe(num(r[tile.name]));
      expect(tile.note).toBe(`GET /api/v1/indicators/implementation: ${tile.name}`);
    }
  });

  it.each(CHARTS)('%s is drawn as SVG by the one renderer, with its marks', async (name) => {
    const b = await chart(name, {});
    const svg = await renderSvg(b.spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain((b.spec.title as { text: string }).text.replace(/&/g, '&amp;').slice(0, 20));
    expect(svg).toMatch(/class="mark-(rect|symbol|text)/);
    if (name === 'sector-theme') expect(svg).toMatch(/class="mark-rect/);
    if (name.startsWith('sme-vcse')) expect(svg).toMatch(/class="mark-symbol/);
  });
});
