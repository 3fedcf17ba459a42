import { migrator } from '../../metrics/platform/migrator';
import { http } from '../support/http';
import { startTestApp, type TestApp } from '../support/test-app';

describe('GET /health when something is wrong', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(() => t.close());

  it('is 503 with the pending migrations when the schema is behind', async () => {
    await migrator.down(t.database.db.knex); // the whole batch the template was migrated in
    const res = await http(`${t.url}/health`);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('database_unavailable');
    expect(res.body.error.details.migrations.current).toBe(false);
    expect(res.body.error.details.migrations.pending).toContain('20261122000100_reference_schema');
  });

  it('is 503 when the database does not answer, and other routes are 503 too, never 500', async () => {
    await t.database.db.close();
    const res = await http(`${t.url}/health`);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'database_unavailable', details: { database: { reachable: false } } });
    const list = await http(`${t.url}/api/v1/authorities`);
    expect(list.status).toBe(503);
    expect(list.body.error.code).toBe('database_unavailable');
  });
});

describe('GET /', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('sends a browser opened at the root address to the dashboards; the API docs are at /docs', async () => {
    const res = await fetch(`${t.url}/`, { redirect: 'manual' });
    await res.arrayBuffer();
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/dashboards');
    const docs = await fetch(`${t.url}/docs`);
    expect([docs.status, await docs.text()]).toEqual([200, expect.stringContaining('swagger-ui')]);
  });
});
