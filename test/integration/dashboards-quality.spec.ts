import { QualityBoard } from '../../dashboards/boards/quality.board';
import { findChart, findDashboard } from '../../dashboards/catalogue';
import type { BuiltChart, ChartContext, DashboardQuery } from '../../dashboards/chart';
import { renderSvg } from '../../dashboards/render/svg';
import { BatchesService } from '../../metrics/ingest/imports/batches.service';
import { IndicatorsService } from '../../metrics/read/indicators/indicators.service';
import { QualityService } from '../../metrics/read/quality/quality.service';
import { EVERYTHING, type ReadScope } from '../../metrics/reference/read-filter/read-filter';
import { startTestApp, type TestApp } from '../support/test-app';
import { vegaLiteErrors } from '../support/vega-schema';

/**
 * The data quality dashboard on the demo data: every chart a valid Vega-Lite spec with its data inline, its figures
 * those of the read services (the indicators, GET /api/v1/quality, the import batches), supplier-level charts within
 * the caller's scope, and each chart drawn once as SVG.
 */

const QUERIES: DashboardQuery[] = [{}, { from: '2025', to: '2026' }, { region: 'North West' }, { kind: 'local_authority', sector: '85' }];

describe('the data quality dashboard (demo data)', () => {
  let t: TestApp;
  let board: QualityBoard;
  let indicators: IndicatorsService;
  let quality: QualityService;
  /** An authority the demo gives contracts (Trafford), and a submitter's scope of it. */
  const TRAFFORD = 'E08000009';
  const submitter: ReadScope = { authorities: [TRAFFORD] };

  const ctx = (chart: string, query: DashboardQuery = {}, scope: ReadScope = EVERYTHING): ChartContext => ({
    dashboard: findDashboard('quality')!,
    chart: findChart('quality', chart)!,
    query,
    scope,
  });

  beforeAll(async () => {
    t = await startTestApp({ DEMO_DATA: 'true' });
    indicators = t.app.get(IndicatorsService);
    quality = t.app.get(QualityService);
    try {
      board = t.app.get(QualityBoard);
    } catch {
      // the dashboards module not wired into the application yet: the board over the application's services
      board = new QualityBoard(indicators, quality, t.app.get(BatchesService));
    }
  }, 180_000);
  afterAll(() => t?.close());

  it('has a builder for every chart of the catalogue', () => {
    expect(Object.keys(board.charts).sort()).toEqual(findDashboard('quality')!.charts.map((c) => c.name).sort());
  });

  it.each(['compliance', 'missing-returns', 'flags', 'batches'])('%s: a valid spec for every query, with its rows inline and its columns', async (name) => {
    for (const query of QUERIES) {
      const built = await board.charts[name](ctx(name, query));
      expect(vegaLiteErrors(built.spec)).toEqual([]);
      const spec = built.spec as Record<string, any>;
      expect(spec.description).toEqual(expect.any(String));
      expect(spec.title.text).toEqual(expect.any(String));
      expect(spec.title.subtitle).toEqual(expect.any(String));
      expect(JSON.stringify(spec)).not.toMatch(/"url"/);
      if (built.rows.length > 0) expect(spec.data).toEqual({ values: built.rows });
      for (const r of built.rows) for (const c of built.columns) expect(r).toHaveProperty(c.field);
    }
  });

  it('draws each chart as SVG with its marks', async () => {
    for (const name of Object.keys(board.charts)) {
      const built = await board.charts[name](ctx(name));
      expect(built.rows.length).toBeGreaterThan(0);
      const svg = await renderSvg(built.spec);
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toMatch(/<path|<rect/);
      expect(svg).toContain(/^[\w ,%.]*/.exec((built.spec as any).title.text)![0]);
    }
  });

  it('compliance: the indicators by quarter of award, with the numerator and denominator', async () => {
    const query = { from: '2024', to: '2026' };
    const built = await board.charts.compliance(ctx('compliance', query));
    const result = await indicators.implementation({ ...query, group_by: 'period', period_type: 'quarter' });
    const expected = result.rows
      .filter((r) => r.period !== null && Number(r.reporting_compliance_denominator) > 0)
      .map((r) => ({ quarter: r.period, compliance: r.reporting_compliance, returned: Number(r.reporting_compliance_numerator), active: Number(r.reporting_compliance_denominator) }));
    expect(expected.length).toBeGreaterThan(0);
    expect(built.rows).toEqual(expected);
    const tooltip = JSON.stringify((built.spec as any).encoding.tooltip);
    expect(tooltip).toContain('returned');
    expect(tooltip).toContain('active');
    expect((built.spec as any).encoding.y.axis.format).toBe('.0%');
  });

  it('tiles: reporting compliance and its numerator and denominator from the indicators endpoint', async () => {
    const tiles = await board.tiles({ region: 'North West' });
    const [row] = (await indicators.implementation({ region: 'North West' })).rows;
    const by = Object.fromEntries(tiles.map((x) => [x.name, x]));
    expect(by.reporting_compliance.value).toBe(Number(row.reporting_compliance));
    expect(by.reporting_compliance_numerator.value).toBe(Number(row.reporting_compliance_numerator));
    expect(by.reporting_compliance_denominator.value).toBe(Number(row.reporting_compliance_denominator));
    for (const tile of tiles) expect(tile.note).toContain('GET /api/v1/indicators/implementation: ');
  });

  const total = (built: BuiltChart, field: string) => built.rows.reduce((n, r) => n + Number(r[field]), 0);

  it('missing returns: every one GET /api/v1/quality counts, by quarter', async () => {
    for (const query of QUERIES) {
      const built = await board.charts['missing-returns'](ctx('missing-returns', query));
      const listed = await quality.list({ ...(query as Record<string, string>), check: 'missing_return', limit: 1, offset: 0 });
      expect(total(built, 'missing')).toBe(listed.counts.missing_return);
    }
    const all = await board.charts['missing-returns'](ctx('missing-returns'));
    expect(total(all, 'missing')).toBeGreaterThan(0);
    expect(all.rows.map((r) => r.quarter)).toEqual([...all.rows.map((r) => r.quarter)].sort());
  });

  it('flags: each check counted as GET /api/v1/quality counts it', async () => {
    const built = await board.charts.flags(ctx('flags'));
    const listed = await quality.list({ check: 'outlier,duplicate_evidence,outside_contract', limit: 1, offset: 0 });
    const labels = { outlier: 'Outlier', duplicate_evidence: 'Double claim (evidence reused)', outside_contract: "Outside the contract's term" } as const;
    for (const [check, label] of Object.entries(labels)) {
      expect(built.rows.filter((r) => r.check === label).reduce((n, r) => n + Number(r.flags), 0)).toBe(listed.counts[check]);
    }
    expect(total(built, 'flags')).toBeGreaterThan(0);
  });

  it("a submitter's scope narrows missing returns and flags to its authorities", async () => {
    const everyone = await board.charts['missing-returns'](ctx('missing-returns'));
    const mine = await board.charts['missing-returns'](ctx('missing-returns', {}, submitter));
    const listed = await quality.list({ authority: TRAFFORD, check: 'missing_return', limit: 1, offset: 0 });
    expect(total(mine, 'missing')).toBe(listed.counts.missing_return);
    expect(total(mine, 'missing')).toBeLessThan(total(everyone, 'missing'));
    expect((mine.spec as any).title.subtitle).toContain(TRAFFORD);

    const flagsAll = await board.charts.flags(ctx('flags'));
    const flagsMine = await board.charts.flags(ctx('flags', {}, submitter));
    const mineListed = await quality.list({ authority: TRAFFORD, check: 'outlier,duplicate_evidence,outside_contract', limit: 1, offset: 0 });
    expect(total(flagsMine, 'flags')).toBe(mineListed.page.total);
    expect(total(flagsMine, 'flags')).toBeLessThanOrEqual(total(flagsAll, 'flags'));
  });

  it('batches: the latest batches and their rejection rates for analyst and admin keys; a sentence for a submitter', async () => {
    const built = await board.charts.batches(ctx('batches'));
    expect(built.rows.length).toBeGreaterThan(0);
    for (const r of built.rows) expect(r.rejection_rate).toBeCloseTo(Number(r.rejected) / Number(r.received), 12);
    expect(built.rows.map((r) => r.batch)).toEqual([...built.rows.map((r) => Number(r.batch))].sort((a, b) => a - b));
    const mine = await board.charts.batches(ctx('batches', {}, submitter));
    expect(mine.rows).toEqual([]);
    expect(JSON.stringify(mine.spec)).toContain('shown to analyst and admin keys');
    expect(vegaLiteErrors(mine.spec)).toEqual([]);
  });
});
