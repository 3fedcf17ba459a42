import { Injectable } from '@nestjs/common';
import type { Session } from '../../platform/session';
import { moveLevel, negatedRows, replaceLevel } from '../levels';
import { CONTRACT_COLUMNS_READ, type Changes, type Refresher } from '../refresher';

/** The £ columns of the measure rollups and the factor each multiplies the quantity by. */
const MONEY = [
  ['nominal_gbp', 'nominal_per_unit'],
  ['real_gbp', 'real_per_unit'],
  ['net_gbp', 'net_per_unit'],
  ['pv_gbp', 'pv_per_unit'],
] as const;

/** Sector as a join key: hashable, with no sector as ''. */
const SECTOR_KEY = (alias: string) => `coalesce(${alias}.sector, '')`;
const sameGroup = (a: string, b: string) => `${a}.authority_id = ${b}.authority_id and ${SECTOR_KEY(a)} = ${SECTOR_KEY(b)}`;
/** The factors of the rows `alias` (measure_id, quarter): £ per unit for the quarter's calendar year. */
const factor = (alias: string) =>
  `left join valuation_factors f on f.measure_id = ${alias}.measure_id and f.year = extract(year from ${alias}.quarter)::int`;

/**
 * The cells of every latest outcome of `from` (aliases o: outcomes, c: contracts): quantity, £ (the summed quantity
 * times the measure's factor for the quarter's year: exact), returns, contracts and demo returns.
 */
function cells(from: string): string {
  return `select x.authority_id, x.sector, x.measure_id, x.quarter, x.quantity, ${MONEY.map(([c, f]) => `x.quantity * f.${f} as ${c}`).join(', ')},
      x.outcome_count, x.contract_count, x.demo_count
    from (
      select c.authority_id, c.sector, o.measure_id, date_trunc('quarter', o.period_end)::date as quarter, sum(o.quantity_canonical) as quantity,
        count(*) as outcome_count, count(distinct o.contract_id) as contract_count, count(*) filter (where o.is_demo) as demo_count
      from ${from}
      group by 1, 2, 3, 4) x
    ${factor('x')}`;
}

/**
 * The measure rollups (measure_cells and every coarser level of it), moved by the outcome revisions a batch added or
 * retired: a cell's quantity, £ and returns by their signed sums; its contract count by the contracts that gained or
 * lost their presence in it (looked up only in cells that held something before: in a new cell every contract is
 * new). The cells of an authority and sector whose contracts moved or were deleted are recomputed whole from the raw
 * rows (their difference is what they hold now less what they held). Work follows the batch, not the tables.
 */
@Injectable()
export class MeasureRollupsRefresher implements Refresher {
  readonly name = 'cells';

  async refresh(s: Session, changes: Changes): Promise<void> {
    if (changes.outcomes === 0 && changes.contracts === 0) return;
    // authority and sector groups recomputed whole: their contracts were deleted, or moved to another group
    const moved = `op = 'delete' or (op = 'update' and changed && '{${CONTRACT_COLUMNS_READ.cells.join(',')}}'::text[])`;
    await s.query(
      `create temp table cells_regroup on commit drop as
       select old_authority_id as authority_id, old_sector as sector from changes_contracts where ${moved}
       union select new_authority_id, new_sector from changes_contracts where op = 'update' and new_authority_id is not null and (${moved})`,
    );
    // every other change, by contract x measure x quarter with its contract's authority and sector (a contract deleted
    // since is in a group above)
    await s.query(
      `create temp table cells_pairs on commit drop as
       select c.authority_id, ${SECTOR_KEY('c')} as sector_key, x.contract_id, x.measure_id, x.quarter, x.quantity, x.net, x.demo
       from (
         select contract_id, measure_id, date_trunc('quarter', period_end)::date as quarter, sum(sign * quantity) as quantity,
           sum(sign) as net, sum(case when is_demo then sign else 0 end) as demo
         from changes_outcomes group by 1, 2, 3
       ) x
       join contracts c on c.id = x.contract_id
       where not exists (select 1 from cells_regroup g where ${sameGroup('g', 'c')})`,
    );
    await s.query('analyze cells_pairs');
    // the cells touched, and whether each held anything before (joined on the sector's key: hashable, and estimated)
    await s.query(
      `create temp table cells_touched on commit drop as
       select t.authority_id, t.sector_key, t.measure_id, t.quarter, r.authority_id is not null as held
       from (select distinct authority_id, sector_key, measure_id, quarter from cells_pairs) t
       left join measure_rollups r on r.authority_id = t.authority_id and ${SECTOR_KEY('r')} = t.sector_key and r.measure_id = t.measure_id and r.quarter = t.quarter`,
    );
    await s.query('analyze cells_touched');
    await moveLevel(
      s,
      'measure_cells',
      `${cells('cells_regroup g join contracts c on ' + sameGroup('c', 'g') + ' join outcomes o on o.contract_id = c.id and o.is_latest')}
       union all
       select ${negatedRows('measure_cells', 'r')} from measure_rollups r join cells_regroup g on ${sameGroup('r', 'g')}
       union all
       ${this.moves()}`,
    );
    await s.query('drop table cells_regroup, cells_pairs, cells_touched');
  }

  /**
   * The difference the outcome changes make to their cells: quantity, returns and demo returns by their signed sums,
   * £ at the cell's factor. A contract's presence in a cell: how many of its latest outcomes are there now, and how
   * many there were (now less the batch's net change), looked up only when the batch changed how many there are (a
   * correction retires one revision and adds another: no lookup); in a cell that held nothing before, none were.
   */
  private moves(): string {
    const sums = `sum(p.quantity) as quantity, sum(p.net) as outcome_count`;
    const touched = `join cells_touched t on t.authority_id = p.authority_id and t.sector_key = p.sector_key and t.measure_id = p.measure_id
      and t.quarter = p.quarter`;
    return `select r.authority_id, nullif(r.sector_key, '')::char(2), r.measure_id, r.quarter, r.quantity,
        ${MONEY.map(([, f]) => `r.quantity * f.${f}`).join(', ')}, r.outcome_count, r.contract_count, r.demo_count
      from (
        select p.authority_id, p.sector_key, p.measure_id, p.quarter, ${sums}, count(*) filter (where p.net > 0) as contract_count,
          sum(p.demo) as demo_count
        from cells_pairs p ${touched}
        where not t.held
        group by 1, 2, 3, 4
        union all
        select p.authority_id, p.sector_key, p.measure_id, p.quarter, ${sums},
          sum(case when p.net = 0 then 0 else (now.n > 0)::int - ((now.n - p.net) > 0)::int end) as contract_count, sum(p.demo) as demo_count
        from cells_pairs p ${touched}
        left join lateral (
          select count(*) as n from outcomes o where o.contract_id = p.contract_id and o.measure_id = p.measure_id and o.is_latest
            and o.period_end >= p.quarter and o.period_end < p.quarter + interval '3 months'
        ) now on p.net <> 0
        where t.held
        group by 1, 2, 3, 4
      ) r
      ${factor('r')}`;
  }

  async rebuild(s: Session): Promise<void> {
    await replaceLevel(s, 'measure_cells', cells('outcomes o join contracts c on c.id = o.contract_id where o.is_latest'));
  }

  /** The £ of every cell of these measures from the current factors (proxy values or deflators changed). */
  async reprice(s: Session, measureIds: number[]): Promise<void> {
    if (measureIds.length === 0) return;
    await s.query(
      `update measure_rollups r set ${MONEY.map(([c, f]) => `${c} = r.quantity * f.${f}`).join(', ')}
       from valuation_factors f
       where r.measure_id = any($1::int[]) and f.measure_id = r.measure_id and f.year = extract(year from r.quarter)::int`,
      [measureIds],
    );
    await s.query(
      `update measure_rollups r set ${MONEY.map(([c]) => `${c} = null`).join(', ')}
       where r.measure_id = any($1::int[]) and not exists (
         select 1 from valuation_factors f where f.measure_id = r.measure_id and f.year = extract(year from r.quarter)::int)`,
      [measureIds],
    );
  }
}
