import { Injectable } from '@nestjs/common';
import type { Session } from '../../platform/session';
import { moveLevel, replaceLevel } from '../levels';
import { LAST_CLOSED_QUARTER_SQL, quarterStart } from '../../platform/periods';
import { CONTRACT_COLUMNS_READ, contractsUpdatedIn, type Changes, type Refresher } from '../refresher';
import { DEFAULT_RATING_THRESHOLDS, type RatingThresholds } from '../valuation/delivery';

/**
 * Quantity to date of [start, end] as of $1: qty x elapsed days / days, rounded to 6 places (the rule of
 * metrics/derive/valuation/delivery.ts in SQL). A period that ended counts whole and one not started 0 (both exactly what the
 * rounded product gives, at scale 6), so only a period running over the as-of date pays for a division.
 */
const toDate = (qty: string, start: string, end: string) =>
  `case when ${end} <= $1::date then ${qty} when ${start} > $1::date then round(0, 6)
     else round(${qty} * ($1::date - ${start} + 1) / (${end} - ${start} + 1), 6) end`;

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

/** Ratings from the worst up ('other': nothing expected yet, never the worst). */
const RANKED = ['inadequate', 'requires_improvement', 'approaching_target', 'good'] as const;
const FIGURES = ['commitments', 'committed', 'expected', 'delivered', 'ratio', 'rating', ...MONEY_COLUMNS];
const MEASURE_COLUMNS = ['contract_id', 'measure_id', 'framework_id', ...FIGURES];
/** A contract's measures by rating (those rated other are the rest): its rating is the worst that has any. */
const MEASURE_COUNTS = ['measures', ...RANKED.map((r) => `measures_${r}`)];
const CONTRACT_COLUMNS = ['contract_id', 'authority_id', 'sector', 'award_quarter', 'value_gbp', ...MEASURE_COUNTS, 'rating', 'active', 'returned', 'is_demo'];
const TEMP_TABLES = ['delivery_moved', 'delivery_recount', 'delivery_pairs', 'delivery_recheck', 'delivery_old_contracts', 'delivery_new_contracts', 'delivery_changed'];

/** Parameters of a measure's figures ($1 as of, $2..$4 the rating thresholds) and of a contract's ($1, $2 its quarter's first day). */
interface Params {
  measures: string[];
  contracts: string[];
}

/**
 * The ids a query returns as an array, for `contract_id = any(...)` on an indexed column of a stored table: an index
 * scan over those contracts whatever the statistics. (A temp table has no index: `in (select ...)` hashes.)
 */
const ids = (query: string) => `array(${query})`;

/** A contract's rating from its measures by rating (alias.measures_*). */
const ratingOf = (a: string) => `case ${RANKED.map((r) => `when ${a}.measures_${r} > 0 then '${r}'`).join(' ')} else 'other' end`;

/** What a contract `d` adds (sign 1) to or takes (-1) from the counts of its delivery_rollups key. */
function contractShare(sign: 1 | -1, d: string): string {
  const when = (condition: string) => `case when ${condition} then ${sign} else 0 end`;
  return [
    `${d}.authority_id, ${d}.sector, ${d}.award_quarter, ${sign} as contracts`,
    ...[...RANKED, 'other'].map((r) => `${when(`${d}.rating = '${r}'`)} as rating_${r}`),
    `${when(`${d}.active`)} as active`,
    `${when(`${d}.active and ${d}.returned`)} as active_returned`,
    `${when(`${d}.is_demo`)} as demo_count`,
  ].join(', ');
}

/**
 * What a contract `d` with £ `v` in a framework adds to (or takes from) its delivery_value_rollups key: one contract, its
 * value, and committed (only with a known value: the commitment intensity's numerator), expected and delivered £.
 */
function valueShare(sign: 1 | -1, d: string, v: string): string {
  const neg = sign < 0 ? '-' : '';
  return [
    `${d}.authority_id, ${d}.sector, ${d}.award_quarter, ${v}.framework_id, ${sign} as contracts`,
    `case when ${d}.value_gbp is not null then ${sign} else 0 end as valued_contracts`,
    `${neg}coalesce(${d}.value_gbp, 0) as contract_value_gbp`,
    ...MONEY_COLUMNS.map((c) => (c.startsWith('committed') ? `case when ${d}.value_gbp is not null then ${neg}${v}.${c} else 0 end` : `${neg}${v}.${c}`) + ` as ${c}`),
  ].join(', ');
}

/** £ sums of `measures` (delivery_measures rows) by contract and framework, with how many measures each has. */
const valueSums = (measures: string, where = 'true') =>
  `select contract_id, framework_id, count(*) as measures, ${MONEY_COLUMNS.map((c) => `coalesce(sum(${c}), 0) as ${c}`).join(', ')}
   from ${measures} where ${where} group by 1, 2`;

/**
 * Keeps commitment vs delivery current: delivery_measures (each contract x measure with a latest commitment: figures,
 * rating and £), delivery_contracts (each contract with one: its key, measures by rating, overall rating, activity) and
 * the four rollups, as of the stored as-of date; a full refresh (or the first one) recomputes everything as of the end
 * of the last closed quarter (or the fixed as-of date). The rules are those of metrics/derive/valuation/delivery.ts: expected
 * and delivered pro-rata by elapsed days of each commitment's and return's period, rounded to 6 places, summed per
 * contract and measure; rating compared exactly against the thresholds; a contract's rating is the worst of its
 * measures that have something expected. £ are the quantities times the measure's factor for the as-of year.
 *
 * A refresh works in proportion to the batch, like the measure rollups. It reads the changes the batch made (the change
 * log, migrations/20261204000100_change_log.ts): each latest outcome revision that appeared or went, each contract x
 * measure whose commitments changed, each contract whose key, value, dates or stage changed. A measure's delivered moves by its appeared and
 * retired returns (each pro-rata; exact); one whose commitments changed is recomputed whole. A contract's counts of
 * measures by rating move by the measures that changed; its row is recomputed only if those moved, its own row
 * changed, or a return of the as-of quarter changed (whether it sent one is then looked up). The rollups move by the
 * difference: a contract whose key, value and measures stayed by its measures' change of £, another by all it
 * counted before and counts now. Every read of a large table is an index scan over the changed contracts, only changed
 * rows are written. The state row is locked first, so refreshes of concurrent batches (and a rebuild) take their turn.
 */
@Injectable()
export class DeliveryRefresher implements Refresher {
  readonly name = 'delivery';

  async refresh(s: Session, changes: Changes): Promise<void> {
    if (changes.outcomes === 0 && changes.commitments === 0 && changes.contracts === 0) return;
    await this.run(s, false);
  }

  /** Everything from the raw rows, as of the end of the last closed quarter (or the fixed as-of date). */
  async rebuild(s: Session): Promise<void> {
    await this.run(s, true);
  }

  private async run(s: Session, full: boolean): Promise<void> {
    const state = await deliveryState(s, true);
    const rebuild = full || state.as_of === null;
    const asOf = rebuild ? state.target : state.as_of!;
    await s.query(
      `update delivery_state set as_of = $1::date, refreshed_at = now()${rebuild ? ', rebuilt_at = now()' : ''}`,
      [asOf],
    );
    const t = state.thresholds;
    const params: Params = { measures: [asOf, t.good, t.approaching_target, t.requires_improvement], contracts: [asOf, quarterStart(asOf)] };
    await this.dropTemp(s);
    if (rebuild) await this.recomputeAll(s, params);
    else {
      // the planner cannot know how many ids an array holds and would loop over one side of a join for each row of
      // the other: joins here are hash joins of the changed rows (reverted below, and by a rollback)
      const [{ nestloop }] = await s.query<{ nestloop: string }>(
        `select current_setting('enable_nestloop') as nestloop, set_config('enable_nestloop', 'off', true)`,
      );
      await this.incremental(s, params);
      await s.query(`select set_config('enable_nestloop', $1, true)`, [nestloop]);
    }
    await this.dropTemp(s);
  }

  /** The rating thresholds the next rebuild rates with (stored beside the figures, so a change of them is noticed). */
  async setThresholds(s: Session, t: RatingThresholds): Promise<void> {
    await s.query('update delivery_state set threshold_good = $1, threshold_approaching = $2, threshold_requires = $3', [
      t.good,
      t.approaching_target,
      t.requires_improvement,
    ]);
  }

  private async dropTemp(s: Session): Promise<void> {
    await s.query(`drop table if exists ${TEMP_TABLES.join(', ')}`);
  }

  /**
   * The stored row of each contract x measure of `x` (contract_id, measure_id, commitments, committed, expected,
   * delivered): its framework, ratio, rating and £ (params.measures).
   */
  private measureRows(x: string): string {
    return `select x.contract_id, x.measure_id, m.framework_id, x.commitments, x.committed, x.expected, x.delivered,
         case when x.expected = 0 then null else round(x.delivered / x.expected, 6) end as ratio,
         case when x.expected = 0 then 'other'
           when x.delivered >= $2::numeric * x.expected then 'good'
           when x.delivered >= $3::numeric * x.expected then 'approaching_target'
           when x.delivered >= $4::numeric * x.expected then 'requires_improvement'
           else 'inadequate' end as rating,
         ${AMOUNTS.flatMap((a) => BASES.map((b) => `x.${a} * f.${b}_per_unit as ${a}_${b}_gbp`)).join(', ')}
       from (${x}) x
       join measures m on m.id = x.measure_id
       left join valuation_factors f on f.measure_id = x.measure_id and f.year = extract(year from $1::date)::int`;
  }

  /** Commitments and delivered to date of each contract x measure with a latest commitment (of `pairs`, else all). */
  private recount(pairs?: string): string {
    const only = (a: string, p: string | undefined) =>
      p ? `and ${a}.contract_id = any(${ids(`select contract_id from ${p}`)}) and (${a}.contract_id, ${a}.measure_id) in (select contract_id, measure_id from ${p})` : '';
    return `with cm as (
         select c.contract_id, c.measure_id, count(*)::int as commitments, sum(c.target_canonical) as committed,
           sum(${toDate('c.target_canonical', 'c.period_start', 'c.period_end')}) as expected
         from commitments c
         where c.is_latest ${only('c', pairs)}
         group by 1, 2
       ), od as (
         select o.contract_id, o.measure_id, sum(${toDate('o.quantity_canonical', 'o.period_start', 'o.period_end')}) as delivered
         from outcomes o
         where o.is_latest and o.period_start <= $1::date ${only('o', pairs && 'cm')}
         group by 1, 2
       )
       select cm.*, coalesce(od.delivered, round(0, 6)) as delivered
       from cm left join od on od.contract_id = cm.contract_id and od.measure_id = cm.measure_id`;
  }

  /** A contract's row from `c` (contracts) and `k` (its measures by rating); whether it sent a return: `returned`. */
  private contractRow(k: string, returned: string): string {
    return `select c.id as contract_id, c.authority_id, c.sector, date_trunc('quarter', c.award_date)::date as award_quarter, c.value_gbp,
         ${MEASURE_COUNTS.map((m) => `${k}.${m}::int as ${m}`).join(', ')}, ${ratingOf(k)} as rating,
         coalesce(c.stage = 'awarded' and c.start_date <= $1::date and (c.end_date is null or c.end_date >= $2::date), false) as active,
         ${returned} as returned, c.is_demo`;
  }

  /** Everything from the raw rows (the changes taken so far are part of them). */
  private async recomputeAll(s: Session, params: Params): Promise<void> {
    for (const table of ['delivery_contracts', 'delivery_measures']) await s.query(`delete from ${table}`);
    await s.query(`insert into delivery_measures (${MEASURE_COLUMNS.join(', ')}) ${this.measureRows(this.recount())}`, params.measures);
    await s.query(
      `insert into delivery_contracts (${CONTRACT_COLUMNS.join(', ')})
       ${this.contractRow('k', 'r.contract_id is not null')}
       from (
         select contract_id, count(*) as measures, ${RANKED.map((r) => `count(*) filter (where rating = '${r}') as measures_${r}`).join(', ')}
         from delivery_measures group by 1) k
       join contracts c on c.id = k.contract_id
       left join (select distinct contract_id from outcomes where is_latest and period_start <= $1::date and period_end >= $2::date) r
         on r.contract_id = c.id`,
      params.contracts,
    );
    await replaceLevel(s, 'delivery_counts', `select ${contractShare(1, 'dc')} from delivery_contracts dc`);
    await replaceLevel(
      s,
      'delivery_values',
      `select ${valueShare(1, 'dc', 'v')} from delivery_contracts dc join (${valueSums('delivery_measures')}) v on v.contract_id = dc.contract_id`,
    );
  }

  /** The stored figures moved by the changes taken: the measures', then the contracts', then the rollups. */
  private async incremental(s: Session, params: Params): Promise<void> {
    await this.moveMeasures(s, params);
    await this.moveContracts(s, params);
    await this.moveRollups(s);
  }

  /** Steps 1 to 4: each contract x measure whose returns or commitments changed, recounted or moved, and stored. */
  private async moveMeasures(s: Session, params: Params): Promise<void> {
    // 1. what each contract x measure's delivered moves by: the latest revisions that appeared, less those that went
    await s.query(
      `create temp table delivery_moved on commit drop as
       with d as (select * from changes_outcomes)
       select contract_id, measure_id,
         sum(case when sign > 0 then ${toDate('quantity', 'period_start', 'period_end')} else -${toDate('quantity', 'period_start', 'period_end')} end) as delivered,
         bool_or(period_start <= $1::date and period_end >= $2::date) as in_quarter
       from d group by 1, 2`,
      params.contracts,
    );
    // 2. the contract x measure pairs whose commitments changed: recomputed whole
    await s.query(
      `create temp table delivery_recount on commit drop as
       select distinct contract_id, measure_id from changes_commitments`,
    );
    // 3. each pair that moves: its stored figures (stored) and its new ones (counted: it has a latest commitment)
    const old = ['rating', ...MONEY_COLUMNS].map((c) => `s.${c} as old_${c}`).join(', ');
    await s.query(
      `create temp table delivery_pairs on commit drop as
       with stored as materialized (
         select d.ctid as tid, d.* from delivery_measures d
         where d.contract_id = any(${ids('select contract_id from delivery_moved where delivered <> 0 union select contract_id from delivery_recount')})
           and (d.contract_id, d.measure_id) in (
             select contract_id, measure_id from delivery_moved where delivered <> 0 union all select contract_id, measure_id from delivery_recount)
       ), x as (
         select * from (${this.recount('delivery_recount')}) r
         union all
         select s.contract_id, s.measure_id, s.commitments, s.committed, s.expected, s.delivered + mv.delivered
         from stored s join delivery_moved mv on mv.contract_id = s.contract_id and mv.measure_id = s.measure_id
         where (s.contract_id, s.measure_id) not in (select contract_id, measure_id from delivery_recount)
       ), n as (${this.measureRows('select * from x')})
       select coalesce(n.contract_id, s.contract_id) as contract_id, coalesce(n.measure_id, s.measure_id) as measure_id,
         coalesce(n.framework_id, s.framework_id) as framework_id, s.tid, s.contract_id is not null as stored, n.contract_id is not null as counted,
         ${FIGURES.map((c) => `n.${c}`).join(', ')}, ${old}
       from n full join stored s on s.contract_id = n.contract_id and s.measure_id = n.measure_id`,
      params.measures,
    );
    // 4. their stored rows changed in place, removed (found by the row address read in 3), or added
    const rows = (where: string) => `d.ctid = any(${ids(`select tid from delivery_pairs where ${where}`)})`;
    await s.query(
      `update delivery_measures d set ${FIGURES.map((c) => `${c} = p.${c}`).join(', ')}
       from delivery_pairs p
       where ${rows('stored and counted')} and p.tid = d.ctid and p.stored and p.counted`,
    );
    await s.query(`delete from delivery_measures d where ${rows('stored and not counted')}`);
    await s.query(
      `insert into delivery_measures (${MEASURE_COLUMNS.join(', ')}) select ${MEASURE_COLUMNS.join(', ')} from delivery_pairs where counted and not stored`,
    );

  }

  /** Steps 5 to 7: the contracts whose row may change, recomputed, and stored where they did. */
  private async moveContracts(s: Session, params: Params): Promise<void> {
    // 5. the contracts whose row may change (delivery_recheck): those whose own row changed (a column it reads),
    // gained or lost a measure or saw one change rating, or had a return of the as-of quarter change. Their new row:
    // key, value and activity from the contract; measures by rating moved by those that changed (none left: no longer
    // counted); whether it sent a return for the as-of quarter looked up if a return of that quarter changed or it is
    // new here, else the stored flag. The stored rows are read for them and every contract whose measures moved.
    const inQuarter = 'select contract_id from delivery_moved where in_quarter';
    await s.query(
      `create temp table delivery_recheck on commit drop as
       ${contractsUpdatedIn(CONTRACT_COLUMNS_READ.delivery)}
       union select contract_id from delivery_pairs where stored <> counted or rating is distinct from old_rating
       union ${inQuarter}`,
    );
    await s.query(
      `create temp table delivery_old_contracts on commit drop as
       select * from delivery_contracts
       where contract_id = any(${ids('select contract_id from delivery_recheck union select contract_id from delivery_pairs')})`,
    );
    await s.query(
      `create temp table delivery_new_contracts on commit drop as
       with d as (
         select contract_id, sum(counted::int - stored::int) as measures,
           ${RANKED.map((r) => `count(*) filter (where counted and rating = '${r}') - count(*) filter (where stored and old_rating = '${r}') as measures_${r}`).join(', ')}
         from delivery_pairs where contract_id in (select contract_id from delivery_recheck) group by 1
       ), k as materialized (
         select c.id, c.authority_id, c.sector, c.award_date, c.value_gbp, c.stage, c.start_date, c.end_date, c.is_demo,
           o.contract_id is not null as was, o.returned as was_returned,
           ${MEASURE_COUNTS.map((m) => `coalesce(o.${m}, 0) + coalesce(d.${m}, 0) as ${m}`).join(', ')}
         from contracts c
         left join delivery_old_contracts o on o.contract_id = c.id
         left join d on d.contract_id = c.id
         where c.id = any(${ids('select contract_id from delivery_recheck')})
       ), lookup as (
         select distinct o.contract_id from outcomes o
         where o.is_latest and o.period_start <= $1::date and o.period_end >= $2::date
           and o.contract_id = any(${ids(`select id from k where measures > 0 and not was union ${inQuarter}`)})
       )
       ${this.contractRow('c', `case when not c.was or c.id in (${inQuarter}) then l.contract_id is not null else c.was_returned end`)}
       from k c left join lookup l on l.contract_id = c.id
       where c.measures > 0`,
      params.contracts,
    );

    // 6. of those, the ones whose row changed, and those that count whole again: new or gone, moved key or value, or
    // a measure added or removed (their frameworks may have changed)
    await s.query(
      `create temp table delivery_changed on commit drop as
       select coalesce(n.contract_id, o.contract_id) as contract_id, (n.*) is distinct from (o.*) as row_changed,
         n.contract_id is null or o.contract_id is null or n.authority_id <> o.authority_id or n.sector is distinct from o.sector
           or n.award_quarter is distinct from o.award_quarter or n.value_gbp is distinct from o.value_gbp
           or n.contract_id in (select contract_id from delivery_pairs where stored <> counted) as whole
       from delivery_new_contracts n
       full join (select * from delivery_old_contracts where contract_id in (select contract_id from delivery_recheck)) o on o.contract_id = n.contract_id
       where (n.*) is distinct from (o.*) or coalesce(n.contract_id, o.contract_id) in (select contract_id from delivery_pairs where stored <> counted)`,
    );

    // 7. the contracts' stored rows replaced where they changed
    const rowChanged = 'select contract_id from delivery_changed where row_changed';
    await s.query(`delete from delivery_contracts where contract_id = any(${ids(rowChanged)})`);
    await s.query(
      `insert into delivery_contracts (${CONTRACT_COLUMNS.join(', ')})
       select ${CONTRACT_COLUMNS.join(', ')} from delivery_new_contracts where contract_id in (${rowChanged})`,
    );

  }

  /** Step 8: the delivery rollups moved by what the contracts and measures changed. */
  private async moveRollups(s: Session): Promise<void> {
    const rowChanged = 'select contract_id from delivery_changed where row_changed';
    // 8. the rollups moved: counts by the contracts whose row changed (new less stored); £ by the measures' change of £
    // of the other contracts, and all that those counting whole count now less what they counted before
    await moveLevel(
      s,
      'delivery_counts',
      `select ${contractShare(1, 'n')} from delivery_new_contracts n where n.contract_id in (${rowChanged})
       union all select ${contractShare(-1, 'o')} from delivery_old_contracts o where o.contract_id in (${rowChanged})`,
    );
    const whole = 'select contract_id from delivery_changed where whole';
    const change = (c: string) => `coalesce(p.${c}, 0) - coalesce(p.old_${c}, 0)`;
    await moveLevel(
      s,
      'delivery_values',
      `with now as (
         ${valueSums('delivery_measures', `contract_id = any(${ids(whole)})`)}
       ), moved as (
         select contract_id, framework_id, sum(counted::int - stored::int) as measures, ${MONEY_COLUMNS.map((c) => `sum(${change(c)}) as ${c}`).join(', ')}
         from delivery_pairs p where contract_id in (${whole}) group by 1, 2
       ), before as (
         select coalesce(a.contract_id, b.contract_id) as contract_id, coalesce(a.framework_id, b.framework_id) as framework_id,
           coalesce(a.measures, 0) - coalesce(b.measures, 0) as measures,
           ${MONEY_COLUMNS.map((c) => `coalesce(a.${c}, 0) - coalesce(b.${c}, 0) as ${c}`).join(', ')}
         from now a full join moved b on b.contract_id = a.contract_id and b.framework_id = a.framework_id
       )
       select o.authority_id, o.sector, o.award_quarter, p.framework_id, 0 as contracts, 0 as valued_contracts, 0 as contract_value_gbp,
         ${MONEY_COLUMNS.map((c) => (c.startsWith('committed') ? `case when o.value_gbp is not null then ${change(c)} else 0 end` : change(c)) + ` as ${c}`).join(', ')}
       from delivery_pairs p join delivery_old_contracts o on o.contract_id = p.contract_id
       where p.contract_id not in (${whole})
       union all select ${valueShare(1, 'n', 'v')} from delivery_new_contracts n join now v on v.contract_id = n.contract_id
       union all select ${valueShare(-1, 'o', 'v')} from delivery_old_contracts o join before v on v.contract_id = o.contract_id where v.measures > 0`,
    );
  }
}
