import Decimal from 'decimal.js';
import { ExchangeBoard } from '../../dashboards/boards/exchange.board';
import type { BuiltChart, DashboardQuery } from '../../dashboards/chart';
import { DashboardsService } from '../../dashboards/dashboards.service';
import { renderSvg } from '../../dashboards/render/svg';
import { unitValue, type Basis } from '../../metrics/derive/valuation/valuation';
import { ValuationRepository } from '../../metrics/derive/valuation/valuation.repository';
import { ExchangeService, SERVICE_ACTOR } from '../../metrics/ingest/exchange/exchange.service';
import { EXCHANGE_STAGES, ExchangeFiguresService, type ExchangeFiguresQuery, type ExchangeStage } from '../../metrics/read/exchange/exchange-figures.service';
import { deprivationQuintile } from '../../metrics/reference/authorities/deprivation';
import { EVERYTHING } from '../../metrics/reference/read-filter/read-filter';
import { startTestApp, type TestApp } from '../support/test-app';
import { expectWellFormedChart } from '../support/vega-schema';

/**
 * The exchange's figures and dashboard on the demo data `npm start` loads (needs, pledges and matches in every state)
 * plus a match of this test's own, moved through the service: every figure of ExchangeFiguresService against the raw
 * rows of the exchange's tables, counted and valued here one by one (the unit values by the pure valuation, not the
 * stored factors); the board's charts hold the same figures and are valid Vega-Lite, drawn by the one renderer.
 */

const D = Decimal.clone({ precision: 40 });
type Raw = Record<string, any>;

const MANCHESTER = 'E08000003'; // 1st IMD quintile
const MEASURE = 'SVM-VOLUNTEER-HOURS';

/** A timestamp's UTC day and calendar quarter. */
const dayOf = (v: unknown) => new Date(v as string).toISOString().slice(0, 10);
const quarterOf = (day: string) => `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
const pence = (d: Decimal | null) => (d === null ? null : Number(d.toDecimalPlaces(2).toFixed()));

interface RawData {
  pledges: Raw[];
  places: Map<number, Raw[]>;
  matches: Raw[];
  firstMove: Map<string, string>; // `${match}:${status}` -> timestamp
  needs: Raw[];
  authorities: Map<number, Raw>;
  measures: Map<number, Raw>;
  perUnit: Map<number, string | null>;
}

async function rawData(t: TestApp, basis: Basis): Promise<RawData> {
  const k = t.database.db.knex;
  const rows = async (sql: string) => (await k.raw(sql)).rows as Raw[];
  const [pledges, places, matches, transitions, needs, authorities, measures] = await Promise.all([
    rows('select * from exchange_pledges'),
    rows('select * from exchange_pledge_places'),
    rows('select * from exchange_matches'),
    rows('select * from exchange_transitions order by at, id'),
    rows('select * from exchange_needs'),
    rows(`select a.*, c.label as imd from authorities a left join authority_clusters c on c.authority_id = a.id and c.scheme = 'imd'`),
    rows('select m.id, m.theme_id, t.code as theme, t.name as theme_name from measures m join themes t on t.id = m.theme_id'),
  ]);
  const placesOf = new Map<number, Raw[]>();
  for (const p of places) placesOf.set(Number(p.pledge_id), [...(placesOf.get(Number(p.pledge_id)) ?? []), p]);
  const firstMove = new Map<string, string>();
  for (const tr of transitions) {
    const key = `${tr.match_id}:${tr.to_status}`;
    if (!firstMove.has(key)) firstMove.set(key, tr.at);
  }
  // each measure's £ per unit: the pure valuation for the year of its latest proxy value
  const inputs = await t.app.get(ValuationRepository).inputs();
  const perUnit = new Map<number, string | null>();
  for (const m of inputs.measures) {
    const latest = m.proxies.reduce<number | null>((y, p) => (y === null || p.price_year > y ? p.price_year : y), null);
    perUnit.set(m.id, latest === null ? null : unitValue(m, latest, m.base_price_year, inputs.prices, inputs.gdpPerHead)[basis]);
  }
  return {
    pledges,
    places: placesOf,
    matches,
    firstMove,
    needs,
    authorities: new Map(authorities.map((a) => [Number(a.id), a])),
    measures: new Map(measures.map((m) => [Number(m.id), m])),
    perUnit,
  };
}

/** The filter of a query, as ids and dates (looked up here from the raw rows). */
interface HandFilter {
  authority?: string;
  region?: string;
  theme?: string;
  from?: string;
  to?: string;
  kind?: string;
}

interface Event {
  stage: ExchangeStage;
  day: string;
  measureId: number;
  quantity: Decimal;
  regions: (string | null)[];
  deprived: boolean;
}

/** Every stage event of the raw rows in the filter (the rule of ExchangeFiguresService, written again). */
function events(r: RawData, f: HandFilter): Event[] {
  const regionOf = (a: Raw) => (a.region ?? a.nation ?? null) as string | null;
  const inPlace = (a: Raw) => (!f.authority || a.code === f.authority) && (!f.region || regionOf(a) === f.region);
  const inSubject = (measureId: number, kind: string) => (!f.theme || r.measures.get(measureId)!.theme === f.theme) && (!f.kind || kind === f.kind);
  const inPeriod = (day: string) => (!f.from || day >= f.from) && (!f.to || day <= f.to);
  const out: Event[] = [];
  for (const p of r.pledges) {
    const places = (r.places.get(Number(p.id)) ?? []).map((pl) => r.authorities.get(Number(pl.authority_id))!).filter(inPlace);
    if ((f.authority || f.region) && places.length === 0) continue;
    const day = dayOf(p.created_at);
    if (!inSubject(Number(p.measure_id), p.resource_kind) || !inPeriod(day)) continue;
    out.push({ stage: 'pledged', day, measureId: Number(p.measure_id), quantity: new D(p.quantity_measure), regions: [...new Set(places.map(regionOf))], deprived: false });
  }
  const pledgeOf = new Map(r.pledges.map((p) => [String(p.id), p]));
  const needOf = new Map(r.needs.map((n) => [String(n.id), n]));
  const reached: Record<ExchangeStage, string[]> = { pledged: [], matched: ['accepted', 'delivered', 'confirmed'], delivered: ['delivered', 'confirmed'], confirmed: ['confirmed'] };
  const into: Record<string, string> = { matched: 'accepted', delivered: 'delivered', confirmed: 'confirmed' };
  for (const x of r.matches) {
    const p = pledgeOf.get(String(x.pledge_id))!;
    const a = r.authorities.get(Number(needOf.get(String(x.need_id))!.authority_id))!;
    if (!inPlace(a) || !inSubject(Number(p.measure_id), p.resource_kind)) continue;
    for (const stage of ['matched', 'delivered', 'confirmed'] as const) {
      if (!reached[stage].includes(x.status)) continue;
      const day = dayOf(r.firstMove.get(`${x.id}:${into[stage]}`) ?? x.updated_at);
      if (!inPeriod(day)) continue;
      const quantity = new D(x.status === 'accepted' ? x.quantity : x.delivered_quantity);
      out.push({ stage, day, measureId: Number(p.measure_id), quantity, regions: [regionOf(a)], deprived: deprivationQuintile(a.imd) === 1 });
    }
  }
  return out;
}

/** Count, £ and £ to the most deprived of some events, per stage. */
function sums(r: RawData, list: Event[]) {
  const out = {} as Record<ExchangeStage, { count: number; gbp: Decimal | null; deprived: Decimal | null }>;
  for (const s of EXCHANGE_STAGES) {
    const of = list.filter((e) => e.stage === s);
    let gbp: Decimal | null = null;
    let deprived: Decimal | null = null;
    for (const e of of) {
      const u = r.perUnit.get(e.measureId) ?? null;
      if (u === null) continue;
      gbp = (gbp ?? new D(0)).plus(e.quantity.times(u));
      if (e.deprived) deprived = (deprived ?? new D(0)).plus(e.quantity.times(u));
    }
    out[s] = { count: of.length, gbp, deprived };
  }
  return out;
}

/** Open needs now, in the filter (the period does not apply). */
function openNeeds(r: RawData, f: HandFilter, today: string) {
  return r.needs.filter((n) => {
    const a = r.authorities.get(Number(n.authority_id))!;
    const region = a.region ?? a.nation ?? null;
    return (
      n.status === 'open' &&
      new D(n.matched).lt(n.quantity_measure) &&
      (n.needed_by === null || dayOf(n.needed_by) >= today) &&
      (!f.authority || a.code === f.authority) &&
      (!f.region || region === f.region) &&
      (!f.theme || r.measures.get(Number(n.measure_id))!.theme === f.theme) &&
      (!f.kind || n.resource_kind === f.kind)
    );
  });
}

function unmetGbp(r: RawData, needs: Raw[]): Decimal | null {
  let total: Decimal | null = null;
  for (const n of needs) {
    const u = r.perUnit.get(Number(n.measure_id)) ?? null;
    if (u !== null) total = (total ?? new D(0)).plus(new D(n.quantity_measure).minus(n.matched).times(u));
  }
  return total;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const QUERIES: Array<{ name: string; query: ExchangeFiguresQuery; hand: HandFilter }> = [
  { name: 'no filter', query: {}, hand: {} },
  { name: 'region North West', query: { region: 'North West' }, hand: { region: 'North West' } },
  { name: 'theme T5 from 2026-Q2 to 2026', query: { theme: 'T5', from: '2026-Q2', to: '2026' }, hand: { theme: 'T5', from: '2026-04-01', to: '2026-12-31' } },
  { name: 'Manchester, volunteer hours', query: { authority: MANCHESTER, resource_kind: 'volunteer_hours' }, hand: { authority: MANCHESTER, kind: 'volunteer_hours' } },
];

describe('the exchange: its figures against the raw rows, its dashboard', () => {
  let t: TestApp;
  let figures: ExchangeFiguresService;
  let raw: RawData;
  let today: string;
  let own: { needId: number; pledgeId: number; matchId: number; perUnit: string };
  let before: Awaited<ReturnType<ExchangeFiguresService['headline']>>['rows'][number];

  beforeAll(async () => {
    t = await startTestApp({ DEMO_DATA: 'true' });
    figures = t.app.get(ExchangeFiguresService);
    const k = t.database.db.knex;
    today = (await k.raw(`select to_char(current_date, 'YYYY-MM-DD') as d`)).rows[0].d;
    before = (await figures.headline({})).rows[0];

    // a need in Manchester (the most deprived quintile), a pledge there, and a match of them moved through the service
    const exchange = t.app.get(ExchangeService);
    const contract = (
      await k.raw(`select c.reference from contracts c where c.supplier_id is not null and c.award_date <= current_date
        and (c.end_date is null or c.end_date >= current_date) order by c.id limit 1`)
    ).rows[0].reference as string;
    await exchange.saveOrganisation(SERVICE_ACTOR, { identifier: 'GB-CHC-9990001', name: 'Exchange Test Hub', authorities: [MANCHESTER] });
    const need = await exchange.postNeed(SERVICE_ACTOR, { organisation: 'GB-CHC-9990001', title: 'Hands for the test kitchen', resource_kind: 'volunteer_hours', quantity: 30, unit: 'hour', measure: MEASURE, authority: MANCHESTER });
    const pledge = await exchange.postPledge(SERVICE_ACTOR, { contract, title: 'Test volunteering', resource_kind: 'volunteer_hours', quantity: 20, unit: 'hour', measure: MEASURE, places: [MANCHESTER], reach: 'authority' });
    const { rows } = await k.raw(
      `with made as (insert into exchange_matches (pledge_id, need_id, quantity, relation, reason) values (?, ?, 12, 'same_authority', '{}') returning id)
       insert into exchange_transitions (match_id, from_status, to_status, side) select id, null, 'proposed', 'service' from made returning match_id`,
      [pledge.id, need.id],
    );
    const matchId = Number(rows[0].match_id);
    await exchange.move(SERVICE_ACTOR, matchId, { to: 'accepted' });
    await exchange.move(SERVICE_ACTOR, matchId, { to: 'delivered', quantity: '10', delivered_on: today });
    await exchange.move(SERVICE_ACTOR, matchId, { to: 'confirmed' });
    raw = await rawData(t, 'net');
    const measureId = Number((await k.raw('select id from measures where code = ? order by id desc limit 1', [MEASURE])).rows[0].id);
    own = { needId: need.id, pledgeId: pledge.id, matchId, perUnit: raw.perUnit.get(measureId)! };
  }, 300_000);

  afterAll(() => t?.close());

  it('has figures in every stage on the demo data', () => {
    expect(before.pledged_count).toBeGreaterThan(0);
    for (const s of EXCHANGE_STAGES) expect([s, before[`${s}_gbp`]]).toEqual([s, expect.any(Number)]);
    expect(before.confirmed_gbp).toBeGreaterThan(0);
    expect(before.open_needs).toBeGreaterThan(0);
    expect(before.median_days_to_match).not.toBeNull();
  });

  it("moves by exactly this test's match: one pledge, one match in each stage, its £ to the most deprived, its need's remainder", async () => {
    const after = (await figures.headline({})).rows[0];
    const u = new D(own.perUnit);
    expect(u.gt(0)).toBe(true);
    expect(after.pledged_count - before.pledged_count).toBe(1);
    for (const s of ['matched', 'delivered', 'confirmed'] as const) expect([s, after[`${s}_count`] - before[`${s}_count`]]).toEqual([s, 1]);
    const delta = (a: number | null, b: number | null) => (a ?? 0) - (b ?? 0);
    expect(delta(after.pledged_gbp, before.pledged_gbp)).toBeCloseTo(Number(u.times(20)), 1);
    // delivered 10 of the 12 matched: each later stage holds what was delivered
    for (const s of ['matched', 'delivered', 'confirmed'] as const) expect(delta(after[`${s}_gbp`], before[`${s}_gbp`])).toBeCloseTo(Number(u.times(10)), 1);
    expect(delta(after.most_deprived_gbp, before.most_deprived_gbp)).toBeCloseTo(Number(u.times(10)), 1);
    expect(after.open_needs - before.open_needs).toBe(1);
    expect(delta(after.unmet_gbp, before.unmet_gbp)).toBeCloseTo(Number(u.times(20)), 1);
  });

  describe.each(QUERIES)('for $name', ({ query, hand }) => {
    it('the headline: every stage, conversion, the share to the most deprived, unmet need, days to match', async () => {
      const h = (await figures.headline(query)).rows[0];
      const s = sums(raw, events(raw, hand));
      for (const stage of EXCHANGE_STAGES) {
        expect([stage, h[`${stage}_count`], h[`${stage}_gbp`]]).toEqual([stage, s[stage].count, pence(s[stage].gbp)]);
      }
      const conversion = s.pledged.gbp && !s.pledged.gbp.isZero() ? Number((s.confirmed.gbp ?? new D(0)).div(s.pledged.gbp).toSignificantDigits(6).toFixed()) : null;
      expect(h.conversion).toBe(conversion);
      const share = s.confirmed.gbp && !s.confirmed.gbp.isZero() ? Number((s.confirmed.deprived ?? new D(0)).div(s.confirmed.gbp).toSignificantDigits(6).toFixed()) : null;
      expect(h.most_deprived_share).toBe(share);
      const open = openNeeds(raw, hand, today);
      expect([h.open_needs, h.unmet_gbp]).toEqual([open.length, pence(unmetGbp(raw, open))]);
      // days from a need to its first accepted match, for needs first matched in the period
      const days: number[] = [];
      for (const n of raw.needs) {
        const a = raw.authorities.get(Number(n.authority_id))!;
        if ((hand.authority && a.code !== hand.authority) || (hand.region && (a.region ?? a.nation) !== hand.region)) continue;
        if ((hand.theme && raw.measures.get(Number(n.measure_id))!.theme !== hand.theme) || (hand.kind && n.resource_kind !== hand.kind)) continue;
        const accepted = raw.matches
          .filter((x) => String(x.need_id) === String(n.id))
          .map((x) => raw.firstMove.get(`${x.id}:accepted`))
          .filter((at): at is string => at !== undefined)
          .map((at) => new Date(at).getTime());
        if (accepted.length === 0) continue;
        const first = Math.min(...accepted);
        const day = new Date(first).toISOString().slice(0, 10);
        if ((hand.from && day < hand.from) || (hand.to && day > hand.to)) continue;
        days.push((first - new Date(n.created_at).getTime()) / 86_400_000);
      }
      const m = median(days);
      expect(h.needs_matched).toBe(days.length);
      expect(h.median_days_to_match).toBe(m === null ? null : Math.round(m * 10) / 10);
    });

    it('by quarter: each quarter of each stage', async () => {
      const rows = (await figures.byQuarter(query)).rows;
      const list = events(raw, hand);
      const quarters = [...new Set(list.map((e) => quarterOf(e.day)))].sort();
      expect(rows.map((r) => r.quarter)).toEqual(quarters);
      for (const r of rows) {
        const s = sums(raw, list.filter((e) => quarterOf(e.day) === r.quarter));
        for (const stage of EXCHANGE_STAGES) expect([r.quarter, stage, r[`${stage}_count`], r[`${stage}_gbp`]]).toEqual([r.quarter, stage, s[stage].count, pence(s[stage].gbp)]);
      }
    });

    it("by theme and by region: each stage and the unmet need (a pledge in each region of its places)", async () => {
      const list = events(raw, hand);
      const open = openNeeds(raw, hand, today);
      for (const group of ['theme', 'region'] as const) {
        const rows = (await figures.byGroup(query, group)).rows;
        const keyOfEvent = (e: Event) => (group === 'theme' ? [raw.measures.get(e.measureId)!.theme as string] : e.regions);
        const keyOfNeed = (n: Raw) => {
          if (group === 'theme') return raw.measures.get(Number(n.measure_id))!.theme as string;
          const a = raw.authorities.get(Number(n.authority_id))!;
          return (a.region ?? a.nation ?? null) as string | null;
        };
        const keys = new Set<string | null>([...list.flatMap(keyOfEvent), ...open.map(keyOfNeed)]);
        expect(new Set(rows.map((r) => r.key))).toEqual(keys);
        for (const r of rows) {
          const s = sums(raw, list.filter((e) => keyOfEvent(e).includes(r.key as string)));
          for (const stage of EXCHANGE_STAGES) expect([group, r.key, stage, r[`${stage}_count`], r[`${stage}_gbp`]]).toEqual([group, r.key, stage, s[stage].count, pence(s[stage].gbp)]);
          const mine = open.filter((n) => keyOfNeed(n) === r.key);
          expect([group, r.key, r.open_needs, r.unmet_gbp]).toEqual([group, r.key, mine.length, pence(unmetGbp(raw, mine))]);
        }
      }
    });

    it('unmet need by council', async () => {
      const rows = (await figures.unmetByAuthority(query)).rows;
      const open = openNeeds(raw, hand, today);
      const codes = [...new Set(open.map((n) => raw.authorities.get(Number(n.authority_id))!.code as string))].sort();
      expect(rows.map((r) => r.code)).toEqual(codes);
      for (const r of rows) {
        const mine = open.filter((n) => raw.authorities.get(Number(n.authority_id))!.code === r.code);
        expect([r.code, r.open_needs, r.unmet_gbp]).toEqual([r.code, mine.length, pence(unmetGbp(raw, mine))]);
      }
    });
  });

  it('values on the basis asked for, and refuses a bad one', async () => {
    const real = (await figures.headline({ basis: 'real' })).rows[0];
    const rawReal = await rawData(t, 'real');
    expect(real.confirmed_gbp).toBe(pence(sums(rawReal, events(rawReal, {})).confirmed.gbp));
    await expect(figures.headline({ basis: 'gross' })).rejects.toMatchObject({ code: 'invalid_parameter' });
    await expect(figures.headline({ resource_kind: 'money' })).rejects.toMatchObject({ code: 'invalid_parameter' });
    await expect(figures.headline({ region: 'Atlantis' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a move in another quarter moves the figure with it (the test can fail)', async () => {
    const k = t.database.db.knex;
    const q = quarterOf(today);
    const at = async () => (await figures.byQuarter({})).rows;
    const confirmedIn = (rows: Awaited<ReturnType<typeof at>>, quarter: string) => rows.find((r) => r.quarter === quarter)?.confirmed_count ?? 0;
    const was = await at();
    await k.raw(`update exchange_transitions set at = '2019-05-05T10:00:00Z' where match_id = ? and to_status = 'confirmed'`, [own.matchId]);
    const now = await at();
    expect(confirmedIn(now, q)).toBe(confirmedIn(was, q) - 1);
    expect(confirmedIn(now, '2019-Q2')).toBe(1);
    await k.raw(`update exchange_transitions set at = now() where match_id = ? and to_status = 'confirmed'`, [own.matchId]);
  });

  describe('the dashboard', () => {
    let dashboards: DashboardsService;
    const chart = (name: string, query: DashboardQuery = {}) => dashboards.chart('exchange', name, query, EVERYTHING);
    beforeAll(() => {
      dashboards = t.app.get(DashboardsService);
    });

    it.each(['funnel', 'by-quarter', 'unmet-map', 'by-theme', 'by-region'])('%s: a valid spec with its rows, drawn as SVG; a period with nothing says so', async (name) => {
      const b = await chart(name);
      expectWellFormedChart(b, false);
      const svg = await renderSvg(b.spec);
      expect(svg).toMatch(/^<svg/);
      const empty = await chart(name, { from: '1995', to: '1995' });
      // unmet need is now: the period does not apply to it
      expectWellFormedChart(empty, name !== 'unmet-map' && name !== 'by-theme' && name !== 'by-region');
    });

    it('the funnel and the quarters: the figures of the service', async () => {
      const h = (await figures.headline({})).rows[0];
      const funnel = await chart('funnel');
      expect(funnel.rows.map((r) => [r.stage, r.count, r.gbp])).toEqual(EXCHANGE_STAGES.map((s) => [expect.any(String), h[`${s}_count`], h[`${s}_gbp`] ?? 0]));
      expect((funnel.spec.title as { text: string }).text).toMatch(/^\d+(\.\d)?% of the £ pledged has been delivered and confirmed$/);
      const byQuarter = await chart('by-quarter', { region: 'North West' });
      const rows = (await figures.byQuarter({ region: 'North West' })).rows;
      expect(byQuarter.rows.length).toBe(rows.length * 4);
      for (const r of rows) {
        for (const s of EXCHANGE_STAGES) {
          const row = byQuarter.rows.find((x) => x.quarter === r.quarter && String(x.stage).toLowerCase() === s);
          expect([r.quarter, s, row?.count, row?.gbp]).toEqual([r.quarter, s, r[`${s}_count`], r[`${s}_gbp`] ?? 0]);
        }
      }
    });

    it('the map: one hexagon per district, coloured by the £ unmet of each council with open needs', async () => {
      const b = await chart('unmet-map');
      const unmet = new Map((await figures.unmetByAuthority({})).rows.map((r) => [r.code, r]));
      const features = (b.spec.datasets as { hexes: unknown[] }).hexes;
      expect(b.rows.length).toBe(features.length);
      let coloured = 0;
      for (const r of b.rows) {
        const u = unmet.get(String(r.code));
        expect([r.code, r.value, r.open_needs]).toEqual([r.code, u?.unmet_gbp ?? null, u?.open_needs ?? 0]);
        if (r.value !== null) coloured += 1;
      }
      expect(coloured).toBeGreaterThan(5);
      expect(b.rows.find((r) => r.code === MANCHESTER)?.value).toBeGreaterThan(0);
    });

    it('by theme and by region: the service figures, five bars to a group', async () => {
      for (const group of ['theme', 'region'] as const) {
        const b = await chart(`by-${group}`);
        const rows = (await figures.byGroup({}, group)).rows;
        expect(b.rows.length).toBe(rows.length * 5);
        for (const r of rows) {
          const mine = b.rows.filter((x) => x.key === r.key);
          expect(mine.map((x) => x.gbp)).toEqual([...EXCHANGE_STAGES.map((s) => r[`${s}_gbp`] ?? 0), r.unmet_gbp ?? 0]);
        }
      }
    });

    it('the tiles: conversion, days to match, the share to the most deprived, from the headline', async () => {
      const view = await dashboards.view('exchange', {});
      const h = (await figures.headline({})).rows[0];
      const tile = (name: string) => view.tiles.find((x) => x.name === name)?.value;
      expect([tile('conversion'), tile('median_days_to_match'), tile('most_deprived_share'), tile('open_needs')]).toEqual([h.conversion, h.median_days_to_match, h.most_deprived_share, h.open_needs]);
      expect(h.conversion).toBeGreaterThan(0);
      expect(h.most_deprived_share).toBeGreaterThan(0);
    });

    it('the board draws the map for the board of needs too (no chart of its own)', async () => {
      const b: BuiltChart = await t.app.get(ExchangeBoard).unmetMap({ resource_kind: 'volunteer_hours' }, 'all authorities');
      expect(b.rows.find((r) => r.code === MANCHESTER)?.value).toBeGreaterThan(0);
    });
  });
});
