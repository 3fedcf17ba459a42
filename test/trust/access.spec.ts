import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The one access rule, route by route: every route of the OpenAPI description, called by every kind of caller, gets
 * the status this table expects. A route the table does not name fails the test, so a new route (a dashboard, a
 * report, the exchange) must be placed in it, and so under the rule.
 *
 * Callers: no key; a submitter for another authority (W06000015); a submitter for this one (E08000009, whose
 * contracts the test loads); an analyst; an admin. Expected: 401 or 403 (refused by the rule), a status, or `in`
 * (let in: any answer but 401, 403 and 5xx; a write is sent an empty body, so that nothing is changed).
 */
const CALLERS = ['none', 'other', 'own', 'analyst', 'admin'] as const;
type Caller = (typeof CALLERS)[number];
type Expect = 401 | 403 | 'in' | number;
type Row = { [C in Caller]: Expect };

const PUBLIC: Row = { none: 'in', other: 'in', own: 'in', analyst: 'in', admin: 'in' };
/** Supplier-level data asked for one authority's rows: a submitter for another gets 403. */
const SUPPLIER: Row = { none: 401, other: 403, own: 'in', analyst: 'in', admin: 'in' };
const ANY_KEY: Row = { none: 401, other: 'in', own: 'in', analyst: 'in', admin: 'in' };
const WRITERS: Row = { none: 401, other: 'in', own: 'in', analyst: 403, admin: 'in' };
/** A public route asked for something that does not exist: 404 for everyone, never 401 or 403. */
const NOT_FOUND: Row = { none: 404, other: 404, own: 404, analyst: 404, admin: 404 };
const ADMIN: Row = { none: 401, other: 403, own: 403, analyst: 403, admin: 'in' };
const ADMIN_ANALYST: Row = { none: 401, other: 403, own: 403, analyst: 'in', admin: 'in' };
/** A report run nobody published, asked for by another key: the supplier-data rule, and a submitter sees its own runs only. */
const PRIVATE_RUN: Row = { none: 401, other: 404, own: 404, analyst: 'in', admin: 'in' };
/** The same with SUPPLIER_DATA=open: readable without a key; a submitter still sees its own runs only. */
const PRIVATE_RUN_OPEN: Row = { none: 'in', other: 404, own: 404, analyst: 'in', admin: 'in' };
/** Two report runs the test writes (ids fixed, so that both applications of the test have them). */
const RUNS = { published: 900001, private: 900002 };
/** The list of runs: supplier-level data (any key; everyone with SUPPLIER_DATA=open). */
const RUNS_LIST: Row = { ...ANY_KEY };

async function seedRuns(t: TestApp): Promise<void> {
  const pdf = Buffer.from('%PDF-1.4 access test');
  const data = Buffer.from('{}');
  for (const [id, published] of [[RUNS.published, true], [RUNS.private, false]] as const) {
    await t.database.db.knex.raw(
      `insert into report_runs (id, report, params, status, published, pdf, pdf_sha256, pdf_bytes, data_json, data_sha256, page_count, finished_at)
       overriding system value values (?, 'national', '{"period":"2025"}', 'succeeded', ?, ?, repeat('a', 64), ?, ?, repeat('b', 64), 1, now())`,
      [id, published, pdf, pdf.length, data],
    );
  }
}

/** Every route: who may call it, and the path (and query) it is called with; a route serving items of several audiences (the dashboards' charts) is called once per kind of item. */
const TABLE: Record<string, { access: Row; path: string } | { access: Row; path: string }[]> = {
  'GET /health': { access: PUBLIC, path: '/health' },
  'GET /api/v1/authorities': { access: PUBLIC, path: '/api/v1/authorities' },
  'GET /api/v1/authorities/{code}': { access: PUBLIC, path: '/api/v1/authorities/E08000009' },
  'POST /api/v1/authorities/{code}/names': { access: WRITERS, path: '/api/v1/authorities/E08000009/names' },
  'GET /api/v1/sectors': { access: PUBLIC, path: '/api/v1/sectors' },
  'GET /api/v1/cpv': { access: PUBLIC, path: '/api/v1/cpv?q=care' },
  'GET /api/v1/cpv/{code}': { access: PUBLIC, path: '/api/v1/cpv/85312000' },
  'GET /api/v1/frameworks': { access: PUBLIC, path: '/api/v1/frameworks' },
  'GET /api/v1/frameworks/{code}': { access: PUBLIC, path: '/api/v1/frameworks/svm-open' },
  'POST /api/v1/frameworks': { access: ADMIN, path: '/api/v1/frameworks' },
  'GET /api/v1/contracts': { access: PUBLIC, path: '/api/v1/contracts?authority=E08000009' },
  'GET /api/v1/contracts/{id}': { access: PUBLIC, path: '/api/v1/contracts/EXAMPLE-TRF-0001' },
  'GET /api/v1/contracts/{id}/delivery': { access: SUPPLIER, path: '/api/v1/contracts/EXAMPLE-TRF-0001/delivery' },
  'POST /api/v1/imports/ocds': { access: WRITERS, path: '/api/v1/imports/ocds' },
  'POST /api/v1/imports/{kind}': { access: WRITERS, path: '/api/v1/imports/outcomes' },
  'GET /api/v1/imports': { access: ANY_KEY, path: '/api/v1/imports' },
  // a submitter sees the batches its own key sent: the admin's batch is not found for it
  'GET /api/v1/imports/{id}': { access: { ...ANY_KEY, other: 404, own: 404 }, path: '/api/v1/imports/{batch}' },
  'GET /api/v1/imports/{id}/rejections': { access: { ...ANY_KEY, other: 404, own: 404 }, path: '/api/v1/imports/{batch}/rejections' },
  'GET /api/v1/ocds/metric-mappings': { access: ANY_KEY, path: '/api/v1/ocds/metric-mappings' },
  'PUT /api/v1/ocds/metric-mappings': { access: ADMIN, path: '/api/v1/ocds/metric-mappings' },
  'GET /api/v1/ocds/harvest-sources': { access: ADMIN_ANALYST, path: '/api/v1/ocds/harvest-sources' },
  'PUT /api/v1/ocds/harvest-sources/{name}': { access: ADMIN, path: '/api/v1/ocds/harvest-sources/access-test' },
  'DELETE /api/v1/ocds/harvest-sources/{name}': { access: ADMIN, path: '/api/v1/ocds/harvest-sources/access-test' },
  'POST /api/v1/ocds/harvest-sources/{name}/run': { access: ADMIN, path: '/api/v1/ocds/harvest-sources/access-test/run' },
  'GET /api/v1/keys': { access: ADMIN, path: '/api/v1/keys' },
  'POST /api/v1/keys': { access: ADMIN, path: '/api/v1/keys' },
  'DELETE /api/v1/keys/{ref}': { access: ADMIN, path: '/api/v1/keys/svm_00000000' },
  'GET /api/v1/measures/summary': { access: PUBLIC, path: '/api/v1/measures/summary?authority=E08000009' },
  'GET /api/v1/authorities/{code}/peers': { access: PUBLIC, path: '/api/v1/authorities/E08000009/peers' },
  'GET /api/v1/benchmarks/{code}': { access: PUBLIC, path: '/api/v1/benchmarks/E08000009' },
  'GET /api/v1/peer-groups': { access: PUBLIC, path: '/api/v1/peer-groups' },
  'GET /api/v1/peer-groups/{name}': { access: { ...PUBLIC, none: 404, other: 404, own: 404, analyst: 404, admin: 404 }, path: '/api/v1/peer-groups/none-such' },
  'PUT /api/v1/peer-groups/{name}': { access: ADMIN, path: '/api/v1/peer-groups/access-test' },
  'DELETE /api/v1/peer-groups/{name}': { access: ADMIN, path: '/api/v1/peer-groups/access-test' },
  'GET /api/v1/exports/outcomes.{format}': { access: SUPPLIER, path: '/api/v1/exports/outcomes.csv?authority=E08000009' },
  'GET /api/v1/exports/commitments.{format}': { access: SUPPLIER, path: '/api/v1/exports/commitments.csv?authority=E08000009' },
  'GET /api/v1/exports/contracts.{format}': { access: PUBLIC, path: '/api/v1/exports/contracts.csv?authority=E08000009' },
  'GET /api/v1/exports/summary.{format}': { access: PUBLIC, path: '/api/v1/exports/summary.csv?authority=E08000009' },
  'GET /api/v1/exports/indicators.{format}': { access: PUBLIC, path: '/api/v1/exports/indicators.csv?authority=E08000009' },
  'GET /api/v1/quality': { access: SUPPLIER, path: '/api/v1/quality?authority=E08000009' },
  'GET /api/v1/indicators/implementation': { access: PUBLIC, path: '/api/v1/indicators/implementation?authority=E08000009' },
  'GET /api/v1/indicators/ratings-agreement': { access: PUBLIC, path: '/api/v1/indicators/ratings-agreement?authority=E08000009' },
  'GET /api/v1/indicators/ratings-agreement/contracts': { access: SUPPLIER, path: '/api/v1/indicators/ratings-agreement/contracts?authority=E08000009' },
  'GET /api/v1/dashboards': { access: PUBLIC, path: '/api/v1/dashboards' },
  'GET /api/v1/dashboards/{name}': { access: PUBLIC, path: '/api/v1/dashboards/authority?authority=E08000009' },
  'GET /api/v1/dashboards/{name}/charts/{file}': [
    { access: PUBLIC, path: '/api/v1/dashboards/national/charts/ratings.vl.json?region=North%20West' },
    { access: PUBLIC, path: '/api/v1/dashboards/authority/charts/themes.csv?authority=E08000009' },
    { access: SUPPLIER, path: '/api/v1/dashboards/contract/charts/commitments.vl.json?contract=EXAMPLE-TRF-0001' },
    // the buyer's ratings beside the rating from returns: supplier-level, as the agreement's list of contracts is
    { access: SUPPLIER, path: '/api/v1/dashboards/contract/charts/official-ratings.csv?contract=EXAMPLE-TRF-0001' },
    { access: PUBLIC, path: '/api/v1/dashboards/national/charts/ratings-agreement.svg' },
    { access: SUPPLIER, path: '/api/v1/dashboards/authority/charts/contracts.csv?authority=E08000009' },
    // the exchange's charts: aggregates, public
    { access: PUBLIC, path: '/api/v1/dashboards/exchange/charts/unmet-map.csv?region=North%20West' },
    { access: PUBLIC, path: '/api/v1/dashboards/exchange/charts/funnel.vl.json' },
    // not a chart: refused or not, never served
    { access: { ...PUBLIC, none: 404, other: 404, own: 404, analyst: 404, admin: 404 }, path: '/api/v1/dashboards/contract/charts/none-such.svg?contract=EXAMPLE-TRF-0001' },
  ],
  // the exchange: the board, needs, pledges and organisations are public; writes need a party's or a broker's key
  // (community and supplier keys are tried in test/e2e/exchange.e2e.spec.ts); matches are their parties', brokers' and analysts'
  'GET /api/v1/exchange/organisations': { access: PUBLIC, path: '/api/v1/exchange/organisations' },
  'POST /api/v1/exchange/organisations': { access: WRITERS, path: '/api/v1/exchange/organisations' },
  'GET /api/v1/exchange/needs': { access: PUBLIC, path: '/api/v1/exchange/needs?authority=E08000009' },
  'GET /api/v1/exchange/needs/{id}': { access: NOT_FOUND, path: '/api/v1/exchange/needs/987654' },
  'POST /api/v1/exchange/needs': { access: WRITERS, path: '/api/v1/exchange/needs' },
  'GET /api/v1/exchange/pledges': { access: PUBLIC, path: '/api/v1/exchange/pledges?authority=E08000009' },
  'GET /api/v1/exchange/pledges/{id}': { access: NOT_FOUND, path: '/api/v1/exchange/pledges/987654' },
  'POST /api/v1/exchange/pledges': { access: WRITERS, path: '/api/v1/exchange/pledges' },
  'POST /api/v1/exchange/needs/{id}/withdraw': { access: { ...WRITERS, other: 404, own: 404, admin: 404 }, path: '/api/v1/exchange/needs/987654/withdraw' },
  'POST /api/v1/exchange/pledges/{id}/withdraw': { access: { ...WRITERS, other: 404, own: 404, admin: 404 }, path: '/api/v1/exchange/pledges/987654/withdraw' },
  'POST /api/v1/exchange/matching/run': { access: WRITERS, path: '/api/v1/exchange/matching/run' },
  'GET /api/v1/exchange/matches': { access: ANY_KEY, path: '/api/v1/exchange/matches' },
  'GET /api/v1/exchange/matches/{id}': { access: { ...ANY_KEY, other: 404, own: 404, analyst: 404, admin: 404 }, path: '/api/v1/exchange/matches/987654' },
  'GET /api/v1/exchange/matches/{id}/transitions': { access: { ...ANY_KEY, other: 404, own: 404, analyst: 404, admin: 404 }, path: '/api/v1/exchange/matches/987654/transitions' },
  'POST /api/v1/exchange/matches/{id}/transitions': { access: WRITERS, path: '/api/v1/exchange/matches/987654/transitions' },
  // report schedules: admin only (a schedule that does not exist, so that nothing is changed)
  'GET /api/v1/reports/schedules': { access: ADMIN, path: '/api/v1/reports/schedules' },
  'POST /api/v1/reports/schedules': { access: ADMIN, path: '/api/v1/reports/schedules' },
  'GET /api/v1/reports/schedules/{id}': { access: { ...ADMIN, admin: 404 }, path: '/api/v1/reports/schedules/987654' },
  'PATCH /api/v1/reports/schedules/{id}': { access: ADMIN, path: '/api/v1/reports/schedules/987654' },
  'DELETE /api/v1/reports/schedules/{id}': { access: ADMIN, path: '/api/v1/reports/schedules/987654' },
  // reports: the list is public; any key may ask for a run (an empty body: a 400, nothing queued); a run and its files
  // are public once published, else under the supplier-data rule (a submitter: the runs it asked for)
  'GET /api/v1/reports': { access: PUBLIC, path: '/api/v1/reports' },
  'GET /api/v1/reports/published': { access: PUBLIC, path: '/api/v1/reports/published' },
  'POST /api/v1/reports/runs': { access: ANY_KEY, path: '/api/v1/reports/runs' },
  'GET /api/v1/reports/runs': { access: RUNS_LIST, path: '/api/v1/reports/runs' },
  'GET /api/v1/reports/runs/{id}': [
    { access: PUBLIC, path: `/api/v1/reports/runs/${RUNS.published}` },
    { access: PRIVATE_RUN, path: `/api/v1/reports/runs/${RUNS.private}` },
  ],
  'GET /api/v1/reports/runs/{id}/pdf': [
    { access: PUBLIC, path: `/api/v1/reports/runs/${RUNS.published}/pdf` },
    { access: PRIVATE_RUN, path: `/api/v1/reports/runs/${RUNS.private}/pdf` },
  ],
  'GET /api/v1/reports/runs/{id}/data.json': [
    { access: PUBLIC, path: `/api/v1/reports/runs/${RUNS.published}/data.json` },
    { access: PRIVATE_RUN, path: `/api/v1/reports/runs/${RUNS.private}/data.json` },
  ],
};

/**
 * The pages and the files they load (HTML, not in the OpenAPI description): public, as what they show is (aggregates
 * and contract notice fields); a supplier-level chart on a page is fetched from the chart API, under its own rule.
 */
const PAGES: { access: Row; path: string }[] = [
  { access: PUBLIC, path: '/dashboards' },
  { access: PUBLIC, path: '/dashboards/national?region=North%20West' },
  { access: PUBLIC, path: '/dashboards/authority/E08000009' },
  { access: PUBLIC, path: '/dashboards/authority?q=traff' },
  { access: PUBLIC, path: '/dashboards/contract/EXAMPLE-TRF-0001' },
  { access: PUBLIC, path: '/dashboards/quality' },
  { access: PUBLIC, path: '/dashboards/sectors' },
  { access: PUBLIC, path: '/dashboards/session' },
  { access: PUBLIC, path: '/dashboards/sign-in' },
  { access: PUBLIC, path: '/assets/dashboards.js' },
  { access: PUBLIC, path: '/reports' },
  { access: PUBLIC, path: '/reports/feed.atom' },
  { access: PUBLIC, path: '/reports/national/preview?period=2025' },
  // the exchange's pages: public (organisations, suppliers and quantities; no person named); a need or pledge the test
  // does not have is a 404 page for everyone, never refused
  { access: PUBLIC, path: '/exchange' },
  { access: PUBLIC, path: '/exchange?region=North%20West&resource_kind=volunteer_hours' },
  { access: { none: 404, other: 404, own: 404, analyst: 404, admin: 404 }, path: '/exchange/needs/987654' },
  { access: { none: 404, other: 404, own: 404, analyst: 404, admin: 404 }, path: '/exchange/pledges/987654' },
  { access: { none: 400, other: 400, own: 400, analyst: 400, admin: 400 }, path: '/exchange/needs/not-a-number' },
];

const FIXTURES = join(__dirname, '..', 'fixtures', 'imports');

/** Calls every route of the OpenAPI description as every caller; returns the mismatches with the table. */
async function check(t: TestApp, keys: Record<Caller, string | undefined>, batch: number, override?: (route: string, row: Row) => Row) {
  const doc = (await http(`${t.url}/docs-json`)).body as { paths: Record<string, Record<string, unknown>> };
  const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
  const problems: string[] = [];
  const calls: { route: string; access: Row; path: string }[] = PAGES.map((p) => ({ route: `GET ${p.path}`, ...p }));
  for (const route of routes) {
    const entry = TABLE[route];
    if (!entry) {
      problems.push(`${route}: not in the access table (add it, with who may call it)`);
      continue;
    }
    for (const e of Array.isArray(entry) ? entry : [entry]) calls.push({ route, ...e });
  }
  for (const { route, access, path: template } of calls) {
    const row = override ? override(route, access) : access;
    const method = route.split(' ')[0];
    const path = template.replace('{batch}', String(batch));
    for (const caller of CALLERS) {
      const r = await http(`${t.url}${path}`, {
        method,
        key: keys[caller],
        ...(method === 'POST' || method === 'PUT' ? { json: {} } : {}),
      });
      const want = row[caller];
      const ok = want === 'in' ? r.status !== 401 && r.status !== 403 && r.status < 500 && (method !== 'GET' || r.status < 300) : r.status === want;
      if (!ok) problems.push(`${route} (${path}) as ${caller}: ${r.status} (${JSON.stringify(r.body?.error?.code ?? '')}), expected ${want}`);
      if (r.status >= 400 && !['/dashboards', '/reports', '/exchange'].some((p) => path === p || path.startsWith(`${p}/`) || path.startsWith(`${p}?`))) expect(r.body).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
    }
  }
  for (const route of Object.keys(TABLE)) if (!routes.includes(route)) problems.push(`${route}: in the table but not a route`);
  return { problems, routes: routes.length };
}

describe('the one access rule, route by route', () => {
  let t: TestApp;
  let keys: Record<Caller, string | undefined>;
  let batch: number;

  beforeAll(async () => {
    t = await startTestApp();
    const db = t.database.db;
    keys = {
      none: undefined,
      other: await createKey(db, 'submitter', ['W06000015']),
      own: await createKey(db, 'submitter', ['E08000009']),
      analyst: await createKey(db, 'analyst'),
      admin: await createKey(db, 'admin'),
    };
    for (const kind of ['contracts', 'commitments', 'outcomes']) {
      const r = await http(`${t.url}/api/v1/imports/${kind}`, {
        key: keys.admin,
        headers: { 'content-type': 'text/csv' },
        body: readFileSync(join(FIXTURES, `${kind}.csv`), 'utf8'),
      });
      expect(r.status).toBe(201);
      batch = r.body.batch.id;
    }
    await seedRuns(t);
  }, 120_000);

  afterAll(() => t?.close());

  it('gives every route and every caller the status of the table, and names every route', async () => {
    const { problems, routes } = await check(t, keys, batch);
    expect(problems).toEqual([]);
    expect(routes).toBe(Object.keys(TABLE).length);
  }, 120_000);

  it('gives a submitter the supplier-level rows of its own authorities only', async () => {
    const own = await http(`${t.url}/api/v1/contracts/EXAMPLE-TRF-0001/delivery`, { key: keys.own });
    expect(own.body.outcomes.length).toBeGreaterThan(0);
    const other = await http(`${t.url}/api/v1/contracts/EXAMPLE-TRF-0001/delivery`, { key: keys.other });
    expect(other.body.error).toMatchObject({ code: 'authority_not_allowed', details: { not_allowed: ['E08000009'], allowed: ['W06000015'] } });
    // without an authority asked for, a submitter's reads are its own authorities'
    const quality = await http(`${t.url}/api/v1/quality?check=missing_return`, { key: keys.other });
    expect(quality.status).toBe(200);
    expect(quality.body.data).toEqual([]);
    // the public contract says what the notices say, nothing the suppliers sent
    const contract = await http(`${t.url}/api/v1/contracts/EXAMPLE-TRF-0001`);
    expect(Object.keys(contract.body)).toEqual(expect.arrayContaining(['authority_code', 'supplier_name', 'suppliers', 'releases']));
    for (const field of ['commitments', 'outcomes', 'delivery', 'delivery_rating']) expect(contract.body).not.toHaveProperty(field);
  });

  it('opens supplier-level data to everyone with SUPPLIER_DATA=open, and nothing else', async () => {
    const open = await startTestApp({ SUPPLIER_DATA: 'open' });
    try {
      const db = open.database.db;
      const openKeys: Record<Caller, string | undefined> = {
        none: undefined,
        other: await createKey(db, 'submitter', ['W06000015']),
        own: await createKey(db, 'submitter', ['E08000009']),
        analyst: await createKey(db, 'analyst'),
        admin: await createKey(db, 'admin'),
      };
      for (const kind of ['contracts', 'commitments', 'outcomes']) {
        const r = await http(`${open.url}/api/v1/imports/${kind}`, { key: openKeys.admin, headers: { 'content-type': 'text/csv' }, body: readFileSync(join(FIXTURES, `${kind}.csv`), 'utf8') });
        batch = r.body.batch.id;
      }
      await seedRuns(open);
      const { problems } = await check(open, openKeys, batch, (_route, row) => (row === SUPPLIER || row === RUNS_LIST ? PUBLIC : row === PRIVATE_RUN ? PRIVATE_RUN_OPEN : row));
      expect(problems).toEqual([]);
    } finally {
      await open.close();
    }
  }, 180_000);
});
