import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';
import { transaction, withSession } from '../../metrics/platform/session';
import { isOutlier, medianAbsoluteDeviation, modifiedZ } from '../../metrics/derive/quality/outliers';
import { QualityRefresher } from '../../metrics/derive/quality/quality.refresher';
import { DerivedDataService } from '../../metrics/derive/derived-data.service';

const CSV = { 'content-type': 'text/csv' };

/**
 * Planted cases, each with a clean twin, all in Trafford (E08000009) except the Manchester contract used to check
 * the authority filter. Contracts are worth £1,000,000, so value per £ of a record_only measure is quantity / 1e6.
 */
const CONTRACTS = [
  'reference,authority,title,supplier_name,cpv,value_gbp,start_date,end_date',
  // outliers: 10 contracts reporting hires of long-term unemployed people (record_only: quantity per £)
  ...Array.from({ length: 10 }, (_, i) => `OUT-${i},E08000009,Outlier check ${i},Supplier ${i},85312000,1000000,2024-01-01,2025-12-31`),
  // duplicates: two contracts claiming the same evidence, one contract using one reference twice
  'DUP-A,E08000009,Duplicate A,Supplier A,85312000,500000,2024-01-01,2025-12-31',
  'DUP-B,E08000003,Duplicate B,Supplier B,45233141,500000,2024-01-01,2025-12-31',
  'DUP-C,E08000009,Duplicate C,Supplier C,85312000,500000,2024-01-01,2025-12-31',
  // outside the contract's dates: a term of April to December 2024
  'SHORT,E08000009,Short contract,Supplier S,85312000,200000,2024-04-01,2024-12-31',
  // missing returns: a 2024 contract with a commitment, returns for Q1, Q2 and Q4 only
  'GAPPY,E08000009,Gappy contract,Supplier G,85312000,300000,2024-01-01,2024-12-31',
  // the same without a commitment: not expected to report
  'NOCOMMIT,E08000009,No commitment,Supplier N,85312000,300000,2024-01-01,2024-12-31',
].join('\n');

// hires: 2, 3, 3, 4, 4, 4, 5, 5, 6 and 60
const HIRES = [2, 3, 3, 4, 4, 4, 5, 5, 6, 60];

const OUTCOMES = [
  'contract,measure,period,quantity,unit,evidence_ref',
  ...HIRES.map((q, i) => `OUT-${i},SVM-HIRE-LTU,2024-Q2,${q},person,OUT-${i}/hr`),
  // NEET hires 1, 1, 1, 1, 50: more than half equal, MAD 0, nothing flagged
  ...[1, 1, 1, 1, 50].map((q, i) => `OUT-${i},SVM-HIRE-NEET,2024-Q2,${q},person,OUT-${i}/neet`),
  'DUP-A,SVM-VOLUNTEER-HOURS,2024-Q2,10,hour,INV-001',
  'DUP-B,SVM-VOLUNTEER-HOURS,2024-Q2,12,hour, inv-001 ',
  'DUP-C,SVM-VOLUNTEER-HOURS,2024-Q2,10,hour,SAME-REF',
  'DUP-C,SVM-HIRE-VETERAN,2024-Q2,1,person,SAME-REF',
  // FY2024-25 runs April 2024 to March 2025: past the end of SHORT (partly outside); 2024-Q3 is inside
  'SHORT,SVM-VOLUNTEER-HOURS,FY2024-25,4,hour,SHORT/fy',
  'SHORT,SVM-HIRE-VETERAN,2024-Q3,1,person,SHORT/q3',
  'GAPPY,SVM-VOLUNTEER-HOURS,2024-Q1,5,hour,GAPPY/q1',
  'GAPPY,SVM-VOLUNTEER-HOURS,2024-Q2,5,hour,GAPPY/q2',
  'GAPPY,SVM-VOLUNTEER-HOURS,2024-Q4,5,hour,GAPPY/q4',
].join('\n');

const COMMITMENTS = 'contract,measure,target_quantity,unit,period_start,period_end\nGAPPY,SVM-VOLUNTEER-HOURS,40,hour,2024-01-01,2024-12-31\n';

// the refresh looks rows up by index probes for a small batch and by joins for a large one: both ways, the same flags
describe.each(['lookups', 'joins'] as const)('data quality (refresh by %s)', (mode) => {
  let t: TestApp;
  let admin: string;
  let analyst: string;

  const post = async (kind: string, body: string) => {
    const r = await fetch(`${t.url}/api/v1/imports/${kind}`, { method: 'POST', headers: { ...CSV, authorization: `Bearer ${admin}` }, body });
    const json = (await r.json()) as any;
    expect(json.batch?.status).toBe('committed');
  };
  const quality = (query = '') => http(`${t.url}/api/v1/quality?as_of=2025-06-15${query}`, { key: analyst });

  beforeAll(async () => {
    t = await startTestApp();
    t.app.get(QualityRefresher).mode = mode;
    admin = await createKey(t.database.db, 'admin');
    analyst = await createKey(t.database.db, 'analyst');
    await post('contracts', CONTRACTS);
    await post('commitments', COMMITMENTS);
    await post('outcomes', OUTCOMES);
  }, 120_000);
  afterAll(() => t.close());

  it('states the outlier rule (worked example)', () => {
    // x = hires / £1,000,000; sorted 2 3 3 4 4 4 5 5 6 60: median (4 + 4) / 2 = 4;
    // |x - 4| sorted 0 0 0 1 1 1 1 2 2 56: MAD (1 + 1) / 2 = 1 (in units of 1e-6 per £)
    const stats = medianAbsoluteDeviation(HIRES)!;
    expect(stats).toEqual({ median: 4, mad: 1 });
    expect(modifiedZ(60, 4, 1)).toBeCloseTo(37.772, 3); // 0.6745 x 56 / 1
    expect(modifiedZ(6, 4, 1)).toBeCloseTo(1.349, 3); // 0.6745 x 2: not an outlier
    expect(HIRES.filter((h) => isOutlier(h, 4, 1))).toEqual([60]);
    // 1 1 1 1 50: median 1, deviations 0 0 0 0 49, MAD 0: no z-score, nothing flagged
    expect(medianAbsoluteDeviation([1, 1, 1, 1, 50])).toEqual({ median: 1, mad: 0 });
    expect(modifiedZ(50, 1, 0)).toBeNull();
    expect(isOutlier(50, 1, 0)).toBe(false);
  });

  it('flags the outlier of a measure, and nothing in a measure whose MAD is 0', async () => {
    const r = await quality('&check=outlier');
    expect(r.status).toBe(200);
    expect(r.body.checks).toEqual(['outlier']);
    expect(r.body.counts).toEqual({ outlier: 1 });
    expect(r.body.missing_returns).toBeNull();
    expect(r.body.data).toEqual([
      expect.objectContaining({
        check: 'outlier',
        contract_reference: 'OUT-9',
        measure_code: 'SVM-HIRE-LTU',
        quantity_canonical: '60.000000',
        detail: expect.objectContaining({ basis: 'quantity_per_gbp', n: 10 }),
      }),
    ]);
    const d = r.body.data[0].detail;
    expect(d.value_per_gbp).toBeCloseTo(60e-6, 12);
    expect(d.median).toBeCloseTo(4e-6, 12);
    expect(d.mad).toBeCloseTo(1e-6, 12);
    expect(d.z).toBeCloseTo(37.772, 2);
    const stats = r.body.outlier_stats;
    expect(stats.find((s: any) => s.measure_code === 'SVM-HIRE-LTU')).toMatchObject({ n: 10, flagged: 1 });
    expect(stats.find((s: any) => s.measure_code === 'SVM-HIRE-NEET')).toMatchObject({ n: 5, mad: 0, flagged: 0 });
  });

  it('flags evidence claimed on two contracts (trimmed, any case), not one used twice on one contract', async () => {
    const r = await quality('&check=duplicate_evidence');
    expect(r.body.counts).toEqual({ duplicate_evidence: 2 });
    expect(r.body.data.map((f: any) => f.contract_reference).sort()).toEqual(['DUP-A', 'DUP-B']);
    expect(r.body.data[0].detail).toEqual({ evidence_key: 'inv-001', contract_count: 2, contracts: ['DUP-A', 'DUP-B'] });
    // the authority filter: only Trafford's side of the pair
    const trafford = await quality('&check=duplicate_evidence&authority=E08000009');
    expect(trafford.body.data.map((f: any) => f.contract_reference)).toEqual(['DUP-A']);
  });

  it("flags a return whose period runs past the contract's dates, not one inside them", async () => {
    const r = await quality('&check=outside_contract');
    expect(r.body.counts).toEqual({ outside_contract: 1 });
    expect(r.body.data).toEqual([
      expect.objectContaining({
        contract_reference: 'SHORT',
        period_start: '2024-04-01',
        period_end: '2025-03-31',
        detail: { period_start: '2024-04-01', period_end: '2025-03-31', contract_start: '2024-04-01', contract_end: '2024-12-31' },
      }),
    ]);
  });

  it('lists the closed quarter without a return of a contract with commitments', async () => {
    const r = await quality('&check=missing_return');
    expect(r.body.last_closed_quarter_end).toBe('2025-03-31');
    expect(r.body.counts).toEqual({ missing_return: 1 });
    expect(r.body.missing_returns.data).toEqual([
      expect.objectContaining({ contract_reference: 'GAPPY', quarter: '2024-Q3', quarter_start: '2024-07-01', quarter_end: '2024-09-30' }),
    ]);
    // judged on an earlier day, the quarter is not yet closed
    expect((await http(`${t.url}/api/v1/quality?check=missing_return&as_of=2024-08-01`, { key: analyst })).body.counts).toEqual({ missing_return: 0 });
    // filters: by the quarter's end, by measure
    expect((await quality('&check=missing_return&from=2024-Q4')).body.counts.missing_return).toBe(0);
    expect((await quality('&check=missing_return&measure=SVM-VOLUNTEER-HOURS')).body.counts.missing_return).toBe(1);
    expect((await quality('&check=missing_return&measure=SVM-HIRE-LTU')).body.counts.missing_return).toBe(0);
  });

  it('counts every check at once, pages the rows and filters them', async () => {
    const all = await quality();
    expect(all.status).toBe(200);
    expect(all.body.counts).toEqual({ outlier: 1, duplicate_evidence: 2, outside_contract: 1, missing_return: 1 });
    expect(all.body.page).toEqual({ limit: 50, offset: 0, total: 4 });
    expect(Object.keys(all.body.rules)).toEqual(['outlier', 'duplicate_evidence', 'outside_contract', 'missing_return']);
    const paged = await quality('&limit=2&offset=2');
    expect(paged.body.data.map((f: any) => f.outcome_id)).toEqual(all.body.data.slice(2, 4).map((f: any) => f.outcome_id));
    expect((await quality('&sector=45')).body.counts).toEqual({ outlier: 0, duplicate_evidence: 1, outside_contract: 0, missing_return: 0 });
    expect((await quality('&measure=SVM-VOLUNTEER-HOURS&check=outlier,outside_contract')).body.counts).toEqual({ outlier: 0, outside_contract: 1 });
    expect((await quality('&from=2024-Q3&to=2024-Q3')).body.counts).toEqual({ outlier: 0, duplicate_evidence: 0, outside_contract: 0, missing_return: 1 });
  });

  it('refuses bad parameters and unknown codes', async () => {
    expect((await quality('&check=bogus')).status).toBe(400);
    expect((await quality('&limit=0')).status).toBe(400);
    expect((await quality('&from=soon')).status).toBe(400);
    expect((await http(`${t.url}/api/v1/quality?as_of=2025-13-01`, { key: analyst })).status).toBe(400);
    expect((await quality('&authority=E99999999')).status).toBe(404);
    expect((await quality('&measure=NOPE')).status).toBe(404);
  });

  it('puts the flags in the outcomes export', async () => {
    const r = await fetch(`${t.url}/api/v1/exports/outcomes.json?authority=E08000009`, { headers: { authorization: `Bearer ${analyst}` } });
    const rows = (await r.json()) as any[];
    const flags = (ref: string, measure: string) => rows.find((o) => o.contract_reference === ref && o.measure_code === measure)?.quality_flags;
    expect(flags('OUT-9', 'SVM-HIRE-LTU')).toBe('outlier');
    expect(flags('OUT-8', 'SVM-HIRE-LTU')).toBeNull();
    expect(flags('DUP-A', 'SVM-VOLUNTEER-HOURS')).toBe('duplicate_evidence');
    expect(flags('DUP-C', 'SVM-VOLUNTEER-HOURS')).toBeNull();
    expect(rows.find((o) => o.contract_reference === 'SHORT' && o.period_end === '2025-03-31').quality_flags).toBe('outside_contract');
  });

  it('keeps the flags current as corrections arrive', async () => {
    // DUP-B corrects its evidence reference: the pair is no longer a duplicate, on either contract
    await post('outcomes', 'contract,measure,period,quantity,unit,evidence_ref\nDUP-B,SVM-VOLUNTEER-HOURS,2024-Q2,12,hour,INV-002\n');
    // OUT-9 corrects 60 hires to 5: no outlier left
    await post('outcomes', 'contract,measure,period,quantity,unit,evidence_ref\nOUT-9,SVM-HIRE-LTU,2024-Q2,5,person,OUT-9/hr\n');
    // GAPPY sends its missing quarter
    await post('outcomes', 'contract,measure,period,quantity,unit,evidence_ref\nGAPPY,SVM-VOLUNTEER-HOURS,2024-Q3,5,hour,GAPPY/q3\n');
    const r = await quality();
    expect(r.body.counts).toEqual({ outlier: 0, duplicate_evidence: 0, outside_contract: 1, missing_return: 0 });
    // a second contract claims GAPPY's evidence: both are flagged
    await post('outcomes', 'contract,measure,period,quantity,unit,evidence_ref\nNOCOMMIT,SVM-VOLUNTEER-HOURS,2024-Q3,5,hour,Gappy/Q3\n');
    const again = await quality('&check=duplicate_evidence');
    expect(again.body.data.map((f: any) => f.contract_reference).sort()).toEqual(['GAPPY', 'NOCOMMIT']);
  });

  it('re-checks the outcomes of a contract whose dates or value change', async () => {
    const contract = (ref: string, value: number, start: string, end: string) =>
      `reference,authority,title,supplier_name,cpv,value_gbp,start_date,end_date\n${ref},E08000009,${ref} contract,Supplier ${ref},85312000,${value},${start},${end}\n`;
    // SHORT now runs to March 2025: its FY2024-25 return is inside
    await post('contracts', contract('SHORT', 200000, '2024-04-01', '2025-03-31'));
    expect((await quality('&check=outside_contract')).body.counts).toEqual({ outside_contract: 0 });
    // OUT-3 is worth £10,000 rather than £1,000,000: its 4 hires are 400 per £1m. In hires per £1m the measure is now
    // 2 3 3 4 4 5 5 5 6 400 (OUT-9 sent 5): median 4.5, deviations .5 .5 .5 .5 .5 1.5 1.5 1.5 2.5 395.5, MAD 1;
    // z = 0.6745 x 395.5 / 1 = 266.8: an outlier, found for the change of the contract's value alone
    await post('contracts', contract('OUT-3', 10000, '2024-01-01', '2025-12-31'));
    const r = await quality('&check=outlier');
    expect(r.body.data.map((f: any) => f.contract_reference)).toEqual(['OUT-3']);
  });

  it('keeps, batch by batch, the same flags a rebuild computes from all the data', async () => {
    const flags = () =>
      t.database.db.knex.raw(
        `select flag, outcome_id, contract_id, measure_id, evidence_key, detail::text as detail from quality_flags
         where flag <> 'outlier' order by flag, outcome_id`,
      );
    // one more batch: a correction, a new claim on DUP-A's old evidence, a return past a contract's end
    await post(
      'outcomes',
      [
        'contract,measure,period,quantity,unit,evidence_ref',
        'DUP-C,SVM-HIRE-VETERAN,2024-Q2,2,person,INV-001',
        'DUP-B,SVM-HIRE-VETERAN,2024-Q2,1,person,inv-001',
        'GAPPY,SVM-HIRE-VETERAN,FY2024-25,1,person,GAPPY/fy',
      ].join('\n'),
    );
    const kept = (await flags()).rows;
    expect(kept.filter((f: any) => f.evidence_key === 'inv-001')).toHaveLength(3);
    expect(kept.filter((f: any) => f.flag === 'outside_contract')).toHaveLength(1);
    await withSession(t.database.db, (s) => transaction(s, () => t.app.get(QualityRefresher).rebuild(s)));
    expect((await flags()).rows).toEqual(kept);
  });

  it('recomputes stale outliers in the background job, so readers find nothing to do', async () => {
    await post('outcomes', 'contract,measure,period,quantity,unit,evidence_ref\nOUT-9,SVM-HIRE-LTU,2024-Q2,6,person,OUT-9/hr\n');
    const service = t.app.get(DerivedDataService);
    const recomputed = await service.ensureOutliersCurrent({ wait: false });
    expect(recomputed.length).toBeGreaterThan(0);
    expect(await service.ensureOutliersCurrent({ wait: false })).toEqual([]);
    const stats = (await quality('&check=outlier')).body.outlier_stats;
    expect(stats.find((x: any) => x.measure_code === 'SVM-HIRE-LTU')).toMatchObject({ n: 10 });
  });
});

describe('data quality job on a schedule', () => {
  it('runs on QUALITY_OUTLIER_CRON and leaves no measure to recompute', async () => {
    const t = await startTestApp({ QUALITY_OUTLIER_CRON: '* * * * * *' });
    try {
      const admin = await createKey(t.database.db, 'admin');
      const post = (kind: string, body: string) =>
        fetch(`${t.url}/api/v1/imports/${kind}`, { method: 'POST', headers: { ...CSV, authorization: `Bearer ${admin}` }, body });
      await post('contracts', CONTRACTS);
      expect((await post('outcomes', OUTCOMES)).status).toBe(201);
      // nothing reads the flags here: only the job computes the outlier
      const count = async (table: string, where: Record<string, string> = {}) =>
        Number((await t.database.db.knex(table).where(where).count({ n: '*' }))[0].n);
      const deadline = Date.now() + 10_000;
      while ((await count('quality_flags', { flag: 'outlier' })) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await count('quality_flags', { flag: 'outlier' })).toBe(1);
      expect(await count('quality_dirty_measures')).toBe(0);
    } finally {
      await t.close();
    }
  }, 60_000);
});
