import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

/** Every read takes the one filter: the same parameter is refused the same way (status, code, field, message) everywhere. */
describe('one read filter on every read route', () => {
  let t: TestApp;
  let analyst: string;
  beforeAll(async () => {
    t = await startTestApp();
    analyst = await createKey(t.database.db, 'analyst');
  });
  afterAll(() => t.close());

  const routes = ['/api/v1/measures/summary', '/api/v1/indicators/implementation', '/api/v1/exports/outcomes.json', '/api/v1/quality', '/api/v1/exports/summary.json'];
  const error = async (route: string, query: string) => {
    const r = await http(`${t.url}${route}?${query}`, { key: analyst });
    return { status: r.status, code: r.body?.error?.code, details: r.body?.error?.details };
  };

  const MANY = `authority=${Array.from({ length: 501 }, (_, i) => `E0${i}`).join(',')}`;
  it.each([
    ['nation=France', 'nation=France', 400, 'nation'],
    ['kind=castle', 'kind=castle', 400, 'kind'],
    ['sector=8', 'sector=8', 400, 'sector'],
    ['from=2025-Q5', 'from=2025-Q5', 400, 'from'],
    ['to=1066', 'to=1066', 400, 'to'],
    ['from after to', 'from=2026&to=2025', 400, 'from'],
    ['501 authorities', MANY, 400, 'authority'],
    ['authority=E99999999', 'authority=E99999999', 404, 'authority'],
    ['sector=99', 'sector=99', 404, 'sector'],
    ['region=Atlantis', 'region=Atlantis', 404, 'region'],
  ])('%s: the same answer on every route', async (_name, query, status, field) => {
    const answers = await Promise.all(routes.map((r) => error(r, query)));
    for (const [i, a] of answers.entries()) expect({ route: routes[i], ...a }).toMatchObject({ route: routes[i], status, details: [{ field }] });
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1); // word for word the same
  });

  it('reads regions and nations whatever their case, everywhere', async () => {
    for (const route of routes) {
      const r = await http(`${t.url}${route}?region=north%20west&nation=england`, { key: analyst });
      expect({ route, status: r.status }).toEqual({ route, status: 200 });
    }
  });

  it('takes the same period forms for benchmarks', async () => {
    const bad = await http(`${t.url}/api/v1/benchmarks/E08000009?from=2025-Q5`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toMatchObject([{ field: 'from', value: '2025-Q5' }]);
    expect(bad.body.error.details).toEqual((await error('/api/v1/measures/summary', 'from=2025-Q5')).details);
  });
});
