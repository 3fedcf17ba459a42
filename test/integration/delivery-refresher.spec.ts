import type { INestApplicationContext } from '@nestjs/common';
import type { Knex } from 'knex';
import { knexSession } from '../../metrics/platform/session';
import { DeliveryRefresher } from '../../metrics/derive/delivery/delivery.refresher';
import { DerivedDataService } from '../../metrics/derive/derived-data.service';
import { DEFAULT_RATING_THRESHOLDS, measureDelivery, overallRating, type Rating } from '../../metrics/derive/valuation/delivery';
import { quarterStart } from '../../metrics/platform/periods';
import { metricsContext } from '../support/metrics-context';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const AS_OF = '2025-06-30';

/** The delivery refresher's SQL gives the figures of the pure functions, in a rebuild and after incremental refreshes. */
describe('delivery refresher', () => {
  let t: TestDatabase;
  let knex: Knex;
  let measures: number[];
  let metrics: INestApplicationContext;

  const rebuild = () => knex.transaction((trx) => metrics.get(DeliveryRefresher).rebuild(knexSession(trx)));
  const refresh = () => knex.transaction((trx) => metrics.get(DerivedDataService).refresh(knexSession(trx)));
  const snapshot = async () => ({
    measures: await knex('delivery_measures').orderBy(['contract_id', 'measure_id']).select('*'),
    contracts: await knex('delivery_contracts').orderBy('contract_id').select('*'),
    rollups: await knex('delivery_rollups').orderBy(['authority_id', 'sector', 'award_quarter']).select('*'),
    values: await knex('delivery_value_rollups').orderBy(['authority_id', 'sector', 'award_quarter', 'framework_id']).select('*'),
  });

  /** What the pure functions say for every contract x measure with a latest commitment. */
  const expectedFromPure = async () => {
    const commitments = await knex('commitments').where('is_latest', true).select('contract_id', 'measure_id', 'period_start', 'period_end', 'target_canonical');
    const outcomes = await knex('outcomes').where('is_latest', true).select('contract_id', 'measure_id', 'period_start', 'period_end', 'quantity_canonical');
    const keys = [...new Set(commitments.map((c) => `${c.contract_id}:${c.measure_id}`))];
    return keys.sort().map((key) => {
      const [contract, measure] = key.split(':').map(Number);
      const m = measureDelivery(
        String(measure),
        commitments.filter((c) => c.contract_id === contract && c.measure_id === measure).map((c) => ({ ...c, measure: String(measure) })),
        outcomes.filter((o) => o.contract_id === contract && o.measure_id === measure).map((o) => ({ ...o, measure: String(measure) })),
        AS_OF,
        DEFAULT_RATING_THRESHOLDS,
      );
      return { contract_id: contract, measure_id: measure, committed: m.committed, expected: m.expected, delivered: m.delivered, ratio: m.ratio, rating: m.rating };
    });
  };
  const stored = async () =>
    (await knex('delivery_measures').select('contract_id', 'measure_id', 'committed', 'expected', 'delivered', 'ratio', 'rating'))
      .map((r) => ({ ...r, committed: num(r.committed), expected: num(r.expected), delivered: num(r.delivered), ratio: r.ratio === null ? null : num(r.ratio) }))
      .sort((a, b) => `${a.contract_id}:${a.measure_id}`.localeCompare(`${b.contract_id}:${b.measure_id}`));
  /** Each by-authority rollup equals its sector-level source summed over sectors. */
  const expectCompactsEqualSources = async () => {
    const pairs: Array<[string, string, string, string]> = [
      ['indicator_contract_rollups', 'contract_rollups r', 'r.authority_id, r.award_quarter', 'sum(r.contracts)::int as n, sum(r.awarded_value_gbp) as v, sum(r.sv_weighting_sum) as w'],
      ['delivery_authority_rollups', 'delivery_rollups r', 'r.authority_id, r.award_quarter', 'sum(r.contracts)::int as n, sum(r.active_returned)::int as v, sum(r.rating_other)::int as w'],
      ['delivery_value_authority_rollups', 'delivery_value_rollups r', 'r.authority_id, r.award_quarter, r.framework_id', 'sum(r.contracts)::int as n, sum(r.expected_net_gbp) as v, sum(r.delivered_real_gbp) as w'],
    ];
    for (const [target, source, keys, sums] of pairs) {
      const fromSource = await knex.raw(`select ${keys}, ${sums} from ${source} group by ${keys} order by ${keys}`);
      const fromTarget = await knex.raw(`select ${keys}, ${sums} from ${target} r group by ${keys} order by ${keys}`);
      expect([target, fromTarget.rows.map(normal)]).toEqual([target, fromSource.rows.map(normal)]);
    }
    const social = await knex.raw(`select r.authority_id, r.quarter, m.framework_id, sum(r.outcome_count)::int as n,
        coalesce(sum(r.net_gbp) filter (where m.category = 'local_economic'), 0) as le, coalesce(sum(r.nominal_gbp) filter (where m.category = 'social'), 0) as so
      from measure_rollups r join measures m on m.id = r.measure_id group by 1, 2, 3 order by 1, 2, 3`);
    const compact = await knex.raw(`select authority_id, quarter, framework_id, outcome_count as n, local_economic_net_gbp as le, social_nominal_gbp as so
      from indicator_social_rollups order by 1, 2, 3`);
    expect(compact.rows.map(normal)).toEqual(social.rows.map(normal));
    expect(social.rows.length).toBeGreaterThan(3);
  };
  const normal = (row: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? num(v) : v]));
  const num = (text: string) => (text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text);

  beforeAll(async () => {
    t = await createTestDatabase();
    knex = t.db.knex;
    metrics = await metricsContext(t.db);
    const authority = (await knex('authorities').where({ code: 'E08000009' }).first('id')).id;
    const other = (await knex('authorities').where({ code: 'E08000003' }).first('id')).id;
    measures = (await knex('measures as m').join('frameworks as f', 'f.id', 'm.framework_id').where('f.is_default', true)
      .whereIn('m.code', ['SVM-SPEND-LOCAL', 'SVM-VOLUNTEER-HOURS', 'SVM-HIRE-LTU']).orderBy('m.code').select('m.id')).map((r) => r.id);
    const [{ id: supplier }] = await knex('suppliers').insert({ name: 'Acme Ltd', name_normalised: 'acme ltd', scale: 'sme' }).returning('id');
    await knex('delivery_state').insert({ id: true, as_of_fixed: AS_OF }).onConflict('id').merge();

    // a small deterministic dataset: 8 contracts over two authorities, commitments over the whole term or per year,
    // quarterly and yearly returns, some running past the as-of date, one not started
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let i = 0; i < 8; i++) {
      const startYear = 2023 + (i % 3);
      const [{ id: contract }] = await knex('contracts')
        .insert({
          reference: `DLV-${i}`,
          authority_id: i % 3 === 0 ? other : authority,
          supplier_id: supplier,
          title: `Contract ${i}`,
          stage: 'awarded',
          cpv_code8: i % 2 ? '85312000' : '45233141',
          sector: i % 2 ? '85' : '45',
          value_gbp: i === 5 ? null : `${(i + 1) * 100000}.00`,
          award_date: i === 7 ? null : `${startYear - 1}-${String(1 + rand(12)).padStart(2, '0')}-15`, // one without: a null award quarter
          start_date: `${startYear}-04-01`,
          end_date: `${startYear + 2 + (i % 2)}-03-31`,
        })
        .returning('id');
      for (const measure of measures.slice(0, 1 + (i % 3))) {
        if (i % 2 === 0) {
          await knex('commitments').insert({ contract_id: contract, measure_id: measure, period_start: `${startYear}-04-01`,
            period_end: `${startYear + 2 + (i % 2)}-03-31`, target_quantity: 1000 + rand(5000), unit: 'x', target_canonical: 0 });
        } else {
          for (let y = 0; y < 3; y++) {
            await knex('commitments').insert({ contract_id: contract, measure_id: measure, period_start: `${startYear + y}-04-01`,
              period_end: `${startYear + y + 1}-03-31`, target_quantity: 100 + rand(900), unit: 'x', target_canonical: 0 });
          }
        }
        for (let q = 0; q < 10; q++) {
          if (rand(5) === 0) continue; // a missing return
          const y = startYear + Math.floor((q + 1) / 4);
          const month = ((q + 1) % 4) * 3 + 1;
          const end = new Date(Date.UTC(y, month + 2, 0)).toISOString().slice(0, 10);
          await knex('outcomes').insert({ contract_id: contract, measure_id: measure, period_start: `${y}-${String(month).padStart(2, '0')}-01`,
            period_end: end, quantity: `${rand(400)}.${rand(1000)}`, unit: 'x', quantity_canonical: 0 });
        }
        if (i === 3) {
          // a yearly return running past the as-of date
          await knex('outcomes').insert({ contract_id: contract, measure_id: measure, period_start: '2025-04-01', period_end: '2026-03-31',
            quantity: '365', unit: 'x', quantity_canonical: 0 });
        }
      }
    }
    await knex('commitments').update({ target_canonical: knex.ref('target_quantity') });
    await knex('outcomes').update({ quantity_canonical: knex.ref('quantity') });
  });
  afterAll(async () => {
    await metrics.close();
    await t.dispose();
  });

  it('stores the pure functions\' expected, delivered, ratio and rating for every contract and measure', async () => {
    await knex.transaction((trx) => metrics.get(DerivedDataService).rebuild(knexSession(trx)));
    expect((await knex('delivery_state').first()).as_of).toBe(AS_OF);
    const pure = await expectedFromPure();
    expect(pure.length).toBeGreaterThan(10);
    expect(new Set(pure.map((p) => p.rating)).size).toBeGreaterThan(2);
    expect(await stored()).toEqual(pure);
    await expectCompactsEqualSources();

    // the contract's rating is the worst of its measures; active and returned as of the as-of quarter
    const contracts = await knex('delivery_contracts as d').join('contracts as c', 'c.id', 'd.contract_id').select('d.*', 'c.start_date', 'c.end_date');
    for (const c of contracts) {
      const ratings = pure.filter((p) => p.contract_id === c.contract_id).map((p) => p.rating as Rating);
      expect(c.rating).toBe(overallRating(ratings));
      expect(c.active).toBe(c.start_date <= AS_OF && c.end_date >= quarterStart(AS_OF));
    }
  });

  it('keeps the same figures through incremental refreshes: corrections, new commitments, deleted contracts', async () => {
    await rebuild();
    const [first] = await knex('contracts').where('reference', 'DLV-1').select('id');
    const old = await knex('outcomes').where({ contract_id: first.id, is_latest: true }).orderBy('period_start').first();
    // a correction: a new revision replaces the old one
    await knex('outcomes').where('id', old.id).update({ is_latest: false });
    await knex('outcomes').insert({ contract_id: old.contract_id, measure_id: old.measure_id, period_start: old.period_start, period_end: old.period_end,
      quantity: '9999', unit: 'x', quantity_canonical: '9999', revision: 2 });
    await knex('commitments').insert({ contract_id: first.id, measure_id: measures[2], period_start: '2026-01-01', period_end: '2026-12-31',
      target_quantity: '4', unit: 'person', target_canonical: '4' });
    await knex('contracts').where('reference', 'DLV-2').delete();
    await knex('contracts').where('reference', 'DLV-4').update({ award_date: '2020-01-01', authority_id: knex('authorities').where('code', 'E08000003').select('id') });
    await refresh();
    const pure = await expectedFromPure();
    expect(pure.find((p) => p.contract_id === first.id && p.measure_id === measures[2])).toMatchObject({ expected: '0', rating: 'other' });
    expect(await stored()).toEqual(pure);
    await expectCompactsEqualSources();
    const incremental = await snapshot();
    await rebuild();
    expect(await snapshot()).toEqual(incremental);
    await knex.transaction((trx) => metrics.get(DerivedDataService).rebuild(knexSession(trx)));
    await expectCompactsEqualSources();
    expect(incremental.rollups.reduce((n, r) => n + r.contracts, 0)).toBe(7);
  });

  it('keeps the same figures through removed commitments and returns, changed values and stages, returns of the as-of quarter', async () => {
    await rebuild();
    const contractId = async (reference: string) => (await knex('contracts').where({ reference }).first('id')).id as number;
    /** After a refresh: the pure functions' figures, the compacts, a contract's flags, and what a rebuild stores. */
    const expectConsistent = async () => {
      await refresh();
      expect(await stored()).toEqual(await expectedFromPure());
      await expectCompactsEqualSources();
      const flags = await knex.raw(`
        select d.contract_id, d.active, d.returned, d.measures,
          coalesce(c.stage = 'awarded' and c.start_date <= ? and (c.end_date is null or c.end_date >= ?), false) as active_now,
          exists (select 1 from outcomes o where o.contract_id = c.id and o.is_latest and o.period_start <= ? and o.period_end >= ?) as returned_now,
          (select count(*)::int from delivery_measures m where m.contract_id = c.id) as measures_now
        from delivery_contracts d join contracts c on c.id = d.contract_id`, [AS_OF, quarterStart(AS_OF), AS_OF, quarterStart(AS_OF)]);
      for (const f of flags.rows) expect([f.contract_id, f.active, f.returned, f.measures]).toEqual([f.contract_id, f.active_now, f.returned_now, f.measures_now]);
      const incremental = await snapshot();
      await rebuild();
      expect(await snapshot()).toEqual(incremental);
    };

    // one commitment of a contract with several measures goes; then every commitment of another contract
    const three = await contractId('DLV-5');
    await knex('commitments').where({ contract_id: three, measure_id: measures[1] }).delete();
    await expectConsistent();
    await knex('commitments').where({ contract_id: await contractId('DLV-3') }).delete();
    await expectConsistent();
    expect(await knex('delivery_contracts').where({ contract_id: await contractId('DLV-3') }).first()).toBeUndefined();

    // a contract's value becomes unknown, another is cancelled (no longer active), a third moves award quarter
    await knex('contracts').where({ reference: 'DLV-1' }).update({ value_gbp: null });
    await knex('contracts').where({ reference: 'DLV-6' }).update({ stage: 'cancelled' });
    await knex('contracts').where({ reference: 'DLV-5' }).update({ award_date: '2019-05-01', value_gbp: '1.00' });
    await expectConsistent();

    // the returns of the as-of quarter of a contract go; another return is changed in place; one is corrected
    const returned = await knex('delivery_contracts').where({ returned: true }).first('contract_id');
    await knex('outcomes').where({ contract_id: returned.contract_id }).where('period_end', '>=', quarterStart(AS_OF)).where('period_start', '<=', AS_OF).delete();
    await knex('outcomes').where({ contract_id: await contractId('DLV-1'), is_latest: true }).orderBy('id').limit(1)
      .update({ quantity_canonical: knex.raw('quantity_canonical + 17.5') });
    const old = await knex('outcomes').where({ contract_id: await contractId('DLV-6'), is_latest: true }).orderBy('period_start', 'desc').first();
    await knex('outcomes').where('id', old.id).update({ is_latest: false });
    await knex('outcomes').insert({ contract_id: old.contract_id, measure_id: old.measure_id, period_start: old.period_start, period_end: old.period_end,
      quantity: '0', unit: 'x', quantity_canonical: '0', revision: 2 });
    await expectConsistent();
    expect(await knex('delivery_contracts').where({ contract_id: returned.contract_id }).first('returned')).toEqual({ returned: false });

    // a commitment comes back; a contract with none gets one; an outcome of a measure without a commitment changes
    await knex('commitments').insert({ contract_id: three, measure_id: measures[1], period_start: '2025-01-01', period_end: '2025-12-31',
      target_quantity: '10', unit: 'x', target_canonical: '10' });
    await knex('commitments').insert({ contract_id: await contractId('DLV-3'), measure_id: measures[0], period_start: '2024-01-01', period_end: '2024-12-31',
      target_quantity: '100', unit: 'x', target_canonical: '100' });
    await knex('outcomes').insert({ contract_id: await contractId('DLV-0'), measure_id: measures[2], period_start: '2025-04-01', period_end: '2025-06-30',
      quantity: '3', unit: 'x', quantity_canonical: '3' });
    await expectConsistent();
    const dirty = await knex.raw('select (select count(*) from change_outcomes) + (select count(*) from change_commitments) + (select count(*) from change_contracts) as n');
    expect(Number(dirty.rows[0].n)).toBe(0); // every change consumed
  });
});
