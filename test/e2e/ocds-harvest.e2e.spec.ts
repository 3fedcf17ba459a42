import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HarvestRepository } from '../../metrics/ingest/ocds/harvest.repository';
import { HarvestService } from '../../metrics/ingest/ocds/harvest.service';
import { OcdsImportService } from '../../metrics/ingest/ocds/ocds-import.service';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

const SELL2WALES = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'ocds', 'samples', 'uk-sell2wales-release-package.json'), 'utf8'));
const PAGE_SIZE = 30;

/**
 * A publisher's API shaped like Find a Tender's /api/1.0/ocdsReleasePackages: release packages page by page, the next
 * page's URL in links.next (a cursor). Failures are scripted per page: a status to answer, how many times.
 */
class FakePublisher {
  server!: Server;
  url = '';
  requests: string[] = [];
  failures = new Map<number, { status: number; times: number; retryAfter?: string; cut?: boolean }>();

  async start() {
    this.server = createServer((req, res) => {
      this.requests.push(req.url ?? '');
      const u = new URL(req.url ?? '/', this.url);
      const cursor = Number(u.searchParams.get('cursor') ?? '0');
      const failure = this.failures.get(cursor);
      if (failure && failure.times > 0) {
        failure.times -= 1;
        if (failure.cut) {
          // headers and half a page, then the connection drops
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"releases": [{"ocid": "x", "id": "y", "date": "2025-01-0');
          setTimeout(() => res.socket?.destroy(), 10);
          return;
        }
        res.writeHead(failure.status, failure.retryAfter ? { 'retry-after': failure.retryAfter } : {});
        res.end('{"error": "try later"}');
        return;
      }
      const updatedFrom = u.searchParams.get('updatedFrom');
      const all = (SELL2WALES.releases as Array<{ date: string }>).filter((r) => !updatedFrom || r.date >= updatedFrom);
      const releases = all.slice(cursor * PAGE_SIZE, (cursor + 1) * PAGE_SIZE);
      const more = (cursor + 1) * PAGE_SIZE < all.length;
      const next = new URL(u.toString());
      next.searchParams.set('cursor', String(cursor + 1));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ uri: u.toString(), version: '1.1', publishedDate: '2025-03-01T00:00:00Z', releases, ...(more ? { links: { next: next.toString() } } : {}) }));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/1.0/ocdsReleasePackages`;
  }

  stop() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

describe('harvesting a publisher OCDS API', () => {
  const publisher = new FakePublisher();
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    await publisher.start();
    t = await startTestApp({ HARVEST_RETRIES: '2', HARVEST_RETRY_BASE_MS: '10' });
    admin = await createKey(t.database.db, 'admin');
  });
  afterAll(async () => {
    await t.close();
    await publisher.stop();
  });

  const source = async (name: string) => (await http(`${t.url}/api/v1/ocds/harvest-sources`, { key: admin })).body.data.find((s: any) => s.name === name);
  const run = (name: string) => http(`${t.url}/api/v1/ocds/harvest-sources/${name}/run?wait=true`, { method: 'POST', key: admin });
  const contracts = async () => Number((await t.database.db.knex('contracts').count({ n: '*' }))[0].n);

  it('pages through the API, retrying 503, 429 and a page cut off, and stops where it failed for good', async () => {
    const put = await http(`${t.url}/api/v1/ocds/harvest-sources/sell2wales`, { method: 'PUT', key: admin, json: { base_url: publisher.url } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'sell2wales', status: 'idle', next_url: null, pages_fetched: 0 });

    publisher.failures.set(1, { status: 503, times: 1 });
    publisher.failures.set(2, { status: 429, times: 1, retryAfter: '0' });
    publisher.failures.set(0, { status: 200, times: 1, cut: true });
    const runStarted = Date.now();
    const first = await run('sell2wales');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'completed', pages: 3, releases: 90, retries: 3 });
    expect(await contracts()).toBe(90);
    const after = await source('sell2wales');
    expect(after).toMatchObject({ status: 'idle', next_url: null, pages_fetched: 3, releases_seen: 90, last_error: null });
    // next time: what changed since the run began, less ten minutes
    const from = new Date(after.updated_from).getTime();
    expect(from).toBeGreaterThanOrEqual(runStarted - 10 * 60_000 - 1000);
    expect(from).toBeLessThanOrEqual(runStarted - 10 * 60_000 + 5000);

    // the next harvest asks only for what changed since
    publisher.requests = [];
    const again = await run('sell2wales');
    expect(again.body).toMatchObject({ status: 'completed' });
    expect(publisher.requests[0]).toContain(`updatedFrom=${encodeURIComponent(new Date(from).toISOString().replace(/\.\d{3}Z$/, 'Z'))}`);
    expect(again.body).toMatchObject({ pages: 1, releases: 0 }); // the fake publisher's releases are all older
    expect(await contracts()).toBe(90);
  });

  it('resumes from the page where a failed harvest stopped', async () => {
    await http(`${t.url}/api/v1/ocds/harvest-sources/resume`, { method: 'PUT', key: admin, json: { base_url: `${publisher.url}?limit=30`, updated_from: '2020-01-01' } });
    publisher.failures.set(2, { status: 500, times: 10 });
    const failed = await run('resume');
    expect(failed.body).toMatchObject({ status: 'failed', pages: 2, retries: 2 });
    expect(failed.body.error).toMatch(/500/);
    const stopped = await source('resume');
    expect(stopped).toMatchObject({ status: 'failed', pages_fetched: 2, releases_seen: 60 });
    expect(stopped.next_url).toContain('cursor=2');

    publisher.failures.clear();
    publisher.requests = [];
    const resumed = await run('resume');
    expect(resumed.body).toMatchObject({ status: 'completed', pages: 1, releases: 30 });
    expect(publisher.requests).toEqual([expect.stringContaining('cursor=2')]);
    expect(await source('resume')).toMatchObject({ status: 'idle', pages_fetched: 3, releases_seen: 90, next_url: null });
  });

  it('runs one harvest of a source at a time, and says so', async () => {
    await http(`${t.url}/api/v1/ocds/harvest-sources/busy`, { method: 'PUT', key: admin, json: { base_url: publisher.url } });
    const [a, b] = await Promise.all([run('busy'), run('busy')]);
    expect([a.body.status, b.body.status].sort()).toEqual(['busy', 'completed']);
    const started = await http(`${t.url}/api/v1/ocds/harvest-sources/busy/run`, { method: 'POST', key: admin });
    expect(started.status).toBe(202);
    for (let i = 0; i < 100 && (await source('busy')).running_here; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(await source('busy')).toMatchObject({ status: 'idle', running_here: false });
  });

  it('on PostgreSQL, lets one instance harvest a source at a time (advisory lock)', async () => {
    if (t.database.db.driver === 'embedded') return; // one process holds the embedded database: nothing to share
    await http(`${t.url}/api/v1/ocds/harvest-sources/shared`, { method: 'PUT', key: admin, json: { base_url: publisher.url } });
    // a second instance: its own service, the same database
    const other = new HarvestService(t.app.get(HarvestRepository), t.app.get(OcdsImportService), t.database.db, { retries: 0, retryBaseMs: 0, pageLimitBytes: 1e8 });
    const here = t.app.get(HarvestService);
    const [a, b] = await Promise.all([here.run('shared'), other.run('shared')]);
    expect([a.status, b.status].sort()).toEqual(['busy', 'completed']);
  });

  it('refuses bad sources and unknown ones', async () => {
    const bad = await http(`${t.url}/api/v1/ocds/harvest-sources/x`, { method: 'PUT', key: admin, json: { base_url: 'ftp://nope' } });
    expect(bad.status).toBe(400);
    const badName = await http(`${t.url}/api/v1/ocds/harvest-sources/Bad%20Name`, { method: 'PUT', key: admin, json: { base_url: publisher.url } });
    expect(badName.status).toBe(400);
    expect((await run('nope')).status).toBe(404);
    expect((await http(`${t.url}/api/v1/ocds/harvest-sources/nope`, { method: 'DELETE', key: admin })).status).toBe(404);
    await http(`${t.url}/api/v1/ocds/harvest-sources/gone`, { method: 'PUT', key: admin, json: { base_url: publisher.url } });
    const deleted = await http(`${t.url}/api/v1/ocds/harvest-sources/gone`, { method: 'DELETE', key: admin });
    expect([deleted.status, deleted.body]).toEqual([204, undefined]);
    const analyst = await createKey(t.database.db, 'analyst');
    expect((await http(`${t.url}/api/v1/ocds/harvest-sources/gone/run`, { method: 'POST', key: analyst })).status).toBe(403);
  });
});

describe('the harvest schedule', () => {
  const publisher = new FakePublisher();
  let t: TestApp;

  beforeAll(async () => {
    await publisher.start();
    t = await startTestApp({ HARVEST_URL: publisher.url, HARVEST_FROM: '2025-02-01', HARVEST_CRON: '* * * * * *' });
  });
  afterAll(async () => {
    await t.close();
    await publisher.stop();
  });

  it('registers HARVEST_URL as the source "default" and harvests it on HARVEST_CRON', async () => {
    let state: any;
    for (let i = 0; i < 100; i += 1) {
      state = await t.database.db.knex('harvest_sources').where({ name: 'default' }).first();
      if (state?.pages_fetched >= 3 && state.status === 'idle') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toMatchObject({ base_url: publisher.url, status: 'idle', pages_fetched: expect.any(Number) });
    expect(state.pages_fetched).toBeGreaterThanOrEqual(3);
    expect(publisher.requests[0]).toContain('updatedFrom=2025-02-01T00%3A00%3A00Z');
    expect(Number((await t.database.db.knex('contracts').count({ n: '*' }))[0].n)).toBe(90);
  });
});
