import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportsService } from '../../metrics/ingest/imports/imports.service';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

const FIXTURES = join(__dirname, '..', 'fixtures', 'imports');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const CSV = { 'content-type': 'text/csv' };

describe('imports of contracts, commitments and outcomes', () => {
  let t: TestApp;
  let admin: string;
  let trafford: string;
  let manchester: string;
  let analyst: string;

  beforeAll(async () => {
    t = await startTestApp({ IMPORT_LIMIT: '64kb' });
    admin = await createKey(t.database.db, 'admin');
    trafford = await createKey(t.database.db, 'submitter', ['E08000009']);
    manchester = await createKey(t.database.db, 'submitter', ['E08000003']);
    analyst = await createKey(t.database.db, 'analyst');
  });
  afterAll(() => t.close());

  const post = (kind: string, body: string | Buffer, key: string, headers: Record<string, string> = CSV, query = '') =>
    fetch(`${t.url}/api/v1/imports/${kind}${query}`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${key}` }, body }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as any }),
    );
  const outcomesOf = (reference: string) =>
    t.database.db.knex('outcomes as o').join('contracts as c', 'c.id', 'o.contract_id').where('c.reference', reference)
      .orderBy(['o.measure_id', 'o.period_start', 'o.revision']).select('o.*');

  it('imports the example contracts, commitments and outcomes in every format', async () => {
    const contracts = await post('contracts', fixture('contracts.csv'), admin, CSV, '?file_name=contracts.csv');
    expect(contracts.status).toBe(201);
    expect(contracts.body.batch).toMatchObject({ kind: 'contracts', status: 'committed', rows_total: 4, rows_inserted: 4, file_name: 'contracts.csv' });
    expect(contracts.body.batch.sha256).toMatch(/^[0-9a-f]{64}$/);
    const commitments = await post('commitments', fixture('commitments.csv'), trafford);
    expect(commitments.body.batch).toMatchObject({ status: 'committed', rows_inserted: 4 });
    const csv = await post('outcomes', fixture('outcomes.csv'), trafford);
    expect(csv.body.batch).toMatchObject({ status: 'committed', rows_inserted: 5 });
    const json = await post('outcomes', fixture('outcomes.json'), trafford, { 'content-type': 'application/json' });
    expect(json.status).toBe(201);
    expect(json.body.batch).toMatchObject({ status: 'committed', rows_inserted: 3, content_type: 'application/json' });
    const arrow = await post('outcomes', fixture('outcomes.arrow'), trafford, { 'content-type': 'application/vnd.apache.arrow.stream' });
    expect(arrow.status).toBe(201);
    expect(arrow.body.batch).toMatchObject({ status: 'committed', rows_inserted: 3 });

    const rows = await outcomesOf('EXAMPLE-TRF-0001');
    const volunteering = rows.find((r: any) => r.period_start === '2024-04-01' && r.unit === 'day');
    expect(volunteering).toMatchObject({ quantity: '6.000000', quantity_canonical: '45.000000', revision: 1, is_latest: true }); // 6 days x 7.5 h
    const arrowRow = rows.find((r: any) => r.period_start === '2024-10-01');
    expect(arrowRow).toMatchObject({ period_end: '2024-12-31', quantity: '3.000000' });
    const co2 = (await outcomesOf('EXAMPLE-TRF-0002')).find((r: any) => r.unit === 'kgCO2e');
    expect(co2.quantity_canonical).toBe('7.500000'); // 7,500 kg is 7.5 tCO2e
    const spend = (await outcomesOf('EXAMPLE-TRF-0002')).find((r: any) => r.unit === 'GBP thousand');
    expect(spend.quantity_canonical).toBe('85500.000000');
  });

  it('reads contracts back, with suppliers, commitments and outcomes', async () => {
    const list = await http(`${t.url}/api/v1/contracts?authority=E08000009&stage=awarded`, { key: admin });
    expect(list.body.page.total).toBe(3);
    const pipeline = await http(`${t.url}/api/v1/contracts?stage=pipeline`, { key: admin });
    expect(pipeline.body.data).toEqual([expect.objectContaining({ reference: 'EXAMPLE-MAN-0001', supplier_id: null, sector: '45' })]);
    const bySupplier = await http(`${t.url}/api/v1/contracts?supplier=GB-COH:07654321`, { key: admin });
    expect(bySupplier.body.data.map((c: any) => c.reference)).toEqual(['EXAMPLE-TRF-0002']);
    const vcse = await http(`${t.url}/api/v1/contracts?supplier=community%20transport`, { key: admin });
    expect(vcse.body.data[0]).toMatchObject({ supplier_vcse: true, supplier_scale: 'sme', supplier_scheme: null, sv_weighting_pct: '20.00' });
    const one = await http(`${t.url}/api/v1/contracts/EXAMPLE-TRF-0002`, { key: admin });
    expect(one.body).toMatchObject({ reference: 'EXAMPLE-TRF-0002', start_date: '2024-04-01', end_date: '2028-03-31', value_gbp: '4800000.00' });
    expect(one.body.suppliers).toEqual([expect.objectContaining({ scheme: 'GB-COH', identifier: '07654321' })]);
    expect(one.body).not.toHaveProperty('commitments');
    const sent = await http(`${t.url}/api/v1/contracts/EXAMPLE-TRF-0002/delivery`, { key: admin });
    expect(sent.body.contract).toMatchObject({ reference: 'EXAMPLE-TRF-0002', authority_code: 'E08000009' });
    expect(sent.body.commitments.map((c: any) => c.measure).sort()).toEqual(['SVM-CO2E-AVOIDED', 'SVM-SPEND-LOCAL']);
    expect(sent.body.commitments.find((c: any) => c.measure === 'SVM-SPEND-LOCAL').target_canonical).toBe('1200000.000000');
    expect(sent.body.outcomes).toHaveLength(4);
    expect((await http(`${t.url}/api/v1/contracts/NOPE`, { key: admin })).status).toBe(404);
  });

  it('changes nothing when the same return is sent again, and says so', async () => {
    const again = await post('outcomes', fixture('outcomes.csv'), trafford);
    expect(again.status).toBe(201);
    expect(again.body.batch).toMatchObject({ status: 'committed', rows_total: 5, rows_inserted: 0, rows_updated: 0, rows_unchanged: 5 });
    const contracts = await post('contracts', fixture('contracts.csv'), admin);
    expect(contracts.body.batch).toMatchObject({ rows_inserted: 0, rows_updated: 0, rows_unchanged: 4 });
  });

  it('keeps a correction as a new revision, the old one in the history', async () => {
    const corrected = fixture('outcomes.csv').toString().replace('2024-Q2,2.5,FTE-year', '2024-Q2,2.25,FTE-year');
    const res = await post('outcomes', corrected, trafford);
    expect(res.body.batch).toMatchObject({ rows_updated: 1, rows_unchanged: 4, rows_inserted: 0 });
    const latest = await http(`${t.url}/api/v1/contracts/EXAMPLE-TRF-0001/delivery`, { key: admin });
    const fte = latest.body.outcomes.filter((o: any) => o.measure === 'SVM-EMP-LOCAL-FTE' && o.period_start === '2024-04-01');
    expect(fte).toEqual([expect.objectContaining({ quantity: '2.250000', revision: 2, is_latest: true })]);
    const history = await http(`${t.url}/api/v1/contracts/EXAMPLE-TRF-0001/delivery?history=true`, { key: admin });
    const revisions = history.body.outcomes.filter((o: any) => o.measure === 'SVM-EMP-LOCAL-FTE' && o.period_start === '2024-04-01');
    expect(revisions.map((o: any) => [o.revision, o.quantity, o.is_latest])).toEqual([
      [1, '2.500000', false],
      [2, '2.250000', true],
    ]);
  });

  const BAD = [
    'contract,measure,period,quantity,unit,evidence_ref',
    'EXAMPLE-TRF-0001,SVM-EMP-LOCAL-FTE,2025-Q1,2.6,FTE-year,good-row', // row 2: good
    'NOPE,SVM-EMP-LOCAL-FTE,2025-Q1,1,FTE-year,', // 3
    'EXAMPLE-TRF-0001,SVM-NOPE,2025-Q1,1,FTE-year,', // 4
    'EXAMPLE-TRF-0001,SVM-EMP-LOCAL-FTE,2025-Q2,-1,FTE-year,', // 5
    'EXAMPLE-TRF-0001,SVM-EMP-LOCAL-FTE,2025-Q2,lots,FTE-year,', // 6
    'EXAMPLE-TRF-0001,SVM-EMP-LOCAL-FTE,2024-Q5,1,FTE-year,', // 7
    'EXAMPLE-TRF-0001,SVM-EMP-LOCAL-FTE,2025-Q3,1,litre,', // 8
    'EXAMPLE-TRF-0001,SVM-EMP-LOCAL-FTE,2030-Q1,1,FTE-year,', // 9
    'EXAMPLE-TRF-0001,SVM-EMP-LOCAL-FTE,2025-Q1,2.7,FTE-year,', // 10: same key as row 2
    'EXAMPLE-MAN-0001,SVM-EMP-LOCAL-FTE,2025-Q1,1,FTE-year,', // 11: Manchester's contract
    'EXAMPLE-TRF-0001,SVM-EMP-LOCAL-FTE,,1,FTE-year,', // 12: no period
    'EXAMPLE-TRF-0001,,2025-Q1,1,FTE-year,', // 13: no measure
  ].join('\n');

  it('rejects a whole batch in strict mode, naming each bad row, field and problem, and writes nothing', async () => {
    const before = (await t.database.db.knex('outcomes').count({ n: '*' }))[0].n;
    const res = await post('outcomes', BAD, trafford);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('unprocessable');
    const { batch, rejections, rejections_total } = res.body.error.details;
    expect(batch).toMatchObject({ status: 'rejected', rows_total: 12, rows_rejected: 11, rows_inserted: 0 });
    expect(rejections_total).toBe(11);
    expect(rejections.map((r: any) => [r.row_number, r.field, r.code])).toEqual([
      [3, 'contract', 'unknown_contract'],
      [4, 'measure', 'unknown_measure'],
      [5, 'quantity', 'negative'],
      [6, 'quantity', 'not_a_number'],
      [7, 'period', 'invalid_period'],
      [8, 'unit', 'unit_not_convertible'],
      [9, 'period', 'period_outside_contract'],
      [10, 'period', 'duplicate_in_batch'],
      [11, 'contract', 'authority_not_allowed'],
      [12, 'period', 'required'],
      [13, 'measure', 'required'],
    ]);
    expect(rejections[0]).toMatchObject({ message: 'no contract with reference NOPE', value: 'NOPE' });
    expect(rejections[7].message).toBe('the same contract, measure and period appear on an earlier row of this file');
    expect((await t.database.db.knex('outcomes').count({ n: '*' }))[0].n).toBe(before);

    const stored = await http(`${t.url}/api/v1/imports/${batch.id}/rejections?limit=2&offset=1`, { key: trafford });
    expect(stored.body.page).toEqual({ limit: 2, offset: 1, total: 11 });
    expect(stored.body.data.map((r: any) => r.row_number)).toEqual([4, 5]);
    const csv = await fetch(`${t.url}/api/v1/imports/${batch.id}/rejections?format=csv`, { headers: { authorization: `Bearer ${trafford}` } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('row_number,field,code,message,value');
    expect(lines).toHaveLength(12);
    expect(lines[3]).toBe("5,quantity,negative,quantity must not be negative,'-1"); // no formula injection
  });

  it('commits the good rows in partial mode and reports the rest', async () => {
    const res = await post('outcomes', BAD, trafford, CSV, '?mode=partial');
    expect(res.status).toBe(201);
    expect(res.body.batch).toMatchObject({ status: 'committed', mode: 'partial', rows_total: 12, rows_inserted: 1, rows_rejected: 11 });
    const rows = (await outcomesOf('EXAMPLE-TRF-0001')).filter((r: any) => r.period_start === '2025-01-01');
    expect(rows).toEqual([expect.objectContaining({ quantity: '2.600000', evidence_ref: 'good-row' })]);
  });

  it('answers a retried upload with its Idempotency-Key from the first batch, doing nothing', async () => {
    const body = fixture('outcomes.csv').toString().replace('2024-Q2,2.25', '2024-Q2,2.5').replace('2024-Q2,2.5,FTE-year', '2024-Q2,2.4,FTE-year');
    const headers = { ...CSV, 'idempotency-key': 'trafford-2024q2-return' };
    const first = await post('outcomes', body, trafford, headers);
    expect(first.status).toBe(201);
    const second = await post('outcomes', body, trafford, headers);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ replayed: true, batch: { id: first.body.batch.id } });
    const batches = await http(`${t.url}/api/v1/imports?kind=outcomes&limit=100`, { key: admin });
    expect(batches.body.data.filter((b: any) => b.idempotency_key === 'trafford-2024q2-return')).toHaveLength(1);
  });

  it('runs the import again for the Idempotency-Key of a failed batch; a rejected or committed batch is the answer', async () => {
    const headers = { ...CSV, 'idempotency-key': 'trafford-retry-after-failure' };
    const failed = await post('outcomes', 'contract,measure,period,quantity,unit\n', trafford, headers);
    expect(failed.status).toBe(400);
    const failedId = failed.body.error.details.batch_id;
    expect((await http(`${t.url}/api/v1/imports/${failedId}`, { key: admin })).body).toMatchObject({ status: 'failed' });
    const rejected = await post('outcomes', BAD, trafford, headers);
    expect(rejected.status).toBe(422); // run again: a new batch, rejected in strict mode
    const rejectedId = rejected.body.error.details.batch.id;
    expect(rejectedId).toBeGreaterThan(failedId);
    const again = await post('outcomes', BAD, trafford, headers);
    expect([again.status, again.body.error.details.batch.id]).toEqual([422, rejectedId]); // the rejected batch, replayed
    const body = fixture('outcomes.csv').toString().replace('2024-Q2,2.25', '2024-Q2,2.75');
    const other = { ...CSV, 'idempotency-key': 'trafford-retry-after-failure-2' };
    expect((await post('outcomes', '', trafford, other)).status).toBe(400);
    const committed = await post('outcomes', body, trafford, other);
    expect(committed.status).toBe(201);
    expect(committed.body).toMatchObject({ replayed: false, batch: { status: 'committed', idempotency_key: 'trafford-retry-after-failure-2' } });
    const replay = await post('outcomes', body, trafford, other);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ replayed: true, batch: { id: committed.body.batch.id, status: 'committed' } });
    const batches = await http(`${t.url}/api/v1/imports?kind=outcomes&limit=100`, { key: admin });
    expect(batches.body.data.filter((b: any) => b.idempotency_key === 'trafford-retry-after-failure-2').map((b: any) => b.status)).toEqual(['committed', 'failed']);
  });

  it('fails a batch left open by a gone owner when its Idempotency-Key is sent again, and runs the import', async () => {
    const knex = t.database.db.knex;
    const [{ id: keyId }] = await knex('api_keys').select('id').orderBy('id', 'desc').limit(1);
    const key = 'left-open-by-a-dead-process';
    const [{ id }] = await knex('import_batches')
      .insert({ kind: 'outcomes', status: 'running', started_at: knex.fn.now(), heartbeat_at: knex.fn.now(), idempotency_key: key, api_key_id: keyId, owner_instance: 'gone', owner_host: 'another-host', owner_pid: 1, backend_pid: 999999 })
      .returning('id');
    const sender = { keyId, allowed: null };
    if (t.database.db.driver === 'postgres') {
      // its owner still beats, as far as anyone knows: the key answers with it (on the embedded database only one
      // process opens the data folder, so a batch that does not run in it is failed at once)
      const opened = await t.app.get(ImportsService).openBatch({ kind: 'outcomes', idempotencyKey: key, sender });
      expect(opened).toMatchObject({ replayed: { id, status: 'running' } });
    }
    // silent for two minutes: the owner is gone, the batch is failed and the import runs
    await knex('import_batches').where({ id }).update({ heartbeat_at: knex.raw(`now() - interval '2 minutes'`) });
    const run = await t.app.get(ImportsService).openBatch({ kind: 'outcomes', idempotencyKey: key, sender });
    expect('progress' in run && run.progress.batch.id).toBeGreaterThan(id);
    t.app.get(ImportsService).closeBatch((run as any).progress.batch.id);
    const batch = await knex('import_batches').where({ id }).first();
    const why = t.database.db.driver === 'postgres' ? /^interrupted: no sign of life .* for \d+ s/ : /^interrupted: the service stopped/;
    expect(batch).toMatchObject({ status: 'failed', error: expect.stringMatching(why) });
    await knex('import_batches').where({ idempotency_key: key }).del();
  });

  it('keeps writes to the authorities of the key, and imports to keys with a write role', async () => {
    const res = await post('contracts', fixture('contracts.csv'), manchester, CSV, '?mode=partial');
    expect(res.body.batch).toMatchObject({ rows_rejected: 3, rows_unchanged: 1 }); // only EXAMPLE-MAN-0001 is Manchester's
    const rejections = await http(`${t.url}/api/v1/imports/${res.body.batch.id}/rejections`, { key: manchester });
    expect(rejections.body.data[0]).toMatchObject({ row_number: 2, field: 'authority', code: 'authority_not_allowed', value: 'E08000009' });
    expect((await post('outcomes', fixture('outcomes.csv'), analyst)).status).toBe(403);
    expect((await fetch(`${t.url}/api/v1/imports/outcomes`, { method: 'POST', headers: CSV, body: 'x' })).status).toBe(401);
    // a submitter sees its own batches only
    expect((await http(`${t.url}/api/v1/imports/${res.body.batch.id}`, { key: trafford })).status).toBe(404);
    expect((await http(`${t.url}/api/v1/imports/${res.body.batch.id}`, { key: manchester })).status).toBe(200);
  });

  it('refuses unreadable files with a clear 4xx, and records the failed batch', async () => {
    const cases: Array<[string, string | Buffer, Record<string, string>, number, RegExp]> = [
      ['empty', '', CSV, 400, /no data rows/],
      ['header only', 'contract,measure,period,quantity,unit\n', CSV, 400, /no data rows/],
      ['unknown column', 'contract,measure,period,quantity,unit,colour\nA,B,2024-Q1,1,x,red\n', CSV, 400, /column contract/],
      ['missing column', 'contract,period,quantity,unit\nA,2024-Q1,1,x\n', CSV, 400, /column contract/],
      ['ragged row', 'contract,measure,period,quantity,unit\nA,B,2024-Q1,1\n', CSV, 400, /cannot be read after row 1/],
      ['unclosed quote', 'contract,measure,period,quantity,unit\n"A,B,2024-Q1,1,x\n', CSV, 400, /cannot be read/],
      ['latin-1', Buffer.from('contract,measure,period,quantity,unit\nCaf\xe9,B,2024-Q1,1,x\n', 'latin1'), CSV, 400, /not UTF-8/],
      ['not arrow', 'hello', { 'content-type': 'application/vnd.apache.arrow.stream' }, 400, /not an Arrow IPC stream/],
      ['json object', '{"contract": "A"}', { 'content-type': 'application/json' }, 400, /array of row objects/],
      ['json junk', '[{"contract": ', { 'content-type': 'application/json' }, 400, /not valid JSON/],
      ['xml', '<rows/>', { 'content-type': 'application/xml' }, 415, /Send an import as/],
      ['oversize', `contract,measure,period,quantity,unit\n${'A,B,2024-Q1,1,x\n'.repeat(5000)}`, CSV, 413, /larger than the import limit/],
    ];
    for (const [name, body, headers, status, message] of cases) {
      const res = await post('outcomes', body, trafford, headers);
      expect([name, res.status]).toEqual([name, status]);
      expect([name, res.body.error.message]).toEqual([name, expect.stringMatching(message)]);
    }
    const failed = await http(`${t.url}/api/v1/imports?status=failed&limit=100`, { key: admin });
    expect(failed.body.data.length).toBeGreaterThanOrEqual(7);
    expect(failed.body.data[0].error).toMatch(/larger than the import limit/);
    expect((await post('invoices', 'x', trafford)).status).toBe(404);
    expect((await post('outcomes', fixture('outcomes.csv'), trafford, CSV, '?mode=loose')).status).toBe(400);
  });

  it('goes on when a client leaves in the middle of an upload: the batch fails, nothing is kept, the service answers', async () => {
    const { request } = await import('node:http');
    const before = await http(`${t.url}/api/v1/imports?limit=100`, { key: admin });
    const uploads: Array<[string, string, string]> = [
      ['outcomes', 'text/csv', `contract,measure,period,quantity,unit\n${'A,B,2024-Q1,1,x\n'.repeat(100)}`],
      ['ocds', 'application/json', `{"releases": [${'{"ocid": "ocds-x", "id": "1", "date": "2024-01-01T00:00:00Z"},'.repeat(100)}`],
    ];
    for (const [kind, type, body] of uploads) {
      for (const delay of [0, 5, 20]) {
        await new Promise<void>((resolve) => {
          const req = request(`${t.url}/api/v1/imports/${kind}`, {
            method: 'POST',
            headers: { 'content-type': type, authorization: `Bearer ${admin}`, 'transfer-encoding': 'chunked' },
          });
          req.on('error', () => resolve());
          req.on('close', () => resolve());
          req.write(body);
          setTimeout(() => req.destroy(), delay);
        });
      }
    }
    let batches = await http(`${t.url}/api/v1/imports?limit=100`, { key: admin });
    for (let i = 0; i < 50 && batches.body.data.some((b: any) => b.status === 'running'); i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      batches = await http(`${t.url}/api/v1/imports?limit=100`, { key: admin });
    }
    const left = batches.body.data.filter((b: any) => !before.body.data.some((o: any) => o.id === b.id));
    expect(left.map((b: any) => b.status)).toEqual(left.map(() => 'failed'));
    expect((await http(`${t.url}/health`)).status).toBe(200);
  });

  it('marks batches left running by a dead process as failed, with nothing of them kept', async () => {
    const knex = t.database.db.knex;
    const [{ id }] = await knex('import_batches').insert({ kind: 'outcomes', status: 'running', started_at: knex.fn.now(), backend_pid: 999999 }).returning('id');
    const { failed } = await t.app.get(ImportsService).checkOpenBatches();
    expect(failed).toContain(id);
    const batch = await knex('import_batches').where({ id }).first();
    expect(batch).toMatchObject({ status: 'failed' });
    expect(batch.error).toMatch(/interrupted/);
  });
});

describe('progress of a large import while it runs', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await createKey(t.database.db, 'admin');
    const res = await fetch(`${t.url}/api/v1/imports/contracts`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${admin}` },
      body: fixture('contracts.csv'),
    });
    expect(res.status).toBe(201);
  });
  afterAll(() => t.close());

  it('shows the running batch and its rows so far, then the committed batch', async () => {
    const { request } = await import('node:http');
    const line = 'EXAMPLE-TRF-0001,SVM-EMP-LOCAL-FTE,2024-04-01,2024-04-30,1,FTE-year\n';
    let finish = () => undefined as unknown;
    const done = new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request(`${t.url}/api/v1/imports/outcomes?mode=partial`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${admin}`, 'transfer-encoding': 'chunked' },
      }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.write('contract,measure,period_start,period_end,quantity,unit\n');
      req.write(line.repeat(25_000)); // more than one progress step, then the upload pauses
      finish = () => req.end(line);
    });
    let running = await http(`${t.url}/api/v1/imports?status=running`, { key: admin });
    for (let i = 0; i < 100 && !(running.body.data[0]?.progress?.rows_received >= 10_000); i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      running = await http(`${t.url}/api/v1/imports?status=running`, { key: admin });
    }
    expect(running.body.data).toHaveLength(1);
    const batch = running.body.data[0];
    expect(batch).toMatchObject({ status: 'running', kind: 'outcomes', progress: { phase: 'receiving' } });
    expect(batch.progress.rows_received).toBeGreaterThanOrEqual(10_000);
    const one = await http(`${t.url}/api/v1/imports/${batch.id}`, { key: admin });
    expect(one.body).toMatchObject({ id: batch.id, status: 'running' });
    finish();
    const result = await done;
    expect(result.status).toBe(201);
    // every row after the first repeats its key: one inserted, the rest duplicates in the batch
    expect(result.body.batch).toMatchObject({ id: batch.id, status: 'committed', rows_total: 25_001, rows_inserted: 1, rows_rejected: 25_000 });
    expect((await http(`${t.url}/api/v1/imports/${batch.id}`, { key: admin })).body.progress).toBeUndefined();
  });
});
