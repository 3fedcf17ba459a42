import { DerivedDataService } from '../../metrics/derive/derived-data.service';
import { IndicatorsService } from '../../metrics/read/indicators/indicators.service';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The implementation indicators and commitment vs delivery, through HTTP, on a small dataset imported through the
 * import API, with every figure computed by hand. The delivery figures are as of a fixed date, 2025-06-30 (the as-of
 * quarter is 2025-04-01 .. 2025-06-30); £ are on the nominal basis, where a £ measure is worth £1 per £.
 */
const AS_OF = '2025-06-30';
const AGENCY = 'GB-GOR-TEST-AGENCY';

// reference, authority, supplier, scale, vcse, cpv, value, award, start, end, in_scope, sv_evaluated, weighting
const CONTRACTS = `reference,authority,title,supplier_name,supplier_scale,supplier_vcse,cpv,value_gbp,award_date,start_date,end_date,stage,is_services,above_threshold,in_scope,sv_evaluated,sv_weighting_pct
TRF-A,E08000009,Home care,Care Co,sme,false,85312000-9,1000000,2024-02-15,2024-04-01,2026-03-31,awarded,true,true,true,true,10
TRF-B,E08000009,Road repairs,Roads plc,large,false,45233141-9,3000000,2024-05-10,2024-07-01,2025-03-31,awarded,true,true,true,true,5
TRF-C,E08000009,Community transport,Transport CIC,sme,true,85312000-9,500000,2025-01-20,2025-04-01,2027-03-31,awarded,true,true,true,false,
MAN-A,E08000003,Cleaning,Clean plc,large,false,90910000-9,2000000,2024-08-01,2024-10-01,2026-09-30,awarded,true,false,false,true,20
DWP-A,GB-GOR-D10,Advice services,Advice plc,large,false,79000000-4,4000000,2024-11-01,2025-01-01,2026-12-31,awarded,true,true,true,true,10
AGY-A,${AGENCY},IT support,IT plc,large,false,72000000-5,1000000,2025-02-01,2025-04-01,2026-03-31,awarded,true,true,true,true,15
`;

const COMMITMENTS = `contract,measure,target_quantity,unit,period_start,period_end
TRF-A,SVM-SPEND-LOCAL,730000,GBP,2024-04-01,2026-03-31
TRF-A,SVM-HIRE-LTU,4,person,2024-04-01,2025-03-31
TRF-A,SVM-HIRE-LTU,4,person,2025-04-01,2026-03-31
TRF-B,SVM-SPEND-LOCAL,200000,GBP,2024-07-01,2025-03-31
TRF-C,SVM-DONATIONS-VCSE,12000,GBP,2025-07-01,2026-06-30
DWP-A,SVM-SPEND-LOCAL,1460000,GBP,2025-01-01,2026-12-31
AGY-A,SVM-SPEND-SME,36500,GBP,2025-04-01,2026-03-31
`;

const OUTCOMES = `contract,measure,period,quantity,unit
TRF-A,SVM-SPEND-LOCAL,2024-Q2,100000,GBP
TRF-A,SVM-SPEND-LOCAL,2024-Q3,100000,GBP
TRF-A,SVM-SPEND-LOCAL,2024-Q4,100000,GBP
TRF-A,SVM-SPEND-LOCAL,2025-Q1,100000,GBP
TRF-A,SVM-SPEND-LOCAL,2025-Q2,50000,GBP
TRF-A,SVM-HIRE-LTU,2024-Q3,2,person
TRF-A,SVM-HIRE-LTU,2025-Q1,2,person
TRF-A,SVM-HIRE-LTU,2025-Q2,0.5,person
TRF-B,SVM-SPEND-LOCAL,2024-Q3,80000,GBP
TRF-B,SVM-SPEND-LOCAL,2024-Q4,70000,GBP
TRF-B,SVM-SPEND-LOCAL,2025-Q1,50000,GBP
TRF-C,SVM-DONATIONS-VCSE,2025-Q2,1000,GBP
MAN-A,SVM-CO2E-AVOIDED,2025-Q1,10,tCO2e
DWP-A,SVM-SPEND-LOCAL,2025-Q1,300000,GBP
AGY-A,SVM-SPEND-SME,2025-Q2,5000,GBP
`;

describe('implementation indicators and commitment vs delivery', () => {
  let t: TestApp;
  let co2Factor2025: string;
  let analyst: string;
  const get = (query: string) => http(`${t.url}/api/v1/indicators/implementation${query}`);

  beforeAll(async () => {
    t = await startTestApp({ DELIVERY_REBUILD_CRON: 'off' });
    const knex = t.database.db.knex;
    const admin = await createKey(t.database.db, 'admin');
    analyst = await createKey(t.database.db, 'analyst');
    // an executive agency under DWP (central bodies' parent: their department)
    const dwp = await knex('authorities').where({ code: 'GB-GOR-D10' }).first('id', 'kind');
    expect(dwp.kind).toBe('central_department');
    await knex('authorities').insert({ code: AGENCY, name: 'Test Agency', kind: 'executive_agency', parent_id: dwp.id, source: 'test' });
    // delivery figures as of a fixed date, so that the test does not depend on today's date
    await knex('delivery_state').insert({ id: true, as_of: AS_OF, as_of_fixed: AS_OF }).onConflict('id').merge();
    for (const [kind, body] of [['contracts', CONTRACTS], ['commitments', COMMITMENTS], ['outcomes', OUTCOMES]]) {
      const r = await http(`${t.url}/api/v1/imports/${kind}`, { key: admin, body, headers: { 'content-type': 'text/csv' } });
      expect([kind, r.status, r.body.batch?.status, r.body.batch?.rows_rejected]).toEqual([kind, 201, 'committed', 0]);
    }
    const measure = await knex('measures as m').join('frameworks as f', 'f.id', 'm.framework_id').where({ 'f.is_default': true, 'm.code': 'SVM-CO2E-AVOIDED' }).first('m.id');
    co2Factor2025 = (await knex('valuation_factors').where({ measure_id: measure.id, year: 2025 }).first('nominal_per_unit')).nominal_per_unit;
  });
  afterAll(() => t?.close());

  it('answers the national totals with every numerator and denominator', async () => {
    const r = await get('?basis=nominal');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ as_of: AS_OF, basis: 'nominal', period_type: 'quarter', group_by: [], framework: { code: 'svm-open' } });
    expect(Object.keys(r.body.definitions)).toEqual(expect.arrayContaining(['delivery_ratio', 'reporting_compliance', 'rating', 'period']));
    expect(r.body.rows).toHaveLength(1);
    const row = r.body.rows[0];
    // 6 contracts, all awarded: 1,000,000 + 3,000,000 + 500,000 + 2,000,000 + 4,000,000 + 1,000,000 = 11,500,000
    // in scope: all but MAN-A: 5 contracts, 9,500,000
    expect(row).toMatchObject({ contracts: 6, awarded_contracts: 6, awarded_value_gbp: 11500000, in_scope_contracts: 5, in_scope_value_gbp: 9500000 });
    // evaluated: TRF-A, TRF-B, DWP-A, AGY-A: 4 / 5 = 0.8; by value 9,000,000 / 9,500,000 = 0.947368...
    expect(row).toMatchObject({ sv_evaluated_share: 0.8, sv_evaluated_share_numerator: 4, sv_evaluated_share_denominator: 5 });
    expect(row).toMatchObject({ sv_evaluated_value_share: 0.947368, sv_evaluated_value_share_numerator: 9000000, sv_evaluated_value_share_denominator: 9500000 });
    // weighting >= 10%: TRF-A (10), DWP-A (10), AGY-A (15): 3 / 5 = 0.6; 6,000,000 / 9,500,000 = 0.631578947 -> 0.631579
    expect(row).toMatchObject({ sv_weighted_10_share: 0.6, sv_weighted_10_value_share: 0.631579, sv_weighted_10_value_share_numerator: 6000000 });
    // mean weighting of in-scope contracts stating one: (10 + 5 + 10 + 15) / 4 = 10
    expect(row).toMatchObject({ mean_weighting_pct: 10, mean_weighting_pct_numerator: 40, mean_weighting_pct_denominator: 4 });
    // committed £ (contracts with commitments and a value): 730,000 + 200,000 + 12,000 + 1,460,000 + 36,500 = 2,438,500
    // (the hires are record-only: no £); their value 1M + 3M + 0.5M + 4M + 1M = 9,500,000; 2,438,500 / 9,500,000 = 0.256684...
    expect(row).toMatchObject({ commitment_intensity: 0.256684, commitment_intensity_numerator: 2438500, commitment_intensity_denominator: 9500000 });
    // expected £ as of 2025-06-30:
    //   TRF-A spend: 730,000 x 456 / 730 = 456,000 (2024-04-01 .. 2026-03-31 is 730 days; 365 + 91 elapsed)
    //   TRF-B spend: 200,000 (ended); TRF-C donations: 0 (starts 2025-07-01)
    //   DWP-A spend: 1,460,000 x 181 / 730 = 362,000 (2025 has 181 days to 30 June); AGY-A: 36,500 x 91 / 365 = 9,100
    //   456,000 + 200,000 + 0 + 362,000 + 9,100 = 1,027,100
    // delivered £: 450,000 + 200,000 + 1,000 + 300,000 + 5,000 = 956,000; 956,000 / 1,027,100 = 0.930775971... -> 0.930776
    expect(row).toMatchObject({ delivery_ratio: 0.930776, delivery_ratio_numerator: 956000, delivery_ratio_denominator: 1027100 });
    // ratings: TRF-A approaching (spend 450,000 / 456,000 = 0.9868 good; hires 4.5 / 4.99726 = 0.9005 approaching: the worst),
    // TRF-B good (200,000 / 200,000), TRF-C other (nothing expected yet), DWP-A approaching (300,000 / 362,000 = 0.8287),
    // AGY-A requires improvement (5,000 / 9,100 = 0.5495)
    expect(row).toMatchObject({
      contracts_with_commitments: 5,
      rating_good: 1,
      rating_approaching_target: 2,
      rating_requires_improvement: 1,
      rating_inadequate: 0,
      rating_other: 1,
    });
    // active in 2025-Q2 with commitments: TRF-A, TRF-C, DWP-A, AGY-A (TRF-B ended 2025-03-31): 4;
    // with a return for 2025-Q2: TRF-A, TRF-C, AGY-A (DWP-A's is missing): 3 / 4 = 0.75
    expect(row).toMatchObject({ reporting_compliance: 0.75, reporting_compliance_numerator: 3, reporting_compliance_denominator: 4 });
    // lead suppliers: all sizes known, 11,500,000; SME: TRF-A + TRF-C = 1,500,000 -> 0.130435; VCSE: TRF-C 500,000 -> 0.043478
    expect(row).toMatchObject({ sme_value_share: 0.130435, sme_value_share_numerator: 1500000, sme_value_share_denominator: 11500000 });
    expect(row).toMatchObject({ vcse_value_share: 0.043478, vcse_value_share_numerator: 500000 });
    // social value delivered: local economic 450,000 + 200,000 + 300,000 + 5,000 = 955,000; social 1,000 (hires unvalued);
    // environmental 10 tCO2e x the 2025 carbon value
    const environmental = Math.round(10 * Number(co2Factor2025) * 100) / 100;
    expect(row).toMatchObject({ local_economic_gbp: 955000, social_gbp: 1000, environmental_gbp: environmental });
    expect(row.sv_gbp).toBeCloseTo(956000 + environmental, 2);
    expect(row.local_economic_share).toBeCloseTo(955000 / (956000 + environmental), 6);
  });

  it('groups by authority, department and period, and filters', async () => {
    const byAuthority = await get('?group_by=authority&basis=nominal');
    const trafford = byAuthority.body.rows.find((r: any) => r.authority === 'E08000009');
    expect(trafford).toMatchObject({ authority_name: expect.stringContaining('Trafford'), contracts: 3, in_scope_contracts: 3, contracts_with_commitments: 3 });
    // Trafford: expected 456,000 + 200,000 + 0 = 656,000; delivered 450,000 + 200,000 + 1,000 = 651,000 -> 0.992378...
    expect(trafford).toMatchObject({ delivery_ratio: 0.992378, delivery_ratio_numerator: 651000, delivery_ratio_denominator: 656000 });
    expect(trafford).toMatchObject({ reporting_compliance: 1, rating_good: 1, rating_approaching_target: 1, rating_other: 1 });
    const manchester = byAuthority.body.rows.find((r: any) => r.authority === 'E08000003');
    expect(manchester).toMatchObject({ contracts: 1, in_scope_contracts: 0, sv_evaluated_share: null, contracts_with_commitments: 0, delivery_ratio: null });

    // by sector (read from the sector-level rollups): the same totals
    const bySector = await get('?group_by=sector&basis=nominal');
    expect(bySector.body.rows.map((r: any) => r.sector)).toEqual(['45', '72', '79', '85', '90']);
    const total = (name: string) => bySector.body.rows.reduce((n: number, r: any) => n + r[name], 0);
    expect([total('contracts'), total('contracts_with_commitments'), total('delivery_ratio_numerator'), total('local_economic_gbp')]).toEqual([6, 5, 956000, 955000]);
    expect((await get('?sector=85&basis=nominal')).body.rows[0]).toMatchObject({ contracts: 2, delivery_ratio_numerator: 451000, social_gbp: 1000 });

    // department: DWP and its agency together; councils have none
    const byDepartment = await get('?group_by=department&basis=nominal');
    const dwp = byDepartment.body.rows.find((r: any) => r.department === 'GB-GOR-D10');
    expect(dwp).toMatchObject({ department_name: 'Department for Work and Pensions', contracts: 2, awarded_value_gbp: 5000000 });
    // expected 362,000 + 9,100 = 371,100; delivered 300,000 + 5,000 = 305,000 -> 0.821881...
    expect(dwp).toMatchObject({ delivery_ratio: 0.821881, delivery_ratio_numerator: 305000, delivery_ratio_denominator: 371100 });
    expect(byDepartment.body.rows.find((r: any) => r.department === null)).toMatchObject({ contracts: 4 });
    const filtered = await get('?department=GB-GOR-D10&kind=executive_agency');
    expect(filtered.body.rows[0]).toMatchObject({ contracts: 1, rating_requires_improvement: 1 });

    // by award year: 2024: TRF-A, TRF-B, MAN-A, DWP-A; 2025: TRF-C, AGY-A
    const byYear = await get('?group_by=period&period_type=year');
    expect(byYear.body.rows.map((r: any) => [r.period, r.contracts])).toEqual([['2024', 4], ['2025', 2]]);
    const byFy = await get('?group_by=period,nation&period_type=fy&nation=England');
    // councils only (central bodies have no nation); FY2025-26 has returns (2025-Q2) but no contract awarded
    expect(byFy.body.rows.map((r: any) => [r.period, r.nation, r.contracts, r.sv_gbp > 0])).toEqual([
      ['FY2023-24', 'England', 1, false],
      ['FY2024-25', 'England', 3, true],
      ['FY2025-26', 'England', 0, true],
    ]);
    // from 2025-Q1: contracts awarded from 2025 (TRF-C, AGY-A); social value delivered in 2025 quarters
    const from2025 = await get('?from=2025-Q1&to=FY2025-26&basis=nominal');
    expect(from2025.body.rows[0]).toMatchObject({ contracts: 2, contracts_with_commitments: 2, local_economic_gbp: 100000 + 50000 + 50000 + 300000 + 5000 });
    const byQuarter = await get('?group_by=authority,period&authority=E08000009,E08000003&from=2024&to=2024');
    // contracts by award quarter (MAN-A 2024-Q3; TRF-A 2024-Q1, TRF-B 2024-Q2), social value by the quarter its period
    // ends (TRF-A and TRF-B 2024-Q2 to Q4; Manchester's carbon saving is in 2025-Q1, outside the range)
    expect(byQuarter.body.rows.map((r: any) => [r.authority, r.period])).toEqual([
      ['E08000003', '2024-Q3'],
      ['E08000009', '2024-Q1'],
      ['E08000009', '2024-Q2'],
      ['E08000009', '2024-Q3'],
      ['E08000009', '2024-Q4'],
    ]);
  });

  it('refuses bad parameters (400, naming the parameter) and unknown codes (404)', async () => {
    for (const [query, field] of [
      ['?group_by=colour', 'group_by'],
      ['?group_by=authority,authority', 'group_by'],
      ['?period_type=month', 'period_type'],
      ['?basis=pv', 'basis'],
      ['?from=2025-13', 'from'],
      ['?from=0000', 'from'],
      ['?to=yesterday', 'to'],
      ['?from=2025&to=2024', 'from'],
      ['?kind=council', 'kind'],
      ['?nation=France', 'nation'],
      ['?sector=8', 'sector'],
      ['?framework=%20x', 'framework'],
      ['?colour=red', 'colour'],
    ]) {
      const r = await get(query);
      expect([query, r.status, r.body.error.code]).toEqual([query, 400, 'invalid_parameter']);
      expect(JSON.stringify(r.body.error)).toContain(field);
    }
    expect((await get('?authority=E08000009,NOPE')).status).toBe(404);
    expect((await get('?department=E08000009')).status).toBe(404);
    expect((await get('?framework=nope')).status).toBe(404);
  });

  it('gives each commitment of a contract its expected, delivered, ratio and rating, and the contract its rating', async () => {
    const r = await http(`${t.url}/api/v1/contracts/TRF-A/delivery`, { key: analyst });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ delivery_rating: 'approaching_target', delivery: { as_of: AS_OF, rating: 'approaching_target', rating_label: 'Approaching target' } });
    const line = (measure: string, start: string) => r.body.commitments.find((c: any) => c.measure === measure && c.period_start === start);
    // 730,000 x 456 / 730 = 456,000; delivered 4 x 100,000 + 50,000 = 450,000; 450,000 / 456,000 = 0.986842105 -> 0.986842
    expect(line('SVM-SPEND-LOCAL', '2024-04-01')).toMatchObject({ expected_to_date: '456000', delivered_to_date: '450000', delivery_ratio: '0.986842', rating: 'good' });
    // FY2024-25 hires: 4 expected (ended), 2 delivered in it (2024-Q3; 2025-Q1) + 2 = 4 -> 1, good
    expect(line('SVM-HIRE-LTU', '2024-04-01')).toMatchObject({ expected_to_date: '4', delivered_to_date: '4', delivery_ratio: '1', rating: 'good' });
    // FY2025-26 hires: 4 x 91 / 365 = 0.997260; delivered 0.5 (2025-Q2) -> 0.501374 (0.5 / 0.99726 = 0.50137376), requires improvement
    expect(line('SVM-HIRE-LTU', '2025-04-01')).toMatchObject({ expected_to_date: '0.99726', delivered_to_date: '0.5', delivery_ratio: '0.501374', rating: 'requires_improvement' });
    // by measure: hires 4 + 0.99726 = 4.99726 expected, 4.5 delivered: 0.900493 (4.5 / 4.99726), approaching target
    expect(r.body.delivery.measures).toEqual([
      expect.objectContaining({ framework: 'svm-open', measure: 'SVM-HIRE-LTU', commitments: 2, committed: '8', expected: '4.99726', delivered: '4.5', ratio: '0.900493', rating: 'approaching_target' }),
      expect.objectContaining({ measure: 'SVM-SPEND-LOCAL', committed: '730000', expected: '456000', delivered: '450000', ratio: '0.986842', rating: 'good' }),
    ]);
    // the stored figures are the same
    const stored = await t.database.db.knex('delivery_measures as d').join('contracts as c', 'c.id', 'd.contract_id').join('measures as m', 'm.id', 'd.measure_id')
      .where('c.reference', 'TRF-A').orderBy('m.code').select('m.code', 'd.expected', 'd.delivered', 'd.rating');
    expect(stored.map((s: any) => [s.code, Number(s.expected), Number(s.delivered), s.rating])).toEqual([
      ['SVM-HIRE-LTU', 4.99726, 4.5, 'approaching_target'],
      ['SVM-SPEND-LOCAL', 456000, 450000, 'good'],
    ]);
    const other = await http(`${t.url}/api/v1/contracts/MAN-A/delivery`, { key: analyst });
    expect(other.body).toMatchObject({ delivery_rating: 'other', delivery: { measures: [] } });
  });

  it('gives the benchmarks each authority\'s indicators as plain numbers', async () => {
    const ids = (await t.database.db.knex('authorities').whereIn('code', ['E08000009', 'E08000003']).select('id')).map((r: any) => r.id);
    const values = await t.app.get(IndicatorsService).byAuthority({ authorityIds: ids });
    expect([...values.keys()].sort()).toEqual(['E08000003', 'E08000009']);
    const trafford = values.get('E08000009')!;
    const population = (await t.database.db.knex('authorities').where({ code: 'E08000009' }).first('population')).population;
    // net £ (a £ measure is worth £1 net: no deadweight, and 2024-2025 prices are the framework's 2024 base):
    // 450,000 + 200,000 + 1,000 = 651,000 over 4,500,000 awarded = 0.144667
    expect(trafford).toMatchObject({ sv_evaluated_share: 0.666667, delivery_ratio: 0.992378, reporting_compliance: 1, sv_net_gbp_per_contract_gbp: 0.144667 });
    expect(trafford.sv_net_gbp_per_head).toBeCloseTo(651000 / population, 6);
    expect(Object.values(trafford).every((v) => v === null || typeof v === 'number')).toBe(true);
    expect(values.get('E08000003')).toMatchObject({ sv_evaluated_share: null, delivery_ratio: null });
    expect((await t.app.get(IndicatorsService).byAuthority({ authorityIds: ids, from: '2026-Q1' })).size).toBe(0);
  });

  it('rebuilds everything when the as-of quarter moves on, once', async () => {
    const derived = t.app.get(DerivedDataService);
    expect(await derived.ensureDeliveryCurrent()).toBe(false); // as of the fixed date already
    await t.database.db.knex('delivery_state').update({ as_of_fixed: '2025-03-31' });
    expect(await derived.ensureDeliveryCurrent()).toBe(true);
    expect(await derived.ensureDeliveryCurrent()).toBe(false);
    const r = await get('');
    // as of 2025-03-31: active in 2025-Q1 with commitments: TRF-A, TRF-B, DWP-A (TRF-C and AGY-A start in April), all
    // with a return for 2025-Q1: 3 / 3. Good: TRF-A (spend 400,000 of 730,000 x 365 / 730 = 365,000; hires 4 of 4),
    // TRF-B, DWP-A (300,000 of 1,460,000 x 90 / 730 = 180,000); Other: TRF-C and AGY-A (nothing expected before April)
    expect(r.body).toMatchObject({ as_of: '2025-03-31' });
    expect(r.body.rows[0]).toMatchObject({ reporting_compliance: 1, reporting_compliance_numerator: 3, rating_good: 3, rating_other: 2 });
    await t.database.db.knex('delivery_state').update({ as_of_fixed: AS_OF });
    expect(await derived.ensureDeliveryCurrent()).toBe(true);
    expect((await get('')).body.rows[0]).toMatchObject({ reporting_compliance: 0.75 });
  });

  it('re-rates everything when the thresholds change', async () => {
    const strict = { good: '1', approaching_target: '0.99', requires_improvement: '0.9' };
    expect(await t.app.get(DerivedDataService).ensureDeliveryCurrent(strict)).toBe(true);
    // TRF-A: spend 0.9868 and hires 0.9005 both requires improvement; TRF-B 1: good; DWP-A 0.8287 and AGY-A 0.5495: inadequate
    const r = await get('');
    expect(r.body.rating_thresholds).toEqual({ good: '1', approaching_target: '0.99', requires_improvement: '0.9' });
    expect(r.body.rows[0]).toMatchObject({ rating_good: 1, rating_approaching_target: 0, rating_requires_improvement: 1, rating_inadequate: 2, rating_other: 1 });
    expect(await t.app.get(DerivedDataService).ensureDeliveryCurrent()).toBe(true); // back to the configured ones
    expect((await get('')).body.rows[0]).toMatchObject({ rating_good: 1, rating_approaching_target: 2, rating_requires_improvement: 1 });
  });
});
