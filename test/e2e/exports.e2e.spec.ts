import { tableFromIPC, Type } from 'apache-arrow';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExportsRepository } from '../../metrics/read/exports/exports.repository';
import { EXPORT_CHUNK_ROWS, ExportsService } from '../../metrics/read/exports/exports.service';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

const FIXTURES = join(__dirname, '..', 'fixtures', 'imports');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const CSV = { 'content-type': 'text/csv' };

/** Parses RFC 4180 CSV text (quoted fields with doubled quotes, CRLF rows). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

const records = (text: string) => {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
};

// 100 contracts of Cardiff council x 19 measures x 16 quarters = 30,400 outcomes
const BIG_CONTRACTS = 100;
const BIG_MEASURES = [
  'SVM-EMP-LOCAL-FTE', 'SVM-HIRE-LTU', 'SVM-HIRE-NEET', 'SVM-HIRE-CARE-LEAVER', 'SVM-HIRE-EX-OFFENDER', 'SVM-HIRE-VETERAN',
  'SVM-APPRENTICESHIP-WEEKS', 'SVM-TRAINING-WEEKS', 'SVM-EMPLOYABILITY-HOURS', 'SVM-SPEND-LOCAL', 'SVM-SPEND-SME',
  'SVM-SPEND-VCSE', 'SVM-CO2E-AVOIDED', 'SVM-WASTE-DIVERTED', 'SVM-HIRE-DISABLED', 'SVM-STAFF-FAIR-PAY', 'SVM-WELLBY',
  'SVM-VOLUNTEER-HOURS', 'SVM-DONATIONS-VCSE',
];
const UNITS: Record<string, string> = {
  'SVM-EMP-LOCAL-FTE': 'FTE-year', 'SVM-APPRENTICESHIP-WEEKS': 'week', 'SVM-TRAINING-WEEKS': 'week', 'SVM-EMPLOYABILITY-HOURS': 'hour',
  'SVM-SPEND-LOCAL': 'GBP', 'SVM-SPEND-SME': 'GBP', 'SVM-SPEND-VCSE': 'GBP', 'SVM-CO2E-AVOIDED': 'tCO2e', 'SVM-WASTE-DIVERTED': 'tonne',
  'SVM-WELLBY': 'WELLBY', 'SVM-VOLUNTEER-HOURS': 'hour', 'SVM-DONATIONS-VCSE': 'GBP',
};
const BIG_QUARTERS = ['2021', '2022', '2023', '2024'].flatMap((y) => [1, 2, 3, 4].map((q) => `${y}-Q${q}`));
const BIG_TOTAL = BIG_CONTRACTS * BIG_MEASURES.length * BIG_QUARTERS.length;

describe('open data exports', () => {
  let t: TestApp;
  let admin: string;
  let analyst: string;
  let submitter: string;

  const post = async (kind: string, body: string | Buffer, query = '') => {
    const r = await fetch(`${t.url}/api/v1/imports/${kind}${query}`, { method: 'POST', headers: { ...CSV, authorization: `Bearer ${admin}` }, body });
    const json = (await r.json()) as any;
    expect(json.batch?.status).toBe('committed');
    return json;
  };
  const get = (path: string, key?: string) => fetch(`${t.url}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const csvOf = async (path: string, key = analyst) => {
    const r = await get(path, key);
    expect(r.status).toBe(200);
    return records(await r.text());
  };

  beforeAll(async () => {
    t = await startTestApp();
    admin = await createKey(t.database.db, 'admin');
    analyst = await createKey(t.database.db, 'analyst');
    submitter = await createKey(t.database.db, 'submitter', ['E08000009']);
    await post('contracts', fixture('contracts.csv'));
    await post('commitments', fixture('commitments.csv'));
    await post('outcomes', fixture('outcomes.csv'));
    // a contract and a return whose text would run as spreadsheet formulas
    await post(
      'contracts',
      'reference,authority,title,supplier_name,supplier_scale,cpv,value_gbp,start_date,end_date\r\n' +
        'EVIL-0001,E09000033,"=HYPERLINK(""http://evil.example"",""click"")","@Evil, ""Ltd""",sme,85312000,1000,2024-01-01,2024-12-31\r\n',
    );
    await post('outcomes', 'contract,measure,period,quantity,unit,evidence_ref\r\nEVIL-0001,SVM-HIRE-LTU,2024-Q1,2,person,-2+3\r\n');

    const contracts = ['reference,authority,title,supplier_name,cpv,value_gbp,start_date,end_date'];
    for (let i = 0; i < BIG_CONTRACTS; i++) contracts.push(`BIG-${i},W06000015,Contract ${i},Supplier ${i % 7},${i % 2 ? '45233141' : '85312000'},${100000 + i},2021-01-01,2024-12-31`);
    await post('contracts', contracts.join('\n') + '\n');
    const outcomes = ['contract,measure,period,quantity,unit,evidence_ref'];
    for (let i = 0; i < BIG_CONTRACTS; i++)
      for (const m of BIG_MEASURES) for (const q of BIG_QUARTERS) outcomes.push(`BIG-${i},${m},${q},${(i % 9) + 0.25},${UNITS[m] ?? 'person'},B${i}/${q}`);
    const big = await post('outcomes', outcomes.join('\n') + '\n');
    expect(big.batch.rows_inserted).toBe(BIG_TOTAL);
  }, 300_000);
  afterAll(() => t.close());

  it('serves supplier-level rows to analyst, admin and submitter-for-the-authority keys; contracts and aggregates are public', async () => {
    for (const dataset of ['outcomes', 'commitments']) {
      const anonymous = await http(`${t.url}/api/v1/exports/${dataset}.csv`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error.code).toBe('missing_api_key');
      expect((await get(`/api/v1/exports/${dataset}.csv?authority=E08000009`, analyst)).status).toBe(200);
      expect((await get(`/api/v1/exports/${dataset}.csv?authority=E08000009`, admin)).status).toBe(200);
      // a submitter reads the authorities it writes for: asked for, or by default; another one is a 403 naming it
      const own = await get(`/api/v1/exports/${dataset}.json?authority=E08000009`, submitter);
      expect(own.status).toBe(200);
      const scoped = await get(`/api/v1/exports/${dataset}.json`, submitter);
      expect(await scoped.json()).toEqual(await own.json());
      const other = await http(`${t.url}/api/v1/exports/${dataset}.csv?authority=E08000009,W06000015`, { key: submitter });
      expect(other.status).toBe(403);
      expect(other.body.error).toMatchObject({ code: 'authority_not_allowed', details: { not_allowed: ['W06000015'] } });
    }
    const rows = (await (await get('/api/v1/exports/outcomes.json', submitter)).json()) as Array<{ authority_code: string }>;
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.authority_code))).toEqual(new Set(['E08000009']));
    // contracts as their notices publish them: no key needed
    expect((await get('/api/v1/exports/contracts.csv?authority=E08000009')).status).toBe(200);
    const summary = await get('/api/v1/exports/summary.csv?group_by=measure&authority=E08000009');
    expect(summary.status).toBe(200);
    expect(summary.headers.get('content-disposition')).toMatch(/^attachment; filename="svm-summary-\d{8}\.csv"$/);
  });

  it('refuses a list of separators only rather than exporting the whole table', async () => {
    const r = await http(`${t.url}/api/v1/exports/outcomes.csv?authority=,,,`, { key: analyst });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'invalid_parameter', details: [{ field: 'authority' }] });
  });

  it('exports the summary and the indicators with the rows of their endpoints', async () => {
    const summaryQuery = 'group_by=measure,authority&authority=E08000009,W06000015&basis=nominal';
    const summary = await http(`${t.url}/api/v1/measures/summary?${summaryQuery}`);
    expect(summary.status).toBe(200);
    expect(summary.body.rows.length).toBeGreaterThan(5);
    const json = await http(`${t.url}/api/v1/exports/summary.json?${summaryQuery}`);
    expect(json.body).toEqual(summary.body.rows);
    const csv = records(await (await get(`/api/v1/exports/summary.csv?${summaryQuery}`)).text());
    expect(csv).toHaveLength(summary.body.rows.length);
    const arrow = tableFromIPC(new Uint8Array(await (await get(`/api/v1/exports/summary.arrow?${summaryQuery}`)).arrayBuffer()));
    expect(arrow.numRows).toBe(summary.body.rows.length);
    expect(arrow.schema.fields.find((f) => f.name === 'measure')!.type.typeId).toBe(Type.Dictionary);
    expect(String(arrow.schema.fields.find((f) => f.name === 'returns')!.type)).toBe('Float64');

    const indicatorsQuery = 'group_by=authority&authority=E08000009,W06000015';
    const indicators = await http(`${t.url}/api/v1/indicators/implementation?${indicatorsQuery}`);
    expect(indicators.status).toBe(200);
    const ijson = await http(`${t.url}/api/v1/exports/indicators.json?${indicatorsQuery}`);
    expect(ijson.body).toEqual(indicators.body.rows);
    const icsv = await get(`/api/v1/exports/indicators.csv?${indicatorsQuery}`);
    expect(icsv.headers.get('content-disposition')).toMatch(/filename="svm-indicators-\d{8}\.csv"/);
    expect(records(await icsv.text()).map((r) => r.authority).sort()).toEqual(['E08000009', 'W06000015']);
    expect((await http(`${t.url}/api/v1/exports/summary.csv?group_by=nothing`)).status).toBe(400);
    expect((await http(`${t.url}/api/v1/exports/indicators.csv?group_by=nothing`)).status).toBe(400);
  });

  it('exports outcomes as CSV: the latest revisions with authority, measure, framework, sector, unit and flags', async () => {
    const r = await get('/api/v1/exports/outcomes.csv?authority=E08000009', analyst);
    expect(r.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="svm-outcomes-\d{8}\.csv"$/);
    const rows = records(await r.text());
    expect(rows).toHaveLength(5);
    const spend = rows.find((o) => o.measure_code === 'SVM-SPEND-LOCAL')!;
    expect(spend).toMatchObject({
      contract_reference: 'EXAMPLE-TRF-0002',
      authority_code: 'E08000009',
      authority_name: expect.stringMatching(/Trafford/),
      authority_kind: 'local_authority',
      region: 'North West',
      nation: 'England',
      sector: '45',
      framework_code: 'svm-open',
      framework_version: '2026.1',
      theme_code: 'T2',
      category: 'local_economic',
      period_start: '2024-04-01',
      period_end: '2024-06-30',
      quantity: '85.5',
      unit: 'GBP thousand',
      quantity_canonical: '85500',
      canonical_unit: 'GBP',
      evidence_ref: 'TRF-0002/2024Q2/ledger',
      revision: '1',
      is_demo: 'false',
      // £85,500 of local spend on a £4.8m contract (0.0178 per £) among Cardiff's contracts at 0.25-8.25 per ~£100,000
      quality_flags: 'outlier',
    });
    expect(rows.find((o) => o.measure_code === 'SVM-HIRE-LTU')!.quality_flags).toBe('');
    expect(Number(spend.batch_id)).toBeGreaterThan(0);
  });

  it('guards text cells against formula injection and keeps numbers as numbers', async () => {
    const text = await (await get('/api/v1/exports/contracts.csv?authority=E09000033', analyst)).text();
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    const [row] = records(text);
    expect(row.title).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(row.supplier_name).toBe(`'@Evil, "Ltd"`);
    expect(row.value_gbp).toBe('1000');
    const [outcome] = await csvOf('/api/v1/exports/outcomes.csv?authority=E09000033');
    expect(outcome.evidence_ref).toBe("'-2+3");
    expect(outcome.quantity).toBe('2');
  });

  it('filters by authority (repeated), kind, region, nation, sector, measure, theme, framework and period', async () => {
    const count = async (query: string, dataset = 'outcomes') => (await csvOf(`/api/v1/exports/${dataset}.csv?${query}`)).length;
    expect(await count('authority=E08000009&authority=E09000033')).toBe(6);
    expect(await count('authority=E08000009,E09000033')).toBe(6);
    expect(await count('region=north%20west')).toBe(5);
    expect(await count('nation=England&kind=local_authority')).toBe(6);
    expect(await count('authority=E08000009&sector=45')).toBe(2);
    expect(await count('authority=E08000009&measure=SVM-HIRE-LTU')).toBe(1);
    expect(await count('authority=E08000009&theme=T3')).toBe(1);
    expect(await count('authority=E08000009&framework=svm-open@2026.1')).toBe(5);
    expect(await count('authority=E08000009&from=2024-Q3')).toBe(1);
    expect(await count('authority=E08000009&to=2024-Q2')).toBe(4);
    expect(await count('authority=E08000009&from=FY2024-25&to=2024')).toBe(5);
    expect(await count('authority=W06000015&from=2024&to=2024')).toBe(BIG_CONTRACTS * BIG_MEASURES.length * 4);
    // commitments and contracts take the same filters (contracts: by award date; measures through their lines)
    expect(await count('authority=E08000009&measure=SVM-CO2E-AVOIDED', 'commitments')).toBe(1);
    expect(await count('authority=E08000009&measure=SVM-CO2E-AVOIDED', 'contracts')).toBe(1);
    expect(await count('authority=E08000009&from=2024-02&to=2024-02', 'contracts')).toBe(1);
    expect(await count('nation=Wales', 'contracts')).toBe(BIG_CONTRACTS);

    const contracts = await csvOf('/api/v1/exports/contracts.csv?authority=E08000009');
    expect(contracts.find((c) => c.reference === 'EXAMPLE-TRF-0003')).toMatchObject({
      supplier_name: 'Trafford Community Transport CIC',
      supplier_scale: 'sme',
      supplier_vcse: 'true',
      in_scope: 'false',
      sv_evaluated: 'true',
      sv_weighting_pct: '20',
      value_gbp: '180000',
      stage: 'awarded',
    });
  });

  it('refuses bad parameters (400) and unknown codes (404) before streaming', async () => {
    const cases: Array<[string, number, string]> = [
      ['outcomes.csv?authority=E99999999', 404, 'not_found'],
      ['outcomes.csv?measure=NOPE', 404, 'not_found'],
      ['outcomes.csv?framework=nope', 404, 'not_found'],
      ['outcomes.csv?theme=T99', 404, 'not_found'],
      ['outcomes.csv?sector=99', 404, 'not_found'],
      ['outcomes.csv?sector=x', 400, 'invalid_parameter'],
      ['outcomes.csv?kind=castle', 400, 'invalid_parameter'],
      ['outcomes.csv?from=2025-Q5', 400, 'invalid_parameter'],
      ['outcomes.csv?from=2025&to=2024', 400, 'invalid_parameter'],
      ['outcomes.csv?colour=red', 400, 'invalid_parameter'],
      ['outcomes.xlsx', 404, 'not_found'],
      ['nothing.csv', 404, 'route_not_found'],
    ];
    for (const [path, status, code] of cases) {
      const r = await http(`${t.url}/api/v1/exports/${path}`, { key: analyst });
      expect([path, r.status, r.body?.error?.code]).toEqual([path, status, code]);
    }
  });

  it('streams a large export intact in every format', async () => {
    const query = '/api/v1/exports/outcomes.{f}?authority=W06000015';
    const csv = await (await get(query.replace('{f}', 'csv'), analyst)).text();
    const lines = csv.split('\r\n');
    expect(lines).toHaveLength(BIG_TOTAL + 2); // header, rows, and the empty string after the last CRLF
    const ids = lines.slice(1, -1).map((l) => Number(l.split(',')[0]));
    expect(new Set(ids).size).toBe(BIG_TOTAL);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1])).toBe(true);

    const json = (await (await get(query.replace('{f}', 'json'), analyst)).json()) as any[];
    expect(json).toHaveLength(BIG_TOTAL);
    expect(json[0]).toMatchObject({ outcome_id: ids[0], authority_code: 'W06000015', nation: 'Wales', revision: 1, is_demo: false });
    const firstCsv = records(lines.slice(0, 2).join('\r\n') + '\r\n')[0];
    expect(json[0].quantity).toBe(firstCsv.quantity);
    expect(json[0].period_end).toBe(firstCsv.period_end);

    const ndjson = (await (await get(query.replace('{f}', 'ndjson'), analyst)).text()).trimEnd().split('\n');
    expect(ndjson).toHaveLength(BIG_TOTAL);
    expect(JSON.parse(ndjson[ndjson.length - 1]).outcome_id).toBe(ids[ids.length - 1]);

    const arrow = await get(query.replace('{f}', 'arrow'), analyst);
    expect(arrow.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    expect(arrow.headers.get('content-disposition')).toMatch(/filename="svm-outcomes-\d{8}\.arrows"/);
    const table = tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.numRows).toBe(BIG_TOTAL);
    expect(table.batches.length).toBe(Math.ceil(BIG_TOTAL / 10_000));
    const type = (name: string) => table.schema.fields.find((f) => f.name === name)!.type;
    expect(String(type('outcome_id'))).toBe('Int64');
    expect(type('authority_code').typeId).toBe(Type.Dictionary);
    expect(type('measure_code').typeId).toBe(Type.Dictionary);
    expect(String(type('quantity_canonical'))).toBe('Float64');
    expect(type('period_end').typeId).toBe(Type.Date);
    expect(type('is_demo').typeId).toBe(Type.Bool);
    expect(String(type('revision'))).toBe('Int32');
    const first = table.get(0)!.toJSON();
    expect(first).toMatchObject({ outcome_id: BigInt(ids[0]), authority_code: 'W06000015', is_demo: false });
    expect(first.quantity).toBe(Number(firstCsv.quantity));
    expect(first.period_end).toBe(Date.parse(`${firstCsv.period_end}T00:00:00Z`));
    expect(new Set([...table.getChild('measure_code')!]).size).toBe(BIG_MEASURES.length);
    expect([...table.getChild('outcome_id')!].map(Number)).toEqual(ids);
  }, 120_000);

  it('exports contracts and commitments as Arrow with their types', async () => {
    const table = tableFromIPC(new Uint8Array(await (await get('/api/v1/exports/contracts.arrow?authority=E08000009', analyst)).arrayBuffer()));
    expect(table.numRows).toBe(3);
    const row = table.toArray().map((r) => r.toJSON()).find((r) => r.reference === 'EXAMPLE-TRF-0001')!;
    expect(row).toMatchObject({ value_gbp: 1250000, award_date: Date.UTC(2024, 1, 15), in_scope: true, supplier_scale: 'sme', sector: '85' });
    const commitments = tableFromIPC(new Uint8Array(await (await get('/api/v1/exports/commitments.arrow?authority=E08000009', analyst)).arrayBuffer()));
    expect(commitments.numRows).toBe(4);
    expect([...commitments.getChild('target_canonical')!].sort((a, b) => a - b)).toEqual([30, 120, 600, 1200000]);
  });

  it('stops reading when the client goes away, and cuts the transfer when the database fails mid-stream', async () => {
    const repo = t.app.get(ExportsRepository);
    const service = t.app.get(ExportsService);
    const chunk = jest.spyOn(repo, 'chunk');
    service.chunkRows = 100; // small chunks: the client can leave while most are still unread
    try {
      const controller = new AbortController();
      const r = await fetch(`${t.url}/api/v1/exports/outcomes.csv?authority=W06000015`, { headers: { authorization: `Bearer ${analyst}` }, signal: controller.signal });
      const reader = r.body!.getReader();
      await reader.read();
      controller.abort();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const calls = chunk.mock.calls.length;
      expect(calls).toBeGreaterThan(1);
      expect(calls).toBeLessThan(BIG_TOTAL / 100 / 2);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(chunk.mock.calls.length).toBe(calls); // nothing more is read

      // a failure after the first chunks: the body ends in an error, not in a complete-looking file
      let n = 0;
      chunk.mockImplementation(function (this: ExportsRepository, ...args) {
        if (++n === 3) return Promise.reject(new Error('connection lost'));
        return ExportsRepository.prototype.chunk.apply(this, args);
      });
      const failing = await fetch(`${t.url}/api/v1/exports/outcomes.json?authority=W06000015`, { headers: { authorization: `Bearer ${analyst}` } });
      expect(failing.status).toBe(200);
      await expect(failing.text()).rejects.toThrow();
      expect(n).toBe(3);
    } finally {
      chunk.mockRestore();
      service.chunkRows = EXPORT_CHUNK_ROWS;
    }
    // and the service goes on answering
    expect((await get('/api/v1/exports/outcomes.csv?authority=E08000009', analyst)).status).toBe(200);
  });
});
