import { Injectable } from '@nestjs/common';
import type { Session } from '../platform/session';
import type { Changes } from './refresher';

const TAKEN = ['changes_outcomes', 'changes_commitments', 'changes_contracts'];

/** The change log (migrations/20261204000100_change_log.ts) and the version of the derived data. */
@Injectable()
export class ChangeLogRepository {
  /**
   * Moves the logged changes into this transaction's temp tables (changes_outcomes, changes_commitments,
   * changes_contracts), atomically: a change another transaction logs meanwhile stays for its own refresh.
   */
  async take(s: Session): Promise<Changes> {
    await this.drop(s);
    await s.query(`create temp table changes_outcomes on commit drop as with d as (delete from change_outcomes returning *) select * from d`);
    await s.query(`create temp table changes_commitments on commit drop as with d as (delete from change_commitments returning *) select * from d`);
    await s.query(`create temp table changes_contracts on commit drop as with d as (delete from change_contracts returning *) select * from d`);
    // temp tables are never analysed by autovacuum: give the planner their sizes
    for (const t of TAKEN) await s.query(`analyze ${t}`);
    const [c] = await s.query<Record<keyof Changes, number | string>>(
      `select (select count(*) from changes_outcomes) as outcomes, (select count(*) from changes_commitments) as commitments,
         (select count(*) from changes_contracts) as contracts`,
    );
    return { outcomes: Number(c.outcomes), commitments: Number(c.commitments), contracts: Number(c.contracts) };
  }

  /** Forgets the logged changes (a rebuild recomputes from the data itself). */
  async discard(s: Session): Promise<void> {
    for (const t of ['change_outcomes', 'change_commitments', 'change_contracts']) await s.query(`delete from ${t}`);
  }

  async drop(s: Session): Promise<void> {
    await s.query(`drop table if exists ${TAKEN.join(', ')}`);
  }

  /**
   * The version of the derived data: 0 when the schema asked for a rebuild, undefined when the database has no
   * schema for it yet (not migrated: nothing to keep).
   */
  async version(s: Session): Promise<number | undefined> {
    const [{ exists }] = await s.query<{ exists: boolean }>(`select to_regclass('derived_state') is not null as exists`);
    if (!exists) return undefined;
    const rows = await s.query<{ version: number }>('select version from derived_state');
    return rows[0]?.version ?? 0;
  }

  async setVersion(s: Session, version: number): Promise<void> {
    await s.query(
      `insert into derived_state (id, version, rebuilt_at) values (true, $1, now())
       on conflict (id) do update set version = excluded.version, rebuilt_at = excluded.rebuilt_at`,
      [version],
    );
  }

  /** Counts of what a rebuild made, for its log line. */
  async sizes(s: Session): Promise<{ cells: number; groups: number; contracts: number }> {
    const [c] = await s.query<Record<string, number | string>>(
      `select (select count(*) from measure_rollups) as cells, (select count(*) from contract_rollups) as groups,
         (select count(*) from contracts) as contracts`,
    );
    return { cells: Number(c.cells), groups: Number(c.groups), contracts: Number(c.contracts) };
  }

  /** Whether outlier flags wait to be recomputed: measures marked by a batch, or whose factors changed since. */
  async outliersStale(s: Session, factorHashes: string): Promise<boolean> {
    const [row] = await s.query<{ stale: boolean }>(
      `select exists (select 1 from quality_dirty_measures) or exists (
         select 1 from quality_outlier_stats st left join (${factorHashes}) h on h.measure_id = st.measure_id
         where st.factors_hash is distinct from h.hash) as stale`,
    );
    return row.stale;
  }

  /** The delivery measures of these measures, logged as changed commitments: the next refresh revalues them. */
  async logDeliveryOf(s: Session, measureIds: number[]): Promise<void> {
    await s.query('insert into change_commitments (contract_id, measure_id) select contract_id, measure_id from delivery_measures where measure_id = any($1::int[])', [
      measureIds,
    ]);
  }
}
