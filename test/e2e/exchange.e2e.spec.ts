import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';
import { addDays } from '../../metrics/platform/periods';
import { ExchangeFiguresService } from '../../metrics/read/exchange/exchange-figures.service';

const CSV = { 'content-type': 'text/csv' };
const today = new Date().toISOString().slice(0, 10);
const yesterday = addDays(today, -1);

/**
 * Two contracts of two suppliers, in Trafford (E08000009) and Manchester (E08000003, its neighbour), each committing
 * volunteering hours; a community organisation in each place.
 */
const CONTRACTS = [
  'reference,authority,title,supplier_scheme,supplier_id,supplier_name,cpv,value_gbp,start_date,end_date',
  `EXA-1,E08000009,Grounds maintenance,GB-COH,00000001,Alpha Grounds Ltd,77310000,800000,2025-01-01,${addDays(today, 800)}`,
  `EXA-2,E08000003,Home care,GB-COH,00000002,Beta Care Ltd,85312000,900000,2025-01-01,${addDays(today, 800)}`,
].join('\n');
const COMMITMENTS = [
  'contract,measure,target_quantity,unit,period_start,period_end',
  `EXA-1,SVM-VOLUNTEER-HOURS,100,hour,2025-01-01,${addDays(today, 800)}`,
  `EXA-2,SVM-VOLUNTEER-HOURS,50,hour,2025-01-01,${addDays(today, 800)}`,
].join('\n');

describe('the exchange (API)', () => {
  let t: TestApp;
  const keys: Record<string, string> = {};
  const api = (path: string, key?: string, json?: unknown) => http(`${t.url}/api/v1/exchange${path}`, { key, json });
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    t = await startTestApp();
    keys.admin = await createKey(t.database.db, 'admin');
    keys.analyst = await createKey(t.database.db, 'analyst');
    keys.trafford = await createKey(t.database.db, 'submitter', ['E08000009']);
    for (const [kind, body] of [['contracts', CONTRACTS], ['commitments', COMMITMENTS]]) {
      const r = await http(`${t.url}/api/v1/imports/${kind}`, { key: keys.admin, body, headers: CSV });
      expect(r.body.batch.status).toBe('committed');
    }
    keys.alpha = await createKey(t.database.db, 'supplier', undefined, { supplier: 'GB-COH-00000001' });
    keys.beta = await createKey(t.database.db, 'supplier', undefined, { supplier: 'GB-COH-00000002' });
  }, 120_000);
  afterAll(() => t.close());

  it('registers community organisations: an admin anywhere, a submitter for its own authorities only', async () => {
    const helpers = await api('/organisations', keys.trafford, { identifier: 'GB-CHC-1000001', name: 'Trafford Helpers', authorities: ['E08000009'] });
    expect(helpers.status).toBe(201);
    const refused = await api('/organisations', keys.trafford, { identifier: 'GB-CHC-1000002', name: 'Manchester Pantry', authorities: ['E08000003'] });
    expect(refused.status).toBe(403);
    expect(refused.body.error.details).toMatchObject({ field: 'authorities', value: 'E08000003' });
    expect((await api('/organisations', keys.admin, { identifier: 'GB-CHC-1000002', name: 'Manchester Pantry', authorities: ['E08000003'] })).status).toBe(201);
    const bad = await api('/organisations', keys.admin, { identifier: 'charity 123', name: 'X', authorities: ['E08000003'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toMatchObject({ field: 'identifier' });
    // community keys are scoped to their organisation
    keys.helpers = await createKey(t.database.db, 'community', undefined, { organisation: 'GB-CHC-1000001' });
    keys.pantry = await createKey(t.database.db, 'community', undefined, { organisation: 'GB-CHC-1000002' });
    const listed = await api('/organisations');
    expect(listed.body.data.map((o: { identifier: string }) => o.identifier).sort()).toEqual(['GB-CHC-1000001', 'GB-CHC-1000002']);
  });

  it('refuses a key of another role scope at creation: a community key needs its organisation', async () => {
    const r = await http(`${t.url}/api/v1/keys`, { key: keys.admin, json: { role: 'community' } });
    expect(r.status).toBe(400);
    expect(r.body.error.details).toMatchObject({ field: 'organisation' });
    const s = await http(`${t.url}/api/v1/keys`, { key: keys.admin, json: { role: 'supplier', supplier: 'GB-COH-99999999' } });
    expect(s.status).toBe(400);
    expect(s.body.error.details).toMatchObject({ field: 'supplier', value: 'GB-COH-99999999' });
  });

  it('takes needs from their organisation, each bad one refused naming its field and nothing written', async () => {
    const need = (key: string, body: Record<string, unknown>) =>
      api('/needs', key, { title: 'Volunteers for the food hub', resource_kind: 'volunteer_hours', quantity: 30, unit: 'hour', measure: 'SVM-VOLUNTEER-HOURS', ...body });
    const n1 = await need(keys.helpers, { authority: 'E08000009', reference: 'N1' });
    expect(n1.status).toBe(201);
    expect(n1.body.warnings).toEqual([]);
    ids.n1 = n1.body.id;
    // days convert to hours (7.5 hours a day): 4 days is 30 hours
    const n2 = await need(keys.pantry, { quantity: '4', unit: 'day', needed_by: addDays(today, 60) });
    expect(n2.status).toBe(201);
    ids.n2 = n2.body.id;
    const got = await api(`/needs/${ids.n2}`);
    expect(got.body).toMatchObject({ authority: 'E08000003', quantity_measure: '30.000000', measure_unit: 'hour', organisation: 'GB-CHC-1000002' });

    const cases: Array<[string, Record<string, unknown>, number, string]> = [
      ['unknown authority', { authority: 'E99999999' }, 404, 'authority'],
      ['unit that does not convert', { unit: 'GBP' }, 422, 'unit'],
      ['no quantity', { quantity: -3 }, 400, 'quantity'],
      ['unknown measure', { measure: 'SVM-NOPE' }, 404, 'measure'],
      ['past date', { needed_by: '2020-01-01' }, 400, 'needed_by'],
      ['another organisation', { organisation: 'GB-CHC-1000002' }, 403, 'organisation'],
    ];
    const before = await api('/needs?status=all');
    for (const [what, body, status, field] of cases) {
      const r = await need(keys.helpers, body);
      expect({ what, status: r.status, field: r.body.error.details?.field }).toEqual({ what, status, field });
    }
    expect((await api('/needs?status=all')).body.page.total).toBe(before.body.page.total);
  });

  it('takes pledges from the contract supplier, warning (not refusing) beyond the commitment', async () => {
    const pledge = (key: string, body: Record<string, unknown>) =>
      api('/pledges', key, { contract: 'EXA-1', resource_kind: 'volunteer_hours', unit: 'hour', measure: 'SVM-VOLUNTEER-HOURS', ...body });
    // P1 reaches Trafford's neighbours; P2 Trafford only
    const p1 = await pledge(keys.alpha, { quantity: 30, reach: 'neighbours', reference: 'P1' });
    expect(p1.status).toBe(201);
    expect(p1.body.warnings).toEqual([]);
    const p2 = await pledge(keys.alpha, { quantity: 30, reach: 'authority', reference: 'P2' });
    expect(p2.status).toBe(201);
    [ids.p1, ids.p2] = [p1.body.id, p2.body.id];
    const other = await pledge(keys.beta, { quantity: 10 });
    expect(other.status).toBe(403);
    expect(other.body.error.details).toMatchObject({ field: 'contract', value: 'EXA-1' });
    const again = await pledge(keys.alpha, { quantity: 5, reference: 'P1' });
    expect(again.status).toBe(409);
    expect(again.body.error.details).toMatchObject({ field: 'reference' });
    const pledges = await api('/pledges?authority=E08000009');
    expect(pledges.body.data.map((p: { id: number }) => p.id)).toEqual([ids.p1, ids.p2]);
  });

  it('proposes the optimal allocation where first-come greedy strands a pledge, and says why', async () => {
    expect((await api('/matching/run', keys.alpha, {})).status).toBe(403);
    const run = await api('/matching/run', keys.admin, {});
    expect(run.status).toBe(200);
    // greedy gives P1 (the first pledge) to N1 (the first need) and P2, which reaches Trafford only, has nothing left
    expect(run.body).toMatchObject({ pledges: 2, needs: 2, proposals: 2, new: 2, kept: 0 });
    expect(run.body.optimal.met).toBe(60);
    expect(run.body.greedy.met).toBe(30);
    expect(run.body.ratio_to_greedy).toBe(2);
    expect(run.body.objective).toMatch(/meets as much need as the open pledges can/);
    const matches = await api('/matches?status=proposed', keys.admin);
    const pairs = matches.body.data.map((m: any) => [m.pledge_id, m.need_id, m.quantity, m.relation]).sort();
    expect(pairs).toEqual(
      [
        [ids.p1, ids.n2, '30.000000', 'neighbour'],
        [ids.p2, ids.n1, '30.000000', 'same_authority'],
      ].sort(),
    );
    const toN2 = matches.body.data.find((m: any) => m.need_id === ids.n2);
    expect(toN2.reason).toMatchObject({ relation: 'neighbour', place: 'in a neighbouring authority' });
    expect(toN2.reason.deprivation).toMatch(/IMD quintile/);
    ids.m1 = matches.body.data.find((m: any) => m.need_id === ids.n1).id;
    ids.m2 = toN2.id;
    // a second run proposing the same keeps those proposals as they are: nothing expired, nothing new
    const again = await api('/matching/run', keys.admin, {});
    expect(again.body).toMatchObject({ proposals: 2, new: 0, kept: 2, expired: 0 });
    expect((await api('/matches?status=proposed', keys.admin)).body.data.map((m: any) => m.id).sort()).toEqual([ids.m1, ids.m2].sort());
  });

  it('shows each party its own matches only', async () => {
    const of = async (key: string) => (await api('/matches', key)).body.data.map((m: { id: number }) => m.id).sort();
    expect(await of(keys.helpers)).toEqual([ids.m1]);
    expect(await of(keys.pantry)).toEqual([ids.m2]);
    expect(await of(keys.alpha)).toEqual([ids.m1, ids.m2].sort());
    expect(await of(keys.beta)).toEqual([]);
    expect(await of(keys.trafford)).toEqual([ids.m1, ids.m2].sort()); // the contract is Trafford's
    expect((await api(`/matches/${ids.m2}`, keys.helpers)).status).toBe(404);
    expect((await api('/matches')).status).toBe(401);
  });

  it('moves a match proposed -> accepted by both -> delivered -> confirmed, refusing moves out of order or by the wrong party', async () => {
    const move = (key: string, id: number, body: Record<string, unknown>) => api(`/matches/${id}/transitions`, key, body);
    const half = await move(keys.helpers, ids.m1, { to: 'accepted' });
    expect(half.body).toEqual({ id: ids.m1, status: 'proposed' });
    const early = await move(keys.helpers, ids.m1, { to: 'confirmed' });
    expect(early.status).toBe(409);
    expect(early.body.error.details).toMatchObject({ field: 'to', status: 'proposed' });
    expect((await move(keys.pantry, ids.m1, { to: 'accepted' })).status).toBe(403);
    expect((await move(keys.alpha, ids.m1, { to: 'accepted' })).body).toEqual({ id: ids.m1, status: 'accepted' });
    expect((await move(keys.alpha, ids.m1, { to: 'accepted' })).status).toBe(409);
    // accepted: the need has nothing left, so it leaves the board
    expect((await api(`/needs/${ids.n1}`)).body).toMatchObject({ matched: '30.000000', remaining: '0.000000' });
    expect((await api('/needs')).body.data.map((n: { id: number }) => n.id)).not.toContain(ids.n1);

    expect((await move(keys.helpers, ids.m1, { to: 'delivered' })).status).toBe(403); // the supplier marks delivery
    const tooMuch = await move(keys.alpha, ids.m1, { to: 'delivered', quantity: 31, delivered_on: yesterday });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error.details).toMatchObject({ field: 'quantity' });
    const future = await move(keys.alpha, ids.m1, { to: 'delivered', delivered_on: addDays(today, 3) });
    expect(future.body.error.details).toMatchObject({ field: 'delivered_on' });
    expect((await move(keys.alpha, ids.m1, { to: 'delivered', quantity: 25, delivered_on: yesterday })).body.status).toBe('delivered');
    // delivered 25 of 30: the need holds 25, 5 hours are free again
    expect((await api(`/needs/${ids.n1}`)).body).toMatchObject({ matched: '25.000000', remaining: '5.000000' });

    expect((await move(keys.pantry, ids.m1, { to: 'confirmed' })).status).toBe(403);
    const confirmed = await move(keys.helpers, ids.m1, { to: 'confirmed', note: 'thank you' });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ id: ids.m1, status: 'confirmed' });
    ids.batch = confirmed.body.outcome_batch_id;
    expect((await move(keys.helpers, ids.m1, { to: 'confirmed' })).status).toBe(409);

    const history = await api(`/matches/${ids.m1}/transitions`, keys.alpha);
    expect(history.body.data.map((s: any) => [s.from_status, s.to_status, s.side])).toEqual([
      [null, 'proposed', 'service'],
      ['proposed', 'proposed', 'community'],
      ['proposed', 'accepted', 'supplier'],
      ['accepted', 'delivered', 'supplier'],
      ['delivered', 'confirmed', 'community'],
    ]);
    expect(history.body.data.every((s: any) => !('name' in s))).toBe(true);
  });

  it('imports the confirmed delivery as an outcome of the contract, its own batch with the match as evidence', async () => {
    const batch = await http(`${t.url}/api/v1/imports/${ids.batch}`, { key: keys.admin });
    expect(batch.body).toMatchObject({ kind: 'exchange', status: 'committed', rows_inserted: 1 });
    const delivery = await http(`${t.url}/api/v1/contracts/EXA-1/delivery`, { key: keys.admin });
    const outcomes = delivery.body.outcomes.filter((o: any) => o.evidence_ref === `exchange-match-${ids.m1}`);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ measure: 'SVM-VOLUNTEER-HOURS', period_start: yesterday, period_end: yesterday });
    expect(Number(outcomes[0].quantity)).toBe(25);
  });

  it("flags the supplier's own return claiming the same delivery as a double claim", async () => {
    const before = await http(`${t.url}/api/v1/quality?check=duplicate_evidence`, { key: keys.analyst });
    expect(before.body.counts.duplicate_evidence).toBe(0);
    const own = `contract,measure,period_start,period_end,quantity,unit,evidence_ref\nEXA-1,SVM-VOLUNTEER-HOURS,${addDays(today, -30)},${today},25,hour,Exchange-Match-${ids.m1}\n`;
    const r = await http(`${t.url}/api/v1/imports/outcomes`, { key: keys.admin, body: own, headers: CSV });
    expect(r.body.batch.status).toBe('committed');
    const after = await http(`${t.url}/api/v1/quality?check=duplicate_evidence`, { key: keys.analyst });
    expect(after.body.counts.duplicate_evidence).toBe(2);
  });

  it('never allocates more than a pledge offers, even when two acceptances arrive at the same moment', async () => {
    // two proposals of 20 hours each on a pledge of 30 (planted: the matching run never proposes more than is left)
    const p3 = await api('/pledges', keys.alpha, { contract: 'EXA-1', resource_kind: 'volunteer_hours', quantity: 30, unit: 'hour', measure: 'SVM-VOLUNTEER-HOURS', reach: 'authority', reference: 'P3' });
    const needs = [];
    for (const ref of ['N3', 'N4']) {
      needs.push((await api('/needs', keys.helpers, { title: 'Garden volunteers', resource_kind: 'volunteer_hours', quantity: 20, unit: 'hour', measure: 'SVM-VOLUNTEER-HOURS', authority: 'E08000009', reference: ref })).body.id);
    }
    const { rows } = await t.database.db.knex.raw(
      `insert into exchange_matches (pledge_id, need_id, quantity, relation, reason, supplier_accepted_at)
       select ?, n, 20, 'same_authority', '{}'::jsonb, now() from unnest(?::bigint[]) n returning id`,
      [p3.body.id, needs],
    );
    const [a, b] = rows.map((r: { id: string }) => Number(r.id));
    const both = await Promise.all([a, b].map((id) => api(`/matches/${id}/transitions`, keys.helpers, { to: 'accepted' })));
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const refused = both.find((r) => r.status === 409)!;
    expect(refused.body.error.details).toMatchObject({ field: 'quantity', constraint: 'exchange_pledges_over_allocated' });
    expect((await api(`/pledges/${p3.body.id}`)).body).toMatchObject({ matched: '20.000000', remaining: '10.000000' });
    // and the database refuses it whoever writes
    await expect(t.database.db.knex('exchange_matches').whereIn('id', [a, b]).update({ status: 'accepted' })).rejects.toMatchObject({ code: '23514' });
  });

  it('warns when a pledge goes beyond what the contract commits, saying by how much', async () => {
    const r = await api('/pledges', keys.beta, { contract: 'EXA-2', resource_kind: 'volunteer_hours', quantity: 60, unit: 'hour', measure: 'SVM-VOLUNTEER-HOURS' });
    expect(r.status).toBe(201);
    expect(r.body.warnings).toEqual([
      { code: 'exceeds_commitment', field: 'quantity', message: 'With this pledge, contract EXA-2 pledges 60 hour of SVM-VOLUNTEER-HOURS, more than the 50 hour it commits.' },
    ]);
    const late = await api('/pledges', keys.beta, { contract: 'EXA-2', resource_kind: 'volunteer_hours', quantity: 1, unit: 'hour', measure: 'SVM-VOLUNTEER-HOURS', available_to: addDays(today, 900) });
    expect(late.body.warnings.map((w: { code: string }) => w.code)).toEqual(['exceeds_commitment', 'beyond_contract']);
  });

  it('withdraws a need: off the board, its proposals expired, only by its organisation or a broker', async () => {
    expect((await api(`/needs/${ids.n2}/withdraw`, keys.helpers, {})).status).toBe(403);
    const r = await api(`/needs/${ids.n2}/withdraw`, keys.pantry, {});
    expect(r.body).toEqual({ id: ids.n2, status: 'withdrawn', proposals_expired: 1 });
    expect((await api(`/matches/${ids.m2}`, keys.pantry)).body.status).toBe('expired');
    expect((await api('/needs')).body.data.map((n: { id: number }) => n.id)).not.toContain(ids.n2);
    const again = await api(`/needs/${ids.n2}/withdraw`, keys.pantry, {});
    expect(again.status).toBe(409);
    expect(again.body.error.details).toMatchObject({ field: 'id', status: 'withdrawn' });
  });

  it('joins the implementation indicators with the figures of the exchange dashboard, by place', async () => {
    const { rows } = await t.database.db.knex.raw(
      `select f.net_per_unit::float8 as v from valuation_factors f join measures m on m.id = f.measure_id
       join frameworks fw on fw.id = m.framework_id and fw.is_default
       where m.code = 'SVM-VOLUNTEER-HOURS' and f.year = (select max(price_year) from proxy_values where measure_id = m.id)`,
    );
    const perHour = rows[0].v as number;
    const byAuthority = await http(`${t.url}/api/v1/indicators/implementation?group_by=authority&authority=E08000009`);
    const trafford = byAuthority.body.rows.find((r: any) => r.authority === 'E08000009');
    // pledged in Trafford: P1, P2 and P3, 30 hours each; confirmed: the 25 hours of the first match
    expect(trafford.exchange_pledged_gbp).toBeCloseTo(90 * perHour, 2);
    expect(trafford.exchange_confirmed_gbp).toBeCloseTo(25 * perHour, 2);
    expect(trafford.exchange_conversion).toBeCloseTo(25 / 90, 6);
    expect(trafford.exchange_open_needs).toBeGreaterThan(0);
    const headline = (await t.app.get(ExchangeFiguresService).headline({ authority: 'E08000009' })).rows[0];
    expect([trafford.exchange_pledged_gbp, trafford.exchange_confirmed_gbp, trafford.exchange_unmet_gbp, trafford.exchange_open_needs]).toEqual([
      headline.pledged_gbp,
      headline.confirmed_gbp,
      headline.unmet_gbp,
      headline.open_needs,
    ]);
    const total = (await http(`${t.url}/api/v1/indicators/implementation`)).body.rows[0];
    const all = (await t.app.get(ExchangeFiguresService).headline({})).rows[0];
    expect([total.exchange_pledged_gbp, total.exchange_confirmed_gbp]).toEqual([all.pledged_gbp, all.confirmed_gbp]);
    // a dimension the exchange has not: no figures rather than wrong ones
    const bySector = await http(`${t.url}/api/v1/indicators/implementation?group_by=sector`);
    expect(bySector.body.rows.every((r: any) => r.exchange_pledged_gbp === null)).toBe(true);
    const csv = await fetch(`${t.url}/api/v1/exports/indicators.csv?group_by=authority&authority=E08000009`).then((r) => r.text());
    expect(csv.split('\n')[0]).toContain('exchange_confirmed_gbp');
  });

  it('refuses a malformed move', async () => {
    const r = await api(`/matches/${ids.m2}/transitions`, keys.pantry, { to: 'teleported' });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body.error.details)).toContain('to');
    expect((await api('/matches/abc', keys.admin)).status).toBe(400);
    expect((await api('/needs/987654')).status).toBe(404);
  });
});
