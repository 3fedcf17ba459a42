import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The Procurement Act 2023's notices, as Find a Tender publishes them in OCDS (fixtures in test/fixtures/ocds/notices,
 * written from the metrics and UK extensions): UK7 KPIs or the rationale for none, a UK9 rating per statutory rating,
 * a later UK9 for the same period, a performance failure, a change, a termination, a cancellation; imported through
 * the API and through the harvest. Then the indicators they feed, and the agreement of the official ratings with the
 * ratings computed from returns, every figure worked by hand. Delivery figures are as of a fixed date, 2026-09-30.
 */
const AS_OF = '2026-09-30';
const NOTICES = join(__dirname, '..', 'fixtures', 'ocds', 'notices');
const fixture = (name: string) => readFileSync(join(NOTICES, name), 'utf8');
const FILES = ['uk7-contract-details.json', 'uk9-performance.json', 'uk9-later-same-period.json', 'uk10-12-events.json'];
const [A, B, C, , E] = [1, 2, 3, 4, 5].map((i) => `ocds-h6vhtk-0ntc0${i}`);
const PERIOD = { period_start: '2025-04-01', period_end: '2026-03-31' };

// commitments and returns on three of the rated contracts (their references are their ocids), for the computed ratings:
//   A: 10 FTE-years committed for 2025-04-01..2026-03-31, 7 delivered: 0.7 -> Requires improvement (>= 0.5, < 0.8)
//   C: 4 committed for 2025-03-01..2026-02-28, 4 delivered: 1.0 -> Good
//   E: 10 committed for 2025-07-01..2026-06-30, 9.6 delivered: 0.96 -> Good (>= 0.95)
// D is rated by a notice but has no commitments: no rating can be computed for it.
const COMMITMENTS = `contract,measure,target_quantity,unit,period_start,period_end
${A},SVM-EMP-LOCAL-FTE,10,FTE-year,2025-04-01,2026-03-31
${C},SVM-EMP-LOCAL-FTE,4,FTE-year,2025-03-01,2026-02-28
${E},SVM-EMP-LOCAL-FTE,10,FTE-year,2025-07-01,2026-06-30
`;
const OUTCOMES = `contract,measure,period_start,period_end,quantity,unit
${A},SVM-EMP-LOCAL-FTE,2025-04-01,2026-03-31,7,FTE-year
${C},SVM-EMP-LOCAL-FTE,2025-03-01,2026-02-28,4,FTE-year
${E},SVM-EMP-LOCAL-FTE,2025-07-01,2026-06-30,9.6,FTE-year
`;

describe('the Procurement Act notices through the API', () => {
  let t: TestApp;
  let admin: string;
  let analyst: string;
  let trafford: string;

  beforeAll(async () => {
    t = await startTestApp({ DELIVERY_REBUILD_CRON: 'off' });
    await t.database.db.knex('delivery_state').insert({ id: true, as_of: AS_OF, as_of_fixed: AS_OF }).onConflict('id').merge();
    admin = await createKey(t.database.db, 'admin');
    analyst = await createKey(t.database.db, 'analyst');
    trafford = await createKey(t.database.db, 'submitter', ['E08000009']);
  });
  afterAll(() => t?.close());

  const post = async (name: string, key = admin) => {
    const r = await http(`${t.url}/api/v1/imports/ocds?file_name=${name}`, { key, body: fixture(name), headers: { 'content-type': 'application/json' } });
    expect([name, r.status, r.body.batch?.status]).toEqual([name, 201, 'committed']);
    return r.body.batch;
  };
  const warnings = async (batchId: number) => (await http(`${t.url}/api/v1/imports/${batchId}/rejections?limit=500`, { key: admin })).body.data;
  const detail = async (reference: string) => {
    const r = await http(`${t.url}/api/v1/contracts/${reference}`);
    expect(r.status).toBe(200);
    return r.body;
  };
  const table = (name: string) => t.database.db.knex(name).orderBy('id').select('*');
  const agreement = async (query = '') => {
    const r = await http(`${t.url}/api/v1/indicators/ratings-agreement${query}`);
    expect(r.status).toBe(200);
    return r.body;
  };

  it('keeps the UK7 KPIs, the rationale for none, and the supplier flags', async () => {
    const batch = await post('uk7-contract-details.json', trafford);
    expect(batch.summary.contracts).toMatchObject({ inserted: 7, awarded: 7 });
    // A 3 KPIs, C 2, E 1, F 1, G 1; B none (with its rationale); D none
    expect(batch.summary.notices).toEqual({ kpis: 8, ratings: 0, failures: 0, changes: 0, terminations: 0, cancellations: 0 });

    const a = await detail(A);
    expect(a).toMatchObject({ authority_code: 'E08000009', value_gbp: '12000000.00', award_date: '2025-04-01', sector: '85' });
    expect(a.notices.kpis.map((k: any) => [k.metric_id, k.title])).toEqual([
      ['kpi-1', 'Local people employed on the contract (full-time equivalent years)'],
      ['kpi-2', 'Visits on time'],
      ['kpi-3', 'Complaints resolved in 20 working days'],
    ]);
    expect(a.notices.kpi_rationale).toBeNull();
    const b = await detail(B);
    expect(b.notices.kpis).toEqual([]);
    expect(b.notices.kpi_rationale).toMatch(/^The contract is let to a public service mutual/);

    const supplier = (name: string) => t.database.db.knex('suppliers').where({ name }).first('scale', 'vcse', 'supported_employment', 'public_service_mutual', 'scheme', 'identifier');
    expect(await supplier('Trafford Leisure Mutual CIC')).toEqual({ scale: 'sme', vcse: true, supported_employment: null, public_service_mutual: true, scheme: 'GB-PPON', identifier: 'PMUT-3333-CCCC' });
    expect(await supplier('Altrincham Supported Works Limited')).toMatchObject({ supported_employment: true, public_service_mutual: null });
  });

  it('lands each UK9 rating on its contract, KPI and period, and warns of the ones it cannot keep', async () => {
    for (const kind of ['commitments', 'outcomes']) {
      const body = kind === 'commitments' ? COMMITMENTS : OUTCOMES;
      const r = await http(`${t.url}/api/v1/imports/${kind}`, { key: trafford, body, headers: { 'content-type': 'text/csv' } });
      expect([kind, r.status, r.body.batch?.rows_rejected]).toEqual([kind, 201, 0]);
    }
    const batch = await post('uk9-performance.json');
    // A 3, C 2, D 1, E 1 (of its 3 observations: one with an unknown rating, one without the period assessed)
    expect(batch.summary.notices).toMatchObject({ kpis: 0, ratings: 7 });
    const w = await warnings(batch.id);
    expect(w).toEqual(expect.arrayContaining([
      expect.objectContaining({ severity: 'warning', code: 'unknown_rating', field: 'releases[3].contracts[0].implementation.metrics[0].observations[1].measureClassification.id', value: 'excellent', release_id: '020005-2026' }),
      expect.objectContaining({ severity: 'warning', code: 'no_period', field: 'releases[3].contracts[0].implementation.metrics[0].observations[2].period', release_id: '020005-2026' }),
    ]));

    const a = await detail(A);
    expect(a.notices.ratings.map((r: any) => [r.metric_id, r.period_start, r.period_end, r.classification, r.rating, r.supplier, r.superseded])).toEqual([
      ['kpi-1', '2025-04-01', '2026-03-31', 'met', 'good', 'Stretford Home Care Limited', false],
      ['kpi-2', '2025-04-01', '2026-03-31', 'slightlyBelow', 'approaching_target', 'Stretford Home Care Limited', false],
      ['kpi-3', '2025-04-01', '2026-03-31', 'below', 'requires_improvement', 'Stretford Home Care Limited', false],
    ]);
    expect(a.notices.ratings[1].notes).toBe('Visits started late in two wards over winter');
    const c = await detail(C);
    expect(c.notices.ratings.map((r: any) => [r.metric_id, r.classification, r.rating, r.period_end])).toEqual([
      ['SVM-HIRE-LTU', 'significantlyBelow', 'inadequate', '2026-02-28'],
      ['kpi-b', 'other', 'other', '2026-02-28'],
    ]);
    // the UK9 names no value: the contract keeps the value its UK7 gave
    expect(c.value_gbp).toBe('8000000.00');
  });

  it('changes nothing when the same notices are sent again', async () => {
    const before = { ratings: await table('contract_performance'), kpis: await table('contract_kpis'), contracts: await table('contracts') };
    for (const name of ['uk7-contract-details.json', 'uk9-performance.json']) {
      const batch = await post(name);
      expect(batch.summary.notices).toEqual({ kpis: 0, ratings: 0, failures: 0, changes: 0, terminations: 0, cancellations: 0 });
    }
    expect({ ratings: await table('contract_performance'), kpis: await table('contract_kpis'), contracts: await table('contracts') }).toEqual(before);
  });

  it('sets the official ratings beside the computed ones: a cross-table worked by hand', async () => {
    // A: official worst of (good, approaching, requires improvement) = requires improvement; computed requires improvement
    // C: official worst of (inadequate, other) = inadequate (Other is off the scale); computed good: 3 steps apart
    // E: official good; computed good.  D: rated, no commitments: not computable
    const r = await agreement('?authority=E08000009');
    expect(r).toMatchObject({ pairs: 3, rated: 3, agree: 2, two_or_more_apart: 1, agreement_share: 0.666667, not_computable: 1 });
    expect(r.table.requires_improvement.requires_improvement).toBe(1);
    expect(r.table.inadequate.good).toBe(1);
    expect(r.table.good.good).toBe(1);
    const cells = Object.values(r.table as Record<string, Record<string, number>>).flatMap((row) => Object.values(row));
    expect(cells).toHaveLength(25);
    expect(cells.reduce((s, n) => s + n, 0)).toBe(3);
    expect(r.ratings.map((x: any) => x.label)).toEqual(['Good', 'Approaching target', 'Requires improvement', 'Inadequate', 'Other']);
    // the filter reads the period assessed: only E's ended after 2026-06-01
    expect(await agreement('?from=2026-06')).toMatchObject({ pairs: 1, agree: 1, not_computable: 0 });
    // another authority: nothing
    expect(await agreement('?authority=W06000015')).toMatchObject({ pairs: 0, rated: 0, agreement_share: null });
  });

  it('lets a later UK9 for the same period supersede the earlier one, keeping both', async () => {
    const batch = await post('uk9-later-same-period.json');
    expect(batch.summary.notices).toMatchObject({ ratings: 1 });
    const a = await detail(A);
    const kpi3 = a.notices.ratings.filter((r: any) => r.metric_id === 'kpi-3');
    expect(kpi3.map((r: any) => [r.classification, r.release_id, r.superseded])).toEqual([
      ['met', '020011-2026', false],
      ['below', '020001-2026', true],
    ]);
    // A now: worst of (good, approaching, good) = approaching target, against requires improvement computed: 1 step
    const r = await agreement('?authority=E08000009');
    expect(r).toMatchObject({ pairs: 3, rated: 3, agree: 1, two_or_more_apart: 1, agreement_share: 0.333333 });
    expect(r.table.approaching_target.requires_improvement).toBe(1);
    expect(r.table.requires_improvement.requires_improvement).toBe(0);
  });

  it('lists the contracts two steps or more apart, to a caller who may read supplier-level data', async () => {
    const list = await http(`${t.url}/api/v1/indicators/ratings-agreement/contracts`, { key: trafford });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([
      { contract_id: expect.any(Number), reference: C, title: 'Supported employment: grounds maintenance', authority: 'E08000009', authority_name: expect.stringContaining('Trafford'),
        period_start: '2025-03-01', period_end: '2026-02-28', official: 'inadequate', computed: 'good', steps: 3 },
    ]);
    const all = await http(`${t.url}/api/v1/indicators/ratings-agreement/contracts?all=true`, { key: analyst });
    expect(all.body.data.map((p: any) => [p.reference, p.official, p.computed, p.steps])).toEqual([
      [C, 'inadequate', 'good', 3],
      [A, 'approaching_target', 'requires_improvement', 1],
      [E, 'good', 'good', 0],
    ]);
    expect((await http(`${t.url}/api/v1/indicators/ratings-agreement/contracts`)).status).toBe(401);
    const bad = await http(`${t.url}/api/v1/indicators/ratings-agreement/contracts?all=maybe`, { key: analyst });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('all');
  });

  it('keeps a performance failure, a change, a termination and a cancellation', async () => {
    const batch = await post('uk10-12-events.json');
    expect(batch.summary.notices).toMatchObject({ failures: 1, changes: 1, terminations: 1, cancellations: 1 });
    const c = await detail(C);
    expect(c.notices.performance_failures).toEqual([
      expect.objectContaining({ requirement: 'Sites maintained to standard', decision_date: '2026-02-01', penalty_type: 'financial', penalty_value_gbp: '25000.00' }),
    ]);
    expect(c.notices.events.map((e: any) => [e.kind, e.event_date, e.description])).toEqual([
      ['change', '2025-11-01', 'Two further sites added'],
      ['termination', '2026-05-31', 'Terminated for persistent failure to meet the KPIs'],
    ]);
    const cancelled = await detail('ocds-h6vhtk-0ntc06');
    expect(cancelled.stage).toBe('cancelled');
    expect(cancelled.notices.events).toEqual([expect.objectContaining({ kind: 'cancellation', event_date: '2026-02-10', description: 'No compliant tenders were received' })]);
    // sent again: nothing new
    expect((await post('uk10-12-events.json')).summary.notices).toMatchObject({ failures: 0, changes: 0, terminations: 0, cancellations: 0 });
  });

  it('counts the notices in the implementation indicators, worked by hand', async () => {
    const r = await http(`${t.url}/api/v1/indicators/implementation?authority=E08000009&group_by=authority`);
    expect(r.status).toBe(200);
    const row = r.body.rows[0];
    // over £5m, awarded since 24 February 2025: A 12m, B 6m, C 8m, E 20m, F 9m, G 5.5m (D is 3m; the cancelled tender is not awarded)
    // KPIs published: all but B: 5 / 6
    expect(row).toMatchObject({ kpi_contracts: 6, kpi_published_share: 0.833333, kpi_published_share_numerator: 5, kpi_published_share_denominator: 6 });
    // KPIs: A 3 + C 2 + E 1 + F 1 + G 1 = 8; social value KPIs: A's kpi-1 (a measure's name) and C's SVM-HIRE-LTU (a measure's code): 2 / 8
    expect(row).toMatchObject({ sv_kpi_share: 0.25, sv_kpi_share_numerator: 2, sv_kpi_share_denominator: 8 });
    // as of 2026-09-30 (the quarter 2026-07-01..2026-09-30), 12 months from award or the last UK9:
    //   A last UK9 2026-05-10 -> 2027-05-10; E 2026-07-15 -> 2027-07-15: not yet; C terminated 2026-05-31: none due;
    //   B has no KPIs: nothing to rate; F awarded 2025-08-15 -> 2026-08-15: due in the quarter;
    //   G awarded 2025-05-01 -> 2026-05-01, before the quarter began: overdue
    expect(row).toMatchObject({ performance_notice_due: 1, performance_notice_overdue: 1 });
    // official ratings of the latest period: A approaching target, C inadequate, D other, E good
    expect(row).toMatchObject({
      officially_rated_contracts: 4,
      official_rating_good: 1,
      official_rating_approaching_target: 1,
      official_rating_requires_improvement: 0,
      official_rating_inadequate: 1,
      official_rating_other: 1,
      performance_failures: 1,
    });
    for (const name of ['kpi_published_share', 'sv_kpi_share', 'performance_notice_due', 'official_rating', 'average_days_to_pay']) expect(r.body.definitions[name]).toEqual(expect.any(String));
  });

  it('gives the same figures in the export and the benchmarks', async () => {
    const csv = await fetch(`${t.url}/api/v1/exports/indicators.csv?authority=E08000009&group_by=authority`).then((r) => r.text());
    const [header, first] = csv.trim().split(/\r?\n/).map((l) => l.split(','));
    const at = (name: string) => first[header.indexOf(name)];
    expect([at('kpi_published_share'), at('sv_kpi_share'), at('performance_notice_overdue'), at('official_rating_inadequate')]).toEqual(['0.833333', '0.25', '1', '1']);
    const b = await http(`${t.url}/api/v1/benchmarks/E08000009`);
    expect(b.status).toBe(200);
    const indicator = (name: string) => b.body.indicators.find((i: any) => i.indicator === name);
    expect(indicator('kpi_published_share')).toMatchObject({ value: 0.833333 });
    expect(indicator('sv_kpi_share')).toMatchObject({ value: 0.25 });
  });
});

/** The same notices through the harvest, from a publisher's API: the same rows land. */
describe('the Procurement Act notices through the harvest', () => {
  let server: Server;
  let url = '';
  let t: TestApp;
  let admin: string;
  const releases = FILES.flatMap((f) => JSON.parse(fixture(f)).releases as Array<{ date: string }>).sort((a, b) => a.date.localeCompare(b.date));

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ uri: req.url, version: '1.1', publishedDate: '2026-06-01T00:00:00Z', releases }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/1.0/ocdsReleasePackages`;
    t = await startTestApp();
    admin = await createKey(t.database.db, 'admin');
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('keeps every KPI, rating, failure and event', async () => {
    await http(`${t.url}/api/v1/ocds/harvest-sources/fts`, { method: 'PUT', key: admin, json: { base_url: url } });
    const run = await http(`${t.url}/api/v1/ocds/harvest-sources/fts/run?wait=true`, { method: 'POST', key: admin });
    expect(run.body).toMatchObject({ status: 'completed', releases: releases.length });
    const knex = t.database.db.knex;
    const count = async (name: string) => Number((await knex(name).count({ n: '*' }))[0].n);
    expect({ kpis: await count('contract_kpis'), ratings: await count('contract_performance'), failures: await count('performance_failures'), events: await count('contract_events') })
      .toEqual({ kpis: 8, ratings: 8, failures: 1, events: 3 });
    const a = (await http(`${t.url}/api/v1/contracts/${A}`)).body;
    expect(a.notices.ratings.filter((r: any) => !r.superseded).map((r: any) => [r.metric_id, r.rating])).toEqual([
      ['kpi-1', 'good'],
      ['kpi-2', 'approaching_target'],
      ['kpi-3', 'good'],
    ]);
    expect(a.notices.ratings.filter((r: any) => r.superseded)).toEqual([expect.objectContaining({ metric_id: 'kpi-3', rating: 'requires_improvement', ...PERIOD })]);
  });
});
