import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS } from '../../dashboards/catalogue';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';
import { vegaLiteErrors } from '../support/vega-schema';
import { compileWarnings } from '../../dashboards/render/svg';

/**
 * The dashboards over HTTP, on a small dataset imported through the API: the list, every chart in its three forms
 * (spec, SVG, CSV) agreeing with each other, errors that name what is wrong, pages and their headers (CSP, caching),
 * and signing in: a session cookie that names a key without holding it, honoured on reads only.
 */
const FIXTURES = join(__dirname, '..', 'fixtures', 'imports');

describe('dashboards over HTTP', () => {
  let t: TestApp;
  let admin: string;
  let analyst: string;
  let other: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await createKey(t.database.db, 'admin');
    analyst = await createKey(t.database.db, 'analyst');
    other = await createKey(t.database.db, 'submitter', ['W06000015']);
    for (const kind of ['contracts', 'commitments', 'outcomes']) {
      const r = await http(`${t.url}/api/v1/imports/${kind}`, { key: admin, headers: { 'content-type': 'text/csv' }, body: readFileSync(join(FIXTURES, `${kind}.csv`), 'utf8') });
      expect(r.status).toBe(201);
    }
  }, 120_000);

  afterAll(() => t?.close());

  const subjectQuery = (name: string) => (name === 'authority' ? '?authority=E08000009' : name === 'contract' ? '?contract=EXAMPLE-TRF-0001' : '');

  it('lists the dashboards and their charts with who may read each', async () => {
    const r = await http(`${t.url}/api/v1/dashboards`);
    expect(r.status).toBe(200);
    expect(r.body.data.map((d: { name: string }) => d.name)).toEqual(['national', 'authority', 'sectors', 'quality', 'exchange', 'contract']);
    for (const d of r.body.data) for (const c of d.charts) expect(['public', 'supplier-data']).toContain(c.access);
  });

  it('serves every chart as a valid Vega-Lite spec, an SVG and a CSV of the same rows', async () => {
    for (const d of DASHBOARDS) {
      for (const c of d.charts) {
        const base = `${t.url}/api/v1/dashboards/${d.name}/charts/${c.name}`;
        const q = subjectQuery(d.name);
        const spec = await http(`${base}.vl.json${q}`, { key: analyst });
        expect([d.name, c.name, spec.status]).toEqual([d.name, c.name, 200]);
        expect([c.name, vegaLiteErrors(spec.body)]).toEqual([c.name, []]);
        expect([c.name, await compileWarnings(spec.body)]).toEqual([c.name, []]);
        expect(spec.body.data.url).toBeUndefined();
        expect(typeof spec.body.description).toBe('string');
        const svg = await http(`${base}.svg${q}`, { key: analyst });
        expect(svg.status).toBe(200);
        expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
        expect(svg.body).toMatch(/^<svg/);
        const csv = await http(`${base}.csv${q}`, { key: analyst });
        expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
        const lines = (csv.body as string).trimEnd().split('\r\n');
        const columns = spec.body.usermeta.columns as { title: string }[];
        expect(lines[0].split(',').length).toBeGreaterThanOrEqual(columns.length);
        const rows = spec.body.data.values.filter((v: Record<string, unknown>) => v.message === undefined);
        expect([c.name, lines.length - 1]).toEqual([c.name, rows.length]);
      }
    }
  }, 180_000);

  it('says what is wrong: an unknown dashboard, chart, file or filter value', async () => {
    expect((await http(`${t.url}/api/v1/dashboards/nowhere/charts/x.vl.json`)).body.error).toMatchObject({ code: 'not_found', message: 'No dashboard nowhere' });
    expect((await http(`${t.url}/api/v1/dashboards/national/charts/none.svg`)).body.error).toMatchObject({ code: 'not_found', message: 'No chart none on the national dashboard' });
    expect((await http(`${t.url}/api/v1/dashboards/national/charts/ratings.png`)).body.error.code).toBe('not_found');
    const badKind = await http(`${t.url}/api/v1/dashboards/national/charts/ratings.vl.json?kind=castle`);
    expect(badKind.status).toBe(400);
    expect(JSON.stringify(badKind.body.error)).toContain('kind');
    const badBasis = await http(`${t.url}/api/v1/dashboards/national/charts/ratings.vl.json?basis=gross`);
    expect(badBasis.status).toBe(400);
    expect((await http(`${t.url}/api/v1/dashboards/national/charts/ratings.vl.json?colour=red`)).status).toBe(400);
    const noAuthority = await http(`${t.url}/api/v1/dashboards/authority/charts/themes.vl.json?authority=E99999999`);
    expect(noAuthority.status).toBe(404);
    expect((await http(`${t.url}/api/v1/dashboards/authority/charts/themes.vl.json`)).body.error).toMatchObject({ code: 'invalid_parameter' });
  });

  it('follows the access rule chart by chart, and narrows a submitter to its authorities', async () => {
    const chart = `${t.url}/api/v1/dashboards/contract/charts/commitments.vl.json?contract=EXAMPLE-TRF-0001`;
    expect((await http(chart)).status).toBe(401);
    expect((await http(chart, { key: analyst })).status).toBe(200);
    expect((await http(chart, { key: other })).body.error.code).toBe('authority_not_allowed');
    const pub = await http(`${t.url}/api/v1/dashboards/national/charts/ratings.vl.json`);
    expect(pub.status).toBe(200);
    expect(pub.headers.get('etag')).toBeTruthy();
    const again = await fetch(`${t.url}/api/v1/dashboards/national/charts/ratings.vl.json`, { headers: { 'if-none-match': pub.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('serves pages: HTML with a strict Content-Security-Policy, a 404 page for what does not exist, / sends to the dashboards', async () => {
    const index = await fetch(`${t.url}/`, { redirect: 'manual' });
    expect(index.status).toBe(302);
    expect(index.headers.get('location')).toBe('/dashboards');
    for (const path of ['/dashboards', '/dashboards/national', '/dashboards/sectors', '/dashboards/quality', '/dashboards/authority/E08000009', '/dashboards/contract/EXAMPLE-TRF-0001', '/dashboards/authority?q=traff']) {
      const r = await fetch(`${t.url}${path}`);
      expect([path, r.status]).toEqual([path, 200]);
      expect(r.headers.get('content-type')).toMatch(/^text\/html/);
      const csp = r.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-eval');
      const html = await r.text();
      expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/); // scripts only from files of the service
      expect(html).not.toMatch(/(src|href)="https?:/);
    }
    const missing = await fetch(`${t.url}/dashboards/authority/E99999999`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await missing.text()).toContain('Page not found');
    expect((await fetch(`${t.url}/dashboards/nowhere`)).status).toBe(404);
    const bad = await fetch(`${t.url}/dashboards/national?kind=castle`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('kind');
    const asset = await fetch(`${t.url}/assets/vega-interpreter.js`);
    expect(asset.status).toBe(200);
    expect(await asset.text()).toContain('vegaInterpreter');
  });

  it('signs a browser in with a key: an HTTP-only same-site cookie that names the key without holding it, for reads only', async () => {
    const signIn = await fetch(`${t.url}/dashboards/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key: analyst, next: '/dashboards/quality' }).toString(),
    });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get('location')).toBe('/dashboards/quality');
    const setCookie = signIn.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^svm_session=/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(analyst);
    expect(setCookie).not.toContain(analyst.slice(12));
    const cookie = setCookie.split(';')[0];
    const chart = `${t.url}/api/v1/dashboards/quality/charts/flags.vl.json`;
    expect((await fetch(chart, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(chart)).status).toBe(401);
    // a forged or altered cookie is no one
    expect((await fetch(chart, { headers: { cookie: cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) } })).status).toBe(401);
    expect((await (await fetch(`${t.url}/dashboards/session`, { headers: { cookie } })).json())).toMatchObject({ signed_in: true, role: 'analyst' });
    // never on a write: a cookie is sent by the browser on its own
    const write = await fetch(`${t.url}/api/v1/peer-groups/cookie-test`, { method: 'PUT', headers: { cookie, 'content-type': 'application/json' }, body: '{"members":[]}' });
    expect(write.status).toBe(401);
    // a wrong key: the form again, saying so
    const wrong = await fetch(`${t.url}/dashboards/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'key=svm_nonsense&next=https://evil.example' });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('That key is not valid');
    // next leaves the service: ignored
    const offsite = await fetch(`${t.url}/dashboards/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ key: analyst, next: '//evil.example/x' }).toString() });
    expect(offsite.headers.get('location')).toBe('/dashboards');
    // a revoked key's session ends
    const id = (await http(`${t.url}/api/v1/keys`, { key: admin })).body.find((k: { role: string }) => k.role === 'analyst').id;
    expect((await http(`${t.url}/api/v1/keys/${id}`, { method: 'DELETE', key: admin })).status).toBe(200);
    expect((await fetch(chart, { headers: { cookie } })).status).toBe(401);
  });
});
