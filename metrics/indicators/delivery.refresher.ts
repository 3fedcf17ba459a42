import type { Session } from '../db/session';
import type { RollupRefresher } from '../rollups/refreshers';
import { DEFAULT_RATING_THRESHOLDS, quarterStart, type RatingThresholds } from '../valuation/delivery';

/** The end of the last closed calendar quarter, by the database's clock. */
export const LAST_CLOSED_QUARTER_SQL = `(date_trunc('quarter', current_date::timestamp)::date - 1)`;

/** Elapsed days of [start, end] as of $1 over its days: the rule of metrics/valuation/delivery.ts in SQL. */
const toDate = (qty: string, start: string, end: string) =>
  `round(${qty} * least(greatest($1::date - ${start} + 1, 0), ${end} - ${start} + 1) / (${end} - ${start} + 1), 6)`;

const BASES = ['nominal', 'real', 'net'] as const;
const AMOUNTS = ['committed', 'expected', 'delivered'] as const;
const MONEY_COLUMNS = AMOUNTS.flatMap((a) => BASES.map((b) => `${a}_${b}_gbp`));

export interface DeliveryState {
  as_of: string | null;
  as_of_fixed: string | null;
  /** The as-of date a rebuild now would use: as_of_fixed, else the end of the last closed quarter. */
  target: string;
  thresholds: RatingThresholds;
}

/** The one row of delivery_state (created with the defaults when missing); `lock` holds it for this transaction. */
export async function deliveryState(s: Session, lock = false): Promise<DeliveryState> {
  if (lock) await s.query('insert into delivery_state (id) values (true) on conflict do nothing');
  const rows = await s.query<{ as_of: string | null; as_of_fixed: string | null; target: string; good: string; approaching: string; requires: string }>(
    `select as_of, as_of_fixed, coalesce(as_of_fixed, ${LAST_CLOSED_QUARTER_SQL}) as target,
       threshold_good::text as good, threshold_approaching::text as approaching, threshold_requires::text as requires
     from delivery_state ${lock ? 'for update' : ''}`,
  );
  const r = rows[0];
  if (!r) {
    const [{ target }] = await s.query<{ target: string }>(`select ${LAST_CLOSED_QUARTER_SQL} as target`);
    return { as_of: null, as_of_fixed: null, target, thresholds: { ...DEFAULT_RATING_THRESHOLDS } };
  }
  return {
    as_of: r.as_of,
    as_of_fixed: r.as_of_fixed,
    target: r.target,
    thresholds: { good: r.good, approaching_target: r.approaching, requires_improvement: r.requires },
  };
}

/**
 * Keeps commitment vs delivery current (delivery_measures, delivery_contracts and their rollups) for the contracts in
 * rollup_refresh_contracts, as of the stored as-of date; a full refresh (or the first one) recomputes everything as of
 * the end of the last closed quarter (or the fixed as-of date). The rules are those of metrics/valuation/delivery.ts:
 * expected and delivered pro-rata by elapsed days of each commitment's and return's period, rounded to 6 places,
 * summed per contract and measure; rating compared exactly against the thresholds; a contract's rating is the worst of
 * its measures that have something expected. £ are the quantities times the measure's factor for the as-of year.
 * The state row is locked first, so refreshes of concurrent batches (and a rebuild) take their turn.
 */
export class DeliveryRefresher implements RollupRefresher {
  readonly name = 'delivery';

  async refresh(s: Session, full: boolean): Promise<void> {
    const state = await deliveryState(s, true);
    const rebuild = full || state.as_of === null;
    const asOf = rebuild ? state.target : state.as_of!;
    await s.query(
      `update delivery_state set as_of = $1::date, refreshed_at = now()${rebuild ? ', rebuilt_at = now()' : ''}`,
      [asOf],
    );
    const t = state.thresholds;
    const scope = (alias: string) => (rebuild ? '' : `join rollup_refresh_contracts rr on rr.contract_id = ${alias}.contract_id`);

    await s.query('drop table if exists delivery_refresh_keys');
    if (rebuild) {
      for (const table of ['delivery_value_rollups', 'delivery_rollups', 'delivery_contracts', 'delivery_measures']) await s.query(`delete from ${table}`);
    } else {
      await s.query(
        `create temp table delivery_refresh_keys on commit drop as
         select dc.authority_id, dc.sector, dc.award_quarter from delivery_contracts dc ${scope('dc')}`,
      );
      await s.query(`delete from delivery_measures d using rollup_refresh_contracts rr where d.contract_id = rr.contract_id`);
      await s.query(`delete from delivery_contracts d using rollup_refresh_contracts rr where d.contract_id = rr.contract_id`);
    }

    await s.query(
      `insert into delivery_measures (contract_id, measure_id, commitments, committed, expected, delivered, ratio, rating,
         ${MONEY_COLUMNS.join(', ')})
       with cm as (
         select c.contract_id, c.measure_id, count(*)::int as commitments, sum(c.target_canonical) as committed,
           sum(${toDate('c.target_canonical', 'c.period_start', 'c.period_end')}) as expected
         from commitments c ${scope('c')}
         where c.is_latest
         group by 1, 2
       ), od as (
         select o.contract_id, o.measure_id, sum(${toDate('o.quantity_canonical', 'o.period_start', 'o.period_end')}) as delivered
         from cm join outcomes o on o.contract_id = cm.contract_id and o.measure_id = cm.measure_id
         where o.is_latest and o.period_start <= $1::date
         group by 1, 2
       ), x as (
         select cm.*, coalesce(od.delivered, 0) as delivered from cm left join od using (contract_id, measure_id)
       )
       select x.contract_id, x.measure_id, x.commitments, x.committed, x.expected, x.delivered,
         case when x.expected = 0 then null else round(x.delivered / x.expected, 6) end,
         case when x.expected = 0 then 'other'
           when x.delivered >= $2::numeric * x.expected then 'good'
           when x.delivered >= $3::numeric * x.expected then 'approaching_target'
           when x.delivered >= $4::numeric * x.expected then 'requires_improvement'
           else 'inadequate' end,
         ${AMOUNTS.flatMap((a) => BASES.map((b) => `x.${a} * f.${b}_per_unit`)).join(', ')}
       from x left join valuation_factors f on f.measure_id = x.measure_id and f.year = extract(year from $1::date)`,
      [asOf, t.good, t.approaching_target, t.requires_improvement],
    );

    await s.query(
      `insert into delivery_contracts (contract_id, authority_id, sector, award_quarter, value_gbp, rating, active, returned, is_demo)
       select c.id, c.authority_id, c.sector, date_trunc('quarter', c.award_date)::date, c.value_gbp,
         case w.worst when 1 then 'inadequate' when 2 then 'requires_improvement' when 3 then 'approaching_target'
           when 4 then 'good' else 'other' end,
         coalesce(c.stage = 'awarded' and c.start_date <= $1::date and (c.end_date is null or c.end_date >= $2::date), false),
         exists (select 1 from outcomes o where o.contract_id = c.id and o.is_latest
           and o.period_start <= $1::date and o.period_end >= $2::date),
         c.is_demo
       from (
         select dm.contract_id, min(case dm.rating when 'inadequate' then 1 when 'requires_improvement' then 2
           when 'approaching_target' then 3 when 'good' then 4 end) as worst
         from delivery_measures dm ${scope('dm')}
         group by 1) w
       join contracts c on c.id = w.contract_id`,
      [asOf, quarterStart(asOf)],
    );

    // the keys to recompute: those the refreshed contracts counted under before, and now (a rebuild: every key)
    let from = 'delivery_contracts dc';
    if (!rebuild) {
      await s.query(`insert into delivery_refresh_keys select dc.authority_id, dc.sector, dc.award_quarter from delivery_contracts dc ${scope('dc')}`);
      await s.query('analyze delivery_refresh_keys');
      const k = '(select distinct authority_id, sector, award_quarter from delivery_refresh_keys)';
      const match = (alias: string) => `${alias}.authority_id = k.authority_id and ${alias}.sector is not distinct from k.sector
        and ${alias}.award_quarter is not distinct from k.award_quarter`;
      for (const table of ['delivery_rollups', 'delivery_value_rollups']) await s.query(`delete from ${table} r using ${k} k where ${match('r')}`);
      from = `${k} k join delivery_contracts dc on ${match('dc')}`;
    }

    await s.query(
      `insert into delivery_rollups (authority_id, sector, award_quarter, contracts, rating_good, rating_approaching_target,
         rating_requires_improvement, rating_inadequate, rating_other, active, active_returned, demo_count)
       select dc.authority_id, dc.sector, dc.award_quarter, count(*),
         count(*) filter (where dc.rating = 'good'), count(*) filter (where dc.rating = 'approaching_target'),
         count(*) filter (where dc.rating = 'requires_improvement'), count(*) filter (where dc.rating = 'inadequate'),
         count(*) filter (where dc.rating = 'other'), count(*) filter (where dc.active),
         count(*) filter (where dc.active and dc.returned), count(*) filter (where dc.is_demo)
       from ${from}
       group by 1, 2, 3`,
    );
    const valued = (c: string) => `coalesce(sum(v.${c}) filter (where dc.value_gbp is not null), 0)`;
    const all = (c: string) => `coalesce(sum(v.${c}), 0)`;
    await s.query(
      `insert into delivery_value_rollups (authority_id, sector, award_quarter, framework_id, contracts, valued_contracts,
         contract_value_gbp, ${MONEY_COLUMNS.join(', ')})
       select dc.authority_id, dc.sector, dc.award_quarter, v.framework_id, count(*),
         count(*) filter (where dc.value_gbp is not null), coalesce(sum(dc.value_gbp), 0),
         ${MONEY_COLUMNS.map((c) => (c.startsWith('committed') ? valued(c) : all(c))).join(', ')}
       from ${from}
       join lateral (
         select m.framework_id, ${MONEY_COLUMNS.map((c) => `sum(dm.${c}) as ${c}`).join(', ')}
         from delivery_measures dm join measures m on m.id = dm.measure_id
         where dm.contract_id = dc.contract_id
         group by 1) v on true
       group by 1, 2, 3, 4`,
    );
    await s.query('drop table if exists delivery_refresh_keys');
  }
}
