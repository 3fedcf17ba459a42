import type { Session } from '../db/session';
import type { RollupRefresher } from '../rollups/refreshers';
import { MODIFIED_Z_FACTOR, OUTLIER_THRESHOLD } from './outliers';

/** The normalised evidence reference: trimmed, lower case (matches the index outcomes_evidence_key_idx). */
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

/** A fingerprint of each measure's nominal factors: a change (new proxy values) makes its outlier flags stale. */
export const FACTOR_HASHES = `
  select measure_id, md5(string_agg(year::text || ':' || coalesce(nominal_per_unit::text, ''), ',' order by year)) as hash
  from valuation_factors group by measure_id`;

/**
 * Keeps quality_flags current for the contracts of an import batch (in its transaction):
 * - outside_contract: a latest outcome whose period starts before the contract's start or ends after its end;
 * - duplicate_evidence: a latest outcome whose evidence reference (trimmed, case-insensitive) is also claimed by a
 *   latest outcome of another contract; re-checked for every reference the changed contracts hold or held;
 * - outliers depend on the whole distribution of a measure: the batch only records its measures in
 *   quality_dirty_measures, and `refreshOutliers` recomputes them before flags are next read.
 */
export class QualityRefresher implements RollupRefresher {
  readonly name = 'quality';

  async refresh(s: Session, full: boolean): Promise<void> {
    // the temp table is filled just before: without statistics the planner would scan every outcome to join it
    await s.query('analyze rollup_refresh_contracts');
    if (full) await s.query(`delete from quality_flags where flag in ('outside_contract', 'duplicate_evidence')`);
    else {
      await s.query(
        `delete from quality_flags where flag = 'outside_contract' and contract_id in (select contract_id from rollup_refresh_contracts)`,
      );
    }
    await s.query(
      `insert into quality_flags (flag, outcome_id, contract_id, measure_id, detail)
       select 'outside_contract', o.id, o.contract_id, o.measure_id,
         jsonb_build_object('period_start', o.period_start, 'period_end', o.period_end,
           'contract_start', c.start_date, 'contract_end', c.end_date)
       from rollup_refresh_contracts r
       join contracts c on c.id = r.contract_id
       join outcomes o on o.contract_id = c.id and o.is_latest
       where o.period_start < c.start_date or o.period_end > c.end_date`,
    );

    if (full) {
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
    } else {
      // the references the changed contracts hold now, or held when last flagged, each looked up in the index
      await s.query('drop table if exists quality_refresh_keys');
      await s.query('create temp table quality_refresh_keys (key text primary key)');
      await s.query(
        `insert into quality_refresh_keys
         select ${EVIDENCE_KEY('o')} from outcomes o join rollup_refresh_contracts r on r.contract_id = o.contract_id
         where o.is_latest and o.evidence_ref is not null and btrim(o.evidence_ref) <> ''
         union
         select q.evidence_key from quality_flags q join rollup_refresh_contracts r on r.contract_id = q.contract_id
         where q.flag = 'duplicate_evidence'`,
      );
      await s.query('analyze quality_refresh_keys');
      await s.query(
        `delete from quality_flags q using quality_refresh_keys k where q.flag = 'duplicate_evidence' and q.evidence_key = k.key`,
      );
      await s.query(
        `insert into quality_flags (flag, outcome_id, contract_id, measure_id, evidence_key, detail)
         select 'duplicate_evidence', o.id, o.contract_id, o.measure_id, d.key, ${DUPLICATE_DETAIL}
         from quality_refresh_keys k
         cross join lateral (
           select k.key, count(distinct o2.contract_id)::int as n,
             (array_agg(distinct c2.reference order by c2.reference))[1:10] as refs
           from outcomes o2 join contracts c2 on c2.id = o2.contract_id
           where ${EVIDENCE_KEY('o2')} = k.key and o2.is_latest and o2.evidence_ref is not null
         ) d
         join outcomes o on ${EVIDENCE_KEY('o')} = d.key and o.is_latest and o.evidence_ref is not null
         where d.n >= 2`,
      );
      await s.query('drop table quality_refresh_keys');
    }

    if (full) await s.query('insert into quality_dirty_measures (measure_id) select id from measures');
    else {
      // every revision: a correction moves an outcome out of (or into) a measure's distribution too
      await s.query(
        `insert into quality_dirty_measures (measure_id)
         select distinct o.measure_id from outcomes o join rollup_refresh_contracts r on r.contract_id = o.contract_id`,
      );
    }
  }
}

/**
 * Recomputes the outlier flags of every measure marked dirty (by an import batch or a rebuild) or whose factors
 * changed since its flags were computed. Returns the measures recomputed. Run inside a transaction; concurrent
 * callers queue on an advisory lock, and the second finds nothing left to do.
 */
export async function refreshOutliers(s: Session): Promise<number[]> {
  await s.query('select pg_advisory_xact_lock(7262001)');
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
