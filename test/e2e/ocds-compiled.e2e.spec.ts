import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 14: a process's releases compiled by the standard's merge rules and the contract derived from the compiled
 * release. A Wirral contract whose second release names award -2 only kept award -2's value alone; compiled, awards
 * -1 and -2 both count. An award published again under a new id is kept (as the standard does) and flagged.
 */
const COMPILED = join(__dirname, '..', 'fixtures', 'ocds', 'compiled');
const JSON_TYPE = { 'content-type': 'application/json' };
const WIRRAL = 'ocds-svmtest-wirral-0001';
const CARE = 'ocds-svmtest-wirral-0002';

type Package = { releases: Array<Record<string, any>> } & Record<string, unknown>;
const load = (name: string): Package => JSON.parse(readFileSync(join(COMPILED, name), 'utf8'));
/** The package's text with every ocid (and the ids built on it) renamed. */
const renamed = (pkg: Package, from: string, to: string): Package => JSON.parse(JSON.stringify(pkg).split(from).join(to));

describe('OCDS compiled releases', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await createKey(t.database.db, 'admin');
  });
  afterAll(() => t.close());

  const post = (body: unknown, query = '') =>
    fetch(`${t.url}/api/v1/imports/ocds${query}`, { method: 'POST', headers: { ...JSON_TYPE, authorization: `Bearer ${admin}` }, body: JSON.stringify(body) }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as any }),
    );
  const contract = (reference: string) =>
    t.database.db
      .knex('contracts as c')
      .join('authorities as a', 'a.id', 'c.authority_id')
      .leftJoin('suppliers as s', 's.id', 'c.supplier_id')
      .where('c.reference', reference)
      .first('c.*', 'a.code as authority_code', 's.name as supplier_name');
  const compiled = (ocid: string) => t.database.db.knex('ocds_compiled').where({ ocid }).first();
  const rejections = async (batchId: number) => (await http(`${t.url}/api/v1/imports/${batchId}/rejections?limit=500`, { key: admin })).body.data;
  const suppliersOf = async (reference: string) =>
    (
      await t.database.db
        .knex('contract_suppliers as cs')
        .join('contracts as c', 'c.id', 'cs.contract_id')
        .join('suppliers as s', 's.id', 'cs.supplier_id')
        .where('c.reference', reference)
        .orderBy('s.name')
        .select('s.name')
    ).map((r: { name: string }) => r.name);
  const snapshot = async () => ({
    contracts: await t.database.db.knex('contracts').orderBy('id').select('*'),
    suppliers: await t.database.db.knex('suppliers').orderBy('id').select('*'),
    contract_suppliers: await t.database.db.knex('contract_suppliers').orderBy(['contract_id', 'supplier_id']).select('*'),
    releases: await t.database.db.knex('ocds_releases').orderBy('id').select('*'),
    compiled: await t.database.db.knex('ocds_compiled').orderBy('ocid').select('*'),
  });

  it('counts both awards of a process whose second release names award -2 only (the Wirral case)', async () => {
    const r = await post(load('wirral-two-awards.json'));
    expect(r.status).toBe(201);
    expect(r.body.batch).toMatchObject({ status: 'committed', rows_inserted: 2, rows_rejected: 0 });
    expect(r.body.batch.summary.compiled).toEqual({ processes: 1, award_corrections: 0 });
    const c = await contract(WIRRAL);
    expect(c).toMatchObject({
      authority_code: 'E08000015', // Wirral, by its local authority register code
      stage: 'awarded',
      value_gbp: '25000000.00', // £18.8m (award -1) + £6.2m (award -2); award -2's release alone said £6.2m
      currency: 'GBP',
      supplier_name: 'Mersey Highways Ltd', // the first award's supplier
      cpv_code8: '45233141',
      start_date: '2025-04-01',
      end_date: '2030-03-31',
    });
    expect(await suppliersOf(WIRRAL)).toEqual(['Mersey Highways Ltd', 'Wirral Surfacing Services Ltd']);
    const kept = await compiled(WIRRAL);
    expect(kept).toMatchObject({ release_count: 2, complete: true, award_corrections: [] });
    expect(kept.compiled.tag).toEqual(['compiled']);
    expect(kept.compiled.date).toBe('2025-05-20T12:00:00Z');
    expect(kept.compiled.awards.map((a: any) => [a.id, a.value.amount])).toEqual([
      [`${WIRRAL}-1`, 18800000],
      [`${WIRRAL}-2`, 6200000],
    ]);
    // each release is kept as published
    const bodies = await t.database.db.knex('ocds_releases').where({ ocid: WIRRAL }).orderBy('release_date').select('release_id', 'body');
    expect(bodies.map((b: any) => [b.release_id, b.body.awards[0].id])).toEqual([
      [`${WIRRAL}-award-1`, `${WIRRAL}-1`],
      [`${WIRRAL}-award-2`, `${WIRRAL}-2`],
    ]);
  });

  // the import writes a chunk of 1,000 releases while it reads the next: a process whose releases fall in different
  // chunks compiles as one, and a package that breaks after chunks were written keeps none of them
  it('compiles processes whose releases fall in different chunks, and keeps nothing of a package broken after two chunks', async () => {
    const two = load('wirral-two-awards.json');
    const spread = (prefix: string, n: number) => {
      const processes = Array.from({ length: n }, (_, k) => renamed(two, WIRRAL, `${prefix}-${String(k).padStart(4, '0')}`).releases);
      return { ...two, releases: [...processes.map((r) => r[0]), ...processes.map((r) => r[1])] }; // every second release 1,200 later
    };
    const count = (prefix: string) => t.database.db.knex('contracts').where('reference', 'like', `${prefix}-%`).count({ n: '*' }).first();
    const valued = (prefix: string) =>
      t.database.db.knex('contracts').where('reference', 'like', `${prefix}-%`).where('value_gbp', '25000000.00').count({ n: '*' }).first();

    const broken = JSON.stringify(spread('ocds-svmtest-broken', 1200));
    const cut = await fetch(`${t.url}/api/v1/imports/ocds`, {
      method: 'POST',
      headers: { ...JSON_TYPE, authorization: `Bearer ${admin}` },
      body: broken.slice(0, broken.length - 40), // the last release cut short, after two chunks were written
    });
    expect(cut.status).toBe(400);
    expect(((await cut.json()) as any).error.code).toBe('malformed_json');
    expect(Number((await count('ocds-svmtest-broken'))!.n)).toBe(0);
    expect(await t.database.db.knex('ocds_releases').where('ocid', 'like', 'ocds-svmtest-broken-%').first()).toBeUndefined();

    const r = await post(spread('ocds-svmtest-chunked', 1200));
    expect(r.status).toBe(201);
    expect(r.body.batch).toMatchObject({ status: 'committed', rows_total: 2400, rows_inserted: 2400, rows_rejected: 0 });
    expect(Number((await count('ocds-svmtest-chunked'))!.n)).toBe(1200);
    expect(Number((await valued('ocds-svmtest-chunked'))!.n)).toBe(1200); // both awards of every process
    const last = await compiled('ocds-svmtest-chunked-1199');
    expect(last).toMatchObject({ release_count: 2, complete: true });
  });

  it('gives the same contract whatever order the releases arrive in, one batch each', async () => {
    const other = 'ocds-svmtest-wirral-0003';
    const pkg = renamed(load('wirral-two-awards.json'), WIRRAL, other);
    for (const release of [...pkg.releases].reverse()) expect((await post({ ...pkg, releases: [release] })).status).toBe(201);
    const comparable = (c: any) => ({ ...c, id: undefined, reference: undefined, ocid: undefined, batch_id: undefined, created_at: undefined, updated_at: undefined });
    expect(comparable(await contract(other))).toEqual(comparable(await contract(WIRRAL)));
    const kept = await compiled(other);
    expect(kept).toMatchObject({ release_count: 2, complete: true });
    // the late, older release was compiled with the one held: the same compiled release, award -1 first by date
    expect(kept.compiled.awards.map((a: any) => a.id)).toEqual([`${other}-1`, `${other}-2`]);
  });

  it('merges a later release of an award into it by id rather than adding it again', async () => {
    const amended = {
      ...load('wirral-two-awards.json'),
      releases: [
        {
          ocid: WIRRAL,
          id: `${WIRRAL}-award-1-amended`,
          date: '2025-09-01T12:00:00Z',
          tag: ['awardUpdate'],
          buyer: { id: 'GB-LAE-WRL', name: 'Wirral Council' },
          awards: [{ id: `${WIRRAL}-1`, value: { amount: 19000000, currency: 'GBP' } }],
        },
      ],
    };
    const r = await post(amended);
    expect(r.body.batch).toMatchObject({ status: 'committed', rows_inserted: 1 });
    expect(await contract(WIRRAL)).toMatchObject({ value_gbp: '25200000.00', supplier_name: 'Mersey Highways Ltd', stage: 'awarded' });
    const kept = await compiled(WIRRAL);
    expect(kept.release_count).toBe(3);
    expect(kept.compiled.awards.map((a: any) => [a.id, a.value.amount, a.suppliers[0].name])).toEqual([
      [`${WIRRAL}-1`, 19000000, 'Mersey Highways Ltd'],
      [`${WIRRAL}-2`, 6200000, 'Wirral Surfacing Services Ltd'],
    ]);
  });

  it('keeps both awards of a correction-like pair and flags the pair once, naming both ids', async () => {
    const r = await post(load('wirral-corrected-award.json'));
    expect(r.body.batch).toMatchObject({ status: 'committed', rows_inserted: 2, rows_rejected: 0 });
    expect(r.body.batch.summary.compiled).toEqual({ processes: 1, award_corrections: 1 });
    const flagged = (await rejections(r.body.batch.id)).filter((p: any) => p.code === 'award_correction');
    expect(flagged).toEqual([
      expect.objectContaining({
        severity: 'warning',
        release_id: `${CARE}-award-2`,
        row_number: 2,
        field: 'releases[1].awards[0].id',
        value: `${CARE}-1, ${CARE}-2`,
        message: expect.stringContaining('same suppliers, overlapping contract periods, both active with the same value'),
      }),
    ]);
    expect(flagged[0].message).toContain(`awards ${CARE}-1 and ${CARE}-2`);
    // both kept, as the standard compiles them: both count
    expect(await contract(CARE)).toMatchObject({ value_gbp: '2400000.00', stage: 'awarded' });
    const kept = await compiled(CARE);
    expect(kept.compiled.awards.map((a: any) => a.id)).toEqual([`${CARE}-1`, `${CARE}-2`]);
    expect(kept.award_corrections).toEqual([{ first: `${CARE}-1`, second: `${CARE}-2`, reason: expect.any(String) }]);

    // a later release of the process does not flag the same pair again
    const later = await post({
      releases: [{ ocid: CARE, id: `${CARE}-contract`, date: '2025-05-01T09:00:00Z', tag: ['contract'], contracts: [{ id: `${CARE}-c1`, awardID: `${CARE}-2`, status: 'active' }] }],
    });
    expect(later.body.batch).toMatchObject({ status: 'committed', rows_inserted: 1 });
    expect((await rejections(later.body.batch.id)).filter((p: any) => p.code === 'award_correction')).toEqual([]);
  });

  it('changes nothing when the packages are sent again', async () => {
    const before = await snapshot();
    for (const name of ['wirral-two-awards.json', 'wirral-corrected-award.json']) {
      const r = await post(load(name));
      expect(r.body.batch).toMatchObject({ status: 'committed', rows_inserted: 0, rows_unchanged: 2, rows_rejected: 0 });
      expect(r.body.batch.summary.compiled).toEqual({ processes: 0, award_corrections: 0 });
      expect((await rejections(r.body.batch.id)).filter((p: any) => p.code === 'award_correction')).toEqual([]);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('keeps nothing of a strict batch with a rejected release, and the good releases of a partial one', async () => {
    const other = 'ocds-svmtest-wirral-0004';
    const pkg = renamed(load('wirral-two-awards.json'), WIRRAL, other);
    const bad = { ocid: other, id: `${other}-bad`, date: 'yesterday', tag: ['award'] };
    const strict = await post({ ...pkg, releases: [...pkg.releases, bad] }, '?mode=strict');
    expect(strict.status).toBe(422);
    expect(await contract(other)).toBeUndefined();
    expect(await compiled(other)).toBeUndefined();
    expect(await t.database.db.knex('ocds_releases').where({ ocid: other }).count({ n: '*' })).toEqual([{ n: 0 }]);

    const partial = await post({ ...pkg, releases: [...pkg.releases, bad] });
    expect(partial.body.batch).toMatchObject({ status: 'committed', rows_inserted: 2, rows_rejected: 1 });
    expect(await contract(other)).toMatchObject({ value_gbp: '25000000.00' });
    expect(await compiled(other)).toMatchObject({ release_count: 2 });
  });

  it('keeps every UK9 rating of every release, read from each release rather than the compiled one', async () => {
    const ocid = 'ocds-svmtest-wirral-0005';
    const base = renamed(load('wirral-two-awards.json'), WIRRAL, ocid).releases[0];
    const rating = (n: number, date: string, classification: string, start: string, end: string) => ({
      ocid,
      id: `${ocid}-performance-${n}`,
      date,
      tag: ['contractUpdate'],
      buyer: base.buyer,
      contracts: [
        {
          id: `${ocid}-c1`,
          awardID: `${ocid}-1`,
          implementation: {
            metrics: [{ id: 'KPI-1', title: 'Potholes repaired within 24 hours', observations: [{ id: 'obs-1', measureClassification: { id: classification }, period: { startDate: start, endDate: end } }] }],
          },
        },
      ],
    });
    const r = await post({
      releases: [
        base,
        rating(1, '2025-10-01T00:00:00Z', 'below', '2025-04-01', '2025-06-30'),
        // the same observation id, a later notice for the same KPI and period: the compiled release keeps one, the
        // notices keep both
        rating(2, '2025-11-01T00:00:00Z', 'met', '2025-04-01', '2025-06-30'),
      ],
    });
    expect(r.body.batch).toMatchObject({ status: 'committed', rows_inserted: 3 });
    expect(r.body.batch.summary.notices.ratings).toBe(2);
    const kept = await compiled(ocid);
    expect(kept.compiled.contracts[0].implementation.metrics[0].observations).toHaveLength(1);
  });
});
