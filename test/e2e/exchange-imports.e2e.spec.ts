import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';
import { addDays } from '../../metrics/platform/periods';

const CSV = { 'content-type': 'text/csv' };
const JSON_TYPE = { 'content-type': 'application/json' };
const ARROW = { 'content-type': 'application/vnd.apache.arrow.stream' };
const today = new Date().toISOString().slice(0, 10);
const later = addDays(today, 60);
const end = addDays(today, 800);

/**
 * Contracts in Trafford (E08000009, supplier Gamma) and Manchester (E08000003, supplier Delta), and a Trafford pipeline
 * contract with no supplier; Gamma's contract commits 100 volunteering hours. A community organisation in each place.
 */
const CONTRACTS = [
  'reference,authority,title,supplier_scheme,supplier_id,supplier_name,cpv,value_gbp,start_date,end_date,stage',
  `EXB-1,E08000009,Grounds maintenance,GB-COH,00000011,Gamma Grounds Ltd,77310000,800000,2025-01-01,${end},awarded`,
  `EXB-2,E08000003,Home care,GB-COH,00000012,Delta Care Ltd,85312000,900000,2025-01-01,${end},awarded`,
  'EXB-3,E08000009,Leisure centre,,,,45212000,9000000,,,pipeline',
].join('\n');
const COMMITMENTS = ['contract,measure,target_quantity,unit,period_start,period_end', `EXB-1,SVM-VOLUNTEER-HOURS,100,hour,2025-01-01,${end}`].join('\n');

const NEED_HEADER = 'organisation,reference,title,description,resource_kind,quantity,unit,measure,framework,authority,needed_by';
const PLEDGE_HEADER = 'contract,reference,title,resource_kind,quantity,unit,measure,framework,places,reach,available_from,available_to';
const csv = (header: string, rows: string[]) => [header, ...rows].join('\n') + '\n';

describe('bulk imports of the exchange’s needs and pledges', () => {
  let t: TestApp;
  const keys: Record<string, string> = {};

  const post = (kind: string, body: string | Uint8Array, key: string, headers: Record<string, string> = CSV, query = '') =>
    fetch(`${t.url}/api/v1/imports/${kind}${query}`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${key}` }, body }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as any }),
    );
  const knex = () => t.database.db.knex;
  const need = (reference: string) =>
    knex()('exchange_needs as n').join('exchange_organisations as o', 'o.id', 'n.organisation_id').join('authorities as a', 'a.id', 'n.authority_id')
      .where('n.reference', reference).first('n.*', 'o.identifier as organisation', 'a.code as authority');
  const pledge = async (reference: string) => {
    const p = await knex()('exchange_pledges as p').join('contracts as c', 'c.id', 'p.contract_id').where('p.reference', reference).first('p.*', 'c.reference as contract');
    if (!p) return p;
    const places = await knex()('exchange_pledge_places as pp').join('authorities as a', 'a.id', 'pp.authority_id').where('pp.pledge_id', p.id).orderBy('a.code').pluck('a.code');
    return { ...p, places };
  };
  const counts = async () => ({
    needs: Number((await knex()('exchange_needs').count({ n: '*' }))[0].n),
    pledges: Number((await knex()('exchange_pledges').count({ n: '*' }))[0].n),
    places: Number((await knex()('exchange_pledge_places').count({ n: '*' }))[0].n),
  });

  beforeAll(async () => {
    t = await startTestApp();
    keys.admin = await createKey(t.database.db, 'admin');
    keys.trafford = await createKey(t.database.db, 'submitter', ['E08000009']);
    keys.manchester = await createKey(t.database.db, 'submitter', ['E08000003']);
    keys.analyst = await createKey(t.database.db, 'analyst');
    for (const [kind, body] of [['contracts', CONTRACTS], ['commitments', COMMITMENTS]]) {
      const r = await post(kind, body, keys.admin);
      expect(r.body.batch.status).toBe('committed');
    }
    for (const [identifier, name, authority] of [['GB-CHC-2000001', 'Trafford Helpers', 'E08000009'], ['GB-CHC-2000002', 'Manchester Pantry', 'E08000003']]) {
      const r = await http(`${t.url}/api/v1/exchange/organisations`, { key: keys.admin, json: { identifier, name, authorities: [authority] } });
      expect(r.status).toBe(201);
    }
  }, 120_000);
  afterAll(() => t.close());

  it('imports needs as CSV, JSON and Arrow, each quantity converted exactly to the measure’s unit', async () => {
    const body = csv(NEED_HEADER, [
      `GB-CHC-2000001,N-1,Volunteers for the food hub,Saturdays,volunteer_hours,4,day,SVM-VOLUNTEER-HOURS,,E08000009,${later}`,
      'GB-CHC-2000001,N-2,Mentors,,skilled_hours,12.5,hour,SVM-VOLUNTEER-HOURS,svm-open,E08000009,',
    ]);
    const r = await post('needs', body, keys.trafford, CSV, '?file_name=needs.csv');
    expect(r.status).toBe(201);
    expect(r.body.batch).toMatchObject({ kind: 'needs', status: 'committed', rows_total: 2, rows_inserted: 2, rows_rejected: 0, file_name: 'needs.csv' });
    const n1 = await need('N-1');
    expect(n1).toMatchObject({
      organisation: 'GB-CHC-2000001', authority: 'E08000009', title: 'Volunteers for the food hub', description: 'Saturdays', resource_kind: 'volunteer_hours',
      quantity: '4.000000', unit: 'day', quantity_measure: '30.000000', matched: '0.000000', needed_by: later, status: 'open',
      batch_id: r.body.batch.id, is_demo: false,
    });
    expect(await need('N-2')).toMatchObject({ quantity_measure: '12.500000', needed_by: null, description: null });

    const json = await post('needs', JSON.stringify([
      { organisation: 'GB-CHC-2000002', reference: 'N-3', title: 'A van for deliveries', resource_kind: 'equipment', quantity: 7.5, unit: 'hour', measure: 'SVM-VOLUNTEER-HOURS', authority: 'E08000003' },
    ]), keys.admin, JSON_TYPE);
    expect(json.status).toBe(201);
    expect(json.body.batch).toMatchObject({ kind: 'needs', status: 'committed', rows_inserted: 1, content_type: 'application/json' });
    expect(await need('N-3')).toMatchObject({ organisation: 'GB-CHC-2000002', authority: 'E08000003', quantity_measure: '7.500000' });

    const arrow = tableToIPC(tableFromArrays({
      organisation: ['GB-CHC-2000002', 'GB-CHC-2000002'],
      reference: ['N-4', 'N-5'],
      title: ['Café volunteers', 'Room for a club'],
      resource_kind: ['volunteer_hours', 'venue_hours'],
      quantity: Float64Array.from([2, 0.25]),
      unit: ['day', 'hour'],
      measure: ['SVM-VOLUNTEER-HOURS', 'SVM-VOLUNTEER-HOURS'],
      authority: ['E08000003', 'E08000003'],
    }), 'stream');
    const a = await post('needs', arrow, keys.manchester, ARROW);
    expect(a.status).toBe(201);
    expect(a.body.batch).toMatchObject({ kind: 'needs', status: 'committed', rows_inserted: 2 });
    expect(await need('N-4')).toMatchObject({ quantity: '2.000000', quantity_measure: '15.000000' });
    expect(await need('N-5')).toMatchObject({ resource_kind: 'venue_hours', quantity_measure: '0.250000' });
  });

  it('imports pledges as CSV, JSON and Arrow: places, reach and availability defaulted, beyond the commitment accepted', async () => {
    const body = csv(PLEDGE_HEADER, [
      `EXB-1,P-1,Staff volunteering,volunteer_hours,30,hour,SVM-VOLUNTEER-HOURS,,E08000009;E08000003,authority,${today},${end}`,
      'EXB-1,P-2,,volunteer_hours,20,day,SVM-VOLUNTEER-HOURS,,,,,', // 150 hours: with P-1, more than the 100 committed
    ]);
    const r = await post('pledges', body, keys.trafford);
    expect(r.status).toBe(201);
    expect(r.body.batch).toMatchObject({ kind: 'pledges', status: 'committed', rows_inserted: 2, rows_rejected: 0 });
    expect(await pledge('P-1')).toMatchObject({
      contract: 'EXB-1', title: 'Staff volunteering', quantity_measure: '30.000000', reach: 'authority', available_from: today, available_to: end,
      places: ['E08000003', 'E08000009'], batch_id: r.body.batch.id,
    });
    expect(await pledge('P-2')).toMatchObject({
      title: null, quantity: '20.000000', unit: 'day', quantity_measure: '150.000000', reach: 'neighbours', available_from: today, available_to: addDays(today, 365),
      places: ['E08000009'],
    });

    const json = await post('pledges', JSON.stringify([
      { contract: 'EXB-2', reference: 'P-3', resource_kind: 'skilled_hours', quantity: '10', unit: 'hour', measure: 'SVM-VOLUNTEER-HOURS', places: ['E08000003', 'E08000009'], reach: 'region', available_from: later },
    ]), keys.admin, JSON_TYPE);
    expect(json.status).toBe(201);
    expect(json.body.batch).toMatchObject({ status: 'committed', rows_inserted: 1 });
    expect(await pledge('P-3')).toMatchObject({ contract: 'EXB-2', reach: 'region', available_from: later, available_to: addDays(later, 365), places: ['E08000003', 'E08000009'] });

    const arrow = tableToIPC(tableFromArrays({
      contract: ['EXB-2'],
      reference: ['P-4'],
      resource_kind: ['cash'],
      quantity: Float64Array.from([3]),
      unit: ['hour'],
      measure: ['SVM-VOLUNTEER-HOURS'],
      places: ['E08000003'],
    }), 'stream');
    const a = await post('pledges', arrow, keys.manchester, ARROW);
    expect(a.status).toBe(201);
    expect(a.body.batch).toMatchObject({ status: 'committed', rows_inserted: 1 });
    expect(await pledge('P-4')).toMatchObject({ resource_kind: 'cash', quantity_measure: '3.000000', places: ['E08000003'] });
  });

  it('re-sending the same file changes nothing and says so; the Idempotency-Key replays the batch', async () => {
    const needs = csv(NEED_HEADER, [
      `GB-CHC-2000001,N-1,Volunteers for the food hub,Saturdays,volunteer_hours,4,day,SVM-VOLUNTEER-HOURS,,E08000009,${later}`,
      'GB-CHC-2000001,N-2,Mentors,,skilled_hours,12.500,hour,SVM-VOLUNTEER-HOURS,svm-open,E08000009,',
    ]);
    const r = await post('needs', needs, keys.trafford);
    expect(r.body.batch).toMatchObject({ status: 'committed', rows_inserted: 0, rows_updated: 0, rows_unchanged: 2 });
    const pledges = csv(PLEDGE_HEADER, [
      `EXB-1,P-1,Staff volunteering,volunteer_hours,30,hour,SVM-VOLUNTEER-HOURS,,E08000003;E08000009,authority,${today},${end}`,
      'EXB-1,P-2,,volunteer_hours,20,day,SVM-VOLUNTEER-HOURS,,,,,',
    ]);
    const p = await post('pledges', pledges, keys.trafford);
    expect(p.body.batch).toMatchObject({ status: 'committed', rows_inserted: 0, rows_updated: 0, rows_unchanged: 2 });

    const first = await post('pledges', pledges, keys.trafford, { ...CSV, 'idempotency-key': 'pledges-1' });
    expect(first.status).toBe(201);
    const again = await post('pledges', pledges, keys.trafford, { ...CSV, 'idempotency-key': 'pledges-1' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ replayed: true, batch: { id: first.body.batch.id } });
  });

  it('rejects a strict batch of needs naming each bad row, field and code, and writes nothing', async () => {
    const before = await counts();
    const ok = (ref: string, over: Partial<Record<string, string>> = {}) => {
      const row: Record<string, string> = {
        organisation: 'GB-CHC-2000001', reference: ref, title: 'Help', description: '', resource_kind: 'volunteer_hours', quantity: '5', unit: 'hour',
        measure: 'SVM-VOLUNTEER-HOURS', framework: '', authority: 'E08000009', needed_by: '', ...over,
      };
      return NEED_HEADER.split(',').map((c) => row[c]).join(',');
    };
    const rows: Array<[string, string, string, string | null]> = [
      // [row, code, field, value]
      [ok('S-1'), '', '', null], // good
      [ok('S-2', { title: '' }), 'required', 'title', null],
      [ok('S-3', { resource_kind: 'money' }), 'invalid_value', 'resource_kind', 'money'],
      [ok('S-4', { quantity: 'lots' }), 'not_a_number', 'quantity', 'lots'],
      [ok('S-5', { quantity: '0' }), 'out_of_range', 'quantity', '0'],
      [ok('S-6', { organisation: 'GB-CHC-9999999' }), 'unknown_organisation', 'organisation', 'GB-CHC-9999999'],
      [ok('S-7', { authority: 'E99999999' }), 'unknown_authority', 'authority', 'E99999999'],
      [ok('S-8', { authority: 'E08000003' }), 'authority_not_allowed', 'authority', 'E08000003'],
      [ok('S-9', { framework: 'nope' }), 'unknown_framework', 'framework', 'nope'],
      [ok('S-10', { measure: 'SVM-NOPE' }), 'unknown_measure', 'measure', 'SVM-NOPE'],
      [ok('S-11', { unit: 'tCO2e' }), 'unit_not_convertible', 'unit', 'tCO2e'],
      [ok('S-12', { needed_by: '2020-01-01' }), 'in_the_past', 'needed_by', '2020-01-01'],
      [ok('S-13', { needed_by: '31/02/2030' }), 'invalid_date', 'needed_by', '31/02/2030'],
      [ok('S-1'), 'duplicate_in_batch', 'reference', 'S-1'],
    ];
    const r = await post('needs', csv(NEED_HEADER, rows.map((x) => x[0])), keys.trafford);
    expect(r.status).toBe(422);
    expect(r.body.error.details.batch).toMatchObject({ kind: 'needs', status: 'rejected', rows_total: rows.length, rows_rejected: rows.length - 1 });
    const got = r.body.error.details.rejections.map((x: any) => [x.row_number, x.code, x.field, x.value]);
    const want = rows.map((x, i) => [i + 2, x[1], x[2], x[3]]).filter((x) => x[1] !== '');
    expect(got).toEqual(want);
    for (const x of r.body.error.details.rejections) expect(x.message).toEqual(expect.any(String));
    expect(r.body.error.details.rejections.find((x: any) => x.code === 'unknown_organisation').message).toBe('no organisation GB-CHC-9999999 is registered on the exchange');
    expect(await counts()).toEqual(before);
  });

  it('rejects a strict batch of pledges naming each bad row, field and code, and writes nothing', async () => {
    const before = await counts();
    const ok = (ref: string, over: Partial<Record<string, string>> = {}) => {
      const row: Record<string, string> = {
        contract: 'EXB-1', reference: ref, title: '', resource_kind: 'volunteer_hours', quantity: '5', unit: 'hour', measure: 'SVM-VOLUNTEER-HOURS',
        framework: '', places: '', reach: '', available_from: '', available_to: '', ...over,
      };
      return PLEDGE_HEADER.split(',').map((c) => row[c]).join(',');
    };
    const rows: Array<[string, string, string, string | null]> = [
      [ok('T-1'), '', '', null],
      [ok('T-2', { contract: 'EXB-404' }), 'unknown_contract', 'contract', 'EXB-404'],
      [ok('T-3', { contract: 'EXB-3' }), 'contract_without_supplier', 'contract', 'EXB-3'],
      [ok('T-4', { contract: 'EXB-2' }), 'authority_not_allowed', 'contract', 'EXB-2'],
      [ok('T-5', { measure: 'SVM-NOPE' }), 'unknown_measure', 'measure', 'SVM-NOPE'],
      [ok('T-6', { framework: 'nope@v9' }), 'unknown_framework', 'framework', 'nope@v9'],
      [ok('T-7', { unit: 'GBP' }), 'unit_not_convertible', 'unit', 'GBP'],
      [ok('T-8', { places: 'E08000009;E99999999' }), 'unknown_authority', 'places', 'E99999999'],
      [ok('T-9', { reach: 'galaxy' }), 'invalid_value', 'reach', 'galaxy'],
      [ok('T-10', { resource_kind: 'favours' }), 'invalid_value', 'resource_kind', 'favours'],
      [ok('T-11', { available_from: later, available_to: today }), 'invalid_date', 'available_to', today],
      [ok('T-12', { available_to: addDays(today, -1) }), 'invalid_date', 'available_to', addDays(today, -1)], // before today's default
      [ok('T-13', { quantity: '-4' }), 'negative', 'quantity', '-4'],
      [ok('T-14', { quantity: '1.1234567' }), 'not_a_number', 'quantity', '1.1234567'],
      [ok('T-15', { reference: '' }), 'required', 'reference', null],
      [ok('T-1', { quantity: '6' }), 'duplicate_in_batch', 'reference', 'T-1'],
    ];
    const r = await post('pledges', csv(PLEDGE_HEADER, rows.map((x) => x[0])), keys.trafford);
    expect(r.status).toBe(422);
    expect(r.body.error.details.batch).toMatchObject({ kind: 'pledges', status: 'rejected', rows_total: rows.length, rows_rejected: rows.length - 1 });
    const got = r.body.error.details.rejections.map((x: any) => [x.row_number, x.code, x.field, x.value]);
    expect(got).toEqual(rows.map((x, i) => [i + 2, x[1], x[2], x[3]]).filter((x) => x[1] !== ''));
    expect(r.body.error.details.rejections.find((x: any) => x.code === 'contract_without_supplier').message).toMatch(/EXB-3 names no supplier/);
    expect(await counts()).toEqual(before);
    // the same file as CSV of rejections
    const list = await http(`${t.url}/api/v1/imports/${r.body.error.details.batch.id}/rejections?format=csv`, { key: keys.trafford });
    expect(list.body).toMatch(/^row_number,field,code,message,value\n3,contract,unknown_contract,/);
  });

  it('in partial mode writes the good rows and reports the bad ones', async () => {
    const before = await counts();
    const body = csv(PLEDGE_HEADER, [
      'EXB-1,Q-1,Good,volunteer_hours,5,hour,SVM-VOLUNTEER-HOURS,,,,,',
      'EXB-404,Q-2,Bad,volunteer_hours,5,hour,SVM-VOLUNTEER-HOURS,,,,,',
      'EXB-1,Q-3,Good too,equipment,1,day,SVM-VOLUNTEER-HOURS,,E08000009,national,,',
    ]);
    const r = await post('pledges', body, keys.trafford, CSV, '?mode=partial');
    expect(r.status).toBe(201);
    expect(r.body.batch).toMatchObject({ mode: 'partial', status: 'committed', rows_total: 3, rows_inserted: 2, rows_rejected: 1 });
    const rejected = await http(`${t.url}/api/v1/imports/${r.body.batch.id}/rejections`, { key: keys.trafford });
    expect(rejected.body.data).toEqual([expect.objectContaining({ row_number: 3, field: 'contract', code: 'unknown_contract', value: 'EXB-404' })]);
    expect(await pledge('Q-3')).toMatchObject({ reach: 'national', quantity_measure: '7.500000', places: ['E08000009'] });
    expect(await pledge('Q-2')).toBeUndefined();
    expect(await counts()).toEqual({ ...before, pledges: before.pledges + 2, places: before.places + 2 });
  });

  it('refuses, row by row, the needs and pledges of another authority to a submitter', async () => {
    const needs = csv(NEED_HEADER, [
      'GB-CHC-2000001,M-1,Help in Trafford,,volunteer_hours,5,hour,SVM-VOLUNTEER-HOURS,,E08000009,',
      'GB-CHC-2000002,M-2,Help in Manchester,,volunteer_hours,5,hour,SVM-VOLUNTEER-HOURS,,E08000003,',
    ]);
    const r = await post('needs', needs, keys.manchester, CSV, '?mode=partial');
    expect(r.body.batch).toMatchObject({ rows_inserted: 1, rows_rejected: 1 });
    const n = await http(`${t.url}/api/v1/imports/${r.body.batch.id}/rejections`, { key: keys.manchester });
    expect(n.body.data).toEqual([{ row_number: 2, field: 'authority', code: 'authority_not_allowed', message: 'this key may not write for E08000009', value: 'E08000009', release_id: null, severity: 'error' }]);
    // a pledge counts as its contract's authority's, wherever its places
    const pledges = csv(PLEDGE_HEADER, [
      'EXB-1,M-3,,volunteer_hours,5,hour,SVM-VOLUNTEER-HOURS,,E08000003,,,',
      'EXB-2,M-4,,volunteer_hours,5,hour,SVM-VOLUNTEER-HOURS,,E08000009,,,',
    ]);
    const strict = await post('pledges', pledges, keys.manchester);
    expect(strict.status).toBe(422);
    expect(strict.body.error.details.rejections).toEqual([expect.objectContaining({ row_number: 2, field: 'contract', code: 'authority_not_allowed', value: 'EXB-1' })]);
    expect(await pledge('M-4')).toBeUndefined();
    // the route is admin's and submitters' only
    expect((await post('pledges', pledges, keys.analyst)).status).toBe(403);
  });

  it('updates a changed need or pledge nothing is matched of, and refuses to change one that is (already_matched)', async () => {
    // nothing matched yet: the changed rows update in place, places replaced
    const needs = (quantity: string, title = 'Volunteers for the food hub') =>
      csv(NEED_HEADER, [`GB-CHC-2000001,N-1,${title},Saturdays,volunteer_hours,${quantity},day,SVM-VOLUNTEER-HOURS,,E08000009,${later}`]);
    const pledges = (quantity: string, places = 'E08000009') =>
      csv(PLEDGE_HEADER, [`EXB-1,P-1,Staff volunteering,volunteer_hours,${quantity},hour,SVM-VOLUNTEER-HOURS,,${places},authority,${today},${end}`]);
    const n1 = await need('N-1');
    const changed = await post('needs', needs('6'), keys.trafford);
    expect(changed.body.batch).toMatchObject({ rows_inserted: 0, rows_updated: 1, rows_unchanged: 0 });
    expect(await need('N-1')).toMatchObject({ id: n1.id, quantity: '6.000000', quantity_measure: '45.000000', batch_id: changed.body.batch.id });
    const p1 = await pledge('P-1');
    const moved = await post('pledges', pledges('40'), keys.trafford);
    expect(moved.body.batch).toMatchObject({ rows_updated: 1 });
    expect(await pledge('P-1')).toMatchObject({ id: p1.id, quantity_measure: '40.000000', places: ['E08000009'] });

    // an accepted match holds 10 hours of both
    const [m] = await knex()('exchange_matches')
      .insert({ pledge_id: p1.id, need_id: n1.id, quantity: 10, status: 'accepted', relation: 'same_authority', reason: JSON.stringify({ test: true }), community_accepted_at: new Date(), supplier_accepted_at: new Date() })
      .returning('id');
    expect((await need('N-1')).matched).toBe('10.000000');
    const before = { need: await need('N-1'), pledge: await pledge('P-1') };

    const refused = await post('needs', needs('8', 'More volunteers'), keys.trafford);
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.rejections).toEqual([
      expect.objectContaining({ row_number: 2, field: 'reference', code: 'already_matched', value: 'N-1', message: expect.stringMatching(/matched already \(10\.000000 hour/) }),
    ]);
    const refusedPledge = await post('pledges', pledges('50', 'E08000009;E08000003'), keys.trafford, CSV, '?mode=partial');
    expect(refusedPledge.body.batch).toMatchObject({ status: 'committed', rows_rejected: 1, rows_updated: 0 });
    // the same rows again are no change: unchanged, whatever is matched
    expect((await post('needs', needs('6'), keys.trafford)).body.batch).toMatchObject({ rows_unchanged: 1 });
    expect((await post('pledges', pledges('40'), keys.trafford)).body.batch).toMatchObject({ rows_unchanged: 1 });
    expect(await need('N-1')).toEqual(before.need);
    expect(await pledge('P-1')).toEqual(before.pledge);
    expect((await knex()('exchange_matches').where({ id: m.id }).first()).status).toBe('accepted');
  });

  it('lists the columns of needs and pledges in the OpenAPI description of the imports route', async () => {
    const doc = await http(`${t.url}/docs-json`);
    const op = doc.body.paths['/api/v1/imports/{kind}'].post;
    expect(op.description).toMatch(/\*\*needs\*\*: `organisation` \(required\), `reference` \(required\), `title` \(required\)/);
    expect(op.description).toMatch(/\*\*pledges\*\*: `contract` \(required\), `reference` \(required\), `title`, `resource_kind` \(required\)/);
    expect(op.parameters.find((p: any) => p.name === 'kind').schema.enum).toEqual(expect.arrayContaining(['needs', 'pledges']));
  });
});
