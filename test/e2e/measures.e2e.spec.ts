import type { Knex } from 'knex';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transaction, withSession, type Session } from '../../metrics/platform/session';
import { DemoService } from '../../metrics/ingest/demo/demo.service';
import { DerivedDataService } from '../../metrics/derive/derived-data.service';
import { Dec, unitValue, type Basis } from '../../metrics/derive/valuation/valuation';
import { ValuationRepository } from '../../metrics/derive/valuation/valuation.repository';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { serverUrl } from '../support/test-env';
import { startTestApp, type TestApp } from '../support/test-app';

const BASES: Basis[] = ['nominal', 'real', 'net', 'pv'];
const t_serverOnly = () => !!serverUrl;

interface Cell {
  quantity: Decimal;
  money: Record<Basis, Decimal | null>;
  outcomes: number;
  contracts: Set<string>;
  demo: number;
}
type Decimal = InstanceType<typeof Dec>;
/** Enough digits that sums of quantity x factor are exact, as in SQL numeric. */
const Exact = Dec.clone({ precision: 1000 });

/**
 * The rollup as it should be, computed outside SQL: every latest outcome revision valued one by one with the pure
 * valuation functions, summed per authority x sector x measure x quarter.
 */
async function expectedCells(knex: Knex): Promise<Map<string, Cell>> {
  const inputs = await new ValuationRepository(knex).inputs();
  const measures = new Map(inputs.measures.map((m) => [m.id, m]));
  const { rows } = await knex.raw(`
    select c.authority_id, c.sector, o.measure_id, to_char(date_trunc('quarter', o.period_end), 'YYYY-MM-DD') as quarter,
      o.quantity_canonical::text as quantity, o.contract_id::text as contract_id, o.is_demo
    from outcomes o join contracts c on c.id = o.contract_id where o.is_latest`);
  const cells = new Map<string, Cell>();
  const units = new Map<string, ReturnType<typeof unitValue>>();
  for (const r of rows) {
    const key = `${r.authority_id}|${r.sector}|${r.measure_id}|${r.quarter}`;
    const year = Number(r.quarter.slice(0, 4));
    const m = measures.get(r.measure_id)!;
    const ukey = `${m.id}|${year}`;
    if (!units.has(ukey)) units.set(ukey, unitValue(m, year, m.base_price_year, inputs.prices, inputs.gdpPerHead));
    const unit = units.get(ukey)!;
    const cell = cells.get(key) ?? {
      quantity: new Exact(0),
      money: { nominal: null, real: null, net: null, pv: null },
      outcomes: 0,
      contracts: new Set<string>(),
      demo: 0,
    };
    cell.quantity = cell.quantity.plus(r.quantity);
    for (const b of BASES) {
      const perUnit = unit[b];
      if (perUnit !== null) cell.money[b] = (cell.money[b] ?? new Exact(0)).plus(new Exact(r.quantity).times(perUnit));
    }
    cell.outcomes += 1;
    cell.contracts.add(r.contract_id);
    if (r.is_demo) cell.demo += 1;
    cells.set(key, cell);
  }
  return cells;
}

async function expectRollupsEqualRaw(knex: Knex): Promise<number> {
  const expected = await expectedCells(knex);
  const { rows } = await knex.raw(`
    select authority_id, sector, measure_id, to_char(quarter, 'YYYY-MM-DD') as quarter, quantity::text,
      nominal_gbp::text, real_gbp::text, net_gbp::text, pv_gbp::text, outcome_count, contract_count, demo_count
    from measure_rollups`);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    const key = `${r.authority_id}|${r.sector}|${r.measure_id}|${r.quarter}`;
    seen.add(key);
    const e = expected.get(key);
    if (!e) {
      problems.push(`${key}: in the rollup, not in the data`);
      continue;
    }
    if (!e.quantity.eq(r.quantity)) problems.push(`${key}: quantity ${r.quantity} != ${e.quantity.toFixed()}`);
    for (const b of BASES) {
      const got = r[`${b}_gbp`];
      const want = e.money[b];
      if ((got === null) !== (want === null) || (got !== null && !want!.eq(got))) problems.push(`${key}: ${b} ${got} != ${want?.toFixed()}`);
    }
    if (Number(r.outcome_count) !== e.outcomes) problems.push(`${key}: outcomes ${r.outcome_count} != ${e.outcomes}`);
    if (Number(r.contract_count) !== e.contracts.size) problems.push(`${key}: contracts ${r.contract_count} != ${e.contracts.size}`);
    if (Number(r.demo_count) !== e.demo) problems.push(`${key}: demo ${r.demo_count} != ${e.demo}`);
  }
  for (const key of expected.keys()) if (!seen.has(key)) problems.push(`${key}: in the data, not in the rollup`);
  expect(problems.slice(0, 10)).toEqual([]);
  await expectLevelsEqualCells(knex);
  return expected.size;
}

/** The area and authority-year levels, kept by deltas, equal the sums of the cells. */
async function expectLevelsEqualCells(knex: Knex): Promise<void> {
  const sums = `sum(r.quantity), sum(r.nominal_gbp), sum(r.real_gbp), sum(r.net_gbp), sum(r.pv_gbp), sum(r.outcome_count)::int,
    sum(r.contract_count)::int, sum(r.demo_count)::int`;
  const cols = 'quantity, nominal_gbp, real_gbp, net_gbp, pv_gbp, outcome_count, contract_count, demo_count';
  for (const [level, fromCells] of [
    ['measure_rollups_area', `select a.nation, a.region, a.kind, r.sector, r.measure_id, r.quarter, ${sums}
       from measure_rollups r join authorities a on a.id = r.authority_id group by 1, 2, 3, 4, 5, 6`],
    ['measure_rollups_authority_year', `select r.authority_id, r.measure_id, extract(year from r.quarter)::smallint, ${sums}
       from measure_rollups r group by 1, 2, 3`],
  ]) {
    const keys = level === 'measure_rollups_area' ? 'nation, region, kind, sector, measure_id, quarter' : 'authority_id, measure_id, year';
    const { rows } = await knex.raw(`
      select 'missing' as side, count(*)::int as n from (${fromCells} except select ${keys}, ${cols} from ${level}) x
      union all
      select 'extra', count(*)::int from (select ${keys}, ${cols} from ${level} except ${fromCells}) y`);
    expect({ level, rows }).toEqual({ level, rows: [{ side: 'missing', n: 0 }, { side: 'extra', n: 0 }] });
  }
}

/** The contract rollups kept by the refreshes equal the ones a rebuild makes from nothing. */
async function expectContractRollupsEqualRebuild(t: TestApp): Promise<void> {
  const snapshot = async () =>
    (
      await t.database.db.knex.raw(
        `select authority_id, sector, award_quarter::text, contracts, awarded, awarded_value_gbp::text, in_scope, in_scope_value_gbp::text,
           sv_evaluated, sv_evaluated_value_gbp::text, sv_weighted_10, sv_weighted_10_value_gbp::text, sv_weighting_sum::text,
           sv_weighting_count, supplier_known_value_gbp::text, sme_value_gbp::text, vcse_value_gbp::text, demo_count
         from contract_rollups order by authority_id, sector nulls first, award_quarter nulls first`,
      )
    ).rows;
  const kept = await snapshot();
  await withSession(t.database.db, (s) => transaction(s, () => t.app.get(DerivedDataService).rebuild(s)));
  expect(await snapshot()).toEqual(kept);
}

describe('valuation and rollups', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await createKey(t.database.db, 'admin');
    await t.app.get(DemoService).load({ outcomes: 2500, seed: 7, reportUntil: '2026-10-01' });
  }, 180_000);
  afterAll(() => t.close());

  const get = (path: string) => fetch(`${t.url}${path}`).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
  const post = (kind: string, body: string) =>
    fetch(`${t.url}/api/v1/imports/${kind}`, { method: 'POST', headers: { 'content-type': 'text/csv', authorization: `Bearer ${admin}` }, body }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as any }),
    );

  it('fills the rollups in the batches that import the data, equal to the raw latest revisions valued one by one', async () => {
    const cells = await expectRollupsEqualRaw(t.database.db.knex);
    expect(cells).toBeGreaterThan(500);
    await expectContractRollupsEqualRebuild(t);
    const [{ n }] = (await t.database.db.knex.raw('select (select count(*) from change_outcomes) + (select count(*) from change_contracts) as n')).rows;
    expect(Number(n)).toBe(0); // every key consumed by the batch that dirtied it
  });

  it('stays equal after corrections, a contract moving sector, and deletes', async () => {
    const knex = t.database.db.knex;
    // corrections: 40 outcomes get a new quantity (a new revision each), through the import API
    const { rows: some } = await knex.raw(`
      select c.reference, m.code, o.period_start::text as ps, o.period_end::text as pe, o.quantity::text, o.unit
      from outcomes o join contracts c on c.id = o.contract_id join measures m on m.id = o.measure_id
      where o.is_latest order by o.id limit 40`);
    const csv = ['contract,measure,period_start,period_end,quantity,unit', ...some.map((r: any) => `${r.reference},${r.code},${r.ps},${r.pe},${new Dec(r.quantity).plus('1.5').toFixed()},${r.unit}`)].join('\n');
    const corrected = await post('outcomes', csv);
    expect(corrected.body).toMatchObject({ batch: { status: 'committed', rows_updated: 40 } });
    await expectRollupsEqualRaw(knex);

    // a contract re-sent with another CPV code moves all its outcomes to another sector
    const { rows: [moving] } = await knex.raw(`
      select c.reference, a.code as authority, c.title, c.sector, s.name as supplier_name, c.value_gbp::text
      from contracts c join authorities a on a.id = c.authority_id join suppliers s on s.id = c.supplier_id
      where c.sector <> '79' and exists (select 1 from outcomes o where o.contract_id = c.id) order by c.id limit 1`);
    const moved = await post('contracts', `reference,authority,title,supplier_name,cpv,value_gbp\n${moving.reference},${moving.authority},${moving.title},${moving.supplier_name},79620000-6,${moving.value_gbp}`);
    expect(moved.body.batch).toMatchObject({ status: 'committed', rows_updated: 1 });
    await expectRollupsEqualRaw(knex);
    await expectContractRollupsEqualRebuild(t);

    // deletes: a contract (its outcomes go with it) and single outcome rows, refreshed in the same transaction
    await withSession(t.database.db, (s) =>
      transaction(s, async () => {
        await s.query(`delete from contracts where id = (select contract_id from outcomes where is_latest order by id desc limit 1)`);
        await s.query(`delete from outcomes where id in (select id from outcomes where is_latest order by id limit 5)`);
        await t.app.get(DerivedDataService).refresh(s);
      }),
    );
    await expectRollupsEqualRaw(knex);
    await expectContractRollupsEqualRebuild(t);

    // monthly returns: three outcomes of one contract in one cell count one contract, until the last one goes
    const { rows: [monthly] } = await knex.raw(`
      select c.id, c.reference from contracts c where c.stage = 'awarded' and c.start_date <= '2025-01-01' and c.end_date >= '2025-03-31'
        and not exists (select 1 from outcomes o join measures m on m.id = o.measure_id where o.contract_id = c.id and m.code = 'SVM-VOLUNTEER-HOURS')
      order by c.id limit 1`);
    const months = await post('outcomes', `contract,measure,period,quantity,unit\n${['2025-01', '2025-02', '2025-03'].map((m, i) => `${monthly.reference},SVM-VOLUNTEER-HOURS,${m},${10 + i},hour`).join('\n')}`);
    expect(months.body.batch).toMatchObject({ status: 'committed', rows_inserted: 3 });
    const cell = async () =>
      (await knex.raw(`select outcome_count, contract_count, quantity::text from measure_rollups r join measures m on m.id = r.measure_id
        where m.code = 'SVM-VOLUNTEER-HOURS' and r.quarter = '2025-01-01' and r.authority_id = (select authority_id from contracts where id = ?)
          and coalesce(r.sector, '') = (select coalesce(sector, '') from contracts where id = ?)`, [monthly.id, monthly.id])).rows[0];
    const before = await cell();
    expect(before.contract_count).toBeGreaterThanOrEqual(1);
    for (const cut of [1, 2]) {
      await withSession(t.database.db, (s) =>
        transaction(s, async () => {
          await s.query(`delete from outcomes where id in (select id from outcomes where contract_id = $1 and is_latest and measure_id = (select id from measures where code = 'SVM-VOLUNTEER-HOURS' and framework_id = (select id from frameworks where is_default)) order by id limit $2)`, [monthly.id, cut]);
          await t.app.get(DerivedDataService).refresh(s);
        }),
      );
      await expectRollupsEqualRaw(knex);
    }
    const after = await cell();
    const { rows: left } = await knex.raw(`select count(*)::int as n from outcomes o join measures m on m.id = o.measure_id where o.contract_id = ? and m.code = 'SVM-VOLUNTEER-HOURS'`, [monthly.id]);
    // the cell goes when the contract was its only one; otherwise it counts one contract fewer
    expect({ left: left[0].n, after }).toEqual({ left: 0, after: before.contract_count === 1 ? undefined : expect.objectContaining({ contract_count: before.contract_count - 1 }) });
  });

  // two refreshes of the same cell at once need two connections: PostgreSQL only (the embedded database has one)
  (t_serverOnly() ? it : it.skip)('serialises refreshes: the later one waits and recomputes the shared cell with the earlier one\'s rows', async () => {
    const knex = t.database.db.knex;
    // two outcomes (rows of their own, so neither waits for the other's row lock) in one cell
    const { rows: [pair] } = await knex.raw(`
      select min(o.id) as a, max(o.id) as b from outcomes o join contracts c on c.id = o.contract_id where o.is_latest
      group by c.authority_id, c.sector, o.measure_id, date_trunc('quarter', o.period_end) having count(*) > 1 limit 1`);
    let turn = 0;
    const bump = (s: Session) =>
      s.query(`update outcomes set quantity = quantity + 1, quantity_canonical = quantity_canonical + 1 where id = $1`, [turn++ === 0 ? pair.a : pair.b]);
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((r) => (releaseFirst = r));
    let firstRefreshed!: () => void;
    const firstDone = new Promise<void>((r) => (firstRefreshed = r));
    const first = withSession(t.database.db, (s) =>
      transaction(s, async () => {
        await bump(s);
        await t.app.get(DerivedDataService).refresh(s);
        firstRefreshed();
        await firstHolds; // refreshed, not yet committed
      }),
    );
    await firstDone;
    const second = withSession(t.database.db, (s) =>
      transaction(s, async () => {
        await bump(s);
        await t.app.get(DerivedDataService).refresh(s);
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    releaseFirst();
    await first;
    await second;
    await expectRollupsEqualRaw(knex);
  });

  it('revalues the rollups when a price index changes', async () => {
    const knex = t.database.db.knex;
    const before = (await get('/api/v1/measures/summary?basis=real')).body.totals.value_gbp;
    await knex.raw(`update deflators set index_value = index_value * 1.1 where series = 'hmt-gdp-deflator-cy' and year = 2023`);
    const changed = await withSession(t.database.db, (s) => transaction(s, () => t.app.get(DerivedDataService).revalue(s)));
    expect(changed.length).toBeGreaterThan(0);
    await expectRollupsEqualRaw(knex);
    expect((await get('/api/v1/measures/summary?basis=real')).body.totals.value_gbp).not.toBe(before);
    await knex.raw(`update deflators set index_value = index_value / 1.1 where series = 'hmt-gdp-deflator-cy' and year = 2023`);
    await withSession(t.database.db, (s) => transaction(s, () => t.app.get(DerivedDataService).revalue(s)));
    await expectRollupsEqualRaw(knex);
  });
});

describe('GET /api/v1/measures/summary', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.get(DemoService).load({ outcomes: 1500, seed: 11, reportUntil: '2026-10-01' });
  }, 180_000);
  afterAll(() => t.close());

  const get = (path: string) => fetch(`${t.url}${path}`).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  it('gives the same total whatever the grouping, equal to the raw outcomes valued one by one', async () => {
    const cells = await expectedCells(t.database.db.knex);
    const raw = (b: Basis) => [...cells.values()].reduce((sum, c) => sum.plus(c.money[b] ?? 0), new Dec(0));
    for (const basis of BASES) {
      const want = Number(raw(basis).toFixed(2));
      for (const groupBy of ['', 'authority', 'sector,quarter', 'theme,category', 'region,fy', 'nation,kind,year']) {
        const { status, body } = await get(`/api/v1/measures/summary?basis=${basis}&group_by=${groupBy}`);
        expect(status).toBe(200);
        expect(body.totals.value_gbp).toBeCloseTo(want, 1); // each row is rounded to pence for display
        const exact = body.rows.reduce((s: Decimal, r: any) => s.plus(r.value_gbp ?? 0), new Dec(0));
        expect(Math.abs(exact.minus(want).toNumber())).toBeLessThanOrEqual(0.005 * body.rows.length + 0.01);
      }
    }
  });

  it('sums quantities only within one measure, and counts returns', async () => {
    const cells = await expectedCells(t.database.db.knex);
    const { body } = await get('/api/v1/measures/summary?group_by=measure');
    expect(body.quantity_shown).toBe(true);
    const { rows: measures } = await t.database.db.knex.raw('select id, code from measures');
    const codeOf = new Map(measures.map((m: any) => [m.id, m.code]));
    const qty = new Map<string, Decimal>();
    let returns = 0;
    for (const [key, c] of cells) {
      const code = codeOf.get(Number(key.split('|')[2])) as string;
      qty.set(code, (qty.get(code) ?? new Dec(0)).plus(c.quantity));
      returns += c.outcomes;
    }
    for (const row of body.rows) expect(row.quantity).toBeCloseTo(qty.get(row.measure)!.toNumber(), 5);
    expect(body.totals.returns).toBe(returns);
    const byTheme = (await get('/api/v1/measures/summary?group_by=theme')).body;
    expect(byTheme.quantity_shown).toBe(false);
    expect(byTheme.rows.every((r: any) => r.quantity === null)).toBe(true);
  });

  it('explains each figure: proxy values, deflators, adjustments and returns that add up to it', async () => {
    const { body } = await get('/api/v1/measures/summary?group_by=category&basis=net&explain=true');
    for (const row of body.rows) {
      const sum = row.explain.reduce((s: Decimal, e: any) => s.plus(e.value_gbp ?? 0), new Dec(0));
      expect(Number(sum.toFixed(2))).toBe(row.value_gbp ?? 0);
      expect(row.explain.reduce((n: number, e: any) => n + e.returns, 0)).toBe(row.returns);
    }
    const employment = body.rows.flatMap((r: any) => r.explain).find((e: any) => e.measure === 'SVM-EMP-LOCAL-FTE' && e.year === 2023);
    expect(employment).toMatchObject({
      proxy: { price_year: 2023, value_gbp: '35004', licence: 'OGL-UK-3.0' },
      deflator: { series: 'hmt-gdp-deflator-cy', outcome_year: { year: 2023, value: '96.2507' }, base_year: { year: 2024, value: '100' } },
      adjustments: { deadweight: '0.15', additionality: '0.85' },
      per_unit_gbp: { nominal: '35004', net: '30912.39855917930986475942512625882201376' },
    });
  });

  it('filters, rebases and normalises', async () => {
    const all = (await get('/api/v1/measures/summary?group_by=quarter&basis=real')).body;
    const some = (await get('/api/v1/measures/summary?group_by=quarter&basis=real&from=2025-Q1&to=FY2025-26')).body;
    expect(some.rows.map((r: any) => r.quarter)).toEqual(all.rows.map((r: any) => r.quarter).filter((q: string) => q >= '2025-Q1' && q <= '2026-Q1'));
    // real 2024 prices -> 2022 prices: x 90.5005 / 100 (the open framework has no wellbeing uprating series loaded)
    const in2022 = (await get('/api/v1/measures/summary?basis=real&base_year=2022')).body;
    const in2024 = (await get('/api/v1/measures/summary?basis=real')).body;
    expect(in2022.base_year).toBe(2022);
    expect(in2022.totals.value_gbp).toBeCloseTo(in2024.totals.value_gbp * 0.905005, 0);
    const nominal = (await get('/api/v1/measures/summary?basis=nominal&base_year=2022')).body;
    expect(nominal.totals.value_gbp).not.toBe(in2022.totals.value_gbp);
    // residents counted once: England is its districts, unitaries, metropolitan and London boroughs, not also its counties
    const england = (await get('/api/v1/measures/summary?nation=England&kind=local_authority')).body.rows[0];
    const { rows: [lower] } = await t.database.db.knex.raw(`
      select sum(population)::bigint as people from authorities a where nation = 'England' and kind = 'local_authority'
        and not exists (select 1 from authorities c where c.parent_id = a.id or c.combined_authority_id = a.id)`);
    expect(england.population).toBe(Number(lower.people));
    expect(england.population).toBeGreaterThan(50_000_000);
    expect(england.population).toBeLessThan(60_000_000);
    const byAuthority = (await get('/api/v1/measures/summary?group_by=authority&kind=local_authority')).body;
    const withPop = byAuthority.rows.find((r: any) => r.population > 0 && r.value_gbp > 0);
    expect(withPop.value_per_head_gbp).toBeCloseTo(withPop.value_gbp / withPop.population, 3);
    expect(withPop.value_per_contract_gbp).toBeCloseTo(withPop.value_gbp / withPop.contract_value_gbp, 5);
    const one = withPop.authority;
    const only = (await get(`/api/v1/measures/summary?group_by=authority&authority=${one}`)).body;
    expect(only.rows).toHaveLength(1);
    expect(only.rows[0].value_gbp).toBe(withPop.value_gbp);
  });

  it("counts another framework's outcomes through the crosswalk only when asked, valued as this framework's measure", async () => {
    const admin = await createKey(t.database.db, 'admin');
    const framework = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'frameworks', 'fictional-licensed-framework.json'), 'utf8'));
    expect((await http(`${t.url}/api/v1/frameworks`, { key: admin, json: framework })).status).toBe(201);
    const { rows: [contract] } = await t.database.db.knex.raw(`select reference from contracts where stage = 'awarded' and start_date <= '2024-07-01' and end_date >= '2024-09-30' order by id limit 1`);
    const csv = `contract,framework,measure,period,quantity,unit\n${contract.reference},example-licensed,EX1,2024-Q3,4,FTE-year\n`;
    const imported = await http(`${t.url}/api/v1/imports/outcomes`, { key: admin, body: csv, headers: { 'content-type': 'text/csv' } });
    expect(imported.body).toMatchObject({ batch: { status: 'committed', rows_inserted: 1 } });
    const q = '/api/v1/measures/summary?group_by=measure&measure=SVM-EMP-LOCAL-FTE&basis=nominal&from=2024-Q3&to=2024-Q3';
    const without = (await get(q)).body;
    const withCw = (await get(`${q}&crosswalk=true`)).body;
    expect(without.crosswalk).toBe(false);
    expect(withCw.crosswalk).toBe(true);
    // 4 FTE-years (factor 1) valued at the open framework's 2024 proxy, 37430: + 149720 nominal
    expect(withCw.rows[0].quantity).toBeCloseTo((without.rows[0]?.quantity ?? 0) + 4, 6);
    expect(withCw.rows[0].value_gbp).toBeCloseTo((without.rows[0]?.value_gbp ?? 0) + 149720, 2);
    // the licensed framework's own summary values it at its own proxy: 4 x 12345.67
    const own = (await get('/api/v1/measures/summary?framework=example-licensed&basis=nominal&group_by=measure')).body;
    expect(own.framework).toMatchObject({ code: 'example-licensed', version: '2025' });
    expect(own.rows.find((r: any) => r.measure === 'EX1').value_gbp).toBeCloseTo(49382.68, 2);
  });

  it('answers bad parameters with 400 naming them, an unknown framework with 404', async () => {
    for (const [query, field] of [
      ['group_by=colour', 'group_by'],
      ['group_by=measure,measure', 'group_by'],
      ['basis=gross', 'basis'],
      ['base_year=1066', 'base_year'],
      ['from=2025-Q5', 'from'],
      ['from=0000', 'from'],
      ['to=9999-Q1', 'to'],
      ['from=2026&to=2025', 'from'],
      ['sector=8', 'sector'],
      ['category=green', 'category'],
      ['explain=maybe', 'explain'],
      ['colour=red', 'colour'],
    ]) {
      const { status, body } = await get(`/api/v1/measures/summary?${query}`);
      expect({ query, status, code: body.error?.code }).toEqual({ query, status: 400, code: 'invalid_parameter' });
      expect(JSON.stringify(body.error)).toContain(field);
    }
    expect((await get('/api/v1/measures/summary?framework=nope')).status).toBe(404);
  });
});
