import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * One change log for everything derived from contracts, commitments and outcomes.
 *
 * Until now three sets of statement triggers fired on every write (rollup_dirty_*, delivery_dirty_*, quality_dirty_*),
 * each recording its own part of the same change, and two rollups (indicator_contract_rollups,
 * indicator_social_rollups) were kept by triggers of their own. Now one trigger per table and operation records each
 * change once, with what every refresher reads:
 *
 * - change_outcomes: each latest outcome revision a statement wrote (sign 1: as it is now) or retired, changed or
 *   deleted (sign -1: as it was), in the order written (seq; the rows as they were go first, so that within a
 *   statement the row as it is now comes last): outcome, contract, measure, period, canonical quantity, demo flag and
 *   the normalised evidence reference (trimmed, lower case; none when blank).
 * - change_commitments: each contract x measure whose commitments a statement wrote or deleted.
 * - change_contracts: each contract inserted, deleted, or updated in a column anything derived reads, with its
 *   authority and sector before and after, and the names of the columns that changed.
 *
 * The refresh in each batch's transaction (metrics/derive) takes the log and moves every derived level by it; the
 * coarser levels are moved by the same code as the rest (no triggers of their own any more). Every writer of these
 * tables in the service refreshes in its own transaction, so the log is empty whenever a transaction commits: its
 * tables are unlogged (no WAL: a million changes cost a second less to write and take), and what a crash empties was
 * never committed. A write made outside the service (psql) is refreshed by the next batch, or by
 * `npm run cli -- rollups rebuild`. derived_state records
 * the version of the derived data: when it is behind the code's (here: changes were pending in the old tables), the
 * next start rebuilds everything once.
 *
 * The sums of indicator_social_rollups now count outcomes (outcome_count, additive like every other level) rather than
 * cells; contract_rollups loses the check on its count (its rows are moved by signed differences too).
 */

const WATCHED_CONTRACT_COLUMNS = [
  'reference', 'authority_id', 'supplier_id', 'stage', 'sector', 'value_gbp', 'award_date', 'start_date', 'end_date',
  'in_scope', 'sv_evaluated', 'sv_weighting_pct', 'is_demo',
];

const EVIDENCE_KEY = `case when btrim(evidence_ref) <> '' then lower(btrim(evidence_ref)) end`;

const OUTCOME_COLUMNS = 'outcome_id, sign, contract_id, measure_id, period_start, period_end, quantity, is_demo, evidence_key';
const outcomeRows = (table: string, sign: number) =>
  `select id, ${sign}, contract_id, measure_id, period_start, period_end, quantity_canonical, is_demo, ${EVIDENCE_KEY} from ${table} where is_latest`;

const changed = WATCHED_CONTRACT_COLUMNS.map((c) => `case when o.${c} is distinct from n.${c} then '${c}' end`).join(', ');

const TRIGGERS: Array<[table: string, fn: string]> = [
  ['outcomes', 'log_outcome_changes'],
  ['commitments', 'log_commitment_changes'],
  ['contracts', 'log_contract_changes'],
];

export async function up(knex: Knex): Promise<void> {
  const [{ pending }] = (
    await knex.raw(`select exists (select 1 from rollup_dirty_outcomes) or exists (select 1 from rollup_dirty_cells)
      or exists (select 1 from rollup_dirty_groups) or exists (select 1 from rollup_dirty_contracts)
      or exists (select 1 from delivery_dirty_outcomes) or exists (select 1 from delivery_dirty_commitments)
      or exists (select 1 from delivery_dirty_contracts) or exists (select 1 from quality_dirty_outcomes)
      or exists (select 1 from quality_dirty_contracts) as pending`)
  ).rows as Array<{ pending: boolean }>;
  await runStatements(knex, [
    ...dropOldTriggers(),
    'drop table rollup_dirty_cells, rollup_dirty_outcomes, rollup_dirty_groups, rollup_dirty_contracts',
    'drop table delivery_dirty_outcomes, delivery_dirty_commitments, delivery_dirty_contracts',
    'drop table quality_dirty_outcomes, quality_dirty_contracts',

    `create unlogged table change_outcomes (
      seq bigint generated always as identity,
      outcome_id bigint not null,
      sign smallint not null check (sign in (-1, 1)),
      contract_id bigint not null,
      measure_id integer not null,
      period_start date not null,
      period_end date not null,
      quantity numeric not null,
      is_demo boolean not null,
      evidence_key text
    )`,
    `create unlogged table change_commitments (contract_id bigint not null, measure_id integer not null)`,
    `create unlogged table change_contracts (
      contract_id bigint not null,
      op text not null check (op in ('insert', 'update', 'delete')),
      old_authority_id integer,
      old_sector char(2),
      new_authority_id integer,
      new_sector char(2),
      changed text[] not null default '{}'
    )`,
    `create function log_outcome_changes() returns trigger language plpgsql as $$
     begin
       if tg_op in ('DELETE', 'UPDATE') then
         insert into change_outcomes (${OUTCOME_COLUMNS}) ${outcomeRows('change_old', -1)};
       end if;
       if tg_op in ('INSERT', 'UPDATE') then
         insert into change_outcomes (${OUTCOME_COLUMNS}) ${outcomeRows('change_new', 1)};
       end if;
       return null;
     end $$`,
    `create function log_commitment_changes() returns trigger language plpgsql as $$
     begin
       if tg_op in ('INSERT', 'UPDATE') then
         insert into change_commitments select distinct contract_id, measure_id from change_new;
       end if;
       if tg_op in ('DELETE', 'UPDATE') then
         insert into change_commitments select distinct contract_id, measure_id from change_old;
       end if;
       return null;
     end $$`,
    `create function log_contract_changes() returns trigger language plpgsql as $$
     begin
       if tg_op = 'INSERT' then
         insert into change_contracts (contract_id, op, new_authority_id, new_sector) select id, 'insert', authority_id, sector from change_new;
       elsif tg_op = 'DELETE' then
         insert into change_contracts (contract_id, op, old_authority_id, old_sector) select id, 'delete', authority_id, sector from change_old;
       else
         insert into change_contracts (contract_id, op, old_authority_id, old_sector, new_authority_id, new_sector, changed)
           select n.id, 'update', o.authority_id, o.sector, n.authority_id, n.sector, c.changed
           from change_old o join change_new n on n.id = o.id
           cross join lateral (select array_remove(array[${changed}], null) as changed) c
           where cardinality(c.changed) > 0;
       end if;
       return null;
     end $$`,
    ...TRIGGERS.flatMap(([table, fn]) => [
      `create trigger ${table}_change_ins after insert on ${table} referencing new table as change_new for each statement execute function ${fn}()`,
      `create trigger ${table}_change_upd after update on ${table} referencing old table as change_old new table as change_new
        for each statement execute function ${fn}()`,
      `create trigger ${table}_change_del after delete on ${table} referencing old table as change_old for each statement execute function ${fn}()`,
    ]),

    // levels moved by signed differences: no check on their counts
    'alter table contract_rollups drop constraint contract_rollups_contracts_check',
    'alter table indicator_social_rollups rename column cells to outcome_count',
    'drop index indicator_social_rollups_empty_idx',
    `update indicator_social_rollups s set outcome_count = x.n
     from (select r.authority_id, r.quarter, m.framework_id, sum(r.outcome_count)::int as n
           from measure_rollups r join measures m on m.id = r.measure_id group by 1, 2, 3) x
     where x.authority_id = s.authority_id and x.quarter = s.quarter and x.framework_id = s.framework_id`,

    `create table derived_state (
      id boolean primary key default true check (id),
      version integer not null,
      rebuilt_at timestamptz
    )`,
    // version 1: this change log. 0: changes were pending in the old tables: the next start rebuilds everything
    `insert into derived_state (version) values (${pending ? 0 : 1})`,
  ]);
}

function dropOldTriggers(): string[] {
  const ops = ['ins', 'upd', 'del'];
  return [
    ...['outcomes', 'commitments', 'contracts'].flatMap((t) => ops.map((op) => `drop trigger ${t}_rollup_${op} on ${t}`)),
    'drop function rollup_mark_contracts(), rollup_mark_commitments(), rollup_mark_outcomes()',
    ...['outcomes', 'commitments'].flatMap((t) => ops.map((op) => `drop trigger ${t}_delivery_${op} on ${t}`)),
    'drop trigger contracts_delivery_upd on contracts',
    'drop function delivery_mark_contracts(), delivery_mark_commitments(), delivery_mark_outcomes()',
    ...ops.map((op) => `drop trigger outcomes_quality_${op} on outcomes`),
    'drop trigger contracts_quality_upd on contracts',
    'drop function quality_mark_contracts(), quality_mark_outcomes()',
    ...[
      ['indicator_contract_rollups', 'contract_rollups'],
      ['indicator_social_rollups', 'measure_rollups'],
    ].flatMap(([target, source]) => [
      ...ops.map((op) => `drop trigger ${target}_${op} on ${source}`),
      ...ops.map((op) => `drop function ${target}_${op}()`),
    ]),
  ];
}

/**
 * Back to three sets of dirty-key triggers and the two trigger-kept rollups (as migrations 000700, 000800 and 001100
 * made them). Pending changes are not carried back: rebuild the derived data after going down
 * (`npm run cli -- rollups rebuild`).
 */
export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    ...TRIGGERS.flatMap(([table]) => ['ins', 'upd', 'del'].map((op) => `drop trigger ${table}_change_${op} on ${table}`)),
    'drop function log_outcome_changes(), log_commitment_changes(), log_contract_changes()',
    'drop table change_outcomes, change_commitments, change_contracts, derived_state',
    `alter table contract_rollups add constraint contract_rollups_contracts_check check (contracts > 0)`,
    'alter table indicator_social_rollups rename column outcome_count to cells',
    `update indicator_social_rollups s set cells = x.n
     from (select r.authority_id, r.quarter, m.framework_id, count(*)::int as n
           from measure_rollups r join measures m on m.id = r.measure_id group by 1, 2, 3) x
     where x.authority_id = s.authority_id and x.quarter = s.quarter and x.framework_id = s.framework_id`,
    'create index indicator_social_rollups_empty_idx on indicator_social_rollups (cells) where cells = 0',
    ...OLD_TRIGGERS,
  ]);
}

// ---- the triggers as they were (for down) ----

const OLD_QUALITY_KEY = `case when btrim(evidence_ref) <> '' then lower(btrim(evidence_ref)) end`;
const OLD_DELIVERY_CONTRACT_FIELDS = ['authority_id', 'sector', 'award_date', 'value_gbp', 'stage', 'start_date', 'end_date', 'is_demo'];

function oldCompact(target: string, source: string, keys: Array<[string, string]>, rows: Array<[string, string]>, sums: Array<[string, string]>, count: string, join = '', carry: Array<[string, string]> = []): string[] {
  const keyNames = keys.map(([k]) => k);
  const sumNames = sums.map(([k]) => k);
  const select = (from: string, sign: string) =>
    `select ${[...keys.map(([k, e]) => `${e} as ${k}`), ...carry.map(([k, e]) => `${e} as ${k}`), ...rows.map(([k, e]) => `${sign}${e} as ${k}`)].join(', ')}
     from ${from} r ${join}`;
  const apply = (parts: string[]) =>
    `insert into ${target} (${[...keyNames, ...sumNames].join(', ')})
     select ${[...keyNames, ...sums.map(([, a]) => a)].join(', ')} from (${parts.join(' union all ')}) d
     group by ${keyNames.map((_, i) => i + 1).join(', ')}
     having ${sums.map(([, a]) => `${a} <> 0`).join(' or ')} order by ${keyNames.map((_, i) => i + 1).join(', ')}
     on conflict (${keyNames.join(', ')}) do update set ${sumNames.map((k) => `${k} = ${target}.${k} + excluded.${k}`).join(', ')};
     delete from ${target} where ${count} = 0;`;
  const fn = (op: string, body: string) => `create function ${target}_${op}() returns trigger language plpgsql as $$ begin ${body} return null; end $$`;
  return [
    fn('ins', apply([select('rollup_new', '')])),
    fn('upd', apply([select('rollup_new', ''), select('rollup_old', '-')])),
    fn('del', apply([select('rollup_old', '-')])),
    `create trigger ${target}_ins after insert on ${source} referencing new table as rollup_new for each statement execute function ${target}_ins()`,
    `create trigger ${target}_upd after update on ${source} referencing old table as rollup_old new table as rollup_new for each statement execute function ${target}_upd()`,
    `create trigger ${target}_del after delete on ${source} referencing old table as rollup_old for each statement execute function ${target}_del()`,
  ];
}

const CONTRACT_COUNTS = ['contracts', 'awarded', 'in_scope', 'sv_evaluated', 'sv_weighted_10', 'sv_weighting_count', 'demo_count'];
const CONTRACT_MONEY = ['awarded_value_gbp', 'in_scope_value_gbp', 'sv_evaluated_value_gbp', 'sv_weighted_10_value_gbp', 'sv_weighting_sum',
  'supplier_known_value_gbp', 'sme_value_gbp', 'vcse_value_gbp'];
const BASES = ['nominal', 'real', 'net'];
const CATEGORIES = ['local_economic', 'social', 'environmental'];

const OLD_TRIGGERS: string[] = [
  `create table rollup_dirty_cells (authority_id integer not null, sector char(2))`,
  `create table rollup_dirty_outcomes (authority_id integer not null, sector char(2), contract_id bigint not null, measure_id integer not null,
    quarter date not null, quantity numeric not null, sign smallint not null check (sign in (-1, 1)), is_demo boolean not null)`,
  `create table rollup_dirty_groups (authority_id integer not null, sector char(2))`,
  `create table rollup_dirty_contracts (contract_id bigint not null)`,
  `create function rollup_mark_outcomes() returns trigger language plpgsql as $$
   begin
     if tg_op in ('INSERT', 'UPDATE') then
       insert into rollup_dirty_outcomes
         select c.authority_id, c.sector, o.contract_id, o.measure_id, date_trunc('quarter', o.period_end)::date, o.quantity_canonical, 1, o.is_demo
         from rollup_new o join contracts c on c.id = o.contract_id where o.is_latest;
       insert into rollup_dirty_contracts (contract_id) select distinct contract_id from rollup_new;
     end if;
     if tg_op in ('DELETE', 'UPDATE') then
       insert into rollup_dirty_outcomes
         select c.authority_id, c.sector, o.contract_id, o.measure_id, date_trunc('quarter', o.period_end)::date, o.quantity_canonical, -1, o.is_demo
         from rollup_old o join contracts c on c.id = o.contract_id where o.is_latest;
       insert into rollup_dirty_contracts (contract_id) select distinct contract_id from rollup_old;
     end if;
     return null;
   end $$`,
  `create function rollup_mark_commitments() returns trigger language plpgsql as $$
   begin
     if tg_op in ('INSERT', 'UPDATE') then insert into rollup_dirty_contracts (contract_id) select distinct contract_id from rollup_new; end if;
     if tg_op in ('DELETE', 'UPDATE') then insert into rollup_dirty_contracts (contract_id) select distinct contract_id from rollup_old; end if;
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
    const fn = `rollup_mark_${table}`;
    return [
      `create trigger ${table}_rollup_ins after insert on ${table} referencing new table as rollup_new for each statement execute function ${fn}()`,
      `create trigger ${table}_rollup_upd after update on ${table} referencing old table as rollup_old new table as rollup_new for each statement execute function ${fn}()`,
      `create trigger ${table}_rollup_del after delete on ${table} referencing old table as rollup_old for each statement execute function ${fn}()`,
    ];
  }),
  `create table delivery_dirty_outcomes (contract_id bigint not null, measure_id integer not null, period_start date not null, period_end date not null,
    quantity numeric not null, sign smallint not null check (sign in (-1, 1)))`,
  `create table delivery_dirty_commitments (contract_id bigint not null, measure_id integer not null)`,
  `create table delivery_dirty_contracts (contract_id bigint not null)`,
  `create function delivery_mark_outcomes() returns trigger language plpgsql as $$
   begin
     if tg_op in ('INSERT', 'UPDATE') then
       insert into delivery_dirty_outcomes select contract_id, measure_id, period_start, period_end, quantity_canonical, 1 from delivery_new where is_latest;
     end if;
     if tg_op in ('DELETE', 'UPDATE') then
       insert into delivery_dirty_outcomes select contract_id, measure_id, period_start, period_end, quantity_canonical, -1 from delivery_old where is_latest;
     end if;
     return null;
   end $$`,
  `create function delivery_mark_commitments() returns trigger language plpgsql as $$
   begin
     if tg_op in ('INSERT', 'UPDATE') then insert into delivery_dirty_commitments select distinct contract_id, measure_id from delivery_new; end if;
     if tg_op in ('DELETE', 'UPDATE') then insert into delivery_dirty_commitments select distinct contract_id, measure_id from delivery_old; end if;
     return null;
   end $$`,
  `create function delivery_mark_contracts() returns trigger language plpgsql as $$
   begin
     insert into delivery_dirty_contracts
       select n.id from delivery_old o join delivery_new n on n.id = o.id
       where ${OLD_DELIVERY_CONTRACT_FIELDS.map((f) => `o.${f} is distinct from n.${f}`).join(' or ')};
     return null;
   end $$`,
  `create trigger contracts_delivery_upd after update on contracts referencing old table as delivery_old new table as delivery_new
    for each statement execute function delivery_mark_contracts()`,
  ...(['outcomes', 'commitments'] as const).flatMap((table) => [
    `create trigger ${table}_delivery_ins after insert on ${table} referencing new table as delivery_new for each statement execute function delivery_mark_${table}()`,
    `create trigger ${table}_delivery_upd after update on ${table} referencing old table as delivery_old new table as delivery_new for each statement execute function delivery_mark_${table}()`,
    `create trigger ${table}_delivery_del after delete on ${table} referencing old table as delivery_old for each statement execute function delivery_mark_${table}()`,
  ]),
  `create table quality_dirty_outcomes (seq bigint generated always as identity, outcome_id bigint not null, sign smallint not null check (sign in (-1, 1)),
    contract_id bigint not null, measure_id integer not null, period_start date not null, period_end date not null, evidence_key text)`,
  `create table quality_dirty_contracts (contract_id bigint not null)`,
  `create function quality_mark_outcomes() returns trigger language plpgsql as $$
   begin
     if tg_op in ('DELETE', 'UPDATE') then
       insert into quality_dirty_outcomes (outcome_id, sign, contract_id, measure_id, period_start, period_end, evidence_key)
         select id, -1, contract_id, measure_id, period_start, period_end, ${OLD_QUALITY_KEY} from quality_old where is_latest;
     end if;
     if tg_op in ('INSERT', 'UPDATE') then
       insert into quality_dirty_outcomes (outcome_id, sign, contract_id, measure_id, period_start, period_end, evidence_key)
         select id, 1, contract_id, measure_id, period_start, period_end, ${OLD_QUALITY_KEY} from quality_new where is_latest;
     end if;
     return null;
   end $$`,
  `create function quality_mark_contracts() returns trigger language plpgsql as $$
   begin
     insert into quality_dirty_contracts (contract_id)
       select n.id from quality_old o join quality_new n on n.id = o.id
       where o.start_date is distinct from n.start_date or o.end_date is distinct from n.end_date
         or o.value_gbp is distinct from n.value_gbp or o.reference <> n.reference;
     return null;
   end $$`,
  `create trigger outcomes_quality_ins after insert on outcomes referencing new table as quality_new for each statement execute function quality_mark_outcomes()`,
  `create trigger outcomes_quality_upd after update on outcomes referencing old table as quality_old new table as quality_new for each statement execute function quality_mark_outcomes()`,
  `create trigger outcomes_quality_del after delete on outcomes referencing old table as quality_old for each statement execute function quality_mark_outcomes()`,
  `create trigger contracts_quality_upd after update on contracts referencing old table as quality_old new table as quality_new for each statement execute function quality_mark_contracts()`,
  ...oldCompact(
    'indicator_contract_rollups',
    'contract_rollups',
    [['authority_id', 'r.authority_id'], ['award_quarter', 'r.award_quarter']],
    [...CONTRACT_COUNTS, ...CONTRACT_MONEY].map((c): [string, string] => [c, `r.${c}`]),
    [...CONTRACT_COUNTS, ...CONTRACT_MONEY].map((c): [string, string] => [c, `sum(${c})`]),
    'contracts',
  ),
  ...oldCompact(
    'indicator_social_rollups',
    'measure_rollups',
    [['authority_id', 'r.authority_id'], ['quarter', 'r.quarter'], ['framework_id', 'm.framework_id']],
    [['cells', '1'], ...BASES.map((b): [string, string] => [`${b}_gbp`, `coalesce(r.${b}_gbp, 0)`])],
    [['cells', 'sum(cells)'], ...CATEGORIES.flatMap((c) => BASES.map((b): [string, string] => [`${c}_${b}_gbp`, `coalesce(sum(${b}_gbp) filter (where category = '${c}'), 0)`]))],
    'cells',
    'join measures m on m.id = r.measure_id',
    [['category', 'm.category']],
  ),
];
