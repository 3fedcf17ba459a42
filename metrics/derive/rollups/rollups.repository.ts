import type { Session } from '../../platform/session';

/** The £ columns of measure_rollups and the factor each multiplies the quantity by. */
const MONEY = [
  ['nominal_gbp', 'nominal_per_unit'],
  ['real_gbp', 'real_per_unit'],
  ['net_gbp', 'net_per_unit'],
  ['pv_gbp', 'pv_per_unit'],
] as const;

const MONEY_COLUMNS = MONEY.map(([c]) => c).join(', ');

const QUARTER = `date_trunc('quarter', o.period_end)::date`;

/** The sums of a coarser level over cells or deltas `d`, grouped by `{keys}` (all of them, in the select's order). */
const LEVEL_SUMS = `select {keys}, sum(d.quantity), ${MONEY.map(([c]) => `sum(d.${c})`).join(', ')},
  sum(d.outcome_count), sum(d.contract_count), sum(d.demo_count)
  from {from} group by {keys}`;

/** What a refresh did, for the batch log and the benchmark. */
export interface RefreshCounts {
  cells: number;
  groups: number;
  contracts: number;
}

/** The update of an upsert that adds a difference to a row of sums (£ stay null when both are: record-only measures). */
function addSums(t: string): string {
  return [
    `quantity = ${t}.quantity + excluded.quantity`,
    ...MONEY.map(([c]) => `${c} = case when ${t}.${c} is null and excluded.${c} is null then null else coalesce(${t}.${c}, 0) + coalesce(excluded.${c}, 0) end`),
    `outcome_count = ${t}.outcome_count + excluded.outcome_count`,
    `contract_count = ${t}.contract_count + excluded.contract_count`,
    `demo_count = ${t}.demo_count + excluded.demo_count`,
  ].join(', ');
}

/** Sector as a join key: hashable and indexable, with no sector as ''. */
const SECTOR_KEY = (alias: string) => `coalesce(${alias}.sector, '')`;

/**
 * The SQL of the rollups. The measure rollup of a cell is the sum over the latest revision of every outcome of the
 * contracts of that authority and sector, for that measure, whose period ends in that quarter; its £ is the summed
 * quantity times the measure's factor for the quarter's year (valuation_factors), so a cell is exact.
 * A refresh moves each cell by the outcome revisions that appeared or stopped being the latest (work in proportion to
 * the batch, not to the tables); the cells of an authority and sector whose contracts moved or were deleted are
 * recomputed whole from the raw rows, as a rebuild does.
 */
export class RollupsRepository {
  /** Moves the recorded dirty keys into this refresh's temp tables (on commit drop) and returns how many there are. */
  async takeDirty(s: Session): Promise<RefreshCounts> {
    await this.dropTemp(s);
    await s.query('create temp table rollup_refresh_contracts (contract_id bigint primary key) on commit drop');
    await s.query(
      `with d as (delete from rollup_dirty_contracts returning contract_id)
       insert into rollup_refresh_contracts select distinct contract_id from d`,
    );
    await s.query(
      `create temp table rollup_refresh_cells on commit drop as
       with d as (delete from rollup_dirty_cells returning *) select distinct * from d`,
    );
    // the differences of cells that are not recomputed whole
    await s.query(
      `create temp table rollup_refresh_rows on commit drop as
       with d as (delete from rollup_dirty_outcomes returning *)
       select d.* from d
       where not exists (select 1 from rollup_refresh_cells g where g.authority_id = d.authority_id and ${SECTOR_KEY('g')} = ${SECTOR_KEY('d')})`,
    );
    await s.query(
      `create temp table rollup_refresh_groups on commit drop as
       with d as (delete from rollup_dirty_groups returning *) select distinct * from d`,
    );
    for (const t of ['rollup_refresh_contracts', 'rollup_refresh_cells', 'rollup_refresh_rows', 'rollup_refresh_groups']) await s.query(`analyze ${t}`);
    const [c] = await s.query<Record<keyof RefreshCounts, number>>(
      `select (select count(*) from rollup_refresh_cells) + (select count(*) from rollup_refresh_rows) as cells,
         (select count(*) from rollup_refresh_groups) as groups, (select count(*) from rollup_refresh_contracts) as contracts`,
    );
    return { cells: Number(c.cells), groups: Number(c.groups), contracts: Number(c.contracts) };
  }

  /** Every contract, for a rebuild. */
  async takeAll(s: Session): Promise<void> {
    await s.query('delete from rollup_dirty_cells');
    await s.query('delete from rollup_dirty_groups');
    await s.query('delete from rollup_dirty_contracts');
    await s.query('delete from rollup_dirty_outcomes');
    await this.dropTemp(s);
    await s.query('create temp table rollup_refresh_contracts (contract_id bigint primary key) on commit drop');
    await s.query('insert into rollup_refresh_contracts select id from contracts');
  }

  async dropTemp(s: Session): Promise<void> {
    await s.query('drop table if exists rollup_refresh_contracts, rollup_refresh_cells, rollup_refresh_rows, rollup_refresh_groups, rollup_delta');
  }

  private insertCells(where: string, returning = false): string {
    return `insert into measure_rollups (authority_id, sector, measure_id, quarter, quantity, ${MONEY_COLUMNS},
         outcome_count, contract_count, demo_count)
       select a.authority_id, a.sector, a.measure_id, a.quarter, a.quantity,
         ${MONEY.map(([, f]) => `a.quantity * f.${f}`).join(', ')}, a.outcome_count, a.contract_count, a.demo_count
       from (
         select c.authority_id, c.sector, o.measure_id, ${QUARTER} as quarter, sum(o.quantity_canonical) as quantity,
           count(*) as outcome_count, count(distinct o.contract_id) as contract_count,
           count(*) filter (where o.is_demo) as demo_count
         from ${where}
         group by 1, 2, 3, 4) a
       left join valuation_factors f on f.measure_id = a.measure_id and f.year = extract(year from a.quarter)::int
       ${returning ? `returning authority_id, sector, measure_id, quarter, quantity, ${MONEY_COLUMNS}, outcome_count, contract_count, demo_count` : ''}`;
  }

  /**
   * Brings the cells up to date: those of the authorities and sectors in rollup_refresh_cells recomputed whole from
   * the raw rows, every other cell moved by the differences in rollup_refresh_rows. Every change to a cell is also
   * written to rollup_delta (a cell removed counts negatively), which then moves the two coarser levels.
   */
  async refreshCells(s: Session): Promise<void> {
    await s.query(
      `create temp table rollup_delta on commit drop as
       with gone as (
         delete from measure_rollups r using rollup_refresh_cells d
         where r.authority_id = d.authority_id and ${SECTOR_KEY('r')} = ${SECTOR_KEY('d')}
         returning r.*)
       select authority_id, sector, measure_id, quarter, -quantity as quantity, ${MONEY.map(([c]) => `-${c} as ${c}`).join(', ')},
         -outcome_count as outcome_count, -contract_count as contract_count, -demo_count as demo_count
       from gone`,
    );
    await s.query(
      `with added as (${this.insertCells(
        `rollup_refresh_cells d
         join contracts c on c.authority_id = d.authority_id and ${SECTOR_KEY('c')} = ${SECTOR_KEY('d')}
         join outcomes o on o.contract_id = c.id and o.is_latest`,
        true,
      )}) insert into rollup_delta select * from added`,
    );
    // each contract's presence in a cell it gained or lost returns in: how many of its latest outcomes are there now,
    // and how many there were (now minus the batch's net change)
    await s.query(
      `with pairs as (
         select authority_id, sector, measure_id, quarter, contract_id, sum(sign) as net
         from rollup_refresh_rows group by 1, 2, 3, 4, 5),
       presence as materialized (
         select p.authority_id, p.sector, p.measure_id, p.quarter, p.net, (
           select count(*) from outcomes o where o.contract_id = p.contract_id and o.measure_id = p.measure_id and o.is_latest
             and o.period_end >= p.quarter and o.period_end < p.quarter + interval '3 months') as now
         from pairs p),
       contracts as (
         select authority_id, sector, measure_id, quarter,
           sum((now > 0)::int - ((now - net) > 0)::int) as contract_count
         from presence group by 1, 2, 3, 4),
       rows as (
         select authority_id, sector, measure_id, quarter, sum(sign * quantity) as quantity, sum(sign) as outcome_count,
           sum(case when is_demo then sign else 0 end) as demo_count
         from rollup_refresh_rows group by 1, 2, 3, 4)
       insert into rollup_delta
       select r.authority_id, r.sector, r.measure_id, r.quarter, r.quantity,
         ${MONEY.map(([, f]) => `r.quantity * f.${f}`).join(', ')}, r.outcome_count, c.contract_count, r.demo_count
       from rows r
       join contracts c on c.authority_id = r.authority_id and ${SECTOR_KEY('c')} = ${SECTOR_KEY('r')}
         and c.measure_id = r.measure_id and c.quarter = r.quarter
       left join valuation_factors f on f.measure_id = r.measure_id and f.year = extract(year from r.quarter)::int`,
    );
    await s.query(
      `insert into measure_rollups as t (authority_id, sector, measure_id, quarter, quantity, ${MONEY_COLUMNS}, outcome_count, contract_count, demo_count)
       select authority_id, sector, measure_id, quarter, quantity, ${MONEY_COLUMNS}, outcome_count, contract_count, demo_count
       from rollup_delta d
       where not exists (select 1 from rollup_refresh_cells g where g.authority_id = d.authority_id and ${SECTOR_KEY('g')} = ${SECTOR_KEY('d')})
       on conflict (authority_id, sector, measure_id, quarter) do update set ${addSums('t')}`,
    );
    await s.query(
      `delete from measure_rollups r using rollup_delta d
       where r.outcome_count = 0 and r.authority_id = d.authority_id and ${SECTOR_KEY('r')} = ${SECTOR_KEY('d')}
         and r.measure_id = d.measure_id and r.quarter = d.quarter`,
    );
    await this.applyDelta(s);
  }

  /** Adds rollup_delta into the area and authority-year levels, dropping the rows that no longer count anything. */
  private async applyDelta(s: Session): Promise<void> {
    await s.query(
      `insert into measure_rollups_area as t (nation, region, kind, sector, measure_id, quarter, quantity, ${MONEY_COLUMNS}, outcome_count, contract_count, demo_count)
       ${LEVEL_SUMS.replaceAll('{keys}', 'a.nation, a.region, a.kind, d.sector, d.measure_id, d.quarter').replace('{from}', 'rollup_delta d join authorities a on a.id = d.authority_id')}
       on conflict (nation, region, kind, sector, measure_id, quarter) do update set ${addSums('t')}`,
    );
    await s.query(
      `insert into measure_rollups_authority_year as t (authority_id, measure_id, year, quantity, ${MONEY_COLUMNS}, outcome_count, contract_count, demo_count)
       ${LEVEL_SUMS.replaceAll('{keys}', 'd.authority_id, d.measure_id, extract(year from d.quarter)::smallint').replace('{from}', 'rollup_delta d')}
       on conflict (authority_id, measure_id, year) do update set ${addSums('t')}`,
    );
    await s.query('delete from measure_rollups_area where outcome_count = 0');
    await s.query('delete from measure_rollups_authority_year where outcome_count = 0');
    await s.query('drop table if exists rollup_delta');
  }

  /** The two coarser levels from the cells, from nothing (after a rebuild, a revaluation, or authorities re-seeded). */
  async rebuildLevels(s: Session): Promise<void> {
    await s.query('delete from measure_rollups_area');
    await s.query('delete from measure_rollups_authority_year');
    await s.query(
      `insert into measure_rollups_area (nation, region, kind, sector, measure_id, quarter, quantity, ${MONEY_COLUMNS}, outcome_count, contract_count, demo_count)
       ${LEVEL_SUMS.replaceAll('{keys}', 'a.nation, a.region, a.kind, d.sector, d.measure_id, d.quarter').replace('{from}', 'measure_rollups d join authorities a on a.id = d.authority_id')}`,
    );
    await s.query(
      `insert into measure_rollups_authority_year (authority_id, measure_id, year, quantity, ${MONEY_COLUMNS}, outcome_count, contract_count, demo_count)
       ${LEVEL_SUMS.replaceAll('{keys}', 'd.authority_id, d.measure_id, extract(year from d.quarter)::smallint').replace('{from}', 'measure_rollups d')}`,
    );
  }

  private insertGroups(where: string): string {
    return `insert into contract_rollups (authority_id, sector, award_quarter, contracts, awarded, awarded_value_gbp, in_scope,
         in_scope_value_gbp, sv_evaluated, sv_evaluated_value_gbp, sv_weighted_10, sv_weighted_10_value_gbp,
         sv_weighting_sum, sv_weighting_count, supplier_known_value_gbp, sme_value_gbp, vcse_value_gbp, demo_count)
       select c.authority_id, c.sector, date_trunc('quarter', c.award_date)::date, count(*),
         count(*) filter (where c.stage = 'awarded'),
         coalesce(sum(c.value_gbp) filter (where c.stage = 'awarded'), 0),
         count(*) filter (where c.in_scope),
         coalesce(sum(c.value_gbp) filter (where c.in_scope), 0),
         count(*) filter (where c.in_scope and c.sv_evaluated),
         coalesce(sum(c.value_gbp) filter (where c.in_scope and c.sv_evaluated), 0),
         count(*) filter (where c.in_scope and c.sv_weighting_pct >= 10),
         coalesce(sum(c.value_gbp) filter (where c.in_scope and c.sv_weighting_pct >= 10), 0),
         coalesce(sum(c.sv_weighting_pct) filter (where c.in_scope and c.sv_weighting_pct is not null), 0),
         count(*) filter (where c.in_scope and c.sv_weighting_pct is not null),
         coalesce(sum(c.value_gbp) filter (where c.stage = 'awarded' and (sup.scale is not null or sup.vcse is not null)), 0),
         coalesce(sum(c.value_gbp) filter (where c.stage = 'awarded' and sup.scale = 'sme'), 0),
         coalesce(sum(c.value_gbp) filter (where c.stage = 'awarded' and sup.vcse), 0),
         count(*) filter (where c.is_demo)
       from ${where}
       group by 1, 2, 3`;
  }

  /** Recomputes the contract rollups of the authority and sector pairs in rollup_refresh_groups. */
  async refreshGroups(s: Session): Promise<void> {
    await s.query(
      `delete from contract_rollups r using rollup_refresh_groups g
       where r.authority_id = g.authority_id and ${SECTOR_KEY('r')} = ${SECTOR_KEY('g')}`,
    );
    await s.query(
      this.insertGroups(
        `rollup_refresh_groups g
         join contracts c on c.authority_id = g.authority_id and ${SECTOR_KEY('c')} = ${SECTOR_KEY('g')}
         left join suppliers sup on sup.id = c.supplier_id`,
      ),
    );
  }

  /** Both rollups from nothing. */
  async rebuild(s: Session): Promise<void> {
    await s.query('delete from measure_rollups');
    await s.query('delete from contract_rollups');
    await s.query(this.insertCells(`outcomes o join contracts c on c.id = o.contract_id where o.is_latest`));
    await this.rebuildLevels(s);
    await s.query(this.insertGroups(`contracts c left join suppliers sup on sup.id = c.supplier_id`));
  }

  /** The £ of every cell of these measures, from the current factors (after a proxy value or a deflator changed). */
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
    await this.rebuildLevels(s);
  }
}
