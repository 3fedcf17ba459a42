import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

const OCDS = join(__dirname, '..', 'fixtures', 'ocds');
const SAMPLES = join(OCDS, 'samples');
const file = (...p: string[]) => readFileSync(join(...p));
const JSON_TYPE = { 'content-type': 'application/json' };

describe('OCDS imports', () => {
  let t: TestApp;
  let admin: string;
  let trafford: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await createKey(t.database.db, 'admin');
    trafford = await createKey(t.database.db, 'submitter', ['E08000009']);
  });
  afterAll(() => t.close());

  const post = (body: string | Buffer, key = admin, query = '', headers: Record<string, string> = JSON_TYPE) =>
    fetch(`${t.url}/api/v1/imports/ocds${query}`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${key}` }, body }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as any }),
    );
  const contract = (reference: string) =>
    t.database.db
      .knex('contracts as c')
      .join('authorities as a', 'a.id', 'c.authority_id')
      .leftJoin('suppliers as s', 's.id', 'c.supplier_id')
      .where('c.reference', reference)
      .first('c.*', 'a.code as authority_code', 'a.kind as authority_kind', 's.name as supplier_name', 's.scheme as supplier_scheme',
        's.identifier as supplier_identifier', 's.scale as supplier_scale', 's.vcse as supplier_vcse');
  const rejections = async (batchId: number) => (await http(`${t.url}/api/v1/imports/${batchId}/rejections?limit=500`, { key: admin })).body.data;
  const snapshot = async () => ({
    contracts: await t.database.db.knex('contracts').orderBy('id').select('*'),
    suppliers: await t.database.db.knex('suppliers').orderBy('id').select('*'),
    authorities: await t.database.db.knex('authorities').count({ n: '*' }),
    commitments: await t.database.db.knex('commitments').orderBy('id').select('*'),
    outcomes: await t.database.db.knex('outcomes').orderBy('id').select('*'),
  });

  it('imports the Sell2Wales package: 90 tenders in the pipeline, buyers matched to Welsh councils', async () => {
    const r = await post(file(SAMPLES, 'uk-sell2wales-release-package.json'), admin, '?file_name=sell2wales.json');
    expect(r.status).toBe(201);
    expect(r.body.batch).toMatchObject({ kind: 'ocds', status: 'committed', rows_total: 90, rows_inserted: 90, rows_rejected: 0 });
    const summary = r.body.batch.summary;
    expect(summary.document).toBe('release_package');
    expect(summary.contracts).toMatchObject({ inserted: 90, pipeline: 90, awarded: 0 });
    expect(summary.buyers.distinct).toBe(44);
    // councils match by name ("City & County of Swansea", "Rhondda Cynon Taf CBC", "Cyngor Gwynedd"); housing
    // associations, health boards, police, fire, universities and the Welsh Government are not among the authorities
    // and are created as `other`
    // all 16 councils among the buyers, in English, Welsh or abbreviated, or behind a department's name ("Legal,
    // Democratic and Business Intelligence, Swansea Council,")
    expect(summary.buyers.by_name).toBe(16);
    expect(summary.buyers.created).toBe(28);
    expect(summary.buyers.match_rate).toBeCloseTo(16 / 44, 3);
    // each buyer created is listed with the authorities nearest its name, for an administrator to add the name to one
    expect(summary.buyers.unmatched).toHaveLength(28);
    const nrwUnmatched = summary.buyers.unmatched.find((u: any) => u.name === 'Natural Resources Wales');
    expect(nrwUnmatched).toMatchObject({ identifier: null, created_code: expect.stringMatching(/^ORG-natural-resources-wales-/) });
    expect(nrwUnmatched.candidates).toHaveLength(3);
    for (const c of nrwUnmatched.candidates) expect(c).toEqual({ code: expect.any(String), name: expect.any(String), score: expect.any(Number) });

    const boiler = await contract('ocds-kuma6s-148440');
    expect(boiler).toMatchObject({
      authority_code: 'W06000011', // Swansea
      title: 'Contract for the Labour only domestic boiler installation',
      stage: 'pipeline',
      supplier_id: null,
      value_gbp: null, // £0.01: a placeholder, not a value
      value_amount: null,
      cpv_code8: '50000000', // from the non-core tender.classification
      sector: '50',
      is_services: true,
      above_threshold: true, // covered by the GPA
      in_scope: true,
    });
    // each council's releases went to that council, whatever form of its name the buyer used
    const sample = JSON.parse(file(SAMPLES, 'uk-sell2wales-release-package.json').toString('utf8'));
    for (const [name, code] of [
      ['Isle of Anglesey County Council', 'W06000001'],
      ['Cyngor Sir Ceredigion County Council', 'W06000008'],
      ['Cyngor Gwynedd', 'W06000002'],
      ['Rhondda Cynon Taf CBC', 'W06000016'],
      ['Cardiff Council', 'W06000015'],
      ['City & County of Swansea', 'W06000011'],
    ]) {
      const ocids = sample.releases.filter((r: any) => r.buyer?.name === name).map((r: any) => r.ocid);
      expect(ocids.length).toBeGreaterThan(0);
      for (const ocid of ocids) expect([name, (await contract(ocid)).authority_code]).toEqual([name, code]);
    }
    const nrw = await t.database.db.knex('authorities').where({ name: 'Natural Resources Wales' }).first();
    expect(nrw).toMatchObject({ kind: 'other' });
    expect(summary.buyers.created_codes).toContain(nrw.code);
  });

  it('changes nothing when the same package is imported again', async () => {
    const before = await snapshot();
    const r = await post(file(SAMPLES, 'uk-sell2wales-release-package.json'));
    expect(r.body.batch).toMatchObject({ status: 'committed', rows_total: 90, rows_inserted: 0, rows_unchanged: 90 });
    expect(await snapshot()).toEqual(before);
    // skipped releases are not matched again; a new release from a buyer the first import created matches it, and
    // is not counted as a match to a known public body
    const more = JSON.stringify({
      releases: [{ ocid: 'ocds-svmtest-0300', id: 'r', date: '2025-03-01T00:00:00Z', tag: ['tender'], buyer: { name: 'Natural Resources Wales' }, tender: { title: 'Tree planting' } }],
    });
    const next = await post(more);
    expect(next.body.batch.summary.buyers).toMatchObject({ distinct: 1, earlier_import: 1, created: 0, match_rate: 0 });
  });

  it('imports Contracts Finder releases and records one per file, with its quirks', async () => {
    const dir = join(SAMPLES, 'uk-contracts-finder-2017');
    const results = [];
    for (const sub of ['releases', 'records']) {
      for (const name of readdirSync(join(dir, sub)).sort()) results.push(await post(file(dir, sub, name), admin, `?file_name=${name}`));
    }
    expect(results.map((r) => r.status)).toEqual(results.map(() => 201));
    expect(results.filter((r) => r.body.batch.summary.document === 'release')).toHaveLength(21);
    expect(results.filter((r) => r.body.batch.summary.document === 'record')).toHaveLength(11);
    expect(await t.database.db.knex('contracts').where('reference', 'like', 'ocds-b5fd17-%').count({ n: '*' })).toEqual([{ n: 11 }]);

    const met = await contract('ocds-b5fd17-2c330cf9-adc8-11e6-9901-0019b9f3037b');
    expect(met).toMatchObject({
      title: 'Climate Science for Service Partnership (CSSP): Calls for Expressions of Interest',
      stage: 'cancelled', // tender status unsuccessful
      cpv_code8: '73000000',
      value_gbp: '464500.00',
      start_date: '2015-04-01', // from the "Contract start" milestone
      end_date: '2016-03-31',
      is_services: false, // ojeuContractType Works
      authority_kind: 'other',
    });
    const darlington = await contract('ocds-b5fd17-2c435b84-adc8-11e6-9901-0019b9f3037b');
    expect(darlington.authority_code).toBe('E06000005');
    const bath = await contract('ocds-b5fd17-2c391a7a-adc8-11e6-9901-0019b9f3037b');
    expect(bath.authority_code).toBe('E06000022');

    // again, file by file: nothing changes
    const before = await snapshot();
    for (const sub of ['releases', 'records']) {
      for (const name of readdirSync(join(dir, sub)).sort()) {
        const again = await post(file(dir, sub, name));
        expect(again.body.batch.rows_inserted).toBe(0);
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('follows the fictional lifecycle release by release, in any order, to the awarded contract', async () => {
    const dir = join(SAMPLES, 'fictional-example-1.1');
    const parts = readdirSync(dir).filter((n) => /-0\d-/.test(n)).sort().reverse(); // newest first: older ones only fill gaps
    for (const name of parts) expect((await post(file(dir, name))).status).toBe(201);
    const c = await contract('ocds-213czf-000-00001');
    expect(c).toMatchObject({
      authority_code: 'E09000003', // Barnet, by its GSS code published under GB-LAC
      stage: 'awarded',
      supplier_name: 'AnyCorp Cycle Provision',
      supplier_scheme: 'GB-COH',
      supplier_identifier: '11111111', // published as "11111111.0"
      value_gbp: '11000000.00',
      cpv_code8: '45233130',
      sector: '45',
      award_date: '2010-05-10',
      start_date: '2010-07-01',
      end_date: '2011-06-30',
      title: 'Planned cycle lane improvements', // the tender's title, preferred to the contract's whatever the order
    });
    const before = await snapshot();
    const whole = await post(file(dir, 'ocds-213czf-000-00001.json'));
    expect(whole.body.batch).toMatchObject({ rows_total: 6, rows_unchanged: 6, rows_inserted: 0 });
    expect(await snapshot()).toEqual(before);
    // the record package carries the compiled release, a release of its own: the contract's values stay, and only
    // where they were last given moves to its date; sent again, it changes nothing
    const values = (rows: any[]) => rows.map((r) => ({ ...r, ocds_provenance: undefined, batch_id: undefined, updated_at: undefined }));
    const record = await post(file(dir, 'record', 'ocds-213czf-000-00001.json'));
    expect(record.body.batch.summary.document).toBe('record_package');
    const afterRecord = await snapshot();
    expect(values(afterRecord.contracts)).toEqual(values(before.contracts));
    await post(file(dir, 'record', 'ocds-213czf-000-00001.json'));
    expect(await snapshot()).toEqual(afterRecord);
    expect(await contract('ocds-213czf-000-00001')).toMatchObject({ stage: 'awarded', value_gbp: '11000000.00', supplier_identifier: '11111111' });

    // oldest first, under another ocid: the same contract
    for (const name of [...parts].reverse()) {
      const text = file(dir, name).toString('utf8').split('ocds-213czf-000-00001').join('ocds-213czf-000-00002');
      expect((await post(text)).status).toBe(201);
    }
    const comparable = (c: any) => ({
      ...c,
      ...{ id: undefined, reference: undefined, ocid: undefined, batch_id: undefined, created_at: undefined, updated_at: undefined },
      // the first one also took the record package's compiled release (newer dates, the same values)
      ocds_provenance: { ...c.ocds_provenance, dates: expect.any(Object) },
    });
    expect(comparable(await contract('ocds-213czf-000-00002'))).toEqual(comparable(await contract('ocds-213czf-000-00001')));
  });

  it('turns agreed metrics into commitments and reported ones into outcomes, through the mapping', async () => {
    const r = await post(file(OCDS, 'metrics-lifecycle.json'));
    expect(r.status).toBe(201);
    const s = r.body.batch.summary;
    expect(s.observations).toMatchObject({ kept: 5, commitments: 1, outcomes: 1, unmapped: 3 });
    expect(s.non_gbp_values).toBe(1);
    const c = await contract('ocds-svmtest-0001');
    expect(c).toMatchObject({
      authority_code: 'E08000009',
      stage: 'awarded',
      supplier_name: 'Green Routes CIC',
      supplier_identifier: '01234567',
      supplier_scale: 'sme',
      supplier_vcse: true,
      value_gbp: '250000.00',
      cpv_code8: '60130000',
      in_scope: true,
      sv_evaluated: true,
      sv_weighting_pct: '10.00',
      sv_goals: ['economic.localEconomyPromotion', 'social.disadvantagedEmploymentOpportunities'],
      start_date: '2025-04-01',
      end_date: '2026-03-31',
    });
    const euro = await contract('ocds-svmtest-0002');
    expect(euro).toMatchObject({ authority_code: 'E08000003', value_gbp: null, value_amount: '100000.00', currency: 'EUR', supplier_scale: 'large' });
    const warnings = await rejections(r.body.batch.id);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ severity: 'warning', code: 'non_gbp_value', release_id: 'ocds-svmtest-0002-award' }),
        expect.objectContaining({ severity: 'warning', code: 'unmapped_metric', value: 'carbon', field: 'releases[1].awards[0].agreedMetrics[2].observations[0]' }),
        expect.objectContaining({ severity: 'warning', code: 'unmapped_metric', value: 'apprentices' }),
      ]),
    );
    const detail = await http(`${t.url}/api/v1/contracts/ocds-svmtest-0001`);
    expect(detail.body.suppliers).toEqual([{ id: expect.any(Number), name: 'Green Routes CIC', scheme: 'GB-COH', identifier: '01234567', scale: 'sme', vcse: true }]);
    expect(detail.body.releases.map((r: any) => [r.release_id, r.tags])).toEqual([
      ['ocds-svmtest-0001-tender', ['tender']],
      ['ocds-svmtest-0001-award', ['award']],
      ['ocds-svmtest-0001-implementation', ['implementation']],
    ]);
    expect(detail.body).toMatchObject({ procurement_category: 'services', currency: 'GBP', value_amount: '250000.00' });
    const sent = await http(`${t.url}/api/v1/contracts/ocds-svmtest-0001/delivery`, { key: admin });
    expect(sent.body.commitments).toEqual([expect.objectContaining({ measure: 'SVM-EMP-LOCAL-FTE', target_quantity: '12.000000', period_start: '2025-04-01', period_end: '2026-03-31' })]);
    expect(sent.body.outcomes).toEqual([expect.objectContaining({ measure: 'SVM-EMP-LOCAL-FTE', quantity: '10.500000', period_end: '2025-09-30' })]);

    // a mapping added later applies to the observations already held
    const put = await http(`${t.url}/api/v1/ocds/metric-mappings`, {
      method: 'PUT',
      key: admin,
      json: { mappings: [{ match_on: 'title', match_value: 'Apprenticeship weeks delivered', framework: 'svm-open', measure: 'SVM-APPRENTICESHIP-WEEKS' }] },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ mappings: 1, applied: { commitments: 1, outcomes: 1, unmapped: 1 } });
    const after = await http(`${t.url}/api/v1/contracts/ocds-svmtest-0001/delivery`, { key: admin });
    expect(after.body.outcomes.map((o: any) => o.measure).sort()).toEqual(['SVM-APPRENTICESHIP-WEEKS', 'SVM-EMP-LOCAL-FTE']);
    expect((await http(`${t.url}/api/v1/ocds/metric-mappings`, { key: admin })).body.mappings).toEqual([
      { match_on: 'title', match_value: 'apprenticeship weeks delivered', framework: 'svm-open', measure: 'SVM-APPRENTICESHIP-WEEKS', note: null },
    ]);
    const bad = await http(`${t.url}/api/v1/ocds/metric-mappings`, {
      method: 'PUT',
      key: admin,
      json: { mappings: [{ match_on: 'id', match_value: 'x', framework: 'svm-open', measure: 'NOPE' }] },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.problems[0]).toMatchObject({ field: 'mappings[0].measure' });
    const before = await snapshot();
    expect((await post(file(OCDS, 'metrics-lifecycle.json'))).body.batch.rows_unchanged).toBe(4);
    expect(await snapshot()).toEqual(before);

    // a return corrects an outcome; the contract's next OCDS release, reporting another period, does not undo it
    const correction = await fetch(`${t.url}/api/v1/imports/outcomes`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${admin}` },
      body: 'contract,measure,period_start,period_end,quantity,unit\nocds-svmtest-0001,SVM-EMP-LOCAL-FTE,2025-04-01,2025-09-30,11,FTE-year\n',
    });
    expect(correction.status).toBe(201);
    const next = {
      ocid: 'ocds-svmtest-0001', id: 'ocds-svmtest-0001-implementation-2', date: '2026-04-15T00:00:00Z', tag: ['implementation'],
      contracts: [{ id: 'contract-1', implementation: { metrics: [{ id: 'SVM-EMP-LOCAL-FTE', observations: [{ id: 'a3', measure: 9, unit: { name: 'FTE-year' }, period: { startDate: '2025-10-01T00:00:00Z', endDate: '2026-03-31T00:00:00Z' } }] }] } }],
    };
    expect((await post(JSON.stringify({ releases: [next] }))).status).toBe(201);
    const outcomes = (await http(`${t.url}/api/v1/contracts/ocds-svmtest-0001/delivery`, { key: admin })).body.outcomes.filter((o: any) => o.measure === 'SVM-EMP-LOCAL-FTE');
    expect(outcomes.map((o: any) => [o.period_start, o.quantity])).toEqual([
      ['2025-04-01', '11.000000'],
      ['2025-10-01', '9.000000'],
    ]);
  });

  it('names each bad release by id and path; strict rejects the batch, partial (the default) keeps the good release', async () => {
    const strict = await post(file(OCDS, 'bad-releases.json'), admin, '?mode=strict');
    expect(strict.status).toBe(422);
    expect(strict.body.error.details.batch).toMatchObject({ status: 'rejected', rows_total: 8, rows_rejected: 7 });
    expect(await contract('ocds-svmtest-0100')).toBeUndefined();
    const errors = (strict.body.error.details.rejections as any[]).filter((x) => x.severity === 'error');
    expect(errors.map((e) => [e.row_number, e.release_id, e.field, e.code])).toEqual([
      [2, null, 'releases[1].id', 'missing_field'],
      [3, 'r3', 'releases[2].ocid', 'missing_field'],
      [4, 'r4', 'releases[3].date', 'missing_field'],
      [5, 'r5', 'releases[4].tender.value.amount', 'invalid_amount'],
      [6, 'r6', 'releases[5].tender.value.amount', 'invalid_amount'],
      [7, 'r7', 'releases[6].awards[0].value.currency', 'unknown_currency'],
      [8, 'r1', 'releases[7].id', 'duplicate_release'],
    ]);
    expect(errors[3].message).toMatch(/string/);
    expect(errors[4].message).toMatch(/empty/);

    // OCDS is published by others: one duplicate or malformed release does not lose the package unless strict is asked for
    const partial = await post(file(OCDS, 'bad-releases.json'));
    expect(partial.status).toBe(201);
    expect(partial.body.batch).toMatchObject({ status: 'committed', mode: 'partial', rows_inserted: 1, rows_rejected: 7 });
    expect(await contract('ocds-svmtest-0100')).toMatchObject({ authority_code: 'E08000007', value_gbp: '50000.00', title: 'Parks maintenance' });
    const csv = await fetch(`${t.url}/api/v1/imports/${partial.body.batch.id}/rejections?format=csv`, { headers: { authorization: `Bearer ${admin}` } });
    expect((await csv.text()).split('\n')[0]).toBe('row_number,release_id,severity,field,code,message,value');
  });

  it('refuses what is not OCDS with a clear error, and keys that may not write for the buyer', async () => {
    const notJson = await post('{"releases": [ {"id": ', admin);
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('malformed_json');
    const notOcds = await post(JSON.stringify({ hello: 'world' }));
    expect(notOcds.status).toBe(422);
    expect(notOcds.body.error.message).toMatch(/not an OCDS/);
    const array = await post('[1, 2]');
    expect(array.status).toBe(422);
    const csv = await post('a,b\n1,2\n', admin, '', { 'content-type': 'text/csv' });
    expect(csv.status).toBe(415);
    const empty = await post(JSON.stringify({ releases: [] }));
    expect(empty.body.batch).toMatchObject({ status: 'committed', rows_total: 0 });

    // a submitter for Trafford may not import a Manchester contract
    const other = JSON.stringify({ releases: [{ ocid: 'ocds-svmtest-0200', id: 'x', date: '2025-01-01T00:00:00Z', tag: ['tender'], buyer: { name: 'Manchester City Council' }, tender: { title: 'Not yours' } }] });
    const refused = await post(other, trafford, '?mode=strict');
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.rejections[0]).toMatchObject({ code: 'authority_not_allowed', value: 'E08000003' });
    // nor change a contract another authority holds, whatever buyer the release names
    const manchester = JSON.stringify({ releases: [{ ocid: 'ocds-svmtest-0210', id: 'm1', date: '2025-01-01T00:00:00Z', tag: ['tender'], buyer: { name: 'Manchester City Council' }, tender: { title: 'Manchester parks', value: { amount: 100, currency: 'GBP' } } }] });
    expect((await post(manchester)).status).toBe(201);
    const hijack = JSON.stringify({ releases: [{ ocid: 'ocds-svmtest-0210', id: 't1', date: '2025-06-01T00:00:00Z', tag: ['tender'], buyer: { name: 'Trafford Council' }, parties: [{ id: 's', name: 'Someone Ltd', roles: ['supplier'], identifier: { scheme: 'GB-COH', id: '99999999' }, details: { scale: 'large' } }], tender: { title: 'Taken over', value: { amount: 1, currency: 'GBP' } } }] });
    const hijacked = await post(hijack, trafford, '?mode=strict');
    expect(hijacked.status).toBe(422);
    expect(hijacked.body.error.details.rejections[0]).toMatchObject({ code: 'authority_not_allowed', value: 'E08000003', release_id: 't1' });
    expect(await contract('ocds-svmtest-0210')).toMatchObject({ title: 'Manchester parks', value_gbp: '100.00', authority_code: 'E08000003' });
    await post(hijack, trafford);
    expect(await t.database.db.knex('suppliers').where({ identifier: '99999999' }).first()).toBeUndefined(); // nothing of a refused release
    // nor create an authority for a buyer that matches none
    const authorities = await t.database.db.knex('authorities').count({ n: '*' });
    const unknown = JSON.stringify({ releases: [{ ocid: 'ocds-svmtest-0201', id: 'x', date: '2025-01-01T00:00:00Z', tag: ['tender'], buyer: { name: 'Nobody Trust' }, tender: { title: 'Not yours either' } }] });
    const refusedNew = await post(unknown, trafford);
    expect(refusedNew.body.batch).toMatchObject({ status: 'committed', rows_rejected: 1 });
    expect(refusedNew.body.batch.summary.buyers.unmatched).toEqual([{ name: 'Nobody Trust', identifier: null, created_code: null, candidates: expect.any(Array) }]);
    expect((await rejections(refusedNew.body.batch.id))[0]).toMatchObject({ code: 'authority_not_allowed', value: 'Nobody Trust' });
    expect(await t.database.db.knex('authorities').count({ n: '*' })).toEqual(authorities);
    const failed = await http(`${t.url}/api/v1/imports?kind=ocds&status=failed`, { key: admin });
    expect(failed.body.data.length).toBeGreaterThanOrEqual(3);
  });
});
