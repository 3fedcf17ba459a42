import type { INestApplicationContext } from '@nestjs/common';
import { ReferenceSeeder } from '../../metrics/ingest/reference-data/reference-seeder';
import { metricsContext } from '../support/metrics-context';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('reference data seed', () => {
  let t: TestDatabase;
  let metrics: INestApplicationContext;
  const seedReferenceData = () => metrics.get(ReferenceSeeder).seed();
  beforeAll(async () => {
    t = await createTestDatabase();
    metrics = await metricsContext(t.db);
  });
  afterAll(async () => {
    await metrics.close();
    await t.dispose();
  });

  const counts = async () => {
    const { rows } = await t.db.knex.raw(`
      select (select count(*) from authorities) as authorities,
             (select count(*) from authority_names) as names,
             (select count(*) from authority_identifiers) as identifiers,
             (select count(*) from cpv_codes) as cpv,
             (select count(*) from cpv_divisions) as divisions,
             (select count(*) from frameworks) as frameworks,
             (select count(*) from measures) as measures,
             (select count(*) from proxy_values) as proxies,
             (select count(*) from deflators) as deflators`);
    return rows[0];
  };

  it('has loaded every dataset once', async () => {
    const c = await counts();
    expect(c).toMatchObject({ authorities: 397 + 44, cpv: 9454, divisions: 45, frameworks: 3, measures: 20, deflators: 15 });
    const datasets = await t.db.knex('reference_datasets').orderBy('name').select('name', 'row_count', 'licence');
    expect(datasets).toEqual([
      { name: 'authority-neighbours', row_count: 2754, licence: 'ONS output (Crown copyright, OGL v3)' },
      { name: 'central-government', row_count: 44, licence: 'OGL-UK-3.0 (Crown copyright)' },
      { name: 'cpv', row_count: 9454, licence: 'Apache-2.0' },
      { name: 'framework:svm-2020', row_count: 0, licence: 'OGL-UK-3.0 (Crown copyright)' },
      { name: 'framework:svm-2025', row_count: 0, licence: 'OGL-UK-3.0 (Crown copyright)' },
      { name: 'framework:svm-open', row_count: 20, licence: 'OGL-UK-3.0 and MIT' },
      { name: 'gdp-deflators', row_count: 15, licence: 'OGL-UK-3.0 (Crown copyright)' },
      { name: 'local-authorities', row_count: 397, licence: 'CC-BY-4.0 (mySociety)' },
      { name: 'peer-clusters', row_count: 1970, licence: 'CC-BY-4.0 (mySociety)' },
    ]);
  });

  it("has loaded each council's geographic neighbours, boundary-sharing ones first", async () => {
    const { rows } = await t.db.knex.raw(
      `select n.code, x.rank, x.shares_boundary from authority_neighbours x
       join authorities a on a.id = x.authority_id join authorities n on n.id = x.neighbour_id
       where a.code = 'E08000009' order by x.rank`,
    );
    // as ONS lists them: Trafford's boundary with Manchester, Salford, Cheshire East and Warrington
    const boundary = rows.filter((r: { shares_boundary: boolean }) => r.shares_boundary).map((r: { code: string }) => r.code).sort();
    expect(boundary).toEqual(['E06000007', 'E06000049', 'E08000003', 'E08000006']);
    expect(rows.filter((r: { shares_boundary: boolean }) => !r.shares_boundary)).toHaveLength(3);
    expect(rows.map((r: { rank: number }) => r.rank)).toEqual(rows.map((_: unknown, i: number) => i + 1));
  });

  it('skips datasets that have not changed', async () => {
    const before = await counts();
    const result = await seedReferenceData();
    expect(result.every((r) => !r.loaded)).toBe(true);
    expect(await counts()).toEqual(before);
  });

  it('reloads a changed dataset without duplicating anything, keeping names users added', async () => {
    const before = await counts();
    const trafford = await t.db.knex('authorities').where({ code: 'E08000009' }).first('id');
    await t.db.knex('authority_names').insert({
      authority_id: trafford.id,
      name: 'Trafford MBC',
      name_normalised: 'trafford mbc',
      source: 'user',
    });
    await t.db.knex('authorities').where({ code: 'E08000009' }).update({ name: 'Tampered' });
    await t.db.knex('reference_datasets').update({ sha256: '0'.repeat(64) }); // as if every file had changed

    const result = await seedReferenceData();
    expect(result.map((r) => r.loaded)).toEqual([true, true, true, true, true, true, true, true, true]); // the frameworks: found unchanged
    expect(await counts()).toEqual({ ...before, names: before.names + 1 });
    expect(await t.db.knex('authorities').where({ code: 'E08000009' }).first('name')).toEqual({
      name: 'Trafford Metropolitan Borough Council',
    });
    expect(await t.db.knex('authority_names').where({ name: 'Trafford MBC' }).first('source')).toEqual({ source: 'user' });
  });
});
