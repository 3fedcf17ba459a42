import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKey } from '../../support/keys';
import { startTestApp, type TestApp } from '../../support/test-app';
import { loadPools, type Pools } from './fuzz-values';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures');
export const fixture = (path: string): Buffer => readFileSync(join(FIXTURES, path));

export interface FuzzTarget {
  t: TestApp;
  admin: string;
  pools: Pools;
}

/**
 * The real application over HTTP on the run's database (embedded, or the PostgreSQL server of DATABASE_URL), with the
 * example contracts, commitments, outcomes, an OCDS package and a peer group loaded, so reads find data and imports
 * can name existing contracts. Small body limits, so that the fuzzers reach the 413s.
 */
export async function startFuzzTarget(env: Record<string, string> = {}): Promise<FuzzTarget> {
  const t = await startTestApp({ BODY_LIMIT: '1mb', IMPORT_LIMIT: '2mb', ...env });
  const admin = await createKey(t.database.db, 'admin');
  await createKey(t.database.db, 'submitter', ['E08000009']);
  await createKey(t.database.db, 'analyst');
  const post = async (path: string, body: Buffer | string, type: string, method = 'POST') => {
    const res = await fetch(`${t.url}${path}`, { method, headers: { 'content-type': type, authorization: `Bearer ${admin}` }, body });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  };
  await post('/api/v1/imports/contracts', fixture('imports/contracts.csv'), 'text/csv');
  await post('/api/v1/imports/commitments', fixture('imports/commitments.csv'), 'text/csv');
  await post('/api/v1/imports/outcomes', fixture('imports/outcomes.csv'), 'text/csv');
  await post('/api/v1/imports/outcomes', fixture('imports/outcomes.json'), 'application/json');
  await post('/api/v1/imports/ocds', fixture('ocds/metrics-lifecycle.json'), 'application/json');
  await post('/api/v1/peer-groups/gm-councils', JSON.stringify({ description: 'fuzz', members: ['E08000009', 'E08000003'] }), 'application/json', 'PUT');
  const pools = await loadPools(t.url, admin);
  return { t, admin, pools };
}

/** Row counts of the tables an import writes, read straight from the database. */
export async function rowCounts(t: TestApp): Promise<Record<string, number>> {
  const knex = t.database.db.knex;
  const out: Record<string, number> = {};
  for (const table of ['contracts', 'commitments', 'outcomes']) {
    out[table] = Number((await knex(table).count({ n: '*' }))[0].n);
  }
  return out;
}
