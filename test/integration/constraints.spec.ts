import type { Knex } from 'knex';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/** The schema keeps bad data out by itself, whatever code writes to it. */
describe('schema constraints', () => {
  let t: TestDatabase;
  let knex: Knex;
  let ids: { authority: number; supplier: number; framework: number; theme: number; measure: number; contract: number };

  beforeAll(async () => {
    t = await createTestDatabase();
    knex = t.db.knex;
    const authority = (await knex('authorities').where({ code: 'E08000009' }).first('id')).id;
    const [{ id: supplier }] = await knex('suppliers')
      .insert({ scheme: 'GB-COH', identifier: '01234567', name: 'Acme Ltd', name_normalised: 'acme ltd', scale: 'sme' })
      .returning('id');
    const [{ id: framework }] = await knex('frameworks')
      .insert({ code: 'TEST', version: '1', name: 'Test', licence: 'OGL', source: 'test', base_price_year: 2024, content_sha256: 'a'.repeat(64) })
      .returning('id');
    const [{ id: theme }] = await knex('themes').insert({ framework_id: framework, code: 'T1', name: 'Jobs' }).returning('id');
    const [{ id: measure }] = await knex('measures')
      .insert({
        framework_id: framework,
        theme_id: theme,
        code: 'M1',
        name: 'Local FTE',
        unit: 'FTE',
        category: 'local_economic',
        valuation: 'proxy',
      })
      .returning('id');
    const [{ id: contract }] = await knex('contracts')
      .insert({
        reference: 'TEST-1',
        authority_id: authority,
        supplier_id: supplier,
        title: 'Cleaning',
        stage: 'awarded',
        cpv_code8: '90910000',
        sector: '90',
        value_gbp: '125000.00',
        start_date: '2024-04-01',
        end_date: '2026-03-31',
      })
      .returning('id');
    ids = { authority, supplier, framework, theme, measure, contract };
  });
  afterAll(() => t.dispose());

  const outcome = (over: Record<string, unknown> = {}) => ({
    contract_id: ids.contract,
    measure_id: ids.measure,
    period_start: '2024-04-01',
    period_end: '2024-06-30',
    quantity: '2.5',
    unit: 'FTE',
    quantity_canonical: '2.5',
    ...over,
  });

  const sqlState = async (p: Promise<unknown>) => {
    try {
      await p;
      return 'ok';
    } catch (err) {
      return (err as { code?: string }).code;
    }
  };

  it('keeps exact decimals and calendar dates', async () => {
    const [row] = await knex('outcomes').insert(outcome({ quantity: '0.1', quantity_canonical: '0.3' })).returning('*');
    expect(row.quantity).toBe('0.100000');
    expect(row.period_start).toBe('2024-04-01');
    expect(typeof row.id).toBe('number');
    await knex('outcomes').where({ id: row.id }).delete();
  });

  it('refuses negative quantities and values', async () => {
    expect(await sqlState(knex('outcomes').insert(outcome({ quantity: '-1' })))).toBe('23514');
    expect(await sqlState(knex('commitments').insert({ contract_id: ids.contract, measure_id: ids.measure, period_start: '2024-04-01', period_end: '2025-03-31', unit: 'FTE', target_quantity: '-5', target_canonical: '0' }))).toBe('23514');
    expect(await sqlState(knex('proxy_values').insert({ measure_id: ids.measure, price_year: 2024, value_gbp: '-3', source: 's', licence: 'l' }))).toBe('23514');
    expect(await sqlState(knex('contracts').where({ id: ids.contract }).update({ value_gbp: '-1' }))).toBe('23514');
  });

  it('refuses impossible periods and out-of-range adjustments', async () => {
    expect(await sqlState(knex('outcomes').insert(outcome({ period_end: '2024-03-01' })))).toBe('23514');
    expect(await sqlState(knex('contracts').where({ id: ids.contract }).update({ end_date: '2020-01-01' }))).toBe('23514');
    expect(await sqlState(knex('measures').where({ id: ids.measure }).update({ deadweight: '1.5' }))).toBe('23514');
    expect(await sqlState(knex('contracts').where({ id: ids.contract }).update({ sv_weighting_pct: '120' }))).toBe('23514');
  });

  it('refuses unknown references and codes outside their lists', async () => {
    expect(await sqlState(knex('outcomes').insert(outcome({ contract_id: 999999 })))).toBe('23503');
    expect(await sqlState(knex('contracts').where({ id: ids.contract }).update({ cpv_code8: '99999999', sector: '99' }))).toBe('23503');
    expect(await sqlState(knex('contracts').where({ id: ids.contract }).update({ sector: '45' }))).toBe('23514'); // not the CPV's division
    expect(await sqlState(knex('measures').where({ id: ids.measure }).update({ category: 'spiritual' }))).toBe('23514');
    expect(await sqlState(knex('authorities').insert({ code: 'X1', name: 'X', kind: 'castle', source: 't' }))).toBe('23514');
    expect(await sqlState(knex('api_keys').insert({ prefix: 'svm_abcdefgh', key_hash: 'not-a-hash', role: 'admin' }))).toBe('23514');
  });

  it('keeps natural keys unique, and one latest revision per outcome key', async () => {
    expect(await sqlState(knex('suppliers').insert({ scheme: 'GB-COH', identifier: '01234567', name: 'Acme 2', name_normalised: 'acme 2' }))).toBe('23505');
    expect(await sqlState(knex('measures').insert({ framework_id: ids.framework, theme_id: ids.theme, code: 'M1', name: 'Dup', unit: 'FTE', category: 'social', valuation: 'record_only' }))).toBe('23505');
    await knex('outcomes').insert(outcome());
    expect(await sqlState(knex('outcomes').insert(outcome({ revision: 2 })))).toBe('23505'); // two latest
    expect(await sqlState(knex('outcomes').insert(outcome({ revision: 2, is_latest: false })))).toBe('ok');
    expect(await sqlState(knex('outcomes').insert(outcome({ revision: 2, is_latest: false })))).toBe('23505'); // same revision
  });

  it('will not call a contract awarded without a supplier', async () => {
    expect(await sqlState(knex('contracts').insert({ reference: 'TEST-2', authority_id: ids.authority, title: 'Tender', stage: 'awarded' }))).toBe('23514');
    expect(await sqlState(knex('contracts').insert({ reference: 'TEST-2', authority_id: ids.authority, title: 'Tender', stage: 'pipeline' }))).toBe('ok');
  });
});
