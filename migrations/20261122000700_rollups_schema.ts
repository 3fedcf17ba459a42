import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * Consistent measures: what one unit of each measure is worth in each year (computed by the pure valuation functions,
 * metrics/valuation), and the rollups every read uses.
 *
 * - valuation_factors: £ per canonical unit of a measure for outcomes of a calendar year: nominal (that year's
 *   prices), real (the framework's base price year), net of deadweight, displacement and attribution, and present
 *   value over the measure's duration with drop-off and Green Book discounting. Null £ for record_only measures.
 * - measure_rollups: authority x sector (CPV division) x measure x quarter (of the period's end) over the latest
 *   revision of every outcome: quantity in the canonical unit, £ = quantity x factor, outcome and contract counts.
 * - contract_rollups: authority x sector x award quarter over contracts: counts and values behind the Act
 *   implementation indicators and the per-£-of-contract normalisations.
 * - rollup_dirty_*: the keys a statement changed, recorded by statement-level triggers with transition tables (so every
 *   path that writes outcomes, commitments or contracts is covered), consumed by the refresh that runs in the same
 *   transaction as the import batch.
 */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `create table valuation_factors (
      measure_id integer not null references measures (id) on delete cascade,
      year smallint not null check (year between 1990 and 2100),
      proxy_value_id integer references proxy_values (id) on delete cascade,
      base_year smallint not null check (base_year between 1990 and 2100),
      nominal_per_unit numeric,
      real_per_unit numeric,
      net_per_unit numeric,
      pv_per_unit numeric,
      primary key (measure_id, year)
    )`,
    `create table measure_rollups (
      authority_id integer not null references authorities (id) on delete cascade,
      sector char(2) references cpv_divisions (code),
      measure_id integer not null references measures (id) on delete cascade,
      quarter date not null check (extract(day from quarter) = 1 and extract(month from quarter) in (1, 4, 7, 10)),
      quantity numeric not null,
      nominal_gbp numeric,
      real_gbp numeric,
      net_gbp numeric,
      pv_gbp numeric,
      outcome_count integer not null,
      contract_count integer not null,
      demo_count integer not null default 0
    )`,
    `create unique index measure_rollups_key_idx on measure_rollups (authority_id, sector, measure_id, quarter) nulls not distinct`,
    `create index measure_rollups_measure_quarter_idx on measure_rollups (measure_id, quarter)`,
    // the cells are kept by differences too, so their counts have no checks: the row an upsert proposes is a delta.
    // Two coarser levels of the same sums, kept by the deltas of each refresh, so national and by-authority reads
    // sum thousands of rows rather than every cell: by area (nation, region, authority kind) x sector x measure x
    // quarter, and by authority x measure x calendar year (no checks on their counts: the row an upsert proposes is a
    // delta, which may be negative)
    `create table measure_rollups_area (
      nation text,
      region text,
      kind text not null,
      sector char(2),
      measure_id integer not null references measures (id) on delete cascade,
      quarter date not null,
      quantity numeric not null,
      nominal_gbp numeric,
      real_gbp numeric,
      net_gbp numeric,
      pv_gbp numeric,
      outcome_count integer not null,
      contract_count integer not null,
      demo_count integer not null default 0
    )`,
    `create unique index measure_rollups_area_key_idx on measure_rollups_area (nation, region, kind, sector, measure_id, quarter) nulls not distinct`,
    `create table measure_rollups_authority_year (
      authority_id integer not null references authorities (id) on delete cascade,
      measure_id integer not null references measures (id) on delete cascade,
      year smallint not null,
      quantity numeric not null,
      nominal_gbp numeric,
      real_gbp numeric,
      net_gbp numeric,
      pv_gbp numeric,
      outcome_count integer not null,
      contract_count integer not null,
      demo_count integer not null default 0,
      primary key (authority_id, measure_id, year)
    )`,
    `create table contract_rollups (
      authority_id integer not null references authorities (id) on delete cascade,
      sector char(2) references cpv_divisions (code),
      award_quarter date,
      contracts integer not null check (contracts > 0),
      awarded integer not null default 0,
      awarded_value_gbp numeric not null default 0,
      in_scope integer not null default 0,
      in_scope_value_gbp numeric not null default 0,
      sv_evaluated integer not null default 0,
      sv_evaluated_value_gbp numeric not null default 0,
      sv_weighted_10 integer not null default 0,
      sv_weighted_10_value_gbp numeric not null default 0,
      sv_weighting_sum numeric not null default 0,
      sv_weighting_count integer not null default 0,
      supplier_known_value_gbp numeric not null default 0,
      sme_value_gbp numeric not null default 0,
      vcse_value_gbp numeric not null default 0,
      demo_count integer not null default 0
    )`,
    `create unique index contract_rollups_key_idx on contract_rollups (authority_id, sector, award_quarter) nulls not distinct`,
    // every cell of an authority and sector, recomputed whole (a contract of theirs moved or was deleted)
    `create table rollup_dirty_cells (authority_id integer not null, sector char(2))`,
    // each latest outcome revision that appeared (+1) or stopped being the latest (-1), with the contract's authority
    // and sector at that moment: the cells move by these differences
    `create table rollup_dirty_outcomes (
      authority_id integer not null,
      sector char(2),
      contract_id bigint not null,
      measure_id integer not null,
      quarter date not null,
      quantity numeric not null,
      sign smallint not null check (sign in (-1, 1)),
      is_demo boolean not null
    )`,
    `create table rollup_dirty_groups (authority_id integer not null, sector char(2))`,
    `create table rollup_dirty_contracts (contract_id bigint not null)`,
    `create function rollup_mark_outcomes() returns trigger language plpgsql as $$
     begin
       if tg_op in ('INSERT', 'UPDATE') then
         insert into rollup_dirty_outcomes
           select c.authority_id, c.sector, o.contract_id, o.measure_id, date_trunc('quarter', o.period_end)::date,
             o.quantity_canonical, 1, o.is_demo
           from rollup_new o join contracts c on c.id = o.contract_id where o.is_latest;
         insert into rollup_dirty_contracts (contract_id) select distinct contract_id from rollup_new;
       end if;
       if tg_op in ('DELETE', 'UPDATE') then
         insert into rollup_dirty_outcomes
           select c.authority_id, c.sector, o.contract_id, o.measure_id, date_trunc('quarter', o.period_end)::date,
             o.quantity_canonical, -1, o.is_demo
           from rollup_old o join contracts c on c.id = o.contract_id where o.is_latest;
         insert into rollup_dirty_contracts (contract_id) select distinct contract_id from rollup_old;
       end if;
       return null;
     end $$`,
    `create function rollup_mark_commitments() returns trigger language plpgsql as $$
     begin
       if tg_op in ('INSERT', 'UPDATE') then
         insert into rollup_dirty_contracts (contract_id) select distinct contract_id from rollup_new;
       end if;
       if tg_op in ('DELETE', 'UPDATE') then
         insert into rollup_dirty_contracts (contract_id) select distinct contract_id from rollup_old;
       end if;
       return null;
     end $$`,
    `create function rollup_mark_contracts() returns trigger language plpgsql as $$
     begin
       if tg_op = 'INSERT' then
         insert into rollup_dirty_groups select distinct authority_id, sector from rollup_new;
         insert into rollup_dirty_contracts select id from rollup_new;
       elsif tg_op = 'DELETE' then
         insert into rollup_dirty_groups select distinct authority_id, sector from rollup_old;
         insert into rollup_dirty_cells (authority_id, sector) select distinct authority_id, sector from rollup_old;
         insert into rollup_dirty_contracts select id from rollup_old;
       else
         insert into rollup_dirty_groups
           select o.authority_id, o.sector from rollup_old o join rollup_new n on n.id = o.id
           union select n.authority_id, n.sector from rollup_old o join rollup_new n on n.id = o.id;
         insert into rollup_dirty_cells (authority_id, sector)
           select o.authority_id, o.sector from rollup_old o join rollup_new n on n.id = o.id
           where (o.authority_id, o.sector) is distinct from (n.authority_id, n.sector)
           union select n.authority_id, n.sector from rollup_old o join rollup_new n on n.id = o.id
           where (o.authority_id, o.sector) is distinct from (n.authority_id, n.sector);
         insert into rollup_dirty_contracts select n.id from rollup_new n;
       end if;
       return null;
     end $$`,
    ...(['outcomes', 'commitments', 'contracts'] as const).flatMap((table) => {
      const fn = table === 'outcomes' ? 'rollup_mark_outcomes' : table === 'commitments' ? 'rollup_mark_commitments' : 'rollup_mark_contracts';
      return [
        `create trigger ${table}_rollup_ins after insert on ${table} referencing new table as rollup_new
          for each statement execute function ${fn}()`,
        `create trigger ${table}_rollup_upd after update on ${table} referencing old table as rollup_old new table as rollup_new
          for each statement execute function ${fn}()`,
        `create trigger ${table}_rollup_del after delete on ${table} referencing old table as rollup_old
          for each statement execute function ${fn}()`,
      ];
    }),
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    ...['outcomes', 'commitments', 'contracts'].flatMap((t) =>
      ['ins', 'upd', 'del'].map((e) => `drop trigger ${t}_rollup_${e} on ${t}`),
    ),
    'drop function rollup_mark_contracts()',
    'drop function rollup_mark_commitments()',
    'drop function rollup_mark_outcomes()',
    'drop table rollup_dirty_contracts',
    'drop table rollup_dirty_groups',
    'drop table rollup_dirty_outcomes',
    'drop table rollup_dirty_cells',
    'drop table contract_rollups',
    'drop table measure_rollups_authority_year',
    'drop table measure_rollups_area',
    'drop table measure_rollups',
    'drop table valuation_factors',
  ]);
}
