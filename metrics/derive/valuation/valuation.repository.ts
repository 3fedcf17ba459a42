import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { knexSession, type Session } from '../../platform/session';
import { KNEX } from '../../platform/tokens';
import { trimDecimal } from '../../platform/decimal';
import { GDP_PER_HEAD_SERIES, PRICE_SERIES, unitValue, type IndexSeries, type MeasureForValuation, type ProxyValue, type UnitValue } from './valuation';

/** Years the stored factors cover: outcomes of other years are not valued (their £ is null). */
export const FACTOR_YEARS = { from: 2000, to: 2060 } as const;

export interface MeasureValuationInput extends MeasureForValuation {
  framework_id: number;
  base_price_year: number;
}

export interface ValuationInputs {
  measures: MeasureValuationInput[];
  prices: IndexSeries;
  gdpPerHead: IndexSeries;
}

/** The catalogue and price series the valuation reads, and the per-unit factors it writes. */
@Injectable()
export class ValuationRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  /** The catalogue's measures with their proxy values, and the price series, on a connection of the pool. */
  inputs(measureIds?: number[]): Promise<ValuationInputs> {
    return this.inputsIn(knexSession(this.knex), measureIds);
  }

  /** The same in the caller's transaction (factors being rewritten). */
  async inputsIn(s: Session, measureIds?: number[]): Promise<ValuationInputs> {
    const measures = await s.query<Omit<MeasureValuationInput, 'proxies'>>(
      `select m.id, m.framework_id, f.base_price_year, m.valuation, m.deadweight::text, m.displacement::text,
         m.attribution::text, m.drop_off::text, m.duration_years
       from measures m join frameworks f on f.id = m.framework_id
       ${measureIds ? 'where m.id = any($1::int[])' : ''} order by m.id`,
      measureIds ? [measureIds] : [],
    );
    const proxies = await s.query<ProxyValue & { measure_id: number }>(
      `select id, measure_id, price_year, value_gbp::text, price_base_year, source, licence from proxy_values
       ${measureIds ? 'where measure_id = any($1::int[])' : ''} order by measure_id, price_year`,
      measureIds ? [measureIds] : [],
    );
    const byMeasure = new Map<number, ProxyValue[]>();
    for (const p of proxies) {
      const list = byMeasure.get(p.measure_id) ?? [];
      list.push({ id: p.id, price_year: p.price_year, value_gbp: trimDecimal(p.value_gbp), price_base_year: p.price_base_year, source: p.source, licence: p.licence });
      byMeasure.set(p.measure_id, list);
    }
    return {
      measures: measures.map((m) => ({
        ...m,
        deadweight: trimDecimal(m.deadweight),
        displacement: trimDecimal(m.displacement),
        attribution: trimDecimal(m.attribution),
        drop_off: trimDecimal(m.drop_off),
        proxies: byMeasure.get(m.id) ?? [],
      })),
      prices: await this.series(s, PRICE_SERIES),
      gdpPerHead: await this.series(s, GDP_PER_HEAD_SERIES),
    };
  }

  async series(s: Session, name: string): Promise<IndexSeries> {
    const rows = await s.query<{ year: number; index_value: string }>(
      'select year, index_value::text from deflators where series = $1 order by year',
      [name],
    );
    return new Map(rows.map((r) => [Number(r.year), trimDecimal(r.index_value)]));
  }

  /** Every measure's factors for every year, from the pure valuation. */
  static compute(inputs: ValuationInputs): UnitValue[] {
    const out: UnitValue[] = [];
    for (const m of inputs.measures) {
      for (let year = FACTOR_YEARS.from; year <= FACTOR_YEARS.to; year++) {
        out.push(unitValue(m, year, m.base_price_year, inputs.prices, inputs.gdpPerHead));
      }
    }
    return out;
  }

  /**
   * Writes the factors (inserting, updating and deleting so the table equals `factors` for every measure it covers)
   * and returns the measures whose factors changed.
   */
  async write(s: Session, factors: UnitValue[], allMeasures: boolean): Promise<number[]> {
    await s.query('drop table if exists valuation_factors_new');
    await s.query(
      `create temp table valuation_factors_new (measure_id integer, year smallint, proxy_value_id integer, base_year smallint,
         nominal_per_unit numeric, real_per_unit numeric, net_per_unit numeric, pv_per_unit numeric) on commit drop`,
    );
    const columns = { measure_id: [] as number[], year: [] as number[], proxy: [] as (number | null)[], base: [] as number[], nominal: [] as (string | null)[], real: [] as (string | null)[], net: [] as (string | null)[], pv: [] as (string | null)[] };
    for (const f of factors) {
      columns.measure_id.push(f.measure_id);
      columns.year.push(f.year);
      columns.proxy.push(f.proxy?.id ?? null);
      columns.base.push(f.base_year);
      columns.nominal.push(f.nominal);
      columns.real.push(f.real);
      columns.net.push(f.net);
      columns.pv.push(f.pv);
    }
    await s.query(
      `insert into valuation_factors_new
       select * from unnest($1::int[], $2::smallint[], $3::int[], $4::smallint[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[])`,
      [columns.measure_id, columns.year, columns.proxy, columns.base, columns.nominal, columns.real, columns.net, columns.pv],
    );
    const changed = await s.query<{ measure_id: number }>(
      `select distinct measure_id from (
         (select * from valuation_factors_new except select * from valuation_factors
            where ${allMeasures ? 'true' : 'measure_id in (select measure_id from valuation_factors_new)'})
         union all
         (select * from valuation_factors where ${allMeasures ? 'true' : 'measure_id in (select measure_id from valuation_factors_new)'}
          except select * from valuation_factors_new)) d`,
    );
    if (changed.length === 0) return [];
    const ids = changed.map((c) => Number(c.measure_id));
    await s.query('delete from valuation_factors where measure_id = any($1::int[])', [ids]);
    await s.query('insert into valuation_factors select * from valuation_factors_new where measure_id = any($1::int[])', [ids]);
    return ids;
  }
}
