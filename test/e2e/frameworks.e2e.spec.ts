import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { frameworkFromJson } from '../../metrics/reference/catalogue/framework-definition';
import { projectRoot } from '../../metrics/platform/project-root';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'frameworks', name), 'utf8');
const CSV_QUERY = new URLSearchParams({
  code: 'example-licensed',
  version: '2025-csv',
  name: 'Example Borough Council social value measures (FICTIONAL)',
  licence: 'Fictional',
  source: 'Invented for tests',
  base_price_year: '2025',
}).toString();

describe('the measures catalogue over HTTP', () => {
  let t: TestApp;
  let admin: string;
  let submitter: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await createKey(t.database.db, 'admin');
    submitter = await createKey(t.database.db, 'submitter', ['E08000009']);
  });
  afterAll(() => t.close());

  it('ships the open default framework, and gives it back exactly as its file defines it', async () => {
    const list = await http(`${t.url}/api/v1/frameworks`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([
      expect.objectContaining({ code: 'svm-2020', is_default: false, measure_count: 0 }),
      expect.objectContaining({ code: 'svm-2025', is_default: false, measure_count: 0 }),
      expect.objectContaining({ code: 'svm-open', version: '2026.1', is_default: true, measure_count: 20, base_price_year: 2024, document: null, applies_to: null }),
    ]);
    const file = JSON.parse(readFileSync(join(projectRoot(), 'metrics/reference/catalogue/data/svm-open-framework.json'), 'utf8'));
    const got = await http(`${t.url}/api/v1/frameworks/svm-open`);
    const { is_default, content_sha256, ...definition } = got.body;
    expect(is_default).toBe(true);
    expect(content_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(definition).toEqual(frameworkFromJson(file));
  });

  it("ships the government's two Social Value Models beside it, saying which contracts each applies to", async () => {
    const list = (await http(`${t.url}/api/v1/frameworks`)).body;
    expect(list.find((f: any) => f.code === 'svm-2020')).toMatchObject({
      document: { title: 'The Social Value Model', version: 'Edition 1.1', date: '2020-12-03' },
      applies_to: { awarded_from: null, awarded_before: '2025-10-01' },
      licence: 'OGL-UK-3.0',
    });
    expect(list.find((f: any) => f.code === 'svm-2025')).toMatchObject({
      document: { title: 'Procurement Policy Note 002: The Social Value Model', date: '2025-02-13' },
      applies_to: { awarded_from: '2025-10-01', awarded_before: null },
      licence: 'OGL-UK-3.0',
    });
    for (const [code, file] of [['svm-2020', 'svm-2020-model.json'], ['svm-2025', 'svm-2025-model.json']]) {
      const got = (await http(`${t.url}/api/v1/frameworks/${code}`)).body;
      const { is_default, content_sha256: _sha, ...definition } = got;
      expect(is_default).toBe(false);
      const path = join(projectRoot(), 'metrics/reference/catalogue/data', file);
      expect(definition).toEqual(frameworkFromJson(JSON.parse(readFileSync(path, 'utf8'))));
    }
  });

  it('values with open sources only, each citing its source, and never TOMs or HACT', async () => {
    const fw = (await http(`${t.url}/api/v1/frameworks/svm-open`)).body;
    const measures = fw.themes.flatMap((th: any) => th.outcomes.flatMap((o: any) => o.measures));
    const valued = measures.filter((m: any) => m.valuation !== 'record_only');
    expect(valued.length).toBeGreaterThan(5);
    for (const m of valued) {
      for (const p of m.proxies) {
        expect(p.source.length).toBeGreaterThan(10);
        expect(p.licence).toMatch(/OGL|n\/a/);
        expect(p.source).not.toMatch(/TOMs|Social Value Portal|HACT|Social Value Bank/i);
      }
    }
    const carbon = measures.find((m: any) => m.code === 'SVM-CO2E-AVOIDED');
    expect(carbon.proxies.every((p: any) => p.price_base_year === 2022)).toBe(true);
    const wellby = measures.find((m: any) => m.code === 'SVM-WELLBY');
    expect(wellby).toMatchObject({ valuation: 'wellbeing', proxies: [expect.objectContaining({ price_year: 2019, value_gbp: '13000' })] });
    const hires = measures.filter((m: any) => m.code.startsWith('SVM-HIRE-'));
    expect(hires.map((m: any) => m.valuation)).toEqual(hires.map(() => 'record_only'));
  });

  it('has the GDP deflator series', async () => {
    const rows = await t.database.db.knex('deflators').orderBy('year').select('series', 'year', 'index_value');
    expect(rows).toHaveLength(15);
    expect(rows.at(-1)).toEqual({ series: 'hmt-gdp-deflator-cy', year: 2024, index_value: '100.00000000' });
  });

  it('loads a licensed framework from JSON for an admin, with its crosswalk, and again changes nothing', async () => {
    const body = JSON.parse(fixture('fictional-licensed-framework.json'));
    const created = await http(`${t.url}/api/v1/frameworks`, { key: admin, json: body });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'created', framework: { code: 'example-licensed', version: '2025', measure_count: 3, is_default: false } });
    const again = await http(`${t.url}/api/v1/frameworks`, { key: admin, json: body });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('unchanged');
    const back = await http(`${t.url}/api/v1/frameworks/example-licensed?version=2025`);
    expect(back.body.crosswalk).toEqual([
      { measure: 'EX1', to_framework: 'svm-open', to_version: '2026.1', to_measure: 'SVM-EMP-LOCAL-FTE', factor: '1' },
      { measure: 'EX3', to_framework: 'svm-open', to_version: '2026.1', to_measure: 'SVM-CO2E-AVOIDED', factor: '0.001' },
    ]);
    const changed = { ...body, name: 'Changed' };
    const conflict = await http(`${t.url}/api/v1/frameworks`, { key: admin, json: changed });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.message).toMatch(/load it as a new version/);
  });

  it('loads the CSV form with the framework fields as query parameters', async () => {
    const res = await http(`${t.url}/api/v1/frameworks?${CSV_QUERY}`, {
      key: admin,
      body: fixture('fictional-licensed-framework.csv'),
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(201);
    expect(res.body.framework).toMatchObject({ code: 'example-licensed', version: '2025-csv', measure_count: 3 });
    const list = await http(`${t.url}/api/v1/frameworks`);
    expect(list.body.map((f: any) => `${f.code}@${f.version}`).sort()).toEqual([
      'example-licensed@2025',
      'example-licensed@2025-csv',
      'svm-2020@2020.1',
      'svm-2025@2025.1',
      'svm-open@2026.1',
    ]);
    expect((await http(`${t.url}/api/v1/frameworks/example-licensed`)).body.version).toBe('2025-csv'); // the latest
  });

  it('refuses bad frameworks with every problem named, and writes nothing', async () => {
    const bad = JSON.parse(fixture('fictional-licensed-framework.json'));
    bad.version = 'bad';
    bad.themes[0].outcomes[0].measures[0].unit = '';
    bad.crosswalk = [{ measure: 'EX1', to_framework: 'svm-open', to_measure: 'NO-SUCH' }];
    const res = await http(`${t.url}/api/v1/frameworks`, { key: admin, json: bad });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toContainEqual({ path: 'themes[0].outcomes[0].measures[0].unit', message: 'is required' });
    bad.themes[0].outcomes[0].measures[0].unit = 'FTE-year';
    const crosswalk = await http(`${t.url}/api/v1/frameworks`, { key: admin, json: bad });
    expect(crosswalk.status).toBe(400);
    expect(crosswalk.body.error.details).toEqual([{ path: 'crosswalk[0].to_measure', message: 'NO-SUCH is not a measure of svm-open' }]);
    expect((await http(`${t.url}/api/v1/frameworks/example-licensed?version=bad`)).status).toBe(404);
    const badCsv = await http(`${t.url}/api/v1/frameworks?${CSV_QUERY}`, {
      key: admin,
      body: 'theme_code,"unclosed\n1,2',
      headers: { 'content-type': 'text/csv' },
    });
    expect(badCsv.status).toBe(400);
    expect(badCsv.body.error.message).toMatch(/CSV cannot be read/);
    const xml = await http(`${t.url}/api/v1/frameworks`, { key: admin, body: '<x/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.status).toBe(415);
    expect(xml.body.error.code).toBe('unsupported_media_type');
  });

  it('lets only admins load frameworks', async () => {
    const body = JSON.parse(fixture('fictional-licensed-framework.json'));
    expect((await http(`${t.url}/api/v1/frameworks`, { json: body })).status).toBe(401);
    const res = await http(`${t.url}/api/v1/frameworks`, { key: submitter, json: body });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('role_not_allowed');
  });
});
