import { Injectable } from '@nestjs/common';
import { tryLock, waitForLock } from '../../platform/locks';
import type { Session } from '../../platform/session';
import { CONTRACT_COLUMNS_READ, contractsUpdatedIn, type Changes, type Refresher } from '../refresher';
import { MODIFIED_Z_FACTOR, OUTLIER_THRESHOLD } from './outliers';

/** The normalised evidence reference: trimmed, lower case (matches the index outcomes_evidence_key_idx). */
/** The evidence reference of an outcome the exchange imported for a confirmed delivery: exchange-match-<id>. */
export const EXCHANGE_EVIDENCE_PREFIX = 'exchange-match-';

export const EVIDENCE_KEY = (alias: string) => `lower(btrim(${alias}.evidence_ref))`;

/**
 * Value per £ of contract value of the latest outcomes of the measures in $1: nominal £ (quantity_canonical x the
 * measure's nominal factor for the calendar year of the period's end) / contract value_gbp; for record_only measures
 * quantity_canonical / value_gbp. Outcomes without a contract value (null or 0), or of a valued measure without a
 * factor for that year, have no x and are left out. Computed exactly in numeric, then as double precision.
 */
const VALUE_PER_GBP = `
  select o.id as outcome_id, o.contract_id, o.measure_id, (m.valuation = 'record_only') as by_quantity,
    ((case when m.valuation = 'record_only' then o.quantity_canonical else o.quantity_canonical * vf.nominal_per_unit end)
      / c.value_gbp)::float8 as x
  from outcomes o
  join contracts c on c.id = o.contract_id
  join measures m on m.id = o.measure_id
  left join valuation_factors vf on vf.measure_id = o.measure_id and vf.year = extract(year from o.period_end)::int
  where o.is_latest and o.measure_id = any($1::int[]) and c.value_gbp > 0
    and (m.valuation = 'record_only' or vf.nominal_per_unit is not null)`;

const DUPLICATE_DETAIL = `jsonb_build_object('evidence_key', d.key, 'contract_count', d.n, 'contracts', to_jsonb(d.refs))`;

/** The detail of an outside_contract flag of outcome row `o` (period) and contract `c` (dates). */
const OUTSIDE_DETAIL = (o: string, c: string) =>
  `jsonb_build_object('period_start', ${o}.period_start, 'period_end', ${o}.period_end, 'contract_start', ${c}.start_date, 'contract_end', ${c}.end_date)`;

/** A fingerprint of each measure's nominal factors: a change (new proxy values) makes its outlier flags stale. */
export const FACTOR_HASHES = `
  select measure_id, md5(string_agg(year::text || ':' || coalesce(nominal_per_unit::text, ''), ',' order by year)) as hash
  from valuation_factors group by measure_id`;

/**
 * How a refresh looks up the rows its changes concern (the outcomes holding a reference, the contract of a row, the
 * flags of a reference). `lookups`: one index probe each, in the index's order (neighbouring lookups share pages), in
 * lateral subqueries (`offset 0` keeps them from being flattened into joins) so that the planner does not hash a
 * whole table for a few thousand lookups: a correction. `joins`: plain joins the planner chooses (hash joins), for a
 * batch that changes a large share of the table: a first load, where a probe per row would cost more than reading
 * the tables once.
 */
type LookupMode = 'lookups' | 'joins';

/** The contract `c` (start_date, end_date) of each row `r`. */
const contractOf = (mode: LookupMode) =>
  mode === 'lookups'
    ? 'cross join lateral (select c.start_date, c.end_date from contracts c where c.id = r.contract_id offset 0) c'
    : 'join contracts c on c.id = r.contract_id';

/**
 * Duplicate flags of the references in quality_refresh_keys: one row per latest outcome holding a reference that
 * latest outcomes of two or more contracts hold, or an exchange match's reference that more than one latest outcome
 * holds (the exchange's own outcome is its only rightful claim: a supplier's return citing it claims it twice).
 */
const duplicatesOfKeys = (mode: LookupMode) => `
  with hits as (
    select k.key, o.id, o.contract_id, o.measure_id
    from ${
      mode === 'lookups'
        ? `(select key from quality_refresh_keys order by key) k
    cross join lateral (
      select o.id, o.contract_id, o.measure_id from outcomes o
      where ${EVIDENCE_KEY('o')} = k.key and o.is_latest and o.evidence_ref is not null offset 0
    ) o`
        : `quality_refresh_keys k join outcomes o on ${EVIDENCE_KEY('o')} = k.key and o.is_latest and o.evidence_ref is not null`
    }
  ),
  dup as (select key from hits group by key
    having min(contract_id) <> max(contract_id) or (key like '${EXCHANGE_EVIDENCE_PREFIX}%' and count(*) > 1)),
  held as (select key, contract_id, count(*) over (partition by key)::int as n from (
    select distinct h.key, h.contract_id from hits h join dup using (key)) x),
  d as (
    select h.key, h.n, (array_agg(c.reference order by c.reference))[1:10] as refs
    from held h
    ${mode === 'lookups' ? 'cross join lateral (select c.reference from contracts c where c.id = h.contract_id offset 0) c' : 'join contracts c on c.id = h.contract_id'}
    group by h.key, h.n
  )
  insert into quality_flags (flag, outcome_id, contract_id, measure_id, evidence_key, detail)
  select 'duplicate_evidence', h.id, h.contract_id, h.measure_id, d.key, ${DUPLICATE_DETAIL}
  from hits h join d on d.key = h.key`;

/**
 * Keeps quality_flags current in the transaction of each import batch:
 * - outside_contract: a latest outcome whose period starts before the contract's start or ends after its end;
 * - duplicate_evidence: a latest outcome whose evidence reference (trimmed, case-insensitive) is also claimed by a
 *   latest outcome of another contract, or an exchange match's reference (exchange-match-<id>, the evidence of a
 *   delivery the community organisation confirmed) claimed again by any other latest outcome, of the same contract too;
 * - outliers depend on the whole distribution of a measure: the refresh marks the measures changed in
 *   quality_dirty_measures, and `refreshOutliers` recomputes them (in the background, or before flags are next read).
 *
 * A batch reads what its statements changed (the change log, migration 20261204000100): the latest outcome rows
 * written (sign 1) and retired, changed or deleted (sign -1), and the contracts whose dates, value or reference
 * changed. Then:
 * - the rows as they are now (the last record of each outcome, when it is a 1), and every latest outcome of a changed
 *   contract, are checked against their contract's dates;
 * - a reference is looked up again only when its duplicate status may have changed: when some contract holds it on
 *   more latest outcomes than before (the signs summed by contract and reference are positive), or when it is flagged
 *   now. Otherwise the contracts holding it are those that held it, or fewer, and it was held by at most one
 *   (unflagged): it still needs no flag. A correction that keeps its evidence reference looks nothing up.
 * Every step reads the changes and looks rows up by index (lateral lookups and `= any(array(...))`, whatever the
 * planner would estimate; the temp tables need no statistics), so the work follows the size of the batch, not of the
 * tables: about 80 ms for a correction of 10,000 outcomes of 10,000 contracts, 150 to 200 ms when all 10,000 carry
 * new references (measured at 1M outcomes on PostgreSQL 15). A batch that changes a large share of the table (a first
 * load: JOINS_FROM_SHARE) is joined set-based instead: a probe per row would cost more than reading the tables once.
 * A rebuild recomputes every flag from all the data.
 */
@Injectable()
export class QualityRefresher implements Refresher {
  readonly name = 'quality';
  /** Set-based joins once a batch's outcome changes are this share of the outcomes table, or more. */
  static readonly JOINS_FROM_SHARE = 0.05;
  /** Forces one way of looking rows up (tests run both); undefined: by the batch's share of the table. */
  mode?: LookupMode;

  private async lookupMode(s: Session, changes: Changes): Promise<LookupMode> {
    if (this.mode) return this.mode;
    const [{ rows }] = await s.query<{ rows: number | string }>(`select greatest(reltuples, 0)::bigint as rows from pg_class where oid = 'outcomes'::regclass`);
    return changes.outcomes >= QualityRefresher.JOINS_FROM_SHARE * Number(rows) ? 'joins' : 'lookups';
  }

  async refresh(s: Session, changes: Changes): Promise<void> {
    if (changes.outcomes === 0 && changes.contracts === 0) return;
    const mode = await this.lookupMode(s, changes);
    await s.query('drop table if exists quality_refresh_rows, quality_refresh_keys');
    const taken = await s.query<{ contract_id: number | string }>(contractsUpdatedIn(CONTRACT_COLUMNS_READ.quality));
    const contracts = [...new Set(taken.map((r) => String(r.contract_id)))];

    // a measure any change touched (or whose contract's value changed) has its outliers recomputed
    await s.query('insert into quality_dirty_measures (measure_id) select distinct measure_id from changes_outcomes');
    if (contracts.length > 0) {
      await s.query(
        `insert into quality_dirty_measures (measure_id)
         select distinct o.measure_id from outcomes o where o.contract_id = any($1::bigint[]) and o.is_latest`,
        [contracts],
      );
    }

    // the latest rows to check against their contract: each changed outcome as it is now, every outcome of a changed contract
    await s.query(
      `create temp table quality_refresh_rows on commit drop as
       select id, contract_id, measure_id, period_start, period_end from (
         select distinct on (outcome_id) outcome_id as id, sign, contract_id, measure_id, period_start, period_end
         from changes_outcomes order by outcome_id, seq desc
       ) last
       where sign = 1`,
    );
    if (contracts.length > 0) {
      await s.query(
        `insert into quality_refresh_rows
         select o.id, o.contract_id, o.measure_id, o.period_start, o.period_end from outcomes o
         where o.contract_id = any($1::bigint[]) and o.is_latest
           and o.id not in (select id from quality_refresh_rows)`,
        [contracts],
      );
    }

    // the references whose duplicate status may have changed (before the flags of the changed rows go; only
    // duplicate flags carry an evidence key, so quality_flags_evidence_idx holds nothing else)
    await s.query('create temp table quality_refresh_keys (key text not null) on commit drop');
    await s.query(
      `insert into quality_refresh_keys
       select evidence_key from changes_outcomes where evidence_key is not null
       group by evidence_key, contract_id having sum(sign) > 0
       union
       ${
         mode === 'lookups'
           ? `select t.key from (select distinct evidence_key as key from changes_outcomes where evidence_key is not null) t
       cross join lateral (select 1 from quality_flags f where f.evidence_key = t.key limit 1) flagged`
           : `select distinct c.evidence_key from changes_outcomes c join quality_flags f on f.evidence_key = c.evidence_key`
       }`,
    );
    if (contracts.length > 0) {
      // a contract's reference is in the detail of its duplicates
      await s.query(
        `insert into quality_refresh_keys
         select distinct f.evidence_key from quality_flags f
         where f.contract_id = any($1::bigint[]) and f.flag = 'duplicate_evidence'
           and f.evidence_key not in (select key from quality_refresh_keys)`,
        [contracts],
      );
    }

    // the flags of rows that changed or stopped being latest go, and every duplicate flag of the references re-checked
    await s.query(
      `delete from quality_flags
       where outcome_id = any(array(select outcome_id from changes_outcomes where sign = -1))
         and flag in ('outside_contract', 'duplicate_evidence')`,
    );
    if (contracts.length > 0) {
      await s.query(`delete from quality_flags where contract_id = any($1::bigint[]) and flag = 'outside_contract'`, [contracts]);
    }
    await s.query(
      mode === 'lookups'
        ? 'delete from quality_flags where evidence_key = any(array(select key from quality_refresh_keys))'
        : 'delete from quality_flags f using quality_refresh_keys k where f.evidence_key = k.key',
    );

    await s.query(
      `insert into quality_flags (flag, outcome_id, contract_id, measure_id, detail)
       select 'outside_contract', r.id, r.contract_id, r.measure_id, ${OUTSIDE_DETAIL('r', 'c')}
       from quality_refresh_rows r ${contractOf(mode)}
       where r.period_start < c.start_date or r.period_end > c.end_date`,
    );
    if (mode === 'joins') await s.query('analyze quality_refresh_keys');
    await s.query(duplicatesOfKeys(mode));
    await s.query('drop table quality_refresh_rows, quality_refresh_keys');
  }

  /** Every flag but the outliers from all the data; every measure's outliers marked for recomputing. */
  async rebuild(s: Session): Promise<void> {
    await s.query(`delete from quality_flags where flag in ('outside_contract', 'duplicate_evidence')`);
    await s.query(
      `insert into quality_flags (flag, outcome_id, contract_id, measure_id, detail)
       select 'outside_contract', o.id, o.contract_id, o.measure_id, ${OUTSIDE_DETAIL('o', 'c')}
       from outcomes o join contracts c on c.id = o.contract_id
       where o.is_latest and (o.period_start < c.start_date or o.period_end > c.end_date)`,
    );
    // every reference at once: one pass grouping the latest outcomes by reference
    await s.query(
      `insert into quality_flags (flag, outcome_id, contract_id, measure_id, evidence_key, detail)
       select 'duplicate_evidence', o.id, o.contract_id, o.measure_id, d.key, ${DUPLICATE_DETAIL}
       from (
         select ${EVIDENCE_KEY('o2')} as key, count(distinct o2.contract_id)::int as n,
           (array_agg(distinct c2.reference order by c2.reference))[1:10] as refs
         from outcomes o2 join contracts c2 on c2.id = o2.contract_id
         where o2.is_latest and o2.evidence_ref is not null and btrim(o2.evidence_ref) <> ''
         group by 1
         having count(distinct o2.contract_id) >= 2
       ) d
       join outcomes o on ${EVIDENCE_KEY('o')} = d.key and o.is_latest and o.evidence_ref is not null`,
    );
    await s.query('insert into quality_dirty_measures (measure_id) select id from measures');
  }
}

/**
 * Recomputes the outlier flags of every measure marked dirty (by an import batch or a rebuild) or whose factors
 * changed since its flags were computed. Returns the measures recomputed. Run inside a transaction. Readers wait for
 * a recompute under way (`wait`, the default: concurrent callers queue on the advisory lock, and the second finds
 * nothing left to do); the background job does not (`wait: false`: it returns [] when another holds the lock).
 */
export async function refreshOutliers(s: Session, options: { wait?: boolean } = {}): Promise<number[]> {
  if (options.wait === false) {
    if (!(await tryLock(s, 'outliers'))) return [];
  } else {
    await waitForLock(s, 'outliers');
  }
  await s.query(
    `insert into quality_dirty_measures (measure_id)
     select st.measure_id from quality_outlier_stats st left join (${FACTOR_HASHES}) h on h.measure_id = st.measure_id
     where st.factors_hash is distinct from h.hash`,
  );
  // taken first: a batch that commits while this runs leaves its mark for the next read
  const taken = await s.query<{ measure_id: number }>('delete from quality_dirty_measures returning measure_id');
  const ids = [...new Set(taken.map((r) => Number(r.measure_id)))];
  if (ids.length === 0) return [];
  await s.query(`delete from quality_flags where flag = 'outlier' and measure_id = any($1::int[])`, [ids]);
  // x of every outcome once, then the statistics and the flags from it
  await s.query('drop table if exists quality_x');
  await s.query(`create temp table quality_x as ${VALUE_PER_GBP}`, [ids]);
  await s.query('analyze quality_x');
  await s.query(
    `insert into quality_outlier_stats as st (measure_id, n, median, mad, flagged, factors_hash, refreshed_at)
     with med as (select measure_id, count(*)::int as n, percentile_cont(0.5) within group (order by x) as median from quality_x group by measure_id),
     mad as (
       select xs.measure_id, percentile_cont(0.5) within group (order by abs(xs.x - med.median)) as mad
       from quality_x xs join med on med.measure_id = xs.measure_id group by xs.measure_id
     )
     select ids.id, coalesce(med.n, 0), med.median, mad.mad, 0, h.hash, now()
     from unnest($1::int[]) as ids (id)
     join measures on measures.id = ids.id
     left join med on med.measure_id = ids.id
     left join mad on mad.measure_id = ids.id
     left join (${FACTOR_HASHES}) h on h.measure_id = ids.id
     on conflict (measure_id) do update set n = excluded.n, median = excluded.median, mad = excluded.mad, flagged = 0,
       factors_hash = excluded.factors_hash, refreshed_at = excluded.refreshed_at`,
    [ids],
  );
  await s.query(
    `insert into quality_flags (flag, outcome_id, contract_id, measure_id, detail)
     select 'outlier', xs.outcome_id, xs.contract_id, xs.measure_id,
       jsonb_build_object('value_per_gbp', xs.x, 'basis', case when xs.by_quantity then 'quantity_per_gbp' else 'nominal_gbp_per_gbp' end,
         'median', st.median, 'mad', st.mad, 'z', round((${MODIFIED_Z_FACTOR} * (xs.x - st.median) / st.mad)::numeric, 3), 'n', st.n)
     from quality_x xs
     join quality_outlier_stats st on st.measure_id = xs.measure_id
     where st.mad > 0 and abs(${MODIFIED_Z_FACTOR} * (xs.x - st.median) / st.mad) > ${OUTLIER_THRESHOLD}`,
  );
  await s.query('drop table quality_x');
  await s.query(
    `update quality_outlier_stats st set flagged = coalesce(
       (select count(*) from quality_flags q where q.flag = 'outlier' and q.measure_id = st.measure_id), 0)
     where st.measure_id = any($1::int[])`,
    [ids],
  );
  return ids;
}
