import { http } from '../support/http';
import { startTestApp, type TestApp } from '../support/test-app';

describe('authorities and sectors over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('reports health: database reachable, migrations current', async () => {
    const res = await http(`${t.url}/health`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', database: { reachable: true }, migrations: { current: true } });
    expect(res.body.migrations.applied).toBeGreaterThanOrEqual(5);
  });

  it('lists the current English councils, with Trafford in the North West', async () => {
    const res = await http(`${t.url}/api/v1/authorities?nation=England&kind=local_authority&limit=500`);
    expect(res.status).toBe(200);
    // mySociety's 2025-07 list: 317 councils (E06-E10) + 14 combined authorities + the Greater London Authority
    expect(res.body.page.total).toBe(332);
    expect(res.body.data).toHaveLength(332);
    const byCode = new Map(res.body.data.map((a: any) => [a.code, a]));
    expect(byCode.get('E08000009')).toMatchObject({
      name: 'Trafford Metropolitan Borough Council',
      short_name: 'Trafford',
      subtype: 'Metropolitan district',
      nation: 'England',
      region: 'North West',
      combined_authority: { code: 'E47000001', name: 'Greater Manchester Combined Authority' },
    });
    expect(byCode.get('E09000033')).toMatchObject({ short_name: 'Westminster', region: 'London' });
    expect(byCode.get('E07000223')).toMatchObject({ parent: { code: 'E10000032' } }); // Adur, in West Sussex
    expect(res.body.data.every((a: any) => a.nation === 'England')).toBe(true);
  });

  it('counts the other nations', async () => {
    const count = async (nation: string) =>
      (await http(`${t.url}/api/v1/authorities?nation=${encodeURIComponent(nation)}`)).body.page.total;
    expect(await count('Scotland')).toBe(32);
    expect(await count('Wales')).toBe(22);
    expect(await count('Northern Ireland')).toBe(11);
  });

  it('filters by subtype and region, and pages', async () => {
    const london = await http(`${t.url}/api/v1/authorities?subtype=London%20borough&limit=10&offset=30`);
    expect(london.body.page).toEqual({ limit: 10, offset: 30, total: 32 });
    expect(london.body.data).toHaveLength(2);
    const nw = await http(`${t.url}/api/v1/authorities?region=north%20west&subtype=Metropolitan%20district&limit=100`);
    expect(nw.body.page.total).toBe(15); // Greater Manchester's ten and Merseyside's five
    const merseyside = await http(`${t.url}/api/v1/authorities?region=North%20West&q=wirral`);
    expect(merseyside.body.data.map((a: any) => a.code)).toEqual(['E08000015']);
  });

  it('finds authorities by alternative and predecessor names', async () => {
    const aylesbury = await http(`${t.url}/api/v1/authorities?q=Aylesbury%20Vale`);
    expect(aylesbury.body.data.map((a: any) => a.code)).toEqual(['E06000060']); // merged into Buckinghamshire
    const dept = await http(`${t.url}/api/v1/authorities?q=DWP`);
    expect(dept.body.data[0]).toMatchObject({ code: 'GB-GOR-D10', kind: 'central_department' });
  });

  it('lists the current central government departments', async () => {
    const res = await http(`${t.url}/api/v1/authorities?kind=central_department&limit=100`);
    expect(res.body.page.total).toBe(44);
    const ministerial = res.body.data.filter((a: any) => a.subtype === 'Ministerial department');
    expect(ministerial).toHaveLength(24);
    const names = res.body.data.map((a: any) => a.name);
    expect(names).toEqual(expect.arrayContaining(['Department for Business and Trade', 'HM Treasury', 'Ofsted']));
    expect(names).not.toContain('Department for Business, Innovation & Skills');
  });

  it('returns one authority with names and identifiers, and 404s an unknown code', async () => {
    const res = await http(`${t.url}/api/v1/authorities/e08000009`);
    expect(res.status).toBe(200);
    expect(res.body.code).toBe('E08000009');
    expect(res.body.identifiers).toEqual(
      expect.arrayContaining([
        { scheme: 'GB-GSS', identifier: 'E08000009', is_current: true },
        { scheme: 'GB-LAE', identifier: 'TRF', is_current: true },
      ]),
    );
    expect(res.body.alternative_names.map((n: any) => n.name)).toContain('trafford district');
    const mhclg = await http(`${t.url}/api/v1/authorities/GB-GOR-D1419`);
    expect(mhclg.body.identifiers).toEqual(
      expect.arrayContaining([{ scheme: 'GB-GOR', identifier: 'D4', is_current: false }]),
    );
    const missing = await http(`${t.url}/api/v1/authorities/E99999999`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: { code: 'not_found', message: 'No authority with code E99999999', details: { code: 'E99999999' } },
    });
  });

  it('rejects bad query parameters with a 400 naming the field', async () => {
    const res = await http(`${t.url}/api/v1/authorities?limit=0&kind=castle&colour=red`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_parameter');
    const fields = res.body.error.details.map((d: any) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['limit', 'kind', 'colour']));
  });

  it('lists the 45 CPV divisions as sectors and looks up CPV codes', async () => {
    const sectors = await http(`${t.url}/api/v1/sectors`);
    expect(sectors.body.data).toHaveLength(45);
    expect(sectors.body.data).toContainEqual({ code: '85', cpv_code: '85000000-9', label: 'Health and social work services' });
    const cpv = await http(`${t.url}/api/v1/cpv/85311000-2`);
    expect(cpv.body).toMatchObject({ code: '85311000-2', division: '85', level: 'category' });
    expect(cpv.body.ancestors.map((a: any) => a.code)).toEqual(['85310000-5', '85300000-2', '85000000-9']);
    const search = await http(`${t.url}/api/v1/cpv?q=social%20work&division=85&limit=5`);
    expect(search.body.page.total).toBeGreaterThan(3);
    expect((await http(`${t.url}/api/v1/cpv/123`)).status).toBe(400);
    expect((await http(`${t.url}/api/v1/cpv/99999999`)).status).toBe(404);
  });

  it('publishes an OpenAPI description and its UI', async () => {
    const doc = await http(`${t.url}/docs-json`);
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/health',
        '/api/v1/authorities',
        '/api/v1/authorities/{code}',
        '/api/v1/sectors',
        '/api/v1/frameworks',
        '/api/v1/imports/{kind}',
        '/api/v1/imports/{id}/rejections',
        '/api/v1/contracts/{id}',
        '/api/v1/imports/ocds',
        '/api/v1/ocds/metric-mappings',
        '/api/v1/ocds/harvest-sources/{name}/run',
      ]),
    );
    expect(Object.keys(doc.body.paths['/api/v1/imports/ocds'].post.requestBody.content)).toEqual(['application/json']);
    const upload = doc.body.paths['/api/v1/imports/{kind}'].post;
    expect(Object.keys(upload.requestBody.content)).toEqual(['text/csv', 'application/json', 'application/vnd.apache.arrow.stream']);
    expect(upload.description).toContain('`quantity` (required)');
    expect(doc.body.components.schemas.BatchDto.properties.rows_rejected).toBeDefined();
    expect(doc.body.components.schemas.ErrorResponseDto).toBeDefined();
    const ui = await fetch(`${t.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
  });
});
