import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../api/app';
import { loadConfig } from '../../api/config/config';
import { openDatabase, type Database } from '../../metrics/platform/database';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { serverUrl } from '../support/test-env';

/**
 * The read cache (api/http/read-cache.interceptor.ts) against the data version (metrics/platform/data-version.ts,
 * migration 20261205000200_data_version): ETags and 304s, an import moves the version and the answers, two instances
 * on one PostgreSQL database agree at once, the cache off gives the same answers, supplier-level data is never shared.
 */

/** Tables that no public read uses (or that only the machinery writes): no data_version trigger, on purpose. */
const NOT_READ_BY_PUBLIC_ROUTES = [
  'api_keys', 'api_key_authorities', // keys (their last-used time moves on every request)
  'change_outcomes', 'change_commitments', 'change_contracts', // the change log, empty at every commit
  'import_batches', 'import_rejections', 'harvest_sources', 'quality_dirty_measures', // batch and job records
  'report_schedules', 'report_runs', // the report queue (reports read the data through the read services)
  'authority_neighbours', 'exchange_runs', // what the exchange's matching reads, and its runs' records
  'knex_migrations', 'knex_migrations_lock', 'data_version', 'data_version_marks',
];

const CSV = { 'content-type': 'text/csv' };
const CONTRACTS = [
  'reference,authority,title,supplier_name,cpv,value_gbp,start_date,end_date,award_date',
  'RC-TRF-1,E08000009,Care services,Supplier One,85312000,1000000,2024-01-01,2025-12-31,2024-01-15',
  'RC-TRF-2,E08000009,Road works,Supplier Two,45233141,2000000,2024-01-01,2025-12-31,2024-02-15',
  'RC-MAN-1,E08000003,Cleaning,Supplier Three,90910000,500000,2024-01-01,2025-12-31,2024-03-15',
].join('\n');
const COMMITMENTS = [
  'contract,measure,target_quantity,unit,period_start,period_end',
  'RC-TRF-1,SVM-VOLUNTEER-HOURS,400,hour,2024-01-01,2024-12-31',
  'RC-MAN-1,SVM-VOLUNTEER-HOURS,100,hour,2024-01-01,2024-12-31',
].join('\n');
const outcomes = (hours: number, reference = 'RC-TRF-1') =>
  ['contract,measure,period,quantity,unit,evidence_ref', `${reference},SVM-VOLUNTEER-HOURS,2024-Q2,${hours},hour,${reference}/q2`].join('\n');

const SUMMARY = '/api/v1/measures/summary?group_by=authority';
/** The reads behind the pages, in several forms each. */
const PUBLIC_READS = [
  SUMMARY,
  '/api/v1/measures/summary?group_by=category',
  '/api/v1/measures/summary?authority=E08000009&group_by=measure,year&explain=true',
  '/api/v1/measures/summary?group_by=sector,quarter&basis=net',
  '/api/v1/indicators/implementation',
  '/api/v1/indicators/implementation?group_by=authority',
  '/api/v1/benchmarks/E08000009',
  '/api/v1/benchmarks/E08000009?peers=same_region',
  '/api/v1/authorities/E08000009',
  '/api/v1/contracts?authority=E08000009',
  '/api/v1/measures/summary?group_by=nope', // a 400: never kept, the same either way
];

interface Instance {
  app: NestExpressApplication;
  url: string;
  close(): Promise<void>;
}

/** The real application on `db` (the caller's to close), listening on a port of its own. */
async function instance(db: Database, env: Record<string, string> = {}): Promise<Instance> {
  const config = loadConfig({
    LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', DATA_DIR: '/nonexistent', DEMO_DATA: 'false', HARVEST_CRON: 'off',
    DELIVERY_REBUILD_CRON: 'off', QUALITY_OUTLIER_CRON: 'off', BATCH_CHECK_CRON: 'off', EXCHANGE_MATCHING_CRON: 'off', RATE_LIMIT_READS: 'off', RATE_LIMIT_WRITES: 'off', ...env,
  });
  const app = await createApp(config, { database: db });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

const dataVersion = async (db: Database) => Number((await db.knex('data_version').first('version')).version);

describe('read cache', () => {
  let database: TestDatabase;
  let second: Database; // on PostgreSQL: another pool on the same database, as another instance would have
  let a: Instance; // cache on
  let b: Instance; // cache on, another instance
  let off: Instance; // READ_CACHE_ENTRIES=0
  let admin: string;

  const post = async (via: Instance, kind: string, body: string) => {
    const r = await fetch(`${via.url}/api/v1/imports/${kind}`, { method: 'POST', headers: { ...CSV, authorization: `Bearer ${admin}` }, body });
    const answer = (await r.json()) as { batch: { status: string } };
    expect(r.status).toBe(201);
    return answer.batch;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    second = serverUrl ? await openDatabase({ databaseUrl: database.url!, dataDir: '', poolMax: 5 }) : database.db;
    a = await instance(database.db);
    b = await instance(second);
    off = await instance(database.db, { READ_CACHE_ENTRIES: '0' });
    admin = await createKey(database.db, 'admin');
    await post(a, 'contracts', CONTRACTS);
    await post(a, 'commitments', COMMITMENTS);
    await post(a, 'outcomes', outcomes(10));
  });
  afterAll(async () => {
    await Promise.all([a, b, off].map((i) => i?.close()));
    if (second && second !== database.db) await second.close();
    await database?.dispose();
  });

  it('watches every table a public read uses: each has the data_version trigger or is listed as read by none', async () => {
    const { rows } = await database.db.knex.raw<{ rows: Array<{ table: string; watched: boolean }> }>(`
      select c.relname as table, exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = c.relname || '_data_version') as watched
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p') order by 1`);
    const unsure = rows.filter((r) => !r.watched && !NOT_READ_BY_PUBLIC_ROUTES.includes(r.table)).map((r) => r.table);
    expect(unsure).toEqual([]);
    expect(rows.filter((r) => r.watched && NOT_READ_BY_PUBLIC_ROUTES.includes(r.table)).map((r) => r.table)).toEqual([]);
  });

  it('answers a public read with a strong ETag and no-cache, and 304 to a matching If-None-Match', async () => {
    const first = await http(a.url + SUMMARY);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');

    const again = await fetch(a.url + SUMMARY, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    expect((await fetch(a.url + SUMMARY, { headers: { 'if-none-match': `"other", ${etag}` } })).status).toBe(304);
    expect((await fetch(a.url + SUMMARY, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    // the same query in another order is the same answer; the ETag is the body's, so every instance gives the same
    const reordered = await http(a.url + '/api/v1/measures/summary?authority=E08000009&group_by=measure,year&explain=true');
    const ordered = await http(a.url + '/api/v1/measures/summary?explain=true&group_by=measure,year&authority=E08000009');
    expect(ordered.body).toEqual(reordered.body);
    expect(ordered.headers.get('etag')).toBe(reordered.headers.get('etag'));
    expect((await http(b.url + SUMMARY)).headers.get('etag')).toBe(etag);
    // a caller with a key gets the same answer and ETag through the guard (a key that is sent must be valid)
    const keyed = await http(a.url + SUMMARY, { key: admin });
    expect(keyed.status).toBe(200);
    expect(keyed.body).toEqual(first.body);
    expect(keyed.headers.get('etag')).toBe(etag);
    expect((await fetch(a.url + SUMMARY, { headers: { authorization: `Bearer ${admin}`, 'if-none-match': etag } })).status).toBe(304);
    expect((await http(a.url + SUMMARY, { key: 'svm_not_a_key' })).status).toBe(401);
    const head = await fetch(a.url + SUMMARY, { method: 'HEAD' });
    expect([head.status, head.headers.get('etag'), await head.text()]).toEqual([200, etag, '']);
    // with the cache off, still an ETag and a 304
    expect((await http(off.url + SUMMARY)).headers.get('etag')).toBe(etag);
    expect((await fetch(off.url + SUMMARY, { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('answers from memory while the version stays: a write that moves no version is not seen, until one does', async () => {
    await http(a.url + SUMMARY);
    const before = await http(off.url + SUMMARY);
    // a hand-written change with the triggers off (as a replica applies changes): the data moves, the version does not
    await database.db.knex.transaction(async (trx) => {
      await trx.raw('set local session_replication_role = replica');
      await trx.raw(`update measure_rollups_authority_year set real_gbp = real_gbp + 1000000 where authority_id = (select id from authorities where code = 'E08000009')`);
      await trx.raw(`update measure_rollups set real_gbp = real_gbp + 1000000 where authority_id = (select id from authorities where code = 'E08000009')`);
    });
    const uncached = await http(off.url + SUMMARY);
    expect(uncached.body).not.toEqual(before.body); // the change shows where nothing is kept
    expect((await http(a.url + SUMMARY)).body).toEqual(before.body); // the kept answer, for the same version
    // a rebuild through the service moves the version: the kept answer goes, and the rollups are right again
    const version = await dataVersion(database.db);
    await database.db.knex.raw(`update deflators set index_value = index_value where false`); // a statement, even of no rows, moves it
    expect(await dataVersion(database.db)).toBe(version + 1);
    const after = await http(a.url + SUMMARY);
    expect(after.body).toEqual((await http(off.url + SUMMARY)).body);
    expect(after.body).toEqual(uncached.body);
    await database.db.knex.transaction(async (trx) => {
      await trx.raw(`update measure_rollups_authority_year set real_gbp = real_gbp - 1000000 where authority_id = (select id from authorities where code = 'E08000009')`);
      await trx.raw(`update measure_rollups set real_gbp = real_gbp - 1000000 where authority_id = (select id from authorities where code = 'E08000009')`);
    });
    expect((await http(a.url + SUMMARY)).body).toEqual(before.body);
  });

  it('moves the version once per committed write, and not for a read, a rolled-back write or a failed import', async () => {
    const v0 = await dataVersion(database.db);
    for (const url of PUBLIC_READS) await http(a.url + url);
    expect(await dataVersion(database.db)).toBe(v0);
    await database.db.knex.transaction(async (trx) => {
      await trx.raw(`update authorities set name = name where code = 'E08000009'`);
      await trx.raw(`update measures set name = name where code = 'SVM-VOLUNTEER-HOURS'`);
    });
    expect(await dataVersion(database.db)).toBe(v0 + 1);
    await expect(
      database.db.knex.transaction(async (trx) => {
        await trx.raw(`update authorities set name = name where code = 'E08000009'`);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    // a savepoint rolled back takes its mark with it; the write after it marks again
    await database.db.knex.transaction(async (trx) => {
      await trx.transaction(async (sp) => {
        await sp.raw(`update authorities set name = name where code = 'E08000009'`);
        throw new Error('inner');
      }).catch(() => undefined);
      await trx.raw(`update peer_groups set description = description where false`);
    });
    expect(await dataVersion(database.db)).toBe(v0 + 2);
    const bad = await fetch(`${a.url}/api/v1/imports/outcomes`, {
      method: 'POST', headers: { ...CSV, authorization: `Bearer ${admin}` }, body: outcomes(5, 'NO-SUCH-CONTRACT'),
    });
    expect(((await bad.json()) as { batch?: { status: string } }).batch?.status).not.toBe('committed');
    expect(await dataVersion(database.db)).toBe(v0 + 2);
    // a peer group is data a public read shows
    const put = await fetch(`${a.url}/api/v1/peer-groups/rc-group`, {
      method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ description: 'Read cache test', members: ['E08000009', 'E08000003'] }),
    });
    expect(put.status).toBe(201);
    expect(await dataVersion(database.db)).toBe(v0 + 3);
    expect((await http(b.url + '/api/v1/peer-groups/rc-group')).body).toMatchObject({ name: 'rc-group' });
    await fetch(`${a.url}/api/v1/peer-groups/rc-group`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
    expect((await http(b.url + '/api/v1/peer-groups/rc-group')).status).toBe(404);
  });

  it('shows an import through one instance on the other at once, with a new ETag', async () => {
    for (let i = 1; i <= 5; i += 1) {
      const before = await http(b.url + SUMMARY); // kept by b
      const version = await dataVersion(database.db);
      const batch = await post(a, 'outcomes', outcomes(10 + i * 7, i % 2 ? 'RC-TRF-1' : 'RC-MAN-1'));
      expect(batch.status).toBe('committed');
      expect(await dataVersion(database.db)).toBe(version + 1);
      // straight after a's answer, b answers with the new figures: the same as a, and as the cache off
      const [fromB, fromA] = [await http(b.url + SUMMARY), await http(a.url + SUMMARY)];
      expect(fromB.body).not.toEqual(before.body);
      expect(fromB.body).toEqual(fromA.body);
      expect(fromB.body).toEqual((await http(off.url + SUMMARY)).body);
      expect(fromB.headers.get('etag')).not.toBe(before.headers.get('etag'));
      const stale = await fetch(b.url + SUMMARY, { headers: { 'if-none-match': before.headers.get('etag')! } });
      expect(stale.status).toBe(200);
    }
  });

  it('gives the same answers with the cache off, before and after an import, to many at once', async () => {
    const compare = async () => {
      for (const url of PUBLIC_READS) {
        const [cached, fresh] = await Promise.all([http(a.url + url), http(off.url + url)]);
        expect({ url, status: cached.status, body: cached.body }).toEqual({ url, status: fresh.status, body: fresh.body });
      }
    };
    await compare();
    await compare(); // now from memory
    await post(b, 'outcomes', outcomes(99, 'RC-MAN-1'));
    // many at once, straight after the import: one computation, every answer the new one
    const answers = await Promise.all(Array.from({ length: 20 }, () => http(a.url + SUMMARY)));
    const expected = (await http(off.url + SUMMARY)).body;
    for (const answer of answers) expect(answer.body).toEqual(expected);
    await compare();
  });

  it('never shares supplier-level data between callers', async () => {
    const trafford = await createKey(database.db, 'submitter', ['E08000009']);
    const manchester = await createKey(database.db, 'submitter', ['E08000003']);
    const analyst = await createKey(database.db, 'analyst');
    const contractsOf = (body: unknown) => [...new Set(JSON.stringify(body).match(/RC-(TRF|MAN)-\d/g) ?? [])].sort();
    const ask = async (key?: string) => {
      const r = await http(`${a.url}/api/v1/quality?check=missing_return&as_of=2025-06-30`, { key });
      return { status: r.status, contracts: contractsOf(r.body), cacheControl: r.headers.get('cache-control') };
    };
    const everyone = await ask(analyst);
    expect(everyone.status).toBe(200);
    expect(everyone.cacheControl).toBeNull(); // not a public read: no answer of ours
    const manchesterOnly = await ask(manchester);
    expect(manchesterOnly.contracts.every((c) => c.startsWith('RC-MAN'))).toBe(true);
    const traffordOnly = await ask(trafford);
    expect(traffordOnly.contracts.every((c) => c.startsWith('RC-TRF'))).toBe(true);
    expect((await ask()).status).toBe(401);
    expect(await ask(analyst)).toEqual(everyone);
    // the delivery of a contract: its submitter and an analyst, never anyone else
    expect((await http(`${a.url}/api/v1/contracts/RC-MAN-1/delivery`, { key: manchester })).status).toBe(200);
    expect((await http(`${a.url}/api/v1/contracts/RC-MAN-1/delivery`, { key: trafford })).status).toBeGreaterThanOrEqual(403);
    expect((await http(`${a.url}/api/v1/contracts/RC-MAN-1/delivery`)).status).toBe(401);
  });

  it('leaves /health live', async () => {
    const first = await http(a.url + '/health');
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBeNull();
  });
});
