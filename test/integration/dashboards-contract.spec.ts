import { ContractBoard } from '../../dashboards/boards/contract.board';
import { RATING_LABELS, type Rating } from '../../dashboards/theme';
import { findChart, findDashboard } from '../../dashboards/catalogue';
import type { ChartContext, DashboardQuery } from '../../dashboards/chart';
import { renderSvg } from '../../dashboards/render/svg';
import { DomainError } from '../../metrics/platform/errors';
import { ContractsService } from '../../metrics/read/contracts/contracts.service';
import { NoticesService } from '../../metrics/read/notices/notices.service';
import { SectorsService } from '../../metrics/reference/sectors/sectors.service';
import { EVERYTHING, type ReadScope } from '../../metrics/reference/read-filter/read-filter';
import { startTestApp, type TestApp } from '../support/test-app';
import { vegaLiteErrors } from '../support/vega-schema';

/**
 * The contract dashboard on the demo data: its heading from the contract's notice, its charts valid Vega-Lite with
 * the figures of GET /api/v1/contracts/{id}/delivery, read within the caller's scope, and drawn once as SVG.
 */

describe('the contract dashboard (demo data)', () => {
  let t: TestApp;
  let board: ContractBoard;
  let contracts: ContractsService;
  /** A demo contract with commitments and returns, its authority, and a contract of another authority. */
  let reference: string;
  let id: number;
  let authority: string;
  let otherReference: string;

  const ctx = (chart: string, query: DashboardQuery, scope: ReadScope = EVERYTHING): ChartContext => ({
    dashboard: findDashboard('contract')!,
    chart: findChart('contract', chart)!,
    query,
    scope,
  });

  const code = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return e instanceof DomainError ? e.code : `not a DomainError: ${String(e)}`;
    }
    return 'no error';
  };

  beforeAll(async () => {
    t = await startTestApp({ DEMO_DATA: 'true' });
    contracts = t.app.get(ContractsService);
    try {
      board = t.app.get(ContractBoard);
    } catch {
      // the dashboards module not wired into the application yet: the board over the application's services
      board = new ContractBoard(contracts, t.app.get(SectorsService), t.app.get(NoticesService));
    }
    const { rows } = await t.database.db.knex.raw(`
      select c.id, c.reference, a.code as authority
      from contracts c join authorities a on a.id = c.authority_id
      where exists (select 1 from commitments k where k.contract_id = c.id and k.is_latest)
        and (select count(*) from outcomes o where o.contract_id = c.id and o.is_latest and o.evidence_ref is not null) >= 3
      order by c.id limit 1`);
    ({ id, reference, authority } = rows[0]);
    const other = await t.database.db.knex.raw(`select c.reference from contracts c join authorities a on a.id = c.authority_id where a.code <> ? order by c.id limit 1`, [authority]);
    otherReference = other.rows[0].reference;
  }, 180_000);
  afterAll(() => t?.close());

  it('has a builder for every chart of the catalogue', () => {
    expect(Object.keys(board.charts).sort()).toEqual(findDashboard('contract')!.charts.map((c) => c.name).sort());
  });

  it("heads the page with the contract's notice: buyer, suppliers, value, dates, stage, sector", async () => {
    const notice = await contracts.get(reference);
    for (const query of [{ contract: reference }, { contract: String(id) }]) {
      const subject = await board.subject(query);
      expect(subject.code).toBe(reference);
      expect(subject.name).toBe(notice.title ?? reference);
      const facts = Object.fromEntries(subject.facts.map((f) => [f.label, f.value]));
      expect(facts.Buyer).toContain(notice.authority_code);
      expect(facts.Supplier ?? facts.Suppliers).toContain(notice.supplier_name);
      expect(facts.Value).toMatch(/^£[\d,]+$/);
      expect(facts.Stage).toEqual(expect.any(String));
      expect(facts['Award date']).toMatch(/^\d{1,2} [A-Z][a-z]+ \d{4}$|^–$/);
      expect(facts.Sector).toContain(notice.sector);
      expect(facts.Data).toContain('Demo');
    }
    const tiles = await board.tiles({ contract: reference });
    expect(tiles.find((x) => x.name === 'value_gbp')!.value).toBe(Number(notice.value_gbp));
  });

  it("passes a title as it is (the page escapes it): a <script> stays text", async () => {
    const title = '<script>alert("x")</script> & Co';
    const fake = { get: async () => ({ ...(await contracts.get(reference)), title }) } as unknown as ContractsService;
    const subject = await new ContractBoard(fake, t.app.get(SectorsService), t.app.get(NoticesService)).subject({ contract: reference });
    expect(subject.name).toBe(title);
  });

  it('refuses an unknown contract with not_found, and a page without one', async () => {
    expect(await code(board.subject({ contract: 'NO-SUCH-CONTRACT' }))).toBe('not_found');
    expect(await code(board.tiles({ contract: '999999999' }))).toBe('not_found');
    for (const chart of Object.keys(board.charts)) {
      expect(await code(board.charts[chart](ctx(chart, { contract: 'NO-SUCH-CONTRACT' })))).toBe('not_found');
    }
    expect(await code(board.subject({}))).toBe('invalid_parameter');
  });

  it.each(['commitments', 'returns', 'evidence'])('%s: a valid spec with its rows inline, drawn as SVG', async (name) => {
    const built = await board.charts[name](ctx(name, { contract: reference }));
    expect(vegaLiteErrors(built.spec)).toEqual([]);
    expect(built.rows.length).toBeGreaterThan(0);
    const spec = built.spec as Record<string, any>;
    expect(spec.data).toEqual({ values: built.rows });
    expect(spec.description).toEqual(expect.any(String));
    expect(spec.title.subtitle).toContain(reference);
    expect(JSON.stringify(spec)).not.toMatch(/"url"/);
    for (const r of built.rows) for (const c of built.columns) expect(r).toHaveProperty(c.field);
    const svg = await renderSvg(built.spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(name === 'evidence' ? /<text/ : /<path|<rect/);
  });

  it("commitments: each latest commitment's expected and delivered to date, ratio and rating as the delivery gives them", async () => {
    const built = await board.charts.commitments(ctx('commitments', { contract: reference }));
    const delivery = await contracts.delivery(reference, false);
    const labels: Record<string, string> = { good: 'Good', approaching_target: 'Approaching target', requires_improvement: 'Requires improvement', inadequate: 'Inadequate', other: 'Other' };
    expect(built.rows.map((r) => [r.measure, r.expected_to_date, r.delivered_to_date, r.delivery_ratio, r.rating])).toEqual(
      delivery.commitments.map((c: any) => [
        c.measure,
        Number(c.expected_to_date),
        Number(c.delivered_to_date),
        c.delivery_ratio === null ? null : Number(c.delivery_ratio),
        labels[c.rating],
      ]),
    );
    expect((built.spec as any).title.text).toContain(delivery.delivery.rating_label);
    // the rating is a text label too, not colour alone
    expect(JSON.stringify((built.spec as any).layer.map((l: any) => l.mark.type))).toContain('text');
  });

  it('returns and evidence: the latest returns, with their quantities and evidence references', async () => {
    const delivery = await contracts.delivery(reference, false);
    const returns = await board.charts.returns(ctx('returns', { contract: reference }));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(returns.rows.map((r) => Number(r.quantity)))).toBeCloseTo(sum(delivery.outcomes.map((o: any) => Number(o.quantity_canonical))), 6);
    expect(sum(returns.rows.map((r) => Number(r.returns)))).toBe(delivery.outcomes.length);
    const evidence = await board.charts.evidence(ctx('evidence', { contract: reference }));
    expect(evidence.rows.map((r) => r.evidence_ref)).toEqual(delivery.outcomes.map((o: any) => o.evidence_ref));
    expect(evidence.columns.map((c) => c.title)).toEqual(['Measure', 'Period', 'Quantity', 'Unit', 'Evidence reference']);
  });

  it("official ratings: each period its buyer rated, each KPI's latest rating, the contract's beside its rating from returns", async () => {
    // a demo Procurement Act contract with commitments (its KPIs' targets) and performance notices
    const { rows } = await t.database.db.knex.raw(`select c.reference from contracts c where c.reference like 'DEMO-PA-%'
      and exists (select 1 from contract_performance p where p.contract_id = c.id)
      and exists (select 1 from commitments k where k.contract_id = c.id and k.is_latest) order by c.id limit 1`);
    const ref: string = rows[0].reference;
    const built = await board.charts['official-ratings'](ctx('official-ratings', { contract: ref }));
    expect(vegaLiteErrors(built.spec)).toEqual([]);
    const c = (await contracts.get(ref)) as any;
    const latest = c.notices.ratings.filter((r: any) => !r.superseded);
    const byBuyer = 'The contract, by its buyer (the worst KPI)';
    const fromReturns = 'The contract, from its returns';
    const kpiRows = built.rows.filter((r) => r.item !== byBuyer && r.item !== fromReturns);
    expect(kpiRows.length).toBe(latest.length);
    for (const r of latest) {
      const title = c.notices.kpis.find((k: any) => k.metric_id === r.metric_id)?.title ?? r.metric_id;
      expect(kpiRows.filter((x) => x.item === title && x.period_end === String(r.period_end).slice(0, 10)).map((x) => x.rating)).toEqual([RATING_LABELS[r.rating as Rating]]);
    }
    // the contract's two ratings are the agreement's pairs for it, period by period
    const pairs = (await t.app.get(NoticesService).agreementContracts({ all: 'true' })).data.filter((p) => p.reference === ref).sort((a, b) => a.period_end.localeCompare(b.period_end));
    expect(pairs.length).toBeGreaterThan(0);
    expect(built.rows.filter((r) => r.item === byBuyer).map((r) => [r.period_end, r.rating])).toEqual(pairs.map((p) => [p.period_end, RATING_LABELS[p.official]]));
    expect(built.rows.filter((r) => r.item === fromReturns).map((r) => [r.period_end, r.rating])).toEqual(pairs.map((p) => [p.period_end, RATING_LABELS[p.computed]]));
    expect((built.spec as any).title.text).toMatch(/^Rated (Good|Approaching target|Requires improvement|Inadequate|Other) by its buyer for /);
    const svg = await renderSvg(built.spec);
    expect(svg).toMatch(/<text[^>]*>[^<]*(Good|Approaching target|Requires improvement|Inadequate)/); // the rating in words, not colour alone
  });

  it("reads supplier-level charts within the caller's scope: another authority's key is refused", async () => {
    const mine: ReadScope = { authorities: [authority] };
    for (const chart of Object.keys(board.charts)) {
      const built = await board.charts[chart](ctx(chart, { contract: reference }, mine));
      // the contract was let before the Procurement Act's notices: no rating, said in words
      if (chart === 'official-ratings') expect(JSON.stringify(built.spec.data)).toContain('No contract performance notice (UK9) rates this contract yet');
      else expect(built.rows.length).toBeGreaterThan(0);
      expect(await code(board.charts[chart](ctx(chart, { contract: otherReference }, mine)))).toBe('authority_not_allowed');
    }
    // the notice is public: the heading of another authority's contract is there for anyone
    expect((await board.subject({ contract: otherReference })).code).toBe(otherReference);
  });
});
