import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoFiles } from '../../metrics/ingest/demo/demo-data';
import { DemoService, type DemoLoadResult } from '../../metrics/ingest/demo/demo.service';
import { demoNoticePackage } from '../../metrics/ingest/demo/demo-notices';
import { checkRow } from '../../metrics/ingest/imports/import-rows';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Payments compliance returns (Procurement Act 2023 s.69, regulation 38) through POST /api/v1/imports/payments: CSV
 * and JSON, rows named by row and field, strict and partial, a re-send that changes nothing, a correction that replaces
 * the row held, a key scoped to authorities; then the implementation indicators they feed, worked by hand; then the
 * demo's payments returns. Fixtures in test/fixtures/payments.
 */
const FIXTURES = join(__dirname, '..', 'fixtures', 'payments');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const CSV = { 'content-type': 'text/csv' };
const JSON_TYPE = { 'content-type': 'application/json' };
const HEADER = 'authority,period_start,period_end,average_days_to_pay,pct_paid_1_30,pct_paid_31_60,pct_paid_61_plus,pct_not_paid_when_due';
const [TRAFFORD, MANCHESTER, CARDIFF] = ['E08000009', 'E08000003', 'W06000015'];

describe('payments compliance returns through the import API', () => {
  let t: TestApp;
  let admin: string;
  let trafford: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await createKey(t.database.db, 'admin');
    trafford = await createKey(t.database.db, 'submitter', [TRAFFORD]);
  });
  afterAll(() => t?.close());

  const post = (body: string, key: string, headers: Record<string, string> = CSV, query = '') =>
    http(`${t.url}/api/v1/imports/payments${query}`, { key, body, headers });
  const held = () =>
    t.database.db.knex('payment_compliance as p').join('authorities as a', 'a.id', 'p.authority_id')
      .orderBy(['a.code', 'p.period_start'])
      .select('a.code', 'p.period_start', 'p.period_end', 'p.average_days', 'p.pct_1_30', 'p.pct_31_60', 'p.pct_61_plus',
        'p.pct_not_paid_when_due', 'p.batch_id', 'p.is_demo', 'p.updated_at');
  const figures = (r: Record<string, unknown>) => [r.code, r.period_start, r.period_end, r.average_days, r.pct_1_30, r.pct_31_60, r.pct_61_plus, r.pct_not_paid_when_due];

  let first: number;

  it('imports a CSV return: every figure kept to 2 places, UK dates read, the batch counted', async () => {
    const r = await post(fixture('payments.csv'), admin, CSV, '?file_name=payments.csv');
    expect(r.status).toBe(201);
    expect(r.body.batch).toMatchObject({ kind: 'payments', status: 'committed', rows_total: 3, rows_inserted: 3, rows_updated: 0, rows_unchanged: 0, rows_rejected: 0, file_name: 'payments.csv', is_demo: false });
    first = r.body.batch.id;
    const rows = await held();
    expect(rows.map(figures)).toEqual([
      [MANCHESTER, '2025-04-01', '2025-09-30', '30.10', '66.90', '24.60', '8.60', '14.00'],
      [TRAFFORD, '2025-04-01', '2025-09-30', '24.50', '78.20', '16.30', '5.50', '9.10'],
      [TRAFFORD, '2025-10-01', '2026-03-31', '21.75', '81.40', '14.10', '4.50', '7.30'],
    ]);
    expect(rows.every((x) => Number(x.batch_id) === first && x.is_demo === false)).toBe(true);
  });

  it('imports a JSON return (numbers as JSON numbers) from a key scoped to its own authority', async () => {
    const r = await post(fixture('payments.json'), trafford, JSON_TYPE);
    expect(r.status).toBe(201);
    expect(r.body.batch).toMatchObject({ kind: 'payments', status: 'committed', rows_total: 1, rows_inserted: 1, content_type: 'application/json' });
    expect((await held()).map(figures)).toContainEqual([TRAFFORD, '2026-04-01', '2026-09-30', '19.30', '85.00', '12.00', '3.00', '5.00']);
  });

  const PROBLEMS = [
    { row_number: 3, field: 'pct_paid_61_plus', code: 'bands_not_100', value: '88 + 10 + 3 = 101' },
    { row_number: 4, field: 'average_days_to_pay', code: 'negative', value: '-2' },
    { row_number: 5, field: 'authority', code: 'unknown_authority', value: 'E99999999' },
    { row_number: 6, field: 'period_start', code: 'duplicate_in_batch', value: '2025-04-01/2025-09-30' },
    { row_number: 7, field: 'period_end', code: 'invalid_period', value: '2025-03-31' },
    { row_number: 8, field: 'pct_paid_1_30', code: 'out_of_range', value: '101' },
    { row_number: 9, field: 'period_start', code: 'invalid_date', value: '2025/04/01' },
    { row_number: 10, field: 'period_start', code: 'invalid_period', value: '2025-01-01' },
  ];

  it('names each bad row by row and field, and in strict mode writes nothing', async () => {
    const before = await held();
    const r = await post(fixture('payments-invalid.csv'), admin);
    expect(r.status).toBe(422);
    expect(r.body.error.details.batch).toMatchObject({ kind: 'payments', status: 'rejected', rows_total: 9, rows_rejected: 8, rows_inserted: 0 });
    expect(r.body.error.details.rejections.map((x: any) => ({ row_number: x.row_number, field: x.field, code: x.code, value: x.value }))).toEqual(PROBLEMS);
    const messages = r.body.error.details.rejections.map((x: any) => x.message);
    expect(messages[0]).toBe('pct_paid_1_30 + pct_paid_31_60 + pct_paid_61_plus must add up to 100 (within 0.5): 88 + 10 + 3 = 101');
    expect(messages[2]).toBe('no authority with code E99999999');
    expect(messages[7]).toBe('a payments reporting period starts on 1 April or 1 October (got 2025-01-01)');
    expect(await held()).toEqual(before); // rolled back: not even the good row
  });

  it('in partial mode keeps the good rows and reports the bad ones (CSV of rejections too)', async () => {
    const r = await post(fixture('payments-invalid.csv'), admin, CSV, '?mode=partial');
    expect(r.status).toBe(201);
    expect(r.body.batch).toMatchObject({ status: 'committed', mode: 'partial', rows_total: 9, rows_inserted: 1, rows_rejected: 8 });
    expect((await held()).filter((x) => x.code === CARDIFF).map(figures)).toEqual([[CARDIFF, '2025-04-01', '2025-09-30', '18.00', '88.00', '10.00', '2.00', '4.00']]);
    const listed = await http(`${t.url}/api/v1/imports/${r.body.batch.id}/rejections`, { key: admin });
    expect(listed.body.data.map((x: any) => ({ row_number: x.row_number, field: x.field, code: x.code, value: x.value }))).toEqual(PROBLEMS);
    const csv = await fetch(`${t.url}/api/v1/imports/${r.body.batch.id}/rejections?format=csv`, { headers: { authorization: `Bearer ${admin}` } });
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('row_number,field,code,message,value');
    expect(lines[2]).toBe("4,average_days_to_pay,negative,average_days_to_pay must not be negative,'-2");
  });

  it('changes nothing when the same file is sent again', async () => {
    const before = await held();
    const r = await post(fixture('payments.csv'), admin);
    expect(r.status).toBe(201);
    expect(r.body.batch).toMatchObject({ status: 'committed', rows_total: 3, rows_inserted: 0, rows_updated: 0, rows_unchanged: 3 });
    expect(await held()).toEqual(before); // the same figures, batch and updated_at
    const json = await post(fixture('payments.json'), trafford, JSON_TYPE);
    expect(json.body.batch).toMatchObject({ rows_inserted: 0, rows_updated: 0, rows_unchanged: 1 });
  });

  it('replaces the row held for the same authority and period with a corrected one (stored to 2 places)', async () => {
    const before = (await held()).find((x) => x.code === TRAFFORD && x.period_start === '2025-04-01')!;
    const r = await post(fixture('payments-correction.csv'), trafford);
    expect(r.status).toBe(201);
    expect(r.body.batch).toMatchObject({ status: 'committed', rows_total: 1, rows_inserted: 0, rows_updated: 1, rows_unchanged: 0 });
    const rows = (await held()).filter((x) => x.code === TRAFFORD && x.period_start === '2025-04-01');
    expect(rows.map(figures)).toEqual([[TRAFFORD, '2025-04-01', '2025-09-30', '26.50', '76.20', '18.30', '5.50', '11.10']]);
    expect(Number(rows[0].batch_id)).toBe(r.body.batch.id);
    expect(new Date(rows[0].updated_at).getTime()).toBeGreaterThan(new Date(before.updated_at).getTime());
    // 26.504 is held as 26.50: the same correction again is no change
    const again = await post(fixture('payments-correction.csv'), trafford);
    expect(again.body.batch).toMatchObject({ rows_updated: 0, rows_unchanged: 1 });
  });

  it('refuses a key scoped to one authority a row of another (strict: nothing; partial: its own rows kept)', async () => {
    const manchesterRow = `${MANCHESTER},2025-10-01,2026-03-31,28,70,22,8,12`;
    const strict = await post(`${HEADER}\n${manchesterRow}\n`, trafford);
    expect(strict.status).toBe(422);
    expect(strict.body.error.details.rejections).toEqual([
      expect.objectContaining({ row_number: 2, field: 'authority', code: 'authority_not_allowed', message: `this key may not write for ${MANCHESTER}`, value: MANCHESTER }),
    ]);
    const partial = await post(`${HEADER}\n${TRAFFORD},2025-10-01,2026-03-31,21.75,81.4,14.1,4.5,7.3\n${manchesterRow}\n`, trafford, CSV, '?mode=partial');
    expect(partial.body.batch).toMatchObject({ status: 'committed', rows_unchanged: 1, rows_rejected: 1, rows_inserted: 0 });
    expect((await held()).filter((x) => x.code === MANCHESTER)).toHaveLength(1);
    // an analyst may not send returns at all
    const analyst = await createKey(t.database.db, 'analyst');
    expect((await post(fixture('payments.csv'), analyst)).status).toBe(403);
  });

  it('refuses a header outside the column contract, naming what is missing', async () => {
    const r = await post('authority,period,average_days_to_pay\nE08000009,2025-Q1,3\n', admin);
    expect(r.status).toBe(400);
    expect(r.body.error.details).toMatchObject({ row: 1, unknown_columns: ['period'], missing_columns: expect.arrayContaining(['period_start', 'period_end', 'pct_paid_1_30']) });
    expect(r.body.error.details.missing_columns).not.toContain('period (or period_start and period_end)');
  });

  it('feeds the implementation indicators by authority: the means of the rows held, worked by hand', async () => {
    const r = await http(`${t.url}/api/v1/indicators/implementation?group_by=authority`);
    expect(r.status).toBe(200);
    const row = (code: string) => r.body.rows.find((x: any) => x.authority === code);
    // Trafford: 26.50 (corrected), 21.75, 19.30 days; 76.2, 81.4, 85.0 paid in 30 days; 11.1, 7.3, 5.0 not paid when due
    expect(row(TRAFFORD)).toMatchObject({
      payment_reports: 3,
      average_days_to_pay: 22.516667, // 67.55 / 3
      paid_within_30_days_share: 0.808667, // 242.6 / 300
      not_paid_when_due_share: 0.078, // 23.4 / 300
    });
    expect(Number(row(TRAFFORD).average_days_to_pay_numerator)).toBe(67.55);
    expect(Number(row(TRAFFORD).average_days_to_pay_denominator)).toBe(3);
    expect(Number(row(TRAFFORD).paid_within_30_days_share_numerator)).toBe(242.6);
    expect(Number(row(TRAFFORD).paid_within_30_days_share_denominator)).toBe(300);
    expect(row(MANCHESTER)).toMatchObject({ payment_reports: 1, average_days_to_pay: 30.1, paid_within_30_days_share: 0.669, not_paid_when_due_share: 0.14 });
    expect(row(CARDIFF)).toMatchObject({ payment_reports: 1, average_days_to_pay: 18, paid_within_30_days_share: 0.88, not_paid_when_due_share: 0.04 });
  });

  const manchesterUrl = () => `${t.url}/api/v1/indicators/implementation?group_by=authority&authority=${MANCHESTER}`;

  it('shows a correction in the indicators read afterwards', async () => {
    expect((await http(manchesterUrl())).body.rows[0].average_days_to_pay).toBe(30.1); // this answer is now cached
    const r = await post(`${HEADER}\n${MANCHESTER},2025-04-01,2025-09-30,32.1,66.9,24.6,8.6,14\n`, admin);
    expect(r.body.batch).toMatchObject({ rows_updated: 1 });
    // a read not answered before sees it
    expect((await http(`${manchesterUrl()}&period_type=year`)).body.rows[0].average_days_to_pay).toBe(32.1);
  });

  // payment_compliance has the data_version trigger: an import of payments alone moves the data version
  it('a cached indicators answer sees a payments correction (needs the data_version trigger on payment_compliance)', async () => {
    expect((await http(manchesterUrl())).body.rows[0].average_days_to_pay).toBe(32.1);
  });
});

describe("the demo's Procurement Act data: payments returns and notices", () => {
  let t: TestApp;
  let result: DemoLoadResult;
  const UNTIL = '2026-10-01';

  beforeAll(async () => {
    t = await startTestApp();
    result = await t.app.get(DemoService).load({ contractsPerRegion: 10, seed: 3, reportUntil: UNTIL });
  }, 180_000);
  afterAll(() => t?.close());

  it('sends a payments return for every demo authority and half-year since April 2025, through the import path', async () => {
    expect(result.payments).toMatchObject({ kind: 'payments', status: 'committed', is_demo: true, rows_rejected: 0 });
    const authorities = await t.database.db.knex('authorities').whereIn('kind', ['local_authority', 'central_department'])
      .whereNot('subtype', 'Combined authority').count<Array<{ n: number }>>({ n: '*' });
    const n = Number(authorities[0].n);
    expect(n).toBeGreaterThan(300);
    // 2025-04-01..2025-09-30, 2025-10-01..2026-03-31, 2026-04-01..2026-09-30: ended before 2026-10-01
    expect(result.payments.rows_inserted).toBe(n * 3);
    const periods = await t.database.db.knex('payment_compliance').groupBy('period_start', 'period_end').orderBy('period_start')
      .select('period_start', 'period_end', t.database.db.knex.raw('count(*)::int as n'), t.database.db.knex.raw('bool_and(is_demo) as demo'),
        t.database.db.knex.raw('min(average_days)::float8 as min_days'), t.database.db.knex.raw('max(average_days)::float8 as max_days'),
        t.database.db.knex.raw('bool_and(pct_1_30 + pct_31_60 + pct_61_plus = 100) as whole'));
    expect(periods.map((p: any) => [p.period_start, p.period_end, p.n, p.demo, p.whole])).toEqual([
      ['2025-04-01', '2025-09-30', n, true, true],
      ['2025-10-01', '2026-03-31', n, true, true],
      ['2026-04-01', '2026-09-30', n, true, true],
    ]);
    for (const p of periods) expect([p.min_days > 5, p.max_days < 90]).toEqual([true, true]); // plausible days to pay

    // the indicators show them for a documented authority
    const r = await http(`${t.url}/api/v1/indicators/implementation?authority=${TRAFFORD}&group_by=authority`);
    expect(r.body.rows[0]).toMatchObject({ payment_reports: 3, average_days_to_pay: expect.any(Number), paid_within_30_days_share: expect.any(Number) });
  }, 180_000);

  it('sends Procurement Act contracts with their notices through the OCDS import: KPIs, ratings, failures', async () => {
    expect(result.notices).toMatchObject({ kind: 'ocds', status: 'committed', is_demo: true, rows_rejected: 0 });
    const s = result.notices.summary as any;
    expect(s.warnings).toBe(0);
    expect(s.contracts.inserted).toBeGreaterThanOrEqual(11); // one per region but Scotland, and a department
    expect(s.buyers).toMatchObject({ created: 0, match_rate: 1 });
    expect(s.notices.kpis).toBeGreaterThan(s.contracts.inserted * 2);
    expect(s.notices.ratings).toBeGreaterThan(0);
    expect(s.observations.commitments).toBeGreaterThan(0); // the social value KPIs' targets
    expect(s.observations.outcomes).toBeGreaterThan(0); // the quarters' figures
    const contracts = await t.database.db.knex('contracts as c').join('authorities as a', 'a.id', 'c.authority_id')
      .where('c.reference', 'like', 'DEMO-PA-%').select('c.reference', 'c.value_gbp', 'c.award_date', 'c.is_demo', 'a.code');
    expect(contracts.length).toBe(s.contracts.inserted);
    for (const c of contracts) {
      expect([Number(c.value_gbp) > 5_000_000, c.award_date >= '2025-02-24', c.is_demo, /^S\d/.test(c.code)]).toEqual([true, true, true, false]);
    }
    expect(contracts.map((c: any) => c.code)).toContain(TRAFFORD); // a documented authority has one

    // the indicators and the agreement of the official ratings with the computed ones are not empty on the demo
    const r = await http(`${t.url}/api/v1/indicators/implementation`);
    expect(r.body.rows[0]).toMatchObject({ kpi_contracts: expect.any(Number), officially_rated_contracts: expect.any(Number) });
    expect(r.body.rows[0].kpi_contracts).toBeGreaterThanOrEqual(contracts.length);
    expect(r.body.rows[0].officially_rated_contracts).toBeGreaterThan(0);
    const agreement = await http(`${t.url}/api/v1/indicators/ratings-agreement`);
    expect(agreement.status).toBe(200);
    expect(agreement.body.rated).toBeGreaterThan(0);
    expect(agreement.body.agreement_share).toBeGreaterThan(0);
    expect(agreement.body.agreement_share).toBeLessThan(1); // buyers now and then rate kindly
  }, 60_000);

  it('generates the same notices for the same seed; contracts over £5m awarded under the Act, none in Scotland', () => {
    const authorities = [
      { code: TRAFFORD, name: 'Trafford', region: 'North West', kind: 'local_authority' },
      { code: 'S12000036', name: 'City of Edinburgh', region: 'Scotland', kind: 'local_authority' },
    ];
    const options = (seed: number) => ({ seed, contractsPerRegion: 30, reportUntil: UNTIL, measureNames: new Map([['SVM-EMP-LOCAL-FTE', 'Local people employed']]) });
    const text = (seed: number) => [...demoNoticePackage(authorities, options(seed)).text()].join('');
    expect(text(5)).toBe(text(5));
    expect(text(5)).not.toBe(text(6));
    const pkg = JSON.parse(text(5));
    const uk7 = pkg.releases.filter((r: any) => r.id.endsWith('-uk7'));
    expect(uk7).toHaveLength(3); // a tenth of 30, all in the North West
    for (const r of uk7) {
      expect(r.buyer).toEqual({ id: `GB-GSS-${TRAFFORD}`, name: 'Trafford' });
      expect(r.awards[0].value.amount).toBeGreaterThan(5_000_000);
      expect(r.awards[0].date >= '2025-03-01' && r.awards[0].date < '2026-07-01').toBe(true);
    }
    // every period assessed ended before the date reported to
    const periods = pkg.releases.flatMap((r: any) => (r.contracts ?? []).flatMap((c: any) => (c.implementation?.metrics ?? []).flatMap((m: any) => m.observations.map((o: any) => o.period.endDate))));
    expect(periods.length).toBeGreaterThan(0);
    expect(periods.every((d: string) => d < UNTIL)).toBe(true);
    expect(demoNoticePackage(authorities, { ...options(5), reportUntil: '2025-04-01' }).counts.contracts).toBe(0);
  });

  it('generates the same returns for the same seed, other ones for another, every row valid', () => {
    const authorities = [{ code: TRAFFORD, region: 'North West', kind: 'local_authority' }, { code: CARDIFF, region: null, kind: 'local_authority' }];
    const lines = (seed: number) => [...demoFiles(authorities, { seed, contractsPerRegion: 2, reportUntil: UNTIL }).payments()];
    const a = lines(5);
    expect(a).toEqual(lines(5));
    expect(a).not.toEqual(lines(6));
    expect(a).toHaveLength(1 + 2 * 3);
    expect(a[0]).toBe(`${HEADER}\n`);
    for (const line of a.slice(1)) {
      const values = line.trim().split(',').map((v) => v.replace(/"/g, ''));
      const record = Object.fromEntries(HEADER.split(',').map((h, i) => [h, values[i]]));
      expect(checkRow('payments', record)).toEqual({ values: record });
    }
    // none before the first period (April to September 2025) has ended
    expect(demoFiles(authorities, { seed: 5, contractsPerRegion: 2, reportUntil: '2025-04-01' }).counts.payments).toBe(0);
  });
});
